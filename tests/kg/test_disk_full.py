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
