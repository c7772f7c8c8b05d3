"""``bench/outside_kg.py`` runs end to end, and what it measures holds: with a fusion model
whose calibrated thresholds are 0 (every intent confident, every department a hard filter),
random strings still get no hard category filter, no confident intent and no expansions,
while a query the KG knows gets its hard filter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import REPO, bestbuy_jsonl, train_small_fusion

QUERIES = [
    ("samsung tv", "Electronics > TVs"), ("lg television", "Electronics > TVs"),
    ("55 inch tv", "Electronics > TVs"), ("dell laptop", "Electronics > Laptops"),
    ("apple notebook", "Electronics > Laptops"), ("laptop black", "Electronics > Laptops"),
]


def test_outside_kg_bench_runs(tmp_path: Path, tagger_dir: Path, kg_dir: Path) -> None:
    from parser.bundle import build_bundle

    fusion, kg = train_small_fusion(tmp_path, tagger_dir, kg_dir, QUERIES)
    bundle = build_bundle(tmp_path / "bundle", tagger=tagger_dir, kg=kg, fusion=fusion,
                          thresholds={"intent": 0.0, "hard_filter": 0.0})
    queries = bestbuy_jsonl(tmp_path / "dev.jsonl", [("samsung tv", "Electronics > TVs"),
                                                     ("qzxv wplk", "Electronics > TVs")])
    out = subprocess.run([sys.executable, "bench/outside_kg.py", "--bundle", str(bundle),
                          "--junk", "20", "--queries", str(queries)],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout)
    junk, real = res["junk"], res["real"]
    assert junk["queries"] == 20 and junk["outside"] >= 15
    assert junk["outside_with_intent"] == junk["outside"]  # the text model still guesses
    # thresholds 0: every intent would be confident and hard-filtered without the gate
    assert junk["gate_removed_hard_filter"] == junk["gate_removed_confident"] == junk["outside"]
    known = 20 - junk["outside"]  # strings that hold a KG word by chance
    assert junk["hard_filter"] <= known and junk["confident"] <= known
    assert junk["expanded"] <= known
    assert real["queries"] == 2 and real["outside"] == 1
    assert real["hard_filter"] == real["confident"] == 1  # "samsung tv" only
