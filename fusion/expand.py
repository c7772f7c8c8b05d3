"""Query expansion from the KG (+ the rule layer), each rewrite with the KG path that produced it.

:func:`expand` takes the query's linked entities and (optionally) its predicted intent and
returns scored :class:`Expansion` s:

============== ========================================================================
kind           KG path (provenance)
============== ========================================================================
synonym        ``(node, synonym, other)`` either direction; or a ``SYNONYM`` rule
alias          ``(node, alias, "text")`` (a name stored on the node)
child_category ``(child, parent, category)``
parent_category ``(category, parent, parent)``
sibling_category ``(category, parent, p), (sibling, parent, p)``
category       ``(brand, sells_in, category)`` (what a brand-only query is about),
               ``(type, type_in, category)``, ``(product, in_category, category)``,
               ``(product, has_value, value), (product, in_category, category)``
brand          ``(brand, sells_in, category)``, ``(product, has_brand, brand)``
attribute_value ``(product, in_category, category), (product, has_value, value)``
============== ========================================================================

plus structured :class:`Filters` (brand, category, colour, size, price range from patterns such
as "under 800", "$100-200", "between 100 and 200"). Rules (:mod:`fusion.rules`) add synonyms,
boosts and filters, and every applied rule is listed in :attr:`ExpansionResult.applied_rules`.

Example:
    >>> import networkx as nx
    >>> from fusion.types import LinkedEntity
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("b", kind="brand", label="Samsung", aliases=[])
    >>> g.add_node("c", kind="category", label="TVs", path="TV > TVs", aliases=[])
    >>> _ = g.add_edge("b", "c", relation="sells_in")
    >>> res = expand(g, [LinkedEntity("b", "brand")], query="samsung under 800")
    >>> [(e.term, e.kind, e.provenance) for e in res], res.filters.price_max
    ([('TVs', 'category', (('b', 'sells_in', 'c'),))], 800.0)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from fusion.hetero import as_networkx
from fusion.rules import AppliedRule, RuleSet, RulesFile
from fusion.types import Intent, LinkedEntity

__all__ = ["Expansion", "ExpansionResult", "Filters", "QueryExpander", "expand", "parse_price"]

Triple = tuple[str, str, str]
KINDS = (
    "synonym",
    "alias",
    "child_category",
    "parent_category",
    "sibling_category",
    "category",
    "brand",
    "attribute_value",
)


@dataclass(frozen=True)
class Expansion:
    """A scored rewrite term.

    Attributes:
        term: the text to add to the search.
        kind: one of :data:`KINDS`.
        score: in (0, 1]; higher = closer to the query's meaning.
        provenance: the KG path that produced it, as ``(subject, relation, object)`` triples
            (empty for rule-made terms; see ``rule``).
        iri: the KG node the term names, if any.
        rule: the rule that produced it, if any.
    """

    term: str
    kind: str
    score: float
    provenance: tuple[Triple, ...] = ()
    iri: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Filters:
    """Structured filters for the search backend."""

    brand: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    colour: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    other: tuple[str, ...] = ()  # "field:value" from FILTER rules on other fields

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` of the filters that are set, so ``dict(filters)`` works."""
        for name in ("brand", "category", "colour", "size", "price_min", "price_max", "other"):
            value = getattr(self, name)
            if value not in (None, ()):
                yield name, list(value) if isinstance(value, tuple) else value


@dataclass
class ExpansionResult:
    """Expansions (iterable), filters, the rule-rewritten query, boosts and the rules applied
    (``applied``: typed; ``applied_rules``: ``"path:line: input => KIND(w): arg"`` strings)."""

    expansions: list[Expansion]
    filters: Filters
    query: str = ""
    boosts: list[tuple[str, float]] = field(default_factory=list)
    applied: list[AppliedRule] = field(default_factory=list)

    @property
    def applied_rules(self) -> list[str]:
        return [str(a) for a in self.applied]

    def __iter__(self) -> Iterator[Expansion]:
        return iter(self.expansions)

    def __len__(self) -> int:
        return len(self.expansions)


