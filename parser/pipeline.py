"""The query parser: one call from text to a structured, linked, classified, expanded query.

``QueryParser.from_pretrained(bundle_dir)`` loads a bundle (see :mod:`parser.bundle`):
the tagger, the KG, the fusion model and its text encoder, and the expansion rules. Then
``parser(query) -> ParsedQuery`` and ``parser.pipe(queries, batch_size=...)``.

Stages of one parse (each timed in ``ParsedQuery.timings``, milliseconds):

1. ``tag``: the BERT tagger finds entity spans (offsets into the original text).
2. ``link``: each span is linked to a KG node (``kg.link``: type-aware, NIL below a threshold).
3. ``intent``: the fusion model classifies the category from the query's text embedding and
   the graph embeddings of the linked nodes (and the KG names found in the query).
4. ``expand``: KG expansions with provenance, structured filters and the user's rewrite rules.

Example:
    >>> ParserConfig(max_query_chars=200).on_too_long
    'truncate'
"""

from __future__ import annotations

import itertools
import logging
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from parser.errors import ConfigError, ParserError
from parser.types import ExpansionResult, IntentResult, ParsedEntity, ParsedQuery

logger = logging.getLogger(__name__)

__all__ = ["InputError", "ParserConfig", "QueryParser"]


class InputError(ParserError, ValueError):
    """The query itself is unusable (not a string, invalid text, over the length limit)."""


@dataclass(frozen=True, slots=True)
class ParserConfig:
    """Run-time settings of :class:`QueryParser` (saved in the bundle manifest).

    Args:
        max_query_chars: longer queries are truncated (``on_too_long="truncate"``: the tail is
            not parsed and ``truncated`` is set) or rejected (``"error"``).
        link_labels_only: link only spans whose tagger label has a KG kind (price, quantity
            and the like are never linked).
        intent_top_k: categories kept in ``intent.top_k``.
        expand: compute expansions and filters.
        max_expansions: expansions kept, best first.
    """

    max_query_chars: int = 512
    on_too_long: Literal["truncate", "error"] = "truncate"
    link_labels_only: bool = True
    intent_top_k: int = 3
    expand: bool = True
    max_expansions: int = 20

    def __post_init__(self) -> None:
        if self.max_query_chars < 1:
            raise ConfigError(f"max_query_chars must be >= 1, got {self.max_query_chars}")
        if self.on_too_long not in ("truncate", "error"):
            raise ConfigError(
                f"on_too_long must be 'truncate' or 'error', got {self.on_too_long!r}"
            )
        if self.intent_top_k < 1:
            raise ConfigError(f"intent_top_k must be >= 1, got {self.intent_top_k}")

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParserConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown parser settings {sorted(unknown)}; known: {sorted(known)}")
        return cls(**d)


# pipe(): threads running model calls, and batches handed to them ahead of the one being
# finished (measured on 2 cores: one worker and one batch ahead 849-998 q/s; two workers and
# four ahead 925-1,191 q/s; docs/benchmarks.md)
_WORKERS = 2
_IN_FLIGHT = 4


@dataclass(slots=True)
class _Work:
    """One batch on its way through :class:`QueryParser` (``_begin`` -> ``_infer`` ->
    ``_finish``); ``seconds`` accumulates each stage's wall time."""

    raw: Sequence[Any]
    prepared: list[tuple[str, str, bool]]
    cut: list[str]
    items: list[Any] | None = None  # fused path: the tagger's prepared texts
    graph: dict[str, Any] | None = None  # fused path: the fusion head's graph arrays
    token_logits: Any = None
    intent_logits: Any = None
    seconds: dict[str, float] = field(
        default_factory=lambda: {"tag": 0.0, "link": 0.0, "intent": 0.0, "expand": 0.0})


