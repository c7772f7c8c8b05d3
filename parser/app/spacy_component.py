"""kgqp as a spaCy pipeline component: ``nlp.add_pipe("kgqp", config={"bundle": DIR})``.

The component runs :class:`parser.QueryParser` on ``doc.text`` and writes

* ``doc.ents``: one :class:`spacy.tokens.Span` per parsed entity, labelled with the tagger label
  (``creator``, ``core_product_type`` ...), ``kb_id_`` set to the linked KG node IRI, or
  ``"NIL"`` when the span links to nothing (as spaCy's ``EntityLinker`` marks unlinked spans).
  Each span holds exactly the characters of the parse's entity (``span.start_char ==
  entity.start``, ``span.end_char == entity.end``): a spaCy token that an entity edge falls inside
  ("red\u200bshoes", "小米充电宝" in ``spacy.blank("en")``, a long word a truncating parse cut) is
  split there (``doc.retokenize().split``; the pieces keep the token's tag, POS, morphology and,
  in a parsed doc, its head: the first piece is the head of the others, ``dep`` "dep"; each
  piece gets the token's row of ``doc.tensor``, and the spans of ``doc.spans`` keep their
  characters), never widened to the token. Whitespace at an entity's edges
  (``'"samsung " tv'``) is left out of its span, as spaCy leaves it out of tokens. An entity
  overlapping an earlier one is skipped (so are earlier entities of ``doc.ents`` that overlap
  kgqp's).
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

import bisect
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

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
        text = doc.text
        chosen: list[tuple[int, int, ParsedEntity]] = []
        for ent in sorted(parsed.entities, key=lambda e: (e.start, -e.end)):
            start, end = _strip_spaces(text, ent.start, ent.end)
            if start >= end:
                logger.debug("kgqp: no characters for entity %r at %d-%d", ent.text, ent.start,
                             ent.end)
                continue
            if any(start < b and a < end for a, b, _ in chosen):
                logger.debug("kgqp: skipping overlapping entity %r", ent.text)
                continue
            chosen.append((start, end, ent))
        # other components' entities (as characters: a split moves token indices) that no kgqp
        # entity overlaps
        kept = [(s.start_char, s.end_char, s.label, s.kb_id, s.id) for s in doc.ents
                if not any(s.start_char < b and a < s.end_char for a, b, _ in chosen)]
        _split_tokens(doc, [edge for a, b, _ in chosen for edge in (a, b)])
        spans: list[Span] = []
        for start, end, label, kb_id, span_id in kept:
            span = doc.char_span(start, end, label=label, kb_id=kb_id, span_id=span_id)
            if span is not None:  # (always: a split only adds token boundaries)
                spans.append(span)
        for start, end, ent in chosen:
            span = doc.char_span(start, end, label=ent.label, kb_id=ent.kg_id or NIL)
            if span is None or len(span) == 0:
                logger.debug("kgqp: entity %r at %d-%d does not align with spaCy's tokens: left "
                             "out of doc.ents", ent.text, ent.start, ent.end)
                continue
            span._.set(DATA_EXTENSION, asdict(ent))
            spans.append(span)
        doc.ents = sorted(spans, key=lambda s: s.start)
        doc._.set(DATA_EXTENSION, asdict(parsed))
        return doc


def _strip_spaces(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` within ``text`` without the whitespace at the edges of ``text[start:end]``
    (spaCy keeps a space after a token out of it: a parse's span ending in one, as in
    ``'"samsung " tv'``, is the token before it)."""
    start, end = max(start, 0), min(end, len(text))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


#: token attributes a split token's pieces keep (where the doc has them)
_SPLIT_ATTRS = ("TAG", "POS", "MORPH")


