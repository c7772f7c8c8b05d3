"""Prediction: :class:`Tagger` (``from_pretrained``, ``__call__``, ``pipe``, ``save``) with a
PyTorch or an ONNX Runtime backend, returning :class:`TaggedText` with :class:`Entity` spans.

Entity offsets index the ORIGINAL text (``text[e.start:e.end] == e.text``), also when the text
was NFKC-normalised (fullwidth letters, ligatures) or holds characters the tokenizer drops.

Example:
    >>> e = Entity(text="apple", start=0, end=5, label="creator", score=0.9)
    >>> TaggedText(text="apple case", entities=[e], truncated=False).entities[0].label
    'creator'
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from parser.errors import ConfigError
from parser.tagger.config import TaggerConfig
from parser.tagger.data import Sentence, _split_tag, tags_to_spans
from parser.tagger.decode import Decoder, log_softmax
from parser.tagger.encoding import Batch, Encoder, Prepared
from parser.tagger.lexicon import Lexicon, as_lexicon

__all__ = ["Backend", "Entity", "TaggedText", "Tagger", "pool_states"]

logger = logging.getLogger(__name__)
Backend = Literal["torch", "onnx"]


@dataclass(frozen=True)
class Entity:
    """A typed span of the original text; ``score`` is the mean tag probability."""

    text: str
    start: int
    end: int
    label: str
    score: float


@dataclass
class TaggedText:
    """A text with its entities (non-overlapping, in order); ``truncated`` is True when the
    text was longer than the model's ``max_length`` and its tail was not tagged."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    truncated: bool = False


def pool_states(states: np.ndarray, lengths: Sequence[int]) -> np.ndarray:
    """The pooled embeddings ``[batch, 2H]`` from per-token states ``[batch, seq, 2H]`` (the
    embedding layer's and the last layer's outputs side by side; ``lengths`` real tokens per
    row): ``parser.tagger.model.mean_pool`` of each half, each L2-normalised. Each row is
    summed over exactly its own tokens, in order, so it does not depend on how far its batch was
    padded (ONNX Runtime's reduction over the padded sequence moved it by up to 6e-8).

    >>> [round(float(x), 4) for x in pool_states(np.ones((1, 3, 4), np.float32), [2])[0]]
    [0.7071, 0.7071, 0.7071, 0.7071]
    """
    half = states.shape[-1] // 2
    out = np.zeros((len(lengths), states.shape[-1]), np.float32)
    for i, n in enumerate(lengths):
        mean = states[i, :n].sum(0) / np.float32(max(n, 1))
        for part in (slice(0, half), slice(half, None)):
            v = mean[part]
            out[i, part] = v / max(float(np.sqrt(np.dot(v, v))), 1e-12)
    return out


