"""What the fusion model reads from the KG: node embeddings and category neighbourhoods.

:class:`GraphContext` wraps a KG (as a networkx view), its precomputed :class:`NodeEmbeddings` and
the intent label space (Best Buy ``"A > B"`` category paths). For a linked entity it returns the
categories around it, each with a weight:

- category: itself;
- brand: the categories it ``sells_in`` and those of its products (``has_brand`` reversed);
- product: its ``in_category`` targets;
- product type: its ``type_in`` targets and its products' categories;
- attribute value: the categories of the products that have it;
- any node: the same for its ``synonym`` neighbours.

and maps a category node to the intent label it falls under (:class:`TaxonomyAlignment`: the
first two levels of its path, or the label its path's names align with when the label space
flattens the tree). Names are compared as the KG keys them (:func:`category_key`: case, width,
spacing and punctuation folded), so labels spelt ``"Kitchen & Dining > Coffee Mugs"`` align
with a KG whose path reads ``"kitchen dining > coffee mugs"``; the labels keep their own
spelling. A department the tree names otherwise (the store's facets say ``Smart Home``, its
catalogue's tree ``Connected Home``) is read from the KG's category paths
(:attr:`TaxonomyAlignment.renamed`). A label space of which fewer than half the labels align
with any KG category is logged as a warning (:data:`MIN_ALIGNED_SHARE`): its category filters,
tree expansions, weak queries and label names are then mostly off.

Example:
    >>> import networkx as nx, torch
    >>> from fusion.gnn import NodeEmbeddings
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("b", kind="brand", label="Samsung")
    >>> g.add_node("c", kind="category", label="TVs", path="TV & Home Theater > TVs")
    >>> _ = g.add_edge("b", "c", relation="sells_in")
    >>> emb = NodeEmbeddings(iris=["b", "c"], kinds=["brand", "category"], matrix=torch.zeros(2, 4))
    >>> ctx = GraphContext(g, emb, labels=["TV & Home Theater > TVs"])
    >>> ctx.category_neighbourhood("b"), ctx.label_of("c")
    ([('c', 1.0)], 0)
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from fusion.gnn import NodeEmbeddings
from fusion.hetero import as_networkx
from kg.schema import normalize_name, slug

__all__ = ["MIN_ALIGNED_SHARE", "MIN_RENAME_EVIDENCE", "GraphContext", "TaxonomyAlignment",
           "category_key", "category_paths", "warn_if_unaligned"]

logger = logging.getLogger(__name__)

SEP = " > "

#: below this share of labels aligned with some KG category, the label space is warned about
MIN_ALIGNED_SHARE = 0.5

#: labels of a department the tree names otherwise that must name categories under one node
#: of the tree for that node to be read as the department (:class:`TaxonomyAlignment`)
MIN_RENAME_EVIDENCE = 2


def category_key(name: str) -> str:
    """A category name (one level of a path) as the KG keys its category nodes
    (:func:`kg.schema.slug`: invisible characters dropped, NFKC, case-folded, runs of spaces
    and punctuation one ``-``): the names of labels and KG paths are compared by it.

    >>> category_key("Kitchen & Dining") == category_key(" kitchen  dining")
    True
    """
    return slug(name.strip())


def category_paths(graph: Any) -> list[str]:
    """The paths of a KG's category nodes (``graph``: a ``ProductGraph`` or its networkx
    view), what :class:`TaxonomyAlignment` reads the tree's department names from."""
    return [a["path"] for _, a in as_networkx(graph).nodes(data=True)
            if a.get("kind") == "category" and a.get("path")]


def _path_key(path: str) -> tuple[str, ...]:
    return tuple(category_key(p) for p in path.split(">"))


#: how names are folded to compare a label's with a KG path's, mildest first: case, width and
#: spacing ("Coffee Mugs", "coffee  mugs"), then punctuation too ("Kitchen & Dining",
#: "kitchen dining"); a name spelt the same always wins ("DVD+R/RW" is not "DVD-R/RW")
_FOLDS = (normalize_name, category_key)


# label spaces already warned about (one warning per label space and process: a context is
# rebuilt on every KG commit, and cross-validation trains many models on the same labels)
_WARNED: set[int] = set()
_WARNED_LOCK = threading.Lock()


