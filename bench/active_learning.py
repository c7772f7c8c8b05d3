"""Active vs random selection of queries to label, simulated on QueryNER.

QueryNER train is the unlabelled pool (its gold tags are revealed when a query is "labelled"),
validation scores each model (strict entity F1, seqeval, the best epoch of each run as
`kgqp tagger train` keeps it). Per seed: the same `--start` random queries start both curves;
random adds `--step` random queries per round up to `--random-max`; active adds the `--step`
queries that `parser.learn.select` picks with the model of the round before (tag uncertainty
and diversity over k-means clusters of the query embeddings; no KG signals, since the default
KG holds names mined from these very training annotations, and no frequencies, which QueryNER
lacks). Every model is trained from the backbone with the same small recipe.

Each finished run is appended to OUT/results.jsonl (resumable: runs already there are not
repeated); the table and the plot are made from that file::

    python bench/active_learning.py --seeds 0 --out /tmp/kgqp-al
    python bench/active_learning.py --seeds 0 --out /tmp/kgqp-al \\
        --report docs/img/active_learning.png

The held-out QueryNER test split is never read.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger("bench.active_learning")


def _train(sents, idx, dev: Path, work: Path, args, seed: int) -> dict:
    from parser.tagger.data import write_conll
    from parser.tagger.training import TrainConfig, train

    work.mkdir(parents=True, exist_ok=True)
    write_conll(work / "train.conll", [sents[i] for i in idx])
    t0 = time.perf_counter()
    res = train(TrainConfig(train_path=work / "train.conll", dev_path=dev, out_dir=work / "model",
                            num_layers=args.layers, epochs=args.epochs, lr=args.lr,
                            head_lr=args.head_lr, batch_size=args.batch_size, seed=seed,
                            patience=args.epochs, num_threads=args.threads, progress=False))
    return {"f1": round(res.best_f1, 4), "best_epoch": res.best_epoch,
            "train_seconds": round(time.perf_counter() - t0, 1)}


def _select_active(sents, labelled: list[int], model_dir: Path, n: int, seed: int,
                   threads: int) -> list[int]:
    import torch

    from parser.learn import LogQuery, SelectionConfig, score_queries, select
    from parser.tagger import Tagger

    torch.set_num_threads(threads)
    tagger = Tagger.from_pretrained(model_dir)
    taken = set(labelled)
    by_text: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        if i not in taken:
            by_text.setdefault(" ".join(s.text().casefold().split()), []).append(i)
    pool = [LogQuery(sents[ids[0]].text()) for ids in by_text.values()]
    t0 = time.perf_counter()
    sigs = score_queries(tagger, pool, batch_size=128)
    cfg = SelectionConfig(w_nil=0.0, w_disagreement=0.0, w_frequency=0.0, seed=seed)
    picked = select(sigs, n, config=cfg)
    logger.info("scored %d pool queries and selected %d in %.0f s", len(pool), len(picked),
                time.perf_counter() - t0)
    return [by_text[" ".join(p.signals.text.casefold().split())][0] for p in picked]


def run(args) -> None:
    from parser.tagger.data import read_conll

    data = Path(args.data)
    pool = read_conll(data / "train.conll")
    dev = data / "validation.conll"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = {}
    if results.is_file():
        for line in results.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            done[(r["seed"], r["arm"], r["n_labels"])] = r

    def record(rec: dict) -> None:
        with results.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
        done[(rec["seed"], rec["arm"], rec["n_labels"])] = rec
        logger.info("seed %d %-6s %5d labels: F1 %.4f (%.0f s)", rec["seed"], rec["arm"],
                    rec["n_labels"], rec["f1"], rec["train_seconds"])

    for seed in args.seeds:
        order = list(range(len(pool)))
        random.Random(seed).shuffle(order)
        start = order[:args.start]
        sizes = list(range(args.start, args.random_max + 1, args.step))
        arms = list(args.arms)
        if "active" in arms:
            labelled = list(start)
            for r in range(args.rounds + 1):
                n = args.start + r * args.step
                work = out / f"seed{seed}" / f"active_{n}"
                if r < args.rounds and (seed, "active", n + args.step) in done:
                    continue  # resumed: a later round is recorded
                prev = done.get((seed, "active", n))
                if prev is not None and ((work / "model").is_dir() or r == args.rounds):
                    labelled = prev["labelled"]
                else:
                    if n == args.start and (seed, "random", n) in done and \
                            (out / f"seed{seed}" / f"random_{n}" / "model").is_dir():
                        shutil.copytree(out / f"seed{seed}" / f"random_{n}", work,
                                        dirs_exist_ok=True)
                        rec = dict(done[(seed, "random", n)], arm="active")
                    else:
                        rec = {"seed": seed, "arm": "active", "n_labels": n,
                               **_train(pool, labelled, dev, work, args, seed)}
                    rec["labelled"] = list(labelled)
                    record(rec)
                if r < args.rounds:
                    labelled = labelled + _select_active(pool, labelled, work / "model",
                                                         args.step, seed, args.threads)
                prev_work = out / f"seed{seed}" / f"active_{n - args.step}"
                if r > 0 and prev_work.is_dir():
                    shutil.rmtree(prev_work, ignore_errors=True)
        if "random" in arms:
            for n in sizes:
                if (seed, "random", n) in done:
                    continue
                if n == args.start and (seed, "active", n) in done:
                    rec = dict(done[(seed, "active", n)], arm="random")
                    record(rec)
                    continue
                work = out / f"seed{seed}" / f"random_{n}"
                rec = {"seed": seed, "arm": "random", "n_labels": n,
                       **_train(pool, order[:n], dev, work, args, seed)}
                record(rec)
                if n != args.start:
                    shutil.rmtree(work, ignore_errors=True)


def report(out: Path, png: Path | None, random_max: int,
           seeds: list[int] | None = None) -> str:
    """A markdown table (mean F1 per label budget over ``seeds``, default all run) and the
    plot."""
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    if seeds is not None:
        rows = [r for r in rows if r["seed"] in seeds]
    by: dict[tuple[str, int], list[float]] = {}
    for r in rows:
        by.setdefault((r["arm"], r["n_labels"]), []).append(r["f1"])
    sizes = sorted({n for _, n in by})
    seeds = sorted({r["seed"] for r in rows})
    lines = [f"| labels | random F1 | active F1 | (mean over seeds {seeds}; "
             "per-seed values in brackets) |", "|---:|---:|---:|---|"]

    def cell(arm: str, n: int) -> str:
        v = by.get((arm, n))
        if not v:
            return "not run"
        return f"{sum(v) / len(v):.4f}" + (f" [{', '.join(f'{x:.4f}' for x in v)}]"
                                             if len(v) > 1 else "")

    for n in sizes:
        lines.append(f"| {n} | {cell('random', n)} | {cell('active', n)} | |")
    target = by.get(("random", random_max))
    if target:
        goal = sum(target) / len(target)
        reached = [n for n in sizes if by.get(("active", n))
                   and sum(by[("active", n)]) / len(by[("active", n)]) >= goal]
        lines.append("")
        lines.append(f"Random selection with {random_max} labels: F1 {goal:.4f}. Active "
                     "selection reaches it with " + (f"{reached[0]} labels." if reached else
                                                    "none of the budgets run."))
    if png is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.2), dpi=120)
        for arm, style in (("random", "o--"), ("active", "s-")):
            xs = [n for n in sizes if (arm, n) in by]
            ax.plot(xs, [sum(by[(arm, n)]) / len(by[(arm, n)]) for n in xs], style, label=arm)
        ax.set_xlabel("labelled queries")
        ax.set_ylabel("validation entity F1")
        ax.set_title(f"QueryNER, active vs random (seeds {seeds})")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        png.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(png)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "queryner"),
                    help="folder with train.conll and validation.conll")
    ap.add_argument("--out", default="/tmp/kgqp-al")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--arms", nargs="+", default=["active", "random"])
    ap.add_argument("--start", type=int, default=500)
    ap.add_argument("--step", type=int, default=250)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--random-max", type=int, default=2000)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--report", default=None, metavar="PNG",
                    help="only print the table of OUT/results.jsonl and write the plot")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("parser").setLevel(logging.WARNING)
    if args.report:
        print(report(Path(args.out), Path(args.report), args.random_max, args.seeds))
        return
    run(args)
    print(report(Path(args.out), None, args.random_max, args.seeds))


if __name__ == "__main__":
    main()
