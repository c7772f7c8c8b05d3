"""QueryNER validation F1 of the served tagger (ONNX INT8) with and without KG lexicon features.

The quickstart recipe (``QUICKSTART_TAGGER_LAYERS`` layers, ``QUICKSTART_TAGGER_EPOCHS`` epochs)
for one seed: train, ``export_onnx(int8=True)``, evaluate the INT8 ONNX tagger on validation.
With ``--kg`` the tagger is trained as ``kgqp quickstart`` trains it (cross-fold lexicon from that
KG, :func:`parser.tagger.training.train_with_kg`) and served with that KG's matches.

    python bench/tagger_lexicon_f1.py --seed 0 --out /tmp/f1/none-0
    python bench/tagger_lexicon_f1.py --seed 0 --kg ~/.cache/kgqp/kg --out /tmp/f1/kg-0
    python bench/tagger_lexicon_f1.py --seed 0 --kg ~/.cache/kgqp/kg --augment 0.5 \
        --out /tmp/f1/aug-0      # + synthetic queries from the KG (parser.tagger.augment)
    python bench/tagger_lexicon_f1.py --seed 0 --kg ~/.cache/kgqp/kg \
        --teacher /tmp/f1/kg-0 --teacher /tmp/f1/kg-1 --teacher /tmp/f1/kg-2 \
        --unlabelled queries.txt --out /tmp/f1/kd-0   # distilled (parser.tagger.distill)
    python bench/tagger_lexicon_f1.py --seed 0 --kg ~/.cache/kgqp/kg --num-layers 4 \
        --out /tmp/f1/l4-0     # another depth (issue 15 item 4)
    python bench/tagger_lexicon_f1.py --seed 0 --kg ~/.cache/kgqp/kg --no-crf \
        --out /tmp/f1/nocrf-0  # a softmax head instead of the CRF (also --lr, --label-smoothing)

With ``--teacher`` (repeatable: an ensemble) the student is trained by knowledge distillation
(:func:`parser.tagger.distill.distill_with_kg` with ``--kg``), on the training queries and the
unlabelled ones of ``--unlabelled`` (one query per line); with ``--targets FILE`` from the
teachers' probabilities saved by ``kgqp tagger soft-targets`` (as the quickstart distils).

Writes ``OUT/result.json`` (f1, precision, recall, per-type scores) and prints one JSON line.
``--summary DIR`` reads ``DIR/CONDITION-SEED/result.json`` (e.g. ``none-0``, ``kg-1``, ``l4-2``)
and logs the table (mean and spread over seeds per condition, per-label F1 of pairs of them):

    python bench/tagger_lexicon_f1.py --summary /tmp/f1
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("tagger_lexicon_f1")


WEAK_LABELS = ("modifier", "product_name", "department", "shape", "content", "material",
               "creator", "core_product_type", "color", "occasion")


def summary(folder: Path) -> dict:
    """Mean and spread of the ONNX INT8 F1 per condition, and mean per-label F1."""
    import statistics

    by_cond: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*-*/result.json")):  # one pass: CONDITION-SEED folders
        by_cond.setdefault(path.parent.name.rsplit("-", 1)[0], []).append(path)
    out: dict = {}
    for cond in sorted(by_cond):
        runs = [json.loads(p.read_text()) for p in by_cond[cond]]
        f1 = [r["onnx_int8_f1"] for r in runs]
        out[cond] = {
            "seeds": [r["seed"] for r in runs], "f1": f1,
            "mean": statistics.mean(f1), "spread": max(f1) - min(f1),
            "per_type": {t: statistics.mean(r["per_type"].get(t, {}).get("f1", 0.0)
                                            for r in runs) for t in WEAK_LABELS}}
    for cond, r in out.items():
        log.info("%-6s seeds %s F1 %s mean %.4f spread %.4f", cond, r["seeds"],
                 " ".join(f"{x:.4f}" for x in r["f1"]), r["mean"], r["spread"])
    for a_cond, b_cond in (("none", "kg"), ("kg", "kd"), ("l2", "l4"), ("l4", "kd4"), ("l4", "crf"),
                           ("crf", "kdcrf"), ("nokgkdcrf", "kdcrf")):
        if a_cond in out and b_cond in out:
            log.info("per-label F1, %s -> %s", a_cond, b_cond)
            for t in WEAK_LABELS:
                a, b = out[a_cond]["per_type"][t], out[b_cond]["per_type"][t]
                log.info("%-18s %.3f -> %.3f (%+.3f)", t, a, b, b - a)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--summary", type=Path, default=None, help="summarise the runs in DIR")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--kg", type=Path, default=None, help="KG directory: lexicon features on")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--num-layers", type=int, default=None,
                    help="encoder layers of the tagger (default: the quickstart's)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads for training")
    ap.add_argument("--augment", type=float, default=0.0,
                    help="with --kg: synthetic queries from the KG, as a share of train")
    ap.add_argument("--teacher", type=Path, action="append", default=None,
                    help="a trained tagger folder to distil from (repeat: an ensemble)")
    ap.add_argument("--targets", type=Path, default=None,
                    help="distil from the teachers' probabilities saved by `kgqp tagger "
                    "soft-targets` (instead of --teacher)")
    ap.add_argument("--unlabelled", type=Path, default=None,
                    help="with --teacher: unlabelled queries, one per line")
    ap.add_argument("--alpha", type=float, default=0.5, help="with --teacher: KD weight")
    ap.add_argument("--temperature", type=float, default=2.0, help="with --teacher: KD T")
    ap.add_argument("--lr", type=float, default=None, help="encoder learning rate")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--crf", action=argparse.BooleanOptionalAction, default=None,
                    help="a CRF output layer (default: the quickstart's)")
    ap.add_argument("--layer-decay", type=float, default=1.0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.summary is not None:
        sys.stdout.write(json.dumps(summary(args.summary)) + "\n")
        return 0
    if args.seed is None or args.out is None:
        ap.error("--seed and --out are required (or --summary DIR)")
    if args.unlabelled is not None and not args.teacher:
        ap.error("--unlabelled needs --teacher")
    if args.teacher and args.targets:
        ap.error("give --teacher or --targets, not both")

    from parser.app.quickstart import (
        QUICKSTART_TAGGER_CRF,
        QUICKSTART_TAGGER_EPOCHS,
        QUICKSTART_TAGGER_LAYERS,
    )
    from parser.tagger import Tagger, TrainConfig, export_onnx, train
    from parser.tagger.formats import read_data
    from parser.tagger.training import evaluate

    train_path = args.data / "queryner" / "train.conll"
    dev_path = args.data / "queryner" / "validation.conll"
    cfg = TrainConfig(train_path=train_path, dev_path=dev_path, out_dir=args.out,
                      num_layers=args.num_layers or QUICKSTART_TAGGER_LAYERS,
                      num_threads=args.threads,
                      epochs=args.epochs or QUICKSTART_TAGGER_EPOCHS, seed=args.seed,
                      kg_augment=args.augment, label_smoothing=args.label_smoothing,
                      crf=QUICKSTART_TAGGER_CRF if args.crf is None else args.crf,
                      layer_decay=args.layer_decay, progress=False)
    if args.lr is not None:
        cfg.lr = args.lr
    dcfg = None
    if args.teacher or args.targets:
        from parser.tagger.distill import DistillConfig

        dcfg = DistillConfig(teachers=args.teacher or [], alpha=args.alpha,
                             temperature=args.temperature, unlabelled_path=args.unlabelled,
                             targets_path=args.targets)
    t0 = time.perf_counter()
    graph = None
    if args.kg is not None:
        from kg import ProductGraph
        from kg.build import build_base
        from parser.tagger.lexicon import kg_pairs
        from parser.tagger.training import train_with_kg

        graph = ProductGraph.open(args.kg, read_only=True)
        base = build_base(data_dir=args.data)
        pairs = kg_pairs(base)
        base.close()
        if dcfg is not None:
            from parser.tagger.distill import distill_with_kg

            res = distill_with_kg(cfg, dcfg, graph, base=pairs)
        else:
            res = train_with_kg(cfg, graph, base=pairs)
    elif dcfg is not None:
        from parser.tagger.distill import distill

        res = distill(cfg, dcfg)
    else:
        res = train(cfg)
    seconds = time.perf_counter() - t0
    export_onnx(args.out, int8=True)
    tagger = Tagger.from_pretrained(args.out, backend="onnx", int8=True, lexicon=graph)
    scores = evaluate(tagger, read_data(dev_path))
    result = {"seed": args.seed, "kg": str(args.kg) if args.kg else None,
              "num_layers": cfg.num_layers,
              "kg_augment": args.augment, "epochs": cfg.epochs, "lr": cfg.lr,
              "label_smoothing": cfg.label_smoothing, "crf": cfg.crf,
              "layer_decay": cfg.layer_decay,
              "distill": None if dcfg is None else dcfg.to_json(),
              "lexicon_kinds": tagger.config.lexicon_kinds, "torch_best_dev_f1": res.best_f1,
              "best_epoch": res.best_epoch, "train_seconds": round(seconds, 1),
              "onnx_int8_f1": scores["f1"], "precision": scores["precision"],
              "recall": scores["recall"], "per_type": scores["per_type"]}
    (args.out / "result.json").write_text(json.dumps(result, indent=1))
    sys.stdout.write(json.dumps({k: v for k, v in result.items() if k != "per_type"}) + "\n")
    if graph is not None:
        graph.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