class Tagger:
    """A trained token tagger.

    Load with :meth:`from_pretrained`; call on a string or use :meth:`pipe` for many.

    >>> from parser.tagger.testing import tiny_tagger
    >>> tagger = tiny_tagger()
    >>> result = tagger("apple iphone case")
    >>> all(result.text[e.start:e.end] == e.text for e in result.entities)
    True
    >>> tagger("").entities
    []
    """

    def __init__(self, *, config: TaggerConfig, tokenizer: Any, model: Any = None,
                 session: Any = None, crf: dict[str, list] | None = None,
                 lexicon: Any = None, encoder_config: Any = None, path: Path | None = None,
                 onnx_file: Path | None = None) -> None:
        if (model is None) == (session is None):
            raise ConfigError("give exactly one of model (torch) or session (ONNX Runtime)")
        self.config = config
        self.tokenizer = tokenizer
        self.model = model
        self.session = session
        self.encoder_config = encoder_config
        self.path = path
        #: the ONNX graph the session runs (None with the torch backend)
        self.onnx_file = onnx_file
        if model is not None:
            model.eval()
            crf = model.transition_params()
        self._crf = crf
        self.decoder = Decoder(config.labels, config.scheme, crf)
        self.encoder = Encoder(tokenizer, max_length=config.max_length,
                               word_mode=config.word_mode,  # type: ignore[arg-type]
                               lexicon_kinds=config.lexicon_kinds)
        self.lexicon = lexicon
        self._labels = np.array(config.labels)
        self._ort_inputs: set[str] = set()
        self._ort_outputs: set[str] = set()
        self._batch_session: Any = None
        self._batch_lock = threading.Lock()
        if session is not None:
            self._ort_inputs = {i.name for i in session.get_inputs()}
            self._ort_outputs = {o.name for o in session.get_outputs()}

    # -- properties -----------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        return list(self.config.labels)

    @property
    def entity_types(self) -> list[str]:
        return sorted({_split_tag(lab)[1] for lab in self.config.labels} - {""})

    @property
    def lexicon(self) -> Lexicon | None:
        return self.encoder.lexicon

    @lexicon.setter
    def lexicon(self, value: Any) -> None:
        """Set the lexicon (a KG, a Lexicon, a {name: kind} dict, or None)."""
        self.encoder.lexicon = as_lexicon(value)

    @property
    def backend(self) -> Backend:
        return "torch" if self.model is not None else "onnx"

    # -- loading / saving -----------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, path: str | os.PathLike[str], *, backend: Backend = "torch",
                        lexicon: Any = None, int8: bool | None = None,
                        num_threads: int | None = None, spin: bool = True,
                        tags: bool = True) -> Tagger:
        """Load a folder written by :meth:`save` (or by training).

        ``backend="onnx"`` uses ``model.int8.onnx`` (default when present; ``int8=False`` picks
        ``model.onnx``) written by :func:`parser.tagger.export_onnx`. ``lexicon`` is the current
        KG (or any :class:`Lexicon`) when the model was trained with lexicon features; loaded
        without one, such a model warns that its tags differ, unless ``tags=False`` (a tool that
        exports or inspects the model and tags nothing).
        ``spin=False`` stops idle ONNX Runtime threads from spin-waiting (use it when another
        ORT session runs in the same process).
        Pickle weights are refused; missing or corrupt files raise
        :class:`parser.errors.ModelLoadError` saying what is wrong.
        """
        from parser.tagger import io
        from parser.tagger.adapters import is_adapter

        if backend == "torch" and is_adapter(path):  # a LoRA adapter, on its recorded base
            tagger = cls.markets({"default": path}, lexicon=lexicon)["default"]
        elif backend == "torch":
            tagger = io.load_torch(cls, Path(path), lexicon=lexicon, num_threads=num_threads)
        elif backend == "onnx":
            tagger = io.load_onnx(cls, Path(path), lexicon=lexicon, int8=int8,
                                  num_threads=num_threads, spin=spin)
        else:
            raise ConfigError(f"backend {backend!r} unknown: use 'torch' or 'onnx'")
        if tags and lexicon is None and getattr(tagger.config, "lexicon_kinds", None):
            logger.warning(
                "%s was trained with KG lexicon features (%s) and is loaded without a KG: every "
                "lexicon feature is 0, so its tags differ from those it was selected on; pass "
                "lexicon=<the KG> (on the command line: --kg KGDIR)", path,
                ", ".join(tagger.config.lexicon_kinds))
        return tagger

    @classmethod
    def markets(cls, adapters: dict[str, str | os.PathLike[str]], *,
                base: str | os.PathLike[str] | None = None,
                lexicon: Any = None) -> dict[str, Tagger]:
        """One tagger per market from LoRA adapter folders (``kgqp tagger train --adapter``),
        all on ONE copy of their shared base in memory (see :mod:`parser.tagger.adapters`).

        >>> from parser.tagger.adapters import AdapterConfig
        >>> AdapterConfig(market="zh").target_modules
        ['query', 'key', 'value', 'dense']
        """
        from parser.tagger.adapters import load_markets

        return load_markets(cls, {m: Path(p) for m, p in adapters.items()},
                            base=None if base is None else Path(base), lexicon=lexicon)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the tagger folder (config.json, kgqp.json, model.safetensors, tokenizer)."""
        from parser.tagger import io

        if self.model is None:
            raise ConfigError("only a torch-backed Tagger can be saved: load it with "
                              "backend='torch'")
        if hasattr(self.model, "market"):
            raise ConfigError("a market adapter is saved when it is trained: copy its folder "
                              f"{self.path}")
        return io.save_tagger(self.model, self.tokenizer, Path(path), backbone_dir=self.path)

    # -- inference --------------------------------------------------------------------------------
    @property
    def has_embeddings(self) -> bool:
        """Whether this tagger can return query embeddings (:meth:`tag_and_embed`): always with
        the torch backend; with ONNX when the export has the ``pooled`` output."""
        return self.session is None or "pooled" in self._ort_outputs

    @property
    def embedding_dim(self) -> int:
        """Size of the query embeddings (twice the encoder's hidden size: see
        :class:`parser.tagger.model.TaggerModel`)."""
        if self.session is not None:
            for o in self.session.get_outputs():
                if o.name == "pooled" and isinstance(o.shape[-1], int):
                    return int(o.shape[-1])
            raise ConfigError(f"the ONNX export in {self.path} has no query-embedding output")
        return 2 * int(self.encoder_config.hidden_size)

    def prepare(self, texts: Sequence[str], *,
                matches: Sequence[Sequence[tuple[int, int, str]]] | None = None,
                ) -> list[Prepared]:
        """Tokenise ``texts`` for :meth:`forward`. ``matches`` gives each text's lexicon
        matches ``(start, end, kind)`` in original character offsets (what
        :class:`parser.QueryParser` found in the KG once for the whole parse); without it
        the tagger's own :attr:`lexicon` is asked (when the model uses lexicon features).

        >>> from parser.tagger.testing import tiny_tagger
        >>> t = tiny_tagger()
        >>> items = t.prepare(["usb cable"])
        >>> logits, _ = t.forward(items)
        >>> t.decode(items, logits)[0].entities == t("usb cable").entities
        True
        """
        return self.encoder.prepare_many(list(texts), matches=matches)

    @property
    def batch_session(self) -> Any:
        """A second ONNX Runtime session on the same graph with one intra-op thread (no
        spinning), made on first use: :meth:`parser.QueryParser.pipe` calls it from worker
        threads (ORT runs a one-thread session on the calling thread) beside its own Python
        work. ``None`` with the torch backend."""
        if self.session is None or self.onnx_file is None:
            return None
        with self._batch_lock:
            if self._batch_session is None:
                import onnxruntime as ort

                from parser.tagger.io import ort_session_options

                self._batch_session = ort.InferenceSession(
                    str(self.onnx_file), ort_session_options(num_threads=1, spin=False),
                    providers=["CPUExecutionProvider"])
            return self._batch_session

    def forward(self, items: Sequence[Prepared], *, pooled: bool = False, batch: bool = False,
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Run the model on prepared texts: ``(token logits [batch, seq, labels], query
        embeddings [batch, embedding_dim] or None)``, from one encoder pass. ``batch=True``
        runs on :attr:`batch_session` (ONNX)."""
        if self.session is not None and len(items) > 1 \
                and len({len(p.input_ids) for p in items}) > 1:
            return self._forward_by_length(items, pooled=pooled, batch=batch)
        batch_ = self.encoder.collate(items)
        if self.session is not None:
            if pooled and "pooled" not in self._ort_outputs:
                raise ConfigError(
                    f"the ONNX export in {self.path} has no query-embedding output; export it "
                    f"again with `kgqp tagger export-onnx {self.path} --int8`"
                )
            feeds = self._feeds(batch_)
            session = self.batch_session if batch else self.session
            if pooled and "states" in self._ort_outputs:
                # pooled here, each query over exactly its own tokens: the same embedding
                # whatever its batch (the graph's own pooling varies with the padding)
                logits, states = session.run(["logits", "states"], feeds)
                return logits, pool_states(states, [len(p.input_ids) for p in items])
            outs = session.run(["logits", "pooled"] if pooled else ["logits"], feeds)
            return outs[0], (outs[1] if pooled else None)
        import torch

        with torch.inference_mode():
            out = self.model(*_torch_inputs(batch_), return_pooled=pooled)
        if pooled:
            return out[0].float().numpy(), out[1].float().numpy()
        return out.float().numpy(), None

    def onnx_feeds(self, items: Sequence[Prepared]) -> dict[str, np.ndarray]:
        """The inputs :meth:`forward` gives the ONNX graph for prepared texts (padded to the
        longest): for timing or calibrating the graph alone.

        >>> from parser.tagger.testing import tiny_tagger
        >>> sorted(tiny_tagger().onnx_feeds(tiny_tagger().prepare(["usb cable"])))
        Traceback (most recent call last):
        ...
        parser.errors.ConfigError: onnx_feeds needs the ONNX backend (this tagger runs torch)
        """
        if self.session is None:
            raise ConfigError("onnx_feeds needs the ONNX backend (this tagger runs torch)")
        return self._feeds(self.encoder.collate(items))

    def _feeds(self, batch: Batch) -> dict[str, np.ndarray]:
        feeds = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask}
        if "lexicon" in self._ort_inputs:
            feeds["lexicon"] = batch.lexicon
        return feeds

    def _forward_by_length(self, items: Sequence[Prepared], *, pooled: bool, batch: bool,
                           ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`forward` of texts of several token lengths on the ONNX graph: one call per
        length, so that no padded position is computed (each costs what a token does; a
        window of ``pipe()`` sorted by characters left a third of the positions padding), in
        arrays padded to the longest text as one call returns them (the padded positions'
        logits are zeros, which no decoding reads). With the INT8 export (weights only,
        :mod:`parser.tagger.onnx`) a text's outputs do not depend on the other texts of its
        call, so the grouping changes no result."""
        groups: dict[int, list[int]] = {}
        for i, p in enumerate(items):
            groups.setdefault(len(p.input_ids), []).append(i)
        logits: np.ndarray | None = None
        pooled_out: np.ndarray | None = None
        width = max(groups)
        for length, idx in groups.items():
            part, emb = self.forward([items[i] for i in idx], pooled=pooled, batch=batch)
            if logits is None:
                logits = np.zeros((len(items), width, part.shape[-1]), dtype=part.dtype)
                if emb is not None:
                    pooled_out = np.zeros((len(items), emb.shape[-1]), dtype=emb.dtype)
            logits[idx, :length] = part
            if pooled_out is not None and emb is not None:
                pooled_out[idx] = emb
        assert logits is not None  # (two groups at least)
        return logits, pooled_out

    def forward_features(self, items: Sequence[Prepared],
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`forward` with ``pooled=True`` plus what the linear classifier reads for each
        token (``[batch, seq, hidden]``: the encoder's last states, with the lexicon features
        added when the model has them), from the same pass: the gradient of the tagging loss
        with respect to the classifier's weights is made of it (``parser.learn``'s
        ``badge``). Torch backend only.

        >>> from parser.tagger.testing import tiny_tagger
        >>> t = tiny_tagger()
        >>> logits, pooled, feats = t.forward_features(t.prepare(["red shoes"]))
        >>> feats.shape[:2] == logits.shape[:2], feats.shape[-1] == t.model.classifier.in_features
        (True, True)
        """
        if self.model is None:
            raise ConfigError("the classifier's inputs need the torch backend "
                              "(Tagger.from_pretrained(path, backend='torch'))")
        import torch

        seen: list[Any] = []
        hook = self.model.classifier.register_forward_hook(
            lambda _module, inputs, _output: seen.append(inputs[0]))
        try:
            with torch.inference_mode():
                logits, pooled = self.model(*_torch_inputs(self.encoder.collate(items)),
                                            return_pooled=True)
        finally:
            hook.remove()
        return logits.float().numpy(), pooled.float().numpy(), seen[0].float().numpy()

    def sample_logits(self, items: Sequence[Prepared], n: int, *, seed: int = 0) -> np.ndarray:
        """``n`` forward passes with the model's dropout active (Monte Carlo dropout, Gal &
        Ghahramani 2016): token logits ``[n, batch, seq, labels]``, whose spread measures how
        unsure the model is about a word (``parser.learn``'s ``sum_bald``). Torch backend only;
        seeded, and the model is back in eval mode afterwards.

        >>> from parser.tagger.testing import tiny_tagger
        >>> t = tiny_tagger()
        >>> t.sample_logits(t.prepare(["red shoes"]), 2).shape[:2]
        (2, 1)
        """
        if self.model is None:
            raise ConfigError("Monte Carlo dropout needs the torch backend "
                              "(Tagger.from_pretrained(path, backend='torch'))")
        if n < 1:
            raise ConfigError(f"sample_logits needs n >= 1, got {n}")
        import torch

        inputs = _torch_inputs(self.encoder.collate(items))
        state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        self.model.train()
        try:
            with torch.inference_mode():
                out = [self.model(*inputs).float().numpy() for _ in range(n)]
        finally:
            self.model.eval()
            torch.random.set_rng_state(state)
        return np.stack(out)

    def _logits(self, items: Sequence[Prepared]) -> np.ndarray:
        return self.forward(items)[0]

    def _word_tags(self, items: Sequence[Prepared], logits: np.ndarray,
                   ) -> list[tuple[list[int], np.ndarray]]:
        """Tag ids and probabilities of the words of each prepared text from the model's
        token logits ``[batch, seq, labels]`` (a word is scored by its first token; words
        without a token are "O" with probability 1). Decoded as one padded batch (one text:
        :meth:`_word_tags_one`)."""
        if len(items) == 1:
            return [self._word_tags_one(items[0], logits[0])]
        has = [np.nonzero(p.first >= 0)[0] for p in items]
        lengths = np.array([len(h) for h in has], dtype=np.int64)
        width = int(lengths.max(initial=0))
        scores = np.zeros((len(items), max(width, 1), logits.shape[-1]), dtype=np.float64)
        for i, (p, h) in enumerate(zip(items, has, strict=True)):
            scores[i, :len(h)] = logits[i, p.first[h]]
        scores = log_softmax(scores)
        paths = self.decoder.decode_batch(scores, lengths)
        out = []
        for i, (p, h) in enumerate(zip(items, has, strict=True)):
            tags = np.zeros(len(p.words), dtype=np.int64)  # "O" for words without tokens
            probs = np.ones(len(p.words))
            if len(h):
                tags[h] = paths[i]
                probs[h] = np.exp(scores[i, np.arange(len(h)), paths[i]])
            out.append((tags.tolist(), probs))
        return out

    def _word_tags_one(self, p: Prepared, logits: np.ndarray) -> tuple[list[int], np.ndarray]:
        """:meth:`_word_tags` of one text (its token logits ``[seq, labels]``): the same
        scores row by row, decoded by the per-text decoder (fewer array operations)."""
        n_words = len(p.words)
        h = np.flatnonzero(p.first >= 0)
        if not len(h):
            return [0] * n_words, np.ones(n_words)
        scores = log_softmax(logits[p.first[h]].astype(np.float64))
        path = self.decoder.decode(scores)
        probs = np.ones(n_words)
        probs[h] = np.exp(scores[np.arange(len(h)), path])
        if len(h) == n_words:  # (every word has a token: nearly always)
            return path, probs
        tags = np.zeros(n_words, dtype=np.int64)  # "O" for words without tokens
        tags[h] = path
        return tags.tolist(), probs

    def _run(self, items: list[Prepared]) -> list[tuple[list[int], np.ndarray]]:
        if not items:
            return []
        return self._word_tags(items, self._logits(items))

    def _to_tagged(self, p: Prepared, tags: list[int], probs: np.ndarray) -> TaggedText:
        labels = self.config.labels
        ents: list[Entity] = []
        last_end = 0
        for sp in tags_to_spans([labels[t] for t in tags]):
            a, b = p.words[sp.start][0], p.words[sp.end - 1][1]
            if b <= a:
                continue
            start, end = p.to_original(a, b)
            if start < last_end:  # two words from one original character: keep the first
                continue
            # (a one-word span's mean is its word's probability: no array mean)
            score = float(probs[sp.start] if sp.end - sp.start == 1 else
                          probs[sp.start:sp.end].mean())
            ents.append(Entity(text=p.text[start:end], start=start, end=end, label=sp.label,
                               score=score))
            last_end = end
        return TaggedText(text=p.text, entities=ents, truncated=p.truncated)

    def __call__(self, text: str) -> TaggedText:
        """Tag one text."""
        if not isinstance(text, str):
            raise TypeError(f"Tagger expects a str, got {type(text).__name__}; "
                            "use tagger.pipe(texts) for many")
        p = self.encoder.prepare(text)
        (tags, probs), = self._run([p])
        return self._to_tagged(p, tags, probs)

    def pipe(self, texts: Iterable[str], *, batch_size: int = 32) -> Iterator[TaggedText]:
        """Tag many texts lazily, ``batch_size`` at a time (sorted by length inside a batch)."""
        if batch_size < 1:
            raise ConfigError("batch_size must be >= 1")
        buf: list[str] = []
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"pipe expects str items, got {type(t).__name__}")
            buf.append(t)
            if len(buf) == batch_size:
                yield from self._pipe_batch(buf)
                buf = []
        if buf:
            yield from self._pipe_batch(buf)

    def _pipe_batch(self, texts: list[str]) -> list[TaggedText]:
        items = self.encoder.prepare_many(texts)
        return [self._to_tagged(p, t, pr) for p, (t, pr) in zip(items, self._run(items),
                                                                     strict=True)]

    def tag_and_embed(self, texts: Sequence[str]) -> tuple[list[TaggedText], np.ndarray]:
        """Tag ``texts`` and return their query embeddings from the same encoder pass
        (``float32[len(texts), embedding_dim]``, see :class:`parser.tagger.model.TaggerModel`):
        what :class:`parser.QueryParser` hands to a fusion model trained on this
        tagger's embeddings. One batch; split long lists yourself.

        >>> from parser.tagger.testing import tiny_tagger
        >>> tagged, emb = tiny_tagger().tag_and_embed(["apple case", "usb cable"])
        >>> len(tagged), emb.shape[0]
        (2, 2)
        """
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"tag_and_embed expects str items, got {type(t).__name__}")
        if not texts:
            return [], np.zeros((0, self.embedding_dim), np.float32)
        items = self.encoder.prepare_many(list(texts))
        logits, pooled = self.forward(items, pooled=True)
        assert pooled is not None
        return self.decode(items, logits), np.ascontiguousarray(pooled, dtype=np.float32)

    def decode(self, items: Sequence[Prepared], logits: np.ndarray) -> list[TaggedText]:
        """Entities of prepared texts from their token logits ``[batch, seq, labels]`` (the
        model's output for ``encoder.collate(items)``)."""
        return [self._to_tagged(p, tags, probs)
                for p, (tags, probs) in zip(items, self._word_tags(items, logits), strict=True)]

    def embed(self, texts: Sequence[str], *, batch_size: int = 128) -> np.ndarray:
        """Query embeddings of ``texts`` (see :meth:`tag_and_embed`), ``batch_size`` at a time,
        sorted by length to limit padding."""
        out = np.zeros((len(texts), self.embedding_dim), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            items = self.encoder.prepare_many([texts[i] for i in idx])
            out[idx] = self.forward(items, pooled=True)[1]
        return out

    def predict_sentences(self, sentences: Sequence[Sentence], *,
                          batch_size: int = 64) -> list[list[str]]:
        """Tags (one per given word) for pre-split sentences, e.g. CoNLL evaluation data."""
        out: list[list[str]] = []
        labels = self.config.labels
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i].tokens))
        res: dict[int, list[str]] = {}
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            items = self.encoder.prepare_many(
                [sentences[i].text() for i in idx], [sentences[i].word_offsets() for i in idx])
            for i, (tags, _) in zip(idx, self._run(items), strict=True):
                res[i] = [labels[t] for t in tags]
        out = [res[i] for i in range(len(sentences))]
        return out


def _torch_inputs(batch: Any) -> tuple[Any, Any, Any]:
    """``(input_ids, attention_mask, lexicon or None)`` of a collated batch as torch tensors,
    the positional inputs of the torch tagger model."""
    import torch

    lex = None if batch.lexicon is None else torch.from_numpy(batch.lexicon)
    return torch.from_numpy(batch.input_ids), torch.from_numpy(batch.attention_mask), lex
