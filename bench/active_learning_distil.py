"""Self-distillation on the unlabelled pool, on top of a finished active-learning simulation.

A search team that labels a few hundred queries of its log also holds the rest of the log,
unlabelled. This script asks what distilling a model's own predictions on those queries adds to
each arm of ``bench/active_learning.py``, at the label budgets issue 18 compares (active at
1,250 labels, random at 2,000). For each seed and each ``--arm NAME:N`` of the simulation in
``--sim``:

1. the labelled queries: the arm's recorded picks (``labelled`` in SIM/results.jsonl), or, for
   ``random``, the first N of the seed's shuffled pool, exactly as the simulation drew them;
2. a teacher trained on them alone with a softmax output layer (the recipe of the simulation:
   ``--layers``, ``--epochs``, lr, batch; distillation needs a per-word distribution, which a
   CRF layer does not give);
3. a student of the simulation's own kind (``--crf`` for a simulation run with ``--crf``),
   trained from the backbone on the labelled queries plus ``--unlabelled`` U queries of the
   rest of the pool, by :func:`parser.tagger.distill.distill` with its defaults (alpha 0.5,
   temperature 2): the gold labels' cross-entropy and the teacher's soft labels on the
   labelled queries, the soft labels alone on the unlabelled ones.

The U unlabelled queries are drawn per seed from one fixed shuffle of the pool (seed + 1000),
skipping the arm's labelled ones, so both arms of a seed read nearly the same log. They are
never labelled: the label count stays N. Every model is scored on QueryNER validation (strict
entity F1, the best epoch, as in the simulation); the held-out test split is never read. Runs
go to OUT/results.jsonl (resumable) and the table compares, per arm, the simulation's recorded
F1, the teacher's and the student's::

    python bench/active_learning_distil.py --sim /tmp/kgqp-al-crf --crf --seeds 0 2 \\
        --arm active-sum_margin-c0:1250 --arm random:2000 --out /tmp/kgqp-al-kd
    python bench/active_learning_distil.py --sim /tmp/kgqp-al-crf --seeds 0 1 2 \\
        --arm active-sum_margin-c0:1250 --arm random:2000 --out /tmp/kgqp-al-kd --report \\
        --plot al-distil.png
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import append_record, read_records  # noqa: E402

logger = logging.getLogger("bench.active_learning_distil")

#: the shuffle of the pool the unlabelled queries are drawn from is seeded with seed + this
UNLABELLED_SEED_OFFSET = 1000


def labelled_set(sim: list[dict], pool_size: int, seed: int, arm: str, n: int) -> list[int]:
    """The pool indices the simulation labelled for ``arm`` at ``n`` labels on ``seed``.

    >>> labelled_set([], 10, 0, "random", 3) == [7, 8, 1]
    True
    >>> labelled_set([{"seed": 0, "arm": "a", "n_labels": 2, "labelled": [4, 2]}], 10, 0, "a", 2)
    [4, 2]
    """
    if arm == "random":  # bench/active_learning.py's draw
        from active_learning import pool_order

        return pool_order(pool_size, seed)[:n]
    for r in sim:
        if (r["seed"], r["arm"], r["n_labels"]) == (seed, arm, n) and "labelled" in r:
            return list(r["labelled"])
    raise SystemExit(f"the simulation has no picks of arm {arm!r} at {n} labels for seed {seed}")


def unlabelled_set(pool_size: int, seed: int, labelled: list[int], u: int) -> list[int]:
    """``u`` pool indices outside ``labelled``, from the seed's fixed unlabelled shuffle.

    >>> unlabelled_set(10, 0, [1, 2], 3) == [i for i in _order(10, 0) if i not in (1, 2)][:3]
    True
    """
    taken = set(labelled)
    return [i for i in _order(pool_size, seed) if i not in taken][:u]


def _order(pool_size: int, seed: int) -> list[int]:
    order = list(range(pool_size))
    random.Random(seed + UNLABELLED_SEED_OFFSET).shuffle(order)
    return order


def run(args) -> None:
    from active_learning import recipe

    from parser.tagger.data import read_conll, write_conll
    from parser.tagger.distill import DistillConfig, distill
    from parser.tagger.training import train

    data = Path(args.data)
    pool = read_conll(data / "train.conll")
    dev = data / "validation.conll"
    sim = read_records(Path(args.sim) / "results.jsonl")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = {(r["seed"], r["arm"], r["n_labels"], r["model"]) for r in read_records(results)}
    for seed in args.seeds:
        for spec in args.arm:
            arm, n = spec.rsplit(":", 1)
            n = int(n)
            if (seed, arm, n, "student") in done:
                continue
            labelled = labelled_set(sim, len(pool), seed, arm, n)
            unl = unlabelled_set(len(pool), seed, labelled, args.unlabelled)
            work = out / f"seed{seed}" / f"{arm}_{n}"
            work.mkdir(parents=True, exist_ok=True)
            write_conll(work / "train.conll", [pool[i] for i in labelled])
            (work / "unlabelled.txt").write_text(
                "".join(" ".join(pool[i].tokens) + "\n" for i in unl), encoding="utf-8")
            base = {"seed": seed, "arm": arm, "n_labels": n, "unlabelled": len(unl),
                    "crf": args.crf, "epochs": args.epochs, "layers": args.layers}
            teacher = work / "teacher"
            if (seed, arm, n, "teacher") not in done or not (teacher / "config.json").is_file():
                t0 = time.perf_counter()
                shutil.rmtree(teacher, ignore_errors=True)
                res = train(recipe(args, work / "train.conll", dev, teacher, seed, crf=False))
                rec = {**base, "model": "teacher", "f1": round(res.best_f1, 4),
                       "best_epoch": res.best_epoch,
                       "train_seconds": round(time.perf_counter() - t0, 1)}
                append_record(results, rec)
                logger.info("seed %d %s %d: teacher F1 %.4f", seed, arm, n, rec["f1"])
            t0 = time.perf_counter()
            student = recipe(args, work / "train.conll", dev, work / "student", seed,
                             crf=args.crf)
            res = distill(student, DistillConfig(teachers=[teacher],
                                                 unlabelled_path=work / "unlabelled.txt"))
            rec = {**base, "model": "student", "f1": round(res.best_f1, 4),
                   "best_epoch": res.best_epoch,
                   "train_seconds": round(time.perf_counter() - t0, 1)}
            append_record(results, rec)
            logger.info("seed %d %s %d: student F1 %.4f", seed, arm, n, rec["f1"])
            shutil.rmtree(work, ignore_errors=True)


def report(args) -> str:
    """A Markdown table: per arm, the simulation's F1, the teacher's and the student's (mean
    over ``args.seeds`` and each seed's value)."""
    sim = {(r["seed"], r["arm"], r["n_labels"]): r["f1"]
           for r in read_records(Path(args.sim) / "results.jsonl")}
    runs = {(r["seed"], r["arm"], r["n_labels"], r["model"]): r["f1"]
            for r in read_records(Path(args.out) / "results.jsonl")}

    def cell(values: list[float | None]) -> str:
        if any(v is None for v in values):
            return "(incomplete)"
        vals = [f"{v:.4f}" for v in values]
        return f"{statistics.fmean(values):.4f} [{', '.join(vals)}]"

    lines = [f"| arm, labels | simulation (seeds {', '.join(map(str, args.seeds))}) | "
             "softmax teacher | **self-distilled student** |", "|---|---|---|---|"]
    for spec in args.arm:
        arm, n = spec.rsplit(":", 1)
        key = (arm, int(n))
        lines.append(f"| {arm}, {n} | {cell([sim.get((s, *key)) for s in args.seeds])} | "
                     f"{cell([runs.get((s, *key, 'teacher')) for s in args.seeds])} | "
                     f"{cell([runs.get((s, *key, 'student')) for s in args.seeds])} |")
    if args.plot:
        plot(sim, runs, args.seeds, Path(args.plot))
    return "\n".join(lines)


