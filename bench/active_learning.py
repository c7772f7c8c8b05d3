"""Active vs random selection of queries to label, simulated on QueryNER.

QueryNER train is the unlabelled pool (its gold tags are revealed when a query is "labelled"),
validation scores each model (strict entity F1, seqeval, the best epoch of each run as
`kgqp tagger train` keeps it). Per seed: the same `--start` random queries start both curves;
random adds `--step` random queries per round up to `--random-max`; active adds the `--step`
queries that `parser.learn.select` picks with the model of the round before (tag uncertainty,
``--uncertainty``, and diversity: near-duplicates dropped, ``--cluster-fraction`` k-means
clusters per pick of the query embeddings, 0 for none; no frequencies, which QueryNER lacks;
no KG signals, since the default KG holds names mined from these very training annotations,
unless ``--kg-signals``: NIL spans and tagger/KG disagreement against the KG without those
mined sources, ``kg.build.build_base``). Every model is trained from the backbone with the
same recipe: MiniLM cut to ``--layers`` (default 4, the served tagger's depth; 2 is the
quicker recipe of the first simulations), ``--epochs`` 10 (5 in the first simulations),
batch 16, lr 1e-4 (head 1e-3), a softmax output layer unless ``--crf`` (the served tagger's
CRF layer). The defaults of the active arm are
``parser.learn.SelectionConfig``'s (summed uncertainty, no clusters); ``--uncertainty badge``
selects by BADGE instead (k-means++ over the queries' gradient embeddings). ``--random-sizes``
trains the random arm at chosen budgets only.

Each finished run is appended to OUT/results.jsonl (resumable: runs already there are not
repeated), each active strategy under its own arm name (:func:`arm_name`); the 500-query start
model is kept in OUT/seedN/start_500 for every strategy. The table (F1 and tokens labelled per
arm) and the plot (against queries and against tokens) are made from that file::

    python bench/active_learning.py --seeds 0 1 2 --out /tmp/kgqp-al
    python bench/active_learning.py --seeds 0 1 2 --out /tmp/kgqp-al \\
        --report docs/img/active_learning.png

The held-out QueryNER test split is never read.
"""

from __future__ import annotations

import argparse
import functools
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
sys.path.insert(0, str(ROOT / "bench"))

from _timing import append_record, read_records  # noqa: E402

logger = logging.getLogger("bench.active_learning")

#: Monte Carlo dropout passes of the ``sum_bald`` strategy (``--mc-samples``)
MC_SAMPLES = 10


def _train(sents, idx, dev: Path, work: Path, args, seed: int) -> dict:
    from parser.tagger.data import write_conll
    from parser.tagger.training import train

    work.mkdir(parents=True, exist_ok=True)
    write_conll(work / "train.conll", [sents[i] for i in idx])
    t0 = time.perf_counter()
    res = train(recipe(args, work / "train.conll", dev, work / "model", seed, crf=args.crf))
    return {"f1": round(res.best_f1, 4), "best_epoch": res.best_epoch,
            "train_seconds": round(time.perf_counter() - t0, 1)}


def recipe(args, train_path: Path, dev: Path, out_dir: Path, seed: int, *, crf: bool):
    """The TrainConfig of every model of the simulation (``--backbone``, ``--layers``,
    ``--epochs``, ``--lr``, ``--head-lr``, ``--batch-size``, ``--threads``; the best epoch by
    validation F1, no early stop)."""
    from parser.tagger.training import TrainConfig

    return TrainConfig(train_path=train_path, dev_path=dev, out_dir=out_dir,
                       backbone=args.backbone, num_layers=args.layers, epochs=args.epochs,
                       lr=args.lr, head_lr=args.head_lr, batch_size=args.batch_size, seed=seed,
                       crf=crf, patience=args.epochs, num_threads=args.threads, progress=False)


