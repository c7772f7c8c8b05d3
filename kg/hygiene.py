"""KG hygiene applied after loading: fixes that make names linkable without misleading.

Source data is noisy in ways that hurt linking; :func:`apply_hygiene` fixes it in one
transaction and reports every action in a :class:`~kg.schema.LoadReport` (source
``"hygiene"``; the action counts sit in ``skipped`` with examples), which the default build
writes into its summary:

* **Not brands**: brand nodes named by a colour, size or fit word (Flipkart lists "Black", "RED",
  "Twin", "Regular Fit" as brands) are removed with their edges. The words are
  :attr:`HygieneConfig.non_brand_words` (plus the KG's own one-word colour values with
  ``kg_colors_are_not_brands``; off by default: "Coffee" and "Peach" are colour values and
  brands).
* **Duplicate attribute values** of one attribute ("Multi" / "Multicolor" / "Multi-color";
  "Wood" / "Wooden"; "Grey" / "GRY"; "Boy" / "Boys") are merged: the value with the most
  products keeps its IRI, the others' names become its aliases, their edges move to it and
  the duplicates are removed.
* **Case-duplicate brands** (brand nodes whose names normalise to the same key) are merged the
  same way.
* **Non-linkable categories**: promotion pages, content and genre categories ("Mdot ...",
  "HP Promotions", "Pop", "Blues") are kept but marked ``kgqp:linkable false``
  (:data:`kg.link.LINKABLE`): the linker never proposes them, and fusion should exclude them
  from intent labels and expansions.
* **Short forms** (:mod:`kg.short_forms`, in a second transaction, after the categories above
  are marked): a category whose name abbreviates to a word its descendants' names open with
  is also called by it: "PlayStation 4" (children "PS4 Games", "PS4 Consoles" ...) gets the
  alias "PS4", "Digital SLR Cameras" "DSLR Cameras" and "DSLR".

Example:
    >>> from kg import ProductGraph, Node, NodeKind
    >>> g = ProductGraph.in_memory()
    >>> recs = [Node(NodeKind.BRAND, "black", "Black"), Node(NodeKind.BRAND, "sony", "Sony"),
    ...         Node(NodeKind.ATTRIBUTE_VALUE, "color/grey", "Grey", attribute="color"),
    ...         Node(NodeKind.ATTRIBUTE_VALUE, "color/gry", "GRY", attribute="color"),
    ...         Node(NodeKind.CATEGORY, "bb/p", "Mdot Promotions", path="Mdot Promotions")]
    >>> _ = g.add_records(recs, progress=False)
    >>> report = apply_hygiene(g)
    >>> sorted(report.skipped.items())  # doctest: +NORMALIZE_WHITESPACE
    [('attribute value merged into a duplicate', 1),
     ('brand removed: a colour/size/fit word', 1),
     ('category marked non-linkable', 1)]
    >>> [n.label for n in g.nodes("brand")], g.node("https://kgqp.dev/id/attribute_value/color/grey").aliases
    (['Sony'], ('GRY',))
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.index import normalize_key
from kg.link import LINKABLE
from kg.schema import Edge, LoadReport, NodeKind
from kg.short_forms import apply_short_forms

if TYPE_CHECKING:
    from kg.graph import NodeInfo, ProductGraph

__all__ = ["DEFAULT_NON_BRAND_WORDS", "HygieneConfig", "apply_hygiene", "value_key"]

log = logging.getLogger(__name__)

#: Colour, size and fit words that are never brand names.
DEFAULT_NON_BRAND_WORDS: tuple[str, ...] = (
    "black", "white", "red", "blue", "green", "yellow", "pink", "purple", "orange", "brown",
    "grey", "gray", "silver", "gold", "golden", "beige", "maroon", "navy", "multicolor",
    "violet", "cyan", "magenta", "turquoise", "khaki", "olive", "teal", "off white",
    "multi", "regular fit", "slim fit", "skinny fit", "loose fit", "relaxed fit", "comfort fit",
    "regular", "slim", "twin", "single", "double", "queen", "king", "free size", "small",
    "medium", "large", "xl", "xxl", "xs", "plus size",
)

#: Best Buy roots and path segments of promotion, service and content pages.
DEFAULT_UNLINKABLE_ROOTS: tuple[str, ...] = (
    "More Categories", "Geek Squad", "Best Buy Outlet", "Best Buy For Business", "Gift Ideas",
    "Featured Offers", "Marketplace", "Marketplace Deals", "Top-Rated Products",
    "Laptop & Tablet Buying Guides", "Star Wars", "Best Buy", "Digital Downloads",
    "Best Buy Gift Cards", "AppleCare",
)
#: Categories BELOW these paths are content (genres), not product categories.
DEFAULT_CONTENT_PARENTS: tuple[str, ...] = (
    "Movies & Music > Music (CDs & Vinyl)", "Movies & Music > Movies & TV Shows",
)
#: Regular expressions on any path segment (case-insensitive) that mark promotions.
DEFAULT_UNLINKABLE_PATTERNS: tuple[str, ...] = (
    r"\bpromotions?\b", r"^mdot\b", r"\bdeals?\b", r"\boffers?\b", r"\bbuying guides?\b",
    r"\bshop early\b", r"\bgift ideas\b", r"\btrade-in\b",
)

# spelling variants of attribute values (after removing spaces and punctuation)
_VALUE_SYNONYMS = {
    "gray": "grey", "gry": "grey", "multi": "multicolor", "multicolour": "multicolor",
    "multicolored": "multicolor", "multicoloured": "multicolor", "multicolors": "multicolor",
    "polyster": "polyester", "colour": "color",
}
_NOT_ALNUM = re.compile(r"[^0-9a-z%_]+")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[^\w%]+(?=\d)")


def value_key(label: str) -> str:
    """The duplicate-detection key of an attribute value (before stem folding).

    >>> value_key("Multi-color"), value_key("GRY"), value_key("Multicolour"), value_key("2-5")
    ('multicolor', 'grey', 'multicolor', '2_5')
    """
    k = _NOT_ALNUM.sub("", _BETWEEN_DIGITS.sub("_", normalize_key(label)))
    return _VALUE_SYNONYMS.get(k, k) if k else normalize_key(label)


def _stems(key: str) -> list[str]:
    """Shorter forms a derived value may fold to: wooden -> wood, knitted -> knit, boys -> boy."""
    out = []
    if key.endswith("en") and len(key) > 4:
        out.append(key[:-2])
    if key.endswith("ed") and len(key) > 4:
        out += [key[:-2], key[:-3]] if key[-3] == key[-4] else [key[:-2]]
    if key.endswith("s") and not key.endswith("ss") and len(key) > 3:
        out.append(key[:-1])
    return out


@dataclass(frozen=True, slots=True)
class HygieneConfig:
    """What :func:`apply_hygiene` does; every part can be switched off.

    Example:
        >>> HygieneConfig(merge_attribute_values=False).merge_attribute_values
        False
    """

    non_brand_words: tuple[str, ...] = DEFAULT_NON_BRAND_WORDS
    kg_colors_are_not_brands: bool = False
    merge_attribute_values: bool = True
    merge_case_duplicate_brands: bool = True
    unlinkable_roots: tuple[str, ...] = DEFAULT_UNLINKABLE_ROOTS
    content_parents: tuple[str, ...] = DEFAULT_CONTENT_PARENTS
    unlinkable_patterns: tuple[str, ...] = DEFAULT_UNLINKABLE_PATTERNS
    #: add the short-form aliases the category names imply (:mod:`kg.short_forms`)
    short_forms: bool = True

    def __post_init__(self) -> None:
        for p in self.unlinkable_patterns:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"unlinkable_patterns: {p!r} is not a regular expression: {e}"
                                 ) from None


def _merge(tx: object, graph: ProductGraph, keep: NodeInfo, dups: Iterable[NodeInfo],
           report: LoadReport, reason: str) -> None:
    names = {normalize_key(n) for n in (keep.label or "", *keep.aliases)}
    for d in dups:
        for e in graph.neighbors(d.iri, direction="in"):
            if e.source != keep.iri:
                tx.add_edge(Edge(e.source, e.relation, keep.iri))  # type: ignore[attr-defined]
        for e in graph.neighbors(d.iri, direction="out"):
            if e.target != keep.iri:
                tx.add_edge(Edge(keep.iri, e.relation, e.target))  # type: ignore[attr-defined]
        tx.remove_node(d.iri)  # type: ignore[attr-defined]
        for name in (d.label or "", *d.aliases):
            if name.strip() and name != keep.label:
                tx.add_alias(keep.iri, name)  # type: ignore[attr-defined]
                names.add(normalize_key(name))
        report.skip(reason, f"{d.label} -> {keep.label}")


def apply_hygiene(graph: ProductGraph, config: HygieneConfig | None = None) -> LoadReport:
    """Apply the hygiene rules (see the module docstring) in one transaction, then the
    short-form aliases (:func:`kg.short_forms.apply_short_forms`, reported here too) in a
    second; idempotent."""
    cfg = config or HygieneConfig()
    report = LoadReport(source="hygiene")
    nodes = list(graph.nodes())
    by_kind: dict[NodeKind | None, list[NodeInfo]] = defaultdict(list)
    for n in nodes:
        by_kind[n.kind].append(n)
    values = by_kind[NodeKind.ATTRIBUTE_VALUE]

    def degree(n: NodeInfo) -> int:
        return len(graph.neighbors(n.iri, direction="in"))

    with graph.transaction("KG hygiene") as tx:
        # 1. colour/size/fit words are not brands
        words = {normalize_key(w) for w in cfg.non_brand_words}
        if cfg.kg_colors_are_not_brands:
            words |= {normalize_key(v.label) for v in values
                      if v.attribute == "color" and v.label and " " not in v.label.strip()
                      and v.label.isalpha()}
        brands = []
        for b in by_kind[NodeKind.BRAND]:
            if b.label and normalize_key(b.label) in words:
                tx.remove_node(b.iri)
                report.skip("brand removed: a colour/size/fit word", b.label)
            else:
                brands.append(b)
        # 2. case-duplicate brands
        if cfg.merge_case_duplicate_brands:
            groups: dict[str, list[NodeInfo]] = defaultdict(list)
            for b in brands:
                groups[normalize_key(b.label or "")].append(b)
            for group in groups.values():
                if len(group) > 1:
                    group.sort(key=lambda n: (-degree(n), n.iri))
                    _merge(tx, graph, group[0], group[1:], report,
                           "case-duplicate brand merged")
        # 3. duplicate attribute values
        if cfg.merge_attribute_values:
            by_attr: dict[str | None, list[NodeInfo]] = defaultdict(list)
            for v in values:
                by_attr[v.attribute].append(v)
            for vs in by_attr.values():
                groups = defaultdict(list)
                for v in vs:
                    groups[value_key(v.label or "")].append(v)
                # fold derived forms onto an existing shorter key: wooden -> wood
                for key in sorted(groups, key=len, reverse=True):
                    for stem in _stems(key):
                        if stem in groups and stem != key:
                            groups[stem] += groups.pop(key)
                            break
                for gkey, group in groups.items():
                    if len(group) > 1:
                        # keep the value spelled as the key ("Grey", not "GRY"), then the one
                        # with the most products
                        group.sort(key=lambda n, k=gkey: (
                            _NOT_ALNUM.sub("", normalize_key(n.label or "")) != k, -degree(n),
                            len(n.label or ""), n.iri))
                        _merge(tx, graph, group[0], group[1:], report,
                               "attribute value merged into a duplicate")
        # 4. promotion / content / genre categories are kept but not linkable
        roots = {normalize_key(r) for r in cfg.unlinkable_roots}
        parents = [normalize_key(p) + " > " for p in cfg.content_parents]
        patterns = [re.compile(p, re.IGNORECASE) for p in cfg.unlinkable_patterns]
        flag = ox.NamedNode(LINKABLE)
        for c in by_kind[NodeKind.CATEGORY]:
            path = c.path or c.label or ""
            segs = [s.strip() for s in path.split(">")]
            npath = normalize_key(path)
            if (normalize_key(segs[0]) in roots or any(npath.startswith(p) for p in parents)
                    or any(p.search(s) for p in patterns for s in segs)):
                tx.add_triples([ox.Quad(ox.NamedNode(c.iri), flag, ox.Literal(False),
                                        ox.DefaultGraph())])
                report.skip("category marked non-linkable", path)
    if cfg.short_forms:
        apply_short_forms(graph, report=report)
    log.info("KG hygiene: %s", report.skipped)
    return report
