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

from _fusion_cv import add_cv_arguments, cv_inputs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cv_arguments(ap)
    ap.add_argument("--cache", type=Path, required=True, help="node embedding cache")
    ap.add_argument("--orders", default="served,reversed",
                    help="comma-separated: served, reversed")
    args = ap.parse_args()

    import fusion.cv as cv
    from fusion import FusionConfig
    from fusion.gnn import GNNConfig, compute_node_embeddings
    from fusion.labels import embed_label_names
    from fusion.text import get_text_encoder
    from fusion.train import DEFAULT_HIDDEN_DIM, DEFAULT_MEMBERS, TrainConfig

    graph, featurizer, examples, weak = cv_inputs(args)
    label_text = embed_label_names(sorted({ex.lvl1 for ex in examples}), featurizer, graph)
    emb = compute_node_embeddings(graph, text_encoder=get_text_encoder("minilm"),
                                  config=GNNConfig(steps=100, seed=0), cache_dir=args.cache)
    config = cv.CVConfig(folds=args.folds, seeds=tuple(range(args.seeds)), variants=("full",),
                         train=TrainConfig(epochs=args.epochs),
                         fusion=FusionConfig(text_dim=featurizer.dim, members=DEFAULT_MEMBERS,
                                             hidden_dim=DEFAULT_HIDDEN_DIM))
    served = cv.train_fusion
    out = {}
    for order in args.orders.split(","):
        if order == "reversed":
            cv.train_fusion = lambda c, kg, train, dev, **kw: served(c, kg, train[::-1], dev,
                                                                      **kw)
        elif order != "served":
            ap.error(f"unknown order {order!r}: served or reversed")
        try:
            rep = cv.cross_validate(examples, config=config, kg=graph, label_text=label_text,
                                    weak=weak, node_embeddings=emb, progress=True).to_dict()
        finally:
            cv.train_fusion = served
        per: dict[int, list[float]] = {}
        for r in rep["runs"]:
            acc = per.setdefault(r["seed"], [0.0, 0.0])
            acc[0] += r["lvl1_accuracy"] * r["n"]
            acc[1] += r["n"]
        out[order] = {"summary": rep["summary"]["full"],
                      "seed_lvl1": {s: round(a / n, 4) for s, (a, n) in sorted(per.items())}}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
