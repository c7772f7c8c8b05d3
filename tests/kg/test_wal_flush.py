"""A writer flushes the store after a large commit (a rollback of a bulk load) and at close, so
read-only opens do not replay its write-ahead log: after `kgqp kg rollback` of a 1M-triple load,
`kgqp kg stats` took 22-31 s (a 158 MB log replayed) instead of 1.2 s until a writer reopened
the KG."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox

from kg import Node, NodeKind, ProductGraph


def _read_only_open_s(path: Path) -> float:
    """The fastest of three read-only opens of the store (each replays what is unflushed). An
    open that meets the writer's background compaction deleting a table file it had read in
    the manifest fails as "Corruption": retried, as ``ProductGraph``'s read-only open retries
    it (``kg.graph.ProductGraph._open_read_only``); only a successful open is timed."""
    best = float("inf")
    for _ in range(3):
        for attempt in range(20):
            started = time.perf_counter()
            try:
                store = ox.Store.read_only(str(path / "store"))
            except RuntimeError as e:
                if "corrupt" not in str(e).lower() or attempt == 19:
                    raise
                time.sleep(0.05)
                continue
            best = min(best, time.perf_counter() - started)
            del store
            break
    return best


def test_a_rollback_is_flushed_before_readers_open_the_kg(tmp_path):
    path = tmp_path / "kg"
    nodes = [Node(NodeKind.BRAND, f"b{i}", f"Brand {i} " + "x" * 200) for i in range(12_000)]
    with ProductGraph.open(path) as kg:
        kg.add_records(nodes, progress=False)
        loaded = kg.version
        kg.rollback(loaded - 1)
        kg.add_records(nodes[:5], progress=False)  # a small commit after it: left to close()
        # a reader while the writer is still open
        ro = _read_only_open_s(path)
    closed = _read_only_open_s(path)
    with ProductGraph.open(path):  # a writer's open replays, and its close flushes, the rest
        pass
    settled = _read_only_open_s(path)
    assert ro < 3 * settled + 0.05, (ro, settled)
    assert closed < 3 * settled + 0.05, (closed, settled)
    with ProductGraph.open(path, read_only=True) as kg:
        assert len(kg.to_networkx()) == 5
