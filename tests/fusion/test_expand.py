from __future__ import annotations

import os

import pytest

from fusion.expand import expand, parse_price
from fusion.rules import RuleSet, RulesFile
from fusion.types import Intent, LinkedEntity

ID = "https://kgqp.dev/id/"
SAMSUNG = LinkedEntity(ID + "brand/samsung", "brand", 1.0)
TVS = LinkedEntity(ID + "category/bb/tvs", "category", 1.0)
TELEVISION = LinkedEntity(ID + "product_type/television", "product_type", 0.8)
BLACK = LinkedEntity(ID + "attribute_value/color/black", "attribute_value", 0.5)
RED_IRI = ID + "attribute_value/color/red"
LG = LinkedEntity(ID + "brand/lg", "brand", 1.0)


def assert_provenance_in_kg(kg, result):
    g = kg.to_networkx()
    for exp in result:
        for s, rel, o in exp.provenance:
            if rel == "alias":
                assert o in g.nodes[s]["aliases"], (exp, s, o)
            else:
                assert any(
                    d.get("relation") == rel for d in g.get_edge_data(s, o, default={}).values()
                ), (exp, (s, rel, o))
        if exp.provenance and exp.iri:
            assert exp.iri in {t for triple in exp.provenance for t in (triple[0], triple[2])}


@pytest.mark.parametrize(
    "linked", [[SAMSUNG], [TVS], [TELEVISION], [BLACK], [LG], [SAMSUNG, TVS, TELEVISION, BLACK]]
)
def test_every_provenance_path_exists_in_the_kg(kg, linked):
    res = expand(kg, linked, query="samsung black tv")
    assert len(res) > 0
    assert_provenance_in_kg(kg, res)
    assert all(0 < e.score <= 1 for e in res)
    assert [e.score for e in res] == sorted((e.score for e in res), reverse=True)


def test_brand_only_query_expands_to_its_categories(kg):
    # nothing says which department: only the brand's most popular category
    res = expand(kg, [SAMSUNG], query="samsung")
    cats = [e.term for e in res if e.kind == "category"]
    assert len(cats) == 1 and cats[0] in {"TVs", "QLED TVs", "Unlocked Phones", "Refrigerators"}
    assert all(e.provenance[0][1] == "sells_in" for e in res if e.kind == "category")
    assert res.filters.brand == ("Samsung",)
    # with an intent: the brand's categories inside the intent's department only
    intent = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.8, 0.9,
                    (("TV & Home Theater > TVs", 0.8),))
    res = expand(kg, [SAMSUNG], intent, query="samsung")
    cats = {e.term for e in res if e.kind == "category"}
    assert {"TVs", "QLED TVs"} <= cats and not cats & {"Unlocked Phones", "Refrigerators"}


def test_category_expansions_and_intent(kg):
    res = expand(kg, [TVS], query="tvs")
    kinds = {(e.kind, e.term) for e in res}
    assert ("child_category", "QLED TVs") in kinds
    assert ("parent_category", "TV & Home Theater") in kinds
    assert ("sibling_category", "TV Mounts") in kinds
    assert ("brand", "Samsung") in kinds and ("brand", "Lg") in kinds
    assert ("attribute_value", "Black") in kinds
    assert ("synonym", "Television") in kinds
    intent = Intent("Appliances > Refrigerators", "Appliances", 0.9, 0.95, ())
    res = expand(kg, [], intent, query="fridge")
    assert ("brand", "Whirlpool") in {(e.kind, e.term) for e in res}
    # a confident department is the hard filter; the lvl1 category a suggestion
    assert res.filters.category == ("Appliances",)
    assert [(x.category, x.source) for x in res.suggestions] == [
        ("Appliances > Refrigerators", "intent")]
    assert_provenance_in_kg(kg, res)


def test_aliases_and_filters(kg):
    res = expand(kg, [LG, BLACK], query="lg black 55 inch tv under $800")
    assert ("alias", "LG") not in {(e.kind, e.term) for e in res}  # a case-only variant
    assert ("alias", "telly") in {(e.kind, e.term) for e in expand(kg, [TELEVISION])}
    f = res.filters
    assert f.brand == ("Lg",) and f.colour == ("Black",)
    assert f.price_max == 800.0 and f.price_min is None
    assert f.size == ("55 inch",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tv under 800", (None, 800.0)),
        ("laptop below $1,200", (None, 1200.0)),
        ("headphones $100-200", (100.0, 200.0)),
        ("camera between 300 and 500", (300.0, 500.0)),
        ("phones over 500", (500.0, None)),
        ("usb-c 3-pack", (None, None)),
        ("iphone 7", (None, None)),
    ],
)
def test_price_patterns(text, expected):
    assert parse_price(text) == expected