def warn_if_unaligned(labels: Sequence[str], aligned: Iterable[str], n_categories: int) -> int:
    """Log a warning when fewer than :data:`MIN_ALIGNED_SHARE` of ``labels`` have a KG
    category aligned with them (``aligned``: the labels that do; ``n_categories``: the KG's
    category nodes with a path), once per label space. Returns how many labels align."""
    labs = sorted(set(labels))
    hit = set(aligned) & set(labs)
    if not labs or len(hit) >= MIN_ALIGNED_SHARE * len(labs):
        return len(hit)
    key = hash(tuple(labs))
    with _WARNED_LOCK:
        if key in _WARNED:
            return len(hit)
        _WARNED.add(key)
    missing = [lab for lab in labs if lab not in hit]
    logger.warning(
        "only %d of %d intent labels align with a category of the KG (%d categories with a "
        "path), e.g. %s not found: their queries get no category filter, tree expansion, weak "
        "queries or label names. Labels are \"lvl0 > lvl1\" names of KG category paths (case "
        "and punctuation aside); check that the training data and the KG use the same tree",
        len(hit), len(labs), n_categories, ", ".join(repr(m) for m in missing[:5]))
    return len(hit)


class TaxonomyAlignment:
    """Where a KG category falls in an intent label space of ``"lvl0 > lvl1"`` paths whose levels
    skip or re-root levels of the KG's tree.

    Search indexes often flatten the catalogue's tree: Best Buy's query facets say
    ``Office Electronics > Calculators`` for the tree's ``Connected Home & Housewares > Office
    Electronics > Calculators``, and ``Computers & Tablets > Laptop Accessories`` for a node two
    levels down. A category's label is the ``"A > B"`` label with ``B`` the deepest of its path's
    names (itself or an ancestor) that some label names under an ancestor ``A``; its department
    is that label's first level, else the shallowest name on its path that is a department.
    Names spelt otherwise than the path's are compared folded: case, width and spacing, then
    punctuation too (:func:`category_key`); a label spelt as the path wins over one that
    differs from it, and the label and department returned are spelt as the label space spells
    them. Results are memoised per path.

    Example:
        >>> t = TaxonomyAlignment(["Office Electronics > Calculators", "Audio > Headphones"])
        >>> t.label("Connected Home & Housewares > Office Electronics > Calculators > Printing")
        'Office Electronics > Calculators'
        >>> t.department("Connected Home & Housewares > Office Electronics > Shredders")
        'Office Electronics'
        >>> t.label("Audio > Headphones"), t.department("Furniture > Desks")
        ('Audio > Headphones', None)
        >>> t.label("audio >  HEADPHONES"), t.department("AUDIO > Speakers")
        ('Audio > Headphones', 'Audio')
    """

    def __init__(self, labels: Sequence[str], departments: Sequence[str] = (), *,
                 paths: Iterable[str] = ()) -> None:
        self.labels = frozenset(labels)
        #: the first levels of the labels, and any ``departments`` given besides
        self.departments = frozenset({lab.split(SEP)[0] for lab in labels} | set(departments))
        # the same by their names' keys, for names spelt otherwise than the KG's: case and
        # spacing folded, then punctuation too (_FOLDS); of labels or departments with the
        # same key, the first in sorted order
        self._label_keys: list[dict[tuple[str, ...], str]] = [{} for _ in _FOLDS]
        self._dept_keys: list[dict[str, str]] = [{} for _ in _FOLDS]
        for fold, by_label, by_dept in zip(_FOLDS, self._label_keys, self._dept_keys,
                                           strict=True):
            for lab in sorted(self.labels):
                by_label.setdefault(tuple(fold(p) for p in lab.split(">")), lab)
            for dept in sorted(self.departments):
                by_dept.setdefault(fold(dept), dept)
        self._memo: dict[str, tuple[str | None, str | None]] = {}
        #: a department of the labels that the tree of ``paths`` names otherwise, with that
        #: name (:meth:`_renamed_departments`): ``{"Smart Home": "Connected Home"}``
        self.renamed: dict[str, str] = self._renamed_departments(paths)
        if self.renamed:
            # (the tree's name as a second key of the department and its labels, after every
            # label's own: a name some label or department has keeps it)
            by_label, by_dept = self._label_keys[-1], self._dept_keys[-1]
            fold = _FOLDS[-1]
            for dept, name in sorted(self.renamed.items()):
                by_dept.setdefault(fold(name), dept)
                for lab in sorted(lab for lab in self.labels if lab.split(SEP)[0] == dept):
                    by_label.setdefault(
                        (fold(name), *(fold(p) for p in lab.split(">")[1:])), lab)
            self._memo.clear()

    def _renamed_departments(self, paths: Iterable[str]) -> dict[str, str]:
        """Departments of the labels that the tree of ``paths`` (the KG's category paths)
        spells otherwise, with the tree's name for each.

        A store's search facets may keep a department the catalogue's tree has renamed: Best
        Buy's queries say ``Smart Home > Smart Lighting`` where categories.json files Smart
        Lighting under ``Connected Home & Housewares > Connected Home``. No label of such a
        department aligns, so its intents had no KG category (no filter node, no tree walk,
        no label names or weak queries) and its categories no department. A department none
        of whose labels aligns with any path is read as the tree's node ``X`` under which the
        last names of at least :data:`MIN_RENAME_EVIDENCE` of its labels, and more than half
        of them, name categories; of several such nodes, the one naming the most labels, then
        the deepest (the department itself, not the root above it). ``X`` must be no
        department of the labels already.

        >>> t = TaxonomyAlignment(["Smart Home > Smart Lighting", "Smart Home > Baby Monitors",
        ...                        "Smart Home > Plugs"], paths=[
        ...     "Housewares > Connected Home > Smart Lighting",
        ...     "Housewares > Connected Home > Baby Monitors",
        ...     "Housewares > Connected Home > Smart Lighting > Smart Light Bulbs"])
        >>> t.renamed, t.label("Housewares > Connected Home > Smart Lighting > Smart Light Bulbs")
        ({'Smart Home': 'Connected Home'}, 'Smart Home > Smart Lighting')
        >>> t.department("Housewares > Connected Home > Hubs")
        'Smart Home'
        """
        paths = [p for p in paths if p]
        if not paths:
            return {}
        fold = _FOLDS[-1]
        aligned_depts = {lab.split(SEP)[0] for p in paths if (lab := self.label(p))}
        by_last: dict[str, list[list[str]]] = {}
        for path in paths:
            parts = [p.strip() for p in path.split(">")]
            by_last.setdefault(fold(parts[-1]), []).append(parts[:-1])
        taken = {fold(d) for d in self.departments}
        out: dict[str, str] = {}
        for dept in sorted({lab.split(SEP)[0] for lab in self.labels} - aligned_depts):
            labs = [lab for lab in self.labels if lab.split(SEP)[0] == dept]
            votes: Counter[tuple[str, int]] = Counter()
            names: dict[tuple[str, int], str] = {}
            for lab in labs:
                under: set[tuple[str, int]] = set()
                for ancestors in by_last.get(fold(lab.rsplit(SEP, 1)[-1]), ()):
                    for depth, name in enumerate(ancestors):
                        if fold(name) not in taken:
                            under.add((fold(name), depth))
                            names.setdefault((fold(name), depth), name)
                votes.update(under)
            if not votes:
                continue
            (key, n) = max(votes.items(), key=lambda kv: (kv[1], kv[0][1], kv[0][0]))
            if n >= MIN_RENAME_EVIDENCE and n > len(labs) / 2:
                out[dept] = names[key]
                logger.info("the label space's department %r is %r in the KG's tree (%d of its "
                            "%d labels named under it)", dept, names[key], n, len(labs))
        return out

    def _align(self, path: str) -> tuple[str | None, str | None]:
        hit = self._memo.get(path)
        if hit is None:
            parts = [p.strip() for p in path.split(">")]
            keys = [[fold(p) for p in parts] for fold in _FOLDS]
            label = None
            for j in range(len(parts) - 1, 0, -1):
                # a label spelt as the path first, then one whose names fold to the path's
                label = next((lab for i in range(j)
                              if (lab := parts[i] + SEP + parts[j]) in self.labels), None)
                for k, by_label in zip(keys, self._label_keys, strict=True):
                    if label is not None:
                        break
                    label = next((lab for i in range(j)
                                  if (lab := by_label.get((k[i], k[j])))), None)
                if label is not None:
                    break
            dept = label.split(SEP)[0] if label is not None else None
            for n, p in enumerate(parts if label is None else ()):
                dept = p if p in self.departments else next(
                    (d for k, by_dept in zip(keys, self._dept_keys, strict=True)
                     if (d := by_dept.get(k[n]))), None)
                if dept is not None:
                    break
            hit = self._memo[path] = (label, dept)
        return hit

    def label(self, path: str | None) -> str | None:
        """The intent label a category with this path falls under, or ``None``."""
        return self._align(path)[0] if path else None

    def department(self, path: str | None) -> str | None:
        """The department (a label's first level) of a category with this path, or ``None``."""
        return self._align(path)[1] if path else None


