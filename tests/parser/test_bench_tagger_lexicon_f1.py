"""bench/tagger_lexicon_f1.py: `--summary` shows every condition (CONDITION-SEED folders) apart,
and `--unlabelled` needs `--teacher`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


def test_summary_keeps_each_condition_apart(
        bench_module: Callable[[str], ModuleType], tmp_path: Path) -> None:
    mod = bench_module("tagger_lexicon_f1")
    for cond, f1s in (("kg", (0.63, 0.64)), ("kd", (0.65, 0.68)), ("kdx", (0.1,))):
        for seed, f1 in enumerate(f1s):
            d = tmp_path / f"{cond}-{seed}"
            d.mkdir()
            (d / "result.json").write_text(json.dumps(
                {"seed": seed, "onnx_int8_f1": f1,
                 "per_type": {"creator": {"f1": f1}}}), encoding="utf-8")
    out = mod.summary(tmp_path)
    assert set(out) == {"kg", "kd", "kdx"}  # kdx-* is its own condition, not kd's
    assert out["kdx"]["seeds"] == [0] and out["kdx"]["mean"] == pytest.approx(0.1)
    assert out["kd"]["seeds"] == [0, 1] and out["kd"]["mean"] == pytest.approx(0.665)
    assert out["kd"]["spread"] == pytest.approx(0.03)
    assert out["kd"]["per_type"]["creator"] == pytest.approx(0.665)


def test_unlabelled_needs_a_teacher(
        bench_module: Callable[[str], ModuleType], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench_module("tagger_lexicon_f1").main(["--seed", "0", "--out", str(tmp_path / "x"),
                        "--unlabelled", str(tmp_path / "u.txt")])
