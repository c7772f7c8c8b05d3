"""The gates that keep a query's intent a guess (no confident intent, no hard filter, no
expansions), and a brand named "<brand> brand":

1. a query the intent model has seen nothing like whose only link is a brand the KG sells
   nothing under (a name list's "OK", "Aveeno", "redmi") is out of the model's depth: the
   brand placed nothing, yet "ok" and "aveeno lotion daily moisturizing" got a hard
   Appliances filter, "redmi note 7" (a phone) one on Computers & Tablets;
2. a query of function words only ("by", "some") is outside the KG, though KG names hold
   them ("Shop by Brand"): "by" got a hard Appliances filter from the text model alone;
3. the tagger's span "bose brand" in "bose brand headphones" linked nothing (no KG name holds
   the word "brand"): the query lost Bose; the words before "brand" link the brand.
"""

from __future__ import annotations

import pytest

from fusion.context import TaxonomyAlignment
from fusion.expand import QueryExpander, Thresholds, expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import outside_kg
from parser.pipeline import QueryParser, out_of_depth

from .word_tagger import PhraseTagger

APPLIANCES = Node(NodeKind.CATEGORY, "bb/appliances", "Appliances", path="Appliances")
PHONES = Node(NodeKind.CATEGORY, "bb/phones", "Cell Phones", path="Cell Phones")
HEADPHONES = Node(NodeKind.CATEGORY, "bb/headphones", "Headphones", path="Audio > Headphones")
PANS = Node(NodeKind.CATEGORY, "flipkart/pans", "Pans", path="Kitchen > Pans")
SHOP_BY = Node(NodeKind.CATEGORY, "bb/shop-by-brand", "Shop by Brand", path="Shop by Brand")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0)
BOSE = Node(NodeKind.BRAND, "bose", "Bose", popularity=40.0)
OTTERBOX = Node(NodeKind.BRAND, "otterbox", "OtterBox")
OTTER_BOX = Node(NodeKind.BRAND, "otter-box", "otter box")  # a name list's spelling of it
TOASTY = Node(NodeKind.BRAND, "toasty", "Toasty")  # sold through a product only
OK = Node(NodeKind.BRAND, "ok", "OK")  # a name list's brand: no edge, no product
SOME_BY_MI = Node(NodeKind.BRAND, "some-by-mi", "Some By Mi")
OXFORD = Node(NodeKind.BRAND, "oxford", "Oxford")  # sold in another taxonomy only
TOASTER = Node(NodeKind.PRODUCT, "bb/1", "Toasty 2-slice toaster")
CASE = Node(NodeKind.PRODUCT, "bb/2", "OtterBox phone case")

SPANS = {
    "bose brand headphones": [("bose brand", "creator"), ("headphones", "core_product_type")],
    "samsung brands": [("samsung brands", "creator")],
    "Bose Brand": [("Bose Brand", "creator")],
    "zorblax brand headphones": [("zorblax brand", "creator"),
                                 ("headphones", "core_product_type")],
    "brand headphones": [("brand", "creator"), ("headphones", "core_product_type")],
}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        APPLIANCES, PHONES, HEADPHONES, PANS, SHOP_BY, SAMSUNG, BOSE, OTTERBOX, OTTER_BOX,
        TOASTY, OK, SOME_BY_MI, OXFORD, TOASTER, CASE,
        Edge(SAMSUNG.iri, Relation.SELLS_IN, PHONES.iri),
        Edge(BOSE.iri, Relation.SELLS_IN, HEADPHONES.iri),
        Edge(OXFORD.iri, Relation.SELLS_IN, PANS.iri),
        Edge(TOASTER.iri, Relation.HAS_BRAND, TOASTY.iri),
        Edge(TOASTER.iri, Relation.IN_CATEGORY, APPLIANCES.iri),
        Edge(CASE.iri, Relation.HAS_BRAND, OTTERBOX.iri),
        Edge(CASE.iri, Relation.IN_CATEGORY, PHONES.iri),
    ], progress=False)
    return g


SPACE = TaxonomyAlignment(["Appliances > Toasters", "Cell Phones > Cell Phones",
                           "Audio > Headphones"])


def _intent(familiarity: float) -> Intent:
    """A confident Appliances intent, as the bundle gave "ok"; unfamiliar below 0.7."""
    return Intent("Appliances > Toasters", "Appliances", 0.9, 0.95,
                  (("Appliances > Toasters", 0.9),), None, familiarity, 0.7)


def _brand(node: Node) -> list[LinkedEntity]:
    return [LinkedEntity(node.iri, "brand", 0.8, "creator", node.label.lower())]


# 1. an unfamiliar query whose only link is a brand sold nothing under

