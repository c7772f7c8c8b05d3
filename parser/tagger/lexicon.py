"""KG lexicon features (SoftLexicon-style) for the tagger.

A :class:`Lexicon` finds typed character spans in a text. :func:`word_features` turns them into
one code per word and node kind: 0 = no match, 1 = B, 2 = I, 3 = E, 4 = S (the word's position in
a match of that kind). The model embeds the codes (``nn.Embedding(5, d)`` per kind) and adds them
to the BERT token representation before the classifier.

Anything with a ``match(text)`` method returning objects with ``.start``, ``.end`` and
``.candidates[i].kind`` (the ``kg.ProductGraph`` shape) is adapted by :func:`as_lexicon`. An
attribute value candidate yields two kinds: ``attribute_value`` and ``attribute_value:<attribute>``
(``attribute_value:color``), so a tagger can tell colours from materials.

Gazetteers mined from training annotations (:func:`mine_gazetteer`) must not show a training
sentence its own spans: :class:`CrossFoldFilter` drops, from a sentence of fold ``k``
(:func:`fold_of`), every match that only the names mined from fold ``k`` itself explain.

Example:
    >>> lex = GazetteerLexicon({"apple": "brand", "iphone case": "category"})
    >>> lex.match("Apple iPhone case")
    [(0, 5, 'brand'), (6, 17, 'category')]
    >>> word_features(lex.match("apple iphone case"), [(0, 5), (6, 12), (13, 17)],
    ...               ["brand", "category"]).tolist()
    [[4, 0], [0, 1], [0, 3]]
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from parser.errors import ConfigError

__all__ = [
    "DEFAULT_LEXICON_KINDS",
    "MINED_LABELS",
    "NONE",
    "CrossFoldFilter",
    "GazetteerLexicon",
    "KGLexicon",
    "Lexicon",
    "as_lexicon",
    "candidate_kinds",
    "fold_of",
    "kg_pairs",
    "mine_gazetteer",
    "word_features",
]

NONE, B, INSIDE, E, S = 0, 1, 2, 3, 4
N_CODES = 5

CharSpan = tuple[int, int, str]

#: QueryNER labels mined into gazetteers, and the KG kind (and attribute) each becomes.
MINED_LABELS: dict[str, tuple[str, str | None]] = {
    "creator": ("brand", None),
    "core_product_type": ("product_type", None),
    "color": ("attribute_value", "color"),
    "material": ("attribute_value", "material"),
    "department": ("attribute_value", "department"),
    "shape": ("attribute_value", "shape"),
    "occasion": ("attribute_value", "occasion"),
}

#: The lexicon kinds of the default (quickstart) tagger.
DEFAULT_LEXICON_KINDS: tuple[str, ...] = (
    "brand", "category", "product", "product_type", "attribute_value",
    *(f"attribute_value:{a}" for k, a in MINED_LABELS.values() if a),
)


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
            kinds = dict.fromkeys(k for c in getattr(m, "candidates", [])
                                  for k in candidate_kinds(c))
            out.extend((int(m.start), int(m.end), k) for k in kinds)
        return out


def candidate_kinds(candidate: Any) -> tuple[str, ...]:
    """Lexicon kinds of one KG candidate: its node kind, and for an attribute value also
    ``attribute_value:<attribute>``.

    >>> from types import SimpleNamespace as NS
    >>> candidate_kinds(NS(kind="attribute_value", attribute="color"))
    ('attribute_value', 'attribute_value:color')
    """
    kind = str(getattr(candidate, "kind", candidate))
    attribute = getattr(candidate, "attribute", None)
    return (kind, f"{kind}:{attribute}") if attribute else (kind,)


def _key(text: str) -> str:
    from kg.index import normalize_key

    return normalize_key(text)


def fold_of(text: str, folds: int) -> int:
    """The cross-fold fold of a training text: a stable hash of its normalised form, so that
    duplicate queries share a fold.

    >>> fold_of("Red Shoes", 5) == fold_of("red  shoes", 5)
    True
    """
    return int(hashlib.sha1(_key(text).encode()).hexdigest()[:12], 16) % folds


def mine_gazetteer(sentences: Iterable[Any], *, labels: Iterable[str] = tuple(MINED_LABELS),
                   min_share: float = 0.5) -> dict[str, list[str]]:
    """Names of gold spans per label, from tagged sentences (``.text()``, ``.spans()``).

    A name (normalised span text) is kept for ``label`` when at least ``min_share`` of its gold
    spans carry that label; names shorter than 2 characters or without a letter are dropped.

    >>> from parser.tagger.data import Sentence
    >>> s = [Sentence(["nike", "shoes"], ["B-creator", "B-core_product_type"]),
    ...      Sentence(["red", "nike"], ["B-color", "B-modifier"])]
    >>> mine_gazetteer(s, labels=["creator", "color"])
    {'creator': ['nike'], 'color': ['red']}
    """
    wanted = list(labels)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for s in sentences:
        text = s.text()
        for sp in s.spans():
            counts[_key(text[sp.start:sp.end])][sp.label] += 1
    out: dict[str, list[str]] = {label: [] for label in wanted}
    for name, by_label in counts.items():
        if len(name) < 2 or not any(ch.isalpha() for ch in name):
            continue
        total = sum(by_label.values())
        for label in wanted:
            if by_label[label] and by_label[label] >= min_share * total:
                out[label].append(name)
    return {label: sorted(names) for label, names in out.items()}


class CrossFoldFilter:
    """Drops lexicon matches that only a training sentence's own fold explains.

    ``base`` holds the ``(normalised name, kind)`` pairs of the KG WITHOUT the mined gazetteers;
    ``sentences`` are the training sentences the gazetteers were mined from. A match
    ``(start, end, kind)`` in a text of fold ``k`` is kept when its pair is in ``base`` or in the
    gazetteer mined from the other folds (same rules as :func:`mine_gazetteer`).

    >>> from parser.tagger.data import Sentence
    >>> train = [Sentence(["acme", "drill"], ["B-creator", "B-core_product_type"]),
    ...          Sentence(["bosch", "drill"], ["B-creator", "B-core_product_type"])]
    >>> f = CrossFoldFilter(base={("drill", "category")}, sentences=train, folds=2)
    >>> fold_of("acme drill", 2) != fold_of("bosch drill", 2)
    True
    >>> f.filter("acme drill", [(0, 4, "brand"), (5, 10, "category"), (5, 10, "product_type")])
    [(5, 10, 'category'), (5, 10, 'product_type')]
    """

    def __init__(self, *, base: Iterable[tuple[str, str]], sentences: Sequence[Any],
                 folds: int = 5, labels: Mapping[str, tuple[str, str | None]] = MINED_LABELS,
                 min_share: float = 0.5) -> None:
        if folds < 2:
            raise ConfigError(f"folds={folds}: cross-fold lexicons need at least 2 folds")
        self.folds = folds
        self.base = set(base)
        self._allowed: list[set[tuple[str, str]]] = []
        by_fold: list[list[Any]] = [[] for _ in range(folds)]
        for s in sentences:
            by_fold[fold_of(s.text(), folds)].append(s)
        for k in range(folds):
            others = [s for j, part in enumerate(by_fold) if j != k for s in part]
            mined = mine_gazetteer(others, labels=list(labels), min_share=min_share)
            pairs: set[tuple[str, str]] = set()
            for label, names in mined.items():
                kind, attribute = labels[label]
                kinds = candidate_kinds(_Kind(kind, attribute))
                pairs.update((n, k2) for n in names for k2 in kinds)
            self._allowed.append(pairs)

    def allowed(self, text: str) -> set[tuple[str, str]]:
        """The mined ``(name, kind)`` pairs a text may see (those of the other folds)."""
        return self._allowed[fold_of(text, self.folds)]

    def filter(self, text: str, matches: Sequence[CharSpan], *,
               fold_text: str | None = None) -> list[CharSpan]:
        """``matches`` of ``text`` without the pairs only its own fold's annotations give
        (``fold_text``: the training text whose fold counts, e.g. the source of a synthetic
        query)."""
        allowed = self.allowed(text if fold_text is None else fold_text)
        out = []
        for start, end, kind in matches:
            pair = (_key(text[start:end]), kind)
            if pair in self.base or pair in allowed:
                out.append((start, end, kind))
        return out


class _Kind:
    __slots__ = ("attribute", "kind")

    def __init__(self, kind: str, attribute: str | None) -> None:
        self.kind, self.attribute = kind, attribute


def kg_pairs(graph: Any) -> set[tuple[str, str]]:
    """Every ``(normalised name, lexicon kind)`` pair of a KG's alias index."""
    index = graph.alias_index
    keys = index.keys()  # an AliasIndex is not iterable itself
    return {(key, k) for key in keys for c in index.candidates(key) for k in candidate_kinds(c)}


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
    if not matches or not words or not kinds:
        return np.zeros((len(words), len(kinds)), dtype=np.int64)
    col = {k: i for i, k in enumerate(kinds)}
    starts = [a for a, _ in words]
    ends = [b for _, b in words]
    # (a query's few words and matches: plain lists, not an array operation per match)
    in_order = starts == sorted(starts) and ends == sorted(ends)  # split words always are
    codes = [[NONE] * len(words) for _ in kinds]  # one list per kind
    for start, end, kind in sorted(matches, key=lambda m: m[0] - m[1]):
        j = col.get(kind)
        if j is None or end <= start:
            continue
        # the words overlapping [start, end): in order, those from the first that ends after
        # `start` to the last that starts before `end`
        idx = range(bisect_right(ends, start), bisect_left(starts, end)) if in_order else \
            [w for w, (a, b) in enumerate(words) if a < end and b > start]
        code = codes[j]
        if not idx or any(code[w] for w in idx):
            continue
        if len(idx) == 1:
            code[idx[0]] = S
        else:
            for w in idx:
                code[w] = INSIDE
            code[idx[0]] = B
            code[idx[-1]] = E
    return np.ascontiguousarray(np.array(codes, dtype=np.int64).T)
