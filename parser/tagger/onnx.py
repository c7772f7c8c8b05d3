"""ONNX export (fp32) and INT8 quantisation of a saved tagger folder.

INT8 (``int8=True``) quantises the weights of every MatMul to 8 bits in blocks
(``MatMulNBits``, ONNX Runtime's weight-only quantisation). The activations are quantised
per row and block inside the kernel, never with a scale computed over the whole batch, so a
query's logits do not depend on the other queries of its batch. ``quantize="dynamic"`` is
the older dynamic quantisation (``quantize_dynamic``): its activation scales are computed per
call over the whole batch, so the same query can tag differently in another batch; kept for
comparison (bench/quantization.py).

The exported graph maps ``input_ids, attention_mask[, lexicon]`` (int64, dynamic batch and
sequence axes) to ``logits [batch, seq, n_labels]`` and ``pooled [batch, hidden]`` (the query
embedding a fusion model trained on this tagger reads; ORT computes it only when asked for it);
word alignment, CRF/constrained decoding
and offsets stay in numpy (:class:`parser.tagger.predict.Tagger`), so both backends share them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from kg.io import atomic_path
from parser.errors import ConfigError

__all__ = ["export_onnx", "quantize_weights"]

logger = logging.getLogger(__name__)


def export_onnx(path: str | os.PathLike[str], *, int8: bool = False, opset: int = 17,
                quantize: Literal["weights", "dynamic"] = "weights") -> Path:
    """Write ``model.onnx`` (and with ``int8=True`` also ``model.int8.onnx``) into the tagger
    folder ``path``; returns the path of the file the ONNX backend will load. ``quantize``
    picks the INT8 scheme (see the module docstring): ``"weights"`` (batch-independent, the
    default) or ``"dynamic"``."""
    if quantize not in ("weights", "dynamic"):
        raise ConfigError(f"quantize must be 'weights' or 'dynamic', got {quantize!r}")
    from parser.tagger.adapters import is_adapter

    if is_adapter(path):  # (its export, 62 MB, could be loaded by nothing)
        raise ConfigError(f"{path} is a LoRA adapter: the ONNX backend serves full taggers; "
                          "an adapter is served by torch (`kgqp parse --market`)")
    try:
        import onnxruntime  # noqa: F401
    except ImportError as err:  # pragma: no cover - extras
        raise ConfigError("ONNX export needs onnx and onnxruntime: pip install 'kgqp[onnx]'") \
            from err
    import torch

    from parser.tagger.io import onnx_path
    from parser.tagger.predict import Tagger

    folder = Path(path)
    tagger = Tagger.from_pretrained(folder, tags=False)  # (the lexicon is an input)
    model = tagger.model
    kinds = tagger.config.lexicon_kinds

    class _Export(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids, attention_mask, lexicon=None):
            return self.m(input_ids, attention_mask, lexicon, return_pooled=True,
                          return_states=True)

    ids = torch.tensor([[2, 5, 6, 3], [2, 7, 3, 0]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    args: tuple = (ids, mask)
    names = ["input_ids", "attention_mask"]
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "logits": {0: "batch", 1: "seq"}, "pooled": {0: "batch"},
            "states": {0: "batch", 1: "seq"}}
    if kinds:
        args = (ids, mask, torch.zeros((2, 4, len(kinds)), dtype=torch.long))
        names.append("lexicon")
        axes["lexicon"] = {0: "batch", 1: "seq"}
    fp32 = onnx_path(folder, False)
    with atomic_path(fp32) as tmp, torch.inference_mode(), warnings.catch_warnings():
        # the trace of the HF model warns about Python control flow on shapes (TracerWarning):
        # expected for this export (dynamic axes are declared), noise for the user
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(_Export().eval(), args, str(tmp), input_names=names,
                          output_names=["logits", "pooled", "states"], dynamic_axes=axes,
                          opset_version=opset, dynamo=False)
    logger.info("wrote %s", fp32)
    if not int8:
        return fp32
    q = onnx_path(folder, True)
    with atomic_path(q) as tmp:
        if quantize == "dynamic":
            with _quiet_quantiser():
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        else:
            quantize_weights(fp32, tmp)
    logger.info("wrote %s (%s INT8)", q, quantize)
    return q


def quantize_weights(src: Path, dst: Path, *, block_size: int = 32) -> None:
    """8-bit blockwise weight quantisation of every MatMul of the ONNX graph ``src``, written to
    ``dst`` (``MatMulNBits``; activations are quantised per row and block inside the kernel:
    ``accuracy_level=4``): what ``export_onnx(..., int8=True)`` does to the fp32 export."""
    import onnx

    with _quiet_quantiser():
        from onnxruntime.quantization.matmul_nbits_quantizer import (
            DefaultWeightOnlyQuantConfig,
            MatMulNBitsQuantizer,
        )

        cfg = DefaultWeightOnlyQuantConfig(block_size=block_size, is_symmetric=True, bits=8,
                                           accuracy_level=4)
        quant = MatMulNBitsQuantizer(onnx.load(str(src)), algo_config=cfg)
        quant.process()
        quant.model.save_model_to_file(str(dst), use_external_data_format=False)


_quantize_weights = quantize_weights  # (the old name: bench/parse_stages.py imports it)


@contextlib.contextmanager
def _quiet_quantiser() -> Iterator[None]:
    """Keep ONNX Runtime's quantiser off the root logger.

    Importing ``onnxruntime.quantization.matmul_nbits_quantizer`` calls
    ``logging.basicConfig(level=INFO)``: it installed a root handler and turned the root level to
    INFO for the whole process (every library's INFO lines then printed), and the quantiser logs
    one INFO line per MatMul. The root logger's handlers and level are restored after the import,
    and the quantiser's loggers are held at ERROR while it runs; its ``logging.warning(...)``
    calls straight on the root logger are dropped while it runs.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("onnxruntime.quantization", "onnxruntime.quantization.matmul_nbits_quantizer")
    saved = {n: logging.getLogger(n).level for n in names}
    def _not_onnxruntime(record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or "onnxruntime" not in record.pathname

    root.addFilter(_not_onnxruntime)
    try:
        for n in names:
            logging.getLogger(n).setLevel(logging.ERROR)
        yield
    finally:
        root.removeFilter(_not_onnxruntime)
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
        for n, lvl in saved.items():
            logging.getLogger(n).setLevel(lvl)
