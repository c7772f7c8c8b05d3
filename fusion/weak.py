"""Weak supervision for the intent from the KG's taxonomy: category names as training queries.

A search index's intent labels are few queries each (Best Buy's train+dev: 207 lvl1 labels,
143 of them with 4 queries or fewer), but the KG's category tree names what falls under each
label: ``Cooktops``, ``Gas Cooktops`` and ``Wall Ovens`` under ``Appliances > Ranges, Cooktops &
Ovens``. :func:`taxonomy_queries` lists the KG's category names with their paths (one per
distinct name); featurised like queries (:func:`featurize_weak`), they become
:class:`WeakExample` s, and :func:`label_weak` gives each the label of a label space it falls
under (:class:`fusion.context.TaxonomyAlignment`) so that training can add them to the labelled
queries. Only labels of the given label space are used: a category that aligns with none is
left out, so weak examples never add a label outside it. :func:`taxonomy_labels` widens a label
space learnt from queries with the labels the tree names beside them (a department's other
child categories), so that a category nobody has searched for yet can still be predicted.

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

from fusion.context import TaxonomyAlignment, category_paths
from fusion.errors import FusionDataError
from fusion.types import SEP, FusionExample, FusionInput, QueryFeaturizer

__all__ = ["WeakExample", "featurize_weak", "label_weak", "taxonomy_examples",
           "taxonomy_labels", "taxonomy_queries"]

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


def taxonomy_labels(graph: Any, labels: Sequence[str]) -> list[str]:
    """``labels`` and the labels the KG's tree names beside them: ``"A > C"`` for every child
    category ``C`` (a ``parent`` edge) of the department node of each first level ``A`` of
    ``labels`` (the shallowest category named ``A``, then the first by IRI), sorted.

    A label space learnt from queries misses the categories nobody searched for yet (in Best
    Buy's train+dev, 63 of the 207 lvl1 labels have one query); the tree still lists them, and
    :func:`label_weak` gives them the KG's category names under them as training examples.
    ``graph``: a ``ProductGraph`` or its networkx view. Non-linkable categories (promotions)
    are left out.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", kind="category", label="Appliances", path="Appliances")
    >>> g.add_node("t", kind="category", label="Trash Compactors",
    ...            path="Appliances > Trash Compactors")
    >>> _ = g.add_edge("t", "a", relation="parent")
    >>> taxonomy_labels(g, ["Appliances > Microwaves"])
    ['Appliances > Microwaves', 'Appliances > Trash Compactors']
    """
    from fusion.hetero import as_networkx

    g = as_networkx(graph)
    departments = {lab.split(SEP)[0] for lab in labels}
    node: dict[str, tuple[int, str]] = {}
    for iri, a in g.nodes(data=True):
        name = a.get("label")
        if a.get("kind") == "category" and name in departments:
            key = ((a.get("path") or "").count(">"), iri)
            if name not in node or key < node[name]:
                node[name] = key
    out = set(labels)
    for dept, (_, iri) in node.items():
        for child, _, e in g.in_edges(iri, data=True):
            a = g.nodes[child]
            if e.get("relation") == "parent" and a.get("kind") == "category" and \
                    a.get("linkable") is not False and a.get("label"):
                out.add(dept + SEP + str(a["label"]).strip())
    return sorted(out)


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


def label_weak(weak: Sequence[WeakExample], labels: Sequence[str], *,
               paths: Sequence[str] | None = None) -> list[FusionExample]:
    """The weak examples that fall under one of ``labels``, labelled with it (``paths``: the
    KG's category paths, :func:`fusion.context.category_paths`, from which the alignment
    reads departments the tree names otherwise; default: the weak examples' own)."""
    taxonomy = TaxonomyAlignment(sorted(set(labels)), paths=[ex.path for ex in weak]
                                 if paths is None else paths)
    out = []
    for ex in weak:
        lab = taxonomy.label(ex.path)
        if lab is not None:
            out.append(FusionExample(ex.input, lvl1=lab, lvl0=lab.split(SEP)[0], weak=True))
    return out


def taxonomy_examples(graph: Any, featurizer: QueryFeaturizer, labels: Sequence[str], *,
                      progress: bool = False) -> list[FusionExample]:
    """The KG's category names as labelled training examples for ``labels`` (the three steps
    above in one call: list, featurise, label)."""
    return label_weak(featurize_weak(taxonomy_queries(graph), featurizer, progress=progress),
                      labels, paths=category_paths(graph))
