"""The teacher probabilities shipped for the quickstart's distillation
(``data/queryner/soft_targets.safetensors``): one distribution per word of every QueryNER
training query, over the labels a tagger trained on that file has."""

from __future__ import annotations

import numpy as np
import pytest

from kg.build import DEFAULT_DATA_DIR
from parser.app.quickstart import QUICKSTART_SOFT_TARGETS
from parser.tagger.data import read_conll
from parser.tagger.distill import load_soft_targets

TARGETS = DEFAULT_DATA_DIR / QUICKSTART_SOFT_TARGETS


@pytest.mark.skipif(not TARGETS.is_file(), reason="no shipped soft targets")
def test_shipped_targets_cover_every_training_word():
    train = read_conll(DEFAULT_DATA_DIR / "queryner" / "train.conll")
    st = load_soft_targets(TARGETS)
    types = sorted({t[2:] for s in train for t in s.tags if t != "O"})
    assert st.labels == ["O"] + [f"{p}-{t}" for t in types for p in "BI"]
    got = st.targets(train, None)
    for s, p in zip(train, got, strict=True):
        assert p.shape == (len(s.tokens), len(st.labels))
        # float16 storage: each word's distribution sums to 1 up to its rounding
        np.testing.assert_allclose(p.sum(-1), 1.0, atol=2e-2)
    # the teachers agree with the gold labels on most words (0.84 for the shipped file)
    gold = np.concatenate([[st.labels.index(t) for t in s.tags] for s in train])
    assert (np.concatenate(got).argmax(-1) == gold).mean() > 0.8
