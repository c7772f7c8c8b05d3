"""Graph + text fusion: KG -> PyG HeteroData, GNN encoder, fusion intent classifier, expansion.

May import :mod:`kg`; never :mod:`parser` (query text embeddings arrive as tensors).

Example:
    >>> import torch, fusion
    >>> m = fusion.FusionModel(fusion.FusionConfig(text_dim=4, use_graph=False), labels=["A > B"])
    >>> m.predict(fusion.FusionInput(text_embedding=torch.zeros(4))).lvl0
    'A'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kg._packages import check_not_shadowed

check_not_shadowed("kg", "parser")

from fusion.errors import (  # noqa: E402  (light: no torch)
    FusionConfigError,
    FusionDataError,
    FusionError,
    FusionLoadError,
    RuleSyntaxError,
)

if TYPE_CHECKING:
    from fusion.model import FusionConfig, FusionModel
    from fusion.train import TrainConfig, train_fusion
    from fusion.types import FusionExample, FusionInput, Intent, LinkedEntity, QueryFeaturizer

#: public name -> the module that defines it: imported on first use, so that importing a light
#: submodule (``fusion.errors``, ``fusion.patterns``) does not import torch (an error report of
#: ``kgqp kg load`` took 5 s and 400 MB to import the fusion model for its exit code)
_EXPORTS = {
    "FusionConfig": "fusion.model", "FusionModel": "fusion.model",
    "TrainConfig": "fusion.train", "train_fusion": "fusion.train",
    "FusionExample": "fusion.types", "FusionInput": "fusion.types", "Intent": "fusion.types",
    "LinkedEntity": "fusion.types", "QueryFeaturizer": "fusion.types",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        try:  # a submodule: ``fusion.model`` after ``import fusion``, as before the lazy exports
            return importlib.import_module(f"fusion.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"fusion.{name}":
                raise
        raise AttributeError(f"module 'fusion' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
