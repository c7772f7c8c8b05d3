"""Spoken price phrases (:mod:`fusion.patterns`, on natural-language queries): common ways of
saying a price that once gave no price, even with a currency mark:

- a bound after its amount: "tv 300 or less", "$300 or under", "300 and below", "$300 or more",
  "laptop for 500 dollars or less";
- a budget, "within", "sub" and an amount to spend: "laptop with a budget of 500", "my budget
  is 600 for a laptop", "tv within 500", "laptop sub $500", "i have $300 to spend";
- an amount spelt "a thousand", "a hundred" or "a grand": "laptop under a thousand", "tv for
  less than a grand".

Where the number may be something else (an age, a version, a model, a count, a screen size, a
subwoofer's name) there is still no price, and an amount with no bound ("about $300", "$500
laptop", "laptop for $500") is no price filter: the query names a point, and a filter at or
around it would remove what was asked for.

The queries are read NFKC-normalised, as the pipeline reads them.
"""

from __future__ import annotations

import unicodedata

import pytest

from fusion.expand import expand
from fusion.patterns import parse_price


def _price(text: str) -> tuple[float | None, float | None]:
    return parse_price(unicodedata.normalize("NFKC", text))


# --- a bound written after its amount --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # everyday spoken bounds (all were (None, None))
        ("tv 300 or less", (None, 300.0)),
        ("laptop for 500 dollars or less", (None, 500.0)),
        ("300 or less", (None, 300.0)),
        ("$300 or under", (None, 300.0)),
        ("300 and below", (None, 300.0)),
        ("headphones 300 and below", (None, 300.0)),
        ("$50 and under gifts", (None, 50.0)),
        ("gifts 25 and under", (None, 25.0)),
        ("$300 or cheaper", (None, 300.0)),
        ("300 & under", (None, 300.0)),
        ("1k or less laptop", (None, 1000.0)),
        ("rs 500 or less", (None, 500.0)),
        ("500 rupees or less", (None, 500.0)),
        # lower: with a currency mark or a price word
        ("$300 or more", (300.0, None)),
        ("phone $300 or more", (300.0, None)),
        ("$300 and up", (300.0, None)),
        ("300 dollars and above", (300.0, None)),
        ("price 300 and up", (300.0, None)),
        ("budget 300 or more", (300.0, None)),
        # with another bound
        ("$300 or more, under $800", (300.0, 800.0)),
        ("under $800 but $300 or more", (300.0, 800.0)),
    ],
)
def test_a_bound_after_its_amount_is_read(text, expected):
    assert _price(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # an age, a count, a version, a model, a size, a year
        "board games for kids 7 and up",
        "toys for ages 3 and up",
        "kids 12 and under",
        "tent for 4 or more people",
        "hub with 4 or more ports",
        "pack of 10 or less",
        "android 9 and above",
        "windows 10 or higher",
        "ios 12 or below",
        "iphone 8 or below",
        "laptop rtx 3060 or higher",  # a price_min of 3060 removes most such laptops
        "ryzen 5 3600 or less",
        "ddr4 3200 or less",
        "size 10 and under",
        "2015 or below",
        # a screen size ("tv 50" is how the size is written) or a spec
        "tv 50 or less",
        "monitor 27 or less",
        "tv 55 inch or less",
        "tv 4k or less",
        # a bare lower bound: an age, a version, a model as much as a price
        "300 and up",
        "laptop 500 or more",
        # a discount, an amount saved
        "50 or more off",
        "save $50 or more",
    ],
)
def test_a_bound_after_a_number_that_may_be_something_else_gives_no_price(text):
    assert _price(text) == (None, None)


def test_a_bound_after_its_amount_is_no_bound_before_another_amount():
    """"55 inch and under $500": "and under" bounds the $500, not the 55 inch."""
    assert _price("tv 55 inch and under $500") == (None, 500.0)
    assert _price("200 and up to 500") == (None, 500.0)


