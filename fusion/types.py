"""What fusion reads and returns: the types between the parser and the fusion model.

A parse hands fusion one :class:`FusionInput` per query: the query's text embedding (from the
tagger's own encoder pass) and the KG nodes its entities were linked to, each with its link
score (:class:`LinkedEntity`). A :class:`QueryFeaturizer` is what turns query texts into those
inputs; the parser provides the one it serves with (tagger spans + linker), so a fusion model is
trained on exactly the inputs it sees at parse time.

Example:
    >>> import torch
    >>> lg = LinkedEntity("https://kgqp.dev/id/brand/lg", "brand", 0.9)
    >>> inp = FusionInput(torch.zeros(4), (lg,))
    >>> inp.linked[0].score
    0.9
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

from fusion.errors import FusionDataError

__all__ = ["ROLES", "SEP", "FusionExample", "FusionInput", "Intent", "LinkedEntity",
           "QueryFeaturizer"]

ROLES = ("category", "brand", "product", "product_type", "attribute_value", "neighbour")
_ROLE_ID = {r: i for i, r in enumerate(ROLES)}
SEP = " > "


@dataclass(frozen=True)
class LinkedEntity:
    """A KG node the query refers to, as the linker linked it: ``score`` is the link score,
    ``label`` the tagger's label of the mention linked to it (``creator``, ``color`` ...), when
    known: expansion reads it to tell a colour from a word that only names one ("soft");
    ``mention`` the query's words linked to it, when known: expansion reads the words before
    them ("not samsung", "case for samsung": no brand filter).

    >>> LinkedEntity("https://kgqp.dev/id/brand/samsung", "brand", 0.9).kind
    'brand'
    """

    iri: str
    kind: str
    score: float = 1.0
    label: str | None = None
    mention: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ROLES[:-1]:
            raise FusionDataError(
                f"LinkedEntity.kind must be one of {ROLES[:-1]}, got {self.kind!r}"
            )
        if not (math.isfinite(self.score) and self.score >= 0):
            raise FusionDataError(f"LinkedEntity.score must be finite and >= 0, got {self.score}")


@dataclass(frozen=True)
class FusionInput:
    """What the fusion model sees of a query.

    Args:
        text_embedding: ``Tensor[text_dim]`` from :class:`fusion.text.TextEncoder`.
        linked: the query's linked KG entities (may be empty).
        text: the query text (for logs and rules only).

    >>> import torch
    >>> FusionInput(text_embedding=torch.zeros(384)).linked
    ()
    """

    text_embedding: Tensor
    linked: tuple[LinkedEntity, ...] = ()
    text: str = ""

    def __post_init__(self) -> None:
        t = self.text_embedding
        if not isinstance(t, Tensor) or t.dim() != 1 or not t.is_floating_point():
            raise FusionDataError(
                "FusionInput.text_embedding must be a 1-d float tensor "
                f"[text_dim], got {getattr(t, 'shape', type(t))}"
            )
        if not bool(torch.isfinite(t).all()):
            raise FusionDataError("FusionInput.text_embedding contains NaN or inf")
        object.__setattr__(self, "linked", tuple(self.linked))


@dataclass(frozen=True)
class FusionExample:
    """A labelled training/evaluation example: the input and its lvl1 (``"A > B"``) and lvl0."""

    input: FusionInput
    lvl1: str
    lvl0: str
    #: a weak example (a category name as a query, :mod:`fusion.weak`): trained on, never
    #: scored, not remembered by the query memory (:mod:`fusion.memory`)
    weak: bool = False


@dataclass(frozen=True)
class Intent:
    """The predicted category intent of a query.

    Attributes:
        category: lvl1 path ``"A > B"``.
        lvl0: ``"A"``, always the first level of ``category``.
        score: probability of ``category``.
        lvl0_score: probability of ``lvl0`` (sum over its lvl1 children).
        top_k: ``(lvl1 path, probability)`` best first.
        category_iri: the KG category node whose path is ``category``, if there is one.
        familiarity: the query's cosine to its nearest training query (a model with a query
            memory, :mod:`fusion.memory`; ``None`` without one).
        familiar_floor: the model's :attr:`fusion.memory.QueryMemory.familiar_floor`: below
            it, the query is less familiar than 9 in 10 training queries (``None``: no memory).
    """

    category: str
    lvl0: str
    score: float
    lvl0_score: float
    top_k: tuple[tuple[str, float], ...]
    category_iri: str | None = None
    familiarity: float | None = None
    familiar_floor: float | None = None

    @property
    def unfamiliar(self) -> bool:
        """Whether the query is less like the training queries than 9 in 10 of them are
        like each other (False when unknown)."""
        return self.familiarity is not None and self.familiar_floor is not None \
            and self.familiarity < self.familiar_floor


@runtime_checkable
class QueryFeaturizer(Protocol):
    """Turns query texts into :class:`FusionInput` s (text embedding + linked KG nodes).

    ``name`` identifies the text encoder (saved with a trained model, checked when serving);
    ``dim`` is the text embedding size. :class:`parser.pipeline.QueryParser` implements it with
    its own tagger and linker (``QueryParser.featurize``), so training sees what serving sees.
    """

    name: str
    dim: int

    def featurize(self, texts: Sequence[str], *, progress: bool = False) -> list[FusionInput]:
        ...  # pragma: no cover - protocol
