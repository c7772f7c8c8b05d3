"""Linking generic nouns of everyday-goods queries of the quickstart bundle: pack words and
namesake categories for an audience or use. Once the pack word of "dog food 40 lb bag" linked
Flipkart's fashion "bags" (and the parse expanded into hand bags and luggage), and a generic noun
linked a namesake category for an audience or a use the query does not name ("shampoo" -> the pets'
shampoo, "grill cover" -> car grill covers, "gloves large" -> the men's gloves, "milk carton water
bottles" -> school supplies): the prior (Flipkart's shallow tree) outweighed the general category
of the name."""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker

TYPE = "core_product_type"


def _category(key: str, path: str, **kw: object) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path, **kw)


# the default KG's shapes: the narrower Flipkart node of a name has the larger prior
BAGS = _category("fk/bags", "bags wallets belts > bags", popularity=60.0)
DUFFELS = _category("g/duffels", "Luggage & Bags > Duffel Bags", popularity=5.0)
KITCHEN_BOTTLES = _category(
    "g/bottles", "Home & Garden > Kitchen & Dining > Food & Beverage Carriers > Water Bottles",
    popularity=5.0)
SCHOOL_BOTTLES = _category("fk/school-bottles", "pens stationery > school supplies > water bottles",
                           popularity=40.0)
PET_SHAMPOO = _category("fk/pet-shampoo", "pet supplies > grooming > skin coat care > shampoo",
                        popularity=60.0)
HAIR_SHAMPOO = _category(
    "g/shampoo", "Health & Beauty > Personal Care > Hair Care > Shampoo & Conditioner > Shampoo",
    popularity=5.0)
CAR_GRILL = _category(
    "fk/car-grill-covers",
    "automotive > accessories spare parts > car bike styling > car styling > car grill covers",
    popularity=60.0)
BBQ_GRILL = _category(
    "g/grill-covers", "Home & Garden > Kitchen & Dining > Kitchen Appliance Accessories > "
    "Outdoor Grill Accessories > Outdoor Grill Covers", popularity=5.0)
MENS_GLOVES = _category("fk/mens-gloves",
                        "clothing > mens clothing > accessories combo sets > gloves",
                        popularity=60.0)
GLOVES_MITTENS = _category("g/gloves", "Apparel & Accessories > Clothing Accessories > "
                           "Gloves & Mittens", popularity=5.0)
GOLF_GLOVES = _category("g/golf-gloves", "Sporting Goods > Outdoor Recreation > Golf > Golf Gloves",
                        popularity=5.0)
GIRLS_JEANS = _category("fk/girls-jeans", "clothing > kids clothing > girls wear > jeans",
                        popularity=60.0)
MENS_JEANS = _category("fk/mens-jeans", "clothing > mens clothing > jeans", popularity=30.0)
SCHOOL_BACKPACK = _category("fk/school-backpack",
                            "toys school supplies > school supplies > school bags > backpack",
                            popularity=60.0)
BACKPACKS = _category("g/backpacks", "Luggage & Bags > Backpacks", popularity=5.0)
OFFICE_PENS = _category("bb/pens", "Connected Home & Housewares > Office & School Supplies > "
                        "Pens, Pencils & Markers > Pens", popularity=60.0)
G_PENS = _category("g/pens", "Office Supplies > Office Instruments > Writing & Drawing "
                   "Instruments > Pens & Pencils > Pens", popularity=5.0)
SICONS = Node(NodeKind.BRAND, "sicons", "Sicons", popularity=5.0)


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    g = ProductGraph.in_memory()
    g.add_records([
        BAGS, DUFFELS, KITCHEN_BOTTLES, SCHOOL_BOTTLES, PET_SHAMPOO, HAIR_SHAMPOO,
        CAR_GRILL, BBQ_GRILL, MENS_GLOVES, GLOVES_MITTENS, GOLF_GLOVES, GIRLS_JEANS, MENS_JEANS,
        SCHOOL_BACKPACK, BACKPACKS, OFFICE_PENS, G_PENS, SICONS,
        Node(NodeKind.BRAND, "hydro-flask", "Hydro Flask"),  # a brand sold nowhere here
        Edge(SICONS.iri, Relation.SELLS_IN, PET_SHAMPOO.iri),  # a pet-shampoo brand
    ], progress=False)
    return EntityLinker(g)


def _best(linker: EntityLinker, mention: str, query: str | None) -> str | None:
    best = linker.link(mention, label=TYPE, context=query).best
    return best.iri if best is not None else None


# 1. a pack word after a quantity with a unit, or before "of", is the package: no link