# --- budget, within, sub, an amount to spend --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("laptop with a budget of 500", (None, 500.0)),
        ("my budget is 600 for a laptop", (None, 600.0)),
        ("on a budget of 500", (None, 500.0)),
        ("budget of $500", (None, 500.0)),
        ("budget: 500", (None, 500.0)),
        ("budget $500 laptop", (None, 500.0)),
        ("budget 500 dollars", (None, 500.0)),
        ("budget of 500-800", (500.0, 800.0)),  # a range, as before
        ("tv within 500", (None, 500.0)),
        ("within $500", (None, 500.0)),
        ("phone within 15000", (None, 15000.0)),
        ("laptop sub $500", (None, 500.0)),
        ("sub-$500 laptop", (None, 500.0)),
        ("i have $300 to spend on headphones", (None, 300.0)),
        # already read: kept
        ("no more than $300", (None, 300.0)),
        ("not more than $300", (None, 300.0)),
        ("max $300", (None, 300.0)),
        ("at most $300", (None, 300.0)),
        ("at least $300", (300.0, None)),
    ],
)
def test_budget_within_sub_and_an_amount_to_spend_are_an_upper_bound(text, expected):
    assert _price(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "laptop sub 500",  # a bare "sub": a subwoofer as much ("polk sub 10")
        "polk sub 10",
        "sonos sub 2 price",
        "klipsch sub 12 inch",
        "budget 2 in 1 laptop",  # "budget" as an adjective
        "budget 27 monitor",
        "within 5 miles",
        "delivered within 2 days",
        "tv max 300",  # a bare "max" stays guarded (a name's: "pro max 256")
    ],
)
def test_a_bare_sub_budget_or_within_that_may_be_something_else_gives_no_price(text):
    assert _price(text) == (None, None)


# --- an amount spelt "a hundred", "a thousand", "a grand" -------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("laptop under a thousand", (None, 1000.0)),
        ("under a thousand", (None, 1000.0)),
        ("tv for less than a grand", (None, 1000.0)),
        ("less than a grand", (None, 1000.0)),
        ("laptop under a grand please", (None, 1000.0)),
        ("no more than a grand", (None, 1000.0)),
        ("over a thousand", (1000.0, None)),
        ("tv over a thousand", (1000.0, None)),
        ("under a hundred bucks", (None, 100.0)),
        ("tv up to a hundred", (None, 100.0)),  # spelt: no screen size
        ("between a hundred and a thousand", (100.0, 1000.0)),
        ("between a hundred and 500", (100.0, 500.0)),
    ],
)
def test_an_amount_spelt_with_a_is_read(text, expected):
    assert _price(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "under a hundred and fifty",  # more of the amount follows: never its first part
        "under a thousand five hundred",
        "over a grand piano",  # "grand" qualifies a noun
        "under a grand gaming laptop",
        "a grand theft auto 5 hat",
        "a thousand splendid suns",
        "under a thousand piece puzzle",  # a count
        "under 2 grand",  # a number before "grand" stays unread (f274e51)
        "laptop under five hundred dollars",  # other spelt numbers are not read
    ],
)
def test_a_spelt_amount_not_read_surely_gives_no_price(text):
    assert _price(text) == (None, None)


# --- an amount with no bound: no price filter -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "phone about $300",
        "phone around $300",
        "tv that costs around 500",
        "phone roughly 200 dollars",
        "approximately $300 headphones",
        "$500 laptop",
        "500 dollar laptop",
        "laptop for $500",
        "$10 candles",  # (data/: QueryNER)
        "$80 golf cart without roof",
    ],
)
def test_an_amount_with_no_bound_is_no_price_filter(text):
    assert _price(text) == (None, None)


# --- a negated bound word is the other bound at its amount ---------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not under 500", (500.0, None)),
        ("isn't over $300", (None, 300.0)),
        ("not $300 or more", (None, 300.0)),
        ("don't want 300 or less", (300.0, None)),
        ("not under a thousand", (1000.0, None)),
        ("isn't over a thousand", (None, 1000.0)),
        ("tv not within 500", (None, None)),  # no bound word with an opposite
        ("no sub $500 laptops", (None, None)),
    ],
)
def test_a_negated_bound_gives_the_other_bound(text, expected):
    assert _price(text) == expected


# --- through fusion.expand: the filters an engine gets ---------------------------------------


@pytest.mark.parametrize(
    ("query", "price_min", "price_max"),
    [
        ("samsung tv 300 or less", None, 300.0),
        ("samsung phone $300 or more", 300.0, None),
        ("samsung tv under a grand", None, 1000.0),
        ("samsung tv with a budget of 500", None, 500.0),
        ("samsung tv around $500", None, None),
        ("$500 samsung tv", None, None),
    ],
)
def test_spoken_prices_are_the_filters(kg, query, price_min, price_max):
    res = expand(kg, [], query=query)
    assert (res.filters.price_min, res.filters.price_max) == (price_min, price_max), query
