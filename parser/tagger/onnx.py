"""ONNX export (fp32) and dynamic INT8 quantisation of a saved tagger folder.

The exported graph maps ``input_ids, attention_mask[, lexicon]`` (int64, dynamic batch and
sequence axes) to ``logits [batch, seq, n_labels]`` and ``pooled [batch, hidden]`` (the query
embedding a fusion model trained on this tagger reads; ORT computes it only when asked for it);
word alignment, CRF/constrained decoding
and offsets stay in numpy (:class:`parser.tagger.predict.Tagger`), so both backends share them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kg.io import atomic_path
from parser.errors import ConfigError

__all__ = ["export_onnx"]

logger = logging.getLogger(__name__)


def export_onnx(path: str | os.PathLike[str], *, int8: bool = False, opset: int = 17) -> Path:
    """Write ``model.onnx`` (and with ``int8=True`` also ``model.int8.onnx``) into the tagger
    folder ``path``; returns the path of the file the ONNX backend will load."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as err:  # pragma: no cover - extras
        raise ConfigError("ONNX export needs onnx and onnxruntime: pip install 'kgqp[onnx]'") \
            from err
    import torch

    from parser.tagger.io import onnx_path
    from parser.tagger.predict import Tagger

    folder = Path(path)
    tagger = Tagger.from_pretrained(folder)
    model = tagger.model
    kinds = tagger.config.lexicon_kinds

    class _Export(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids, attention_mask, lexicon=None):
            return self.m(input_ids, attention_mask, lexicon, return_pooled=True)

    ids = torch.tensor([[2, 5, 6, 3], [2, 7, 3, 0]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    args: tuple = (ids, mask)
    names = ["input_ids", "attention_mask"]
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "logits": {0: "batch", 1: "seq"}, "pooled": {0: "batch"}}
    if kinds:
        args = (ids, mask, torch.zeros((2, 4, len(kinds)), dtype=torch.long))
        names.append("lexicon")
        axes["lexicon"] = {0: "batch", 1: "seq"}
    fp32 = onnx_path(folder, False)
    with atomic_path(fp32) as tmp, torch.inference_mode():
        torch.onnx.export(_Export().eval(), args, str(tmp), input_names=names,
                          output_names=["logits", "pooled"], dynamic_axes=axes, opset_version=opset,
                          dynamo=False)
    logger.info("wrote %s", fp32)
    if not int8:
        return fp32
    from onnxruntime.quantization import QuantType, quantize_dynamic

    q = onnx_path(folder, True)
    with atomic_path(q) as tmp:
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
    logger.info("wrote %s", q)
    return q
