"""A tagged span that ran on into the next clause's negation cue ("samsung and not" of "tv
not samsung and not lg") links the node its words before the cue name, and ends there: the
brand the first cue excludes gets its ``kg_id`` (a DOWN boost) whatever else the tagger took
into the span. Only the very name of a node: other words before the cue link nothing."""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser

from .word_tagger import PhraseTagger

TYPE = "core_product_type"
TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs", aliases=("tv",))
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=80.0)
LG = Node(NodeKind.BRAND, "lg", "LG", popularity=60.0)

SPANS = {
    "tv not samsung and not lg": [("tv", TYPE), ("samsung and not", "creator"),
                                  ("lg", "creator")],
    "tv not samsung, not lg": [("tv", TYPE), ("samsung, not", "creator"), ("lg", "creator")],
    "tv not samsung but not lg": [("tv", TYPE), ("samsung but not", "creator"),
                                  ("lg", "creator")],
    # other words before the cue: no node's very name, nothing linked
    "tv not samsung galaxy and not lg": [("tv", TYPE), ("samsung galaxy and not", "creator"),
                                         ("lg", "creator")],
    # no cue at the end: the span is the tagger's, unchanged
    "tv samsung and lg": [("tv", TYPE), ("samsung and lg", "creator")],
}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([TVS, SAMSUNG, LG, Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
                   Edge(LG.iri, Relation.SELLS_IN, TVS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g)


@pytest.mark.parametrize("query", ["tv not samsung and not lg", "tv not samsung, not lg",
                                   "tv not samsung but not lg"])
def test_a_brand_before_the_next_clause_s_cue_links_and_the_span_ends_there(
        qp: QueryParser, query: str) -> None:
    brand = qp(query).entities[1]
    assert (brand.text, brand.kg_id) == ("samsung", SAMSUNG.iri)
    assert (brand.start, brand.end) == (7, 14)


def test_words_that_are_no_node_s_very_name_before_the_cue_link_nothing(
        qp: QueryParser) -> None:
    span = qp("tv not samsung galaxy and not lg").entities[1]
    assert (span.text, span.kg_id) == ("samsung galaxy and not", None)


def test_a_span_without_a_trailing_cue_is_left_to_the_other_rules(qp: QueryParser) -> None:
    span = qp("tv samsung and lg").entities[1]
    assert span.text == "samsung and lg"