@pytest.mark.parametrize("space", [SPACE, None])
@pytest.mark.parametrize(("query", "brand"), [("ok", OK), ("aveeno lotion", OK)])
def test_an_unfamiliar_query_linking_only_a_brand_sold_nothing_under_is_out_of_depth(
        kg, query, brand, space) -> None:
    assert out_of_depth(kg, query, _brand(brand), _intent(0.5), space)
    assert not out_of_depth(kg, query, _brand(brand), _intent(0.9), space)  # familiar


@pytest.mark.parametrize("brand", [SAMSUNG, TOASTY, OTTER_BOX],
                         ids=["sells_in", "a product", "spelt like a sold brand"])
def test_a_brand_the_kg_sells_something_under_still_places_the_query(kg, brand) -> None:
    assert not out_of_depth(kg, "brand thing", _brand(brand), _intent(0.5), SPACE)


def test_a_brand_sold_only_in_another_taxonomy_places_nothing_in_the_label_space(kg) -> None:
    """As a category of another taxonomy (Google's Bananas): the expansion calls such a brand
    ``ungrounded`` and filters on nothing; with no label space known, it counts."""
    assert out_of_depth(kg, "oxford handbook", _brand(OXFORD), _intent(0.5), SPACE)
    assert not out_of_depth(kg, "oxford handbook", _brand(OXFORD), _intent(0.5), None)


def test_a_sold_brand_beside_an_unsold_one_places_the_query(kg) -> None:
    linked = _brand(OK) + _brand(SAMSUNG)
    assert not out_of_depth(kg, "ok samsung", linked, _intent(0.5), SPACE)


def test_an_unfamiliar_query_of_a_brand_sold_nothing_under_gets_no_hard_filter(kg) -> None:
    """The parse's two stages read the gate alike: the expansion gets ``outside`` and sets no
    category filter; a brand the KG sells filters as before."""
    for node, hard in ((OK, False), (TOASTY, True)):
        linked = _brand(node)
        gated = out_of_depth(kg, node.label, linked, _intent(0.5), SPACE)
        res = expand(kg, linked, _intent(0.5), query=node.label.lower(),
                     thresholds=Thresholds(hard_filter=0.9), departments=SPACE, outside=gated)
        assert bool(res.filters.category) is hard, node.label


# 2. a query of function words only

@pytest.mark.parametrize("query", ["by", "some", "By", "for the", "by some", "how to",
                                   "this is it", "what about them"])
def test_a_query_of_function_words_only_is_outside_the_kg(kg, query) -> None:
    assert kg.vocabulary.knows("shop by brand")  # KG names hold "by" and "some"
    assert outside_kg(kg, query, [])


@pytest.mark.parametrize("query", ["shop", "by shop", "some samsung", "mi", "shops by"])
def test_a_content_word_of_a_kg_name_still_places_the_query_in_the_kg(kg, query) -> None:
    assert not outside_kg(kg, query, [])


def test_a_function_word_query_gets_no_hard_filter_from_the_text_model(kg) -> None:
    """"by" got a hard Appliances filter from the intent alone; a KG word still gets one."""
    for query, hard in (("by", False), ("some", False), ("shop", True)):
        res = expand(kg, [], _intent(0.9), query=query,
                     thresholds=Thresholds(hard_filter=0.9), departments=SPACE)
        assert bool(res.filters.category) is hard, query


def test_the_linker_still_matches_names_holding_function_words(kg) -> None:
    """The function words count only for the gate: a name holding them still links."""
    assert kg.link("shop by brand", label="core_product_type").best.label == "Shop by Brand"
    assert kg.link("some by mi", label="creator").best.label == "Some By Mi"


# 3. "<brand> brand"

@pytest.fixture(scope="module")
def qp(kg: ProductGraph) -> QueryParser:
    return QueryParser(tagger=PhraseTagger(SPANS), kg=kg, expander=QueryExpander(kg))


@pytest.mark.parametrize(("query", "words", "brand"), [
    ("bose brand headphones", (0, 4), "Bose"),
    ("samsung brands", (0, 7), "Samsung"),
    ("Bose Brand", (0, 4), "Bose"),
])
def test_the_words_before_brand_link_the_brand(qp, query, words, brand) -> None:
    q = qp(query)
    ent = q.entities[0]
    assert (ent.start, ent.end, ent.text) == (*words, query[words[0]:words[1]])
    assert (ent.kg_label, ent.kg_kind, ent.label) == (brand, "brand", "creator")
    assert q.filters.get("brand") == [brand]


@pytest.mark.parametrize("query", ["zorblax brand headphones", "brand headphones"])
def test_brand_after_no_brand_or_alone_links_nothing(qp, query) -> None:
    q = qp(query)
    assert q.entities[0].kg_id is None and q.entities[0].text == SPANS[query][0][0]
    assert not q.filters.get("brand") and not any(b.term.startswith("brand:") for b in q.boosts)
