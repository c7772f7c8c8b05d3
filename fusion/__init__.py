"""Graph + text fusion: KG -> PyG HeteroData, GNN encoder, fusion intent classifier, expansion.

May import :mod:`kg`; never :mod:`parser` (query text embeddings arrive as tensors).

Example:
    >>> import torch, fusion
    >>> m = fusion.FusionModel(fusion.FusionConfig(text_dim=4, use_graph=False), labels=["A > B"])
    >>> m.predict(fusion.FusionInput(text_embedding=torch.zeros(4))).lvl0
    'A'
"""


def _check_not_shadowed(*siblings: str) -> None:
    """kgqp's top-level packages (kg, parser, fusion) must come from one place: a distribution
    with the same top-level name (PyPI ``fusion`` has one) would be imported instead of ours and
    fail with confusing errors later. Cheap: a path comparison, no import."""
    import importlib.util
    import os
    import sys

    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in siblings:
        mod = sys.modules.get(name)
        origin = getattr(mod, "__file__", None) if mod is not None else None
        if mod is None:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            origin = spec.origin if spec is not None else None
        if origin and os.path.dirname(os.path.dirname(os.path.abspath(origin))) != home:
            raise ImportError(
                f"the top-level package {name!r} resolves to {origin}, not to kgqp's "
                f"{os.path.join(home, name)}: another distribution shadows it (for 'fusion', "
                f"the PyPI package 'fusion'). Uninstall it (`pip uninstall {name}`) or use a "
                "separate virtual environment for kgqp"
            )

_check_not_shadowed("kg", "parser")

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
