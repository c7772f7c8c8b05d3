"""Tagged-sentence data: the CoNLL reader/writer, BIO <-> BIOES conversion, stats.

The span formats (JSONL, Label Studio) are in :mod:`parser.tagger.formats`.

A :class:`Sentence` is a list of words with one tag per word. Its text is the words joined by a
single space (``joiner=" "``, English) or concatenated (``joiner=""``, Chinese one character per
line); :meth:`Sentence.word_offsets` gives each word's character span in that text.

Example:
    >>> s = Sentence(tokens=["apple", "iphone", "case"], tags=["B-creator", "B-product_name", "O"])
    >>> s.text()
    'apple iphone case'
    >>> [(sp.start, sp.end, sp.label) for sp in s.spans()]
    [(0, 5, 'creator'), (6, 12, 'product_name')]
    >>> convert_tags(["B-x", "I-x", "B-y"], "bioes")
    ['B-x', 'E-x', 'S-y']
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kg.io import atomic_write_text
from parser.errors import ConfigError, DataFormatError

__all__ = [
    "Scheme",
    "Sentence",
    "Span",
    "convert_tags",
    "detect_scheme",
    "entity_types",
    "read_conll",
    "spans_to_tags",
    "stats",
    "tags_to_spans",
    "write_conll",
]

logger = logging.getLogger(__name__)

Scheme = Literal["bio", "bioes"]
SCHEMES: tuple[str, ...] = ("bio", "bioes")


@dataclass(frozen=True)
class Span:
    """A labelled half-open span ``[start, end)`` (word indices or character offsets)."""

    start: int
    end: int
    label: str


@dataclass
class Sentence:
    """Words and their tags (one tag per word; BIO or BIOES)."""

    tokens: list[str]
    tags: list[str]
    joiner: str = " "
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise DataFormatError(
                f"{len(self.tokens)} tokens but {len(self.tags)} tags: give one tag per token"
            )

    def text(self) -> str:
        """The sentence text: tokens joined by :attr:`joiner`."""
        return self.joiner.join(self.tokens)

    def word_offsets(self) -> list[tuple[int, int]]:
        """Character span of each token in :meth:`text`."""
        out, pos = [], 0
        for tok in self.tokens:
            out.append((pos, pos + len(tok)))
            pos += len(tok) + len(self.joiner)
        return out

    def spans(self) -> list[Span]:
        """Entities as character spans into :meth:`text`."""
        offs = self.word_offsets()
        return [Span(offs[s.start][0], offs[s.end - 1][1], s.label)
                for s in tags_to_spans(self.tags)]


# ---------------------------------------------------------------------------------------------
# tag schemes


def _split_tag(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[1] in "-_" and tag[0] in "BIESLU":
        prefix = {"L": "E", "U": "S"}.get(tag[0], tag[0])
        return prefix, tag[2:]
    raise DataFormatError(f"tag {tag!r} is not O, B-X, I-X, E-X or S-X: fix the tag column")


def detect_scheme(tags: Iterable[str]) -> Scheme:
    """``"bioes"`` if any tag starts with E- or S-, else ``"bio"``."""
    for tag in tags:
        if tag[:2] in ("E-", "S-", "L-", "U-"):
            return "bioes"
    return "bio"


def tags_to_spans(tags: Sequence[str]) -> list[Span]:
    """Decode BIO or BIOES tags into word spans, leniently (an I- without a B- starts an entity).

    >>> [(s.start, s.end, s.label) for s in tags_to_spans(["B-a", "I-a", "O", "I-b", "S-c"])]
    [(0, 2, 'a'), (3, 4, 'b'), (4, 5, 'c')]
    """
    spans: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        prefix, typ = _split_tag(tag)
        if prefix in ("O", "B", "S") or typ != label or start < 0:
            if start >= 0:
                spans.append(Span(start, i, label))
            start, label = (-1, "") if prefix == "O" else (i, typ)
        if prefix in ("E", "S") and start >= 0:
            spans.append(Span(start, i + 1, label))
            start, label = -1, ""
    if start >= 0:
        spans.append(Span(start, len(tags), label))
    return spans


def spans_to_tags(spans: Iterable[Span], n: int, scheme: Scheme = "bio") -> list[str]:
    """Encode non-overlapping word spans as ``n`` tags in ``scheme``.

    >>> spans_to_tags([Span(0, 2, "a")], 3, "bioes")
    ['B-a', 'E-a', 'O']
    """
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown scheme {scheme!r}: use one of {SCHEMES}")
    tags = ["O"] * n
    for sp in spans:
        if sp.end - sp.start == 1 and scheme == "bioes":
            tags[sp.start] = f"S-{sp.label}"
            continue
        tags[sp.start] = f"B-{sp.label}"
        for i in range(sp.start + 1, sp.end):
            tags[i] = f"I-{sp.label}"
        if scheme == "bioes":
            tags[sp.end - 1] = f"E-{sp.label}"
    return tags


def convert_tags(tags: Sequence[str], scheme: Scheme) -> list[str]:
    """Re-encode BIO/BIOES ``tags`` in ``scheme`` (also repairs ill-formed sequences)."""
    return spans_to_tags(tags_to_spans(tags), len(tags), scheme)


def entity_types(sentences: Iterable[Sentence]) -> list[str]:
    """Sorted entity types occurring in ``sentences``."""
    return sorted({_split_tag(t)[1] for s in sentences for t in s.tags} - {""})


# ---------------------------------------------------------------------------------------------
# readers / writers


def _check_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.is_dir():
        raise DataFormatError(f"data file {p} is a directory: give the path of a data file")
    if not p.is_file():
        raise DataFormatError(f"data file {p} does not exist: check the path")
    return p


def _not_utf8(path: Path, err: UnicodeDecodeError) -> DataFormatError:
    """The error for a text file that is not UTF-8: the file, the line of the first bad byte
    (found again in the file's bytes: ``err`` counts within the decoder's buffer), the fix.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "latin1.conll"
    >>> _ = p.write_bytes(b"ok\\tO\\nCaf\\xe9\\tO\\n")
    >>> try:
    ...     p.read_text(encoding="utf-8")
    ... except UnicodeDecodeError as e:
    ...     print(str(_not_utf8(p, e)).split("/")[-1].split(";")[0])
    latin1.conll:2: not valid UTF-8 (byte 0xe9)
    """
    from kg.loaders import not_utf8  # the KG loaders' report, one implementation

    return DataFormatError(not_utf8(path, err))


def read_conll(path: str | os.PathLike[str], *, joiner: str | None = None,
               scheme: Scheme | None = None,
               labels: Collection[str] | None = None) -> list[Sentence]:
    """Read ``token<TAB or SPACE>tag`` lines, sentences separated by blank lines.

    ``joiner`` defaults to ``""`` when every token is one character (Chinese character-per-line
    data) and ``" "`` otherwise. ``scheme`` converts the tags (default: keep them as read).
    ``labels``, when given, are the entity labels allowed: a tag of another label raises
    :class:`DataFormatError` naming the file and the lines of its first occurrences. Malformed
    lines raise :class:`DataFormatError` with the line number. A UTF-8 byte order mark at the
    start of the file is dropped (it is no part of the first token).
    """
    p = _check_file(path)
    sents: list[list[tuple[str, str]]] = [[]]
    allowed = None if labels is None else set(labels)
    unknown: list[tuple[int, str]] = []  # (line, label) of each tag of a label not allowed
    try:
        # utf-8-sig: a BOM (Windows editors, Excel) would stay glued to the first token
        with open(p, encoding="utf-8-sig", newline="") as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    if sents[-1]:
                        sents.append([])
                    continue
                if line.startswith("-DOCSTART-"):
                    continue
                if "\t" in line:
                    tok, _, tag = line.rpartition("\t")
                else:
                    tok, _, tag = line.rpartition(" ")
                tag = tag.strip()
                if not tok or not tag:
                    raise DataFormatError(f"{p}:{lineno}: expected 'token<TAB>tag', got "
                                          f"{line!r}: fix or remove the line")
                try:
                    typ = _split_tag(tag)[1]
                except DataFormatError as err:
                    raise DataFormatError(f"{p}:{lineno}: {err}") from None
                if allowed is not None and typ and typ not in allowed:
                    unknown.append((lineno, typ))
                sents[-1].append((tok, tag))
    except UnicodeDecodeError as err:
        raise _not_utf8(p, err) from None
    if unknown:
        raise unknown_labels_error(p, unknown, allowed or ())
    if not sents[-1]:
        sents.pop()
    if joiner is None:
        single = all(len(tok) == 1 for s in sents for tok, _ in s)
        joiner = "" if single and sents else " "
    out = []
    for s in sents:
        toks = [t for t, _ in s]
        tags = [g for _, g in s]
        if scheme is not None:
            tags = convert_tags(tags, scheme)
        out.append(Sentence(toks, tags, joiner=joiner))
    logger.debug("read %d sentences from %s", len(out), p)
    return out


def unknown_labels_error(path: Path, unknown: Sequence[tuple[int, str]],
                         allowed: Collection[str]) -> DataFormatError:
    """The error for the tags of ``path`` whose labels are not ``allowed``: ``unknown`` holds
    ``(line, label)`` of each; the first few are named with their lines.

    >>> print(unknown_labels_error(Path("d.conll"), [(7, "flavour"), (9, "flavour")], ["color"]))
    d.conll:7: label 'flavour' is not one of the labels (color); also at line 9: fix the \
