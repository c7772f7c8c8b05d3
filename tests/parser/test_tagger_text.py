"""Normalisation offsets and word splitting (parser/tagger/text.py)."""

from __future__ import annotations

import pytest
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


# -- a soft hyphen, a word joiner or a byte-order mark: no break inside a word -------------------
# (U+00AD, U+2060, U+FEFF: kg.schema.WORD_JOINERS). They stayed in `normalized` and `rewritten`
# ("nike\xadshoes", "\ufeffsamsung tv") and a byte-order mark opening the query was part of the
# tagger's first word (the entity "\ufeffsamsung" at 0-8). The KG's matching already read each as
# nothing between two letters ("sam\xadsung" is Samsung), unlike the zero-width space (U+200B), a
# break between words that is a space everywhere: so the tagger's words, `normalized` and
# `rewritten` drop them too, and offsets still index the query as typed (the parse's side:
# tests/parser/test_pipeline_truncation_signs.py).

_JOINERS = "\u00ad\u2060\ufeff"


@pytest.mark.parametrize(("text", "words", "typed"), [
    ("\ufeffsamsung tv", ["samsung", "tv"], ["samsung", "tv"]),  # a BOM opening the query
    ("nike\u00adshoes", ["nikeshoes"], ["nike\u00adshoes"]),  # one word, as the page shows it
    ("sam\u2060sung\u00ad tv", ["samsung", "tv"], ["sam\u2060sung", "tv"]),
    ("\ufeff \u00ad", [], []),
    ("red\u200bshoes", ["red", "shoes"], ["red", "shoes"]),  # a zero-width space: a break
])
def test_word_joiners_are_no_characters_of_the_taggers_words(text, words, typed) -> None:
    norm, back = normalize(text)
    spans = split_words(norm)
    assert [norm[a:b] for a, b in spans] == words
    assert [text[back[a]:back[b - 1] + 1] for a, b in spans] == typed


@given(st.text(alphabet=st.sampled_from("ab \u00ad\u2060\ufeff\u200b\u4e00"), max_size=20))
def test_word_edges_never_hold_a_joiner(text):
    norm, back = normalize(text)
    assert not any(c in norm for c in _JOINERS)
    for a, b in split_words(norm):
        start, end = back[a], back[b - 1] + 1
        assert text[start] not in _JOINERS and text[end - 1] not in _JOINERS
        assert normalize(text[start:end])[0] == norm[a:b]
