"""Negation cues and what they negate: cue positions, negated mentions (:func:`_negated`), "no"
opening a compound (:func:`compound_no_words`), :func:`negated_spans`, :func:`excluded_items`
and free-from claims (:func:`free_from_words`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from fusion.expand.colours import _COLOUR_WORDS, _a_colour_phrase, _a_non_colour, _in_a_name
from fusion.expand.kgview import _KG
from fusion.expand.sizes import _SIZE_LABELS, _SIZE_NUMBER
from fusion.expand.words import (
    _CUE_CLOSERS,
    _DO_NEGATIONS,
    _FILLERS,
    _JOINERS,
    _LATER_NEGATIONS,
    _MADE_WORDS,
    _MAKER_NEGATIONS,
    _MAKER_WORDS,
    _MINUS_CUE,
    _NEGATIONS,
    _OPENING_MARKS,
    _PAIR_NEGATIONS,
    _PURPOSE_WORDS,
    _VALUE_NEGATIONS,
    _WANT_WORDS,
    CUE_WORDS,
    _query_word_offsets,
    _query_words,
    _token_words,
    _words,
)
from fusion.hetero import as_networkx
from fusion.patterns import spec_after
from fusion.types import LinkedEntity
from kg.index import EDGE_MARKS, normalize_key
from kg.link import DEFAULT_LABEL_KINDS

#: what a product is sold free of, its title saying so ("Sugar Free", "Sulfate-Free", "Non-GMO",
#: "Caffeine Free", "Fluoride-Free", "Pulp Free", "Tear Free", "Gluten Free"): ingredients,
#: additives, allergens and the claims a label makes of them. After a cue ("orange juice no
#: pulp", "shampoo no sulfates", "tea no caffeine", "non gmo snacks") they are no product to
#: leave out but the claim of the products wanted, whose titles hold the word: an
#: :class:`Excluded` ``free_from`` (:func:`free_from_words`), no DOWN boost on a node of that
#: name (the brands "caffeine", "G-MOS"; the category Bath Additives of "sweetener without
#: additives"). Measured on the QueryNER and Best Buy queries with a cue (34 of their 194
#: exclusions). Not "bleach" ("detergent without bleach": Bleach is a product of the query's
#: own aisle), "iron" (the appliance; "multivitamin without iron"), "nuts" ("bolts without
#: nuts"; "peanuts", "tree nuts" are), "plastic" or meats ("dog food without chicken": a title
#: names the meat it holds, not the one it lacks): a cue there leaves products out
_FREE_FROM = frozenset({
    "sugar", "sucrose", "fructose", "sweetener", "aspartame", "sucralose", "saccharin",
    "stevia", "corn syrup", "hfcs", "salt", "sodium", "msg", "gluten", "wheat", "grain",
    "dairy", "lactose", "casein", "milk", "egg", "soy", "peanut", "tree nuts", "yeast",
    "caffeine", "alcohol", "sulfite", "fluoride", "sulfate", "sulphate", "sls", "paraben",
    "phthalate", "fragrance", "perfume", "scent", "dye", "gmo", "preservative", "additive",
    "bpa", "latex", "formaldehyde", "cholesterol", "fat", "carb", "calorie", "nitrate",
    "nitrite", "hormone", "antibiotic", "pulp", "tears", "menthol", "creatine", "stimulant",
    "biotin", "iodine", "cornstarch", "carrageenan", "gelatin", "talc", "silicone",
    "mineral oil", "palm oil", "petroleum", "chlorine", "ammonia", "toxin", "chemical",
    "pesticide", "filler", "thc", "nicotine", "lanolin", "oxybenzone", "aluminum",
    "aluminium"})
#: words that make excluded words a free-from claim whatever they name ("no sugar added", "no
#: artificial colors", "without added salt")
_FREE_FROM_CLAIMS = frozenset({"added", "artificial"})


#: the words of :data:`_FREE_FROM`, each entry's plural-folded (:func:`_words`), in order
_FREE_FROM_STEMS = frozenset(tuple(s for w in x.split() for s in sorted(_words(w)))
                             for x in _FREE_FROM)
_FREE_FROM_CLAIM_STEMS = frozenset(s for w in _FREE_FROM_CLAIMS for s in _words(w))


def free_from_words(text: str) -> bool:
    """Whether ``text``, words a negation cue excludes (the cue and the fillers after it may
    open them), name what the products wanted are free of (:data:`_FREE_FROM`): their last
    word, or last two, are an ingredient, an additive or an allergen a label claims to be
    free of ("pulp", "sulfates", "caffeine", "gmo", "corn syrup"), or one of them is a word of
    such a claim ("sugar added", "artificial colors"); four content words at most. The titles
    of those products hold the words ("Pulp Free", "No Sugar Added"): an engine demotes them
    or matches the claim, it never leaves out every product that names them.

    >>> [free_from_words(t) for t in ("pulp", "no sulfates", "sugar added", "artificial colors")]
    [True, True, True, True]
    >>> [free_from_words(t) for t in ("4k", "dell", "bleach", "latex backing", "vitamin k")]
    [False, False, False, False, False]
    """
    stems = [s for w in _query_words(text)
             if w not in _NEGATIONS and w not in _CUE_FILLERS
             for s in sorted(_words(w))]  # (a word has one stem, a function word none)
    if not stems or len(stems) > 4:
        return False
    if _FREE_FROM_CLAIM_STEMS.intersection(stems):
        return True
    return tuple(stems[-1:]) in _FREE_FROM_STEMS or tuple(stems[-2:]) in _FREE_FROM_STEMS


def _cue_position(words: Sequence[str], at: int) -> int:
    """The position of the word :func:`_words_before` ends with: the word before position
    ``at``, up to two fillers right before it skipped (-1: none), "even" ("not even dell")
    and a word without a letter or digit ("tv not 😀 samsung") among them.

    >>> _cue_position("tablet that isn't an ipad".split(), 4)
    2
    >>> _cue_position("laptop not even dell".split(), 3), _cue_position("tv not 😀 lg".split(), 3)
    (1, 1)
    """
    j = at - 1
    while j > max(0, at - 3) and (words[j] in _FILLERS or words[j] == "even"
                                  or not any(ch.isalnum() for ch in words[j])):
        j -= 1
    return j


def _words_before(words: Sequence[str], at: int) -> tuple[str, ...]:
    """The (up to two) words before position ``at``, the fillers right before it skipped.

    >>> _words_before("case for my samsung galaxy".split(), 3)
    ('case', 'for')
    """
    j = _cue_position(words, at)
    return tuple(words[max(0, at - 3, j - 1):j + 1]) if j >= 0 else ()


#: words a "no" right before them makes a claim of the product searched, what it keeps from
#: happening, no thing to leave out: "gloves no scratch" (No-Scratch mittens), "dog harness no
#: pull", "sippy cup no spill", "cheesecake no bake": the titles hold the words
#: (:func:`_a_claim_or_a_fault`; not "iron", "tie", "drill": "multivitamin no iron", "suit no
#: tie", "tool set no drill" leave a thing out; nor "slip": "socks no slip" excludes Slips, as
#: tests/parser/test_pipeline.py has it; a "no" opening the query is the parser's to read, "no
#: touch thermometer")
_NO_CLAIM_WORDS = frozenset({"scratch", "skid", "show", "sew", "pull", "spill", "fade",
                             "smudge", "streak", "crease", "wrinkle", "rinse", "fog", "snag",
                             "squeak", "bake"})
#: the words before "or no" that make it an amount ("low or no sugar", "less or no sugar")
_AMOUNT_OR_NO = frozenset({"low", "less", "lower", "little", "reduced", "minimal"})
#: the particles after "not" and a verb's "-ing" form that make them a fault described, no thing
#: to leave out ("brake light not coming on", "tv not turning on", "fan not shutting off")
_FAULT_PARTICLES = frozenset({"on", "off", "up", "down", "out"})


def _a_claim_or_a_fault(words: Sequence[str], j: int) -> bool:
    """Whether the cue ``words[j]`` is a word of a claim of the product searched or of a fault
    the query describes, no exclusion: a "no" before a word of :data:`_NO_CLAIM_WORDS`
    ("newborn gloves no scratch"), a "no" after "low or", "less or" ... ("sure jell for less or
    no sugar": an amount, :data:`_AMOUNT_OR_NO`), a "not" before a verb's "-ing" form and a
    particle that end the query ("rear brake light not coming on", "tv not turning on") or
    before a "working" that ends it ("garage door opener not working").

    >>> [_a_claim_or_a_fault(q.split(), j) for q, j in (
    ...     ("newborn gloves no scratch", 2), ("sure jell for less or no sugar", 5),
    ...     ("brake light not coming on", 2), ("tv no samsung", 1), ("headphones not wireless", 1),
    ...     ("airpod not charging case", 1), ("multivitamin no iron", 1))]
    [True, True, True, False, False, False, False]
    """
    word = words[j]
    if word == "no":
        after = words[j + 1] if j + 1 < len(words) else ""
        return any(after[:len(after) - len(end)] in _NO_CLAIM_WORDS  # ("no scratches")
                   for end in ("", "s", "es") if after.endswith(end)) or (
            j >= 2 and words[j - 1] == "or" and words[j - 2] in _AMOUNT_OR_NO)
    if word != "not":
        return False
    rest = words[j + 1:]
    return (len(rest) == 2 and rest[0].endswith("ing") and len(rest[0]) > 4
            and rest[1] in _FAULT_PARTICLES) or rest == ["working"]


def _cue_at(words: Sequence[str], j: int, cues: frozenset[str]) -> bool:
    """Whether the word at position ``j`` is a negation cue of ``cues``: one of them (a curly
    apostrophe read as "'": "isn’t"; "avoid" not after a negation, "don't avoid"), and, for
    cues that hold "not" (the expansion's), a cue of :data:`_LATER_NEGATIONS` after another
    word ("phone never samsung"; not "never summer snowboard") or a verb of wanting after a
    negated "do" ("i don't want a samsung phone", "do not want refurbished").

    >>> [_cue_at(q.split(), j, _NEGATIONS) for q, j in (
    ...     ("phone isn’t samsung", 1), ("i don't want", 2), ("i really want", 2),
    ...     ("don't avoid samsung", 1))]
    [True, True, False, False]
    >>> _cue_at("never summer snowboard".split(), 0, _NEGATIONS)
    False

    A "not" after "me" is a word of a name: "forget me not necklace" (the flower) excludes
    nothing.
    """
    if not 0 <= j < len(words):
        return False
    word = words[j].replace("\u2019", "'")
    if word == "non" and word not in cues and _a_non_colour(words, j):
        return True  # ("non" before a colour, as before a brand: "non white shirt")
    if word in cues:
        if word == "not" and j >= 1 and words[j - 1] == "me":
            return False  # (a name's word: the flowers "forget me not", "touch me not")
        if _a_claim_or_a_fault(words, j):
            return False  # ("gloves no scratch", "light not coming on": nothing excluded)
        return not (word == "avoid" and j >= 1
                    and words[j - 1].replace("\u2019", "'") in _DO_NEGATIONS)
    if "not" not in cues:
        return False
    if word in _LATER_NEGATIONS:
        return j >= 1
    return word in _WANT_WORDS and j >= 1 \
        and words[j - 1].replace("\u2019", "'") in _DO_NEGATIONS


def _purpose_cue(words: Sequence[str], at: int) -> int | None:
    """Where the word that may negate a purpose phrase before position ``at`` is: the word
    before "for" ("not for men", "except for samsung"), or before "made for", "meant for" ...
    ("not made for kids"), the fillers after "for" skipped ("not for my son"); None when no
    "for" is right before the mention. "for" is no filler of :func:`_words_before`, where it
    makes a brand the device an accessory fits ("case for samsung"); only a cue right before
    the phrase makes it one of exclusion, so "no charger for iphone" (no charger, for an
    iPhone) and "not just for men" exclude nothing.

    >>> words = "watch not made for my son".split()
    >>> _purpose_cue(words, 5), _purpose_cue("no charger for iphone".split(), 3)
    (1, 1)
    >>> _purpose_cue("case for samsung".split(), 2), _purpose_cue("tv not samsung".split(), 2)
    (0, None)
    """
    j = at - 1
    while j >= 1 and words[j] in _FILLERS:
        j -= 1
    if j < 1 or words[j] != "for":
        return None
    j -= 1
    if j >= 1 and words[j] in _PURPOSE_WORDS:
        j -= 1
    return j


def _read_as_brand(label: str | None) -> bool:
    """Whether the tagger read the mention as a brand (``creator``, ``brand``, ``HP``: labels
    that link brands only); an unknown label (None: a caller without a tagger) counts as one."""
    return label is None or DEFAULT_LABEL_KINDS.get(label) == ("brand",)


def _excluded_maker(words: Sequence[str], at: int, cues: frozenset[str]) -> bool:
    """Whether the words before position ``at`` exclude the maker they name: a negation, then
    "from" or "by" (after "made", "manufactured" ...): "phone not from samsung", "headphones
    not made by sony", "tv nothing from lg", "no phones from samsung" ("no" and one word). A
    maker phrase with no negation before it asks for the brand ("headphones made by sony").

    >>> _excluded_maker("headphones not made by sony".split(), 4, _NEGATIONS)
    True
    >>> _excluded_maker("no phones from samsung".split(), 3, _NEGATIONS)
    True
    >>> _excluded_maker("headphones made by sony".split(), 3, _NEGATIONS)
    False
    """
    i = at
    if i < 2 or words[i - 1] not in _MAKER_WORDS:
        return False
    i -= 1
    if words[i - 1] in _MADE_WORDS:
        i -= 1
    if i >= 1 and (_cue_at(words, i - 1, cues) or words[i - 1] in _MAKER_NEGATIONS):
        return True
    # "no phones from samsung": "no", one word (what is not wanted from the maker), the maker
    return i >= 2 and words[i - 2] == "no" and "no" in cues \
        and words[i - 1] not in _JOINERS and words[i - 1] not in _FILLERS


def _negated(words: Sequence[str], span: tuple[int, int] | None,
             cues: frozenset[str] = _NEGATIONS,
             others: Sequence[tuple[int, int]] = (), *, maker: bool = False) -> bool:
    """Whether the words before a mention's ``span`` (or its own first words, when the tagger
    took the cue into the span: "not black", "anything but lg") put it out of the search:
    "not samsung", "no black", "anything but samsung", "other than samsung", a negated purpose
    phrase ("not for men", "not made for kids": :func:`_purpose_cue`); with ``maker``
    (a brand), also a negated maker phrase before it: "not from samsung", "not made by sony",
    "nothing from lg" (:func:`_excluded_maker`).

    >>> _negated("phone case not black".split(), (3, 4)), _negated("black case".split(), (0, 1))
    (True, False)
    >>> _negated("phone not from samsung".split(), (3, 4), maker=True)
    True
    >>> _negated("samsung phone not from china".split(), (0, 1), maker=True)
    False
    """
    if span is None:
        return False
    at, end = span
    if maker:  # (the tagger may take the maker word into the span: "by sony")
        first = at + 1 if at + 1 < end and words[at] in _MAKER_WORDS else at
        if _excluded_maker(words, first, cues):
            return True
    for i in (at, at + 1, at + 2):  # the cue before the mention, or its first words
        if i > end:
            break
        # (two-word cues, the fillers after them skipped before the mention: "tablet other
        # than an ipad", "headphones instead of sony")
        if (i == at or (i < end and i - 2 >= at)) and any(  # (a cue the span holds: at its
                k >= 2 and (tuple(words[k - 2:k]) in _PAIR_NEGATIONS or (  # start, not "than"
                    words[k - 1] == "but"  # of "other than" in a span "than")
                    and words[k - 2] in ("anything", "everything", "all")))
                for k in {i, _cue_position(words, at) + 1 if i == at else i}):
            return True
        if i == at:
            j = _cue_position(words, at)
            if _cue_at(words, j, cues) and not any(  # ("no" in another mention, read
                    a <= j < b for a, b in others):  # as a size, "no 10": no cue)
                return True
            # a negated purpose phrase: "not for men", "not made for kids", "except for lg"
            cue = _purpose_cue(words, at)
            if cue is not None and _cue_at(words, cue, cues) and not any(
                    a <= cue < b for a, b in others):
                return True
        elif i - 1 >= at and _cue_at(words, i - 1, cues) and i < end:
            return True
    return False


#: words after a "no" and the words it qualifies that are no product they qualify: what
#: follows them is said of the product or names something else ("shampoo no sulfates for
#: curly hair", "no phones from samsung", "bed frame no box spring needed"); see
#: :func:`_a_compound_no` (also the words of :data:`_RUN_ENDS`, joiners, fillers and cues)
_NO_PRODUCT_WORDS = frozenset({"in", "on", "at", "of", "to", "than", "as", "is", "are",
                               "needed", "required", "allowed", "included", "please"})


def _a_compound_no(words: Sequence[str], at: int, end: int,
                   named: Callable[[Sequence[str], tuple[int, int]], bool] | None = None
                   ) -> bool:
    """Whether the "no" at ``words[at]``, in a tagged span of the query's words that ends at
    ``end``, is a compound qualifying the product after it, no exclusion: the span's one or
    two words after it (what the product needs not or has not: "show", "slip", "bra needed")
    are followed by the query's next word, a word of letters that may open the product's
    name ("socks" in "mens no show socks", "nail polish" in "clear no chip nail polish",
    "blanket kit" in "fleece no sew blanket kit"). A "no" opening the query is one too
    (:func:`negated_spans`, the parser's reading). What a "no" excludes ends the query or
    its phrase ("tv no samsung", "shampoo no sulfates", "cat food no fish"), comes before a
    number or a phrase of something else ("tv no samsung 55 inch", "shampoo no sulfates for
    curly hair"), or is no word of the span the "no" opens (the tagger's cut). A colour after
    the "no" is what it excludes ("no black shirt"), but for one opening a KG name with the
    words after it (``named``, the caller's :func:`_in_a_name` on its KG: "no white noise
    machine") and for a colour word and a word that is no shade ("no blue light glasses":
    :func:`_a_colour_phrase`).

    >>> [_a_compound_no(q.split(), 1, 3) for q in (
    ...     "mens no show socks", "tv no samsung 55", "cat food no fish", "dress no sleeves black")]
    [True, False, False, False]
    >>> _a_compound_no("clear no chip nail polish".split(), 1, 3)
    True
    """
    n = end - at - 1
    if not (0 <= at < len(words) and words[at] == "no" and 1 <= n <= 2 and end < len(words)):
        return False
    stops = _RUN_ENDS | _JOINERS | _FILLERS | _MAKER_WORDS | _MADE_WORDS | _NEGATIONS \
        | _LATER_NEGATIONS
    qualified, product = words[at + 1:end], words[end]
    if _a_colour_phrase(qualified) and not (named is not None and named(words, (at + 1, end))):
        return False  # a colour is no compound's word: "no black shirt" excludes black
    # a colour after "no X" is the product's colour, no word of its name: "dress no sleeves
    # black", "phone case no glitter pink" exclude sleeves, glitter
    return all(any(c.isalpha() for c in w) and w not in stops for w in qualified) \
        and product.isalpha() and product not in stops and product not in _NO_PRODUCT_WORDS \
        and product not in _COLOUR_WORDS and not _a_numbered_name(words, end)


#: a number as a word of a name ("11" of "windows 11", "13" of "iphone 13"):
#: :func:`_a_numbered_name`
_NAME_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _a_numbered_name(words: Sequence[str], at: int) -> bool:
    """Whether the word at ``words[at]`` and the number after it are a name with a number, a
    version or a model ("windows 11", "iphone 13", "office 365"): the number ends the query
    or is followed by no unit nor counted noun (:func:`fusion.patterns.spec_after`: "socks 6
    pack", "polish 0.5 oz" count or measure the product). A "no" compound qualifies a
    product's common noun ("no show socks", "no iron dress shirts"); a thing of a name with a
    number after "no X" is a spec or a device of the product named before the "no", which the
    "no" excludes X of ("laptop no touchscreen windows 11").

    >>> [_a_numbered_name(q.split(), 3) for q in (
    ...     "laptop no touchscreen windows 11", "mens no show socks 6 pack", "mens no show socks")]
    [True, False, False]
    """
    if at + 1 >= len(words) or not _NAME_NUMBER.fullmatch(words[at + 1]):
        return False
    return not spec_after(" " + " ".join(words[at + 2:]), 0)


def compound_no_words(text: str, start: int, end: int,
                      kg: Any = None) -> tuple[int, int] | None:
    """Where the words a compound "no" qualifies stand in ``text`` (code points, (start,
    end)), the "no" in its tagged span ``text[start:end]`` (:func:`_a_compound_no`: "show" in
    "mens no show socks", "chip" in "clear no chip nail polish", "iron" in "no iron dress
    shirts"), or None: those words name no thing the query excludes (the parser leaves them
    out of its ``excluded`` words and links no node of them). ``kg``: the KG (a
    :class:`kg.ProductGraph` or a networkx view) whose names a colour after the "no" may open
    ("no white noise machine": :func:`colour_opens_a_name`).

    >>> q = "clear no chip nail polish"
    >>> compound_no_words(q, 0, 13), compound_no_words("tv no samsung", 3, 13)
    ((9, 13), None)
    """
    words = _query_words(text)
    if "no" not in words:
        return None  # (no "no" to be a compound's: most texts, read no further)
    offsets = _query_word_offsets(text)
    if len(offsets) != len(words):  # (one reading of the text: never)
        return None
    inside = [i for i, (a, b) in enumerate(offsets) if start <= a and b <= end]
    if not inside:
        return None
    stop = inside[-1] + 1
    g = _KG(as_networkx(kg), kg) if kg is not None else None
    named = (lambda ws, span: _in_a_name(g, ws, span)) if g is not None else None
    for i in inside:
        if _a_compound_no(words, i, stop, named):
            return offsets[i + 1][0], offsets[stop - 1][1]
    return None


def negated_spans(text: str, spans: Sequence[tuple[int, int]],
                  non: Collection[int] = ()) -> list[bool]:
    """Whether ``text`` puts each of the character spans ``spans`` (the tagger's, in order)
    out of the search: a negation cue right before it or opening it (:func:`_negated`: "not
    gaming" in "not gaming laptop", "bluetooth" in "headsets not bluetooth"; "non" only for the
    spans of ``non``, their indexes: "non" makes compounds, "non stick"), not a "no" that
    opens the query ("no touch thermometer"). The parser links the other spans without the
    words of these (:meth:`parser.QueryParser.link_entities`): excluded words must not pull a
    link toward the thing they name ("laptop" of "not gaming laptop" is no Gaming Laptops).

    >>> negated_spans("not gaming laptop", [(0, 10), (11, 17)])
    [True, False]
    >>> negated_spans("headsets not bluetooth", [(0, 8), (13, 22)])
    [False, True]
    >>> negated_spans("no touch thermometer", [(0, 8), (9, 20)])
    [False, False]

    Nor a "no" after other words that qualifies the product after it (:func:`_a_compound_no`:
    "mens no show socks", "clear no chip nail polish").

    >>> negated_spans("mens no show socks", [(0, 4), (5, 12), (13, 18)])
    [False, False, False]
    """
    words = _query_words(text)
    if _cue_free(words):
        return [False] * len(spans)  # (most queries: no cue, no span negated, as below)
    offsets = _query_word_offsets(text)
    if len(offsets) != len(words):  # (one reading of the text: never)
        return [False] * len(spans)
    at: list[tuple[int, int] | None] = []
    for s, e in spans:
        inside = [i for i, (a, b) in enumerate(offsets) if s <= a and b <= e]
        at.append((inside[0], inside[-1] + 1) if inside else None)
    # (a compound "no" is no cue: read as a word that is none)
    compounds = {i for sp in at if sp is not None for i in range(max(sp[0], 1), sp[1])
                 if _a_compound_no(words, i, sp[1])}
    if compounds:
        words = [w if i not in compounds else "nox" for i, w in enumerate(words)]
    out = []
    for k, sp in enumerate(at):
        if sp is None or (sp[0] <= 1 and words[0] == "no" and not (
                sp[1] >= 2 and _a_colour_phrase(words[1:sp[1]]))):
            out.append(False)  # (a "no" opening the query: a compound, "no slip socks";
            continue  #          not before a colour, "no black shirt": colour_words)
        others = [o for n, o in enumerate(at) if n != k and o is not None]
        cues = _NEGATIONS if k in non else _VALUE_NEGATIONS
        out.append(_negated(words, sp, cues, others))
    return out


#: words between a cue and what it excludes that name nothing of it: "not even dell",
#: "not made by sony" (a maker phrase: :func:`_excluded_maker`)
_CUE_FILLERS = _FILLERS | _MAKER_WORDS | _MADE_WORDS | {"even"}
#: the words that may stand before what a negation cue excludes, from the cue on, public: the
#: cues (:data:`CUE_WORDS`; "anything but"), a negated "do" and a verb of wanting ("don't
#: want"), a negated maker or purpose phrase ("not made by", "nothing from", "not for"), the
#: fillers after a cue ("isn't an", "not even") and the joiners of an excluded list ("neither
#: samsung nor lg"): the parse's intent reads the query without them and what they exclude
#: (:func:`excluded_words`; ``parser.pipeline.intent_text``)
EXCLUSION_LEAD_WORDS = CUE_WORDS | _CUE_FILLERS | _JOINERS | _DO_NEGATIONS | _WANT_WORDS \
    | _MAKER_NEGATIONS | _PURPOSE_WORDS | {"for", "anything", "everything", "all"}
#: the words without one of which a query excludes nothing (:func:`excluded_words`): the cues,
#: a negated "do" ("don't want"), a negated maker ("nothing from") and the "but" of "anything
#: but"
_OPENS_EXCLUSION = CUE_WORDS | _DO_NEGATIONS | _MAKER_NEGATIONS | {"but"}


def _cue_free(words: Sequence[str]) -> bool:
    """Whether ``words`` hold no word that may open a negation (:data:`_OPENS_EXCLUSION`, a
    curly apostrophe read as "'"): then :func:`_negated` finds no cue among them for any span
    (with cues of :data:`_NEGATIONS`: each cue it reads, a two-word cue's first word, the "but"
    of "anything but", a negated maker's "no" or "nothing", a "non" before a colour, a negated
    "do" before a verb of wanting, is such a word), and nothing among them is excluded. Most
    queries: their exclusions are not read further.

    >>> _cue_free("samsung tv 55 inch".split()), _cue_free("tv not samsung".split())
    (True, False)
    >>> _cue_free("phone that isn’t samsung".split()), _cue_free("tv minus samsung".split())
    (False, False)
    """
    return _OPENS_EXCLUSION.isdisjoint(w.replace("\u2019", "'") for w in words)


def excluded_items(words: Sequence[str], commas: Collection[int] = (), *,
                   after: bool = False) -> list[tuple[int, int]]:
    """The items, (start, end) among ``words``, that each negation cue among them excludes
    (:func:`_cue_at`, a two-word cue of :data:`_PAIR_NEGATIONS`): the words after it, the
    fillers and a maker phrase skipped ("that is not a dell", "not made by sony", "not even
    dell"), each item of a list after it (joined by "and", "or", "nor", "&" or a ",": the
    positions of the words a "," follows are ``commas``) up to another cue or a word of
    :data:`_RUN_ENDS`, each of at most :data:`_MAX_RUN` words. The parser links them in a span
    that links nothing as tagged ("which is not dell", "excluding samsung and lg",
    :meth:`parser.QueryParser.link_entities`). ``after``: the words follow others of the
    query, so a cue of :data:`_LATER_NEGATIONS` may open them ("besides dell").

    >>> excluded_items("that is not made by sony".split())
    [(5, 6)]
    >>> excluded_items("not lg not sony".split()), excluded_items("not samsung and lg".split())
    ([(1, 2), (3, 4)], [(1, 2), (3, 4)])
    >>> excluded_items("other than dell".split()), excluded_items("red case".split())
    ([(2, 3)], [])
    >>> excluded_items("not samsung and not lg".split()), excluded_items("not sony either".split())
    ([(1, 2), (4, 5)], [(1, 2)])
    """
    if after:
        return [(a - 1, b - 1) for a, b in excluded_items(
            ["", *words], {i + 1 for i in commas})]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        cue = _cue_at(words, i, _NEGATIONS) or (
            i >= 1 and tuple(words[i - 1:i + 1]) in _PAIR_NEGATIONS)
        if not cue:
            i += 1
            continue
        i += 1
        while i < len(words) and words[i] in _CUE_FILLERS:
            i += 1
        first = start = i
        while i < len(words):
            w = words[i]
            if w in _RUN_ENDS or (i > start and w in _CUE_CLOSERS) or (i > first and (
                    _cue_at(words, i, _NEGATIONS) or (
                        i + 1 < len(words) and tuple(words[i:i + 2]) in _PAIR_NEGATIONS))):
                break  # (a cue after a joiner opens the next item: "not lg and not sony")
            if w in _JOINERS:
                if start < i:
                    out.append((start, min(i, start + _MAX_RUN)))
                start = i + 1
            i += 1
            if i - 1 in commas:
                break
        if start < i:
            out.append((start, min(i, start + _MAX_RUN)))
    return out


def one_letter(word: str) -> bool:
    """Whether ``word`` is one letter ("w", "b"; not "lg", "9"): after a negation cue, as
    often a word being typed ("not w" of "not whirlpool") as a one-letter brand's or size's
    name, so it names no node to exclude (:func:`_too_bare`).

    >>> one_letter("w"), one_letter("lg"), one_letter("9")
    (True, False, False)
    """
    return len(word) == 1 and word.isalpha()


#: words that make a negation before a brand a hedge, no exclusion: "tv not really samsung",
#: "laptop not necessarily dell" (:func:`_hedged`)
_HEDGES = frozenset({"really", "necessarily", "exactly", "always", "only", "just"})


def _hedged(words: Sequence[str], span: tuple[int, int] | None) -> str | None:
    """``"unsure"`` (an UP boost, no filter) for a brand at ``span`` of ``words`` after a
    hedged negation: "not really samsung", "not necessarily dell", "not just sony" (the brand
    is neither ruled out nor required); else None.

    >>> _hedged("tv not really samsung".split(), (3, 4)), _hedged("samsung tv".split(), (0, 1))
    ('unsure', None)
    """
    if span is None:
        return None
    j = _cue_position(words, span[0])
    return "unsure" if j >= 1 and words[j] in _HEDGES \
        and _cue_at(words, j - 1, _VALUE_NEGATIONS) else None


def _outer(words: Sequence[str], span: tuple[int, int] | None,
           name: str) -> tuple[int, int] | None:
    """The place :func:`_negated` reads the cue of a mention at ``span`` of ``words``, of the
    node named ``name``, from: ``span``; or, where the name holds a cue ("not your mothers",
    "better not younger", "no leak": brands; a cue of the name is none), only the words
    before the name, empty: those before the span, or those the span holds before the name
    ("shampoo not not your mothers").

    >>> words = "shampoo not not your mothers".split()
    >>> _outer(words, (2, 5), "Not Your Mothers"), _outer(words, (1, 5), "Not Your Mothers")
    ((2, 2), (2, 2))
    >>> _outer("phone not samsung".split(), (2, 3), "Samsung")
    (2, 3)
    """
    if span is None:
        return None
    own = _query_words(name)
    if not set(own) & _NEGATIONS:
        return span
    at = span[1] - len(own)
    if span[0] <= at and [_unapostrophe(w) for w in words[at:span[1]]] == [
            _unapostrophe(w) for w in own]:  # ("not your mother's": the name's "mothers")
        return at, at
    return span[0], span[0]


def _unapostrophe(word: str) -> str:
    """``word`` without its apostrophes, straight or curly: a possessive and the name that
    writes it without one meet ("mother's", "mothers'": "mothers")."""
    return word.replace("\u2019", "").replace("'", "")


def _commas(text: str) -> frozenset[int]:
    """The positions among :func:`_query_words` of ``text`` of the words a "," follows (the
    marks glued to a word's edges are dropped from the words, the commas among them kept here):
    a "," joins list items as "or" does ("not red, blue or green").

    >>> sorted(_commas("not red, blue , green or pink"))
    [1, 2]
    """
    out: set[int] = set()
    for before, lead, word, tail, last in _word_marks(text):
        if "," in lead and before >= 0:
            out.add(before)
        if word and "," in tail:
            out.add(last)
    return frozenset(out)


def _word_marks(text: str) -> Iterator[tuple[int, str, str, str, int]]:
    """For each token of ``text`` (normalised, split at spaces): the position among
    :func:`_query_words` of the last word before it (-1: none), the marks before its word (the
    whole token when it has no word), its word (:data:`EDGE_MARKS` stripped), the marks after
    it, and the position of its own last word ("-samsung" is two words: the cue and the
    brand). What :func:`_commas` and :func:`_closes` read the marks of.

    >>> list(_word_marks('red, (dell)'))
    [(-1, '', 'red', ',', 0), (0, '(', 'dell', ')', 1)]
    """
    i = -1
    for token in normalize_key(text).split():
        word = token.strip(EDGE_MARKS)
        if not word:
            yield i, token, "", "", i
            continue
        at = token.find(word)
        before = i
        i += len(_token_words(token))
        yield before, token[:at], word, token[at + len(word):], i


#: the closing brackets and quotes that end the words a cue excludes (:func:`_closes`)
_CLOSING_MARKS = frozenset(')]}"\u201d\u00bb')


def _closes(text: str) -> frozenset[int]:
    """The positions among :func:`_query_words` of ``text`` of the words a closing bracket or
    quote follows (:data:`_CLOSING_MARKS`): what a cue before an opening one excludes ends
    there ("tv -(samsung) 55 inch", 'laptop -"dell" 15 inch': "samsung", "dell"). A quote
    after a digit is an inch mark ('55"'), none.

    >>> sorted(_closes('tv -(samsung lg) 55" "dell"'))
    [3, 5]
    """
    return frozenset(last for _, _, word, tail, last in _word_marks(text) if any(
        c in _CLOSING_MARKS and (c in ")]}" or not word[-1:].isdigit()) for c in tail))


def _minus_brackets(text: str) -> list[tuple[int, int]]:
    """The places, (start, end) among :func:`_query_words` of ``text``, of the words a
    bracket or a quote holds right after a "-" ("tv -(samsung lg)": "samsung lg"): an excluded
    list (:func:`_exclusions`).

    >>> _minus_brackets('tv -(samsung lg) -"dell" (hp)')
    [(2, 4), (5, 6)]
    """
    out: list[tuple[int, int]] = []
    i, opened = -1, None
    for token in normalize_key(text).split():
        ws = _token_words(token)
        if not ws:
            continue
        i += len(ws)
        at = token.find(ws[-1])
        if ws[0] == _MINUS_CUE and len(ws) == 2 and set(token[1:at]) & _OPENING_MARKS:
            opened = i
        tail = token[at + len(ws[-1]):]
        if opened is not None and set(tail) & _CLOSING_MARKS:
            out.append((opened, i + 1))
            opened = None
    return out


def _joined_item(words: Sequence[str], at: int, commas: Collection[int]) -> int | None:
    """Where the list item before the one that starts at word ``at`` ends (its end position),
    when a joiner ("or", "and", "nor", "&", ",": :func:`_commas`) joins them: "not red or
    blue" -> the end of "red"; None when nothing joins an item to it.

    >>> _joined_item("case not red or blue".split(), 4, ()), _joined_item("red case".split(), 1, ())
    (3, None)
    >>> _joined_item("not samsung or lg tv".split(), 2, ())  # the tagger's span "or lg"
    2
    """
    if at >= 1 and at < len(words) and words[at] in _JOINERS:
        return at  # the joiner opens the item's span ("or lg" in "not samsung or lg tv")
    if at >= 2 and words[at - 1] in _JOINERS:
        return at - 1
    if at >= 1 and at - 1 in commas:
        return at
    return None


def _joined_to_excluded(words: Sequence[str], at: int, commas: Collection[int],
                        items: Mapping[int, bool], cues: frozenset[str],
                        others: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether the size that starts at word ``at`` is an item of a list a cue excludes, joined
    to an excluded item before it: "without 64gb or 128gb", "not 55 or 65 inch" (the unit
    shared: a bare number is an item too), "not 55, 60 or 65 inch". ``items``: the end
    positions of the sizes read before it, each with whether it is excluded.

    >>> words = "tv not 55 or 65 inch".split()
    >>> _joined_to_excluded(words, 4, (), {}, _VALUE_NEGATIONS)
    True
    >>> _joined_to_excluded("tv 55 or 65 inch".split(), 3, (), {}, _VALUE_NEGATIONS)
    False
    """
    while (end := _joined_item(words, at, commas)) is not None:
        if end in items:
            return items[end]
        if not _SIZE_NUMBER.fullmatch(words[end - 1]):
            return False
        at = end - 1  # a bare number: an item whose unit is the next one's
        if _negated(words, (at, end), cues, others):
            return True
    return False


def _a_cue(e: LinkedEntity) -> bool:
    """Whether a linked mention is only a negation cue the linker took for a value: "no" ->
    the KG's size "No" (a Flipkart size) in "no pink dress", read by the tagger as a
    ``modifier``. It names nothing: it is the cue of what follows it. A cue the tagger read as
    a size ("no 10" in "no 10 nail brush": a number) or as a brand is no cue (nor is one of a
    caller without a tagger, whose label is None)."""
    mention = _query_words(e.mention or "")
    return bool(mention) and all(w in _NEGATIONS for w in mention) \
        and not _read_as_brand(e.label) and (e.label or "").lower() not in _SIZE_LABELS


#: words that end the run of words a cue excludes: what follows them is said of the product
#: searched, not excluded ("tv not 4k for the bedroom", "laptop not gaming with 16gb")
_RUN_ENDS = frozenset({"for", "with", "w/", "that", "which", "under", "below", "but",
                       "please", "pls", "plz", "thanks"})
#: the most words of one excluded run (:func:`_excluded_spans`): a longer run is a phrase, no
#: feature's name
_MAX_RUN = 4
#: an amount: a word with a digit or opening with a currency sign
_AMOUNT = re.compile(r"^[$₹€£¥]|\d")
