"""The query parser: one pass from text to a structured, linked, classified, expanded query.

``QueryParser.from_pretrained(bundle_dir)`` loads a bundle (see :mod:`parser.bundle`): the
tagger, the KG, the fusion model and the expansion rules. Then ``parser(query) -> ParsedQuery``
and ``parser.pipe(queries, batch_size=...)``.

One parse is one pass; each stage reads what the stages before it wrote (a batch of
:class:`_Batch` is handed forward) and nothing is computed twice:

1. ``prepare``: the query is checked, truncated if too long (at a word boundary) and
   NFKC-normalised (offsets kept; a trademark sign or a control character is a space:
   :func:`parser.tagger.text.separators_to_spaces`).
2. ``match``: the KG's alias index finds the KG names in the text ONCE (``kg.match``); those
   matches are the tagger's lexicon features.
3. ``tag``: one encoder pass gives the token logits and the query embedding
   (:meth:`parser.tagger.Tagger.forward`); spans are decoded (:meth:`Tagger.decode`).
4. ``link`` (:class:`parser.linking.SpanLinker`, the stage's own module with its rules; this
   module calls it through one object): each span is linked to a KG node (``kg.link``:
   candidates from the same alias
   index, type-aware, NIL when nothing fits); punctuation glued to a span's edges is trimmed
   from it first (:func:`span_edges`: ``"samsung`` -> ``samsung``); a span opening with a
   negation cue links the words after it ("not headphones": :meth:`QueryParser.link_entity`);
   a span that links nothing is linked side by side where it joins alternatives ("tv vs lg")
   or opens with a brand's name ("whirlpool refrigerator"): :meth:`QueryParser.link_entities`;
   a brand's name a cue excludes that no span links ("laptop -dell", 'tv not "lg"') is linked
   too: :meth:`parser.linking.SpanLinker._untagged_excluded_brands`.
5. ``intent``: the fusion model reads the query embedding and the graph embeddings of THE
   LINKED NODES, weighted by their link scores (:class:`fusion.LinkedEntity`), but the nodes
   the query excludes ("phone not samsung": :func:`intent_links`). The fusion
   model was trained on inputs built the same way (:meth:`QueryParser.featurize`), so a better
   tagger or linker moves the intent.
6. ``expand``: KG expansions from the linked nodes (with their kinds and link scores) and the
   intent, structured filters and the user's rewrite rules, and the words a negation cue
   excludes (``ParsedQuery.excluded``: the expansion's, but those after a cue the parse
   reads as a word of a name, :func:`words_no_cue_excludes`).

Where things are: this module orchestrates a parse (:class:`QueryParser`: prepare, match, tag,
link, intent, expand; :meth:`QueryParser.pipe` and its windows of batches), and the intent's and
expansion's inputs (:func:`linked_entities`, :func:`intent_links`, :func:`intent_text`,
:func:`out_of_depth`); :mod:`parser.linking` is the link stage and its query-level rules
(:class:`parser.linking.SpanLinker`, with :func:`span_edges`); :mod:`kg.link` links one mention
and :mod:`kg.taxonomy` reasons over the category tree (ancestors, departments, siblings).

Each stage is timed in ``ParsedQuery.timings`` (milliseconds per query). The result of a query
does not depend on the other queries of its batch: the tagger's graph is quantised without
per-call activation scales (:func:`parser.tagger.export_onnx`), and every later stage works
on one query at a time.

Example:
    >>> from parser.tagger.testing import tiny_tagger
    >>> from kg import ProductGraph
    >>> qp = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory())
    >>> [q.text for q in qp.pipe(["usb cable", "tv"])]
    ['usb cable', 'tv']
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import time
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from kg.index import EDGE_MARKS, normalize_key
from kg.link import (
    EntityLinker,
    QueryContext,
    brand_categories,
    outside_kg,
)
from kg.schema import drop_word_joiners
from parser.bundle import load_bundle
from parser.config import ParserConfig
from parser.errors import ConfigError, InputError
from parser.linking import (
    LINK_RECORDER,
    SPAN_WORD,
    LinkCall,
    SpanLinker,
    clause_words,
    function_words_only,
    label_space,
    linked_entities,
    path_in_label_space,
    words_no_cue_excludes,
)
from parser.linking import (
    span_edges as span_edges,  # (re-exported: its home until the link stage moved)
)
from parser.tagger.embed import TAGGER_ENCODER_PREFIX, tagger_fingerprint
from parser.tagger.lexicon import KGLexicon
from parser.tagger.text import separators_to_spaces, split_words
from parser.types import (
    BoostResult,
    CategorySuggestionResult,
    ExcludedResult,
    ExpansionResult,
    FilterSourceResult,
    IntentResult,
    ParsedEntity,
    ParsedQuery,
)

if TYPE_CHECKING:  # types only: importing them would load torch with this module
    from fusion.expand import QueryExpander
    from fusion.model import FusionModel
    from fusion.types import FusionInput, Intent, LinkedEntity
    from kg.graph import ProductGraph
    from parser.tagger.predict import Entity, TaggedText

logger = logging.getLogger(__name__)

__all__ = ["InputError", "LinkCall", "ParserConfig", "QueryParser", "TokenTagger"]


class TokenTagger(Protocol):
    """What :class:`QueryParser` needs of a tagger (:class:`parser.tagger.Tagger` is one).

    ``prepare`` tokenises texts with their KG lexicon matches (original offsets);
    ``forward`` runs the model once: token logits and, with ``pooled=True``, the query
    embeddings (``batch=True``: on a session meant for worker threads); ``decode`` turns the
    logits into entity spans of the original texts.
    """

    def prepare(self, texts: Sequence[str], *,
                matches: Sequence[Sequence[tuple[int, int, str]]] | None = None) -> list[Any]:
        ...  # pragma: no cover - protocol

    def forward(self, items: Sequence[Any], *, pooled: bool = False, batch: bool = False,
                ) -> tuple[Any, Any]:
        ...  # pragma: no cover - protocol

    def decode(self, items: Sequence[Any], logits: Any) -> list[TaggedText]:
        ...  # pragma: no cover - protocol


# pipe(): threads running model calls, and batches handed to them ahead of the one being
# finished (measured on 2 cores: one worker and one batch ahead 849-998 q/s; two workers and
# four ahead 925-1,191 q/s; docs/benchmarks.md)
#: Queries :meth:`QueryParser.warmup` parses after loading (made up, no dataset's): between them
#: they take the link and expansion stages through the paths that build tables of the whole
#: KG when first read (a colour named in category names, a brand's sales, a food's
#: department, a licence-plate-like run of nouns, an accessory's device heads, size rules,
#: negations and price bounds, coordinated product nouns, a brand's lens)
WARMUP_QUERIES = (
    "dark purple flowers", "milk chocolate candy", "eagles license plate frame",
    "waterproof hunting jacket", "40 inch smart tv 1080p", "samsung tv not lg",
    "red nike running shoes for women", "iphone 12 case", "laptop charger and adapter",
    "headphones without microphone under 50", "usb cables chargers", "bears license plate",
    "oakley flak replacement lens",
)
_WORKERS = 2
_IN_FLIGHT = 4

_STAGES = ("match", "tag", "link", "intent", "expand")



@dataclass(slots=True)
class _Batch:
    """One batch on its way through the stages (``_begin`` -> ``_infer`` -> ``_finish``):
    each stage adds its part; ``seconds`` accumulates each stage's wall time."""

    raw: Sequence[Any]
    prepared: list[tuple[str, str, bool]]  # (text as parsed, normalised, truncated)
    items: list[Any] = field(default_factory=list)  # the tagger's prepared texts
    token_logits: Any = None
    embeddings: Any = None  # [B, embedding_dim]: the fusion model's text input
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_STAGES, 0.0))

    @property
    def cut(self) -> list[str]:
        return [p[0] for p in self.prepared]


