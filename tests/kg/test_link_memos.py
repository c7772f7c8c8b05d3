"""The linker's per-node-table memos (:func:`kg.link._subset_names`,
:func:`kg.link._category_names`, :meth:`kg.link.EntityLinker.namesakes`) follow a KG commit: a
commit makes a new node table, which reads the KG again, so a name added after a mention was
read is found by the next link."""

from __future__ import annotations

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker, _category_names, _subset_names


def _category(key: str, path: str) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path)


def _graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([_category("audio", "Audio"),
                   _category("all-headphones", "Audio > All Headphones"),
                   _category("mi", "Musical Instruments"),
                   _category("mi-keyboards", "Musical Instruments > Keyboards"),
                   _category("pc", "Computers")], progress=False)
    return g


def _iri(key: str) -> str:
    return f"https://kgqp.dev/id/category/{key}"


def test_subset_names_follow_a_commit() -> None:
    g = _graph()
    linker = EntityLinker(g)
    before = {c.label for c in linker.link("headphones", label="core_product_type").candidates}
    assert before == {"All Headphones"}
    table = linker.table
    assert "headphones" in table.__dict__["subsets"]  # (read once per node table)
    g.add_records([_category("gaming-headphones", "Audio > Gaming Headphones")], progress=False)
    assert linker.table is not table
    after = {c.label for c in linker.link("headphones", label="core_product_type").candidates}
    assert after == {"All Headphones", "Gaming Headphones"}
    assert [row[0] for row in _subset_names(linker.table, "headphones")[1]] \
        == ["all headphones", "gaming headphones"]


def test_namesakes_follow_a_commit() -> None:
    g = _graph()
    linker = EntityLinker(g)
    keys = _iri("mi-keyboards")
    assert linker.namesakes(keys, "keyboard") == ()
    assert linker.namesakes(keys, "keyboard") == ()  # (the memo's answer: the same)
    g.add_records([_category("pc-keyboards", "Computers > Keyboards")], progress=False)
    assert linker.namesakes(keys, "keyboard") == (_iri("pc-keyboards"),)


def test_category_names_follow_a_commit() -> None:
    g = _graph()
    linker = EntityLinker(g)
    assert [name for _, rows in _category_names(linker.table, "laptop") for name, *_ in rows] \
        == []
    g.add_records([_category("laptop-chargers", "Computers > Laptop Chargers & Adapters")],
                  progress=False)
    assert [name for _, rows in _category_names(linker.table, "laptop") for name, *_ in rows] \
        == ["laptop chargers & adapters"]


def test_a_commit_builds_the_whole_table_memos() -> None:
    """The memos of the whole node table (the words no department owns, the coordinated head
    words) are built where a commit brings the node table forward, not by the first link after
    it, and hold what a table read afresh holds."""
    from kg.link import _coordinated_pairs, _NodeTable

    g = _graph()
    linker = EntityLinker(g)
    linker.link("headphones", label="core_product_type")  # registers the view
    g.add_records([_category("laptop-chargers", "Computers > Laptop Chargers & Adapters")],
                  progress=False)
    table = linker.table
    assert {"common", "coordinated"} <= set(table.__dict__)  # before any link
    assert frozenset({"charger", "adapter"}) in table.__dict__["coordinated"]
    again = _NodeTable(g, g.alias_index, fuzzy_min=linker.config.fuzzy_min_chars,
                       fuzzy_max=linker.config.fuzzy_max_chars)  # (read afresh, no memos)
    assert "coordinated" not in again.__dict__
    assert table.__dict__["coordinated"] == _coordinated_pairs(again)
    assert table.__dict__["common"] == EntityLinker._common_words(again)
