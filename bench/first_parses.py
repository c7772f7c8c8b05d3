"""The first parses after a bundle loads: the slowest, p99 and how many take over 50 ms.

Loads the bundle (``QueryParser.from_pretrained``, with its warm-up), then parses every distinct
QueryNER validation query once, in order, and prints the load time and the latency of those
first parses: a stage that builds a table of the whole KG the first time a query needs it
makes that query slow. ``--after-commit KG`` loads the bundle on a copy of the KG folder ``KG``
(made in a temporary folder, removed afterwards), commits one new brand to it and times the
parses after that commit instead (``commit_s``: the commit, with the views it brings forward).
``gc_full_ms``: the garbage collector's full passes during the parses (each stops the parse it
falls in: 0.4-0.7 s with a loaded parser's heap unfrozen), and ``max_without_gc_full_ms`` the
slowest parse that none fell in; ``first_ms`` the first parse. ``--read-only`` (with
``--after-commit``) parses through a read-only handle and commits through a writer's, as a
reader beside another process's writer: the reader's first parse after the commit brings its
views forward. ``--gc-freeze`` freezes the heap after the load, as
``kgqp serve`` and ``kgqp parse`` do (:func:`parser.app.threads.freeze_heap`).
The script reads only public names, so a copy of it (with ``bench/_timing.py``) times an older
checkout (032b9d5 or later: ``parser.app.threads.freeze_heap``) the same way:

    OMP_NUM_THREADS=1 python bench/first_parses.py --bundle ~/.cache/kgqp/bundle
    OMP_NUM_THREADS=1 python bench/first_parses.py --bundle ~/.cache/kgqp/bundle \
        --after-commit ~/.cache/kgqp/kg

Timing needs an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
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
    ap.add_argument("--after-commit", type=Path, metavar="KG",
                    help="time the parses after one commit to a copy of this KG folder")
    ap.add_argument("--read-only", action="store_true",
                    help="with --after-commit: the parser reads the KG through a read-only "
                         "handle and the commit is made through a writer's handle, as by "
                         "another process (a loader beside a reader): the first parse after "
                         "it brings the reader's views forward")
    ap.add_argument("--gc-freeze", action="store_true",
                    help="freeze the heap after the load (gc.collect(); gc.freeze()), as the "
                         "service and the batch command do")
    args = ap.parse_args()

    from parser.app.threads import freeze_heap
    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    out: dict = {}
    kg = writer = tmp = None
    if args.after_commit is not None:
        from kg import ProductGraph
        from kg.schema import Node, NodeKind

        tmp = Path(tempfile.mkdtemp(prefix="kgqp-first-parses-"))
        shutil.copytree(args.after_commit, tmp / "kg")
        kg = writer = ProductGraph.open(tmp / "kg")
        if args.read_only:
            kg = ProductGraph.open(tmp / "kg", read_only=True)
    t0 = time.perf_counter()
    parser = QueryParser.from_pretrained(args.bundle, kg=kg)
    out["load_s"] = round(time.perf_counter() - t0, 2)
    if args.gc_freeze:
        freeze_heap()
    if kg is not None:
        t0 = time.perf_counter()
        with writer.transaction(message="bench/first_parses.py") as tx:
            tx.add_node(Node(NodeKind.BRAND, "quokkatronics", "Quokkatronics"))
        out["commit_s"] = round(time.perf_counter() - t0, 2)
    queries = list(dict.fromkeys(
        s.text() for s in read_conll(args.data / "queryner" / "validation.conll")))
    in_full: list[bool] = []  # per parse: whether a full collection ran in it
    times = []
    with FullCollections() as full:
        for q in queries:
            n_full = len(full.seconds)
            t0 = time.perf_counter()
            parser(q)
            times.append((time.perf_counter() - t0) * 1e3)
            in_full.append(len(full.seconds) > n_full)
    ranked = sorted(times)
    slowest = max(range(len(times)), key=times.__getitem__)
    out.update({"n": len(times), "first_ms": round(times[0], 1),
                "p50_ms": round(ranked[len(ranked) // 2], 2),
                "p99_ms": round(ranked[int(0.99 * len(ranked))], 2),
                "max_ms": round(ranked[-1], 1), "slowest": queries[slowest],
                "over_50_ms": sum(t > 50 for t in times),
                "gc_full_ms": [round(t * 1e3, 1) for t in full.seconds],
                "max_without_gc_full_ms": round(max(
                    (t for t, f in zip(times, in_full, strict=True) if not f), default=0.0), 1)})
    print(json.dumps(out))
    if kg is not None:
        kg.close()
        if writer is not kg:
            writer.close()
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
