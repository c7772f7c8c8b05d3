"""An edge to an IRI that is no node of the KG (a misspelt brand IRI) never makes that IRI an
expansion term, nor does a node without a name."""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Relation

ID = "https://kgqp.dev/id/"
TVS = ID + "category/bb/tvs"
TYPO = ID + "brand/samsnug"
UNNAMED = ID + "brand/unnamed"
INTENT = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.9, 0.95,
                (("TV & Home Theater > TVs", 0.9),))


def _no_iri_terms(res) -> list[str]:
    terms = [e.term for e in res]
    assert not [t for t in terms if t.startswith(("http://", "https://"))], terms
    for e in res:
        assert e.iri not in (TYPO, UNNAMED), e
    return terms


def test_dangling_and_unnamed_brands_are_no_expansions(kg):
    with kg.transaction() as tx:
        for brand in (TYPO, UNNAMED):
            tx.add_edge(Edge(brand, Relation.SELLS_IN, TVS))
        tx.add_triples([ox.Quad(ox.NamedNode(UNNAMED),
                                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                ox.NamedNode("https://schema.org/Brand"))])
        tx.add_edge(Edge(TVS, Relation.SYNONYM, ID + "product_type/telly"))  # no such node
    for linked, intent in (([LinkedEntity(TVS, "category", 1.0)], None),
                           ([], INTENT),
                           ([LinkedEntity(ID + "brand/samsung", "brand", 1.0)], INTENT)):
        res = expand(kg, linked, intent, query="smart tv")
        terms = _no_iri_terms(res)
        if linked and linked[0].iri == TVS:
            assert "Lg" in terms  # the real brands selling in TVs are still there


def test_networkx_graph_with_an_edge_to_no_node():
    g = nx.MultiDiGraph()
    g.add_node("c", kind="category", label="TVs", path="TV > TVs")
    g.add_node("b", kind="brand", label="LG")
    g.add_edge("b", "c", relation="sells_in")
    g.add_edge(TYPO, "c", relation="sells_in")  # networkx adds TYPO without attributes
    g.add_edge("c", TYPO, relation="synonym")
    res = expand(g, [LinkedEntity("c", "category", 1.0)], query="tvs")
    assert _no_iri_terms(res) == ["LG"]
