"""One :meth:`EntityLinker.link` call reads one node table (pinned for the call in its
thread, so that its steps do not each check the KG's version): the pin must not outlive
the call, nor stop a linker from pickling."""

from __future__ import annotations

import pickle

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker


def _kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
    return g


def test_a_commit_between_two_calls_reaches_the_next_call() -> None:
    g = _kg()
    linker = EntityLinker(g)
    assert linker.link("zorblax", label="creator").nil
    g.add_records([Node(NodeKind.BRAND, "zorblax", "Zorblax")], progress=False)
    assert linker.link("zorblax", label="creator").best.label == "Zorblax"
    assert getattr(linker._pinned, "table", None) is None


def test_a_linker_pickles_and_links_after() -> None:
    linker = EntityLinker(_kg())
    linker.link("samsung", label="creator")
    copy = pickle.loads(pickle.dumps(linker.config))  # (the config, as workers get it)
    assert copy == linker.config
    state = linker.__getstate__()
    assert "_pinned" not in state
    other = EntityLinker.__new__(EntityLinker)
    other.__setstate__(state)
    assert other.link("samsung", label="creator").best.label == "Samsung"
