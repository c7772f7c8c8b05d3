"""A Querqy-like query-rewriting rule layer, edited by people in a text file.

Syntax (``#`` starts a comment; instructions are indented under their input)::

    laptop =>
        SYNONYM: notebook                # one-way: "laptop" also searches "notebook"
        SYNONYM(0.5): notebook computer  # weighted, multi-word
        UP(50): brand:apple              # boost documents matching a term or field:value
        DOWN(20): refurbished            # demote
        FILTER: category:Laptops         # structured filter field:value (both non-empty)
        DELETE: cheap                    # remove a term from the query (no argument: the input)
    "tv" =>                              # quoted input: the query must be just these words
        SYNONYM: television
    tv <=> television                    # two-way synonym (shorthand for two rules)

Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (no other character ends one: a form feed or U+2028
in a comment stays in the comment). ``#`` starts a comment at the start of a line or after
whitespace: ``c#`` and ``size#2`` keep theirs, and ``\\#`` is a ``#`` that starts no comment
(``SYNONYM: \\#1 seller``). A double quote ``"`` quotes a whole input (exact), a whole argument
(``FILTER: "brand:LG"``) or the value of a ``field:value`` (``FILTER: brand:"Bang & Olufsen"``,
``UP(20): brand:"Epson"``); right after a digit it is an inch mark (``65" tv =>``, ``SYNONYM:
12" sub``); anywhere else it is refused with the line, and so are curly double quotes (“ ”,
but not after a digit) and a ``*``: Querqy's ``"laptop =>`` (the query starts with),
``laptop" =>`` (ends with) and ``lapto* =>`` (prefix) have no equivalent here, where inputs
match whole words. Querqy's raw-query marker is accepted in ``FILTER``, ``UP`` and ``DOWN``:
``FILTER: * brand:apple`` means ``FILTER: brand:apple`` (a ``field:value``, not a raw engine
query). A ``FILTER`` field is a name (letters, digits, ``_``, ``-``, ``.``, spaces). A
``SYNONYM`` weight is in (0, 1] (the expansion's score), an ``UP``/``DOWN`` weight > 0; any
other is refused with the line.

Inputs match whole words of the query normalised for matching (NFKC, case-folded, invisible
characters such as a zero-width space dropped; the characters NFKC would turn into digits or
primes, such as superscripts, fractions and circled numbers, stay as typed: "10²" is no "102"
and "1½" no "11⁄2"), split the way a search analyzer splits text: a word is a run of letters,
digits and marks, and any other character (space, punctuation, symbol) separates words, so
``tv`` fires for "samsung tv.", "(tv)", "tv/monitor", "smart-tv" and ``"samsung tv"`` but not
for "tvs" or "smarttv". An apostrophe inside a word belongs to it and a possessive is the word
("tv's" matches ``tv``). A multi-word input matches consecutive words; a quoted input matches
when the query's words are exactly its words. Digits joined by anything but a space ("1/2",
"2.5", "1,000", "1-2", "16:9") are one number, which an input (or ``DELETE`` term) matches
only as written and whole: ``1/2`` fires on "1/2 inch", not on "1.2 ghz", "1-2 day" or "1 2
pack"; ``2 inch`` not on "1.2 inch" or "1/2 inch". ``DELETE`` removes every occurrence, with the
punctuation glued to it; one that would leave no word is not applied (the query stays
non-empty). An applied ``DELETE`` names the words it removes, also when written without an
argument (``rules.txt:12: cheap => DELETE(1): cheap``). Weights default to 1.0 (``SYNONYM``)
and 100 (``UP``/``DOWN``).

The rewritten query (:attr:`RuleResult.query`; ``rewritten`` of a parsed query) keeps the
query's own spelling and case: only the matching is case-folded. Without an applied ``DELETE``
(no rule fired, or only ``SYNONYM``/``UP``/``DOWN``/``FILTER`` did) it is the query
NFKC-normalised with its whitespace collapsed, the parser's ``normalized`` ("Straße Lampe"
stays "Straße Lampe"), except that the characters NFKC would turn into digits or primes stay
as typed: NFKC changes the number they are part of ("drill bit 1½ inch" stays so, not "drill
bit 11⁄2 inch"; "tv under 10²" not "tv under 102"; "50″" not "50′′"); a full-width digit
("５") is a digit and is normalised. After a ``DELETE`` it is that text without its invisible
characters, less the deleted words ("Cheap SAMSUNG TV" -> "SAMSUNG TV").

A rule whose input the query excludes is not applied as written (:meth:`RuleSet.apply`'s
``excluded``; the expansion, :func:`fusion.expand.expand`, passes the negation cues it reads
before linked values: "not", "no", "without", "except", "anything but", "other than" ..., and
"non" too, here and before brands: "non refurbished" is no refurbished one). Its ``FILTER``
becomes a DOWN boost of the same ``field:value`` (the expansion's
``ExpansionConfig.brand_boost``, like a negated link), reported as applied with
``(negated)`` after it (``rules.txt:16: refurbished => FILTER(1): condition:refurbished
(negated)``, the boost's rule): "not refurbished laptop" must not show only refurbished
laptops. Its other instructions are not applied (nor reported): a ``SYNONYM``, ``UP`` or
``DOWN`` would search for, or rank by, what the user ruled out ("laptop not tv" gets no
"television"; "not cheap tv" no DOWN on "premium"), and a ``DELETE`` would leave the cue
before another word ("not cheap tv" -> "not tv"). The input counts as excluded when every
place it matches is.

``FILTER: field:value`` is kept as ``field:value`` (spaces around the colon dropped, case as
written). The fields ``brand``, ``category``, ``colour`` (or ``color``) and ``size`` add the
value to that filter (:class:`fusion.expand.Filters`); any other field is passed on as the
string ``"field:value"`` in ``Filters.other`` (``filters.other`` of a parsed query), for the
search engine to map: ``FILTER: condition:refurbished`` gives ``"condition:refurbished"``. A
rule cannot set a price bound (``price_min``/``price_max``, also spelt ``min_price``,
``Price-Max`` ...): bounds are read from the query only (:mod:`fusion.patterns`), and a rule's
would have gone to ``other`` as text, next to the query's own bound; such a line is refused
with a :class:`RuleSyntaxError` naming it.

The file is read as UTF-8 (a leading BOM is ignored). A malformed line raises
:class:`RuleSyntaxError` with its path and line number (a missing or unreadable file: its path
only). :class:`RulesFile` re-reads the file when its mtime or size changes, so edits apply
without a restart; every applied rule is reported. For serving (``keep_last_good=True``) a
broken edit keeps the last good rules in use and is reported by :meth:`RulesFile.status`
instead of failing every query, and a save in progress is never read: a changed file is read
once it has stayed unchanged (mtime and size) for ``quiet_s`` (1 s), and one with no rules in
it (empty, blank or comments only) that would replace rules in use once it has stayed so for
``empty_quiet_s`` (5 s, a warning logged meanwhile); the rules in use serve every query until
then (no query waits).

Example:
    >>> rules = RuleSet.parse('laptop =>\\n  SYNONYM(0.5): notebook\\n  DELETE: cheap\\n')
    >>> r = rules.apply("cheap laptop")
    >>> r.query, [(s.term, s.weight) for s in r.synonyms], [a.line for a in r.applied]
    ('laptop', [('notebook', 0.5)], [2, 3])
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fusion.errors import RuleSyntaxError
from kg.schema import drop_invisible, drop_word_joiners, normalize_name

__all__ = ["AppliedRule", "Instruction", "Rule", "RuleResult", "RuleSet", "RulesFile",
           "RulesStatus"]

logger = logging.getLogger(__name__)

KINDS = ("SYNONYM", "UP", "DOWN", "FILTER", "DELETE")
_DEFAULT_WEIGHT = {"SYNONYM": 1.0, "UP": 100.0, "DOWN": 100.0, "FILTER": 1.0, "DELETE": 1.0}
# (linear in the line's length: no lazy group before a run of whitespace, whose backtracking
# made a line of N spaces take O(N^2), 4 s at 40,000: the server's reload stalled on it; an
# input line and a two-way synonym are split with str methods, see RuleSet.parse)
_TWO_WAY_BAD = frozenset("=<>")
_INSTR = re.compile(r"^(?P<kind>[A-Za-z]++)\s*+(?:\((?P<w>[^)]*+)\))?\s*+:(?P<arg>.*+)$")
_INSTR_NOARG = re.compile(r"^(?P<kind>[A-Za-z]+)\s*$")
_POSSESSIVE = re.compile("['\u2019]s$")
_APOSTROPHES = "'\u2019"
#: characters that belong to the word they follow ("c++", "c#": not the word "c"; the KG
#: loaders keep them in names for the same reason)
_WORD_TAIL = "+#"
# brackets and quotes: a DELETE drops one only together with its partner
_PAIRS = {"(": ")", "[": "]", "{": "}", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb",
          '"': '"', "'": "'"}
_CLOSERS = frozenset(_PAIRS.values())
# separators a DELETE may leave dangling at the end of the query or before a closing bracket
_SEPARATORS = ",;:.!?/|&+-\u2013\u2014"
# numeric filter fields a FILTER rule cannot set (keys as :func:`_field_key` writes them)
_PRICE_FIELDS = frozenset({"price_min", "price_max", "min_price", "max_price", "pricemin",
                           "pricemax", "minprice", "maxprice"})


@dataclass(frozen=True)
class Instruction:
    kind: str
    arg: str
    weight: float
    line: int


@dataclass(frozen=True)
class Rule:
    """An input (word sequence, or an exact query when ``exact``) and its instructions."""

    input: str
    exact: bool
    instructions: tuple[Instruction, ...]
    line: int


@dataclass(frozen=True)
class AppliedRule:
    """A rule instruction that fired: where it is written and what it did (``negated``: a
    ``FILTER`` whose input the query excludes, applied as a DOWN boost; see the module docs).
    ``dropped``: why the parse left its effect out (set by :func:`fusion.expand.expand`:
    ``"excluded"``, the query excludes its term or value; ``"merged"``, the same value from
    another source stands for it; ``"in a name"``, a synonym of a word of a longer KG name the
    query says, "tv" of "fire tv stick"; ``"dropped"``, another reason such as the expansion
    limit),
    written after it in parentheses."""

    path: str
    line: int
    input: str
    kind: str
    arg: str
    weight: float
    negated: bool = False
    dropped: str | None = None

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: {self.input} => {self.kind}({self.weight:g}): "
                f"{self.arg}{' (negated)' if self.negated else ''}"
                f"{f' ({self.dropped})' if self.dropped else ''}")


@dataclass(frozen=True)
class Term:
    term: str
    weight: float
    rule: AppliedRule


@dataclass
class RuleResult:
    """The rewritten query and what the rules added: synonyms, boosts, filters, deletions.

    ``query`` keeps the query's spelling and case (see the module docs): the query
    NFKC-normalised (numbers as typed) with its whitespace collapsed, less the words a
    ``DELETE`` removed. ``deleted`` holds the deleted terms as rules match them (case-folded).
    ``negated_filters``: the ``FILTER`` terms of rules whose input the query excludes (no
    filters: the expansion makes them DOWN boosts)."""

    query: str
    synonyms: list[Term] = field(default_factory=list)
    boosts: list[Term] = field(default_factory=list)  # weight > 0 up, < 0 down
    filters: list[Term] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    applied: list[AppliedRule] = field(default_factory=list)
    negated_filters: list[Term] = field(default_factory=list)


#: what NFKC makes of a double prime ("50″" -> "50′′"): digit-like marks
_PRIMES = frozenset("\u2032\u2035")


@lru_cache(maxsize=4096)
def _keeps_as_typed(ch: str) -> bool:
    """Whether NFKC would turn ``ch`` into digits or primes that change the number it is part
    of: a superscript ("10²" -> "102"), a fraction ("1½" -> "11⁄2"), a circled number, a
    double prime ("50″" -> "50′′"). A full-width digit ("５") is a decimal digit: not kept."""
    if ch.isascii() or ch.isdecimal():
        return False
    n = unicodedata.normalize("NFKC", ch)
    return n != ch and any(c.isdecimal() or c in _PRIMES for c in n)


def _nfkc_keeping_numbers(text: str) -> str:
    """``text`` NFKC-normalised, except the characters NFKC would turn into digits or primes,
    which stay as typed (:func:`_keeps_as_typed`): the text rules match and rewrite.

    >>> _nfkc_keeping_numbers("ｄｒｉｌｌ 1½ inch, tv under 10² ５０″")
    'drill 1½ inch, tv under 10² 50″'
    """
    if text.isascii():  # (NFKC leaves ASCII as it is)
        return text
    parts: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if _keeps_as_typed(ch):
            parts += [unicodedata.normalize("NFKC", text[start:i]), ch]
            start = i + 1
    parts.append(unicodedata.normalize("NFKC", text[start:]))
    return "".join(parts)


#: the line ends of a rules file (``str.splitlines`` also ends lines at a form feed, U+2028,
#: U+0085 ...: pasted into a comment, they made rule lines of its text and moved every later
#: line number)
_LINE_END = re.compile(r"\r\n|\r|\n")
#: curly double quotes: a wiki's or word processor's quotes, which quote nothing in rules
_CURLY_QUOTES = "\u201c\u201d\u201e\u201f"
#: a FILTER field name (no "*", quote or bracket: raw engine syntax is no field)
_FIELD = re.compile(r"\w[\w .\-]*")
#: a "#" that starts a comment (see :func:`_strip_comment`)
_COMMENT_START = re.compile(r"(?:^|\s)#")


def _strip_comment(line: str) -> str:
    """``line`` without its comment: ``#`` starts one at the start of the line or after
    whitespace, and ``\\#`` is a ``#`` that starts none ("c#" is a word, as the matcher reads
    it). Quotes play no part: an inch mark (``65" tv =>  # big``) opens nothing."""
    if "#" not in line:
        return line.rstrip()
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch == "\\" and i + 1 < n and line[i + 1] == "#":
            out.append("#")
            i += 2
            continue
        if ch == "#" and (i == 0 or line[i - 1].isspace()):
            break
        out.append(ch)
        i += 1
    return "".join(out).rstrip()


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"  # letters, numbers, (combining) marks


#: a word of :func:`_word_spans` in ASCII text, where the word characters (letters, numbers,
#: marks) are the letters and digits: a run of them, with :data:`_WORD_TAIL` characters and an
#: apostrophe before a letter or digit inside it
_ASCII_WORD = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z+#]|'(?=[0-9A-Za-z]))*")


def _word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each word of ``text``, as a search analyzer splits it: a word is a run
    of letters, digits and marks, with an apostrophe inside it ("don't", "tv's"); every other
    character separates words."""
    if text.isascii():  # (most queries: the loop below, as one pattern)
        return [m.span() for m in _ASCII_WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_word_char(text[i]):
            i += 1
            continue
        j = i + 1
        while j < n and (_is_word_char(text[j]) or text[j] in _WORD_TAIL or (
                text[j] in _APOSTROPHES and j + 1 < n and _is_word_char(text[j + 1]))):
            j += 1
        spans.append((i, j))
        i = j
    return spans


def _join(text: str, end: int, start: int) -> str | None:
    """What joins the word of ``text`` ending at ``end`` to the one starting at ``start`` where
    both are digits there: the characters between them, or " " when they hold a space (None
    where either is no digit). Digits joined by anything but a space ("1/2", "2.5", "1-2")
    are one number."""
    if not (text[end - 1].isdecimal() and text[start].isdecimal()):
        return None
    gap = text[end:start]
    return " " if not gap or any(ch.isspace() for ch in gap) else gap


def _joins(text: str, spans: list[tuple[int, int]] | None = None) -> list[str | None]:
    """:func:`_join` of each word of ``text`` (``spans``: its :func:`_word_spans`) to the word
    before it; index k is the join before word k, and the list has one None more at each end
    (before the first word, after the last)."""
    if spans is None:
        spans = _word_spans(text)
    return [None, *(_join(text, spans[k - 1][1], spans[k][0]) for k in range(1, len(spans))),
            None]


def _joins_at(text: str, spans: list[tuple[int, int]], at: list[int]) -> list[str | None]:
    """The :func:`_join` of the words ``at`` (indexes into ``spans``, in order) to the word
    before each, and of the last to the word after it: what :func:`_numbers_whole` compares
    (in the query as typed)."""
    n = len(spans)
    return [_join(text, spans[at[0] - 1][1], spans[at[0]][0]) if at[0] else None,
            *(_join(text, spans[a][1], spans[b][0]) for a, b in itertools.pairwise(at)),
            _join(text, spans[at[-1]][1], spans[at[-1] + 1][0]) if at[-1] + 1 < n else None]


def _numbers_whole(query_joins: list[str | None], rule_joins: list[str | None]) -> bool:
    """Whether an input whose :func:`_joins` are ``rule_joins`` takes the numbers of the query
    words it matches as written and whole (``query_joins``: the query's joins from the one
    before the first matched word to the one after the last): every number it spans joined as
    in the input ("1/2" is no "1.2" nor "1 2"), and no number cut at either end ("2 inch" is
    not in "1.2 inch")."""
    if query_joins[0] not in (None, " ") or query_joins[-1] not in (None, " "):
        return False
    return all(a is None or b is None or a == b
               for a, b in zip(rule_joins[1:-1], query_joins[1:-1], strict=True))


def _field_key(name: str) -> str:
    """A FILTER field name as compared with :data:`_PRICE_FIELDS`: "Price-Max" -> "price_max"."""
    return re.sub(r"[\s_-]+", "_", name.strip().casefold())


def _word_key(word: str) -> str:
    """A word as rules match it: a possessive is the word ("tv's" -> "tv")."""
    return _POSSESSIVE.sub("", word)


def _words(text: str) -> list[str]:
    """The words of (normalised) ``text`` as rules match them."""
    return [_word_key(text[s:e]) for s, e in _word_spans(text)]


def _merge_gap(before: str, inner: str, after: str, has_prev: bool, has_next: bool) -> str:
    """What is left between the kept words around a run of deleted words.

    ``before``: the text between the previous word and the run, ``inner``: between the deleted
    words, ``after``: between the run and the next word (``has_prev``/``has_next``: whether
    those words exist). Punctuation glued to a deleted word goes with it, except a bracket or
    quote whose partner stays (``"(cheap tv)"`` -> ``"(tv)"``); punctuation glued to a kept
    word stays, but not a separator left dangling (``"tv, cheap"`` -> ``"tv"``)."""
    keep_left, glued_left = "", before  # glued to the previous kept / to the deleted word
    if has_prev and " " in before:  # the query is normalised: spaces are single " "
        keep_left, glued_left = before[: before.index(" ")], before[before.rindex(" ") + 1 :]
    glued_right, keep_right = after, ""
    if has_next and " " in after:
        glued_right, keep_right = after[: after.index(" ")], after[after.rindex(" ") + 1 :]
    glued = glued_left + inner + glued_right
    openers: list[str] = []
    closers: list[str] = []
    for i, ch in enumerate(glued):
        if openers and ch == _PAIRS[openers[-1]]:
            openers.pop()  # a pair around deleted words only: dropped
        elif ch in _PAIRS and not (ch in _CLOSERS and i >= len(glued) - len(glued_right)):
            openers.append(ch)
        elif ch in _CLOSERS:
            closers.append(ch)
    left = right = ""
    if has_prev:
        left = keep_left.rstrip(_SEPARATORS) if closers or not has_next else keep_left
        left += "".join(closers)
    if has_next:
        right = "".join(openers) + keep_right
    if not (has_prev and has_next):
        return left + right
    joiner = " "  # "smart-cheap-tv" -> "smart-tv": the words were joined, keep them joined
    if " " not in before and " " not in after:
        joiner = "".join(ch for ch in after if ch not in _PAIRS and ch not in _CLOSERS) or " "
    return left + joiner + right


def _rewrite(text: str, spans: list[tuple[int, int]], kept: list[bool]) -> str:
    """``text`` without its words (``spans``) that are not ``kept``; see :func:`_merge_gap`."""
    n = len(spans)
    gaps = [text[spans[k - 1][1] if k else 0 : spans[k][0] if k < n else len(text)]
            for k in range(n + 1)]
    parts: list[str] = []
    pending = gaps[0]  # the text before the next kept word
    k = 0
    while k < n:
        if kept[k]:
            parts += [pending, text[spans[k][0] : spans[k][1]]]
            pending = gaps[k + 1]
            k += 1
            continue
        j = k
        while j < n and not kept[j]:
            j += 1
        pending = _merge_gap(pending, "".join(gaps[k + 1 : j]), gaps[j], bool(parts), j < n)
        k = j
    parts.append(pending)
    return " ".join("".join(parts).split())


def _all_words_in(needle: list[str], hay: list[str]) -> list[int]:
    """Start indexes of every occurrence of the word sequence ``needle`` in ``hay``."""
    n = len(needle)
    return [i for i in range(len(hay) - n + 1) if hay[i : i + n] == needle]


def _input(body: str) -> dict[str, str] | None:
    """``{"input": ...}`` of an input line ``body`` (stripped) ``input =>``, else None."""
    if len(body) > 2 and body.endswith("=>"):
        return {"input": body[:-2].rstrip()}
    return None


def _two_way(body: str) -> dict[str, str] | None:
    """``{"a": ..., "b": ...}`` of a two-way synonym ``body`` (stripped) ``a <=> b``: one
    ``<=>``, terms on both sides and no other ``=``, ``<`` or ``>``; else None."""
    left, sep, right = body.partition("<=>")
    right = right.strip()
    if not sep or not left or not right or _TWO_WAY_BAD.intersection(left + right):
        return None
    return {"a": left.rstrip(), "b": right}


class RuleSet:
    """Parsed rules; :meth:`apply` rewrites a query."""

    def __init__(self, rules: list[Rule], *, path: str = "<string>") -> None:
        self.rules = rules
        self.path = path
        self._words = [_words(r.input) for r in rules]  # what each input matches
        self._joins = [_joins(r.input) for r in rules]  # how its numbers are written

    def __len__(self) -> int:
        return len(self.rules)

    @classmethod
    def parse(cls, text: str, *, path: str = "<string>") -> RuleSet:
        """Parse rules text; raises :class:`RuleSyntaxError` naming the line on any error."""
        rules: list[Rule] = []
        current: tuple[str, bool, int] | None = None
        instrs: list[Instruction] = []

        def close() -> None:
            nonlocal current, instrs
            if current is not None:
                if not instrs:
                    raise RuleSyntaxError(
                        f"input {current[0]!r} has no instructions; indent "
                        "lines like '  SYNONYM: term' under it",
                        path=path,
                        line=current[2],
                    )
                rules.append(Rule(current[0], current[1], tuple(instrs), current[2]))
            current, instrs = None, []

        def words_of(term: str, what: str, n: int) -> str:
            if not _words(term):
                raise RuleSyntaxError(f"{what} {term!r} has no words (letters or digits) to match",
                                      path=path, line=n)
            return term

        def checked(term: str, what: str, n: int, *, shown: str | None = None) -> str:
            """``term`` as written, or a :class:`RuleSyntaxError`: a ``*``, or a double quote
            that is no inch mark (one right after a digit, 65") and so quotes nothing."""
            shown = term if shown is None else shown
            if "*" in term:
                where = ("; only a leading '* ' (Querqy's raw-query marker) is read, as "
                         "'* field:value' = 'field:value'") if what.startswith(("UP", "DOWN",
                                                                               "FILTER")) else ""
                raise RuleSyntaxError(
                    f"{what} {shown!r}: '*' is no wildcard here (rules match whole words: "
                    f"write each word out){where}", path=path, line=n)
            for i, ch in enumerate(term):
                if (ch != '"' and ch not in _CURLY_QUOTES) or (i and term[i - 1].isdecimal()):
                    continue  # (an inch mark: 65" tv)
                if ch in _CURLY_QUOTES:
                    raise RuleSyntaxError(
                        f"{what} {shown!r}: curly quotes (\u201c \u201d) quote nothing in rules; "
                        'write straight quotes ("...")', path=path, line=n)
                anchors = ("; Querqy's '\"laptop =>' (the query starts with) and 'laptop\" =>' "
                           "(ends with) are not supported") if what == "input" else ""
                raise RuleSyntaxError(
                    f"{what} {shown!r}: a '\"' quotes nothing here: quote all of it, or write "
                    f"it right after a number as an inch mark (65\"){anchors}{hint}",
                    path=path, line=n)
            return term

        def unquoted(term: str) -> str:
            """``term`` without a pair of straight quotes around all of it."""
            return term[1:-1].strip() if len(term) >= 2 and term[0] == term[-1] == '"' else term

        text = text.removeprefix("\ufeff")  # a BOM (text decoded as "utf-8", not "utf-8-sig")
        # (lines end at \n, \r\n or \r only: see _LINE_END)
        for n, raw in enumerate(_LINE_END.split(text), 1):
            line = _strip_comment(raw)
            if not line.strip():
                continue
            hint = ("; a '#' at the start or after a space starts a comment: write \\# for the "
                    "character" if _COMMENT_START.search(raw) else "")
            indented = line[0] in " \t"
            body = line.strip()
            if not indented:
                close()
                if m := _two_way(body):
                    for side in (m["a"].strip(), m["b"].strip()):
                        if unquoted(side) != side:
                            raise RuleSyntaxError(
                                f"'<=>' joins words, not an exact (quoted) input: write "
                                f"'{side} =>' with '  SYNONYM: ...' under it", path=path, line=n)
                        checked(side, "synonym", n)
                    a, b = normalize_name(m["a"]), normalize_name(m["b"])
                    if not a or not b:
                        raise RuleSyntaxError(
                            "two-way synonym needs terms on both sides of <=>", path=path, line=n
                        )
                    words_of(a, "synonym", n)
                    words_of(b, "synonym", n)
                    rules.append(Rule(a, False, (Instruction("SYNONYM", b, 1.0, n),), n))
                    rules.append(Rule(b, False, (Instruction("SYNONYM", a, 1.0, n),), n))
                    continue
                if "<=>" in body:  # a broken 'a <=> b', not an input 'a <' of 'a <=>'
                    left, _, right = body.partition("<=>")
                    msg = f"expected 'a <=> b' (one '<=>', no other '=<>'), got {body!r}"
                    if not left.strip():
                        msg = "'<=>' needs a term on its left"
                    elif not right.strip():
                        msg = "'<=>' needs synonyms on its right (e.g. 'tv <=> television')"
                    raise RuleSyntaxError(msg, path=path, line=n)
                m = _input(body)
                if not m:
                    raise RuleSyntaxError(
                        f"expected 'input =>' or 'a <=> b', got {body!r}{hint}", path=path,
                        line=n)
                inp = m["input"].strip()
                exact = unquoted(inp) != inp
                inp = normalize_name(checked(unquoted(inp), "input", n, shown=inp))
                if not inp:
                    raise RuleSyntaxError("empty rule input", path=path, line=n)
                current = (words_of(inp, "input", n), exact, n)
                continue
            if current is None:
                raise RuleSyntaxError(
                    "indented instruction without an 'input =>' line above it", path=path, line=n
                )
            m = _INSTR.match(body) or _INSTR_NOARG.match(body)
            if not m:
                raise RuleSyntaxError(
                    f"expected 'KIND: argument' (KIND one of {', '.join(KINDS)}), got {body!r}",
                    path=path,
                    line=n,
                )
            kind = m["kind"].upper()
            if kind not in KINDS:
                raise RuleSyntaxError(
                    f"unknown instruction {m['kind']!r}; use one of {', '.join(KINDS)}",
                    path=path,
                    line=n,
                )
            w_text = m.groupdict().get("w")
            w_text = w_text.strip() if w_text is not None else None
            weight = _DEFAULT_WEIGHT[kind]
            if w_text is not None:
                try:
                    weight = float(w_text)
                except ValueError:
                    raise RuleSyntaxError(
                        f"weight {w_text!r} is not a number", path=path, line=n
                    ) from None
                if not (weight == weight and abs(weight) != float("inf")) or weight < 0:
                    raise RuleSyntaxError(
                        f"weight must be a finite number >= 0, got {w_text}", path=path, line=n
                    )
                # (an expansion's score is in (0, 1]: 0 searched nothing, 3 was cut to 1 unsaid;
                # a boost of 0 changes nothing)
                if kind == "SYNONYM" and not 0 < weight <= 1:
                    raise RuleSyntaxError(
                        f"SYNONYM weight must be > 0 and at most 1 (the expansion's score, in "
                        f"(0, 1]), got {w_text}", path=path, line=n)
                if kind in ("UP", "DOWN") and weight == 0:
                    raise RuleSyntaxError(
                        f"{kind} weight must be > 0 (a boost of 0 changes nothing; 100 when "
                        f"left out), got {w_text}", path=path, line=n)
            arg = (m.groupdict().get("arg") or "").strip()
            what = f"{kind} argument"
            if kind in ("UP", "DOWN", "FILTER") and arg.startswith("*"):
                arg = arg[1:].strip()  # Querqy's raw-query marker: "* brand:apple" = brand:apple
            if kind == "FILTER":
                fld, _, val = unquoted(arg).partition(":")
                fld, val = fld.strip(), val.strip()
                if not fld or not val:
                    raise RuleSyntaxError(
                        f"FILTER needs field:value (e.g. brand:apple), got {arg!r}",
                        path=path, line=n)
                if _field_key(fld) in _PRICE_FIELDS:
                    raise RuleSyntaxError(
                        f"FILTER {arg!r}: a rule cannot set a price bound ({fld}); "
                        "price_min/price_max are read from the query only (\"under 500\"); "
                        "remove the line, or use UP/DOWN", path=path, line=n)
                if "*" not in fld and not _FIELD.fullmatch(fld):
                    raise RuleSyntaxError(
                        f"FILTER field {fld!r} is no field name (a letter or digit, then "
                        "letters, digits, '_', '-', '.' or spaces): write FILTER: field:value "
                        "(of Querqy's raw queries only '* field:value' is read)",
                        path=path, line=n)
                val = checked(unquoted(val), what, n, shown=arg)
                arg = f"{checked(fld, what, n, shown=arg)}:{val}"
            elif kind in ("UP", "DOWN"):
                arg = unquoted(arg)
                fld, colon, val = arg.partition(":")
                if colon and unquoted(val.strip()) != val.strip():  # field:"value"
                    arg = f"{fld.strip()}:{unquoted(val.strip())}"
                arg = checked(arg, what, n)
            else:
                arg = checked(unquoted(arg), what, n, shown=arg)
            if kind in ("SYNONYM", "UP", "DOWN") and not arg:
                raise RuleSyntaxError(f"{kind} needs a term", path=path, line=n)
            if kind == "DELETE" and arg:
                words_of(arg, "DELETE term", n)
            instrs.append(Instruction(kind, arg, weight, n))
        close()
        return cls(rules, path=path)

    def apply(self, query: str, *,
              excluded: Callable[[str, int], bool] | None = None) -> RuleResult:
        """Apply every matching rule (in file order) to ``query``.

        ``DELETE`` removes every occurrence of its term (after the deletions of the rules above
        it); one that would leave the query without a word is not applied (nor reported).
        Words are matched case-folded; the rewritten query keeps the query's spelling (see
        :class:`RuleResult`).

        ``excluded(text, start)``: whether the words of ``text`` (the normalised query the
        rules match) before the character offset ``start`` put the words from there out of the
        search ("not refurbished"); a rule whose input is excluded wherever it matches is not
        applied as written: its ``FILTER`` goes to :attr:`RuleResult.negated_filters`, its
        other instructions are dropped (see the module docs). None: no input is excluded."""
        # the parser's `normalized` (numbers as typed): what `rewritten` is when no DELETE
        # applies
        normalized = " ".join(_nfkc_keeping_numbers(drop_word_joiners(query)).split())
        # the text matched and rewritten: the same without invisible characters (so that its
        # words are those of normalize_name(query), with their case)
        text = " ".join(_nfkc_keeping_numbers(drop_invisible(query)).split())
        spans = _word_spans(text)
        words = [_word_key(text[s:e].casefold()) for s, e in spans]
        joins = _joins(text, spans)
        res = RuleResult(query=normalized)
        delete: list[tuple[str, AppliedRule]] = []
        if len(self._words) != len(self.rules):  # rules appended since: their words too
            self._words = [_words(r.input) for r in self.rules]
            self._joins = [_joins(r.input) for r in self.rules]
        present = set(words)
        for rule, rule_words, rule_joins in zip(self.rules, self._words, self._joins,
                                                strict=True):
            if rule.exact:
                if words != rule_words:
                    continue
                starts = [0]
            elif rule_words and rule_words[0] not in present:
                continue  # (an input whose first word the query lacks: no occurrence)
            else:
                starts = _all_words_in(rule_words, words)
            # (numbers as written and whole: "1/2" is in "1/2 inch", not in "1.2 ghz")
            starts = [i for i in starts
                      if _numbers_whole(joins[i : i + len(rule_words) + 1], rule_joins)]
            if not starts:
                continue
            negated = excluded is not None and all(excluded(text, spans[i][0]) for i in starts)
            for ins in rule.instructions:
                arg = ins.arg
                if ins.kind == "DELETE" and not arg:  # name the words it removes
                    arg = rule.input
                if negated and ins.kind != "FILTER":
                    logger.debug("%s:%d: %s => %s not applied: the query %r excludes its input",
                                 self.path, ins.line, rule.input, ins.kind, normalized)
                    continue
                applied = AppliedRule(self.path, ins.line, rule.input, ins.kind, arg, ins.weight,
                                      negated)
                res.applied.append(applied)
                if negated:  # a FILTER the query excludes ("not refurbished"): no filter
                    res.negated_filters.append(Term(ins.arg, ins.weight, applied))
                    continue
                if ins.kind == "SYNONYM":
                    res.synonyms.append(Term(normalize_name(ins.arg), ins.weight, applied))
                elif ins.kind in ("UP", "DOWN"):
                    sign = 1.0 if ins.kind == "UP" else -1.0
                    res.boosts.append(Term(ins.arg, sign * ins.weight, applied))
                elif ins.kind == "FILTER":
                    res.filters.append(Term(ins.arg, ins.weight, applied))
                elif ins.kind == "DELETE":
                    delete.append((normalize_name(ins.arg or rule.input), applied))
        kept = [True] * len(words)
        for term, applied in delete:
            seq = _words(term)
            if not seq:  # (RuleSet.parse refuses such terms; a Rule built in code may not)
                continue
            term_joins = _joins(term)
            live = [i for i, k in enumerate(kept) if k]
            hits: list[int] = []  # indexes into live of non-overlapping occurrences
            for i in _all_words_in(seq, [words[j] for j in live]):
                if (not hits or i >= hits[-1] + len(seq)) and _numbers_whole(
                        _joins_at(text, spans, live[i : i + len(seq)]), term_joins):
                    hits.append(i)
            if not hits:
                continue
            if len(hits) * len(seq) == len(live):
                logger.debug("%s not applied: it would leave no word of %r", applied,
                             normalized)
                res.applied = [a for a in res.applied if a is not applied]
                continue
            for i in hits:
                for j in live[i : i + len(seq)]:
                    kept[j] = False
            res.deleted.append(term)
        if not all(kept):
            res.query = _rewrite(text, spans, kept)
        return res


@dataclass(frozen=True)
class RulesStatus:
    """Health of a :class:`RulesFile`: how many rules are in use and the last load error.

    ``ok`` is False while the file on disk cannot be used (syntax error, invalid UTF-8,
    unreadable, deleted or outside its root); ``error`` then names the line and the kind of
    error, without the text the file holds (logged at debug level); ``rules`` are the last
    good ones, loaded at ``loaded_at``
    (Unix time; None when nothing was ever loaded). ``errors`` counts failed reloads.
    """

    path: str
    ok: bool
    rules: int
    error: str | None
    loaded_at: float | None
    errors: int

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "ok": self.ok, "rules": self.rules, "error": self.error,
                "loaded_at": self.loaded_at, "errors": self.errors}


def _file_error(message: str, name: str) -> RuleSyntaxError:
    """A :class:`RuleSyntaxError` about the whole file (missing, unreadable): ``name: message``,
    no line number (``line`` is 0)."""
    exc = RuleSyntaxError(message, path=name)
    exc.args = (f"{name}: {message}",)
    return exc


#: a quoted text in an error message: what a line held (``got 'DB_PASSWORD=hunter2'``)
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


def _redacted(error: str) -> str:
    """``error`` without what the file holds: every quoted text replaced by ``'…'``, cut to 300
    characters. :meth:`RulesFile.status` reports this (the server's unauthenticated /ready
    shows it): the line number and the kind of error, never the line (a rules file made a
    symlink to a secret had its first line echoed); the full text is logged at debug level."""
    out = _QUOTED.sub("'…'", error)
    return out if len(out) <= 300 else f"{out[:300]}…"


def _read_rules(path: Path, name: str, root: Path | None = None) -> RuleSet:
    """Read and parse a rules file; every failure is a :class:`RuleSyntaxError` naming it.
    With ``root``, a file that resolves (symlinks followed) outside it is refused unread."""
    if root is not None:
        try:
            inside = path.resolve().is_relative_to(root)
        except (OSError, RuntimeError):  # (a symlink loop)
            inside = False
        if not inside:
            logger.debug("rules file %s resolves to %s, outside %s", path,
                         os.path.realpath(path), root)
            raise _file_error("the rules file resolves (a symlink?) to a file outside the "
                              "bundle; refused: make it a plain file in the bundle", name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _file_error("the rules file does not exist (deleted or moved?)", name) from None
    except OSError as exc:
        raise _file_error(f"the rules file cannot be read: {exc.strerror or exc}", name) from None
    try:
        text = data.decode("utf-8-sig")  # a BOM (Windows editors write one) is not text
    except UnicodeDecodeError as exc:
        start = exc.start + len(data) - len(exc.object)  # utf-8-sig counts after the BOM
        line = len(re.split(rb"\r\n|\r|\n", data[:start]))  # (line ends as RuleSet.parse's)
        raise RuleSyntaxError(
            f"invalid UTF-8 (byte {data[start]:#04x} at offset {start}); save the file "
            "as UTF-8", path=name, line=line) from None
    return RuleSet.parse(text, path=name)


@dataclass
class _Pending:
    """A change of a rules file not read yet: its stamp (mtime_ns, size) and when it was first
    seen (``time.monotonic()``); ``warned``: a warning that it has no rules was logged (it was
    read: no need to read it again until ``empty_quiet_s`` has passed)."""

    stamp: tuple[int, int]
    since: float
    warned: bool = False


class RulesFile:
    """A rules file that is re-read when it changes (mtime or size), checked on every access.

    A change is read once the file has stayed unchanged for ``quiet_s`` seconds (its mtime
    and size seen unchanged that long, or its mtime that old), and a file with no rules in it
    (empty, blank or comments only) that would replace rules in use once it has stayed so for
    ``empty_quiet_s``: an editor that truncates the file and then writes it, or a copy in
    progress, is never read half-written. Until then every access returns the rules in use at
    once (no access waits for the file); a deliberate "no rules" (the file emptied and left
    so) takes effect after ``empty_quiet_s``, with a warning logged meanwhile. Saving with a
    rename (write a temporary file, then move it over the rules file) is atomic all the same.

    With ``keep_last_good`` (serving) the file is re-read in a background thread: the access
    that sees the settled change waits for it at most ``reload_wait_s`` (a small file is read
    by then), and every access meanwhile returns the rules in use (a file of a million lines
    takes seconds to parse; no query waits for it). No access holds a lock while the file is
    read.

    Args:
        path: the rules file.
        name: how the file is named in applied rules and errors (default: ``path``); a bundle
            passes its path relative to the bundle, so that answers do not show server paths.
        keep_last_good: what happens when the file becomes invalid, unreadable or is deleted
            after a good load. False (default): the next access raises
            :class:`RuleSyntaxError` naming the line (and a deleted file means no rules).
            True (serving): the last good rules stay in use, the error is logged once and
            reported by :meth:`status` (the line number and the kind of error, without the
            line's text); fixing the file is picked up once it has settled. With True the
            first load must succeed (there is nothing good to keep).
        quiet_s: seconds a changed file must stay unchanged before it is read; default 1 with
            ``keep_last_good`` (serving), else 0 (every change read at once, as a script that
            writes the file and then parses expects).
        empty_quiet_s: the same for a file with no rules that would replace rules in use;
            default 5 with ``keep_last_good``, else 0.
        root: a folder the file must stay in (a bundle passes its folder): a ``path`` that
            resolves (symlinks followed) outside it is refused, at the first load and at every
            reload, as the bundle's loader refuses it.
        reload_wait_s: with ``keep_last_good``, how long the access that starts a reload waits
            for it (default 0.1 s).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "rules.txt"
        >>> _ = p.write_text("tv <=> television\\n")
        >>> len(RulesFile(p).current())
        2
        >>> rf = RulesFile(p, name="rules.txt", keep_last_good=True, quiet_s=0.05)
        >>> _ = p.write_text("tv =>\\n  BOGUS: x\\n")
        >>> len(rf.current()), rf.status().ok  # (maybe a save in progress: not read yet)
        (2, True)
        >>> time.sleep(0.1)
        >>> len(rf.current()), rf.status().ok, rf.status().error[:41]  # (not the line's text)
        (2, False, "rules.txt:2: unknown instruction '…'; use")
    """

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None,
                 keep_last_good: bool = False, quiet_s: float | None = None,
                 empty_quiet_s: float | None = None,
                 root: str | os.PathLike[str] | None = None,
                 reload_wait_s: float = 0.1) -> None:
        self.path = Path(path)
        self._path_str = str(self.path)
        self.name = name if name is not None else str(self.path)
        self.root = Path(root).resolve() if root is not None else None
        self.keep_last_good = keep_last_good
        self.quiet_s = (1.0 if keep_last_good else 0.0) if quiet_s is None else quiet_s
        self.empty_quiet_s = ((5.0 if keep_last_good else 0.0) if empty_quiet_s is None
                              else empty_quiet_s)
        self.reload_wait_s = reload_wait_s
        self._stamp: tuple[int, int] | None = None
        self._pending: _Pending | None = None
        self._rules = RuleSet([], path=self.name)
        self._error: str | None = None
        self._errors = 0
        self._loaded_at: float | None = None
        self._lock = threading.Lock()  # the state below; held briefly, never while reading
        self._reload_lock = threading.Lock()  # one reload at a time
        self._reloader: threading.Thread | None = None
        _RULES_FILES.add(self)
        if keep_last_good:
            stamp = self._stat()
            # raises: nothing good to keep
            self._rules = _read_rules(self.path, self.name, self.root)
            self._loaded_at = time.time()
            self._stamp = stamp
            logger.info("loaded %d rules from %s", len(self._rules), self.path)
        else:
            self.current()

    def _stat(self) -> tuple[int, int]:
        try:
            st = os.stat(self._path_str)  # a str: cheaper than pathlib
        except OSError:
            return (0, -1)
        return (st.st_mtime_ns, st.st_size)

    def _settled(self, stamp: tuple[int, int], quiet: float) -> bool:
        """Whether the file, now at ``stamp``, has not changed for ``quiet`` seconds: that
        stamp first seen that long ago, or its mtime that old (a deleted file: seen only).
        A stamp not seen before starts the clock."""
        now = time.monotonic()
        if self._pending is None or self._pending.stamp != stamp:
            self._pending = _Pending(stamp, now)
        return (quiet <= 0 or now - self._pending.since >= quiet
                or (stamp[1] >= 0 and time.time_ns() - stamp[0] >= quiet * 1e9))

    def current(self) -> RuleSet:
        """The rules as of now (re-parsed if the file changed and has settled; see the class
        docs: this never waits for a save in progress, and with ``keep_last_good`` at most
        ``reload_wait_s`` for a reload).

        With ``keep_last_good=False`` an invalid file raises and an absent one means no rules;
        with ``keep_last_good=True`` both keep the last good rules (see :meth:`status`)."""
        stamp = self._stat()
        if stamp == self._stamp:  # (no lock: the rules in use, or ones swapped in just now)
            return self._rules
        with self._lock:
            if self._stamp is not None and not self._settled(stamp, self.quiet_s):
                return self._rules  # (a save may be in progress: read once it has settled)
        if not self.keep_last_good:
            with self._reload_lock:  # (a script reads its own write at once)
                return self._reload()
        with self._lock:
            pending = self._pending
            if (pending is not None and pending.stamp == stamp and pending.warned
                    and not self._settled(stamp, self.empty_quiet_s)):
                return self._rules  # (read already: no rules in it, not for long enough)
            thread = self._reloader
            if thread is None or not thread.is_alive():
                thread = self._reloader = threading.Thread(
                    target=self._reload_quietly, name=f"kgqp-rules-reload {self.name}",
                    daemon=True)
                thread.start()
        thread.join(self.reload_wait_s)
        return self._rules

    def _reload_quietly(self) -> None:
        with self._reload_lock:
            try:
                self._reload()
            except Exception:  # (keep_last_good: a RuleSyntaxError is no exception here)
                logger.exception("reloading the rules file %s failed", self.path)

    def _reload(self) -> RuleSet:
        """Read the file if it changed, outside :attr:`_lock` (the rules in use answer
        meanwhile), then swap the new rules in under it. Called holding ``_reload_lock``."""
        stamp = self._stat()
        if stamp == self._stamp:
            return self._rules
        try:
            rules = (RuleSet([], path=self.name) if stamp[1] < 0 and not self.keep_last_good
                     else _read_rules(self.path, self.name, self.root))
        except RuleSyntaxError as exc:
            if not self.keep_last_good:
                raise
            with self._lock:
                self._stamp, self._pending = stamp, None  # (reported until the file changes)
                self._error = _redacted(str(exc))
                self._errors += 1
                logger.error("rules file %s is unusable, still serving the last good %d rules "
                             "(loaded at %s): %s", self.path, len(self._rules),
                             time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self._loaded_at))
                             if self._loaded_at else "never", self._error)
                logger.debug("rules file %s: %s", self.path, exc)
                return self._rules
        with self._lock:
            if not rules and self._rules and self.keep_last_good:
                # emptied while serving: a save in progress, or all rules deleted
                if not self._settled(stamp, self.empty_quiet_s):
                    assert self._pending is not None  # (set by _settled)
                    if not self._pending.warned:
                        self._pending.warned = True
                        logger.warning("rules file %s has no rules in it (empty, blank or "
                                       "comments only): still serving the %d rules in use "
                                       "unless it stays so for %gs", self.path,
                                       len(self._rules), self.empty_quiet_s)
                    return self._rules
                logger.warning("rules file %s has had no rules in it for %gs: the %d rules in "
                               "use are dropped", self.path, self.empty_quiet_s, len(self._rules))
            self._rules, self._error, self._loaded_at = rules, None, time.time()
            self._stamp, self._pending = stamp, None
        if stamp[1] >= 0:
            logger.info("loaded %d rules from %s", len(rules), self.path)
        return rules

    def status(self) -> RulesStatus:
        """Whether the file on disk is in use, how many rules are, and the last error (its
        line number and kind, not the line's text)."""
        if self.keep_last_good:
            self.current()  # pick up an edit or a deletion since the last query
        with self._lock:
            return RulesStatus(self.name, self._error is None, len(self._rules), self._error,
                               self._loaded_at, self._errors)

    def apply(self, query: str, *,
              excluded: Callable[[str, int], bool] | None = None) -> RuleResult:
        return self.current().apply(query, excluded=excluded)


#: the rules files of this process: a forked child gives each a new lock (one a parsing thread
#: of the parent held at fork time would stay held in the child, and its first parse hang)
_RULES_FILES: weakref.WeakSet[RulesFile] = weakref.WeakSet()


def _new_locks_in_child() -> None:
    for rules in list(_RULES_FILES):
        rules._lock = threading.Lock()
        rules._reload_lock = threading.Lock()
        rules._reloader = None  # (the parent's reload thread is not in the child)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_locks_in_child)
