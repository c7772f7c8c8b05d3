"""Pruning the version history (``ProductGraph.prune_versions``, ``kgqp kg prune``): the log
stops growing, its floor is recorded before anything is deleted, and everything that reads the
log (open, rollback, restore, readers catching up, a SPARQL server's replicas) accepts what was
pruned and still refuses any other missing log."""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from kg_support import write_products_nt
from typer.testing import CliRunner

from kg import KGError, Node, NodeKind, ProductGraph
from kg.errors import KGCorruptError, KGLockedError, KGNotFoundError
from kg.versions import PRUNED_FILE
from kg.views import logged_changes
from parser.app.kg_cli import app

from .conftest import RECORDS

runner = CliRunner()
BIG = "https://kgqp.dev/id/brand/big"


def _big_node(n_aliases: int = 400) -> Node:
    """A node of ~40 KB of aliases (the security review used one of 220 KB)."""
    return Node(NodeKind.BRAND, "big", "Big",
                aliases=tuple(f"big alias {i:05d} " + "x" * 80 for i in range(n_aliases)))


def _churn(g: ProductGraph, pairs: int) -> None:
    """``pairs`` commits adding the big node and ``pairs`` removing it again."""
    for _ in range(pairs):
        g.add_records([_big_node()], progress=False, message="add big")
        with g.transaction("remove big") as tx:
            tx.remove_node(BIG)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def _logs(path: Path) -> list[str]:
    return sorted(p.name for p in (path / "versions").iterdir())


def _make(path: Path, commits: int = 5) -> list[str]:
    """A KG at ``path`` with the fixture (version 1) and ``commits`` more versions; the
    canonical hash of every version (index = version)."""
    hashes = []
    with ProductGraph.open(path) as g:
        hashes.append(g.canonical_hash())
        g.add_records(RECORDS, progress=False, message="fixture")
        hashes.append(g.canonical_hash())
        for i in range(commits):
            with g.transaction(f"v{i + 2}") as tx:
                tx.add_node(Node(NodeKind.BRAND, f"b{i}", f"Brand {i}"))
                if i % 2:
                    tx.remove_node(f"https://kgqp.dev/id/brand/b{i - 1}")
            hashes.append(g.canonical_hash())
    return hashes


# -- what pruning deletes and keeps -------------------------------------------------------------
def test_prune_shrinks_the_log_and_keeps_every_version_listed(tmp_path):
    path = tmp_path / "kg"
    with ProductGraph.open(path) as g:
        g.add_records(RECORDS, progress=False, message="fixture")
        _churn(g, 5)
        assert g.version == 11
        before = _du(path / "versions")
        assert before > 400_000  # ten change sets of the ~40 KB node
        h = g.canonical_hash()
        assert g.prune_versions(keep=2, dry_run=True) == list(range(1, 10))
        assert _du(path / "versions") == before  # a dry run changes nothing
        assert g.prune_versions(keep=2) == list(range(1, 10))
        assert g.rollback_floor == 9 and g.version == 11 and g.canonical_hash() == h
        after = _du(path / "versions")
        assert after < before / 3, (before, after)
        # metadata of every version kept; change sets only for the newest two
        names = _logs(path)
        assert [f"{v:06d}.json" in names for v in range(1, 12)] == [True] * 11
        assert [v for v in range(1, 12) if f"{v:06d}.added.nq" in names] == [10, 11]
        assert PRUNED_FILE in names and "base-000011.nt.gz" in names
        record = json.loads((path / "versions" / PRUNED_FILE).read_text())
        assert record["floor"] == 9 and record["base"] == 11
        assert record["base_digest"] == g.versions()[-1].digest
        infos = g.versions()
        assert [i.version for i in infos] == list(range(12))
        assert [i.pruned for i in infos] == [True] * 9 + [False] * 3
        assert infos[2].message == "add big" and infos[2].added > 400
        # idempotent; a larger keep never moves the floor down
        assert g.prune_versions(keep=2) == [] and g.prune_versions(keep=5) == []
        assert g.rollback_floor == 9
        # the next commits grow the log again, and the next pruning takes them
        _churn(g, 1)
        assert g.prune_versions(keep=1) == [10, 11, 12]
        assert g.rollback_floor == 12 and _logs(path).count("base-000013.nt.gz") == 1
        assert not any(n.startswith("base-000011") for n in _logs(path))  # replaced
    with ProductGraph.open(path, read_only=True) as ro:  # readers list them too
        assert [i.pruned for i in ro.versions()][-3:] == [True, False, False]


