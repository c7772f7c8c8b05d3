"""bench/adapters_f1.py: `--train-n 0` trains on the whole set, `--seeds` runs each seed, finished
runs are not run again, and `--summary` gives mean and spread per set and mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "adapters_f1.py"



def test_adapter_bench_train_subset_zero_means_all(
        bench_module: Callable[[str], ModuleType]) -> None:
    mod = bench_module("adapters_f1")
    sents = list(range(50))
    assert sorted(mod.train_subset(sents, 0, seed=0)) == sents
    assert sorted(mod.train_subset(sents, 500, seed=0)) == sents
    sub = mod.train_subset(sents, 10, seed=1)
    assert len(sub) == 10 and sub == mod.train_subset(sents, 10, seed=1)
    assert sub != mod.train_subset(sents, 10, seed=2)
    assert sents == list(range(50))  # the input is not shuffled in place


def test_adapter_bench_summary_mean_spread_and_difference(
        bench_module: Callable[[str], ModuleType]) -> None:
    mod = bench_module("adapters_f1")
    recs = [{"seed": s, "set": "en", "mode": m, "f1": f}
            for m, fs in (("full", (0.60, 0.62, 0.64)), ("lora", (0.59, 0.60, 0.61)))
            for s, f in enumerate(fs)]
    rows = {r["mode"]: r for r in mod.summarize(recs)}
    assert rows["full"]["f1"] == [0.60, 0.62, 0.64] and rows["full"]["seeds"] == [0, 1, 2]
    assert rows["full"]["mean"] == pytest.approx(0.62)
    assert rows["full"]["std"] == pytest.approx(0.02)
    assert (rows["lora"]["min"], rows["lora"]["max"]) == (0.59, 0.61)
    assert rows["lora"]["diff_points"] == pytest.approx(-2.0)
    assert "diff_points" not in rows["full"]
    table = mod.format_summary(mod.summarize(recs))
    assert "| en | lora | 0 1 2 | 0.5900 0.6000 0.6100 | 0.6000 |" in table
    assert "-2.00" in table


def test_adapter_bench_runs_all_data_per_seed_and_resumes(
        tmp_path: Path, tiny_backbone_dir: Path, tiny_data: tuple[Path, Path]) -> None:
    qn = tmp_path / "qn"
    qn.mkdir()
    (qn / "train.conll").write_bytes(tiny_data[0].read_bytes())
    (qn / "validation.conll").write_bytes(tiny_data[1].read_bytes())
    out = tmp_path / "out"
    cmd = [sys.executable, str(SCRIPT), "--out", str(out), "--queryner", str(qn),
           "--backbone", str(tiny_backbone_dir), "--sets", "en", "--train-n", "0",
           "--epochs", "1", "--seeds", "0", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=300)
    recs = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert {(r["seed"], r["mode"]) for r in recs} == {(0, "full"), (0, "lora"),
                                                       (1, "full"), (1, "lora")}
    from parser.tagger.data import read_conll

    n_all = len(read_conll(qn / "train.conll"))
    assert all(r["n_train"] == n_all and len(r["dev_f1_per_epoch"]) == 1 for r in recs)
    assert (out / "seed1" / "en-lora" / "adapter.safetensors").exists()
    # a second call finds every run done: nothing is trained or appended again
    again = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=300)
    assert "already in" in again.stderr
    assert len((out / "results.jsonl").read_text().splitlines()) == 4
    summary = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--summary"],
                             check=True, capture_output=True, text=True, env=env, timeout=60)
    assert "| en | full | 0 1 |" in summary.stdout and "| en | lora | 0 1 |" in summary.stdout
