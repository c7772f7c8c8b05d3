"""The tagger network: a BERT-family encoder, optional KG lexicon features, a linear token
classifier and an optional CRF; plus its saved configuration and vocabulary extension.

Parameter names follow ``<Family>ForTokenClassification`` (``bert.*``, ``classifier.*``), so a
saved folder also loads in Hugging Face ``AutoModelForTokenClassification`` (lexicon and CRF
weights are then ignored).

Shapes:
    input_ids, attention_mask: ``[batch, seq]`` int64
    lexicon: ``[batch, seq, n_kinds]`` int64 codes 0..4 (see :mod:`parser.tagger.lexicon`)
    returns logits ``[batch, seq, n_labels]`` float; with ``return_pooled=True`` also the
    query embedding ``[batch, 2 * hidden]``: the L2-normalised means over the real tokens of the
    embedding layer's output and of the last hidden states (before the lexicon features),
    concatenated. It is the text vector a fusion model trained on this tagger reads, so that a
    parse runs the encoder once. Both halves count: on the Best Buy dev queries (3-layer tagger,
    seed 0) fusion reached lvl1 0.667 on the embedding half alone, 0.631 on the last layer
    alone, 0.687 on both.

Example:
    >>> from parser.tagger.testing import tiny_encoder_config
    >>> cfg = TaggerConfig(labels=["O", "B-brand", "I-brand"])
    >>> TaggerModel(tiny_encoder_config(), cfg)(*[torch.ones(1, 4, dtype=torch.long)] * 2).shape
    torch.Size([1, 4, 3])
"""

from __future__ import annotations

import json
import logging
from typing import Any

import torch
from torch import nn

from parser.errors import ConfigError
from parser.tagger.config import TaggerConfig
from parser.tagger.lexicon import N_CODES
from parser.tagger.text import is_cjk

__all__ = ["TaggerModel", "extend_vocabulary", "mean_pool"]

logger = logging.getLogger(__name__)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """``[batch, seq, hidden]`` -> ``[batch, hidden]``: mean over the real tokens, L2-normalised
    (as sentence-transformers pools MiniLM).

    >>> mean_pool(torch.ones(1, 3, 2), torch.tensor([[1, 1, 0]])).round(decimals=4)
    tensor([[0.7071, 0.7071]])
    """
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _encoder_from_config(encoder_config: Any) -> nn.Module:
    from transformers import AutoModel

    encoder_config._attn_implementation = "eager"  # exports cleanly to ONNX; as fast for short seqs
    try:
        return AutoModel.from_config(encoder_config, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_config(encoder_config)


class TaggerModel(nn.Module):
    """Encoder + lexicon features + dropout + linear classifier (+ CRF)."""

    def __init__(self, encoder_config: Any, config: TaggerConfig, *,
                 encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.config = config
        self.encoder_config = encoder_config
        # ``encoder``: an encoder shared with other taggers (LoRA adapters per market on one
        # backbone: :mod:`parser.tagger.adapters`)
        encoder = encoder if encoder is not None else _encoder_from_config(encoder_config)
        self.prefix = encoder.base_model_prefix
        self.add_module(self.prefix, encoder)
        hidden = encoder_config.hidden_size
        n_labels = len(config.labels)
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.classifier = nn.Linear(hidden, n_labels)
        nn.init.normal_(self.classifier.weight, std=0.02)
        nn.init.zeros_(self.classifier.bias)
        self.lexicon_embeddings: nn.ModuleList | None = None
        if config.lexicon_kinds:
            self.lexicon_embeddings = nn.ModuleList(
                nn.Embedding(N_CODES, config.lexicon_dim, padding_idx=0)
                for _ in config.lexicon_kinds
            )
            self.lexicon_proj = nn.Linear(config.lexicon_dim * len(config.lexicon_kinds), hidden)
        self.crf = None
        if config.crf:
            try:
                from torchcrf import CRF
            except ImportError as err:  # pragma: no cover - depends on extras
                raise ConfigError("crf=True needs pytorch-crf (a kgqp dependency): pip install "
                                  "pytorch-crf") from err
            self.crf = CRF(n_labels, batch_first=True)

    @property
    def encoder(self) -> nn.Module:
        return getattr(self, self.prefix)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                lexicon: torch.Tensor | None = None, *, return_pooled: bool = False,
                return_states: bool = False,
                ) -> torch.Tensor | tuple[torch.Tensor, ...]:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           output_hidden_states=return_pooled or return_states)
        h = out.last_hidden_state
        pooled = states = None
        if return_pooled:
            pooled = torch.cat([mean_pool(out.hidden_states[0], attention_mask),
                                mean_pool(h, attention_mask)], dim=-1)
        if return_states:  # per token, what the pooled embedding averages (predict.pool_states)
            states = torch.cat([out.hidden_states[0], h], dim=-1)
        if self.lexicon_embeddings is not None:
            if lexicon is None:
                lexicon = torch.zeros((*input_ids.shape, len(self.lexicon_embeddings)),
                                      dtype=torch.long, device=input_ids.device)
            emb = torch.cat([e(lexicon[..., k]) for k, e in enumerate(self.lexicon_embeddings)],
                            dim=-1)
            h = h + self.lexicon_proj(emb)
        logits = self.classifier(self.dropout(h))
        if states is not None:
            return logits, pooled, states
        return (logits, pooled) if pooled is not None else logits

    # -- decoding parameters shared by the torch and ONNX paths --------------------------------
    def transition_params(self) -> dict[str, list] | None:
        """CRF transition scores as nested lists (None without CRF)."""
        if self.crf is None:
            return None
        return {
            "start": self.crf.start_transitions.detach().tolist(),
            "end": self.crf.end_transitions.detach().tolist(),
            "transitions": self.crf.transitions.detach().tolist(),
        }

    def load_backbone_weights(self, weights: dict[str, torch.Tensor]) -> None:
        """Load encoder weights saved by a base model (``embeddings.*``) or a task model
        (``bert.embeddings.*``); refuses a state dict that matches nothing."""
        own = self.encoder.state_dict()
        pre = self.prefix + "."
        sd = {}
        for k, v in weights.items():
            k2 = k[len(pre):] if k.startswith(pre) else k
            if k2 in own and own[k2].shape == v.shape:
                sd[k2] = v
        if not sd:
            raise ConfigError("the backbone weights match none of the encoder's parameters: "
                              "pass a BERT-family checkpoint of the same architecture")
        missing = [k for k in own if k not in sd and not k.endswith("position_ids")]
        if missing:
            logger.warning("backbone lacks %d encoder weights (randomly initialised): %s",
                           len(missing), ", ".join(missing[:5]))
        self.encoder.load_state_dict(sd, strict=False)

    def resize_vocab(self, new_size: int, *, seed: int = 0) -> None:
        """Grow the word-embedding matrix to ``new_size`` rows, initialising the new rows from the
        mean and per-dimension std of the existing ones (``mean_resizing=False`` avoids the
        transformers covariance path that exhausts memory)."""
        old = self.encoder.get_input_embeddings().weight.detach().clone()
        if new_size <= old.shape[0]:
            return
        self.encoder.resize_token_embeddings(new_size, mean_resizing=False)
        emb = self.encoder.get_input_embeddings().weight
        g = torch.Generator().manual_seed(seed)
        mean, std = old.mean(0), old.std(0)
        n_new = new_size - old.shape[0]
        with torch.no_grad():
            emb[old.shape[0]:] = mean + std * torch.randn(n_new, old.shape[1], generator=g) * 0.5
        self.encoder_config.vocab_size = new_size


