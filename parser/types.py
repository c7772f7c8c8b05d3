"""Typed results of :class:`parser.QueryParser`: :class:`ParsedQuery` and its parts.

``ParsedQuery.to_dict()`` is the wire format of the CLI (``--json``) and the HTTP service; its
JSON schema is :func:`parsed_query_schema`, published as ``docs/parsed_query.schema.json``
(``tests/e2e/test_docs.py`` keeps the two equal).

Example:
    >>> e = ParsedEntity(text="samsung", start=0, end=7, label="creator", score=0.98,
    ...                  kg_id="https://kgqp.dev/id/brand/samsung", kg_label="Samsung",
    ...                  kg_kind="brand", link_score=0.87)
    >>> q = ParsedQuery(text="samsung tv", normalized="samsung tv", entities=[e])
    >>> q.to_dict()["entities"][0]["kg_kind"]
    'brand'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "BoostResult",
    "CategorySuggestionResult",
    "ExcludedResult",
    "ExpansionResult",
    "FilterSourceResult",
    "IntentResult",
    "ParsedEntity",
    "ParsedQuery",
    "parsed_query_schema",
]


@dataclass(frozen=True, slots=True)
class ParsedEntity:
    """An entity of the query: a span of the ORIGINAL text (``text[start:end] == self.text``),
    its tagger label and score, and the KG node it links to (all ``kg_*`` None when NIL).

    ``start``/``end`` count Unicode code points, as Python's ``str`` indexes: a client whose
    strings index UTF-16 code units (JavaScript, Java, C#) must convert them after any
    character beyond U+FFFF (an emoji: in "小米😀充电宝", 电宝 is 4-6, UTF-16 5-7)."""

    text: str
    start: int
    end: int
    label: str
    score: float
    kg_id: str | None = None
    kg_label: str | None = None
    kg_kind: str | None = None
    link_score: float | None = None


@dataclass(frozen=True, slots=True)
class IntentResult:
    """The query's category: ``category`` is the full path ("TV & Home Theater > TVs"),
    ``lvl0`` its top level; ``top_k`` the best categories with their probabilities.
    ``confident`` is False below the bundle's calibrated intent threshold and for a query
    outside the KG (:func:`kg.link.outside_kg`): use the category as a hint, not as a fact;
    ``lvl0_score`` is the probability of ``lvl0``; ``unfamiliar``: the query is unlike every
    training query of the intent model (:attr:`fusion.Intent.unfamiliar`), so a low
    ``confident`` may come from that rather than from a low probability."""

    category: str
    lvl0: str
    score: float
    top_k: list[tuple[str, float]] = field(default_factory=list)
    confident: bool = True
    lvl0_score: float | None = None
    unfamiliar: bool = False


@dataclass(frozen=True, slots=True)
class ExpansionResult:
    """A scored rewrite of the query with the KG path (``provenance``: (subject, relation,
    object) triples) or the rule that produced it."""

    term: str
    kind: str
    score: float
    provenance: list[tuple[str, str, str]] = field(default_factory=list)
    iri: str | None = None
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class BoostResult:
    """A Querqy-style boost: ``direction`` UP or DOWN, ``weight`` > 0, of a term or
    ``field:value``, with the rule that produced it (``path:line: input => KIND(w): arg``) or
    the brand link that is a boost rather than a filter (``link:<iri> (negated)``: the query
    excludes the brand; ``(fits)``: the device an accessory is for; ``(ungrounded)``: the
    store sells nothing under it; ``(unsure)``: a mention not read as a brand, linked with a
    score under ``ExpansionConfig.brand_filter_min_link``; ``(alternative)``: one side of "A or
    B" whose other side is no brand)."""

    term: str
    direction: str
    weight: float
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class CategorySuggestionResult:
    """A category the query is probably about but that is not trusted as a hard filter;
    ``source``: ``intent``, ``intent-department`` or ``link:<kg iri>``."""

    category: str
    score: float
    source: str


@dataclass(frozen=True, slots=True)
class FilterSourceResult:
    """Where a hard filter value came from: ``rule:<applied rule>``, ``link:<kg iri>``,
    ``intent`` or ``pattern``."""

    field: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class ExcludedResult:
    """Words of the query a negation cue excludes, linked or not ("chicken" in "dog food
    without chicken", "4k" in "tv not 4k", "samsung" in "phone that isn't samsung"): a span of
    the ORIGINAL text (``text[start:end] == self.text``, offsets as :class:`ParsedEntity`'s),
    and ``kg_id``, the KG node they name when they are a linked mention the query excludes
    (its DOWN boost, if any, is in ``boosts``; None for words that link nothing). A search
    engine leaves them out of the results (a ``must_not`` ``match_phrase``, or a demotion);
    ``rewritten`` still holds them. ``free_from``: the words name what the products wanted
    are free of, an ingredient, an additive or an allergen ("pulp" in "orange juice no pulp",
    "sulfates" in "shampoo no sulfates", "gmo" in "non gmo snacks"), which their titles name
    ("Pulp Free", "Sulfate-Free"): demote them or match the claim ("pulp free", "no pulp"),
    never ``must_not`` the bare words (:func:`fusion.expand.free_from_words`); ``to_dict``
    writes it only where true."""

    text: str
    start: int
    end: int
    kg_id: str | None = None
    free_from: bool = False


@dataclass(slots=True)
class ParsedQuery:
    """The structured form of one search query.

    ``filters`` are hard filters (a category only above the calibrated threshold; see
    ``category_suggestions`` for the rest) and ``filter_sources`` says what set each;
    ``rewritten`` is the query after the rewrite rules (None without rules), ``boosts`` the
    UP/DOWN boosts of the rules; ``excluded`` the words a negation cue excludes, in the order
    of the query (empty when the query excludes nothing)."""

    text: str
    normalized: str
    entities: list[ParsedEntity] = field(default_factory=list)
    intent: IntentResult | None = None
    expansions: list[ExpansionResult] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    applied_rules: list[str] = field(default_factory=list)
    truncated: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    rewritten: str | None = None
    boosts: list[BoostResult] = field(default_factory=list)
    category_suggestions: list[CategorySuggestionResult] = field(default_factory=list)
    filter_sources: list[FilterSourceResult] = field(default_factory=list)
    excluded: list[ExcludedResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the schema is :func:`parsed_query_schema`)."""
        d = asdict(self)
        if self.intent is not None:
            d["intent"]["top_k"] = [[c, round(s, 6)] for c, s in self.intent.top_k]
        for exp in d["expansions"]:
            exp["provenance"] = [list(t) for t in exp["provenance"]]
        for x in d["excluded"]:  # (optional: written where true, as the schema says)
            if not x["free_from"]:
                del x["free_from"]
        return d


def _nullable(t: str) -> dict[str, Any]:
    return {"type": [t, "null"]}


_OFFSETS = ("offset into the query's text in Unicode code points (not UTF-16 code units: "
            "convert in JavaScript or Java after a character beyond U+FFFF, e.g. an emoji)")


def parsed_query_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``ParsedQuery.to_dict()``."""
    entity = {
        "type": "object",
        "required": ["text", "start", "end", "label", "score"],
        "properties": {
            "text": {"type": "string"},
            "start": {"type": "integer", "minimum": 0, "description": _OFFSETS},
            "end": {"type": "integer", "minimum": 0, "description": _OFFSETS},
            "label": {"type": "string"},
            "score": {"type": "number"}, "kg_id": _nullable("string"),
            "kg_label": _nullable("string"), "kg_kind": _nullable("string"),
            "link_score": _nullable("number"),
        },
        "additionalProperties": False,
    }
    triple = {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}
    expansion = {
        "type": "object",
        "required": ["term", "kind", "score", "provenance"],
        "properties": {
            "term": {"type": "string"}, "kind": {"type": "string"}, "score": {"type": "number"},
            "provenance": {"type": "array", "items": triple}, "iri": _nullable("string"),
            "rule": _nullable("string"),
        },
        "additionalProperties": False,
    }
    intent = {
        "type": ["object", "null"],
        "required": ["category", "lvl0", "score", "top_k"],
        "properties": {
            "category": {"type": "string"}, "lvl0": {"type": "string"},
            "score": {"type": "number"},
            "top_k": {"type": "array", "items": {
                "type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]}},
            "confident": {"type": "boolean"},
            "lvl0_score": _nullable("number"),
            "unfamiliar": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    boost = {
        "type": "object",
        "required": ["term", "direction", "weight"],
        "properties": {"term": {"type": "string"}, "direction": {"enum": ["UP", "DOWN"]},
                       "weight": {"type": "number", "minimum": 0},
                       "rule": _nullable("string")},
        "additionalProperties": False,
    }
    suggestion = {
        "type": "object",
        "required": ["category", "score", "source"],
        "properties": {"category": {"type": "string"}, "score": {"type": "number"},
                       "source": {"type": "string"}},
        "additionalProperties": False,
    }
    source = {
        "type": "object",
        "required": ["field", "value", "source"],
        "properties": {"field": {"type": "string"}, "value": {"type": "string"},
                       "source": {"type": "string"}},
        "additionalProperties": False,
    }
    excluded = {
        "type": "object",
        "required": ["text", "start", "end"],
        "properties": {"text": {"type": "string"},
                       "start": {"type": "integer", "minimum": 0, "description": _OFFSETS},
                       "end": {"type": "integer", "minimum": 0, "description": _OFFSETS},
                       "kg_id": _nullable("string"),
                       "free_from": {
                           "type": "boolean",
                           "description": "the words name what the products wanted are free "
                                          "of, an ingredient, an additive or an allergen "
                                          "(\"pulp\" in \"orange juice no pulp\"), which "
                                          "their titles name (\"Pulp Free\"): demote them "
                                          "or match the claim (\"pulp free\", \"no pulp\"), "
                                          "never must_not the bare words; written only "
                                          "where true"}},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kgqp.dev/schema/parsed_query.json",
        "title": "ParsedQuery",
        "type": "object",
        # timings are diagnostics: `kgqp parse --output` leaves them out (its lines are
        # deterministic without them)
        "required": ["text", "normalized", "entities", "intent", "expansions", "filters",
                     "truncated"],
        "properties": {
            "text": {"type": "string"},
            "normalized": {"type": "string"},
            "entities": {"type": "array", "items": entity},
            "intent": intent,
            "expansions": {"type": "array", "items": expansion},
            "filters": {
                "type": "object",
                "description": "Hard filters: the fields hold together (AND); the values of "
                               "one field are alternatives (OR), but size values of different "
                               "dimensions (units; storage's MB, GB and TB are one) are ANDed, "
                               "those of one dimension ORed. category has one value, "
                               "unless FILTER rules add others; filter_sources says where each "
                               "value comes from (docs/howto/search-engine.md).",
                "properties": {
                    **{k: {"type": "array", "items": {"type": "string"}}
                       for k in ("brand", "category", "colour", "size")},
                    "other": {"type": "array", "items": {"type": "string"},
                              "description": "\"field:value\" from FILTER rules on fields "
                                             "not listed here (condition:refurbished)"},
                    "price_min": {"type": "number"}, "price_max": {"type": "number"},
                },
                "additionalProperties": False,
            },
            "applied_rules": {"type": "array", "items": {"type": "string"}},
            "truncated": {"type": "boolean"},
            "timings": {"type": "object", "additionalProperties": {"type": "number"}},
            "rewritten": _nullable("string"),
            "boosts": {"type": "array", "items": boost},
            "category_suggestions": {"type": "array", "items": suggestion},
            "filter_sources": {"type": "array", "items": source},
            "excluded": {
                "type": "array", "items": excluded,
                "description": "Words of the query a negation cue excludes (\"chicken\" in "
                               "\"dog food without chicken\"), linked or not, in the order of "
                               "the query; kg_id: the excluded node they name. Leave them out "
                               "(must_not a match_phrase of each text, or demote them): "
                               "rewritten still holds them (docs/howto/search-engine.md)."},
        },
        "additionalProperties": False,
    }
