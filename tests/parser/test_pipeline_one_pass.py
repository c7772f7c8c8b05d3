"""The one pass of QueryParser: the KG is matched once per parse and those matches are the
tagger's lexicon features; a commit reaches them on the next parse; a parser reads the KG while
a writer holds it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.schema import brand_key
from parser.pipeline import QueryParser
from parser.tagger.lexicon import KGLexicon

KINDS = ["brand", "category"]


@pytest.fixture()
def graph(tmp_path):
    g = ProductGraph.open(tmp_path / "kg")
    tv = Node(NodeKind.CATEGORY, "tvs", "TVs", aliases=("tv",))
    g.add_records([tv, Node(NodeKind.BRAND, brand_key("Samsung"), "Samsung")], progress=False)
    yield g
    g.close()


@pytest.fixture()
def qp(graph):
    from parser.tagger.testing import tiny_tagger

    return QueryParser(tagger=tiny_tagger(lexicon_kinds=KINDS), kg=graph)


def _brand_feature(qp: QueryParser, text: str) -> np.ndarray:
    """The brand column of the lexicon features of ``text``'s tokens, as a parse builds them."""
    work = qp._begin([text])
    return work.items[0].lexicon[:, KINDS.index("brand")]


def test_the_kg_is_matched_once_per_parse(qp, graph, monkeypatch):
    calls = []
    match = graph.match
    monkeypatch.setattr(graph, "match", lambda text: calls.append(text) or match(text))
    qp("samsung tv")
    assert calls == ["samsung tv"]  # once, and the tagger did not ask the KG again
    # the features are those of the parse's matches
    assert _brand_feature(qp, "samsung tv").any()
    spans = KGLexicon.spans(match("samsung tv"))
    assert ("brand" in {k for _, _, k in spans}) and ("category" in {k for _, _, k in spans})


def test_a_commit_reaches_the_lexicon_features_and_the_links(qp, graph):
    assert not _brand_feature(qp, "zorbo tv").any()
    zorbo = Node(NodeKind.BRAND, brand_key("Zorbo"), "Zorbo")
    with graph.transaction("a new brand") as tx:
        tx.add_node(zorbo)
        tx.add_edge(Edge(zorbo.iri, Relation.SELLS_IN, "https://kgqp.dev/id/category/tvs"))
    assert _brand_feature(qp, "zorbo tv").any()
    assert graph.link("zorbo", label="creator").best.iri == zorbo.iri


def test_a_parser_reads_while_a_writer_holds_the_kg(graph, tmp_path):
    """A second process holds the KG for writing (as `kgqp serve` does); a read-only
    QueryParser on the same directory parses, and `kgqp kg stats` works."""
    from parser.tagger.testing import tiny_tagger

    path = graph.path
    graph.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from kg import ProductGraph
            g = ProductGraph.open({str(path)!r})
            print("open", flush=True)
            sys.stdin.readline()
            g.close()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        reader = ProductGraph.open(path, read_only=True)
        try:
            parsed = QueryParser(tagger=tiny_tagger(), kg=reader)("samsung tv")
            assert parsed.text == "samsung tv"
            assert reader.link("samsung", label="creator").best.label == "Samsung"
        finally:
            reader.close()
        cli = subprocess.run([sys.executable, "-m", "parser.app.cli", "kg", "stats", str(path),
                              "--json"], capture_output=True, text=True, timeout=120)
        assert cli.returncode == 0, cli.stderr
    finally:
        holder.communicate("\n", timeout=60)


def test_an_unfamiliar_query_is_out_of_the_models_depth_unless_a_link_names_a_department():
    """A query with a KG word (not outside the KG) that the intent model has seen nothing like
    gets no confident intent and no hard filter, unless it links a brand the KG sells
    something under, a category, product type or product; a familiar one, or a model that
    cannot tell, keeps them."""
    from fusion.types import Intent, LinkedEntity
    from parser.pipeline import out_of_depth

    g = ProductGraph.in_memory()
    with g.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
        tx.add_node(Node(NodeKind.BRAND, "ok", "OK"))  # a name list's: sold nothing under
        tx.add_node(Node(NodeKind.CATEGORY, "bb/hats", "Hats", path="A > Hats"))
        tx.add_node(Node(NodeKind.ATTRIBUTE_VALUE, "color/red", "Red", attribute="color"))
        tx.add_edge(Edge(Node(NodeKind.BRAND, "acme", "Acme").iri, Relation.SELLS_IN,
                         Node(NodeKind.CATEGORY, "bb/hats", "Hats").iri))
    brand = next(n.iri for n in g.nodes() if n.label == "Acme")
    unsold = next(n.iri for n in g.nodes() if n.label == "OK")
    red = next(n.iri for n in g.nodes() if n.label == "Red")

    def intent(familiarity):
        return Intent("A > B", "A", 0.9, 0.95, (("A > B", 0.9),), None, familiarity,
                      None if familiarity is None else 0.7)

    assert out_of_depth(g, "qzxv", [], intent(0.9))  # outside the KG, as before
    assert out_of_depth(g, "red beanie", [LinkedEntity(red, "attribute_value", 0.9)],
                        intent(0.5))
    assert not out_of_depth(g, "red beanie", [LinkedEntity(red, "attribute_value", 0.9)],
                            intent(0.8))
    assert not out_of_depth(g, "acme beanie", [LinkedEntity(brand, "brand", 0.9)], intent(0.5))
    assert out_of_depth(g, "ok beanie", [LinkedEntity(unsold, "brand", 0.9)], intent(0.5))
    assert not out_of_depth(g, "red beanie", [LinkedEntity(red, "attribute_value", 0.9)],
                            intent(None))
    # a category of another taxonomy names no department of the label space ("organic
    # bananas" links Google's Bananas): the gate holds; one of the label space stops it
    with g.transaction() as tx:
        tx.add_node(Node(NodeKind.CATEGORY, "google/1", "Bananas", path="Food > Bananas"))
        tx.add_node(Node(NodeKind.CATEGORY, "bb/1", "Blenders", path="A > Blenders"))
    bananas = next(n.iri for n in g.nodes() if n.label == "Bananas")
    blenders = next(n.iri for n in g.nodes() if n.label == "Blenders")
    from fusion.context import TaxonomyAlignment

    space = TaxonomyAlignment(["A > B"])
    cat = [LinkedEntity(bananas, "category", 0.9)]
    assert out_of_depth(g, "organic bananas", cat, intent(0.5), space)
    assert out_of_depth(g, "organic bananas", cat, intent(0.5), ["A"])
    assert not out_of_depth(g, "organic bananas", cat, intent(0.5))  # no label space known
    assert not out_of_depth(g, "blenders", [LinkedEntity(blenders, "category", 0.9)],
                            intent(0.5), space)
    g.close()
