"""Entity linking: map a mention (a tagged span of a query) to ranked KG nodes, or to NIL.

Candidates come from four generators, cheapest first: the exact label, the normalised
label/alias (NFKC, case-folded), single-edit typos (a SymSpell-style deletion index) and, for
multi-word mentions, their words. Each candidate is scored by

``score = w_similarity * similarity + w_type * type_compatibility``
``+ w_prior * prior + w_context * context``

where ``type_compatibility`` says whether the node kind fits the tagger label (configurable in
:class:`LinkerConfig.label_kinds`), ``prior`` is the node's popularity (or its degree in the KG,
log-scaled) and ``context`` the share of the other query words found in the node's category
path. The best candidate below ``nil_threshold`` makes the result NIL.

The index is a derived view: it carries the store version it was built from and is rebuilt when
the KG changes, so a node added in a transaction is linkable by the next call.

Example:
    >>> from kg import ProductGraph, Node, NodeKind
    >>> g = ProductGraph.in_memory()
    >>> with g.transaction() as tx:
    ...     tx.add_node(Node(kind=NodeKind.BRAND, key="samsung", label="Samsung"))
    >>> linker = EntityLinker(g)
    >>> result = linker.link("samsng", label="creator")
    >>> result.best.label, result.best.match_type, result.nil
    ('Samsung', 'fuzzy', False)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from kg.schema import normalize_name

if TYPE_CHECKING:  # pragma: no cover
    from kg.graph import ProductGraph

__all__ = ["DEFAULT_LABEL_KINDS", "EntityLinker", "LinkCandidate", "LinkResult", "LinkerConfig"]

#: Tagger label -> node kinds (``kind`` or ``kind:attribute``) a mention with that label may link
#: to. Labels mapped to ``()`` (price, quantity, ...) are never linked. QueryNER labels and the
#: Chinese e-commerce labels (HP brand, HC product) are included.
DEFAULT_LABEL_KINDS: dict[str, tuple[str, ...]] = {
    "creator": ("brand",),
    "brand": ("brand",),
    "HP": ("brand",),
    "core_product_type": ("product_type", "category"),
    "product_type": ("product_type", "category"),
    "HC": ("product_type", "category"),
    "product_name": ("product", "product_type", "category", "brand"),
    "department": ("category",),
    "category": ("category",),
    "color": ("attribute_value:color",),
    "material": ("attribute_value:material",),
    "UoM": ("attribute_value:size",),
    "size": ("attribute_value:size",),
    "modifier": ("attribute_value", "product_type", "category"),
    "shape": ("attribute_value",),
    "occasion": ("attribute_value:occasion",),
    "content": (),
    "condition": (),
    "quantity": (),
    "price": (),
    "origin": (),
    "time": (),
    "product_number": (),
}

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class LinkerConfig:
    """Settings of :class:`EntityLinker`.

    Example:
        >>> LinkerConfig(nil_threshold=0.6).nil_threshold
        0.6
    """

    label_kinds: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_LABEL_KINDS)
    )
    w_similarity: float = 0.55
    w_type: float = 0.25
    w_prior: float = 0.12
    w_context: float = 0.08
    nil_threshold: float = 0.55
    max_candidates: int = 10
    max_mention_chars: int = 256
    fuzzy_min_chars: int = 4

    def __post_init__(self) -> None:
        if not 0.0 <= self.nil_threshold <= 1.0:
            raise ValueError(f"nil_threshold must be in [0, 1], got {self.nil_threshold}")
        if self.max_candidates < 1:
            raise ValueError("max_candidates must be >= 1")


@dataclass(frozen=True, slots=True)
class LinkCandidate:
    """One ranked KG node for a mention."""

    iri: str
    kind: str
    label: str
    score: float
    match_type: str  # "exact" | "alias" (normalised/alias/plural) | "fuzzy" | "word"
    matched_alias: str
    similarity: float
    type_compatibility: float
    prior: float
    context: float
    attribute: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "iri": self.iri, "kind": self.kind, "label": self.label, "attribute": self.attribute,
            "score": round(self.score, 4), "match_type": self.match_type,
            "matched_alias": self.matched_alias,
            "features": {"similarity": round(self.similarity, 4),
                         "type": self.type_compatibility, "prior": round(self.prior, 4),
                         "context": round(self.context, 4)},
        }


@dataclass(frozen=True, slots=True)
class LinkResult:
    """Ranked candidates for a mention and the NIL decision (``best`` is None when NIL)."""

    mention: str
    label: str | None
    candidates: tuple[LinkCandidate, ...]
    nil: bool

    @property
    def best(self) -> LinkCandidate | None:
        return None if self.nil or not self.candidates else self.candidates[0]

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        cands = self.candidates if limit is None else self.candidates[: max(limit, 0)]
        return {"mention": self.mention, "label": self.label, "nil": self.nil,
                "best": self.best.to_dict() if self.best else None,
                "candidates": [c.to_dict() for c in cands]}


@dataclass(slots=True)
class _Entry:
    iri: str
    kind: str
    label: str
    attribute: str | None
    prior: float
    context_words: frozenset[str]


def _number_variants(norm: str) -> tuple[str, ...]:
    """Singular/plural variants of the last word: "tv" -> "tvs", "laptops" -> "laptop"."""
    if not norm[-1:].isalpha():
        return ()
    out = [norm + "s", norm + "es"]
    if norm.endswith("ies") and len(norm) > 4:
        out.append(norm[:-3] + "y")
    if norm.endswith("es") and len(norm) > 3:
        out.append(norm[:-2])
    if norm.endswith("s") and len(norm) > 2:
        out.append(norm[:-1])
    if norm.endswith("y") and len(norm) > 2:
        out.append(norm[:-1] + "ies")
    return tuple(out)


def _deletes(s: str) -> set[str]:
    return {s[:i] + s[i + 1:] for i in range(len(s))}


class _LinkIndex:
    """Name -> node entries, plus a single-deletion index for typos. Built per KG version."""

    def __init__(self, graph: ProductGraph, *, fuzzy_min_chars: int) -> None:
        nxg = graph.to_networkx()
        self.version = graph.version
        self.entries: list[_Entry] = []
        self.by_name: dict[str, list[tuple[int, str]]] = {}  # normalised name -> (entry, alias)
        self.by_delete: dict[str, set[str]] = {}
        degrees = dict(nxg.degree())
        max_deg = max(degrees.values(), default=1) or 1
        pops = [d.get("popularity") for _, d in nxg.nodes(data=True) if d.get("popularity")]
        max_pop = max(pops, default=1.0) or 1.0
        for iri, data in nxg.nodes(data=True):
            label = data.get("label")
            if not label:
                continue
            pop = data.get("popularity")
            if pop:
                prior = math.log1p(max(float(pop), 0.0)) / math.log1p(max_pop)
            else:
                prior = math.log1p(degrees.get(iri, 0)) / math.log1p(max_deg)
            path = data.get("path") or ""
            ctx = frozenset(_WORD.findall(normalize_name(path))) if path else frozenset()
            idx = len(self.entries)
            self.entries.append(_Entry(iri, str(data.get("kind")), label, data.get("attribute"),
                                       min(prior, 1.0), ctx))
            for name in {label, *(data.get("aliases") or ())}:
                norm = normalize_name(name)
                if not norm:
                    continue
                self.by_name.setdefault(norm, []).append((idx, name))
        for norm in self.by_name:
            if fuzzy_min_chars <= len(norm) <= 32:
                for d in _deletes(norm):
                    self.by_delete.setdefault(d, set()).add(norm)
                self.by_delete.setdefault(norm, set()).add(norm)


class EntityLinker:
    """Links mentions to KG nodes; see the module docstring for the scoring.

    Args:
        graph: the KG (any :class:`~kg.graph.ProductGraph`); its index is rebuilt when
            ``graph.version`` changes.
        config: scoring weights, the label -> kinds map, the NIL threshold.
    """

    def __init__(self, graph: ProductGraph, config: LinkerConfig | None = None) -> None:
        self.graph = graph
        self.config = config or LinkerConfig()
        self._index: _LinkIndex | None = None

    @property
    def index(self) -> _LinkIndex:
        if self._index is None or self._index.version != self.graph.version:
            self._index = _LinkIndex(self.graph, fuzzy_min_chars=self.config.fuzzy_min_chars)
        return self._index

    def _allowed(self, label: str | None) -> tuple[str, ...] | None:
        if label is None:
            return None
        kinds = self.config.label_kinds.get(label)
        if kinds is None:
            valid = ", ".join(sorted(self.config.label_kinds))
            raise ValueError(
                f"Unknown label {label!r} for linking; known labels: {valid}. "
                "Pass label=None to link without a type constraint, or add the label to "
                "LinkerConfig.label_kinds."
            )
        return kinds

    @staticmethod
    def _type_ok(entry: _Entry, allowed: tuple[str, ...] | None) -> float:
        if allowed is None:
            return 0.5
        for spec in allowed:
            kind, _, attribute = spec.partition(":")
            if entry.kind == kind and (not attribute or entry.attribute == attribute):
                return 1.0
        return 0.0

    def link(self, mention: str, label: str | None = None, context: str | None = None
             ) -> LinkResult:
        """Rank KG nodes for ``mention`` (tagged ``label``) in the query ``context``.

        An empty or over-long mention, or a label that never links (price, quantity ...),
        gives an empty NIL result; an unknown label raises ``ValueError`` naming the known ones.
        """
        if not isinstance(mention, str):
            raise TypeError(f"mention must be a str, got {type(mention).__name__}")
        allowed = self._allowed(label)
        norm = normalize_name(mention)
        cfg = self.config
        if not norm or len(norm) > cfg.max_mention_chars or allowed == ():
            return LinkResult(mention, label, (), True)
        index = self.index
        found: dict[int, tuple[str, str, float]] = {}  # entry -> (match_type, alias, similarity)

        def add(name: str, match_type: str, similarity: float) -> None:
            for idx, alias in index.by_name.get(name, ()):
                if match_type == "exact" and alias != mention.strip():
                    mt, sim = "alias", 0.97
                else:
                    mt, sim = match_type, similarity
                if idx not in found or found[idx][2] < sim:
                    found[idx] = (mt, alias, sim)

        add(norm, "exact", 1.0)
        if not found:
            for variant in _number_variants(norm):
                add(variant, "alias", 0.95)
        if not found and len(norm) >= cfg.fuzzy_min_chars and len(norm) <= 32:
            near: set[str] = set()
            for d in (_deletes(norm) | {norm}):
                near |= index.by_delete.get(d, set())
            for name in near:
                add(name, "fuzzy", fuzz.ratio(norm, name) / 100.0)
        if not found:
            words = sorted(set(_WORD.findall(norm)), key=len, reverse=True)
            if len(words) > 1:
                for w in words[:8]:
                    if len(w) >= 3 and w in index.by_name:
                        add(w, "word", 0.8 * fuzz.token_set_ratio(norm, w) / 100.0)
        if not found:
            return LinkResult(mention, label, (), True)
        ctx_words = set(_WORD.findall(normalize_name(context))) - set(_WORD.findall(norm)) \
            if context else set()
        cands = []
        for idx, (match_type, alias, sim) in found.items():
            entry = index.entries[idx]
            type_ok = self._type_ok(entry, allowed)
            ctx = (len(ctx_words & entry.context_words) / len(ctx_words)) if ctx_words else 0.0
            score = (cfg.w_similarity * sim + cfg.w_type * type_ok + cfg.w_prior * entry.prior
                     + cfg.w_context * ctx)
            cands.append(LinkCandidate(entry.iri, entry.kind, entry.label, score, match_type, alias,
                                       sim, type_ok, entry.prior, ctx, entry.attribute))
        cands.sort(key=lambda c: (-c.score, c.iri))
        cands = cands[: cfg.max_candidates]
        nil = cands[0].score < cfg.nil_threshold or (allowed is not None
                                                      and cands[0].type_compatibility == 0.0)
        return LinkResult(mention, label, tuple(cands), nil)
