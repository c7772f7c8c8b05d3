"""A brand exclusion the tagger labels as a title's words, as in queries of the quickstart bundle:
"headphones not beats" and "headphones except beats" tag "not beats" ``content``, and the
negation-cue fallback skipped title and product-name labels (meant for "woody allen without
feathers"), so Beats got no DOWN boost and the excluded word still matched. Such a span now
excludes what its words after the cue name when that is a brand's very name, or a category of a
department the rest of the query names."""

from __future__ import annotations

import pytest

from fusion.expand import QueryExpander
from kg import Node, NodeKind, ProductGraph
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import PhraseTagger

HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
EARBUDS = Node(NodeKind.CATEGORY, "bb/earbuds", "Earbuds", path="Audio > Headphones > Earbuds")
FEATHERS = Node(NodeKind.CATEGORY, "g/feathers", "Feathers",
                path="Arts & Entertainment > Crafts > Feathers")
BOOKS = Node(NodeKind.CATEGORY, "bb/books", "Books", path="Movies & Music > Books")
# name-list brands, as in the default KG: no edges
BEATS = Node(NodeKind.BRAND, "beats", "beats")
WOODY = Node(NodeKind.BRAND, "woody-allen", "woody allen")

SPANS = {
    "headphones not beats": [("headphones", "core_product_type"), ("not beats", "content")],
    "headphones except beats": [("headphones", "core_product_type"),
                                ("except beats", "content")],
    "headphones without beats": [("headphones", "core_product_type"),
                                 ("without beats", "product_name")],
    "headphones not earbuds": [("headphones", "core_product_type"), ("not earbuds", "content")],
    "woody allen without feathers": [("woody allen", "creator"),
                                     ("without feathers", "content")],
    "books without feathers": [("books", "core_product_type"), ("without feathers", "content")],
    "headphones not beats studio": [("headphones", "core_product_type"),
                                    ("not beats studio", "product_name")],
}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([HEADPHONES, EARBUDS, FEATHERS, BOOKS, BEATS, WOODY], progress=False)
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g, expander=QueryExpander(g))


def _down(qp: QueryParser, query: str) -> list[str]:
    return [b.term for b in qp(query).boosts if b.direction == "DOWN"]


@pytest.mark.parametrize(("query", "span", "label"), [
    ("headphones not beats", "not beats", "content"),
    ("headphones except beats", "except beats", "content"),
    ("headphones without beats", "without beats", "product_name"),
])
def test_a_title_labelled_span_excluding_a_brand_s_name_is_a_down_boost(
        qp: QueryParser, query: str, span: str, label: str) -> None:
    q = qp(query)
    ent = next(e for e in q.entities if e.text == span)
    assert (ent.kg_id, ent.label) == (BEATS.iri, label)  # the tagger's label, the cue kept
    assert _down(qp, query) == ["brand:beats"]
    assert "brand" not in q.filters


def test_a_title_labelled_span_excluding_a_category_of_the_query_s_department(
        qp: QueryParser) -> None:
    assert _down(qp, "headphones not earbuds") == ["category:Audio > Headphones > Earbuds"]


@pytest.mark.parametrize("query", [
    "woody allen without feathers",  # a title: the craft Feathers, no department of the query
    "books without feathers",  # the rest names a category of another department
    "headphones not beats studio",  # no brand's or category's very name
])
def test_a_title_s_words_after_a_cue_exclude_nothing(qp: QueryParser, query: str) -> None:
    span = SPANS[query][-1][0]
    start = query.index(span)
    ent = qp.link_entity(query, Entity(span, start, start + len(span), SPANS[query][-1][1],
                                       0.9))
    assert ent.kg_id is None
    assert _down(qp, query) == []
