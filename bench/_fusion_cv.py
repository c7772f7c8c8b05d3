"""What the fusion cross-validation benchmarks share (imported as ``_fusion_cv`` from
``bench/``): their common arguments and their inputs, the featurised Best Buy queries that
``kgqp fusion evaluate --cv --features DIR`` wrote and the KG's category names as weak training
queries, featurised by the same tagger."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_cv_arguments(ap: argparse.ArgumentParser) -> None:
    """``--kg``, ``--tagger``, ``--features`` and the folds, seeds and epochs of the run."""
    ap.add_argument("--kg", required=True)
    ap.add_argument("--tagger", required=True)
    ap.add_argument("--features", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds FIRST .. FIRST + SEEDS - 1 (folds and head initialisation)")
    ap.add_argument("--epochs", type=int, default=20)


def cv_seeds(args: argparse.Namespace) -> tuple[int, ...]:
    """The CV seeds of ``args`` of :func:`add_cv_arguments`: ``--seeds`` of them from
    ``--first-seed``."""
    return tuple(range(args.first_seed, args.first_seed + args.seeds))


def _loaded(args: argparse.Namespace) -> tuple[Any, Any, list, dict]:
    """``(graph, featurizer, examples, meta)`` for ``args`` of :func:`add_cv_arguments`, with
    torch on one thread."""
    import torch

    from fusion.cv import load_examples
    from kg import ProductGraph
    from parser.pipeline import QueryParser

    torch.set_num_threads(1)
    graph = ProductGraph.open(args.kg, read_only=True)
    featurizer = QueryParser.featurizer(args.tagger, graph)
    examples, meta = load_examples(args.features)
    return graph, featurizer, examples, meta


def cv_inputs(args: argparse.Namespace) -> tuple[Any, Any, list, list]:
    """``(graph, featurizer, examples, weak)`` for ``args`` of :func:`add_cv_arguments`, with
    torch on one thread."""
    from fusion.weak import featurize_weak, taxonomy_queries

    graph, featurizer, examples, _ = _loaded(args)
    weak = featurize_weak(taxonomy_queries(graph), featurizer)
    return graph, featurizer, examples, weak


def add_arm_arguments(ap: argparse.ArgumentParser, arms: str) -> None:
    """What the arm-against-arm benchmarks add to :func:`add_cv_arguments`: the shipped
    recipe's 40 epochs, ``--cache``, ``--arms`` (default ``arms``) and ``--report``."""
    ap.set_defaults(epochs=40)
    ap.add_argument("--cache", type=Path, required=True, help="node embedding cache")
    ap.add_argument("--arms", default=arms, help=f"comma-separated: {arms.replace(',', ', ')}")
    ap.add_argument("--report", type=Path, help="also write the result here (JSON)")


def featurised_inputs(ap: argparse.ArgumentParser, args: argparse.Namespace
                      ) -> tuple[Any, Any, list]:
    """``(graph, featurizer, examples)``: the KG, the featurizer of ``args.tagger`` and the
    queries ``args.features`` holds, refused (``ap.error``) when another tagger or KG version
    featurised them; torch on one thread."""
    graph, featurizer, examples, meta = _loaded(args)
    if meta.get("featurizer") != featurizer.name or meta.get("kg_version") != graph.version:
        ap.error(f"{args.features} was featurised by {meta.get('featurizer')} on KG version "
                 f"{meta.get('kg_version')}, not {featurizer.name} on {graph.version}")
    return graph, featurizer, examples


def write_report(out: dict, report: Path | None) -> None:
    """Print ``out`` as JSON, and write it to ``report`` when given."""
    import json

    text = json.dumps(out, indent=1)
    if report is not None:
        report.write_text(text + "\n")
    print(text)


def shipped_full_cv(graph: Any, featurizer: Any, examples: list, weak: list,
                    args: argparse.Namespace, cache: Path) -> dict:
    """The shipped recipe's ``full`` variant (``kgqp fusion evaluate --cv --variants full``:
    default heads, without the query memory (``--memory-weight 0``; ``fusion_knn.py`` scores
    it as an arm on the same models), ``args.epochs`` at batch 32, label names through
    ``featurizer``, GNN embeddings of 100 steps cached in ``cache``) on ``examples`` with
    ``weak`` added to every training fold: the summary, each seed's lvl1 and lvl0, the
    thresholds' calibration."""
    import fusion.cv as cv
    from fusion import FusionConfig
    from fusion.gnn import GNNConfig, compute_node_embeddings
    from fusion.labels import embed_label_names
    from fusion.text import get_text_encoder
    from fusion.train import DEFAULT_HIDDEN_DIM, DEFAULT_MEMBERS, TrainConfig

    emb = compute_node_embeddings(graph, text_encoder=get_text_encoder("minilm"),
                                  config=GNNConfig(steps=100, seed=0), cache_dir=cache)
    label_text = embed_label_names(sorted({e.lvl1 for e in examples}), featurizer, graph)
    config = cv.CVConfig(folds=args.folds, seeds=cv_seeds(args), variants=("full",),
                         train=TrainConfig(epochs=args.epochs),
                         fusion=FusionConfig(text_dim=featurizer.dim, members=DEFAULT_MEMBERS,
                                             hidden_dim=DEFAULT_HIDDEN_DIM))
    rep = cv.cross_validate(examples, config=config, kg=graph, label_text=label_text, weak=weak,
                            node_embeddings=emb, progress=True).to_dict()
    per: dict[int, list[float]] = {}
    for r in rep["runs"]:
        acc = per.setdefault(r["seed"], [0.0, 0.0, 0.0])
        acc[0] += r["lvl1_accuracy"] * r["n"]
        acc[1] += r["lvl0_accuracy"] * r["n"]
        acc[2] += r["n"]
    return {"summary": rep["summary"]["full"],
            "seed_lvl1": {s: round(a / n, 4) for s, (a, _, n) in sorted(per.items())},
            "seed_lvl0": {s: round(b / n, 4) for s, (_, b, n) in sorted(per.items())},
            "calibration": rep["calibration"], "thresholds": rep["thresholds"]}
