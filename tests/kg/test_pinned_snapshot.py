"""One version per pinned() block: inside it a thread reads the derived views (and the version
number and views generation) it started with, whatever other threads or processes commit
meanwhile; a snapshot re-enters in a later block; a thread's own commits move its block. And a
read-only handle whose refresh cannot read the new store (a writer's compaction deleted files
under it) keeps serving its version instead of raising out of a parse."""

from __future__ import annotations

import logging
import shutil
import threading

import pytest

import kg.graph
from kg import Node, NodeKind, ProductGraph
from kg.schema import brand_key

SONY = Node(NodeKind.BRAND, brand_key("Sony"), "Sony")
ZORBLAX = Node(NodeKind.BRAND, brand_key("Zorblax"), "Zorblax")
TEXT = "zorblax sony tv"


def _matched(g: ProductGraph) -> list[str]:
    return [m.text for m in g.match(TEXT)]


def _linked(g: ProductGraph) -> list[str]:
    return [c.iri for c in g.link("zorblax", label="creator").candidates]


def _in_thread(fn) -> None:
    """Run ``fn`` in another thread, to its end."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:  # (re-raised in the caller's thread)
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def _add(g: ProductGraph, node: Node = ZORBLAX) -> None:
    with g.transaction("add " + node.label) as tx:
        tx.add_node(node)


@pytest.fixture()
def graph():
    g = ProductGraph.in_memory()
    g.add_records([SONY], progress=False)
    g.link("warm up")  # (registered views, as a parser's warm-up builds them)
    assert g.vocabulary.knows("sony")
    yield g
    g.close()


def test_a_pinned_block_reads_its_views_while_another_thread_commits(graph):
    g = graph
    with g.pinned():
        assert _matched(g) == ["sony"]
        generation = g.views_generation
        _in_thread(lambda: _add(g))  # a writer handle's commit swaps the new views in
        assert _matched(g) == ["sony"]
        assert _linked(g) == []
        assert ZORBLAX.iri not in g.to_networkx() and ZORBLAX.iri not in g.node_table()
        assert not g.vocabulary.knows("zorblax")
        assert (g.version, g.views_generation, g.view_version("kg.alias_index")) == \
            (1, generation, 1)
        assert g.node(ZORBLAX.iri) is not None  # node-level lookups read the store as it is
    assert _matched(g) == ["zorblax", "sony"]
    assert _linked(g) == [ZORBLAX.iri]
    assert g.version == 2 and g.views_generation > generation


def test_a_pinned_block_of_a_read_only_handle_keeps_its_version_when_another_thread_refreshes(
        tmp_path):
    path = tmp_path / "kg"
    with ProductGraph.open(path) as writer:
        writer.add_records([SONY], progress=False)
        with ProductGraph.open(path, read_only=True) as ro:
            ro.to_networkx()
            with ro.pinned():
                assert _matched(ro) == ["sony"]
                _add(writer)
                _in_thread(lambda: ro.match("tv"))  # not pinned: moves the handle to version 2
                assert ro._version == 2
                assert _matched(ro) == ["sony"] and ro.version == 1
                assert ZORBLAX.iri not in ro.to_networkx()
            assert _matched(ro) == ["zorblax", "sony"] and ro.version == 2


def test_a_snapshot_is_read_again_in_a_later_block(graph):
    g = graph
    with g.pinned():
        snap = g.snapshot()
        assert g.snapshot() is snap
    _add(g)
    with g.pinned(snap):
        assert _matched(g) == ["sony"] and g.version == 1
        with g.pinned():  # nested: the enclosing block's snapshot
            assert _matched(g) == ["sony"]
    with g.pinned():
        assert _matched(g) == ["zorblax", "sony"]
        with g.pinned(snap):
            assert _matched(g) == ["sony"]
        assert _matched(g) == ["zorblax", "sony"]  # back to the enclosing block's
    assert snap.version == 1
    other = ProductGraph.in_memory()
    with pytest.raises(ValueError, match="another ProductGraph"), other.pinned(snap):
        pass
    other.close()


def test_a_threads_own_commits_inside_a_pinned_block_are_read_there(graph):
    g = graph
    with g.pinned():
        snap = g.snapshot()
        _add(g)
        assert _matched(g) == ["zorblax", "sony"] and g.version == 2
        with g.pinned():
            _add(g, Node(NodeKind.BRAND, "tv", "TV"))
        assert _matched(g) == ["zorblax", "sony", "tv"] and g.version == 3
        with g.pinned(snap):
            assert _matched(g) == ["sony"]
            with g.transaction("remove") as tx:
                tx.remove_node(ZORBLAX.iri)
            assert _matched(g) == ["sony", "tv"]
        assert _matched(g) == ["sony", "tv"] and g.version == 4  # its own writes


def test_a_view_first_used_in_a_block_joins_its_snapshot(graph):
    g = graph
    built = []

    def brands(graph: ProductGraph) -> list[str]:
        built.append(graph.version)
        return sorted(n.label for n in graph.nodes(NodeKind.BRAND))

    with g.pinned():
        assert g.view("test.brands", brands) == ["Sony"]
        _in_thread(lambda: _add(g))  # brings the view forward too (it is registered)
        assert g.view("test.brands", brands) == ["Sony"]
        assert g.view_version("test.brands") == 1
    assert g.view("test.brands", brands) == ["Sony", "Zorblax"]
    assert built == [1, 2]


@pytest.fixture()
def reader(tmp_path, monkeypatch):
    """A read-only handle of version 1 with its views built; ``commit()`` writes version 2
    (another writer, closed after). Retries made instant (``REFRESH_RETRY_*``)."""
    monkeypatch.setattr(kg.graph, "REFRESH_RETRY_S", 0.0, raising=False)
    monkeypatch.setattr(kg.graph, "REFRESH_RETRY_AFTER_S", 0.0, raising=False)
    path = tmp_path / "kg"
    with ProductGraph.open(path) as writer:
        writer.add_records([SONY], progress=False)
    ro = ProductGraph.open(path, read_only=True)
    ro.to_networkx()
    assert _matched(ro) == ["sony"]

    def commit() -> None:
        with ProductGraph.open(path) as writer:
            _add(writer)

    ro.commit = commit
    yield ro
    ro.close()


def test_a_refresh_that_cannot_open_the_new_store_keeps_serving_the_old_version(
        reader, tmp_path, caplog):
    """The new store's files are gone (a compaction deleted them): reads go on at version 1,
    with a warning; the next refresh once they are back catches up."""
    ro = reader
    ro.commit()
    store = ro.path / "store"
    aside = tmp_path / "aside"
    aside.mkdir()
    files = list(store.glob("*.sst"))
    assert files
    for f in files:
        f.rename(aside / f.name)
    with caplog.at_level(logging.WARNING, logger="kg.graph"), ro.pinned():  # as a parse
        assert _matched(ro) == ["sony"] and ro.version == 1
    assert "serving version 1" in caplog.text
    for f in files:
        (aside / f.name).rename(f)
    with ro.pinned():
        assert _matched(ro) == ["zorblax", "sony"] and ro.version == 2
    shutil.rmtree(aside)


def test_a_refresh_whose_views_fail_on_a_vanished_store_file_is_tried_again(reader, caplog):
    """Bringing the views forward reads the new store; a file deleted under it fails that read
    once: the whole refresh is tried again (no view is dropped), and a read that keeps failing
    leaves the handle on its version and views."""
    ro = reader
    calls = []
    failing = {"times": 1}

    def brands(graph: ProductGraph) -> list[str]:
        calls.append(graph._version)
        if graph._version == 2 and failing["times"]:
            failing["times"] -= 1
            raise FileNotFoundError(2, "No such file or directory", f"{ro.path}/store/000150.sst")
        return sorted(n.label for n in graph.nodes(NodeKind.BRAND))

    assert ro.view("test.brands", brands) == ["Sony"]
    ro.commit()
    failing["times"] = 100
    with caplog.at_level(logging.WARNING, logger="kg.graph"), ro.pinned():
        assert _matched(ro) == ["sony"] and ro.view("test.brands", brands) == ["Sony"]
    assert ro.version == 1 and ro.view_version("kg.alias_index") == 1
    assert "serving version 1" in caplog.text
    failing["times"] = 1
    kg.graph.REFRESH_RETRY_S = 1.0  # (restored by monkeypatch)
    with ro.pinned():
        assert ro.version == 2
        assert ro.view("test.brands", brands) == ["Sony", "Zorblax"]
        assert _matched(ro) == ["zorblax", "sony"]
    assert calls[-2:] == [2, 2]  # failed once, then brought forward on the second try
