"""Tiny fixtures for tests and doctests: a randomly initialised 2-layer BERT (hidden 32) with a
small WordPiece vocabulary, and ~20 tagged queries. Nothing is downloaded.

Example:
    >>> len(TINY_QUERIES) >= 20
    True
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from parser.tagger.data import Sentence

__all__ = ["TINY_QUERIES", "SpanTagger", "tiny_backbone", "tiny_encoder_config", "tiny_sentences",
           "tiny_tagger"]

_Q = """apple/B-creator iphone/B-product_name 13/I-product_name case/B-core_product_type
samsung/B-creator 55/B-UoM inch/I-UoM tv/B-core_product_type
red/B-color running/B-modifier shoes/B-core_product_type
nike/B-creator running/B-modifier shoes/B-core_product_type for/O men/B-department
sony/B-creator headphones/B-core_product_type
wooden/B-material coffee/B-core_product_type table/I-core_product_type
lg/B-creator washing/B-core_product_type machine/I-core_product_type
blue/B-color cotton/B-material shirt/B-core_product_type
dell/B-creator laptop/B-core_product_type under/B-price 500/I-price
kids/B-department red/B-color jacket/B-core_product_type
apple/B-creator watch/B-core_product_type band/I-core_product_type
hp/B-creator printer/B-core_product_type ink/I-core_product_type
black/B-color leather/B-material wallet/B-core_product_type
samsung/B-creator galaxy/B-product_name s21/I-product_name case/B-core_product_type
round/B-shape wooden/B-material table/B-core_product_type
women/B-department running/B-modifier shoes/B-core_product_type
sony/B-creator tv/B-core_product_type 65/B-UoM inch/I-UoM
green/B-color tea/B-core_product_type
bose/B-creator speaker/B-core_product_type
used/B-condition iphone/B-product_name 12/I-product_name
lenovo/B-creator laptop/B-core_product_type bag/I-core_product_type
pink/B-color yoga/B-modifier mat/B-core_product_type"""

TINY_QUERIES: list[Sentence] = [
    Sentence([w.rsplit("/", 1)[0] for w in line.split()],
             [w.rsplit("/", 1)[1] for w in line.split()])
    for line in _Q.splitlines()
]


def tiny_sentences() -> list[Sentence]:
    """A fresh copy of :data:`TINY_QUERIES`."""
    return [Sentence(list(s.tokens), list(s.tags), s.joiner) for s in TINY_QUERIES]


def _vocab() -> list[str]:
    words = sorted({t for s in TINY_QUERIES for t in s.tokens})
    chars = sorted({c for w in words for c in w})
    return (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
            + [c for c in chars if c not in words] + ["##" + c for c in chars])


def tiny_encoder_config(vocab_size: int | None = None) -> Any:
    """A 2-layer, 2-head, hidden-32 BertConfig."""
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size or len(_vocab()), hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)


def tiny_backbone(path: str | os.PathLike[str] | None = None) -> Path:
    """Write a random tiny BERT backbone folder (safetensors + tokenizer files) and return it
    (without ``path``: a new temporary folder, the caller's to remove)."""
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    out = Path(path or tempfile.mkdtemp(prefix="kgqp-tiny-bert-"))
    out.mkdir(parents=True, exist_ok=True)
    vocab = _vocab()
    (out / "vocab.txt").write_text("".join(v + "\n" for v in vocab), encoding="utf-8")
    tok = Tokenizer(models.WordPiece({v: i for i, v in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    tok.decoder = decoders.WordPiece()
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(
        '{"tokenizer_class": "BertTokenizer", "do_lower_case": true, "unk_token": "[UNK]", '
        '"sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", '
        '"mask_token": "[MASK]"}', encoding="utf-8")
    from transformers import BertModel

    torch.manual_seed(0)
    cfg = tiny_encoder_config(len(vocab))
    cfg.save_pretrained(str(out))
    model = BertModel(cfg, add_pooling_layer=False)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(out / "model.safetensors"))
    return out


def tiny_tagger(*, crf: bool = False, lexicon_kinds: list[str] | None = None,
                seed: int = 0) -> Any:
    """An untrained Tagger on a tiny random backbone (instant; for doctests and API tests);
    ``seed`` initialises its tagging head."""
    import torch

    from parser.tagger.config import TaggerConfig
    from parser.tagger.data import entity_types
    from parser.tagger.io import load_backbone
    from parser.tagger.model import TaggerModel
    from parser.tagger.predict import Tagger

    enc_cfg, weights, tok = load_backbone(_cached_backbone())
    labels = ["O"] + [f"{p}-{t}" for t in entity_types(TINY_QUERIES) for p in "BI"]
    torch.manual_seed(seed)
    model = TaggerModel(enc_cfg, TaggerConfig(labels=labels, crf=crf,
                                              lexicon_kinds=lexicon_kinds, max_length=32))
    model.load_backbone_weights(weights)
    return Tagger(config=model.config, tokenizer=tok, model=model, encoder_config=enc_cfg)


class SpanTagger:
    """A tagger whose spans are given per query (``{query: [(span, label)]}``, each span found
    left to right in the query, as the bundle's tagger cuts and labels it), with the stages the
    parser calls and no more (``prepare``, ``forward``, ``decode``): pipeline tests of what a
    parse does with given spans, no model.

    >>> tagged = SpanTagger({"red nike shoes": [("red", "color"), ("nike", "creator")]})
    >>> [(e.text, e.start, e.label) for e in tagged.decode(["red nike shoes"], None)[0].entities]
    [('red', 0, 'color'), ('nike', 4, 'creator')]
    """

    def __init__(self, spans: dict[str, list[tuple[str, str]]]) -> None:
        self.spans = spans

    def prepare(self, texts: list[str], *, matches: object = None) -> list[str]:
        return list(texts)

    def forward(self, items: list[str], *, pooled: bool = False,
                batch: bool = False) -> tuple[None, None]:
        return None, None

    def decode(self, items: list[str], logits: object) -> list[Any]:
        from parser.tagger.predict import Entity, TaggedText

        out = []
        for text in items:
            ents, pos = [], 0
            for span, label in self.spans.get(text, ()):
                start = text.index(span, pos)
                pos = start + len(span)
                ents.append(Entity(span, start, pos, label, 0.9))
            out.append(TaggedText(text, ents))
        return out


_BACKBONE: Path | None = None


def _cached_backbone() -> Path:
    global _BACKBONE
    if _BACKBONE is None or not (_BACKBONE / "model.safetensors").is_file():
        import atexit
        import shutil

        _BACKBONE = tiny_backbone()  # one per process, removed when it exits
        atexit.register(shutil.rmtree, _BACKBONE, ignore_errors=True)
    return _BACKBONE
