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

Inputs match whole words of the query normalised for matching (NFKC, case-folded, invisible
characters such as a zero-width space dropped; the characters NFKC would turn into digits or
primes, such as superscripts, fractions and circled numbers, stay as typed: "10²" is no "102"
and "1½" no "11⁄2"), split the way a search analyzer splits text: a word is a run of letters,
digits and marks, and any other character (space, punctuation, symbol) separates words, so
``tv`` fires for "samsung tv.", "(tv)", "tv/monitor", "smart-tv" and ``"samsung tv"`` but not
for "tvs" or "smarttv". An apostrophe inside a word belongs to it and a possessive is the word
("tv's" matches ``tv``). A multi-word input matches consecutive words; a quoted input matches
when the query's words are exactly its words. ``DELETE`` removes every occurrence, with the
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
only). :class:`RulesFile` re-reads the file when its mtime or size changes, so edits apply to
the next query without a restart; every applied rule is reported. For serving
(``keep_last_good=True``) a broken edit keeps the last good rules in use and is reported by
:meth:`RulesFile.status` instead of failing every query.

Example:
    >>> rules = RuleSet.parse('laptop =>\\n  SYNONYM(0.5): notebook\\n  DELETE: cheap\\n')
    >>> r = rules.apply("cheap laptop")
    >>> r.query, [(s.term, s.weight) for s in r.synonyms], [a.line for a in r.applied]
    ('laptop', [('notebook', 0.5)], [2, 3])
"""

from __future__ import annotations

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
from kg.schema import drop_invisible, normalize_name

__all__ = ["AppliedRule", "Instruction", "Rule", "RuleResult", "RuleSet", "RulesFile",
           "RulesStatus"]

logger = logging.getLogger(__name__)

KINDS = ("SYNONYM", "UP", "DOWN", "FILTER", "DELETE")
_DEFAULT_WEIGHT = {"SYNONYM": 1.0, "UP": 100.0, "DOWN": 100.0, "FILTER": 1.0, "DELETE": 1.0}
_INPUT = re.compile(r"^(?P<input>.+?)\s*=>\s*$")
_TWO_WAY = re.compile(r"^(?P<a>[^=<>]+?)\s*<=>\s*(?P<b>[^=<>]+?)\s*$")
_INSTR = re.compile(r"^(?P<kind>[A-Za-z]+)\s*(?:\(\s*(?P<w>[^)]*)\s*\))?\s*:\s*(?P<arg>.*?)\s*$")
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
    ``FILTER`` whose input the query excludes, applied as a DOWN boost; see the module docs)."""

    path: str
    line: int
    input: str
    kind: str
    arg: str
    weight: float
    negated: bool = False

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: {self.input} => {self.kind}({self.weight:g}): "
                f"{self.arg}{' (negated)' if self.negated else ''}")


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


def _strip_comment(line: str) -> str:
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "#" and not quoted:
            break
        out.append(ch)
    return "".join(out).rstrip()


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"  # letters, numbers, (combining) marks


