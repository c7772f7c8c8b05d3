"""ONNX export of the fusion head (:meth:`fusion.model.FusionModel.forward`).

The exported graph maps the featurised batch (``text`` ``[B, text_dim]`` and the graph arrays of
:meth:`FusionModel.graph_features`: ``nodes``, ``role``, ``weight``, ``label``, ``label0``,
``mask``, all with dynamic batch and element axes) to ``fusion_logits`` ``[B, n_labels]``.
A bundle whose fusion model reads the tagger's own embeddings ships it as ``fusion/head.onnx``;
:mod:`parser.fused` joins it to the tagger's graph so that one ONNX Runtime call tags, embeds
and classifies a batch. A text-only model (``use_graph=False``) has the ``text`` input alone.

Example:
    >>> HEAD_OUTPUT
    'fusion_logits'
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from kg.io import atomic_path

if TYPE_CHECKING:
    from fusion.model import FusionModel

__all__ = ["GRAPH_INPUTS", "HEAD_OUTPUT", "export_head_onnx"]

logger = logging.getLogger(__name__)

#: the graph inputs of the head, in order (after ``text``)
GRAPH_INPUTS = ("nodes", "role", "weight", "label", "label0", "mask")
HEAD_OUTPUT = "fusion_logits"


def export_head_onnx(model: FusionModel, path: str | os.PathLike[str], *,
                     opset: int = 17) -> Path:
    """Write the fusion head of ``model`` (its current weights, eval mode) to ``path``.

    The export is traced on a two-query batch with three elements each; the batch and element
    axes stay dynamic (``tests/fusion/test_onnx.py`` checks other shapes against the torch
    forward). The file is written atomically.
    """
    import torch

    from fusion.model import Batch

    class _Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, text, nodes=None, role=None, weight=None, label=None, label0=None,
                    mask=None):
            if nodes is None:  # text-only model
                b = text.shape[0]
                nodes = torch.zeros(b, 1, model.config.node_dim)
                role = label = label0 = torch.zeros(b, 1, dtype=torch.long)
                weight = torch.zeros(b, 1)
                mask = torch.zeros(b, 1, dtype=torch.bool)
            return self.m(Batch(text, nodes, role, weight, label, label0, mask))

    cfg = model.config
    b, m = 2, 3
    text = torch.randn(b, cfg.text_dim)
    names = ["text"]
    args: tuple = (text,)
    axes = {"text": {0: "batch"}, HEAD_OUTPUT: {0: "batch"}}
    if cfg.use_graph:
        args = (text, torch.randn(b, m, cfg.node_dim), torch.zeros(b, m, dtype=torch.long),
                torch.rand(b, m), torch.zeros(b, m, dtype=torch.long),
                torch.zeros(b, m, dtype=torch.long), torch.ones(b, m, dtype=torch.bool))
        names += list(GRAPH_INPUTS)
        axes.update({n: {0: "batch", 1: "elements"} for n in GRAPH_INPUTS})
    path = Path(path)
    was_training = model.training
    model.eval()
    try:
        with atomic_path(path) as tmp, torch.inference_mode(), warnings.catch_warnings():
            # the tracer's notes on constant shapes (the hidden size) and on index export
            warnings.simplefilter("ignore")
            torch.onnx.export(_Head().eval(), args, str(tmp), input_names=names,
                              output_names=[HEAD_OUTPUT], dynamic_axes=axes,
                              opset_version=opset, dynamo=False)
    finally:
        model.train(was_training)
    logger.info("wrote the fusion head to %s", path)
    return path