@pytest.mark.parametrize(("mention", "query"), [
    ("bag", "dog food 40 lb bag"),
    ("bag", "rice 20 lb bag"),
    ("bag", "dog food 30-lb bag"),
    ("bag", "potting soil 2 cubic ft bag"),
    ("bag", "coffee 2 lb bag"),
    ("bags", "ice melt 50 lbs bags"),
    ("bag", "bag of rice"),
    ("bottles", "water 16 oz bottles"),  # (no "Water Bottles" composed with "water")
    ("case", "water 24 count case"),
])
def test_a_package_links_nothing(linker: EntityLinker, mention: str, query: str) -> None:
    assert linker.link(mention, label=TYPE, context=query).nil


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("bag", "bag for women", BAGS.iri),
    ("bag", "tote bag", BAGS.iri),
    ("bag", "hiking 40 l bag", BAGS.iri),  # litres: the bag's own capacity
    ("bag", "40 lb bag", BAGS.iri),  # nothing packed named before the quantity
    ("duffel bag", "duffel bag 40 l", DUFFELS.iri),
    ("bag", "laptop 15.6 inch bag", BAGS.iri),  # a size, no quantity of goods
    ("bottles", "water bottles", KITCHEN_BOTTLES.iri),
    ("bag", "hydro flask 40 lb bag", BAGS.iri),  # a brand before the quantity: no goods
])
def test_a_bag_or_a_case_searched_still_links(
        linker: EntityLinker, mention: str, query: str, expected: str) -> None:
    assert _best(linker, mention, query) == expected


# 2. a category for an audience or a use the query does not name loses to a general one

@pytest.mark.parametrize("query", [
    "shampoo", "shampoo for sensitive skin", "baby shampoo", "shampoo for men",
    "tea tree shampoo", None])
def test_a_generic_noun_links_the_general_category_of_its_name(
        linker: EntityLinker, query: str | None) -> None:
    """"shampoo for sensitive skin" shares "skin" with the pets' "skin coat care"; with no
    query at all (`kgqp kg link KG shampoo`) the mention is the query."""
    assert _best(linker, "shampoo", query) == HAIR_SHAMPOO.iri


@pytest.mark.parametrize("query", ["dog shampoo", "puppy shampoo", "cat shampoo",
                                   "sicons shampoo"])
def test_a_query_naming_the_audience_keeps_the_narrower_category(
        linker: EntityLinker, query: str) -> None:
    """"dog" names the pets (no path word of it); Sicons is sold in the pets' department."""
    assert _best(linker, "shampoo", query) == PET_SHAMPOO.iri


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("grill cover", "grill cover", BBQ_GRILL.iri),
    ("grill cover", "car grill cover", CAR_GRILL.iri),
    ("car grill cover", "car grill cover", CAR_GRILL.iri),
    ("water bottles", "milk carton water bottles", KITCHEN_BOTTLES.iri),
    ("water bottles", "school water bottles", SCHOOL_BOTTLES.iri),
    ("backpack", "transparent backpack", BACKPACKS.iri),  # the plural's general category
    ("backpack", "school backpack", SCHOOL_BACKPACK.iri),
])
def test_a_use_the_query_does_not_name_loses(
        linker: EntityLinker, mention: str, query: str, expected: str) -> None:
    assert _best(linker, mention, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("gloves large", GLOVES_MITTENS.iri),
    ("nitrile gloves medium", GLOVES_MITTENS.iri),
    ("mens gloves", MENS_GLOVES.iri),
    ("gloves for men", MENS_GLOVES.iri),
])
def test_the_men_s_gloves_are_no_link_of_gloves(
        linker: EntityLinker, query: str, expected: str) -> None:
    """The only category named "gloves" is the men's; "Gloves & Mittens", named by the word
    as its first part, is the one for everyone ("Golf Gloves" is a kind of gloves)."""
    assert _best(linker, "gloves", query) == expected


def test_audiences_that_disagree_leave_nothing_to_choose(linker: EntityLinker) -> None:
    assert linker.link("jeans", label=TYPE, context="high waisted baggy jeans").nil
    assert _best(linker, "jeans", "jeans for men") == MENS_JEANS.iri
    assert _best(linker, "jeans", "kids jeans") == GIRLS_JEANS.iri


def test_a_path_segment_opening_with_the_product_narrows_nothing(linker: EntityLinker) -> None:
    """Best Buy's "Office & School Supplies" is for the office as much as for school."""
    assert _best(linker, "pens", "gel pens") == OFFICE_PENS.iri
