"""Entity-linking latency: ``kg.link`` over the distinct QueryNER validation mentions.

Reads ``data/queryner/validation.conll`` (BIO), links every distinct (mention, label) with its
query as context on a built KG, after one warm pass, and reports p50/p95/mean microseconds per
mention (target: <= 100 us). Prints the figures and one JSON line.

    .venv/bin/kgqp kg build-default /tmp/link-kg
    .venv/bin/python bench/link_bench.py --kg /tmp/link-kg
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

from kg import ProductGraph
from kg.link import DEFAULT_LABEL_KINDS, EntityLinker

log = logging.getLogger("link_bench")


def mentions(conll: Path) -> list[tuple[str, str, str]]:
    """Distinct (mention, label, query) of a BIO CoNLL file (first query of each mention)."""
    out: dict[tuple[str, str], str] = {}
    for block in conll.read_text(encoding="utf-8").split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if "\t" in line]
        words = [w for w, _ in rows]
        query = " ".join(words)
        span: list[str] = []
        label = ""
        for w, tag in [*rows, ("", "O")]:
            if span and not tag.startswith("I-"):
                out.setdefault((" ".join(span), label), query)
                span = []
            if tag.startswith("B-"):
                span, label = [w], tag[2:]
            elif tag.startswith("I-") and span:
                span.append(w)
    return [(m, lab, q) for (m, lab), q in out.items()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kg", type=Path, required=True)
    ap.add_argument("--conll", type=Path, default=Path("data/queryner/validation.conll"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    items = [(m, lab, q) for m, lab, q in mentions(args.conll) if lab in DEFAULT_LABEL_KINDS]
    with ProductGraph.open(args.kg, read_only=True) as g:
        linker = EntityLinker(g)
        t0 = time.perf_counter()
        for m, lab, q in items:  # warm: builds the index and node table
            linker.link(m, label=lab, context=q)
        warm = time.perf_counter() - t0
        times = []
        linked = 0
        for _ in range(args.repeat):
            for m, lab, q in items:
                t = time.perf_counter_ns()
                r = linker.link(m, label=lab, context=q)
                times.append((time.perf_counter_ns() - t) / 1000)
                linked += not r.nil
    times.sort()
    res = {"mentions": len(items), "repeat": args.repeat,
           "p50_us": round(times[len(times) // 2], 1),
           "p95_us": round(times[int(len(times) * 0.95)], 1),
           "mean_us": round(statistics.fmean(times), 1), "max_us": round(times[-1], 1),
           "linked_share": round(linked / len(times), 3), "first_pass_s": round(warm, 2)}
    log.info("%d distinct mentions x %d: p50 %.1f us, p95 %.1f us, mean %.1f us (first pass "
             "with the build %.2f s)", len(items), args.repeat, res["p50_us"], res["p95_us"],
             res["mean_us"], warm)
    log.info(json.dumps(res))


if __name__ == "__main__":
    main()
