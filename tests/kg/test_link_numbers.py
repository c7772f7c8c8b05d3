"""Numbers split differently are different numbers: a decimal ("2.5") is no range ("2-5"), a
fraction ("11/4") no decimal ("1.14"), over a real (in-memory) ProductGraph."""

from __future__ import annotations

import pytest

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker

A = NodeKind.ATTRIBUTE_VALUE


@pytest.fixture()
def linker() -> EntityLinker:
    g = ProductGraph.in_memory()
    g.add_records([
        Node(A, "size/2-5", "2-5", attribute="size"),  # a kids' age range, as in the default KG
        Node(A, "size/2-8", "2-8", attribute="size"),
        Node(A, "size/1.14", "1.14", attribute="size"),
        Node(A, "size/4.5-uk", "4.5 UK", attribute="size"),
        Node(A, "size/16-inch", "16 inch", attribute="size"),
        Node(NodeKind.PRODUCT_TYPE, "ps4", "PS4"),
        Node(NodeKind.PRODUCT_TYPE, "ssd-2-5", "2-5 SSD"),
    ], progress=False)
    return EntityLinker(g)


def _labels(linker: EntityLinker, mention: str, context: str | None = None) -> set[str]:
    return {c.label for c, _, _ in linker.generate(mention, "UoM", context)}


@pytest.mark.parametrize(("mention", "wrong"), [
    ("2.5", "2-5"),  # the same words {2, 5} in the same order: was an "alias" at 0.93
    ("2.8", "2-8"),  # an f/2.8 lens is no age range
    ("11/4", "1.14"),  # the same letters "114": was a "compact" match
    ("4 uk", "4.5 UK"),  # "4" is no word of "4.5"
])
def test_a_number_split_otherwise_is_no_candidate(linker, mention, wrong):
    assert wrong not in _labels(linker, mention)
    res = linker.link(mention, label="UoM")
    assert res.best is None or res.best.label != wrong


def test_names_composed_with_the_query_keep_its_numbers(linker):
    """'ssd' in '2.5 ssd enclosure' composed '2-5 SSD' from the query's words 2 and 5."""
    assert "2-5 SSD" not in _labels(linker, "ssd", "2.5 ssd enclosure")
    assert "2-5 SSD" in _labels(linker, "ssd", "2-5 ssd enclosure")


def test_numbers_written_alike_still_match(linker):
    assert linker.link("2-5", label="UoM").best.label == "2-5"
    assert linker.link("1.14", label="UoM").best.label == "1.14"
    assert linker.link("16 inch", label="UoM").best.label == "16 inch"
    assert "16 inch" in _labels(linker, "16-inch")  # a dash between a number and a word
    assert "PS4" in _labels(linker, "ps 4")  # space-less: the same number
