"""bench/quantization.py ``--kg KGDIR``: a tagger trained with KG lexicon features is measured
with the KG as its lexicon, not with every lexicon feature 0."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from kg import Node, NodeKind, ProductGraph


def test_kg_is_every_measured_taggers_lexicon(
        bench_module: Callable[[str], ModuleType], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    from parser.tagger.data import write_conll
    from parser.tagger.testing import TINY_QUERIES, tiny_tagger

    model = tiny_tagger(lexicon_kinds=["brand"]).save(tmp_path / "tagger")
    with ProductGraph.open(tmp_path / "kg") as g:
        g.add_records([Node(NodeKind.BRAND, n.lower(), n) for n in ("Samsung", "Sony", "Lg")],
                      progress=False)
    data = tmp_path / "data" / "dev.conll"  # no train.conll beside it: timed on these queries
    data.parent.mkdir()
    write_conll(data, TINY_QUERIES)
    monkeypatch.setattr(sys, "argv", ["quantization.py", "--model", str(model), "--data",
                                      str(data), "--kg", str(tmp_path / "kg")])
    with caplog.at_level(logging.WARNING):
        bench_module("quantization").main()
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["kg"] == str(tmp_path / "kg") and out["n"] == len(TINY_QUERIES)
    assert set(out["results"]) == {"torch", "onnx fp32", "onnx int8 dynamic",
                                   "onnx int8 weights"}
    assert not [r for r in caplog.records if "loaded without a KG" in r.getMessage()]
