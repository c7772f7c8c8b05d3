"""Negations in the parse (a search engineer's review, 2026-12-05, on the default bundle):

1. the words a query excludes were linking context of its other spans: "laptop" in "not gaming
   laptop" linked Gaming Laptops, which became the hard category filter while "gaming" was
   excluded ("not refurbished laptops", "headsets not bluetooth", "not oled tv" alike);
2. a span the tagger took with a cue in it and words before it ("that is not dell", "not made
   by sony", "excluding samsung and lg", "not lg, not sony", "besides dell") linked nothing:
   no DOWN boost, and the excluded words had no ``kg_id``."""

from __future__ import annotations

import pytest

from fusion.expand import QueryExpander
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser

from .word_tagger import PhraseTagger

COMPUTERS = Node(NodeKind.CATEGORY, "bb/computers", "Computers & Tablets",
                 path="Computers & Tablets")
LAPTOPS = Node(NodeKind.CATEGORY, "bb/laptops", "Laptops", path="Computers & Tablets > Laptops")
GAMING = Node(NodeKind.CATEGORY, "bb/gaming-laptops", "Gaming Laptops",
              path="Computers & Tablets > Laptops > Gaming Laptops")
AUDIO = Node(NodeKind.CATEGORY, "bb/audio", "Audio", path="Audio")
HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs")
APPLIANCES = Node(NodeKind.CATEGORY, "bb/appliances", "Appliances", path="Appliances")
WASHERS = Node(NodeKind.CATEGORY, "bb/washers", "Washers", path="Appliances > Washers")
HARDWARE = Node(NodeKind.CATEGORY, "g/hardware", "Hardware", path="Hardware")
FASTENERS = Node(NodeKind.CATEGORY, "g/washers", "Washers", path="Hardware > Washers",
                 popularity=100.0)
DELL = Node(NodeKind.BRAND, "dell", "Dell")
SONY = Node(NodeKind.BRAND, "sony", "Sony")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
LG = Node(NodeKind.BRAND, "lg", "LG")
YOU = Node(NodeKind.BRAND, "you", "You")

P, M = "core_product_type", "modifier"
SPANS = {
    "not gaming laptop": [("not gaming", M), ("laptop", P)],
    "laptop not gaming": [("laptop", P), ("not gaming", M)],
    "gaming laptop": [("gaming", M), ("laptop", P)],
    "headphones not made by sony": [("headphones", P), ("not made by sony", "condition")],
    "laptop which is not dell": [("laptop", P), ("which is not dell", M)],
    "laptop that's not a dell": [("laptop", P), ("that's not a dell", "content")],
    "laptop besides dell": [("laptop", P), ("besides dell", M)],
    "tv excluding samsung and lg": [("tv", P), ("excluding samsung and lg", M)],
    "tv not lg, not sony": [("tv", P), ("not lg, not sony", M)],
    "the world without you": [("the world without you", "content")],
    "washer lg": [("washer", P), ("lg", "creator")],
    "washer not lg": [("washer", P), ("not lg", "condition")],
}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([
        COMPUTERS, LAPTOPS, GAMING, AUDIO, HEADPHONES, TVS, DELL, SONY, SAMSUNG, LG, YOU,
        APPLIANCES, WASHERS, HARDWARE, FASTENERS,
        Edge(WASHERS.iri, Relation.PARENT, APPLIANCES.iri),
        Edge(FASTENERS.iri, Relation.PARENT, HARDWARE.iri),
        Edge(LG.iri, Relation.SELLS_IN, WASHERS.iri),
        Edge(LAPTOPS.iri, Relation.PARENT, COMPUTERS.iri),
        Edge(GAMING.iri, Relation.PARENT, LAPTOPS.iri),
        Edge(HEADPHONES.iri, Relation.PARENT, AUDIO.iri),
        Edge(DELL.iri, Relation.SELLS_IN, LAPTOPS.iri),
        Edge(SONY.iri, Relation.SELLS_IN, HEADPHONES.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri), Edge(LG.iri, Relation.SELLS_IN, TVS.iri),
    ], progress=False)
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g, expander=QueryExpander(g))


def _link(qp: QueryParser, query: str, mention: str) -> str | None:
    return next(e.kg_id for e in qp(query).entities if e.text == mention)


def test_excluded_words_are_no_linking_context(qp: QueryParser) -> None:
    assert _link(qp, "gaming laptop", "laptop") == GAMING.iri  # (the context pulls, asked for)
    for query in ("not gaming laptop", "laptop not gaming"):
        q = qp(query)
        assert _link(qp, query, "laptop") == LAPTOPS.iri, q.entities
        assert GAMING.path not in q.filters.get("category", []), q.filters
        assert [x.text for x in q.excluded] == ["gaming"]


def test_an_excluded_brand_stays_linking_context(qp: QueryParser) -> None:
    """"washer not lg" is a washer of LG's kind, the appliance, though not LG's own: the
    excluded brand still steers the other words' links (a diff review: "camera not canon"
    linked Google's Cameras, "washer not lg" Google's hardware Washers, and lost the store
    category filter)."""
    assert _link(qp, "washer lg", "washer") == WASHERS.iri
    q = qp("washer not lg")
    assert _link(qp, "washer not lg", "washer") == WASHERS.iri, q.entities
    assert [(x.text, x.kg_id) for x in q.excluded] == [("lg", LG.iri)]


