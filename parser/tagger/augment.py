"""KG-driven augmentation: synthetic labelled queries made from real ones and the KG's names.

Mention replacement (Dai & Adel, COLING 2020), with the KG as the source of names: a training
query's spans of a label the KG holds (a ``creator`` span is a brand, a ``color`` span a colour
value: :data:`parser.tagger.lexicon.MINED_LABELS`) are replaced by other names of that kind,
keeping the query's word order, its other words and their tags. The synthetic queries teach the
tagger that a slot takes names it never saw in training, and that the KG lexicon feature on a
name is worth trusting there: what a brand added to the KG after training needs.

Only the names of the KG WITHOUT the gazetteers mined from the training annotations are used
(``kg.build.build_base``; :func:`parser.tagger.training.train_with_kg` passes its ``base``), so a
synthetic query never carries another training query's gold span as a KG name. Each synthetic
query remembers its source (``meta["augmented_from"]``): the cross-fold lexicon treats it as its
source's fold.

Example:
    >>> from parser.tagger.data import Sentence
    >>> train = [Sentence(["nike", "running", "shoes"],
    ...                   ["B-creator", "B-core_product_type", "I-core_product_type"])]
    >>> names = names_by_label({("acme sports", "brand"), ("boots", "product_type")})
    >>> out = replace_mentions(train, names, n=1, seed=0, p_replace=1.0)
    >>> out[0].tokens, out[0].tags
    (['acme', 'sports', 'boots'], ['B-creator', 'I-creator', 'B-core_product_type'])
    >>> out[0].meta["augmented_from"]
    'nike running shoes'
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

from parser.errors import ConfigError
from parser.tagger.data import Sentence, Span, detect_scheme, spans_to_tags, tags_to_spans
from parser.tagger.lexicon import MINED_LABELS

__all__ = ["names_by_label", "replace_mentions"]

#: names longer than this many words are not used as replacements (catalogue titles, not names)
MAX_NAME_WORDS = 4


def names_by_label(pairs: Iterable[tuple[str, str]],
                   labels: Mapping[str, tuple[str, str | None]] = MINED_LABELS,
                   ) -> dict[str, list[tuple[str, ...]]]:
    """The replacement names of each label: ``(normalised name, lexicon kind)`` pairs
    (:func:`parser.tagger.lexicon.kg_pairs`) whose kind is the label's
    (``attribute_value:color`` for ``color``), as word tuples, sorted (the same draw in every
    process), one- to :data:`MAX_NAME_WORDS`-word names with a letter in them."""
    want = {(kind if attribute is None else f"{kind}:{attribute}"): label
            for label, (kind, attribute) in labels.items()}
    out: dict[str, set[tuple[str, ...]]] = {label: set() for label in labels}
    for name, kind in pairs:
        label = want.get(kind)
        words = tuple(name.split())
        if label is not None and 0 < len(words) <= MAX_NAME_WORDS and \
                any(ch.isalpha() for ch in name):
            out[label].add(words)
    return {label: sorted(names) for label, names in out.items() if names}


def replace_mentions(sentences: Sequence[Sentence], names: Mapping[str, Sequence[Sequence[str]]],
                     *, n: int, seed: int, p_replace: float = 0.7) -> list[Sentence]:
    """``n`` synthetic queries: each from a source query (drawn with ``seed`` among those with a
    span of a label in ``names``) whose spans of those labels are each replaced with
    probability ``p_replace`` (at least one per query) by a random name of the label.
    Whitespace-joined sentences only (a character-joined set, e.g. Chinese, raises)."""
    if n < 0:
        raise ConfigError(f"n={n}: ask for >= 0 synthetic queries")
    if not 0 < p_replace <= 1:
        raise ConfigError(f"p_replace={p_replace}: use a value in (0, 1]")
    sources = [(s, spans) for s in sentences
               if (spans := tags_to_spans(s.tags)) and any(sp.label in names for sp in spans)]
    if n == 0 or not sources:
        return []
    if any(s.joiner != " " for s, _ in sources):
        raise ConfigError("mention replacement needs whitespace-joined sentences")
    scheme = detect_scheme(t for s in sentences for t in s.tags)
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        src, spans = sources[rng.randrange(len(sources))]
        replaceable = [i for i, sp in enumerate(spans) if sp.label in names]
        chosen = {i for i in replaceable if rng.random() < p_replace} or \
            {replaceable[rng.randrange(len(replaceable))]}
        tokens: list[str] = []
        new_spans: list[Span] = []
        pos = 0
        for i, sp in enumerate(spans):
            tokens += src.tokens[pos:sp.start]
            words = list(rng.choice(names[sp.label])) if i in chosen else \
                src.tokens[sp.start:sp.end]
            new_spans.append(Span(len(tokens), len(tokens) + len(words), sp.label))
            tokens += words
            pos = sp.end
        tokens += src.tokens[pos:]
        # the source's other tags (O) are kept by re-encoding the spans over the new words
        out.append(Sentence(tokens, spans_to_tags(new_spans, len(tokens), scheme),
                            meta={"augmented_from": src.text()}))
    return out
