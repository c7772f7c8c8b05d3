"""Timing, memory and result-file helpers shared by the benchmarks (imported as ``_timing``
from ``bench/``)."""

from __future__ import annotations

import gc
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def samples_ms(fn: Callable[[Any], Any], arg: Any, *, n: int, warmup: int) -> list[float]:
    """Call ``fn(arg)`` ``warmup`` times untimed, then ``n`` times; sorted latencies in ms."""
    for _ in range(warmup):
        fn(arg)
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn(arg)
        out.append((time.perf_counter() - t) * 1000)
    return sorted(out)


def rss_mb() -> float:
    """This process's resident memory now, in MiB (``ru_maxrss``, the peak, where /proc has no
    VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a resumable results file (JSON lines; none when it does not exist)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one finished run to a results file (a line each: a run killed midway leaves the
    finished ones readable)."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


class FullCollections:
    """The garbage collector's full passes (generation 2) while the ``with`` block runs:
    :attr:`seconds`, each pass's length in order (each stops every thread for that long).

    >>> with FullCollections() as passes:
    ...     _ = gc.collect()
    >>> len(passes.seconds)
    1
    """

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = 0.0

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._start = time.perf_counter()
            else:
                self.seconds.append(time.perf_counter() - self._start)
