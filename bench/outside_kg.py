"""Hard category filters, confident intents and expansions on queries outside the KG, and
what the gate costs on real queries.

Issue 16: "an empty or nonsense query gets no hard filter". The parser gives no hard category
filter, no confident intent and no expansions from the intent to a query that links nothing
and has no word of any KG name (:func:`kg.link.outside_kg`). This script parses, with a bundle:

- ``--junk`` seeded random strings (one to three lower-case "words" of 3-8 letters), and
- real queries (``--queries``, JSONL with a ``query`` key and the Best Buy facets: by default
  Best Buy dev, which the quickstart's fusion model does not train on),

- ``--other`` queries of another shop (QueryNER's Amazon validation queries by default), where
  a Best Buy model is often out of its depth,

and reports, for each set, how many queries get a hard category filter, a confident intent and
any expansion, and how many are outside the KG; for the labelled real ones, how many hard
filters name the gold department and how many confident intents the gold lvl1 category; for the
real ones outside the KG, how often their
intent was right (lvl1 and department) and how many hard filters and confident intents the
gate removed (their intent as it would have been: the top category's probability against the
bundle's calibrated thresholds).

    python bench/outside_kg.py --bundle ~/.cache/kgqp/bundle --junk 300 --report outside.json
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def junk_queries(n: int, seed: int = 0) -> list[str]:
    """``n`` strings of one to three random lower-case "words" of 3-8 letters.

    >>> junk_queries(2)
    ['biqpmz plsgq', 'eydtz']
    """
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 8)))

    return [" ".join(word() for _ in range(rng.randint(1, 3))) for _ in range(n)]


def _gold(row: dict) -> tuple[str | None, str | None]:
    facets = row.get("instant_search", {}).get("facets", {}).get("exact_matches", {})

    def best(level: int) -> str | None:
        values = facets.get(f"hierarchicalCategories.lvl{level}") or []
        return max(values, key=lambda v: v["count"])["value"] if values else None

    return best(1), best(0)


def measure(qp, queries: list[str], gold: list[tuple[str | None, str | None]] | None) -> dict:
    """The counts of one query set (see the module docstring)."""
    from kg.link import outside_kg

    th = qp.expander.thresholds if qp.expander is not None else None
    out = {"queries": len(queries), "hard_filter": 0, "confident": 0, "expanded": 0,
           "hard_filter_lvl0_right": 0, "confident_lvl1_right": 0, "outside": 0,
           "outside_with_intent": 0, "outside_lvl1_right": 0, "outside_lvl0_right": 0,
           "gate_removed_hard_filter": 0, "gate_removed_confident": 0, "examples": []}
    for i, text in enumerate(queries):
        q = qp(text)
        out["hard_filter"] += bool(q.filters.get("category"))
        out["confident"] += bool(q.intent and q.intent.confident)
        out["expanded"] += bool(q.expansions)
        if gold is not None and q.intent is not None:
            out["hard_filter_lvl0_right"] += bool(q.filters.get("category")) \
                and q.intent.lvl0 == gold[i][1]
            out["confident_lvl1_right"] += q.intent.confident and q.intent.category == gold[i][0]
        linked = [e for e in q.entities if e.kg_id]
        if not outside_kg(qp.kg, q.normalized, linked):
            continue
        out["outside"] += 1
        if q.intent is None:
            continue
        out["outside_with_intent"] += 1
        if th is not None:
            out["gate_removed_hard_filter"] += q.intent.lvl0_score >= th.hard_filter
            out["gate_removed_confident"] += q.intent.score >= th.intent
        if gold is not None:
            lvl1, lvl0 = gold[i]
            out["outside_lvl1_right"] += q.intent.category == lvl1
            out["outside_lvl0_right"] += q.intent.lvl0 == lvl0
        if len(out["examples"]) < 10:
            out["examples"].append([text, q.intent.category, q.intent.lvl0_score])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, required=True)
    ap.add_argument("--junk", type=int, default=300, help="random strings to parse")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random strings")
    ap.add_argument("--queries", type=Path, default=ROOT / "data/bestbuy/queries_dev.jsonl")
    ap.add_argument("--other", type=Path, default=ROOT / "data/queryner/validation.conll",
                    help="queries of another shop (CoNLL; unlabelled here): QueryNER's "
                    "Amazon queries by default")
    ap.add_argument("--report", type=Path, help="also write the result here (JSON)")
    args = ap.parse_args()

    from parser.pipeline import QueryParser
    from parser.tagger.data import read_conll

    qp = QueryParser.from_pretrained(args.bundle)
    rows = [json.loads(line) for line in args.queries.read_text().splitlines() if line.strip()]
    try:
        out = {"junk": measure(qp, junk_queries(args.junk, args.seed), None),
               "real": measure(qp, [r["query"] for r in rows], [_gold(r) for r in rows]),
               "real_file": str(args.queries),
               "other": measure(qp, list(dict.fromkeys(s.text() for s in read_conll(args.other))),
                                None),
               "other_file": str(args.other)}
    finally:
        qp.kg.close()
    text = json.dumps(out, indent=1)
    print(text)
    if args.report:
        args.report.write_text(text + "\n")


if __name__ == "__main__":
    main()
