"""The entity walk: category walks, generations and product lines, components, and the GNN
similarity of expanded nodes (:class:`_Similarity`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np

from fusion.expand.accessories import (
    _ACCESSORY_STEMS,
    _ACCESSORY_WORDS,
    _FITS,
    _category_words,
    _is_variant,
)
from fusion.expand.departments import _names_a_page
from fusion.expand.kgview import _ACCESSORY, _KG, _cached, _Cand, _kg_wide, _most_common_two_hop
from fusion.expand.words import (
    _NEW_PLATFORMS,
    _SHARED_PLATFORM_NAMES,
    _bare_number,
    _name_heads,
    _words,
)
from fusion.types import LinkedEntity
from kg.index import normalize_key
from kg.link import FUNCTION_WORDS, NAME_PARTS, compact_key, name_heads, word_order

#: attribute values that name nothing without their attribute ("Yes" of a Flipkart product's
#: "waterproof", "No" of its "hooded"): as an expansion term a search engine matches any text
#: with the word, so a category's common values leave them out
_BARE_ANSWERS = frozenset({"yes", "no", "true", "false", "y", "n", "na", "n/a", "none"})


def _category_walk(kg: _KG, cat: str, walk: int, fanout: bool) -> tuple[_Cand, ...]:
    """A category's children, parent, siblings, brands and common attribute values (most
    popular first, ``walk`` per relation; no bare answer, :data:`_BARE_ANSWERS`, nor bare
    number, :func:`_bare_number`), cached per graph view. A category filed under several
    parents, one of them named by a word of its name (a label's or an alias's: Virtual
    Reality above Virtual Reality Headsets, "DSLR" of Digital SLR Cameras above DSLR Lenses),
    has no siblings under the others that share no word with it nor name its kind
    (:func:`_names_the_linked`): Apple Watch, Pet Tracking Devices beside it under Wearable
    Technology; Pens, Whiteboards beside Printer Ink & Toner under Office & School
    Supplies."""
    def build() -> tuple[_Cand, ...]:
        out: list[_Cand] = []
        for child in _first((c for c in kg.into(cat, "parent") if not _one_listing(kg, c)),
                            walk):
            out.append(_Cand(kg.label(child), "child_category", ((child, "parent", cat),), child,
                             child, fanout))
        parents = kg.out(cat, "parent")
        own = _stems(kg.label(cat))
        # (a category filed under several parents, one named by its words: its siblings
        # under another one are other kinds of products, unless they name its kind:
        # Virtual Reality Headsets under Virtual Reality and Wearable Technology, beside
        # Apple Watch and Pet Tracking Devices there)
        named = {p for p in parents if any(_stems(str(n)) & own for n in (
            kg.label(p), *(kg.g.nodes[p].get("aliases") or ())))}
        for p in parents:
            out.append(_Cand(kg.label(p), "parent_category", ((cat, "parent", p),), p, p, fanout))
            for sib in [s for s in kg.into(p, "parent", walk + 1) if s != cat][:walk]:
                c = _Cand(kg.label(sib), "sibling_category",
                          ((cat, "parent", p), (sib, "parent", p)), sib, sib, fanout)
                if named and p not in named and not _stems(kg.label(sib)) & own \
                        and not _names_the_linked(kg, c):
                    continue
                out.append(c)
        for b in _first((b for b in kg.into(cat, "sells_in") if not _one_listing(kg, b)), walk):
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


def _first(items: Iterable[str], n: int) -> list[str]:
    """``list(items)[:n]``, reading no more of ``items`` than that (a lazy filter's: the rest
    are not judged)."""
    return list(islice(items, n)) if n >= 0 else list(items)[:n]


def _one_listing(kg: _KG, iri: str) -> bool:
    """Whether the KG knows a brand or a category from one product's listing alone: a brand
    with one product that sells in one category at most; a category with one product and no
    category under it, whose name's words beyond its parent's open that product's name (the
    seller's: "dumdaarcom tops" of "dumdaar.com casual short sleeve ...", "fs tops" of "f&s
    casual ..." under Flipkart's tops). A marketplace seller's own name ("mario gotze", "i
    know", "mineral": Flipkart brands of one shirt or dress) or shelf is no kind or maker of
    what a query searches: as an expansion it ORs one listing's words into the query ("t
    shirts for women" -> "mario gotze"). A brand of several products ("dgold": six
    necklaces), one the store's catalogue says sells in a category without products in the
    KG (Best Buy's brands), a category of one product named as a kind ("QLED TVs" of a
    Samsung TV, "iPhone 5s Cases", Flipkart's "winter jackets"), and the categories of a
    taxonomy without products (Google's) are evidence enough."""
    kind = kg.kind(iri)
    if kind == "brand":
        return kg.count_into(iri, "has_brand") == 1 and kg.count_out(iri, "sells_in") <= 1
    if kind == "category":
        if kg.count_into(iri, "in_category") != 1 or kg.count_into(iri, "parent"):
            return False
        prods = kg.into(iri, "in_category")
        parents = kg.out(iri, "parent")
        said = frozenset().union(*(_words(kg.label(p)) for p in parents))
        extra = [w for w in word_order(normalize_key(kg.label(iri))) if w not in said
                 and not name_heads(w) & said]
        return bool(extra) and compact_key(kg.label(prods[0])).startswith(
            compact_key(" ".join(extra)))
    return False


def _names_the_linked(kg: _KG, c: _Cand) -> bool:
    """Whether a linked category's sibling ``c`` names the same kind of product: it shares
    the linked category's head noun (:func:`kg.link.name_heads`: "Cargo Shorts" beside "Board
    Shorts") or naming it ("Security Camera Systems" beside Security Cameras), or one the
    parent's name names with it ("tops" beside shirts under "shirts
    tops tunics"; skirts beside dresses under "dresses skirts"). A parent or sibling that
    does not is another product a shop files beside it: Underwear & Socks, Uniforms beside
    Google's Shorts (an OR'd expansion fills a shorts query's results with socks). A parent
    is a broader kind of the linked category (Jewelry above Rings, Clothing above Shorts):
    not judged; nor a linked category whose name has no head, nor a candidate without a
    node."""
    if c.iri is None or c.kind != "sibling_category":
        return True  # (a parent is a broader kind of it: Jewelry above Rings)
    return _names_beside(kg.label(c.provenance[0][0]), kg.label(c.iri),
                         kg.label(c.provenance[0][2]))


@lru_cache(maxsize=65536)  # (category names, parse after parse)
def _names_beside(linked: str, sibling: str, parent: str) -> bool:
    """:func:`_names_the_linked` of a sibling named ``sibling`` of the linked category named
    ``linked`` under the parent named ``parent``: a pure function of the three names,
    memoised."""
    own = _name_heads(linked)
    if not own:
        return True
    heads = _name_heads(sibling)
    if heads & own or own & _stems(sibling) or heads & _stems(linked):
        return True  # (or one names the other: "Security Camera Systems" beside Security
        #              Cameras)
    parent_stems = _stems(parent)
    return bool(heads) and heads <= parent_stems and bool(own & parent_stems)


@lru_cache(maxsize=65536)  # (category names, again and again)
def _stems(name: str) -> frozenset[str]:
    """The plural-folded words of a name (each word as :func:`kg.link.name_heads` reads a
    one-word name), memoised."""
    return frozenset(h for w in word_order(normalize_key(name)) for h in name_heads(w))


@_kg_wide
def _category_heads(kg: _KG) -> frozenset[str]:
    """The head words of the KG's category names (:func:`kg.link.name_heads`), cached per
    graph view: the nouns a shop names its products by."""
    def build() -> frozenset[str]:
        return frozenset().union(*(_name_heads(str(a.get("label") or ""))
                                   for _, a in kg.g.nodes(data=True)
                                   if a.get("kind") == "category" and a.get("label")))

    return _cached(kg, "_kgqp_category_heads", (), build)


def _modifies_a_product(kg: _KG, words: Sequence[str], phrase: str,
                        no_device: Collection[int], fitted: Sequence[tuple[int, int]],
                        ) -> list[tuple[int, int]] | None:
    """Where ``phrase`` (a rule's input) is named among the query's ``words``, when each
    place names the device another product is for (a modifier, no product searched): inside
    a linked device an accessory is for (``fitted``: "tv" of "apple tv remote"), after a fits
    word that follows another word ("antenna for tv", "tv stand for 55 inch tv"), or right
    before a word that names a product (an accessory word, or the head of a KG category's
    name: "laptop fan", "laptop backpack", "tv cover", "tv box") and is no linked value's or
    brand's word (``no_device``: "tv samsung"). None where one place is the product searched
    ("samsung tv", "tv 55 inch", "gaming laptop")."""
    key = [w for w in phrase.casefold().split() if w]
    n = len(key)
    at = [i for i in range(len(words) - n + 1) if n and list(words[i:i + n]) == key]
    if not at:
        return None
    for a in at:
        b = a + n
        if any(s <= a and b <= e for s, e in fitted):
            continue
        if any(w in _FITS for w in words[1:a]):
            continue
        if b >= len(words):
            return None
        nxt = words[b]
        if b in no_device or not nxt.isalpha() or nxt in FUNCTION_WORDS:
            return None
        if not (nxt in _ACCESSORY_WORDS or name_heads(nxt) & _category_heads(kg)):
            return None
    return [(a, a + n) for a in at]


def _fold(w: str) -> str:
    """A word plural-folded (:func:`kg.link.name_heads`), itself where it has no fold."""
    return min(name_heads(w), default=w)


@_kg_wide
def _category_name_words(kg: _KG) -> list[tuple[tuple[str, ...], frozenset[int]]]:
    """Each name (label, alias) of a KG category as its words (:data:`kg.link.NAME_PARTS`
    dropped) and the places of the words that end a part of it (its things' heads), cached
    per graph view."""
    def build() -> list[tuple[tuple[str, ...], frozenset[int]]]:
        out = []
        for _, a in kg.g.nodes(data=True):
            if a.get("kind") != "category":
                continue
            for name in (a.get("label"), *(a.get("aliases") or ())):
                ws: list[str] = []
                ends: set[int] = set()
                for part in NAME_PARTS.split(normalize_key(str(name or ""))):
                    if part.split():
                        ws += part.split()
                        ends.add(len(ws) - 1)
                if len(ws) > 1:
                    out.append((tuple(ws), frozenset(ends)))
        return out

    return _cached(kg, "_kgqp_category_name_words", (), build)


@_kg_wide
def _category_names_at(kg: _KG) -> Mapping[str, tuple[tuple[tuple[str, ...], frozenset[int], int],
                                                       ...]]:
    """:func:`_category_name_words` by word: for each word, the names holding it with the
    word's place in each (a name once per place), cached per graph view: a query's rule input
    is looked up in the few names holding its first word, not in every category name."""
    def build() -> dict[str, tuple[tuple[tuple[str, ...], frozenset[int], int], ...]]:
        out: dict[str, list[tuple[tuple[str, ...], frozenset[int], int]]] = {}
        for ws, ends in _category_name_words(kg):
            for i, w in enumerate(ws):
                out.setdefault(w, []).append((ws, ends, i))
        return {w: tuple(v) for w, v in out.items()}

    return _cached(kg, "_kgqp_category_names_at", (), build)


@_kg_wide
def _plural_kinds(kg: _KG) -> frozenset[tuple[str, ...]]:
    """The parts of the KG's category names and aliases (split at :data:`kg.link.NAME_PARTS`)
    of two or more words whose last word is a plural, each word plural-folded
    (:func:`_fold`), cached per graph view."""
    return _cached(kg, "_kgqp_plural_kinds", (), lambda: frozenset(
        tuple(_fold(w) for w in part.split())
        for _, a in kg.g.nodes(data=True) if a.get("kind") == "category"
        for name in (a.get("label"), *(a.get("aliases") or ()))
        for part in NAME_PARTS.split(normalize_key(str(name or "")))
        if len(part.split()) > 1 and _fold(part.split()[-1]) != part.split()[-1]))


def _a_word_of_a_name(kg: _KG, words: Sequence[str], phrase: str) -> bool:
    """Whether ``phrase`` (a rule's input) is, where the query's ``words`` name it, a word of
    a longer name of a KG category the query says: the phrase heads a part of that name as
    said (singular: "Fire TV", "AppleCare for Apple TV", "TV & Home Theater") and the query
    says the word of the name next to it ("fire tv stick", "amazon fire tv games", "apple tv
    remote", "tv home"). The phrase there is no word of its own: "fire tv" is Amazon's device,
    no television, and a synonym of it, alone or in its place ("fire television stick"),
    names another product. Not where a category names the same words as a kind of products,
    its head plural ("smart tv": Smart TVs; LG's promotion page "Mdot LG Smart TV" aside),
    nor where the phrase modifies the name's head ("tv stand": TV Stands, a stand for a TV).

    >>> from fusion.expand.kgview import _KG
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> for i, name in enumerate(["Fire TV", "Smart TVs", "Mdot LG Smart TV", "TV Stands"]):
    ...     g.add_node(str(i), kind="category", label=name)
    >>> [_a_word_of_a_name(_KG(g), q.split(), "tv")
    ...  for q in ("fire tv stick", "smart tv", "tv stand", "tv")]
    [True, False, False, False]
    """
    key = [w for w in phrase.casefold().split() if w]
    n = len(key)
    if not n:
        return False
    folded = [_fold(w) for w in words]
    names = _category_names_at(kg).get(key[0], ())
    kinds = _plural_kinds(kg)
    for a in range(len(words) - n + 1):
        if list(words[a:a + n]) != key:
            continue
        for ws, ends, i in names:
            if list(ws[i:i + n]) != key or i + n - 1 not in ends:
                continue
            # (the query's word before or after the phrase, the name's there too)
            runs = []
            if a > 0 and i > 0 and folded[a - 1] == _fold(ws[i - 1]):
                runs.append(tuple(folded[a - 1:a + n]))
            if a + n < len(words) and i + n < len(ws) and folded[a + n] == _fold(ws[i + n]):
                runs.append(tuple(folded[a:a + n + 1]))
            if any(r not in kinds for r in runs):
                return True
    return False


def _heads_under(kg: _KG, cat: str) -> frozenset[str]:
    """The head words of the names of the categories under ``cat`` (three levels down),
    cached per graph view."""
    def build() -> frozenset[str]:
        out: set[str] = set()
        level = [cat]
        for _ in range(3):
            level = [c for p in level for c in kg.into(p, "parent")]
            out |= {h for c in level for h in _name_heads(kg.label(c))}
        return frozenset(out)

    return _cached(kg, "_kgqp_heads_under", (cat,), build)


def _another_product_named(kg: _KG, words: Sequence[str], no_device: Collection[int],
                           cat: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The plural-folded words of a query (:func:`_stems`) whose head noun (the last word
    before a function word, no linked value's or brand's, ``no_device``) heads the name of a
    category under the intent's category ``cat``, where no name on ``cat``'s path holds it:
    the query names a kind of product within the intent's category ("air fryer" at Small
    Kitchen Appliances, which holds Deep Fryers), whose siblings and other children are
    other products (Coffee, Tea & Espresso; Toasters; :func:`_holds_the_named`). Also the
    head's plural-folded forms. None where the head is no such word ("samsung", "65 inch",
    "laptop deals", "traditional speakers" at Docks, Radios & Boomboxes) or the path names
    it ("65 inch tv" at TVs,
    "drone" at Drones & Accessories, "phones" at Cordless Telephones)."""
    head = None
    for i, w in enumerate(words):
        if w in FUNCTION_WORDS:
            break
        if w.isalpha() and i not in no_device:
            head = w
    if head is None or head in _GENERATION_WORDS:
        return None  # (a model's word: "mac mini", "iphone se", "macbook pro")
    heads = name_heads(head)
    if not heads & _heads_under(kg, cat):
        return None  # (a product no category under the intent's is headed by: the intent's
        #              walk is not judged, "traditional speakers" at Docks, Radios & Boomboxes)
    path = frozenset().union(*(_stems(x) for x in str(kg.path(cat) or kg.label(cat)).split(">")))
    if any(p.endswith(h) for p in path for h in heads):
        return None  # (a compound's head too: "phones" at Cordless Telephones)
    return frozenset().union(*(_stems(w) for w in words)), heads


def _holds_the_named(kg: _KG, child: str, said: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Whether a child of the intent's category is the query's product or holds it (after
    :func:`_another_product_named`, ``said``: the query's words and its head's): its name
    shares a word with the query (Deep Fryers for "air fryer"), or a category under it is
    headed by the query's head (Coffee, Tea & Espresso, which holds Tea Kettles, for
    "kettles")."""
    words, heads = said
    return bool(_stems(kg.label(child)) & words or _heads_under(kg, child) & heads)


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


@lru_cache(maxsize=65536)  # (candidates' names, parse after parse)
def _name_generations(name: str) -> tuple[tuple[tuple[str, frozenset[str]], ...], frozenset[str]]:
    """What :func:`_another_generation` reads of a name, memoised: its generations
    (:func:`_generations`), each line with the bases of its generations
    (:func:`_generation_base`), and the bases of its tokens (none where it names no
    generation: not read)."""
    own = _generations(name)
    if not own:
        return (), frozenset()
    tokens = frozenset(_generation_base(t) for t in
                       _NAME_TOKEN.findall(unicodedata.normalize("NFKC", name).casefold()))
    return tuple((line, frozenset(_generation_base(x) for x in gens))
                 for line, gens in own.items()), tokens


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
    own, tokens = _name_generations(name)
    for line, gens in own:
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
            for cat in kg.out(iri, "sells_in", walk):
                cands.append(_Cand(kg.label(cat), "category", ((iri, "sells_in", cat),), cat,
                                   cat, True))
        elif kind == "category":
            cands += _category_walk(kg, iri, walk, fanout=False)
        elif kind == "product_type":
            for cat in kg.out(iri, "type_in", walk):
                cands.append(_Cand(kg.label(cat), "category", ((iri, "type_in", cat),), cat,
                                   cat, True))
        elif kind == "product":
            for cat in kg.out(iri, "in_category", walk):
                cands.append(_Cand(kg.label(cat), "category", ((iri, "in_category", cat),), cat,
                                   cat, False))
            for b in kg.out(iri, "has_brand", walk):
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
            # (np.linalg.norm of a real vector, its own ops without its argument checks)
            norm = float(np.sqrt(q.dot(q)))
            self.query = q / norm if norm > 0 else None

    def __call__(self, iri: str | None) -> float:
        if self.query is None or iri is None:
            return 0.5
        r = self.emb.row(iri)
        return 0.5 if r is None else 0.5 * (1.0 + float(self.unit[r] @ self.query))


def _line_word(token: str) -> str:
    """A name token's line word: its letters where a number is glued to them ("ps4": ``ps``),
    else the token."""
    m = _GLUED_GENERATION.match(token)
    return m.group(1) if m is not None else token


def _name_lines(name: str) -> list[str]:
    """The line words of a name's tokens (:func:`_line_word`), in order."""
    return [_line_word(t)
            for t in _NAME_TOKEN.findall(unicodedata.normalize("NFKC", name).casefold())]


#: the last words of a platform's own categories ("Xbox One Consoles", "PS4 Games"): a
#: category with such a child of its own line is a platform (:class:`_Platforms`)
_PLATFORM_PARTS = frozenset({"console", "consoles", "game", "games"})


class _Platforms:
    """The platform families of the KG's trees (consoles: Xbox, PlayStation, Nintendo, Wii),
    read from the KG rather than listed. A platform is a category with a child of its own
    line ("Xbox One Consoles" under Xbox One, "PS4 Games" under PlayStation 4: the child's
    first word's letters, :func:`_line_word`, are the platform's or their initials,
    :func:`_same_line`) whose name ends in consoles or games (:data:`_PLATFORM_PARTS`). The
    platforms of one line under one parent (:func:`_one_line`) are a family where they are
    two or more (Xbox One, Xbox 360; PlayStation 4, PS Vita, PSP; Nintendo DS, 3DS; Wii, Wii
    U: not PC Gaming, a line of one), and only where the parent holds two families or more
    (a choice between platforms). The generations of a family :func:`_another_generation`
    tells apart.

    ``lines[c]``: the line words of the family of platform ``c`` (its platforms' and their
    children's: "playstation", "ps" of "PS4 Games", "psp"); ``words``: those of every
    family; ``home``: the category that holds the most families (Video Games), None without
    families; ``department``: its department."""

    def __init__(self, kg: _KG) -> None:
        self.kg = kg
        self.lines: dict[str, frozenset[str]] = {}
        self._up: dict[str, frozenset[str] | None] = {}
        found: dict[str, set[str]] = {}  # platform -> its line words
        for n, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") != "category" or not kg.named(n):
                continue
            ws = _name_lines(kg.label(n))
            if not ws or not ws[0].isalpha():
                continue
            own = {ws[0]}
            platform = False
            for ch in kg.into(n, "parent"):
                cw = _name_lines(kg.label(ch))
                if cw and cw[0].isalpha() and _same_line(cw[0], ws[0]):
                    own.add(cw[0])
                    platform |= cw[-1] in _PLATFORM_PARTS and len(cw) >= 2
            if platform:
                found[n] = own
        by_parent: dict[str, list[str]] = {}
        families: dict[str, int] = {}  # parent -> the families it holds
        for n in found:
            for p in kg.out(n, "parent"):
                by_parent.setdefault(p, []).append(n)
        for parent, kids in by_parent.items():
            groups: list[tuple[set[str], list[str]]] = []  # (line words, platforms)
            for n in sorted(kids):
                words, members = set(found[n]), [n]
                for g in [g for g in groups
                          if any(_one_line(a, b) for a in g[0] for b in words)]:
                    groups.remove(g)  # (one line: "ps" joins PSP's "psp" and "playstation")
                    words |= g[0]
                    members += g[1]
                groups.append((words, members))
            groups = [g for g in groups if len(g[1]) >= 2]
            if len(groups) < 2:
                continue  # (a line of one platform, PC Gaming: no family; one family: no
                #          choice between platforms)
            for words, members in groups:
                for m in members:
                    self.lines[m] = frozenset(words)
            families[parent] = len(groups)
        self.words = frozenset(w for ws in self.lines.values() for w in ws)
        self.home: str | None = max(sorted(families), key=families.__getitem__) \
            if families else None
        self.department = kg.department(self.home) if self.home is not None else None

    def new(self, text: str, games: bool, searched: bool = False) -> frozenset[str]:
        """The line words of the platforms the KG lacks that ``text`` names
        (:data:`fusion.expand.words._NEW_PLATFORMS`: "ps5" -> ``ps``, "switch oled" ->
        ``nintendo``); a name other products share (:data:`fusion.expand.words.
        _SHARED_PLATFORM_NAMES`: "switch", "switch 2", "series x") only where ``games`` (the
        intent reads the query as the platforms' department). Empty without families. With
        ``searched``, only a platform searched: none named after a fits word ("tv for ps5":
        the device a TV is for).

        >>> p = _Platforms.__new__(_Platforms)
        >>> p.lines = {"x": frozenset({"xbox"})}
        >>> sorted(p.new("hdmi switch 2 port", False)), sorted(p.new("switch 2 games", True))
        ([], ['nintendo'])
        >>> sorted(p.new("xbox series x", False)), sorted(p.new("tv for ps5", False, True))
        (['xbox'], [])
        """
        if not getattr(self, "lines", None):
            return frozenset()
        tokens = _NAME_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
        return frozenset(line for i, line in self.new_at(tokens, games)
                         if not (searched and _FITS & set(tokens[:i])))

    def new_at(self, tokens: Sequence[str], games: bool) -> list[tuple[int, str]]:
        """``(where, line word)`` of each name of a platform the KG lacks in ``tokens``
        (:meth:`new`)."""
        out = []
        present = set(tokens)
        for name, line in _NEW_PLATFORMS.items():
            if name[0] not in present or (name in _SHARED_PLATFORM_NAMES and not games):
                continue  # (a name whose first word the tokens lack is nowhere in them)
            n = len(name)
            out += [(i, line) for i in range(len(tokens) - n + 1)
                    if tuple(tokens[i:i + n]) == name]
        return out

    def named(self, text: str) -> frozenset[str]:
        """The platforms' line words ``text`` holds ("ps5 controller": ``ps``; "nintendo
        switch games": ``nintendo``)."""
        return self.words & frozenset(_name_lines(text))

    def of(self, iri: str) -> frozenset[str]:
        """The line words of the platforms a category is for: those above it where every path
        up passes one (Xbox Live, under Xbox One and Xbox 360; PlayStation Network, under
        PlayStation 4 and PSP), else those its name holds (:meth:`named`: "Xbox One Game
        Downloads" under Game Downloads); empty for a platform-neutral category (Toys to Life,
        under Video Games too; Video Game Accessories). Where only some paths up pass a
        platform and its name names a line, those platforms' line words too (Nintendo eShop,
        under Wii U, Wii, Nintendo 3DS and the neutral Game Downloads: the Wii and the
        Nintendo lines')."""
        above = self._above(iri, set())
        named = self.named(self.kg.label(iri))
        if above or not named:
            return above or named
        return named | self._any_above(iri, set())

    def _any_above(self, iri: str, seen: set[str]) -> frozenset[str]:
        """The line words of the platforms on any path up from ``iri``."""
        if iri in self.lines:
            return self.lines[iri]
        out: frozenset[str] = frozenset()
        for p in self.kg.out(iri, "parent"):
            if p not in seen:
                out |= self._any_above(p, seen | {iri})
        return out

    def _above(self, iri: str, seen: set[str]) -> frozenset[str] | None:
        """The line words of the platforms on every path up from ``iri``; None where a path
        reaches a root without one."""
        if iri in self.lines:
            return self.lines[iri]
        if iri in self._up:
            return self._up[iri]
        ups = [p for p in self.kg.out(iri, "parent") if p not in seen]
        out: frozenset[str] | None = frozenset() if ups else None
        for p in ups:
            fam = self._above(p, seen | {iri})
            if fam is None:
                out = None
                break
            out = (out or frozenset()) | fam
        self._up[iri] = out
        return out


def _one_line(a: str, b: str) -> bool:
    """Whether two platforms' line words name one line: :func:`_same_line`, or the shorter
    the start of the longer ("ps" of "psp": PSP beside PS Vita and PS4 Games)."""
    short, long_ = sorted((a, b), key=len)
    return _same_line(a, b) or (len(short) >= 2 and long_.startswith(short))


@_kg_wide
def _platforms(kg: _KG) -> _Platforms:
    """The KG's platform families (:class:`_Platforms`), cached per graph view."""
    return _cached(kg, "_kgqp_platforms", (), lambda: _Platforms(kg))


def _another_platform(kg: _KG, iri: str, query: frozenset[str]) -> bool:
    """Whether category ``iri`` is for another platform family than those the query names
    (``query``: :meth:`_Platforms.named` of its text): none of its family's line words
    (:meth:`_Platforms.of`) one of the query's (:func:`_same_line`): "Wii U", "Nintendo 3DS"
    for "red dead redemption 2 xbox one", "PlayStation 4" for "xbox series x", "Xbox One
    Games" for "nintendo switch games" (a game or accessory for one platform fits no
    other). A platform-neutral category (Video Games, Toys to Life,
    Video Game Accessories) is none, nor one of the query's line (another generation of it:
    :func:`_another_generation`).

    >>> _another_platform(None, "x", frozenset())
    False
    """
    if not query:
        return False
    lines = _platforms(kg).of(iri)
    return bool(lines) and not any(_same_line(a, b) for a in lines for b in query)


def _platform_home(kg: _KG, text: str, intent_cat: str | None, named: frozenset[str],
                   new: frozenset[str], generations: Mapping[str, frozenset[str]],
                   ) -> tuple[str | None, bool]:
    """The category to walk in place of the intent's (``intent_cat``) for a query naming a
    platform family (``named``: :meth:`_Platforms.named` and :meth:`_Platforms.new` of its
    text): the platforms' home (:attr:`_Platforms.home`, Video Games: the families' platforms
    and the neutral categories, another family's left out by :func:`_another_platform`),
    where the intent's lvl1 category cannot say which of the family's platforms is searched.
    That is where the query names a platform the KG lacks (``new``: "ps5", "switch oled": the
    intent, trained on the 2016 tree, reads an old generation, PlayStation 4, or another
    department, TVs), or names a family by its bare line word (no generation of it:
    "xbox", "playstation") and the intent's category is one of the family's platforms (Xbox
    360: its walk would lead with Xbox 360 Accessories, Consoles, Games only). None
    otherwise ("xbox one", "ps4 games", "psp": the platform the intent's category is). With it,
    whether the intent's category is walked too: for a platform the KG lacks, where it is a
    platform of the family named ("ps5" at PlayStation 4: the family's own PlayStation
    Network, Sony; :func:`_another_generation` leaves out PS4 Games, Consoles), or a
    platform-neutral category of the platforms' department one of whose children the query
    names ("amiibo smash bros ultimate switch" at Toys to Life: Amiibo; not "nintendo
    switch" at Toys to Life: Disney Infinity, Skylanders are the intent's guess). Tested with
    a KG in tests/fusion/test_expand_platforms.py."""
    if not named:
        return None, True
    plats = _platforms(kg)
    if plats.home is None:
        return None, True
    family = plats.lines.get(intent_cat or "") or frozenset()
    ours = any(_same_line(a, b) for a in family for b in named)
    if new:
        return plats.home, ours or _a_neutral_said(kg, intent_cat, text)
    if not ours:
        return None, True
    if any(_same_line(line, w) for line in generations for w in family):
        return None, True  # ("xbox one", "ps4": the query names the generation)
    said = _NAME_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
    if set(_NAME_TOKEN.findall(unicodedata.normalize("NFKC", kg.label(intent_cat or "")).casefold(
            ))) <= set(said):
        return None, True  # ("psp": the platform's whole name)
    return plats.home, False


def _a_neutral_said(kg: _KG, cat: str | None, text: str) -> bool:
    """Whether ``cat`` is a platform-neutral category (:meth:`_Platforms.of`) of the platforms'
    department with a child whose name's words ``text`` holds (:func:`_words`)."""
    plats = _platforms(kg)
    if cat is None or cat not in kg.g or kg.department(cat) != plats.department \
            or plats.of(cat):
        return False
    said = _words(text)
    return any((ws := _words(kg.label(ch))) and ws <= said for ch in kg.into(cat, "parent"))


def _title_links(kg: _KG, linked: Sequence[LinkedEntity], text: str,
                 games: bool) -> list[LinkedEntity]:
    """``linked`` without the categories a game's title links before the platform the query
    names ("elden ring ps5": "ring" -> Flipkart's rings, "lego jurassic park game ps4":
    "game" -> Google's Games, board games): a category outside the platforms' department
    (:attr:`_Platforms.department`), of no accessory (:func:`_of_accessories`, no accessory
    word: "hdmi cable ps4" keeps its cables), all of whose words come before the first
    platform word (:meth:`_Platforms.named`, :meth:`_Platforms.new`; ``games`` as there),
    with no fits word between ("ring light for xbox": a light for it)."""
    plats = _platforms(kg)
    if plats.department is None or not any(kg.kind(e.iri) == "category" for e in linked):
        return list(linked)
    tokens = _NAME_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
    at_platform = [i for i, t in enumerate(tokens) if _line_word(t) in plats.words]
    at_platform += [i for i, _ in plats.new_at(tokens, games)]
    if not at_platform:
        return list(linked)
    first = min(at_platform)
    out = []
    for e in linked:
        if kg.kind(e.iri) == "category" and e.mention \
                and kg.department(e.iri) != plats.department and not _of_accessories(kg, e.iri):
            mention = _NAME_TOKEN.findall(unicodedata.normalize("NFKC", e.mention).casefold())
            n = len(mention)
            at = next((i for i in range(first - n + 1) if tokens[i:i + n] == mention), None)
            if n and at is not None and not _words(e.mention) & _ACCESSORY_STEMS \
                    and not set(tokens[at + n:first]) & _FITS:
                continue  # (a word of the game's title)
        out.append(e)
    return out


@lru_cache(maxsize=65536)  # (category names and intent labels' parts, parse after parse)
def _names_accessories(name: str) -> bool:
    """Whether a category's name names accessories: half its parts or more
    (:data:`kg.link.NAME_PARTS`) do (:data:`fusion.expand.kgview._ACCESSORY`: "Cell Phone
    Cases & Clips", "Screen Protectors"; not "Docks, Radios & Boomboxes", nor a name of
    devices and their accessories, "Outdoor TVs & Accessories"); memoised."""
    parts = [p for p in NAME_PARTS.split(normalize_key(name)) if p.strip()]
    if any(p in ("accessories", "accessory") for p in parts):
        return False  # ("Outdoor TVs & Accessories", "Drones & Accessories": the devices too)
    return 2 * sum(bool(_ACCESSORY.search(p)) for p in parts) >= len(parts) > 0


def _of_accessories(kg: _KG, iri: str) -> bool:
    """Whether category ``iri`` is one of accessories or lies under one (its name or a name
    on its path below the department, :func:`_names_accessories`: Screen Protectors; SIM
    Cards, Prepaid Minutes under Cell Phone Accessories)."""
    path = kg.path(iri) or ""
    return _an_accessory_path(path) if " > " in path else _names_accessories(kg.label(iri))


def _an_accessory_path(path: str) -> bool:
    """Whether a category path (an intent's label: "Cell Phones > Cell Phone Accessories")
    lies in accessories below its department (:func:`_names_accessories`)."""
    return any(_names_accessories(p) for p in path.split(" > ")[1:])


@_kg_wide
def _device_heads(kg: _KG) -> Mapping[str | None, frozenset[str]]:
    """Per department, the head words (:func:`kg.link.name_heads`) of its devices: those of
    its categories outside its accessories (:func:`_of_accessories`) and of none inside
    ("phone" of Cell Phones, Unlocked Cell Phones; not "headset" of Bluetooth Headsets
    under Cell Phone Accessories, nor "hat" of Hats under Clothing Accessories: accessories
    themselves). Cached per graph view."""
    def build() -> dict[str | None, frozenset[str]]:
        devices: dict[str | None, set[str]] = {}
        accessories: dict[str | None, set[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") != "category" or not kg.named(n) or n in kg.unlinkable:
                continue
            into = accessories if _of_accessories(kg, n) else devices
            into.setdefault(kg.department(n), set()).update(
                _name_heads(kg.label(n)))
        return {dept: frozenset(devices.get(dept, set()) - accessories.get(dept, set()))
                for dept in devices}

    return _cached(kg, "_kgqp_device_heads", (), build)


def _an_unsaid_accessory(kg: _KG, iri: str, words: Sequence[str]) -> bool:
    """Whether category ``iri`` is of accessories (:func:`_of_accessories`) where the query
    (``words``: its words) searches a device of the category's department: its last word
    (numbers and model words aside) heads a category of the department and names a device,
    not an accessory
    (:func:`_device_heads`; the words of the department's name aside where it says it,
    as Best Buy's queries do: "video games xbx1 powera" is no query for games), and no word
    of it is an accessory's
    (:data:`_ACCESSORY_STEMS`; nor does it name a device the accessory fits, "ring light for
    iphone": the caller's). "lg phone", "motorola phone", "cell phones spr iphone handset"
    search a handset, not Cell Phone Cases & Clips, Screen Protectors, Car Chargers, SIM
    Cards (the intent, which learnt Best Buy's labels, reads many such queries as
    accessories: its walk and the brand's categories would lead the expansions with them).
    "bluetooth headset", "gaming headsets" search an accessory (Bluetooth Headsets under
    Cell Phone Accessories). The accessories the KG files under the device named ("Cell
    Phones > iPhone > iPhone Accessories" for "iphone 6": a category above it, below the
    department, of no accessories, whose head the query names) are the device's own.

    >>> _an_unsaid_accessory(None, "x", [])
    False
    """
    folded = [s for w in words for s in sorted(_words(w))]
    if not folded or set(folded) & _ACCESSORY_STEMS:
        return False
    devices = _device_heads(kg).get(kg.department(iri), frozenset())
    dept = _words(kg.department(iri) or "")
    if dept <= set(folded):  # (the department's name said: "video games xbx1 powera",
        folded = [w for w in folded if w not in dept]  # "cell phones spr iphone handset")
    # the product searched is the query's last word (a number or a model word after it
    # aside: "iphone 7"); a last word heading nothing here says nothing of it ("laptop
    # backpack", "jaybird bluetooth wireless true view": no device read from an earlier word)
    last = next((w for w in reversed(folded) if not any(ch.isdigit() for ch in w)), None)
    if last not in devices or not _of_accessories(kg, iri):
        return False
    above = (kg.path(iri) or "").split(" > ")[1:-1]
    said = set(folded) & devices
    return not any(not _names_accessories(p) and said & _name_heads(p)
                   for p in above)
