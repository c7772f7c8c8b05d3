"""A negation cue the tagger takes into a span: the bundle's tagger tags "not laptop" in "tablet
not laptop" (``condition``, a label that links nothing), "not headphones" (``modifier``, which
rarely links a category) and "non samsung" (``modifier``, which links no brand) as one span, so
the span linked nothing and the exclusion was lost: no DOWN boost, and the intent and the
expansions could follow the word the user excluded. Such a span now links the words after the
cue and keeps the cue in its text, so the expansion reads the node as excluded (a DOWN boost,
never a filter); and the intent no longer reads the nodes a query excludes, wherever the cue
stands ("phone not samsung" as much as "non samsung phone")."""

from __future__ import annotations

import pytest
import torch

from fusion.context import GraphContext
from fusion.expand import QueryExpander
from fusion.gnn import NodeEmbeddings
from fusion.hetero import as_networkx
from fusion.model import FusionConfig, FusionModel
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import EmbeddingPhraseTagger, PhraseTagger

COMPUTERS = Node(NodeKind.CATEGORY, "bb/computers", "Computers & Tablets",
                 path="Computers & Tablets")
LAPTOPS = Node(NodeKind.CATEGORY, "bb/laptops", "Laptops", path="Computers & Tablets > Laptops")
TABLETS = Node(NodeKind.CATEGORY, "bb/tablets", "Tablets", path="Computers & Tablets > Tablets")
AUDIO = Node(NodeKind.CATEGORY, "bb/audio", "Audio", path="Audio")
HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
SPEAKERS = Node(NodeKind.CATEGORY, "bb/speakers", "Speakers", path="Audio > Speakers")
APPLIANCES = Node(NodeKind.CATEGORY, "bb/appliances", "Appliances", path="Appliances")
FREEZERS = Node(NodeKind.CATEGORY, "bb/freezers", "Freezers", path="Appliances > Freezers")
FRIDGES = Node(NodeKind.CATEGORY, "bb/fridges", "Refrigerators",
               path="Appliances > Refrigerators")
PHONES = Node(NodeKind.CATEGORY, "bb/phones", "Cell Phones", path="Cell Phones")
STICKS = Node(NodeKind.CATEGORY, "g/sticks", "Sticks", path="Sports > Sticks")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0)

SPANS = {
    "tablet not laptop": [("tablet", "core_product_type"), ("not laptop", "condition")],
    "speaker not headphones": [("speaker", "core_product_type"),
                               ("not headphones", "modifier")],
    "fridge without freezer": [("fridge", "core_product_type"), ("without freezer", "condition")],
    "non samsung phone": [("non samsung", "modifier"), ("phone", "core_product_type")],
    "phone case not samsung": [("phone case", "core_product_type"), ("not samsung", "modifier")],
    "phone not samsung": [("phone", "core_product_type"), ("samsung", "creator")],
    "samsung phone": [("samsung", "creator"), ("phone", "core_product_type")],
    "phone": [("phone", "core_product_type")],
    "speaker": [("speaker", "core_product_type")],
    "non stick pan": [("non stick", "modifier"), ("pan", "core_product_type")],
    "no laptop stand": [("no laptop", "condition"), ("stand", "core_product_type")],
    "book without laptop": [("book", "core_product_type"), ("without laptop", "content")],
}
LABELS = ["Appliances > Freezers", "Appliances > Refrigerators", "Audio > Headphones",
          "Audio > Speakers", "Cell Phones > Cell Phones", "Computers & Tablets > Laptops",
          "Computers & Tablets > Tablets"]
DIM = EmbeddingPhraseTagger.embedding_dim


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        COMPUTERS, LAPTOPS, TABLETS, AUDIO, HEADPHONES, SPEAKERS, APPLIANCES, FREEZERS, FRIDGES,
        PHONES, STICKS, SAMSUNG,
        *(Edge(c.iri, Relation.PARENT, p.iri) for c, p in (
            (LAPTOPS, COMPUTERS), (TABLETS, COMPUTERS), (HEADPHONES, AUDIO), (SPEAKERS, AUDIO),
            (FREEZERS, APPLIANCES), (FRIDGES, APPLIANCES))),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, PHONES.iri),
    ], progress=False)
    return g


@pytest.fixture(scope="module")
def qp(kg: ProductGraph) -> QueryParser:
    return QueryParser(tagger=PhraseTagger(SPANS), kg=kg, expander=QueryExpander(kg))


@pytest.fixture(scope="module")
def with_intent(kg: ProductGraph) -> QueryParser:
    """A parser with a real fusion model (untrained, seeded) reading the KG's nodes."""
    g = as_networkx(kg)
    nodes = sorted(g.nodes)
    gen = torch.Generator().manual_seed(0)
    emb = NodeEmbeddings(nodes, [str(g.nodes[n].get("kind")) for n in nodes],
                         torch.randn(len(nodes), 4, generator=gen))
    torch.manual_seed(0)
    model = FusionModel(FusionConfig(text_dim=DIM, node_dim=4, hidden_dim=16, dropout=0.0),
                        labels=LABELS, context=GraphContext(g, emb, labels=LABELS))
    model.eval()
    return QueryParser(tagger=EmbeddingPhraseTagger(SPANS), kg=kg, fusion=model,
                       expander=QueryExpander(kg))