@dataclass(slots=True)
class _Window:
    """Queries :meth:`QueryParser.pipe` batches together: the good ones (in input order) with
    their checked forms (``QueryParser._prepare``), their batches (index lists, by length) and
    the error of the query that ended the window."""

    texts: list[Any]
    prepared: list[tuple[str, str, bool]]
    batches: list[list[int]]
    error: InputError | None
    results: list[Any] = field(default_factory=list)
    left: int = 0

    def __post_init__(self) -> None:
        self.results = [None] * len(self.texts)
        self.left = len(self.batches)

    def batch(self, idx: list[int]) -> tuple[list[Any], list[tuple[str, str, bool]]]:
        return [self.texts[i] for i in idx], [self.prepared[i] for i in idx]

    def place(self, idx: list[int], parsed: list[ParsedQuery]) -> None:
        for i, q in zip(idx, parsed, strict=True):
            self.results[i] = q
        self.left -= 1

    @property
    def done(self) -> bool:
        return self.left == 0

    def drain(self) -> Iterator[ParsedQuery]:
        """Yield the results in input order, then raise the error that ended the window."""
        out, self.results = self.results, []
        yield from out
        if self.error is not None:
            raise self.error


def _chunks(texts: Iterable[Any], size: int) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for text in texts:
        buf.append(text)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _check_query(text: Any) -> str:
    if not isinstance(text, str):
        raise InputError(f"a query must be a str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "the query contains a lone surrogate (invalid UTF-16/UTF-8); decode the bytes with "
            "errors='replace' before parsing"
        ) from None
    return text


