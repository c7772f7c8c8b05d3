"""Validation F1 of a LoRA adapter against full fine-tuning, on QueryNER and the Chinese
e-commerce set, with the same data, layers, epochs and seeds.

Full fine-tuning is `kgqp tagger train`'s recipe (the vocabulary extended with the characters the
backbone lacks); the adapter trains the LoRA matrices, the head and the embedding rows of those
new characters, on the frozen backbone. Both arms keep their best epoch by validation/dev F1.
`--train-n` limits the training queries (a seeded random subset) to fit a small machine; `0`
(the default) trains on the whole training set; validation/dev is used whole.

Each finished run is appended to OUT/results.jsonl (resumable: a (seed, set, mode) already there
is not run again); `--summary` prints mean and spread per set and mode from that file.

    python bench/adapters_f1.py --train-n 0 --epochs 4 --seeds 0 1 2 --out /tmp/kgqp-adapters-f1
    python bench/adapters_f1.py --out /tmp/kgqp-adapters-f1 --summary
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import append_record, read_records  # noqa: E402

logger = logging.getLogger("bench.adapters_f1")


def train_subset(sents: list[Any], n: int, seed: int) -> list[Any]:
    """A seeded random subset of ``n`` training sentences; ``n <= 0`` (or more than there are)
    keeps all of them, in the seed's order."""
    sents = list(sents)
    random.Random(seed).shuffle(sents)
    return sents if n <= 0 else sents[:n]


def summarize(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (set, mode): the F1 of each seed, their mean, sample standard deviation and range;
    per set with both modes, the adapter's mean minus full fine-tuning's (in F1 points)."""
    groups: dict[tuple[str, str], dict[int, float]] = {}
    for r in records:
        groups.setdefault((r["set"], r["mode"]), {})[r.get("seed", 0)] = r["f1"]
    rows = []
    for (name, mode), by_seed in sorted(groups.items()):
        f1s = [by_seed[s] for s in sorted(by_seed)]
        rows.append({"set": name, "mode": mode, "seeds": sorted(by_seed), "f1": f1s,
                     "mean": statistics.fmean(f1s),
                     "std": statistics.stdev(f1s) if len(f1s) > 1 else 0.0,
                     "min": min(f1s), "max": max(f1s)})
    means = {(r["set"], r["mode"]): r["mean"] for r in rows}
    for r in rows:
        if r["mode"] != "full" and (r["set"], "full") in means:
            r["diff_points"] = 100 * (r["mean"] - means[(r["set"], "full")])
    return rows


def format_summary(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["| set | mode | seeds | F1 per seed | mean | std | min-max | vs full (points) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        diff = f"{r['diff_points']:+.2f}" if "diff_points" in r else ""
        lines.append(f"| {r['set']} | {r['mode']} | {' '.join(map(str, r['seeds']))} | "
                     f"{' '.join(f'{f:.4f}' for f in r['f1'])} | {r['mean']:.4f} | "
                     f"{r['std']:.4f} | {r['min']:.4f}-{r['max']:.4f} | {diff} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/kgqp-adapters-f1")
    ap.add_argument("--queryner", default=str(ROOT / "data" / "queryner"))
    ap.add_argument("--zh", default=str(ROOT.parent / "shared" / "data" / "zh_ecommerce"))
    ap.add_argument("--sets", nargs="+", default=["en", "zh"])
    ap.add_argument("--modes", nargs="+", default=["full", "lora"])
    ap.add_argument("--train-n", type=int, default=0,
                    help="training queries per set, a seeded random subset (0: all)")
    ap.add_argument("--backbone", default=None,
                    help="backbone folder (default: the offline MiniLM)")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--lora-lr", type=float, default=2e-3)
    ap.add_argument("--lora-r", type=int, default=8)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--summary", action="store_true",
                    help="only print mean and spread per set and mode of OUT/results.jsonl")
    args = ap.parse_args()
    out = Path(args.out)
    results_path = out / "results.jsonl"
    if args.summary:
        print(format_summary(summarize(read_records(results_path))))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("parser").setLevel(logging.WARNING)
    logging.getLogger("parser.tagger.training").setLevel(logging.INFO)  # one line per epoch

    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.data import read_conll, write_conll
    from parser.tagger.training import TrainConfig, train

    out.mkdir(parents=True, exist_ok=True)
    done = {(r.get("seed", 0), r["set"], r["mode"]) for r in read_records(results_path)}
    zh = Path(args.zh)
    sets = {"en": (Path(args.queryner) / "train.conll", Path(args.queryner) / "validation.conll"),
            "zh": (zh / "train.txt.bieos", zh / "dev.txt.bieos")}
    results = []
    train_sets = {name: read_conll(sets[name][0]) for name in args.sets}
    for seed in args.seeds:
        for name in args.sets:
            dev = sets[name][1]
            sents = train_subset(train_sets[name], args.train_n, seed)
            run_dir = out / f"seed{seed}"
            run_dir.mkdir(parents=True, exist_ok=True)
            write_conll(run_dir / f"{name}-train.conll", sents)
            for mode in args.modes:
                if (seed, name, mode) in done:
                    logger.info("seed %d %s %s: already in %s", seed, name, mode, results_path)
                    continue
                t0 = time.perf_counter()
                cfg = TrainConfig(train_path=run_dir / f"{name}-train.conll", dev_path=dev,
                                  out_dir=run_dir / f"{name}-{mode}", backbone=args.backbone,
                                  num_layers=args.layers,
                                  epochs=args.epochs, lr=args.lr,
                                  head_lr=args.head_lr if mode == "full" else args.lora_lr,
                                  batch_size=16, seed=seed, patience=args.epochs,
                                  num_threads=args.threads, progress=False,
                                  adapter=None if mode == "full" else
                                  AdapterConfig(market=name, r=args.lora_r,
                                                alpha=2 * args.lora_r))
                res = train(cfg)
                rec = {"seed": seed, "set": name, "mode": mode, "n_train": len(sents),
                       "epochs": args.epochs, "layers": args.layers,
                       "lr": args.lr if mode == "full" else None,
                       "head_lr": args.head_lr if mode == "full" else args.lora_lr,
                       "lora_r": args.lora_r if mode == "lora" else None,
                       "f1": round(res.best_f1, 4), "best_epoch": res.best_epoch,
                       "dev_f1_per_epoch": [round(h["dev_f1"], 4) for h in res.history],
                       "train_seconds": round(time.perf_counter() - t0, 1)}
                logger.info("%s", rec)
                results.append(rec)
                append_record(results_path, rec)
    print(json.dumps(results, indent=2))
    print(format_summary(summarize(read_records(results_path))))


if __name__ == "__main__":
    main()