def _curve(values: dict, seeds: list[int], arm: str) -> tuple[list[int], list[float]]:
    """The budgets of ``arm`` run on every seed, and the mean F1 at each."""
    budgets = sorted({k[-1] for k in values if k[:2] == (seeds[0], arm)})
    budgets = [n for n in budgets if all((s, arm, n) in values for s in seeds)]
    return budgets, [statistics.fmean(values[(s, arm, n)] for s in seeds) for n in budgets]


def plot(sim: dict, runs: dict, seeds: list[int], png: Path) -> None:
    """Mean validation F1 against labelled queries: each arm of the simulation, and its
    self-distilled students at the budgets run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    students = {(s, a, n): f for (s, a, n, m), f in runs.items() if m == "student"}
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    arms = sorted({a for (_, a, _) in students})
    for arm, colour in zip(arms, ("tab:blue", "tab:orange", "tab:green", "tab:red"), strict=False):
        x, y = _curve(sim, seeds, arm)
        ax.plot(x, y, "o--", color=colour, alpha=0.6, label=f"{arm} (simulation)")
        x, y = _curve(students, seeds, arm)
        ax.plot(x, y, "s-", color=colour, label=f"{arm} + self-distillation")
    x, y = _curve(students, seeds, "random")
    if x:  # what the other arms have to reach: random's largest budget, self-distilled
        ax.axhline(y[-1], color="grey", linewidth=0.8, linestyle=":",
                   label=f"random + self-distillation at {x[-1]:,}")
    ax.set_xlabel("labelled queries")
    ax.set_ylabel(f"validation F1 (mean of seeds {', '.join(map(str, seeds))})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    logger.info("wrote %s", png)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sim", required=True, help="the --out folder of bench/active_learning.py")
    ap.add_argument("--arm", action="append", required=True, metavar="NAME:N",
                    help="an arm of the simulation and its label count, e.g. random:2000 "
                         "(repeatable)")
    ap.add_argument("--data", default=str(ROOT / "data" / "queryner"),
                    help="folder with train.conll and validation.conll")
    ap.add_argument("--out", default="/tmp/kgqp-al-kd")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--unlabelled", type=int, default=2000,
                    help="unlabelled pool queries the student reads (U)")
    ap.add_argument("--crf", action="store_true",
                    help="CRF students (for a simulation run with --crf)")
    ap.add_argument("--backbone", default=None,
                    help="a local BERT folder (default: the packaged MiniLM)")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--report", action="store_true", help="print the table and exit")
    ap.add_argument("--plot", default=None, metavar="PNG",
                    help="with --report: also draw the curves (F1 against labelled queries)")
    args = ap.parse_args()
    for spec in args.arm:
        if not spec.rpartition(":")[2].isdigit() or not spec.rpartition(":")[0]:
            ap.error(f"--arm {spec!r}: give NAME:N, e.g. random:2000")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.report:
        print(report(args))
        return
    run(args)


if __name__ == "__main__":
    main()