def pool_order(pool_size: int, seed: int) -> list[int]:
    """The seed's shuffle of the pool: the start queries are its first ``--start``, and random
    labels its first N at N labels."""
    order = list(range(pool_size))
    random.Random(seed).shuffle(order)
    return order


def arm_name(uncertainty: str, cluster_fraction: float, density: float = 0.0,
             dup_cosine: float | None = None, redundancy: float = 0.0,
             kg_signals: bool = False, mc_samples: int = MC_SAMPLES) -> str:
    """The results' name of an active strategy: ``active`` for the first one (1 - the
    smallest margin, as many clusters as picks), else ``active-UNCERTAINTY-cFRACTION``
    (``c0``: no clusters, near-duplicates dropped only), with ``-dEXPONENT`` when the score is
    weighted by the information density (``SelectionConfig.density``) and ``-uCOSINE`` when
    near-duplicates are judged at a cosine other than the default (``dup_cosine``, ``None``:
    ``SelectionConfig.dup_cosine``'s default), ``-rEXPONENT`` with diminishing returns on
    words already labelled or picked (``SelectionConfig.redundancy``), ``-kg`` with the KG
    signals (NIL spans and tagger/KG disagreement, ``SelectionConfig``'s weights) and ``-mT``
    for ``sum_bald`` with T Monte Carlo dropout passes other than :data:`MC_SAMPLES`."""
    if uncertainty == "min_margin" and cluster_fraction == 1.0 and not density \
            and dup_cosine is None and not redundancy and not kg_signals:
        return "active"
    return (f"active-{uncertainty}-c{cluster_fraction:g}" + (f"-d{density:g}" if density else "")
            + (f"-u{dup_cosine:g}" if dup_cosine is not None else "")
            + (f"-r{redundancy:g}" if redundancy else "") + ("-kg" if kg_signals else "")
            + (f"-m{mc_samples}" if uncertainty == "sum_bald" and mc_samples != MC_SAMPLES
               else ""))


def arm_label(arm: str) -> str:
    """A readable name of an arm for the plot."""
    if arm == "random":
        return "random"
    if arm == "active":
        return "active: min margin, a cluster per pick"
    _, unc, frac, *more = arm.split("-")
    if unc == "badge":
        return "active: BADGE (k-means++ over gradient embeddings)"
    frac = float(frac[1:])
    extra = {m[0]: m[1:] for m in more}
    return f"active: {unc.replace('_', ' ')}, " + (
        "no clusters" if frac == 0 else f"{frac:g} clusters per pick") + (
        f", x density^{extra['d']}" if "d" in extra else "") + (
        f", duplicates at cosine {extra['u']}" if "u" in extra else "") + (
        f", labelled words discounted ^{extra['r']}" if "r" in extra else "") + (
        ", + KG signals (NIL, disagreement)" if "k" in extra else "")


def _select_active(sents, labelled: list[int], model_dir: Path, n: int, seed: int,
                   threads: int, uncertainty: str = "min_margin",
                   cluster_fraction: float = 1.0, density: float = 0.0,
                   dup_cosine: float | None = None, redundancy: float = 0.0,
                   kg_signals: bool = False, mc_samples: int = MC_SAMPLES) -> list[int]:
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
    kg_args = {"kg": _base_kg(), "link": _linker(_base_kg())} if kg_signals else {}
    sigs = score_queries(tagger, pool, batch_size=128,
                         mc_samples=mc_samples if uncertainty == "sum_bald" else 0,
                         gradients=uncertainty == "badge", **kg_args)
    weights = {} if kg_signals else {"w_nil": 0.0, "w_disagreement": 0.0}
    cfg = SelectionConfig(w_frequency=0.0, seed=seed, **weights,
                          uncertainty=uncertainty, clusters=cluster_fraction > 0,
                          cluster_fraction=cluster_fraction or 1.0, density=density,
                          redundancy=redundancy,
                          **({} if dup_cosine is None else {"dup_cosine": dup_cosine}))
    picked = select(sigs, n, config=cfg, exclude=[sents[i].text() for i in labelled],
                    word_mode=tagger.config.word_mode)
    logger.info("scored %d pool queries and selected %d in %.0f s", len(pool), len(picked),
                time.perf_counter() - t0)
    return [by_text[" ".join(p.signals.text.casefold().split())][0] for p in picked]


