"""Text -> model inputs, identical for training, evaluation and prediction.

The original text is NFKC-normalised with a character map (:func:`parser.tagger.text.normalize`),
split into words (or given words), the words are tokenised as pre-tokenised input by the fast
tokenizer (truncated at ``max_length`` tokens), and each word is represented by its first subword.

Example:
    >>> from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    >>> tok = Tokenizer(models.WordPiece({"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "ab": 3, "##c": 4},
    ...                                  unk_token="[UNK]"))
    >>> tok.normalizer = normalizers.BertNormalizer()
    >>> tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    >>> tok.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
    >>> enc = Encoder(tok, max_length=16, word_mode="whitespace")
    >>> p = enc.prepare("ＡＢc x")
    >>> p.norm, p.words, p.input_ids.tolist(), p.first.tolist()
    ('ABc x', [(0, 3), (4, 5)], [1, 3, 4, 0, 2], [1, 3])
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parser.tagger.lexicon import CharSpan, Lexicon, word_features
from parser.tagger.text import WordMode, normalize, split_words

__all__ = ["Batch", "Encoder", "Prepared"]


@dataclass
class Prepared:
    """One text ready for the model."""

    text: str                     # original text
    norm: str                     # normalised text
    back: list[int]               # norm char index -> original char index
    words: list[tuple[int, int]]  # word spans in ``norm``
    input_ids: np.ndarray         # [seq] int64, with special tokens
    token_words: np.ndarray       # [seq] word index of each token, -1 for special tokens
    first: np.ndarray             # [n_words] index of the word's first token, -1 if none
    truncated: bool
    lexicon: np.ndarray | None    # [seq, n_kinds] int64

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``norm`` to the original text."""
        return self.back[start], self.back[end - 1] + 1


@dataclass
class Batch:
    """Padded numpy arrays for a list of :class:`Prepared`."""

    input_ids: np.ndarray       # [batch, seq] int64
    attention_mask: np.ndarray  # [batch, seq] int64
    lexicon: np.ndarray | None  # [batch, seq, n_kinds] int64


