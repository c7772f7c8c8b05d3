"""The intent reads the links the expansion does not exclude, judged alike (a final read of
the 2026-12-05 fixes found them apart: the expansion excluded iPad in "tablet not apple ipad"
and read "non apple" as Apple excluded, while the intent still read iPad and "Non-apple")."""

from __future__ import annotations

import pytest

from fusion.patterns import parse_price
from fusion.types import LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import intent_links

ID = "https://kgqp.dev/id/"
COMP = Node(NodeKind.CATEGORY, "bb/comp", "Computers & Tablets", path="Computers & Tablets")
TABLETS = Node(NodeKind.CATEGORY, "bb/tablets", "Tablets",
               path="Computers & Tablets > Tablets")
IPAD = Node(NodeKind.CATEGORY, "bb/ipad", "iPad", path="Computers & Tablets > Tablets > iPad")
APPLE = Node(NodeKind.BRAND, "apple", "Apple")
NON_APPLE = Node(NodeKind.PRODUCT_TYPE, "non-apple", "Non-apple")


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([COMP, TABLETS, IPAD, APPLE, NON_APPLE,
                   Edge(TABLETS.iri, Relation.PARENT, COMP.iri),
                   Edge(IPAD.iri, Relation.PARENT, TABLETS.iri),
                   Edge(APPLE.iri, Relation.SELLS_IN, IPAD.iri)], progress=False)
    return g


def _mentions(links: list[LinkedEntity]) -> list[str]:
    return [e.mention or "" for e in links]


def test_a_brand_s_line_after_the_excluded_brand_is_not_read_by_the_intent(kg) -> None:
    links = [LinkedEntity(TABLETS.iri, "category", 0.9, "core_product_type", "tablet"),
             LinkedEntity(APPLE.iri, "brand", 0.9, "creator", "apple"),
             LinkedEntity(IPAD.iri, "category", 0.9, "product_name", "ipad")]
    assert _mentions(intent_links("tablet not apple ipad", links, kg)) == ["tablet"]
    assert _mentions(intent_links("tablet apple ipad", links, kg)) == ["tablet", "apple", "ipad"]


def test_non_and_a_brand_linked_as_one_node_is_not_read_by_the_intent(kg) -> None:
    links = [LinkedEntity(NON_APPLE.iri, "product_type", 0.9, "modifier", "non apple"),
             LinkedEntity(TABLETS.iri, "category", 0.9, "core_product_type", "tablet")]
    assert _mentions(intent_links("non apple tablet", links, kg)) == ["tablet"]


@pytest.mark.parametrize(("text", "price"), [
    ("tv  under   500", (None, 500.0)),  # a run of spaces read as one, as a parse reads it
    ("300 or less" + " " * 500 + "tv", (None, 300.0)),
    ("tv under 1\u202f000\u202f000 €", (None, 1_000_000.0)),  # grouped thousands still read
])
def test_price_text_with_whitespace_runs(text, price) -> None:
    assert parse_price(text) == price