class QueryParser:
    """Parses search queries with a tagger, a KG and (optionally) a fusion model.

    Build one with :meth:`from_pretrained` from a bundle directory; the constructor takes the
    loaded parts (for tests and custom assemblies).

    Args:
        tagger: a :class:`parser.tagger.Tagger`.
        kg: the :class:`kg.ProductGraph` entities are linked to (updates are seen by the next
            parse: the alias and link indexes follow the KG version).
        fusion: a :class:`fusion.FusionModel` or None (no intent).
        text_encoder: the encoder the fusion model was trained with (``encode(texts)``).
        expander: a :class:`fusion.expand.QueryExpander` or None (no expansions).
        config: :class:`ParserConfig`.
        fused: a :class:`parser.fused.FusedGraph` joining the tagger's ONNX graph and the
            fusion head (bundles built from a tagger-trained fusion model have one): one ONNX
            Runtime call per batch tags, embeds and classifies.

    Example:
        >>> from parser.tagger.testing import tiny_tagger
        >>> from kg import ProductGraph
        >>> qp = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory())
        >>> parsed = qp("apple iphone case")
        >>> all(parsed.text[e.start:e.end] == e.text for e in parsed.entities)
        True
    """

    def __init__(self, *, tagger: Any, kg: Any, fusion: Any = None, text_encoder: Any = None,
                 expander: Any = None, config: ParserConfig | None = None,
                 path: Path | None = None, version: str = "0", fused: Any = None) -> None:
        if fusion is not None and text_encoder is None:
            raise ConfigError("a fusion model needs the text encoder it was trained with")
        self.tagger = tagger
        self.kg = kg
        self.fusion = fusion
        self.text_encoder = text_encoder
        self.expander = expander
        self.config = config or ParserConfig()
        self.path = path
        self.version = version
        self.fused = fused

    # -- loading ---------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, bundle_dir: str | Path, *, backend: str | None = None,
                        kg: Any = None, verify: bool = True, warmup: bool = True,
                        read_only: bool = False, blas_threads: int | None = 1) -> QueryParser:
        """Load a bundle written by :func:`parser.bundle.build_bundle`.

        Args:
            bundle_dir: the bundle directory.
            backend: ``"onnx"`` (default when the bundle has ONNX files) or ``"torch"``.
            kg: an open :class:`kg.ProductGraph` to use instead of the bundle's KG.
            verify: check the file checksums recorded in the manifest.
            warmup: build the KG indexes and run the models once before returning.
            read_only: open the bundle's KG read-only (no write lock: several processes or
                parsers can share it; KG updates then fail). Do not combine with a live writer.
            blas_threads: limit NumPy's BLAS to this many threads for the whole process (None
                leaves it alone). The fusion head's products are tiny: a second BLAS thread
                only adds wake-up stalls, 30-400 ms per product measured here when the cores
                are busy, against 0.2-5 ms with one thread.
        """
        from parser.bundle import load_bundle

        if blas_threads is not None:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=blas_threads, user_api="blas")

        parser = load_bundle(cls, Path(bundle_dir), backend=backend, kg=kg, verify=verify,
                             read_only=read_only)
        if warmup:
            parser.warmup()
        return parser

    def warmup(self) -> None:
        """Build the KG's derived views (alias and link indexes, graph view) and run each model
        once, so that the first real query is as fast as the others."""
        t0 = time.perf_counter()
        self.kg.link("warmup", label=None)
        self("warm up query 1")
        logger.info("parser warm in %.2f s", time.perf_counter() - t0)

    # -- parsing ---------------------------------------------------------------------------------
    def __call__(self, text: str) -> ParsedQuery:
        """Parse one query."""
        return self._parse_batch([text])[0]

    def pipe(self, texts: Iterable[str], *, batch_size: int = 64,
             sort_window: int = 8) -> Iterator[ParsedQuery]:
        """Parse many queries, batching the model calls; yields results in input order.

        Queries are read ``batch_size * sort_window`` at a time and batched by length inside
        that window (results still come out in input order): a batch of similar lengths pads
        less. ``sort_window=1`` batches in input order. With a fused graph
        (:mod:`parser.fused`), the model call of one batch runs in a worker thread, on a
        one-thread ONNX Runtime session, while this thread links, classifies and expands the
        batch before it, so model and Python work overlap on two cores. A query that cannot be
        parsed raises :class:`InputError` after every query before it was yielded."""
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        if sort_window < 1:
            raise ConfigError(f"sort_window must be >= 1, got {sort_window}")
        windows = (self._window(w, batch_size) for w in _chunks(texts, batch_size * sort_window))
        first = next(windows, None)
        if first is None:
            return
        second = next(windows, None)
        ahead = [first] if second is None else [first, second]
        if not self._use_fused() or (second is None and len(first.batches) <= 1):
            for window in itertools.chain(ahead, windows):
                for idx in window.batches:
                    window.place(idx, self._parse_batch(*window.batch(idx)))
                yield from window.drain()
            return
        yield from self._pipe_overlapped(itertools.chain(ahead, windows))

    def _window(self, texts: list[Any], batch_size: int) -> _Window:
        """Check a window's queries in order (stopping at the first bad one) and batch the
        good ones by length."""
        good: list[Any] = []
        prepared: list[tuple[str, str, bool]] = []
        error: InputError | None = None
        for text in texts:
            try:
                prepared.append(self._prepare(text))
            except InputError as exc:
                error = exc
                break
            good.append(text)
        order = sorted(range(len(good)), key=lambda i: len(good[i]))
        return _Window(good, prepared,
                       [order[k:k + batch_size] for k in range(0, len(order), batch_size)], error)

    def _pipe_overlapped(self, windows: Iterable[_Window]) -> Iterator[ParsedQuery]:
        """:meth:`pipe` with the model calls in worker threads: up to ``_IN_FLIGHT`` batches
        are prepared and handed to ``_WORKERS`` threads (each ONNX Runtime call runs on its
        caller's thread: the batch session has one intra-op thread) while this thread
        finishes the oldest. With two workers the model also uses the time this thread
        would otherwise wait (docs/benchmarks.md)."""
        from collections import deque
        from concurrent.futures import Future, ThreadPoolExecutor

        pending: deque[tuple[_Work, Future, _Window, list[int]]] = deque()

        def complete() -> Iterator[ParsedQuery]:
            work, future, window, idx = pending.popleft()
            future.result()
            window.place(idx, self._finish(work))
            return window.drain() if window.done else iter(())

        with ThreadPoolExecutor(_WORKERS, thread_name_prefix="kgqp-infer") as pool:
            for window in windows:
                for idx in window.batches:
                    work = self._begin(*window.batch(idx))
                    pending.append((work, pool.submit(self._infer, work, True), window, idx))
                    if len(pending) > _IN_FLIGHT:
                        yield from complete()
                if not window.batches:  # only a bad query: the windows before it come first
                    while pending:
                        yield from complete()
                    yield from window.drain()
            while pending:
                yield from complete()

    def _prepare(self, text: Any) -> tuple[str, str, bool]:
        text = _check_query(text)
        cut = text
        truncated = False
        if len(text) > self.config.max_query_chars:
            if self.config.on_too_long == "error":
                raise InputError(
                    f"the query has {len(text)} characters; the limit is "
                    f"{self.config.max_query_chars} (set ParserConfig.on_too_long='truncate' to "
                    "parse its beginning instead)"
                )
            cut = text[: self.config.max_query_chars]
            truncated = True
        normalized = " ".join(unicodedata.normalize("NFKC", cut).split())
        return cut, normalized, truncated

    def _link(self, text: str, entity: Any) -> ParsedEntity:
        # the linker's own label -> kinds map decides: labels mapped to no kind (price ...) come
        # back NIL; a label it does not know raises ValueError and is linked without a type
        # constraint only when link_labels_only is off
        try:
            best = self.kg.link(entity.text, label=entity.label, context=text).best
        except ValueError:
            best = None if self.config.link_labels_only else \
                self.kg.link(entity.text, label=None, context=text).best
        return ParsedEntity(
            text=entity.text, start=entity.start, end=entity.end, label=entity.label,
            score=round(float(entity.score), 6),
            kg_id=best.iri if best else None, kg_label=best.label if best else None,
            kg_kind=best.kind if best else None,
            link_score=round(float(best.score), 6) if best else None,
        )

    @property
    def shares_encoder(self) -> bool:
        """True when the fusion model reads the tagger's own query embeddings
        (:class:`parser.tagger.embed.TaggerTextEncoder`): one BERT pass per parse."""
        return self.fusion is not None and getattr(self.text_encoder, "tagger", None) is self.tagger

    def _fusion_inputs(self, texts: Sequence[str], embeddings: Any = None) -> list:
        """The fusion model's inputs, built exactly as in training: the query embedding from
        the bundle's text encoder (or the tagger's pass, given as ``embeddings``) and the KG
        names found in the query (``link_query``)."""
        import torch

        from fusion.data import link_query
        from fusion.model import FusionInput

        if embeddings is None:
            embeddings = self.text_encoder.encode(list(texts))
        else:
            embeddings = torch.from_numpy(embeddings)
        return [
            FusionInput(text_embedding=embeddings[i], linked=tuple(link_query(self.kg, text)),
                        text=text)
            for i, text in enumerate(texts)
        ]

    def _use_fused(self) -> bool:
        """Whether the fused graph serves this parser as it is now (same tagger and fusion
        model objects, fusion weights unchanged since loading)."""
        f = self.fused
        return f is not None and f.tagger is self.tagger and f.fusion is self.fusion \
            and f.current

    def _parse_batch(self, raw: Sequence[Any],
                     prepared: list[tuple[str, str, bool]] | None = None) -> list[ParsedQuery]:
        work = self._begin(raw, prepared)
        self._infer(work)
        return self._finish(work)

    def _begin(self, raw: Sequence[Any],
               prepared: list[tuple[str, str, bool]] | None = None) -> _Work:
        """Check and normalise the queries (unless ``prepared`` holds their checked forms);
        on the fused path also tokenise them and build the fusion head's graph arrays from
        the KG names found in them."""
        t0 = time.perf_counter()
        if prepared is None:
            prepared = [self._prepare(t) for t in raw]
        work = _Work(raw=raw, prepared=prepared, cut=[p[0] for p in prepared])
        if work.cut and self._use_fused():
            from fusion.data import link_query

            work.items = self.tagger.encoder.prepare_many(work.cut)
            t1 = time.perf_counter()
            work.graph = self.fusion.graph_features([link_query(self.kg, t) for t in work.cut])
            work.seconds["intent"] += time.perf_counter() - t1
            work.seconds["tag"] += t1 - t0
        else:
            work.seconds["tag"] += time.perf_counter() - t0
        return work

    def _infer(self, work: _Work, batch: bool = False) -> None:
        """The fused path's model call: token and intent logits for the batch (``batch``: on
        the one-thread session :meth:`pipe` overlaps with Python work)."""
        if work.items is None:
            return
        t0 = time.perf_counter()
        work.token_logits, work.intent_logits = self.fused.run(work.items, work.graph,
                                                               batch=batch)
        work.seconds["tag"] += time.perf_counter() - t0

    def _finish(self, work: _Work) -> list[ParsedQuery]:
        cut, raw, prepared, sec = work.cut, work.raw, work.prepared, work.seconds
        t0 = time.perf_counter()
        embeddings = None
        if work.items is not None:
            tagged = self.tagger._decode(work.items, work.token_logits)
        elif self.shares_encoder and cut:
            tagged, embeddings = self.tagger.tag_and_embed(cut)
        else:
            tagged = list(self.tagger.pipe(cut, batch_size=max(len(cut), 1)))
        t1 = time.perf_counter()
        entities = [[self._link(text, e) for e in tt.entities] for text, tt in zip(cut, tagged,
                                                                                   strict=True)]
        t2 = time.perf_counter()
        intents: list[Any] = [None] * len(cut)
        if work.intent_logits is not None:
            intents = self.fusion.intents_from_logits(work.intent_logits)
        elif self.fusion is not None and cut:
            intents = self.fusion.predict_batch(self._fusion_inputs(cut, embeddings))
        t3 = time.perf_counter()
        out: list[ParsedQuery] = []
        for i in range(len(cut)):
            intent = intents[i]
            intent_result = None
            if intent is not None:
                intent_result = IntentResult(
                    category=intent.category, lvl0=intent.lvl0, score=round(intent.score, 6),
                    top_k=[(c, round(s, 6)) for c, s in intent.top_k[: self.config.intent_top_k]],
                )
            q = ParsedQuery(text=raw[i], normalized=prepared[i][1], entities=entities[i],
                            intent=intent_result,
                            truncated=prepared[i][2] or bool(tagged[i].truncated))
            if self.config.expand and self.expander is not None:
                self._expand(q, intent)
            out.append(q)
        t4 = time.perf_counter()
        sec["tag"] += t1 - t0
        sec["link"] += t2 - t1
        sec["intent"] += t3 - t2
        sec["expand"] += t4 - t3
        n = max(len(cut), 1)
        timings = {f"{k}_ms": round(v * 1e3 / n, 3) for k, v in sec.items()}
        timings["total_ms"] = round(sum(sec.values()) * 1e3 / n, 3)
        for q in out:
            q.timings = dict(timings)
        return out

    def _expand(self, q: ParsedQuery, intent: Any) -> None:
        result = self.expander.expand(
            q.text,
            entities=[(e.text, e.label, e.kg_id) for e in q.entities],
            intent=intent, limit=self.config.max_expansions,
        )
        q.expansions = [
            ExpansionResult(x.term, x.kind, round(float(x.score), 6), list(x.provenance), x.iri,
                            x.rule)
            for x in result.expansions
        ]
        q.filters = dict(result.filters)
        q.applied_rules = list(result.applied_rules)
