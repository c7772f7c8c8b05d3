"""Slow: fine-tune the real MiniLM-L6 on a small real QueryNER subset (run with ``-m slow``)."""

from __future__ import annotations

import pytest

from .conftest import SHARED

QUERYNER = SHARED / "queryner"

# Measured on this 2-core machine: see docs/benchmarks.md "## Tagger" (floor = measured - margin).
F1_FLOOR = 0.25  # measured 0.310 (800 sentences, 2 epochs, seed 42)


@pytest.mark.slow
@pytest.mark.skipif(not QUERYNER.is_dir(), reason="../shared/data/queryner not present")
def test_minilm_on_queryner_subset(tmp_path):
    from parser.tagger import Tagger, TrainConfig, evaluate, train
    from parser.tagger.data import read_conll

    res = train(TrainConfig(train_path=QUERYNER / "train.conll",
                            dev_path=QUERYNER / "validation.conll", out_dir=tmp_path / "m",
                            limit_train=800, epochs=2, progress=False))
    tagger = Tagger.from_pretrained(res.out_dir)
    scores = evaluate(tagger, read_conll(QUERYNER / "validation.conll"))
    assert scores["f1"] == pytest.approx(res.best_f1)
    assert scores["f1"] >= F1_FLOOR
    r = tagger("samsung 55 inch tv")
    assert any(e.label == "core_product_type" and e.text == "tv" for e in r.entities)