@dataclass(slots=True)
class _Window:
    """Queries :meth:`QueryParser.pipe` batches together: the good ones (in input order) with
    their checked forms (``QueryParser._prepare``), their batches (index lists, by length) and
    the error that ended the window and the input (a bad query's :class:`InputError`, or what
    reading the input raised): raised once the window's results are yielded."""

    texts: list[Any]
    prepared: list[tuple[str, str, bool]]
    batches: list[list[int]]
    error: Exception | None
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


#: the price bounds of a parse's filters (and of its filter sources)
_PRICE_FIELDS = ("price_min", "price_max")
#: the filters read from numbers in the query's text: prices and sizes
_NUMBER_FIELDS = (*_PRICE_FIELDS, "size")
#: tagger labels of a brand's name: such a span that links nothing is a brand the KG does not
#: know, a colour word right before it a word of its name (``unknown_brands`` of
#: :func:`fusion.expand.expand`: "white rodgers thermostat")
_BRAND_LABELS = frozenset({"creator", "brand"})


def _hide_numeric_marks(text: str) -> str | None:
    """``text`` as the price and size patterns read it when it holds characters that NFKC
    turns into digits but that are no decimal digits (superscripts, fractions, circled
    numbers: "10²" became "102", "1½" "11⁄2"), else ``None``: NFKC-normalised with whitespace
    collapsed (as ``normalized``), each such character written ``x``. A letter glued to a
    number makes it no amount or size ("10x", "1x inch"), so no digit of a price or a size
    comes from such a character; full-width digits ("５００") are decimal digits and still
    read. Only the prices and sizes are read from this text."""
    if text.isascii():
        return None
    out: list[str] = []
    hidden = False
    for ch in text:
        if not ch.isascii() and not ch.isdecimal() and any(
                c.isdecimal() for c in unicodedata.normalize("NFKC", ch)):
            out.append("x")
            hidden = True
        else:
            out.append(ch)
    return " ".join(unicodedata.normalize("NFKC", "".join(out)).split()) if hidden else None



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


def _cut_at_word(text: str, limit: int) -> str:
    """The beginning of ``text`` (longer than ``limit`` characters) that a truncating parse
    reads: its words up to the last word boundary at or before ``limit``. A word that does not
    fit is dropped whole (cut inside it, "tv under 5000" was read "tv under 50": a hard
    price_max of 50); a first word longer than the limit is still cut at it. Words are the tagger's
    (:func:`parser.tagger.text.split_words`: a CJK ideograph is one; a trademark sign or a
    control character separates them).

    >>> _cut_at_word("tv under 5000", 12), _cut_at_word("tv under 5000", 8)
    ('tv under', 'tv under')
    >>> _cut_at_word("television", 4), _cut_at_word("电视机", 2)
    ('tele', '电视')
    """
    ends = [b for _, b in split_words(separators_to_spaces(text[:limit + 1])) if b <= limit]
    return text[:ends[-1]] if ends else text[:limit]