def _word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each word of ``text``, as a search analyzer splits it: a word is a run
    of letters, digits and marks, with an apostrophe inside it ("don't", "tv's"); every other
    character separates words."""
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


def _words_in(needle: list[str], hay: list[str]) -> int:
    """Start index of the word sequence ``needle`` in ``hay``, or -1."""
    n = len(needle)
    for i in range(len(hay) - n + 1):
        if hay[i : i + n] == needle:
            return i
    return -1


def _all_words_in(needle: list[str], hay: list[str]) -> list[int]:
    """Start indexes of every occurrence of the word sequence ``needle`` in ``hay``."""
    n = len(needle)
    return [i for i in range(len(hay) - n + 1) if hay[i : i + n] == needle]


class RuleSet:
    """Parsed rules; :meth:`apply` rewrites a query."""

    def __init__(self, rules: list[Rule], *, path: str = "<string>") -> None:
        self.rules = rules
        self.path = path
        self._words = [_words(r.input) for r in rules]  # what each input matches

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

        text = text.removeprefix("\ufeff")  # a BOM (text decoded as "utf-8", not "utf-8-sig")
        for n, raw in enumerate(text.splitlines(), 1):
            line = _strip_comment(raw)
            if not line.strip():
                continue
            indented = line[0] in " \t"
            body = line.strip()
            if not indented:
                close()
                if m := _TWO_WAY.match(body):
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
                m = _INPUT.match(body)
                if not m:
                    raise RuleSyntaxError(
                        f"expected 'input =>' or 'a <=> b', got {body!r}", path=path, line=n
                    )
                inp = m["input"].strip()
                exact = len(inp) >= 2 and inp[0] == inp[-1] == '"'
                inp = normalize_name(inp[1:-1] if exact else inp)
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
            arg = (m.groupdict().get("arg") or "").strip()
            if kind == "FILTER":
                fld, _, val = arg.strip('"').partition(":")
                if not fld.strip() or not val.strip():
                    raise RuleSyntaxError(
                        f"FILTER needs field:value (e.g. brand:apple), got {arg!r}",
                        path=path, line=n)
                if _field_key(fld) in _PRICE_FIELDS:
                    raise RuleSyntaxError(
                        f"FILTER {arg!r}: a rule cannot set a price bound ({fld.strip()}); "
                        "price_min/price_max are read from the query only (\"under 500\"); "
                        "remove the line, or use UP/DOWN", path=path, line=n)
                arg = f"{fld.strip()}:{val.strip()}"
            if kind in ("SYNONYM", "UP", "DOWN") and not arg:
                raise RuleSyntaxError(f"{kind} needs a term", path=path, line=n)
            if kind == "DELETE" and arg:
                words_of(arg.strip('"'), "DELETE term", n)
            instrs.append(Instruction(kind, arg.strip('"'), weight, n))
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
        normalized = " ".join(_nfkc_keeping_numbers(query).split())
        # the text matched and rewritten: the same without invisible characters (so that its
        # words are those of normalize_name(query), with their case)
        text = " ".join(_nfkc_keeping_numbers(drop_invisible(query)).split())
        spans = _word_spans(text)
        words = [_word_key(text[s:e].casefold()) for s, e in spans]
        res = RuleResult(query=normalized)
        delete: list[tuple[str, AppliedRule]] = []
        if len(self._words) != len(self.rules):  # rules appended since: their words too
            self._words = [_words(r.input) for r in self.rules]
        for rule, rule_words in zip(self.rules, self._words, strict=True):
            if rule.exact:
                if words != rule_words:
                    continue
                starts = [0]
            else:
                starts = _all_words_in(rule_words, words)
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
            live = [i for i, k in enumerate(kept) if k]
            hits: list[int] = []  # indexes into live of non-overlapping occurrences
            i = _words_in(seq, [words[j] for j in live])
            while i >= 0:
                hits.append(i)
                nxt = _words_in(seq, [words[j] for j in live[i + len(seq) :]])
                i = -1 if nxt < 0 else i + len(seq) + nxt
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
    unreadable or deleted); ``rules`` are then the last good ones, loaded at ``loaded_at``
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


def _read_rules(path: Path, name: str) -> RuleSet:
    """Read and parse a rules file; every failure is a :class:`RuleSyntaxError` naming it."""
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
        line = data[:start].count(b"\n") + 1
        raise RuleSyntaxError(
            f"invalid UTF-8 (byte {data[start]:#04x} at offset {start}); save the file "
            "as UTF-8", path=name, line=line) from None
    return RuleSet.parse(text, path=name)


class RulesFile:
    """A rules file that is re-read when it changes (mtime or size), checked on every access.

    Args:
        path: the rules file.
        name: how the file is named in applied rules and errors (default: ``path``); a bundle
            passes its path relative to the bundle, so that answers do not show server paths.
        keep_last_good: what happens when the file becomes invalid, unreadable or is deleted
            after a good load. False (default): the next access raises
            :class:`RuleSyntaxError` naming the line (and a deleted file means no rules).
            True (serving): the last good rules stay in use, the error is logged once and
            reported by :meth:`status`; fixing the file is picked up by the next access. With
            True the first load must succeed (there is nothing good to keep).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "rules.txt"
        >>> _ = p.write_text("tv <=> television\\n")
        >>> len(RulesFile(p).current())
        2
        >>> rf = RulesFile(p, name="rules.txt", keep_last_good=True)
        >>> _ = p.write_text("tv =>\\n  BOGUS: x\\n")
        >>> len(rf.current()), rf.status().ok, rf.status().error.startswith("rules.txt:2:")
        (2, False, True)
    """

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None,
                 keep_last_good: bool = False) -> None:
        self.path = Path(path)
        self._path_str = str(self.path)
        self.name = name if name is not None else str(self.path)
        self.keep_last_good = keep_last_good
        self._stamp: tuple[int, int] | None = None
        self._rules = RuleSet([], path=self.name)
        self._error: str | None = None
        self._errors = 0
        self._loaded_at: float | None = None
        self._lock = threading.Lock()
        _RULES_FILES.add(self)
        if keep_last_good:
            self._rules = _read_rules(self.path, self.name)  # raises: nothing good to keep
            self._loaded_at = time.time()
            self._stamp = self._stat()
            logger.info("loaded %d rules from %s", len(self._rules), self.path)
        else:
            self.current()

    def _stat(self) -> tuple[int, int]:
        try:
            st = os.stat(self._path_str)  # a str: cheaper than pathlib
        except OSError:
            return (0, -1)
        return (st.st_mtime_ns, st.st_size)

    def current(self) -> RuleSet:
        """The rules as of now (re-parsed if the file changed).

        With ``keep_last_good=False`` an invalid file raises and an absent one means no rules;
        with ``keep_last_good=True`` both keep the last good rules (see :meth:`status`)."""
        with self._lock:
            stamp = self._stat()
            if stamp == self._stamp:
                return self._rules
            if not self.keep_last_good:
                if stamp[1] < 0:
                    self._rules = RuleSet([], path=self.name)
                else:
                    self._rules = _read_rules(self.path, self.name)
                    self._loaded_at = time.time()
                    logger.info("loaded %d rules from %s", len(self._rules), self.path)
                self._stamp = stamp
                return self._rules
            self._stamp = stamp
            try:
                rules = _read_rules(self.path, self.name)
            except RuleSyntaxError as exc:
                self._error = str(exc)
                self._errors += 1
                logger.error("rules file %s is unusable, still serving the last good %d rules "
                             "(loaded at %s): %s", self.path, len(self._rules),
                             time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self._loaded_at))
                             if self._loaded_at else "never", exc)
                return self._rules
            self._rules, self._error, self._loaded_at = rules, None, time.time()
            logger.info("loaded %d rules from %s", len(rules), self.path)
            return self._rules

    def status(self) -> RulesStatus:
        """Whether the file on disk is in use, how many rules are, and the last error."""
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


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_locks_in_child)