label, or train a new tagger for new labels
    """
    first_line, first = unknown[0]
    rest = [f"{n}" + ("" if lab == first else f" ({lab!r})") for n, lab in unknown[1:4]]
    more = f" and {len(unknown) - 4} more" if len(unknown) > 4 else ""
    also = f"; also at line{'s' if len(unknown) > 2 else ''} {', '.join(rest)}{more}" \
        if rest else ""
    return DataFormatError(
        f"{path}:{first_line}: label {first!r} is not one of the labels "
        f"({', '.join(sorted(allowed))}){also}: fix the label, or train a new tagger for new "
        "labels")


def write_conll(path: str | os.PathLike[str], sentences: Iterable[Sentence], *,
                sep: str = "\t") -> None:
    """Write sentences as CoNLL (atomically)."""
    lines = []
    for s in sentences:
        lines.extend(f"{tok}{sep}{tag}" for tok, tag in zip(s.tokens, s.tags, strict=True))
        lines.append("")
    atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))


def stats(sentences: Sequence[Sentence]) -> dict:
    """Counts: sentences, tokens, scheme, entities per type, token-length percentiles."""
    lens = sorted(len(s.tokens) for s in sentences)
    per_type = Counter(sp.label for s in sentences for sp in tags_to_spans(s.tags))

    def pct(q: float) -> int:
        return lens[min(len(lens) - 1, int(q * len(lens)))] if lens else 0

    return {
        "n_sentences": len(sentences),
        "n_tokens": sum(lens),
        "scheme": detect_scheme(t for s in sentences for t in s.tags),
        "n_entities": sum(per_type.values()),
        "entities_per_type": dict(per_type.most_common()),
        "tokens_per_sentence": {"p50": pct(0.5), "p95": pct(0.95), "max": lens[-1] if lens else 0},
    }
