"""Sizes of a list that writes its unit once, and inch marks written with two characters
(:mod:`fusion.patterns`, as a ParsedQuery becomes engine queries):

1. a list of numbers sharing one unit kept only the number the unit follows: "55 or 65 inch tv"
   filtered on 65 inch alone (a hard filter that drops the 55-inch TVs asked for), "phone 64 or
   128gb" on 128gb, and "tv not 55 or 65 inch" demoted 65 inch only; a '"' after a number was
   read as opening a quote, so the next one closed it: 'tv not 55" or 65"' demoted 55" only;
2. an inch mark of two characters was kept in the value: "50″ tv", which the pipeline reads
   NFKC-normalised ("50′′"), got the size '50′′', a term no index holds; "50''" got "50''".

The queries are read NFKC-normalised, as the pipeline reads them.
"""

from __future__ import annotations

import unicodedata

import pytest

from fusion.expand import expand
from fusion.patterns import find_sizes, parse_sizes


def _sizes(text: str) -> list[str]:
    return parse_sizes(unicodedata.normalize("NFKC", text))


def _boosts(res) -> list[tuple[str, str]]:
    return sorted((b.term, b.direction) for b in res.boosts)


# --- 1. every number of a list takes the unit written after the last one ----------------------


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("55 or 65 inch tv", ["55 inch", "65 inch"]),  # was ["65 inch"]
        ("50, 55 or 65 inch tv", ["50 inch", "55 inch", "65 inch"]),
        ("50, 55, or 65 inch tv", ["50 inch", "55 inch", "65 inch"]),
        ("55 and 65 inch tv", ["55 inch", "65 inch"]),
        ("55 & 65-inch tv", ["55-inch", "65-inch"]),  # the unit as written after the last
        ("phone 64 or 128gb", ["64gb", "128gb"]),  # was ["128gb"]
        ("8, 16 or 32 gb ram", ["8 gb", "16 gb", "32 gb"]),
        ("tv not 55 or 65 inch", ["55 inch", "65 inch"]),
        ("1/2 or 3/4 inch pipe", ["1/2 inch", "3/4 inch"]),
        ("iphone 13 pro max 128 or 256gb", ["128gb", "256gb"]),  # "max" a name part, no bound
        ('55 or 65" tv', ['55"', '65"']),
    ],
)
def test_every_number_of_a_list_takes_its_shared_unit(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("galaxy watch 4 40mm", ["40mm"]),  # nothing joins the 4 to the size: a model
        ("iphone 11, 64gb", ["64gb"]),  # a comma alone joins no list: a model, then capacity
        ("iphone 11 or 12 64gb", ["64gb"]),  # the 12 is joined to no unit
        ("2 or 3 person tent", []),  # a count: "person" is no size unit
        ("2 and 1/2 inch pipe", ["1/2 inch"]),  # one (mixed) number, no list
        ("tv under 500 or 65 inch", ["65 inch"]),  # a price bound, no item
        ("24 x 36 or 48 inch frame", ["48 inch"]),  # the side of a dimension, no item
        ("55 to 60 or 65 inch", ["65 inch"]),  # the side of a range, no item
        ("50,55 or 65 inch", ["65 inch"]),  # 50.55 (a decimal comma) or 50 and 55?
        ("tv 55 inch or 65 inch", ["55 inch", "65 inch"]),  # each has its unit
    ],
)
def test_a_number_no_list_joins_to_a_size_is_no_size(text, sizes):
    assert _sizes(text) == sizes


@pytest.mark.parametrize(
    "text",
    [
        "tv stand for 55 or 65 inch tv",  # the sizes of the tv the stand fits (was 65 inch)
        "case for iphone 64 or 128gb",  # the storage of the device a case is for (was 128gb)
        "55 or 65 inch or larger",  # a bound
    ],
)
def test_what_is_before_a_list_reads_every_size_of_it(text):
    assert _sizes(text) == []


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ('tv not 55" or 65"', ['55"', '65"']),  # was ['55"']: the second " closed a "quote"
        ("tv 55'' or 65''", ['55"', '65"']),
        ('"samsung tv" 65"', ['65"']),
        ('"iphone 11"', []),  # a closing quote is still no inch mark
    ],
)
def test_an_inch_mark_after_a_number_opens_no_quote(text, sizes):
    assert _sizes(text) == sizes


def test_find_sizes_says_where_each_size_was_read():
    text = "tv not 50, 55 or 65 inch"
    assert [(s.value, text[s.start:s.end]) for s in find_sizes(text)] == [
        ("50 inch", "50"), ("55 inch", "55"), ("65 inch", "65 inch")]


# --- 2. an inch mark of two characters is the one mark '"' -------------------------------------


@pytest.mark.parametrize("text", ["50″ tv", "50′′ tv", "50'' tv", "50’’ tv", '50" tv'])
def test_an_inch_mark_of_two_characters_is_the_value_of_a_quote_mark(text):
    assert _sizes(text) == _sizes('50" tv') == ['50"']  # was '50′′', "50''", '50’’'


def test_a_single_typographic_inch_mark_is_kept_as_written():
    assert _sizes("65” tv") == ["65”"]


# --- end to end: the expansion's filters and DOWN boosts ---------------------------------------


@pytest.mark.parametrize(
    ("query", "sizes"),
    [
        ("55 or 65 inch tv", ("55 inch", "65 inch")),
        ("phone 64 or 128gb", ("64gb", "128gb")),
        ("50″ tv", ('50"',)),
        ("50'' tv", ('50"',)),
    ],
)
def test_every_size_of_a_list_is_a_filter(kg, query, sizes):
    res = expand(kg, [], query=query)
    assert res.filters.size == sizes, query
    assert not _boosts(res), query


@pytest.mark.parametrize(
    ("query", "sizes"),
    [
        ('tv not 55" or 65"', ('55"', '65"')),
        ("tv not 55 or 65 inch", ("55 inch", "65 inch")),
        ("tv not 50″", ('50"',)),  # was a DOWN boost on '50′′', a term no index holds
        ("tv without 50''", ('50"',)),
    ],
)
def test_every_size_of_an_excluded_list_is_a_down_boost(kg, query, sizes):
    res = expand(kg, [], query=query)
    assert res.filters.size == (), query
    assert _boosts(res) == sorted((f"size:{s}", "DOWN") for s in sizes), query
