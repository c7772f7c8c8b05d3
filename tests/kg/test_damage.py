"""A damaged KG directory is refused with a restore hint; history is never deleted; restore()
rebuilds the store from the version log. Real on-disk stores throughout."""

from __future__ import annotations

import glob
import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import KGError, Node, NodeKind, ProductGraph
from kg.errors import KGCorruptError
from parser.app.kg_cli import app

runner = CliRunner()


def _make(path: Path, versions: int = 7) -> str:
    with ProductGraph.open(path) as g:
        for i in range(versions):
            with g.transaction(f"v{i + 1}") as tx:
                tx.add_node(Node(NodeKind.BRAND, f"b{i}", f"Brand {i}"))
        assert g.version == versions
        return g.canonical_hash()


def _logs(path: Path) -> list[str]:
    return sorted(p.name for p in (path / "versions").iterdir())


def test_missing_current_is_refused_every_time_and_history_kept(tmp_path, caplog):
    path = tmp_path / "kg"
    h7 = _make(path)
    logs = _logs(path)
    (path / "store" / "CURRENT").unlink()
    store_files = sorted(p.name for p in (path / "store").iterdir())
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # the old code raised once, then opened an empty KG and wiped the log
            with pytest.raises(KGCorruptError, match="CURRENT file is missing") as e:
                ProductGraph.open(path)
            assert "ProductGraph.restore" in str(e.value) and "Nothing was changed" in str(e.value)
        with pytest.raises(KGCorruptError):
            ProductGraph.open(path, read_only=True)
    assert "Discarding" not in caplog.text
    assert _logs(path) == logs
    assert sorted(p.name for p in (path / "store").iterdir()) == store_files
    with ProductGraph.restore(path) as g:
        assert g.version == 7 and g.canonical_hash() == h7
        assert [v.message for v in g.versions()][1:] == [f"v{i}" for i in range(1, 8)]
        assert g.rollback(3) == 8
    assert glob.glob(str(tmp_path / "kg" / "store.damaged-*"))  # the damaged store is kept


def test_missing_store_is_refused_and_load_commits_nothing(tmp_path):
    path = tmp_path / "kg"
    h7 = _make(path)
    logs = _logs(path)
    shutil.rmtree(path / "store")
    with pytest.raises(KGCorruptError, match="version log up to version 7 but no store"):
        ProductGraph.open(path)
    src = tmp_path / "brands.txt"
    src.write_text("Sony\n")
    r = runner.invoke(app, ["load", str(path), str(src), "--kind", "gazetteer",
                            "--node-kind", "brand"])
    assert r.exit_code == 1, r.output
    assert "no store" in r.output and "restore" in r.output
    assert not (path / "store").exists() and _logs(path) == logs
    with ProductGraph.restore(path) as g:
        assert g.version == 7 and g.canonical_hash() == h7


def test_store_replaced_by_an_older_copy_is_refused_for_writing(tmp_path, caplog):
    path = tmp_path / "kg"
    _make(path, versions=2)
    shutil.copytree(path / "store", tmp_path / "old-store")
    with ProductGraph.open(path) as g:
        for i in range(3):
            with g.transaction() as tx:
                tx.add_node(Node(NodeKind.BRAND, f"late{i}", f"Late {i}"))
        h5 = g.canonical_hash()
    shutil.rmtree(path / "store")
    shutil.copytree(tmp_path / "old-store", path / "store")
    logs = _logs(path)
    with pytest.raises(KGCorruptError, match="store is at version 2 but the version log goes up"):
        ProductGraph.open(path)
    with caplog.at_level(logging.WARNING), ProductGraph.open(path, read_only=True) as ro:
        assert ro.version == 2  # readers may still look
    assert "version log goes up to version 5" in caplog.text
    assert _logs(path) == logs
    with ProductGraph.restore(path) as g:
        assert g.version == 5 and g.canonical_hash() == h5


def test_removed_version_log_is_refused_for_writing(tmp_path):
    path = tmp_path / "kg"
    _make(path, versions=3)
    shutil.rmtree(path / "versions")
    with pytest.raises(KGCorruptError, match="log ends at version 0"):
        ProductGraph.open(path)
    with ProductGraph.open(path, read_only=True) as ro:
        assert ro.version == 3


def test_corrupt_store_is_a_kg_error_with_restore_hint(tmp_path):
    path = tmp_path / "kg"
    h = _make(path, versions=3)
    with ProductGraph.open(path) as g:
        g._store.flush()  # data into SST files
    for f in glob.glob(str(path / "store" / "*.sst")):
        data = bytearray(Path(f).read_bytes())
        for i in range(0, len(data) - 64, 7):
            data[i] ^= 0xFF
        Path(f).write_bytes(bytes(data))
    for read_only in (False, True):
        with pytest.raises(KGCorruptError, match=r"is damaged .*Corruption") as e:
            ProductGraph.open(path, read_only=read_only)
        assert "ProductGraph.restore" in str(e.value)
    r = runner.invoke(app, ["stats", str(path)])
    assert r.exit_code == 1 and "damaged" in r.output and "Traceback" not in r.output
    with ProductGraph.restore(path) as g:
        assert g.version == 3 and g.canonical_hash() == h
    # a second restore within the same second keeps both stores set aside (it collided)
    with ProductGraph.restore(path) as g:
        assert g.version == 3 and g.canonical_hash() == h
    assert len(glob.glob(str(path / "store.damaged-*"))) == 2


def test_one_uncommitted_log_is_still_discarded(tmp_path):
    path = tmp_path / "kg"
    _make(path, versions=2)
    # a crash between writing version 3's log and the store commit leaves exactly this
    src = path / "versions" / "000002.json"
    text = src.read_text().replace('"version": 2', '"version": 3')
    (path / "versions" / "000003.json").write_text(text)
    with ProductGraph.open(path) as g:
        assert g.version == 2 and not (path / "versions" / "000003.json").exists()


def test_stale_tmp_files_removed_on_open_for_writing(tmp_path):
    path = tmp_path / "kg"
    _make(path, versions=1)
    stale = [path / "versions" / ".000002.added.nq.k3j_x.tmp",
             path / "versions" / ".000002.json.abc123.tmp"]
    other = path / "versions" / "notes.txt"
    for p in [*stale, other]:
        p.write_text("x")
    with ProductGraph.open(path, read_only=True):
        assert all(p.exists() for p in stale)  # readers never delete anything
    with ProductGraph.open(path) as g:
        assert g.version == 1
    assert not any(p.exists() for p in stale) and other.exists()


def test_restore_refuses_a_log_that_does_not_reproduce(tmp_path):
    path = tmp_path / "kg"
    _make(path, versions=2)
    shutil.rmtree(path / "store")
    (path / "versions" / "000002.added.nq").write_text("")
    with pytest.raises(KGError, match="does not reproduce"):
        ProductGraph.restore(path)
    assert not (path / "store").exists()
    assert not list(path.glob(".store.restore-*"))
