"""The garbage collector's full passes during a long ``pipe()``, with and without ``gc.freeze``.

Parses every distinct query of QueryNER train + validation and Best Buy train + dev (about
10,400) through ``QueryParser.pipe`` after 200 warm-up parses, and prints the throughput and the
duration of each full (generation 2) collection; and, after the warm-up, how many objects the
collector tracks and how long one full collection of them takes. ``--freeze`` first runs
``gc.collect(); gc.freeze()``, as ``kgqp serve`` and ``kgqp parse`` do after loading. Run the
two alternately (one process each; the collector's history decides when a pass comes):

    for r in 1 2 3; do for f in "" --freeze; do
      OMP_NUM_THREADS=1 python bench/gc_pauses.py --bundle ~/.cache/kgqp/bundle $f
    done; done

Timing needs an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _timing import FullCollections  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=Path.home() / ".cache" / "kgqp" / "bundle")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--freeze", action="store_true",
                    help="gc.collect(); gc.freeze() after the load and warm-up")
    args = ap.parse_args()

    from parser.app.threads import freeze_heap
    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    parser = QueryParser.from_pretrained(args.bundle)
    queries = [s.text() for f in ("train", "validation")
               for s in read_conll(args.data / "queryner" / f"{f}.conll")]
    for f in ("train", "dev"):
        with open(args.data / "bestbuy" / f"queries_{f}.jsonl", encoding="utf-8") as fh:
            queries += [json.loads(line)["query"] for line in fh]
    queries = list(dict.fromkeys(queries))
    for q in queries[-200:]:
        parser(q)
    gc.collect()
    tracked = len(gc.get_objects())
    t0 = time.perf_counter()
    gc.collect()
    one_full = time.perf_counter() - t0
    if args.freeze:
        freeze_heap()
    with FullCollections() as full:
        t0 = time.perf_counter()
        n = sum(1 for _ in parser.pipe(queries, batch_size=64))
        seconds = time.perf_counter() - t0
    print(json.dumps({"tracked_after_load": tracked,
                      "one_full_collection_ms": round(one_full * 1e3),
                      "frozen": args.freeze, "n": n, "pipe_qps": round(n / seconds),
                      "full_collections_ms": [round(s * 1e3) for s in full.seconds]}))


if __name__ == "__main__":
    main()