def test_keep_is_a_count_of_at_least_one(disk_graph):
    for bad in (0, -1):
        with pytest.raises(ValueError, match="keep must be >= 1"):
            disk_graph.prune_versions(bad)
    for bad in (True, 1.0, "1"):
        with pytest.raises(TypeError, match="keep"):
            disk_graph.prune_versions(bad)
    assert disk_graph.prune_versions(1) == [] and disk_graph.rollback_floor == 0


def test_in_memory_kg_prunes_too():
    with ProductGraph() as g:
        g.add_records(RECORDS, progress=False)
        _churn(g, 1)
        h3 = g.canonical_hash()
        g.add_records([_big_node()], progress=False)
        assert g.version == 4
        assert g.prune_versions(keep=1) == [1, 2, 3]
        with pytest.raises(KGError, match="oldest version it can return to is 3"):
            g.rollback(2)
        with pytest.raises(KGNotFoundError, match="pruned"):
            g._log.changes(3)
        assert g.rollback(3) == 5 and g.canonical_hash() == h3 and g.node(BIG) is None


# -- rollback -----------------------------------------------------------------------------------
def test_rollback_below_the_floor_is_refused_and_above_it_reproduces_the_version(tmp_path):
    path = tmp_path / "kg"
    hashes = _make(path, commits=5)  # versions 0..6
    with ProductGraph.open(path) as g:
        assert g.prune_versions(keep=3) == [1, 2, 3]
        for v in (0, 1, 2):
            with pytest.raises(KGError) as e:
                g.rollback(v)
            msg = str(e.value)
            assert "oldest version it can return to is 3" in msg and "backup" in msg
            assert "Nothing was changed" in msg
            assert g.version == 6 and g.canonical_hash() == hashes[6]
        for v in (3, 4, 5, 6, 3):
            g.rollback(v)
            assert g.canonical_hash() == hashes[v], v
        # the rollbacks' own versions are kept and can be rolled back in turn
        assert g.version == 11 and g.rollback_floor == 3
        g.rollback(10)
        assert g.canonical_hash() == hashes[6]


def test_cli_rollback_below_the_floor_is_one_error_line(tmp_path):
    path = tmp_path / "kg"
    _make(path, commits=3)
    with ProductGraph.open(path) as g:
        g.prune_versions(keep=1)
    r = runner.invoke(app, ["rollback", str(path), "1"])
    assert r.exit_code == 1 and "oldest version it can return to is 3" in r.output, r.output
    assert "Traceback" not in r.output


# -- opening, restore: pruned files are accepted, other missing ones are not ------------------
def test_open_accepts_pruned_change_sets_and_refuses_any_other_missing_log(tmp_path):
    path = tmp_path / "kg"
    _make(path, commits=4)  # versions 0..5
    with ProductGraph.open(path) as g:
        g.prune_versions(keep=2)  # change sets of 1..3 gone
    with ProductGraph.open(path) as g:  # a writer opens it
        assert g.version == 5 and g.rollback_floor == 3
    saved = tmp_path / "saved"
    shutil.copytree(path / "versions", saved)
    for name in ("000004.added.nq", "000005.removed.nq", "000002.json",
                 "base-000005.nt.gz"):
        (path / "versions" / name).unlink()
        with pytest.raises(KGCorruptError, match=name.replace(".", r"\.")):
            ProductGraph.open(path)
        with ProductGraph.open(path, read_only=True) as ro:  # readers still read the store
            assert ro.version == 5
        shutil.rmtree(path / "versions")
        shutil.copytree(saved, path / "versions")
    # a damaged record is refused, never taken as "not pruned"
    (path / "versions" / PRUNED_FILE).write_text("{not json")
    with pytest.raises(KGCorruptError, match="pruning record"):
        ProductGraph.open(path)
    (path / "versions" / PRUNED_FILE).write_text('{"floor": "3"}')
    with pytest.raises(KGCorruptError, match="pruning record"):
        ProductGraph.open(path)