@pytest.mark.parametrize(("query", "span", "label", "node", "boost"), [
    ("tablet not laptop", "not laptop", "condition", LAPTOPS,
     "category:Computers & Tablets > Laptops"),
    ("speaker not headphones", "not headphones", "modifier", HEADPHONES,
     "category:Audio > Headphones"),
    ("fridge without freezer", "without freezer", "condition", FREEZERS,
     "category:Appliances > Freezers"),
    ("non samsung phone", "non samsung", "modifier", SAMSUNG, "brand:Samsung"),
    # a label that links no brand: the words after the cue are read without one too
    ("phone case not samsung", "not samsung", "modifier", SAMSUNG, "brand:Samsung"),
])
def test_a_span_opening_with_a_negation_cue_links_what_it_excludes(
        qp, query, span, label, node, boost) -> None:
    q = qp(query)
    ent = next(e for e in q.entities if e.text == span)
    assert (ent.kg_id, ent.label) == (node.iri, label)  # the tagger's label kept
    assert query[ent.start:ent.end] == span  # the cue kept in the span
    assert [(b.term, b.direction) for b in q.boosts if b.rule.startswith(f"link:{node.iri}")] \
        == [(boost, "DOWN")]
    values = [v for vs in q.filters.values() for v in (vs if isinstance(vs, list) else [vs])]
    assert not any(node.label in str(v) for v in values)  # never a filter
    assert not any(x.provenance and x.provenance[0][0] == node.iri for x in q.expansions)


def test_link_entity_keeps_the_cue_in_the_span(qp) -> None:
    text = "tablet not laptop"
    ent = qp.link_entity(text, Entity("not laptop", 7, 17, "condition", 0.9))
    assert (ent.text, ent.start, ent.end, ent.label, ent.kg_label) == (
        "not laptop", 7, 17, "condition", "Laptops")


def test_non_excludes_only_a_brand(qp) -> None:
    """"non stick" is a kind of pan, not a pan without sticks (the expansion reads "non"
    before brands only): the words after it link no other node."""
    q = qp("non stick pan")
    assert q.entities[0].kg_id is None and q.boosts == []


@pytest.mark.parametrize(("text", "span", "start", "label"), [
    ("no laptop stand", "no laptop", 0, "condition"),         # a compound opening the query
    ("book without laptop", "without laptop", 5, "content"),  # a title's words
])
def test_a_cue_in_a_compound_or_a_name_excludes_nothing(qp, text, span, start, label) -> None:
    """"no touch thermometer", "no slip socks" and the title "woody allen without feathers"
    got DOWN boosts on iPod touch, slips and feathers: a "no" opening the query qualifies
    what follows it, and a cue in a title or product name is part of the name."""
    ent = qp.link_entity(text, Entity(span, start, start + len(span), label, 0.9))
    assert ent.kg_id is None
    assert qp_boosts(qp, text) == []


def qp_boosts(qp, text):
    return [b for b in qp(text).boosts if b.direction == "DOWN"]


def test_the_intent_links_leave_out_what_the_query_excludes(qp) -> None:
    from parser.pipeline import intent_links, linked_entities

    def read(query: str) -> set[str]:
        return {e.iri for e in intent_links(query, linked_entities(qp(query).entities))}

    assert read("phone not samsung") == {PHONES.iri}  # the cue before the span
    assert read("non samsung phone") == {PHONES.iri}  # the cue opening it
    assert read("speaker not headphones") == {SPEAKERS.iri}
    assert read("samsung phone") == {SAMSUNG.iri, PHONES.iri}


def _top(parser: QueryParser, query: str) -> list[tuple[str, float]]:
    intent = parser(query).intent
    assert intent is not None
    return intent.top_k


def test_the_intent_does_not_read_a_node_excluded_before_its_span(with_intent) -> None:
    assert _top(with_intent, "samsung phone") != _top(with_intent, "phone")  # (a link moves it)
    assert _top(with_intent, "phone not samsung") == _top(with_intent, "phone")
    # ... and the expansion still reads it: the DOWN boost
    assert [b.term for b in with_intent("phone not samsung").boosts] == ["brand:Samsung"]


def test_the_intent_does_not_read_a_node_excluded_inside_its_span(with_intent) -> None:
    assert _top(with_intent, "speaker not headphones") == _top(with_intent, "speaker")
    assert _top(with_intent, "non samsung phone") == _top(with_intent, "phone")
    assert [b.term for b in with_intent("speaker not headphones").boosts] == [
        "category:Audio > Headphones"]


def test_pipe_gives_what_single_calls_give(with_intent) -> None:
    queries = list(SPANS)
    one = [with_intent(q).to_dict() for q in queries]
    many = [q.to_dict() for q in with_intent.pipe(queries, batch_size=3)]
    for d in one + many:
        d.pop("timings")
    assert many == one