_NUM = r"\$?\s*(\d+(?:[.,]\d+)?)\s*(?:k\b)?"
_PRICE_PATTERNS = (
    (re.compile(rf"\bbetween\s+{_NUM}\s+and\s+{_NUM}", re.I), "range"),
    (
        re.compile(rf"(?<![\w.]){_NUM}\s*(?:-|–|to)\s*{_NUM}(?:\s*(?:dollars|usd|\$))?", re.I),
        "range",
    ),
    (re.compile(rf"\b(?:under|below|less than|cheaper than|max|up to|<)\s*{_NUM}", re.I), "max"),
    (re.compile(rf"\b(?:over|above|more than|at least|min|from|>)\s*{_NUM}", re.I), "min"),
)
_SIZE = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(?:-\s*)?(inch|in|\"|gb|tb|mb|mm|cm|ft|oz|qt|cu\.? ?ft)\b", re.I
)


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def parse_price(text: str) -> tuple[float | None, float | None]:
    """``(min, max)`` price from simple patterns; ``(None, None)`` when there is none.

    >>> parse_price("tv under 800"), parse_price("headphones $100-200")
    ((None, 800.0), (100.0, 200.0))
    >>> parse_price("55 inch tv")
    (None, None)
    """
    for pat, kind in _PRICE_PATTERNS:
        m = pat.search(text)
        if not m:
            continue
        if kind == "range":
            # a bare "a-b" is a price only with a currency mark or price word
            if (
                pat is _PRICE_PATTERNS[1][0]
                and "$" not in m.group(0)
                and not re.search(r"dollars|usd|price", text, re.I)
            ):
                continue
            lo, hi = sorted((_num(m.group(1)), _num(m.group(2))))
            return lo, hi
        value = _num(m.group(1))
        return (None, value) if kind == "max" else (value, None)
    return None, None


class _KG:
    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g = g

    def label(self, iri: str) -> str:
        return str(self.g.nodes[iri].get("label") or iri)

    def kind(self, iri: str) -> str | None:
        return self.g.nodes[iri].get("kind") if iri in self.g else None

    def out(self, iri: str, rel: str) -> list[str]:
        return sorted(v for _, v, r in self.g.out_edges(iri, data="relation") if r == rel)

    def into(self, iri: str, rel: str) -> list[str]:
        return sorted(u for u, _, r in self.g.in_edges(iri, data="relation") if r == rel)

    def category_by_path(self, path: str) -> str | None:
        """The category node with this path (index built once per graph view: the view is
        rebuilt, with a fresh index, when the KG changes)."""
        index = self.g.graph.get("_kgqp_category_paths")
        if index is None:
            index = {}
            for n, a in self.g.nodes(data=True):
                if a.get("kind") == "category" and a.get("path"):
                    index.setdefault(a["path"], n)
            self.g.graph["_kgqp_category_paths"] = index
        return index.get(path)


# an expansion on the hot path: (term, kind, score, provenance, iri, rule, dedup key); only the
# ones returned become Expansion objects
_Row = tuple[str, str, float, tuple, "str | None", "str | None", tuple[str, str]]


def _rows(exps: Sequence[Expansion]) -> tuple[_Row, ...]:
    return tuple((e.term, e.kind, e.score, e.provenance, e.iri, e.rule, (e.term.casefold(), e.kind))
                 for e in exps)


def _scaled(rows: Sequence[_Row], base: float) -> list[_Row]:
    return [(t, k, s * base, p, i, r, key) for t, k, s, p, i, r, key in rows]


def _category_rows(kg: _KG, cat: str, max_per_kind: int) -> tuple[_Row, ...]:
    """A category's children, parent, siblings, brands and common attribute values, scored
    relative to 1. The walk (up to 300 products) is cached per graph view: the view is
    rebuilt, with an empty cache, when the KG changes."""
    return _cached(kg, "_kgqp_category_expansions", (cat, max_per_kind),
                   lambda: _rows(_category_expansions_unit(kg, cat, max_per_kind)))


def _most_common_two_hop(kg: _KG, node: str, first: str, second: str,
                         k: int) -> list[tuple[str, str]]:
    """The ``k`` nodes most often reached from ``node`` by a ``first`` edge into it (up to 300
    middle nodes, e.g. its products) then a ``second`` edge out, each with a middle node."""
    counts: Counter[str] = Counter()
    via: dict[str, str] = {}
    for mid in kg.into(node, first)[:300]:
        for end in kg.out(mid, second):
            counts[end] += 1
            via.setdefault(end, mid)
    return [(end, via[end]) for end, _n in sorted(counts.items(),
                                                  key=lambda x: (-x[1], x[0]))[:k]]


