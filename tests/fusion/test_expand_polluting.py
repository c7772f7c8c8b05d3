"""Expansions that pollute a result page (found by parsing the QueryNER train queries, 495f4a9):
expansions are OR'd into the engine's query, so each names what the results may be.

1. a seller's own brand or shelf, known from one product's listing ("t shirts for women" ->
   the brand "mario gotze", "tank tops for women" -> the child categories "dumdaarcom tops",
   "499 tops");
2. a linked category's siblings in another shop's tree (outside the label space) that are
   other products ("black shorts men" -> Google's Underwear & Socks, Uniforms; the store's own
   tree groups what its intent labels group, and stays; a parent is a broader kind: stays);
3. the intent category's children where the query links a product of another lvl1 category
   ("ice maker" at Small Kitchen Appliances -> Toasters, Coffee, Tea & Espresso), or names,
   unlinked, a product the category's path does not ("air fryer": Toasters, Coffee, Tea &
   Espresso; Deep Fryers stays);
4. a rule's synonym of a word that only names the device another product is for ("apple tv
   remote" -> "television", "laptop fan" -> "notebook"): the query's words with the synonym in
   its place, no standalone term matching every TV.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.rules import RuleSet
from fusion.types import LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

from .catalog_kg import (
    ID,
    brand_iri,
    brand_records,
    cat_iri,
    catalog_kg,
    category_link,
    category_records,
    intent_at,
)

FASHION = {  # a marketplace's tree (Flipkart's), with its sellers' shelves
    "clothing": ("clothing", "clothing", None),
    "western": ("western wear", "clothing > western wear", "clothing"),
    "stt": ("shirts tops tunics", "clothing > western wear > shirts tops tunics", "western"),
    "tops": ("tops", "clothing > western wear > shirts tops tunics > tops", "stt"),
    "shirts": ("shirts", "clothing > western wear > shirts tops tunics > shirts", "stt"),
    "kaftans": ("kaftans", "clothing > western wear > shirts tops tunics > kaftans", "stt"),
    "dumdaarcom": ("dumdaarcom tops", "clothing > western wear > shirts tops tunics > tops > "
                   "dumdaarcom tops", "tops"),
    "crop": ("crop tops", "clothing > western wear > shirts tops tunics > tops > crop tops",
             "tops"),
}
GOOGLE = {
    "apparel": ("Apparel & Accessories", "Apparel & Accessories", None),
    "clothing": ("Clothing", "Apparel & Accessories > Clothing", "apparel"),
    "shorts": ("Shorts", "Apparel & Accessories > Clothing > Shorts", "clothing"),
    "socks": ("Underwear & Socks", "Apparel & Accessories > Clothing > Underwear & Socks",
              "clothing"),
    "uniforms": ("Uniforms", "Apparel & Accessories > Clothing > Uniforms", "clothing"),
    "cargo": ("Cargo Shorts", "Apparel & Accessories > Clothing > Shorts > Cargo Shorts",
              "shorts"),
}
STORE = {
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "toasters": ("Toasters", "Appliances > Small Kitchen Appliances > Toasters", "ska"),
    "coffee": ("Coffee, Tea & Espresso",
               "Appliances > Small Kitchen Appliances > Coffee, Tea & Espresso", "ska"),
    "fryers": ("Deep Fryers", "Appliances > Small Kitchen Appliances > Deep Fryers", "ska"),
    "kettles": ("Tea Kettles", "Appliances > Small Kitchen Appliances > Coffee, Tea & Espresso > "
                "Tea Kettles", "coffee"),
    "fridges": ("Refrigerators", "Appliances > Refrigerators", "app"),
    "ice": ("Ice Makers", "Appliances > Refrigerators > Ice Makers", "fridges"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "led": ("LED TVs", "TV & Home Theater > TVs > LED TVs", "tvs"),
    "tvacc": ("TV & Home Theater Accessories", "TV & Home Theater > TV & Home Theater "
              "Accessories", "tvh"),
    "remotes": ("Remote Controls", "TV & Home Theater > TV & Home Theater Accessories > "
                "Remote Controls", "tvacc"),
    "ct": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "ct"),
    "fans": ("CPU Fans & Heatsinks", "Computers & Tablets > Computer Components > CPU Fans & "
             "Heatsinks", "ct"),
}
DEPTS = ("Appliances", "TV & Home Theater", "Computers & Tablets")


def _products(key: str, cat: str, brand: str, n: int) -> list[Node | Edge]:
    recs: list[Node | Edge] = []
    for i in range(n):
        p = f"{key}-{i}"
        recs += [Node(NodeKind.PRODUCT, p, f"{brand} {key} {i}"),
                 Edge(f"{ID}product/{p}", Relation.HAS_BRAND, brand_iri(brand)),
                 Edge(f"{ID}product/{p}", Relation.IN_CATEGORY, cat)]
    return recs


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    fk = lambda k: cat_iri(k, "flipkart")  # noqa: E731
    recs = (category_records(FASHION, "flipkart") + category_records(GOOGLE, "google")
            + category_records(STORE)
            # a seller's one listing ("mario gotze": one top), a brand of several tops
            + brand_records({"mario gotze": ["tops"], "Biba": ["tops"]}, cat=fk)
            + _products("mg", fk("tops"), "mario gotze", 1)
            + _products("biba", fk("tops"), "Biba", 3)
            # a seller's shelf of one product under tops, named by its seller; crop tops (one
            # product too) names a kind
            + [Node(NodeKind.PRODUCT, "dd-0", "dumdaar.com casual short sleeve top"),
               Edge(f"{ID}product/dd-0", Relation.IN_CATEGORY, fk("dumdaarcom"))]
            + _products("crop", fk("crop"), "Biba", 1)
            + brand_records({"KitchenAid": ["ska", "ice"], "Insignia": ["tvs", "remotes"]}))
    return catalog_kg(recs)


def _terms(res) -> list[str]:
    return [x.term for x in res.expansions]


# -- 1. a seller's brand or shelf known from one listing


def test_a_brand_or_shelf_of_one_listing_is_no_expansion(kg):
    """Old: "mario gotze" (a brand of one product) and "dumdaarcom tops" (a child category of
    one product) expanded "tops for women"."""
    res = expand(kg, [category_link(cat_iri("tops", "flipkart"), "tops")], None,
                 query="tops for women")
    terms = _terms(res)
    assert "mario gotze" not in terms and "dumdaarcom tops" not in terms
    assert "Biba" in terms and "crop tops" in terms  # (several products; a kind's name)


# -- 2. a linked category's parent and siblings that are other products


def test_siblings_of_another_kind_are_no_expansion(kg):
    """Old: Underwear & Socks and Uniforms expanded "black shorts" (the parent, Clothing, is a
    broader kind of shorts: it stays)."""
    res = expand(kg, [category_link(cat_iri("shorts", "google"), "shorts")], None,
                 query="black shorts", departments=DEPTS)
    terms = _terms(res)
    assert not {"Underwear & Socks", "Uniforms"} & set(terms), terms
    assert "Cargo Shorts" in terms and "Clothing" in terms


def test_siblings_a_parent_names_with_the_linked_category_stay(kg):
    """"shirts tops tunics" names tops: the parent and its shirts stay; kaftans go."""
    res = expand(kg, [category_link(cat_iri("tops", "flipkart"), "tops")], None, query="tops",
                 departments=DEPTS)
    terms = _terms(res)
    assert "shirts tops tunics" in terms and "shirts" in terms
    assert "kaftans" not in terms


def test_the_stores_own_siblings_stay(kg):
    """The store's tree (the intent's label space) keeps its neighbours: Best Buy files Ice
    Makers under Refrigerators, and the gold lvl1 labels are its."""
    res = expand(kg, [category_link(cat_iri("remotes"), "remote")], None, query="remote",
                 departments=DEPTS)
    assert "TV & Home Theater Accessories" in _terms(res)


# -- 3. the intent's category where the query links a product of another lvl1 category


def test_the_intent_walk_adds_no_children_where_the_query_links_another_lvl1_product(kg):
    """Old: "ice maker" (Ice Makers, under Refrigerators) expanded the intent's Small Kitchen
    Appliances into Toasters and Coffee, Tea & Espresso."""
    res = expand(kg, [category_link(cat_iri("ice"), "ice maker")],
                 intent_at(STORE["ska"][1], 0.8), query="ice maker", departments=DEPTS)
    terms = _terms(res)
    assert "Toasters" not in terms and "Coffee, Tea & Espresso" not in terms, terms


def test_the_intent_walk_keeps_only_the_children_naming_an_unlinked_product(kg):
    """Old: "air fryer" (no link) expanded the intent's Small Kitchen Appliances into Toasters
    and Coffee, Tea & Espresso."""
    res = expand(kg, [], intent_at(STORE["ska"][1], 0.8), query="air fryer", departments=DEPTS)
    terms = _terms(res)
    assert "Toasters" not in terms and "Coffee, Tea & Espresso" not in terms, terms
    assert "Deep Fryers" in terms


def test_the_intent_walk_keeps_the_child_holding_the_named_product(kg):
    res = expand(kg, [], intent_at(STORE["ska"][1], 0.8), query="kettles", departments=DEPTS)
    terms = _terms(res)
    assert "Coffee, Tea & Espresso" in terms and "Toasters" not in terms, terms


def test_the_intent_walk_keeps_its_children_for_its_own_products(kg):
    res = expand(kg, [], intent_at(STORE["ska"][1], 0.8), query="kitchen appliances",
                 departments=DEPTS)
    assert {"Toasters", "Coffee, Tea & Espresso"} <= set(_terms(res))


# -- 4. a rule's synonym of the device another product is for

RULES = RuleSet.parse("tv =>\n  SYNONYM: television\nlaptop =>\n  SYNONYM: notebook\n")


@pytest.mark.parametrize(("query", "linked", "want"), [
    ("apple tv remote", [LinkedEntity(cat_iri("tvs"), "category", 0.9, "product_name", "tv"),
                         category_link(cat_iri("remotes"), "remote")],
     "apple television remote"),
    ("laptop fan", [], "notebook fan"),
    ("antenna for tv", [], "antenna for television"),
    ("tv stand for 55 inch tv", [], "television stand for 55 inch television"),
])
def test_a_synonym_of_the_device_an_accessory_is_for_comes_in_place(kg, query, linked, want):
    """Old: "television" and "notebook" alone, which match every TV and laptop."""
    res = expand(kg, linked, None, query=query, rules=RULES, departments=DEPTS)
    synonyms = [x.term for x in res.expansions if x.kind == "synonym"]
    assert synonyms == [want], synonyms


@pytest.mark.parametrize(("query", "want"), [("samsung tv", "television"),
                                             ("gaming laptop", "notebook"),
                                             ("tv 55 inch", "television")])
def test_a_synonym_of_the_product_searched_stays_alone(kg, query, want):
    res = expand(kg, [], None, query=query, rules=RULES, departments=DEPTS)
    assert [x.term for x in res.expansions if x.kind == "synonym"] == [want]


# -- a rule's input that is a word of a longer name the query says

NAMES = {
    "tvht": ("TV & Home Theater", "TV & Home Theater", None),
    "smp": ("Streaming Media Players", "TV & Home Theater > Streaming Media Players", "tvht"),
    "fire": ("Fire TV", "TV & Home Theater > Streaming Media Players > Fire TV", "smp"),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvht"),
    "smart": ("Smart TVs", "TV & Home Theater > TVs > Smart TVs", "tvs"),
    "lg": ("Mdot LG Smart TV", "More Categories > Mdot LG Smart TV", None),
    "stands": ("TV Stands", "TV & Home Theater > TV Stands", "tvht"),
    "care": ("AppleCare for Apple TV", "AppleCare > AppleCare for Apple TV", None),
}


@pytest.mark.parametrize(("query", "want"), [
    ("fire tv stick", True), ("amazon fire tv games", True), ("fire tv", True),
    ("tv home", True), ("apple tv remote", True),
    ("smart tv", False), ("lg smart tv", False), ("tv stand", False), ("samsung tv", False),
    ("tv", False),
])
def test_a_rule_input_inside_a_longer_name_the_query_says_is_a_word_of_it(query, want):
    """Old (3379fb5): "fire tv stick" -> "fire television stick", "tv home" -> "television
    home" (and "television" alone before it): "tv" there is a word of Amazon's Fire TV, of
    the department's name, of Apple's device (AppleCare for Apple TV), no television.
    Smart TVs names smart TVs as a kind of TV (plural), and TV Stands a stand for a TV."""
    from fusion.expand.kgview import _KG
    from fusion.expand.walk import _a_word_of_a_name
    from fusion.hetero import as_networkx

    g = catalog_kg(category_records(NAMES))
    assert _a_word_of_a_name(_KG(as_networkx(g), g), query.split(), "tv") is want


# -- the siblings of a category filed under several parents

SHELVES = {
    "wt": ("Wearable Technology", "Wearable Technology", None),
    "watch": ("Apple Watch", "Wearable Technology > Apple Watch", "wt"),
    "pets": ("Pet Tracking Devices", "Wearable Technology > Pet Tracking Devices", "wt"),
    "vrh": ("Virtual Reality Headsets", "Wearable Technology > Virtual Reality Headsets", "wt"),
    "vg": ("Video Games", "Video Games", None),
    "vr": ("Virtual Reality", "Video Games > Virtual Reality", "vg"),
    "vra": ("Virtual Reality Accessories", "Video Games > Virtual Reality > Virtual Reality "
            "Accessories", "vr"),
    "vrc": ("VR-Ready Computers", "Video Games > Virtual Reality > VR-Ready Computers", "vr"),
}


def _siblings(g, key):
    from fusion.expand.kgview import _KG
    from fusion.expand.walk import _category_walk
    from fusion.hetero import as_networkx

    return {c.term for c in _category_walk(_KG(as_networkx(g), g), cat_iri(key), 20, False)
            if c.kind == "sibling_category"}


def test_siblings_under_a_parent_that_names_nothing_of_a_category_filed_twice_are_no_walk():
    """Old: "vr headset" (Virtual Reality Headsets, filed by Best Buy under Wearable Technology
    and Virtual Reality) expanded into Apple Watch and Pet Tracking Devices. Under Virtual
    Reality, the parent its name names, its siblings stay, and so do the siblings that share
    its words anywhere; a category of one parent keeps all of its siblings."""
    g = catalog_kg([*category_records(SHELVES),
                    Edge(cat_iri("vrh"), Relation.PARENT, cat_iri("vr"))])
    sibs = _siblings(g, "vrh")
    assert "Apple Watch" not in sibs and "Pet Tracking Devices" not in sibs, sibs
    assert {"Virtual Reality Accessories", "VR-Ready Computers"} <= sibs, sibs
    assert _siblings(g, "watch") == {"Pet Tracking Devices", "Virtual Reality Headsets"}


def test_a_rule_synonym_of_a_word_of_a_name_is_left_out_and_says_why():
    """Through expand(): "fire tv stick" gets no "television" (nor "fire television stick"),
    and the parse marks the rule ``in a name`` (it was marked ``excluded``, which says the
    query excludes its value); "tv stand" keeps its synonym."""
    g = catalog_kg(category_records(NAMES))
    res = expand(g, [], None, query="fire tv stick", rules=RULES, departments=DEPTS)
    assert not [x for x in res.expansions if x.kind == "synonym"], res.expansions
    assert [(a.kind, a.dropped) for a in res.applied] == [("SYNONYM", "in a name")]
    res = expand(g, [], None, query="tv stand", rules=RULES, departments=DEPTS)
    assert [x.kind for x in res.expansions if x.kind == "synonym"] == ["synonym"]
