"""Unlabelled queries for distillation (``kgqp tagger distill --unlabelled``), from TRAIN splits
only and no QueryNER text.

* Best Buy query suggestions: ``bestbuy/queries_train.jsonl``, field ``query``;
* OA-Mine Amazon product titles, ``oa_mine/train.jsonl`` field ``input``, cut to query length:
  lower-cased, split on whitespace, the characters ``, ; ( ) [ ] "`` stripped from each word's
  ends, empty words dropped, then the first k words, k drawn (``random.Random(seed)``, one draw
  per title in file order) from the word counts of the QueryNER training queries.

Every query is lower-cased and its whitespace collapsed; repeats are dropped (the first kept),
and so are queries equal to a QueryNER validation query. One query per line:

    python bench/unlabelled_queries.py --data ../shared/data --out /tmp/distill/unlabelled.txt
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path


def conll_queries(path: Path) -> list[list[str]]:
    """The word lists of a CoNLL file (first column, blank line between queries)."""
    out: list[list[str]] = []
    cur: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            cur.append(line.split()[0])
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def make(data: Path, *, seed: int = 0) -> tuple[list[str], dict[str, int]]:
    """The queries and counts of where they came from."""
    lengths = [len(q) for q in conll_queries(data / "queryner" / "train.conll")]
    val = {" ".join(q).lower() for q in conll_queries(data / "queryner" / "validation.conll")}
    rng = random.Random(seed)
    raw = [json.loads(line)["query"] for line in
           (data / "bestbuy" / "queries_train.jsonl").read_text(encoding="utf-8").splitlines()
           if line.strip()]
    n_bestbuy = len(raw)
    for line in (data / "oa_mine" / "train.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        words = [w.strip(',;()[]"') for w in json.loads(line)["input"].lower().split()]
        words = [w for w in words if w]
        raw.append(" ".join(words[: rng.choice(lengths)]))
    seen: set[str] = set()
    keep: list[str] = []
    dropped = 0
    for q in raw:
        q = " ".join(q.lower().split())
        if not q or q in seen:
            continue
        seen.add(q)
        if q in val:
            dropped += 1
            continue
        keep.append(q)
    return keep, {"bestbuy": n_bestbuy, "oa_mine": len(raw) - n_bestbuy, "kept": len(keep),
                  "dropped_equal_to_validation": dropped}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the shared data folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    queries, counts = make(args.data, seed=args.seed)
    from kg.io import atomic_write_text

    atomic_write_text(args.out, "".join(q + "\n" for q in queries))
    sys.stdout.write(json.dumps(counts) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
