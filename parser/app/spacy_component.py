"""kgqp as a spaCy pipeline component: ``nlp.add_pipe("kgqp", config={"bundle": DIR})``.

The component runs :class:`parser.QueryParser` on ``doc.text`` and writes

* ``doc.ents``: one :class:`spacy.tokens.Span` per parsed entity, labelled with the tagger label
  (``creator``, ``core_product_type`` ...), ``kb_id_`` set to the linked KG node IRI, or
  ``"NIL"`` when the span links to nothing (as spaCy's ``EntityLinker`` marks unlinked spans).
  Spans are expanded to token boundaries; an entity overlapping an earlier one is skipped (so are
  earlier entities of ``doc.ents`` that overlap kgqp's).
* ``doc._.kgqp``: the whole :class:`parser.types.ParsedQuery` (intent, expansions, filters,
  link scores).
* ``span._.kgqp``: the :class:`parser.types.ParsedEntity` behind each entity span.

Both extensions are stored as plain data in ``doc.user_data`` (``doc._.kgqp_data``,
``span._.kgqp_data``) and rebuilt on access, so they survive ``DocBin(store_user_data=True)``,
``doc.to_bytes()`` and ``nlp.pipe(..., n_process=2)``.

The component opens the bundle's KG read-only (no write lock: it runs beside ``kgqp serve`` or a
notebook on the same bundle) and limits NumPy's BLAS pools to one thread only around its own
parses; the rest of the process keeps its settings.
The factory is registered on import of this module and through the ``spacy_factories`` entry
point of the ``kgqp`` distribution, so ``spacy.blank("en").add_pipe("kgqp", ...)`` works without
importing kgqp first. It works with any tokenizer (``spacy.blank("zh")`` included): kgqp tags the
raw text and the spans are mapped onto spaCy's tokens by character offsets.

Config:
    bundle: the bundle directory (``kgqp quickstart`` builds ``~/.cache/kgqp/bundle``). ``None``
        uses the default bundle, loaded on first use, unless a parser is attached first
        (``nlp.get_pipe("kgqp").parser = QueryParser(...)``).
    backend: ``"onnx"`` or ``"torch"`` (default: ONNX when the bundle has it).

Example:
    >>> import spacy
    >>> from kg import ProductGraph
    >>> from parser.pipeline import QueryParser
    >>> from parser.tagger.testing import tiny_tagger
    >>> nlp = spacy.blank("en")
    >>> component = nlp.add_pipe("kgqp")
    >>> component.parser = QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory())
    >>> doc = nlp("apple iphone case")
    >>> doc._.kgqp.text
    'apple iphone case'
    >>> len(doc.ents) == len(doc._.kgqp.entities)
    True
    >>> from spacy.tokens import DocBin
    >>> again = next(DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab))
    >>> again._.kgqp == doc._.kgqp
    True
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from parser.app.threads import BlasLimiter
from parser.errors import ConfigError
from parser.types import ParsedEntity, ParsedQuery

logger = logging.getLogger(__name__)

__all__ = ["NIL", "KGQPComponent", "make_kgqp", "parsed_from_data"]

#: Name of the ``Doc``/``Span`` extension attribute (``doc._.kgqp``, ``span._.kgqp``).
EXTENSION = "kgqp"
#: The plain data behind it (msgpack-serialisable: survives DocBin and ``doc.to_bytes``).
DATA_EXTENSION = "kgqp_data"
#: ``kb_id_`` of an entity span linked to no KG node (spaCy's convention).
NIL = "NIL"

_TUPLE_LISTS = {"top_k": 2, "provenance": 3}


def _tuples(value: Any, key: str) -> Any:
    """``asdict`` data -> the dataclass field values: lists of tuples where the types have them
    (after DocBin's msgpack, every list comes back as a tuple)."""
    if key in _TUPLE_LISTS and isinstance(value, list | tuple):
        return [tuple(v) for v in value]
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    return cls(**{k: _tuples(v, k) for k, v in data.items()})


def parsed_from_data(data: dict[str, Any] | None) -> ParsedQuery | None:
    """Rebuild a :class:`ParsedQuery` from ``dataclasses.asdict(parsed)`` (``doc._.kgqp_data``)."""
    if data is None:
        return None
    from parser import types as t

    d = dict(data)
    # msgpack (DocBin) gives tuples back for lists: the fields' own types again
    d["applied_rules"] = list(d.get("applied_rules", []))
    d["filters"] = {k: list(v) if isinstance(v, list | tuple) else v
                    for k, v in dict(d.get("filters") or {}).items()}
    d["entities"] = [_build(t.ParsedEntity, e) for e in d.get("entities", [])]
    if d.get("intent") is not None:
        d["intent"] = _build(t.IntentResult, d["intent"])
    d["expansions"] = [_build(t.ExpansionResult, e) for e in d.get("expansions", [])]
    d["boosts"] = [_build(t.BoostResult, b) for b in d.get("boosts", [])]
    d["category_suggestions"] = [_build(t.CategorySuggestionResult, c)
                                 for c in d.get("category_suggestions", [])]
    d["filter_sources"] = [_build(t.FilterSourceResult, f) for f in d.get("filter_sources", [])]
    d["excluded"] = [_build(t.ExcludedResult, x) for x in d.get("excluded", [])]
    return ParsedQuery(**d)


def _doc_getter(doc: Doc) -> ParsedQuery | None:
    return parsed_from_data(doc._.get(DATA_EXTENSION))


def _span_getter(span: Span) -> ParsedEntity | None:
    data = span._.get(DATA_EXTENSION)
    return None if data is None else ParsedEntity(**data)


for _cls, _getter in ((Doc, _doc_getter), (Span, _span_getter)):
    if not _cls.has_extension(DATA_EXTENSION):
        _cls.set_extension(DATA_EXTENSION, default=None)
    if not _cls.has_extension(EXTENSION):
        _cls.set_extension(EXTENSION, getter=_getter)


class KGQPComponent:
    """A spaCy component that parses ``doc.text`` with a :class:`parser.QueryParser`.

    Build it with ``nlp.add_pipe("kgqp", config={"bundle": DIR})``, or directly around a loaded
    parser (``KGQPComponent(parser)``; then ``nlp.add_pipe`` is not needed: call it on a doc).

    Args:
        parser: a loaded :class:`parser.QueryParser`; if None, it is loaded from ``bundle`` on
            first use.
        bundle: bundle directory (None: the default bundle of ``kgqp quickstart``).
        backend: tagger backend, ``"onnx"`` or ``"torch"`` (None: ONNX when present).
        name: the component's name in the pipeline.

    Example:
        >>> import spacy
        >>> from kg import ProductGraph
        >>> from parser.pipeline import QueryParser
        >>> from parser.tagger.testing import tiny_tagger
        >>> kgqp = KGQPComponent(QueryParser(tagger=tiny_tagger(), kg=ProductGraph.in_memory()))
        >>> doc = kgqp(spacy.blank("en")(""))
        >>> list(doc.ents), doc._.kgqp.entities
        ([], [])
    """

    def __init__(self, parser: Any = None, *, bundle: str | Path | None = None,
                 backend: str | None = None, name: str = "kgqp") -> None:
        if backend is not None and backend not in ("onnx", "torch"):
            raise ConfigError(f"backend must be 'onnx', 'torch' or None, got {backend!r}")
        self._parser = parser
        self.bundle = Path(bundle).expanduser() if bundle is not None else None
        self.backend = backend
        self.name = name
        self._blas = BlasLimiter(1)
        self._loading = threading.Lock()

    @property
    def parser(self) -> Any:
        """The :class:`parser.QueryParser` (loaded from the bundle on first access, once: the
        first calls of several threads at once wait for one load)."""
        if self._parser is None:
            with self._loading:
                if self._parser is None:
                    self._parser = self._load()
        return self._parser

    @parser.setter
    def parser(self, value: Any) -> None:
        self._parser = value

    def __getstate__(self) -> dict[str, Any]:  # (a lock does not pickle: spawn workers)
        state = dict(self.__dict__)
        state.pop("_loading", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._loading = threading.Lock()

    def _load(self) -> Any:
        from parser.pipeline import QueryParser

        bundle = self.bundle
        if bundle is None:
            from parser.app.quickstart import default_home

            bundle = default_home() / "bundle"
            if not bundle.is_dir():
                raise ConfigError(
                    f"the kgqp component has no bundle and the default bundle {bundle} does not "
                    "exist: run `kgqp quickstart`, or add the component with "
                    "nlp.add_pipe('kgqp', config={'bundle': '/path/to/bundle'}), or attach a "
                    "parser with nlp.get_pipe('kgqp').parser = QueryParser(...)"
                )
        logger.info("kgqp component: loading bundle %s", bundle)
        with self._blas:  # the BLAS limit only around kgqp's own work, not process-wide
            return QueryParser.from_pretrained(bundle, backend=self.backend, read_only=True,
                                               blas_threads=None)

    # -- spaCy protocol --------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        """Parse ``doc.text`` and set ``doc.ents`` and ``doc._.kgqp``."""
        parser = self.parser
        with self._blas:
            parsed = parser(doc.text)
        return self._annotate(doc, parsed)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 64) -> Iterator[Doc]:
        """Annotate many docs, batching the parser's model calls."""
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._pipe_batch(batch, batch_size)
                batch = []
        if batch:
            yield from self._pipe_batch(batch, batch_size)

    def _pipe_batch(self, docs: list[Doc], batch_size: int) -> Iterator[Doc]:
        parser = self.parser
        with self._blas:
            parsed = list(parser.pipe([d.text for d in docs], batch_size=batch_size))
        for doc, result in zip(docs, parsed, strict=True):
            yield self._annotate(doc, result)

    @staticmethod
    def _annotate(doc: Doc, parsed: ParsedQuery) -> Doc:
        spans: list[Span] = []
        taken: set[int] = set()
        for ent in sorted(parsed.entities, key=lambda e: (e.start, -e.end)):
            span = doc.char_span(ent.start, ent.end, label=ent.label, kb_id=ent.kg_id or NIL,
                                 alignment_mode="expand")
            if span is None or len(span) == 0:
                logger.debug("kgqp: no tokens for entity %r at %d-%d", ent.text, ent.start,
                             ent.end)
                continue
            tokens = set(range(span.start, span.end))
            if tokens & taken:
                logger.debug("kgqp: skipping overlapping entity %r", ent.text)
                continue
            taken |= tokens
            span._.set(DATA_EXTENSION, asdict(ent))
            spans.append(span)
        kept = [s for s in doc.ents if not taken & set(range(s.start, s.end))]
        doc.ents = sorted(kept + spans, key=lambda s: s.start)
        doc._.set(DATA_EXTENSION, asdict(parsed))
        return doc


@Language.factory(
    "kgqp",
    default_config={"bundle": None, "backend": None},
    assigns=["doc.ents", "doc._.kgqp", "span._.kgqp"],
)
def make_kgqp(nlp: Language, name: str, bundle: str | None,
              backend: str | None) -> KGQPComponent:
    """spaCy factory of :class:`KGQPComponent` (``nlp.add_pipe("kgqp", config=...)``)."""
    return KGQPComponent(bundle=bundle, backend=backend, name=name)
