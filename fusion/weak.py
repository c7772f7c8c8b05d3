"""Weak supervision for the intent from the KG's taxonomy: category names as training queries.

A search index's intent labels are few queries each (Best Buy's train+dev: 207 lvl1 labels,
143 of them with 4 queries or fewer), but the KG's category tree names what falls under each
label: ``Cooktops``, ``Gas Cooktops`` and ``Wall Ovens`` under ``Appliances > Ranges, Cooktops &
Ovens``. :func:`taxonomy_queries` lists the KG's category names with their paths (one per
distinct name); featurised like queries (:func:`featurize_weak`), they become
:class:`WeakExample` s, and :func:`label_weak` gives each the label of a label space it falls
under (:class:`fusion.context.TaxonomyAlignment`) so that training can add them to the labelled
queries. Only labels of the given label space are used: a category that aligns with none is
left out, so weak examples never add a label the queries don't have.

Example:
    >>> import networkx as nx, torch
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("c1", kind="category", label="Gas Cooktops",
    ...            path="Appliances > Cooktops & Ovens > Cooktops > Gas Cooktops")
    >>> g.add_node("c2", kind="category", label="Desks", path="Furniture > Desks")
    >>> pairs = taxonomy_queries(g)
    >>> pairs[1]
    ('Gas Cooktops', 'Appliances > Cooktops & Ovens > Cooktops > Gas Cooktops')
    >>> weak = [WeakExample(FusionInput(torch.zeros(4), text=n), p) for n, p in pairs]
    >>> [(ex.input.text, ex.lvl1) for ex in label_weak(weak, ["Appliances > Cooktops & Ovens"])]
    [('Gas Cooktops', 'Appliances > Cooktops & Ovens')]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fusion.context import TaxonomyAlignment
from fusion.errors import FusionDataError
from fusion.types import SEP, FusionExample, FusionInput, QueryFeaturizer

__all__ = ["WeakExample", "featurize_weak", "label_weak", "taxonomy_examples",
           "taxonomy_queries"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeakExample:
    """A featurised pseudo-query (``input.text`` is the category name) and the KG path it names."""

    input: FusionInput
    path: str


def taxonomy_queries(graph: Any) -> list[tuple[str, str]]:
    """``(name, path)`` of the KG's category nodes, one per distinct name (case-folded; the
    shallowest path, then the first in order, wins: of the 1,290 names the default KG gives
    Best Buy's labels, 17 name categories under two or three labels, e.g. ``Radios``), sorted
    by name. ``graph``: a ``ProductGraph`` or its networkx view."""
    from fusion.hetero import as_networkx

    best: dict[str, tuple[int, str, str]] = {}
    for _, a in as_networkx(graph).nodes(data=True):
        if a.get("kind") != "category":
            continue
        path = a.get("path")
        name = (a.get("label") or (path or "").rsplit(">", 1)[-1]).strip()
        if not path or not name:
            continue
        key = (path.count(">"), path, name)
        fold = name.casefold()
        if fold not in best or key < best[fold]:
            best[fold] = key
    return sorted(((name, path) for _, path, name in best.values()),
                  key=lambda pair: (pair[0].casefold(), pair[1]))


def featurize_weak(pairs: Sequence[tuple[str, str]], featurizer: QueryFeaturizer, *,
                   progress: bool = False) -> list[WeakExample]:
    """Featurise the names of ``pairs`` (from :func:`taxonomy_queries`) as queries are, keeping
    the text embedding only: a category name links to its own category, whose pointer then
    *is* the label, and a model trained on that learns to copy the pointer of real queries."""
    inputs = featurizer.featurize([name for name, _ in pairs], progress=progress)
    if len(inputs) != len(pairs):
        raise FusionDataError(f"the featurizer returned {len(inputs)} inputs for "
                              f"{len(pairs)} category names")
    logger.info("taxonomy queries: %d category names featurised", len(pairs))
    return [WeakExample(FusionInput(inp.text_embedding, (), inp.text), path)
            for inp, (_, path) in zip(inputs, pairs, strict=True)]


def label_weak(weak: Sequence[WeakExample], labels: Sequence[str]) -> list[FusionExample]:
    """The weak examples that fall under one of ``labels``, labelled with it."""
    taxonomy = TaxonomyAlignment(sorted(set(labels)))
    out = []
    for ex in weak:
        lab = taxonomy.label(ex.path)
        if lab is not None:
            out.append(FusionExample(ex.input, lvl1=lab, lvl0=lab.split(SEP)[0]))
    return out


def taxonomy_examples(graph: Any, featurizer: QueryFeaturizer, labels: Sequence[str], *,
                      progress: bool = False) -> list[FusionExample]:
    """The KG's category names as labelled training examples for ``labels`` (the three steps
    above in one call: list, featurise, label)."""
    return label_weak(featurize_weak(taxonomy_queries(graph), featurizer, progress=progress),
                      labels)
