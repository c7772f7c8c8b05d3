"""SPARQL: bindings, injection payloads, refused operations, result types."""

from __future__ import annotations

import pytest

from kg import IRI, KGQueryError, NodeKind, Relation

NAME_Q = "SELECT ?s ?name WHERE { ?s <https://schema.org/name> ?name }"



@pytest.fixture
def graph(contract_graph):
    """The KG contract tests of this module run on every store (see ``contract_graph``)."""
    return contract_graph

def test_bindings_select(graph, fx):
    r = graph.query(NAME_Q, bindings={"name": "Samsung"})
    assert r.kind == "select" and r.variables == ("s", "name")
    assert r.rows == ({"s": fx.SAMSUNG.iri, "name": "Samsung"},)
    r = graph.query("SELECT * WHERE { ?s a ?t ; <https://schema.org/name> ?n }",
                    bindings={"t": NodeKind.BRAND})
    assert {row["n"] for row in r} == {"Samsung", "LG", "Apple"}
    r = graph.query("SELECT * WHERE { ?s ?p ?o }", bindings={"s": IRI(fx.SAMSUNG.iri),
                                                           "p": Relation.SELLS_IN})
    assert len(r) == 2
    r = graph.query("SELECT ?s ?pop WHERE { ?s <https://kgqp.dev/ns#popularity> ?pop }",
                    bindings={"pop": 0.9})
    assert r.rows == ({"s": fx.TVS.iri, "pop": 0.9},)


def test_injection_payload_changes_nothing(graph):
    before = (graph.version, graph.canonical_hash())
    payload = '"> } ; CLEAR ALL ; <"'
    for p in (payload, "> } ; CLEAR ALL ; <", "x' } ; DROP ALL ; #"):
        assert graph.query(NAME_Q, bindings={"name": p}).rows == ()
    assert (graph.version, graph.canonical_hash()) == before


def test_unprojected_binding_is_explained(graph):
    with pytest.raises(KGQueryError, match=r"SELECT \*"):
        graph.query("SELECT ?s WHERE { ?s ?p ?name }", bindings={"name": "x"})


def test_updates_and_service_refused(graph):
    before = graph.canonical_hash()
    for upd in ("CLEAR ALL", "DELETE WHERE { ?s ?p ?o }", "LOAD <file:///etc/passwd>",
                "INSERT DATA { <a:b> <a:c> <a:d> }"):
        with pytest.raises(KGQueryError, match="transaction"):
            graph.query(upd)
    for q in ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
              "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/x> { ?s ?p ?o } }"):
        with pytest.raises(KGQueryError, match="SERVICE"):
            graph.query(q)
    assert graph.canonical_hash() == before


def test_ask_construct_and_errors(graph, fx):
    assert graph.query("ASK { ?s a ?t }", bindings={"t": NodeKind.BRAND}).boolean is True
    r = graph.query("CONSTRUCT { ?s <http://e/x> ?o } WHERE { ?s <https://kgqp.dev/ns#parent> ?o }")
    assert r.kind == "construct" and len(r) == 2
    assert r.to_dict()["kind"] == "construct"
    with pytest.raises(KGQueryError, match="syntax"):
        graph.query("SELEKT nope")
    with pytest.raises(KGQueryError, match="binding name"):
        graph.query(NAME_Q, bindings={"bad name": "x"})
    with pytest.raises(KGQueryError, match="Cannot bind"):
        graph.query(NAME_Q, bindings={"name": object()})
    with pytest.raises(KGQueryError, match="empty"):
        graph.query("  ")
