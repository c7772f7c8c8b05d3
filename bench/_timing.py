"""Timing helper shared by the latency benchmarks (imported as ``_timing`` from ``bench/``)."""

from __future__ import annotations

import time
from collections.abc import Callable
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
