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
flattens the tree).

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

from collections import Counter
from collections.abc import Sequence
from typing import Any

import networkx as nx

from fusion.gnn import NodeEmbeddings
from fusion.hetero import as_networkx

__all__ = ["GraphContext", "TaxonomyAlignment"]

SEP = " > "


class TaxonomyAlignment:
    """Where a KG category falls in an intent label space of ``"lvl0 > lvl1"`` paths whose levels
    skip or re-root levels of the KG's tree.

    Search indexes often flatten the catalogue's tree: Best Buy's query facets say
    ``Office Electronics > Calculators`` for the tree's ``Connected Home & Housewares > Office
    Electronics > Calculators``, and ``Computers & Tablets > Laptop Accessories`` for a node two
    levels down. A category's label is the ``"A > B"`` label with ``B`` the deepest of its path's
    names (itself or an ancestor) that some label names under an ancestor ``A``; its department
    is that label's first level, else the shallowest name on its path that is a department.
    Results are memoised per path.

    Example:
        >>> t = TaxonomyAlignment(["Office Electronics > Calculators", "Audio > Headphones"])
        >>> t.label("Connected Home & Housewares > Office Electronics > Calculators > Printing")
        'Office Electronics > Calculators'
        >>> t.department("Connected Home & Housewares > Office Electronics > Shredders")
        'Office Electronics'
        >>> t.label("Audio > Headphones"), t.department("Furniture > Desks")
        ('Audio > Headphones', None)
    """

    def __init__(self, labels: Sequence[str], departments: Sequence[str] = ()) -> None:
        self.labels = frozenset(labels)
        #: the first levels of the labels, and any ``departments`` given besides
        self.departments = frozenset({lab.split(SEP)[0] for lab in labels} | set(departments))
        self._memo: dict[str, tuple[str | None, str | None]] = {}

    def _align(self, path: str) -> tuple[str | None, str | None]:
        hit = self._memo.get(path)
        if hit is None:
            parts = [p.strip() for p in path.split(">")]
            label = None
            for j in range(len(parts) - 1, 0, -1):
                label = next((lab for i in range(j)
                              if (lab := parts[i] + SEP + parts[j]) in self.labels), None)
                if label is not None:
                    break
            dept = label.split(SEP)[0] if label is not None else next(
                (p for p in parts if p in self.departments), None)
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
            self.labels) else TaxonomyAlignment(self.labels)
        # intent label -> the KG category that is that label: its path, else the shallowest
        # category named like the label's last level under it (the label's node in the tree)
        self.label_iris: dict[str, str] = {}
        rank: dict[str, tuple[int, int, str]] = {}
        for iri, a in self.graph.nodes(data=True):
            path = a.get("path") if a.get("kind") == "category" else None
            lab = self.taxonomy.label(path)
            if lab is None or path.rsplit(">", 1)[-1].strip() != lab.rsplit(SEP, 1)[-1]:
                continue
            key = (path != lab, path.count(">"), iri)
            if lab not in rank or key < rank[lab]:
                rank[lab] = key
                self.label_iris[lab] = iri

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
