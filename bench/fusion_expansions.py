"""Expansion and filter quality on Best Buy dev: department precision, gold-category recall,
hard-filter precision and coverage, and a few named queries.

The intent model is trained on train only (full fusion with the label names and the KG's
category names as weak training queries, ``--members`` heads, the query memory at
``--memory-weight``, as `kgqp fusion train` trains it;
``--no-label-names`` and ``--no-taxonomy-queries`` without; ``--seed``, 0 by default) from the
featurised queries in ``--features DIR`` (train rows first, then dev), with the node
embeddings of its ``--cache``; thresholds come from the cross-validation report (``--report``
of `kgqp fusion evaluate --cv`) or the defaults. ``--model`` loads a saved model instead (the
quickstart's ``~/.cache/kgqp/fusion``).

The featurised queries: ``--build-features`` writes DIR when it holds none yet (no
``meta.json``): --train then --dev featurised by the --tagger linking into the --kg, as a parse
builds them, saved with ``fusion.cv.save_examples`` and the meta that
``kgqp fusion evaluate --cv --features DIR`` writes and checks (so either can reuse the other's
folder; that command writes the same folder but also runs the whole cross-validation). A
folder that exists is read only while its meta (tagger fingerprint, KG version, the files' paths
and sha256 contents: ``fusion.cv.features_meta``) matches the --tagger, --kg and files given;
a stale one is featurised again with --build-features, else refused. Its meta is in the output
under ``features``.

Metrics (per dev query, then pooled):

- ``dept_precision``: of the expansions to Best Buy-tree categories (IRIs under
  ``/category/bestbuy/``), the share inside the query's gold department (lvl0).
  Cross-taxonomy category expansions (Google, Flipkart) are counted apart (``cross_taxonomy``):
  by policy they come only from a category the query links to, never from fan-out.
- ``gold_hit``: queries whose gold lvl1 or lvl2 category is among the expansions, hard filters
  or category suggestions (also reported for expansions alone and expansions + hard filters).
  The gold lvl2 category is the query's lvl2 facet, compared under its own lvl1 (its first two
  levels), which is another lvl1 than the query's gold one for 232 of the 1,571 train+dev
  queries with a lvl2 facet.
- ``hard_filter_precision`` / ``coverage``: hard category filters in the gold department, and
  the share of queries with one; ``intent_lvl1_filters``: those that are the intent's lvl1
  category (:attr:`fusion.expand.Thresholds.lvl1_filter`), and the share of them that is the
  gold lvl1 (``intent_lvl1_filter_precision``).

Departments and categories are compared in the label space: the query labels (Algolia facets)
flatten Best Buy's tree (``Office Electronics > Calculators`` is ``Connected Home & Housewares
> Office Electronics > Calculators`` in categories.json), so a category's department and label
come from :class:`fusion.context.TaxonomyAlignment` (before commit 2026-12-02 they were the
first two levels of the tree path, which missed about a quarter of the gold labels).

With ``--cv K`` (``--seeds N``) every train+dev query is scored instead, each expanded with
the intent of a model the bench trained without its fold (the folds and training of `kgqp
fusion evaluate --cv`, through its ``on_fit`` hook; the recipe of `kgqp fusion train`): about
eight times as many queries as dev's 195, none of them scored by a model that trained on it.
``--first-seed S`` starts the fold seeds at S (fresh folds for a policy chosen on 0..). Such a
run takes about an hour; ``--save-intents FILE`` keeps every fit's out-of-fold intents and
labels, and ``--intents FILE`` scores them again with today's expansion code, ``--thresholds``
(JSON over ``--report``'s or the defaults) and ``--config``, in about a minute: a change to the
expansions or the filters is judged out of fold without training again. ``--cross-fit NAMES``
(with ``--intents``) calibrates those thresholds for each fold on the seed's other folds, as
`kgqp fusion evaluate --cv` reports them (``lvl1_filter`` on the queries whose hard filter is
the intent's department: :func:`fusion.cv.department_filtered`).

Usage (the quickstart's KG, tagger and fusion model; the features built on the first run)::

    .venv/bin/python bench/fusion_expansions.py --kg ~/.cache/kgqp/kg \\
        --tagger ~/.cache/kgqp/tagger --features /tmp/fx/features --build-features \\
        --cache /tmp/fx/gnn-cache --model ~/.cache/kgqp/fusion --gnn-steps 1
    .venv/bin/python bench/fusion_expansions.py --kg ~/.cache/kgqp/kg \\
        --tagger ~/.cache/kgqp/tagger --features /tmp/fx/features --cache /tmp/fx/gnn-cache \\
        --cv 5 --seeds 3                                    # out of fold, train+dev
    .venv/bin/python bench/fusion_expansions.py --kg ~/.cache/kgqp/kg \\
        --tagger ~/.cache/kgqp/tagger --features /tmp/fx/features --cache /tmp/fx/gnn-cache \\
        --cv 5 --first-seed 3 --seeds 3 --save-intents /tmp/fx/oof.json
    .venv/bin/python bench/fusion_expansions.py --kg ~/.cache/kgqp/kg \\
        --tagger ~/.cache/kgqp/tagger --features /tmp/fx/features --cache /tmp/fx/gnn-cache \\
        --intents /tmp/fx/oof.json --thresholds '{"lvl1_filter": null}'   # scored again
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import statistics
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from fusion.context import GraphContext, TaxonomyAlignment
from fusion.cv import (
    CALIBRATED,
    CVConfig,
    calibrate_threshold,
    cross_validate,
    department_filtered,
    load_examples,
    save_examples,
    stale_features,
)
from fusion.cv import features_meta as _features_meta
from fusion.data import build_examples, load_labeled_queries
from fusion.errors import FusionConfigError
from fusion.expand import ExpansionConfig, Thresholds, expand
from fusion.gnn import GNNConfig, compute_node_embeddings
from fusion.model import FusionConfig, FusionModel
from fusion.text import get_text_encoder
from fusion.train import (
    DEFAULT_HIDDEN_DIM,
    DEFAULT_MEMBERS,
    DEFAULT_MEMORY_WEIGHT,
    TrainConfig,
    train_fusion,
)
from fusion.types import SEP, Intent
from fusion.weak import taxonomy_examples
from kg import ProductGraph
from kg.io import atomic_write_json

logger = logging.getLogger("bench.fusion_expansions")

ROOT = Path(__file__).resolve().parent.parent

NAMED = ("samsung tv", "red nike running shoes", "canon eos r6 mirrorless camera body",
         "nike", "", "xqzt blorf", "iphone 13 case", "lg washer")
BESTBUY = "/category/bestbuy/"


def _lvl2(path: Path) -> list[str | None]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        facets = row["instant_search"]["facets"]["exact_matches"]
        vals = facets.get("hierarchicalCategories.lvl1") or []
        if not vals or not isinstance(row.get("query"), str) or not row["query"].strip():
            continue
        v2 = facets.get("hierarchicalCategories.lvl2") or []
        out.append(max(v2, key=lambda v: (v["count"], v["value"]))["value"] if v2 else None)
    return out


def features_meta(featurizer: Any, kg_version: int, data: list[Path]) -> dict[str, Any]:
    """What ``kgqp fusion evaluate --cv --features`` records about its featurised queries (and
    checks before reusing them): the featurizer's name (``tagger:<fingerprint>``), the KG
    version and the data files, in order, by resolved path and sha256 content
    (:func:`fusion.cv.features_meta`)."""
    return _features_meta(featurizer.name, kg_version, data)


def build_features(directory: Path, featurizer: Any, *, kg_version: int,
                   train: Path, dev: Path) -> dict[str, Any]:
    """Featurise the labelled queries of ``train`` then ``dev`` with ``featurizer`` (a
    :class:`fusion.types.QueryFeaturizer`: ``QueryParser.featurizer(tagger, kg)`` as served)
    and write them to ``directory`` as ``kgqp fusion evaluate --cv --features`` does
    (:func:`fusion.cv.save_examples`, the same meta plus the count per file), which
    :func:`fusion.cv.load_examples` reads. Returns the meta written."""
    per_file = [load_labeled_queries(f) for f in (train, dev)]
    examples = build_examples([q for qs in per_file for q in qs], featurizer, progress=False)
    meta = {**features_meta(featurizer, kg_version, [train, dev]),
            "n_per_file": [len(qs) for qs in per_file],
            "built_by": "bench/fusion_expansions.py --build-features"}
    save_examples(directory, examples, meta=meta)
    return {"kgqp_fusion_examples": 1, "n": len(examples), **meta}


def _count(c: Counter[str], kg: Any, g: Any, taxonomy: TaxonomyAlignment, kw: dict[str, Any],
           ex: Any, intent: Any, lvl2: str | None) -> None:
    """Expand one labelled query (``ex``, a :class:`fusion.types.FusionExample`) with its
    ``intent`` and add what its expansions and filters got right to ``c``; ``g``: the KG's
    networkx view, ``kw``: :func:`fusion.expand.expand`'s settings, ``lvl2``: the query's gold
    lvl2 facet, if any."""

    def names(path: str) -> tuple[str | None, str]:
        """(the label a category path falls under, its own name)"""
        return taxonomy.label(path), path.rsplit(">", 1)[-1].strip()

    res = expand(kg, ex.input.linked, intent, query=ex.input.text, **kw)
    # the gold lvl1 node and the gold lvl2 node, as (label, name): the lvl2 facet under its
    # own lvl1 ("A > B > C": "A > B", "C"), which is not always the query's gold lvl1 (each
    # level's facet is the one with the most hits: 232 of the 1,571 train+dev queries with a
    # lvl2 facet have it under another lvl1; before 2026-12-08 the bench paired it with the
    # gold lvl1, so those lvl2 categories could never be found)
    gold = {(ex.lvl1, ex.lvl1.split(" > ")[-1])} | (
        {(lvl2.rsplit(" > ", 1)[0], lvl2.split(" > ")[-1])} if lvl2 else set())
    exp_paths = set()
    for e in res:
        if e.iri and e.iri in g and g.nodes[e.iri].get("kind") == "category":
            path = g.nodes[e.iri].get("path") or ""
            exp_paths.add(names(path))
            if BESTBUY in e.iri:
                c["bb_category_expansions"] += 1
                c["bb_in_gold_dept"] += taxonomy.department(path) == ex.lvl0
            else:
                c["cross_taxonomy"] += 1
    hard = {names(h) for h in res.filters.category}
    sugg = {names(s.category) for s in res.suggestions}
    c["hit_expansions"] += bool(gold & exp_paths)
    c["hit_expansions_filters"] += bool(gold & (exp_paths | hard))
    c["hit_all"] += bool(gold & (exp_paths | hard | sugg))
    if hard:
        c["with_hard_filter"] += 1
        c["hard_filters"] += len(res.filters.category)
        c["hard_in_gold_dept"] += sum(taxonomy.department(h) == ex.lvl0
                                      for h in res.filters.category)
        # a category below the department (from a link): its lvl1 label is the gold one
        fine = [h for h in res.filters.category if SEP in h]
        c["fine_filters"] += len(fine)
        c["fine_in_gold_lvl1"] += sum(taxonomy.label(h) == ex.lvl1 for h in fine)
        c["several_category_filters"] += len(res.filters.category) > 1
        # the intent's lvl1 category as the filter (Thresholds.lvl1_filter): its lvl1 is right
        own = [f.value for f in res.filter_sources
               if f.field == "category" and f.source == "intent" and SEP in f.value]
        c["intent_lvl1_filters"] += len(own)
        c["intent_lvl1_filters_right"] += sum(taxonomy.label(v) == ex.lvl1 for v in own)
    c["brand_filters"] += len(res.filters.brand)
    c["brand_boosts"] += sum(b.term.startswith("brand:") for b in res.boosts)
    c["intent_lvl1_right"] += intent is not None and intent.category == ex.lvl1
    c["n"] += 1


def _rates(c: Counter[str]) -> dict[str, Any]:
    """The metrics of the module docstring from the counts :func:`_count` added up."""
    n = max(c["n"], 1)
    return {
        "dept_precision": c["bb_in_gold_dept"] / max(c["bb_category_expansions"], 1),
        "bb_category_expansions": c["bb_category_expansions"],
        "cross_taxonomy_category_expansions": c["cross_taxonomy"],
        "gold_hit_expansions": c["hit_expansions"] / n,
        "gold_hit_expansions_or_hard_filters": c["hit_expansions_filters"] / n,
        "gold_hit_expansions_filters_suggestions": c["hit_all"] / n,
        "hard_filter_precision": c["hard_in_gold_dept"] / max(c["hard_filters"], 1),
        "hard_filter_coverage": c["with_hard_filter"] / n,
        "category_filters_below_department": c["fine_filters"],
        "their_lvl1_precision": c["fine_in_gold_lvl1"] / max(c["fine_filters"], 1),
        "intent_lvl1_filters": c["intent_lvl1_filters"],
        "intent_lvl1_filter_precision": c["intent_lvl1_filters_right"]
        / max(c["intent_lvl1_filters"], 1),
        "queries_with_several_category_filters": c["several_category_filters"],
        "brand_filters": c["brand_filters"], "brand_boosts": c["brand_boosts"],
    }


def _settings(model: Any, args: argparse.Namespace
              ) -> tuple[Thresholds, dict[str, Any], TaxonomyAlignment]:
    """``(thresholds, expand's settings, the label space's alignment)`` for ``model``
    (:func:`_settings_for` its memory weight, node embeddings and its context's alignment)."""
    return _settings_for(model.memory_weight, model.context.embeddings, args,
                         model.context.taxonomy)


def _settings_for(memory_weight: float, embeddings: Any, args: argparse.Namespace,
                  taxonomy: TaxonomyAlignment
                  ) -> tuple[Thresholds, dict[str, Any], TaxonomyAlignment]:
    """``(thresholds, expand's settings, the label space's alignment)`` for a model of
    ``memory_weight`` whose context aligns its labels with the KG as ``taxonomy`` does
    (:attr:`fusion.context.GraphContext.taxonomy`): the thresholds of ``--report`` or the
    defaults for its memory weight, updated by ``--thresholds``; the expansion defaults for it
    updated by ``--config``."""
    thresholds = Thresholds.defaults_for(memory_weight)
    if args.report is not None:
        thresholds = Thresholds.from_dict(json.loads(args.report.read_text())["thresholds"])
    thresholds = Thresholds.from_dict({**thresholds.to_dict(), **json.loads(args.thresholds)})
    # the query labels (Algolia facets) flatten Best Buy's tree (``Office Electronics >
    # Calculators`` is ``Connected Home & Housewares > Office Electronics > Calculators`` in
    # categories.json): departments and categories are compared through the alignment
    kw = {"thresholds": thresholds, "embeddings": embeddings,
          "departments": taxonomy, "limit": 20,
          "config": ExpansionConfig.from_dict(  # the defaults for the model's memory weight
              {**ExpansionConfig.defaults_for(memory_weight).to_dict(),
               **json.loads(args.config)})}
    return thresholds, kw, taxonomy


#: the format of ``--save-intents`` / ``--intents``
INTENTS_FORMAT = "kgqp-bench-oof-intents/1"


def _summary(counts: dict[int, Counter[str]], used: dict[str, Any], cv: int) -> dict[str, Any]:
    """Per seed and their mean, of the counts of :func:`_count` per fold seed."""
    per_seed = {seed: {"intent_lvl1": c["intent_lvl1_right"] / c["n"], "n": c["n"],
                       **_rates(c)} for seed, c in sorted(counts.items())}
    first = next(iter(per_seed.values()))
    keys = [k for k, v in first.items() if isinstance(v, float)]
    return {"cv": cv, "seeds": list(per_seed), **used,
            "mean": {k: round(statistics.fmean(p[k] for p in per_seed.values()), 4)
                     for k in keys},
            "per_seed": per_seed}


def _calibrated(name: str, intents: list[tuple[Intent, Any]], thresholds: Thresholds) -> float:
    """Threshold ``name`` calibrated, as ``kgqp fusion evaluate --cv`` calibrates it
    (:data:`fusion.cv.CALIBRATED`, :func:`fusion.cv.calibrate_threshold`, its precision target
    in ``thresholds``, confidence 0.9), on ``intents``: (an intent, its
    :class:`fusion.types.FusionExample`) pairs, already the queries it reads."""
    score, level, target, _ = CALIBRATED[name]
    t, _, _ = calibrate_threshold(
        [getattr(d, score) for d, _ in intents],
        [(d.category if level == "lvl1" else d.lvl0) == getattr(ex, level) for d, ex in intents],
        target=getattr(thresholds, target), confidence=CVConfig().confidence)
    return min(t, 1.0)


def _rescored(args: argparse.Namespace, kg: Any, examples: list[Any],
              lvl2: list[str | None], emb: Any) -> dict[str, Any]:
    """``--intents FILE``: the metrics of :func:`_cross_validated` over the out-of-fold
    intents it saved (``--save-intents``), expanded again with today's expansion code and
    ``--thresholds``/``--config``: no training, seconds instead of an hour."""
    saved: dict[str, Any] = {}
    for path in args.intents:  # (several runs' files: their fits pooled)
        one = json.loads(path.read_text(encoding="utf-8"))
        if one.get("format") != INTENTS_FORMAT:
            raise SystemExit(f"--intents {path}: not a --save-intents file "
                             f"(format {one.get('format')!r}, expected {INTENTS_FORMAT!r})")
        if one["n"] != len(examples):
            raise SystemExit(f"--intents {path} holds intents of {one['n']} queries, "
                             f"--features {len(examples)}")
        if saved and (one["cv"], one["memory_weight"]) != (saved["cv"], saved["memory_weight"]):
            raise SystemExit(f"--intents {path}: another --cv or memory weight than "
                             f"{args.intents[0]}")
        seeds = {f["seed"] for f in saved.get("fits", [])}
        if seeds & {f["seed"] for f in one["fits"]}:
            raise SystemExit(f"--intents {path}: a fold seed given twice")
        saved = {**one, "fits": saved.get("fits", []) + one["fits"]}
    g = kg.to_networkx()
    counts: dict[int, Counter[str]] = {}
    used: dict[str, Any] = {"cross_fitted": {}}
    fits = saved["fits"]
    for fit in fits:
        # (each intent's KG category as a model loaded today gives it: its context's node
        # for the label, FusionModel.predict)
        fit["context"] = GraphContext(g, emb, labels=fit["labels"])
        label_iris = fit["context"].label_iris
        fit["parsed"] = {int(i): Intent(**{**d, "top_k": tuple(tuple(x) for x in d["top_k"]),
                                           "category_iri": label_iris.get(d["category"])})
                         for i, d in fit["intents"].items()}
        if any(CALIBRATED[n][3] == "dept_filter" for n in args.cross_fit):  # (as fusion.cv)
            idx = sorted(fit["parsed"])
            fit["dept_filter"] = dict(zip(idx, department_filtered(
                kg, [examples[i] for i in idx], [fit["parsed"][i] for i in idx],
                labels=fit["labels"], memory_weight=saved["memory_weight"], embeddings=emb
            ).tolist(), strict=True))
    for fit in fits:
        thresholds, kw, taxonomy = _settings_for(saved["memory_weight"], emb, args,
                                                 fit["context"].taxonomy)
        if args.cross_fit:  # (calibrated on the seed's other folds, as fusion.cv reports them)
            others = [f for f in fits if f["seed"] == fit["seed"] and f["fold"] != fit["fold"]]
            fitted = {name: _calibrated(name, [
                (f["parsed"][i], examples[i]) for f in others for i in sorted(f["parsed"])
                if CALIBRATED[name][3] is None or f[CALIBRATED[name][3]][i]], thresholds)
                for name in args.cross_fit}
            thresholds = replace(thresholds, **fitted)
            kw["thresholds"] = thresholds
            used["cross_fitted"][f"{fit['seed']}/{fit['fold']}"] = fitted
        used.update(thresholds=thresholds.to_dict(), config=kw["config"].to_dict())
        c = counts.setdefault(fit["seed"], Counter())
        for i, intent in sorted(fit["parsed"].items()):
            _count(c, kg, g, taxonomy, kw, examples[i], intent, lvl2[i])
    return _summary(counts, used, saved["cv"])


def _cross_validated(args: argparse.Namespace, kg: Any, qp: Any, examples: list[Any],
                     lvl2: list[str | None], emb: Any) -> dict[str, Any]:
    """``--cv K``: the metrics over every train+dev query, each expanded with the intent of a
    model trained without its fold (the recipe of `kgqp fusion train`: the label names, the
    KG's category names as weak queries labelled per fold, ``--members`` heads, the query
    memory at ``--memory-weight``, ``--epochs``), for each of ``--seeds`` fold seeds (the
    folds of `kgqp fusion evaluate --cv`); per seed and their mean."""
    from fusion.labels import embed_label_names
    from fusion.weak import featurize_weak, taxonomy_queries

    label_text = None if args.no_label_names else embed_label_names(
        sorted({ex.lvl1 for ex in examples}), qp, kg)
    weak = [] if args.no_taxonomy_queries else featurize_weak(taxonomy_queries(kg), qp)
    config = CVConfig(
        folds=args.cv, seeds=tuple(range(args.first_seed, args.first_seed + args.seeds)),
        variants=("full",),
        train=TrainConfig(epochs=args.epochs),
        fusion=FusionConfig(text_dim=examples[0].input.text_embedding.shape[0],
                            members=args.members, hidden_dim=args.hidden_dim,
                            memory_weight=args.memory_weight))
    if args.no_label_names:
        config = replace(config, variants=("graph",))
    g = kg.to_networkx()
    counts: dict[int, Counter[str]] = {}
    used: dict[str, Any] = {}
    fits: list[dict[str, Any]] = []

    def on_fit(_variant: str, seed: int, fold: int, model: Any, test_idx: list[int],
               intents: list[Any]) -> None:
        thresholds, kw, taxonomy = _settings(model, args)
        used.update(thresholds=thresholds.to_dict(), config=kw["config"].to_dict())
        c = counts.setdefault(seed, Counter())
        for i, intent in zip(test_idx, intents, strict=True):
            _count(c, kg, g, taxonomy, kw, examples[i], intent, lvl2[i])
        logger.info("seed %d, folds 0-%d so far: %s", seed, fold, _rates(c))
        if args.save_intents is not None:  # (rewritten after each fit: a cut run keeps some)
            fits.append({"seed": seed, "fold": fold, "labels": list(model.labels),
                         "intents": {str(i): dataclasses.asdict(it)
                                     for i, it in zip(test_idx, intents, strict=True)}})
            atomic_write_json(args.save_intents, {
                "format": INTENTS_FORMAT, "cv": args.cv, "n": len(examples),
                "memory_weight": model.memory_weight, "fits": fits}, indent=None)

    cross_validate(examples, config=config, kg=kg, node_embeddings=emb,
                   label_text=label_text, weak=weak, on_fit=on_fit, progress=True)
    return _summary(counts, used, args.cv)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kg", required=True)
    ap.add_argument("--tagger", required=True)
    ap.add_argument("--features", type=Path, required=True,
                    help="folder of the featurised train+dev queries (fusion.cv.save_examples), "
                    "as `kgqp fusion evaluate --cv --features DIR` writes it, or "
                    "--build-features")
    ap.add_argument("--build-features", action="store_true",
                    help="write --features first when it holds no featurised queries (no "
                    "meta.json), or stale ones (featurised by another tagger, KG version or "
                    "files, or from files whose contents have changed since): --train then "
                    "--dev featurised by --tagger linking into --kg, with the meta `kgqp "
                    "fusion evaluate --cv` writes; without it a stale folder is refused")
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--report", type=Path, default=None,
                    help="a cross-validation report (`kgqp fusion evaluate --cv --report`) "
                         "whose calibrated thresholds to use (read, not written); default: "
                         "the thresholds for the model's memory weight")
    ap.add_argument("--train", type=Path,
                    default=ROOT / "data" / "bestbuy" / "queries_train.jsonl")
    ap.add_argument("--dev", type=Path, default=ROOT / "data" / "bestbuy" / "queries_dev.jsonl")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--members", type=int, default=DEFAULT_MEMBERS,
                    help="heads of the trained model (as `kgqp fusion train`)")
    ap.add_argument("--hidden-dim", type=int, default=DEFAULT_HIDDEN_DIM,
                    help="width of each head (as `kgqp fusion train`)")
    ap.add_argument("--gnn-steps", type=int, default=GNNConfig().steps,
                    help="GNN pre-training steps (GNNConfig's default, 100: the recipe of "
                    "`kgqp fusion train`, the cross-validation and, since a4e4899, the "
                    "quickstart); unused with a saved --model")
    ap.add_argument("--memory-weight", type=float, default=DEFAULT_MEMORY_WEIGHT,
                    help="weight of the query memory's vote in the intent (fusion.memory; "
                    "0: off; as `kgqp fusion train`); without --report the thresholds are "
                    "Thresholds.defaults_for it, and the expansion settings start from "
                    "ExpansionConfig.defaults_for it")
    ap.add_argument("--seed", type=int, default=0, help="seed of the heads' training (the "
                    "GNN embeddings stay those of seed 0, as the quickstart's)")
    ap.add_argument("--model", type=Path, default=None,
                    help="save the trained model here, or load it if it exists")
    ap.add_argument("--config", default="{}", help="ExpansionConfig settings as JSON")
    ap.add_argument("--no-label-names", action="store_true",
                    help="train the model without the label names (fusion.labels)")
    ap.add_argument("--cv", type=int, default=0, metavar="K",
                    help="instead of training on --train and scoring --dev: every query of "
                    "both, scored with a model trained on the other K-1 folds (the folds of "
                    "`kgqp fusion evaluate --cv`), for --seeds fold seeds; not with --model")
    ap.add_argument("--seeds", type=int, default=1,
                    help="--cv: fold seeds FIRST..FIRST+SEEDS-1 (--first-seed, 0 by default)")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="--cv: the first fold seed (fresh folds for a recipe chosen on 0..)")
    ap.add_argument("--save-intents", type=Path, default=None, metavar="FILE",
                    help="--cv: write every fit's out-of-fold intents and labels to FILE "
                    "(JSON), for --intents")
    ap.add_argument("--intents", type=Path, nargs="+", default=None, metavar="FILE",
                    help="score the out-of-fold intents --cv --save-intents runs wrote (their "
                    "fold seeds pooled), expanded with today's code, --thresholds and "
                    "--config: no training")
    ap.add_argument("--cross-fit", type=lambda v: [x for x in v.split(",") if x],
                    default=[], metavar="NAMES",
                    help="--intents: calibrate these thresholds (comma-separated: "
                    f"{', '.join(CALIBRATED)}) for each fold on the seed's other folds, as "
                    "`kgqp fusion evaluate --cv` reports them, in place of their given values")
    ap.add_argument("--thresholds", default="{}",
                    help="Thresholds settings as JSON, over --report's or the defaults "
                    "(e.g. '{\"lvl1_filter\": null}')")
    ap.add_argument("--no-taxonomy-queries", action="store_true",
                    help="train on the labelled queries only, without the KG's category names "
                    "as weak training queries (fusion.weak)")
    args = ap.parse_args()
    try:  # (read per fit, after the features and the training: a typo fails here, at once)
        Thresholds.from_dict({**Thresholds().to_dict(), **json.loads(args.thresholds)})
        ExpansionConfig.from_dict(json.loads(args.config))
    except (ValueError, TypeError, AttributeError, FusionConfigError) as exc:
        ap.error(f"--thresholds {args.thresholds!r} / --config {args.config!r}: {exc} (JSON "
                 "objects of Thresholds' and ExpansionConfig's settings)")
    if args.report is not None and not args.report.is_file():  # (read at the end of a run)
        ap.error(f"--report {args.report}: no such file (a `kgqp fusion evaluate --cv "
                 f"--report` output to read the thresholds from)")
    if args.cv and (args.cv < 2 or args.model is not None or args.seeds < 1
                    or args.first_seed < 0):
        ap.error("--cv K takes K >= 2, --seeds >= 1 and --first-seed >= 0, and trains its own "
                 "models (no --model)")
    if args.save_intents is not None and not args.cv:
        ap.error("--save-intents writes the intents of a --cv run: add --cv K")
    if args.intents is not None and (args.cv or args.model is not None):
        ap.error("--intents scores saved out-of-fold intents: no --cv, no --model")
    if args.cross_fit and (args.intents is None or set(args.cross_fit) - set(CALIBRATED)):
        ap.error(f"--cross-fit takes threshold names among {sorted(CALIBRATED)}, with --intents")
    for path in args.intents or ():
        if not path.is_file():
            ap.error(f"--intents {path}: no such file (write one with --cv K "
                     "--save-intents FILE)")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not (args.features / "meta.json").is_file() and not args.build_features:
        ap.error(f"--features {args.features} holds no featurised queries (no meta.json): add "
                 "--build-features to write them from --train and --dev with --tagger and --kg, "
                 "or write them with `kgqp fusion evaluate --cv --features DIR`")
    kg = ProductGraph.open(args.kg, read_only=True)
    from parser.pipeline import QueryParser

    # the features (if built here), the label names and the named queries
    qp = QueryParser.featurizer(args.tagger, kg)
    want = features_meta(qp, kg.version, [args.train, args.dev])
    stale: list[str] = []
    if (args.features / "meta.json").is_file():
        on_disk = json.loads((args.features / "meta.json").read_text(encoding="utf-8"))
        stale = stale_features(on_disk, want)
        if stale and not args.build_features:
            shown = [k for k in stale if k != "data_sha256"]
            ap.error(f"--features {args.features} is stale: its {', '.join(stale)} differ from "
                     "those of the --tagger, --kg, --train and --dev given (data_sha256: a "
                     "data file rewritten since it was featurised, or a folder from before "
                     "contents were recorded)"
                     + (f"; it has {({k: on_disk.get(k) for k in shown})}, these give "
                        f"{({k: want[k] for k in shown})}" if shown else "")
                     + ": add --build-features to featurise them again into it, or give "
                     "another folder")
        if stale:
            logger.warning("%s is stale (%s differ): featurising --train and --dev again",
                           args.features, ", ".join(stale))
    if stale or not (args.features / "meta.json").is_file():
        built = build_features(args.features, qp, kg_version=kg.version, train=args.train,
                               dev=args.dev)
        print(f"built {args.features}: {built['n']} featurised queries ({args.train.name} "
              f"{built['n_per_file'][0]} + {args.dev.name} {built['n_per_file'][1]}), "
              f"featurizer {built['featurizer']}, KG version {built['kg_version']}",
              file=sys.stderr)
    examples, features_used = load_examples(args.features)
    n_train = len(load_labeled_queries(args.train))
    train, dev = examples[:n_train], examples[n_train:]
    dev_lvl2 = _lvl2(Path(args.dev))
    assert len(dev_lvl2) == len(dev), (len(dev_lvl2), len(dev))
    emb = compute_node_embeddings(kg, text_encoder=get_text_encoder("minilm"),
                                  config=GNNConfig(steps=args.gnn_steps, seed=0),
                                  cache_dir=args.cache)
    if args.cv or args.intents is not None:
        lvl2 = _lvl2(Path(args.train)) + dev_lvl2
        assert len(lvl2) == len(examples), (len(lvl2), len(examples))
        out = _rescored(args, kg, examples, lvl2, emb) if args.intents is not None \
            else _cross_validated(args, kg, qp, examples, lvl2, emb)
        out["features"] = {"dir": str(args.features), **features_used}
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return
    if args.model is not None and (args.model / "config.json").is_file():
        model = FusionModel.from_pretrained(args.model, kg=kg)
    else:
        label_text = None
        if not args.no_label_names:  # as `kgqp fusion train` trains the served model
            from fusion.labels import embed_label_names

            label_text = embed_label_names(sorted({ex.lvl1 for ex in train}), qp, kg)
        weak_ex = [] if args.no_taxonomy_queries else taxonomy_examples(
            kg, qp, [ex.lvl1 for ex in train])
        model = train_fusion(FusionConfig(text_dim=train[0].input.text_embedding.shape[0],
                                          use_label_names=label_text is not None,
                                          members=args.members,
                                          hidden_dim=args.hidden_dim,
                                          memory_weight=args.memory_weight), kg,
                             train + weak_ex, [],
                             train_config=TrainConfig(epochs=args.epochs, seed=args.seed),
                             node_embeddings=emb, label_text=label_text)
        if args.model is not None:
            model.save_pretrained(args.model)
    thresholds, kw, taxonomy = _settings(model, args)
    logger.info("thresholds: %s", thresholds)
    intents = model.predict_batch([ex.input for ex in dev])
    g = kg.to_networkx()
    c: Counter[str] = Counter()
    for ex, intent, lvl2 in zip(dev, intents, dev_lvl2, strict=True):
        _count(c, kg, g, taxonomy, kw, ex, intent, lvl2)
    n = c["n"]
    out = {
        "features": {"dir": str(args.features), **features_used},
        "n_dev": n, "thresholds": thresholds.to_dict(), "config": kw["config"].to_dict(),
        "intent_dev_lvl1": sum(i.category == ex.lvl1 for i, ex in zip(intents, dev,
                                                                      strict=True)) / n,
        **_rates(c),
    }
    # the department hard filter at other thresholds (what a calibrated threshold gives)
    sweep = {}
    for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99):
        kept = [(i, ex) for i, ex in zip(intents, dev, strict=True) if i.lvl0_score >= t]
        sweep[str(t)] = {"precision": round(sum(i.lvl0 == ex.lvl0 for i, ex in kept)
                                            / max(len(kept), 1), 4),
                         "coverage": round(len(kept) / n, 4)}
    out["department_filter_sweep"] = sweep
    logger.info("%s", out)
    # named queries, featurised as served
    named = {}
    for q, inp in zip(NAMED, qp.featurize(list(NAMED)), strict=True):
        intent = model.predict(inp) if any(ch.isalnum() for ch in q) else None
        res = expand(kg, inp.linked, intent, query=q, **kw)
        named[q] = {
            "intent": None if intent is None else [intent.category, round(intent.score, 3),
                                                   round(intent.lvl0_score, 3)],
            "hard_filters": list(res.filters.category),
            "suggestions": [(s.category, s.score) for s in res.suggestions],
            "expansions": [(e.term, e.kind, e.score) for e in res][:10],
        }
    out["named"] = named
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
