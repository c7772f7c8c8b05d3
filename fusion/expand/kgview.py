"""The expansion's view of the KG: :class:`_KG` (a graph's nodes, edges and names, read once),
:class:`_Derived` and :func:`_cached` (per-graph caches), :class:`_Cand` (a candidate), brand facts
and a category's subtree."""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import networkx as nx

from fusion.context import TaxonomyAlignment
from fusion.expand.types import Triple
from fusion.hetero import as_networkx
from fusion.types import SEP
from kg.index import normalize_key
from kg.link import LINKABLE, brand_sales, compact_key, unlinkable_iris, word_set


class _KG:
    """A networkx view of the KG with the per-view caches expansion reads (popularity,
    non-linkable nodes, category index): the view is rebuilt, with empty caches, when the KG
    changes."""

    def __init__(self, g: nx.MultiDiGraph, source: Any = None) -> None:
        self.g = g
        self.source = source
        #: node -> its attributes: the graph's own dict, read directly (``g.nodes[iri]`` and
        #: ``iri in g`` are two Python calls a look-up, and a parse makes some 50 of them)
        self._attrs: dict[str, dict[str, Any]] = g._node

    def label(self, iri: str) -> str:
        return str(self._attrs[iri].get("label") or iri)

    def named(self, iri: str) -> bool:
        """Whether ``iri`` is a KG node with a name: one an expansion may name (an edge to an
        IRI that is no node, a misspelt one, makes networkx add a node without attributes)."""
        attrs = self._attrs.get(iri)
        return attrs is not None and bool(attrs.get("label"))

    def kind(self, iri: str) -> str | None:
        attrs = self._attrs.get(iri)
        return attrs.get("kind") if attrs is not None else None

    def path(self, iri: str) -> str | None:
        attrs = self._attrs.get(iri)
        return attrs.get("path") if attrs is not None else None

    def department(self, iri: str) -> str | None:
        attrs = self._attrs.get(iri)  # (:meth:`path`, read here: called often)
        p = attrs.get("path") if attrs is not None else None
        return p.split(">")[0].strip() if p else None

    def out(self, iri: str, rel: str, limit: int | None = None) -> list[str]:
        """The KG nodes ``iri`` has a ``rel`` edge to (most popular first; the first ``limit``
        only, where given); an edge's end that is no node of the KG (no kind: a dangling edge)
        is left out. (The graph's adjacency dicts are read directly: a category has thousands
        of edges, its products', and networkx's edge views cost a Python call each; so is a
        node's kind, :meth:`kind` inlined.)"""
        nodes = self._attrs
        return self.ranked((v for v, edges in self.g._adj.get(iri, {}).items()
                            for attrs in edges.values()
                            if attrs.get("relation") == rel
                            and (a := nodes.get(v)) is not None and a.get("kind")), limit)

    def into(self, iri: str, rel: str, limit: int | None = None) -> list[str]:
        """The KG nodes with a ``rel`` edge to ``iri`` (most popular first), as :meth:`out`."""
        nodes = self._attrs
        return self.ranked((u for u, edges in self.g._pred.get(iri, {}).items()
                            for attrs in edges.values()
                            if attrs.get("relation") == rel
                            and (a := nodes.get(u)) is not None and a.get("kind")), limit)

    def nodes_into(self, iri: str, rel: str) -> set[str]:
        """The nodes of :meth:`into`, unranked: for a test of each, whatever their order."""
        nodes = self._attrs
        return {u for u, edges in self.g._pred.get(iri, {}).items()
                if (n := nodes.get(u)) is not None and n.get("kind")
                and any(a.get("relation") == rel for a in edges.values())}

    def count_out(self, iri: str, rel: str) -> int:
        """``len(self.out(iri, rel))``, without ranking them."""
        nodes = self._attrs
        return sum(1 for v, edges in self.g._adj.get(iri, {}).items()
                   if (n := nodes.get(v)) is not None and n.get("kind")
                   and any(a.get("relation") == rel for a in edges.values()))

    def count_into(self, iri: str, rel: str) -> int:
        """``len(self.into(iri, rel))``, without ranking them."""
        nodes = self._attrs
        return sum(1 for u, edges in self.g._pred.get(iri, {}).items()
                   if (n := nodes.get(u)) is not None and n.get("kind")
                   and any(a.get("relation") == rel for a in edges.values()))

    def ranked(self, nodes: Any, limit: int | None = None) -> list[str]:
        """Most popular first (ties by IRI, for a stable order); the first ``limit`` only,
        where given (``sorted(...)[:limit]``, without sorting the others: a category's
        thousands of products, of which a walk reads some hundreds)."""
        pop = self.popularity
        if limit is not None and limit >= 0:
            return heapq.nsmallest(limit, set(nodes), key=lambda n: (-pop.get(n, 0.0), n))
        out = sorted(set(nodes), key=lambda n: (-pop.get(n, 0.0), n))
        return out if limit is None else out[:limit]

    @property
    def popularity(self) -> dict[str, float]:
        """Per node, in [0, 1]: its ``popularity`` attribute if set, else how many KG edges
        point at it (products, brands, child categories ...), log-scaled per node kind."""
        return self._derived().pop

    @property
    def unlinkable(self) -> frozenset[str]:
        """Nodes marked ``kgqp:linkable false`` (read from the store once per KG version)."""
        return self._derived().unlinkable

    def category_by_path(self, path: str) -> str | None:
        """The category node with this path."""
        return self._derived().paths.get(path)

    def _derived(self) -> _Derived:
        cached = self.g.graph.get("_kgqp_derived")
        if cached is None:
            cached = self.g.graph["_kgqp_derived"] = _Derived.build(self.g, self.source)
        return cached


