"""Sizes: size labels, garment, letter and bed sizes, and which size values a query's words read
as a size filter, a hint or no size."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fusion.patterns import CLOTHING, LETTER_SIZED
from kg.index import normalize_key
from kg.link import DEFAULT_LABEL_KINDS

#: tagger labels of a mention that names a size (those that link sizes only: ``UoM``,
#: ``size``; case-folded); a size filter from a link needs one, as a colour filter needs
#: :data:`_COLOUR_LABELS`
#: bed and bedding sizes, which QueryNER's annotators (and so the tagger) often tag ``shape``
#: ("king" 9 times, ``UoM`` 7): a size filter all the same. Not "double" ("double stroller"),
#: nor "standard" (a modifier in "standard toothbrush")
_BED_SIZES = frozenset({"king", "queen", "twin", "full", "california king", "cal king",
                        "twin xl", "full xl", "super king"})
_SIZE_LABELS = frozenset(label.lower() for label, kinds in DEFAULT_LABEL_KINDS.items()
                         if kinds == ("attribute_value:size",))
#: the source of a DOWN boost made of a size pattern the query excludes ("tv not 65 inch")
PATTERN_NEGATED = "pattern (negated)"
#: the source of an UP boost of a size that is no filter (:func:`fusion.patterns.size_hints`)
PATTERN_HINT = "pattern (a size hint)"
#: a garment size written as a word ("Small", "Medium", "Large", "Extra Large", "X-Large";
#: the default KG's "Mediam" too), a size clothing is sold in, where the word is as often what
#: the product is like as its size: most other products have no such size facet ("large breed
#: dog food", "small vacuum", "large print crossword puzzles"), so a filter on one would
#: remove them all. (The letter sizes, "L", "XL", are read as sizes by the patterns only next
#: to "size" or clothing.)
_GARMENT_SIZE = re.compile(r"(?:(?:extra|x{1,3}|[2-5]x)[\s-]?)?(?:small|medium|mediam|large)",
                           re.I)
#: clothing, as the size patterns read it (:mod:`fusion.patterns`: a letter size of several
#: letters is read only next to clothing, "t shirt xxl", not "xl dog bed"): a linked garment
#: size filters only in a query that names clothing, or next to the word "size"
#: (:func:`_a_garment_size`)
_CLOTHING_WORD = re.compile(rf"(?<![\w'’-])(?:{CLOTHING})(?![\w'’-])", re.I)
_SIZE_WORDS = frozenset({"size", "sized", "sizes"})
#: a letter size's name, one or two letters or a clothing size of more ("M", "L", "XL", "B",
#: "XXL", "3XL"): see :func:`_a_stray_letter_size`
_LETTER_SIZE_NAME = re.compile(r"[a-z]{1,2}|x{2,3}[sl]|[2-5]\s?xl")
#: what is sold in letter sizes: clothing, footwear, gear (:data:`fusion.patterns.LETTER_SIZED`)
_LETTER_SIZED_WORD = re.compile(rf"(?<![\w'’-])(?:{LETTER_SIZED})(?![\w'’-])", re.I)
#: the words of a bed size, whose "size" a letter after it does not own ("queen size m"): those of
#: :data:`_BED_SIZES`, and "double" ("double size m"), which is no size filter of its own
_BED_SIZE_WORDS = frozenset(w for size in _BED_SIZES for w in size.split()) | {"double"}
#: the paths of what is sold in letter sizes: clothing, footwear, apparel (Flipkart's
#: "Clothing", "Footwear"; Google's "Apparel & Accessories"): a query that links one names a
#: letter-sized thing, whatever its words ("apron l", "boxers l")
_APPAREL_PATH = re.compile(
    r"^(?:Apparel & Accessories|Clothing|Footwear)\b|> (?:Clothing|Footwear|Shoes)\b", re.I)
#: a size value's name that is only a number ("4", "2-5", "1.14"): see :func:`_bare_number`
_SIZE_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _size_read(value: str, read: Sequence[str]) -> bool:
    """Whether a size value a link sets is one the size patterns read in the query (``read``,
    :func:`fusion.patterns.parse_sizes`): the same numbers ("55 inch" and '55"'), or a value
    that is no measure, a number and its unit ("queen", "XL", "A5": the patterns read only
    measures), but not one whose words are part of a longer size they read ("King" of
    "California King" in "california king sheets", "Queen" of "Full/Queen": another size).

    >>> _size_read("16 inch", []), _size_read("55 inch", ['55"']), _size_read("A5", [])
    (False, True, True)
    >>> _size_read("13.3 inch", ["13,3 inch"]), _size_read("4 inch", ["14 inch"])
    (True, False)
    >>> _size_read("King", ["California King"]), _size_read("King", ["Queen", "King"])
    (False, True)
    """
    if not value[:1].isdigit():
        key = set(re.findall(r"[^\W_]+", normalize_key(value)))
        return not any(key < set(re.findall(r"[^\W_]+", normalize_key(r))) for r in read)
    numbers = _SIZE_NUMBER.findall(value.replace(",", "."))
    return any(_SIZE_NUMBER.findall(r.replace(",", ".")) == numbers
                              for r in read)


def _a_garment_size(value: str, words: Sequence[str], span: tuple[int, int] | None) -> bool:
    """Whether a linked size value is a garment size written as a word
    (:data:`_GARMENT_SIZE`: "Small", "Large", "Extra Large") the query names for no clothing:
    it names none of the size patterns' clothing words (:data:`_CLOTHING_WORD`: "t shirt
    large", "women's dress small", "large hoodie" name one) and the word "size" is not next
    to its mention ("size large", "large size": a size asked for whatever the product). Such
    a size ("large breed dog food", "small vacuum", "kids bike small") is no filter, an UP
    boost: the same restriction as the letter sizes the patterns read only next to clothing
    ("xl dog bed" has none).

    >>> _a_garment_size("Large", "large breed dog food".split(), (0, 1))
    True
    >>> [_a_garment_size("Large", q.split(), (0, 1)) for q in ("large hoodie", "large size bin")]
    [False, False]
    >>> _a_garment_size("King", "king bed".split(), (0, 1))
    False
    """
    if not _GARMENT_SIZE.fullmatch(normalize_key(value).strip()):
        return False
    if _CLOTHING_WORD.search(" ".join(words)):
        return False
    return span is None or not any(words[i] in _SIZE_WORDS for i in range(
        max(0, span[0] - 1), min(len(words), span[1] + 1)))


def _a_stray_letter_size(value: str, words: Sequence[str],
                         span: tuple[int, int] | None, apparel: bool = False) -> bool:
    """Whether a linked size value is a letter size (:data:`_LETTER_SIZE_NAME`: "M", "L",
    "XL", "B") the query names beside no "size" and for nothing sold in letter sizes
    (:data:`_LETTER_SIZED_WORD`: clothing, footwear, gear): a lone letter after a product word
    is as often the start of the next word, a name's or a shape's ("tv m", "laptop m",
    "curtains for l", "king size b": the bed size's "size"). Such a link is no size at all,
    as the patterns read a single letter only next to "size" ("kurti size m") and one of
    several only next to clothing ("t shirt xxl"); "mens shirt l", "jacket size m" keep it,
    and so does a query that links clothing or footwear (``apparel``: :data:`_APPAREL_PATH`).

    >>> [_a_stray_letter_size("M", q.split(), (1, 2)) for q in ("tv m", "shirt m", "size m")]
    [True, False, False]
    >>> _a_stray_letter_size("B", "king size b".split(), (2, 3))
    True
    """
    if not _LETTER_SIZE_NAME.fullmatch(normalize_key(value).strip()):
        return False
    if apparel or _LETTER_SIZED_WORD.search(" ".join(words)):
        return False
    if span is None:
        return True
    return not any(words[i] in _SIZE_WORDS and not (i > 0 and words[i - 1] in _BED_SIZE_WORDS)
                   for i in range(max(0, span[0] - 1), min(len(words), span[1] + 1)))
