"""How much of QueryNER's gold mentions the KG names: exact alias matches of a compatible kind.

For each gold mention of a label below, the mention's normalised text must be a key of the KG's
alias index with at least one candidate of a compatible kind (creator -> brand,
core_product_type -> product_type or category, color / material / department / shape /
occasion -> an attribute value of that attribute).

    python bench/kg_coverage.py --kg /tmp/kg-before --kg /tmp/kg-after
    python bench/kg_coverage.py --kg ~/.cache/kgqp/kg --data data/queryner/validation.conll

Prints one line per KG and label, and one JSON line per KG.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("kg_coverage")

#: label -> compatible (kind, attribute) pairs (attribute None: any)
COMPATIBLE: dict[str, tuple[tuple[str, str | None], ...]] = {
    "creator": (("brand", None),),
    "core_product_type": (("product_type", None), ("category", None)),
    "color": (("attribute_value", "color"),),
    "material": (("attribute_value", "material"),),
    "department": (("attribute_value", "department"),),
    "shape": (("attribute_value", "shape"),),
    "occasion": (("attribute_value", "occasion"),),
}


def coverage(graph, sentences) -> dict[str, dict[str, float]]:
    from kg.index import normalize_key

    index = graph.alias_index
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for s in sentences:
        text = s.text()
        for sp in s.spans():
            want = COMPATIBLE.get(sp.label)
            if want is None:
                continue
            total[sp.label] += 1
            cands = index.candidates(normalize_key(text[sp.start:sp.end]))
            if any(str(c.kind) == k and (a is None or c.attribute == a)
                   for c in cands for k, a in want):
                hit[sp.label] += 1
    return {label: {"mentions": total[label], "covered": hit[label],
                    "share": round(hit[label] / total[label], 4) if total[label] else 0.0}
            for label in COMPATIBLE}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kg", type=Path, action="append", required=True)
    ap.add_argument("--data", type=Path, default=ROOT / "data/queryner/validation.conll")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from kg import ProductGraph
    from parser.tagger.formats import read_data

    sentences = read_data(args.data)
    for path in args.kg:
        with ProductGraph.open(path, read_only=True) as graph:
            cov = coverage(graph, sentences)
        for label, c in cov.items():
            log.info("%s %-18s %4d / %4d = %.1f%%", path, label, c["covered"], c["mentions"],
                     100 * c["share"])
        sys.stdout.write(json.dumps({"kg": str(path), "coverage": cov}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
