"""Intent labels described by the KG's taxonomy: text embeddings of their category names.

A lvl1 intent label such as ``Appliances > Ranges, Cooktops & Ovens`` has a name, and the KG's
category tree has the categories that fall under it (``Cooktops``, ``Wall Ovens``, ...; found
with :class:`fusion.context.TaxonomyAlignment`, so a tree that nests the label's node deeper than
the label space says still counts, and so does a label spelt otherwise than the KG in case or
punctuation). :func:`label_names` lists them; :func:`embed_label_names`
embeds them with the query text encoder (the featurizer the model is trained with), one vector
per label: half the label's own name, half the mean over its KG category names.

:class:`fusion.model.FusionModel` with ``use_label_names`` reads these vectors: the cosine of
the query's text embedding and the label's, times a learned scale, is added to the label's
logit (a zero-shot prior). A label with few training queries can then still be predicted from
what it is called: Best Buy's train+dev queries give 207 lvl1 labels, 143 of them with 4
queries or fewer.

Example:
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("c1", kind="category", path="Home > Office Electronics > Calculators")
    >>> g.add_node("c2", kind="category",
    ...            path="Home > Office Electronics > Calculators > Graphing Calculators")
    >>> label_names(["Office Electronics > Calculators", "Audio > Headphones"], g)
    [['Calculators', 'Graphing Calculators'], ['Headphones']]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fusion.context import TaxonomyAlignment, category_paths, warn_if_unaligned
from fusion.errors import FusionDataError
from fusion.types import SEP, QueryFeaturizer
from kg.schema import normalize_name

__all__ = ["MAX_LABEL_NAMES", "embed_label_names", "label_names", "stack_label_text"]

logger = logging.getLogger(__name__)

#: KG category names kept per label (the shallowest first): a label high in the tree has
#: hundreds of descendants, whose mean says little
MAX_LABEL_NAMES = 32


def label_names(labels: Sequence[str], graph: Any = None, *,
                max_names: int = MAX_LABEL_NAMES) -> list[list[str]]:
    """Per label: its own name (the last level) first, then the distinct names of the KG
    categories that fall under it (shallowest first, then by name), at most ``max_names``
    in all. ``graph``: a KG (``ProductGraph`` or its networkx view); ``None``: names only."""
    out = [[lab.rsplit(SEP, 1)[-1].strip()] for lab in labels]
    if graph is None:
        return out
    from fusion.hetero import as_networkx

    g = as_networkx(graph)
    taxonomy = TaxonomyAlignment(labels, paths=category_paths(g))
    index = {lab: i for i, lab in enumerate(labels)}
    found: dict[int, set[tuple[int, str]]] = {}
    n_categories = 0
    for _, a in g.nodes(data=True):
        path = a.get("path") if a.get("kind") == "category" else None
        lab = taxonomy.label(path)
        n_categories += bool(path)
        if lab is None:
            continue
        name = path.rsplit(">", 1)[-1].strip()
        if name:
            found.setdefault(index[lab], set()).add((path.count(">"), name))
    warn_if_unaligned(labels, [labels[i] for i in found], n_categories)
    for i, names in enumerate(out):
        # (a KG name that is the label's own but for case or spacing is not a second one)
        seen = {normalize_name(n) for n in names}
        for _, name in sorted(found.get(i, ())):
            if len(names) >= max_names:
                break
            if normalize_name(name) not in seen:
                names.append(name)
                seen.add(normalize_name(name))
    return out


def embed_label_names(labels: Sequence[str], featurizer: QueryFeaturizer, graph: Any = None,
                      *, max_names: int = MAX_LABEL_NAMES) -> dict[str, np.ndarray]:
    """One text embedding per label (``featurizer``'s query embedding, float32): the mean of
    its own name's embedding and the mean embedding of all its names (:func:`label_names`).
    A label whose KG has no category under it is its own name's embedding."""
    names = label_names(labels, graph, max_names=max_names)
    unique = sorted({n for ns in names for n in ns})
    inputs = featurizer.featurize(unique)
    if len(inputs) != len(unique):
        raise FusionDataError(f"the featurizer returned {len(inputs)} embeddings for "
                              f"{len(unique)} label names")
    vec = {n: inp.text_embedding.detach().float().numpy() for n, inp in zip(unique, inputs,
                                                                             strict=True)}
    out: dict[str, np.ndarray] = {}
    for lab, ns in zip(labels, names, strict=True):
        own = vec[ns[0]]
        out[lab] = (0.5 * own + 0.5 * np.mean([vec[n] for n in ns], axis=0)).astype(np.float32)
    logger.info("label-name embeddings: %d labels, %d names (%d labels with KG categories)",
                len(labels), len(unique), sum(1 for ns in names if len(ns) > 1))
    return out


def stack_label_text(labels: Sequence[str], label_text: Mapping[str, Any]) -> np.ndarray:
    """``[len(labels), dim]`` float32 rows of ``label_text`` in label order; a missing label
    raises :class:`FusionDataError`."""
    missing = [lab for lab in labels if lab not in label_text]
    if missing:
        raise FusionDataError(f"no label-name embedding for {len(missing)} label(s), e.g. "
                              f"{missing[:3]}; embed them with fusion.labels.embed_label_names")
    return np.stack([np.asarray(label_text[lab], dtype=np.float32) for lab in labels])
