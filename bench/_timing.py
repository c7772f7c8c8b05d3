"""Timing and memory helpers shared by the benchmarks (imported as ``_timing`` from
``bench/``)."""

from __future__ import annotations

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
