"""The entity walk: category walks, generations and product lines, components, and the GNN
similarity of expanded nodes (:class:`_Similarity`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from fusion.expand.accessories import _ACCESSORY_STEMS, _category_words, _is_variant
from fusion.expand.departments import _names_a_page
from fusion.expand.kgview import _KG, _cached, _Cand, _most_common_two_hop
from fusion.expand.words import _bare_number, _words
from fusion.types import LinkedEntity
from kg.index import normalize_key
from kg.link import FUNCTION_WORDS, word_order

#: attribute values that name nothing without their attribute ("Yes" of a Flipkart product's
#: "waterproof", "No" of its "hooded"): as an expansion term a search engine matches any text
#: with the word, so a category's common values leave them out
_BARE_ANSWERS = frozenset({"yes", "no", "true", "false", "y", "n", "na", "n/a", "none"})


def _category_walk(kg: _KG, cat: str, walk: int, fanout: bool) -> tuple[_Cand, ...]:
    """A category's children, parent, siblings, brands and common attribute values (most
    popular first, ``walk`` per relation; no bare answer, :data:`_BARE_ANSWERS`, nor bare
    number, :func:`_bare_number`), cached per graph view."""
    def build() -> tuple[_Cand, ...]:
        out: list[_Cand] = []
        for child in kg.into(cat, "parent")[:walk]:
            out.append(_Cand(kg.label(child), "child_category", ((child, "parent", cat),), child,
                             child, fanout))
        for p in kg.out(cat, "parent"):
            out.append(_Cand(kg.label(p), "parent_category", ((cat, "parent", p),), p, p, fanout))
            for sib in [s for s in kg.into(p, "parent") if s != cat][:walk]:
                out.append(_Cand(kg.label(sib), "sibling_category",
                                 ((cat, "parent", p), (sib, "parent", p)), sib, sib, fanout))
        for b in kg.into(cat, "sells_in")[:walk]:
            out.append(_Cand(kg.label(b), "brand", ((b, "sells_in", cat),), b, cat, fanout))
        for v, prod in _most_common_two_hop(kg, cat, "in_category", "has_value", walk):
            if normalize_key(kg.label(v)) in _BARE_ANSWERS or _bare_number(kg.label(v)):
                continue  # ("Yes", "No", a belt's "34": a value that names nothing without
                #          its attribute)
            out.append(_Cand(kg.label(v), "attribute_value",
                             ((prod, "in_category", cat), (prod, "has_value", v)), v, cat,
                             fanout))
        return tuple(out)

    return _cached(kg, "_kgqp_category_walks", (cat, walk, fanout), build)


def _a_narrower_unsaid(kg: _KG, c: _Cand, query: Collection[str]) -> bool:
    """Whether a tree neighbour ``c`` of a linked category is the kind of it for (or of)
    another product that the query does not name, where the linked category is a generic
    accessory, part or consumable (every word of its name one of
    :data:`fusion.patterns.ACCESSORY_WORDS`: Batteries, Battery Chargers, Adapters; not
    toys, hats, whose neighbours are kinds of them, nor Cell Phone Accessories, which names
    its device). A child or sibling whose name has, besides the linked category's words (it
    shares one), words that name a KG category of their own (a device: "UPS", "Camera",
    "E-Book Reader"), none of them the query's (``query``, :func:`_words`): which device's
    the query does not say ("battery" links Google's Batteries: Camera, E-Book Reader, UPS
    Batteries, the sibling UPS; "camera battery" keeps Camera Batteries). A parent that is
    the accessories of such a device ("battery charger" links Flipkart's Battery Chargers
    under Camera Accessories: a power tool's charger is none). A neighbour whose other words name no
    product ("General Purpose Batteries", "QLED TVs") is a kind of what is searched, and one
    sharing no word with it another product ("UPS", "heels" beside sandals): not judged."""
    if c.iri is None:
        return False
    linked = c.provenance[0][2] if c.kind == "child_category" else c.provenance[0][0]
    label = kg.label(c.iri)
    own = _words(kg.label(linked))
    if not own or not own <= _ACCESSORY_STEMS:
        return False  # (a product of its own: "toys" -> Sports Toys, "hats" -> Clothing
        #              Accessories are kinds of it; or one naming its device: "Cell Phone
        #              Accessories", "TV Mounts")
    if c.kind == "parent_category" and "accessor" not in label.casefold():
        return False
    if c.kind != "parent_category" and not own & _words(label):
        return False  # (another product, "UPS" beside Batteries, "heels" beside sandals)
    own |= _ACCESSORY_STEMS
    extra = [w for w in word_order(normalize_key(label)) if w not in own]
    if not extra or set(extra) & set(query):
        return False
    names = _category_words(kg)
    return any(frozenset(extra[i:j]) in names
               for i in range(len(extra)) for j in range(i + 1, min(i + 3, len(extra)) + 1))


#: the words that, after a product line's word, name one generation or model of the line
#: ("xbox one", "xbox series x", "iphone se", "macbook air", "galaxy note"): as a number does
#: ("iphone 15", "xbox 360"; :func:`_generations`)
_GENERATION_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight",
                               "nine", "ten", "series", "pro", "plus", "max", "mini", "air",
                               "ultra", "lite", "se", "xl", "note", "edge"})
#: a generation number: digits, a decimal, or either with one letter ("6s", "5c", "12.9");
#: no resolution nor scan ("4k", "1080p")
_GENERATION_NUMBER = re.compile(r"^\d+(?:\.\d+)?[a-jl-oq-z]?$")
#: a line's word and its number written as one word ("ps5", "ddr4", "cat6", "rx580"): the
#: line's letters (two or more) and the number
_GLUED_GENERATION = re.compile(r"^([a-z]{2,})(\d+[a-jl-oq-z]?)$")
#: a unit after a number: the number is a size, a capacity or a length, no generation ("tv 55
#: inch", "iphone 128 gb")
_AFTER_A_SIZE = frozenset({"in", "inch", "inches", "ft", "feet", "foot", "gb", "tb", "mb",
                           "hz", "w", "watt", "watts", "mm", "cm", "m", "oz", "lb", "lbs",
                           "pack", "pc", "pcs", "piece", "pieces", "count", "ct", "mah", "v"})
_NAME_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def _generations(text: str) -> dict[str, frozenset[str]]:
    """The generations ``text`` names, by line: the word of a line (two or more letters, no
    function word) and the number or generation word after it (:data:`_GENERATION_WORDS`;
    no number a unit follows: a size), or the two written as one word ("ps5": ``ps``, ``5``).

    >>> sorted((k, sorted(v)) for k, v in _generations("xbox series x controller").items())
    [('xbox', ['series'])]
    >>> sorted((k, sorted(v)) for k, v in _generations("PS4 Consoles").items())
    [('ps', ['4'])]
    >>> sorted((k, sorted(v)) for k, v in _generations("iPhone 6 Plus").items())
    [('iphone', ['6'])]
    >>> _generations("tv 55 inch"), _generations("2-in-1s"), _generations("4k tv")
    ({}, {}, {})
    """
    tokens = _NAME_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
    out: dict[str, set[str]] = {}
    for i, t in enumerate(tokens):
        if (m := _GLUED_GENERATION.match(t)) is not None and m.group(1) not in FUNCTION_WORDS:
            out.setdefault(m.group(1), set()).add(m.group(2))
        if i + 1 >= len(tokens) or not t.isalpha() or len(t) < 2 or t in FUNCTION_WORDS:
            continue
        nxt = tokens[i + 1]
        if nxt in _GENERATION_WORDS or (_GENERATION_NUMBER.match(nxt) and (
                i + 2 >= len(tokens) or tokens[i + 2] not in _AFTER_A_SIZE)):
            out.setdefault(t, set()).add(nxt)
    return {k: frozenset(v) for k, v in out.items()}


def _same_line(a: str, b: str) -> bool:
    """Whether two line words name one line: equal, or the shorter (two or three letters) the
    longer's initials, its first letter and the rest in order ("ps" of "playstation")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if not 2 <= len(short) <= 3 or len(long_) < 6 or short[0] != long_[0]:
        return False
    rest = iter(long_[1:])
    return all(ch in rest for ch in short[1:])


def _another_generation(name: str, query: Mapping[str, frozenset[str]]) -> bool:
    """Whether the name of a candidate names another generation of a line whose generation the
    query names (``query``: :func:`_generations` of its text): "PS4 Consoles", "PlayStation 3"
    for "ps5 console", "iPhone 6", "iPhone SE" for "iphone 15", "Xbox One Games" for "xbox
    series x controller". A name that names the query's generation too ("Apple iMac, Mini &
    Mac Pro" for "mac mini"), a variant of it (:func:`_generation_base`: "iPhone 6s Cases" for
    "iphone 6 case"), or no generation of the line ("PlayStation Network", "iPhone
    Accessories"), is no other generation.

    >>> q = _generations("ps5 console")
    >>> [_another_generation(n, q) for n in ("PS4 Games", "PlayStation 3", "PlayStation Network")]
    [True, True, False]
    >>> _another_generation("Apple iMac, Mini & Mac Pro", _generations("mac mini m2"))
    False
    """
    if not query:
        return False
    own = _generations(name)
    if not own:
        return False
    tokens = {_generation_base(t)
              for t in _NAME_TOKEN.findall(unicodedata.normalize("NFKC", name).casefold())}
    for line, gens in own.items():
        gens = {_generation_base(x) for x in gens}
        for q_line, q_gens in query.items():
            q_gens = {_generation_base(x) for x in q_gens}
            if _same_line(line, q_line) and not gens & q_gens and not q_gens & tokens:
                return True
    return False


def _generation_base(gen: str) -> str:
    """A generation number without its letter: "6s" is a variant of the 6 ("iPhone 6s Cases"
    fit an iPhone 6, "iphone 5s" keeps iPhone 5c Cases); a word stays."""
    return gen[:-1] if len(gen) > 1 and gen[-1].isalpha() and gen[-2].isdigit() else gen


def _entity_walk(kg: _KG, iri: str, walk: int, typo_distance: int,
                 ) -> tuple[tuple[_Cand, ...], tuple[tuple[str, str], ...]]:
    """A linked node's candidates and the filter values it sets (``(field, value)``: brand,
    colour, size), cached per graph view."""
    def build() -> tuple[tuple[_Cand, ...], tuple[tuple[str, str], ...]]:
        cands: list[_Cand] = []
        facets: list[tuple[str, str]] = []
        kind, attrs, name = kg.kind(iri), kg.g.nodes[iri], kg.label(iri)
        for other in kg.out(iri, "synonym"):
            cands.append(_Cand(kg.label(other), "synonym", ((iri, "synonym", other),), other,
                               None, False))
        for other in kg.into(iri, "synonym"):
            cands.append(_Cand(kg.label(other), "synonym", ((other, "synonym", iri),), other,
                               None, False))
        for alias in sorted(attrs.get("aliases") or []):
            if not _is_variant(alias, name, typo_distance) \
                    and not (kind == "brand" and _names_a_page(kg, alias, name)):
                cands.append(_Cand(alias, "alias", ((iri, "alias", alias),), iri, None, False))
        if kind == "brand":
            facets.append(("brand", name))
            for cat in kg.out(iri, "sells_in")[:walk]:
                cands.append(_Cand(kg.label(cat), "category", ((iri, "sells_in", cat),), cat,
                                   cat, True))
        elif kind == "category":
            cands += _category_walk(kg, iri, walk, fanout=False)
        elif kind == "product_type":
            for cat in kg.out(iri, "type_in")[:walk]:
                cands.append(_Cand(kg.label(cat), "category", ((iri, "type_in", cat),), cat,
                                   cat, True))
        elif kind == "product":
            for cat in kg.out(iri, "in_category")[:walk]:
                cands.append(_Cand(kg.label(cat), "category", ((iri, "in_category", cat),), cat,
                                   cat, False))
            for b in kg.out(iri, "has_brand")[:walk]:
                cands.append(_Cand(kg.label(b), "brand", ((iri, "has_brand", b),), b, None,
                                   False))
        elif kind == "attribute_value":
            for cat, prod in _most_common_two_hop(kg, iri, "has_value", "in_category", walk):
                cands.append(_Cand(kg.label(cat), "category",
                                   ((prod, "has_value", iri), (prod, "in_category", cat)), cat,
                                   cat, True))
            attr = attrs.get("attribute")
            if attr in ("color", "colour"):
                facets.append(("colour", name))
            elif attr == "size":
                facets.append(("size", name))
        return tuple(cands), tuple(facets)

    return _cached(kg, "_kgqp_entity_walks", (iri, walk, typo_distance), build)


class _Similarity:
    """Cosine similarity of a node's GNN embedding to the link-weighted mean of the linked
    nodes' embeddings, mapped to [0, 1] (0.5 when either is unknown)."""

    def __init__(self, embeddings: Any, linked: Sequence[LinkedEntity]) -> None:
        self.emb = embeddings
        self.query: np.ndarray | None = None
        if embeddings is None:
            return
        self.unit = embeddings.unit()
        rows = [(embeddings.row(e.iri), e.score) for e in linked]
        rows = [(r, w) for r, w in rows if r is not None and w > 0]
        if rows:
            q = sum(self.unit[r] * w for r, w in rows)
            norm = float(np.linalg.norm(q))
            self.query = q / norm if norm > 0 else None

    def __call__(self, iri: str | None) -> float:
        if self.query is None or iri is None:
            return 0.5
        r = self.emb.row(iri)
        return 0.5 if r is None else 0.5 * (1.0 + float(self.unit[r] @ self.query))