class QueryParser:
    """Parses search queries with a tagger, a KG and (optionally) a fusion model.

    Build one with :meth:`from_pretrained` from a bundle directory; the constructor takes the
    loaded parts (for tests and custom assemblies).

    Args:
        tagger: a :class:`TokenTagger` (:class:`parser.tagger.Tagger`).
        kg: the :class:`kg.ProductGraph` entities are matched and linked in (a commit is seen
            by the next parse: its derived views follow the KG version).
        fusion: a :class:`fusion.FusionModel` trained on this tagger's embeddings and this
            parser's links (:meth:`featurize`), or None (no intent).
        expander: a :class:`fusion.expand.QueryExpander` or None (no expansions).
        config: :class:`ParserConfig`.
        linker: a :class:`kg.link.EntityLinker` on ``kg`` with its own settings (a bundle's
            ``linker`` manifest entry: e.g. a label -> KG kinds map for your own tagger
            labels); None links with ``kg.link``'s default settings. Either is told the
            tagger's WordPiece vocabulary, when it has one
            (:meth:`parser.linking.SpanLinker.entity_linker`).

    Example:
        >>> from parser.tagger.testing import tiny_tagger
        >>> from kg import ProductGraph
        >>> qp = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory())
        >>> parsed = qp("apple iphone case")
        >>> all(parsed.text[e.start:e.end] == e.text for e in parsed.entities)
        True
    """

    def __init__(self, *, tagger: TokenTagger, kg: ProductGraph,
                 fusion: FusionModel | None = None, expander: QueryExpander | None = None,
                 config: ParserConfig | None = None, path: Path | None = None,
                 version: str = "0", linker: EntityLinker | None = None,
                 markets: Mapping[str, TokenTagger] | None = None) -> None:
        if fusion is not None and not getattr(tagger, "has_embeddings", False):
            raise ConfigError("a fusion model reads the tagger's query embeddings: this tagger "
                              "has none (export its ONNX graph again)")
        self.tagger = tagger
        self.kg = kg
        self.fusion = fusion
        self.expander = expander
        self.config = config or ParserConfig()
        self.linker = linker
        self.path = path
        self.version = version
        #: taggers of other markets (LoRA adapters on one backbone: ``Tagger.markets``)
        self.markets: dict[str, TokenTagger] = dict(markets or {})
        self._market_parsers: dict[str, QueryParser] = {}
        self._owns_kg = False  # True when from_pretrained opened the KG (close() closes it)

    # -- loading ---------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, bundle_dir: str | Path, *, backend: str | None = None,
                        kg: ProductGraph | None = None, verify: bool = True,
                        warmup: bool = True, read_only: bool = True,
                        blas_threads: int | None = 1) -> QueryParser:
        """Load a bundle written by :func:`parser.bundle.build_bundle`.

        Args:
            bundle_dir: the bundle directory (``~`` is expanded).
            backend: ``"onnx"`` (default when the bundle has ONNX files) or ``"torch"``.
            kg: an open :class:`kg.ProductGraph` to use instead of the bundle's KG.
            verify: check the file checksums recorded in the manifest.
            warmup: build the KG's derived views and run the models once before returning.
            read_only: open the bundle's KG read-only (the default: no write lock, so parsers,
                notebooks and CLI readers share it with a writer). Pass ``False`` to update
                the KG through this parser (``parser.kg.transaction()``).
            blas_threads: limit NumPy's BLAS to this many threads (None leaves it alone). The
                fusion head's products are tiny: a second BLAS thread only adds wake-up
                stalls, 30-400 ms per product measured here when the cores are busy.
        """
        if blas_threads is not None:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=blas_threads, user_api="blas")

        if not isinstance(bundle_dir, str | os.PathLike):
            raise ConfigError(f"bundle_dir must be a path (str or os.PathLike), got "
                              f"{type(bundle_dir).__name__}")
        parser = load_bundle(cls, Path(bundle_dir).expanduser(), backend=backend, kg=kg,
                             verify=verify, read_only=read_only)
        if warmup:
            parser.warmup()
        return parser

    def close(self) -> None:
        """Close the KG :meth:`from_pretrained` opened for this parser (a KG passed in is the
        caller's to close): a writer's lock (``read_only=False``) is released now, not when the
        process ends, so a reloaded parser can open the KG for writing again. Parsing after
        ``close()`` raises :class:`kg.errors.KGError`. Also a context manager:

        >>> from kg import ProductGraph
        >>> from parser.tagger.testing import tiny_tagger
        >>> with QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory()) as qp:
        ...     _ = qp("tv")
        """
        if self._owns_kg:
            self.kg.close()

    def __enter__(self) -> QueryParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warmup(self) -> None:
        """Build the KG's derived views (alias index, graph view), run each model once and
        parse :data:`WARMUP_QUERIES`, so that the first real queries are as fast as the others:
        the link and expansion stages build some tables of the whole KG the first time a
        query needs them (a colour's named nodes, the brands' sales, the device heads ...),
        up to 0.9 s in that one parse on a 2-core machine."""
        t0 = time.perf_counter()
        self.kg.link("warmup", label=None)
        self("warm up query 1")
        for query in WARMUP_QUERIES:
            with contextlib.suppress(InputError):  # (a bundle refusing queries this long)
                self(query)
        logger.info("parser warm in %.2f s", time.perf_counter() - t0)

    # -- parsing ---------------------------------------------------------------------------------
    def for_market(self, market: str | None) -> QueryParser:
        """This parser with the tagger of ``market`` (one of :attr:`markets`; None: this
        parser itself). The KG, linker, rules and expansions are shared; the intent model is
        kept only for a tagger whose embeddings it was trained on.

        >>> from parser.tagger.testing import tiny_tagger
        >>> from kg import ProductGraph
        >>> qp = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory(),
        ...                  markets={"zh": tiny_tagger(seed=1)})
        >>> qp("usb cable", market="zh").text
        'usb cable'
        >>> qp.for_market("fr")
        Traceback (most recent call last):
        ...
        parser.errors.ConfigError: market 'fr' unknown: this parser serves ['zh']
        """
        if market is None:
            return self
        parser = self._market_parsers.get(market)
        if parser is not None:
            return parser
        if market not in self.markets:
            raise ConfigError(f"market {market!r} unknown: this parser serves "
                              f"{sorted(self.markets) or 'no markets'}")
        tagger = self.markets[market]
        fusion = self.fusion
        if fusion is not None and fusion.text_encoder_name != TAGGER_ENCODER_PREFIX + \
                tagger_fingerprint(getattr(tagger, "path", None)):
            fusion = None  # trained on another tagger's embeddings
        parser = QueryParser(tagger=tagger, kg=self.kg, fusion=fusion, expander=self.expander,
                             config=self.config, path=self.path, version=self.version,
                             linker=self.linker)
        parser._recorded_as = self  # (this parser's blocks record its links: recording_links)
        self._market_parsers[market] = parser
        return parser

    def __call__(self, text: str, *, market: str | None = None) -> ParsedQuery:
        """Parse one query (with the tagger of ``market``: :meth:`for_market`)."""
        if market is not None:
            return self.for_market(market)(text)
        return self._parse_batch([text])[0]

    def pipe(self, texts: Iterable[str], *, batch_size: int = 64,
             sort_window: int = 8, market: str | None = None) -> Iterator[ParsedQuery]:
        """Parse many queries, batching the model calls; yields results in input order.

        Queries are read ``batch_size * sort_window`` at a time and batched by length inside
        that window (results still come out in input order): a batch of similar lengths needs
        fewer model calls (the tagger runs each token length of a batch as a call of its own,
        so that no padding is computed). ``sort_window=1`` batches in input order. With an
        ONNX tagger the model call of one batch runs in a worker thread, on a one-thread ONNX
        Runtime session, while this thread links, classifies and expands the batch before it,
        so model and Python work overlap on two cores. A query's result does not depend on its
        batch, and each batch reads one KG version, even when a commit lands while it runs.
        ``market``: parse with that market's tagger (:meth:`for_market`).

        A process that keeps one parser and parses much: a loaded parser holds about a
        million objects the garbage collector tracks, and a full collection walks them all
        (about half a second on a 2-core machine, once every few thousand queries here).
        ``gc.collect(); gc.freeze()`` after loading takes them out of those passes, as
        ``kgqp serve`` and ``kgqp parse`` do (:func:`parser.app.threads.frozen_heap` for a
        block); ``pipe()`` itself leaves the process's collector as it is.

        A query that cannot be parsed (not a str, a lone surrogate, over the length limit
        with ``on_too_long="error"``) raises :class:`InputError` once the results of every
        query before it were yielded, in order; its ``index`` is the bad query's position in
        ``texts`` as this call reads it (0-based: the first query this call takes is 0, so
        after a resume on the same iterator it counts from there, not from the iterator's
        start; keep your own count to name an input line). Each query is checked as it is
        read, and reading stops at the bad one: nothing after it is taken from ``texts``, so
        no query is lost to the read-ahead. To skip bad queries and go on, call ``pipe``
        again with the same iterator (the bad query was consumed), or with
        ``texts[err.index + 1:]`` for a list::

            it = iter(queries)
            while True:
                try:
                    for parsed in parser.pipe(it):
                        ...
                    break
                except InputError as err:
                    logger.warning("query skipped: %s", err)  # then on with the same `it`

        An error raised by ``texts`` itself (a damaged file read lazily) is also raised after
        the results of the queries read before it. Stopping early (``break``, or an error of
        the parse itself) leaves up to two windows of queries read from an iterator and not
        parsed."""
        if market is not None:
            yield from self.for_market(market).pipe(texts, batch_size=batch_size,
                                                    sort_window=sort_window)
            return
        for name, value in (("batch_size", batch_size), ("sort_window", sort_window)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
        if isinstance(texts, str | bytes):
            raise InputError("pipe() takes an iterable of queries, not a single "
                             f"{type(texts).__name__}: use parser(query) for one query")
        if not isinstance(texts, Iterable):
            raise InputError(f"pipe() takes an iterable of queries, got {type(texts).__name__}")
        windows = self._windows(texts, batch_size, batch_size * sort_window)
        first = next(windows, None)
        if first is None:
            return
        second = next(windows, None)
        ahead = [first] if second is None else [first, second]
        overlap = getattr(self.tagger, "batch_session", None) is not None
        if not overlap or (second is None and len(first.batches) <= 1):
            for window in itertools.chain(ahead, windows):
                for idx in window.batches:
                    window.place(idx, self._parse_batch(*window.batch(idx)))
                yield from window.drain()
            return
        yield from self._pipe_overlapped(itertools.chain(ahead, windows))

    def _windows(self, texts: Iterable[Any], batch_size: int, size: int) -> Iterator[_Window]:
        """Read ``texts`` ``size`` queries at a time, checking each as it is read, and batch
        each window's good queries by length. A bad query (its :class:`InputError` given its
        ``index`` in ``texts``) or an error raised by ``texts`` ends its window and the
        reading: nothing after it is read, so a caller can go on with the same iterator."""
        it = iter(texts)
        position = 0  # of the next query in `texts`
        while True:
            good: list[Any] = []
            prepared: list[tuple[str, str, bool]] = []
            error: Exception | None = None
            while len(good) < size:
                try:
                    text = next(it)
                except StopIteration:
                    break
                except Exception as exc:  # the input's own: raised after the queries before it
                    error = exc
                    break
                try:
                    prepared.append(self._prepare(text))
                except InputError as exc:
                    exc.index = position
                    exc.add_note(f"(index {position}, from 0, of the queries given to pipe())")
                    error = exc
                    break
                good.append(text)
                position += 1
            if good or error is not None:
                order = sorted(range(len(good)), key=lambda i: len(good[i]))
                yield _Window(good, prepared, [order[k:k + batch_size]
                                               for k in range(0, len(order), batch_size)], error)
            if error is not None or len(good) < size:
                return

    def _pipe_overlapped(self, windows: Iterable[_Window]) -> Iterator[ParsedQuery]:
        """:meth:`pipe` with the model calls in worker threads: up to ``_IN_FLIGHT`` batches
        are prepared and handed to ``_WORKERS`` threads (each ONNX Runtime call runs on its
        caller's thread: the batch session has one intra-op thread) while this thread
        finishes the oldest. A batch is finished (linked, classified, expanded) on the KG
        snapshot it was matched on (``kg.pinned(snapshot)``): one KG version per batch, even
        when a commit lands in between."""
        pending: deque[tuple[_Batch, Any, Future, _Window, list[int]]] = deque()  # Any: KGSnapshot

        def complete() -> Iterator[ParsedQuery]:
            work, snapshot, future, window, idx = pending.popleft()
            future.result()
            with self.kg.pinned(snapshot):
                window.place(idx, self._finish(work))
            return window.drain() if window.done else iter(())

        with ThreadPoolExecutor(_WORKERS, thread_name_prefix="kgqp-infer") as pool:
            for window in windows:
                for idx in window.batches:
                    with self.kg.pinned():
                        snapshot = self.kg.snapshot()
                        work = self._begin(*window.batch(idx))
                    pending.append((work, snapshot, pool.submit(self._infer, work, True),
                                    window, idx))
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
            cut = _cut_at_word(text, self.config.max_query_chars)
            truncated = True
        # (a soft hyphen or a byte-order mark is no character of the words: dropped, as the
        # tagger and the KG read them; a zero-width space is a space)
        normalized = " ".join(unicodedata.normalize(
            "NFKC", drop_word_joiners(separators_to_spaces(cut))).split())
        return cut, normalized, truncated

    def _parse_batch(self, raw: Sequence[Any],
                     prepared: list[tuple[str, str, bool]] | None = None) -> list[ParsedQuery]:
        with self.kg.pinned():  # one KG version for every stage of this batch
            work = self._begin(raw, prepared)
            self._infer(work)
            return self._finish(work)

    @property
    def _uses_lexicon(self) -> bool:
        config = getattr(self.tagger, "config", None)
        return bool(getattr(config, "lexicon_kinds", None))

    def _begin(self, raw: Sequence[Any],
               prepared: list[tuple[str, str, bool]] | None = None) -> _Batch:
        """Stages 1-2 and the tokenisation of stage 3: check and normalise the queries
        (unless ``prepared`` holds their checked forms), match the KG once per query (when the
        tagger reads lexicon features) and tokenise."""
        t0 = time.perf_counter()
        if prepared is None:
            prepared = [self._prepare(t) for t in raw]
        work = _Batch(raw=raw, prepared=prepared)
        cut = work.cut
        matches = None
        if cut and self._uses_lexicon:
            # (read as the linker reads them: "samsung™" matches "samsung"; same offsets)
            matches = [KGLexicon.spans(self.kg.match(separators_to_spaces(t))) for t in cut]
        t1 = time.perf_counter()
        if cut:
            work.items = self.tagger.prepare(cut, matches=matches)
        t2 = time.perf_counter()
        work.seconds["match"] += t1 - t0
        work.seconds["tag"] += t2 - t1
        return work

    def _infer(self, work: _Batch, batch: bool = False) -> None:
        """Stage 3's model call: token logits and (with a fusion model) query embeddings from
        one encoder pass (``batch``: on the one-thread session :meth:`pipe` overlaps with
        Python work)."""
        if not work.items:
            return
        t0 = time.perf_counter()
        work.token_logits, work.embeddings = self.tagger.forward(
            work.items, pooled=self.fusion is not None, batch=batch)
        work.seconds["tag"] += time.perf_counter() - t0

    @property
    def _links(self) -> SpanLinker:
        """The link stage (:class:`parser.linking.SpanLinker`) on this parser's KG, config,
        linker, intent model and expander: made again when one of them is replaced, with the
        entity linker the stage before it made (:meth:`parser.linking.SpanLinker.
        entity_linker` keeps it while the linker, the KG and the intent model are the same)."""
        stage = self.__dict__.get("_stage")
        if stage is None or stage.kg is not self.kg or stage.config is not self.config \
                or stage.linker is not self.linker or stage.fusion is not self.fusion \
                or stage.expander is not self.expander:
            stage = self._stage = SpanLinker(
                self.kg, self.config, linker=self.linker, tagger=self.tagger,
                fusion=self.fusion, expander=self.expander, owner=self,
                links_with=getattr(stage, "_links_with", None))
        return stage

    def link_entity(self, text: str, entity: Entity, query: QueryContext | None = None
                    ) -> ParsedEntity:
        """Link one tagged span of the query ``text`` to the KG exactly as a parse does (this
        parser's linker settings; NIL gives a :class:`ParsedEntity` with ``kg_id=None``).
        ``query``: the query as the linker reads it (:meth:`SpanLinker._link_query`), which a parse
        makes once for all the query's spans; made here without one.

        Punctuation glued to the span's edges (quotes, brackets, commas, a full stop ...: see
        :func:`span_edges`) is no part of it: the entity's text and offsets, and its link, are
        those of the span without it (``"samsung`` -> ``samsung``, ``tv,`` -> ``tv``), unless
        the span as written is a KG name ("Dunkin'").

        A span that links nothing as tagged and opens with a compatibility cue ("for samsung"
        in "charger for samsung", tagged ``modifier``) links the brand of the device it names:
        see :meth:`SpanLinker._fitted_brand` (the entity keeps the tagger's label; its text and
        offsets become the brand's words). A span tagged as an audience (``department``: "gift for
        brother") names whom a thing is for, not a device.

        A span that links nothing as tagged and opens with a negation cue ("not headphones",
        "without freezer", "non samsung") links the words after the cue: see
        :meth:`SpanLinker._excluded_node` (the entity keeps the tagger's label, and its text and
        offsets keep the cue, which makes the node a DOWN boost).

        A span that links nothing as tagged and ends with the word "brand" or "brands" ("bose
        brand" in "bose brand headphones", tagged ``creator``: no KG name holds the word, so
        the query lost Bose) links the words before it as a brand (the linker's brand-only
        label, :func:`kg.link.brand_label`); the entity keeps the tagger's label, and its text
        and offsets become the brand's words.

        The linker reads a trademark sign or a control character as a space ("samsung™" links
        Samsung: :func:`parser.tagger.text.separators_to_spaces`); the entity's text is the
        query's own."""
        return self._links.link_entity(text, entity, query)

    def link_entities(self, text: str, entity: Entity, query: QueryContext | None = None
                      ) -> list[ParsedEntity]:
        """The entities of one tagged span of the query ``text``, as a parse links them: the
        span's (:meth:`link_entity`), or, when it links nothing, the parts it names side by
        side, each an entity of its own (its words' text and offsets, the tagger's label and
        score), when they link:

        * a span holding a word that joins alternatives ("or", "vs", "vs.", "versus") between
          two others, as the tagger cut "tv vs lg" in "samsung tv vs lg tv"
          (``product_name``): no KG name holds the words of both sides, so LG was lost and
          Samsung became a brand filter of its own. Each run of words between such words is
          a side, linked as a span of its own (the alternative word is no part of either),
          when one side links; the expansion then reads the brands on both sides of the
          "vs" as alternatives, as it reads "samsung tv or lg tv";
        * a span opening with a run of one to four words that is a brand's very name and
          names nothing else a product may be (:meth:`kg.link.EntityLinker.
          names_only_a_brand`: no category or product type of that name, no word of the
          tagger's vocabulary, "whirlpool" in "whirlpool washer", tagged as a product type),
          whose other words link as tagged to what the KG sells the brand as
          (:meth:`SpanLinker._makes`: a category of a department it sells in, or one named by
          their head word): the brand (linked with the linker's brand-only label,
          :func:`kg.link.brand_label`) and those words. No KG name holds both, so the query
          lost the brand. The longest such run first; it needs the linker the parse links with
          (:meth:`SpanLinker.entity_linker`), which knows the tagger's vocabulary.

        * a product span (a product type's label or ``product_name``) of two or more words
          that no KG name holds whole ("laptop ram", "skin toner"): its head, the longest run
          of its last words that links to a category the query's words support, and the
          words before it as a ``modifier``, or the whole span linked to the category below
          the head's that those words name ("laptop ram": Laptop Memory, below Memory (RAM)):
          :meth:`SpanLinker._head_and_modifier`. A head of every department ("car accessories"), one
          the query's words do not support ("christmas tree": Trees) or one a word found
          somewhere in a namesake's path points to ("work vest": no Bullet Proof Vests)
          links nothing; in a parse of the whole query (:meth:`SpanLinker.link_spans`), so does
          one the query's other links contradict (:meth:`SpanLinker._contradicted_heads`: "dslr
          body only dslr cameras" is no All DSLRs).

        ``query``: the query as the linker reads it (:meth:`SpanLinker._link_query`), made once
        for all the query's spans (here, without one)."""
        return self._links.link_entities(text, entity, query)

    @contextmanager
    def recording_links(self) -> Iterator[list[LinkCall]]:
        """Record the link calls of this parser's parses (its markets' too) made in the
        calling thread (or asyncio task: a :class:`contextvars.ContextVar`) while the block
        runs, in the order made: a list of :class:`LinkCall`. Parses of the same parser in
        other threads are not recorded, nor is anything changed for them (the notebook's
        views, :mod:`parser.app.analysis`, read a parse's own calls so). A parse links a span
        through more calls than one ("without pockets" links "pockets"; "for samsung" the
        brand), each with the query's context; a call that raised is not recorded. A market
        parser's parses (:meth:`for_market`, ``qp(text, market=...)``) are recorded by its own
        block and by its parent's. Blocks nest: a parse's calls go to the innermost block
        open for its parser (or, of a market parser, for its parent), the outer ones get the
        rest. Parses yielded by :meth:`pipe` are linked as they are read: read them inside
        the block.

        >>> from kg import ProductGraph
        >>> from parser.tagger.testing import tiny_tagger
        >>> qp = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory(),
        ...                  markets={"zh": tiny_tagger(seed=1)})
        >>> with qp.recording_links() as calls:
        ...     parsed = qp("usb cable")
        ...     own = len(calls)
        ...     parsed = qp("usb cable", market="zh")
        >>> own > 0 and len(calls) > own and all(isinstance(c, LinkCall) for c in calls)
        True
        """
        calls: list[LinkCall] = []
        token = LINK_RECORDER.set((*LINK_RECORDER.get(), (self, calls)))
        try:
            yield calls
        finally:
            LINK_RECORDER.reset(token)

    @property
    def entity_linker(self) -> EntityLinker | None:
        """The linker a parse links with (:meth:`parser.linking.SpanLinker.entity_linker`):
        :attr:`linker` or the KG's default one, told the tagger's WordPiece vocabulary; None
        when the parse links with ``kg.link``. What the notebook's views read candidates from,
        so that they show the parse's links."""
        return self._links.entity_linker()

    def _finish(self, work: _Batch) -> list[ParsedQuery]:
        """Stages 3 (decode) to 6."""
        cut, sec = work.cut, work.seconds
        t0 = time.perf_counter()
        tagged = self.tagger.decode(work.items, work.token_logits) if cut else []
        t1 = time.perf_counter()
        links = self._links
        entities = [links.link_spans(text, tt) for text, tt in zip(cut, tagged, strict=True)]
        linked = [linked_entities(ents) for ents in entities]
        # the intent reads the links the query does not exclude ("phone not samsung"); the
        # expansion reads them all (an excluded node is its DOWN boost)
        read = [intent_links(text, lk, self.kg) for text, lk in zip(cut, linked, strict=True)]
        t2 = time.perf_counter()
        intents: list[Intent | None] = [None] * len(cut)
        if self.fusion is not None and cut:
            # (and the embedding of the query without its negations: :meth:`_intent_embeddings`)
            intents = list(self.fusion.predict_arrays(
                self._intent_embeddings(cut, entities, linked, work.embeddings), read))
        t3 = time.perf_counter()
        out: list[ParsedQuery] = []
        intent_min = self._intent_threshold
        for i in range(len(cut)):
            intent = intents[i]
            # judged once, for both stages
            outside = out_of_depth(self.kg, work.prepared[i][1], read[i], intent,
                                   self._label_space)
            if intent is not None and not any(ch.isalnum() for ch in work.prepared[i][1]):
                intent = None  # an empty or symbol-only query has no category
            if intent is not None and intent.score >= intent_min and not outside:
                # the intent's department picks among a mention's namesakes (one pass: the
                # intent is not run again on the swapped links)
                entities[i] = links.repick(cut[i], entities[i], intent)
                linked[i] = linked_entities(entities[i])
            intent_result = None
            if intent is not None:
                intent_result = IntentResult(
                    category=intent.category, lvl0=intent.lvl0, score=round(intent.score, 6),
                    top_k=[(c, round(s, 6)) for c, s in intent.top_k[: self.config.intent_top_k]],
                    confident=intent.score >= intent_min and not outside,
                    lvl0_score=round(intent.lvl0_score, 6),
                    unfamiliar=bool(intent.unfamiliar),
                )
            q = ParsedQuery(text=work.raw[i], normalized=work.prepared[i][1],
                            entities=entities[i], intent=intent_result,
                            truncated=work.prepared[i][2] or bool(tagged[i].truncated))
            if self.config.expand and self.expander is not None:
                self._expand(q, linked[i], intent, outside, cut=work.prepared[i][0])
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

    def _intent_embeddings(self, cut: Sequence[str], entities: Sequence[Sequence[ParsedEntity]],
                           linked: Sequence[Sequence[LinkedEntity]], embeddings: Any) -> Any:
        """The text embeddings the intent reads for the queries ``cut`` (their ``entities``
        and ``linked`` links; ``embeddings``: the tagger's of the queries as typed): those of
        the queries, but for a query with a negation, that of its text without the negation's
        words (:func:`intent_text`), one more encoder pass for those queries only. The intent
        model saw few negations: a cue and what it excludes, or a negated price bound, moved
        the query's embedding off what it searches ("tv not samsung" lost the TVs filter that
        "tv samsung" has, "laptop not more than $500" the Laptops of "laptop more than
        $500"); as its links, it reads what the query searches, not what it rules out."""
        texts = [self._intent_text(text, ents, lk)
                 for text, ents, lk in zip(cut, entities, linked, strict=True)]
        redo = [i for i, t in enumerate(texts) if t is not None]
        if not redo:
            return embeddings
        read = [texts[i] for i in redo]
        matches = [KGLexicon.spans(self.kg.match(t)) for t in read] \
            if self._uses_lexicon else None
        _, emb = self.tagger.forward(self.tagger.prepare(read, matches=matches), pooled=True)
        out = np.array(embeddings, dtype=np.float32, copy=True)
        out[redo] = emb
        return out

    def _intent_text(self, text: str, entities: Sequence[ParsedEntity],
                     linked: Sequence[LinkedEntity]) -> str | None:
        """:func:`intent_text` of the query ``text`` (its ``entities``, ``linked`` links):
        without the words its negation cues exclude, as the expansion reads them
        (:func:`fusion.expand.excluded_words`: not those after a cue the parse reads as a
        name's word, :func:`words_no_cue_excludes`, nor what the products are free of,
        ``free_from``: they are said of what is searched), and its price bounds and ranges
        (:func:`fusion.patterns.price_spans`, read NFKC-normalised as the expansion reads
        prices, where that keeps the offsets: nearly always)."""
        from fusion.expand import excluded_words, may_exclude
        from fusion.patterns import price_spans

        plain = separators_to_spaces(text)
        excluded: list[tuple[int, int]] = []
        if may_exclude(plain):  # (no cue, no excluded words: most queries)
            no_cues = [sp for e in entities
                       if (sp := words_no_cue_excludes(plain, e, entities=entities))]
            # (what the products are free of is said of them, no other product: "non dairy
            # creamer", "tea no caffeine" read as typed)
            excluded = [(x.start, x.end)
                        for x in excluded_words(self.kg, plain, linked, no_cues=no_cues)
                        if not x.free_from]
        folded = unicodedata.normalize("NFKC", plain)
        prices = price_spans(folded) if len(folded) == len(plain) else []
        return intent_text(plain, excluded, prices)

    @staticmethod
    def _fusion_inputs(embeddings: Any, linked: Sequence[Sequence[LinkedEntity]],
                       texts: Sequence[str]) -> list[FusionInput]:
        import torch

        from fusion.types import FusionInput

        emb = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
        return [FusionInput(text_embedding=emb[i], linked=tuple(linked[i]), text=texts[i])
                for i in range(len(texts))]

    @property
    def _intent_threshold(self) -> float:
        """Top-category probability below which the intent is marked not confident (the
        bundle's calibrated ``thresholds.intent``; without one, the default for the fusion
        model: :meth:`fusion.expand.Thresholds.defaults_for`)."""
        thresholds = getattr(self.expander, "thresholds", None)
        if thresholds is None:
            from fusion.expand import Thresholds

            thresholds = Thresholds.defaults_for(
                0.0 if self.fusion is None else self.fusion.memory_weight)
        return float(thresholds.intent)

    @property
    def _label_space(self) -> Any:
        """The intent's label space, as expansion reads it: the fusion context's taxonomy
        alignment, or the model's departments (None without a fusion model)."""
        return label_space(self.fusion)

    def _expand(self, q: ParsedQuery, linked: Sequence[LinkedEntity],
                intent: Intent | None, outside: bool, *, cut: str | None = None) -> None:
        """Stage 6 for ``q`` (``cut``: its text as parsed, before NFKC; the price is read with
        its numeric marks hidden: :func:`_hide_numeric_marks`; the rules rewrite it with them
        as typed, and with a trademark sign or a control character as a space, as ``normalized``
        reads it: "samsung™ tv" is rewritten "samsung tv", not "samsungTM tv")."""
        assert self.expander is not None
        if cut is not None:
            cut = separators_to_spaces(cut)
        embeddings = None
        if self.fusion is not None:
            context = self.fusion.context
            embeddings = context.embeddings if context is not None else None
        departments = self._label_space
        # the query as parsed (cut at max_query_chars): the price and size patterns read it
        # NFKC-normalised, what the tagger and linker read; the rules match it and make
        # `rewritten` of it NFKC-normalised but for the characters NFKC makes digits or primes
        # of, kept as typed ("drill bit 1½ inch", not "11⁄2": fusion.rules). A cue the parse
        # reads as a name's word excludes nothing ("woody allen without feathers", "no touch
        # thermometer"): cut is a beginning of the query's text (a trademark sign a space, as
        # the linker read it), with the same offsets as the entities'
        kg = getattr(self.expander, "kg", None)
        no_cues = [sp for e in q.entities if (sp := words_no_cue_excludes(
            cut, e, kg, q.entities))] \
            if cut is not None else []
        # the tagger's brand mentions that link nothing: a colour word right before one opens
        # that brand's name ("white rodgers thermostat"), no colour filter; not one whose
        # words are words of KG names ("henna" of "black henna hair color": a kind of dye)
        from fusion.expand import kg_words

        unknown_brands = [(e.start, e.end) for e in q.entities
                          if e.kg_id is None and (e.label or "").lower() in _BRAND_LABELS
                          and not (kg is not None and kg_words(kg, cut[e.start:e.end]))] \
            if cut is not None else []
        result = self.expander.expand(q.normalized if cut is None else cut, linked=linked,
                                      intent=intent, limit=self.config.max_expansions,
                                      embeddings=embeddings, departments=departments,
                                      outside=outside, no_cues=no_cues,
                                      unknown_brands=unknown_brands)
        filters, sources = result.filters, list(result.filter_sources)
        boosts = list(result.boosts)
        hidden = _hide_numeric_marks(cut) if cut is not None else None
        if hidden is not None:
            # NFKC made digits of superscripts or fractions ("tv under 10²": a price_max of
            # 102; "drill bit 1½ inch": a size of 2 inch): the price bounds and sizes (only
            # they, and the DOWN boosts of the sizes a query excludes) are those of the query
            # with them hidden, as the expander reads them (rules included); rare, so expanded
            # a second time
            from fusion.expand import PATTERN_NEGATED

            priced = self.expander.expand(hidden, linked=linked, intent=intent,
                                          limit=self.config.max_expansions,
                                          embeddings=embeddings, departments=departments,
                                          outside=outside)
            filters = replace(filters, price_min=priced.filters.price_min,
                              price_max=priced.filters.price_max, size=priced.filters.size)
            sources = [s for s in sources if s.field not in _NUMBER_FIELDS] + [
                s for s in priced.filter_sources if s.field in _NUMBER_FIELDS]
            boosts = [b for b in boosts if b.rule != PATTERN_NEGATED] + [
                b for b in priced.boosts if b.rule == PATTERN_NEGATED]
        # a price bound is a finite number: an inf (or NaN) is no bound, and no JSON number
        bad = [f for f in _PRICE_FIELDS
               if (v := getattr(filters, f)) is not None and not math.isfinite(v)]
        if bad:
            filters = replace(filters, **dict.fromkeys(bad))
            sources = [s for s in sources if s.field not in bad]
        q.expansions = [
            ExpansionResult(x.term, x.kind, round(float(x.score), 6), list(x.provenance), x.iri,
                            x.rule)
            for x in result.expansions
        ]
        q.filters = dict(filters)
        q.applied_rules = list(result.applied_rules)
        q.rewritten = result.query if self.expander.rules is not None else None
        q.boosts = [BoostResult(b.term, b.direction, abs(b.weight), b.rule) for b in boosts]
        q.category_suggestions = [CategorySuggestionResult(s.category, s.score, s.source)
                                  for s in result.suggestions]
        q.filter_sources = [FilterSourceResult(f.field, f.value, f.source) for f in sources]
        # (offsets into cut are the query's; into normalized, not: none without cut)
        # (words a cue excludes that are function words only exclude nothing: "in" of
        # "window tint see out but not in" is no must_not)
        q.excluded = [ExcludedResult(q.text[x.start:x.end], x.start, x.end, x.iri,
                                     x.free_from)
                      for x in result.excluded
                      if x.iri is not None or not function_words_only(x.text)] \
            if cut is not None else []

    # -- the fusion model's inputs, as served ----------------------------------------------------
    @classmethod
    def featurizer(cls, tagger_dir: str | Path, kg: ProductGraph) -> QueryParser:
        """The parser a fusion model is trained with: the tagger in ``tagger_dir`` loaded as a
        bundle serves it (its ONNX graph when exported with the embedding output, else torch)
        and linking into ``kg``; pass it to :func:`fusion.train.train_from_files`."""
        from parser.tagger.embed import load_embedding_tagger

        # (the KG at load time: set after, it came with a warning that it was missing)
        tagger = load_embedding_tagger(tagger_dir, lexicon=kg)
        return cls(tagger=tagger, kg=kg, config=ParserConfig(expand=False))

    @property
    def name(self) -> str:
        """The text-encoder name a fusion model trained on :meth:`featurize` records:
        ``tagger:<fingerprint of the tagger's weights>``."""
        return TAGGER_ENCODER_PREFIX + tagger_fingerprint(getattr(self.tagger, "path", None))

    @property
    def dim(self) -> int:
        """Size of the query embeddings :meth:`featurize` returns."""
        return int(self.tagger.embedding_dim)  # type: ignore[attr-defined]

    def featurize(self, texts: Sequence[str], *, batch_size: int = 64,
                  progress: bool = False) -> list[FusionInput]:
        """The fusion model's inputs for ``texts`` exactly as a parse builds them: the
        tagger's query embedding and the linker's nodes for the tagger's spans, weighted by
        link score, but those the query excludes (:func:`intent_links`), the embedding that of
        the query without its negations (:meth:`_intent_embeddings`).
        :func:`fusion.train.train_from_files` trains on these (this parser is a
        :class:`fusion.types.QueryFeaturizer`), so training sees what serving sees.

        >>> from parser.tagger.testing import tiny_tagger
        >>> from kg import ProductGraph
        >>> qp = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory())
        >>> [len(inp.text_embedding) == qp.dim for inp in qp.featurize(["usb cable"])]
        [True]
        """
        out: list[FusionInput] = []
        steps = range(0, len(texts), batch_size)
        if progress:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc="tagging and linking", unit="batch", leave=False)
        for s in steps:
            chunk = [self._prepare(t) for t in texts[s:s + batch_size]]
            with self.kg.pinned():
                work = self._begin([c[0] for c in chunk], chunk)
                if not work.items:
                    continue
                logits, emb = self.tagger.forward(work.items, pooled=True)
                tagged = self.tagger.decode(work.items, logits)
                entities = [self._links.link_spans(text, tt)
                            for text, tt in zip(work.cut, tagged, strict=True)]
                every = [linked_entities(ents) for ents in entities]
                linked = [intent_links(text, lk, self.kg)
                          for text, lk in zip(work.cut, every, strict=True)]
                emb = self._intent_embeddings(work.cut, entities, every, emb)
            out += self._fusion_inputs(emb, linked, work.cut)
        return out


