"""``ParsedQuery.excluded``: the words a negation cue excludes, linked or not. A reviewer found
on the quickstart bundle (2026-12-05, everyday goods) that 21 of 35 negation probes ("dog food
without chicken", "toothpaste without fluoride", "coffee not decaf", "candles not scented")
carried no exclusion at all: the words link nothing, so no DOWN boost, and the engine guide's
text clause, ``rewritten``, still holds them ("dog food chicken" ranks chicken first). The
parse now says them, with their offsets, from the expansion's own reading: but after a cue the
parse reads as a word of a name ("woody allen without feathers", "no touch thermometer").

The parse's wire format carries the field (``to_dict``, the published JSON schema); the
quickstart bundle's own tagger is checked on the queries of the finding where the bundle is
installed (``~/.cache/kgqp/bundle``, read-only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from fusion.expand import QueryExpander
from kg import Node, NodeKind, ProductGraph
from parser.pipeline import QueryParser
from parser.types import ParsedQuery, parsed_query_schema

from .word_tagger import PhraseTagger

TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs")
DOG_FOOD = Node(NodeKind.CATEGORY, "g/dog-food", "Dog Food", path="Pet Supplies > Dog Food")
HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
FEATHERS = Node(NodeKind.CATEGORY, "g/feathers", "Feathers",
                path="Arts & Entertainment > Crafts > Feathers")
THERMOMETERS = Node(NodeKind.CATEGORY, "g/thermometers", "Thermometers",
                    path="Health & Beauty > Thermometers")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
LG = Node(NodeKind.BRAND, "lg", "LG")
BEATS = Node(NodeKind.BRAND, "beats", "beats")
WOODY = Node(NodeKind.BRAND, "woody-allen", "woody allen")

SPANS = {
    "dog food without chicken": [("dog food", "core_product_type"),
                                 ("without chicken", "modifier")],
    "tv not 4k": [("tv", "core_product_type"), ("not 4k", "modifier")],
    "samsung™ tv not lg™": [("samsung", "creator"), ("tv", "core_product_type"),
                            ("not lg", "condition")],
    "headphones not beats": [("headphones", "core_product_type"), ("not beats", "content")],
    "woody allen without feathers": [("woody allen", "creator"),
                                     ("without feathers", "content")],
    "the world without you": [("the world without you", "content")],
    "dvd not the godfather": [("dvd", "core_product_type"), ("the godfather", "content")],
    "no touch thermometer": [("no touch", "modifier"), ("thermometer", "core_product_type")],
    "tv no touch": [("tv", "core_product_type"), ("no touch", "modifier")],
    "samsung tv": [("samsung", "creator"), ("tv", "core_product_type")],
}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([TVS, DOG_FOOD, HEADPHONES, FEATHERS, THERMOMETERS, SAMSUNG, LG, BEATS, WOODY],
                  progress=False)
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g, expander=QueryExpander(g))


def _excluded(q: ParsedQuery) -> list[tuple[str, int, int, str | None]]:
    out = [(x.text, x.start, x.end, x.kg_id) for x in q.excluded]
    assert all(q.text[a:b] == text for text, a, b, _ in out), out
    return out


@pytest.mark.parametrize(("query", "want"), [
    ("dog food without chicken", [("chicken", 17, 24, None)]),
    ("tv not 4k", [("4k", 7, 9, None)]),
    ("headphones not beats", [("beats", 15, 20, BEATS.iri)]),
    # offsets into the query as typed (a trademark sign is read as a space)
    ("samsung™ tv not lg™", [("lg", 16, 18, LG.iri)]),
    # a title the query excludes: the cue is before the title's span
    ("dvd not the godfather", [("godfather", 12, 21, None)]),
    ("tv no touch", [("touch", 6, 11, None)]),  # (a "no" not opening the query excludes)
])
def test_the_words_a_cue_excludes_are_on_the_parse(qp: QueryParser, query: str,
                                                    want: list[tuple]) -> None:
    q = qp(query)
    assert _excluded(q) == want
    d = q.to_dict()
    assert d["excluded"] == [dict(zip(("text", "start", "end", "kg_id"), w, strict=True))
                             for w in want]
    jsonschema.validate(d, parsed_query_schema())


@pytest.mark.parametrize("query", [
    "woody allen without feathers",  # a title's words ("without feathers": content)
    "the world without you",  # a title with the cue inside its span
    "no touch thermometer",  # a "no" opening the query: a compound
    "samsung tv",
])
def test_a_cue_read_as_a_word_of_a_name_excludes_nothing(qp: QueryParser, query: str) -> None:
    q = qp(query)
    assert q.excluded == []
    d = q.to_dict()
    assert d["excluded"] == []
    jsonschema.validate(d, parsed_query_schema())


def test_a_parse_made_by_hand_excludes_nothing() -> None:
    q = ParsedQuery(text="tv", normalized="tv")
    assert q.excluded == [] and q.to_dict()["excluded"] == []


# -- the quickstart bundle (the reviewer's queries, and those the brief names) -------------------

BUNDLE = Path.home() / ".cache" / "kgqp" / "bundle"
# query -> the excluded words (text, start, end) and whether each names the excluded node
ON_THE_BUNDLE = {
    "tv not 4k": [("4k", 7, 9, False)],
    "dog food without chicken": [("chicken", 17, 24, False)],
    "dog food not chicken": [("chicken", 13, 20, False)],
    "dog food no chicken": [("chicken", 12, 19, False)],
    "toothpaste without fluoride": [("fluoride", 19, 27, False)],
    "protein powder not whey": [("whey", 19, 23, False)],
    "coffee not decaf": [("decaf", 11, 16, False)],
    "candles not scented": [("scented", 12, 19, False)],
    "cat litter not clumping": [("clumping", 15, 23, False)],
    "sunscreen without oxybenzone": [("oxybenzone", 18, 28, False)],
    "diapers not size 1": [("size 1", 12, 18, False)],
    "headphones not beats": [("beats", 15, 20, True)],
    "samsung tv not samsung": [("samsung", 15, 22, True)],  # (the second "samsung")
    "not cheap tv": [("cheap", 4, 9, False)],
    "phone that isn't samsung": [("samsung", 17, 24, True)],
    "-samsung": [("samsung", 1, 8, True)],
    "tv not 55 or 65 inch": [("55", 7, 9, False), ("65 inch", 13, 20, False)],
    "non samsung phone": [("samsung", 4, 11, True)],
    "no touch thermometer": [],
    "woody allen without feathers": [],
    "samsung tv": [],
}


@pytest.fixture(scope="module")
def bundle_parser() -> Iterator[QueryParser]:
    if not (BUNDLE / "kgqp-bundle.json").is_file():
        pytest.skip(f"no quickstart bundle at {BUNDLE} (`kgqp quickstart` builds it)")
    parser = QueryParser.from_pretrained(BUNDLE, read_only=True, warmup=False)
    yield parser
    parser.close()


def test_the_quickstart_bundle_says_what_each_query_excludes(
        bundle_parser: QueryParser) -> None:
    got = {}
    for q in bundle_parser.pipe(list(ON_THE_BUNDLE)):
        got[q.text] = [(text, a, b, kg_id is not None) for text, a, b, kg_id in _excluded(q)]
        # the engine decides: the text clause (the bundle has rules) still holds the words
        assert q.rewritten is not None and all(x.text in q.rewritten for x in q.excluded)
    assert got == ON_THE_BUNDLE


# -- the words of a negation on the quickstart bundle: "non" before a colour, a cue after a
# joiner, "either", a cue opening the query (the old readings: "non white shirt" filtered on
# White and excluded nothing; "tv not samsung and not lg" excluded "not lg" unlinked; "phone
# not apple either" nothing; "not black phone case" "black phone case", no category)
NEGATION_WORDS = {
    "non white shirt": ([("white", 4, 9, True)], None),
    "non stick pan": ([], None),
    "tv not samsung and not lg": ([("samsung", 7, 14, True), ("lg", 23, 25, True)], None),
    "phone no samsung and no apple": ([("samsung", 9, 16, True), ("apple", 24, 29, True)],
                                      None),
    "phone not apple either": ([("apple", 10, 15, True)], None),
    "not black phone case": ([("black", 4, 9, True)], "Cell Phones"),
    "-samsung phone": ([("samsung", 1, 8, True)], "Cell Phones"),
    "not the godfather": ([], None),
}


def test_the_words_of_a_negation_on_the_quickstart_bundle(bundle_parser: QueryParser) -> None:
    for q in bundle_parser.pipe(list(NEGATION_WORDS)):
        excluded, category = NEGATION_WORDS[q.text]
        assert [(t, a, b, kg_id is not None) for t, a, b, kg_id in _excluded(q)] == excluded, \
            q.text
        assert not q.filters.get("colour"), q.text  # (never a filter on what is excluded)
        if category is not None:
            assert category in q.filters.get("category", []), q.text