def _category_expansions_unit(kg: _KG, cat: str, max_per_kind: int) -> tuple[Expansion, ...]:
    """The walk of :func:`_category_rows`, scored relative to 1."""
    out: list[Expansion] = []
    for child in kg.into(cat, "parent")[:max_per_kind]:
        out.append(
            Expansion(
                kg.label(child), "child_category", 0.8, ((child, "parent", cat),), child
            )
        )
    parents = kg.out(cat, "parent")
    for p in parents:
        out.append(Expansion(kg.label(p), "parent_category", 0.6, ((cat, "parent", p),), p))
        sibs = [s for s in kg.into(p, "parent") if s != cat][:max_per_kind]
        for s in sibs:
            out.append(
                Expansion(
                    kg.label(s),
                    "sibling_category",
                    0.4,
                    ((cat, "parent", p), (s, "parent", p)),
                    s,
                )
            )
    brands = kg.into(cat, "sells_in")[:max_per_kind]
    for b in brands:
        out.append(Expansion(kg.label(b), "brand", 0.5, ((b, "sells_in", cat),), b))
    for v, prod in _most_common_two_hop(kg, cat, "in_category", "has_value", max_per_kind):
        out.append(
            Expansion(
                kg.label(v),
                "attribute_value",
                0.3,
                ((prod, "in_category", cat), (prod, "has_value", v)),
                v,
            )
        )
    return tuple(out)


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


def _entity_rows(kg: _KG, iri: str, max_per_kind: int,
                 ) -> tuple[tuple[_Row, ...], tuple[tuple[str, str], ...]]:
    """A linked node's expansions scored relative to a link score of 1, and the filter values
    it sets (``(field, value)``: brand, category, colour, size), cached per graph view."""
    def build() -> tuple[tuple[_Row, ...], tuple[tuple[str, str], ...]]:
        exps, facets = _entity_expansions_unit(kg, iri, max_per_kind)
        return _rows(exps), facets

    return _cached(kg, "_kgqp_entity_expansions", (iri, max_per_kind), build)


def _entity_expansions_unit(g: _KG, iri: str, max_per_kind: int,
                            ) -> tuple[tuple[Expansion, ...], tuple[tuple[str, str], ...]]:
    exps: list[Expansion] = []
    facets: list[tuple[str, str]] = []
    kind = g.kind(iri)
    attrs = g.g.nodes[iri]
    for other in g.out(iri, "synonym"):
        exps.append(Expansion(g.label(other), "synonym", 0.9, ((iri, "synonym", other),), other))
    for other in g.into(iri, "synonym"):
        exps.append(Expansion(g.label(other), "synonym", 0.9, ((other, "synonym", iri),), other))
    for alias in list(attrs.get("aliases") or [])[:max_per_kind]:
        exps.append(Expansion(alias, "alias", 0.85, ((iri, "alias", alias),), iri))
    if kind == "brand":
        facets.append(("brand", g.label(iri)))
        for cat in g.out(iri, "sells_in")[: 4 * max_per_kind]:
            exps.append(Expansion(g.label(cat), "category", 0.7, ((iri, "sells_in", cat),), cat))
    elif kind == "category":
        facets.append(("category", str(attrs.get("path") or g.label(iri))))
        exps += _category_expansions_unit(g, iri, max_per_kind)
    elif kind == "product_type":
        for cat in g.out(iri, "type_in")[:max_per_kind]:
            exps.append(Expansion(g.label(cat), "category", 0.7, ((iri, "type_in", cat),), cat))
    elif kind == "product":
        for cat in g.out(iri, "in_category")[:max_per_kind]:
            exps.append(
                Expansion(g.label(cat), "category", 0.7, ((iri, "in_category", cat),), cat))
        for b in g.out(iri, "has_brand")[:max_per_kind]:
            exps.append(Expansion(g.label(b), "brand", 0.7, ((iri, "has_brand", b),), b))
    if kind == "attribute_value":
        for cat, prod in _most_common_two_hop(g, iri, "has_value", "in_category", max_per_kind):
            exps.append(
                Expansion(g.label(cat), "category", 0.4,
                          ((prod, "has_value", iri), (prod, "in_category", cat)), cat))
        attr = attrs.get("attribute")
        if attr in ("color", "colour"):
            facets.append(("colour", g.label(iri)))
        elif attr == "size":
            facets.append(("size", g.label(iri)))
    return tuple(exps), tuple(facets)


