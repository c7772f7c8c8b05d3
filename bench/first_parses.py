"""The first parses after a bundle loads: the slowest, p99 and how many take over 50 ms.

Loads the bundle (``QueryParser.from_pretrained``, with its warm-up), then parses every distinct
QueryNER validation query once, in order, and prints the load time and the latency of those
first parses: a stage that builds a table of the whole KG the first time a query needs it
makes that query slow. The script reads only public names, so a copy of it times an older
checkout the same way:

    OMP_NUM_THREADS=1 python bench/first_parses.py --bundle ~/.cache/kgqp/bundle

Timing needs an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    args = ap.parse_args()

    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    t0 = time.perf_counter()
    parser = QueryParser.from_pretrained(args.bundle)
    load = time.perf_counter() - t0
    queries = list(dict.fromkeys(
        s.text() for s in read_conll(args.data / "queryner" / "validation.conll")))
    times = []
    for q in queries:
        t0 = time.perf_counter()
        parser(q)
        times.append((time.perf_counter() - t0) * 1e3)
    ranked = sorted(times)
    slowest = max(range(len(times)), key=times.__getitem__)
    print(json.dumps({"load_s": round(load, 2), "n": len(times),
                      "p50_ms": round(ranked[len(ranked) // 2], 2),
                      "p99_ms": round(ranked[int(0.99 * len(ranked))], 2),
                      "max_ms": round(ranked[-1], 1), "slowest": queries[slowest],
                      "over_50_ms": sum(t > 50 for t in times)}))


if __name__ == "__main__":
    main()
