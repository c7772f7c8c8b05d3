"""Normalisation offsets and word splitting (parser/tagger/text.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from parser.tagger.text import normalize, split_words


@given(st.text(max_size=40))
def test_back_map_is_monotone_and_in_range(text):
    norm, back = normalize(text)
    assert len(back) == len(norm)
    assert back == sorted(back)
    assert all(0 <= i < len(text) for i in back)


def test_split_modes():
    assert split_words("a  bc\td", "whitespace") == [(0, 1), (3, 5), (6, 7)]
    assert split_words("ab c", "char") == [(0, 1), (1, 2), (3, 4)]
    assert split_words("买iphone手机", "whitespace") == [(0, 1), (1, 7), (7, 8), (8, 9)]
    assert normalize("\ud800")[0] == "\ufffd"
