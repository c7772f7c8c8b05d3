"""Brand filters against the hand-judged link gold: how many brand links become hard filters,
and how many of those name the right brand.

A hard brand filter that names the wrong brand (or one the store sells nothing under) empties
the results of an engine that ANDs it, so expansion makes one only for a brand the query asks
for and the store sells (:func:`fusion.expand.expand`; the others become UP/DOWN boosts). This
script links the gold's brand (``creator``) mentions with the linker cross-validated as
``kgqp kg link-eval`` does (fit on 4 folds, link the held one; ``--seed`` sets the folds), runs
each linked brand through :func:`fusion.expand.expand` with its query (no intent: the brand
decision alone) and the label space of a bundle's fusion model, and reports per seed:

- ``linked``: brand links (right / all: the linker's precision on brands);
- ``filters``: brand links that become hard filters, and the share naming the gold brand;
- ``boosts``: those that become boosts, with the share naming the gold brand.

    python bench/brand_filters.py --kg ~/.cache/kgqp/kg --bundle ~/.cache/kgqp/bundle \\
        --seeds 0 1 2 --report brand_filters.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOLD = (ROOT / "data" / "eval" / "link_gold_queryner.jsonl",
        ROOT / "data" / "eval" / "link_gold_bestbuy.jsonl")


def main() -> None:
    from fusion.expand import ExpansionConfig, expand
    from fusion.model import FusionModel
    from fusion.types import LinkedEntity
    from kg import ProductGraph
    from kg import link_eval as le
    from kg.link import EntityLinker, LinkerConfig

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kg", required=True)
    ap.add_argument("--bundle", type=Path, required=True,
                    help="bundle whose fusion model gives the label space (the store)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--report", type=Path, default=None)
    args = ap.parse_args()

    kg = ProductGraph.open(args.kg, read_only=True)
    model = FusionModel.from_pretrained(args.bundle / "fusion", kg=kg)
    departments = model.context.taxonomy if model.context is not None else model.lvl0_labels
    gold = le.load_gold(*GOLD)
    brands = [i for i, g in enumerate(gold) if g.label == "creator"]
    config = LinkerConfig()
    report: dict[str, dict] = {}
    cases: list[dict] = []
    for seed in args.seeds:
        # the weights link-eval fits on each fold's other folds
        cv = le.cross_validate(kg, gold, k=args.folds, config=config, seed=seed)
        fold = le.folds_by_query(gold, args.folds, seed=seed)
        counts = {"mentions": len(brands), "linked": 0, "linked_right": 0, "filters": 0,
                  "filters_right": 0, "boosts": 0, "boosts_right": 0}
        for f, w in enumerate(cv.fold_weights):
            linker = EntityLinker(kg, replace(config, weights=w, nil_threshold=w.threshold))
            for i in brands:
                g = gold[i]
                if fold[i] != f:
                    continue
                best = linker.link(g.mention, label=g.label, context=g.query).best
                if best is None:
                    continue
                right = g.correct(best.iri)
                counts["linked"] += 1
                counts["linked_right"] += right
                if str(getattr(best.kind, "value", best.kind)) != "brand":
                    continue
                ent = LinkedEntity(best.iri, "brand", min(best.score, 1.0), g.label, g.mention)
                res = expand(kg, [ent], None, query=g.query, departments=departments,
                             config=ExpansionConfig())
                filtered = bool(res.filters.brand)
                key = "filters" if filtered else "boosts"
                counts[key] += 1
                counts[key + "_right"] += right
                if seed == args.seeds[0]:
                    cases.append({"id": g.id, "query": g.query, "mention": g.mention,
                                  "linked": best.iri, "right": right, "filter": filtered,
                                  "boost": [b.rule for b in res.boosts]})
        counts["filter_precision"] = round(counts["filters_right"] / max(counts["filters"], 1), 4)
        counts["link_precision"] = round(counts["linked_right"] / max(counts["linked"], 1), 4)
        report[str(seed)] = counts
        print(f"seed {seed}: {counts}")
    if args.report is not None:
        args.report.write_text(json.dumps({"seeds": report, "cases": cases}, indent=1,
                                          ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
