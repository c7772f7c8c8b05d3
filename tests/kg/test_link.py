"""Entity linking over a real (in-memory) ProductGraph."""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker, LinkerConfig


@pytest.fixture()
def graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    tvs = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", aliases=("televisions",),
               path="TV & Home Theater > TVs")
    records = [
        Node(NodeKind.CATEGORY, "bb/tvht", "TV & Home Theater", path="TV & Home Theater"),
        tvs,
        Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0),
        Node(NodeKind.BRAND, "sams-club", "Sam's Club", popularity=1.0),
        Node(NodeKind.ATTRIBUTE_VALUE, "color/red", "Red", attribute="color"),
        Node(NodeKind.ATTRIBUTE_VALUE, "material/cotton", "Cotton", attribute="material"),
        Node(NodeKind.BRAND, "red-brand", "RED"),
        Edge(tvs.iri, Relation.PARENT, Node(NodeKind.CATEGORY, "bb/tvht", "x").iri),
    ]
    g.add_records(records, progress=False)
    return g


def test_exact_alias_fuzzy_and_plural(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert linker.link("Samsung", label="creator").best.match_type == "exact"
    assert linker.link("SAMSUNG", label="creator").best.label == "Samsung"
    fuzzy = linker.link("samsnug", label="creator")
    assert fuzzy.best is not None and fuzzy.best.label == "Samsung"
    assert fuzzy.best.match_type == "fuzzy"
    assert linker.link("tv", label="core_product_type").best.label == "TVs"
    assert linker.link("televisions").best.label == "TVs"


def test_type_compatibility_ranks_by_label(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    as_color = linker.link("red", label="color")
    assert as_color.best.kind == "attribute_value"
    as_brand = linker.link("red", label="creator")
    assert as_brand.best.kind == "brand"
    # a material mention never links to a colour
    assert linker.link("red", label="material").nil


def test_nil_and_bad_input(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert linker.link("", label="creator").nil
    assert linker.link("   ").candidates == ()
    assert linker.link("x" * 10_000, label="creator").nil
    assert linker.link("under 800", label="price").nil  # labels that never link
    assert linker.link("zzzzqqq", label="creator").nil
    with pytest.raises(ValueError, match="known labels"):
        linker.link("samsung", label="no_such_label")
    with pytest.raises(TypeError):
        linker.link(None)  # type: ignore[arg-type]


def test_index_follows_kg_version(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert linker.link("zorblax", label="creator").nil
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax"))
    assert linker.link("zorblax", label="creator").best.label == "Zorblax"


def test_result_to_dict_and_config_validation(graph: ProductGraph) -> None:
    d = EntityLinker(graph).link("samsung", label="creator").to_dict(limit=1)
    assert d["best"]["label"] == "Samsung" and len(d["candidates"]) == 1
    assert set(d["best"]["features"]) == {"similarity", "type", "prior", "context"}
    with pytest.raises(ValueError, match="nil_threshold"):
        LinkerConfig(nil_threshold=2.0)