@functools.cache
def _base_kg():
    """The default KG without the sources mined from QueryNER's training annotations (the
    pool's own labels), in memory: what the KG signals may read in this simulation."""
    from kg.build import build_base

    t0 = time.perf_counter()
    kg = build_base()
    logger.info("built the KG without the mined sources in %.0f s", time.perf_counter() - t0)
    return kg


def _linker(kg):
    """``link(text, entity)`` as :meth:`parser.QueryParser.link_entity` returns it, by the KG's
    own linker (a label the linker does not know links to nothing)."""
    from types import SimpleNamespace

    def link(text, entity):
        try:
            best = kg.link(entity.text, label=entity.label, context=text).best
        except ValueError:
            best = None
        kind = getattr(best.kind, "value", best.kind) if best else None
        return SimpleNamespace(kg_id=best.iri if best else None,
                               kg_label=best.label if best else None, kg_kind=kind)
    return link


def run(args) -> None:
    from parser.tagger.data import read_conll

    data = Path(args.data)
    pool = read_conll(data / "train.conll")
    dev = data / "validation.conll"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = {(r["seed"], r["arm"], r["n_labels"]): r for r in read_records(results)}

    def record(rec: dict) -> None:
        append_record(results, rec)
        done[(rec["seed"], rec["arm"], rec["n_labels"])] = rec
        logger.info("seed %d %-6s %5d labels: F1 %.4f (%.0f s)", rec["seed"], rec["arm"],
                    rec["n_labels"], rec["f1"], rec["train_seconds"])

    for seed in args.seeds:
        order = pool_order(len(pool), seed)
        start = order[:args.start]
        sizes = args.random_sizes or list(range(args.start, args.random_max + 1, args.step))
        arms = list(args.arms)
        name = arm_name(args.uncertainty, args.cluster_fraction, args.density, args.dup_cosine,
                        args.redundancy, args.kg_signals, args.mc_samples)
        if "active" in arms:
            labelled = list(start)
            for r in range(args.rounds + 1):
                n = args.start + r * args.step
                work = out / f"seed{seed}" / f"{name}_{n}"
                if r < args.rounds and (seed, name, n + args.step) in done:
                    continue  # resumed: a later round is recorded
                prev = done.get((seed, name, n))
                start_dir = out / f"seed{seed}" / f"start_{n}"
                if r == 0 and (start_dir / "model").is_dir():
                    work = start_dir  # the start model, shared by every strategy
                if prev is not None and ((work / "model").is_dir() or r == args.rounds):
                    labelled = prev["labelled"]
                else:
                    if r == 0:
                        work = start_dir
                        base = done.get((seed, "random", n))
                        kept = work / "start.json"
                        if (work / "model").is_dir() and kept.is_file():
                            rec = dict(json.loads(kept.read_text()), arm=name)
                        else:  # (re)train the start model and keep it for later strategies
                            rec = {"seed": seed, "arm": name, "n_labels": n,
                                   **_train(pool, labelled, dev, work, args, seed)}
                            kept.write_text(json.dumps(rec))
                            if base is not None and base["f1"] != rec["f1"]:
                                logger.warning("seed %d: start model F1 %.4f, recorded %.4f",
                                               seed, rec["f1"], base["f1"])
                    else:
                        rec = {"seed": seed, "arm": name, "n_labels": n,
                               **_train(pool, labelled, dev, work, args, seed)}
                    rec["labelled"] = list(labelled)
                    record(rec)
                if r < args.rounds:
                    labelled = labelled + _select_active(
                        pool, labelled, work / "model", args.step, seed, args.threads,
                        args.uncertainty, args.cluster_fraction, args.density,
                        args.dup_cosine, args.redundancy, args.kg_signals, args.mc_samples)
                prev_work = out / f"seed{seed}" / f"{name}_{n - args.step}"
                if r > 0 and prev_work.is_dir():
                    shutil.rmtree(prev_work, ignore_errors=True)
        if "random" in arms:
            for n in sizes:
                if (seed, "random", n) in done:
                    continue
                if n == args.start and (seed, name, n) in done:
                    rec = dict(done[(seed, name, n)], arm="random")
                    record(rec)
                    continue
                work = out / f"seed{seed}" / f"random_{n}"
                rec = {"seed": seed, "arm": "random", "n_labels": n,
                       **_train(pool, order[:n], dev, work, args, seed)}
                record(rec)
                if n != args.start:
                    shutil.rmtree(work, ignore_errors=True)


