"""A parse reads its query for the linker once: every link call of its spans (the span's own,
and those of a negation cue's words, a compatibility cue's brand, a trailing "brand", a
brand opening the span) gets the query's one :class:`kg.link.QueryContext`, which it read
again in each step of each call before; the links are the same."""

from __future__ import annotations

from typing import Any

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker, QueryContext
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import PhraseTagger

TYPE = "core_product_type"
LAUNDRY = Node(NodeKind.CATEGORY, "bb/laundry", "Washers & Dryers",
               path="Appliances > Washers & Dryers")
CHARGERS = Node(NodeKind.CATEGORY, "bb/chargers", "Chargers",
                path="Cell Phones > Cell Phone Accessories > Chargers")
PHONES = Node(NodeKind.CATEGORY, "bb/phones", "Cell Phones", path="Cell Phones",
              aliases=("phone",))
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=80.0)
BOSE = Node(NodeKind.BRAND, "bose", "Bose", popularity=20.0)
WHIRLPOOL = Node(NodeKind.BRAND, "whirlpool", "Whirlpool", popularity=20.0)

SPANS = {
    "samsung washer": [("samsung", "creator"), ("washer", TYPE)],
    "charger for samsung": [("charger", TYPE), ("for samsung", "modifier")],
    "phone not samsung": [("phone", TYPE), ("not samsung", "condition")],
    "bose brand chargers": [("bose brand", "creator"), ("chargers", TYPE)],
    "whirlpool washer": [("whirlpool washer", TYPE)],
    "samsung tv vs lg tv": [("samsung", "creator"), ("tv vs lg", "product_name")],
}


class RecordingLinker(EntityLinker):
    """The parse's linker, recording the ``context`` of each of its link calls."""

    contexts: list[Any]

    def link(self, mention: str, label: str | None = None, context: Any = None) -> Any:
        self.contexts.append(context)
        return super().link(mention, label=label, context=context)


def _kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([LAUNDRY, CHARGERS, PHONES, SAMSUNG, BOSE, WHIRLPOOL,
                   Edge(SAMSUNG.iri, Relation.SELLS_IN, LAUNDRY.iri),
                   Edge(SAMSUNG.iri, Relation.SELLS_IN, PHONES.iri),
                   Edge(BOSE.iri, Relation.SELLS_IN, CHARGERS.iri),
                   Edge(WHIRLPOOL.iri, Relation.SELLS_IN, LAUNDRY.iri)], progress=False)
    return g


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = _kg()
    linker = RecordingLinker(g)
    linker.contexts = []
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g, linker=linker)


@pytest.mark.parametrize("query", sorted(SPANS))
def test_every_link_call_of_a_parse_gets_the_query_s_one_context(
        qp: QueryParser, query: str) -> None:
    linker = qp.linker
    assert isinstance(linker, RecordingLinker)
    linker.contexts.clear()
    qp(query)
    assert linker.contexts
    assert all(c is linker.contexts[0] for c in linker.contexts)
    assert isinstance(linker.contexts[0], QueryContext)
    assert linker.contexts[0].text == query


@pytest.mark.parametrize("query", sorted(SPANS))
def test_a_span_links_alike_with_and_without_the_query_s_context(
        qp: QueryParser, query: str) -> None:
    context = QueryContext.of(query)
    for span, label in SPANS[query]:
        start = query.index(span)
        entity = Entity(span, start, start + len(span), label, 0.9)
        assert qp.link_entities(query, entity, context) == qp.link_entities(query, entity)
        assert qp.link_entity(query, entity, context) == qp.link_entity(query, entity)


def test_the_spans_link_what_their_words_name(qp: QueryParser) -> None:
    """(the parses above link: the contexts served real links)"""
    links = {q: [e.kg_label for e in qp(q).entities] for q in SPANS}
    assert links["samsung washer"] == ["Samsung", "Washers & Dryers"]
    assert links["charger for samsung"] == ["Chargers", "Samsung"]
    assert links["phone not samsung"] == ["Cell Phones", "Samsung"]
    assert links["bose brand chargers"] == ["Bose", "Chargers"]
    assert links["whirlpool washer"] == ["Whirlpool", "Washers & Dryers"]
