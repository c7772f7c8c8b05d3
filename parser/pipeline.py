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
4. ``link``: each span is linked to a KG node (``kg.link``: candidates from the same alias
   index, type-aware, NIL when nothing fits); punctuation glued to a span's edges is trimmed
   from it first (:func:`span_edges`: ``"samsung`` -> ``samsung``); a span opening with a
   negation cue links the words after it ("not headphones": :meth:`QueryParser.link_entity`);
   a span that links nothing is linked side by side where it joins alternatives ("tv vs lg")
   or opens with a brand's name ("whirlpool refrigerator"): :meth:`QueryParser.link_entities`;
   a brand's name a cue excludes that no span links ("laptop -dell", 'tv not "lg"') is linked
   too: :meth:`QueryParser._untagged_excluded_brands`.
5. ``intent``: the fusion model reads the query embedding and the graph embeddings of THE
   LINKED NODES, weighted by their link scores (:class:`fusion.LinkedEntity`), but the nodes
   the query excludes ("phone not samsung": :func:`intent_links`). The fusion
   model was trained on inputs built the same way (:meth:`QueryParser.featurize`), so a better
   tagger or linker moves the intent.
6. ``expand``: KG expansions from the linked nodes (with their kinds and link scores) and the
   intent, structured filters and the user's rewrite rules, and the words a negation cue
   excludes (``ParsedQuery.excluded``: the expansion's, but those after a cue the parse
   reads as a word of a name, :func:`_words_no_cue_excludes`).

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

import functools
import itertools
import logging
import math
import os
import re
import time
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from kg.index import EDGE_MARKS, normalize_key
from kg.link import (
    DEFAULT_LABEL_KINDS,
    FITS_WORDS,
    FUNCTION_WORDS,
    HEAD_LABELS,
    LABEL_GROUPS,
    NAME_PARTS,
    EntityLinker,
    LinkerConfig,
    QueryContext,
    brand_categories,
    brand_label,
    fits_cue_end,
    name_heads,
    number_variants,
    outside_kg,
    word_order,
    word_set,
)
from kg.schema import drop_word_joiners
from parser.bundle import load_bundle
from parser.config import ParserConfig
from parser.errors import ConfigError, InputError
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
_WORKERS = 2
_IN_FLIGHT = 4

_STAGES = ("match", "tag", "link", "intent", "expand")


@dataclass(frozen=True, slots=True)
class LinkCall:
    """One link call of a parse (:meth:`QueryParser.recording_links`): the words linked, the
    label they were linked with (None: any kind), the ``context`` passed (a
    :class:`kg.link.QueryContext`, or the query's text) and the :class:`kg.link.LinkResult`."""

    mention: str
    label: str | None
    context: Any
    result: Any


#: the :meth:`QueryParser.recording_links` blocks open in this context (thread, asyncio
#: task), outermost first: each the parser it records and the list its calls go to; empty:
#: none recorded
_LINK_RECORDER: ContextVar[tuple[tuple[Any, list[LinkCall]], ...]] = ContextVar(
    "kgqp_link_recorder", default=())


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
#: tagger labels of a title's or a product name's words: a negation cue in them is part of
#: the name ("without feathers" of a book title), no exclusion, unless the words after it are
#: a brand's very name ("not beats"): :meth:`QueryParser._names_an_excluded_thing`
_NAME_LABELS = frozenset({"content", "product_name"})
#: tagger labels of a brand's name: such a span that links nothing is a brand the KG does not
#: know, a colour word right before it a word of its name (``unknown_brands`` of
#: :func:`fusion.expand.expand`: "white rodgers thermostat")
_BRAND_LABELS = frozenset({"creator", "brand"})
#: words of a clause that may open a title's span before a cue and what it excludes ("that's
#: not a dell" in "laptop that's not a dell", tagged ``content``: :meth:`QueryParser.
#: _excluded_brands`): the expansion's cue words (:data:`fusion.expand.CUE_WORDS`: "not",
#: "isn't", "other than" ...), and those of the clause, of "anything but", of a list ("neither
#: x nor y") and between the cue and what it excludes ("not even", "not a", "not made by");
#: a title's own words there ("the not a cat cat") keep the span a title (:func:`_clause_words`)
_CLAUSE_OWN_WORDS = frozenset({
    "that", "which", "who", "is", "are", "was", "were", "that's", "thats", "it's", "its", "but",
    "and", "nor", "anything", "even", "a", "an", "made", "by"})


@functools.cache
def _clause_words() -> frozenset[str]:
    """:data:`_CLAUSE_OWN_WORDS` and the expansion's cue words, read when first needed:
    ``fusion.expand`` loads torch, which importing the parser must not."""
    from fusion.expand import CUE_WORDS

    return CUE_WORDS | _CLAUSE_OWN_WORDS


#: the label the words a span holds before a negation cue are linked under when they name
#: the product searched ("tv" of "tv not insignia": :meth:`QueryParser._searched_product`)
#: with the default label map, or a linker whose map names no product label
#: (:func:`_product_label`), and the node kinds such a product is
_PRODUCT_LABEL = "core_product_type"
_PRODUCT_KINDS = frozenset({"category", "product_type"})
#: the label a product span's words before its head are read under (:meth:`QueryParser.
#: _head_and_modifier`): what qualifies the product searched
_MODIFIER_LABEL = "modifier"
#: Words joining alternatives inside a span that links nothing ("tv vs lg"): its sides are
#: linked side by side (:meth:`QueryParser.link_entities`). The expansion's alternative words
#: but "nor", whose sides ("neither x nor y") are both excluded
_ALTERNATIVE_WORDS = frozenset({"or", "vs", "vs.", "versus"})
#: the apostrophe of a possessive, straight or curly ("mother's", "mothers'"):
#: :meth:`QueryParser._possessive_name`
_POSSESSIVE = re.compile(r"(?<=[^\W_])['\u2019](?=s\b)|(?<=[sS])['\u2019](?![^\W_])")
#: a span's words (compiled once: read for each span the tagger finds)
_SPAN_WORD = re.compile(r"\S+")
#: a trailing "brand"/"brands" after a span's words ("bose brand": :meth:`QueryParser.
#: _named_brand`)
_TRAILING_BRAND = re.compile(r"(?<=\S)\s+brands?\Z", re.IGNORECASE)


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


#: a word "non" hyphenated to the letters after it ("non-black"): the cue "non" and those
#: letters, as the expansion reads them (:data:`fusion.expand.words._NON_WORD`)
_HYPHENATED_NON = re.compile(r"non-(?=[^\W\d_])", re.IGNORECASE)


def _names_the_opposite(best: Any, words: str) -> bool:
    """Whether ``best``, the node the words ``words`` after a negation cue link to, is named
    by a negation cue the words do not say (:data:`fusion.expand.NEGATION_CUES`, a hyphen
    read as a space): its name is their opposite, no thing they exclude ("fit" of "watch not
    fit" linked the product type "Non-fit"; "not stick" would link "Non-Stick"). A name
    holding the words and others names the thing all the same ("without box spring":
    Mattresses & Box Springs)."""
    from fusion.expand import NEGATION_CUES

    name = getattr(best, "matched_alias", None) or getattr(best, "label", None) or ""
    said = set(re.findall(r"[^\W_]+", normalize_key(words)))
    return any(w in NEGATION_CUES and w not in said
               for w in re.findall(r"[^\W_]+", normalize_key(name)))


def _cue_is_compound_no(text: str, start: int, end: int, cue: str, kg: Any = None) -> bool:
    """Whether the negation cue ``cue`` opening the span ``text[start:end]`` is a "no" that
    qualifies the product after it, no exclusion ("dress no pink", "tv no samsung" exclude):
    opening the query ("no touch thermometer", "no drill curtain rod", "no slip socks"; not
    before a colour, "no black shirt": :func:`fusion.expand.colour_words`, but for a colour
    opening a name of the KG ``kg`` with the words after it, "no white noise machine":
    :func:`fusion.expand.colour_opens_a_name`), or
    after other words, the span's one or two words after it followed by the product ("no
    show" in "mens no show socks", "no sew" in "fleece no sew blanket kit":
    :func:`fusion.expand.compound_no_words`)."""
    if cue != "no":
        return False
    from fusion.expand import colour_opens_a_name, colour_words, compound_no_words

    if not text[:start].strip():  # (but before a colour: "no black shirt" excludes black)
        rest = text[start:end].split(maxsplit=1)[-1]
        return not colour_words(rest) or (kg is not None and colour_opens_a_name(
            kg, text, end - len(rest), end))
    return compound_no_words(text, start, end, kg) is not None


#: words of a category path that name no part of the catalogue ("Electronics Accessories",
#: "Pet Supplies", "More Categories"): :func:`_path_words`
_GENERIC_PATH_WORDS = frozenset({"accessories", "accessory", "supplies", "supply", "parts",
                                 "part", "items", "item", "other", "more", "categories",
                                 "category", "products", "product", "and", "the", "for",
                                 "of", "best", "buy", "outlet", "refurbished", "care",
                                 "equipment", "goods", "misc", "miscellaneous"})
_GENERIC_PATH_KEYS = frozenset(word_order(" ".join(sorted(_GENERIC_PATH_WORDS))))


def _path_words(path: str) -> frozenset[str]:
    """The words of a category path that say which part of the catalogue it is in,
    plural-folded as the linker folds them (:func:`kg.link.word_order`: "Computers & Tablets >
    Monitors": {"computer", "tablet", "monitor"}; "Storage Boxes" and "Box Files" share
    "box"), those of :data:`_GENERIC_PATH_WORDS` left out.

    >>> sorted(_path_words("Electronics > Electronics Accessories > Power"))
    ['electronic', 'power']
    """
    return frozenset(word_order(normalize_key(path))) - _GENERIC_PATH_KEYS


def _function_words_only(words: str) -> bool:
    """Whether ``words`` are function words only ("in", "at the": :data:`kg.link.
    FUNCTION_WORDS`): excluded, they would leave out every product whose text holds them."""
    return all(w in FUNCTION_WORDS for w in normalize_key(words).split())


def _a_compound_link(text: str, start: int, end: int, best: Any, kg: Any = None) -> bool:
    """Whether ``best``, the link of the span ``text[start:end]``, is the words after a "no"
    the span holds that qualifies the product after it (:func:`fusion.expand.
    compound_no_words`: "no iron" in "mens no iron dress shirts", "no iron shirts", read as
    the material Iron): a "no iron" shirt is none of iron, and excluding Iron left "no iron"
    shirts out. A KG name holding the "no" is linked as named. ``kg``: the KG a colour after
    the "no" may open a name of ("no white noise machine": no White)."""
    from fusion.expand import compound_no_words

    alias = getattr(best, "matched_alias", None) or getattr(best, "label", None) or ""
    return "no" not in normalize_key(alias).split() \
        and compound_no_words(text, start, end, kg) is not None


def _a_category_in_a_named_product(mention: str, best: Any) -> bool:
    """Whether ``best``, the link of a span ``mention`` the tagger read as a product's name
    (``product_name``) that opens with a negation cue, is a category named by the words after
    the cue, the cue no word of the name it matched: the product's own name holding a cue
    and a category's name ("Not a Perfume" in "juliette has a gun not a perfume travel
    spray" linked Perfume & Cologne, which the cue then excluded). A cue inside a product's
    name is none (:meth:`QueryParser._names_an_excluded_thing`: a product name's span
    excludes a brand's very name only)."""
    from fusion.expand import NEGATION_CUES

    words = normalize_key(mention).split()
    return len(words) >= 2 and words[0].strip(EDGE_MARKS) in NEGATION_CUES \
        and str(getattr(best.kind, "value", best.kind)) == "category" \
        and words[0].strip(EDGE_MARKS) not in normalize_key(
            getattr(best, "matched_alias", None) or "").split()


#: words that may stand between the product searched and a title's span a cue opens ("books
#: but not harry potter")
_BEFORE_EXCLUDED_TITLE = frozenset({"but", "and"})
#: tagger labels of the product a query searches, before a title's span a cue opens
#: ("vinyl" of "vinyl not taylor swift", "switch games" of "switch games no mario")
_SEARCHED_LABELS = frozenset({"core_product_type", "product_name"})


def _a_title_excluded_after_a_product(text: str, entity: ParsedEntity,
                                      entities: Sequence[ParsedEntity]) -> bool:
    """Whether ``entity``, a title's or a product name's span (``content``, ``product_name``)
    of the query ``text`` that opens with a negation cue and links nothing, is what the cue
    excludes of the product searched: the span right before it names a product (tagged
    ``core_product_type`` or ``product_name``, or linking a category or a product type:
    "vinyl" of "vinyl not taylor swift", "ps5 games" of "ps5 games not call of duty"), and the
    span ends the query, or a "," or a joiner follows it ("switch games no mario, zelda").
    The tagger reads "not taylor swift" as one title span, so the words excluded nothing
    (:func:`_words_no_cue_excludes`). A title holding a cue has nothing searched before it
    ("not another teen movie", "the world without you"), a maker before it ("woody allen
    without feathers") or the product after it ("juliette has a gun not a perfume travel
    spray"): none. Nor is a "no" whose words after it hold a function word or a possessive
    (:data:`kg.link.FUNCTION_WORDS`: "ps4 games no man's sky", "blu ray no time to die",
    "switch no more heroes"): a title that opens with "No", not what a "no" excludes ("switch
    games no mario")."""
    cue, *after = normalize_key(text[entity.start:entity.end]).split()
    if cue.strip(EDGE_MARKS) == "no" and any(
            w.strip(EDGE_MARKS) in FUNCTION_WORDS or _POSSESSIVE.search(w) for w in after):
        return False
    before = [e for e in entities if e.end <= entity.start]
    if not before:
        return False
    last = max(before, key=lambda e: e.end)
    if last.label not in _SEARCHED_LABELS and last.kg_kind not in _PRODUCT_KINDS:
        return False
    if any(w.strip(EDGE_MARKS) not in _BEFORE_EXCLUDED_TITLE
           for w in normalize_key(text[last.end:entity.start]).split()):
        return False  # (other words between: no product's; "books but not harry potter"
        #               holds a clause word only)
    rest = text[entity.end:]
    if not rest.strip() or rest.lstrip().startswith(","):
        return True
    # (a joiner after the span keeps it what the cue excludes: "vinyl not taylor swift or
    # adele"; the expansion's joiners, read here, not at import: fusion.expand loads torch)
    from fusion.expand.words import _JOINERS

    return normalize_key(rest.split(maxsplit=1)[0]).strip(EDGE_MARKS) in _JOINERS


def _words_no_cue_excludes(text: str, entity: ParsedEntity, kg: Any = None,
                           entities: Sequence[ParsedEntity] = ()) -> tuple[int, int] | None:
    """The words of ``entity``, a span of the query ``text`` that links nothing, after its
    first word, (start, end), where a negation cue is read as a word of a name that excludes
    nothing (:meth:`QueryParser._excluded_node`): in a title's or a product name's span
    (``content``, ``product_name``: "woody allen without feathers", "the world without you",
    "42 is not just a number"; were the words after the cue a brand's or a department's
    category's very name, the span would link it: "headphones not beats"), and after a "no"
    that qualifies the product after it (:func:`_cue_is_compound_no`: "no touch thermometer",
    "mens no show socks"; also a "no" inside the span, "clear no chip" in "clear no chip
    nail polish": the words after it; ``kg`` the KG a colour after a "no" opening the query
    may open a name of, "no white noise machine"); else None. The words a cue there precedes are no
    ``ParsedQuery.excluded`` words (``no_cues`` of :func:`fusion.expand.expand`); a title the
    query excludes, the cue before its span ("dvd not the godfather"), is one, and so is one
    whose span opens with the cue right after the product searched (``entities``, the query's
    spans: :func:`_a_title_excluded_after_a_product`, "vinyl not taylor swift")."""
    from fusion.expand import NEGATION_CUES, compound_no_words

    parts = text[entity.start:entity.end].split(maxsplit=1)
    if len(parts) < 2:
        return None
    if entity.kg_id is not None:  # (the span linked as a whole: "no iron" -> Iron)
        return compound_no_words(text, entity.start, entity.end, kg)
    cue = normalize_key(parts[0]).strip(EDGE_MARKS)
    if entity.label in _NAME_LABELS and cue in NEGATION_CUES \
            and _a_title_excluded_after_a_product(text, entity, entities):
        return compound_no_words(text, entity.start, entity.end, kg)
    if entity.label in _NAME_LABELS or (
            cue in NEGATION_CUES and _cue_is_compound_no(text, entity.start, entity.end, cue,
                                                        kg)):
        return entity.end - len(parts[1]), entity.end
    return compound_no_words(text, entity.start, entity.end, kg)


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


@functools.lru_cache(maxsize=256)
def _query_items(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...],
                                     frozenset[tuple[int, int]]]:
    """The words of the query ``text`` (their offsets), their plain forms and the items its
    negation cues exclude (:func:`fusion.expand.excluded_items`): read once per query, not per
    span (:meth:`QueryParser._excluded_member` asks for each span that links nothing)."""
    from fusion.expand import excluded_items

    every = tuple((m.start(), m.end()) for m in _SPAN_WORD.finditer(text))
    tokens = [normalize_key(text[a:b]) for a, b in every]
    plain_words = tuple(t.strip(EDGE_MARKS) for t in tokens)
    items = frozenset(excluded_items(
        list(plain_words), {i for i, t in enumerate(tokens) if t.endswith(",")}))
    return every, plain_words, items


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
            tagger's WordPiece vocabulary, when it has one (:meth:`_entity_linker`).

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
        """Build the KG's derived views (alias index, graph view) and run each model once, so
        that the first real query is as fast as the others."""
        t0 = time.perf_counter()
        self.kg.link("warmup", label=None)
        self("warm up query 1")
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
        that window (results still come out in input order): a batch of similar lengths pads
        less. ``sort_window=1`` batches in input order. With an ONNX tagger the model call of
        one batch runs in a worker thread, on a one-thread ONNX Runtime session, while this
        thread links, classifies and expands the batch before it, so model and Python work
        overlap on two cores. A query's result does not depend on its batch, and each batch
        reads one KG version, even when a commit lands while it runs. ``market``: parse with
        that market's tagger (:meth:`for_market`).

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

    def link_entity(self, text: str, entity: Entity, query: QueryContext | None = None
                    ) -> ParsedEntity:
        """Link one tagged span of the query ``text`` to the KG exactly as a parse does (this
        parser's linker settings; NIL gives a :class:`ParsedEntity` with ``kg_id=None``).
        ``query``: the query as the linker reads it (:meth:`_link_query`), which a parse
        makes once for all the query's spans; made here without one.

        Punctuation glued to the span's edges (quotes, brackets, commas, a full stop ...: see
        :func:`span_edges`) is no part of it: the entity's text and offsets, and its link, are
        those of the span without it (``"samsung`` -> ``samsung``, ``tv,`` -> ``tv``), unless
        the span as written is a KG name ("Dunkin'").

        A span that links nothing as tagged and opens with a compatibility cue ("for samsung"
        in "charger for samsung", tagged ``modifier``) links the brand of the device it names:
        see :meth:`_fitted_brand` (the entity keeps the tagger's label; its text and offsets
        become the brand's words). A span tagged as an audience (``department``: "gift for
        brother") names whom a thing is for, not a device.

        A span that links nothing as tagged and opens with a negation cue ("not headphones",
        "without freezer", "non samsung") links the words after the cue: see
        :meth:`_excluded_node` (the entity keeps the tagger's label, and its text and offsets
        keep the cue, which makes the node a DOWN boost).

        A span that links nothing as tagged and ends with the word "brand" or "brands" ("bose
        brand" in "bose brand headphones", tagged ``creator``: no KG name holds the word, so
        the query lost Bose) links the words before it as a brand (the linker's brand-only
        label, :func:`kg.link.brand_label`); the entity keeps the tagger's label, and its text
        and offsets become the brand's words.

        The linker reads a trademark sign or a control character as a space ("samsung™" links
        Samsung: :func:`parser.tagger.text.separators_to_spaces`); the entity's text is the
        query's own."""
        mention, start, end = entity.text, entity.start, entity.end
        plain = separators_to_spaces(text)  # (the same offsets as text)
        context = self._link_context(plain, query)
        if text[start:end] == mention:
            lead, trail = span_edges(mention)
            if (lead or trail) and not self._is_name(mention):
                start, end = start + lead, end - trail
                mention = text[start:end]
        # the linker's own label -> kinds map decides: labels mapped to no kind (price ...) come
        # back NIL; a label it does not know raises ValueError and is linked without a type
        # constraint only when link_labels_only is off
        linker = self._entity_linker()
        link = self._link_fn(linker)
        try:
            best = link(separators_to_spaces(mention), label=entity.label, context=context).best
        except ValueError:
            best = None if self.config.link_labels_only else \
                link(separators_to_spaces(mention), label=None, context=context).best
        if best is not None and text[start:end] == mention \
                and _a_compound_link(plain, start, end, best, getattr(self.expander, "kg", None)):
            best = None  # ("no iron" in "mens no iron dress shirts" is no Iron)
        if best is not None and entity.label == "product_name" \
                and _a_category_in_a_named_product(mention, best):
            best = None  # ("not a perfume": a fragrance's name, no Perfume & Cologne)
        if best is None and text[start:end] == mention:
            best = self._excluded_node(plain, start, end, entity.label, linker, context)
        if best is None and text[start:end] == mention \
                and LABEL_GROUPS.get(entity.label) != "audience":  # ("gift for brother")
            fitted = self._fitted_brand(plain, start, end, linker, context)
            if fitted is not None:
                best, start, end = fitted
                mention = text[start:end]
        if best is None and text[start:end] == mention:  # "bose brand", "samsung brand"
            named = self._named_brand(plain, start, end, linker, context)
            if named is not None:
                best, end = named
                mention = text[start:end]
        return _parsed(entity, mention, start, end, best)

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
          whose other words link as tagged to what the KG sells the brand as (:meth:`_makes`:
          a category of a department it sells in, or one named by their head word): the
          brand (linked with the linker's
          brand-only label, :func:`kg.link.brand_label`) and those words. No KG name holds
          both, so the query lost the brand. The longest such run first; it needs the linker
          the parse links with (:meth:`_entity_linker`), which knows the tagger's
          vocabulary.

        * a product span (a product type's label or ``product_name``) of two or more words
          that no KG name holds whole ("laptop ram", "skin toner"): its head, the longest run
          of its last words that links to a category the query's words support, and the
          words before it as a ``modifier``, or the whole span linked to the category below
          the head's that those words name ("laptop ram": Laptop Memory, below Memory (RAM)):
          :meth:`_head_and_modifier`. A head of every department ("car accessories"), one
          the query's words do not support ("christmas tree": Trees) or one a word found
          somewhere in a namesake's path points to ("work vest": no Bullet Proof Vests)
          links nothing; in a parse of the whole query (:meth:`_link_spans`), so does one
          the query's other links contradict (:meth:`_contradicted_heads`: "dslr body only
          dslr cameras" is no All DSLRs).

        ``query``: the query as the linker reads it (:meth:`_link_query`), made once for all
        the query's spans (here, without one)."""
        return self._link_entities(text, entity, query)[0]

    def _link_entities(self, text: str, entity: Entity, query: QueryContext | None = None
                       ) -> tuple[list[ParsedEntity], ParsedEntity | None]:
        """:meth:`link_entities`, and the span's own entity (linking nothing) where the parts
        are its head and modifier (:meth:`_head_and_modifier`), else None: what
        :meth:`_link_spans` goes back to when the query's other links contradict the head
        (:meth:`_contradicted_heads`)."""
        if query is None:
            query = self._link_query(separators_to_spaces(text))
        ent = self.link_entity(text, entity, query)
        if ent.kg_id is not None:
            return [ent], None
        words = [(ent.start + m.start(), ent.start + m.end())
                 for m in _SPAN_WORD.finditer(text[ent.start:ent.end])]
        cuts = [i for i, (a, b) in enumerate(words[1:-1], 1)
                if text[a:b].casefold() in _ALTERNATIVE_WORDS]
        if cuts:
            parts = [p for lo, hi in itertools.pairwise([-1, *cuts, len(words)]) if lo + 1 < hi
                     for p in self.link_entities(text, replace(
                         entity, text=text[words[lo + 1][0]:words[hi - 1][1]],
                         start=words[lo + 1][0], end=words[hi - 1][1]), query)]
            return (parts if any(p.kg_id is not None for p in parts) else [ent]), None
        split = self._excluded_brands(text, entity, words, query) \
            or self._excluded_member(text, entity, words, query) \
            or self._brand_and_rest(text, entity, words, query)
        if split:
            return split, None
        head = self._head_and_modifier(text, entity, words, query)
        return (head, ent) if head else ([ent], None)

    def _contradicted_heads(self, linked: Sequence[tuple[list[ParsedEntity], ParsedEntity | None]]
                            ) -> list[list[ParsedEntity]]:
        """The entities of each span of a query (``linked``: each span's entities and, where
        they are its head and modifier, its own entity, :meth:`_link_entities`), a head's span
        back to its own entity (linking nothing) where the query's other spans link a
        category or product type the head's link contradicts (:meth:`_contradicts`): the
        product the query names is then theirs, and the head only a wider or another kind.
        Best Buy's breadcrumb queries name a category and a kind or its parent beside it:
        "dslr body only dslr cameras" linked DSLR Body Only, and its "dslr cameras" All DSLRs
        beside it (a filter of Digital SLR Cameras, not DSLR Body Only); "ipod shuffle mp3
        nano shuffle" iPod shuffle and iPod nano; "video games xbx1 power" Video Games and
        Electronics' Power."""
        others = [[p.kg_id for p in parts if p.kg_id is not None and p.kg_kind in _PRODUCT_KINDS]
                  for parts, _ in linked]
        out = []
        for i, (parts, own) in enumerate(linked):
            if own is not None:
                heads = [p.kg_id for p in parts
                         if p.kg_id is not None and p.label != _MODIFIER_LABEL]
                if any(self._contradicts(h, o) for h in heads
                       for j, ids in enumerate(others) if j != i for o in ids):
                    parts = [own]
            out.append(parts)
        return out

    def _contradicts(self, node: str, other: str) -> bool:
        """Whether the link ``node`` of a product span's head contradicts another link
        ``other`` of its query (both categories or product types): neither is the other nor
        above it, and they are of no common department, or are kinds of one category (a
        common parent: iPod shuffle and iPod nano, DSLR Body Only and All DSLRs)."""
        if node == other:
            return False
        up, up_other = self._above(node), self._above(other)
        if other in up or node in up_other:
            return False
        mine, theirs = self._departments(node), self._departments(other)
        if mine and theirs and mine.isdisjoint(theirs):
            return True
        return not self._parents(node).isdisjoint(self._parents(other))

    def _parents(self, node: str) -> frozenset[str]:
        """The categories right above the category ``node``, or those a product type ``node``
        is filed in."""
        nxg = self.kg.to_networkx()
        if node not in nxg:
            return frozenset()
        return frozenset(t for _, t, r in nxg.out_edges(node, keys=True)
                         if r in ("parent", "in_category", "type_in"))

    def _above(self, node: str) -> frozenset[str]:
        """The categories above the node ``node``, every level (:meth:`_parents`)."""
        seen: set[str] = set()
        level = self._parents(node)
        while level:
            seen |= level
            level = frozenset(p for c in level for p in self._parents(c)) - seen
        return frozenset(seen)

    def _head_and_modifier(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                           query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The head of a product span of the words ``words`` (their offsets in ``text``) that
        links nothing as tagged (a product type's label, :data:`kg.link.LABEL_GROUPS` ``type``,
        or ``product_name``) and the words before it, two entities; or one entity of the whole
        span where a category below the head's names those words; None when no head links
        as below. No KG name holds the whole compound ("laptop ram", "skin toner"), so the
        query linked nothing and its intent, following the first word (Laptops), searched
        laptops for RAM.

        The head is the longest run of the span's last words (not opening with a function
        word) that links as tagged (:meth:`link_entity`) to a category or a product type,
        when the query's other words support the link (:meth:`_supported`: a content word of
        the query outside the head is a word of the node's path or of the names of the
        categories two levels below it; no word of :meth:`kg.link.EntityLinker.common_words`,
        "accessories", "kits", "cases"). Support from the names below alone (the query names
        a kind below the head's category) takes words before the head that are the very name
        of a category of its department (:meth:`_lead`: "juicer appliances"), else no head:
        "webcams pc cameras" searches no Cameras, "modems cable hardware" no Hardware. A
        one-word head whose link they do not support links the first of the KG's other
        categories it names (:meth:`kg.link.EntityLinker.namesakes`) that the words before it
        name as the kind it is (:meth:`_names_the_kind`: "skin" of Skin Care > Toners &
        Astringents, not "work" of Work Safety Protective Gear > Bullet Proof Vests), or that
        holds a category they name (:meth:`_named_below`): "toner" links the printer's Toner,
        "skin toner" Toners & Astringents (Skin Care); "ram" Google's RAM, "laptop ram" Best
        Buy's Memory (RAM). Where a category below the head's link is named by the words
        before it and the head's link's own words ("Laptop Memory" below Memory (RAM)), the
        whole span links it; not where that category is of another part of the head's
        link's name, or its name holds the head's word but heads another ("laser toner" is no
        Laser Printers below Printers, Ink & Toner). Else the words before the head are an
        entity of their own, a ``modifier`` (:meth:`_lead`). The query's other links may
        still undo it (:meth:`_contradicted_heads`).

        No head links a category whose name holds the head's word but heads another word
        (:meth:`_heads_another_word`: "knob lock" is no Vehicle Door Lock Knobs), nor one
        beside a category the query's other words name (:meth:`_names_a_sibling`: "radio
        replacement modules deck harness" is no search of Deck Harnesses).

        A generic head (a word of every department, a last word of :meth:`kg.link.
        EntityLinker.common_words`: "car accessories", "hitch kit"), a head the query's words
        do not support ("christmas tree": Trees are plants), words before the head that hold
        a negation cue, a fits word or a function word ("not skin toner", "toner for skin"),
        or a parse that links with ``kg.link`` (no :class:`kg.link.EntityLinker`): none."""
        linker = self._entity_linker()
        if not isinstance(linker, EntityLinker) or len(words) < 2 or not (
                entity.label == "product_name" or LABEL_GROUPS.get(entity.label) == "type"):
            return None
        # (deferred, as this module's other uses: importing fusion.expand loads torch)
        from fusion.expand import NEGATION_CUES

        plain = separators_to_spaces(text)
        keys = [normalize_key(plain[a:b]).strip(EDGE_MARKS) for a, b in words]
        common = linker.common_words()
        last = word_order(keys[-1])
        if not last or last[-1] in common:
            return None  # ("car accessories", "hitch kit": a word of every department)
        word = last[-1]  # (the head's word: the kind of product searched)
        for n in range(1, len(words)):  # (the longest head first)
            if any(w in FUNCTION_WORDS or w in NEGATION_CUES or w in FITS_WORDS or not w
                   for w in keys[:n]):
                return None  # (a cue or a function word: no compound "<modifier> <head>")
            if keys[n] in FUNCTION_WORDS:
                continue  # ("heating and cooling fan": no head "and cooling fan")
            start, end = words[n][0], words[-1][1]
            head = self.link_entity(text, replace(entity, text=text[start:end], start=start,
                                                  end=end), query)
            own = word_set(" ".join(keys[n:]))
            if head.kg_id is None or head.kg_kind not in _PRODUCT_KINDS \
                    or head.start != start or head.end != end \
                    or self._heads_another_word(head.kg_id, word, own):
                continue
            said = word_set(normalize_key(plain)) - own - common - FUNCTION_WORDS
            on_path = self._supported(linker, head.kg_id, said, below=False)
            below_only = not on_path and self._supported(linker, head.kg_id, said, below=True)
            if not on_path and not below_only:
                # (another category the head names, of a kind the words before it name, or
                # of which a category below is named by them: "ram" links Google's RAM,
                # "laptop ram" is Best Buy's Memory (RAM), which holds Laptop Memory)
                lead = word_set(" ".join(keys[:n])) - own - common - FUNCTION_WORDS
                other = next((c for c in linker.namesakes(head.kg_id, plain[start:end])
                              if self._named_below(c, keys[:n], word) is not None
                              or self._names_the_kind(linker, c, lead, own,
                                                      word_set(keys[n - 1]))),
                             None) if n == len(words) - 1 else None
                if other is None:
                    continue
                head = replace(head, kg_id=other, kg_kind="category", kg_label=str(
                    self.kg.to_networkx().nodes[other].get("label") or other))
            if self._names_a_sibling(linker, head.kg_id, said):
                continue  # ("radio replacement modules deck harness": no Deck Harnesses)
            a, b = words[0][0], words[n - 1][1]
            named = self._named_below(head.kg_id, keys[:n], word)
            if named is not None:  # ("laptop ram": Memory (RAM) > Laptop Memory)
                return [replace(head, text=text[a:end], start=a, kg_id=named,
                                kg_label=str(self.kg.to_networkx().nodes[named].get("label")))]
            lead_entity = self._lead(text, entity, a, b, head.kg_id, query)
            if below_only and lead_entity.kg_id is None:
                # (the query's words name only a kind below the head's category, which the
                # words before it are not the name of: "webcams pc cameras" is no search of
                # all Cameras, "modems cable hardware" none of all Hardware)
                continue
            return [lead_entity, head]
        return None

    def _names_the_kind(self, linker: EntityLinker, node: str, lead: frozenset[str],
                        own: frozenset[str], last: frozenset[str]) -> bool:
        """Whether the content words ``lead`` of a product span before its head (of the words
        ``own``) name the namesake ``node`` of the head's link as the kind it is
        (:meth:`_head_and_modifier`): the part of its name the head heads (its name split at
        "&", ",", "/", "and": :data:`kg.link.NAME_PARTS`) holds the last of them, ``last``,
        the word right before the head ("license" of Vehicle License Plates, "hose" of
        Garden Hose Spray Nozzles; no "motor" of "motor shaft adapter": Motor Vehicle
        Cassette Adapters), or holds no word but the head's and theirs while they name a
        category above it, no department (its name's words, less :meth:`kg.link.
        EntityLinker.common_words`: "skin" of Skin Care > Toners & Astringents, "hair" of
        Hair Care > ... > Combs & Brushes; no "garden" of Home & Garden > ... > Shoe Care &
        Tools). One of their words found somewhere in its path is no evidence: "work" of
        Work Safety Protective Gear > Bullet Proof Vests (a kind the query does not say),
        "power" of Camera Batteries & Power > Camera Chargers & Adapters, "car" of Car Audio
        Installation Parts > Antennas & Adapters, "pc" of PC Gaming > Virtual Reality-Ready
        Components."""
        name = normalize_key(str(self.kg.to_networkx().nodes[node].get("label") or ""))
        parts = [w for part in NAME_PARTS.split(name) if not (w := word_set(part)).isdisjoint(own)]
        if not parts:
            return False
        kind = parts[0] - own
        if not kind.isdisjoint(lead & last):
            return True
        if kind - lead:
            return False
        nxg, common = self.kg.to_networkx(), linker.common_words()
        path = str(nxg.nodes[node].get("path") or "")
        above = {str(nxg.nodes[c].get("label") or "") for c in self._above(node)
                 if nxg.nodes[c].get("path") and ">" in str(nxg.nodes[c].get("path"))} \
            | {seg.strip() for seg in path.split(">")[1:-1]}
        return any((w := word_set(normalize_key(name)) - common) and w <= lead
                   for name in above)

    def _lead(self, text: str, entity: Entity, start: int, end: int, head: str,
              query: QueryContext | None) -> ParsedEntity:
        """The entity of the words ``text[start:end]`` a product span holds before its head
        (:meth:`_head_and_modifier`), labelled ``modifier``: linked to the category or product
        type they are the very name of (an exact or alias match of their words in order,
        read as a modifier) when it shares a department with the head's link ``head``
        ("cell phones" of "cell phones signal boosters"); else unlinked ("power" of "mini
        power washer" is no Power supply, "laptop" of "laptop ram" no laptop searched)."""
        linker = self._entity_linker()
        plain = separators_to_spaces(text)
        mention = plain[start:end]
        best = self._link_fn(linker)(mention, label=_MODIFIER_LABEL,
                                     context=self._link_context(plain, query)).best
        if best is not None and not (
                best.match_type in ("exact", "alias")
                and str(getattr(best.kind, "value", best.kind)) in _PRODUCT_KINDS
                and word_order(normalize_key(mention)) == word_order(
                    normalize_key(best.matched_alias))
                and not self._departments(best.iri).isdisjoint(self._departments(head))):
            best = None
        return _parsed(replace(entity, label=_MODIFIER_LABEL), text[start:end], start, end,
                       best)

    def _departments(self, node: str) -> frozenset[str]:
        """The departments (the first category of the path) of the category ``node``, or of
        the categories a product type ``node`` is filed in."""
        nxg = self.kg.to_networkx()
        if node not in nxg:
            return frozenset()
        cats = [node] if nxg.nodes[node].get("path") else [
            t for _, t, r in nxg.out_edges(node, keys=True) if r in ("in_category", "type_in")]
        return frozenset(d for c in cats if (d := self._department(c)) is not None)

    def _named_below(self, node: str, lead: Sequence[str], head: str = "") -> str | None:
        """The category one or two levels below the category ``node`` whose name's content
        words are the words ``lead`` (less function words and words of every department) and
        words of ``node``'s own name, when there is exactly one nearest such category
        ("laptop" below Memory (RAM): Laptop Memory); else None.

        With the span's head word ``head`` (plural-folded), no category whose name holds a
        word of another part of ``node``'s name (:data:`kg.link.NAME_PARTS`) than the part
        that holds ``head``: the whole span names a kind of the head's product, not of
        another product ``node`` names beside it ("laser toner": no Laser Printers, of the
        part "Printers" of "Printers, Ink & Toner", not of its "Toner"; "marine" before
        "powersports" names no Marine Audio below Marine & Powersports; "laptop ram": Laptop
        Memory, of "Memory (RAM)"'s one part; "dslr cameras": All DSLRs below Cameras), and
        none whose name holds ``head`` but heads another word (:meth:`_heads_another_word`:
        "door knob lock" is no Vehicle Door Lock Knobs below Vehicle Door Locks & Parts)."""
        nxg = self.kg.to_networkx()
        if node not in nxg:
            return None
        linker = self._entity_linker()
        common = linker.common_words() if isinstance(linker, EntityLinker) \
            else frozenset()
        mine = word_set(" ".join(lead)) - FUNCTION_WORDS - common
        if not mine:
            return None  # ("accessories keyboards": a word of every department names none)
        name = normalize_key(str(nxg.nodes[node].get("label") or ""))
        own = word_set(name)
        parts = [word_set(part) for part in NAME_PARTS.split(name)]
        kind = frozenset().union(*(w for w in parts if head in w))
        others = frozenset().union(*parts) - kind if kind else frozenset()
        level, found = [node], []
        for _ in range(2):
            level = [s for c in level for s, _, r in nxg.in_edges(c, keys=True)
                     if r == "parent"]
            found += [c for c in level
                      if (w := word_set(normalize_key(str(nxg.nodes[c].get("label") or ""))))
                      and mine <= w and w <= mine | own
                      and w.isdisjoint(others)
                      and not (head and self._heads_another_word(c, head))]
            if found:
                break
        return min(found) if len(found) == 1 else None

    def _heads_another_word(self, node: str, word: str,
                            said: frozenset[str] = frozenset()) -> bool:
        """Whether the name of the category ``node`` a product span's head linked holds the
        head's word ``word`` (plural-folded) but heads none of its parts with it
        (:func:`kg.link.name_heads`), and the words ``said`` (the head's) do not hold all
        its words: the category is another kind of product, one the head's word only
        qualifies ("door knob lock": Vehicle Door Lock Knobs are knobs; in Best Buy's
        breadcrumb "speakers subwoofer", Subwoofer Speakers are narrower than the Speakers
        searched). A name the head says whole, in another order, is none (Best Buy's
        breadcrumb "marine audio powersports": "audio powersports" names Powersports Audio),
        nor is one that holds no such word (an alias link), nor a product type's (Best Buy's
        "Vzw iphone handset", "Disc chargers opp" are no kinds named by their last word)."""
        nxg = self.kg.to_networkx()
        if node not in nxg or nxg.nodes[node].get("kind") != "category":
            return False
        name = normalize_key(str(nxg.nodes[node].get("label") or ""))
        words = word_set(name)
        return word in words and word not in name_heads(name) and not words <= said

    def _names_a_sibling(self, linker: EntityLinker, node: str, said: frozenset[str]) -> bool:
        """Whether the query's content words outside a product span's head (``said``) name a
        sibling of the head's link ``node`` or of a category above it (a category or product
        type right under one of their parents, :meth:`_parents`; none above ``node``): the
        content words of its name that ``node``'s name lacks (less :meth:`kg.link.
        EntityLinker.common_words`), two or more, are all words the query says. Best Buy's
        breadcrumb queries name a category before a word of another: "radio replacement
        modules deck harness" is a search of Radio Replacement Modules, not of their sibling
        Deck Harnesses; "amp installation parts deck harness" one of Amp Installation Parts
        (> Amp Installation Kits), beside Deck Installation Parts > Deck Harnesses. One such
        word is no evidence: "projector mounts tv mounts" is a search of Projector Mounts,
        though "tv" names their cousin TV Mounts; "marine audio powersports" one of
        Powersports Audio, beside Marine Audio. A category above the head's link ("cell
        phones" of "cell phones signal boosters") is none: the head names a kind of it."""
        nxg = self.kg.to_networkx()
        if node not in nxg:
            return False
        common = linker.common_words()
        mine = word_set(normalize_key(str(nxg.nodes[node].get("label") or "")))
        above = self._above(node)
        parents = frozenset().union(self._parents(node), *(self._parents(c) for c in above))
        for parent in sorted(parents):
            for other, _, rel in nxg.in_edges(parent, keys=True):
                if other == node or other in above \
                        or rel not in ("parent", "in_category", "type_in") \
                        or nxg.nodes[other].get("kind") not in _PRODUCT_KINDS:
                    continue
                words = word_set(normalize_key(str(nxg.nodes[other].get("label") or ""))) \
                    - common - FUNCTION_WORDS - mine
                if len(words) >= 2 and words <= said:
                    return True
        return False

    def _supported(self, linker: EntityLinker, node: str, said: frozenset[str], *,
                   below: bool) -> bool:
        """Whether one of the words ``said`` (content words, plural-folded: :func:`kg.link.
        word_set`) is a word of the path of the node ``node`` (of a product type: of the
        categories it is filed in), or, with ``below``, of the names of the categories two
        levels below it (:meth:`kg.link.EntityLinker.below_words`)."""
        nxg = self.kg.to_networkx()
        if node not in nxg:
            return False
        path = nxg.nodes[node].get("path")
        paths = [path] if path else [
            nxg.nodes[t].get("path") for _, t, r in nxg.out_edges(node, keys=True)
            if r in ("in_category", "type_in") and nxg.nodes[t].get("path")]
        words = set().union(*(word_set(normalize_key(p)) for p in paths))
        if below and path:
            words |= linker.below_words(node)
        return not words.isdisjoint(said)

    def _excluded_brands(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                         query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The brands a negation cue inside a span of the words ``words`` (their offsets in
        ``text``) that links nothing excludes, each an entity of its own (its words' text and
        offsets, the tagger's label and score), when the words after the cue are a brand's
        very name (an exact or alias match, the linker's brand-only label): "that is not dell",
        "not made by sony", "excluding samsung and lg", "not lg, not sony", "not beats, not"
        (:func:`fusion.expand.excluded_items`). The tagger took the cue and the words before
        it into the span, which then linked nothing: no DOWN boost, and the excluded words
        had no ``kg_id``. The expansion reads the cue before each brand's words (:func:`fusion.
        expand._negated`). None when no such brand is named.

        The span's words before the cue and its clause ("tv" of "tv not insignia", which the
        tagger took as one ``content`` span, the whole query), when they are the very name
        of a category or a product type (an exact or alias match, read as the searched
        product: the linker's product label, ``core_product_type`` by default), are an entity
        of their own too, the product
        searched: the query keeps its product link and filter beside the excluded brand.
        In a title's or a product name's span (``content``, ``product_name``) other words
        before the cue ("the not a cat cat", "are we not cats"), or, where the span is the
        whole query, none ("the world without you", "not the godfather"), make it a title:
        no brand excluded. In such a span whose words before the cue are the product
        searched and whose words after it name no brand ("books not harry potter"), those
        after it are a title it excludes: the product's entity and one of the rest from the
        cue on, linking nothing (:func:`_a_title_excluded_after_a_product`)."""
        linker = self._entity_linker()
        label = _brand_label(linker)
        if label is None or len(words) < 2:
            return None
        from fusion.expand import NEGATION_CUES, excluded_items, free_from_words

        tokens = [normalize_key(text[a:b]) for a, b in words]
        plain_words = [t.strip(EDGE_MARKS) for t in tokens]
        items = excluded_items(plain_words,
                               {i for i, t in enumerate(tokens) if t.endswith(",")},
                               after=bool(text[:words[0][0]].strip()))
        if not items:
            return None
        plain = separators_to_spaces(text)
        context = self._link_context(plain, query)
        # the words before the cue and its clause: the product searched ("tv not insignia")
        lead = items[0][0]
        while lead > 0 and plain_words[lead - 1] in _clause_words():
            lead -= 1
        product = self._searched_product(text, entity, words[:lead], context) if lead else None
        # (the cue itself, past the clause words before it: "books but not harry potter")
        cue_at = next((i for i in range(lead, items[0][0]) if plain_words[i] in NEGATION_CUES),
                      lead)
        whole = not (text[:words[0][0]] + text[words[-1][1]:]).strip()
        if entity.label in _NAME_LABELS and product is None and (whole or lead):
            return None  # (a title's span, the whole query: "the world without you"; a
            #              title's words before the cue: "the not a cat cat")
        link = self._link_fn(linker)
        out = []
        for a, b in items:
            start, end = words[a][0], words[b - 1][1]
            lead, trail = span_edges(text[start:end])
            start, end = start + lead, end - trail
            if start >= end or free_from_words(plain[start:end]):
                continue  # (what the products are free of: "tea that has no caffeine")
            best = link(plain[start:end], label=label, context=context).best
            if best is None or best.match_type not in ("exact", "alias") \
                    or word_order(normalize_key(plain[start:end])) != word_order(
                        normalize_key(best.matched_alias)):
                continue
            out.append(_parsed(entity, text[start:end], start, end, best))
        if not out and product is not None and entity.label in _NAME_LABELS \
                and plain_words[cue_at] in NEGATION_CUES:
            # (no brand after the cue: the product searched, and the rest of the span from
            # the cue, a title it excludes, "books not harry potter":
            # :func:`_a_title_excluded_after_a_product`)
            start = words[cue_at][0]
            return [product, _parsed(entity, text[start:words[-1][1]], start,
                                     words[-1][1], None)]
        return [product, *out] if out and product is not None else out or None

    def _searched_product(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                          context: str | QueryContext) -> ParsedEntity | None:
        """The entity of the words ``words`` (their offsets in ``text``) that a span holds
        before a negation cue, when they are the very name of a category or a product type
        (an exact or alias match, read under the linker's product label,
        :func:`_product_label`: ``core_product_type`` by default): the product the query
        searches ("tv" of "tv not insignia"); else None."""
        start, end = words[0][0], words[-1][1]
        lead, trail = span_edges(text[start:end])
        start, end = start + lead, end - trail
        mention = separators_to_spaces(text)[start:end]
        if start >= end or _function_words_only(mention):
            return None
        linker = self._entity_linker()
        link = self._link_fn(linker)
        label = _product_label(linker)
        try:
            best = link(mention, label=label, context=context).best
        except ValueError:  # (a linker without the label)
            return None
        if best is None or best.match_type not in ("exact", "alias") \
                or str(getattr(best.kind, "value", best.kind)) not in _PRODUCT_KINDS \
                or word_order(normalize_key(mention)) != word_order(
                    normalize_key(best.matched_alias)):
            return None
        return _parsed(replace(entity, label=label), text[start:end], start, end, best)

    def _excluded_member(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                         query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The brand a span of the words ``words`` (their offsets in ``text``) that links
        nothing names, when its words are the whole of an item a negation cue before the span
        excludes (:func:`fusion.expand.excluded_items`: "lg" of "monitor not samsung or lg",
        "hp" of "laptop not dell or hp", tagged ``modifier``, a label that links no brand)
        and a brand's very name (an exact or alias match, the linker's brand-only label):
        one entity, the tagger's label kept. No cue of a "no" opening the query or
        qualifying the product after it ("no show socks": :func:`_cue_is_compound_no`)."""
        linker = self._entity_linker()
        label = _brand_label(linker)
        if label is None or not words:
            return None
        from fusion.expand import NEGATION_CUES

        every, plain_words, items = _query_items(text)
        try:
            first, last = every.index(words[0]), every.index(words[-1])
        except ValueError:  # (the span is no run of the query's words)
            return None
        if (first, last + 1) not in items:
            return None
        cue = next((j for j in range(first - 1, -1, -1) if plain_words[j] in NEGATION_CUES),
                   None)
        plain = separators_to_spaces(text)
        if cue is not None and _cue_is_compound_no(plain, every[cue][0], words[-1][1],
                                                   plain_words[cue]):
            return None  # ("no" opening the query or qualifying a product: a compound)
        start, end = words[0][0], words[-1][1]
        lead, trail = span_edges(text[start:end])
        start, end = start + lead, end - trail
        if start >= end:
            return None
        link = self._link_fn(linker)
        best = link(plain[start:end], label=label,
                    context=self._link_context(plain, query)).best
        if best is None or best.match_type not in ("exact", "alias") \
                or word_order(normalize_key(plain[start:end])) != word_order(
                    normalize_key(best.matched_alias)):
            return None
        return [_parsed(entity, text[start:end], start, end, best)]

    def _link_query(self, plain: str) -> QueryContext | None:
        """The query ``plain`` (a trademark sign or a control character a space:
        :func:`parser.tagger.text.separators_to_spaces`) as the linker reads it, once for the
        link calls of all its spans (:class:`kg.link.QueryContext`); None when the parse links
        with another kind of linker (:meth:`_entity_linker`), which is told the text. (The
        KG's own linker, without one, reads a context as an :class:`kg.link.EntityLinker`.)"""
        linker = self._entity_linker()
        return QueryContext.of(plain) if linker is None or isinstance(linker, EntityLinker) \
            else None

    def _link_context(self, plain: str, query: QueryContext | None) -> str | QueryContext:
        """The ``context`` the link calls of a span of the query ``plain`` pass: its
        :class:`kg.link.QueryContext` ``query`` (made here without one, or one of another
        text), or the text for another kind of linker."""
        if query is None or query.text != plain:
            query = self._link_query(plain)
        return query if query is not None else plain

    def _brand_and_rest(self, text: str, entity: Entity, words: Sequence[tuple[int, int]],
                        query: QueryContext | None = None) -> list[ParsedEntity] | None:
        """The brand a span of the words ``words`` (their offsets in ``text``) that links
        nothing opens with and the rest of it, two entities, when both link (see
        :meth:`link_entities`); else None."""
        linker = self._entity_linker()
        label = _brand_label(linker)
        if linker is None or label is None or len(words) < 2:
            return None
        plain = separators_to_spaces(text)
        context = self._link_context(plain, query)
        for n in range(min(len(words) - 1, 4), 0, -1):
            a, b = words[0][0], words[n - 1][1]
            if not linker.names_only_a_brand(plain[a:b]):
                continue
            brand = self._link_fn(linker)(plain[a:b], label=label, context=context).best
            if brand is None:
                continue
            start, end = words[n][0], words[-1][1]
            rest = self.link_entity(text, replace(entity, text=text[start:end], start=start,
                                                  end=end), query)
            if rest.kg_id is not None and self._makes(brand.iri, rest.kg_id, plain[start:end]):
                return [_parsed(entity, text[a:b], a, b, brand), rest]
        return None

    def _makes(self, brand: str, node: str, rest: str) -> bool:
        """Whether the KG sells the brand ``brand`` what the words ``rest`` after its name
        name (linked to ``node``): in the department (the first category of the path) of the
        category ``node`` ("whirlpool refrigerator"), or in a category whose name is headed by
        the head word of ``rest`` ("whirlpool washer": Washers & Dryers; "washer" links
        Google's hardware Washers, the KG's only node of that name). A brand's name opening a
        span is the maker of what the rest names where it makes such things; brand names
        from name lists are words too, which the KG sells nothing under or nothing like:
        split off, "keto coffee" gave the brand Keto, "caffeine tablet" the brand caffeine
        (sold in bowls) and computer tablets, "polaroid camera" the brand Polaroid (right,
        but the KG cannot tell it from those)."""
        nodes = self.kg.to_networkx().nodes

        dept, heads = self._department(node), name_heads(normalize_key(rest))
        return any((dept is not None and self._department(c) == dept) or not heads.isdisjoint(
            name_heads(normalize_key(str(nodes[c].get("label") or ""))))
            for c in brand_categories(self.kg, brand, spelled_alike=True)  # (the expansion's)
            if c in nodes)

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
        token = _LINK_RECORDER.set((*_LINK_RECORDER.get(), (self, calls)))
        try:
            yield calls
        finally:
            _LINK_RECORDER.reset(token)

    def _link_fn(self, linker: EntityLinker | None) -> Any:
        """The link function a stage links with: ``linker.link`` (else the KG's), recording
        its calls to the innermost :meth:`recording_links` block open in this context for this
        parser or, of a market parser, for its parent (one ``ContextVar.get`` per stage
        otherwise)."""
        link = linker.link if linker is not None else self.kg.link
        blocks = _LINK_RECORDER.get()
        if not blocks:
            return link
        parent = getattr(self, "_recorded_as", self)
        calls = next((c for p, c in reversed(blocks) if p is self or p is parent), None)
        if calls is None:
            return link

        def recorded(mention: str, label: str | None = None, context: Any = None) -> Any:
            result = link(mention, label=label, context=context)
            calls.append(LinkCall(mention, label, context, result))
            return result

        return recorded

    @property
    def entity_linker(self) -> EntityLinker | None:
        """The linker a parse links with (:meth:`_entity_linker`): :attr:`linker` or the KG's
        default one, told the tagger's WordPiece vocabulary; None when the parse links with
        ``kg.link``. What the notebook's views read candidates from, so that they show the
        parse's links."""
        return self._entity_linker()

    def _entity_linker(self) -> EntityLinker | None:
        """The linker parses link with: :attr:`linker` (a bundle's settings) or the KG's
        default one, told the tagger's WordPiece vocabulary (``vocab.txt`` in a WordPiece
        tagger's folder) unless its settings name one, so that a word of the vocabulary is no
        typo of a KG name ("lightning" is no "Lighting": :attr:`kg.link.LinkerConfig.
        word_pieces`), and, with an intent model, its label space (of the categories of one
        name that the query does not tell apart, the one in it is the link:
        :attr:`kg.link.EntityLinker.label_space`); None: link with ``kg.link`` (no settings,
        no vocabulary, no intent model)."""
        cached = getattr(self, "_links_with", None)
        if cached is not None and cached[0] is self.linker and cached[1] is self.kg \
                and cached[3] is self.fusion:  # (a KG commit keeps the model's label space)
            return cached[2]
        space = self._label_space
        linker = self.linker
        folder = getattr(self.tagger, "path", None)
        model = getattr(getattr(self.tagger, "tokenizer", None), "model", None)
        vocab = Path(folder) / "vocab.txt" if folder is not None else None
        # (a linker of another kind, e.g. a test's, is used as it is)
        if vocab is not None and type(model).__name__ == "WordPiece" and vocab.is_file() \
                and (linker is None or (isinstance(linker, EntityLinker)
                                        and linker.config.word_pieces is None)):
            config = linker.config if linker is not None else LinkerConfig()
            linker = EntityLinker(self.kg, replace(config, word_pieces=str(vocab)))
        if space is not None and (linker is None or (isinstance(linker, EntityLinker)
                                                     and linker.label_space is None)):
            # of the categories of one name the query does not tell apart, the one the intent
            # model knows: a catalogue's own "Pressure Cookers" does not displace the store's
            linker = EntityLinker(self.kg, linker.config if linker is not None else None,
                                  label_space=functools.partial(_path_in_label_space, space))
        self._links_with = (self.linker, self.kg, linker, self.fusion)
        return linker

    def _fitted_brand(self, text: str, start: int, end: int, linker: EntityLinker | None,
                      context: str | QueryContext | None = None
                      ) -> tuple[Any, int, int] | None:
        """The brand named after a compatibility cue opening the span ``text[start:end]``
        ("for canon", "compatible with my lg", "for dell laptop"), with the offsets of its
        words, or None. The tagger often labels such a span ``modifier``, a label that never
        links to a brand, so "charger for samsung" lost Samsung. The words after the cue (the
        longest run of up to four from the first that links) are linked as a brand (the
        linker's brand-only label, :func:`kg.link.brand_label`). A second guess at a span the
        tagger did not read as a brand, it takes only a brand's own name as written (case
        aside: no alias, plural or typo: "for home" is no "@home", "for cats" no "CAT") and a
        brand the KG knows something under (an edge or a popularity: prior above 0; not a
        name list's "Kids" in "apron for kids"). The entity then spans the brand's words, so
        the expansion reads the cue before them: the device an accessory fits, an UP boost,
        not a brand filter. ``context``: the query as the link calls pass it (default
        ``text``)."""
        span = text[start:end]
        cut = fits_cue_end(span)
        label = _brand_label(linker)
        if not cut or label is None:
            return None
        link = self._link_fn(linker)
        words = [(start + cut + m.start(), start + cut + m.end())
                 for m in _SPAN_WORD.finditer(span[cut:])][:4]
        for n in range(len(words), 0, -1):
            a, b = words[0][0], words[n - 1][1]
            best = link(text[a:b], label=label, context=text if context is None else context
                        ).best
            if best is not None and best.match_type == "exact" and best.prior > 0:
                return best, a, b
        return None

    def _named_brand(self, text: str, start: int, end: int, linker: EntityLinker | None,
                     context: str | QueryContext | None = None) -> tuple[Any, int] | None:
        """The brand named by the words before a trailing "brand"/"brands" of the span
        ``text[start:end]`` ("bose brand" in "bose brand headphones": no KG name holds the
        word), linked with the linker's brand-only label, and where those words end; or
        None. ``context``: the query as the link calls pass it (default ``text``)."""
        named = _TRAILING_BRAND.search(text[start:end])
        label = _brand_label(linker)
        if named is None or label is None:
            return None
        link = self._link_fn(linker)
        best = link(text[start:start + named.start()], label=label,
                    context=text if context is None else context).best
        return (best, start + named.start()) if best is not None else None

    def _excluded_node(self, text: str, start: int, end: int, label: str,
                       linker: EntityLinker | None,
                       context: str | QueryContext | None = None) -> Any | None:
        """The node the words after a negation cue opening the span ``text[start:end]`` name
        ("not gaming", "without freezer", "non samsung"), or None. The tagger often takes the
        cue into the span and labels it ``condition`` (QueryNER's label of "without X", which
        links nothing) or ``modifier`` (which links no brand and rarely a category: "not
        headphones" linked nothing), so the exclusion was lost: no DOWN boost, and the intent
        and expansions could follow the excluded word. The label is that of the whole phrase,
        not of the words excluded, so they are linked with the tagger's label, then, when that
        links nothing, without a type constraint (``label=None``: the linker's best reading).
        In a title or product name (``content``, ``product_name``: "woody allen without
        feathers") only the very name of a brand or of a category of a department the rest of
        the query names ("headphones not beats", tagged ``content``:
        :meth:`_names_an_excluded_thing`); never for a "no" that opens the query, a compound
        qualifying what follows ("no touch thermometer", "no slip socks"; "dress no pink"
        excludes).
        The cue words are the expansion's (:data:`fusion.expand.NEGATION_CUES`): "non" only
        before a brand or a colour, as there ("non stick" is a kind of pan; "non black shirt":
        :func:`fusion.expand.colour_words`); a "non" hyphenated to the word after it is the same
        cue ("shirt non-black" as "shirt non black"). A node named by a cue the words do not say
        is none of theirs (:func:`_names_the_opposite`: "not fit" is no "Non-fit"). (One letter
        after the cue, "not w", links as it does: the expansion excludes it with no DOWN boost
        and no ``kg_id`` on its excluded words, :func:`fusion.expand.exclusions._too_bare`.) The
        entity keeps the span, cue included, so the expansion reads the cue as the span's first
        word: a DOWN boost, never a filter or an expansion
        (:func:`fusion.expand.negation._negated`).
        ``context``: the query as the link calls pass it (default ``text``).

        A span that is a KG name holding the cue once its possessives are written without the
        apostrophe ("not your mother's": the brand "not your mothers") links that name: a cue
        inside a name is none (:meth:`_possessive_name`). Words naming what the products
        wanted are free of ("no caffeine", "non gmo", "without additives":
        :func:`fusion.expand.free_from_words`) link nothing: no brand "caffeine" or category
        Bath Additives to demote (the parse's ``excluded`` words mark them ``free_from``)."""
        span = text[start:end]
        parts = span.split(maxsplit=1)
        if len(parts) == 1 and _HYPHENATED_NON.match(span):
            parts = ["non", span[4:]]  # ("shirt non-black": "non black", one word typed)
        if len(parts) < 2:
            return None
        from fusion.expand import (
            NEGATION_CUES,
            VALUE_NEGATION_CUES,
            colour_words,
            free_from_words,
        )

        cue = normalize_key(parts[0]).strip(EDGE_MARKS)
        if cue not in NEGATION_CUES:
            return None
        named = self._possessive_name(span, cue, label, linker, context)
        if named is not None:
            return named  # ("not your mother's": the brand "not your mothers", no cue)
        # a "no" opening the query before words that are a brand's very name and mean the
        # brand excludes it ("no samsung tv", as "not samsung tv" and "tv no samsung")
        opening = cue == "no" and not text[:start].strip()
        compound = _cue_is_compound_no(text, start, end, cue, getattr(self.expander, "kg", None))
        if compound and not opening:
            return None  # a compound qualifies the product after it: "no touch thermometer",
            #              "no slip socks", "kids no slip socks"
        if free_from_words(parts[1]):
            return None  # "tea no caffeine", "non gmo snacks": a claim, no node to demote
        link = self._link_fn(linker)
        for reading in dict.fromkeys((label, None)):
            try:
                best = link(parts[1], label=reading,
                            context=text if context is None else context).best
            except ValueError:  # a label the linker does not know: read without one
                continue
            if compound and (best is None or not self._opens_with_a_brand(
                    text, start, end, parts[1], best)):
                continue  # (a compound: "no touch thermometer", "no slip socks")
            if best is not None and _names_the_opposite(best, parts[1]):
                continue  # ("watch not fit": the product type "Non-fit", its opposite)
            if best is not None and (cue in VALUE_NEGATION_CUES or str(
                    getattr(best.kind, "value", best.kind)) == "brand"  # (not "non stick";
                    or colour_words(parts[1])):  # "non" before a colour: "non black shirt")
                if label in _NAME_LABELS and not self._names_an_excluded_thing(
                        text, start, end, parts[1], best, label):
                    return None  # (a title's words: "woody allen without feathers"; a
                    #              product's name, "juliette has a gun not a perfume")
                if str(getattr(best.kind, "value", best.kind)) == "category" \
                        and not self._of_the_query(text, start, end, best.iri):
                    return None  # ("frame hangers without nails": no makeup Nails)
                return best
        return None

    def _opens_with_a_brand(self, text: str, start: int, end: int, words: str,
                            best: Any) -> bool:
        """Whether ``words``, after a "no" opening the query in the span ``text[start:end]``
        ("no samsung"), are the very name of the brand ``best`` they link to and mean it
        (:meth:`_means_the_brand`: a name that is no word of the language, a brand the KG
        sells something under; not "no slip", "no show"): the "no" excludes the brand ("no
        samsung tv": a TV, not Samsung's), no compound."""
        if str(getattr(best.kind, "value", best.kind)) != "brand" \
                or not self._names_an_excluded_thing(text, start, end, words, best):
            return False
        at = end - len(words)
        return self._means_the_brand(separators_to_spaces(text), best.iri, at, end, [])

    def _names_an_excluded_thing(self, text: str, start: int, end: int, words: str,
                                 best: Any, label: str | None = None) -> bool:
        """Whether ``words``, after a negation cue opening a title's or a product name's span
        ``text[start:end]`` (``content``, ``product_name``), exclude the node ``best`` they
        link to rather than continue a title: they are that node's very name (plural/singular
        aside: no typo, no longer name holding them), and the node is a brand ("not beats" in
        "headphones not beats", which the tagger labels ``content``), or, in a title's span
        (``label`` not ``product_name``), a category of a department the query's other words
        name a category of ("headphones not earbuds"). A title's words after a cue may name a
        category too ("woody allen without feathers": Google's craft Feathers), but not one
        of what the rest of the query names; a product's name holding a cue and a category's
        name is that product's ("juliette has a gun not a perfume travel spray": the
        fragrance "Not a Perfume", no Perfume & Cologne to demote)."""
        kind = str(getattr(best.kind, "value", best.kind))
        if kind == "category" and label == "product_name":
            return False
        if kind not in ("brand", "category") or best.match_type not in ("exact", "alias") \
                or word_order(normalize_key(words)) != word_order(
                    normalize_key(best.matched_alias)):
            return False
        if kind == "brand":
            return True
        department = self._department(best.iri)
        return department is not None and department in {
            p.split(">")[0].strip() for p in self._paths_named(text, start, end, best.iri)}

    def _possessive_name(self, span: str, cue: str, label: str,
                         linker: EntityLinker | None,
                         context: str | QueryContext | None) -> Any | None:
        """The node whose very name (an exact or alias match) is the span ``span``, opened by
        the negation cue ``cue``, with its possessives written without the apostrophe ("not
        your mother's": the brand "not your mothers"), the cue a word of that name; None when
        the span has no possessive or names no such node. The linker's index keeps the
        apostrophe's place as a space ("mother s"), so a name that writes the possessive
        without one ("not your mothers") is not found from the query's "mother's"."""
        variant = _POSSESSIVE.sub("", span)
        if variant == span:
            return None
        link = self._link_fn(linker)
        for reading in dict.fromkeys((label, None)):
            try:
                best = link(variant, label=reading, context=span if context is None
                            else context).best
            except ValueError:
                continue
            if best is not None and best.match_type in ("exact", "alias") \
                    and cue in normalize_key(best.matched_alias).split() \
                    and word_order(normalize_key(variant)) == word_order(
                        normalize_key(best.matched_alias)):
                return best
        return None

    def _paths_named(self, text: str, start: int, end: int, but: str) -> set[str]:
        """The paths of the categories (but ``but``) that the words of ``text`` outside
        ``text[start:end]`` name, runs of one to three of them as written (an index key, or a
        number variant of one): what the rest of the query is about."""
        index = self.kg.alias_index
        nodes = self.kg.to_networkx().nodes
        rest = (text[:start] + " " + text[end:]).split()
        runs = (normalize_key(" ".join(rest[i:i + n]))
                for i in range(len(rest)) for n in range(1, min(3, len(rest) - i) + 1))
        return {path for run in runs for key in (run, *number_variants(run))
                for c in index.candidates(key)
                if c.kind is not None and c.kind.value == "category" and c.iri != but
                and c.iri in nodes and (path := nodes[c.iri].get("path"))}

    def _of_the_query(self, text: str, start: int, end: int, iri: str) -> bool:
        """Whether the category ``iri`` that the words after a cue opening the span
        ``text[start:end]`` link is of the part of the catalogue the rest of the query is
        about: the rest names no category, or the category's path and that of one it names
        share a word (:func:`_path_words`: the KG's taxonomies name their departments each in
        its own way, "Computers & Tablets > Monitors" and "Electronics > Computers"; a shared
        department shares its name). Excluding a category of another part reads the words as
        a thing they do not name there ("nails" of "frame hangers without nails" is no
        "beauty and personal care > makeup > nails": a DOWN boost on makeup for picture
        hangers), while "desktop computer without monitor" (Monitors) or "detergent without
        bleach" (Bleach) exclude a thing of their own."""
        named = self._paths_named(text, start, end, iri)
        if not named:
            return True
        nodes = self.kg.to_networkx().nodes
        own = _path_words(nodes[iri].get("path") or "") if iri in nodes else frozenset()
        return not own or any(own & _path_words(p) for p in named)

    def _department(self, iri: str) -> str | None:
        """The department (the first category of the path) of the category ``iri``."""
        nodes = self.kg.to_networkx().nodes
        path = nodes[iri].get("path") if iri in nodes else None
        return path.split(">")[0].strip() if path else None

    def _named(self, text: str) -> Sequence[Any]:
        """The KG nodes ``text`` is a name or alias of as written (its index key; the linker
        links on this KG); none without an alias index."""
        index = getattr(self.kg, "alias_index", None)
        return index.candidates(normalize_key(text)) if index is not None else ()

    def _is_name(self, span: str) -> bool:
        """Whether ``span`` is a name or alias of a KG node as written (its index key)."""
        return bool(self._named(span))

    def _ends_with_a_brand(self, span: str) -> bool:
        """Whether the last words of ``span`` are a brand's name or alias as written ("not
        canon", "other than whirlpool"; its index key): an excluded brand still tells which
        products the query's other words mean, so it stays their linking context."""
        words = span.split()
        return any(getattr(c, "kind", None) == "brand"
                   for k in range(len(words)) for c in self._named(" ".join(words[k:])))

    def _finish(self, work: _Batch) -> list[ParsedQuery]:
        """Stages 3 (decode) to 6."""
        cut, sec = work.cut, work.seconds
        t0 = time.perf_counter()
        tagged = self.tagger.decode(work.items, work.token_logits) if cut else []
        t1 = time.perf_counter()
        entities = [self._link_spans(text, tt) for text, tt in zip(cut, tagged, strict=True)]
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
                entities[i] = self._repick(cut[i], entities[i], intent)
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

    def _repick(self, text: str, entities: list[ParsedEntity], intent: Intent
                ) -> list[ParsedEntity]:
        """The ``entities`` of the query ``text`` with each category linked outside the
        confident ``intent``'s department swapped for a namesake of it there
        (:meth:`kg.link.EntityLinker.namesakes`: the same name or alias, or a name a part of
        which the mention's head word heads), where the department holds one: same offsets,
        the namesake's IRI and label, the link's score. The linker picks among namesakes
        before the intent runs, from the query's words and priors only: "mechanical keyboard"
        and "cherry mx red keyboard" linked Musical Instruments > Keyboards (Digital Pianos
        expansions under a Computers & Tablets intent at 0.68 and 0.53), "pc case with fans"
        Appliances' Fans. The intent read the query's text embedding and knew better; the
        expansion and filters read the swapped link. One pass: the intent is not run again
        on the swapped links (its result is the one the query's first links gave).

        Of the department's namesakes: one of the store's own tree (its path opens with the
        department), then one narrowing the kind by the most words of the query ("bluetooth
        keyboards": Wireless & Bluetooth Keyboards), then one every part of whose name the
        head word heads (Computer
        Keyboards, no Mice & Keyboards; Case Fans, no CPU Fans & Heatsinks), then the one
        with the most namesakes below it (the general one: Computer Keyboards, not Gaming
        Keyboards), then the most popular.

        Only a mention tagged as a product searched (:data:`kg.link.HEAD_LABELS`, or no
        label) linked to a category of a department of the label space is swapped (another
        catalogue's, Google's "Games", is the linker's to place), for a namesake below the
        department whose name narrows the kind by no word that neither the query nor the
        department's name says (:func:`_narrows_by`: "toys" is no Pool Toys, "keyboard" is
        Computer Keyboards), never a brand's or a product's, and never
        where the query's other words keep the link where it is: another link of the query
        lies in its department (a category there, a product filed there, a brand sold there
        and not in the intent's: "yamaha keyboard"), a run of its other words names a
        category of that department and none of the intent's, or a word of the query is a
        word of the linked node's path or of a name below it that the namesake's lack
        (:meth:`_tree_words`: "musical keyboard", "keyboard piano", "portable keyboard")."""
        linker = self._entity_linker()
        namesakes = getattr(linker, "namesakes", None)
        space = self._label_space
        dept = intent.lvl0
        if namesakes is None or not dept:
            return entities
        nodes = self.kg.to_networkx().nodes

        def department(iri: str) -> str | None:
            path = nodes[iri].get("path") if iri in nodes else None
            return _space_department(space, path)

        out = list(entities)
        words = frozenset(word_order(normalize_key(text)))
        # (a namesake whose name narrows the kind by a word neither the query nor the
        # department's name says is no pick: "toys" is no Pool Toys, "battery" no Internal
        # Batteries; "keyboard" is Computer Keyboards. Nor is the department)
        said = words | frozenset(word_order(normalize_key(dept)))
        for k, e in enumerate(entities):
            if e.kg_id is None or e.kg_kind != "category" or e.link_score is None \
                    or not (e.label is None or e.label in HEAD_LABELS):
                continue
            here = department(e.kg_id)
            if here is None or here == dept \
                    or str(nodes[e.kg_id].get("path") or "").split(">")[0].strip() != here:
                continue  # (another catalogue's category is the linker's to place)
            names = [c for c in namesakes(e.kg_id, e.text) if department(c) == dept
                     and ">" in str(nodes[c].get("path") or "")
                     and _narrows_by(str(nodes[c].get("label") or ""), e.text) <= said]
            if not names or self._held(text, entities, k, here, dept, department):
                continue
            pick = _pick_namesake(names, e.text, dept, nodes, linker, words)
            if words & (self._tree_words(e.kg_id, linker) - self._tree_words(pick, linker)):
                continue  # (the query names the linked node's part of the catalogue)
            out[k] = replace(e, kg_id=pick, kg_label=str(nodes[pick].get("label") or ""))
        return out

    def _tree_words(self, iri: str, linker: Any) -> frozenset[str]:
        """The words of the category ``iri``'s path (:func:`_path_words`) and of the names of
        the categories two levels below it (the ``linker``'s
        :meth:`kg.link.EntityLinker.below_words`), plural-folded: the part of the catalogue
        it is ("Musical Instruments > Keyboards": musical, instrument, keyboard, and digital,
        piano, portable ... of Digital Pianos, Portable Keyboards)."""
        nodes = self.kg.to_networkx().nodes
        if iri not in nodes:
            return frozenset()
        return (_path_words(nodes[iri].get("path") or "")
                | linker.below_words(iri)) - _GENERIC_PATH_KEYS

    def _held(self, text: str, entities: Sequence[ParsedEntity], k: int, here: str,
              dept: str, department: Any) -> bool:
        """Whether the query ``text``'s other links or words keep its ``k``-th entity's link
        in its department ``here`` rather than the intent's ``dept`` (:meth:`_repick`): a
        brand sold there and not in ``dept``, or one the KG sells nothing under; a category
        there, or a product filed there; a run of the other words naming a category there and
        none in ``dept``."""
        e = entities[k]
        for j, other in enumerate(entities):
            if j == k or other.kg_id is None or other.kg_id == e.kg_id:
                continue
            if other.kg_kind == "brand":
                depts = {department(c) for c in brand_categories(self.kg, other.kg_id,
                                                                 spelled_alike=True)}
                # (a brand the KG sells nothing under gives the intent's department no
                # support: "yeti cooler" keeps Sports & Outdoor Coolers under an Appliances
                # intent read from Best Buy's "coolers")
                if not depts or (here in depts and dept not in depts):
                    return True
            elif other.kg_kind == "category":
                if department(other.kg_id) == here:
                    return True
            elif other.kg_kind == "product":
                nxg = self.kg.to_networkx()
                if any(r == "in_category" and department(t) == here
                       for _, t, r in nxg.out_edges(other.kg_id, data="relation")):
                    return True
        named = {_space_department(self._label_space, p)
                 for p in self._paths_named(text, e.start, e.end, e.kg_id)}
        return here in named and dept not in named

    def _link_spans(self, text: str, tagged: TaggedText) -> list[ParsedEntity]:
        """The entities of the tagged spans of the query ``text`` (:meth:`link_entities`),
        the query read for the linker once (:meth:`_link_query`)."""
        plain = separators_to_spaces(text)
        if not tagged.entities:
            return self._untagged_excluded_brands(text, [])
        query = self._link_query(plain)
        spans = tagged.entities
        if query is not None and len(spans) > 1:
            # the words a negation cue excludes are no context of the links: in "not gaming
            # laptop" "laptop" is no Gaming Laptops, in "headsets not bluetooth" no Bluetooth
            # Headsets (a span that is a KG name as written, "not your mothers", a brand,
            # holds no cue); the linker reads the query without them, for every span
            from fusion.expand import negated_spans

            # (an excluded brand stays context: "camera not canon" is a camera of the store's
            # tree, no Google "Cameras & Optics", "washer not lg" no hardware washer)
            out = [n and not self._is_name(plain[e.start:e.end])
                   and not self._ends_with_a_brand(plain[e.start:e.end]) for e, n in zip(
                       spans, negated_spans(plain, [(e.start, e.end) for e in spans],
                                            range(len(spans))), strict=True)]
            if any(out) and not all(out):
                read = list(plain)
                for e, n in zip(spans, out, strict=True):
                    if n:
                        read[e.start:e.end] = " " * (e.end - e.start)
                query = QueryContext.of(plain, "".join(read))
        ents = [p for parts in self._contradicted_heads(
            [self._link_entities(text, e, query) for e in spans]) for p in parts]
        return self._untagged_excluded_brands(text, ents, query)

    def _untagged_excluded_brands(self, text: str, entities: list[ParsedEntity],
                                  query: QueryContext | None = None) -> list[ParsedEntity]:
        """``entities`` (the linked spans of the query ``text``) with the brands its negation
        cues exclude that no span links: each run of words a cue excludes
        (:func:`fusion.expand.excluded_words`) that is a brand's very name (an exact or alias
        match, the linker's brand-only label) and means the brand (:meth:`_means_the_brand`),
        in the order of the query. The tagger tags such a word after a minus sign, in quotes
        or brackets or after "no" often not at all ("tv -samsung -lg" tagged "tv" alone,
        'laptop not "dell"' "not" alone), or as a span that links nothing ("-whirlpool",
        ``modifier``; "vacuum -dyson", one ``core_product_type`` span), so the query lost the
        brand's DOWN boost and its ``excluded`` words had no ``kg_id``, while "laptop not
        dell" had them. Words no span holds become an entity of the linker's brand-only label
        (``creator`` by default) and score 0.0 (no tagger's span); a span that links nothing
        and holds no more than the words, a cue, a minus sign and punctuation ("-whirlpool",
        '"dell"') links the brand (its text, offsets, label and score kept, the cue's too:
        the expansion reads it, :func:`fusion.expand.negation._negated`); one of other words
        before a minus sign and the brand ("vacuum -dyson") becomes two, those words (the product
        searched when they are one's very name: :meth:`_searched_product`; else linking
        nothing) and the brand. A title's or a product name's span (``content``,
        ``product_name``) is left as tagged (:meth:`_excluded_brands` reads those). No run
        after a cue the parse reads as a name's word (:func:`_words_no_cue_excludes`), nor one
        of what the products are free of, nor after a "no" opening the query or qualifying
        the product after it (:func:`_cue_is_compound_no`: "no show socks")."""
        linker = self._entity_linker()
        label = _brand_label(linker)
        if label is None:
            return entities
        from fusion.expand import (
            CUE_CLOSERS,
            NEGATION_CUES,
            excluded_words,
            may_exclude,
            one_letter,
        )

        plain = separators_to_spaces(text)
        if not may_exclude(plain):
            return entities  # (no cue: most queries)
        no_cues = [sp for e in entities
                   if (sp := _words_no_cue_excludes(plain, e, entities=entities))]
        # (none without a cue: most queries, read cheaply)
        found = [x for x in excluded_words(self.kg, plain, linked_entities(entities),
                                           no_cues=no_cues)
                 if x.iri is None and not x.free_from]
        if not found:
            return entities
        every, plain_words, _ = _query_items(plain)
        context = self._link_context(plain, query)
        link = self._link_fn(linker)
        out = list(entities)
        for x in reversed(found):  # (the last first: "-ge -lg", one span, is split at "lg")
            lead, trail = span_edges(text[x.start:x.end])
            start, end = x.start + lead, x.end - trail
            held = [e for e in out if e.start < end and start < e.end]
            # (a span's words after the brand: a cue's closer, "hp either", is none of it)
            tail = text[end:held[0].end] if len(held) == 1 else ""
            closer = bool(tail.strip(EDGE_MARKS)) and all(
                normalize_key(w).strip(EDGE_MARKS) in CUE_CLOSERS for w in tail.split())
            if start >= end or one_letter(plain[start:end]) or any(
                    e.kg_id is not None for e in held) or len(held) > 1 or (
                    held and (held[0].label in _NAME_LABELS or not (
                        held[0].start <= start and end <= held[0].end)
                        or (tail.strip(EDGE_MARKS) and not closer))):
                continue  # (a span holds the words and more, or links: as tagged; one
                #           letter, "-w", names no brand: :func:`fusion.expand.one_letter`)
            first = next((i for i, (a, b) in enumerate(every) if a <= start < b), None)
            cue = next((j for j in range(first - 1, -1, -1)
                        if plain_words[j] in NEGATION_CUES), None) if first else None
            if cue is not None and plain[:every[cue][0]].strip() and _cue_is_compound_no(
                    plain, every[cue][0], end, plain_words[cue]):
                continue  # ("no" qualifying a product after other words: a compound, "mens
                #           no show socks"; one opening the query before a brand's very name
                #           that means the brand excludes it, as "not samsung tv" does: "no
                #           samsung tv")
            best = link(plain[start:end], label=label, context=context).best
            if best is None or best.match_type not in ("exact", "alias") \
                    or word_order(normalize_key(plain[start:end])) != word_order(
                        normalize_key(best.matched_alias)):
                continue
            span = held[0] if held else None
            before: list[ParsedEntity] = []
            if span is not None:
                head = plain[span.start:start].rstrip().rstrip(EDGE_MARKS + "-").rstrip()
                rest = [w for w in head.split()
                        if normalize_key(w).strip(EDGE_MARKS) not in _clause_words()
                        and normalize_key(w).strip(EDGE_MARKS) not in _ALTERNATIVE_WORDS]
                if rest and not plain[:start].rstrip().endswith("-"):
                    continue  # (words and a cue word: :meth:`_excluded_brands` reads them)
                if rest:  # ("vacuum -dyson": the product searched, then the brand)
                    words = [(span.start + m.start(), span.start + m.end())
                             for m in _SPAN_WORD.finditer(head)]
                    product = self._searched_product(text, span, words, context)
                    before = [product or replace(span, text=text[words[0][0]:words[-1][1]],
                                                 end=words[-1][1])]
            if not self._means_the_brand(plain, best.iri, start, end,
                                         [e for e in out if e is not span] + before):
                continue
            kind = str(getattr(best.kind, "value", best.kind))
            if span is None:
                brand = ParsedEntity(text=text[start:end], start=start, end=end, label=label,
                                     score=0.0, kg_id=best.iri, kg_label=best.label,
                                     kg_kind=kind, link_score=round(float(best.score), 6))
            elif before:
                brand = replace(span, text=text[start:end], start=start, label=label,
                                kg_id=best.iri, kg_label=best.label, kg_kind=kind,
                                link_score=round(float(best.score), 6))
            else:  # (without a closer after the brand: "hp either" links "hp")
                brand = replace(span, text=text[span.start:end] if closer else span.text,
                                end=end if closer else span.end, kg_id=best.iri,
                                kg_label=best.label, kg_kind=kind,
                                link_score=round(float(best.score), 6))
            out = sorted([*(e for e in out if e is not span), *before, brand],
                         key=lambda e: (e.start, e.end))
        return out

    def _means_the_brand(self, text: str, brand: str, start: int, end: int,
                         entities: Sequence[ParsedEntity]) -> bool:
        """Whether the words ``text[start:end]``, a brand's very name (``brand``) a cue
        excludes that the tagger did not link, mean the brand: they name nothing else a
        product may be and are no word of the language (:meth:`kg.link.EntityLinker.
        names_only_a_brand`: "lg", "lenovo") and the KG sells something under the brand
        (:func:`kg.link.brand_categories`; not a name list's word, "keto" of "tv -keto"),
        or the KG sells the brand what a product the query searches names (:meth:`_makes`),
        a span of the query's other ``entities`` linked to a category or a product type, or
        of a product-type label linking nothing ("phone", tagged ``core_product_type``; by
        its head word): "dell" of "laptop -dell",
        "apple" of "laptop -apple" and of "phone -apple", not of "phone -galaxy" (a car-cover
        brand). A word that is also a thing's name or a word of the language is that thing
        where the brand sells nothing like what is searched, and where nothing is."""
        linker = self._entity_linker()
        if linker is not None and linker.names_only_a_brand(text[start:end]) \
                and brand_categories(self.kg, brand, spelled_alike=True):
            return True
        return any(self._makes(brand, e.kg_id, text[e.start:e.end]) for e in entities
                   if not (e.start < end and start < e.end) and (
                       e.kg_kind in _PRODUCT_KINDS if e.kg_id is not None
                       else LABEL_GROUPS.get(e.label) == "type"))

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
        name's word, :func:`_words_no_cue_excludes`, nor what the products are free of,
        ``free_from``: they are said of what is searched), and its price bounds and ranges
        (:func:`fusion.patterns.price_spans`, read NFKC-normalised as the expansion reads
        prices, where that keeps the offsets: nearly always)."""
        from fusion.expand import excluded_words, may_exclude
        from fusion.patterns import price_spans

        plain = separators_to_spaces(text)
        excluded: list[tuple[int, int]] = []
        if may_exclude(plain):  # (no cue, no excluded words: most queries)
            no_cues = [sp for e in entities
                       if (sp := _words_no_cue_excludes(plain, e, entities=entities))]
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
        if self.fusion is None:
            return None
        context = self.fusion.context
        return context.taxonomy if context is not None else self.fusion.lvl0_labels

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
        no_cues = [sp for e in q.entities if (sp := _words_no_cue_excludes(
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
                      if x.iri is not None or not _function_words_only(x.text)] \
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
                entities = [self._link_spans(text, tt)
                            for text, tt in zip(work.cut, tagged, strict=True)]
                every = [linked_entities(ents) for ents in entities]
                linked = [intent_links(text, lk, self.kg)
                          for text, lk in zip(work.cut, every, strict=True)]
                emb = self._intent_embeddings(work.cut, entities, every, emb)
            out += self._fusion_inputs(emb, linked, work.cut)
        return out


_EDGE_MARKS = frozenset(EDGE_MARKS)  # (kg.index.EDGE_MARKS: quotes, brackets, punctuation)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
#: An inch or foot mark after a digit ('65"', "6'", "65”").
_UNIT_MARKS = frozenset("\"'”’")
#: A span ending in an abbreviation of single letters with full stops ("u.s.a.", "e.g.").
_ABBREVIATION = re.compile(r"(?:^|\W)(?:[^\W\d_]\.){2,}$")
#: A leading apostrophe of a decade ("'80s").
_DECADE = re.compile(r"['‘’]\d0s\b")


def _parsed(entity: Entity, mention: str, start: int, end: int, best: Any) -> ParsedEntity:
    """The :class:`ParsedEntity` of the tagger's ``entity`` read as ``mention`` at
    ``start:end`` of the query, linked to ``best`` (a :class:`kg.link.LinkCandidate`, or None:
    NIL)."""
    return ParsedEntity(
        text=mention, start=start, end=end, label=entity.label,
        score=round(float(entity.score), 6),
        kg_id=best.iri if best else None, kg_label=best.label if best else None,
        kg_kind=str(getattr(best.kind, "value", best.kind)) if best else None,
        link_score=round(float(best.score), 6) if best else None,
    )


def span_edges(span: str) -> tuple[int, int]:
    """How many characters of punctuation glued to the start and to the end of a tagger span
    (``'"samsung'``, ``'tv,'``, ``'(samsung tv)'``), and the spaces between such marks and the
    words (``'samsung "'``), are no part of what it names. Kept: an inch
    or foot mark after a digit (``65"``, ``6'``), a decimal point before a digit (``.5``), the
    full stop of a letter abbreviation (``u.s.a.``), a decade's apostrophe (``'80s``), and a
    bracket whose partner is inside the span (``memory (ram)``). A span of nothing but such
    marks keeps them all: ``(0, 0)``.

    >>> [span_edges(s) for s in ('"samsung', 'tv"', 'tv,', '(samsung tv)', '65"', "6'", 'c++')]
    [(1, 0), (0, 1), (0, 1), (1, 1), (0, 0), (0, 0), (0, 0)]
    >>> [span_edges(s) for s in ('u.s.a.', 'tv.', '"65"', 'memory (ram)', "'80s", '"!"')]
    [(0, 0), (0, 1), (1, 0), (0, 0), (0, 0), (0, 0)]
    >>> [span_edges(s) for s in ('samsung "', '" samsung', '( samsung tv )', ' ')]
    [(0, 2), (2, 0), (2, 2), (0, 0)]
    """
    i, j = 0, len(span)
    while i < j and (span[i] in _EDGE_MARKS or span[i].isspace()):
        c = span[i]
        if c.isspace():
            i += 1  # ('" samsung"': the space inside the quote)
            continue
        if c == "." and i + 1 < j and span[i + 1].isdigit():
            break  # ".5"
        if _DECADE.match(span, i):
            break
        closer = _OPENERS.get(c)
        if closer is not None and closer in span[i + 1:j]:
            if span[j - 1] != closer or closer in span[i + 1:j - 1]:
                break  # its partner is inside ("(aspca) dogs")
            j -= 1  # "(samsung tv)": both
        i += 1
    while j > i and (span[j - 1] in _EDGE_MARKS or span[j - 1].isspace()):
        c = span[j - 1]
        if c.isspace():
            j -= 1  # ('tv "samsung "': the space before the closing quote)
            continue
        if c in _UNIT_MARKS and j - 2 >= i and span[j - 2].isdigit():
            break  # '65"'
        if c == "." and _ABBREVIATION.search(span[i:j]):
            break
        opener = _CLOSERS.get(c)
        if opener is not None and opener in span[i:j - 1]:
            break  # "memory (ram)"
        j -= 1
    if i >= j:
        return 0, 0
    return i, len(span) - j


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
    return _path_in_label_space(departments, path)


def _path_in_label_space(departments: Any, path: str) -> bool:
    """Whether the category path ``path`` falls in a department of the intent's label space
    ``departments`` (as :func:`_in_label_space`; a module function, so that a linker holding
    it stays picklable: :attr:`kg.link.EntityLinker.label_space`)."""
    from fusion.context import TaxonomyAlignment

    if isinstance(departments, TaxonomyAlignment):
        return path is not None and departments.department(path) is not None
    return bool(path) and path.split(">")[0].strip() in set(departments)


def _space_department(departments: Any, path: str | None) -> str | None:
    """The department of the intent's label space ``departments`` the category path ``path``
    falls in (None: none; without a label space, the path's first category)."""
    from fusion.context import TaxonomyAlignment

    if not path:
        return None
    if isinstance(departments, TaxonomyAlignment):
        return departments.department(path)
    top = path.split(">")[0].strip()
    return top if departments is None or top in set(departments) else None


def _narrows_by(name: str, mention: str) -> frozenset[str]:
    """The words (plural-folded) by which the category name ``name`` narrows the kind the
    ``mention``'s head word names: the other words of the part of the name it heads
    (the one with the fewest; :func:`kg.link.name_heads`). "Case Fans" narrows fans by
    "case", "Fans, Heatsinks & Cooling" and "Keyboards" by nothing; a name no part of which
    the head heads narrows it by all its words.

    >>> _narrows_by("Gaming Keyboards", "keyboard"), _narrows_by("Fans, Heatsinks & Cooling", "fan")
    (frozenset({'gaming'}), frozenset())
    """
    head = word_order(normalize_key(mention))[-1:] if mention else ()
    parts = [word_order(p) for p in NAME_PARTS.split(normalize_key(name))]
    headed = [frozenset(p[:-1]) for p in parts if p and head and p[-1] == head[0]]
    return min(headed, key=len) if headed else frozenset(word_order(normalize_key(name)))


def _pick_namesake(names: Sequence[str], mention: str, dept: str, nodes: Any,
                   linker: Any, query: frozenset[str] = frozenset()) -> str:
    """Of the namesakes ``names`` of a ``mention`` in the department ``dept`` (IRIs of the
    KG's ``nodes``), the one :meth:`QueryParser._repick` swaps a link for: of the store's own
    tree, then narrowing the kind by the most words of the ``query`` (plural-folded:
    "bluetooth keyboards" is Wireless & Bluetooth Keyboards, "pc case with fans" Case
    Fans; :func:`_narrows_by`), then named for the mention's head word only, then with the
    most of ``names`` below it, then the highest prior of the ``linker``'s table, then the
    first IRI."""
    head = name_heads(normalize_key(mention))
    paths = {c: str(nodes[c].get("path") or "") for c in names}
    prior = getattr(getattr(linker, "table", None), "prior", {})

    def rank(c: str) -> tuple[Any, ...]:
        path = paths[c]
        heads = name_heads(normalize_key(str(nodes[c].get("label") or "")))
        below = sum(p.startswith(path + " >") for p in paths.values())
        named = len(_narrows_by(str(nodes[c].get("label") or ""), mention) & query)
        return (path.split(">")[0].strip() != dept, -named, not heads or not heads <= head,
                -below, -prior.get(c, 0.0), c)

    return min(names, key=rank)


def _brand_label(linker: Any) -> str | None:
    """The tagger label the linker ``linker`` links brands only under
    (:func:`kg.link.brand_label`; a linker of another kind, or None: the default labels)."""
    if isinstance(linker, EntityLinker):
        return linker.brand_only_label  # (read once per linker)
    config = getattr(linker, "config", None)
    return brand_label(config.label_kinds if config is not None else DEFAULT_LABEL_KINDS)


def _product_label(linker: Any) -> str:
    """The tagger label the linker ``linker`` links a product searched under
    (:meth:`QueryParser._searched_product`): of its config's label map (a linker of another
    kind, or None: the default map), the first label that links to product types and
    categories only, one of the head labels (:data:`kg.link.HEAD_LABELS`: the tagger's
    product-type labels) first (``core_product_type`` in the default map, ``HC`` in the
    Chinese labels); :data:`_PRODUCT_LABEL` when the map has none (the link then raises
    ValueError for a map without it: no product searched)."""
    config = getattr(linker, "config", None)
    kinds_of = config.label_kinds if config is not None else DEFAULT_LABEL_KINDS
    products = [lab for lab, kinds in kinds_of.items()
                if kinds and all(k in _PRODUCT_KINDS for k in kinds)]
    return next((lab for lab in products if lab in HEAD_LABELS),
                products[0] if products else _PRODUCT_LABEL)


def linked_entities(entities: Sequence[ParsedEntity]) -> list[LinkedEntity]:
    """The fusion model's view of a parse's links: one :class:`fusion.LinkedEntity` per linked
    node (its kind, its best link score clipped to [0, 1], that mention's tagger label and
    text, a trademark sign or a control character in it a space, as the expansion reads the
    query: :func:`parser.tagger.text.separators_to_spaces`), best first."""
    from fusion.types import ROLES, LinkedEntity

    best: dict[str, tuple[str, float, str, str]] = {}
    for e in entities:
        if e.kg_id is None or e.kg_kind not in ROLES[:-1]:
            continue
        score = float(e.link_score or 0.0)
        score = min(max(score, 0.0), 1.0) if math.isfinite(score) else 0.0
        if e.kg_id not in best or best[e.kg_id][1] < score:
            best[e.kg_id] = (str(e.kg_kind), score, e.label, separators_to_spaces(e.text))
    return [LinkedEntity(iri, kind, score, label, mention)
            for iri, (kind, score, label, mention) in sorted(best.items(),
                                                             key=lambda kv: (-kv[1][1], kv[0]))]


def intent_text(text: str, excluded: Sequence[tuple[int, int]],
                prices: Sequence[tuple[int, int]] = ()) -> str | None:
    """The query ``text`` as the intent reads it, or None to read it as typed: without its
    words that a negation cue excludes (``excluded``: their (start, end) in ``text``, the
    whole word each holds: "-samsung", "samsung,") and the words before each that lead to
    them from the cue on (:data:`fusion.expand.EXCLUSION_LEAD_WORDS` and the clause's words,
    :func:`_clause_words`: "not", "neither ... nor", "that isn't a", "not made by"), nor its
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

    lead = EXCLUSION_LEAD_WORDS | _clause_words()
    tokens = [m.span() for m in _SPAN_WORD.finditer(text)]
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