@pytest.mark.parametrize(("query", "brands"), [
    ("headphones not made by sony", [SONY]),
    ("laptop which is not dell", [DELL]),
    ("laptop that's not a dell", [DELL]),
    ("laptop besides dell", [DELL]),
    ("tv excluding samsung and lg", [SAMSUNG, LG]),
    ("tv not lg, not sony", [LG, SONY]),
])
def test_a_brand_a_cue_inside_a_span_excludes_is_linked(qp: QueryParser, query: str,
                                                        brands: list[Node]) -> None:
    q = qp(query)
    assert [(x.text, x.kg_id) for x in q.excluded] == [
        (b.label.lower(), b.iri) for b in brands]
    assert sorted(b.term for b in q.boosts if b.direction == "DOWN") == sorted(
        f"brand:{b.label}" for b in brands)
    assert "brand" not in q.filters


def test_a_title_that_is_the_whole_query_excludes_no_brand(qp: QueryParser) -> None:
    q = qp("the world without you")
    assert q.excluded == [] and not [b for b in q.boosts if b.direction == "DOWN"]


# -- a "no" compound after other words, a cue's words that name another department, and an
# -- exclusion of function words only (a reviewer, 2026-12-06, on the default bundle) ---------

SOCKS = Node(NodeKind.CATEGORY, "g/socks", "Socks", path="Apparel > Socks")
SLIPS = Node(NodeKind.CATEGORY, "g/slips", "Slips", path="Apparel > Underwear > Slips")
HANGERS = Node(NodeKind.CATEGORY, "g/hangers", "Hangers", path="Home & Garden > Hangers")
NAILS = Node(NodeKind.CATEGORY, "f/nails", "Nails",
             path="beauty and personal care > makeup > nails")
DETERGENT = Node(NodeKind.CATEGORY, "g/detergent", "Detergent",
                 path="Home & Garden > Laundry > Detergent")
BLEACH = Node(NodeKind.CATEGORY, "g/bleach", "Bleach", path="Home & Garden > Laundry > Bleach")
WINDOW_TINT = Node(NodeKind.CATEGORY, "g/tint", "Window Tint", path="Home & Garden > Window Tint")
IRON = Node(NodeKind.ATTRIBUTE_VALUE, "material/iron", "Iron", attribute="material")
COMPOUND_SPANS = {
    "kids no slip socks": [("kids", "department"), ("no slip", M), ("socks", P)],
    "no slip socks": [("no slip", M), ("socks", P)],
    "clear no chip socks": [("clear no chip", M), ("socks", P)],
    "socks no slip": [("socks", P), ("no slip", M)],
    "tv no samsung": [("tv", P), ("no samsung", M)],
    "frame hangers without nails": [("frame hangers", P), ("without nails", M)],
    "detergent without bleach": [("detergent", P), ("without bleach", "condition")],
    "window tint see out but not in": [("window tint", P), ("see out but not in", M)],
    "mens no iron socks": [("mens", "department"), ("no iron", M), ("socks", P)],
}


@pytest.fixture(scope="module")
def compound_qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([TVS, SAMSUNG, SOCKS, SLIPS, HANGERS, NAILS, DETERGENT, BLEACH, WINDOW_TINT,
                   IRON, Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri)], progress=False)
    return QueryParser(tagger=PhraseTagger(COMPOUND_SPANS), kg=g, expander=QueryExpander(g))


def _excluded_and_downs(qp: QueryParser, query: str) -> tuple[list[str], list[str]]:
    q = qp(query)
    return [x.text for x in q.excluded], [b.term for b in q.boosts if b.direction == "DOWN"]


@pytest.mark.parametrize("query", [
    "kids no slip socks",   # (was: "slip" excluded, a DOWN on Slips)
    "no slip socks",        # (a "no" opening the query: as before)
    "clear no chip socks",  # (the "no" inside a span: "chip socks" was excluded)
    "mens no iron socks",   # ("no iron" linked the material Iron, excluded: "iron")
])
def test_a_no_compound_before_the_product_excludes_nothing(compound_qp: QueryParser,
                                                           query: str) -> None:
    assert _excluded_and_downs(compound_qp, query) == ([], [])
    assert not any(e.kg_id in (SLIPS.iri, IRON.iri) for e in compound_qp(query).entities)


def test_a_no_after_the_product_still_excludes(compound_qp: QueryParser) -> None:
    assert _excluded_and_downs(compound_qp, "socks no slip") == (
        ["slip"], ["category:Apparel > Underwear > Slips"])
    assert _excluded_and_downs(compound_qp, "tv no samsung") == (["samsung"], ["brand:Samsung"])


def test_a_category_of_another_department_than_the_query_is_no_down_boost(
        compound_qp: QueryParser) -> None:
    """"frame hangers without nails" DOWN-boosted makeup > nails: the words stay excluded,
    but the category of another part of the catalogue is no node they exclude; one of the
    query's own part is ("detergent without bleach")."""
    assert _excluded_and_downs(compound_qp, "frame hangers without nails") == (["nails"], [])
    assert _excluded_and_downs(compound_qp, "detergent without bleach") == (
        ["bleach"], ["category:Home & Garden > Laundry > Bleach"])


def test_an_exclusion_of_function_words_only_excludes_nothing(compound_qp: QueryParser) -> None:
    assert _excluded_and_downs(compound_qp, "window tint see out but not in") == ([], [])
