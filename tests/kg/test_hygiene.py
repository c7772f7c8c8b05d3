"""KG hygiene on the real default KG (built in memory from data/) and on small graphs."""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.build import build_into
from kg.hygiene import HygieneConfig, apply_hygiene
from kg.link import EntityLinker
from kg.schema import attribute_key, node_iri


@pytest.fixture(scope="module")
def default_kg():
    g = ProductGraph.in_memory()
    reports = build_into(g, progress=False)
    yield g, reports
    g.close()


def _brand(g: ProductGraph, name: str):
    return g.node(node_iri(NodeKind.BRAND, name))


def test_default_build_reports_hygiene(default_kg) -> None:
    _, reports = default_kg
    h = reports[-1]
    assert h.source == "hygiene"
    assert h.skipped["brand removed: a colour/size/fit word"] >= 5
    assert h.skipped["attribute value merged into a duplicate"] >= 5
    assert h.skipped["category marked non-linkable"] >= 100


def test_colour_and_fit_words_are_not_brands(default_kg) -> None:
    g, _ = default_kg
    for key in ("black", "red", "twin", "regular-fit", "slim-fit"):
        assert _brand(g, key) is None, key
    assert _brand(g, "samsung") is not None and _brand(g, "hp") is not None
    linker = EntityLinker(g)
    assert linker.link("black", label="creator").nil
    assert linker.link("black", label="color").best.label == "Black"


def test_duplicate_attribute_values_merge_into_one_node(default_kg) -> None:
    g, _ = default_kg
    multi = [n for n in g.nodes(NodeKind.ATTRIBUTE_VALUE)
             if n.attribute == "color" and "multicolor" in
             {x.lower().replace("-", "") for x in (n.label, *n.aliases)}]
    assert len(multi) == 1
    names = {x.lower() for x in (multi[0].label, *multi[0].aliases)}
    assert {"multi", "multicolor", "multi-color"} <= names
    grey = g.node(node_iri(NodeKind.ATTRIBUTE_VALUE, attribute_key("color", "Grey")))
    assert grey is not None and "GRY" in grey.aliases
    assert g.node(node_iri(NodeKind.ATTRIBUTE_VALUE, attribute_key("color", "GRY"))) is None
    # products of the merged value now point at the kept one
    assert g.neighbors(grey.iri, Relation.HAS_VALUE, direction="in")
    linker = EntityLinker(g)
    assert linker.link("gry", label="color").best.iri == grey.iri


def test_promotion_and_genre_categories_are_kept_but_not_linked(default_kg) -> None:
    g, _ = default_kg
    rows = g.query("SELECT ?s ?name WHERE { ?s <https://kgqp.dev/ns#linkable> false ; "
                   "<https://schema.org/name> ?name }").rows
    names = {r["name"] for r in rows}
    assert {"Pop", "Blues"} <= names and any(n.startswith("Mdot") for n in names)
    linker = EntityLinker(g)
    for mention in ("pop", "blues"):
        assert all(c.iri not in {r["s"] for r in rows}
                   for c in linker.link(mention, label=None).candidates)
    flagged = {r["s"] for r in rows}
    for mention in ("tvs", "laptops"):  # the product categories stay linkable
        best = linker.link(mention, label="core_product_type").best
        assert best is not None and best.iri not in flagged, mention


def test_hygiene_is_idempotent_and_configurable() -> None:
    g = ProductGraph.in_memory()
    wood = Node(NodeKind.ATTRIBUTE_VALUE, "material/wood", "Wood", attribute="material")
    wooden = Node(NodeKind.ATTRIBUTE_VALUE, "material/wooden", "Wooden", attribute="material")
    chair = Node(NodeKind.PRODUCT, "p/chair", "Chair")
    g.add_records([wood, wooden, chair, Node(NodeKind.BRAND, "twin", "Twin"),
                   Edge(chair.iri, Relation.HAS_VALUE, wooden.iri)], progress=False)
    off = apply_hygiene(g, HygieneConfig(non_brand_words=(), merge_attribute_values=False))
    assert off.skipped == {} and g.node(wooden.iri) is not None
    first = apply_hygiene(g)
    assert first.skipped == {"brand removed: a colour/size/fit word": 1,
                             "attribute value merged into a duplicate": 1}
    v = g.version
    assert apply_hygiene(g).skipped == {} and g.version == v
    assert g.node(wood.iri).aliases == ("Wooden",)
    assert [e.target for e in g.neighbors(chair.iri, Relation.HAS_VALUE)] == [wood.iri]
    with pytest.raises(ValueError, match="regular expression"):
        HygieneConfig(unlinkable_patterns=("(",))
