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
    ap.add_argument("--epochs", type=int, default=20)


def cv_inputs(args: argparse.Namespace) -> tuple[Any, Any, list, list]:
    """``(graph, featurizer, examples, weak)`` for ``args`` of :func:`add_cv_arguments`, with
    torch on one thread."""
    import torch

    from fusion.cv import load_examples
    from fusion.weak import featurize_weak, taxonomy_queries
    from kg import ProductGraph
    from parser.pipeline import QueryParser

    torch.set_num_threads(1)
    graph = ProductGraph.open(args.kg, read_only=True)
    featurizer = QueryParser.featurizer(args.tagger, graph)
    examples, _ = load_examples(args.features)
    weak = featurize_weak(taxonomy_queries(graph), featurizer)
    return graph, featurizer, examples, weak
