"""parser.linking: the link stage a QueryParser calls through one object (SpanLinker), its
state (the entity linker made once and shared, the recording of link calls, a new stage when
the parser's parts are replaced) and a few of its rules called on the stage directly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker
from parser.config import ParserConfig
from parser.linking import LinkCall, SpanLinker, span_edges
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity
from parser.tagger.testing import tiny_tagger

ID = "https://kgqp.dev/id/"


@pytest.fixture(scope="module")
def graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        Node(NodeKind.CATEGORY, "bb/tv", "TV & Home Theater", path="TV & Home Theater"),
        Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs"),
        Node(NodeKind.BRAND, "samsung", "Samsung"),
        Edge(f"{ID}category/bb/tvs", Relation.PARENT, f"{ID}category/bb/tv"),
        Edge(f"{ID}brand/samsung", Relation.SELLS_IN, f"{ID}category/bb/tvs"),
    ], progress=False)
    return g


def _entity(text: str, query: str, label: str) -> Entity:
    start = query.index(text)
    return Entity(text, start, start + len(text), label, 0.9)


def test_the_parser_links_through_one_stage(graph: ProductGraph) -> None:
    qp = QueryParser(tagger=tiny_tagger(), kg=graph, linker=EntityLinker(graph))
    stage = qp._links
    assert isinstance(stage, SpanLinker) and qp._links is stage
    assert stage.owner is qp and stage.kg is graph and stage.config is qp.config
    # (the entity linker is made once, and the parser's property is the stage's)
    assert qp.entity_linker is stage.entity_linker() is qp.entity_linker


def test_link_entity_delegates_to_the_stage(graph: ProductGraph) -> None:
    qp = QueryParser(tagger=tiny_tagger(), kg=graph)
    query = 'samsung tv "samsung'
    for text, label in (("tv", "core_product_type"), ('"samsung', "creator")):
        ent = _entity(text, query, label)
        assert qp.link_entity(query, ent) == qp._links.link_entity(query, ent)
        assert qp.link_entities(query, ent) == qp._links.link_entities(query, ent)
    linked = qp.link_entity(query, _entity('"samsung', query, "creator"))
    assert (linked.text, linked.kg_id) == ("samsung", f"{ID}brand/samsung")


def test_a_stage_built_alone_links_as_the_parser(graph: ProductGraph) -> None:
    stage = SpanLinker(graph, ParserConfig())
    query = "samsung tvs"
    ent = _entity("tvs", query, "core_product_type")
    assert stage.link_entity(query, ent) == QueryParser(
        tagger=tiny_tagger(), kg=graph).link_entity(query, ent)
    assert stage.link_entity(query, ent).kg_id == f"{ID}category/bb/tvs"


def test_a_replaced_part_makes_a_new_stage_and_keeps_the_entity_linker(
        graph: ProductGraph) -> None:
    qp = QueryParser(tagger=tiny_tagger(), kg=graph, linker=EntityLinker(graph))
    stage, linker = qp._links, qp.entity_linker
    qp.config = replace(qp.config, link_labels_only=not qp.config.link_labels_only)
    assert qp._links is not stage and qp._links.config is qp.config
    assert qp.entity_linker is linker  # (same linker, KG and intent model: the same linker)
    qp.linker = EntityLinker(graph)
    assert qp.entity_linker is not linker


def test_recording_links_records_the_stages_calls(graph: ProductGraph) -> None:
    qp = QueryParser(tagger=tiny_tagger(), kg=graph, markets={"zh": tiny_tagger(seed=1)})
    query = "samsung tv"
    with qp.recording_links() as calls:
        qp.link_entity(query, _entity("tv", query, "core_product_type"))
        own = len(calls)
        qp.for_market("zh").link_entity(query, _entity("tv", query, "core_product_type"))
    assert own >= 1 and len(calls) > own and all(isinstance(c, LinkCall) for c in calls)
    assert calls[0].mention == "tv" and calls[0].label == "core_product_type"
    # (outside the block: nothing recorded, the stage links with the linker itself)
    assert qp._links._link_fn(None) == graph.link


def test_the_pipeline_keeps_its_names() -> None:
    import parser.pipeline as pipeline

    assert pipeline.span_edges is span_edges and pipeline.LinkCall is LinkCall
    assert span_edges('"samsung') == (1, 0)


def _cat(key: str, label: str, path: str, **kw) -> Node:
    return Node(NodeKind.CATEGORY, key, label, path=path, **kw)


def test_two_product_nouns_side_by_side_are_no_modifier_and_head() -> None:
    """Best Buy's breadcrumb query "adapters chargers" (Laptop Chargers & Adapters): the
    head/modifier split (SpanLinker._head_and_modifier) read "adapters" as a modifier linking
    Cell Phones' Adapters and "chargers" as the product type Chargers, and the intent lost
    its filter. A plural noun a category's name coordinates with the head's is a kind side by
    side with it: the span links nothing, as before the split. "cell phones signal boosters"
    keeps its modifier, and a breadcrumb naming one kind twice ("projector mounts tv
    mounts") its head's link."""
    g = ProductGraph.in_memory()
    phones = _cat("bb/phones", "Cell Phones", "Cell Phones")
    adapters = _cat("bb/adapters", "Adapters", "Cell Phones > Accessories > Adapters")
    boosters = _cat("bb/boosters", "Signal Boosters", "Cell Phones > Accessories > Signal Boosters")
    # (a name of more words than the span's and two more: no candidate of the whole span)
    laptop = _cat("bb/lca", "Laptop Batteries, Chargers & Power Adapters",
                  "Computers & Tablets > Laptop Accessories > Laptop Batteries, Chargers & Power"
                  " Adapters")
    mounts = _cat("bb/pm", "Projector Mounts", "TV & Home Theater > Mounts > Projector Mounts")
    chargers = Node(NodeKind.PRODUCT_TYPE, "charger", "Charger")
    g.add_records([phones, adapters, boosters, laptop, mounts, chargers,
                   Edge(chargers.iri, Relation.TYPE_IN, adapters.iri)], progress=False)
    stage = SpanLinker(g, ParserConfig(), linker=EntityLinker(g))
    query = "adapters chargers"
    ents = stage.link_entities(query, _entity(query, query, "core_product_type"))
    assert [(e.text, e.label, e.kg_id) for e in ents] == [(query, "core_product_type", None)]
    query = "cell phones signal boosters"
    ents = stage.link_entities(query, _entity(query, query, "core_product_type"))
    assert [(e.text, e.label, e.kg_id) for e in ents] == [
        ("cell phones", "modifier", phones.iri),
        ("signal boosters", "core_product_type", boosters.iri)]
    query = "projector mounts tv mounts"
    ents = stage.link_entities(query, _entity(query, query, "core_product_type"))
    assert ents[-1].kg_id == mounts.iri


def test_an_alias_word_keeps_a_link_the_repick_would_swap() -> None:
    """kg.short_forms' ``spread`` gives Virtual Reality Headsets the alias "VR Headsets":
    "vr headset" linked it, then the repick swapped it for the intent's department's Speakers
    & Headsets, "vr" no word of its path (SpanLinker._tree_words read paths only). The words
    of a node's aliases are its words too."""
    from fusion.types import Intent

    g = ProductGraph.in_memory()
    vr = _cat("bb/vrh", "Virtual Reality Headsets",
              "Cell Phones > Virtual Reality > Virtual Reality Headsets",
              aliases=("VR Headsets",))
    headsets = _cat("bb/sh", "Speakers & Headsets",
                    "Video Games > Gaming Peripherals > Speakers & Headsets")
    g.add_records([_cat("bb/phones", "Cell Phones", "Cell Phones"),
                   _cat("bb/vg", "Video Games", "Video Games"), vr, headsets], progress=False)
    linker = EntityLinker(g)
    stage = SpanLinker(g, ParserConfig(), linker=linker)
    assert "vr" in stage._tree_words(vr.iri, linker)
    query = "vr headset"
    ent = stage.link_entity(query, _entity(query, query, "core_product_type"))
    assert ent.kg_id == vr.iri
    intent = Intent("Video Games > Gaming Peripherals", "Video Games", 0.9, 0.9,
                    (("Video Games > Gaming Peripherals", 0.9),))
    assert stage.repick(query, [ent], intent)[0].kg_id == vr.iri
    # (without the alias word in the query, the namesake of the intent's department)
    query = "headset"
    other = replace(ent, text="headset", start=0, end=7)
    assert stage.repick(query, [other], intent)[0].kg_id == headsets.iri
