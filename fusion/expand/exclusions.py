"""Exclusions: what a query excludes (:func:`excluded_links`, :func:`excluded_words`,
:func:`query_exclusions`, :func:`may_exclude`), excluded spans and texts, brand roles and
product lines after an excluded brand."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import networkx as nx  # noqa: F401  (the docstrings' examples build graphs with it)

from fusion.expand.accessories import _FITS, _category_words, _path_up, _word_categories
from fusion.expand.colours import (
    _COLOUR_LABELS,
    _a_consumable_colour,
    _a_non_colour,
    _colour_named,
    _colour_run,
    _in_a_name,
    _names_a_colour,
)
from fusion.expand.departments import _brand_keys, _line_owner
from fusion.expand.kgview import _KG, _brand_facts, _own_categories
from fusion.expand.negation import (
    _AMOUNT,
    _HEDGES,
    _MAX_RUN,
    _OPENS_EXCLUSION,
    _RUN_ENDS,
    EXCLUSION_LEAD_WORDS,
    _a_cue,
    _a_numbered_name,
    _closes,
    _commas,
    _cue_free,
    _cue_position,
    _joined_item,
    _minus_brackets,
    _negated,
    _outer,
    free_from_words,
    one_letter,
)
from fusion.expand.sizes import _CLOTHING_WORD, _SIZE_LABELS, _SIZE_NUMBER, _SIZE_WORDS
from fusion.expand.types import Excluded
from fusion.expand.words import (
    _CUE_CLOSERS,
    _FILLERS,
    _JOINERS,
    _MADE_WORDS,
    _MAKER_WORDS,
    _MAX_BANNED_WORDS,
    _NEGATIONS,
    _VALUE_NEGATIONS,
    _find_mention,
    _mention_places,
    _name_words,
    _query_word_offsets,
    _query_words,
    _words,
)
from fusion.hetero import as_networkx
from fusion.patterns import NEGATABLE_BOUND, NOT_FITTED
from fusion.types import LinkedEntity
from kg.index import normalize_key
from kg.link import FUNCTION_WORDS, brand_key, grounded_brands

logger = logging.getLogger(__name__)


def excluded_links(query: str, linked: Sequence[LinkedEntity], *,
                   kind: Callable[[str], str | None] | None = None,
                   attribute: Callable[[str], str | None] | None = None,
                   name: Callable[[str], str] | None = None,
                   commas: Collection[int] | None = None,
                   words: Sequence[str] | None = None,
                   spans: Mapping[str, tuple[int, int] | None] | None = None,
                   line_of: Callable[[str, str], bool] | None = None,
                   others: Mapping[str, Sequence[tuple[int, int]]] | None = None,
                   places: Mapping[str, Sequence[tuple[int, int]]] | None = None,
                   at: dict[str, list[tuple[int, int]]] | None = None
                   ) -> frozenset[str]:
    """The IRIs of the links ``linked`` of ``query`` that the query excludes: one right after a
    negation cue ("phone not samsung", "no black", "tv -samsung"; "non" before a brand only:
    "non stick" is a kind of pan) or a negated purpose phrase ("not for men", "not made for
    kids"), a brand after a negated maker phrase ("phone not from samsung", "not made by
    sony", "nothing from lg"), one whose span opens with a cue ("speaker not headphones"),
    every item of a list of the same facet joined to such a link ("not red or blue", "not
    samsung or lg"), and a cue the linker took for a value ("no" -> the KG's size "No" in "no
    pink dress"); wherever the query names the node (:func:`_mention_places`: "samsung tv not
    samsung", whose link's mention is the first "samsung"). The expansion makes them DOWN
    boosts (:func:`expand`); the intent does not read them
    (:func:`parser.pipeline.intent_links`). ``kind`` and ``attribute`` give a node's
    kind and attribute (default: the link's kind, no attribute); ``name``, the text of a link
    without a mention (default: none); ``commas``, ``words`` and ``spans`` the caller's
    :func:`_commas`, query words and each link's place among them, where it has them, and
    ``others`` and ``places``, each link's other mentions' places and every place it is
    named at (:func:`_mention_places`), computed from those (used with them only);
    ``line_of(node, brand)``, whether a linked category, product type or product is a product
    line of a linked brand: such a line named right after an excluded brand, and nowhere else,
    is excluded with it, the cue's whole run naming one thing ("laptop not apple macbook",
    "smartwatch other than apple watch"; default: none is). ``at``, when given, is filled
    with the places among ``words`` each excluded link is excluded at (none for a cue the
    linker took for a value): the excluded words of :func:`_excluded_texts`.

    >>> red = LinkedEntity("color/red", "attribute_value", 0.9, "color", "red")
    >>> blue = LinkedEntity("color/blue", "attribute_value", 0.9, "color", "blue")
    >>> sorted(excluded_links("phone case not red or blue", [red, blue]))
    ['color/blue', 'color/red']
    >>> sorted(excluded_links("red phone case not blue", [red, blue]))
    ['color/blue']
    """
    kind_of = kind or {e.iri: e.kind for e in linked}.get
    attr_of = attribute or (lambda iri: None)
    out = {e.iri for e in linked if _a_cue(e)}
    linked = [e for e in linked if e.iri not in out]

    def mention(e: LinkedEntity) -> str:
        return e.mention or (name(e.iri) if name else "")

    if words is None or spans is None:  # (the caller's, where it has them: expand's)
        words = _query_words(query)
        spans = {e.iri: _find_mention(words, mention(e)) for e in linked}
        others = places = None  # (the caller's go with its words and spans only)
    if _cue_free(words):
        return frozenset(out)  # (no cue among the words: no link is negated, :func:`_negated`)
    if others is None or places is None or out:  # (the caller's, of the same links: expand's)
        others = {e.iri: [sp for o in linked if o.iri != e.iri and (sp := spans[o.iri])]
                  for e in linked}
        # every place a node is named, not only its span (the first): one named again after
        # a cue is excluded all the same ("hp printer ink not hp", "samsung tv not samsung"),
        # and the places each excluded node is excluded at
        places = {e.iri: _mention_places(words, mention(e), spans[e.iri], others[e.iri])
                  for e in linked}
    out_at: dict[str, list[tuple[int, int]]] = {}
    for e in linked:
        brand = kind_of(e.iri) == "brand"
        # a cue that is a word of the node's own name ("not your mothers", "better not
        # younger", "musicians without borders": brands), or the "no" of a number read as a
        # size ("no 10" in "no 10 nail brush"), is no cue: only one before the mention
        # excludes it
        # ("no 10" read as a size: the number "No. 10"; "not 55 inch" excludes the size)
        p0 = (spans[e.iri] or (0, 0))[0]
        size = (e.label or "").lower() in _SIZE_LABELS and list(words[p0:p0 + 1]) == ["no"] \
            and bool(_SIZE_NUMBER.match(words[p0 + 1] if p0 + 1 < len(words) else ""))
        hit = [p for p in places[e.iri] if _negated(
            words, (p[0], p[0]) if size else _outer(words, p, name(e.iri) if name else ""),
            _NEGATIONS if brand else _VALUE_NEGATIONS, others[e.iri], maker=brand)]
        if hit:
            out_at[e.iri] = hit
    # a brand's product line right after the excluded brand is the rest of what the cue
    # excludes ("tablet not apple ipad": no iPad filter, the products ruled out), where the
    # query names the product searched elsewhere ("tablet") or the line's name holds the
    # brand's ("smartwatch other than apple watch"); not the only product it names ("-samsung
    # tv", "avoid samsung tvs": TVs, not Samsung's), nor one it names elsewhere too ("tablet
    # not samsung tablet": the tablets are searched)
    products = ("category", "product_type", "product")
    if line_of is not None:
        for e in linked:
            if e.iri in out_at or kind_of(e.iri) not in products:
                continue
            searched = any(o.iri != e.iri and o.iri not in out_at and kind_of(o.iri) in products
                           for o in linked)
            own = set(_query_words(name(e.iri) if name else ""))
            after = [p for p in places[e.iri] if any(
                p[0] == sp[1] and (searched or set(words[sp[0]:sp[1]]) & own)
                and line_of(e.iri, b)
                for b, at in out_at.items() if kind_of(b) == "brand" for sp in at)]
            if after and len(after) == len(places[e.iri]):
                out_at[e.iri] = after
    # what a cue excludes, it excludes of every item of a list of the same facet joined after
    # it ("not red or blue", "without black and white", "not samsung or lg"; not "65 inch tv
    # not samsung", nor the size in "tv not samsung and 65 inch", nor "blue" in "red or blue
    # case not red": the item it is joined to is not the excluded place of Red)
    commas = _commas(query) if commas is None else commas  # (the caller's: computed once)

    def facet(iri: str) -> tuple[str | None, str | None]:
        return kind_of(iri), attr_of(iri)

    def ends(sp: tuple[int, int]) -> int:  # (the joiner a mention took in left out: the
        b = sp[1]                           # tagger's span "not insignia or" in "tv not
        while b - 1 > sp[0] and words[b - 1] in _JOINERS:  # insignia or dynex")
            b -= 1
        return b

    for place, item in sorted(((p, e) for e in linked for p in places[e.iri]),
                              key=lambda x: x[0]):
        end = _joined_item(words, place[0], commas)
        if end is not None and place not in out_at.get(item.iri, ()) and any(
                facet(o.iri) == facet(item.iri)
                and any(ends(sp) == end for sp in out_at.get(o.iri, ())) for o in linked):
            out_at.setdefault(item.iri, []).append(place)
    if at is not None:
        at.update(out_at)
    return frozenset(out | set(out_at))


def _opens_a_price(words: Sequence[str], i: int) -> bool:
    """Whether ``words[i:]`` opens with a price bound word a negation turns into the other
    bound (:data:`fusion.patterns.NEGATABLE_BOUND`) and its amount ("over $500", "more than
    500", "at least 1k"): the price's, :func:`fusion.patterns.parse_price`, no words to
    exclude. "under"/"below" end every run (:data:`_RUN_ENDS`); "over" cannot ("headphones
    not over ear").

    >>> _opens_a_price("laptop not over $500".split(), 2), _opens_a_price("not over ear".split(), 1)
    (True, False)
    """
    return any(i + n < len(words) and NEGATABLE_BOUND.fullmatch(" ".join(words[i:i + n]))
               and _AMOUNT.search(words[i + n]) for n in (2, 1))


def _run_words(text: str) -> frozenset[str]:
    """:func:`_words` of ``text``, a plural number folded to the number ("2-in-1s": "1"), so
    that a run a cue excludes ("not 2 in 1") meets the name holding it.

    >>> sorted(_run_words("2-in-1s")) == sorted(_run_words("2 in 1"))
    True
    """
    return frozenset(re.sub(r"(?<=\d)s$", "", w) for w in _words(text))


def _excluded_spans(words: Sequence[str], commas: Collection[int],
                    taken: Sequence[tuple[int, int]],
                    brand: Callable[[str], bool] | None = None,
                    named: Callable[[Sequence[str], tuple[int, int]], bool] | None = None,
                    product: Callable[[Sequence[str], tuple[int, int]], bool] | None = None,
                    excluded: Sequence[tuple[int, int]] = (),
                    closes: Collection[int] = ()) -> list[tuple[int, int]]:
    """Each run of ``words`` a negation cue excludes, linked or not, as (start, end) among
    ``words``: the words right after a cue (:func:`_negated`: "tv not 4k", "headphones not
    wireless", "laptop not 2 in 1", "not for kids"), up to the end, a ",", a word of
    :data:`_RUN_ENDS`, another cue, or a mention the query does not exclude (``taken``: "not
    4k tv" excludes "4k"), or a word a closing bracket or quote follows (``closes``,
    :func:`_closes`: "tv -(samsung) 55 inch" excludes "samsung"), at most :data:`_MAX_RUN`
    words of it; each item of a list after
    the cue is a run of its own ("not red or blue"). A cue inside a mention of ``taken`` is
    none ("no 10" read as a size). Only runs with a content word (:func:`_run_words`). A name
    with a number (:func:`_a_numbered_name`) after the run's words ends it, a thing of the
    product searched ("laptop no touchscreen windows 11", "laptop without touchscreen windows
    11": "touchscreen"), unless those words are a brand's name (``brand``: the KG's brand
    names), whose model the name is ("laptop not hp pavilion 15", "tv no sony bravia 65").

    >>> _excluded_spans("tv not 4k for bedroom".split(), (), [(0, 1)])
    [(2, 3)]
    >>> _excluded_spans("case not red or blue".split(), (), [(0, 1)])
    [(2, 3), (4, 5)]
    >>> _excluded_spans("laptop no touchscreen windows 11".split(), (), [(0, 1)])
    [(2, 3)]
    >>> words = "laptop not hp pavilion 15".split()
    >>> hp = {"hp"}.__contains__
    >>> _excluded_spans(words, (), [(0, 1)]), _excluded_spans(words, (), [(0, 1)], hp)
    ([(2, 3)], [(2, 5)])

    A cue after a joiner opens the next item, no word of it ("tv not samsung and not lg",
    "phone no samsung and no apple": "lg", "apple"; a word before it too: "and also not lg"),
    and "either" closes a run ("laptop not dell but not hp either": "hp"). "non" before a colour
    excludes the colour (:func:`_a_non_colour`: "non white shirt": "white"), or the whole name an
    excluded link holds from the colour on (``excluded``: "non white noise machine", White Noise
    Machines). A run with nothing searched before it (the query opens with the cue: "not black phone
    case", "-samsung phone") is the colour or the brand that opens it (:func:`_excluded_head`, with
    ``product`` and the excluded links' places ``excluded``): the words after it name the product
    searched.

    >>> _excluded_spans("tv not samsung and not lg".split(), (), [(0, 1)])
    [(2, 3), (5, 6)]
    >>> _excluded_spans("not black phone case".split(), (), []), _excluded_spans(
    ...     "non white shirt".split(), (), [])
    ([(1, 2)], [(1, 2)])
    >>> _excluded_spans("tv minus samsung 55 inch".split(), (), [(0, 1)], closes={2})
    [(2, 3)]
    """
    def free(i: int) -> bool:
        return not any(a <= i < b for a, b in taken)

    if _cue_free(words):
        return []  # (no cue, no "non": no word opens a run, :func:`_negated`)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        # "non" opens a run of what a product is free of only ("non gmo snacks": "gmo"; "non
        # stick pan" excludes nothing), that word, or two of an ingredient's name
        if i >= 1 and words[i - 1] == "non" and free(i) and free(i - 1):
            n = next((n for n in (2, 1) if i + n <= len(words) and all(
                free(k) for k in range(i, i + n)) and free_from_words(
                " ".join(words[i:i + n]))), 0)
            if not n and _a_non_colour(words, i - 1):  # "non white shirt": "white" only
                n = _colour_run(words, i)
                n = n if all(free(k) for k in range(i, i + n)) else 0
                # (but the whole name an excluded link holds from the colour on: "non white
                # noise machine", White Noise Machines excluded at "white noise machine")
                n = max([n, *(y - i for x, y in excluded if x <= i < y and y > i + n
                              and all(free(k) for k in range(i, y)))]) if n else 0
            if n:
                runs.append((i, i + n))
                i += n
                continue
        if not free(i) or words[i] in _RUN_ENDS or words[i] in _JOINERS \
                or (words[i] in _HEDGES and i >= 1 and words[i - 1] in _NEGATIONS) \
                or not _negated(words, (i, i + 1), _VALUE_NEGATIONS, taken):  # (a hedge,
            #                                       "not really", excludes nothing: _hedged)
            i += 1
            continue
        if _opens_a_price(words, i):  # "not over $500": the price's bound, nothing excluded
            i += 1
            while i < len(words) and free(i) and words[i] not in _RUN_ENDS \
                    and words[i] not in _NEGATIONS and _AMOUNT.search(words[i - 1]) is None:
                i += 1
            continue
        first = start = i
        n = 0  # (the run: n words from start)
        while i < len(words) and free(i) and words[i] not in _RUN_ENDS \
                and not (n and words[i] in _CUE_CLOSERS) \
                and not ((n or i > first) and words[i] in _NEGATIONS) \
                and not (not n and i > first and i + 1 < len(words)
                         and words[i + 1] in _NEGATIONS) \
                and not (n and _a_numbered_name(words, i) and not (
                    brand is not None and brand(" ".join(words[start:i])))):  # (another cue:
            #   a run of its own; a name with a number after the excluded words, a thing of
            #   the product searched, "laptop without touchscreen windows 11" excludes
            #   "touchscreen"; after a brand's name it is the brand's model: "laptop not hp
            #   pavilion 15", "laptop without dell xps 13")
            if words[i] in _JOINERS:  # the next item of the excluded list
                runs.append((start, start + n))
                start, n = i + 1, 0
            elif n < _MAX_RUN:
                n += 1
            i += 1
            if i - 1 in commas or i - 1 in closes:  # (what follows a "," may be said of the
                break  # product searched; a closing bracket or quote ends what it holds:
                #        "tv -(samsung) 55 inch": "samsung", :func:`_closes`)
        runs.append((start, start + n))  # (a cue after a joiner: the next item's, read
        #                                   as a cue of its own, "and not lg")
    runs = [(a, b) for a, b in runs if _run_words(" ".join(words[a:b]))]
    runs = [(a, _said_of_the_product(words, a, b)) for a, b in runs]
    out: list[tuple[int, int]] = []
    for a, b in runs:
        # nothing searched before the run (the cue opens the query, or an excluded list
        # before it): the product searched is named after what it excludes
        if b - a >= 2 and all(words[k] in EXCLUSION_LEAD_WORDS or words[k] in FUNCTION_WORDS
                              or any(x <= k < y for x, y in out) for k in range(a)):
            b = a + (_excluded_head(words, (a, b), brand, named, product, excluded,
                                    before=b < len(words) and not free(b)) or b - a)
        out.append((a, b))
    return out


#: words that, after the thing a cue excludes, say how the product searched is sold, used or
#: powered, not what the excluded thing is ("headphones without mic wireless", "syringe without
#: needle sterile", "jars without lids bulk", "antenna without cable outdoor"): the run ends
#: before them (:func:`_said_of_the_product`)
_PRODUCT_AFTER_WORDS = frozenset({"bulk", "sterile", "wireless", "cordless", "outdoor",
                                  "outdoors", "indoor", "waterproof", "rechargeable", "portable",
                                  "disposable", "reusable"})
#: words that make the word after them one of the excluded thing's name ("not true wireless")
_INTENSIFIERS = frozenset({"true", "truly", "fully", "totally", "completely", "100%", "all",
                           "very", "not", "non"})
#: the nouns of a count of the product ("set of 2", "pack of 6", "box of 100")
_COUNT_NOUNS = frozenset({"set", "sets", "pack", "packs", "pair", "pairs", "box", "boxes",
                          "bag", "bags", "lot", "case", "kit", "roll", "rolls", "dozen"})


def _said_of_the_product(words: Sequence[str], a: int, b: int) -> int:
    """The end of the run ``words[a:b]`` a cue excludes, without the words after the excluded
    thing that are said of the product searched: its last word, after another, when it is
    one of :data:`_PRODUCT_AFTER_WORDS` ("mic wireless", "needle sterile", "lids bulk"; not
    after an intensifier, "not true wireless"), or a count's noun before "of" and a number
    ("arms set" of "chair covers without arms set of 2").

    >>> [_said_of_the_product(q.split(), 2, 4) for q in (
    ...     "headphones without mic wireless", "jars without lids bulk", "tv not samsung qled",
    ...     "earbuds not true wireless")]
    [3, 3, 4, 4]
    >>> _said_of_the_product("covers without arms set of 2".split(), 2, 4)
    3
    """
    if b - a < 2:
        return b
    last = words[b - 1]
    if (last in _PRODUCT_AFTER_WORDS and words[b - 2] not in _INTENSIFIERS) or (
            last in _COUNT_NOUNS and words[b:b + 1] == ["of"]
            and b + 1 < len(words) and _AMOUNT.search(words[b + 1]) is not None):
        return b - 1
    return b


def _excluded_head(words: Sequence[str], run: tuple[int, int],
                   brand: Callable[[str], bool] | None,
                   named: Callable[[Sequence[str], tuple[int, int]], bool] | None,
                   product: Callable[[Sequence[str], tuple[int, int]], bool] | None = None,
                   excluded: Sequence[tuple[int, int]] = (), *, before: bool = False) -> int:
    """How many words opening a run of ``words`` a cue excludes, ``run``, with nothing
    searched before it, are what it excludes, the product searched named by the words after
    them: a colour (:func:`_colour_run`: "not black phone case", "not dark blue jeans"), or a
    brand's name (``brand``: "not samsung phone", "-samsung phone"); 0 when the run opens with
    neither, or when those words open a KG name with the words after them (``named``: "white"
    of "not white noise machine", "coffee" of "not coffee table": the whole run is one thing).
    Those words and the colour words after them up to such a name ("not red coffee table":
    "red") are the colour. The run stays whole where an excluded link's place (``excluded``)
    opens at the colour and goes past it ("not blue tooth speaker": Bluetooth), where a
    brand's name does (``brand``: "not green mountain coffee", the brand Green Mountain
    Coffee; with the product searched after it, whether the words at a span end with a KG
    category's name where ``product`` is given, that name is what it excludes), and where the
    run ends right before a mention the query searches (``before``: "not red bull energy
    drink" excludes "red bull", the words of the run no product); else the colour is what it
    excludes ("not grey couch": "grey", "not black phone case": "black").

    >>> _excluded_head("not black phone case".split(), (1, 4), None, None)
    1
    >>> _excluded_head("not samsung phone".split(), (1, 3), {"samsung"}.__contains__, None)
    1
    >>> name = lambda ws, sp: ws[sp[0]] == "coffee"
    >>> _excluded_head("not red coffee table".split(), (1, 4), None, name)
    1
    >>> _excluded_head("not coffee table".split(), (1, 3), {"coffee"}.__contains__, name)
    0
    >>> [_excluded_head("not red bull energy drink".split(), (1, 3), None, None, before=b)
    ...  for b in (True, False)]
    [0, 1]
    >>> case = lambda ws, sp: ws[sp[1] - 1] == "case"
    >>> _excluded_head("not green mountain coffee".split(), (1, 4),
    ...                {"green mountain coffee"}.__contains__, None, case)
    0
    """
    a, b = run

    def in_a_name(k: int, n: int = 1) -> bool:
        return named is not None and named(words, (k, k + n))

    n = min(_colour_run(words, a), b - a - 1)
    while n and not _names_a_colour(" ".join(words[a:a + n])):
        n -= 1
    if n:  # (the colour's words up to one that opens a name: "red coffee table": "red")
        n = next((k - a for k in range(a, a + n) if in_a_name(k)), n)
        if not n or not _names_a_colour(" ".join(words[a:a + n])):
            return 0
        if any(x <= a < y and y > a + n for x, y in excluded):
            return 0  # (an excluded link opens at the colour: "not blue tooth speaker")
        longer = next((k for k in (3, 2) if n < k <= b - a and brand is not None
                       and brand(" ".join(words[a:a + k]))), 0)
        if longer:  # (a brand: "not green mountain coffee")
            return longer if longer < b - a and (
                product is None or product(words, (a + longer, b))) else 0
        return 0 if before else n  # ("not red bull energy drink": the run is no colour)
    if brand is None:
        return 0
    n = next((n for n in (3, 2, 1) if n < b - a and brand(" ".join(words[a:a + n]))), 0)
    return n if n and not in_a_name(a, n) else 0


def _excluded_texts(query: str, words: Sequence[str], runs: Sequence[tuple[int, int]],
                    links: Mapping[str, Sequence[tuple[int, int]]],
                    no_cues: Collection[tuple[int, int]] = ()) -> list[Excluded]:
    """What ``query`` excludes, as :class:`Excluded` words of it in the order of the query:
    each run a cue excludes (``runs``: :func:`_excluded_spans` of its ``words``) and each
    place of an excluded link (``links``: the places :func:`excluded_links` excluded it at)
    that no run holds ("non samsung": "non" excludes brands only, so no run; "blue" of "not
    red, blue or green": a run ends at a ","). Each without the words that open it and name
    nothing of what is excluded: fillers ("isn't an ipad"), function words, a maker phrase
    ("not made by sony": "sony") and, in a link's place, the cue the tagger took into its
    span ("non samsung"); the run keeps its other words ("not made in china"). ``iri``: the
    one excluded link whose place holds the words. A run that starts in a span of
    ``no_cues`` (offsets into ``query``: a span whose cue the caller reads as a word of a
    name) is none; the excluded links it holds are.

    >>> q = "phone not from samsung or -lg"
    >>> words = _query_words(q)
    >>> [(x.text, x.iri) for x in _excluded_texts(q, words, [(2, 4)], {"s": [(3, 4)]})]
    [('samsung', 's')]
    >>> [(x.text, x.start) for x in _excluded_texts(q, words, [], {"lg": [(5, 7)]})]
    [('lg', 27)]
    """
    if not runs and not links:
        return []
    offsets = _query_word_offsets(query)
    if len(offsets) != len(words):  # (one reading of the text: never)
        logger.warning("the words of %r are not those of its offsets: no excluded words", query)
        return []
    runs = [(a, b) for a, b in runs if not any(x <= offsets[a][0] < y for x, y in no_cues)]

    def trim(a: int, b: int, cues: bool) -> tuple[int, int]:
        while b - a > 1 and (
                words[a] in _FILLERS or words[a] in _MAKER_WORDS or not _run_words(words[a])
                or words[a] == "even"
                or (cues and words[a] in _NEGATIONS)
                or (words[a] in _MADE_WORDS and words[a + 1] in _MAKER_WORDS)):
            a += 1
        while b - a > 1 and not _run_words(words[b - 1]):
            b -= 1
        return a, b

    found = {trim(a, b, False) for a, b in runs} | {
        trim(*p, True) for at in links.values() for p in at
        if not any(a < p[1] and p[0] < b for a, b in runs)}
    out: list[Excluded] = []
    for a, b in sorted(found):
        named = {iri for iri, at in links.items() for p in at if p[0] <= a and b <= p[1]}
        start, end = offsets[a][0], offsets[b - 1][1]
        free_from = free_from_words(" ".join(words[a:b]))
        out.append(Excluded(query[start:end], start, end,
                            next(iter(named)) if len(named) == 1 and not free_from else None,
                            free_from))
    return out


def _brand_role(words: Sequence[str], span: tuple[int, int] | None,
                others: Sequence[tuple[int, int]] = ()) -> str | None:
    """``"negated"`` ("not samsung", "anything but samsung", "other than samsung",
    :func:`_negated`; ``others``: the other mentions' spans), ``"fits"`` ("case for samsung",
    "compatible with lg") or None, from the words before the brand's ``span``. "for" after a
    search word is no fits word ("i'm looking for a samsung tv", "shopping for sony
    headphones": :data:`fusion.patterns.NOT_FITTED`, as for a fitted category): the brand is
    that of the product searched, unless an accessory word makes it the device the accessory
    fits ("looking for a samsung phone case": :func:`_names_a_device_it_fits`). After another
    word "for" stays a fits word, an UP boost, the safe reading of a purpose ("organic
    cleaning for tile": the floor's, not the tracker maker Tile).

    >>> _brand_role("case for samsung".split(), (2, 3))
    'fits'
    >>> _brand_role("i'm looking for a samsung tv".split(), (4, 5))
    """
    if span is None:
        return None
    if _negated(words, span, _NEGATIONS, others, maker=True):
        return "negated"
    j = _cue_position(words, span[0])
    if j < 0 or words[j] not in _FITS:
        return None
    k = j - 1  # the word before "for", fillers skipped
    while k >= 0 and words[k] in _FILLERS:
        k -= 1
    if words[j] == "for" and k >= 0 and words[k] in NOT_FITTED:
        return None  # ("looking for a samsung tv": the TV is searched)
    return "fits"


#: words saying who makes what is searched, anywhere in the query: "third party" (Best Buy's
#: own wording, "smartwatch bands fitbit third party"), "aftermarket": not the brand named, so
#: the brand is the device the product fits; "first party", "oem", "official": the brand named
#: makes it ("apple watch accessories apple first party")
_THIRD_PARTY = frozenset({("third", "party"), ("3rd", "party"), ("third-party",), ("3rd-party",),
                          ("thirdparty",), ("aftermarket",), ("after-market",)})
_FIRST_PARTY = frozenset({("first", "party"), ("1st", "party"), ("first-party",),
                          ("1st-party",), ("oem",), ("official",)})


def _party_cue(words: Sequence[str]) -> str | None:
    """``"third"`` where the query says a third party makes what it searches ("... third
    party", "3rd-party", "aftermarket"), ``"first"`` where it says the brand named does ("first
    party", "oem", "official"), else None (both: None).

    >>> [_party_cue(q.split()) for q in ("fitbit bands third party", "apple watch bands 1st party",
    ...                                  "aftermarket gopro mount", "a party speaker")]
    ['third', 'first', 'third', None]
    """
    found = {side for i, w in enumerate(words) for side, cue in _PARTY_CUES.get(w, ())
             if tuple(words[i:i + len(cue)]) == cue}
    return found.pop() if len(found) == 1 else None


def _cues_by_first_word() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The cues of :func:`_party_cue` by their first word, each with its side: a query's words
    are looked up, not every cue compared at every word."""
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for side, cues in (("third", _THIRD_PARTY), ("first", _FIRST_PARTY)):
        for cue in cues:
            out.setdefault(cue[0], []).append((side, cue))
    return out


_PARTY_CUES = _cues_by_first_word()


def _comparison_owners(kg: _KG, iri: str) -> frozenset[str]:
    """The brands (their :func:`kg.link.brand_key`) whose product line a linked category or product
    is, for a comparison: :func:`_line_owner`, else the grounded brand its name holds (Apple
    Watch: Apple's); none where none is known. (The brands sold in a category are no owner:
    a category a few brands sell in may be anyone's, "samsung tv or monitor".)"""
    owner = _line_owner(kg, iri)
    if owner is not None or kg.kind(iri) != "category":
        return frozenset({owner} if owner is not None else ())
    label = normalize_key(kg.label(iri)).split()
    brands = grounded_brands(kg.g)
    return frozenset(key for i in range(len(label)) for j in range(i + 1, len(label) + 1)
                     if (key := brand_key(" ".join(label[i:j]))) in brands)


def _a_line_of(kg: _KG, node: str, brand: str) -> bool:
    """Whether the linked category, product type or product ``node`` is a product line of the
    linked ``brand``: a product of it, a category whose name holds the brand's ("Apple
    Watch"), or one on whose path below its department the brand is sold (iPad, MacBook under
    MacBooks: Apple's ``sells_in``). The KG's ``sells_in`` edges are partial, so this is no
    proof the brand makes the line, only that "apple ipad" names one thing
    (:func:`excluded_links`' ``line_of``).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", kind="brand", label="Apple")
    >>> g.add_node("w", kind="category", label="Apple Watch", path="Wearables > Apple Watch")
    >>> g.add_node("t", kind="category", label="Tablets", path="Computers > Tablets")
    >>> kg = _KG(g)
    >>> _a_line_of(kg, "w", "a"), _a_line_of(kg, "t", "a")
    (True, False)
    """
    name = brand_key(_brand_facts(kg, brand)[0])
    if kg.kind(node) == "product":
        return any(brand_key(kg.label(b)) == name for b in kg.out(node, "has_brand"))
    label = normalize_key(kg.label(node)).split()
    if name and any(brand_key(" ".join(label[i:j])) == name
                    for i in range(len(label)) for j in range(i + 1, len(label) + 1)):
        return True
    sold = set(_brand_facts(kg, brand)[1])
    cats = _own_categories(kg, node) if kg.kind(node) in ("category", "product_type") \
        else frozenset()
    return any(up in sold for c in cats for up in _path_up(kg, c)
               if ">" in (kg.path(up) or ""))  # (not the department: "not samsung audio")


def _family_owners(kg: _KG, brand: str, cross: Callable[[str], bool]) -> frozenset[str]:
    """The grounded brands (their :func:`kg.link.brand_key`) whose product family the name of
    the linked ``brand`` is too: a category of the label space (not ``cross``) whose name holds
    the brand's name beside another grounded brand's ("galaxy", a car-cover brand the store
    sells nothing under, is Samsung's family Samsung Galaxy). A link by such a name names that
    family as much as the brand, so it does not rule the family's maker out of the expansions.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("s", kind="brand", label="Samsung")
    >>> g.add_node("x", kind="brand", label="Galaxy")
    >>> g.add_node("c", kind="category", label="Samsung Galaxy", path="Phones > Samsung Galaxy")
    >>> g.add_node("t", kind="category", label="TVs", path="TV > TVs")
    >>> _ = g.add_edge("s", "t", relation="sells_in")
    >>> sorted(_family_owners(_KG(g), "x", lambda c: False))
    ['samsung']
    """
    name = normalize_key(kg.label(brand))
    words = _words(name)
    if not words:
        return frozenset()
    index = _word_categories(kg)
    cats = frozenset.intersection(*(index.get(w, frozenset()) for w in words))
    own = brand_key(name)
    return frozenset(o for c in cats if not cross(c)
                     and f" {name} " in f" {normalize_key(kg.label(c))} "
                     for o in _comparison_owners(kg, c) if o != own)


def _non_brand(kg: _KG, e: LinkedEntity, linked: Sequence[LinkedEntity]) -> LinkedEntity:
    """The link ``e``, or, for a node other than a brand whose name is "non" and a grounded
    brand's name ("Non-apple") linked from the words "non" and that name ("non apple"), the
    link of that brand (same score, label and mention): the mention opens with the cue "non",
    so the expansion excludes the brand (a DOWN boost), as it does in "non samsung phone";
    "non-apple", one word typed, is those two words (:data:`_NON_WORD`). Not where the query
    links the brand already."""
    if kg.kind(e.iri) == "brand" or not e.mention:
        return e
    name = kg.label(e.iri).replace("-", " ").split()
    if len(name) < 2 or normalize_key(name[0]) != "non":
        return e  # (most links: no word of the mention read)
    mention = _query_words(e.mention)
    if mention[:1] != ["non"] or brand_key(" ".join(name[1:])) != brand_key(
            " ".join(mention[1:])):
        return e
    brand = grounded_brands(kg.g).get(brand_key(" ".join(name[1:])))
    if brand is None or any(o.iri == brand for o in linked):
        return e
    return LinkedEntity(brand, "brand", e.score, e.label, e.mention)


class _Exclusions(NamedTuple):
    """What a query's negation cues exclude, read once (:func:`_exclusions`)."""

    words: list[str]  # the query's words (:func:`_query_words`)
    spans: dict[str, tuple[int, int] | None]  # each link's mention among them
    commas: frozenset[int]  # (:func:`_commas`)
    others: dict[str, list[tuple[int, int]]]  # for each link, the other mentions' places
    places: list[list[tuple[int, int]]]  # every place each link is named at
    negated: frozenset[str]  # the links the query excludes
    negated_at: dict[str, list[tuple[int, int]]]  # where each is excluded
    runs: list[tuple[int, int]]  # the runs of words the cues exclude
    food_colours: frozenset[str]  # the excluded colours that are words of a food's name
    bare: frozenset[str]  # the excluded links that name nothing excluded (:func:`_too_bare`)


def _exclusions(g: _KG, query: str, linked: Sequence[LinkedEntity]) -> _Exclusions:
    """What the negation cues of ``query`` exclude of it, ``linked`` its links as
    :func:`expand` reads them: the query's words (marks glued to a word's edges dropped, as the
    parser trims its spans: "tv not samsung." names Samsung), each linked mention's place among
    them, the links the query excludes (:func:`excluded_links`: "not black", "speaker not
    headphones") and where, and each run of words a cue excludes, linked or not ("tv not 4k":
    :func:`_excluded_spans`)."""
    words = _query_words(query)
    spans = {e.iri: _find_mention(words, e.mention or g.label(e.iri)) for e in linked}
    commas = _commas(query)
    # the other mentions' places, for each linked mention, and every place each is named at
    # (:func:`_mention_places`: computed once, for the exclusions, the words they exclude and
    # the colour words of a name)
    others = {e.iri: [sp for o in linked if o.iri != e.iri and (sp := spans[o.iri])]
              for e in linked}
    places = [_mention_places(words, e.mention or g.label(e.iri), spans[e.iri], others[e.iri])
              for e in linked]
    negated_at: dict[str, list[tuple[int, int]]] = {}
    negated = excluded_links(query, linked, kind=g.kind, name=g.label, commas=commas,
                             words=words, spans=spans, others=others,
                             places={e.iri: at for e, at in zip(linked, places, strict=True)},
                             attribute=lambda iri: g.g.nodes[iri].get("attribute"),
                             line_of=lambda node, brand: _a_line_of(g, node, brand),
                             at=negated_at)
    if not negated and _cue_free(words):
        # (most queries: no cue, no link a cue: nothing excluded, no run, no food colour, no
        # namesake, as the readings below find)
        return _Exclusions(words, spans, commas, others, places, negated, negated_at, [],
                           frozenset(), frozenset())
    brands = _brand_keys(g)
    # an excluded colour that is a word of a food's or a care product's name, as the colour
    # filter reads it (:func:`_a_consumable_colour`: "not green tea flavored", "candy not
    # pink lemonade"): the cue excludes that food, no colour of the products (the expansion
    # makes no DOWN boost of it), and a run it opens is the food's name, not the colour alone
    colour_links = [e for e in linked if g.kind(e.iri) == "attribute_value" and str(
        g.g.nodes[e.iri].get("attribute") or "").lower() in _COLOUR_LABELS]
    food_colours: frozenset[str] = frozenset()
    if any(e.iri in negated for e in colour_links):
        things = [e.iri for e in linked if e.iri not in negated
                  and g.kind(e.iri) in ("category", "product_type")]
        colour_places = [p for e, at in zip(linked, places, strict=True) if e in colour_links
                         for p in at]
        brand_places = [p for e, at in zip(linked, places, strict=True)
                        if g.kind(e.iri) in ("brand", "product") for p in at]
        food_colours = frozenset(
            e.iri for e in colour_links if e.iri in negated and negated_at.get(e.iri)
            and _a_consumable_colour(g, words, negated_at[e.iri], colour_places, things,
                                     brand_places))
    food_at = {k for iri in food_colours for p in negated_at[iri] for k in range(*p)}

    def named(ws: Sequence[str], span: tuple[int, int]) -> bool:
        """Whether the words at ``span`` open a KG name with the words after them: one a
        colour word opens (:func:`_in_a_name`, "white noise machine") or a category's
        ("coffee table", "kids shoes"), or a food's name an excluded colour opens
        (``food_colours``: "green tea")."""
        cats = _category_words(g)
        return span[0] in food_at or _in_a_name(g, ws, span) or any(
            _words(" ".join(ws[span[0]:c])) in cats
            for c in range(span[1] + 1, min(len(ws), span[0] + _MAX_BANNED_WORDS) + 1))

    def product(ws: Sequence[str], span: tuple[int, int]) -> bool:
        """Whether the words at ``span`` end with a KG category's name ("phone case",
        "jeans"; not "bull" of "red bull", nor "tea flavored")."""
        cats = _category_words(g)
        return any(_words(" ".join(ws[k:span[1]])) in cats for k in range(span[0], span[1]))

    # an excluded colour word opening a KG name with the words after it ("not coffee table",
    # "not white noise machine": the tagger linked the colour alone) excludes that name: the
    # mentions of its other words are the run's words
    colours = [p[1] - 1 for e in linked if e.iri in negated
               and str(g.g.nodes[e.iri].get("attribute") or "").lower() in _COLOUR_LABELS
               for p in negated_at.get(e.iri, ())]

    def of_a_name(p: tuple[int, int]) -> bool:
        """Whether a mention at ``p`` closes a KG name an excluded colour word opens."""
        return any(c + 1 == p[0] and (
            _name_words(" ".join(words[c:p[1]])) in _colour_named(g)
            or _words(" ".join(words[c:p[1]])) in _category_words(g)) for c in colours)

    # such a mention names what is excluded: its link is excluded there, the name's place
    # from the colour on ("not coffee table": Coffee Tables at "coffee table", no walk of its
    # tree, a DOWN boost)
    names = {e.iri: [(next(c for c in colours if c + 1 == p[0]), p[1]) for p in at]
             for e, at in zip(linked, places, strict=True)
             if e.iri not in negated and at and all(of_a_name(p) for p in at)}
    taken = [p for e, at in zip(linked, places, strict=True)
             if e.iri not in negated and e.iri not in names for p in at if not of_a_name(p)]
    # the brands a bracket or a quote after a "-" holds with an excluded link, nothing else
    # but joiners, are excluded too ("tv -(samsung lg)": Samsung and LG, no LG filter); a run
    # ends before each (``taken``), whose place the excluded words name
    held = [r for r in _minus_brackets(query)
            if any(r[0] <= x and y <= r[1] for at in negated_at.values() for x, y in at)] \
        if negated_at else []  # (no place excluded: no group holds one)
    listed = {e.iri: at for e, at in zip(linked, places, strict=True)
              if e.iri not in negated and e.iri not in names and at and g.kind(e.iri) == "brand"
              and all(any(r0 <= p[0] and p[1] <= r1 for r0, r1 in held) for p in at)}
    if listed:
        cover = {k for at in (*negated_at.values(), *listed.values()) for p in at
                 for k in range(*p)}
        listed = {iri: at for iri, at in listed.items() if all(
            k in cover or words[k] in _JOINERS for r0, r1 in held
            if any(r0 <= p[0] and p[1] <= r1 for p in at) for k in range(r0, r1))}
    negated_at.update(names)
    negated_at.update(listed)
    negated = negated | frozenset(names) | frozenset(listed)
    runs = [] if _cue_free(words) else _excluded_spans(  # (no cue: no run, read no further)
        words, commas, taken,
        brand=lambda text: brand_key(text) in brands, named=named, product=product,
        excluded=[p for at in negated_at.values() for p in at],
        closes=_closes(query) | _span_ends(
            words, [e for e in linked if e.iri not in food_colours and str(
                g.g.nodes[e.iri].get("attribute") or "").lower() not in _COLOUR_LABELS],
            spans, negated, commas, negated_at))
    bare = frozenset(iri for iri in negated if _too_bare(
        words, negated_at.get(iri, ()), g.g.nodes[iri].get("attribute"))) \
        | _outside_the_product(g, words, linked, places, negated, negated_at, runs)
    return _Exclusions(words, spans, commas, others, places, negated, negated_at, runs,
                       food_colours, bare)


def _span_ends(words: Sequence[str], linked: Sequence[LinkedEntity],
               spans: Mapping[str, tuple[int, int] | None], negated: Collection[str],
               commas: Collection[int],
               negated_at: Mapping[str, Sequence[tuple[int, int]]] | None = None
               ) -> frozenset[int]:
    """The positions among ``words`` of the last words of the excluded links' mentions that
    open with their cue (the tagger's span "without cable" of "antenna without cable
    outdoor"): what the cue excludes ends there, the next word is a span of its own, said of
    the product searched ("outdoor"); not before a joiner or after a "," (a list goes on: "not
    red or blue"), nor where an excluded place (``negated_at``) goes on past it (a KG name
    the excluded word opens: "not coffee table"). The caller leaves out the colours, whose
    runs name what they open (:func:`_excluded_head`).

    >>> red = LinkedEntity("color/red", "attribute_value", 0.9, "color", "not red")
    >>> words = "case not red outdoor".split()
    >>> sorted(_span_ends(words, [red], {"color/red": (1, 3)}, {"color/red"}, ()))
    [2]
    >>> sorted(_span_ends("case not red or blue".split(), [red], {"color/red": (1, 3)},
    ...                   {"color/red"}, ()))
    []
    """
    out = set()
    for e in linked:
        sp = spans.get(e.iri)
        if e.iri not in negated or sp is None or sp[1] - sp[0] < 2 or sp[1] >= len(words):
            continue
        if words[sp[0]] in _NEGATIONS and words[sp[1]] not in _JOINERS \
                and sp[1] - 1 not in commas and not any(
                    x < sp[1] < y for at in (negated_at or {}).values() for x, y in at):
            out.add(sp[1] - 1)
    return frozenset(out)


#: the most products of a linked value read for the departments it is a value in
#: (:func:`_value_departments`)
_MAX_VALUE_PRODUCTS = 200


def _value_departments(g: _KG, iri: str) -> frozenset[str]:
    """The departments of the categories of (up to :data:`_MAX_VALUE_PRODUCTS` of) the
    products that have the attribute value ``iri``: where the value is one."""
    return frozenset(d for p in g.into(iri, "has_value", _MAX_VALUE_PRODUCTS)
                     for c in g.out(p, "in_category") if (d := g.department(c)))


def _named_as_written(g: _KG, iri: str, words: Sequence[str],
                      at: Sequence[tuple[int, int]]) -> bool:
    """Whether the words of each place ``at`` of a link, but cues and fillers, are the node's
    name, or an item of a name that lists several ("rice": Grains, Rice & Cereal), word for
    word, plurals folded ("chain": Chains; not "stop": Door Stops, "borders": Garden Borders &
    Edging, "lines": A-line, whose "a" is a word of the name).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("c", kind="category", label="Chains")
    >>> g.add_node("a", kind="attribute_value", label="A-line")
    >>> kg, words = _KG(g), "pendants without chain lines".split()
    >>> _named_as_written(kg, "c", words, [(1, 3)]), _named_as_written(kg, "a", words, [(3, 4)])
    (True, False)
    """
    label = normalize_key(g.label(iri)).replace("-", " ")
    names = {(_name_words(item), len(item.split()))
             for item in (label, *re.split(r",|&|\band\b", label)) if item.strip()}
    for a, b in at:
        said = [w for w in words[a:b] if w not in _NEGATIONS and w not in _FILLERS]
        if (_name_words(" ".join(said)), len(said)) not in names:
            return False
    return bool(at)


def _outside_the_product(g: _KG, words: Sequence[str], linked: Sequence[LinkedEntity],
                         places: Sequence[Sequence[tuple[int, int]]], negated: Collection[str],
                         negated_at: Mapping[str, Sequence[tuple[int, int]]],
                         runs: Sequence[tuple[int, int]]) -> frozenset[str]:
    """The excluded categories and values the excluded words were linked to in a domain the
    KG does not place the query's product in: they stay excluded, with no DOWN boost, and name
    no node (as :func:`_too_bare`'s). The product's departments are those of the categories
    the query's other product links stand for and of the categories whose names hold a word
    of the query outside what it excludes and the other links' mentions ("badges": Apparel &
    Accessories). Such a link is one of one word to a longer name ("stop": Door Stops,
    "borders": Garden Borders & Edging, "lines": the dress type A-line; not an item of a name
    that lists several, "rice": Grains, Rice & Cereal) whose department is none of them, or,
    a value, that no product of theirs has; or any such link where the query names no product
    the KG places ("copper coupling without stop"). A longer mention is trusted ("airpod not
    charging case": Wireless Charging Cases), and so is one the product's departments hold
    ("belts without buckle": Belt Buckles), one whose name's other words the query says
    ("other than apple watch": Apple Watch), and one named as written: whether "chain" of
    "silver pendants without chain" is Hardware's Chains is the intent's to judge (the
    expansion's namesakes, with the label space's departments).
    """
    outside = [e for e in linked if e.iri in negated and negated_at.get(e.iri)
               and g.kind(e.iri) in ("category", "attribute_value")]
    if not outside:
        return frozenset()
    products = ("category", "product_type", "product")
    depts: set[str] = set()
    held: set[int] = {k for a, b in runs for k in range(a, b)}
    for e, at in zip(linked, places, strict=True):
        if e.iri in negated or g.kind(e.iri) not in products:
            held.update(k for p in at for k in range(*p))
            continue
        cats = g.out(e.iri, "in_category") if g.kind(e.iri) == "product" \
            else _own_categories(g, e.iri)
        depts.update(d for c in cats if (d := g.department(c)))
    index = _word_categories(g)
    depts.update(d for k, w in enumerate(words) if k not in held and w not in _NEGATIONS
                 and w.isalpha() for stem in _words(w) for c in index.get(stem, ())
                 if (d := g.department(c)))
    out = set()
    for e in outside:
        at = negated_at[e.iri]
        said = [_words(" ".join(w for w in words[a:b] if w not in _NEGATIONS)) for a, b in at]
        if _named_as_written(g, e.iri, words, at) or any(len(stems) != 1 for stems in said):
            continue  # (as written, "chain"; a longer mention, "charging case")
        rest = _words(g.label(e.iri)) - frozenset().union(*said)
        if rest and rest <= _words(" ".join(words)):
            continue  # (the query names the rest: "smartwatch other than apple watch")
        placed = (g.department(e.iri) in depts) if g.kind(e.iri) == "category" \
            else bool(_value_departments(g, e.iri) & depts)
        if not placed:
            out.add(e.iri)
    return frozenset(out)


#: a clothing letter size, as the size patterns read one (:mod:`fusion.patterns`: "s", "m",
#: "xl", "xxs", "3xl")
_LETTER_SIZE = re.compile(r"x{0,3}[sl]|m|[2-5]xl")


def _too_bare(words: Sequence[str], at: Sequence[tuple[int, int]],
              attribute: str | None = None) -> bool:
    """Whether an excluded link, excluded at the places ``at`` among ``words`` (a value of
    the attribute ``attribute``), names nothing the query excludes: at each place, its words
    but the cue and fillers are one letter (:func:`one_letter`: "not w", "no b", "-l": as
    often a word being typed, "not whirlpool", as a one-letter brand or size; not a digit,
    "shoes not 9"), or, for a size, a clothing letter
    size (:data:`_LETTER_SIZE`) of several letters in a query naming no clothing (as the size
    patterns read them: "tv not xl", not "shirt not xl"); never a size with the word "size"
    beside it ("tv not size m"). It stays excluded (no filter, no UP boost), with no
    DOWN boost, and its excluded words name no node (two letters do: "tv not lg", "no ge").

    >>> _too_bare("refrigerator not w".split(), [(1, 3)]), _too_bare("tv not lg".split(), [(2, 3)])
    (True, False)
    >>> [_too_bare(q.split(), [(2, 3)], "size") for q in ("tv not xl", "shirt not xl")]
    [True, False]
    >>> _too_bare("shirt not size m".split(), [(3, 4)], "size")
    False
    """
    if not at:
        return False
    clothing = bool(_CLOTHING_WORD.search(" ".join(words)))
    for a, b in at:
        said = [w for w in words[a:b] if w not in _NEGATIONS and w not in _FILLERS
                and any(ch.isalnum() for ch in w)]
        size = str(attribute or "").lower() == "size"
        if len(said) != 1 or (size and any(w in _SIZE_WORDS
                                           for w in words[max(0, a - 1):b + 1])):
            return False  # (more words, or a size said: "not size m")
        if one_letter(said[0]):
            continue
        if not size or not _LETTER_SIZE.fullmatch(said[0]) or clothing:
            return False
    return True


def may_exclude(query: str) -> bool:
    """Whether ``query`` has a word that may open a negation (:data:`_OPENS_EXCLUSION`: "not",
    "no", "without", "-samsung"'s minus ...): without one, :func:`excluded_words` finds
    nothing, and a caller need not prepare its arguments.

    >>> may_exclude("tv not samsung"), may_exclude("tv -samsung"), may_exclude("samsung tv")
    (True, True, False)
    """
    return not _OPENS_EXCLUSION.isdisjoint(
        w.replace("\u2019", "'") for w in _query_words(query))


def excluded_words(kg: Any, query: str, linked: Sequence[LinkedEntity], *,
                   no_cues: Collection[tuple[int, int]] = ()) -> list[Excluded]:
    """The words of ``query`` its negation cues exclude, as :func:`expand` reads them
    (:attr:`ExpansionResult.excluded`, whatever the intent: ``iri`` set by the links alone),
    ``linked`` the query's links, on the KG ``kg`` (a :class:`kg.ProductGraph` or a networkx
    view); ``no_cues`` as :func:`expand`'s. Judged before the intent, which reads the query
    without them and their cues (``parser.pipeline.intent_text``). A query without a word that
    may open a negation (:data:`_OPENS_EXCLUSION`) has none (not read further).

    >>> from kg import Node, NodeKind, ProductGraph
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
    >>> [(x.text, x.start) for x in excluded_words(g, "tv not samsung", [LinkedEntity(
    ...     "https://kgqp.dev/id/brand/samsung", "brand", 0.9, "creator", "samsung")])]
    [('samsung', 7)]
    >>> [x.text for x in excluded_words(g, "tv sans 4k", [])]
    ['4k']
    """
    if not may_exclude(query):
        return []  # (most queries; "-samsung" reads "minus", a cue)
    g = _KG(as_networkx(kg), kg)
    linked = [e for e in linked if e.iri in g.g and e.iri not in g.unlinkable and not _a_cue(e)]
    linked = [_non_brand(g, e, linked) for e in linked]
    x = _exclusions(g, query, linked)
    return [replace(t, iri=None) if t.iri in x.bare else t
            for t in _excluded_texts(query, x.words, x.runs, x.negated_at, no_cues)]


def query_exclusions(kg: Any, query: str, linked: Sequence[LinkedEntity]) -> frozenset[str]:
    """The IRIs of the links ``linked`` that the query ``query`` excludes, judged as
    :func:`expand` judges them on the KG ``kg`` (a :class:`kg.ProductGraph` or a networkx
    view): :func:`excluded_links` with the nodes' kinds, names and attributes, a brand's line
    named right after the excluded brand ("tablet not apple ipad": iPad too, :func:`_a_line_of`)
    and a node named "non" + a brand's name read as that brand ("non apple" -> "Non-apple":
    :func:`_non_brand`). The parse's intent reads the links but these
    (:func:`parser.pipeline.intent_links`): the two stages must agree, or the intent is
    pulled toward what the expansion demotes.

    >>> from kg import Node, NodeKind, ProductGraph
    >>> g = ProductGraph.in_memory()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
    >>> sorted(query_exclusions(g, "phone not samsung", [LinkedEntity(
    ...     "https://kgqp.dev/id/brand/samsung", "brand", 0.9, "creator", "samsung")]))
    ['https://kgqp.dev/id/brand/samsung']
    """
    if not linked:
        return frozenset()
    g = _KG(as_networkx(kg), kg)
    reading = [(e, _non_brand(g, e, linked) if e.iri in g.g else e) for e in linked]
    read = [r for _, r in reading]
    link_kind = {r.iri: r.kind for r in read}
    out = excluded_links(
        query, read, kind=lambda iri: g.kind(iri) or link_kind.get(iri),
        name=lambda iri: g.label(iri) if iri in g.g else "",
        attribute=lambda iri: g.g.nodes[iri].get("attribute") if iri in g.g else None,
        line_of=lambda node, brand: _a_line_of(g, node, brand))
    return frozenset(e.iri for e, r in reading if r.iri in out)
