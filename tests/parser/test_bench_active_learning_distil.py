"""bench/active_learning_distil.py end to end on a tiny backbone: per seed and arm a teacher and a
self-distilled student, the labelled queries as the simulation drew them, unlabelled queries
outside them, finished runs not run again, the table and the plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "active_learning_distil.py"



def test_labelled_and_unlabelled_sets(
        bench_module: Callable[[str], ModuleType]) -> None:
    mod = bench_module("active_learning_distil")
    sim = [{"seed": 1, "arm": "active-x", "n_labels": 3, "labelled": [5, 0, 9]}]
    assert mod.labelled_set(sim, 20, 1, "active-x", 3) == [5, 0, 9]
    random_3 = mod.labelled_set(sim, 20, 1, "random", 3)
    assert random_3 == mod.labelled_set([], 20, 1, "random", 5)[:3]  # a prefix, as drawn
    unl = mod.unlabelled_set(20, 1, [5, 0, 9], 8)
    assert len(unl) == 8 and not set(unl) & {5, 0, 9}
    # both arms of a seed read nearly the same log
    assert len(set(unl) & set(mod.unlabelled_set(20, 1, random_3, 8))) >= 5


def test_runs_each_arm_and_resumes(tmp_path: Path, tiny_backbone_dir: Path) -> None:
    from parser.tagger.data import write_conll
    from parser.tagger.testing import tiny_sentences

    data = tmp_path / "data"
    data.mkdir()
    write_conll(data / "train.conll", tiny_sentences())
    write_conll(data / "validation.conll", tiny_sentences()[:6])
    sim = tmp_path / "sim"
    sim.mkdir()
    (sim / "results.jsonl").write_text(json.dumps(
        {"seed": 0, "arm": "active-x", "n_labels": 6, "f1": 0.5,
         "labelled": [1, 3, 5, 7, 9, 11]}) + "\n")
    out = tmp_path / "out"
    cmd = [sys.executable, str(SCRIPT), "--sim", str(sim), "--arm", "active-x:6",
           "--arm", "random:8", "--seeds", "0", "--data", str(data), "--out", str(out),
           "--backbone", str(tiny_backbone_dir), "--layers", "1", "--epochs", "1",
           "--unlabelled", "5", "--crf"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
    runs = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["arm"], r["n_labels"], r["model"]) for r in runs) == [
        ("active-x", 6, "student"), ("active-x", 6, "teacher"),
        ("random", 8, "student"), ("random", 8, "teacher")]
    assert all(r["unlabelled"] == 5 and r["crf"] for r in runs)
    assert not list((out / "seed0").iterdir())  # the models are not kept

    subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
    assert len((out / "results.jsonl").read_text().splitlines()) == 4  # nothing run again

    png = tmp_path / "curves.png"
    table = subprocess.run([*cmd, "--report", "--plot", str(png)], check=True,
                           capture_output=True, text=True, env=env, timeout=60).stdout
    assert "| active-x, 6 | 0.5000 [0.5000] |" in table
    assert "| random, 8 | (incomplete) |" in table
    assert png.stat().st_size > 1000