@dataclass(frozen=True)
class _Derived:
    """What expansion reads of a whole graph view: popularity (and the raw counts and per-kind
    maxima it is scaled by), the non-linkable nodes, categories by path."""

    raw: dict[str, float]
    top: dict[str, float]
    pop: dict[str, float]
    unlinkable: frozenset[str]
    paths: dict[str, str]

    @staticmethod
    def _raw(g: nx.MultiDiGraph, n: str) -> float:
        p = g.nodes[n].get("popularity")
        return float(p) if isinstance(p, int | float) and math.isfinite(p) and p > 0 \
            else float(g.in_degree(n))

    @staticmethod
    def _unlinkable(g: nx.MultiDiGraph, source: Any) -> frozenset[str]:
        found = {n for n, a in g.nodes(data=True) if a.get("linkable") is False}
        if callable(getattr(source, "query", None)):
            found |= unlinkable_iris(source)
        return frozenset(found)

    @staticmethod
    def _paths(g: nx.MultiDiGraph) -> dict[str, str]:
        index: dict[str, str] = {}
        for n, a in g.nodes(data=True):
            if a.get("kind") == "category" and a.get("path"):
                index.setdefault(a["path"], n)
        return index

    @classmethod
    def build(cls, g: nx.MultiDiGraph, source: Any) -> _Derived:
        raw = {n: cls._raw(g, n) for n in g.nodes}
        kinds = g.nodes(data="kind")
        top: dict[str, float] = {}
        for n, v in raw.items():
            k = str(kinds[n])
            top[k] = max(top.get(k, 0.0), math.log1p(v))
        pop = {n: (math.log1p(v) / top[k] if (k := str(kinds[n])) and top[k] > 0 else 0.0)
               for n, v in raw.items()}
        return cls(raw, top, pop, cls._unlinkable(g, source), cls._paths(g))

    def updated(self, old_g: nx.MultiDiGraph, g: nx.MultiDiGraph, source: Any,
                changes: Any) -> _Derived | None:
        """The data of ``g``, brought forward from this (``old_g``'s) by a KG change set, or
        ``None`` when it moves a per-kind maximum or a node's kind (then rebuilt)."""
        raw, pop = dict(self.raw), dict(self.pop)
        paths_move = False
        for n in changes.nodes:
            before = old_g.nodes[n] if n in old_g else None
            after = g.nodes[n] if n in g else None
            kind = str((after or before or {}).get("kind"))
            if before is not None and after is not None and before.get("kind") != \
                    after.get("kind"):
                return None
            old_v = math.log1p(raw.pop(n)) if n in raw else None
            pop.pop(n, None)
            top = self.top.get(kind, 0.0)
            if after is not None:
                v = raw[n] = self._raw(g, n)
                if math.log1p(v) > top or (old_v == top and math.log1p(v) < top):
                    return None
                pop[n] = math.log1p(v) / top if top > 0 else 0.0
            elif old_v is not None and old_v == top:
                return None
            paths_move |= "category" in ((before or {}).get("kind"), (after or {}).get("kind"))
        unlinkable = self._unlinkable(g, source) if LINKABLE in changes.predicates \
            else self.unlinkable
        return _Derived(raw, self.top, pop, unlinkable, self._paths(g) if paths_move
                        else self.paths)


