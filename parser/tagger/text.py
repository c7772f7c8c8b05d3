"""Text normalisation with a character-offset map, and the word splitter shared by training and
inference.

Example:
    >>> norm, back = normalize("ｉｐｈｏｎｅ ﬁ")
    >>> norm
    'iphone fi'
    >>> back[7], back[8]   # both characters of "fi" come from the ligature at index 7
    (7, 7)
    >>> split_words("苹果 iphone 15")
    [(0, 1), (1, 2), (3, 9), (10, 12)]
    >>> normalize("samsung™ tv\\x07lg")[0]   # a trademark sign or a control character: a space
    'samsung  tv lg'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from kg.schema import WORD_JOINERS

__all__ = ["WordMode", "is_cjk", "normalize", "separators_to_spaces", "split_words",
           "word_mode"]

#: How a text is cut into words: ``"auto"`` is ``"char"`` for a text holding CJK ideographs and
#: no whitespace (a Chinese sentence of the one-character-per-line data, joined without spaces,
#: where "iphone13" may hold an entity edge), else ``"whitespace"``.
WordMode = Literal["whitespace", "char", "auto"]

# CJK ideographs (as BERT's tokenize_chinese_chars defines them): each is its own word.
_CJK = (
    "\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\U0002a700-\U0002b73f"
    "\U0002b740-\U0002b81f\U0002b820-\U0002ceaf\uf900-\ufaff\U0002f800-\U0002fa1f"
)
_WORD_RE = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_CHAR_RE = re.compile(r"\S")
_CJK_RE = re.compile(rf"[{_CJK}]")


def word_mode(text: str, mode: WordMode = "auto") -> WordMode:
    """``mode``, with ``"auto"`` resolved for ``text`` (see :data:`WordMode`).

    >>> word_mode("三星手机壳"), word_mode("三星 手机壳"), word_mode("lg tv")
    ('char', 'whitespace', 'whitespace')
    """
    if mode != "auto":
        return mode
    stripped = text.strip()
    return "char" if _CJK_RE.search(stripped) and not _SPACE_RE.search(stripped) \
        else "whitespace"


_SPACE_RE = re.compile(r"\s")

# Characters that separate words without being part of one, each read as a space (one for one,
# so offsets hold): trademark-like signs, which NFKC glued to the word as letters ("samsung™ tv"
# became "samsungTM tv", a word no KG name holds: Samsung was lost; ℠ alike, and "Samsung®"
# linked nothing either), and the control characters other than whitespace and the zero-width
# space, which the KG's matching reads as a space (kg.schema.separates) but the word splitter
# did not ("tv\x07samsung" was one word), and the bidi embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), which kept "samsung \u202e vt 55" displayed reversed in
# ``normalized`` and ``rewritten``, for an engine's logs and pages.
_SEPARATORS_RE = re.compile(
    r"[\u2122\u2120\u00ae\u00a9\u2117\u200b\u202a-\u202e\u2066-\u2069"
    r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def separators_to_spaces(text: str) -> str:
    """``text`` with each trademark-like sign (™ ℠ ® © ℗), control character other than
    whitespace (NUL, BEL, C1 controls), zero-width space and bidi embedding, override or
    isolate (U+202A-U+202E, U+2066-U+2069) replaced by a space: the same
    length, so an offset into it is one into ``text``. The tagger's normalisation
    (:func:`normalize`) and the parser's text (``normalized``, linking, expansion) read the
    query so.

    >>> separators_to_spaces("Samsung® Galaxy\\u200bs21\\x00")
    'Samsung  Galaxy s21 '
    """
    return _SEPARATORS_RE.sub(" ", text)


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    return bool(_CJK_RE.fullmatch(ch))


def normalize(text: str) -> tuple[str, list[int]]:
    """NFKC-normalise ``text`` character by character, returning the text and, for every
    character of it, the index of the original character it came from.

    Lone surrogates (invalid in UTF-8) become U+FFFD so that the Rust tokenizer accepts them. A
    trademark-like sign, a control character or a zero-width space is a space
    (:func:`separators_to_spaces`): "samsung™" is the word "samsung", not "samsungTM". A soft
    hyphen, a word joiner or a byte-order mark (:data:`kg.schema.WORD_JOINERS`: no break inside
    a word) is dropped, no character of the output comes from it: "nike\\u00adshoes" is the word
    "nikeshoes", as the KG's matching reads it, and a byte-order mark opening the query is no
    part of its first word (an entity there starts after it).

    >>> normalize("\\ufeffsam\\u00adsung")
    ('samsung', [1, 2, 3, 5, 6, 7, 8])
    """
    text = separators_to_spaces(text)  # (one character for one: the map below holds)
    if text.isascii():
        return text, list(range(len(text)))
    out: list[str] = []
    back: list[int] = []
    for i, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            n = "\ufffd"
        elif ch in WORD_JOINERS:
            continue
        elif ch.isascii():
            n = ch
        else:
            n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        back.extend([i] * len(n))
    return "".join(out), back


def split_words(text: str, mode: WordMode = "whitespace") -> list[tuple[int, int]]:
    """Character spans of the words of ``text``.

    ``"whitespace"``: runs of non-space characters, with every CJK ideograph a word of its own
    (QueryNER is whitespace-tokenised). ``"char"``: every non-space character is a word (the
    Chinese one-character-per-line data). ``"auto"``: :func:`word_mode` of the text.

    >>> [("苹果iphone13"[a:b]) for a, b in split_words("苹果iphone13", "auto")][:3]
    ['苹', '果', 'i']
    """
    rx = _CHAR_RE if word_mode(text, mode) == "char" else _WORD_RE
    return [m.span() for m in rx.finditer(text)]
