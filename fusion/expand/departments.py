"""Category and department filters: the category filter, namesakes (:func:`_named_elsewhere`,
:func:`_headed_elsewhere`), taxonomies and label trees, the sides of a comparison, parts and
store pages, brand keys and product lines."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

from fusion.context import TaxonomyAlignment
from fusion.expand.accessories import (
    _ACCESSORY_STEMS,
    _FITS,
    _NAME_PARTS,
    _component_categories,
    _family,
    _initials,
    _path_up,
    _word_categories,
)
from fusion.expand.colours import _COLOUR_WORDS, _names_a_colour
from fusion.expand.kgview import (
    _DIGIT,
    _KG,
    _brand_facts,
    _cached,
    _Cand,
    _in_rel,
    _kg_wide,
    _known_words,
    _own_categories,
)
from fusion.expand.words import (
    _ALTERNATIVES,
    _COMPARE_JOINERS,
    _COMPARE_WORDS,
    _FILLERS,
    _JOINERS,
    _MADE_WORDS,
    _NEGATIONS,
    _WITH_WORDS,
    _alternative_sides,
    _back_over_fillers,
    _name_heads,
    _query_words,
    _without_joiner,
    _words,
)
from fusion.types import SEP, Intent, LinkedEntity
from kg.index import normalize_key
from kg.link import FUNCTION_WORDS, HEAD_LABELS, brand_key, name_heads, word_order

#: whom an audience word names a thing for, an age and, where the word says one, a sex (the
#: linker's reading of audiences, :func:`kg.link.contradicts_audience`, for the words a
#: query may hold unlinked: the tagger reads "kids", "newborn", "toddler", "youth" as a
#: ``department`` the default KG links nothing for); a possessive's "'s" dropped
_AUDIENCE = {
    **dict.fromkeys(("kid", "kids", "child", "children", "childrens", "newborn", "newborns",
                     "baby", "babies", "infant", "infants", "toddler", "toddlers", "youth",
                     "junior", "juniors", "teen", "teens", "teenager", "teenagers", "tween",
                     "tweens", "preschool", "preschooler", "preschoolers"), ("child", None)),
    **dict.fromkeys(("boy", "boys"), ("child", "male")),
    **dict.fromkeys(("girl", "girls"), ("child", "female")),
    **dict.fromkeys(("adult", "adults", "senior", "seniors"), ("adult", None)),
    **dict.fromkeys(("man", "men", "mens", "gentleman", "gentlemen"), ("adult", "male")),
    **dict.fromkeys(("woman", "women", "womens", "lady", "ladies"), ("adult", "female")),
}


#: a possessive's "'s" (or "s'") ending a word, straight or curly (:func:`_audiences`)
_POSSESSIVE = re.compile(r"['’]s$|s['’]$")


def _audiences(words: Sequence[str]) -> set[tuple[str, str | None]]:
    """The audiences (:data:`_AUDIENCE`) the words ``words`` name, a possessive's "'s" (or
    "s'") dropped ("kid's", "women's"); "baby" before a colour word is a shade ("baby blue").

    >>> sorted(_audiences("newborn gloves".split())), sorted(_audiences("men's shirt".split()))
    ([('child', None)], [('adult', 'male')])
    >>> _audiences("baby blue dress".split())
    set()
    """
    out = set()
    for i, word in enumerate(words):
        # (a word without an apostrophe has no possessive to drop: most words, and no
        # regular-expression call for them)
        w = _POSSESSIVE.sub("", word) if "'" in word or "’" in word else word
        if w in ("baby", "babies") and i + 1 < len(words) and words[i + 1] in _COLOUR_WORDS:
            continue
        if w in _AUDIENCE:
            out.add(_AUDIENCE[w])
    return out


@lru_cache(maxsize=65536)
def _name_audiences(name: str) -> frozenset[tuple[str, str | None]]:
    """:func:`_audiences` of the words of a name (an expansion's term, a KG label: normalised
    here), memoised: the same names are read parse after parse.

    >>> sorted(_name_audiences("Men's Shirts")), _name_audiences("Baby Blue Dresses")
    ([('adult', 'male')], frozenset())
    """
    return frozenset(_audiences(normalize_key(name).split()))


def _names_another_audience(value: str, query: Collection[tuple[str, str | None]]) -> bool:
    """Whether an attribute value (an expansion) names an audience (:func:`_audiences` of its
    name) none of the query's audiences ``query`` agrees with: another age ("Men" for
    "newborn gloves", "bike helmet for kids"; "Boy" for "mens shirt"), or a sex the query's
    audience does not say ("Boy" for "toddler sweater"; a value of both sexes, "Men and
    Women", agrees with either). A value that names no audience ("Unisex", "Cotton"), or a
    query that names none, is not judged.

    >>> _names_another_audience("Men", {("child", None)})
    True
    >>> men = {("adult", "male")}
    >>> [_names_another_audience(v, men) for v in ("Men and Women", "Boy", "Unisex")]
    [False, True, False]
    """
    named = _name_audiences(value)
    if not query or not named:
        return False
    sexes = {sex for _, sex in named if sex}
    return not any(age == q_age and (not sexes or q_sex in sexes)
                   for age, _ in named for q_age, q_sex in query)


#: the expansion kinds an audience in their name contradicts the query's by
#: (:func:`_narrows_audience`); a brand's name ("Baby Trend") says no audience, and a link's
#: own names (synonyms, aliases) name what the query does
_AUDIENCE_KINDS = frozenset({"child_category", "parent_category", "sibling_category",
                             "category", "attribute_value"})
#: the expansion kinds that say whom the product searched is for, so an audience in their name
#: narrows a query that names none: a value of it, a category it is a kind of (a sibling is
#: another product, a child one kind of it among others, "Kids' Tablets")
_NARROWING_KINDS = frozenset({"parent_category", "category", "attribute_value"})


def _narrows_audience(c: _Cand, query: Collection[tuple[str, str | None]]) -> bool:
    """Whether a KG candidate (no rule's) names an audience (:func:`_audiences` of its name)
    that contradicts or narrows the audiences ``query`` of what the query searches. Where the
    query names one, another that the query's does not agree with contradicts it
    (:func:`_names_another_audience`: "boys shoes" -> no "Girls' Shoes"; "simple woman t
    shirt" -> no parent "mens clothing"). Where it names none, an audience in a value or in a
    category the product is a kind of narrows it to that audience ("sandals" -> Flipkart's
    parent "womens footwear", "sweatshirt" -> the value "Men"); a sibling or child category
    of an audience is another product, or one kind among others ("drones" -> "Kids'
    Electronics", "tablets" -> "Kids' Tablets"), and stays.

    >>> cand = lambda term, kind: _Cand(term, kind, (), None, None, False)
    >>> _narrows_audience(cand("womens footwear", "parent_category"), set())
    True
    >>> _narrows_audience(cand("Kids' Tablets", "child_category"), set())
    False
    >>> _narrows_audience(cand("Girls' Shoes", "child_category"), {("child", "male")})
    True
    >>> _narrows_audience(cand("Men", "attribute_value"), {("adult", "male")})
    False
    """
    if c.rule is not None or c.kind not in _AUDIENCE_KINDS:
        return False
    if not _name_audiences(c.term):
        return False
    if query:
        return _names_another_audience(c.term, query)
    return c.kind in _NARROWING_KINDS


@_kg_wide
def _brand_keys(kg: _KG) -> frozenset[str]:
    """The spelling-free keys (:func:`kg.link.brand_key`) of the KG's brand names, cached per graph
    view."""
    def build() -> frozenset[str]:
        return frozenset(brand_key(str(a.get("label") or "")) for _, a in kg.g.nodes(data=True)
                         if a.get("kind") == "brand" and a.get("label"))

    return _cached(kg, "_kgqp_brand_keys", (), build)


def _line_owner(kg: _KG, iri: str) -> str | None:
    """The brand (its :func:`kg.link.brand_key`) whose product line a linked category or product
    is, or None: a product's brand; a category named as a brand is ("Roku"), or one whose
    products and ``sells_in`` brands are all one brand, with a product of it there ("iPhone":
    Apple's). "Monitors", sold by many brands, is no line. Cached per graph view."""
    def build() -> tuple[str | None]:
        kind = kg.kind(iri)
        if kind == "product":
            made = {brand_key(kg.label(b)) for b in kg.out(iri, "has_brand")}
            return (next(iter(made)) if len(made) == 1 else None,)
        if kind != "category":
            return (None,)
        if brand_key(kg.label(iri)) in _brand_keys(kg):
            return (brand_key(kg.label(iri)),)
        makers = {brand_key(kg.label(b)) for p in _in_rel(kg, iri, "in_category")
                  for b in kg.out(p, "has_brand")}
        sellers = {brand_key(kg.label(b)) for b in _in_rel(kg, iri, "sells_in")}
        return (next(iter(makers)) if len(makers) == 1 and sellers <= makers else None,)

    return _cached(kg, "_kgqp_line_owner", (iri,), build)[0]


@_kg_wide
def _category_departments(kg: _KG) -> dict[tuple[str, ...], frozenset[str]]:
    """The words of each category name and alias (:func:`kg.link.word_order`: "Apples" and
    "apple" meet) -> the departments (the tops of the paths) of the categories of that name,
    cached per graph view."""
    def build() -> dict[tuple[str, ...], frozenset[str]]:
        out: dict[tuple[str, ...], set[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            top = kg.department(n) if attrs.get("kind") == "category" else None
            if top:
                for name in (attrs.get("label"), *(attrs.get("aliases") or ())):
                    key = word_order(normalize_key(str(name or "")))
                    if key:
                        out.setdefault(key, set()).add(top)
        return {k: frozenset(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_category_departments", (), build)


def _names_a_thing_beside(kg: _KG, words: Sequence[str], span: tuple[int, int] | None,
                          sold_in: Collection[str], beside: Sequence[tuple[str, tuple[int, int]]]
                          ) -> bool:
    """Whether a linked brand's mention at ``span`` reads as the name of a thing beside a
    category the query links next to it (``beside``: the linked categories and product types,
    with their spans): "apple juice", where "apple" also names the KG's category Apples,
    under Food, Beverages & Tobacco as Juice is, and Apple (``sold_in``: its categories,
    :func:`_brand_facts`) sells nothing in Juice nor in that department. The words name the
    fruit's juice, not the brand's products: a filter on Apple would keep iPhones and drop
    every juice. Each of the three is needed: a brand whose name names nothing else ("samsung
    television" links Google's Televisions, where the KG sells nothing at all), or one that
    sells in the department, keeps its filter; so does "apple pencil" (Google's Pencils: no
    category named "apple" is under Office Supplies), "apple tv" and "apple watch".

    The departments are the tops of the categories' own paths, so a category of another
    taxonomy (Google's, beside Best Buy's) is compared with the categories of that taxonomy."""
    if span is None or not beside:
        return False
    mention = word_order(normalize_key(" ".join(words[span[0]:span[1]])))
    named = _category_departments(kg).get(mention)
    if not named:
        return False
    sold_tops = {kg.department(c) for c in sold_in}
    for iri, (start, end) in beside:
        if end != span[0] and start != span[1]:
            continue  # not next to the brand
        for cat in _own_categories(kg, iri):
            top = kg.department(cat)
            if top and top in named and top not in sold_tops \
                    and not set(sold_in) & _family(kg, (cat,))[1]:
                return True
    return False


#: words that join two things compared as a "vs" does, after "compared" or "comparable"
#: ("macbook compared to xps", "ipad compared with surface")
_COMPARED_TO = frozenset({"compared", "comparable", "comparing"})


def _compared_to(words: Sequence[str]) -> list[str]:
    """``words`` (as :func:`_compared` reads them) with "compared to" / "compared with" read as
    a "vs" (the joiner dropped: ""), for the category filter's sides of a comparison.

    >>> _compared_to("macbook compared to xps".split())
    ['macbook', 'vs', '', 'xps']
    >>> _compared_to("laptop and tablet".split())
    ['laptop', 'and', 'tablet']
    """
    out = list(words)
    for i in range(len(out) - 1):
        if out[i] in _COMPARED_TO and out[i + 1] in ("to", "with", "against"):
            out[i:i + 2] = ["vs", ""]
    return out


#: words a side of an alternative may hold that name no product of its own: a unit or size
#: ("tv 55 or 65 inch"), a comparative or a stand-in ("65 inch or larger", "or similar"), a
#: condition ("new or used"), a price or quality ("cheap"), a question's words ("ipad vs
#: surface which is better")
_NO_SIDE_WORDS = frozenset({
    "inch", "inches", "in", "ft", "feet", "foot", "gb", "tb", "mb", "mah", "watt", "watts", "w",
    "hz", "cm", "mm", "oz", "lb", "lbs", "pack", "pk", "count", "ct", "size", "sized",
    "better", "best", "bigger", "biggest", "larger", "largest", "smaller", "smallest",
    "cheaper", "cheapest", "newer", "newest", "older", "higher", "lower", "faster", "lighter",
    "more", "less", "above", "below", "over", "under", "up", "similar", "equivalent", "alike",
    "comparable", "other", "others", "something", "anything", "else", "same", "whichever",
    "which", "what", "is", "are", "one", "ones", "difference", "differences", "review",
    "reviews", "price", "prices", "deal", "deals", "new", "used", "refurbished", "renewed",
    "open", "box", "not", "both", "either", "neither", "then", "than", "for", "to", "of",
    "cheap", "budget", "affordable", "good", "top", "premium", "quality"})


def _side_word(word: str) -> bool:
    """Whether a word of a side of an alternative, linked to nothing, may name a product: a word
    that starts with a letter ("xps", "surface", "ps4"; not "65", "16gb", "4k"), no function
    word, joiner, unit, comparative (:data:`_NO_SIDE_WORDS`) or colour.

    >>> [_side_word(w) for w in ("surface", "ps4", "65", "inch", "larger", "the", "white")]
    [True, True, False, False, False, False, False]
    """
    w = word.strip(".,;:!?\"'()")
    return bool(w) and w[0].isalpha() and w not in _FILLERS and w not in _JOINERS \
        and w not in _ALTERNATIVES and w not in _COMPARE_WORDS and w not in _COMPARE_JOINERS \
        and w not in _NO_SIDE_WORDS and bool(_words(w)) and not _names_a_colour(w)


def _side_of(words: Sequence[str], span: tuple[int, int]) -> tuple[int, int]:
    """The side of an alternative (the run of words between "or" / "vs" words,
    :func:`_alternative_sides`) that the mention at ``span`` is on, the tagger's "or" in the
    span aside ("ipad versus").

    >>> _side_of("gas or electric dryer".split(), (3, 4))
    (2, 4)
    """
    at, end = _without_joiner(words, span)
    lo = max((i + 1 for i in range(at) if words[i] in _ALTERNATIVES), default=0)
    hi = next((i for i in range(end, len(words)) if words[i] in _ALTERNATIVES), len(words))
    return lo, hi


def _both_sides(kg: _KG, e: LinkedEntity, target: str | None, words: Sequence[str],
                places: Mapping[str, Sequence[tuple[int, int]]],
                products: Sequence[tuple[str, tuple[int, int]]],
                targets: Mapping[str, str | None], below: Callable[[str], bool],
                brand: Callable[[str], bool]) -> str | None:
    """The category filter a link to category ``target`` (at its first place in ``places``)
    may set when the query compares it with something else ("A vs B", "A or B", "A versus
    B", "A compared to B": ``words`` as :func:`_compared_to` reads them): both sides are
    searched, so the filter must hold what each names. Each other side:

    - holds a linked product (``products``: iri and place; not excluded): held when a
      category of its own may filter too (``targets``: each linked category's filter; the
      nearest category above both is then the filter, :func:`_category_filter`) or lies
      under ``target`` ("samsung tablet vs ipad"); otherwise (the other side's link sets no
      filter: "chromecast vs roku" links Google Chromecast by a name narrower than the query,
      outside the filter's reach; "router vs modem" links another catalogue's Modems) no
      finer filter than the department: None;
    - shares the mention's head word ("gas or electric dryer", "inkjet vs laser printer",
      "samsung or lg tv": the side before it holds no product and the mention's side words
      before its head): the filter is the nearest category above ``target`` named by the head
      and by none of those words (Dryers, All Printers), below the department (``below``),
      else None; a ``target`` whose name holds none of them stays (TVs);
    - names something linked to nothing ("macbook vs xps", "ipad or surface", "xbox one vs
      ps4": words that may name a product, :func:`_side_word`, no grounded brand's,
      ``brand``): the KG lacks it, so no finer filter than the department, unless a category
      under ``target`` is named by them ("headphones vs earbuds": Earbud & In-Ear Headphones
      under Headphones);
    - names, by a word linked or not, a category of the department (``below``) outside
      ``target`` ("roku or apple tv": the brand link "roku" is the name of Roku, and "apple
      tv" links TVs): None;
    - names only brands, sizes or values ("samsung vs lg tv", "tv 55 or 65 inch"): stays.
    """
    at = (places.get(e.iri) or [None])[0]
    if target is None or at is None or not any(w in _ALTERNATIVES for w in words):
        return target
    own = _side_of(words, at)
    mine = {i for sp in places.get(e.iri) or () for i in range(*sp)}
    linked_at = {i for sps in places.values() for sp in sps for i in range(*sp)}
    sides, _ = _alternative_sides(words, at)
    for lo, hi in sides:
        held = [iri for iri, (a, b) in products if iri != e.iri and a < hi and lo < b]
        if held:
            if not any(targets.get(iri) is not None or any(
                    target in _path_up(kg, c) for c in (
                        kg.out(iri, "in_category") if kg.kind(iri) == "product"
                        else _own_categories(kg, iri))) for iri in held):
                return None
            continue
        # a word of the side, linked or not, that is the name of a category of the
        # department outside ``target`` ("roku or apple tv": "roku" linked as a brand, the
        # name of Roku, under Streaming Media Players; "apple tv" links TVs)
        index = _word_categories(kg)
        if any(target not in _path_up(kg, c) for i in range(lo, hi) if i not in mine
               and _side_word(words[i]) and (ws := _words(words[i]))
               for c in frozenset.intersection(*(index.get(w, frozenset()) for w in ws))
               if _words(kg.label(c)) == ws and below(c)):
            return None
        # a side of brands only ("samsung vs kingston memory card", "dell or hp gaming
        # laptop"): the same product of another maker, the category stays
        said = [w for w in words[lo:hi] if _side_word(w)]
        if said and all(brand(w) for w in said):
            continue
        # the words of the mention's side before its head, no brand's
        head_at = at[1] - 1 - (words[at[1] - 1] in _ALTERNATIVES)
        mods = _words(" ".join(w for w in words[own[0]:head_at] if not brand(w)))
        if hi <= own[0] and mods:  # ("gas or electric dryer": a side sharing the head)
            if not _words(kg.label(target)) & mods:
                continue
            head = _words(words[head_at])
            return next((c for c in _path_up(kg, target)[1:] if c not in kg.unlinkable
                         and head <= (ws := _words(kg.label(c))) and not ws & mods
                         and below(c)), None)
        free = [w for i in range(lo, hi) if i not in linked_at and i not in mine
                and _side_word(w := words[i]) and not brand(w)]
        if free and not _named_under(kg, target, free):
            return None
    return target


def _named_under(kg: _KG, target: str, free: Sequence[str]) -> bool:
    """Whether the words ``free`` of a side of an alternative name a category under (or at)
    ``target``: a part of its name (:data:`_NAME_PARTS`) holds all their words and no word
    but theirs and ``target``'s, numbers and units aside ("earbuds" under Headphones: Earbud
    & In-Ear Headphones; "mount" at TV Stands, Mounts & Furniture; "pro" of "ipad air or
    ipad pro" under iPad: iPad Pro 12.9-inch; not "surface pro" under iPad, nor "freezer"
    under Refrigerators: Top-Freezer Refrigerators names a refrigerator)."""
    own = _words(" ".join(free))
    said = own | _words(kg.label(target))
    return bool(own) and any(
        own <= ws <= said for c in _family(kg, frozenset({target}))[1]
        for part in _NAME_PARTS.split(normalize_key(kg.label(c)))
        if (ws := frozenset(w for w in _words(part)
                            if not _DIGIT.search(w) and w not in _NO_SIDE_WORDS)))


#: words that make the product they open a toy version of it ("toy microwave", "pretend washer
#: and dryer", "play kitchen"): the first words of the KG's toy categories' names (of the
#: categories named "Toy ...", 26 of 28 lie under a category named for toys, Google's Toy
#: Kitchens, Toy Cars; all 12 named "Play ...", Play Vehicles, Play Food; 6 of the 7 named
#: "Pretend ...", Pretend Housekeeping, Pretend Electronics)
_TOY_WORDS = frozenset({"toy", "toys", "pretend", "play"})
#: words that may come before the toy word of a toy version ("kids toy tablet", "kids play
#: kitchen"); alone they make no toy ("kids headphones", "kids tablet": devices for children)
_TOY_OPENERS = frozenset({"kid", "kids", "kid's", "kids'", "child", "childs", "child's",
                          "children", "children's", "childrens", "toddler", "toddlers",
                          "a", "an", "my"})
#: the words (:func:`_words`) of a category name that holds toys ("Toys, Games & Drones",
#: "Video Games > Toys & Kids' Electronics", Google's "Toys & Games > Toys > Pretend Play")
_TOY_NAME = _words("toy toys")


def _toy_version(words: Sequence[str], linked_at: Sequence[tuple[int, int]]) -> int | None:
    """The place in ``words`` of the first word of the product the query asks a toy version
    of, or None: the query opens with toy words (:data:`_TOY_WORDS`, after words such as
    "kids", :data:`_TOY_OPENERS`) that modify words after them ("toy microwave", "pretend
    washer and dryer for kids", "kids play kitchen"). Not where the last toy word is the
    query's last, or before no product ("kids toys", "dog toy", "toys for 3 year olds",
    "toys to life": toys searched), nor where a linked name (its place in
    ``linked_at``) holds it and the word after it ("toy story", "play station", "toy chest":
    a title, a console, furniture the KG names so).

    >>> _toy_version("toy microwave".split(), [(0, 1), (1, 2)])
    1
    >>> _toy_version("kids pretend play kitchen".split(), [])
    3
    >>> [_toy_version(q.split(), [(0, 2)]) for q in ("toy story 3", "play station 4")]
    [None, None]
    >>> [_toy_version(q.split(), []) for q in ("kids toys", "dog toy", "toys to life",
    ...                                        "toys 3-5 years", "voip pure play hardware")]
    [None, None, None, None, None]
    """
    i = 0
    while i < len(words) and words[i] in _TOY_OPENERS:
        i += 1
    at = i
    while i < len(words) and words[i] in _TOY_WORDS:
        i += 1
    if i == at or i >= len(words) or not words[i][:1].isalpha() or words[i] in FUNCTION_WORDS \
            or any(a < i < b for a, b in linked_at):
        return None
    return i


def _holds_toys(name: str) -> bool:
    """Whether a category path or department label names a category that holds toys
    (:data:`_TOY_NAME`)."""
    return bool(_TOY_NAME & _words(name))


def _category_filter(kg: _KG, links: Sequence[tuple[LinkedEntity, str | None, bool]],
                     words: Sequence[str], below: Callable[[str], bool],
                     ) -> tuple[str, str] | None:
    """The category filter value of the linked categories ``links`` (each: the link, the
    category it may filter on in the trusted department or None, whether the intent agrees
    with it) and its source ``link:<iri>``, or None (the department is the filter).

    None unless the intent agrees with one of them; then the first it agrees with (the best
    link), but for a category read from words of another's name only, neither above the
    other ("pci express graphics cards": every word of PCI Graphics Cards is one of PCI
    Express Graphics Cards', which the query names; the better-scored link, "graphics cards"
    -> PCI Graphics Cards, is the subset one), which names nothing of its own. When the query
    names two or more, none of them above the other on its path ("laptop or tablet", "pizza
    ovens toaster ovens", "heater air conditioner combo"; one above the other, "xbox one
    controller", keeps the deepest the intent agrees with), the filter, one value, holds them
    all: the nearest category above them when ``below`` says it is below the department
    (Toaster & Pizza Ovens), else None: the department (Laptops and Tablets). ``words``: the
    query's words."""
    agreed = [(e, t) for e, t, a in links if t is not None and a]
    if not agreed:
        return None
    targets = list(dict.fromkeys(t for _, t, _ in links if t is not None))
    pick, source = agreed[0][1], agreed[0][0]
    if len(targets) > 1:
        counts = Counter(x for w in words for x in _words(w))
        names = {t: _words(kg.label(t)) for t in targets}
        chains = {t: _path_up(kg, t) for t in targets}

        def absorbed(a: str, b: str) -> bool:
            """Whether the query holds ``a``'s name's words only as words of ``b``'s name."""
            return names[a] <= names[b] and bool(names[b]) and names[b] <= counts.keys() \
                and (names[a] != names[b] or targets.index(b) < targets.index(a)) \
                and not Counter(names[a]) <= counts - Counter(names[b])

        kept = [t for t in targets if not any(
            o != t and t not in chains[o] and o not in chains[t] and absorbed(t, o)
            for o in targets)] or [pick]
        deepest = max(kept, key=lambda t: len(chains[t]))
        if not all(t in chains[deepest] for t in kept):  # not one above the other
            common = next((c for c in chains[kept[0]] if c not in kg.unlinkable
                           and all(c in chains[o] for o in kept[1:])), None)
            if common is None or not below(common):
                return None
            pick = common
        else:  # one above the other: the deepest the intent agrees with, the finer filter
            # ("xbox one controller": Xbox One Controllers under Xbox One; "macbook pro
            # laptop": MacBook Pro under Laptops), not the better-scored link: the two scores
            # are often within a point of each other (the linker's composed reading of "xbox
            # one controller" scores 0.926, Xbox One 0.927)
            on_path = [(e, t) for e, t in agreed if t in kept]
            if on_path:
                source, pick = max(on_path, key=lambda et: len(chains[et[1]]))
    return str(kg.path(pick) or kg.label(pick)), f"link:{source.iri}"


def _in_store_trees(kg: _KG, cat: str, trees: Collection[str]) -> bool:
    """Whether the category ``cat``, which the label space places in no department, is of the
    store's tree or of another catalogue's branch the store's departments place categories in
    (``trees``: its taxonomy, or its taxonomy and top level, "google > Electronics")."""
    taxonomy = _taxonomy(cat)
    top = str(kg.path(cat) or "").split(">")[0].strip()
    return taxonomy in trees or f"{taxonomy} > {top}" in trees


def _branches(kg: _KG, dept: Callable[[str], str | None], trees: Collection[str],
              ) -> dict[tuple[str, str], set[str]]:
    """Each branch of each IRI catalogue below its top level, ``(catalogue, path)`` -> the
    departments the label space places its categories in (:func:`_branch_departments`),
    memoised with the graph view for the label space ``trees`` (:func:`_label_trees`)."""
    memo = kg.g.graph.get("_kgqp_branch_depts")
    if memo is None or memo[0] is not trees:
        branches: dict[tuple[str, str], set[str]] = {}
        for n, a in kg.g.nodes(data=True):
            if a.get("kind") == "category" and (d := dept(n)) is not None:
                parts = [x.strip() for x in str(a.get("path") or "").split(">")]
                for i in range(2, len(parts) + 1):
                    branches.setdefault((_taxonomy(n), " > ".join(parts[:i])), set()).add(d)
        memo = kg.g.graph["_kgqp_branch_depts"] = (trees, branches)
    return memo[1]


def _branch_departments(kg: _KG, cat: str, dept: Callable[[str], str | None],
                        trees: Collection[str]) -> frozenset[str]:
    """Where the label space places the category ``cat``: its department, or for one it places
    in none, the departments it places the categories of the nearest branch above it in, a
    branch of its catalogue below the top level (empty where it places none). Google's
    Musical Keyboard Stands (Arts & Entertainment > Hobbies & Creative Arts > ...) lie in
    Musical Instruments, where the label space places the branch's Pianos, Tubas and MIDI
    Controllers. A top level says nothing: Google's Electronics spans the store's Audio, TVs
    and computers, and the label space places only its Audio ("television": Google's
    Electronics > Video > Televisions is no Audio). Memoised with the graph view for the
    label space ``trees`` (:func:`_label_trees`, one object per label space)."""
    own = dept(cat)
    if own is not None:
        return frozenset({own})
    branches = _branches(kg, dept, trees)
    parts = [x.strip() for x in str(kg.path(cat) or "").split(">")]
    for i in range(len(parts), 1, -1):
        found = branches.get((_taxonomy(cat), " > ".join(parts[:i])))
        if found:
            return frozenset(found)
    return frozenset()


def _placed_elsewhere(kg: _KG, cat: str, hard_dept: str, dept: Callable[[str], str | None],
                      trees: Collection[str]) -> bool:
    """Whether the category ``cat``, which the label space places in no department, lies in
    other departments than ``hard_dept`` by the branch above it (:func:`_branch_departments`):
    Google's Musical Keyboard Stands for Computers & Tablets; not Google's Televisions, whose
    branch the label space places nothing of."""
    found = _branch_departments(kg, cat, dept, trees)
    return bool(found) and hard_dept not in found


def _named_elsewhere(kg: _KG, linked: Sequence[LinkedEntity], words: Sequence[str],
                     spans: Mapping[str, tuple[int, int] | None], hard_dept: str,
                     dept: Callable[[str], str | None], skip: Collection[str],
                     searched_skip: Collection[str], labels: Collection[str] = (),
                     store_trees: Callable[[], Collection[str]] = frozenset) -> bool:
    """Whether the product the query searches is a linked category outside the trusted
    intent's department ``hard_dept`` that the department has no namesake of: the intent's
    department is then no hard filter (a suggestion only). The intent picks among namesakes
    ("keyboards" links Musical Instruments' Keyboards, Computers & Tablets holds Computer
    Keyboards: the filter stays); it does not overrule a name its department lacks: "coffee
    table" links Coffee Tables (Furniture & Decor), and Appliances, the intent's department at
    0.83, holds no table; "free standing lighted mirror" links Mirrors (Health, Fitness &
    Beauty), which Cameras & Camcorders does not hold. So does a category of another taxonomy,
    which names no store department ("waffle blanket": Google's Blankets, no blanket in
    Appliances; "kitchen towels", Google's Kitchen Towels): a kind of product the KG knows and
    the department sells none of.

    Never where a link (not in ``skip``: excluded, a namesake of excluded words) is in the
    department (a category, or a product or product type of a category there: it is the finer
    filter, or the intent judges it: "iphone case" links iPhone in Cell Phones; or a brand a
    lvl1 label of it in ``labels`` names: "bissell upright vacuums" links BISSELL, Name
    Brands holds "Name Brands > BISSELL"), nor where the word before a searched mention
    heads a category of the department or a lvl1 label of it (a compound's modifier naming
    the department's product: "laptop cooler", Computers & Tablets' Laptops; the linked
    Coolers are Sports'), nor where a
    searched link is a category the label space does not place of the store's own tree
    ("Connected Home & Housewares > Connected Home > Smart Lighting > Smart Light Strips" for
    Smart Home), or of a top level of another catalogue that overlaps the store's, where it
    places some ("television" links Google's Electronics > Video > Televisions; the store's
    TVs name no television): nothing says it lies elsewhere (``store_trees()``:
    :func:`_label_trees`), unless the nearest branch above it below the top level that the
    label space places categories of lies in other departments (:func:`_placed_elsewhere`:
    "keyboard stand" links Google's Musical Keyboard Stands, whose Hobbies & Creative Arts
    the label space places in Musical Instruments). Another catalogue's other top levels
    name no store department (Google's Home & Garden, Furniture, Food, Flipkart's): the rule
    judges their categories as it judges the store's other departments'. A feature after
    "with" (in ``skip``: "drum set with headphones", Headphones in Audio) keeps nothing.

    The searched links: categories tagged as a product searched (a head label, or no label),
    not in ``searched_skip`` (``skip``, a feature after "with", the device an accessory
    fits), at a known place in ``words``. A namesake in the department: a category of the
    store's there (``dept`` places it in the label space), or a lvl1 label of it in
    ``labels``, with a part headed by the mention's last word ("Camera Backpacks" for
    "transparent backpack", "Computer Accessories" for "keyboard accessories"; not "Table &
    Portable Fans" for "small kitchen table": fans), and, where the label space places the
    linked category in a department (:func:`_branch_departments`), the mention's other words
    its name holds too ("keyboard stand": Musical Keyboard Stands; Computers & Tablets' iPad
    Stands & Mounts name no keyboard stand)."""
    own = _lvl1_names(labels, hard_dept)
    for e in linked:
        if e.iri in skip:
            continue
        kind = kg.kind(e.iri)
        cats = [e.iri] if kind == "category" else kg.out(e.iri, "type_in") \
            if kind == "product_type" else kg.out(e.iri, "in_category") \
            if kind == "product" else []
        if any(dept(c) == hard_dept for c in cats) or (kind == "brand" and normalize_key(
                kg.label(e.iri)) in own):
            return False
    searched = [(e, sp) for e in linked if kg.kind(e.iri) == "category"
                and e.iri not in searched_skip
                and (sp := spans.get(e.iri)) is not None and sp[1] > sp[0]
                and (e.label is None or e.label in HEAD_LABELS)]
    # (a brand the KG knows no sale of, linked by the name of a category of the store: the
    # mention names that product, "kettlebell" (a name list's brand; the store's Kettlebells,
    # Health, Fitness & Beauty); a brand that sells, or a name no category has, "weber", is
    # judged as a brand: the filter stays)
    if not searched:
        searched = [(LinkedEntity(c, "category", e.score, None, e.mention), sp)
                    for e in linked if e.iri not in searched_skip and kg.kind(e.iri) == "brand"
                    and (sp := spans.get(e.iri)) is not None and sp[1] > sp[0]
                    and (c := _sells_nothing_named(kg, e.iri, words[sp[0]:sp[1]], dept))]
    if not searched or any(dept(e.iri) is None and _in_store_trees(kg, e.iri, store_trees())
                           and not _placed_elsewhere(kg, e.iri, hard_dept, dept, store_trees())
                           for e, _ in searched):
        return False
    index = _word_categories(kg)
    names = _part_headed
    # (the query's words outside its links: "iphone" of "iphone 11 back protector")
    linked_at = {i for sp in spans.values() if sp is not None for i in range(*sp)}
    others = _modifiers([w for i, w in enumerate(words) if i not in linked_at])

    def heads_one(word: str) -> bool:
        """Whether ``word`` heads a category of the department or a lvl1 label of it."""
        head = _name_heads(word)
        if not head:
            return False
        return any(dept(c) == hard_dept and names(normalize_key(kg.label(c)), head)
                   for k in _words(word) for c in index.get(k, ())) or any(
            names(lab, head) for lab in own)

    # (the word before a product searched, a compound's modifier, that names a product of
    # the department says what the searched one is for: "laptop cooler", Laptops; the linked
    # Coolers are Sports'. Not a word further off: "toy story pencils", a title's "toy")
    inside = {i for _e, (start, end) in searched for i in range(start, end)}
    if any(start > 0 and start - 1 not in inside and heads_one(words[start - 1])
           for _e, (start, _) in searched):
        return False
    for e, (start, end) in searched:
        head = _name_heads(words[end - 1])
        if not head:
            return False
        # (a collective head, "dining set", names the kind by the word before it: a namesake
        # is a set sharing that word or a category a part of whose name that word heads,
        # "cookware set": Cookware, Bakeware & Cutlery; Appliances' Fondue Sets hold no
        # dining sets)
        kind = _words(words[end - 2]) if end - start > 1 and normalize_key(
            words[end - 1]) in _COLLECTIVE else frozenset()
        kind_head = _name_heads(words[end - 2]) if kind else frozenset()
        # (where the label space places the linked category in another department by its
        # branch only, the words before the head that its name holds too name a compound
        # (a category it places itself is judged by its head: "virtual reality headset",
        # Wearable Technology's Virtual Reality Headsets, keeps Video Games' Gaming
        # Headsets as its namesake), "keyboard stand":
        # Musical Keyboard Stands, Musical Instruments; a namesake holds them too, not any
        # stand, Computers & Tablets' iPad Stands & Mounts. A category placed nowhere is
        # judged by its head: "cooking pot", Google's Tagines & Clay Cooking Pots, keeps
        # Appliances, whose Crock Pots lie by its Cookware)
        compound = frozenset(k for w in words[start:end - 1] for k in _words(w)) \
            & _words(kg.label(e.iri)) if dept(e.iri) is None and _branch_departments(
                kg, e.iri, dept, store_trees()) else frozenset()
        # (a link of another catalogue's, a thing of whose name is the mention's words, its
        # other words all (no size, colour, number): a namesake in the department holds
        # them too, where no category of the department, nor a lvl1 label of it, holds any of
        # them or another word of the query outside its links, and no category above the
        # link is named as one of the department is. "utility knife", Google's Utility Knives
        # (Hardware > Tools > Cutters): no "utility" in Appliances, whose Electric Knives &
        # Knife Sharpeners are another knife. A word the department knows keeps its namesakes:
        # "coffee pot", Google's Coffee Servers & Tea Pots, and Appliances' Coffee Makers;
        # "cooking pot", its Asian Cooking; "iphone 11 back protector", Cell Phones' iPhone;
        # so does a link filed under a kind it sells, "stock pot", Google's Stock Pots under
        # Cookware, or a name of more words, "drawing tablets", Google's Toy Drawing Tablets)
        mods = _modifiers(words[start:end - 1]) - kind
        said = mods | _words(words[end - 1])
        if mods and dept(e.iri) is None \
                and any(mods <= part <= said for part in _name_parts(kg.label(e.iri))) \
                and not _known_in(kg, mods | others, hard_dept, dept, own) \
                and not _filed_in(kg, e.iri, hard_dept, dept):
            compound = mods
        cands = {c for w in _words(words[end - 1]) | kind for c in index.get(w, ())}
        if any(dept(c) == hard_dept and _a_namesake(normalize_key(kg.label(c)), head, kind,
                                                    kind_head)
               and compound <= _words(kg.label(c)) for c in cands) \
                or any(_a_namesake(lab, head, kind, kind_head) and compound <= _words(lab)
                       for lab in own):
            return False
    return True


def _sells_nothing_named(kg: _KG, brand: str, mention: Sequence[str],
                         dept: Callable[[str], str | None]) -> str | None:
    """The store's category (one the label space places in a department) whose name, or an
    alias of it, is the words ``mention`` (:func:`kg.link.word_order`: "kettlebell" and
    Kettlebells meet) that a linked brand ``brand`` with no ``sells_in`` category and no
    product is linked by, or None."""
    if any(True for _ in kg.out(brand, "sells_in")) or any(True for _ in _in_rel(
            kg, brand, "has_brand")):
        return None
    key = word_order(normalize_key(" ".join(mention)))
    return next((c for c in _categories_named(kg).get(key, ()) if dept(c) is not None), None)


@_kg_wide
def _categories_named(kg: _KG) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The words of each category name and alias (:func:`kg.link.word_order`) -> the
    categories of that name, cached per graph view."""
    def build() -> dict[tuple[str, ...], tuple[str, ...]]:
        out: dict[tuple[str, ...], list[str]] = {}
        for n, attrs in kg.g.nodes(data=True):
            if attrs.get("kind") == "category":
                for name in (attrs.get("label"), *(attrs.get("aliases") or ())):
                    key = word_order(normalize_key(str(name or "")))
                    if key:
                        out.setdefault(key, []).append(n)
        return {k: tuple(v) for k, v in out.items()}

    return _cached(kg, "_kgqp_categories_named", (), build)


def _modifiers(words: Sequence[str]) -> frozenset[str]:
    """The content words (:func:`_words`) of ``words``, a mention's words before its head, that
    may name a kind of the product: no number, size or unit ("6 inch"), colour or function
    word.

    >>> sorted(_modifiers("utility".split())), sorted(_modifiers("6 inch black".split()))
    (['utility'], [])
    """
    return frozenset(k for w in words if w.isalpha() and w not in _NO_SIDE_WORDS
                     and w not in FUNCTION_WORDS and not _names_a_colour(w) for k in _words(w))


def _known_in(kg: _KG, ws: Collection[str], hard_dept: str, dept: Callable[[str], str | None],
              own: Collection[str]) -> bool:
    """Whether a word of ``ws`` (as :func:`_words`) is a word of a category of the department
    ``hard_dept`` or of a lvl1 label of it (``own``, normalised)."""
    index = _word_categories(kg)
    return any(dept(c) == hard_dept for w in ws for c in index.get(w, ())) or any(
        set(ws) & _words(lab) for lab in own)


def _a_namesake(name: str, head: frozenset[str], kind: frozenset[str] = frozenset(),
                kind_head: frozenset[str] = frozenset()) -> bool:
    """Whether the normalised category name ``name`` names the product a mention headed by
    ``head`` searches (:func:`_part_headed`); for a collective head (a set: ``kind``, the
    words of the word before it, and ``kind_head``, its heads), a set of that kind ("Cookware
    Sets") or a name a part of which that word heads ("Cookware, Bakeware & Cutlery")."""
    if not kind:
        return _part_headed(name, head)
    return (_part_headed(name, head) and bool(kind & _words(name))) or any(
        kind_head & name_heads(part.split()[-1])
        for part in _NAME_PARTS.split(name) if part.split())


#: words that make the word before them a size ("full size", "king sized")
_SIZE_WORDS = frozenset({"size", "sized"})
#: last words that name a collection of the product the word before names ("tool set",
#: "5 piece dining set", "first aid kit"): :func:`_named_elsewhere` judges such a searched
#: category by both words
_COLLECTIVE = frozenset({"set", "sets", "kit", "kits", "combo", "combos", "bundle",
                         "bundles"})


def _part_headed(name: str, head: frozenset[str]) -> bool:
    """Whether a part of the normalised category name ``name`` is headed by ``head``: its
    last part, one of two words or more, or a plural word (a category names its kinds in the
    plural: a singular word before another part shares its head, "Table & Portable Fans" are
    fans, "TV & Home Theater Accessories"; "Massagers & Spa" holds massagers)."""
    parts = [p.split() for p in _NAME_PARTS.split(name) if p.split()]
    return any(bool(head & name_heads(p[-1])) for i, p in enumerate(parts)
               if len(p) > 1 or i == len(parts) - 1 or p[-1].endswith("s"))


def _headed_elsewhere(kg: _KG, linked: Sequence[LinkedEntity], words: Sequence[str],
                      hard_dept: str, dept: Callable[[str], str | None],
                      skip: Collection[str], labels: Collection[str] = (),
                      store_trees: Callable[[], Collection[str]] = frozenset,
                      collective: bool = False) -> bool:
    """Whether a query that links no product names one by its last word that only categories
    outside the trusted intent's department ``hard_dept`` are headed by, its other words
    naming nothing of the department: the department is then no hard filter (as
    :func:`_named_elsewhere` for a linked one). "puppy food", "hamster food": the categories
    headed by "food" are Google's Dog Food and Bird Food and the store's Pet Food & Treats,
    none in Appliances (its Food Processors are processors), and no category of Appliances
    holds "puppy" or "hamster"; "peanut butter": Google's Apple Butter.

    Never where the query links anything (not in ``skip``: a category, product type or
    product is judged by its link; a brand, colour or size, "amazon black", "kate spade",
    "40 inch", says what the store sells, the last word no product), follows a number
    (a unit: "40 inch"), is one word (the
    store's own one-word queries, "chocolate", "kitchen", "cookies", are what its intent
    model was trained on), or another word of it is a word of
    a category of the department ("appliances food", "food waste": Food Processors; "tv
    home"); nor where the word heads no category ("lego spiderman"), a category in the
    department or a lvl1 label of it in ``labels`` ("Cleaners & Detergents" keeps Appliances
    for "laundry detergent"), where it heads one category only (a name's last word need not
    be its kind: Google's Shovels & Spades for "kate spade", Skin Care Extractors for
    "bissell extractors"; unless another word of the query is a word of a name above it
    on its path: "garden planters", Google's Lawn & Garden > ... > Pots & Planters), or a
    category the label space does not place in a catalogue
    it overlaps (``store_trees()``, :func:`_label_trees`: Google's Electronics holds its
    Subwoofers; nothing says they lie elsewhere; unless :func:`_placed_elsewhere`).

    The product is named before a "with" ("keyboard piano with stand": piano; what follows
    is a feature). Where the word before the last and the last are words of categories headed
    by the last ("piano keyboard stand": Musical Keyboard Stands), those name the product, one
    such category enough, and the word before it is no other word. Another word that is a
    word of a category of the department and of one of the departments the product's
    categories lie in says nothing of which, where no category of the department holds the
    product's word ("keyboard piano": Computer Keyboards, Musical Instruments' Keyboards, no
    piano in Computers & Tablets; not "speakers subwoofer", Audio's Subwoofer Speakers)."""
    # (a mention after "with" is a feature of the product searched, named before it: "keyboard
    # piano with stand")
    cut = next((i for i, w in enumerate(words) if i > 0 and w in _WITH_WORDS
                and words[i - 1] not in _FITS), len(words))
    words = words[:cut]
    if (len(words) < 2 and not collective) or any(e.iri not in skip for e in linked):
        return False
    # (a collective last word, "comforter set", names a collection of the product the word
    # before it names: that word is a head too, and a kind of product, not a name's last word:
    # one category headed by it is enough. Either reading names a product elsewhere: "garden
    # tool set", Google's Tool Sets by "tool set")
    if not collective and normalize_key(words[-1]) in _COLLECTIVE and words[-2].isalpha() \
            and _headed_elsewhere(kg, [], words[:-1], hard_dept, dept, skip, labels,
                                  store_trees, collective=True):
        return True
    last = normalize_key(words[-1])
    head = name_heads(last)
    if not head or not any(ch.isalpha() for ch in last) or (
            len(words) > 1 and not words[-2].isalpha()):
        return False  # (after a number, a unit: "40 inch")
    index = _word_categories(kg)
    cands = [c for w in _words(words[-1]) for c in index.get(w, ())
             if _part_headed(normalize_key(kg.label(c)), head)]
    # (the word before the last and the last may name a compound the categories headed by the
    # last word hold both words of, "piano keyboard stand": Musical Keyboard Stands, not any
    # stand; that one category counts, two words of its name are no coincidence)
    modifier = _words(words[-2]) if len(words) > 1 else frozenset()
    compound = [c for c in cands if modifier and modifier <= _words(kg.label(c))]
    cands, rest = (compound, words[:-2]) if compound else (cands, words[:-1])
    # (a size, "full size", "queen size", names no product of a department: "Full-Size
    # Blenders" say nothing of "full size comforter set")
    rest = [w for i, w in enumerate(rest) if w not in _SIZE_WORDS
            and not (i + 1 < len(rest) and rest[i + 1] in _SIZE_WORDS)]
    trees = store_trees()
    theirs = {d for c in cands for d in _branch_departments(kg, c, dept, trees)}
    # (whether a category of the department holds the product's word: "subwoofer" of
    # "speakers subwoofer", Audio's Subwoofer Speakers)
    known_here = any(dept(c) == hard_dept for k in _words(words[-1]) for c in index.get(k, ()))

    def names_the_department(word: str) -> bool:
        """Whether ``word`` is a word of a category of the department and, where no category
        of the department holds the product's word, of none of the departments the
        product's categories lie in: a word of both, "keyboard" of "keyboard piano"
        (Computer Keyboards, Musical Instruments' Keyboards; no piano in Computers &
        Tablets), says nothing of which."""
        found = {dept(c) for k in _words(word) for c in index.get(k, ())}
        return hard_dept in found and (known_here or not found & theirs)

    if any(names_the_department(w) for w in rest):
        return False
    # (one category only counts where another word of the query names one above it: "garden
    # planters", Google's Lawn & Garden > ... > Pots & Planters; not "kate spade")
    above = {k for c in cands for part in str(kg.path(c) or "").split(">")[:-1]
             for k in _words(part)}
    # (a namesake in the department lacks the other words, which the department knows none
    # of, where each is a word of a category outside it in a catalogue's tree that holds a
    # category headed by the last word: "flower pot", Google's Flowers and Pots & Planters
    # under its Home & Garden; Appliances' Crock Pots hold no flower. Not "coffee pot":
    # Appliances' Coffee Makers)
    mods = _modifiers(rest)
    if mods and any(dept(c) == hard_dept for c in cands) \
            and not _known_in(kg, mods, hard_dept, dept, _lvl1_names(labels, hard_dept)):
        tops = {_top(kg, c) for c in cands if dept(c) != hard_dept}
        if all(any(dept(c) != hard_dept and _top(kg, c) in tops
                   and not _filed_in(kg, c, hard_dept, dept) for c in index.get(m, ()))
               for m in mods):
            cands = [c for c in cands if dept(c) != hard_dept or mods <= _words(kg.label(c))]
    if not cands or (len(cands) < 2 and not compound and not collective and not any(
            _words(w) & above for w in words[:-1])) or any(
            dept(c) == hard_dept or (
                dept(c) is None and _in_store_trees(kg, c, trees)
                and not _placed_elsewhere(kg, c, hard_dept, dept, trees)) for c in cands):
        return False
    return not any(_part_headed(name, head) for name in _lvl1_names(labels, hard_dept))


def _content_words(words: Sequence[str]) -> frozenset[str]:
    """The words of a query that may name a product (:func:`_words`: plurals folded): no
    number nor other word that opens with a digit ("65", "1tb", "4k"; a model's word that
    opens with a letter is one, "ps4", "mp3"), size ("full size", "king sized": both words),
    unit, price word or comparative (:data:`_NO_SIDE_WORDS`), colour, function word,
    negation cue, nor a collective word (:data:`_COLLECTIVE`: "set", "kit" name a collection
    of what the other words name).

    >>> sorted(_content_words("full size white comforter set under 50".split()))
    ['comforter']
    >>> sorted(_content_words("ps4 pro 1tb".split()))
    ['pro', 'ps4']
    >>> sorted(_content_words("t-shirt for women's".split())), _content_words("this is at".split())
    (['shirt', 'women'], frozenset())
    """
    out: set[str] = set()
    for i, w in enumerate(words):
        sized = w in _SIZE_WORDS or (i + 1 < len(words) and words[i + 1] in _SIZE_WORDS)
        if sized or (_DIGIT.search(w) and not w[0].isalpha()) or w in _NO_SIDE_WORDS \
                or w in FUNCTION_WORDS or w in _NEGATIONS or w in _COLLECTIVE \
                or _names_a_colour(w):
            continue
        out |= {k for k in _words(w) if len(k) > 1}
    return frozenset(out)


def _unknown_to(kg: _KG, linked: Sequence[LinkedEntity], words: Sequence[str], hard_dept: str,
                dept: Callable[[str], str | None], skip: Collection[str],
                vocabulary: Mapping[str, frozenset[str]], labels: Collection[str] = (),
                store_trees: Callable[[], Collection[str]] = frozenset) -> bool:
    """Whether the query names nothing of the trusted intent's department ``hard_dept``, so
    the department is no hard filter (a suggestion only): it links nothing placed there, and
    none of its content words (:func:`_content_words`) is a word of a name the department
    holds (``vocabulary``: :func:`fusion.expand.kgview._department_words`). The intent model
    reads another shop's queries as a department of its own confidently ("tealight candles",
    "white maid cap", "full size comforter" at Appliances); an engine ANDs the filter, and
    no product of the department is what such a query searches. A word the department
    knows keeps it, whatever it names there ("essential oil": Aromatherapy Diffuser Oils;
    "coffee pot": Coffee Makers), and so does the initials of a name of three words or more
    there ("ssd": Solid State Drives). A query with no content word ("this is at", "65
    inch"), or none the KG knows anywhere (:func:`fusion.expand.kgview._known_words`: a
    name or a misspelling the KG has no word of says nothing of where the product lies),
    has nothing to judge by and keeps the department, and so does a one-word query (the
    store's own one-word queries are what the intent model was trained on: "silverware" is
    Appliances > Dishwashers, as :func:`_headed_elsewhere` reads them).

    Linked, not in ``skip`` (excluded, a namesake of excluded words, a feature after
    "with"): a category the label space places in the department, or whose nearest placed
    branch it places there (:func:`_branch_departments`), or one of a catalogue it overlaps
    that it places nowhere (``store_trees()``, :func:`_label_trees`: Google's Televisions,
    nothing says it lies elsewhere); a product type or product of such a category; a brand
    the store sells, in any department (:func:`fusion.expand.kgview._brand_facts`: the KG's
    ``sells_in`` and ``has_brand`` edges are too partial to say where it sells nothing,
    "amazon black" at Computers & Tablets, where the KG knows Amazon's phone accessories
    only; the intent picks among its departments), or one named by a lvl1 label of the
    department in ``labels`` ("Name Brands > BISSELL"). A brand the store sells nothing
    under (a name list's) is judged by its words."""
    own = _lvl1_names(labels, hard_dept)
    for e in linked:
        if e.iri in skip:
            continue
        kind = kg.kind(e.iri)
        if kind == "brand":
            if normalize_key(kg.label(e.iri)) in own or any(
                    dept(c) is not None for c in _brand_facts(kg, e.iri)[1]):
                return False
            continue
        cats = [e.iri] if kind == "category" else kg.out(e.iri, "type_in") \
            if kind == "product_type" else kg.out(e.iri, "in_category") \
            if kind == "product" else []
        for c in cats:
            if dept(c) == hard_dept:
                return False
            if dept(c) is None:
                placed = _branch_departments(kg, c, dept, store_trees())
                if hard_dept in placed or (not placed and _in_store_trees(kg, c, store_trees())):
                    return False
    if len(words) < 2:
        return False
    said = _content_words(words)
    known = _known_words(kg)
    initials = _initials(kg)
    # (a word the department knows only in names of other things, where another catalogue names
    # a thing of it whole, says nothing of the department: "white beans", Appliances' Coffee
    # Beans, and Google's Beans, :func:`_named_whole_elsewhere`)
    ours = said & vocabulary.get(hard_dept, frozenset())
    if ours:
        head = next((ws for w in reversed(words) if (ws := _content_words([w]))), frozenset())
        every = frozenset().union(*(_words(w) for w in words))
        away = _named_whole_elsewhere(
            kg, said, hard_dept, dept, labels, store_trees(),
            [e.iri for e in linked if e.iri not in skip and kg.kind(e.iri) == "category"], head,
            every)
        # (unless another word, a colour's name too, is a word of a category of the
        # department: "coffee food", Coffee Makers)
        index = _word_categories(kg)
        if not any(dept(c) == hard_dept for w in every - away for c in index.get(w, ())):
            ours -= away
    return any(w in known for w in said) and not ours and not any(
        dept(c) == hard_dept for w in said for c in initials.get(w, ()))


def _whole_names(name: str) -> tuple[frozenset[str], ...]:
    """The things a category's name names whole, each as its content words (:func:`_words`):
    each part of it (:data:`_NAME_PARTS`); a one-word part beside a part of more words shares
    that part's words, the head of the part after it ("Table & Portable Fans": table fans) or
    the words before the head of the part before it ("Coffee Pods & Beans": coffee beans;
    "Aromatherapy Diffusers & Oils": aromatherapy oils), where every part of one word names
    its thing alone ("Breads & Buns", "Coffee, Tea & Espresso", "Beans").

    >>> [sorted(w) for w in _whole_names("Coffee Pods & Beans")]
    [['coffee', 'pod'], ['bean', 'coffee']]
    >>> [sorted(w) for w in _whole_names("Table & Portable Fans")]
    [['fan', 'table'], ['fan', 'portable']]
    >>> [sorted(w) for w in _whole_names("Breads & Buns")]
    [['bread'], ['bun']]
    """
    return tuple(s for _, s in _name_things(name))


@lru_cache(maxsize=65536)  # (category names and labels, parse after parse)
def _name_things(name: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The things of :func:`_whole_names`, each with the last word of its part of the name
    (the word that heads it); memoised."""
    parts = [p.split() for p in _NAME_PARTS.split(normalize_key(name)) if p.split()]
    out = []
    for i, part in enumerate(parts):
        ws = set(_words(" ".join(part)))
        if len(part) == 1:
            after = next((p for p in parts[i + 1:] if len(p) > 1), None)
            before = next((p for p in reversed(parts[:i]) if len(p) > 1), None)
            if after is not None:
                ws |= _words(after[-1])
            elif before is not None:
                ws |= _words(" ".join(before[:-1]))
        if ws:
            out.append((part[-1], frozenset(ws)))
    return tuple(out)


def _named_whole_elsewhere(kg: _KG, said: frozenset[str], hard_dept: str,
                           dept: Callable[[str], str | None], labels: Collection[str],
                           trees: Collection[str], linked: Collection[str] = (),
                           head: Collection[str] | None = None,
                           every: frozenset[str] | None = None) -> frozenset[str]:
    """The words of ``said`` (a query's content words, :func:`_content_words`; of those, the
    ``head``'s only, where given: the query's last content word, the product it searches)
    that name a thing whole (:func:`_whole_names`: every word of it said) in a category of another
    catalogue's tree, where the department ``hard_dept`` names no such thing: the department
    knows the word (:func:`fusion.expand.kgview._department_words`) in the names of other
    things only. "white beans": Google's Beans (Food, Beverages & Tobacco), and Appliances'
    Coffee Beans, Coffee Pods & Beans; "daily bread": Google's Breads & Buns, Appliances'
    Bread Machines; "suave conditioner": Flipkart's conditioners (hair care), Appliances' Air
    Conditioners; "sling backpack": Google's Backpacks, the store's Camera Backpacks.

    The department names no such thing where none of its categories (nor a lvl1 label of it
    in ``labels``) names a thing whole by the query's words, and the things its names head by
    the word, if any, are all of one kind the query does not say: their names share a word
    the query lacks ("coffee" of Coffee Beans and Coffee Pods & Beans, "air" of the Air
    Conditioners, "camera"). Kinds with nothing in common say the department sells the word's
    things at large, whatever the query's other words: "filter" (Refrigerator Water Filters,
    Vacuum Filters, Coffee Filters), "freezer" (Upright Freezers, Chest Freezers). Where the
    department heads the word, the things another catalogue's names head by it beside the
    department's things (below) are kinds of it too: "pot" (Crock Pots, and Google's Fondue
    Pots & Sets and Espresso Pots under its Kitchen Appliances, its Stock Pots under
    Cookware): "instant pot" keeps Appliances, though Google's Pots & Planters name a pot
    whole. A word of the department's name is the department's ("car" of Car Electronics &
    GPS; Google's Cars, Trucks & Vans say nothing); its lvl1 labels count as its categories
    do ("Appliances > Air Conditioners").

    The other catalogue's category is one the label space places nowhere, nor its branch
    (:func:`_branch_departments`; a category of the store's other departments is a namesake
    the intent picks among), of no catalogue it overlaps (``trees``), and filed beside none
    of the department's things: no category under its parent, nor above it, is named as one
    the department holds (Google's Electric Kettles and Freezers lie under Kitchen
    Appliances, beside its Ice Makers and Dishwashers: Appliances' kind of things; its Stock
    Pots under its Cookware, :func:`_filed_in`).

    A linked category of such a catalogue (``linked``) that names a thing whole by the
    query's words names what it searches, by all of that thing's words, where the department
    names no thing whole by them, whatever its names head by a word: "fog machine" links
    Google's Fog Machines (Arts & Entertainment), and Appliances' Espresso Machines and
    Sewing Machines name other machines. A word before the head may say what the product is
    for, as the department's names do ("popcorn popper": Popcorn Makers, and Google's Popcorn
    is food; "gaming setup": PC Gaming, and Flipkart's gaming): only a link judges it.

    The department's names are read by ``every`` word of the query (:func:`_words`, a
    colour's name too: "coffee" of "organic coffee beans" names Coffee Beans whole), another
    catalogue's by its content words only ("decaf coffee k cups" names no Coffee & Tea Cups):
    where a word is both, the department keeps it."""
    index = _word_categories(kg)
    every = said if every is None else every | said
    own = _lvl1_things(labels, hard_dept)

    def names(c: str) -> tuple[frozenset[str], ...]:
        return _cached(kg, "_kgqp_whole_names", (c,), lambda: tuple(
            s for name in (kg.label(c), *(kg.g.nodes[c].get("aliases") or ()))
            for s in _whole_names(str(name))))

    besides = _beside_memo(kg, trees, "beside")
    placements = _beside_memo(kg, trees, "placed_in")

    def placed_in(c: str) -> frozenset[str]:
        """The departments the label space places ``c`` in, as the department filter reads
        them (memoised with the graph view for the label space)."""
        hit = placements.get((c, hard_dept))
        if hit is None:
            d = dept(c)
            if d is not None:
                hit = frozenset({d})
            else:
                placed = _branch_departments(kg, c, dept, trees)
                hit = frozenset({hard_dept}) if not placed and _in_store_trees(kg, c, trees) \
                    else placed
            if len(placements) > 65536:
                placements.clear()
            placements[(c, hard_dept)] = hit
        return hit

    def beside(c: str) -> bool:
        """Whether a category under ``c``'s parent, or above it (:func:`_filed_in`), is named
        as one of the department (memoised with the graph view for the label space)."""
        hit = besides.get((c, hard_dept))
        if hit is None:
            named = _department_names(kg, dept, trees)
            hit = any(hard_dept in named.get(_words(kg.label(s)), ())
                      for p in kg.out(c, "parent") for s in kg.nodes_into(p, "parent")) \
                or _filed_in(kg, c, hard_dept, dept)
            if len(besides) > 65536:
                besides.clear()
            besides[(c, hard_dept)] = hit
        return hit

    def named_here(w: str) -> bool:
        """Whether the department names a thing whole by the query's words, ``w`` one."""
        return any(w in s and s <= every for _, s in own) or any(
            w in s and s <= every for c in index.get(w, ()) if hard_dept in placed_in(c)
            for s in names(c))

    out = {w for c in linked if not placed_in(c) and not _in_store_trees(kg, c, trees)
           and not beside(c) for s in names(c) if s <= said for w in s
           if w not in _words(hard_dept) and not named_here(w)}
    # (a link filed beside the department's things names its words as the department's kind:
    # "stock pot", Google's Stock Pots under its Cookware; not Google's Pots & Planters)
    kept = {w for c in linked if beside(c) for s in names(c) for w in s}
    for w in set(said if head is None else head) - _words(hard_dept) - out - kept:
        if named_here(w):
            continue
        here = [c for c in index.get(w, ()) if hard_dept in placed_in(c)]
        # (the things the department's names head by the word: one kind, a word in common)
        kinds = [s - {w} for c in here for name in (kg.label(c), *(kg.g.nodes[c].get(
            "aliases") or ())) for last, s in _name_things(str(name)) if w in _words(last)] + [
            s - {w} for last, s in own if w in _words(last)]
        if kinds:
            # (and the things another catalogue's names head by the word beside the
            # department's things, its kind of things: "pot", Crock Pots, and Google's Fondue
            # Pots & Sets, Stock Pots under its Kitchen Appliances and Cookware)
            kinds += [s - {w} for c in index.get(w, ()) if not placed_in(c)
                      and not _in_store_trees(kg, c, trees) and beside(c)
                      for name in (kg.label(c), *(kg.g.nodes[c].get("aliases") or ()))
                      for last, s in _name_things(str(name)) if w in _words(last)]
        if kinds and (not frozenset.intersection(*kinds) or frozenset.intersection(*kinds)
                      & every):
            continue
        if any(w in s and s <= said for c in index.get(w, ()) if not placed_in(c)
               and not _in_store_trees(kg, c, trees) for s in names(c)
               if not beside(c)):
            out.add(w)
    return frozenset(out)


def _beside_memo(kg: _KG, trees: Collection[str], name: str) -> dict[tuple[str, str], Any]:
    """The graph view's memo ``name`` of :func:`_named_whole_elsewhere`'s judgements of a
    category for a department, (category, department) -> value (``beside``, ``placed_in``),
    for the label space ``trees`` (:func:`_label_trees`, one object per label space, as
    :func:`_department_names` reads it; another one replaces it)."""
    key = f"_kgqp_{name}"
    memo = kg.g.graph.get(key)
    if memo is None or memo[0] is not trees:
        memo = kg.g.graph[key] = (trees, {})
    return memo[1]


def _department_names(kg: _KG, dept: Callable[[str], str | None],
                      trees: Collection[str]) -> dict[frozenset[str], frozenset[str]]:
    """The content words (:func:`_words`) of each name of a category the label space places in
    a department -> those departments; memoised with the graph view for the label space
    ``trees`` (:func:`_label_trees`, one object per label space)."""
    memo = kg.g.graph.get("_kgqp_department_names")
    if memo is None or memo[0] is not trees:
        out: dict[frozenset[str], set[str]] = {}
        for n, a in kg.g.nodes(data=True):
            if a.get("kind") == "category" and (d := dept(n)) is not None:
                for name in (a.get("label"), *(a.get("aliases") or ())):
                    if name and (ws := _words(str(name))):
                        out.setdefault(ws, set()).add(d)
        memo = kg.g.graph["_kgqp_department_names"] = (
            trees, {k: frozenset(v) for k, v in out.items()})
    return memo[1]


def _filed_in(kg: _KG, cat: str, hard_dept: str, dept: Callable[[str], str | None]) -> bool:
    """Whether a category above ``cat`` on its path is named as a category of the department
    ``hard_dept`` is (its content words, :func:`_words`): the department sells the kind
    ``cat`` is of. Google's Stock Pots lie under its Cookware, and Appliances holds the
    store's Cookware; Google's Utility Knives under Hardware > Tools > Cutters name nothing
    of Appliances."""
    index = _word_categories(kg)
    for part in str(kg.path(cat) or "").split(">")[:-1]:
        ws = _words(part)
        if ws and any(dept(c) == hard_dept and _words(kg.label(c)) == ws
                      for c in frozenset.intersection(*(index.get(w, frozenset())
                                                         for w in ws))):
            return True
    return False


def _top(kg: _KG, cat: str) -> tuple[str, str]:
    """The catalogue (:func:`_taxonomy`) and top level of the category ``cat``'s path."""
    return _taxonomy(cat), str(kg.path(cat) or kg.label(cat)).split(">")[0].strip()


def _lvl1_names(labels: Collection[str], dept: str) -> tuple[str, ...]:
    """The normalised last parts of the labels of ``labels`` below the department ``dept``
    ("Name Brands > BISSELL": "bissell" for "Name Brands"), in the labels' order; memoised
    where ``labels`` is a frozenset (the intent's label space is one, the same each parse: a
    scan of some 200 labels, twice a judged query, saved).

    >>> _lvl1_names(["Name Brands > BISSELL", "Audio > Headphones"], "Name Brands")
    ('bissell',)
    """
    if isinstance(labels, frozenset):
        return _lvl1_names_of(labels, dept)
    return tuple(normalize_key(last) for last in _lvl1_parts(labels, dept))


def _lvl1_things(labels: Collection[str], dept: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The things the last parts of the labels of ``labels`` below the department ``dept``
    name (:func:`_name_things`), memoised as :func:`_lvl1_names` is."""
    if isinstance(labels, frozenset):
        return _lvl1_things_of(labels, dept)
    return tuple(thing for last in _lvl1_parts(labels, dept) for thing in _name_things(last))


def _lvl1_parts(labels: Collection[str], dept: str) -> list[str]:
    """The last parts of the labels of ``labels`` below the department ``dept``, in the
    labels' order."""
    return [lab.split(SEP)[-1] for lab in labels if SEP in lab and lab.split(SEP)[0] == dept]


@lru_cache(maxsize=256)
def _lvl1_names_of(labels: frozenset[str], dept: str) -> tuple[str, ...]:
    """:func:`_lvl1_names` of a frozenset of labels, memoised."""
    return tuple(normalize_key(last) for last in _lvl1_parts(labels, dept))


@lru_cache(maxsize=256)
def _lvl1_things_of(labels: frozenset[str], dept: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """:func:`_lvl1_things` of a frozenset of labels, memoised."""
    return tuple(thing for last in _lvl1_parts(labels, dept) for thing in _name_things(last))


#: the cosine to its nearest training query from which the intent model has seen a query
#: (:attr:`fusion.types.Intent.familiarity`): the store's own query, :func:`_remembered`
_REMEMBERED_AT = 0.99


def _remembered(intent: Intent) -> bool:
    """Whether ``intent``'s query is one its model was trained on (its query memory holds it:
    a cosine of :data:`_REMEMBERED_AT` or more to its nearest training query): where the
    store's own searchers of it went, which a KG link does not overrule ("cookies" at Best
    Buy is Appliances, its gold Mixers; the KG links Google's Cookies). Only the memory's
    own queries: "yogurt" (0.93 to "yogurt yogurt") is judged by its link. False without a
    query memory."""
    return intent.familiarity is not None and intent.familiarity >= _REMEMBERED_AT


def _below(score: float, threshold: float) -> float:
    """``score`` rounded to 6 places, capped below ``threshold`` (a soft signal never at a
    hard filter's level: a score at or over it is the largest 6-place value under it; a
    threshold of 0 or less caps nothing)."""
    out = round(score, 6)
    if threshold <= 0 or out < threshold:
        return out
    return max(math.floor(threshold * 1e6 - 1) / 1e6, 0.0)


def _label_trees(kg: _KG, taxonomy: TaxonomyAlignment | None,
                 dept: Callable[[str], str | None]) -> frozenset[str]:
    """What the label space ``taxonomy`` places of each IRI catalogue (:func:`_taxonomy`):
    the catalogues most of whose categories it places in a department, the store's tree
    ("bestbuy": 2,494 of 3,243 in the default KG), and ``catalogue > top`` for each top
    level of another catalogue it places some categories under (Google's "Electronics",
    whose Audio the store's Audio places; not its "Home & Garden" nor "Furniture"),
    memoised with the graph view for this label space."""
    memo = kg.g.graph.get("_kgqp_label_trees")
    if memo is None or memo[0] is not taxonomy:
        placed: Counter[str] = Counter()
        total: Counter[str] = Counter()
        tops: set[str] = set()
        for n, a in kg.g.nodes(data=True):
            if a.get("kind") == "category":
                t = _taxonomy(n)
                total[t] += 1
                if dept(n) is not None:
                    placed[t] += 1
                    tops.add(f"{t} > {str(a.get('path') or '').split('>')[0].strip()}")
        trees = frozenset(t for t, k in placed.items() if 2 * k > total[t]) | tops
        memo = kg.g.graph["_kgqp_label_trees"] = (taxonomy, trees)
    return memo[1]


def _an_origin(mention: str) -> bool:
    """Whether a mention says where a product is made, not who makes it: "made in china",
    "manufactured in the usa" (a word of :data:`_MADE_WORDS`, then "in"). A name list's brand
    of that name ("Made In China") is no brand of the product.

    >>> _an_origin("made in china"), _an_origin("made by sony"), _an_origin("madein")
    (True, False, False)
    """
    words = _query_words(mention)
    return len(words) > 2 and words[0] in _MADE_WORDS and words[1] == "in"


def _taxonomy(iri: str) -> str:
    """The catalogue a category's IRI names (``.../category/{source}/{id or path}``, the
    scheme of the KG's loaders: "bestbuy", "google", "flipkart"). A category made without a
    source segment (``.../category/tvs``, by ``POST /kg/update`` or in code) is a catalogue of
    its own: it is compared with no other."""
    return iri.rsplit("/category/", 1)[-1].split("/", 1)[0]


def _a_namesake_beside(kg: _KG, excluded: str, searched: Collection[str]) -> bool:
    """Whether a category the query excludes is a namesake of the words the cue excludes,
    far from what it searches, in the searched categories' own taxonomy: some category
    searched is of the excluded one's catalogue (:func:`_taxonomy`), and the excluded one
    lies neither under the parent of any (its siblings and theirs: "headphones not over
    ear") nor above one. "laundry detergent without dyes" -> Craft Dyes (Arts &
    Entertainment), "cat food without fish" -> Fish Food (Fish Supplies, beside Cat
    Supplies), "dog food without grain" -> Grains, Rice & Cereal: the products searched are
    in none of them, so a DOWN boost on one demotes nothing searched. Categories of other
    catalogues are not compared ("belt without buckle": Flipkart's belts, Google's Belt
    Buckles)."""
    same = [c for c in searched if _taxonomy(c) == _taxonomy(excluded)]
    if not same:
        return False
    path = kg.path(excluded) or ""
    for c in same:
        chain = _path_up(kg, c)
        scope = chain[1] if len(chain) > 1 else c
        if excluded in chain or excluded == scope \
                or path.startswith(f"{kg.path(scope) or ''} >"):
            return False
    return True


#: what joins the things one category's name holds: "Sofas & Sectionals", "Mattresses & Box
#: Springs", "Tables, Chairs and Benches", "Washers/Dryers"
_NAME_JOINS = re.compile(r"\s*(?:&|,|/|\+|\band\b)\s*", re.IGNORECASE)


def _name_parts(label: str) -> frozenset[frozenset[str]]:
    """The things a category's name holds, each as its content words (:func:`_words`):
    "Headboards & Bed Frames" -> {headboard}, {bed, frame}.

    >>> sorted(sorted(p) for p in _name_parts("Headboards & Bed Frames"))
    [['bed', 'frame'], ['headboard']]
    """
    return frozenset(ws for part in _NAME_JOINS.split(label) if (ws := _words(part)))


def _holds_the_searched(kg: _KG, excluded: str,
                        searched: Collection[tuple[str, frozenset[str]]],
                        said: Collection[str] = ()) -> bool:
    """Whether a category the query excludes is, holds, or (by its name) also holds a product
    the query searches, so a DOWN boost on it would demote what is searched. ``searched``: the
    categories of the query's linked products (not excluded), each with the words of the
    mention that links it; ``said``: the excluded words (both as :func:`_words`). The excluded
    category is a searched one or lies above one on its path ("sofa not sectional" -> Sofas &
    Sectionals, the parent of Sofas), or is named as one above it is (another taxonomy's:
    "sanding block not tool" -> the store's Tools, Google's Sanding Blocks under Google's
    Tools), or one thing its name holds is what a searched category is, in any taxonomy: a
    thing of that category's name that its mention names, or its whole name, and that no
    excluded word names ("mattress not box spring": the store's Mattresses & Box Springs,
    Google's Mattresses linked; "bed frame no headboard": Headboards & Bed Frames, a child of
    Beds & Bed Frames). A child that names only what is excluded keeps its
    DOWN boost ("grill not smoker": Smokers, under Grills; so would Smokers beside a searched
    "Grills & Smokers"), and so does one that shares with it another thing of its name only
    ("storage hook not umbrella stand": Umbrella Stands & Racks, under Storage Hooks &
    Racks)."""
    parts = _name_parts(kg.label(excluded))
    for c, mention in searched:
        chain = _path_up(kg, c)
        if excluded in chain or any(_name_parts(kg.label(up)) == parts for up in chain[1:]):
            return True
        own = _name_parts(kg.label(c))
        if any(not p <= set(said) and (len(own) == 1 or p <= mention) for p in parts & own):
            return True
    return False


def _names_a_part(kg: _KG, dept: Callable[[str], str | None], cat: str,
                  words: Sequence[str], linked: Collection[str]) -> bool:
    """Whether a query searches a part of the device its intent's category ``cat`` holds,
    and names no such device: a word of it (``words``, those it does not exclude) or a
    category it links (``linked``) is the head of a part's category in ``cat``'s department
    and taxonomy whose parts name a word of ``cat``'s path (:func:`_component_categories`:
    Computer Cards & Components for Computers & Tablets > Laptops; not the store's Wireless &
    Multiroom Components for its Audio, nor Google's Audio Components, speakers and
    amplifiers, whole devices): "processor", "cpu", "ram", "motherboard"; no accessory
    word, "case", "mount"), or a word is the initials of a category so headed ("ssd": Solid
    State Drives, headed "drives" as Optical Drives are), while no word is one of ``cat``'s
    name nor the head of a category below it ("i7 processor", "8gb ram", "ssd 1tb" at the
    intent's Laptops: no All Laptops, MacBooks; "rtx 4060 laptop", "macbook ssd" name one).
    A category of parts itself (the intent's Motherboards, Hard Drives & Storage) is no
    device."""
    d = dept(cat)
    if d is None:
        return False
    device_path = _words(str(kg.path(cat) or kg.label(cat)))
    tree = _taxonomy(cat)
    parts = [c for c, of in _component_categories(kg)
             if of & device_path and _taxonomy(c) == tree and dept(c) == d]
    heads = frozenset().union(*(_name_heads(kg.label(c)) for c in parts)) \
        - _ACCESSORY_STEMS
    heads = frozenset(h for h in heads if h not in FUNCTION_WORDS and h.isalpha())
    if not heads or _name_heads(kg.label(cat)) & heads:
        return False
    initials = _initials(kg)
    if not (any(name_heads(w) & heads for w in words) or any(
            _name_heads(kg.label(c)) & heads for c in linked) or any(
            dept(c) == d and _name_heads(kg.label(c)) & heads
            for w in words for c in initials.get(w, ()))):
        return False  # (no part named: most queries, read before the device's tree)
    device = set(_words(kg.label(cat)))
    stack, seen = [cat], {cat}
    while stack and len(seen) < 400:
        for child in kg.into(stack.pop(), "parent"):
            if child not in seen:
                seen.add(child)
                stack.append(child)
                device |= _name_heads(kg.label(child))
    said = set()
    for w in words:
        said |= _words(w)
    return not said & device


#: the last word of a store's page of a brand, no name of it ("Dyson Brand Store", "Fitbit
#: Health & Fitness Products"; plural-folded, :func:`kg.link.word_order`)
_PAGE_WORDS = frozenset({"store", "shop", "product"})


def _names_a_page(kg: _KG, alias: str, name: str) -> bool:
    """Whether a brand's ``alias`` names a page of the brand, not the brand: its ``name``
    followed by words that name a KG category (a category's name, or the end of the words
    does: "Dell Computers", "Nikon Cameras", "Shutterfly Photobook and Gift Cards") or a store
    page ("Dyson Brand Store", "Fitbit Health & Fitness Products"): the 18 Best Buy brand-store
    names the default KG keeps as aliases of its brands. As an expansion such a name adds
    another department's words to the search ("computers" to "dell monitor"). Another name of
    the brand ("Hewlett-Packard" for HP, a company's "Nike Inc. Sportswear") is no page."""
    own = word_order(normalize_key(name))
    words = word_order(normalize_key(alias))
    if not own or not set(own) < set(words):
        return False
    extra = tuple(w for w in words if w not in own)
    categories = _category_departments(kg)
    return extra[-1] in _PAGE_WORDS or any(extra[i:] in categories for i in range(len(extra)))


def _fits_elsewhere(kg: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                    spans: Mapping[str, tuple[int, int] | None], fitted: Collection[str],
                    dept: Callable[[str], str | None]) -> frozenset[str]:
    """The linked categories the query searches "for" a category of another tree: a head
    category right before a fits word whose target (a linked category after it, what the
    product is for: :func:`fusion.expand.accessories._fitted_devices`) lies outside the store's
    departments (another taxonomy's), where the head's department holds no category named by
    the target's words, and the KG holds a namesake of the head (a category its head word
    heads, outside the head's department) whose tree's top level shares a word with the
    target's ("toner for face": Toner is printer toner; face is a category of Flipkart's
    "beauty and personal care", and Google's "Health & Beauty" holds Toners: the toner
    searched is a skin toner). The head is a namesake of what is searched: no filter of its
    own, no fan-out, and its department no hard filter. Not a target in the store's
    departments ("heater for bedroom": Bedroom is Furniture & Decor's, a place of use; "soundbar
    for 55 inch tv"), nor one whose tree holds no namesake of the head ("binoculars for
    hunting": Sporting Goods holds no binoculars), nor one the head's department names a
    category of ("stand for tv")."""
    out: set[str] = set()
    index = _word_categories(kg)

    def top(c: str) -> frozenset[str]:
        return _words(str(kg.path(c) or kg.label(c)).split(">")[0])

    for e in linked:
        sp = spans.get(e.iri)
        if e.iri not in fitted or sp is None or kg.kind(e.iri) != "category" \
                or dept(e.iri) is not None:
            continue
        at = _back_over_fillers(words, sp[0] if words[sp[0]] in _FITS else sp[0] - 1)
        if at <= 0 or words[at] not in _FITS:
            continue
        free = [w for w in words[sp[0]:sp[1]] if w not in _FITS and w not in _FILLERS]
        tree = top(e.iri)
        for o in linked:
            osp = spans.get(o.iri)
            if o.iri == e.iri or o.iri in fitted or osp is None or osp[1] != at \
                    or kg.kind(o.iri) != "category" \
                    or not (o.label is None or o.label in HEAD_LABELS):
                continue
            home = dept(o.iri)
            if home is None:
                continue
            if any(dept(c) == home for w in free for c in index.get(w, ())
                   if all(c in index.get(v, ()) for v in free)):
                continue  # ("stand for tv": the head's department names the target too)
            head = _name_heads(words[osp[1] - 1])
            if any(dept(c) != home and top(c) != top(o.iri) and top(c) & tree
                   and head & _name_heads(kg.label(c))
                   for w in _words(words[osp[1] - 1]) for c in index.get(w, ())):
                out.add(o.iri)
    return frozenset(out)
