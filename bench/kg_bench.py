"""KG benchmark: default-KG build, stats, export/import round trip, alias matching and entity
linking speed, and linking quality on QueryNER validation mentions.

    python bench/kg_bench.py --kg /tmp/kgqp-bench-kg [--rebuild] [--samples FILE]

Prints one JSON object; writes 50 sample links (mention, label, best node, score, NIL) to
``--samples`` for review: by default ``kgqp-bench-links_sample.jsonl`` in the temporary
directory (``tempfile.gettempdir()``), never into the repository; the JSON names the file.
Linking figures: every QueryNER validation span whose label links
(``kg.link.DEFAULT_LABEL_KINDS``), timed one mention at a time after a warm-up.

``--kg`` is opened for writing (and built there when it holds no KG yet, or with
``--rebuild``): point it at a KG of its own, not at one a parser or server uses.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg import ProductGraph  # noqa: E402
from kg.build import build_default  # noqa: E402
from kg.link import DEFAULT_LABEL_KINDS  # noqa: E402


def _spans(conll: Path) -> list[tuple[str, str, str]]:
    """(mention, label, query) for every entity span of a CoNLL BIO file."""
    out: list[tuple[str, str, str]] = []
    for block in conll.read_text(encoding="utf-8").split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if line.strip()]
        if not rows:
            continue
        tokens = [r[0] for r in rows]
        query = " ".join(tokens)
        cur: list[str] = []
        label = None
        for tok, tag in ((r[0], r[1] if len(r) > 1 else "O") for r in rows):
            if tag.startswith("B-") or tag == "O" or (tag.startswith("I-") and tag[2:] != label):
                if cur and label:
                    out.append((" ".join(cur), label, query))
                cur, label = ([tok], tag[2:]) if tag != "O" else ([], None)
            else:
                cur.append(tok)
        if cur and label:
            out.append((" ".join(cur), label, query))
    return out


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kg", type=Path, default=Path(tempfile.gettempdir()) / "kgqp-bench-kg")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "queryner" / "validation.conll")
    ap.add_argument("--samples", type=Path,
                    default=Path(tempfile.gettempdir()) / "kgqp-bench-links_sample.jsonl",
                    help="where the 50 sample links go (default: in the temporary directory)")
    args = ap.parse_args()
    res: dict = {}

    t = time.perf_counter()
    build_default(args.kg, force=args.rebuild, progress=False).close()
    res["build_default_s"] = round(time.perf_counter() - t, 2)

    with ProductGraph.open(args.kg) as g:
        res["stats"] = g.stats().to_dict()
        t = time.perf_counter()
        _ = g.alias_index
        res["alias_index_build_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        g.link("warmup")
        res["link_index_build_s"] = round(time.perf_counter() - t, 2)

        # export -> import round trip
        with tempfile.TemporaryDirectory() as tmp:
            ttl = Path(tmp) / "kg.ttl"
            t = time.perf_counter()
            g.export(ttl, format="turtle")
            res["export_turtle_s"] = round(time.perf_counter() - t, 2)
            with ProductGraph.in_memory() as g2:
                t = time.perf_counter()
                g2.import_rdf(ttl)
                res["import_turtle_s"] = round(time.perf_counter() - t, 2)
                res["round_trip"] = {
                    "triples": [g.triple_count, g2.triple_count],
                    "same_hash": g.canonical_hash() == g2.canonical_hash(),
                }

        spans = _spans(args.data)
        queries = sorted({q for _, _, q in spans})
        for q in queries[:50]:
            g.match(q)
        times = []
        for q in queries:
            t = time.perf_counter()
            g.match(q)
            times.append(time.perf_counter() - t)
        res["match_us"] = {"p50": round(_pct(times, 0.5) * 1e6, 1),
                           "p99": round(_pct(times, 0.99) * 1e6, 1), "n": len(times)}

        linkable = [s for s in spans if DEFAULT_LABEL_KINDS.get(s[1])]
        times, results = [], []
        for mention, label, query in linkable:
            t = time.perf_counter()
            r = g.link(mention, label=label, context=query)
            times.append(time.perf_counter() - t)
            results.append((mention, label, r))
        res["link_us_per_mention"] = {
            "mean": round(statistics.fmean(times) * 1e6, 1),
            "p50": round(_pct(times, 0.5) * 1e6, 1), "p99": round(_pct(times, 0.99) * 1e6, 1),
            "n": len(times),
        }
        by_label: dict[str, Counter] = {}
        for _, label, r in results:
            c = by_label.setdefault(label, Counter())
            c["n"] += 1
            if r.best is not None:
                c["linked"] += 1
                c[f"to_{r.best.kind}"] += 1
        res["linked_share_by_label"] = {
            lab: {"n": c["n"], "linked": round(c["linked"] / c["n"], 3),
                  **{k: round(v / c["n"], 3) for k, v in c.items() if k.startswith("to_")}}
            for lab, c in sorted(by_label.items(), key=lambda kv: -kv[1]["n"])
        }
        creator = by_label.get("creator", Counter())
        res["creator_linked_to_brand"] = round(creator["to_brand"] / max(creator["n"], 1), 3)

        rng = random.Random(0)
        sample = rng.sample(results, min(50, len(results)))
        args.samples.parent.mkdir(parents=True, exist_ok=True)
        with open(args.samples, "w", encoding="utf-8") as fh:
            for mention, label, r in sample:
                b = r.best
                fh.write(json.dumps({
                    "mention": mention, "label": label, "nil": r.nil,
                    "best": None if b is None else {"label": b.label, "kind": b.kind,
                                                    "iri": b.iri, "score": round(b.score, 3),
                                                    "match_type": b.match_type},
                    "n_candidates": len(r.candidates),
                }, ensure_ascii=False) + "\n")
        res["samples"] = str(args.samples)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
