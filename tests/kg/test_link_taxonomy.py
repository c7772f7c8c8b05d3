"""kg.taxonomy: the category-tree reasoning the link stage asks of the KG (moved from
parser.pipeline.QueryParser's private methods): ancestors, departments, contradicting links,
the category below a node that words name, a head word heading another kind, siblings the
query names, support from the query's words."""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker, word_set
from kg.taxonomy import (
    above,
    contradicts,
    department,
    departments,
    heads_another_word,
    named_below,
    names_a_sibling,
    names_the_kind,
    parents,
    supported,
)

ID = "https://kgqp.dev/id/"


def cat(key: str) -> str:
    return f"{ID}category/{key}"


#: {key: (label, parent key)}: paths are built from the parents
TREE = {
    "computers": ("Computers & Tablets", None),
    "components": ("Computer Cards & Components", "computers"),
    "memory": ("Memory (RAM)", "components"),
    "laptop-memory": ("Laptop Memory", "memory"),
    "desktop-memory": ("Desktop Memory", "memory"),
    "cameras-dept": ("Cameras & Camcorders", None),
    "cameras": ("Cameras", "cameras-dept"),
    "dslrs": ("Digital SLR Cameras", "cameras"),
    "all-dslrs": ("All DSLRs", "dslrs"),
    "body-only": ("DSLR Body Only", "dslrs"),
    "car": ("Car Electronics", None),
    "installation": ("Car Installation Parts", "car"),
    "radio-modules": ("Radio Replacement Modules", "installation"),
    "deck-harnesses": ("Deck Harnesses", "installation"),
    "locks": ("Vehicle Door Locks & Parts", "car"),
    "lock-knobs": ("Vehicle Door Lock Knobs", "locks"),
    "plates": ("Vehicle License Plates", "car"),
    "beauty": ("Health & Beauty", None),
    "skin": ("Skin Care", "beauty"),
    "toners": ("Toners & Astringents", "skin"),
}


def _path(key: str) -> str:
    label, parent = TREE[key]
    return label if parent is None else f"{_path(parent)} > {label}"


@pytest.fixture(scope="module")
def graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([Node(NodeKind.CATEGORY, k, label, path=_path(k))
                   for k, (label, _) in TREE.items()]
                  + [Node(NodeKind.PRODUCT_TYPE, "ram-stick", "RAM Stick")]
                  + [Edge(cat(k), Relation.PARENT, cat(p)) for k, (_, p) in TREE.items() if p]
                  + [Edge(f"{ID}product_type/ram-stick", Relation.TYPE_IN, cat("memory"))],
                  progress=False)
    return g


@pytest.fixture(scope="module")
def linker(graph: ProductGraph) -> EntityLinker:
    return EntityLinker(graph)


def test_the_test_kg_has_the_iris_the_tests_name(graph: ProductGraph) -> None:
    nodes = graph.to_networkx().nodes
    assert cat("memory") in nodes and f"{ID}product_type/ram-stick" in nodes


def test_parents_above_and_departments(graph: ProductGraph) -> None:
    assert parents(graph, cat("laptop-memory")) == {cat("memory")}
    assert above(graph, cat("laptop-memory")) == {cat("memory"), cat("components"),
                                                  cat("computers")}
    assert above(graph, cat("computers")) == frozenset()
    assert parents(graph, f"{ID}product_type/ram-stick") == {cat("memory")}
    assert department(graph, cat("laptop-memory")) == "Computers & Tablets"
    assert departments(graph, f"{ID}product_type/ram-stick") == {"Computers & Tablets"}
    assert parents(graph, cat("nowhere")) == frozenset()
    assert department(graph, cat("nowhere")) is None
    assert departments(graph, cat("nowhere")) == frozenset()


def test_contradicts(graph: ProductGraph) -> None:
    # (kinds of one category: "dslr body only dslr cameras")
    assert contradicts(graph, cat("body-only"), cat("all-dslrs"))
    # (of no common department)
    assert contradicts(graph, cat("laptop-memory"), cat("cameras"))
    # (one above the other, or the same: no contradiction)
    assert not contradicts(graph, cat("all-dslrs"), cat("cameras"))
    assert not contradicts(graph, cat("cameras"), cat("all-dslrs"))
    assert not contradicts(graph, cat("memory"), cat("memory"))


def test_named_below(graph: ProductGraph, linker: EntityLinker) -> None:
    assert named_below(graph, cat("memory"), ["laptop"], "ram", linker=linker) \
        == cat("laptop-memory")
    assert named_below(graph, cat("memory"), ["gaming"], "ram", linker=linker) is None
    assert named_below(graph, cat("memory"), ["the"], linker=linker) is None
    # (one whose name holds the head's word but heads another: no "lock knobs" for "lock")
    assert named_below(graph, cat("locks"), ["knob"], "lock") is None
    assert named_below(graph, cat("nowhere"), ["laptop"]) is None


def test_heads_another_word(graph: ProductGraph) -> None:
    assert heads_another_word(graph, cat("lock-knobs"), "lock")
    assert not heads_another_word(graph, cat("lock-knobs"), "knob")
    # (the head's words say the whole name)
    assert not heads_another_word(graph, cat("lock-knobs"), "lock",
                                  frozenset({"vehicle", "door", "lock", "knob"}))
    # (a product type's name: none)
    assert not heads_another_word(graph, f"{ID}product_type/ram-stick", "ram")


def test_names_a_sibling_and_supported(graph: ProductGraph, linker: EntityLinker) -> None:
    said = frozenset({"radio", "replacement", "module", "deck"})
    assert names_a_sibling(graph, linker, cat("deck-harnesses"), said)
    assert not names_a_sibling(graph, linker, cat("deck-harnesses"), frozenset({"radio"}))
    assert not names_a_sibling(graph, linker, cat("nowhere"), said)
    assert supported(graph, linker, cat("laptop-memory"), frozenset({"computer"}), below=False)
    assert not supported(graph, linker, cat("memory"), frozenset({"laptop"}), below=False)
    assert supported(graph, linker, cat("memory"), frozenset({"laptop"}), below=True)
    assert supported(graph, linker, f"{ID}product_type/ram-stick", frozenset({"memory"}),
                     below=False)


def test_names_the_kind(graph: ProductGraph, linker: EntityLinker) -> None:
    # ("license plate": the part of the name the head heads holds the word before it)
    assert names_the_kind(graph, linker, cat("plates"), word_set("license"),
                          word_set("plate"), word_set("license"))
    # ("skin care toner": the words name a category above it, no department)
    assert names_the_kind(graph, linker, cat("toners"), word_set("skin care"),
                          word_set("toner"), word_set("care"))
    # ("health toner": a department's word is no evidence; "laser toner": none of its words)
    assert not names_the_kind(graph, linker, cat("toners"), word_set("health beauty"),
                              word_set("toner"), word_set("beauty"))
    assert not names_the_kind(graph, linker, cat("toners"), word_set("laser"),
                              word_set("toner"), word_set("laser"))
    # (no part of the name holds the head's words)
    assert not names_the_kind(graph, linker, cat("toners"), word_set("skin"),
                              word_set("ram"), word_set("skin"))
