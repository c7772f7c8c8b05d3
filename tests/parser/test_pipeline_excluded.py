"""``ParsedQuery.excluded``: the words a negation cue excludes, linked or not. On the
quickstart bundle (2026-12-05, everyday goods) 21 of 35 negation probes ("dog food
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
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker
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


# -- the quickstart bundle ---------------------------------------------------------------------

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


def _filters_in(q: ParsedQuery, category: str) -> bool:
    """Whether ``q``'s hard category filter is ``category`` or a category under it (the
    intent's lvl1 category where it is as sure: ``Thresholds.lvl1_filter``)."""
    return any(c == category or c.startswith(f"{category} > ")
               for c in q.filters.get("category", []))


def test_the_words_of_a_negation_on_the_quickstart_bundle(bundle_parser: QueryParser) -> None:
    for q in bundle_parser.pipe(list(NEGATION_WORDS)):
        excluded, category = NEGATION_WORDS[q.text]
        assert [(t, a, b, kg_id is not None) for t, a, b, kg_id in _excluded(q)] == excluded, \
            q.text
        assert not q.filters.get("colour"), q.text  # (never a filter on what is excluded)
        if category is not None:
            assert _filters_in(q, category), q.text


# -- a brand the tagger did not link: after a minus sign, in quotes or brackets, after "no" ------
# (before 2026-12-06: "laptop -dell", 'laptop not "dell"', "laptop not (dell)", "laptop no
# dell", "tv -samsung -lg" excluded "dell" with no kg_id and no DOWN boost, while "laptop not
# dell", tagged "not dell", had both: the tagger tagged the brand's word not at all, or as a
# span that linked nothing. :meth:`parser.linking.SpanLinker._untagged_excluded_brands`)

NB_TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs")
NB_LAPTOPS = Node(NodeKind.CATEGORY, "bb/laptops", "Laptops",
                  path="Computers & Tablets > Laptops")
NB_PIES = Node(NodeKind.CATEGORY, "g/pies", "Pies", path="Food > Bakery > Pies")
NB_SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
NB_LG = Node(NodeKind.BRAND, "lg", "LG")
NB_DELL = Node(NodeKind.BRAND, "dell", "Dell")
NB_APPLE = Node(NodeKind.BRAND, "apple", "Apple")  # (also the fruit's product type)
NB_APPLES = Node(NodeKind.PRODUCT_TYPE, "apples", "Apples")
NB_REMOTE = Node(NodeKind.PRODUCT_TYPE, "remote", "Remote")
NB_KETO = Node(NodeKind.BRAND, "keto", "Keto")  # (a name list's brand the KG sells nothing under)
NB_SOLD = [Edge(NB_SAMSUNG.iri, Relation.SELLS_IN, NB_TVS.iri),
           Edge(NB_LG.iri, Relation.SELLS_IN, NB_TVS.iri)]

NB_SPANS = {
    "tv -samsung -lg": [("tv", "core_product_type")],
    'laptop not "dell"': [("laptop", "core_product_type"), ("not", "condition")],
    "laptop not (dell)": [("laptop", "core_product_type")],
    "laptop no dell": [("laptop", "core_product_type")],
    "laptop not dell": [("laptop", "core_product_type"), ("not dell", "condition")],
    "tv -lg": [("tv", "core_product_type"), ("-lg", "modifier")],  # (a span linking nothing)
    "tv -samsung": [("tv -samsung", "core_product_type")],  # (one span, product and brand)
    "television -samsung -lg": [("television", "core_product_type"),
                                ("-samsung -lg", "creator")],  # (one span, two brands)
    "laptop -apple": [("laptop", "core_product_type")],
    "tv not samsung or lg": [("tv", "core_product_type"), ("not samsung", "condition"),
                             ("or lg", "modifier")],  # (a list's joiner in the span)
    "pie -apple": [("pie", "core_product_type")],
    "tv no remote": [("tv", "core_product_type")],
    "no samsung tv": [("tv", "core_product_type")],  # (a "no" opening the query: a cue here)
    "tv -keto": [("tv", "core_product_type")],
    "the world without samsung": [("the world without samsung", "content")],  # (a title)
}