class GraphContext:
    """KG neighbourhoods + node embeddings + the label space, with per-IRI memoisation
    (``taxonomy``: an alignment of the same labels to reuse, with what it memoised)."""

    def __init__(
        self,
        graph: Any,
        embeddings: NodeEmbeddings,
        *,
        labels: Sequence[str],
        max_neighbours: int = 8,
        taxonomy: TaxonomyAlignment | None = None,
    ) -> None:
        self.graph: nx.MultiDiGraph = as_networkx(graph)
        self.embeddings = embeddings
        self.labels = list(labels)
        self.max_neighbours = max_neighbours
        self._label_index = {lab: i for i, lab in enumerate(self.labels)}
        #: top levels of the labels, sorted (the order of FusionModel.lvl0_labels)
        self.lvl0_labels = sorted({lab.split(SEP)[0] for lab in self.labels})
        self._lvl0_index = {lab: i for i, lab in enumerate(self.lvl0_labels)}
        # a plain dict (an lru_cache of a bound method made a reference cycle: a context
        # replaced by a KG commit, with its graph and embeddings, then waited for the cyclic
        # garbage collector; the service's memory grew by ~25 MB per commit until it ran)
        self._neighbourhoods: dict[str, list[tuple[str, float]]] = {}
        #: where KG categories fall in the label space (see :class:`TaxonomyAlignment`)
        self.taxonomy = taxonomy if taxonomy is not None and taxonomy.labels == frozenset(
            self.labels) else TaxonomyAlignment(self.labels, paths=category_paths(self.graph))
        # intent label -> the KG category that is that label: its path, else the shallowest
        # category named like the label's last level under it (the label's node in the tree)
        # (names compared by their keys, so a label spelt otherwise than the KG still has its
        # node: the filter value and the tree walk read the node, not the label's spelling)
        self.label_iris: dict[str, str] = {}
        rank: dict[str, tuple[bool, bool, int, str]] = {}
        aligned: set[str] = set()
        n_categories = 0
        for iri, a in self.graph.nodes(data=True):
            path = a.get("path") if a.get("kind") == "category" else None
            lab = self.taxonomy.label(path)
            n_categories += bool(path)
            if lab is None:
                continue
            aligned.add(lab)
            if category_key(path.rsplit(">", 1)[-1]) != category_key(lab.rsplit(SEP, 1)[-1]):
                continue
            key = (_path_key(path) != _path_key(lab), path != lab, path.count(">"), iri)
            if lab not in rank or key < rank[lab]:
                rank[lab] = key
                self.label_iris[lab] = iri
        if taxonomy is None:  # (a context rebuilt for a KG commit reuses the model's)
            warn_if_unaligned(self.labels, aligned, n_categories)

    def kind(self, iri: str) -> str | None:
        a = self.graph.nodes.get(iri)
        return None if a is None else a.get("kind")

    def label_of(self, category_iri: str) -> int | None:
        """Index in :attr:`labels` of the intent a category node falls under, or ``None``."""
        a = self.graph.nodes.get(category_iri)
        if a is None:
            return None
        lvl1 = self.taxonomy.label(a.get("path"))
        return self._label_index.get(lvl1) if lvl1 else None

    def lvl0_of(self, category_iri: str) -> int | None:
        """Index in :attr:`lvl0_labels` of the top level of a category node, or ``None``."""
        a = self.graph.nodes.get(category_iri)
        dept = self.taxonomy.department(a.get("path")) if a is not None else None
        return self._lvl0_index.get(dept) if dept else None

    def _edges(self, iri: str, relation: str, direction: str) -> list[str]:
        if direction == "out":
            return [v for _, v, r in self.graph.out_edges(iri, data="relation") if r == relation]
        return [u for u, _, r in self.graph.in_edges(iri, data="relation") if r == relation]

    def _direct(self, iri: str) -> Counter[str]:
        kind = self.kind(iri)
        c: Counter[str] = Counter()
        if kind == "category":
            c[iri] += 1
        elif kind == "product":
            c.update(self._edges(iri, "in_category", "out"))
        elif kind == "brand":
            c.update(self._edges(iri, "sells_in", "out"))
            for p in self._edges(iri, "has_brand", "in")[:500]:
                c.update(self._edges(p, "in_category", "out"))
        elif kind == "product_type":
            c.update(self._edges(iri, "type_in", "out"))
            for p in self._edges(iri, "has_type", "in")[:500]:
                c.update(self._edges(p, "in_category", "out"))
        elif kind == "attribute_value":
            for p in self._edges(iri, "has_value", "in")[:500]:
                c.update(self._edges(p, "in_category", "out"))
        return c

    def category_neighbourhood(self, iri: str) -> list[tuple[str, float]]:
        """The categories ``iri`` leads to, each with its share (memoised, at most 200,000)."""
        hit = self._neighbourhoods.get(iri)
        if hit is None:
            if len(self._neighbourhoods) >= 200_000:
                self._neighbourhoods.clear()
            hit = self._neighbourhoods[iri] = self._category_neighbourhood(iri)
        return hit

    def _category_neighbourhood(self, iri: str) -> list[tuple[str, float]]:
        if iri not in self.graph:
            return []
        counts = self._direct(iri)
        for syn in self._edges(iri, "synonym", "out") + self._edges(iri, "synonym", "in"):
            counts.update(self._direct(syn))
        # prefer categories that map onto the label space, then the most frequent
        ranked = sorted(
            counts.items(),
            key=lambda kv: (
                self.label_of(kv[0]) is None,
                self.lvl0_of(kv[0]) is None,
                -kv[1],
                kv[0],
            ),
        )
        ranked = ranked[: self.max_neighbours]
        total = sum(n for _, n in ranked) or 1
        return [(cat, n / total) for cat, n in ranked]