def _split_tokens(doc: Doc, edges: Iterable[int]) -> None:
    """Split the tokens of ``doc`` that a character offset of ``edges`` falls strictly inside, at
    those offsets, so that an entity of the parse is a span of whole tokens. The pieces keep the
    token's tag, POS and morphology (a lemma, where set, is the piece's text); in a parsed doc
    the first piece keeps the token's head and label and is the head of the others (label
    ``dep``), so the token's dependents stay attached to it.

    Other annotations stay aligned with the tokens: every ``doc.spans`` group keeps its spans
    (the same characters, label, ``kb_id`` and ``id``) and its ``attrs``, and a ``doc.tensor``
    with a row per token gets a copy of the token's row for each piece (spaCy's split would
    leave the spans on the old token indices and the tensor a row too long)."""
    if not len(doc):
        return
    starts = [t.idx for t in doc]
    cuts: dict[int, set[int]] = {}
    for edge in edges:
        i = bisect.bisect_right(starts, edge) - 1
        if i >= 0 and starts[i] < edge < starts[i] + len(doc[i]):
            cuts.setdefault(i, set()).add(edge - starts[i])
    if not cuts:
        return
    # (as characters, as _annotate keeps doc.ents: a split moves the token indices after it)
    groups = {name: (dict(group.attrs),
                     [(s.start_char, s.end_char, s.label, s.kb_id, s.id) for s in group])
              for name, group in doc.spans.items()}
    tensor = doc.tensor
    rows = tensor is not None and tensor.size != 0 and tensor.shape[0] == len(doc)
    counts = [1] * len(doc)
    parsed = doc.has_annotation("DEP")
    present = [a for a in _SPLIT_ATTRS if doc.has_annotation(a)]
    lemmas = doc.has_annotation("LEMMA")
    sentences = doc.has_annotation("SENT_START")
    for i in sorted(cuts, reverse=True):  # (right to left: the indices before i stay)
        token = doc[i]
        offsets = sorted(cuts[i])
        pieces = [token.text[a:b] for a, b in zip([0, *offsets], [*offsets, len(token)],
                                                   strict=True)]
        n = len(pieces)
        counts[i] = n
        head = token.head if parsed and token.head.i != token.i else (token, 0)
        heads = [head] + [(token, 0)] * (n - 1)
        attrs: dict[str, Any] = {a: [getattr(token, a.lower() + "_") if a != "MORPH"
                                     else str(token.morph)] * n for a in present}
        if parsed:
            attrs["DEP"] = [token.dep_] + ["dep"] * (n - 1)
        if lemmas:
            attrs["LEMMA"] = pieces
        first = token.is_sent_start
        logger.debug("kgqp: splitting spaCy token %r into %r at entity edges", token.text,
                     pieces)
        with doc.retokenize() as retokenizer:
            retokenizer.split(token, pieces, heads=heads, attrs=attrs)
        if sentences and not parsed:  # (a parse's heads give its sentence starts)
            doc[i].is_sent_start = first
            for k in range(i + 1, i + n):  # (a piece holds what was in its slot before)
                doc[k].is_sent_start = False
    for name, (group_attrs, kept) in groups.items():
        spans = [doc.char_span(start, end, label=label, kb_id=kb_id, span_id=span_id)
                 for start, end, label, kb_id, span_id in kept]
        doc.spans[name] = SpanGroup(doc, name=name, attrs=group_attrs,
                                    spans=[s for s in spans if s is not None])  # (all of them)
    if tensor is not None:  # (a tensor not aligned with the tokens before: left as it was)
        doc.tensor = tensor.repeat(counts, axis=0) if rows else tensor


@Language.factory(
    "kgqp",
    default_config={"bundle": None, "backend": None},
    assigns=["doc.ents", "doc._.kgqp", "span._.kgqp"],
)
def make_kgqp(nlp: Language, name: str, bundle: str | None,
              backend: str | None) -> KGQPComponent:
    """spaCy factory of :class:`KGQPComponent` (``nlp.add_pipe("kgqp", config=...)``)."""
    return KGQPComponent(bundle=bundle, backend=backend, name=name)
