"""The garbage collector's freeze around a batch run: ``kgqp parse`` (``parse_file``, local
engine) takes the loaded parser's objects out of the collector's full passes while it reads
its input, and gives the process back as it found it: unfrozen, or frozen by its owner.

A real bundle (a tiny random tagger and an empty on-disk KG); the input is read from a stdin
whose reads note whether the heap was frozen then."""

from __future__ import annotations

import gc
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg import ProductGraph
from parser.app import batch
from parser.app.threads import frozen_heap
from parser.bundle import build_bundle
from parser.tagger.testing import tiny_tagger

QUERIES = ["samsung tv", "red nike shoes", "lg tv"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("frozen-heap")
    tiny_tagger().save(d / "tagger")
    ProductGraph.open(d / "kg").close()
    return build_bundle(d / "bundle", tagger=d / "tagger", kg=d / "kg")


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Stdin:
    """A stdin whose byte stream notes the freeze count at each read."""

    def __init__(self, data: bytes) -> None:
        self.counts: list[int] = []
        outer = self

        class Raw(io.BytesIO):
            def read(self, size: int | None = -1) -> bytes:
                outer.counts.append(gc.get_freeze_count())
                return super().read(size)

            def read1(self, size: int = -1) -> bytes:
                outer.counts.append(gc.get_freeze_count())
                return super().read1(size)

            def readinto(self, b: bytearray) -> int:  # type: ignore[override]
                outer.counts.append(gc.get_freeze_count())
                return super().readinto(b)

        self.buffer = Raw(data)


def _run(bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    stdin = _Stdin(("\n".join(QUERIES) + "\n").encode())
    monkeypatch.setattr(sys, "stdin", stdin)
    out = tmp_path / "out.jsonl"
    assert batch.parse_file(bundle, "-", out, progress=False) == len(QUERIES)
    assert [json.loads(line)["text"] for line in out.read_text().splitlines()] == QUERIES
    return stdin.counts


def test_frozen_while_it_reads_and_unfrozen_after(bundle: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _run(bundle, tmp_path, monkeypatch)
    assert counts and all(c > 100_000 for c in counts), counts[:5]  # (the loaded parser)
    assert gc.get_freeze_count() == 0


def test_a_process_frozen_by_its_owner_stays_frozen(bundle: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    gc.freeze()
    before = gc.get_freeze_count()
    counts = _run(bundle, tmp_path, monkeypatch)
    # not frozen again (that would add the objects the load made) nor unfrozen (0); frozen
    # objects freed by their last reference leave the count
    assert counts and all(0 < c <= before for c in counts), (before, counts)
    assert 0 < gc.get_freeze_count() <= before


def test_frozen_heap_nests_under_an_owner_freeze() -> None:
    with frozen_heap():
        inside = gc.get_freeze_count()
        with frozen_heap():  # (neither frozen again nor unfrozen: only objects freed leave)
            assert 0 < gc.get_freeze_count() <= inside
        assert 0 < gc.get_freeze_count() <= inside
    assert inside > 0 and gc.get_freeze_count() == 0
