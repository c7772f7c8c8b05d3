"""Graph + text fusion: KG -> PyG HeteroData, GNN encoder, fusion intent classifier, expansion.

May import :mod:`kg`; never :mod:`parser` (query text embeddings arrive as tensors).

Example:
    >>> import torch, fusion
    >>> m = fusion.FusionModel(fusion.FusionConfig(text_dim=4, use_graph=False), labels=["A > B"])
    >>> m.predict(fusion.FusionInput(text_embedding=torch.zeros(4))).lvl0
    'A'
"""

from kg._packages import check_not_shadowed

check_not_shadowed("kg", "parser")

from fusion.errors import (  # noqa: E402
    FusionConfigError,
    FusionDataError,
    FusionError,
    FusionLoadError,
    RuleSyntaxError,
)
from fusion.model import FusionConfig, FusionModel  # noqa: E402
from fusion.train import TrainConfig, train_fusion  # noqa: E402
from fusion.types import FusionExample, FusionInput, Intent, LinkedEntity, QueryFeaturizer  # noqa: E402

__all__ = [
    "FusionConfig",
    "FusionConfigError",
    "FusionDataError",
    "FusionError",
    "FusionExample",
    "FusionInput",
    "FusionLoadError",
    "FusionModel",
    "Intent",
    "LinkedEntity",
    "QueryFeaturizer",
    "RuleSyntaxError",
    "TrainConfig",
    "train_fusion",
]