_TREE_KINDS = frozenset({"parent_category", "sibling_category", "child_category"})


@dataclass(frozen=True, slots=True)
class _Cand:
    """A candidate before ranking: ``unit`` is its kind weight (times the link score later);
    ``category`` the category it stands in (for the department gate and intent agreement);
    ``fanout``: reached through fan-out, so gated by department."""

    term: str
    kind: str
    provenance: tuple[Triple, ...]
    iri: str | None
    category: str | None
    fanout: bool
    rule: str | None = None


def _cached(kg: _KG, name: str, key: tuple, build: Any) -> Any:
    """``build()`` cached under ``key`` in the graph view's ``name`` cache (the view is rebuilt,
    with empty caches, when the KG changes); bounded by dropping the oldest entries."""
    cache = kg.g.graph.setdefault(name, {})
    value = cache.get(key)
    if value is None:
        if len(cache) > 4096:
            for old in list(cache)[:1024]:
                del cache[old]
        value = cache[key] = build()
    return value


_T = TypeVar("_T")

#: the expansion's tables of a whole graph view (a function of the view alone, no label space,
#: caching its value with the view: :func:`_cached`), in the order registered by
#: :func:`_kg_wide`: what a KG commit builds in the views it brings forward
#: (:func:`fusion.expand.core._whole_kg_tables`) so that no parse after it pays for them
_KG_WIDE: list[Callable[[_KG], Any]] = []


def _kg_wide(table: Callable[[_KG], _T]) -> Callable[[_KG], _T]:
    """Register ``table`` in :data:`_KG_WIDE` (a decorator; returns it unchanged)."""
    _KG_WIDE.append(table)
    return table


_DERIVED_VIEW = "fusion.expand.derived"
#: a word with a digit: a model number or a size ("iphone 12 case", "tv 65 inch")
_DIGIT = re.compile(r"\d")
#: a category of accessories (for other products): its last name matches
_ACCESSORY = re.compile(r"accessor|\b(?:mounts?|cables?|chargers?|cases?|covers?|protectors?|"
                        r"adapters?|armbands?|stands?|straps?|bands?|skins?|docks?)\b", re.I)


def _brand_facts(kg: _KG, iri: str) -> tuple[str, tuple[str, ...], bool]:
    """A linked brand's (filter value, categories it is sold in, sells devices), cached per
    graph view.

    The categories: its ``sells_in`` categories and those of its products (``has_brand``:
    :func:`kg.link.brand_categories`, which the linker reads too). A brand the store sells
    nothing under (none of them in the store's departments) is not filtered on: a brand node
    that only names a brand (from a gazetteer: "MAC", "Chrome", "unisex") or one of another
    shop's catalogue ("kings": Flipkart curtains). An unsold node spelt like a sold brand
    ("otter box", "OtterBox") takes that brand's name and facts (:func:`kg.link.brand_sales`
    ``spelled_alike``). Sells devices: one of its ``sells_in`` categories is not an accessory
    category (Samsung, Apple; not OtterBox)."""
    def build() -> tuple[str, tuple[str, ...], bool]:
        node, cats = brand_sales(kg.g, iri, spelled_alike=True)
        devices = any(not _ACCESSORY.search(kg.label(c)) for c in kg.out(node, "sells_in"))
        return kg.label(node), cats, devices

    return _cached(kg, "_kgqp_brand_facts", (iri,), build)


