"""Reasoning over the KG's category tree, on node IRIs: the categories above a node, the
departments that hold it, whether two links contradict, the category below a node that words
name, a sibling the query's words name, whether the query's words support a link. No parse
types: what the link stage (:class:`parser.linking.SpanLinker`) asks of the graph where it
weighs a product span's head (:meth:`parser.linking.SpanLinker._head_and_modifier`) or the
query's other links. Each reads ``kg.to_networkx()`` (the KG's derived view of its version,
never changed: a commit makes a new one) and, where it says so, an
:class:`kg.link.EntityLinker`'s words (:meth:`~kg.link.EntityLinker.common_words`,
:meth:`~kg.link.EntityLinker.below_words`). What they read of a node alone (its parents, the
categories right below it, its name's words) is kept in that graph's attributes
(:func:`_per_view`), read once per version, not per parse.

Example:
    >>> from kg import Edge, Node, NodeKind, ProductGraph, Relation
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([
    ...     Node(NodeKind.CATEGORY, "tv", "TV & Home Theater", path="TV & Home Theater"),
    ...     Node(NodeKind.CATEGORY, "tvs", "TVs", path="TV & Home Theater > TVs"),
    ...     Edge("https://kgqp.dev/id/category/tvs", Relation.PARENT,
    ...          "https://kgqp.dev/id/category/tv")], progress=False)
    >>> tvs = "https://kgqp.dev/id/category/tvs"
    >>> sorted(above(g, tvs)), department(g, tvs)
    (['https://kgqp.dev/id/category/tv'], 'TV & Home Theater')
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kg.index import normalize_key
from kg.link import FUNCTION_WORDS, NAME_PARTS, EntityLinker, name_heads, word_set

__all__ = ["PRODUCT_KINDS", "above", "contradicts", "department", "departments",
           "heads_another_word", "named_below", "names_a_sibling", "names_the_kind", "parents",
           "supported"]

#: the node kinds a product searched is (a product span's head links one of them)
PRODUCT_KINDS = frozenset({"category", "product_type"})


def contradicts(kg: Any, node: str, other: str) -> bool:
    """Whether the link ``node`` of a product span's head contradicts another link
    ``other`` of its query (both categories or product types) on the KG ``kg``: neither is
    the other nor above it, and they are of no common department, or are kinds of one
    category (a common parent: iPod shuffle and iPod nano, DSLR Body Only and All DSLRs)."""
    if node == other:
        return False
    up, up_other = above(kg, node), above(kg, other)
    if other in up or node in up_other:
        return False
    mine, theirs = departments(kg, node), departments(kg, other)
    if mine and theirs and mine.isdisjoint(theirs):
        return True
    return not parents(kg, node).isdisjoint(parents(kg, other))


_T = TypeVar("_T")


def _per_view(name: str) -> Callable[[Callable[[Any, str], _T]], Callable[[Any, str], _T]]:
    """Memoise ``f(nxg, node)``, a pure function of one networkx view of the KG and a node, in
    that view's graph attribute ``name`` (a commit makes a new view, whose attributes start
    empty)."""
    def wrap(f: Callable[[Any, str], _T]) -> Callable[[Any, str], _T]:
        @functools.wraps(f)
        def memoised(nxg: Any, node: str) -> _T:
            memo = nxg.graph.get(name)
            if memo is None:
                memo = nxg.graph[name] = {}
            out = memo.get(node)
            if out is None:
                out = memo[node] = f(nxg, node)
            return out
        return memoised
    return wrap


@_per_view("_kgqp_taxonomy_parents")
def _parents(nxg: Any, node: str) -> frozenset[str]:
    """:func:`parents` of ``node`` on the networkx view ``nxg`` (cached per view)."""
    if node not in nxg:
        return frozenset()
    return frozenset(t for _, t, r in nxg.out_edges(node, keys=True)
                     if r in ("parent", "in_category", "type_in"))


@_per_view("_kgqp_taxonomy_above")
def _above(nxg: Any, node: str) -> frozenset[str]:
    """:func:`above` of ``node`` on the networkx view ``nxg`` (cached per view)."""
    seen: set[str] = set()
    level = _parents(nxg, node)
    while level:
        seen |= level
        level = frozenset(p for c in level for p in _parents(nxg, c)) - seen
    return frozenset(seen)


@_per_view("_kgqp_taxonomy_children")
def _children(nxg: Any, node: str) -> tuple[str, ...]:
    """The categories right below the category ``node`` (its ``parent`` edges' sources, in
    the view's order) of the networkx view ``nxg`` (cached per view)."""
    return tuple(s for s, _, r in nxg.in_edges(node, keys=True) if r == "parent")


@_per_view("_kgqp_taxonomy_members")
def _members(nxg: Any, node: str) -> tuple[str, ...]:
    """The categories and product types right under the node ``node`` (a ``parent``,
    ``in_category`` or ``type_in`` edge to it, in the view's order, once per edge) of the
    networkx view ``nxg`` (cached per view)."""
    nodes = nxg.nodes
    return tuple(other for other, _, rel in nxg.in_edges(node, keys=True)
                 if rel in ("parent", "in_category", "type_in")
                 and nodes[other].get("kind") in PRODUCT_KINDS)


@_per_view("_kgqp_taxonomy_words")
def _name_words(nxg: Any, node: str) -> frozenset[str]:
    """:func:`kg.link.word_set` of the name (normalised label) of the node ``node`` of the
    networkx view ``nxg`` (cached per view)."""
    return word_set(normalize_key(str(nxg.nodes[node].get("label") or "")))


@_per_view("_kgqp_taxonomy_parts")
def _part_words(nxg: Any, node: str) -> tuple[frozenset[str], ...]:
    """:func:`kg.link.word_set` of each part (:data:`kg.link.NAME_PARTS`) of the name of the
    node ``node`` of the networkx view ``nxg``, in order (cached per view)."""
    name = normalize_key(str(nxg.nodes[node].get("label") or ""))
    return tuple(word_set(part) for part in NAME_PARTS.split(name))


@_per_view("_kgqp_taxonomy_kinds")
def _kind_names(nxg: Any, node: str) -> tuple[frozenset[str], ...]:
    """The words (:func:`kg.link.word_set`) of each name of a category above the node
    ``node`` of the networkx view ``nxg`` below the first level (the labels of those with a
    path of two levels or more, and the inner segments of its own path): the kinds
    :func:`names_the_kind` reads (cached per view)."""
    nodes = nxg.nodes
    path = str(nodes[node].get("path") or "")
    up = {str(nodes[c].get("label") or "") for c in _above(nxg, node)
          if nodes[c].get("path") and ">" in str(nodes[c].get("path"))} \
        | {seg.strip() for seg in path.split(">")[1:-1]}
    return tuple(word_set(normalize_key(name)) for name in up)


def parents(kg: Any, node: str) -> frozenset[str]:
    """The categories right above the category ``node`` of the KG ``kg``, or those a product
    type ``node`` is filed in."""
    return _parents(kg.to_networkx(), node)


def above(kg: Any, node: str) -> frozenset[str]:
    """The categories above the node ``node`` of the KG ``kg``, every level (:func:`parents`)."""
    return _above(kg.to_networkx(), node)


def names_the_kind(kg: Any, linker: EntityLinker, node: str, lead: frozenset[str],
                   own: frozenset[str], last: frozenset[str]) -> bool:
    """Whether the content words ``lead`` of a product span before its head (of the words
    ``own``) name the namesake ``node`` of the head's link as the kind it is
    (:meth:`parser.linking.SpanLinker._head_and_modifier`): the part of its name the head
    heads (its name split at "&", ",", "/", "and": :data:`kg.link.NAME_PARTS`) holds the last
    of them, ``last``, the word right before the head ("license" of Vehicle License Plates,
    "hose" of Garden Hose Spray Nozzles; no "motor" of "motor shaft adapter": Motor Vehicle
    Cassette Adapters), or holds no word but the head's and theirs while they name a
    category above it, no department (its name's words, less the ``linker``'s
    :meth:`kg.link.EntityLinker.common_words`: "skin" of Skin Care > Toners & Astringents,
    "hair" of Hair Care > ... > Combs & Brushes; no "garden" of Home & Garden > ... > Shoe
    Care & Tools). One of their words found somewhere in its path is no evidence: "work" of
    Work Safety Protective Gear > Bullet Proof Vests (a kind the query does not say),
    "power" of Camera Batteries & Power > Camera Chargers & Adapters, "car" of Car Audio
    Installation Parts > Antennas & Adapters, "pc" of PC Gaming > Virtual Reality-Ready
    Components."""
    nxg = kg.to_networkx()
    parts = [w for w in _part_words(nxg, node) if not w.isdisjoint(own)]
    if not parts:
        return False
    kind = parts[0] - own
    if not kind.isdisjoint(lead & last):
        return True
    if kind - lead:
        return False
    common = linker.common_words()
    return any((w := words - common) and w <= lead for words in _kind_names(nxg, node))


def departments(kg: Any, node: str) -> frozenset[str]:
    """The departments (the first category of the path) of the category ``node`` of the KG
    ``kg``, or of the categories a product type ``node`` is filed in."""
    nxg = kg.to_networkx()
    if node not in nxg:
        return frozenset()
    cats = [node] if nxg.nodes[node].get("path") else [
        t for _, t, r in nxg.out_edges(node, keys=True) if r in ("in_category", "type_in")]
    return frozenset(d for c in cats if (d := department(kg, c)) is not None)


def named_below(kg: Any, node: str, lead: Sequence[str], head: str = "", *,
                linker: Any = None) -> str | None:
    """The category one or two levels below the category ``node`` of the KG ``kg`` whose
    name's content words are the words ``lead`` (less function words and the words of every
    department, the ``linker``'s :meth:`kg.link.EntityLinker.common_words`, none for another
    kind of linker) and words of ``node``'s own name, when there is exactly one nearest such
    category ("laptop" below Memory (RAM): Laptop Memory); else None.

    With the span's head word ``head`` (plural-folded), no category whose name holds a
    word of another part of ``node``'s name (:data:`kg.link.NAME_PARTS`) than the part
    that holds ``head``: the whole span names a kind of the head's product, not of
    another product ``node`` names beside it ("laser toner": no Laser Printers, of the
    part "Printers" of "Printers, Ink & Toner", not of its "Toner"; "marine" before
    "powersports" names no Marine Audio below Marine & Powersports; "laptop ram": Laptop
    Memory, of "Memory (RAM)"'s one part; "dslr cameras": All DSLRs below Cameras), and
    none whose name holds ``head`` but heads another word (:func:`heads_another_word`:
    "door knob lock" is no Vehicle Door Lock Knobs below Vehicle Door Locks & Parts)."""
    nxg = kg.to_networkx()
    if node not in nxg:
        return None
    common = linker.common_words() if isinstance(linker, EntityLinker) \
        else frozenset()
    mine = word_set(" ".join(lead)) - FUNCTION_WORDS - common
    if not mine:
        return None  # ("accessories keyboards": a word of every department names none)
    own = _name_words(nxg, node)
    parts = _part_words(nxg, node)
    kind = frozenset().union(*(w for w in parts if head in w))
    others = frozenset().union(*parts) - kind if kind else frozenset()
    level, found = [node], []
    said = mine | own
    for _ in range(2):
        level = [s for c in level for s in _children(nxg, c)]
        found += [c for c in level
                  if (w := _name_words(nxg, c)) and mine <= w and w <= said
                  and w.isdisjoint(others)
                  and not (head and heads_another_word(kg, c, head))]
        if found:
            break
    return min(found) if len(found) == 1 else None


def heads_another_word(kg: Any, node: str, word: str,
                       said: frozenset[str] = frozenset()) -> bool:
    """Whether the name of the category ``node`` of the KG ``kg`` that a product span's head
    linked holds the head's word ``word`` (plural-folded) but heads none of its parts with it
    (:func:`kg.link.name_heads`), and the words ``said`` (the head's) do not hold all
    its words: the category is another kind of product, one the head's word only
    qualifies ("door knob lock": Vehicle Door Lock Knobs are knobs; in Best Buy's
    breadcrumb "speakers subwoofer", Subwoofer Speakers are narrower than the Speakers
    searched). A name the head says whole, in another order, is none (Best Buy's
    breadcrumb "marine audio powersports": "audio powersports" names Powersports Audio),
    nor is one that holds no such word (an alias link), nor a product type's (Best Buy's
    "Vzw iphone handset", "Disc chargers opp" are no kinds named by their last word)."""
    nxg = kg.to_networkx()
    if node not in nxg or nxg.nodes[node].get("kind") != "category":
        return False
    name = normalize_key(str(nxg.nodes[node].get("label") or ""))
    words = word_set(name)
    return word in words and word not in name_heads(name) and not words <= said


def names_a_sibling(kg: Any, linker: EntityLinker, node: str, said: frozenset[str]) -> bool:
    """Whether the query's content words outside a product span's head (``said``) name a
    sibling of the head's link ``node`` of the KG ``kg`` or of a category above it (a
    category or product type right under one of their parents, :func:`parents`; none above
    ``node``): the content words of its name that ``node``'s name lacks (less the
    ``linker``'s :meth:`kg.link.EntityLinker.common_words`), two or more, are all words the
    query says. Best Buy's breadcrumb queries name a category before a word of another:
    "radio replacement modules deck harness" is a search of Radio Replacement Modules, not of
    their sibling Deck Harnesses; "amp installation parts deck harness" one of Amp
    Installation Parts (> Amp Installation Kits), beside Deck Installation Parts > Deck
    Harnesses. One such word is no evidence: "projector mounts tv mounts" is a search of
    Projector Mounts, though "tv" names their cousin TV Mounts; "marine audio powersports"
    one of Powersports Audio, beside Marine Audio. A category above the head's link ("cell
    phones" of "cell phones signal boosters") is none: the head names a kind of it."""
    nxg = kg.to_networkx()
    if node not in nxg:
        return False
    common = linker.common_words()
    mine = _name_words(nxg, node)
    up = _above(nxg, node)
    ups = frozenset().union(_parents(nxg, node), *(_parents(nxg, c) for c in up))
    for parent in sorted(ups):
        for other in _members(nxg, parent):
            if other == node or other in up:
                continue
            words = _name_words(nxg, other) - common - FUNCTION_WORDS - mine
            if len(words) >= 2 and words <= said:
                return True
    return False


def supported(kg: Any, linker: EntityLinker, node: str, said: frozenset[str], *,
              below: bool) -> bool:
    """Whether one of the words ``said`` (content words, plural-folded: :func:`kg.link.
    word_set`) is a word of the path of the node ``node`` of the KG ``kg`` (of a product
    type: of the categories it is filed in), or, with ``below``, of the names of the
    categories two levels below it (the ``linker``'s :meth:`kg.link.EntityLinker.
    below_words`)."""
    nxg = kg.to_networkx()
    if node not in nxg:
        return False
    path = nxg.nodes[node].get("path")
    paths = [path] if path else [
        nxg.nodes[t].get("path") for _, t, r in nxg.out_edges(node, keys=True)
        if r in ("in_category", "type_in") and nxg.nodes[t].get("path")]
    words = set().union(*(word_set(normalize_key(p)) for p in paths))
    if below and path:
        words |= linker.below_words(node)
    return not words.isdisjoint(said)


def department(kg: Any, iri: str) -> str | None:
    """The department (the first category of the path) of the category ``iri`` of the KG
    ``kg``."""
    nodes = kg.to_networkx().nodes
    path = nodes[iri].get("path") if iri in nodes else None
    return path.split(">")[0].strip() if path else None