def test_unpruned_logs_with_a_missing_change_set_are_refused_too(tmp_path):
    path = tmp_path / "kg"
    _make(path, commits=2)
    (path / "versions" / "000002.removed.nq").unlink()
    with pytest.raises(KGCorruptError, match=r"000002\.removed\.nq"):
        ProductGraph.open(path)


def test_restore_replays_a_pruned_log_from_its_snapshot(tmp_path):
    path = tmp_path / "kg"
    hashes = _make(path, commits=4)
    with ProductGraph.open(path) as g:
        g.prune_versions(keep=2)
        with g.transaction("after the pruning") as tx:  # replayed on top of the snapshot
            tx.add_node(Node(NodeKind.BRAND, "late", "Late"))
        h6 = g.canonical_hash()
    (path / "store" / "CURRENT").unlink()
    with pytest.raises(KGCorruptError):
        ProductGraph.open(path)
    # a snapshot that does not reproduce its digest, or none at all, is refused
    base = path / "versions" / "base-000005.nt.gz"
    good = base.read_bytes()
    base.write_bytes(gzip.compress(gzip.decompress(good).split(b"\n", 1)[1]))
    with pytest.raises(KGCorruptError, match="does not reproduce"):
        ProductGraph.restore(path)
    base.unlink()
    with pytest.raises(KGCorruptError, match="snapshot"):
        ProductGraph.restore(path)
    assert not list(path.glob("store.damaged-*"))  # nothing was changed
    base.write_bytes(good)
    with ProductGraph.restore(path) as g:
        assert g.version == 6 and g.canonical_hash() == h6 and g.rollback_floor == 3
        g.rollback(4)
        assert g.canonical_hash() == hashes[4]


# -- readers catching up -------------------------------------------------------------------------
def test_a_reader_behind_the_floor_rebuilds_its_views(disk_graph, tmp_path, caplog):
    path = tmp_path / "kg"
    reader = ProductGraph.open(path, read_only=True)
    try:
        assert reader.version == 1 and reader.match("zbx") == []
        assert reader.to_networkx().number_of_nodes() > 0 and reader.node_table()
        with disk_graph.transaction("zorblax") as tx:
            tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        with disk_graph.transaction("no lg") as tx:
            tx.remove_node("https://kgqp.dev/id/brand/lg")
        assert disk_graph.prune_versions(keep=1) == [1, 2]
        with caplog.at_level(logging.INFO, logger="kg.views"):
            assert [m.text for m in reader.match("zbx lg")] == ["zbx"]
        assert "were pruned" in caplog.text and "unreadable" not in caplog.text
        assert reader.version == 3 and reader.view_version("kg.alias_index") == 3
        assert reader.alias_index.changed_since is None  # rebuilt, not brought forward
        with ProductGraph.open(path, read_only=True) as fresh:
            assert sorted(fresh.alias_index.keys()) == sorted(reader.alias_index.keys())
            assert fresh.node_table() == reader.node_table()
            assert sorted(fresh.to_networkx().edges(keys=True)) == sorted(
                reader.to_networkx().edges(keys=True))
        # a reader at or above the floor still follows the kept change sets
        with disk_graph.transaction("sony") as tx:
            tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        assert [m.text for m in reader.match("sony")] == ["sony"]
        assert reader.alias_index.changed_since[0] == 3
    finally:
        reader.close()


def test_logged_changes_returns_none_below_the_floor(disk_graph):
    for name in "ab":
        disk_graph.add_records([Node(NodeKind.BRAND, name, name)], progress=False)
    disk_graph.prune_versions(keep=1)  # floor 2
    assert logged_changes(disk_graph._log, 1, 3) is None
    assert len(logged_changes(disk_graph._log, 2, 3)) > 0


# -- locking and interruptions ---------------------------------------------------------------------
def test_pruning_needs_the_write_lock(disk_graph, tmp_path):
    path = tmp_path / "kg"
    with ProductGraph.open(path, read_only=True) as ro:
        with pytest.raises(KGError, match="read-only"):
            ro.prune_versions(1)
        assert ro.prune_versions(1, dry_run=True) == []  # a dry run reads only
    with pytest.raises(KGLockedError, match="locked"):
        ProductGraph.open(path)  # another process or handle: the writer holds the lock
    r = runner.invoke(app, ["prune", str(path), "--keep", "1", "--yes"])
    assert r.exit_code == 3 and "locked" in r.output, r.output
    with disk_graph.transaction(), pytest.raises(KGError, match="inside a transaction"):
        disk_graph.prune_versions(1)