class Encoder:
    """Turns texts (or pre-split words) into :class:`Prepared` inputs."""

    def __init__(self, tokenizer, *, max_length: int, word_mode: WordMode = "whitespace",
                 lexicon_kinds: Sequence[str] | None = None, lexicon: Lexicon | None = None,
                 ) -> None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_str(tokenizer.to_str())  # private copy: we set truncation
        tok.no_padding()
        tok.enable_truncation(max_length)
        self.tokenizer = tok
        self.max_length = max_length
        self.word_mode = word_mode
        self.lexicon_kinds = list(lexicon_kinds) if lexicon_kinds else None
        self.lexicon = lexicon
        pad = tok.padding
        self.pad_id = (pad or {}).get("pad_id", tok.token_to_id("[PAD]") or 0)
        # a word yields at least one token or none; more than this many words cannot all fit
        self._max_words = 4 * max_length

    def _norm_words(self, text: str, words: Sequence[tuple[int, int]] | None):
        norm, back = normalize(text)
        if words is None:
            spans = split_words(norm, self.word_mode)
        else:  # original-text word spans -> normalised-text spans
            counts = np.bincount(np.asarray(back, dtype=np.int64), minlength=len(text))
            fwd = np.concatenate([[0], np.cumsum(counts)])
            spans = [(int(fwd[a]), int(fwd[b])) for a, b in words]
        return norm, back, spans

    def prepare_many(self, texts: Sequence[str],
                     words: Sequence[Sequence[tuple[int, int]]] | None = None, *,
                     matches: Sequence[Sequence[CharSpan]] | None = None) -> list[Prepared]:
        """Prepare ``texts``; ``words`` optionally gives each text's word spans (original
        offsets) instead of splitting. ``matches`` gives each text's lexicon matches
        ``(start, end, kind)`` in original offsets (the parse's one KG match); without it the
        encoder's own :attr:`lexicon` is asked."""
        pre = []
        for i, text in enumerate(texts):
            norm, back, spans = self._norm_words(text, None if words is None else words[i])
            cut = len(spans) > self._max_words
            pre.append((text, norm, back, spans, cut))
        word_lists = [[norm[a:b] for a, b in spans[: self._max_words]]
                      for _, norm, _, spans, _ in pre]
        if len(word_lists) == 1:  # encode_batch wakes the tokenizer's thread pool
            encs = [self.tokenizer.encode(word_lists[0], is_pretokenized=True)]
        else:
            encs = self.tokenizer.encode_batch(word_lists, is_pretokenized=True)
        out = []
        for k, ((text, norm, back, spans, cut), enc) in enumerate(zip(pre, encs, strict=True)):
            ids = np.asarray(enc.ids, dtype=np.int64)
            word_ids = [-1 if w is None else w for w in enc.word_ids]
            tw = np.asarray(word_ids, dtype=np.int64)
            # each word's first token: the tokens where the word (of the tokens that have one)
            # changes; a dozen tokens, so a loop, not half a dozen array operations
            first_l = [-1] * len(spans)
            last = -1
            for pos, w in enumerate(word_ids):
                if w >= 0:
                    if w != last:
                        first_l[w] = pos
                    last = w
            first = np.asarray(first_l, dtype=np.int64)
            lex = None
            if self.lexicon_kinds:
                lex = np.zeros((len(ids), len(self.lexicon_kinds)), dtype=np.int64)
                found = None
                if matches is not None:
                    found = _to_normalized(matches[k], text, back)
                elif self.lexicon is not None:
                    found = self.lexicon.match(norm)
                if found and spans:
                    wf = word_features(found, spans, self.lexicon_kinds)
                    has = tw >= 0
                    lex[has] = wf[tw[has]]
            out.append(Prepared(text, norm, back, spans, ids, tw, first,
                                truncated=bool(cut or enc.overflowing), lexicon=lex))
        return out

    def prepare(self, text: str) -> Prepared:
        return self.prepare_many([text])[0]

    def collate(self, items: Sequence[Prepared]) -> Batch:
        """The padded arrays of ``items`` (one text: its own arrays, copied, nothing to pad)."""
        kinds = len(self.lexicon_kinds) if self.lexicon_kinds else 0
        if len(items) == 1 and (not kinds or items[0].lexicon is None
                                or items[0].lexicon.shape == (len(items[0].input_ids), kinds)):
            p = items[0]
            n = len(p.input_ids)
            lex = None
            if kinds:
                lex = np.zeros((1, n, kinds), dtype=np.int64) if p.lexicon is None else \
                    np.array(p.lexicon, dtype=np.int64, ndmin=3)
            return Batch(np.array(p.input_ids, dtype=np.int64, ndmin=2),
                         np.ones((1, n), dtype=np.int64), lex)
        seq = max((len(p.input_ids) for p in items), default=0)
        ids = np.full((len(items), seq), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(items), seq), dtype=np.int64)
        lex = (np.zeros((len(items), seq, len(self.lexicon_kinds)), dtype=np.int64)
               if self.lexicon_kinds else None)
        for i, p in enumerate(items):
            n = len(p.input_ids)
            ids[i, :n] = p.input_ids
            mask[i, :n] = 1
            if lex is not None and p.lexicon is not None:
                lex[i, :n] = p.lexicon
        return Batch(ids, mask, lex)


def _to_normalized(matches: Sequence[CharSpan], text: str, back: Sequence[int]) -> list[CharSpan]:
    """Character spans of the original ``text`` -> spans of its normalised form (``back``
    maps each normalised character to its original one)."""
    if not matches:
        return []
    # an original offset x -> the normalised characters that come from before it: the count
    # of ``back`` entries < x, a binary search (``back`` is non-decreasing: :func:`normalize`
    # maps the text in order)
    return [(bisect_left(back, a), bisect_left(back, b), kind) for a, b, kind in matches]