def expand(
    kg: Any,
    linked: Sequence[LinkedEntity],
    intent: Intent | None = None,
    *,
    query: str = "",
    rules: RuleSet | RulesFile | None = None,
    max_per_kind: int = 5,
    limit: int | None = None,
) -> ExpansionResult:
    """Expand a query's linked entities (and its intent category) through the KG and rules.

    Args:
        kg: ``kg.ProductGraph`` or networkx graph.
        linked: the query's linked entities (their ``score`` scales their expansions).
        intent: the predicted intent; its category is expanded like a linked category.
        query: the query text (for price/size patterns and rules).
        rules: a :class:`RuleSet` or a :class:`RulesFile` (re-read when edited).
        max_per_kind: cap per kind and source node.
        limit: keep only the best ``limit`` expansions (None: all).

    Returns:
        An :class:`ExpansionResult`; expansions sorted by score, deduplicated by (term, kind).
    """
    g = _KG(as_networkx(kg))
    exps: list[_Row] = []
    brands: list[str] = []
    categories: list[str] = []
    colours: list[str] = []
    sizes: list[str] = []
    filters_of = {"brand": brands, "category": categories, "colour": colours, "size": sizes}
    linked_iris = {e.iri for e in linked}
    for ent in linked:
        if ent.iri not in g.g:
            continue
        base = max(min(ent.score, 1.0), 1e-3)
        unit, facets = _entity_rows(g, ent.iri, max_per_kind)
        exps += _scaled(unit, base)
        for field_, value in facets:
            filters_of[field_].append(value)
    if intent is not None:
        cat = intent.category_iri
        if cat is None:
            cat = g.category_by_path(intent.category)
        if cat is not None and cat not in linked_iris:
            exps += _scaled(_category_rows(g, cat, max_per_kind), max(intent.score, 1e-3))
        categories.append(intent.category)

    rule_res = None
    if rules is not None:
        rule_set = rules.current() if isinstance(rules, RulesFile) else rules
        rule_res = rule_set.apply(query)
        for syn in rule_res.synonyms:
            exps.append((syn.term, "synonym", min(syn.weight, 1.0), (), None, str(syn.rule),
                         (syn.term.casefold(), "synonym")))
    text = rule_res.query if rule_res is not None else query
    price_min, price_max = parse_price(text)
    sizes += [m.group(0) for m in _SIZE.finditer(text) if not re.match(r"\$", m.group(0))]
    other: list[str] = []
    for f in rule_res.filters if rule_res is not None else []:
        fld, _, val = f.term.partition(":")
        fld = fld.strip().lower()
        {
            "brand": brands,
            "category": categories,
            "color": colours,
            "colour": colours,
            "size": sizes,
        }.get(fld, other).append(
            val.strip() if fld in ("brand", "category", "color", "colour", "size") else f.term
        )

    best: dict[tuple[str, str], _Row] = {}
    query_norm = text.casefold()
    for e in exps:
        key = e[6]
        if key[0] == query_norm:
            continue
        kept = best.get(key)
        if kept is None or kept[2] < e[2]:
            best[key] = e
    ordered = sorted(best.values(), key=lambda e: (-e[2], e[1], e[0]))
    ranked = [Expansion(*e[:6]) for e in (ordered if limit is None else ordered[:limit])]

    def uniq(xs: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(xs))

    filters = Filters(
        brand=uniq(brands),
        category=uniq(categories),
        colour=uniq(colours),
        size=uniq(sizes),
        price_min=price_min,
        price_max=price_max,
        other=uniq(other),
    )
    return ExpansionResult(
        expansions=ranked,
        filters=filters,
        query=text,
        boosts=[(b.term, b.weight) for b in rule_res.boosts] if rule_res else [],
        applied=list(rule_res.applied) if rule_res else [],
    )


class QueryExpander:
    """:func:`expand` bound to a KG and an (optional, hot-reloaded) rules file.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("b", kind="brand", label="Samsung")
        >>> QueryExpander(g).expand("samsung", entities=[("samsung", "creator", "b")]).filters.brand
        ('Samsung',)
    """

    def __init__(
        self, kg: Any, *, rules: str | Path | RuleSet | None = None, max_per_kind: int = 5
    ) -> None:
        self.kg = kg
        self.rules: RuleSet | RulesFile | None = (
            RulesFile(rules) if isinstance(rules, str | Path) else rules
        )
        self.max_per_kind = max_per_kind

    def expand(
        self,
        query: str,
        *,
        entities: Sequence[tuple[str, str, str | None]] = (),
        linked: Sequence[LinkedEntity] = (),
        intent: Intent | None = None,
        limit: int | None = None,
    ) -> ExpansionResult:
        """Expand ``query``; ``entities`` are parser spans ``(text, label, kg iri or None)``;
        ``limit`` keeps the best expansions only."""
        g = as_networkx(self.kg)
        ents = list(linked)
        for _text, _label, iri in entities:
            if iri and iri in g and g.nodes[iri].get("kind"):
                ents.append(LinkedEntity(iri, g.nodes[iri]["kind"], 1.0))
        return expand(
            self.kg, ents, intent, query=query, rules=self.rules, max_per_kind=self.max_per_kind,
            limit=limit,
        )