def test_an_interrupted_pruning_leaves_a_kg_that_opens_and_finishes_next_time(tmp_path,
                                                                               monkeypatch):
    path, ref = tmp_path / "kg", tmp_path / "ref"
    hashes = _make(path, commits=5)
    _make(ref, commits=5)
    with ProductGraph.open(ref) as g:
        g.prune_versions(keep=2)
    real_unlink, calls = os.unlink, []

    def failing_unlink(p, *a, **kw):
        calls.append(p)
        if len(calls) > 1:
            raise OSError(5, "Input/output error (injected)", str(p))
        return real_unlink(p, *a, **kw)

    with ProductGraph.open(path) as g:
        monkeypatch.setattr(os, "unlink", failing_unlink)
        with pytest.raises(OSError, match="injected"):
            g.prune_versions(keep=2)
        monkeypatch.setattr(os, "unlink", real_unlink)
        assert len(calls) == 2
    assert "000001.added.nq" not in _logs(path) and "000001.removed.nq" in _logs(path)
    with ProductGraph.open(path) as g:  # opens for writing: only files below the floor miss
        assert g.rollback_floor == 4 and g._log.missing(g.version) == []
        assert [i.pruned for i in g.versions()] == [True] * 4 + [False] * 3
        assert g.prune_versions(keep=2) == [1, 2, 3, 4]  # finishes the deletion
        assert _logs(path) == _logs(ref)
        g.rollback(4)
        assert g.canonical_hash() == hashes[4]


def test_a_pruning_that_fails_before_recording_its_floor_deletes_nothing(tmp_path,
                                                                         monkeypatch):
    import kg.graph as kg_graph

    path = tmp_path / "kg"
    _make(path, commits=2)
    before = _logs(path)

    def full_disk(store, target):
        raise OSError(28, "No space left on device (injected)")

    with ProductGraph.open(path) as g:
        monkeypatch.setattr(kg_graph, "_write_snapshot", full_disk)
        with pytest.raises(OSError, match="No space"):
            g.prune_versions(keep=1)
        monkeypatch.undo()
        assert g.rollback_floor == 0 and g.rollback(0) == 4
    assert PRUNED_FILE not in _logs(path)
    assert set(before) <= set(_logs(path))


def test_leftovers_of_interrupted_prunings_are_removed_on_open_for_writing(tmp_path):
    path = tmp_path / "kg"
    _make(path, commits=2)
    with ProductGraph.open(path) as g:
        g.prune_versions(keep=1)
    names = _logs(path)
    stale = ["base-000002.nt.gz", ".base-000003.nt.gz.k3j_x.tmp", ".pruned.json.abc.tmp"]
    for name in stale:
        (path / "versions" / name).write_bytes(b"junk")
    with ProductGraph.open(path, read_only=True):  # a reader removes nothing
        assert set(stale) <= set(_logs(path))
    with ProductGraph.open(path) as g:
        assert _logs(path) == names and g.rollback_floor == 2


