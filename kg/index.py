"""The alias index: every KG name and alias, matched inside a query in one pass.

An Aho-Corasick automaton (pyahocorasick) over normalised names. Query text is normalised the
same way (NFKC + casefold per character cluster, whitespace runs collapsed to one space, control
and format characters dropped) while an offset map keeps every normalised character tied to the
span of the original text it came from, so a :class:`Match` always satisfies
``text[m.start:m.end] == m.text``.

Matches must fall on word boundaries: between two letters/digits of scripts written with spaces
("tv" is not found inside "tvs"); next to a character of a script written without spaces (Chinese,
Japanese, Thai ...) any position is a boundary. Overlapping matches are all returned.

The index is built once per KG version (:attr:`kg.ProductGraph.alias_index`); entity linking builds
on :meth:`AliasIndex.candidates` / :meth:`AliasIndex.lookup`.

Example:
    >>> from kg.schema import NodeKind
    >>> tv = Candidate("https://kgqp.dev/id/category/tv", NodeKind.CATEGORY, "TVs", None, 0.9, "tv")
    >>> index = AliasIndex([tv], version=1)
    >>> [(m.start, m.end, m.text) for m in index.match("Samsung ＴＶ 55in")]
    [(8, 10, 'ＴＶ')]
    >>> index.match("tvs")
    []
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from kg.schema import NodeKind, invisible, separates

__all__ = ["AliasIndex", "Candidate", "Match", "normalize_key", "normalize_with_offsets"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A KG node a matched string may refer to.

    ``matched_alias`` is the name or alias of the node (as stored in the KG) that matched.
    """

    iri: str
    kind: NodeKind | None
    label: str
    attribute: str | None
    popularity: float | None
    matched_alias: str


@dataclass(frozen=True, slots=True)
class Match:
    """A span ``[start, end)`` of the original query text naming one or more KG nodes.

    ``text == query[start:end]`` always holds; ``candidates`` are sorted by popularity (highest
    first), then IRI.
    """

    start: int
    end: int
    text: str
    candidates: tuple[Candidate, ...]


# Scripts written without spaces between words: any position next to them is a word boundary.
_NOSPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi
    (0x3000, 0x9FFF),  # CJK symbols, kana, bopomofo, CJK ext A, unified ideographs
    (0xA000, 0xA4CF),  # Yi
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth katakana
    (0x20000, 0x3FFFF),  # CJK ext B..
)
_NOSPACE_STARTS = [a for a, _ in _NOSPACE_RANGES]


def _nospace(ch: str) -> bool:
    o = ord(ch)
    i = bisect.bisect_right(_NOSPACE_STARTS, o) - 1
    return i >= 0 and o <= _NOSPACE_RANGES[i][1]


