"""Sizes that are no value of the product sought (:mod:`fusion.patterns`), from the review of
accessory and compatibility queries (findings 2 and 7): each case below was a hard size filter
on the old patterns.

2. a bounded size ("tv under 55 inch", "laptop bag fits up to 15.6 inch", "tv 55 inch or
   larger") was an exact size: it filtered to the excluded size, or dropped every smaller bag;
7. the size of the device a product fits ("tv stand for 65 inch tv", "case for 13 inch
   macbook") was the product's own size.

The query is read NFKC-normalised, as the pipeline reads it.
"""

from __future__ import annotations

import unicodedata

import pytest

from fusion.expand import expand
from fusion.patterns import parse_sizes


def _sizes(text: str) -> list[str]:
    return parse_sizes(unicodedata.normalize("NFKC", text))


# --- finding 2: a bounded size gives no size ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the reviewer's queries
        "tv under 55 inch",
        "tv over 50 inch",
        "tv smaller than 40 inch",
        "tv bigger than 60 inch",
        "tv 55 inch or larger",
        "monitor at least 27 inch",
        "tv wall mount up to 65 inch",
        "laptop bag fits up to 15.6 inch",
        # the other bound words of the brief, before the size
        "tv below 40in",
        "tv above 65\"",
        "tv less than 40 inch",
        "tv more than 60 inch",
        "tv no bigger than 43 inch",
        "tv at most 50 inch",
        "laptop upto 14 inch",
        "tv max 55 inch",
        "tv maximum 55 inch",
        "tv min 55 inch",
        "laptop min 16gb ram",
        "tv < 40 inch",
        "tv >65 inch",
        "tv ≥ 65 inch",
        "under 32 inch tv",
        "tv over 65”",
        # and after it
        "tv 55 inch or bigger",
        "tv 55 inch and up",
        "tv 55inch&up",
        "tv 55 inch and above",
        "tv 40 inch or smaller",
        "tv 40 inch or less",
        "tv 55 inch or more",
        "55 inch tv or bigger",  # a word apart
        "laptop 16gb ram or more",
        "16gb ram at least",
        "tv 65 inch max",
        "tv 65 inch+",
        '65"+ tv',
    ],
)
def test_a_bounded_size_is_no_size(text):
    assert _sizes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("55 inch tv", ["55 inch"]),
        ("tv 55 inch and under $500", ["55 inch"]),  # the bound is a price's
        ("samsung 55 inch tv under $500", ["55 inch"]),
        ("tv 55 inch or 65 inch", ["55 inch", "65 inch"]),  # an alternative, no bound
        ("8gb+128gb phone", []),  # memory and storage: hints (fusion.patterns), no bound
        ("55 inch tv + soundbar", ["55 inch"]),  # a bundle
        ("tv other than 55 inch", ["55 inch"]),  # excluded: a DOWN boost (fusion.expand)
        # "max" / "min" in a name
        ("iphone 13 pro max 256gb", ["256gb"]),
        ("iphone xs max 64gb", ["64gb"]),
        ("macbook pro m1 max 32gb", ["32gb"]),
        ("iphone 14 pro max 6.7 inch case", ["6.7 inch"]),
        ("iphone 6.1 inch pro max case", ["6.1 inch"]),
    ],
)
def test_sizes_next_to_bound_words_that_bound_nothing(text, expected):
    assert _sizes(text) == expected


# --- finding 7: the size of the device a product fits is no size ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the reviewer's queries
        "tv stand for 65 inch tv",
        "case for 13 inch macbook",
        "tv wall mount for 65 inch tv",
        "soundbar for 55 inch tv",
        # the other cues, with determiners between
        "laptop bag fits 15.6 inch laptop",
        "sleeve to fit 13 inch laptop",
        "mount compatible with 65 inch tvs",
        "bracket holds 65 inch tv",
        "case for a 13 inch macbook",
        "stand for tvs up to 70 inch",
        "tree skirt for 7 ft tree",  # any unit right after the cue
        "for 55 inch tv",
        # a screen size that ends the device's phrase
        "case for macbook pro 13 inch",
        "cover for samsung tv 55 inch",
        "screen protector for iphone 14 pro max 6.7 inch",
    ],
)
def test_the_size_of_a_fitted_device_is_no_size(text):
    assert _sizes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("65 inch tv", ["65 inch"]),
        ("tv 65 inch", ["65 inch"]),
        ("13 inch macbook case", ["13 inch"]),  # not introduced by "for": the size it fits
        ("16gb ram for macbook pro", ["16gb"]),  # before the "for": the product's
        ("hdmi cable for tv 10 ft", ["10 ft"]),  # no screen size: the cable's length
        ("sd card for switch 256gb", ["256gb"]),
        ("tv for bedroom 32 inch", ["32 inch"]),  # no device after the "for"
        ("12 inch planters for indoor plants", ["12 inch"]),
        ("looking for 55 inch tv", ["55 inch"]),  # the tv is the product sought
        ("deals for 65 inch tv", ["65 inch"]),
        ("slim fit 32 inch jeans", ["32 inch"]),  # a fit of clothes
        ("compression fitting 1/2 inch", ["1/2 inch"]),
    ],
)
def test_sizes_of_the_product_itself_are_kept(text, expected):
    assert _sizes(text) == expected


# --- the hard filter a search engine gets -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["tv under 55 inch", "laptop bag fits up to 15.6 inch", "tv stand for 65 inch tv",
     "case for 13 inch macbook"],
)
def test_no_size_filter_nor_boost(kg, query):
    res = expand(kg, [], query=query)
    assert res.filters.size == ()
    assert not [s for s in res.filter_sources if s.field == "size"]
    assert not [b for b in res.boosts if b.term.startswith("size:")]


def test_the_products_own_size_is_still_a_filter(kg):
    assert expand(kg, [], query="65 inch tv stand").filters.size == ("65 inch",)
    assert expand(kg, [], query="tv 55 inch and under $500").filters.size == ("55 inch",)
