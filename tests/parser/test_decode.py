"""Constrained Viterbi: the batched decoder gives the per-text decoder's paths."""

from __future__ import annotations

import numpy as np
import pytest

from parser.tagger.decode import Decoder, log_softmax

LABELS = ["O", "B-a", "I-a", "E-a", "S-a", "B-b", "I-b", "E-b", "S-b"]


@pytest.mark.parametrize("scheme", ["bio", "bioes"])
@pytest.mark.parametrize("crf", [False, True])
def test_decode_batch_equals_decode(scheme: str, crf: bool):
    rng = np.random.default_rng(0)
    labels = LABELS if scheme == "bioes" else [x for x in LABELS if x[0] in "OBI"]
    n = len(labels)
    transitions = None
    if crf:
        transitions = {"transitions": rng.normal(size=(n, n)).tolist(),
                       "start": rng.normal(size=n).tolist(), "end": rng.normal(size=n).tolist()}
    dec = Decoder(labels, scheme, transitions)
    lengths = np.array([0, 1, 2, 5, 9, 3, 9])
    scores = log_softmax(rng.normal(scale=3, size=(len(lengths), 9, n)))
    got = dec.decode_batch(scores, lengths)
    assert got == [dec.decode(scores[i, :m]) for i, m in enumerate(lengths)]
    assert [len(p) for p in got] == lengths.tolist()
    assert dec.decode_batch(np.zeros((0, 1, n)), np.zeros(0, dtype=np.int64)) == []
