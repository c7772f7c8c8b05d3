"""KG lexicon features (SoftLexicon-style) for the tagger.

A :class:`Lexicon` finds typed character spans in a text. :func:`word_features` turns them into
one code per word and node kind: 0 = no match, 1 = B, 2 = I, 3 = E, 4 = S (the word's position in
a match of that kind). The model embeds the codes (``nn.Embedding(5, d)`` per kind) and adds them
to the BERT token representation before the classifier.

Anything with a ``match(text)`` method returning objects with ``.start``, ``.end`` and
``.candidates[i].kind`` (the ``kg.ProductGraph`` shape) is adapted by :func:`as_lexicon`.

Example:
    >>> lex = GazetteerLexicon({"apple": "brand", "iphone case": "category"})
    >>> lex.match("Apple iPhone case")
    [(0, 5, 'brand'), (6, 17, 'category')]
    >>> word_features(lex.match("apple iphone case"), [(0, 5), (6, 12), (13, 17)],
    ...               ["brand", "category"]).tolist()
    [[4, 0], [0, 1], [0, 3]]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from parser.errors import ConfigError

__all__ = ["NONE", "GazetteerLexicon", "KGLexicon", "Lexicon", "as_lexicon", "word_features"]

NONE, B, INSIDE, E, S = 0, 1, 2, 3, 4
N_CODES = 5

CharSpan = tuple[int, int, str]


@runtime_checkable
class Lexicon(Protocol):
    """Finds ``(start, end, kind)`` character spans of known names in a text."""

    def match(self, text: str) -> list[CharSpan]:  # pragma: no cover - protocol
        ...


class GazetteerLexicon:
    """An in-memory lexicon: ``{name: kind}``, matched case-insensitively on word boundaries.

    >>> GazetteerLexicon({"hp": "brand"}).match("hp laptop, HP ink")
    [(0, 2, 'brand'), (11, 13, 'brand')]
    """

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = {k.casefold(): v for k, v in names.items() if k.strip()}
        alts = sorted(self.names, key=len, reverse=True)
        self._rx = (re.compile(r"(?<!\w)(" + "|".join(map(re.escape, alts)) + r")(?!\w)",
                               re.IGNORECASE) if alts else None)

    def add(self, name: str, kind: str) -> None:
        """Add a name (it is used by the next :meth:`match`)."""
        self.__init__({**self.names, name: kind})  # type: ignore[misc]

    def match(self, text: str) -> list[CharSpan]:
        """All non-overlapping longest matches, left to right."""
        if self._rx is None:
            return []
        return [(m.start(), m.end(), self.names[m.group(0).casefold()])
                for m in self._rx.finditer(text) if m.group(0).casefold() in self.names]


class KGLexicon:
    """Adapter for objects whose ``match(text)`` returns matches with ``.start``, ``.end`` and
    ``.candidates`` (each with ``.kind``), such as ``kg.ProductGraph``. Every distinct candidate
    kind of a match yields one span.

    >>> from types import SimpleNamespace as NS
    >>> kg = NS(match=lambda t: [NS(start=0, end=3, candidates=[NS(kind="brand")])])
    >>> KGLexicon(kg).match("lg tv")
    [(0, 3, 'brand')]
    """

    def __init__(self, source: Any) -> None:
        if not callable(getattr(source, "match", None)):
            raise ConfigError(f"{type(source).__name__} has no match(text) method: pass a KG or "
                              "a Lexicon")
        self.source = source

    def match(self, text: str) -> list[CharSpan]:
        return self.spans(self.source.match(text))

    @staticmethod
    def spans(matches: Any) -> list[CharSpan]:
        """Lexicon spans of KG matches already found (``kg.ProductGraph.match`` output): one
        per distinct candidate kind of each match."""
        out: list[CharSpan] = []
        for m in matches:
            if isinstance(m, tuple):
                out.append((int(m[0]), int(m[1]), str(m[2])))
                continue
            kinds = dict.fromkeys(str(getattr(c, "kind", c)) for c in getattr(m, "candidates", []))
            out.extend((int(m.start), int(m.end), k) for k in kinds)
        return out


def as_lexicon(obj: Any) -> Lexicon | None:
    """``None``, a :class:`Lexicon` returning tuples, a ``{name: kind}`` dict, or a KG."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return GazetteerLexicon(obj)
    if isinstance(obj, (GazetteerLexicon, KGLexicon)):
        return obj
    return KGLexicon(obj)


def word_features(matches: Sequence[CharSpan], words: Sequence[tuple[int, int]],
                  kinds: Sequence[str]) -> np.ndarray:
    """Codes ``[n_words, n_kinds]`` (int64) for character-span ``matches`` over ``words``.

    A match covers the words it overlaps; longer matches win where matches of one kind overlap.
    Kinds not in ``kinds`` are ignored.
    """
    feats = np.zeros((len(words), len(kinds)), dtype=np.int64)
    if not matches or not words or not kinds:
        return feats
    col = {k: i for i, k in enumerate(kinds)}
    starts = np.array([a for a, _ in words])
    ends = np.array([b for _, b in words])
    for start, end, kind in sorted(matches, key=lambda m: m[0] - m[1]):
        j = col.get(kind)
        if j is None or end <= start:
            continue
        idx = np.nonzero((starts < end) & (ends > start))[0]
        if len(idx) == 0 or feats[idx, j].any():
            continue
        if len(idx) == 1:
            feats[idx[0], j] = S
        else:
            feats[idx, j] = INSIDE
            feats[idx[0], j] = B
            feats[idx[-1], j] = E
    return feats