def out_of_depth(kg: Any, normalized: str, linked: Sequence[LinkedEntity],
                 intent: Intent | None, departments: Any = None) -> bool:
    """Whether a query's intent is only the text model's guess: never confident, never a
    hard filter, not expanded. So is a query outside the KG (:func:`kg.link.outside_kg`: it
    links nothing and has no word of any KG name), and one the intent model has seen nothing
    like (:attr:`fusion.Intent.unfamiliar`) that links no product type, product, category of
    the intent's label space or brand sold in it (``linked``: the links the intent reads,
    :func:`intent_links`; an excluded brand, "camera except canon", says nothing of what is
    searched): an attribute value alone places nothing in the
    catalogue, and nor does a category of another taxonomy ("organic bananas" links Google's
    Bananas, which names no department of the store's; its intent was a hard Appliances
    filter), nor a brand the KG sells nothing under there (no ``sells_in`` category and no
    product in the label space: the expansion's ``ungrounded`` brand,
    :func:`kg.link.brand_categories`; a name list's "OK" or "Aveeno", whose queries "ok"
    and "aveeno lotion daily moisturizing" got a hard Appliances filter, "redmi note 7" one
    on Computers & Tablets). "comfy beanie" from another shop's catalogue got a hard
    Appliances filter from the model's guess. ``departments``: the label space (a
    :class:`fusion.context.TaxonomyAlignment` or department names; None: every category
    counts)."""
    if outside_kg(kg, normalized, linked):
        return True
    if intent is None or not intent.unfamiliar:
        return False
    if any(e.kind not in ("attribute_value", "category", "brand")
           or (e.kind == "category" and _in_label_space(kg, e.iri, departments))
           for e in linked):
        return False
    brands = [e.iri for e in linked if e.kind == "brand"]
    if not brands:
        return True
    return not any(_in_label_space(kg, c, departments)  # (the expansion's brands' categories)
                   for iri in brands for c in brand_categories(kg, iri, spelled_alike=True))