def _wordish(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


#: Marks that may be glued to a word's or a tagger span's edges without being part of what it
#: names: quotes, brackets, and sentence punctuation ("+", "#", "%", "&", "-", "/" are not
#: among them: "c++", "c#", "50%", "at&t"). The parser trims them from spans
#: (:func:`parser.linking.span_edges`), the expansion from the query's words.
EDGE_MARKS = "\"'\u201c\u201d\u2018\u2019\u201e\u201f\u00ab\u00bb\u2039\u203a,()[]{}.:;!?"


def _joins_previous(ch: str) -> bool:
    """Combining marks, variation selectors and ZWJ stay with the preceding character."""
    return ch == "\u200d" or unicodedata.category(ch)[0] == "M"


_ASCII_NEEDS_SLOW = re.compile(r"\s\s|[^\S ]|[\x00-\x08\x0e-\x1b\x7f]")


def normalize_with_offsets(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """Normalise ``text`` for matching and map each output character back to the input.

    Returns ``(norm, starts, ends)``: normalised character ``i`` came from
    ``text[starts[i]:ends[i]]`` (a whole character cluster). ``starts``/``ends`` are ``None``
    when the mapping is the identity (plain ASCII with single spaces: the fast path).

    >>> normalize_with_offsets("Ｓａｍ  ﬁ")
    ('sam fi', [0, 1, 2, 3, 5, 5], [1, 2, 3, 5, 6, 6])

    Format characters (:func:`kg.schema.invisible`: a soft hyphen, a bidi mark) are dropped, so
    "sam\u00adsung" matches the name "Samsung"; a control character or a zero-width space
    separates words, as a space does.
    """
    if text.isascii() and not _ASCII_NEEDS_SLOW.search(text):
        return text.lower(), None, None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        if text[i].isspace():
            while j < n and text[j].isspace():
                j += 1
            piece = " "
        elif invisible(text[i]):  # (a ZWJ after a character stays in its cluster)
            if not separates(text[i]):
                i = j
                continue
            piece = " "  # NUL or a zero-width space between words: a space
        else:
            while j < n and _joins_previous(text[j]):
                j += 1
            piece = unicodedata.normalize("NFKC", text[i:j]).casefold()
            if piece.isspace():
                piece = " "
        if piece == " " and out and out[-1] == " ":
            ends[-1] = j  # extend the previous whitespace run (e.g. NBSP after a space)
        else:
            for ch in piece:
                out.append(ch)
                starts.append(i)
                ends.append(j)
        i = j
    return "".join(out), starts, ends


@functools.lru_cache(maxsize=262144)
def normalize_key(text: str) -> str:
    """The index key of a name: :func:`normalize_with_offsets` output, stripped.

    Cached (a pure function of the text): every stage normalises the KG's names and the
    query's words again and again (about 150 calls a parse, most of them repeats).

    Compatible with :func:`kg.schema.normalize_name` (equal for all but exotic inputs).

    >>> normalize_key("  ＳＡＭＳＵＮＧ   Galaxy ")
    'samsung galaxy'
    """
    return normalize_with_offsets(text)[0].strip()


class AliasIndex:
    """Aho-Corasick index over the names and aliases of KG nodes, tagged with a KG version.

    Args:
        entries: one :class:`Candidate` per (node, name or alias); ``matched_alias`` holds the
            name. Entries whose names normalise to the same key are grouped.
        version: the KG version the entries were read from.

    Example:
        >>> c = Candidate("https://kgqp.dev/id/brand/lg", NodeKind.BRAND, "LG", None, None, "LG")
        >>> idx = AliasIndex([c], version=3)
        >>> idx.version, len(idx), idx.lookup("lg")[0].label
        (3, 1, 'LG')
    """

    def __init__(self, entries: Iterable[Candidate], *, version: int) -> None:
        self.version = version
        groups: dict[str, dict[str, Candidate]] = {}
        for cand in entries:
            key = normalize_key(cand.matched_alias)
            if not key:
                continue
            by_iri = groups.setdefault(key, {})
            if cand.iri not in by_iri:
                by_iri[cand.iri] = cand
        self._keys: dict[str, tuple[Candidate, ...]] = {
            key: tuple(sorted(by_iri.values(), key=_cand_order)) for key, by_iri in groups.items()}
        # the automaton finds keys; their candidates are read from _keys (so an updated index
        # shares the automaton of the one it came from: see updated())
        self._automaton = _automaton(self._keys)
        self._base_keys = frozenset(self._keys)  # the automaton's keys
        #: keys added since the automaton was built, with their own small automaton
        self._delta: frozenset[str] = frozenset()
        self._delta_automaton: ahocorasick.Automaton | None = None
        self.changed_since: tuple[int, frozenset[str]] | None = None

    def updated(self, removed: dict[str, list[Candidate]], added: dict[str, list[Candidate]],
                *, version: int, max_delta: int = 5000) -> AliasIndex | None:
        """A new index for ``version`` where the nodes of ``removed`` (IRI -> the entries they
        had) now have the entries of ``added`` (IRI -> entries; absent: no entries any more).
        This index is left as it is (readers in other threads keep using it). Keys new since
        the last full build are matched by a second, small automaton; beyond ``max_delta`` of
        them this returns ``None`` (build a new index instead).

        >>> tv = Candidate("https://x/tv", NodeKind.CATEGORY, "TVs", None, None, "tv")
        >>> lg = Candidate("https://x/lg", NodeKind.BRAND, "LG", None, None, "LG")
        >>> new = AliasIndex([tv], version=1).updated({}, {lg.iri: [lg]}, version=2)
        >>> [m.text for m in new.match("lg tv")], new.version
        (['lg', 'tv'], 2)
        """
        touched = set(removed) | set(added)
        keys: dict[str, dict[str, Candidate]] = {}
        for cands in removed.values():
            for c in cands:
                key = normalize_key(c.matched_alias)
                if key:
                    keys.setdefault(key, {})
        for iri, cands in added.items():
            for c in cands:
                key = normalize_key(c.matched_alias)
                if key:
                    keys.setdefault(key, {}).setdefault(iri, c)
        new_keys = dict(self._keys)
        for key, mine in keys.items():
            kept = [c for c in self._keys.get(key, ()) if c.iri not in touched]
            cands = tuple(sorted([*kept, *mine.values()], key=_cand_order))
            if cands:
                new_keys[key] = cands
            else:
                new_keys.pop(key, None)
        delta = frozenset(k for k in (self._delta | keys.keys())
                          if k in new_keys and k not in self._base_keys)
        if len(delta) > max_delta:
            return None
        new = object.__new__(AliasIndex)
        new.version = version
        new._keys = new_keys
        new._automaton = self._automaton
        new._base_keys = self._base_keys
        new._delta = delta
        new._delta_automaton = (self._delta_automaton if delta == self._delta
                                else _automaton(delta))
        #: (the version this index was brought forward from, the keys that may have changed)
        new.changed_since = (self.version, frozenset(keys))
        return new

    def __len__(self) -> int:
        """Number of distinct normalised names."""
        return len(self._keys)

    def __repr__(self) -> str:
        return f"AliasIndex(keys={len(self._keys)}, version={self.version})"

    def keys(self) -> Iterable[str]:
        """Every normalised name (key) in the index."""
        return self._keys.keys()

    def candidates(self, key: str) -> tuple[Candidate, ...]:
        """Candidates for an exact, already normalised key (see :func:`normalize_key`)."""
        return self._keys.get(key, ())

    def lookup(self, name: str) -> tuple[Candidate, ...]:
        """Candidates whose name or alias normalises to the same key as ``name``."""
        return self._keys.get(normalize_key(name), ())

    def match(self, text: str) -> list[Match]:
        """Every KG name/alias occurring in ``text`` on word boundaries, sorted by (start, end)."""
        if not self._keys or not text:
            return []
        norm, starts, ends = normalize_with_offsets(text)
        nlen = len(norm)
        found: list[Match] = []
        hits = itertools.chain.from_iterable(
            a.iter(norm) for a in (self._automaton, self._delta_automaton) if a is not None)
        keys = self._keys
        # (ASCII: a boundary is no letter or digit on one side, :func:`_boundary` read inline:
        # no ASCII character is a combining mark or of a script written without spaces)
        ascii_text = norm.isascii()
        for last, key in hits:
            cands = keys.get(key)
            if cands is None:
                continue  # removed since the automaton was built
            klen = len(key)
            a = last - klen + 1
            b = last + 1
            if starts is not None and ends is not None:
                # only whole character clusters: "i" must not match inside "ﬁ"
                if a > 0 and starts[a] == starts[a - 1]:
                    continue
                if b < nlen and starts[b] == starts[b - 1]:
                    continue
                start, end = starts[a], ends[b - 1]
            else:
                start, end = a, b
            if ascii_text:
                if a > 0 and norm[a - 1].isalnum() and norm[a].isalnum():
                    continue
                if b < nlen and norm[b - 1].isalnum() and norm[b].isalnum():
                    continue
            else:
                if a > 0 and not _boundary(norm[a - 1], norm[a]):
                    continue
                if b < nlen and not _boundary(norm[b - 1], norm[b]):
                    continue
            found.append(Match(start, end, text[start:end], cands))
        found.sort(key=lambda m: (m.start, m.end))
        return found


def _boundary(left: str, right: str) -> bool:
    if not (_wordish(left) and _wordish(right)):
        return True
    return _nospace(left) or _nospace(right)


def _automaton(keys: Iterable[str]) -> ahocorasick.Automaton | None:
    """An Aho-Corasick automaton whose value for each key is the key (``None``: no keys)."""
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, key)
    if not len(automaton):
        return None
    automaton.make_automaton()
    return automaton


def _cand_order(c: Candidate) -> tuple[float, str]:
    p = c.popularity  # (NaN, stored by an older KG, would make the order arbitrary)
    return (-(p if p is not None and math.isfinite(p) else float("-inf")), c.iri)
