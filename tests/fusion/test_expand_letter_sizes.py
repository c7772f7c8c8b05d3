"""Linked letter sizes (:func:`fusion.expand.sizes._a_stray_letter_size`; review rv-typeahead,
rv-hardware):

1. a lone letter after a product word linked the KG's clothing size and became a hard size
   filter: "tv m" -> M (48 of 200 one-word Best Buy train queries + " m", 42 + " l"),
   "laptop m", "curtains for l" (the span "for l" -> L), "shave soap for m";
2. "king size b": the letter after a bed size's "size" (the start of the next word) -> B.

A letter size from a link is a filter only next to "size" (not a bed size's) or in a query
that names something sold in letter sizes (clothing, footwear, gear:
:data:`fusion.patterns.LETTER_SIZED`), as the patterns read letter sizes; else no size.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import LinkedEntity
from kg import Node, NodeKind, ProductGraph

from .catalog_kg import ID, catalog_kg

SIZES = ("M", "L", "B", "XL", "XXL", "Large", "King", "55 inch")


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return catalog_kg([Node(NodeKind.ATTRIBUTE_VALUE, f"size/{s.lower().replace(' ', '-')}", s,
                            attribute="size") for s in SIZES])


def size(name: str, mention: str, label: str = "UoM") -> LinkedEntity:
    iri = f"{ID}attribute_value/size/{name.lower().replace(' ', '-')}"
    return LinkedEntity(iri, "attribute_value", 0.9, label, mention)


@pytest.mark.parametrize(("query", "name", "mention"), [
    ("tv m", "M", "m"),  # was a size filter M
    ("laptop m", "M", "m"),
    ("projector m", "M", "m"),
    ("tv l", "L", "l"),
    ("small table l", "L", "l"),
    ("curtains for l", "L", "for l"),
    ("tv wall m", "M", "m"),
    ("shave soap for m", "M", "for m"),
    ("xl dog bed", "XL", "xl"),
    ("king size b", "B", "b"),  # the bed size's "size"
    ("queen size m", "M", "m"),
])
def test_a_linked_letter_of_no_sized_thing_is_no_size(kg, query, name, mention):
    res = expand(kg, [size(name, mention)], query=query)
    assert res.filters.size == (), query
    assert [b.term for b in res.boosts if b.term.startswith("size:")] == [], query


@pytest.mark.parametrize(("query", "name", "mention"), [
    ("mens shirt l", "L", "l"),
    ("t shirt xl", "XL", "xl"),
    ("jacket size m", "M", "m"),
    ("size m", "M", "m"),
    ("m size", "M", "m"),
    ("nike shoes m", "M", "m"),
    ("bike helmet m", "M", "m"),
    ("dog harness l", "L", "l"),
    ("hoodie xxl", "XXL", "xxl"),
    ("apple watch band m", "M", "m"),
])
def test_a_linked_letter_size_next_to_size_or_a_sized_thing_stays(kg, query, name, mention):
    res = expand(kg, [size(name, mention)], query=query)
    assert name in res.filters.size, query


def test_other_linked_sizes_are_unchanged(kg):
    assert expand(kg, [size("King", "king")], query="king duvet").filters.size == ("King",)
    assert expand(kg, [size("55 inch", "55 inch")], query="tv 55 inch").filters.size \
        == ("55 inch",)


@pytest.mark.parametrize(("query", "name", "mention"), [
    # clothing the size patterns name beside the letter ("apron l" had no size)
    ("apron l", "L", "l"),
    ("boxers l", "L", "l"),
    ("scarf m", "M", "m"),
    ("tuxedo m", "M", "m"),
    ("bathrobe xl", "XL", "xl"),
    ("saree m", "M", "m"),
])
def test_a_linked_letter_size_of_any_clothing_word_stays(kg, query, name, mention):
    res = expand(kg, [size(name, mention)], query=query)
    assert name in res.filters.size, query


def test_a_linked_letter_size_of_linked_clothing_stays():
    # a word no pattern knows, linked to a category under a clothing or apparel path
    from .catalog_kg import cat_iri, category_records

    g = catalog_kg([*(Node(NodeKind.ATTRIBUTE_VALUE, f"size/{s.lower()}", s, attribute="size")
                      for s in ("M", "L")),
                    *category_records({"dhotis": ("Dhotis", "Clothing > Men > Dhotis", None)},
                                      source="fk"),
                    *category_records({"tvs": ("TVs", "TV & Home Theater > TVs", None)})])
    dhoti = LinkedEntity(cat_iri("dhotis", "fk"), "category", 0.9, "product type", "dhoti")
    tvs = LinkedEntity(cat_iri("tvs"), "category", 0.9, "product type", "tv")
    assert "L" in expand(g, [dhoti, size("L", "l")], query="dhoti l").filters.size
    assert expand(g, [tvs, size("L", "l")], query="tv l").filters.size == ()
