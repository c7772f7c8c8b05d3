"""Disk full during a KG transaction (docs/reliability.md): the commit fails with ENOSPC, the
KG stays at its previous version with the same content, no partial version files are left, and
after space is freed the KG reopens and takes writes again. On a real, small tmpfs."""

from __future__ import annotations

import errno

import pytest

from kg import Node, NodeKind, ProductGraph


def test_disk_full_during_kg_transaction_loses_nothing(tmpfs, fill_disk):
    small_disk = tmpfs("24m")
    path = small_disk / "kg"
    g = ProductGraph.open(path)
    with g.transaction("base") as tx:
        tx.add_nodes(Node(NodeKind.BRAND, f"b{i}", f"Brand {i}") for i in range(200))
    version, digest, triples = g.version, g.canonical_hash(), g.triple_count
    files = sorted(p.name for p in (path / "versions").iterdir())
    filler = fill_disk(small_disk, leave=64 * 1024)
    with pytest.raises(OSError) as info, g.transaction("too big") as tx:
        tx.add_nodes(Node(NodeKind.BRAND, f"x{i}", f"Brand {i} " + "y" * 200)
                     for i in range(50_000))
    assert info.value.errno == errno.ENOSPC
    # nothing committed, nothing partial
    assert (g.version, g.canonical_hash(), g.triple_count) == (version, digest, triples)
    assert sorted(p.name for p in (path / "versions").iterdir()) == files
    g.close()
    filler.unlink()
    g = ProductGraph.open(path)
    try:
        assert (g.version, g.canonical_hash()) == (version, digest)
        with g.transaction("after") as tx:
            tx.add_node(Node(NodeKind.BRAND, "z", "Zed"))
        assert g.version == version + 1 and g.node(Node(NodeKind.BRAND, "z", "Zed").iri) is not None
    finally:
        g.close()


def test_a_writer_commits_again_once_space_is_back(tmpfs, fill_disk):
    """The store's write failing on a full disk left RocksDB's handle refusing every later
    write until a restart (the service answered 500 to each update, and /ready said "ready").
    Now the commit fails with KGWriteError, the writer says why in ``degraded``, reopens its
    store, and the same handle commits once space is freed."""
    from kg.errors import KGWriteError

    small_disk = tmpfs("100m")
    path = small_disk / "kg"
    g = ProductGraph.open(path)
    try:
        with g.transaction("base") as tx:
            tx.add_nodes(Node(NodeKind.BRAND, f"b{i}", f"Brand {i}") for i in range(200))
        version, digest = g.version, g.canonical_hash()
        filler = fill_disk(small_disk, leave=700 * 1024)
        message = ""
        try:
            with g.transaction("big") as tx:
                tx.add_nodes(Node(NodeKind.BRAND, f"x{i}", f"B x {i}") for i in range(1800))
        except KGWriteError as e:  # (not kept: the service drops it once answered)
            message = str(e)
        assert "could not write" in message and "No space left" in message
        assert g.degraded is not None and "failed" in g.degraded
        assert (g.version, g.canonical_hash()) == (version, digest)
        filler.unlink()
        with g.transaction("small") as tx:  # the same handle, no restart
            tx.add_node(Node(NodeKind.BRAND, "z", "Zed"))
        assert g.version == version + 1 and g.degraded is None
    finally:
        g.close()
    with ProductGraph.open(path) as g:
        assert g.version == version + 1


def test_a_version_log_that_cannot_be_written_is_a_write_error(tmpfs, fill_disk):
    """On a full disk the version log (written before the store) fails first: that raised a
    bare OSError (the service: 500, /ready "ready"). It is a KGWriteError (still an OSError
    with ENOSPC), the writer says why in ``degraded``, and commits again once space is back."""
    from kg.errors import KGWriteError

    small_disk = tmpfs("24m")
    g = ProductGraph.open(small_disk / "kg")
    try:
        with g.transaction("base") as tx:
            tx.add_node(Node(NodeKind.BRAND, "a", "A"))
        filler = fill_disk(small_disk, leave=16 * 1024)
        with pytest.raises(KGWriteError) as info, g.transaction("x") as tx:
            tx.add_nodes(Node(NodeKind.BRAND, f"x{i}", f"Brand {i} " + "y" * 100)
                         for i in range(2000))
        assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
        assert g.degraded is not None and g.version == 1
        filler.unlink()
        with g.transaction("after") as tx:
            tx.add_node(Node(NodeKind.BRAND, "z", "Zed"))
        assert g.version == 2 and g.degraded is None
    finally:
        g.close()
