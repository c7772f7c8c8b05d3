"""How far the intent's cross-validation moves under a neutral change: the shipped recipe
(``kgqp fusion evaluate --cv``'s full variant, default heads and training) on the same inputs,
folds and seeds, once as served and once with each training fold's examples handed to
``train_fusion`` in reverse order (the same data, other batches).

A rule that judges a change by the mean of a few seeds needs bounds above this spread.
Prints one JSON object: per order, the lvl0/lvl1 summary and each seed's lvl1.

    python bench/fusion_cv_spread.py --kg /tmp/kg-default --tagger /tmp/val/kd10/kdcrf10-0 \\
        --features /tmp/s14/feat-comp-t0 --cache /tmp/cv/cache --epochs 40

``--features`` is the folder ``kgqp fusion evaluate --cv --features`` wrote (Best Buy
train+dev featurised by that tagger).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _fusion_cv import add_cv_arguments, cv_inputs, shipped_full_cv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cv_arguments(ap)
    ap.add_argument("--cache", type=Path, required=True, help="node embedding cache")
    ap.add_argument("--orders", default="served,reversed",
                    help="comma-separated: served, reversed")
    args = ap.parse_args()

    import fusion.cv as cv

    graph, featurizer, examples, weak = cv_inputs(args)
    served = cv.train_fusion
    out = {}
    for order in args.orders.split(","):
        if order == "reversed":
            cv.train_fusion = lambda c, kg, train, dev, **kw: served(c, kg, train[::-1], dev,
                                                                      **kw)
        elif order != "served":
            ap.error(f"unknown order {order!r}: served or reversed")
        try:
            res = shipped_full_cv(graph, featurizer, examples, weak, args, args.cache)
        finally:
            cv.train_fusion = served
        out[order] = {"summary": res["summary"], "seed_lvl1": res["seed_lvl1"]}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