def _in_label_space(kg: Any, iri: str, departments: Any) -> bool:
    """Whether the category ``iri`` falls in a department of the intent's label space."""
    if departments is None:
        return True
    try:
        path = kg.to_networkx().nodes[iri].get("path")
    except KeyError:
        return False
    return path_in_label_space(departments, path)


def intent_text(text: str, excluded: Sequence[tuple[int, int]],
                prices: Sequence[tuple[int, int]] = ()) -> str | None:
    """The query ``text`` as the intent reads it, or None to read it as typed: without its
    words that a negation cue excludes (``excluded``: their (start, end) in ``text``, the
    whole word each holds: "-samsung", "samsung,") and the words before each that lead to
    them from the cue on (:data:`fusion.expand.EXCLUSION_LEAD_WORDS` and the clause's words,
    :func:`clause_words`: "not", "neither ... nor", "that isn't a", "not made by"), nor its
    price bounds and ranges (``prices``, their negations included: "not more than $500");
    its other words as typed, one space apart. None where it drops nothing, or every word
    (what is left says nothing of what is searched: "not samsung", "under $500").

    >>> q = "neither samsung nor lg tv"
    >>> intent_text(q, [(8, 15), (20, 22)])
    'tv'
    >>> intent_text("laptop that's not a dell", [(20, 24)]), intent_text("tv -samsung", [(4, 11)])
    ('laptop', 'tv')
    >>> intent_text("laptop not more than $500", [], [(7, 25)]), intent_text("not lg", [(4, 6)])
    ('laptop', None)
    """
    if not excluded and not prices:
        return None
    from fusion.expand import EXCLUSION_LEAD_WORDS

    lead = EXCLUSION_LEAD_WORDS | clause_words()
    tokens = [m.span() for m in SPAN_WORD.finditer(text)]
    drop = [any(a < e and s < b for s, e in prices) for a, b in tokens]

    def leads(k: int) -> bool:
        word = normalize_key(text[slice(*tokens[k])]).strip(EDGE_MARKS).replace("\u2019", "'")
        return word in lead or not any(ch.isalnum() for ch in word)

    for s, e in excluded:
        held = [k for k, (a, b) in enumerate(tokens) if a < e and s < b]
        for k in held:
            drop[k] = True
        k = held[0] - 1 if held else -1
        while k >= 0 and (drop[k] or leads(k)):  # (back to the cue, over another item)
            drop[k] = True
            k -= 1
    if not any(drop):
        return None
    kept = [text[a:b] for (a, b), out in zip(tokens, drop, strict=True) if not out]
    if not any(ch.isalnum() for word in kept for ch in word):
        return None
    return " ".join(kept)


