"""Bulk RDF imports (kg.bulk): change log, digest, dedupe, all-or-nothing under SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from kg_support import write_products_nt

from kg import Node, NodeKind, ProductGraph
from kg.bulk import nquads_digest
from kg.versions import EMPTY_DIGEST, digest_add

ROOT = Path(__file__).resolve().parents[2]
XSD = "http://www.w3.org/2001/XMLSchema#"




def test_digest_pass_equals_quad_by_quad(tmp_path):
    src = write_products_nt(tmp_path / "a.nt", 50)
    st = ox.Store()
    st.load(path=src, format=ox.RdfFormat.N_TRIPLES)
    st.dump(tmp_path / "a.nq", ox.RdfFormat.N_QUADS)
    n, digest = nquads_digest(tmp_path / "a.nq")
    assert n == 150 and digest == digest_add(EMPTY_DIGEST, list(st), ())


@pytest.mark.parametrize("staging", ["memory", "disk"])
def test_bulk_import_on_disk_logs_dedupes_and_rolls_back(tmp_path, monkeypatch, staging):
    if staging == "disk":  # every file is staged in a store on disk
        monkeypatch.setattr("kg.graph.MEMORY_STAGING_MAX_BYTES", 0)
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        with g.transaction("first") as tx:
            tx.add_node(Node(NodeKind.BRAND, "lg", "LG"))
        h1, d1 = g.canonical_hash(), g.versions()[-1].digest
        r = g.import_rdf(write_products_nt(tmp_path / "a.nt", 100))
        assert r.nodes == {"product": 100} and g.version == 2 and len(g) == 302
        # the same file again (canonical forms: "1.0"^^double is stored as "1"): nothing new
        g.import_rdf(tmp_path / "a.nt")
        assert g.version == 2
        # overlapping file: only the new triples are logged
        g.import_rdf(write_products_nt(tmp_path / "b.nt", 100, start=50))
        assert g.version == 3 and g.versions()[-1].added == 150 and len(g) == 452
        added, removed = g._log.changes(3)
        assert len(added) == 150 and removed == []
        assert g.versions()[-1].digest == digest_add(
            EMPTY_DIGEST, g._store.quads_for_pattern(None, None, None, ox.DefaultGraph()), ()
        )
        assert g.rollback(1) == 4 and g.canonical_hash() == h1
        assert g.versions()[-1].digest == d1
    assert not list(kg.glob(".import-*"))
    with ProductGraph.open(kg, read_only=True) as ro:
        assert ro.version == 4 and ro.canonical_hash() == h1


@pytest.mark.parametrize("staging", ["memory", "disk"])
def test_reader_follows_a_bulk_import(tmp_path, monkeypatch, staging):
    if staging == "disk":
        monkeypatch.setattr("kg.graph.MEMORY_STAGING_MAX_BYTES", 0)
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        g.import_rdf(write_products_nt(tmp_path / "a.nt", 10))
        with ProductGraph.open(kg, read_only=True) as ro:
            assert len(ro) == 30
            g.import_rdf(write_products_nt(tmp_path / "b.nt", 10, start=10))
            assert ro.stats().triples == 60 and ro.version == 2


def test_restore_replays_bulk_logs(tmp_path):
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        g.import_rdf(write_products_nt(tmp_path / "a.nt", 20))
        h = g.canonical_hash()
    import shutil

    shutil.rmtree(kg / "store")
    with ProductGraph.restore(kg) as g:
        assert g.version == 1 and g.canonical_hash() == h


def _kg_state(kg: Path) -> tuple[int, int, str]:
    with ProductGraph.open(kg) as g:
        return g.version, len(g), g.canonical_hash()


@pytest.mark.parametrize("stage", ["import-dir", "next-store-files", "log-written", "late"])
def test_sigkill_mid_load_leaves_previous_version(tmp_path, stage):
    """A real ``kgqp kg load`` process killed at a stage of the bulk import: reopening the KG
    gives the previous version exactly (or the new one, if the load had finished)."""
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        g.import_rdf(write_products_nt(tmp_path / "base.nt", 10))
    before = _kg_state(kg)
    src = write_products_nt(tmp_path / "big.nt", 60_000, start=1000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "parser.app.cli", "kg", "load", str(kg), str(src), "--kind", "rdf"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def reached() -> bool:
        dirs = list(kg.glob(".import-*.tmp"))
        if stage == "import-dir":
            return bool(dirs)
        if stage == "next-store-files":
            return any(
                (d / sub).is_dir() and any((d / sub).iterdir())
                for d in dirs
                for sub in ("staging", "next")
            )
        if stage == "log-written":
            return (kg / "versions" / "000002.added.nq").exists()
        return bool(dirs) and any((d / "added.nq").exists() for d in dirs)

    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and not reached() and time.monotonic() < deadline:
            time.sleep(0.001)
        if stage == "late":
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    after = _kg_state(kg)
    if after[0] == before[0]:
        assert after == before
    else:  # the load finished before the kill
        assert after[0] == before[0] + 1 and after[1] == before[1] + 180_000
    assert not list(kg.glob(".import-*"))
    with ProductGraph.open(kg) as g:  # and the KG takes the next load cleanly
        g.import_rdf(write_products_nt(tmp_path / "c.nt", 5, start=900))
        assert g.version == after[0] + 1
