"""bench/fusion_expansions.py --build-features: the featurised train+dev queries it writes are
what fusion.cv.load_examples reads, with the meta `kgqp fusion evaluate --cv --features`
checks, train rows first; the script refuses a missing folder without the option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch

from fusion.cv import load_examples

from .conftest import QUERIES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "fusion_expansions.py"


def _bestbuy_row(query: str, lvl1: str | None) -> dict:
    facets = {} if lvl1 is None else {
        "hierarchicalCategories.lvl0": [{"value": lvl1.split(" > ")[0], "count": 5}],
        "hierarchicalCategories.lvl1": [{"value": lvl1, "count": 3}]}
    return {"query": query, "instant_search": {"facets": {"exact_matches": facets}}}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_build_features_writes_what_load_examples_reads(featurizer, tmp_path, bench_module):
    bench = bench_module("fusion_expansions")
    train = _write(tmp_path / "train.jsonl",
                   [_bestbuy_row(q, lab) for q, lab in QUERIES[:10]]
                   + [_bestbuy_row("no label", None)])  # skipped, as the loaders skip it
    dev = _write(tmp_path / "dev.jsonl", [_bestbuy_row(q, lab) for q, lab in QUERIES[10:]])
    out = tmp_path / "features"
    meta = bench.build_features(out, featurizer, kg_version=3, train=train, dev=dev)
    assert meta["n"] == len(QUERIES) and meta["n_per_file"] == [10, len(QUERIES) - 10]
    examples, saved = load_examples(out)
    assert saved == meta
    # the keys `kgqp fusion evaluate --cv` compares before it reuses a folder
    assert {k: saved[k] for k in ("featurizer", "kg_version", "data")} == {
        "featurizer": featurizer.name, "kg_version": 3,
        "data": [str(train.resolve()), str(dev.resolve())]}
    assert [(ex.input.text, ex.lvl1) for ex in examples] == QUERIES  # train rows, then dev
    again = featurizer.featurize([q for q, _ in QUERIES])
    for ex, inp in zip(examples, again, strict=True):
        assert torch.equal(ex.input.text_embedding, inp.text_embedding.float())
        assert {e.iri for e in ex.input.linked} == {e.iri for e in inp.linked}
    # the script pairs the dev examples with the dev file's lvl2 labels row by row
    assert len(bench._lvl2(dev)) == len(QUERIES) - 10


def test_the_script_asks_for_build_features_when_the_folder_is_missing(tmp_path):
    res = subprocess.run([sys.executable, str(SCRIPT), "--kg", str(tmp_path / "kg"),
                          "--tagger", str(tmp_path / "tagger"), "--features",
                          str(tmp_path / "none"), "--cache", str(tmp_path / "cache")],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "--build-features" in res.stderr and "no featurised queries" in res.stderr
    assert not (tmp_path / "none").exists()
