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


# -- views brought forward from a commit's change set (kg.views) ------------------------------
def _snapshot(graph):
    """Every built-in view of ``graph`` as plain comparable data."""
    from kg.link import EntityLinker

    nxg = graph.to_networkx()
    index = graph.alias_index
    table = EntityLinker(graph).table
    return {
        "node_table": dict(graph.node_table()),
        "nodes": {n: dict(a) for n, a in nxg.nodes(data=True)},
        "edges": sorted((u, v, k, tuple(sorted(d.items())))
                        for u, v, k, d in nxg.edges(keys=True, data=True)),
        "keys": {k: index.candidates(k) for k in index.keys()},  # noqa: SIM118
        "prior": table.prior, "context": table.context, "unlinkable": table.unlinkable,
        "by_delete": {k: sorted(v) for k, v in table.by_delete.items()},
        "by_compact": {k: sorted(v) for k, v in table.by_compact.items()},
        "by_word": {w: {n: sorted(v) for n, v in d.items()} for w, d in table.by_word.items()},
        "words": table.words,
    }


def _edits():
    """Small commits of every kind a catalogue update makes."""
    from kg import Edge, Relation
    from kg.link import LINKABLE
    from kg.schema import brand_key

    zorb = brand_key("Zorblax")
    tvs, phones = "https://kgqp.dev/id/category/bestbuy/abcat0101000", \
        "https://kgqp.dev/id/category/bestbuy/pcmcat209400050001"
    lg = "https://kgqp.dev/id/brand/lg"

    def add_brand(tx):
        tx.add_node(Node(NodeKind.BRAND, zorb, "Zorblax", aliases=("zorb", "ZBX")))
        tx.add_edge(Edge(f"https://kgqp.dev/id/brand/{zorb}", Relation.SELLS_IN, tvs))

    def more_edges(tx):
        tx.add_edge(Edge(f"https://kgqp.dev/id/brand/{zorb}", Relation.SELLS_IN, phones))
        tx.remove_edge(Edge(lg, Relation.SELLS_IN, tvs))

    def rename(tx):
        tx.update_node(lg, label="LG Electronics Inc", popularity=0.6)
        tx.add_alias(lg, "lucky goldstar")
        tx.remove_alias(lg, "LG Electronics")

    def not_linkable(tx):
        import pyoxigraph as ox

        tx.add_triples([ox.Quad(ox.NamedNode(lg), ox.NamedNode(LINKABLE), ox.Literal(False))])

    def remove(tx):
        tx.remove_node(f"https://kgqp.dev/id/brand/{zorb}")

    return [add_brand, more_edges, rename, not_linkable, remove]


def test_views_brought_forward_equal_a_full_build(disk_graph, tmp_path, monkeypatch):
    """After each small commit the views are brought forward (no builder runs), equal what a
    fresh handle builds from the store, and the views of the version before are unchanged."""
    import kg.graph as kg_graph

    builds: list[str] = []
    for name in ("_build_node_table", "_build_networkx", "_build_alias_index"):
        real = getattr(kg_graph, name)
        monkeypatch.setattr(kg_graph, name,
                            lambda g, _real=real, _name=name: builds.append(_name) or _real(g))
    before = _snapshot(disk_graph)
    for edit in _edits():
        builds.clear()
        old_nx, old_index = disk_graph.to_networkx(), disk_graph.alias_index
        with disk_graph.transaction(edit.__name__) as tx:
            edit(tx)
        assert builds == [], f"{edit.__name__}: rebuilt {builds}"
        assert disk_graph.to_networkx() is not old_nx
        # the old views, still held by readers, did not move
        assert _snapshot_of(old_nx, old_index) == _snapshot_of_values(before)
        after = _snapshot(disk_graph)
        fresh = ProductGraph.open(tmp_path / "kg", read_only=True)
        try:
            assert after == _snapshot(fresh), edit.__name__
        finally:
            fresh.close()
        before = after
    assert [m.text for m in disk_graph.match("zorb tv")] == ["tv"]


def _snapshot_of(nxg, index):
    return ({n: dict(a) for n, a in nxg.nodes(data=True)},
            sorted((u, v, k) for u, v, k in nxg.edges(keys=True)),
            {k: index.candidates(k) for k in index.keys()})  # noqa: SIM118


def _snapshot_of_values(snap):
    return (snap["nodes"], sorted((u, v, k) for u, v, k, _ in snap["edges"]), snap["keys"])


def test_new_names_are_matched_and_removed_ones_not(graph):
    idx1 = graph.alias_index
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        tx.remove_alias("https://kgqp.dev/id/category/bestbuy/abcat0101000", "television")
    idx2 = graph.alias_index
    assert idx2.changed_since is not None and idx2.changed_since[0] == idx1.version
    assert [m.text for m in graph.match("zbx television tv")] == ["zbx", "tv"]
    assert [m.text for m in idx1.match("zbx television tv")] == ["television", "tv"]
    assert graph.link("zorblax", label="creator").best.label == "Zorblax"