@pytest.fixture(scope="module")
def nb_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([NB_TVS, NB_LAPTOPS, NB_PIES, NB_SAMSUNG, NB_LG, NB_DELL, NB_APPLE,
                   NB_APPLES, NB_REMOTE, NB_KETO, *NB_SOLD,
                   Edge(NB_APPLE.iri, Relation.SELLS_IN, NB_LAPTOPS.iri),
                   Edge(NB_DELL.iri, Relation.SELLS_IN, NB_LAPTOPS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(NB_SPANS), kg=g, expander=QueryExpander(g),
                       linker=EntityLinker(g))


def _down_brands(q: ParsedQuery) -> list[str]:
    return sorted(b.term for b in q.boosts if b.direction == "DOWN" and b.term.startswith("brand:"))


@pytest.mark.parametrize(("query", "want", "downs"), [
    ("tv -samsung -lg", [("samsung", 4, 11, NB_SAMSUNG.iri), ("lg", 13, 15, NB_LG.iri)],
     ["brand:LG", "brand:Samsung"]),
    ('laptop not "dell"', [("dell", 12, 16, NB_DELL.iri)], ["brand:Dell"]),
    ("laptop not (dell)", [("dell", 12, 16, NB_DELL.iri)], ["brand:Dell"]),
    ("laptop no dell", [("dell", 10, 14, NB_DELL.iri)], ["brand:Dell"]),
    ("laptop not dell", [("dell", 11, 15, NB_DELL.iri)], ["brand:Dell"]),  # (as before)
    ("tv -lg", [("lg", 4, 6, NB_LG.iri)], ["brand:LG"]),
    ("tv -samsung", [("samsung", 4, 11, NB_SAMSUNG.iri)], ["brand:Samsung"]),
    ("television -samsung -lg",
     [("samsung", 12, 19, NB_SAMSUNG.iri), ("lg", 21, 23, NB_LG.iri)],
     ["brand:LG", "brand:Samsung"]),
    ("tv not samsung or lg", [("samsung", 7, 14, NB_SAMSUNG.iri), ("lg", 18, 20, NB_LG.iri)],
     ["brand:LG", "brand:Samsung"]),
    # a brand's name that is a thing's name too: the brand where it sells what is searched
    ("laptop -apple", [("apple", 8, 13, NB_APPLE.iri)], ["brand:Apple"]),
    # a "no" opening the query before a brand's very name excludes it, as "not samsung tv"
    # and "tv no samsung" do (before: a compound's "no", "no slip socks": nothing excluded)
    ("no samsung tv", [("samsung", 3, 10, NB_SAMSUNG.iri)], ["brand:Samsung"]),
])
def test_an_excluded_brand_the_tagger_did_not_link_is_linked(
        nb_qp: QueryParser, query: str, want: list[tuple], downs: list[str]) -> None:
    q = nb_qp(query)
    assert _excluded(q) == want
    assert _down_brands(q) == downs
    assert not q.filters.get("brand")
    assert all(q.text[e.start:e.end] == e.text for e in q.entities)
    jsonschema.validate(q.to_dict(), parsed_query_schema())


def test_the_brand_a_span_linking_nothing_holds_keeps_the_span() -> None:
    """"-lg" (``modifier``) links LG, its text, offsets, label and score kept; "tv -samsung",
    one span, becomes the product searched and the brand; a brand no span holds is an entity
    of the brand-only label, score 0.0."""
    g = ProductGraph.in_memory()
    g.add_records([NB_TVS, NB_SAMSUNG, NB_LG, *NB_SOLD], progress=False)
    qp = QueryParser(tagger=PhraseTagger(NB_SPANS), kg=g, expander=QueryExpander(g),
                     linker=EntityLinker(g))
    got = {query: [(e.text, e.label, e.score, e.kg_id) for e in qp(query).entities]
           for query in ("tv -lg", "tv -samsung", "tv -samsung -lg")}
    assert got == {
        "tv -lg": [("tv", "core_product_type", 0.9, NB_TVS.iri),
                   ("-lg", "modifier", 0.9, NB_LG.iri)],
        "tv -samsung": [("tv", "core_product_type", 0.9, NB_TVS.iri),
                        ("samsung", "creator", 0.9, NB_SAMSUNG.iri)],
        "tv -samsung -lg": [("tv", "core_product_type", 0.9, NB_TVS.iri),
                            ("samsung", "creator", 0.0, NB_SAMSUNG.iri),
                            ("lg", "creator", 0.0, NB_LG.iri)]}


@pytest.mark.parametrize("query", [
    "pie -apple",  # (the fruit: Apple sells no food)
    "tv no remote",  # (no brand of that name)
    "tv -keto",  # (a brand's very name the KG sells nothing under: a name list's word)
    "the world without samsung",  # (a title's words: as tagged)
])
def test_an_excluded_word_that_means_no_brand_links_none(nb_qp: QueryParser, query: str) -> None:
    q = nb_qp(query)
    assert [x.kg_id for x in q.excluded] == [None] * len(q.excluded)
    assert _down_brands(q) == []
    assert [e.kg_id for e in q.entities if e.kg_kind == "brand"] == []


# -- a colour word opening a name, a minus sign before a bracket or a quote, "either" after an
# "or" list (the old readings: "not red bull energy drink" excluded "red", "not green
# mountain coffee" "green" and "not blue tooth speaker" "blue"; "not coffee table" and "not
# white noise machine" a DOWN boost on the colour; "tv -(samsung)" a hard brand filter on
# Samsung; "laptop not dell or hp either" "hp", with no kg_id and no DOWN boost)

EITHER_SPANS = {
    "laptop not dell or hp either": [("laptop", "core_product_type"), ("not dell", "modifier"),
                                     ("hp either", "modifier")],
    "tv -(samsung)": [("tv", "core_product_type"), ("-(samsung)", "creator")],
    'tv -"samsung"': [("tv", "core_product_type"), ('-"samsung', "creator")],
    "tv -[samsung]": [("tv", "core_product_type"), ("-[samsung]", "creator")],
}


@pytest.fixture(scope="module")
def either_qp() -> QueryParser:
    hp = Node(NodeKind.BRAND, "hp", "HP")
    g = ProductGraph.in_memory()
    g.add_records([NB_TVS, NB_LAPTOPS, NB_SAMSUNG, NB_DELL, hp, *NB_SOLD,
                   Edge(NB_DELL.iri, Relation.SELLS_IN, NB_LAPTOPS.iri),
                   Edge(hp.iri, Relation.SELLS_IN, NB_LAPTOPS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(EITHER_SPANS), kg=g, expander=QueryExpander(g),
                       linker=EntityLinker(g))


def test_either_after_an_or_list_links_the_brand_before_it(either_qp: QueryParser) -> None:
    q = either_qp("laptop not dell or hp either")
    assert [(t, a, b) for t, a, b, _ in _excluded(q)] == [("dell", 11, 15), ("hp", 19, 21)]
    assert all(x.kg_id is not None for x in q.excluded)
    assert _down_brands(q) == ["brand:Dell", "brand:HP"]
    assert not q.filters.get("brand")
    assert all(q.text[e.start:e.end] == e.text for e in q.entities)


@pytest.mark.parametrize("query", ["tv -(samsung)", 'tv -"samsung"', "tv -[samsung]"])
def test_a_minus_before_a_bracket_or_a_quote_excludes_the_brand(either_qp: QueryParser,
                                                                query: str) -> None:
    q = either_qp(query)
    assert _excluded(q) == [("samsung", 5, 12, NB_SAMSUNG.iri)]
    assert _down_brands(q) == ["brand:Samsung"]
    assert not q.filters.get("brand")


# query -> the excluded words (text, start, end, whether linked); the category filter the
# parse must hold, or must not hold ("-"), or None
NAME_WORDS = {
    "not red bull energy drink": ([("red bull", 4, 12, False)], None),
    "not green mountain coffee": ([("green mountain coffee", 4, 25, True)], "-Appliances"),
    "not blue tooth speaker": ([("blue tooth", 4, 14, True)],
                               "Audio > Home Audio > Speakers"),
    "not coffee table": ([("coffee table", 4, 16, True)], None),
    "not white noise machine": ([("white noise machine", 4, 23, True)], None),
    "not black phone case": ([("black", 4, 9, True)], "Cell Phones"),  # (as it was)
    "laptop not dell or hp either": ([("dell", 11, 15, True), ("hp", 19, 21, True)], None),
    "tv -(samsung)": ([("samsung", 5, 12, True)], None),
    'tv -"samsung"': ([("samsung", 5, 12, True)], None),
    "tv -[samsung]": ([("samsung", 5, 12, True)], None),
}


def test_names_a_colour_opens_and_bracketed_brands_on_the_quickstart_bundle(
        bundle_parser: QueryParser) -> None:
    for q in bundle_parser.pipe(list(NAME_WORDS)):
        excluded, category = NAME_WORDS[q.text]
        assert [(t, a, b, kg_id is not None) for t, a, b, kg_id in _excluded(q)] == excluded, \
            q.text
        assert not q.filters.get("colour") and not q.filters.get("brand"), q.text
        if q.text in ("not coffee table", "not white noise machine"):  # (no colour excluded)
            assert not [b for b in q.boosts if b.term.startswith("colour:")], q.text
        if category is not None and category.startswith("-"):
            assert category[1:] not in q.filters.get("category", []), q.text
        elif category is not None:
            assert _filters_in(q, category), q.text


# -- a colour before a product word the KG names nothing for, a closing bracket or quote, a KG
# name an excluded colour word opens (the old readings: "not grey couch" excluded "grey
# couch" with no kg_id; "tv -(samsung) 55 inch" "samsung) 55 inch"; "tv -(samsung lg)" a hard
# LG filter; "not coffee table" no kg_id, Coffee Tables searched and its tree walked)

# query -> the excluded words (text, start, end, the label of the excluded node or None)
CUT_WORDS = {
    "not grey couch": [("grey", 4, 8, "Grey")],
    "not pink hoodie": [("pink", 4, 8, "Pink")],
    "not white sneakers": [("white", 4, 9, "White")],
    "not red bull energy drink": [("red bull", 4, 12, None)],
    "not green mountain coffee": [("green mountain coffee", 4, 25, "Green Mountain Coffee")],
    "not blue tooth speaker": [("blue tooth", 4, 14, "Bluetooth")],
    "not black phone case": [("black", 4, 9, "Black")],
    "tv -(samsung) 55 inch": [("samsung", 5, 12, "Samsung")],
    "tv (not samsung) 55 inch": [("samsung", 8, 15, "Samsung")],
    'laptop -"dell" 15 inch': [("dell", 9, 13, "Dell")],
    "phone -(apple) case": [("apple", 8, 13, "Apple")],
    "tv -(samsung lg)": [("samsung", 5, 12, "Samsung"), ("lg", 13, 15, "LG")],
    "not coffee table": [("coffee table", 4, 16, "Coffee Tables")],
    "not white noise machine": [("white noise machine", 4, 23, "White Noise Machines")],
}


def test_colours_brackets_and_names_a_colour_opens_on_the_quickstart_bundle(
        bundle_parser: QueryParser) -> None:
    labels = {e.kg_id: e.kg_label for q in bundle_parser.pipe(list(CUT_WORDS))
              for e in q.entities if e.kg_id}
    for q in bundle_parser.pipe(list(CUT_WORDS)):
        assert [(t, a, b, labels.get(k) if k else None)
                for t, a, b, k in _excluded(q)] == CUT_WORDS[q.text], q.text
        assert not q.filters.get("colour") and not q.filters.get("brand"), q.text
        downs = sorted(b.term.split(":", 1)[1].rsplit(" > ", 1)[-1]
                       for b in q.boosts if b.direction == "DOWN")
        assert downs == sorted(k for *_, k in CUT_WORDS[q.text]
                               if k and k != "Bluetooth"), (q.text, q.boosts)
        if q.text in ("not coffee table", "not white noise machine"):  # (no tree walked)
            assert not [x for x in q.expansions if x.kind.endswith("category")], q.text


# -- one character, a letter size without "size", a name sharing one word, a hyphenated "non"
# (an as-you-type review, 2026-12-06; the old readings: "refrigerator not w" and "rice cooker
# without w" DOWN-boosted the brand W, "headphones not b" and "dress not b" the size B, "tv
# without l" the size L; "tv not xl" the size XL; "watch not fit" excluded the product type
# "Non-fit"; "shirt non-black" excluded nothing while "shirt non black" excluded Black; "non
# white noise machine" DOWN-boosted White Noise Machines with the excluded words "white")

OC_FRIDGES = Node(NodeKind.CATEGORY, "bb/fridges", "Refrigerators",
                  path="Appliances > Refrigerators")
OC_FREEZERS = Node(NodeKind.CATEGORY, "bb/freezers", "Freezers", path="Appliances > Freezers")
OC_HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
OC_WATCHES = Node(NodeKind.CATEGORY, "bb/watches", "Watches", path="Wearable Technology > Watches")
OC_SHIRTS = Node(NodeKind.CATEGORY, "g/shirts", "Shirts", path="Apparel > Clothing > Shirts")
OC_NOISE = Node(NodeKind.CATEGORY, "g/white-noise", "White Noise Machines",
                aliases=("noise machine", "noise machines"),
                path="Health & Beauty > Sleeping Aids > White Noise Machines")
OC_SPRINGS = Node(NodeKind.CATEGORY, "bb/springs", "Mattresses & Box Springs",
                 path="Home > Bedroom > Mattresses & Box Springs")
OC_BEDS = Node(NodeKind.CATEGORY, "g/beds", "Beds", path="Home > Bedroom > Beds")
OC_W = Node(NodeKind.BRAND, "w", "W")  # (a name list's one-letter brand)
OC_GE = Node(NodeKind.BRAND, "ge", "GE")
OC_HP = Node(NodeKind.BRAND, "hp", "HP")
OC_B = Node(NodeKind.ATTRIBUTE_VALUE, "size/b", "B", attribute="size")
OC_L = Node(NodeKind.ATTRIBUTE_VALUE, "size/l", "L", attribute="size")
OC_M = Node(NodeKind.ATTRIBUTE_VALUE, "size/m", "M", attribute="size")
OC_XL = Node(NodeKind.ATTRIBUTE_VALUE, "size/xl", "XL", attribute="size")
OC_BLACK = Node(NodeKind.ATTRIBUTE_VALUE, "color/black", "Black", attribute="color")
OC_WHITE = Node(NodeKind.ATTRIBUTE_VALUE, "color/white", "White", attribute="color")
OC_NON_FIT = Node(NodeKind.PRODUCT_TYPE, "non-fit", "Non-fit")

OC_SPANS = {
    "refrigerator not w": [("refrigerator", "core_product_type"), ("not w", "condition")],
    "refrigerator without w": [("refrigerator", "core_product_type"), ("without w", "condition")],
    "refrigerator -w": [("refrigerator", "core_product_type")],
    "refrigerator not w.": [("refrigerator", "core_product_type"), ("not", "condition"),
                            ("w", "creator")],
    "headphones not b": [("headphones", "core_product_type"), ("not b", "modifier")],
    "headphones no b": [("headphones", "core_product_type"), ("no b", "modifier")],
    "tv without l": [("tv", "core_product_type"), ("without l", "condition")],
    "tv not m": [("tv", "core_product_type"), ("not m", "modifier")],
    "tv not xl": [("tv", "core_product_type"), ("not xl", "modifier")],
    "tv not lg": [("tv", "core_product_type"), ("not lg", "modifier")],
    "tv -lg": [("tv", "core_product_type"), ("-lg", "modifier")],
    "laptop not hp": [("laptop", "core_product_type"), ("not hp", "condition")],
    "no ge": [("no ge", "creator")],
    "non ge refrigerator": [("non ge", "creator"), ("refrigerator", "core_product_type")],
    "shirt not size m": [("shirt", "core_product_type"), ("not size m", "modifier")],
    "watch not fit": [("watch", "core_product_type"), ("not fit", "condition")],
    "refrigerator without freezer": [("refrigerator", "core_product_type"),
                                     ("without freezer", "condition")],
    "bed without box spring": [("bed", "core_product_type"), ("without box spring", "condition")],
    "shirt non-black": [("shirt", "core_product_type"), ("non-black", "color")],
    "non-black shirt": [("non-black", "color"), ("shirt", "core_product_type")],
    "shirt non black": [("shirt", "core_product_type"), ("non black", "modifier")],
    "shirt not black": [("shirt", "core_product_type"), ("not black", "modifier")],
    "shirt -black": [("shirt", "core_product_type"), ("-black", "color")],
    "non-ge refrigerator": [("non-ge", "creator"), ("refrigerator", "core_product_type")],
    "non white noise machine": [("non white", "modifier"),
                                ("noise machine", "core_product_type")],
}


@pytest.fixture(scope="module")
def oc_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([NB_TVS, NB_LAPTOPS, NB_LG, OC_FRIDGES, OC_FREEZERS, OC_HEADPHONES,
                   OC_WATCHES, OC_SHIRTS, OC_NOISE, OC_W, OC_GE, OC_HP, OC_B, OC_L, OC_M, OC_XL,
                   OC_BLACK, OC_WHITE, OC_NON_FIT, OC_SPRINGS, OC_BEDS,
                   Edge(OC_W.iri, Relation.SELLS_IN, OC_FRIDGES.iri),
                   Edge(OC_GE.iri, Relation.SELLS_IN, OC_FRIDGES.iri),
                   Edge(OC_HP.iri, Relation.SELLS_IN, NB_LAPTOPS.iri),
                   Edge(NB_LG.iri, Relation.SELLS_IN, NB_TVS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(OC_SPANS), kg=g, expander=QueryExpander(g),
                       linker=EntityLinker(g))


def _downs(q: ParsedQuery) -> list[str]:
    return sorted(b.term for b in q.boosts if b.direction == "DOWN")


@pytest.mark.parametrize(("query", "word"), [
    ("refrigerator not w", "w"), ("refrigerator without w", "w"), ("refrigerator -w", "w"),
    ("refrigerator not w.", "w"),  # (the letter tagged and linked a span of its own)
    ("headphones not b", "b"), ("headphones no b", "b"), ("tv without l", "l"),
    ("tv not m", "m"),
])
def test_an_excluded_word_of_one_character_links_nothing(oc_qp: QueryParser, query: str,
                                                         word: str) -> None:
    """One letter after a cue is as often a word being typed ("not w" of "not whirlpool") as a
    brand's or a size's name: no node excluded, no DOWN boost (the letter is still excluded:
    no filter, no UP boost)."""
    q = oc_qp(query)
    assert [(t, k) for t, _, _, k in _excluded(q)] == [(word, None)], query
    assert _downs(q) == [], query
    assert not q.filters.get("brand") and not q.filters.get("size"), query
    assert not [b for b in q.boosts if b.term.lower().endswith(f":{word}")], query


@pytest.mark.parametrize(("query", "want", "downs"), [
    ("tv not lg", [("lg", NB_LG.iri)], ["brand:LG"]),
    ("tv -lg", [("lg", NB_LG.iri)], ["brand:LG"]),
    ("laptop not hp", [("hp", OC_HP.iri)], ["brand:HP"]),
    ("no ge", [("ge", OC_GE.iri)], ["brand:GE"]),
    ("non ge refrigerator", [("ge", OC_GE.iri)], ["brand:GE"]),
    ("shirt not size m", [("size m", None)], ["size:M"]),  # (the words hold more: no kg_id)
    ("shirt not black", [("black", OC_BLACK.iri)], ["colour:Black"]),
    ("shirt non black", [("black", OC_BLACK.iri)], ["colour:Black"]),
    ("shirt -black", [("black", OC_BLACK.iri)], ["colour:Black"]),
    ("refrigerator without freezer", [("freezer", OC_FREEZERS.iri)],
     ["category:Appliances > Freezers"]),
    ("bed without box spring", [("box spring", OC_SPRINGS.iri)],
     ["category:Home > Bedroom > Mattresses & Box Springs"]),
])
def test_two_letters_a_said_size_and_colours_stay_excluded(
        oc_qp: QueryParser, query: str, want: list[tuple], downs: list[str]) -> None:
    q = oc_qp(query)
    assert [(t, k) for t, _, _, k in _excluded(q)] == want, query
    assert _downs(q) == downs, query
    assert not q.filters.get("brand") and not q.filters.get("colour"), query


def test_a_letter_size_after_a_cue_without_size_is_no_size_excluded(oc_qp: QueryParser) -> None:
    """"tv not xl": a letter size is read only next to "size" (or, of several letters, beside
    clothing), as the size patterns read it: no size XL of the TVs to demote."""
    q = oc_qp("tv not xl")
    assert [(t, k) for t, _, _, k in _excluded(q)] == [("xl", None)]
    assert _downs(q) == [] and not q.filters.get("size")


def test_a_name_holding_a_cue_the_excluded_words_lack_links_nothing(
        oc_qp: QueryParser) -> None:
    """"watch not fit": the product type "Non-fit" holds "fit" and a negation cue the words
    do not say ("non"): it names their opposite, no thing they exclude. A name holding the
    words and others still links ("without box spring": Mattresses & Box Springs)."""
    q = oc_qp("watch not fit")
    assert [(t, k) for t, _, _, k in _excluded(q)] == [("fit", None)]
    assert [e.kg_id for e in q.entities if e.text == "not fit"] == [None]


@pytest.mark.parametrize(("query", "want", "down"), [
    ("shirt non-black", [("black", 10, 15, OC_BLACK.iri)], ["colour:Black"]),
    ("non-black shirt", [("black", 4, 9, OC_BLACK.iri)], ["colour:Black"]),
    ("non-ge refrigerator", [("ge", 4, 6, OC_GE.iri)], ["brand:GE"]),
    ("non white noise machine", [("white noise machine", 4, 23, OC_NOISE.iri)],
     ["category:Health & Beauty > Sleeping Aids > White Noise Machines"]),
])
def test_a_hyphenated_non_excludes_as_non_does(oc_qp: QueryParser, query: str,
                                               want: list[tuple], down: list[str]) -> None:
    q = oc_qp(query)
    assert _excluded(q) == want, query
    assert _downs(q) == down, query
    assert not q.filters.get("colour") and not q.filters.get("brand"), query


# -- a "no" opening the query before a colour word of a name, a colour before an unknown
# brand's mention whose words are KG words (the old readings: "no blue light glasses"
# excluded "blue light", "no white noise machine" DOWN-boosted White Noise Machines; "black
# henna hair color" lost its Black filter, "henna" read as an unknown brand's name)

NC_NOISE = Node(NodeKind.CATEGORY, "g/white-noise", "White Noise Machines",
                aliases=("noise machine", "noise machines"),
                path="Health & Beauty > Sleeping Aids > White Noise Machines")
NC_GLASSES = Node(NodeKind.CATEGORY, "g/glasses", "Eyeglasses", aliases=("glasses",),
                  path="Health & Beauty > Vision Care > Eyeglasses")
NC_SHIRTS = Node(NodeKind.CATEGORY, "g/shirts", "Shirts", path="Apparel > Clothing > Shirts")
NC_HAIR = Node(NodeKind.CATEGORY, "g/hair-color", "Hair Color",
               path="Health & Beauty > Hair Care > Hair Color")
NC_THERMOSTATS = Node(NodeKind.CATEGORY, "bb/thermostats", "Thermostats",
                      path="Appliances > Heating & Cooling > Thermostats")
NC_HENNA = Node(NodeKind.BRAND, "zenia", "Zenia Cassia Obovata (Neutral Henna)")
NC_BLACK = Node(NodeKind.ATTRIBUTE_VALUE, "color/black", "Black", attribute="color")
NC_WHITE = Node(NodeKind.ATTRIBUTE_VALUE, "color/white", "White", attribute="color")
NC_BLUE = Node(NodeKind.ATTRIBUTE_VALUE, "color/blue", "Blue", attribute="color")

NC_SPANS = {
    "no white noise machine": [("no white", "modifier"), ("noise machine", "core_product_type")],
    "no blue light glasses": [("no blue light", "modifier"), ("glasses", "core_product_type")],
    "no black shirt": [("no black", "modifier"), ("shirt", "core_product_type")],
    "no white shirt": [("no white", "modifier"), ("shirt", "core_product_type")],
    "black henna hair color": [("black", "color"), ("henna", "creator"),
                               ("hair color", "core_product_type")],
    "white rodgers thermostat": [("white", "color"), ("rodgers", "creator"),
                                 ("thermostat", "core_product_type")],
}


@pytest.fixture(scope="module")
def nc_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([NC_NOISE, NC_GLASSES, NC_SHIRTS, NC_HAIR, NC_THERMOSTATS, NC_HENNA,
                   NC_BLACK, NC_WHITE, NC_BLUE,
                   Edge(NC_HENNA.iri, Relation.SELLS_IN, NC_HAIR.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(NC_SPANS), kg=g, expander=QueryExpander(g),
                       linker=EntityLinker(g))


@pytest.mark.parametrize("query", ["no white noise machine", "no blue light glasses"])
def test_a_no_opening_the_query_before_a_colour_word_of_a_name_is_a_compound(
        nc_qp: QueryParser, query: str) -> None:
    """A colour opening a KG name with the words after it ("white noise machine") or a colour
    word and a word that is no shade ("blue light": light the glasses block) is the
    product's name, no colour the "no" excludes: nothing excluded, no DOWN boost."""
    q = nc_qp(query)
    assert _excluded(q) == [], query
    assert _downs(q) == [], query
    assert all(e.kg_id is None for e in q.entities if e.text.startswith("no ")), query


@pytest.mark.parametrize(("query", "colour"), [("no black shirt", NC_BLACK),
                                               ("no white shirt", NC_WHITE)])
def test_a_no_opening_the_query_before_a_product_colour_excludes_it(
        nc_qp: QueryParser, query: str, colour: Node) -> None:
    """"no black shirt": a shirt of any colour but black (no name opens with "black shirt")."""
    q = nc_qp(query)
    assert [(t, k) for t, _, _, k in _excluded(q)] == [(colour.label.lower(), colour.iri)]
    assert _downs(q) == [f"colour:{colour.label}"]


def test_a_colour_before_a_brand_mention_of_kg_words_keeps_its_filter(
        nc_qp: QueryParser) -> None:
    """"henna", tagged a brand's mention that links nothing, is a word of a KG name (a kind of
    dye): no unknown brand's name "black" opens, so Black stays the hair colour's filter;
    "rodgers" is no KG word, so "white rodgers" stays a brand's name (White-Rodgers)."""
    q = nc_qp("black henna hair color")
    assert q.filters.get("colour") == ["Black"]
    q = nc_qp("white rodgers thermostat")
    assert not q.filters.get("colour")
