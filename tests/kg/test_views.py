"""Derived views (ProductGraph.view): built once, rebuilt by the committing thread after the store
commit and swapped in whole; readers in other threads never build one and never wait."""

from __future__ import annotations

import logging
import threading
import time

from kg import Node, NodeKind, ProductGraph


def _brands(graph):
    return sorted(n.label for n in graph.nodes(NodeKind.BRAND))


def test_commit_rebuilds_views_in_the_committing_thread(graph, fx):
    idx = graph.alias_index
    nxg = graph.to_networkx()
    assert graph.view_version("kg.alias_index") == 1 and graph.view_version("kg.networkx") == 1
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    # rebuilt by the commit itself, before any reader asked
    assert graph.view_version("kg.alias_index") == 2 and graph.view_version("kg.networkx") == 2
    assert graph.alias_index is not idx and graph.alias_index.version == 2
    assert "https://kgqp.dev/id/brand/sony" in graph.to_networkx() and nxg.graph["kg_version"] == 1
    assert graph.rollback(1) == 3
    assert graph.view_version("kg.alias_index") == 3
    assert [m.text for m in graph.match("sony tv")] == ["tv"]


def test_readers_keep_the_old_view_while_a_commit_rebuilds(graph):
    builds: list[tuple[int, int]] = []  # (thread, version)
    release = threading.Event()

    def slow(g):
        builds.append((threading.get_ident(), g.version))
        if len(builds) > 1:
            release.wait(10)  # the rebuild takes as long as the test wants
        return (g.version, _brands(g))

    assert graph.view("test.slow", slow) == (1, ["Apple", "LG", "Samsung"])
    seen: list[tuple[int, float]] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            t = time.perf_counter()
            version, _ = graph.view("test.slow", slow)
            _ = graph.alias_index.match("samsung tv")
            seen.append((version, time.perf_counter() - t))

    th = threading.Thread(target=reader)
    th.start()
    committer = threading.Thread(target=lambda: graph.add_records(
        [Node(NodeKind.BRAND, "sony", "Sony")], progress=False))
    committer.start()
    while len(builds) < 2:
        time.sleep(0.01)
    time.sleep(0.3)  # the rebuild is now blocked; readers go on with the old view
    n_during = len(seen)
    assert graph.version == 2 and graph.view("test.slow", slow)[0] == 1
    release.set()
    committer.join(10)
    assert graph.view("test.slow", slow) == (2, ["Apple", "LG", "Samsung", "Sony"])
    time.sleep(0.05)
    stop.set()
    th.join(10)
    assert n_during > 10 and max(dt for _, dt in seen) < 0.25  # never waited for the rebuild
    assert {v for v, _ in seen} == {1, 2}
    # only the first use and the commit built it; never the reader thread
    assert [v for _, v in builds] == [1, 2]
    assert builds[1][0] == committer.ident and th.ident not in {t for t, _ in builds}


def test_builder_sees_the_new_versions_of_the_views_it_uses(graph):
    graph.view("test.base", lambda g: ("base", g.version))
    graph.view("test.derived", lambda g: ("derived", g.view("test.base", None)))
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    assert graph.view("test.derived", None) == ("derived", ("base", 2))
    # a view first used by a builder during the rebuild is registered too
    graph.view("test.late", lambda g: ("late", g.view("test.dep", lambda g2: g2.version)))
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
    assert graph.view("test.late", None) == ("late", 3) and graph.view_version("test.dep") == 3


def test_failing_builder_drops_its_view_and_the_commit_stands(graph, caplog):
    calls = []

    def fragile(g):
        calls.append(g.version)
        if g.version == 2:
            raise RuntimeError("boom")
        return g.version

    assert graph.view("test.fragile", fragile) == 1
    with caplog.at_level(logging.ERROR), graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    assert graph.version == 2 and "test.fragile" in caplog.text
    assert graph.view_version("test.fragile") is None and graph.view_version("kg.alias_index") in (
        None, 2)
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
    assert graph.view("test.fragile", fragile) == 3 and calls == [1, 2, 3]


def test_views_cleared_on_close(tmp_path):
    g = ProductGraph.open(tmp_path / "kg")
    g.view("test.v", lambda g: 1)
    g.close()
    assert g.view_version("test.v") is None