def extend_vocabulary(tokenizer: Any, texts: list[str]) -> tuple[Any, list[str]]:
    """Add the characters of ``texts`` that the WordPiece ``tokenizer`` maps to [UNK] to its
    vocabulary (a CJK character as a word piece, other characters also as ``##c``).

    Characters whose BERT-normalised form is empty (C1 controls, private use) are skipped: they
    never reach the model. Returns the new ``tokenizers.Tokenizer`` and the added pieces.

    >>> from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    >>> tok = Tokenizer(models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    >>> tok.normalizer = normalizers.BertNormalizer()
    >>> tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    >>> new, added = extend_vocabulary(tok, ["a苹\\x84"])
    >>> added, new.encode("苹a").tokens
    (['苹'], ['苹', 'a'])
    """
    from tokenizers import Tokenizer

    spec = json.loads(tokenizer.to_str())
    model = spec["model"]
    if model.get("type") != "WordPiece":
        raise ConfigError(f"vocabulary extension supports WordPiece tokenizers, not "
                          f"{model.get('type')}: use a BERT-family backbone")
    vocab: dict[str, int] = model["vocab"]
    prefix = model.get("continuing_subword_prefix", "##")
    norm = tokenizer.normalizer
    chars = sorted({c for t in texts for c in t if not c.isspace()})
    added: list[str] = []
    next_id = max([max(vocab.values(), default=-1), *(a["id"] for a in spec["added_tokens"])]) + 1
    for ch in chars:
        n = norm.normalize_str(ch) if norm is not None else ch
        for c in n:
            if c.isspace() or c in vocab:
                continue
            pieces = [c] if is_cjk(c) else [c, prefix + c]
            for p in pieces:
                if p not in vocab:
                    vocab[p] = next_id
                    next_id += 1
                    added.append(p)
    if not added:
        return tokenizer, []
    new = Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
    logger.info("added %d pieces to the vocabulary", len(added))
    return new, added