def report(out: Path, png: Path | None, random_max: int,
           seeds: list[int] | None = None, data: Path | None = None,
           arms: list[str] | None = None) -> str:
    """A markdown table (per arm and label budget: mean F1 over ``seeds``, default all run,
    the per-seed values, and the mean number of tokens labelled, read from ``data``'s train
    split) and the plot. ``arms``: the arms to show (default: every arm run on all seeds)."""
    rows = read_records(out / "results.jsonl")
    if seeds is not None:
        rows = [r for r in rows if r["seed"] in seeds]
    seeds = sorted({r["seed"] for r in rows})
    by: dict[tuple[str, int], dict[int, dict]] = {}
    for r in rows:
        by.setdefault((r["arm"], r["n_labels"]), {})[r["seed"]] = r
    if arms is None:
        names = sorted({a for a, _ in by}, key=lambda a: (a != "random", a != "active", a))
        arms = [a for a in names if any(len(v) == len(seeds) for (b, _), v in by.items()
                                        if b == a)]
    sizes = sorted({n for a, n in by if a in arms})
    ntok = None
    if data is not None:
        from parser.tagger.data import read_conll

        ntok = [len(s.tokens) for s in read_conll(Path(data) / "train.conll")]

    def tokens(arm: str, n: int) -> str:
        runs = by.get((arm, n), {})
        if ntok is None or not runs:
            return ""
        tot = []
        for seed, r in runs.items():
            idx = r["labelled"] if r.get("labelled") else pool_order(len(ntok), seed)[:n]
            tot.append(sum(ntok[i] for i in idx))
        return f"{sum(tot) / len(tot):,.0f}"

    def mean(arm: str, n: int) -> float | None:
        runs = by.get((arm, n), {})
        return sum(r["f1"] for r in runs.values()) / len(runs) if runs else None

    def cell(arm: str, n: int) -> str:
        runs = by.get((arm, n), {})
        if not runs:
            return "not run"
        v = [runs[s]["f1"] for s in seeds if s in runs]
        return f"{mean(arm, n):.4f}" + (f" [{', '.join(f'{x:.4f}' for x in v)}]"
                                        if len(v) > 1 else "")

    head = "| labels |" + "".join(f" {a} F1 | {a} tokens |" for a in arms)
    lines = [f"F1: mean over seeds {seeds}, per-seed values in brackets; tokens: mean "
             "number of tokens labelled", "", head, "|---:|" + "---:|---:|" * len(arms)]
    for n in sizes:
        lines.append(f"| {n} |" + "".join(f" {cell(a, n)} | {tokens(a, n)} |" for a in arms))
    goal = mean("random", random_max)
    if goal is not None:
        lines.append("")
        lines.append(f"Random selection with {random_max} labels: F1 {goal:.4f}.")
        for a in arms:
            if a == "random":
                continue
            reached = [n for n in sizes if (mean(a, n) or 0.0) >= goal]
            lines.append(f"{a} reaches it with " + (f"{reached[0]} labels." if reached else
                                                    "none of the budgets run."))
    if png is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        panels = 2 if ntok is not None else 1
        fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.6), dpi=120, squeeze=False)
        styles = ["o--", "s:", "^-", "v-", "D-"]
        for k, arm in enumerate(arms):
            xs = [n for n in sizes if (arm, n) in by]
            ys = [mean(arm, n) for n in xs]
            axes[0][0].plot(xs, ys, styles[k % len(styles)], label=arm_label(arm))
            if panels == 2:
                toks = [float(tokens(arm, n).replace(",", "")) for n in xs]
                axes[0][1].plot(toks, ys, styles[k % len(styles)], label=arm_label(arm))
        for ax, xlabel in zip(axes[0], ("labelled queries", "labelled tokens (mean over seeds)"),
                              strict=False):
            if goal is not None:
                ax.axhline(goal, color="grey", lw=0.8, alpha=0.6)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("validation entity F1")
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.suptitle(f"QueryNER, active vs random (mean of seeds {seeds}; grey: random at "
                     f"{random_max})", fontsize=9)
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
    ap.add_argument("--uncertainty", default="sum_margin",
                    choices=["min_margin", "sum_margin", "sum_entropy", "sum_bald", "badge"],
                    help="the active arm's SelectionConfig.uncertainty")
    ap.add_argument("--mc-samples", type=int, default=MC_SAMPLES,
                    help="Monte Carlo dropout passes per pool query for sum_bald")
    ap.add_argument("--cluster-fraction", type=float, default=0.0,
                    help="k-means clusters per pick of the active arm (0: no clusters)")
    ap.add_argument("--density", type=float, default=0.0,
                    help="the active arm's SelectionConfig.density: the score times the "
                         "query's information density to this power (0: off)")
    ap.add_argument("--dup-cosine", type=float, default=None,
                    help="the active arm's SelectionConfig.dup_cosine: picks whose query "
                         "embeddings are this close count as near-duplicates (default: "
                         "SelectionConfig's)")
    ap.add_argument("--redundancy", type=float, default=0.0,
                    help="the active arm's SelectionConfig.redundancy: each word's uncertainty "
                         "times (1 + times labelled or picked) ** -R (0: off)")
    ap.add_argument("--kg-signals", action="store_true",
                    help="the active arm also scores NIL spans and tagger/KG disagreement "
                         "(SelectionConfig's weights) against the default KG without the "
                         "sources mined from QueryNER's training annotations")
    ap.add_argument("--start", type=int, default=500)
    ap.add_argument("--step", type=int, default=250)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--random-max", type=int, default=2000)
    ap.add_argument("--random-sizes", type=int, nargs="+", default=None, metavar="N",
                    help="train the random arm at these label counts only (default: every "
                         "--step from --start to --random-max)")
    ap.add_argument("--backbone", default=None,
                    help="a local BERT folder (default: the packaged MiniLM)")
    ap.add_argument("--layers", type=int, default=4,
                    help="backbone layers of every model (4: the served tagger's depth)")
    ap.add_argument("--epochs", type=int, default=10,
                    help="training epochs of every model (10 since 2026-12-03; the earlier "
                         "tables used 5, where the best epoch was the last in most runs)")
    ap.add_argument("--crf", action="store_true",
                    help="a CRF output layer in every model (the served tagger's; results in "
                         "a --out of their own)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--report", default=None, metavar="PNG",
                    help="only print the table of OUT/results.jsonl and write the plot")
    ap.add_argument("--report-arms", nargs="+", default=None,
                    help="the arms the report shows (default: every arm run on all seeds)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("parser").setLevel(logging.WARNING)
    if args.report:
        print(report(Path(args.out), Path(args.report), args.random_max, args.seeds,
                     Path(args.data), args.report_arms))
        return
    run(args)
    print(report(Path(args.out), None, args.random_max, args.seeds, Path(args.data)))


if __name__ == "__main__":
    main()
