"""fusion.cv: folds, threshold calibration, the featurised-example folder, the ablation
switches and a small cross-validation over the real fixture KG."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from fusion.cv import (
    VARIANTS,
    CVConfig,
    calibrate_threshold,
    cross_validate,
    kfold_indices,
    load_examples,
    save_examples,
    wilson_lower,
)
from fusion.errors import FusionConfigError, FusionLoadError
from fusion.expand import Thresholds
from fusion.gnn import compute_node_embeddings
from fusion.labels import embed_label_names
from fusion.model import FusionModel
from fusion.train import TrainConfig

from .conftest import CFG, GNN, QUERIES


def test_kfold_is_a_stratified_partition():
    labels = [lab for _, lab in QUERIES] * 3
    folds = kfold_indices(labels, k=3, seed=1)
    assert sorted(i for f in folds for i in f) == list(range(len(labels)))
    for lab in set(labels):  # each label spread evenly over the folds
        counts = [sum(labels[i] == lab for i in f) for f in folds]
        assert max(counts) - min(counts) <= 1
    assert folds == kfold_indices(labels, k=3, seed=1)
    assert folds != kfold_indices(labels, k=3, seed=2)
    with pytest.raises(Exception, match="k-fold"):
        kfold_indices(["a"], k=2, seed=0)


def test_calibrate_threshold_keeps_the_largest_precise_head():
    scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, True, False, True, False]
    assert calibrate_threshold(scores, correct, target=1.0) == (0.8, 1.0, 0.5)
    t, p, cov = calibrate_threshold(scores, correct, target=0.8)
    assert (t, p, cov) == (0.6, 0.8, 5 / 6)
    t, p, cov = calibrate_threshold([0.9, 0.8], [False, False], target=0.5)
    assert math.isinf(t) and cov == 0.0
    # ties are never split
    assert calibrate_threshold([0.9, 0.9, 0.1], [True, False, True], target=0.9)[0] == math.inf


def test_wilson_lower_bound_is_below_the_proportion_and_tightens_with_n():
    assert wilson_lower(0, 0, 1.28) == 0.0 and wilson_lower(19, 20, 0.0) == 0.95
    small, large = wilson_lower(19, 20, 1.28), wilson_lower(950, 1000, 1.28)
    assert small < large < 0.95
    # against the normal approximation at a large n
    assert large == pytest.approx(0.95 - 1.28 * math.sqrt(0.95 * 0.05 / 1000), abs=2e-3)


def test_confident_calibration_keeps_a_higher_threshold():
    # 100 scores; precision 1.0 above 0.8, then a slow decline: the point estimate reaches
    # 0.9 lower down than its 90% lower bound does
    rng = np.random.default_rng(0)
    scores = np.linspace(1.0, 0.01, 100)
    correct = rng.random(100) < np.where(scores > 0.8, 1.0, scores)
    t0, p0, c0 = calibrate_threshold(scores.tolist(), correct.tolist(), target=0.9)
    t9, p9, c9 = calibrate_threshold(scores.tolist(), correct.tolist(), target=0.9,
                                     confidence=0.9)
    assert p0 >= 0.9 and p9 >= 0.9 and t9 > t0 and c9 < c0
    with pytest.raises(FusionConfigError, match="confidence"):
        calibrate_threshold([0.5], [True], target=0.9, confidence=0.3)
    with pytest.raises(FusionConfigError, match="confidence"):
        CVConfig(confidence=1.0)


def test_examples_round_trip(examples, tmp_path):
    save_examples(tmp_path / "f", examples, meta={"featurizer": "x"})
    back, meta = load_examples(tmp_path / "f")
    assert meta["featurizer"] == "x" and meta["n"] == len(examples)
    assert [(b.lvl1, b.lvl0, b.input.text, b.input.linked) for b in back] == \
        [(e.lvl1, e.lvl0, e.input.text, e.input.linked) for e in examples]
    assert all(torch.equal(b.input.text_embedding, e.input.text_embedding)
               for b, e in zip(back, examples, strict=True))
    (tmp_path / "f" / "examples.jsonl").write_text("")
    with pytest.raises(FusionLoadError, match="0 examples"):
        load_examples(tmp_path / "f")


def test_ablation_switches_remove_one_mechanism(kg, encoder, examples):
    emb = compute_node_embeddings(kg, text_encoder=encoder, config=GNN)
    from fusion.context import GraphContext

    labels = sorted({ex.lvl1 for ex in examples})
    linked = [ex.input.linked for ex in examples]
    feats = {}
    for name in ("pointer", "nodes", "full"):
        cfg = CFG.__class__(**{**CFG.to_dict(), "node_dim": emb.dim, **VARIANTS[name]})
        m = FusionModel(cfg, labels=labels, context=GraphContext(kg, emb, labels=labels))
        feats[name] = m.graph_features(linked)
    assert feats["full"]["mask"].any() and (feats["full"]["label"] >= 0).any()
    assert np.abs(feats["full"]["nodes"]).sum() > 0
    assert (feats["nodes"]["label"] == -1).all() and (feats["nodes"]["label0"] == -1).all()
    assert np.array_equal(feats["nodes"]["nodes"], feats["full"]["nodes"])
    assert (feats["pointer"]["nodes"] == 0).all()
    assert np.array_equal(feats["pointer"]["label"], feats["full"]["label"])
    for f in feats.values():  # same elements, same weights: only one mechanism differs
        assert np.array_equal(f["mask"], feats["full"]["mask"])
        assert np.array_equal(f["weight"], feats["full"]["weight"])


def test_cross_validate_reports_every_variant_and_thresholds(kg, encoder, examples, featurizer):
    emb = compute_node_embeddings(kg, text_encoder=encoder, config=GNN)
    data = examples * 2  # 28 queries, 2 of each label per fold at k=3
    names = embed_label_names(sorted({ex.lvl1 for ex in data}), featurizer, kg)
    cfg = CVConfig(folds=3, seeds=(0, 1), train=TrainConfig(epochs=8, batch_size=8),
                   fusion=CFG)
    rep = cross_validate(data, config=cfg, kg=kg, node_embeddings=emb, label_text=names)
    assert set(rep.summary) == set(VARIANTS)
    assert len(rep.runs) == len(VARIANTS) * 2 * 3
    for v in VARIANTS:
        s = rep.summary[v]["lvl1_accuracy"]
        assert 0.0 <= s["min"] <= s["mean"] <= s["max"] <= 1.0
        assert len(s["values"]) == 2 and s["mean"] == pytest.approx(sum(s["values"]) / 2,
                                                                     abs=1e-4)
    assert "lvl1_minus_text_points" in rep.summary["full"]
    assert isinstance(rep.thresholds, Thresholds)
    assert set(rep.calibration) >= {"intent", "hard_filter"}
    assert rep.calibration["hard_filter"]["target_precision"] == 0.95
    default = rep.calibration["hard_filter"]["default"]
    assert default["threshold"] == Thresholds().hard_filter
    assert 0.0 <= default["coverage"]["mean"] <= 1.0
    d = rep.to_dict()
    assert d["n"] == len(data) and d["thresholds"]["filter_precision"] == 0.95
    # the report says how to reproduce it, as plain JSON
    assert (d["config"]["folds"], d["config"]["seeds"]) == (3, [0, 1])
    assert d["config"]["train"]["epochs"] == 8
    assert d["config"]["fusion"]["hidden_dim"] == CFG.hidden_dim
    assert json.loads(json.dumps(d))["config"] == d["config"]
    with pytest.raises(FusionConfigError, match="node_embeddings"):
        cross_validate(data, config=cfg)
    with pytest.raises(FusionConfigError, match="label_text"):
        cross_validate(data, config=cfg, kg=kg, node_embeddings=emb)
    with pytest.raises(FusionConfigError, match="unknown variants"):
        CVConfig(variants=("bogus",))


def test_the_default_threshold_is_checked_on_the_out_of_fold_predictions():
    from fusion.cv import _at_threshold

    # seed 0: 3 of 4 kept (>= 0.9), 2 right; seed 1: nothing kept
    oof = {0: [{"s": np.array([0.95, 0.2]), "ok": np.array([True, False])},
               {"s": np.array([0.9, 0.99]), "ok": np.array([False, True])}],
           1: [{"s": np.array([0.1, 0.2]), "ok": np.array([True, True])}]}
    got = _at_threshold(0.9, oof, "s", "ok")
    assert got["threshold"] == 0.9
    assert got["precision"]["mean"] == round(2 / 3, 4)  # seeds without a kept query: no precision
    assert got["coverage"]["min"] == 0.0 and got["coverage"]["max"] == 0.75