def brand_categories(kg: Any, iri: str) -> tuple[str, ...]:
    """The categories the brand ``iri`` of ``kg`` (a :class:`kg.ProductGraph` or a networkx
    view) is sold in, in IRI order: its ``sells_in`` categories and its products', or those
    of the sold brand it is spelt like ("otter box": OtterBox's); empty for a brand the KG
    sells nothing under (the expansion's ``ungrounded`` brand). The KG's
    :func:`kg.link.brand_categories` with ``spelled_alike``, cached per KG version."""
    return brand_sales(as_networkx(kg), iri, spelled_alike=True)[1]


def _in_rel(kg: _KG, iri: str, rel: str) -> Iterator[str]:
    return (u for u, _, r in kg.g.in_edges(iri, data="relation") if r == rel and kg.kind(u))


def _all_under(kg: _KG, iri: str, path: re.Pattern[str]) -> bool:
    """Whether every category a linked category or product type stands for
    (:func:`_own_categories`; one at least) has a path ``path`` finds."""
    cats = _own_categories(kg, iri)
    return bool(cats) and all(path.search(kg.path(c) or "") for c in cats)


@_kg_wide
def _known_words(kg: _KG) -> Collection[str]:
    """The words of the KG's names (:func:`kg.link.word_set`): the KG's vocabulary
    (:attr:`kg.ProductGraph.vocabulary`), or, for a graph without one, the words of its node
    names and aliases (cached per graph view)."""
    counts = getattr(getattr(kg.source, "vocabulary", None), "counts", None)
    if counts is not None:
        return counts

    def build() -> frozenset[str]:
        return frozenset(w for _, a in kg.g.nodes(data=True)
                         for name in (a.get("label"), *(a.get("aliases") or ())) if name
                         for w in word_set(normalize_key(str(name))))

    return _cached(kg, "_kgqp_name_words", (), build)


def _own_categories(kg: _KG, iri: str) -> frozenset[str]:
    """The categories a linked category or product type stands for: itself, or the product
    type's ``type_in`` categories."""
    return frozenset({iri} if kg.kind(iri) == "category" else kg.out(iri, "type_in"))


def _derived(graph: Any) -> tuple[nx.MultiDiGraph, _Derived]:
    """A registered view of a ``kg.ProductGraph``: the expansion's per-graph data (popularity,
    non-linkable nodes, categories by path) of its networkx view, computed while a commit
    brings the views forward (the first parse after a commit does not pay for it)."""
    g = as_networkx(graph)
    return g, _Derived.build(g, graph)


def _update_derived(graph: Any, old: tuple[nx.MultiDiGraph, _Derived], changes: Any,
                    ) -> tuple[nx.MultiDiGraph, _Derived] | None:
    g = as_networkx(graph)
    new = old[1].updated(old[0], g, graph, changes)
    return None if new is None else (g, new)


def _category_alignment(kg: _KG, taxonomy: TaxonomyAlignment | None,
                        ) -> dict[str, tuple[str | None, str | None]]:
    """The graph view's memo of categories' (department, lvl1 label) under ``taxonomy`` (one
    label space per view: another one replaces it)."""
    memo = kg.g.graph.get("_kgqp_category_alignment")
    if memo is None or memo[0] is not taxonomy:
        memo = kg.g.graph["_kgqp_category_alignment"] = (taxonomy, {})
    return memo[1]


