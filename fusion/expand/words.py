"""Query words: the word splitter (:func:`_words`), query words and their offsets, mentions, marks,
numbers, the shared word lists (cue words, fillers, joiners, maker words) and the sides of an
alternative or comparison."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from itertools import pairwise

from kg.index import EDGE_MARKS, normalize_key, normalize_with_offsets
from kg.link import name_heads, word_order, word_set

#: the longest run of query words a returned expansion may not respell
_MAX_BANNED_WORDS = 6
#: words that put a brand out of the search ("phone not samsung", "tablet but not apple";
#: "sans", French "without", as English writes it: "laptop sans dell")
_CUE_WORDS = frozenset({"not", "no", "without", "except", "excluding", "exclude", "minus",
                        "non", "w/o", "neither", "sans"})
#: the negation cues, public: the parser links the words after one that opens a tagged span
#: ("not headphones", :meth:`parser.QueryParser.link_entity`); "non" only before a brand
NEGATION_CUES, VALUE_NEGATION_CUES = _CUE_WORDS, _CUE_WORDS - {"non"}
#: spoken cues that exclude as "not" does, wherever they stand: the contractions of "is not"
#: as the query's words keep them, typed with or without the apostrophe ("phone that isn't
#: samsung", "tablet that isnt an ipad"; a curly one is read as "'": :func:`_cue_at`), and
#: "avoid" ("avoid samsung tvs"; not after a negation: "don't avoid")
_SPOKEN_NEGATIONS = frozenset({"isn't", "isnt", "aren't", "arent", "wasn't", "weren't",
                               "avoid"})
_NEGATIONS = _CUE_WORDS | _SPOKEN_NEGATIONS
#: the same before a value or category: "non" makes compounds there ("non stick", "non slip");
#: before a colour it is a cue all the same ("non white shirt": :func:`_a_non_colour`)
_VALUE_NEGATIONS = _NEGATIONS - {"non"}
#: words that close what a cue excludes and name nothing of it: "laptop not dell but not hp
#: either" excludes "hp" (:func:`_excluded_spans`)
_CUE_CLOSERS = frozenset({"either"})
CUE_CLOSERS = _CUE_CLOSERS  # (public: the parser reads a span closed by one)
#: cues that exclude only after another word: "phone never samsung", "phones besides
#: samsung"; opening the query they add or name ("besides a tv, a soundbar"; the snowboard
#: maker "Never Summer")
_LATER_NEGATIONS = frozenset({"never", "besides"})
#: a negated "do" before a verb of wanting: "i don't want a samsung phone", "dont need a
#: case", "do not want refurbished" ("not" and "never" before the verb: :func:`_cue_at`)
_DO_NEGATIONS = frozenset({"don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "not",
                           "never"})
_WANT_WORDS = frozenset({"want", "need", "like"})
#: two-word cues: "phone other than samsung", "headphones instead of sony", "tv rather than
#: projector", "phones apart from samsung"
_PAIR_NEGATIONS = frozenset({("other", "than"), ("instead", "of"), ("rather", "than"),
                             ("apart", "from")})
#: every word of a negation cue the expansion reads, public: the one-word cues (those after
#: another word, "besides", "never", and the spoken ones, "isn't", "avoid", among them) and
#: the words of the two-word cues ("other than"); the parser's clause words before what a cue
#: excludes hold them (``parser.linking.clause_words``)
CUE_WORDS = _NEGATIONS | _LATER_NEGATIONS | frozenset(w for pair in _PAIR_NEGATIONS
                                                      for w in pair)
#: words joining the items of a list: what a cue excludes, it excludes of every item of the
#: list after it ("not red or blue", "without 64gb or 128gb"; a "," joins as well)
_JOINERS = frozenset({"or", "and", "nor", "&"})
_BARE_NUMBER = re.compile(r"[\d\s.,/\-\u2013]*\d[\d\s.,/\-\u2013]*")
#: words skipped between those and the brand ("for my samsung", "compatible with the lg")
_FILLERS = frozenset({"a", "an", "the", "my", "any", "your", "with", "but"})

#: words naming a brand as the maker, between a negation and the brand: "phone not from
#: samsung", "headphones not made by sony", "tv nothing from lg" (:func:`_negated`)
_MAKER_WORDS = frozenset({"from", "by"})
#: words before those in such a phrase ("not made by", "not manufactured by")
_MADE_WORDS = frozenset({"made", "manufactured", "produced", "built", "sold", "designed"})
#: cues that exclude only what a maker phrase names ("nothing from samsung"; "nothing" alone
#: excludes nothing: "nothing phone" is a brand's phone)
_MAKER_NEGATIONS = frozenset({"nothing", "none"})
#: words before "for" in a purpose phrase between a negation and what it excludes: "not made
#: for kids", "not meant for men" (:func:`_purpose_cue`)
_PURPOSE_WORDS = frozenset({"made", "meant", "designed", "intended", "built"})


@lru_cache(maxsize=65536)  # (category names and query word runs, again and again)
def _words(text: str) -> frozenset[str]:
    """The content words of ``text`` (normalised here), stop words dropped and plurals folded
    (:func:`kg.link.word_set`): "Cell Phone Cases" and "phone case" share {"phon", "cas"}. The
    fold is the linker's alone: a word and its plural meet ("case", "cases"; "lens",
    "lenses"; "watch", "watches"; "battery", "batteries"; "knife", "knives"), two words do not
    ("car" and "care", "us" and "use", "plan" and "plane", "tap" and "tape": once a final "e"
    was dropped again here, and "car wash soap" met Appliances' Floor Care).

    >>> [sorted(_words(w)) for w in ("cases", "case", "lenses", "watches", "batteries")]
    [['cas'], ['cas'], ['len'], ['watch'], ['battery']]
    >>> [_words(a) == _words(b) for a, b in (("car", "care"), ("us", "use"), ("tap", "tape"))]
    [False, False, False]
    """
    return word_set(normalize_key(text))


@lru_cache(maxsize=65536)  # (category names and query words, again and again)
def _name_heads(text: str) -> frozenset[str]:
    """The head words of ``text`` (normalised here): :func:`kg.link.name_heads` of its
    :func:`kg.index.normalize_key`, memoised.

    >>> sorted(_name_heads("CPU Fans & Heatsinks")), sorted(_name_heads("Subwoofer Speakers"))
    (['fan', 'heatsink'], ['speaker'])
    """
    return name_heads(normalize_key(text))


#: a "-" opening a word before a letter: the exclusion syntax of search boxes ("tv -samsung");
#: not a hyphen inside a word ("t-shirt", "wi-fi"), a negative number or a range ("-5", "55
#: -65 inch", "$100 -$200"), nor a "-" standing alone ("tv - samsung")
_MINUS_WORD = re.compile(r"-(?=[^\W\d_])")
#: the negation cue such a "-" is read as (one of :data:`_NEGATIONS`: "tv minus samsung")
_MINUS_CUE = "minus"
#: a word "non" hyphenated to the letters after it ("non-black", "non-samsung", "non-stick"):
#: the two words "non" and those letters, as written with a space ("shirt non-black" excluded
#: nothing while "shirt non black" excluded Black); "non" excludes a brand or a colour only,
#: so "non-stick" stays a compound as "non stick" is
_NON_WORD = re.compile(r"non-(?=[^\W\d_])")
#: the opening brackets and quotes a "-" may open an excluded group with: "-(samsung lg)",
#: '-"dell"' (:func:`_minus_bracketed`)
_OPENING_MARKS = frozenset("([{\"\u201c")
#: a whitespace-separated token of a normalised query (:func:`_query_word_offsets`)
_TOKEN = re.compile(r"\S+")


@lru_cache(maxsize=65536)  # (the same words, query after query)
def _token_words(token: str) -> tuple[str, ...]:
    """The words of one whitespace-separated token of a normalised query: the token, marks
    glued to its edges dropped; a "-" opening it before a letter, or before a bracket or a
    quote and a letter or a digit (:func:`_minus_bracketed`), is a word of its own, the cue
    :data:`_MINUS_CUE` ("-samsung", "-(samsung)", '-"samsung"': "minus", "samsung"; "-(65)":
    "minus", "65"); "non-" before a letter is the word "non" (:data:`_NON_WORD`: "non-black"
    is "non black", "non-stick" "non stick"). Memoised (a pure function of the token).

    >>> _token_words('"-samsung".'), _token_words("t-shirt"), _token_words("-65"), _token_words("-")
    (('minus', 'samsung'), ('t-shirt',), ('-65',), ('-',))
    >>> _token_words("-(samsung)"), _token_words('-"lg"'), _token_words("-(65)")
    (('minus', 'samsung'), ('minus', 'lg'), ('minus', '65'))
    >>> _token_words("non-black"), _token_words("non-"), _token_words("nonstick")
    (('non', 'black'), ('non-',), ('nonstick',))
    """
    word = token.strip(EDGE_MARKS)
    if word[:1] != "-" and word[:4] != "non-":
        return (word,) if word else ()  # (most words: no "-" nor "non-" to read, below)
    if _MINUS_WORD.match(word):
        return (_MINUS_CUE, word[1:])
    rest = _minus_bracketed(word)
    if rest:
        return (_MINUS_CUE, rest)  # (a "-" before a bracket or a quote: "-(samsung)", "-(65)")
    if _NON_WORD.match(word):
        return ("non", word[4:])  # ("non-black" as "non black": :data:`_NON_WORD`)
    return (word,) if word else ()


def _minus_bracketed(word: str) -> str:
    """The word after a "-" and an opening bracket or quote that open ``word`` (a token, its
    edge marks stripped: "-(samsung", "-(65", '-"lg'), or "": the exclusion syntax of search
    boxes, whatever the word opens with: a letter, or a digit ("tv -(65)" excludes 65 as "tv
    -samsung" excludes Samsung; a bare "-65" stays a number, a range's or a negative one).

    >>> _minus_bracketed("-(65"), _minus_bracketed("-65"), _minus_bracketed('-"lg')
    ('65', '', 'lg')
    """
    if word[:1] != "-" or len(word) < 3 or word[1] not in _OPENING_MARKS:
        return ""
    rest = word[1:].lstrip(EDGE_MARKS)
    return rest if rest[:1].isalnum() or _MINUS_WORD.match("-" + rest) else ""


def _query_words(text: str) -> list[str]:
    """The normalised words of ``text``, marks glued to their edges dropped, and a "-" opening
    a word before a letter read as the cue "minus" (:func:`_token_words`: "tv -samsung"
    excludes Samsung as "tv not samsung" does).

    >>> _query_words('TV not "Samsung".'), _query_words("tv -samsung")
    (['tv', 'not', 'samsung'], ['tv', 'minus', 'samsung'])
    """
    return [w for x in normalize_key(text).split() for w in _token_words(x)]


def _query_word_offsets(text: str) -> list[tuple[int, int]]:
    """Where each word of :func:`_query_words` of ``text`` stands in ``text``: its (start, end)
    in code points, the marks glued to its edges left out; the cue "minus" of a "-" opening a
    word is that "-" ("-samsung": "-", then "samsung").

    >>> q = 'ＴＶ not "Samsung". -lg'
    >>> [q[a:b] for a, b in _query_word_offsets(q)], _query_words(q)
    (['ＴＶ', 'not', 'Samsung', '-', 'lg'], ['tv', 'not', 'samsung', 'minus', 'lg'])
    >>> q = "shirt Non-Black"
    >>> [q[a:b] for a, b in _query_word_offsets(q)], _query_words(q)
    (['shirt', 'Non', 'Black'], ['shirt', 'non', 'black'])
    """
    norm, starts, ends = normalize_with_offsets(text)
    out: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(norm):  # (the tokens of normalize_key(text).split())
        token = m.group()
        word = token.strip(EDGE_MARKS)
        if not word:
            continue
        a = m.start() + len(token) - len(token.lstrip(EDGE_MARKS))
        b = a + len(word)
        rest = _minus_bracketed(word)
        minus = _MINUS_WORD.match(word) or rest
        non = not minus and _NON_WORD.match(word)
        for x, y in ((a, a + 1), (b - len(rest) if rest else a + 1, b)) if minus \
                else ((a, a + 3), (a + 4, b)) if non else ((a, b),):
            out.append((x, y) if starts is None or ends is None else (starts[x], ends[y - 1]))
    return out


def _find_mention(words: Sequence[str], mention: str) -> tuple[int, int] | None:
    """Where the words of ``mention`` first occur among ``words``: (start, end), or None.

    >>> _find_mention("case for my samsung galaxy".split(), "Samsung")
    (3, 4)
    """
    m = _query_words(mention)
    for i in range(len(words) - len(m) + 1):
        if m and list(words[i:i + len(m)]) == m:
            return i, i + len(m)
    return None


def _mention_places(words: Sequence[str], mention: str, span: tuple[int, int] | None,
                    taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Every place a linked node is named among ``words``: its ``span`` (where the words of
    ``mention`` first occur, :func:`_find_mention`) and each later place of those words that
    no other mention's span (``taken``) overlaps. The parser keeps one mention per node, so a
    node named twice ("hp printer ink not hp", "samsung tv not samsung") has one span, the
    first; the second, excluded one is found here ("tv not tv stand": the second "tv" is a
    word of TV Stands' mention, not TVs').

    >>> _mention_places("hp printer ink not hp".split(), "hp", (0, 1), [(1, 3)])
    [(0, 1), (4, 5)]
    >>> _mention_places("tv not tv stand".split(), "tv", (0, 1), [(2, 4)])
    [(0, 1)]
    """
    if span is None:
        return []
    m = _query_words(mention)
    places = [span]
    i = span[1]
    while m and i <= len(words) - len(m):
        if list(words[i:i + len(m)]) == m and not any(
                a < i + len(m) and i < b for a, b in taken):
            places.append((i, i + len(m)))
            i += len(m)
        else:
            i += 1
    return places


#: the node kinds whose names hold a colour word as a word of the name, not the product's
#: colour (:func:`_in_a_name`)
_NAMED_KINDS = ("brand", "category", "product_type", "product")


def _name_words(text: str) -> tuple[str, ...]:
    """The content words of ``text``, each plural-folded (:func:`kg.link.word_order`, word by
    word: a word named twice stays twice, "white noise machine white" is no "White Noise
    Machines"; a fold is a key, no word: "noise" and "noises" are "noi").

    >>> _name_words("Black & White Laser Printers"), _name_words("white noise machine white")
    (('black', 'white', 'laser', 'printer'), ('white', 'noi', 'machine', 'white'))
    """
    return tuple(w for word in normalize_key(text).split() for w in word_order(word))


def _word_starts(query: str, spans: Collection[tuple[int, int]]) -> frozenset[int]:
    """The indexes of the words of ``query`` (:func:`_query_words`) that open one of ``spans``
    (code-point offsets into ``query``): the first word starting inside each.

    >>> sorted(_word_starts("white rodgers thermostat", [(6, 13)]))
    [1]
    """
    offsets = _query_word_offsets(query)
    return frozenset(i for start, end in spans
                     for i in [next((k for k, (a, _) in enumerate(offsets)
                                     if start <= a < end), None)]
                     if i is not None)


def _bare_number(value: str) -> bool:
    """Whether a size value's name is a bare number, no unit, no letter ("4", "15", "2-5",
    "1.14"): the default KG's size values include such names, which any number the tagger reads
    as a size links to ("galaxy watch 4", "razer blade 15", "trunk bike rack 4", "6' hdmi
    cable"). Which dimension it measures is unknown, so it is no size filter (nor boost).

    >>> [_bare_number(v) for v in ("4", "2-5", "1.14", "16 inch", '16"', "40mm", "M")]
    [True, True, True, False, False, False, False]
    """
    return _BARE_NUMBER.fullmatch(value.strip()) is not None


def _fold_value(value: str) -> str:
    """A filter or boost value case-folded, its spaces collapsed: "1TB" and "1tb", a rule's
    "samsung" and the KG's "Samsung" are one value."""
    return " ".join(value.casefold().split())


def _value_key(term: str) -> tuple[str, str]:
    """A boost's ``field:value`` (or a rule's filter on another field) as ``(field, value)``,
    the field lower-cased ("color" read as "colour", as the rules' filters are) and the value
    :func:`_fold_value`-ed; a term without a field: ``("", term)``.

    >>> _value_key("brand:Samsung") == _value_key("Brand: samsung"), _value_key("Color:Red")
    (True, ('colour', 'red'))
    """
    fld, sep, value = term.partition(":")
    if not sep:
        return "", _fold_value(term)
    fld = fld.strip().lower()
    return {"color": "colour"}.get(fld, fld), _fold_value(value)


#: console platforms newer than the KG's trees, by the words that name them, with the line
#: word of the KG platform family each continues (:class:`fusion.expand.walk._Platforms`). The
#: default KG's Best Buy tree is of 2016 (Xbox One, Xbox 360, PlayStation 4, Wii U, Nintendo
#: 3DS): it has no node for a PlayStation 5, an Xbox Series X/S, a Nintendo Switch or a Steam
#: Deck, so these cannot be read from it as the families are; this list is the only one of the
#: platform rules (:meth:`fusion.expand.walk._Platforms.new`). "steam" continues no family (a
#: platform of its own: every family's categories are another platform's). A name also said
#: of other products (:data:`_SHARED_PLATFORM_NAMES`) is the platform's only in a query the
#: intent reads as the platforms' department. Extend it as new consoles ship.
_NEW_PLATFORMS: dict[tuple[str, ...], str] = {
    ("ps5",): "ps", ("playstation", "5"): "playstation",
    ("xbox", "series"): "xbox", ("series", "x"): "xbox", ("series", "s"): "xbox",
    ("nintendo", "switch"): "nintendo", ("switch", "oled"): "nintendo",
    ("switch", "lite"): "nintendo", ("switch", "2"): "nintendo", ("switch2",): "nintendo",
    ("switch",): "nintendo",
    ("steam", "deck"): "steam",
}
#: the names of :data:`_NEW_PLATFORMS` made of words other products are named by too: a light,
#: network, HDMI or KVM switch ("light switch", "hdmi switch 2 port"), a product line's series
#: ("samsung tv series x", "bmw 3 series x drive"): the platform's only where the intent reads
#: the query as the platforms' department
_SHARED_PLATFORM_NAMES: frozenset[tuple[str, ...]] = frozenset({
    ("switch",), ("switch", "2"), ("series", "x"), ("series", "s"),
})


#: words joining alternatives ("samsung or lg", "iphone vs samsung")
_ALTERNATIVES = frozenset({"or", "vs", "vs.", "versus", "nor"})


def _back_over_fillers(words: Sequence[str], at: int) -> int:
    """``at`` moved back over the filler words (:data:`_FILLERS`) before it, to the word a
    fits word would be ("case for my iphone": from "my" back to "for"); not past the first.

    >>> _back_over_fillers("case for my iphone".split(), 2)
    1
    """
    while at > 0 and words[at] in _FILLERS:
        at -= 1
    return at


def _without_joiner(words: Sequence[str], span: tuple[int, int]) -> tuple[int, int]:
    """``span`` without an "or" / "vs" word the tagger took into it at either end ("or hp",
    "iphone or"), one word at least.

    >>> _without_joiner("iphone or hp".split(), (1, 3)), _without_joiner(["or"], (0, 1))
    ((2, 3), (0, 1))
    """
    at, end = span
    if words[at] in _ALTERNATIVES and at + 1 < end:
        at += 1
    if words[end - 1] in _ALTERNATIVES and end - 1 > at:
        end -= 1
    return at, end


def _alternative_sides(words: Sequence[str], span: tuple[int, int]
                       ) -> tuple[list[tuple[int, int]], bool]:
    """The other sides of the alternatives the mention at ``span`` is one side of (the runs of
    words between the "or" / "vs" words, as ``(start, end)``; none without such a word) and
    whether the mention is right next to one ("samsung or iphone", "iphone or samsung
    phone"). The tagger may take the "or" into the span ("or hp", "iphone or").

    >>> _alternative_sides("samsung phone or iphone".split(), (0, 1))
    ([(3, 4)], False)
    >>> _alternative_sides("iphone or samsung phone".split(), (2, 3))
    ([(0, 1)], True)
    """
    at, end = _without_joiner(words, span)
    cuts = [i for i, w in enumerate(words) if w in _ALTERNATIVES and not at <= i < end]
    bounds = [-1, *cuts, len(words)]
    sides = [(lo + 1, hi) for lo, hi in pairwise(bounds) if lo + 1 < hi]
    other = [(lo, hi) for lo, hi in sides if not (lo <= at and end <= hi)]
    adjacent = (at >= 1 and words[at - 1] in _ALTERNATIVES) or (
        end < len(words) and words[end] in _ALTERNATIVES)
    return other, adjacent


def _on_other_sides(words: Sequence[str], a: tuple[int, int] | None,
                    b: tuple[int, int] | None) -> bool:
    """Whether the mentions at ``a`` and ``b`` are on different sides of an alternative ("or",
    "vs", "difference between ... and ...": ``words`` as :func:`_compared` reads them).

    >>> _on_other_sides("fitbit vs garmin".split(), (0, 1), (2, 3))
    True
    >>> _on_other_sides("samsung zagg black or white".split(), (0, 1), (1, 2))
    False
    """
    if a is None or b is None:
        return False
    sides, _ = _alternative_sides(words, a)
    return any(lo < b[1] and b[0] < hi for lo, hi in sides)


def _an_alternative(words: Sequence[str], span: tuple[int, int] | None,
                    brands: Sequence[tuple[int, int]],
                    lines: Sequence[tuple[int, int]] = ()) -> bool | None:
    """Whether the brand at ``span`` is one side of an alternative ("or", "vs") whose other
    side names no brand: True ("iphone or samsung phone", "samsung phone or iphone": a filter
    on it would drop the iPhones); False when another side names a brand too ("samsung or lg
    tv", "lg tv or samsung tv", "apple iphone or samsung galaxy": both are filter values, ORed,
    where both filter); None when it is no such side ("samsung tv or monitor": Samsung's TVs or
    monitors). ``brands``: the spans of the linked brands; ``lines``: those of the linked
    categories and products that are another brand's product line (iPhone, Roku). A side of
    more words than the brand's ("samsung phone or ...") is an alternative to the brand only
    when the other side names a brand or such a line (a product, "or monitor", is a second
    product of the same brand); a brand right next to the "or" is one whatever the other
    side names ("samsung or iphone").

    >>> words = "iphone or samsung phone".split()
    >>> _an_alternative(words, (2, 3), [(2, 3)]), _an_alternative(words, (2, 3), [(0, 1), (2, 3)])
    (True, False)
    >>> _an_alternative("apple iphone or samsung galaxy".split(), (3, 4), [(0, 1), (3, 4)])
    False
    >>> _an_alternative("dell or hp laptop".split(), (1, 3), [(0, 1), (1, 3)])
    False
    >>> words = "samsung phone or iphone".split()
    >>> _an_alternative(words, (0, 1), [(0, 1)], [(3, 4)]), _an_alternative(words, (0, 1), [(0, 1)])
    (True, None)
    """
    if span is None:
        return None
    sides, adjacent = _alternative_sides(words, span)

    def names(spans: Sequence[tuple[int, int]]) -> bool:
        return any(a < hi and lo < b for lo, hi in sides for a, b in spans if (a, b) != span)

    if not sides:
        return None
    if names(brands):
        return False
    return True if adjacent or names(lines) else None


#: words that open a comparison of two things, whose joiner (:data:`_COMPARE_JOINERS`) is a
#: "vs": "difference between laptop and tablet", "compare dell with hp"
_COMPARE_WORDS = frozenset({"between", "compare", "comparing", "comparison"})
_COMPARE_JOINERS = frozenset({"and", "with", "to", "&"})


def _compared(words: Sequence[str]) -> list[str]:
    """``words`` as the alternatives read them: the first joiner after a comparison word a
    "vs", the words up to that comparison word none of either side ("").

    >>> _compared("difference between laptop and tablet".split())
    ['', '', 'laptop', 'vs', 'tablet']
    >>> _compared("laptop and tablet".split())
    ['laptop', 'and', 'tablet']
    """
    out = list(words)
    for i, word in enumerate(words):
        if word in _COMPARE_WORDS:
            for j in range(i + 2, len(words)):
                if words[j] in _ALTERNATIVES:
                    break
                if words[j] in _COMPARE_JOINERS:
                    out[:i + 1] = [""] * (i + 1)
                    out[j] = "vs"
                    break
            break
    return out


#: words after which an accessory is a part of the product searched or one it excludes, not
#: the product searched: "samsung tv with remote", "samsung phone without case", "apple iphone
#: no charger" (the determiners between them skipped: "with a remote")
_BUNDLE_WORDS = frozenset({"with", "w/", "including", "incl", "includes"}) | _VALUE_NEGATIONS
_DETERMINERS = frozenset({"a", "an", "the", "its", "their", "my", "any", "your"})
#: words after which a mention is a feature or a part of the product searched ("baby monitor
#: with camera", "tv with stand"), not a second product searched (:func:`_after_with`)
_WITH_WORDS = _BUNDLE_WORDS - _VALUE_NEGATIONS
