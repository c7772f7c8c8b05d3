"""bench/tagger_onnx_graph.py: the graph variants it times tag as the exported INT8 graph does
(on a tiny random BERT tagger with a lexicon input, exported as ``kgqp tagger export-onnx
--int8`` exports it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest


def test_graph_variants_tag_as_the_export(bench_module: Callable[[str], ModuleType],
                                          tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    import onnx

    from parser.tagger.onnx import export_onnx
    from parser.tagger.testing import TINY_QUERIES, tiny_tagger

    bench = bench_module("tagger_onnx_graph")
    model = tiny_tagger(crf=True, lexicon_kinds=["brand"]).save(tmp_path / "tagger")
    export_onnx(model, int8=True)
    names = ["current", "fused-mha", "fused-mha+logits-only"]
    files = bench.build_variants(model, names)
    ops = {n.op_type for n in onnx.load(str(files["fused-mha"])).graph.node}
    assert {"MultiHeadAttention", "SkipLayerNormalization", "MatMulNBits"} <= ops
    taggers = {n: bench._tagger(model, f, None) for n, f in files.items()}
    assert "pooled" not in taggers["fused-mha+logits-only"]._ort_outputs
    texts = [s.text() for s in TINY_QUERIES]
    ref = taggers["current"]
    items = ref.prepare(texts)
    want_logits, _ = ref.forward(items)
    want = [[(e.start, e.end, e.label) for e in r.entities] for r in ref.pipe(texts)]
    for name, t in taggers.items():
        logits, _ = t.forward(items)
        assert np.abs(logits - want_logits).max() < 1e-3, name
        assert [[(e.start, e.end, e.label) for e in r.entities] for r in t.pipe(texts)] == want, \
            name