def test_rules_are_applied_and_reported(kg, tmp_path):
    p = tmp_path / "rules.txt"
    p.write_text("samsung =>\n  SYNONYM(0.5): galaxy\n  FILTER: color:black\n")
    rf = RulesFile(p)
    res = expand(kg, [SAMSUNG], query="samsung", rules=rf)
    syn = [e for e in res if e.rule]
    assert [(e.term, e.score, e.provenance) for e in syn] == [("galaxy", 0.5, ())]
    assert res.filters.colour == ("black",)
    assert [a.line for a in res.applied] == [2, 3]
    assert res.applied_rules[0].endswith(":2: samsung => SYNONYM(0.5): galaxy")
    assert dict(res.filters) == {"brand": ["Samsung"], "colour": ["black"]}
    # editing the rules file changes the next expansion (no restart)
    p.write_text("samsung =>\n  SYNONYM(0.7): samsung electronics\n")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    res2 = expand(kg, [SAMSUNG], query="samsung", rules=rf)
    assert [e.term for e in res2 if e.rule] == ["samsung electronics"]
    res3 = expand(kg, [], query="cheap tv", rules=RuleSet.parse("cheap =>\n  DELETE\n"))
    assert res3.query == "tv"


def test_query_expander_with_parser_entities(kg, tmp_path):
    from fusion.expand import QueryExpander

    p = tmp_path / "rules.txt"
    p.write_text("tv <=> television\n")
    qe = QueryExpander(kg, rules=p)
    res = qe.expand(
        "samsung tv",
        entities=[("samsung", "creator", SAMSUNG.iri), ("tv", "core_product_type", None)],
    )
    assert res.filters.brand == ("Samsung",)
    assert ("television", "synonym") in {(e.term, e.kind) for e in res}
    assert_provenance_in_kg(kg, res)


def test_limit_keeps_the_best_and_cached_walks_scale_per_query(kg):
    linked = [SAMSUNG, TVS, TELEVISION, BLACK]
    full = expand(kg, linked, query="samsung black tv")
    assert list(expand(kg, linked, query="samsung black tv", limit=3)) == list(full)[:3]
    # the walks are cached per graph view; a lower link score scales the same walk down
    half = expand(kg, [LinkedEntity(SAMSUNG.iri, "brand", 0.5)], query="samsung")
    whole = expand(kg, [SAMSUNG], query="samsung")
    assert [(e.term, e.kind) for e in half] == [(e.term, e.kind) for e in whole]
    assert [e.score for e in half] == pytest.approx([e.score / 2 for e in whole])


def test_expansion_data_follows_commits_as_a_full_build_would(kg):
    """A commit brings the expansion's per-graph data (popularity, non-linkable nodes, paths)
    forward from its change set; the result equals computing it on the new graph."""
    import pyoxigraph as ox

    from fusion.expand import _DERIVED_VIEW, _Derived
    from fusion.hetero import as_networkx
    from kg import Edge, Node, NodeKind, Relation
    from kg.link import LINKABLE

    expand(kg, [SAMSUNG], query="samsung")  # registers the view
    tvs = next(n.iri for n in kg.nodes(NodeKind.CATEGORY) if n.label == "TVs")
    brand = "https://kgqp.dev/id/brand/zorblax"

    def edits():
        yield lambda tx: (tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax")),
                          tx.add_edge(Edge(brand, Relation.SELLS_IN, tvs)))
        yield lambda tx: tx.add_triples([ox.Quad(ox.NamedNode(brand), ox.NamedNode(LINKABLE),
                                                 ox.Literal(False))])
        yield lambda tx: tx.update_node(tvs, popularity=1e9)  # a new maximum: rebuilt
        yield lambda tx: tx.remove_node(brand)

    forward = []  # brought forward (its per-kind maxima object kept) or built again
    top = kg.view(_DERIVED_VIEW, None)[1].top
    for edit in edits():
        with kg.transaction() as tx:
            edit(tx)
        g, derived = kg.view(_DERIVED_VIEW, None)
        forward.append(derived.top is top)
        top = derived.top
        assert g is as_networkx(kg)
        full = _Derived.build(g, kg)
        assert derived.pop == pytest.approx(full.pop) and derived.top == full.top
        assert derived.unlinkable == full.unlinkable and derived.paths == full.paths
    # TVs already has the most in-edges of the categories: a brand selling in it moves the
    # categories' maximum (built again), as does a popularity of 1e9
    assert forward == [False, True, False, True]
    assert brand not in derived.pop


def test_a_graph_context_is_freed_without_the_cyclic_collector(kg):
    import gc
    import weakref

    import torch

    from fusion.context import GraphContext
    from fusion.gnn import NodeEmbeddings
    from fusion.hetero import as_networkx

    g = as_networkx(kg)
    nodes = list(g.nodes)
    ctx = GraphContext(g, NodeEmbeddings(nodes, ["x"] * len(nodes), torch.zeros(len(nodes), 2)),
                       labels=["TV & Home Theater > TVs"])
    assert ctx.category_neighbourhood(SAMSUNG.iri)  # memoised
    ref = weakref.ref(ctx)
    gc.disable()
    try:
        del ctx
        assert ref() is None
    finally:
        gc.enable()
