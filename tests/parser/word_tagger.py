"""Taggers for pipeline tests. ``WordTagger``: its spans are the query's whitespace-separated
words, punctuation and all (as the bundle's tagger cuts '"samsung tv"'), each labelled by a word ->
label mapping (looked up as written, then with edge punctuation stripped; else a product
type). It implements the stages the pipeline calls (prepare, forward, decode) and nothing else.

>>> [e.label for e in WordTagger().decode(WordTagger().prepare(["samsung tv"]), None)[0].entities]
['creator', 'core_product_type']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from parser.tagger.predict import Entity, TaggedText

_EDGE = "\"'()[],.!?;:“”‘’"


@dataclass
class _Item:
    text: str


class WordTagger:
    """Spans: the words of the query; labels: ``labels`` (default: samsung is a creator)."""

    def __init__(self, labels: Mapping[str, str] | None = None) -> None:
        self.labels = dict(labels if labels is not None else {"samsung": "creator"})

    def prepare(self, texts, *, matches=None):
        return [_Item(t) for t in texts]

    def forward(self, items, *, pooled=False, batch=False):
        return None, None

    def decode(self, items, logits):
        out = []
        for item in items:
            ents, pos = [], 0
            for word in item.text.split():
                start = item.text.index(word, pos)
                pos = start + len(word)
                bare = word.strip(_EDGE).lower()
                label = self.labels.get(word.lower(),
                                        self.labels.get(bare, "core_product_type"))
                ents.append(Entity(word, start, pos, label, 0.9))
            out.append(TaggedText(item.text, ents))
        return out


class PhraseTagger(WordTagger):
    """Spans given per query: ``{query: [(span, label)]}`` (the spans the bundle's tagger
    cuts), each span found left to right in the query; ``path`` and ``tokenizer`` as a real
    tagger's (the parser reads its folder's vocabulary from them)."""

    def __init__(self, spans: Mapping[str, Sequence[tuple[str, str]]],
                 path: Path | None = None, tokenizer: object = None) -> None:
        super().__init__()
        self.spans = dict(spans)
        self.path = path
        self.tokenizer = tokenizer

    def decode(self, items, logits):
        out = []
        for item in items:
            ents, pos = [], 0
            for span, label in self.spans.get(item.text, ()):
                start = item.text.index(span, pos)
                pos = start + len(span)
                ents.append(Entity(span, start, pos, label, 0.9))
            out.append(TaggedText(item.text, ents))
        return out


class EmbeddingPhraseTagger(PhraseTagger):
    """:class:`PhraseTagger` with one query embedding of width :attr:`embedding_dim` for every
    query (as a tagger's pooled output): queries then differ to an intent model only by their
    links."""

    has_embeddings = True
    embedding_dim = 8

    def forward(self, items, *, pooled=False, batch=False):
        import numpy as np

        return None, np.full((len(items), self.embedding_dim), 0.1, np.float32) \
            if pooled else None
