"""Readers don't block readers: read-only handles and read CLI commands work while another
process holds the KG for writing, and see its later commits through refresh()."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import KGLockedError, Node, NodeKind, ProductGraph
from parser.app.kg_cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

_WRITER = textwrap.dedent("""
    import sys
    from kg import Node, NodeKind, ProductGraph
    g = ProductGraph.open(sys.argv[1])
    with g.transaction("first") as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    print("READY", g.version, flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        with g.transaction("add " + line.strip()) as tx:
            tx.add_node(Node(NodeKind.BRAND, line.strip().lower(), line.strip()))
        print("COMMITTED", g.version, flush=True)
    g.close()
""")


@pytest.fixture
def writer(tmp_path):
    """A second process holding tmp_path/kg open for writing (version 1: brand Sony)."""
    path = tmp_path / "kg"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("READY 1"), line + proc.stderr.read()

    def commit(name: str) -> int:
        proc.stdin.write(name + "\n")
        proc.stdin.flush()
        out = proc.stdout.readline()
        assert out.startswith("COMMITTED"), out
        return int(out.split()[1])

    proc.commit = commit
    proc.path = path
    yield proc
    try:
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        proc.kill()


def test_read_only_handle_works_while_a_writer_holds_it(writer):
    with pytest.raises(KGLockedError, match="locked"):
        ProductGraph.open(writer.path)  # writers still exclude each other
    with ProductGraph.open(writer.path, read_only=True) as ro:
        assert ro.version == 1 and ro.node("https://kgqp.dev/id/brand/sony").label == "Sony"
        assert [m.text for m in ro.match("sony lg")] == ["sony"]
        assert ro.refresh() is False  # nothing new: one stat, no reopen
        assert writer.commit("LG") == 2
        # reads start with refresh(): the new commit is visible, views rebuilt for it
        assert ro.stats().version == 2
        assert ro.version == 2 and ro.alias_index.version == 2
        assert [m.text for m in ro.match("sony lg")] == ["sony", "lg"]
        assert [v.message for v in ro.versions()] == ["empty", "first", "add LG"]
        assert writer.commit("Apple") == 3
        assert ro.query("ASK { ?s <https://schema.org/name> 'Apple' }").boolean
        assert ro.version == 3 and ro.view_version("kg.alias_index") == 3


def test_read_cli_commands_work_while_a_writer_holds_it(writer, tmp_path):
    kgdir = str(writer.path)
    r = runner.invoke(app, ["stats", kgdir, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["nodes"] == {"brand": 1}
    r = runner.invoke(app, ["versions", kgdir, "--json"])
    assert r.exit_code == 0 and len(json.loads(r.output)) == 2, r.output
    r = runner.invoke(app, ["query", kgdir, "SELECT * WHERE { ?s <https://schema.org/name> ?n }",
                            "--bind", "n=Sony", "--json"])
    assert r.exit_code == 0 and "brand/sony" in r.output, r.output
    r = runner.invoke(app, ["match", kgdir, "sony tv", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)[0]["text"] == "sony", r.output
    out = tmp_path / "kg.nt"
    r = runner.invoke(app, ["export", kgdir, "--format", "nt", "-o", str(out)])
    assert r.exit_code == 0 and "Sony" in out.read_text(), r.output
    writer.commit("LG")
    r = runner.invoke(app, ["stats", kgdir, "--json"])
    assert json.loads(r.output)["version"] == 2
    r = runner.invoke(app, ["rollback", kgdir, "1"])  # a write command: the clear locked error
    assert r.exit_code == 3 and "locked" in r.output  # 3: busy, retry later


def test_refresh_is_cheap_when_nothing_changed(tmp_path):
    with ProductGraph.open(tmp_path / "kg") as g:
        g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
        with ProductGraph.open(tmp_path / "kg", read_only=True) as ro:
            store = ro._store
            for _ in range(1000):
                assert ro.refresh() is False
            assert ro._store is store  # never reopened
            assert g.refresh() is False  # a no-op for writers


def test_pinned_checks_for_commits_once_per_block(writer):
    """Inside pinned() this thread's reads don't check the version log (a parse pays one check,
    not one per view lookup); entering the next block catches up; other threads still do."""
    with ProductGraph.open(writer.path, read_only=True) as ro:
        with ro.pinned():
            assert writer.commit("LG") == 2
            assert [m.text for m in ro.match("sony lg")] == ["sony"]  # still version 1
            assert ro.stats().version == 1 and ro.alias_index.version == 1
            with ro.pinned():  # nested blocks don't catch up either
                assert ro.stats().version == 1
        with ro.pinned():  # entering catches up once
            assert ro.version == 2 and [m.text for m in ro.match("sony lg")] == ["sony", "lg"]
            writer.commit("Apple")
            seen = []
            t = threading.Thread(target=lambda: seen.append(ro.stats().version))
            t.start()
            t.join()
            assert seen == [3]  # another thread is not pinned