# -- the command --------------------------------------------------------------------------------
def test_cli_prune_needs_yes_and_reports_what_it_deletes(tmp_path):
    path = tmp_path / "kg"
    hashes = _make(path, commits=3)  # versions 0..4
    before = _logs(path)
    r = runner.invoke(app, ["prune", str(path), "--keep", "2", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "Would delete the change sets of 2 version(s) (1-2" in r.output
    assert "rolled back to version 2 at the oldest" in r.output
    r = runner.invoke(app, ["prune", str(path), "--keep", "2"])
    assert r.exit_code == 2 and "--yes" in r.output and "Would delete" in r.output, r.output
    assert _logs(path) == before
    r = runner.invoke(app, ["prune", str(path), "--keep", "0", "--yes"])
    assert r.exit_code == 2 and _logs(path) == before
    r = runner.invoke(app, ["prune", str(path), "--keep", "2", "--yes"])
    assert r.exit_code == 0, r.output
    assert "Deleted the change sets of 2 version(s) (1-2)" in r.output
    assert "now takes" in r.output
    r = runner.invoke(app, ["prune", str(path), "--keep", "2", "--yes"])
    assert r.exit_code == 0 and "Nothing to prune" in r.output
    r = runner.invoke(app, ["versions", str(path), "--json"])
    assert [v["pruned"] for v in json.loads(r.output)] == [True, True, False, False, False]
    r = runner.invoke(app, ["versions", str(path)])
    assert r.exit_code == 0 and "pruned" in r.output and "no rollback" in r.output
    r = runner.invoke(app, ["prune", str(tmp_path / "nope"), "--keep", "1", "--yes"])
    assert r.exit_code == 1 and "No KG at" in r.output
    with ProductGraph.open(path) as g:
        g.rollback(2)
        assert g.canonical_hash() == hashes[2]


# -- a SPARQL server ------------------------------------------------------------------------------
def _log_graphs(g: ProductGraph) -> list[str]:
    rows = g._store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                          "FILTER(STR(?g) != 'https://kgqp.dev/meta') }")
    return sorted(r[0].value for r in rows)


def test_sparql_server_prunes_its_change_set_graphs(oxigraph_server, tmp_path, monkeypatch):
    import kg.sparql as kg_sparql

    with ProductGraph.open(oxigraph_server.url) as g, \
            ProductGraph.open(oxigraph_server.url, read_only=True) as replica:
        g.add_records(RECORDS, progress=False, message="fixture")
        hashes = {1: g.canonical_hash()}
        g.import_rdf(write_products_nt(tmp_path / "p.nt", 20))  # a staging graph as change set
        hashes[2] = g.canonical_hash()
        assert replica.match("zbx") == [] and replica.version == 2
        for i, name in enumerate(("zorblax", "acme", "initech")):
            with g.transaction(name) as tx:
                tx.add_node(Node(NodeKind.BRAND, name, name.title(), aliases=(name[:3] + "x",)))
                if i == 1:
                    tx.remove_node("https://kgqp.dev/id/brand/zorblax")
            hashes[g.version] = g.canonical_hash()
        assert g.version == 5 and any("staging" in n for n in _log_graphs(g))
        assert g.prune_versions(keep=2, dry_run=True) == [1, 2, 3]
        # interrupted after the first batch of drops: the floor is recorded, the rest stays
        monkeypatch.setattr(kg_sparql, "PRUNE_BATCH", 1)
        real_update, calls = kg_sparql.SparqlStore.update, []

        def failing_update(self, sparql, *, what="an update"):
            calls.append(what)
            if calls.count("dropping pruned change sets") > 1:
                raise KGError("injected")
            return real_update(self, sparql, what=what)

        monkeypatch.setattr(kg_sparql.SparqlStore, "update", failing_update)
        with pytest.raises(KGError, match="injected"):
            g.prune_versions(keep=2)
        monkeypatch.setattr(kg_sparql.SparqlStore, "update", real_update)
        assert g.rollback_floor == 3 and g.prune_versions(keep=2, dry_run=True) == [2, 3]
        assert g.prune_versions(keep=2) == [2, 3]
        assert _log_graphs(g) == ["https://kgqp.dev/log/4/added", "https://kgqp.dev/log/4/removed",
                                  "https://kgqp.dev/log/5/added"]
        # the replica (at version 2, below the floor) rebuilds its views
        assert [m.text for m in replica.match("inix acmx zorx")] == ["inix", "acmx"]
        assert replica.version == 5 and replica.alias_index.changed_since is None
        with ProductGraph.open(oxigraph_server.url, read_only=True) as fresh:
            assert sorted(fresh.alias_index.keys()) == sorted(replica.alias_index.keys())
        assert [i.pruned for i in g.versions()] == [True] * 3 + [False] * 3
        assert [i.pruned for i in replica.versions()] == [True] * 3 + [False] * 3
        with pytest.raises(KGNotFoundError, match="was pruned"):
            g._log.changes(3)  # a dropped graph must not read as an empty change set
        with pytest.raises(KGError, match="oldest version it can return to is 3"):
            g.rollback(2)
        assert g.version == 5
        for v in (3, 4, 5):
            g.rollback(v)
            assert g.canonical_hash() == hashes[v]
        assert g.prune_versions(keep=100) == [] and g.rollback_floor == 3
