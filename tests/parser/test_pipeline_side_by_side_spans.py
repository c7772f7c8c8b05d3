"""Spans that name two things side by side, as in queries of the quickstart bundle. Once the
tagger's span "tv vs lg" in "samsung tv vs lg tv" (``product_name``) linked nothing, so LG was lost
and Samsung became a brand filter alone (the "or" query filters on Samsung or LG), and "whirlpool
washer", "whirlpool refrigerator" (one product-type span each: no KG name holds both words) lost
the brand. A span that links nothing is now linked side by side
(:meth:`parser.QueryParser.link_entities`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fusion.expand import QueryExpander
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import PhraseTagger

TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", aliases=("tv",), path="TV & Home Theater > TVs")
#: the default KG's only node named "Washers" is Google's fastener; Best Buy's appliances are
#: "Washers & Dryers" and "Washing Machines"
WASHERS = Node(NodeKind.CATEGORY, "g/washers", "Washers",
               path="Hardware > Hardware Accessories > Hardware Fasteners > Washers")
LAUNDRY = Node(NodeKind.CATEGORY, "bb/laundry", "Washers & Dryers",
               path="Appliances > Washers & Dryers")
FRIDGES = Node(NodeKind.CATEGORY, "bb/fridges", "Refrigerators", path="Appliances > Refrigerators")
CASES = Node(NodeKind.CATEGORY, "bb/cases", "Cases", path="Cell Phones > Cell Phone Accessories"
                                                          " > Cases")
APPLES = Node(NodeKind.CATEGORY, "g/apples", "Apples", path="Food > Fruits > Apples")
JUICE = Node(NodeKind.CATEGORY, "g/juice", "Juice", path="Food > Beverages > Juice")
COFFEE = Node(NodeKind.CATEGORY, "g/coffee", "Coffee", path="Food > Beverages > Coffee")
TABLETS = Node(NodeKind.CATEGORY, "bb/tablets", "Tablets", path="Computers & Tablets > Tablets")
BOWLS = Node(NodeKind.CATEGORY, "fk/bowls", "Bowls", path="kitchen dining > bowls")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0)
LG = Node(NodeKind.BRAND, "lg", "LG", popularity=80.0)
WHIRLPOOL = Node(NodeKind.BRAND, "whirlpool", "Whirlpool", popularity=30.0)
GALAXY = Node(NodeKind.BRAND, "galaxy", "galaxy", popularity=5.0)
APPLE = Node(NodeKind.BRAND, "apple", "Apple", popularity=90.0)
KETO = Node(NodeKind.BRAND, "keto", "Keto")  # a name list's brand: the KG sells nothing under it
CAFFEINE = Node(NodeKind.BRAND, "caffeine", "caffeine", popularity=2.0)  # sold in bowls

SPANS = {
    "samsung tv vs lg tv": [("samsung", "creator"), ("tv vs lg", "product_name"),
                            ("tv", "core_product_type")],
    "samsung tv or lg tv": [("samsung", "creator"), ("tv", "core_product_type"),
                            ("or lg", "product_name"), ("tv", "core_product_type")],
    "samsung vs. whirlpool washer": [("samsung vs. whirlpool washer", "product_name")],
    "qzx or wvt tv": [("qzx or wvt", "product_name"), ("tv", "core_product_type")],
    "whirlpool washer": [("whirlpool washer", "core_product_type")],
    "whirlpool refrigerator": [("whirlpool refrigerator", "core_product_type")],
    "whirlpool qzxv": [("whirlpool qzxv", "core_product_type")],
    "galaxy case": [("galaxy case", "core_product_type")],
    "apple juice": [("apple juice", "core_product_type")],
    "keto coffee": [("keto coffee", "core_product_type")],
    "caffeine tablet": [("caffeine tablet", "core_product_type")],
}

#: the tagger's WordPiece vocabulary: "whirlpool" is no word of it (w ##hir ##lp ##ool)
WORDS = ["[UNK]", "samsung", "lg", "tv", "vs", "or", "galaxy", "case", "apple", "juice",
         "washer", "refrigerator", "w", "##hir", "##lp", "##ool"]


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        TVS, WASHERS, LAUNDRY, FRIDGES, CASES, APPLES, JUICE, COFFEE, TABLETS, BOWLS,
        SAMSUNG, LG, WHIRLPOOL, GALAXY, APPLE, KETO, CAFFEINE,
        Edge(CAFFEINE.iri, Relation.SELLS_IN, BOWLS.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
        Edge(LG.iri, Relation.SELLS_IN, TVS.iri),
        Edge(WHIRLPOOL.iri, Relation.SELLS_IN, LAUNDRY.iri),
        Edge(WHIRLPOOL.iri, Relation.SELLS_IN, FRIDGES.iri),
        Edge(GALAXY.iri, Relation.SELLS_IN, CASES.iri),
    ], progress=False)
    return g


@pytest.fixture(scope="module")
def qp(kg: ProductGraph, tmp_path_factory: pytest.TempPathFactory) -> QueryParser:
    """A parser whose tagger cuts the spans above and has the vocabulary ``WORDS``."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece

    folder: Path = tmp_path_factory.mktemp("tagger")
    (folder / "vocab.txt").write_text("".join(w + "\n" for w in WORDS), encoding="utf-8")
    tokenizer = Tokenizer(WordPiece({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    return QueryParser(tagger=PhraseTagger(SPANS, folder, tokenizer), kg=kg,
                       expander=QueryExpander(kg))


def _entities(q) -> list[tuple[str, str | None, str]]:
    assert all(q.text[e.start:e.end] == e.text for e in q.entities)
    return [(e.text, e.kg_label, e.label) for e in q.entities]


# 5. a span joining two alternatives

def test_a_span_joining_alternatives_links_each_side(qp: QueryParser) -> None:
    q = qp("samsung tv vs lg tv")
    assert _entities(q) == [("samsung", "Samsung", "creator"), ("tv", "TVs", "product_name"),
                            ("lg", "LG", "product_name"), ("tv", "TVs", "core_product_type")]
    # both brands filter, as the "or" query's do: LG was lost, and Samsung alone filtered
    assert sorted(q.filters["brand"]) == ["LG", "Samsung"]
    assert q.filters["brand"] == qp("samsung tv or lg tv").filters["brand"]


def test_a_side_is_split_again_where_it_opens_with_a_brand(qp: QueryParser) -> None:
    q = qp("samsung vs. whirlpool washer")
    assert _entities(q) == [("samsung", "Samsung", "product_name"),
                            ("whirlpool", "Whirlpool", "product_name"),
                            ("washer", "Washers & Dryers", "product_name")]
    assert sorted(q.filters["brand"]) == ["Samsung", "Whirlpool"]


def test_a_span_whose_sides_link_nothing_stays_whole(qp: QueryParser) -> None:
    assert _entities(qp("qzx or wvt tv"))[0] == ("qzx or wvt", None, "product_name")


def test_link_entities_gives_each_side_its_offsets(qp: QueryParser) -> None:
    text = "samsung tv vs lg tv"
    parts = qp.link_entities(text, Entity("tv vs lg", 8, 16, "product_name", 0.9))
    assert [(p.text, p.start, p.end, p.kg_label, p.score) for p in parts] == [
        ("tv", 8, 10, "TVs", 0.9), ("lg", 14, 16, "LG", 0.9)]
    # (link_entity, one entity a span, is as it was)
    assert qp.link_entity(text, Entity("tv vs lg", 8, 16, "product_name", 0.9)).kg_id is None


# 6. a span opening with a brand's name

@pytest.mark.parametrize(("query", "rest"), [
    # (Whirlpool is sold in "Washers & Dryers", a category "washer" heads, which the brand
    # beside it makes the link, not the fasteners; and in the refrigerators' department)
    ("whirlpool washer", ("washer", "Washers & Dryers", "core_product_type")),
    ("whirlpool refrigerator", ("refrigerator", "Refrigerators", "core_product_type")),
])
def test_a_span_opening_with_a_brand_s_name_links_the_brand_and_the_rest(
        qp: QueryParser, query: str, rest: tuple[str, str, str]) -> None:
    q = qp(query)
    assert _entities(q) == [("whirlpool", "Whirlpool", "core_product_type"), rest]
    assert q.filters["brand"] == ["Whirlpool"]


@pytest.mark.parametrize("query", [
    "whirlpool qzxv",  # the rest links nothing
    "galaxy case",  # a word of the tagger's vocabulary (Samsung's line), no brand's name
    "apple juice",  # a kind of product too (the fruit's category Apples)
    "keto coffee",  # a brand the KG sells nothing under: a word of the product's description
    "caffeine tablet",  # a brand the KG sells in another department only
])
def test_no_brand_is_split_off_a_span_where_the_brand_reading_does_not_hold(
        qp: QueryParser, query: str) -> None:
    q = qp(query)
    assert _entities(q) == [(query, None, "core_product_type")]
    assert "brand" not in q.filters
