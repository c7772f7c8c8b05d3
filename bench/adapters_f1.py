"""Validation F1 of a LoRA adapter against full fine-tuning, on QueryNER and the Chinese
e-commerce set, with the same data, layers, epochs and seed.

Full fine-tuning is `kgqp tagger train`'s recipe (the vocabulary extended with the characters the
backbone lacks); the adapter trains the LoRA matrices, the head and the embedding rows of those
new characters, on the frozen backbone. `--train-n` limits the training
queries (a seeded random subset) to fit a small machine; validation/dev is used whole.

    python bench/adapters_f1.py --train-n 1000 --epochs 5 --out /tmp/kgqp-adapters-f1
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger("bench.adapters_f1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/kgqp-adapters-f1")
    ap.add_argument("--queryner", default=str(ROOT / "data" / "queryner"))
    ap.add_argument("--zh", default=str(ROOT.parent / "shared" / "data" / "zh_ecommerce"))
    ap.add_argument("--sets", nargs="+", default=["en", "zh"])
    ap.add_argument("--modes", nargs="+", default=["full", "lora"])
    ap.add_argument("--train-n", type=int, default=1000)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--lora-lr", type=float, default=2e-3)
    ap.add_argument("--lora-r", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("parser").setLevel(logging.WARNING)

    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.data import read_conll, write_conll
    from parser.tagger.training import TrainConfig, train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    zh = Path(args.zh)
    sets = {"en": (Path(args.queryner) / "train.conll", Path(args.queryner) / "validation.conll"),
            "zh": (zh / "train.txt.bieos", zh / "dev.txt.bieos")}
    results = []
    for name in args.sets:
        tr, dev = sets[name]
        sents = read_conll(tr)
        random.Random(args.seed).shuffle(sents)
        write_conll(out / f"{name}-train.conll", sents[:args.train_n])
        for mode in args.modes:
            t0 = time.perf_counter()
            cfg = TrainConfig(train_path=out / f"{name}-train.conll", dev_path=dev,
                              out_dir=out / f"{name}-{mode}", num_layers=args.layers,
                              epochs=args.epochs, lr=args.lr,
                              head_lr=args.head_lr if mode == "full" else args.lora_lr,
                              batch_size=16, seed=args.seed, patience=args.epochs,
                              num_threads=args.threads, progress=False,
                              adapter=None if mode == "full" else
                              AdapterConfig(market=name, r=args.lora_r, alpha=2 * args.lora_r))
            res = train(cfg)
            rec = {"set": name, "mode": mode, "n_train": min(args.train_n, len(sents)),
                   "f1": round(res.best_f1, 4), "best_epoch": res.best_epoch,
                   "train_seconds": round(time.perf_counter() - t0, 1)}
            logger.info("%s", rec)
            results.append(rec)
            with (out / "results.jsonl").open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