def intent_links(text: str, linked: Sequence[LinkedEntity], kg: Any = None
                 ) -> list[LinkedEntity]:
    """The links of the query ``text`` the intent model reads: ``linked`` but the nodes the
    query excludes, judged as the expansion judges them on the KG ``kg``
    (:func:`fusion.expand.query_exclusions`: also a brand's line after the excluded brand,
    "tablet not apple ipad", and "non apple" linked as a "Non-apple" node; without ``kg``,
    :func:`fusion.expand.excluded_links` from the links alone:
    a negation cue before the mention, "phone not samsung", or opening its span, "speaker not
    headphones"; "non" before a brand only; every item of an excluded list, "not red or blue";
    a cue the linker took for a value, "no" -> the size "No"). Such a node is a DOWN boost;
    read by the intent it pulled the category toward what the user excluded ("tablet not
    laptop": Laptops).

    >>> from fusion.types import LinkedEntity
    >>> links = [LinkedEntity("b:samsung", "brand", 0.9, "creator", "samsung"),
    ...          LinkedEntity("c:phones", "category", 0.8, "core_product_type", "phone")]
    >>> [e.mention for e in intent_links("phone not samsung", links)]
    ['phone']
    >>> [e.mention for e in intent_links("samsung phone", links)]
    ['samsung', 'phone']
    """
    if not linked:
        return list(linked)
    from fusion.expand import excluded_links, query_exclusions  # (torch-free, loaded once)

    # (the query as the expansion reads it: a trademark sign or a control character a space)
    plain = separators_to_spaces(text)
    out = query_exclusions(kg, plain, linked) if kg is not None else excluded_links(
        plain, linked)
    return [e for e in linked if e.iri not in out]
