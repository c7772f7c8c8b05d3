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
    for name, t in taggers.items():  # (each runs its own variant's graph)
        assert Path(t.onnx_file).resolve() == files[name].resolve(), name
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


def test_the_load_times_printed_are_those_written_to_json(
        bench_module: Callable[[str], ModuleType], tmp_path: Path, monkeypatch, capsys) -> None:
    """Each variant's load time is measured once: the line printed and the --json file give
    the same number (each measured it again: two numbers for one time)."""
    pytest.importorskip("onnxruntime")
    import itertools
    import json
    import sys

    from kg import ProductGraph
    from parser.tagger.data import write_conll
    from parser.tagger.onnx import export_onnx
    from parser.tagger.testing import TINY_QUERIES, tiny_tagger

    bench = bench_module("tagger_onnx_graph")
    model = tiny_tagger(crf=True, lexicon_kinds=["brand"]).save(tmp_path / "tagger")
    export_onnx(model, int8=True)
    ProductGraph.open(tmp_path / "kg").close()
    write_conll(tmp_path / "data.conll", TINY_QUERIES)
    times = itertools.count(1)
    monkeypatch.setattr(bench, "_load_ms", lambda onnx_file: float(next(times)))
    monkeypatch.setattr(sys, "argv", [
        "tagger_onnx_graph.py", "--model", str(model), "--kg", str(tmp_path / "kg"),
        "--data", str(tmp_path / "data.conll"), "--rounds", "0", "--no-accuracy",
        "--variants", "current,logits-only", "--json", str(tmp_path / "out.json")])
    bench.main()
    res = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    printed = next(line for line in capsys.readouterr().out.splitlines() if "load:" in line)
    assert printed.endswith(f"load: current {res['current']['load_ms']} ms, logits-only "
                            f"{res['logits-only']['load_ms']} ms"), (printed, res)
    assert {res["current"]["load_ms"], res["logits-only"]["load_ms"]} == {1.0, 2.0}
