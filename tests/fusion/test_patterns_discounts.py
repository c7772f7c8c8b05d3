"""Discounts and body measurements are no price (:mod:`fusion.patterns`), from the reviews of
attributes (finding 7) and routing: "up to 70 off nike shoes" was a ``price_max`` of 70 and
"jeans over 30 waist" a ``price_min`` of 30, hard filters that remove most of the products the
query asks for. The query is read NFKC-normalised, as the pipeline reads it."""

from __future__ import annotations

import unicodedata

import networkx as nx
import pytest

from fusion.expand import expand
from fusion.patterns import parse_price


def _price(text: str) -> tuple[float | None, float | None]:
    return parse_price(unicodedata.normalize("NFKC", text))


# --- a discount: an amount followed by "off", or the amount saved ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "up to 70 off nike shoes",  # was a price_max of 70
        "nike shoes up to 70 off",
        "over 30 off",
        "up to $70 off",  # "$70 off" is a discount too, with its currency mark
        "up to 70 dollars off",
        "up to 70 % off",
        "up to 50 percent off",
        "between 20 and 50 off",
        "$20-50 off",
        "up to 1k off",
        "save up to 50 on headphones",  # the amount saved
        "save over 20",
        "save up to $50",
        "savings of over $100",
        "save between 20 and 50",
        "discount up to 30",
        "cash back up to 200",
    ],
)
def test_a_discount_is_no_price(text):
    assert _price(text) == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shoes under 70", (None, 70.0)),
        ("nike shoes under 70 off white", (None, 70.0)),  # a colour
        ("under 100 off white sneakers", (None, 100.0)),
        ("bikes under 500 off road", (None, 500.0)),
        ("dress under 30 off the shoulder", (None, 30.0)),
        ("shoes under 70 offers", (None, 70.0)),
        ("tv under 500 with 50 off", (None, 500.0)),  # the discount is another number
        ("under 50 save 20", (None, 50.0)),
        ("save 20 on shoes under 100", (None, 100.0)),
        ("discount tv under 500", (None, 500.0)),
        ("deals under 50", (None, 50.0)),
    ],
)
def test_prices_next_to_a_discount_are_kept(text, expected):
    assert _price(text) == expected


# --- a body or garment measurement: after the number or before the bound ---------------------


@pytest.mark.parametrize(
    "text",
    [
        "jeans over 30 waist",  # was a price_min of 30
        "over 30 waist jeans",
        "jeans over 32 inseam",
        "pants over 32 inseam length",
        "dress over 40 bust",
        "under 40 chest",
        "shirts over 16 neck",
        "over 34 sleeve length",
        "between 30 and 34 waist",
        "jeans waist over 30",  # the measurement word before the bound
        "jeans with waist over 30",
        "pants inseam over 32",
        "pants inseam: at least 32",
        "waist size between 30 and 34",
    ],
)
def test_a_measurement_is_no_price(text):
    assert _price(text) == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jeans 32 waist under 50", (None, 50.0)),  # the measurement has its number
        ("jeans 34 inch inseam under 40", (None, 40.0)),
        ("jeans under 50 32 waist", (None, 50.0)),
        # a measurement word that starts a product's name, or a word that is no measurement
        ("under 20 neck pillow", (None, 20.0)),
        ("under 30 waist trainer", (None, 30.0)),
        ("waist trainer over 20", (20.0, None)),
        ("under 100 chest freezer", (None, 100.0)),
        ("under 200 chest of drawers", (None, 200.0)),
        ("toy chest under 100", (None, 100.0)),
        ("full length mirror under 50", (None, 50.0)),
        ("laptop sleeve under 20", (None, 20.0)),
        ("high rise jeans under 40", (None, 40.0)),
        ("jeans under 50 hip hop", (None, 50.0)),
    ],
)
def test_prices_next_to_a_measurement_are_kept(text, expected):
    assert _price(text) == expected


def test_a_discount_sets_no_price_filter():
    """The filters an engine gets: no price bound for a discount or a measurement, the price's
    for a price."""
    g = nx.MultiDiGraph()
    g.add_node("c", kind="category", label="Shoes", path="Clothing > Shoes", aliases=[])
    for query in ("up to 70 off nike shoes", "up to $70 off nike shoes", "jeans over 30 waist"):
        assert dict(expand(g, [], query=query).filters) == {}, query
    assert dict(expand(g, [], query="nike shoes under 70").filters) == {"price_max": 70.0}
