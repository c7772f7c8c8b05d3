"""``train_fusion``: node embeddings (cached per KG) + the fusion intent classifier.

Example:
    >>> import torch
    >>> from fusion.model import FusionConfig, FusionExample, FusionInput
    >>> ex = [FusionExample(FusionInput(torch.randn(4)), "A > B", "A") for _ in range(4)]
    >>> m = train_fusion(FusionConfig(text_dim=4, use_graph=False, epochs=1), None, ex, ex)
    >>> m.labels
    ['A > B']
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from fusion.context import GraphContext
from fusion.errors import FusionConfigError, FusionDataError
from fusion.gnn import GNNConfig, NodeEmbeddings, compute_node_embeddings
from fusion.model import FusionConfig, FusionExample, FusionModel, train_loop
from fusion.text import TextEncoderLike

__all__ = ["train_from_files", "train_fusion"]

logger = logging.getLogger(__name__)


def train_fusion(
    config: FusionConfig,
    kg: Any,
    train_inputs: Sequence[FusionExample],
    dev_inputs: Sequence[FusionExample],
    *,
    node_embeddings: NodeEmbeddings | None = None,
    gnn_config: GNNConfig | None = None,
    text_encoder: TextEncoderLike | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> FusionModel:
    """Train a :class:`FusionModel`; the epoch with the best dev lvl1 accuracy is kept.

    Args:
        config: model and training settings (``use_graph=False``: text-only ablation).
        kg: the KG (``ProductGraph`` or networkx graph); may be ``None`` without the graph.
        train_inputs, dev_inputs: labelled examples (dev selects the epoch; nothing else).
        node_embeddings: precomputed embeddings of ``kg``; else computed (or loaded from
            ``cache_dir`` when the KG is unchanged) with ``gnn_config`` and ``text_encoder``.
        progress: progress bars.

    Returns:
        The trained model (eval mode); ``model.training_report`` holds the history.
    """
    if not train_inputs:
        raise FusionDataError("train_fusion needs at least one training example")
    counts = Counter(ex.lvl1 for ex in train_inputs)
    labels = [lab for lab, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    context = None
    if config.use_graph:
        if kg is None:
            raise FusionConfigError(
                "use_graph=True needs a KG; pass kg=ProductGraph.open(path) "
                "or train with use_graph=False (--no-graph)"
            )
        if node_embeddings is None:
            if text_encoder is None:
                raise FusionConfigError(
                    "computing node embeddings needs a text_encoder (fusion.text.TextEncoder())"
                )
            node_embeddings = compute_node_embeddings(
                kg,
                text_encoder=text_encoder,
                config=gnn_config,
                cache_dir=cache_dir,
                progress=progress,
            )
        config = replace(config, node_dim=node_embeddings.dim)
        context = GraphContext(
            kg, node_embeddings, labels=labels, max_neighbours=config.max_neighbours
        )
    torch.manual_seed(config.seed)
    model = FusionModel(config, labels=labels, context=context)
    model.training_report = train_loop(model, train_inputs, dev_inputs, progress=progress)
    return model


def train_from_files(kg: Any, train_file: str | Path, dev_file: str | Path, out: str | Path, *,
                     config: FusionConfig | None = None, gnn_config: GNNConfig | None = None,
                     text_encoder: str = "minilm", query_encoder: TextEncoderLike | None = None,
                     cache_dir: str | Path | None = None,
                     progress: bool = True) -> tuple[FusionModel, dict[str, float]]:
    """Train on Best Buy query files (``queries_{train,dev}.jsonl``) and save to ``out``.

    The library behind ``kgqp fusion train`` and the quickstart: encodes and links the queries,
    trains (node embeddings cached in ``cache_dir`` while the KG is unchanged), saves the model
    with its GNN, and returns it with its dev scores.

    ``text_encoder`` (a :func:`fusion.text.get_text_encoder` name) embeds the KG node names for
    the GNN and, unless ``query_encoder`` is given, the queries too. ``query_encoder`` embeds the
    queries instead: e.g. the tagger's own encoder (:class:`parser.tagger.embed.TaggerTextEncoder`),
    so that serving runs one BERT pass per query; its ``name`` is saved with the model.
    """
    import shutil

    from fusion.data import build_examples, load_bestbuy_queries
    from fusion.evaluate import evaluate
    from fusion.text import get_text_encoder

    out = Path(out)
    enc = get_text_encoder(text_encoder)
    qenc = query_encoder if query_encoder is not None else enc
    config = replace(config or FusionConfig(), text_dim=qenc.dim)
    gnn_config = gnn_config or GNNConfig()
    cache = Path(cache_dir) if cache_dir is not None else out.parent / ".fusion-cache" / \
        gnn_config.layer
    train_ex = build_examples(load_bestbuy_queries(train_file), graph=kg, text_encoder=qenc,
                              progress=progress)
    dev_ex = build_examples(load_bestbuy_queries(dev_file), graph=kg, text_encoder=qenc,
                            progress=progress)
    model = train_fusion(config, kg if config.use_graph else None, train_ex, dev_ex,
                         gnn_config=gnn_config, text_encoder=enc, cache_dir=cache,
                         progress=progress)
    model.save_pretrained(out, text_encoder=text_encoder if query_encoder is None
                          else query_encoder.name)
    if config.use_graph:
        for name in ("gnn.safetensors", "gnn.json"):
            shutil.copyfile(cache / name, out / "graph" / name)
    return model, evaluate(model, dev_ex)
