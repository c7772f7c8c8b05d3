"""Accuracy of intent predictions, and the linking-only baseline.

Example:
    >>> import torch
    >>> from fusion.model import FusionConfig, FusionExample, FusionInput, FusionModel
    >>> m = FusionModel(FusionConfig(text_dim=4, use_graph=False), labels=["A > B"])
    >>> ex = FusionExample(FusionInput(torch.zeros(4)), lvl1="A > B", lvl0="A")
    >>> evaluate(m, [ex])["lvl1_accuracy"]
    1.0
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from fusion.context import GraphContext
from fusion.model import FusionModel
from fusion.types import SEP, FusionExample, LinkedEntity

__all__ = ["evaluate", "linking_baseline"]


def _scores(examples: Sequence[FusionExample], top: Sequence[list[str]]) -> dict[str, float]:
    n = len(examples)
    if n == 0:
        return {"lvl0_accuracy": 0.0, "lvl1_accuracy": 0.0, "lvl1_top3_accuracy": 0.0, "n": 0}
    l1 = sum(t[0] == ex.lvl1 for ex, t in zip(examples, top, strict=True))
    l0 = sum(t[0].split(SEP)[0] == ex.lvl0 for ex, t in zip(examples, top, strict=True))
    t3 = sum(ex.lvl1 in t[:3] for ex, t in zip(examples, top, strict=True))
    return {"lvl0_accuracy": l0 / n, "lvl1_accuracy": l1 / n, "lvl1_top3_accuracy": t3 / n, "n": n}


def evaluate(
    model: FusionModel, examples: Sequence[FusionExample], *, batch_size: int = 256
) -> dict[str, float]:
    """``{"lvl0_accuracy", "lvl1_accuracy", "lvl1_top3_accuracy", "n"}`` of ``model``.

    lvl0 is the first level of the predicted lvl1, compared with the example's own lvl0 label.
    """
    top: list[list[str]] = []
    for s in range(0, len(examples), batch_size):
        for intent in model.predict_batch([ex.input for ex in examples[s : s + batch_size]]):
            top.append([c for c, _ in intent.top_k])
    return _scores(examples, top)


def linking_baseline(
    context: GraphContext, examples: Sequence[FusionExample], *, fallback: Sequence[str]
) -> dict[str, float]:
    """Linking only: the intent labels of the linked entities' category neighbourhoods, weighted
    by link score x neighbourhood share; queries with none get the ``fallback`` ranking (e.g. the
    training labels by frequency)."""
    top = []
    for ex in examples:
        top.append(rank_by_links(context, ex.input.linked, fallback=fallback))
    return _scores(examples, top)


def rank_by_links(
    context: GraphContext, linked: Sequence[LinkedEntity], *, fallback: Sequence[str]
) -> list[str]:
    votes: Counter[str] = Counter()
    for ent in linked:
        for cat, share in context.category_neighbourhood(ent.iri):
            lab = context.label_of(cat)
            if lab is not None:
                votes[context.labels[lab]] += ent.score * share
    ranked = [lab for lab, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ranked + [lab for lab in fallback if lab not in votes]
