"""bench/fusion_baseline.py: its cross-validation keeps counts per arm and hands them
out after each fold (--out), runs split over folds merge into the unsplit run, --merge refuses
what it cannot pool, and --refit reports the model its inner set chose beside the refit (the run
without --refit gives that model)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from fusion.data import LabeledQuery

LABELS = ["TV & Home Theater > TVs", "TV & Home Theater > Soundbars",
          "Computers & Tablets > Laptops", "Cameras > Mirrorless Cameras"]
QUERIES = [LabeledQuery(f"{word} {k}", lab, lab.split(" > ")[0])
           for k in range(6) for word, lab in zip(("tv", "soundbar", "laptop", "camera"), LABELS,
                                                  strict=True)]


@pytest.fixture(scope="module")
def bench(bench_module):
    return bench_module("fusion_baseline")


def _majority(train, test, queries, _emb, fit_seed=0):
    top = Counter(queries[i].lvl1 for i in train).most_common(1)[0][0]
    return [top] * len(test)


def _two_arms(train, test, queries, emb, fit_seed=0):
    return {"right": [queries[i].lvl1 for i in test],
            "majority": _majority(train, test, queries, emb, fit_seed)}


def test_run_counts_each_arm_and_split_runs_merge_into_the_whole(bench, tmp_path):
    seen = []
    whole = bench.run("x", _two_arms, QUERIES, None, 3, [0, 1], on_fold=seen.append)
    # --out writes what on_fold gets: each fold's counts as they come, the last the whole run
    assert [len(s["right"]["folds_run"]) for s in seen] == list(range(1, 7))
    assert seen[-1] == whole and not seen[1]["majority"]["complete"]
    assert set(whole) == {"right", "majority"}
    assert whole["right"]["lvl1_accuracy"]["mean"] == 1.0 and whole["right"]["complete"]
    assert whole["majority"]["lvl1_accuracy"]["mean"] < 0.5
    assert sum(r["n"] for r in whole["right"]["folds_run"]) == 2 * len(QUERIES)
    # a single list of predictions is one arm, under the run's name
    assert set(bench.run("maj", _majority, QUERIES, None, 3, [0])) == {"maj"}
    paths = []
    for name, folds in (("a", [0, 2]), ("b", [1])):
        part = bench.run("x", _two_arms, QUERIES, None, 3, [0, 1], only_folds=folds)
        assert not part["right"]["complete"]
        out = {"n": len(QUERIES), "folds": 3, "seeds": [0, 1], "only_folds": folds,
               "finetuned_minilm6": part["right"], "finetuned_minilm6_no_refit": part["majority"]}
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(out))
    merged = bench.merge(paths)
    for key, arm in (("finetuned_minilm6", "right"), ("finetuned_minilm6_no_refit", "majority")):
        assert merged[key]["complete"]
        assert {k: merged[key][k] for k in ("lvl0_accuracy", "lvl1_accuracy")} == {
            k: whole[arm][k] for k in ("lvl0_accuracy", "lvl1_accuracy")}
    with pytest.raises(SystemExit, match="a fold of a seed is in two runs"):
        bench.merge([paths[0], paths[0]])
    other = json.loads(paths[1].read_text()) | {"folds": 4}
    (tmp_path / "other.json").write_text(json.dumps(other))
    with pytest.raises(SystemExit, match="differ in their settings"):
        bench.merge([paths[0], tmp_path / "other.json"])
    (tmp_path / "foreign.json").write_text("[1, 2]")
    with pytest.raises(SystemExit, match="not an output of this script"):
        bench.merge([paths[0], tmp_path / "foreign.json"])


def test_refit_reports_the_chosen_model_beside_the_refit(bench):
    """One epoch of real fine-tuning of the default backbone on 24 queries, fold 0 only: the
    --refit run's no-refit arm is the model a run without --refit predicts with."""
    import torch

    torch.set_num_threads(1)
    rates = [2e-4, 8e-4]
    refit = bench.run("ft", bench._finetuner(1, None, lr=rates, select_lr=0.25, refit=True),
                      QUERIES, None, 3, [0], only_folds=[0])
    chosen = bench.run("ft", bench._finetuner(1, None, lr=rates, select_lr=0.25),
                       QUERIES, None, 3, [0], only_folds=[0])
    assert set(refit) == {"finetuned_minilm6", "finetuned_minilm6_no_refit"}
    assert refit["finetuned_minilm6_no_refit"]["folds_run"] == chosen["ft"]["folds_run"]
    # the premise that makes the check bite: a third more training queries tell the arms apart
    assert refit["finetuned_minilm6"]["folds_run"] != chosen["ft"]["folds_run"]