def test_the_vocabulary_follows_the_names_of_each_commit(graph):
    """The KG's word vocabulary (what makes a query "outside the KG") is brought forward from
    the alias index's changed keys: a new name's words are known at once, a removed name's
    words count one name less, and the result equals a vocabulary built from scratch."""
    from kg.link import Vocabulary

    voc1 = graph.vocabulary
    assert voc1.knows("television") and not voc1.knows("zorblax")
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        tx.remove_alias("https://kgqp.dev/id/category/bestbuy/abcat0101000", "television")
    voc2 = graph.vocabulary
    assert graph.alias_index.changed_since is not None  # so the vocabulary was brought forward
    assert voc2.knows("zorblax tv") and voc2.knows("zbx")
    assert voc2.counts["television"] == voc1.counts["television"] - 1
    assert voc2.counts == Vocabulary.of_index(graph.alias_index).counts
    assert voc1.knows("television") and not voc1.knows("zbx")  # the old one is unchanged


def test_a_large_change_rebuilds_in_full(graph, monkeypatch):
    import kg.graph as kg_graph
    import kg.views as kg_views

    monkeypatch.setattr(kg_graph, "INCREMENTAL_MAX_QUADS", 3)
    assert kg_views.INCREMENTAL_MAX_QUADS > 3
    assert graph.alias_index.version == 1  # built, so the commit brings it forward
    with graph.transaction() as tx:
        for i in range(5):
            tx.add_node(Node(NodeKind.BRAND, f"b{i}", f"Brand {i}"))
    assert graph.alias_index.changed_since is None  # built, not brought forward
    assert len(graph.alias_index.lookup("brand 4")) == 1


def test_a_reader_brings_its_views_forward_from_the_version_log(disk_graph, tmp_path,
                                                                 monkeypatch):
    import kg.graph as kg_graph

    reader = ProductGraph.open(tmp_path / "kg", read_only=True)
    try:
        assert reader.match("zbx") == [] and reader.version == 1
        builds: list[object] = []
        real = kg_graph._build_alias_index
        monkeypatch.setattr(kg_graph, "_build_alias_index",
                            lambda g: builds.append(g) or real(g))
        with disk_graph.transaction() as tx:
            tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        builds.clear()  # the writer's own views
        assert [m.text for m in reader.match("zbx")] == ["zbx"] and reader.version == 2
        assert builds == [] and reader.alias_index.changed_since[0] == 1
    finally:
        reader.close()


def test_a_failing_update_falls_back_to_a_full_build(graph, caplog):
    def broken(g, old, changes):
        raise RuntimeError("boom")

    assert graph.view("test.brands", _brands, update=broken) == ["Apple", "LG", "Samsung"]
    with caplog.at_level(logging.ERROR, logger="kg.graph"), graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    assert graph.view("test.brands", _brands) == ["Apple", "LG", "Samsung", "Sony"]
    assert "Bringing view test.brands forward" in caplog.text


def test_replaced_views_are_freed_without_the_cyclic_collector(graph):
    """A commit's old views go as soon as no reader holds them (networkx graphs cache report
    views that point back at them: a service's memory grew ~25 MB per commit until the cyclic
    collector ran, and a full collection of its heap takes ~0.5 s)."""
    import gc
    import weakref

    g = graph.to_networkx()
    list(g.edges), list(g.out_edges("x")), dict(g.degree)  # networkx caches these views
    old = weakref.ref(g)
    del g
    gc.disable()
    try:
        with graph.transaction() as tx:
            tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        assert old() is None
    finally:
        gc.enable()


def test_change_sets_net_out_across_versions():
    import pyoxigraph as ox

    from kg.views import ChangeSet

    def q(s, o, g=None):
        return ox.Quad(ox.NamedNode(f"https://x/{s}"), ox.NamedNode("https://x/p"),
                       ox.NamedNode(f"https://x/{o}"), g or ox.DefaultGraph())

    meta = q("m", "v", ox.NamedNode("https://kgqp.dev/meta"))
    cs = ChangeSet.of(3, 6, [([q("a", "b"), q("c", "d"), meta], []),  # version 4
                             ([], [q("a", "b"), q("e", "f")]),        # 5: a-b gone again
                             ([q("e", "f")], [])])                    # 6: e-f back
    assert cs.added == (q("c", "d"),) and cs.removed == ()  # net; the meta graph left out
    assert cs.subjects == {"https://x/c"} and cs.nodes == {"https://x/c", "https://x/d"}
    assert (cs.base, cs.version, len(cs)) == (3, 6, 1)
