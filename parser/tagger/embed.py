"""The tagger as the fusion model's query encoder: one encoder pass per parse.

:class:`TaggerTextEncoder` wraps a :class:`parser.tagger.Tagger` in the text-encoder protocol of
:mod:`fusion.text` (``name``, ``dim``, ``encode(texts)``). A fusion model trained on it
(``kgqp fusion train --tagger DIR``) reads the tagger's pooled hidden states instead of a second
BERT's, so :class:`parser.QueryParser` tags and embeds a query in one forward pass
(:meth:`Tagger.tag_and_embed`). Its name, ``tagger:<first 12 hex digits of the weights'
SHA-256>``, is saved with the fusion model; a bundle refuses to pair that model with other
tagger weights.

Example:
    >>> from parser.tagger.testing import tiny_tagger
    >>> enc = TaggerTextEncoder(tiny_tagger())
    >>> enc.encode(["usb cable"]).shape[1] == enc.dim
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "TAGGER_ENCODER_PREFIX",
    "TaggerTextEncoder",
    "load_embedding_tagger",
    "resolve_query_encoder",
    "tagger_fingerprint",
]

TAGGER_ENCODER_PREFIX = "tagger:"


def tagger_fingerprint(path: str | Path | None) -> str:
    """First 12 hex digits of the SHA-256 of the tagger folder's ``model.safetensors``, as
    recorded in its ``kgqp.json`` at save time (hashed afresh for folders without the record;
    ``"unsaved"`` for a tagger without a folder)."""
    import json

    from kg.io import sha256_file

    if path is None or not (Path(path) / "model.safetensors").is_file():
        return "unsaved"
    try:
        recorded = json.loads((Path(path) / "kgqp.json").read_text(encoding="utf-8"))
        return str(recorded["weights_sha256"])[:12]
    except (OSError, ValueError, KeyError, TypeError):
        return sha256_file(Path(path) / "model.safetensors")[:12]


class TaggerTextEncoder:
    """Query embeddings from a tagger's encoder (see the module docstring).

    Args:
        tagger: a loaded :class:`parser.tagger.Tagger` (torch, or ONNX exported with the
            ``pooled`` output). Train the fusion model with the backend you will serve: the INT8
            graph's embeddings differ slightly from the torch ones.
        batch_size: texts per forward pass in :meth:`encode`.
    """

    def __init__(self, tagger: Any, *, batch_size: int = 128) -> None:
        from parser.errors import ConfigError

        if not tagger.has_embeddings:
            raise ConfigError(
                f"the tagger's ONNX export in {tagger.path} has no query-embedding output: "
                f"export it again with `kgqp tagger export-onnx {tagger.path} --int8`"
            )
        self.tagger = tagger
        self.batch_size = batch_size
        self.dim = int(tagger.embedding_dim)
        self.name = TAGGER_ENCODER_PREFIX + tagger_fingerprint(tagger.path)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> Any:
        """``texts`` -> ``Tensor[len(texts), dim]``."""
        import torch

        return torch.from_numpy(self.tagger.embed([str(t) for t in texts],
                                                  batch_size=self.batch_size))


def resolve_query_encoder(name: str, *, tagger: Any = None, tagger_dir: str | Path | None = None,
                          ) -> Any:
    """The query encoder a fusion model was trained with, from its saved ``name``.

    ``tagger:<fingerprint>`` names need the same tagger: a loaded ``tagger`` or a
    ``tagger_dir`` (loaded with ONNX Runtime when it has an ONNX export with the embedding
    output, as a bundle serves it; else with torch). Other names go to
    :func:`fusion.text.get_text_encoder`. A tagger whose weights differ raises
    :class:`parser.errors.ConfigError`.
    """
    from parser.errors import ConfigError

    if not name.startswith(TAGGER_ENCODER_PREFIX):
        from fusion.text import get_text_encoder

        return get_text_encoder(name)
    if tagger is None:
        if tagger_dir is None:
            raise ConfigError(
                f"this fusion model reads the query embeddings of the tagger {name!r}: pass "
                "that tagger (--tagger DIR)"
            )
        tagger = load_embedding_tagger(tagger_dir)
    enc = TaggerTextEncoder(tagger)
    if enc.name != name:
        raise ConfigError(
            f"the fusion model was trained on the embeddings of tagger {name!r}, but the tagger "
            f"in {tagger.path} is {enc.name!r}: retrain fusion with `kgqp fusion train --tagger "
            f"{tagger.path}` or use the tagger it was trained with"
        )
    return enc


def load_embedding_tagger(tagger_dir: str | Path) -> Any:
    """Load ``tagger_dir`` for embeddings: ONNX (INT8 when present) if its export has the
    embedding output, else torch."""
    from parser.tagger.io import has_onnx_export
    from parser.tagger.predict import Tagger

    tagger_dir = Path(tagger_dir)
    if has_onnx_export(tagger_dir):
        tagger = Tagger.from_pretrained(tagger_dir, backend="onnx")
        if tagger.has_embeddings:
            return tagger
    return Tagger.from_pretrained(tagger_dir, backend="torch")