def _align(kg: _KG, taxonomy: TaxonomyAlignment | None,
           aligned: dict[str, tuple[str | None, str | None]], cat: str,
           ) -> tuple[str | None, str | None]:
    """The category ``cat``'s (department in the label space ``taxonomy``, or its tree's top
    level without one; its lvl1 label, or its path's first two levels without a label space),
    stored in ``aligned`` (:func:`_category_alignment`)."""
    path = kg.path(cat)
    if taxonomy is not None:
        hit = (taxonomy.department(path), taxonomy.label(path))
    else:
        hit = (kg.department(cat), SEP.join(x.strip() for x in path.split(">")[:2])
               if path else None)
    aligned[cat] = hit
    return hit


def _term_keys(kg: _KG) -> Any:
    """``compact_key(normalize_key(term))``, memoised with the graph view (terms are KG names
    and rule synonyms; bounded)."""
    memo = kg.g.graph.setdefault("_kgqp_term_keys", {})

    def key(term: str) -> str:
        k = memo.get(term)
        if k is None:
            if len(memo) > 65536:
                memo.clear()
            k = memo[term] = compact_key(normalize_key(term))
        return k

    return key


def _most_common_two_hop(kg: _KG, node: str, first: str, second: str,
                         k: int) -> list[tuple[str, str]]:
    """The ``k`` nodes most often reached from ``node`` by a ``first`` edge into it (up to 300
    middle nodes, e.g. its products) then a ``second`` edge out, each with a middle node."""
    counts: Counter[str] = Counter()
    via: dict[str, str] = {}
    for mid in kg.into(node, first, 300):
        for end in kg.out(mid, second):
            counts[end] += 1
            via.setdefault(end, mid)
    return [(end, via[end]) for end, _n in sorted(counts.items(),
                                                  key=lambda x: (-x[1], x[0]))[:k]]


def _department_words(kg: _KG, taxonomy: TaxonomyAlignment | None,
                      dept: Any) -> dict[str, frozenset[str]]:
    """Each department of the label space ``taxonomy`` (``dept`` places a category in one:
    the expansion's alignment) -> the content words (:func:`kg.link.word_set`: plurals
    folded) of the names it holds: its own name, its lvl1 labels', the names and aliases of
    the KG categories placed in it, and the names of the KG products in them ("Appliances":
    "coffee", "bean", "oil" (Aromatherapy Diffuser Oils), "bag" (Vacuum Bags); no "candle",
    "comforter"). What a query must name of a department for its intent's reading of it to
    be one the words share (:func:`fusion.expand.departments._unknown_to`). One scan of the
    graph view's nodes, memoised with the view for this label space (another one replaces
    it)."""
    memo = kg.g.graph.get("_kgqp_department_words")
    if memo is None or memo[0] is not taxonomy:
        out: dict[str, set[str]] = {}
        placed: dict[str, str] = {}
        for n, a in kg.g.nodes(data=True):
            if a.get("kind") == "category" and (d := dept(n)) is not None:
                placed[n] = d
                words = out.setdefault(d, set())
                for name in (a.get("label"), *(a.get("aliases") or ())):
                    if name:
                        words |= word_set(normalize_key(str(name)))
        for n, a in kg.g.nodes(data=True):
            if a.get("kind") == "product" and a.get("label"):
                for d in {placed[c] for c, edges in kg.g._adj.get(n, {}).items() if c in placed
                          and any(e.get("relation") == "in_category" for e in edges.values())}:
                    out[d] |= word_set(normalize_key(str(a["label"])))
        for lab in taxonomy.labels if taxonomy is not None else ():
            parts = lab.split(">")
            out.setdefault(parts[0].strip(), set()).update(
                w for p in parts for w in word_set(normalize_key(p)))
        for d, words in out.items():
            words |= word_set(normalize_key(d))
        memo = kg.g.graph["_kgqp_department_words"] = (
            taxonomy, {d: frozenset(ws) for d, ws in out.items()})
    return memo[1]
