"""Plain baselines for the Best Buy intent on the same folds as ``kgqp fusion evaluate --cv``.

TF-IDF (word 1-2 grams + char 2-5 grams) + logistic regression, and (with ``--features``, the
folder ``kgqp fusion evaluate --cv --features DIR`` wrote) the tagger's pooled query embedding
+ logistic regression. Folds: :func:`fusion.cv.kfold_indices` over train+dev in file order,
seeds 0..N-1, exactly the splits of the fusion cross-validation; mean and spread over seeds.

Usage::

    .venv/bin/python bench/fusion_baseline.py --folds 5 --seeds 3 --features /tmp/cv16/features

Prints one JSON object (figures go to docs/benchmarks.md). Needs scikit-learn (dev extra).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fusion.cv import kfold_indices
from fusion.data import LabeledQuery, load_bestbuy_queries
from fusion.types import SEP

logger = logging.getLogger("bench.fusion_baseline")


def _tfidf_lr(train: Sequence[int], test: Sequence[int], queries: Sequence[LabeledQuery],
              _emb: np.ndarray | None) -> list[str]:
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
                  emb: np.ndarray | None) -> list[str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    assert emb is not None
    scaler = StandardScaler().fit(emb[list(train)])
    clf = LogisticRegression(C=0.5, max_iter=3000)
    clf.fit(scaler.transform(emb[list(train)]), [queries[i].lvl1 for i in train])
    return list(clf.predict(scaler.transform(emb[list(test)])))


def run(name: str, fit: Callable[..., list[str]], queries: Sequence[LabeledQuery],
        emb: np.ndarray | None, folds: int, seeds: int) -> dict[str, object]:
    labels = [q.lvl1 for q in queries]
    per_seed: dict[str, list[float]] = {"lvl0_accuracy": [], "lvl1_accuracy": []}
    for seed in range(seeds):
        l0 = l1 = 0
        for test in kfold_indices(labels, k=folds, seed=seed):
            test_set = set(test)
            train = [i for i in range(len(queries)) if i not in test_set]
            pred = fit(train, test, queries, emb)
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
    ap.add_argument("--features", type=Path, default=None,
                    help="featurised queries of `kgqp fusion evaluate --cv --features`")
    ap.add_argument("--skip-tfidf", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    queries = [q for f in args.data for q in load_bestbuy_queries(f)]
    out: dict[str, object] = {"n": len(queries), "folds": args.folds, "seeds": args.seeds}
    if not args.skip_tfidf:
        out["tfidf_lr"] = run("tfidf_lr", _tfidf_lr, queries, None, args.folds, args.seeds)
    if args.features is not None:
        from fusion.cv import load_examples

        examples, _meta = load_examples(args.features)
        if [ex.input.text for ex in examples] != [q.query for q in queries]:
            raise SystemExit(f"{args.features} does not hold these queries in this order")
        emb = np.stack([ex.input.text_embedding.numpy() for ex in examples])
        out["tagger_embedding_lr"] = run("tagger_embedding_lr", _embedding_lr, queries, emb,
                                         args.folds, args.seeds)
    logger.info("done")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
