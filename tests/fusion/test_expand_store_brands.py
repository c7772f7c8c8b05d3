"""Brand and category filters on a store's own queries, as the everyday-goods rules (436e259)
first read them wrongly (found on a parse-output diff and a KG update):

1. the "other department" brand rule dropped right brand filters on the store's own brands
   ("fitbit versa", "jbl flip 5", "amazon echo", "asus notebook"): it judged departments by
   the KG's partial ``sells_in``/``has_brand`` edges, from the intent alone or a free word's
   namesake. Only a linked product the store sells no kind of makes the brand a boost now;
2. the device-as-modifier rule dropped right category filters ("tv under fifty bucks",
   "home audio subwoofer"): the noun phrase it read after a device ran
   through bounds, prices and other categories. It is gone;
3. a brand whose only link to TVs is a product (``has_brand`` + ``in_category``, no
   ``sells_in``) was read as an accessory maker: "plexo tv remote" filtered on Plexo instead
   of the (fits) boost of a device maker.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

from .catalog_kg import (
    ID,
    brand_iri,
    brand_link,
    brand_records,
    catalog_kg,
    category_records,
    intent_at,
)

DEPTS = ("TV & Home Theater", "Cell Phones", "Wearable Technology", "Audio",
         "Computers & Tablets", "Appliances")

STORE = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "tvacc": ("TV & Home Theater Accessories", "TV & Home Theater > TV & Home Theater "
              "Accessories", "tvh"),
    "remotes": ("Remote Controls", "TV & Home Theater > TV & Home Theater Accessories > "
                "Remote Controls", "tvacc"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Cases", "cell"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "smartwatch": ("Smartwatches", "Wearable Technology > Smartwatches", "wear"),
    "audio": ("Audio", "Audio", None),
    "home": ("Home Audio", "Audio > Home Audio", "audio"),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
    "speakers": ("Portable Speakers", "Audio > Portable Speakers", "audio"),
    "ct": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "ct"),
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
}
OTHER = {  # Google's taxonomy, outside the store's label space
    "food": ("Food, Beverages & Tobacco", "Food, Beverages & Tobacco", None),
    "drinks": ("Sports & Energy Drinks", "Food, Beverages & Tobacco > Sports & Energy Drinks",
               "food"),
    "apparel": ("Apparel & Accessories", "Apparel & Accessories", None),
    "flipflops": ("Flip Flops", "Apparel & Accessories > Shoes > Flip Flops", "apparel"),
    "office": ("Office Supplies", "Office Supplies", None),
    "notebooks": ("Notebooks", "Office Supplies > Paper Products > Notebooks", "office"),
    "fitness": ("Sporting Goods", "Sporting Goods", None),
    "stands": ("Stands", "Sporting Goods > Stands", "fitness"),
    # heads of no store category: "bucks" of a price, "subwoofer" of a car's
    "toys": ("Toys & Games", "Toys & Games", None),
    "bucks": ("Play Money Bucks", "Toys & Games > Play Money Bucks", "toys"),
    "vehicles": ("Vehicles & Parts", "Vehicles & Parts", None),
    "carsubs": ("Car Subwoofer", "Vehicles & Parts > Car Audio > Car Subwoofer", "vehicles"),
}
# the KG's sells_in edges are partial: Fitbit sells only phone cases, JBL only headphones,
# ASUS only a laptop; Plexo none at all (its only link to TVs is a product)
SELLS = {"Fitbit": ["cases"], "JBL": ["headphones"], "ASUS": ["laptops"],
         "Monster": ["headphones"], "Samsung": ["tvs"], "Plexo": []}


def _cat(key: str) -> str:
    return f"{ID}category/{'bb' if key in STORE else 'google'}/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = (category_records(STORE) + category_records(OTHER, "google")
            + brand_records(SELLS, cat=_cat))
    recs += [Node(NodeKind.PRODUCT, "plexo-55", "Plexo 55 inch 4K TV"),
             Edge(f"{ID}product/plexo-55", Relation.HAS_BRAND, brand_iri("Plexo")),
             Edge(f"{ID}product/plexo-55", Relation.IN_CATEGORY, _cat("tvs"))]
    return catalog_kg(recs)


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", 0.9, label, mention)


def intent(key: str, score: float = 0.8, *, familiar: bool = True) -> Intent:
    i = intent_at(STORE[key][1], score)
    return Intent(i.category, i.lvl0, i.score, i.lvl0_score, i.top_k,
                  familiarity=0.9 if familiar else 0.1, familiar_floor=0.5)


def _expand(kg, linked, query, key=None, score=0.8, familiar=True):
    return expand(kg, linked, intent(key, score, familiar=familiar) if key else None,
                  query=query, departments=DEPTS)


def _brand_boosts(res) -> list[tuple[str, str, str]]:
    return [(b.term, b.direction, (b.rule or "").rsplit(" (", 1)[-1].rstrip(")"))
            for b in res.boosts if b.term.startswith("brand:")]


# -- 1. a store brand keeps its filter unless a linked product is one the store sells no kind of


@pytest.mark.parametrize(("query", "linked", "key", "score", "familiar", "maker"), [
    # the trusted intent lies in a department the KG's partial edges give the brand nothing in
    ("fitbit versa", [brand_link("Fitbit")], "smartwatch", 0.8, True, "Fitbit"),
    ("fitbit inspire", [brand_link("Fitbit")], "smartwatch", 0.8, True, "Fitbit"),
    # no trusted intent: a free word's namesake ("flip": Flip Flops) is no judge
    ("jbl flip 5", [brand_link("JBL")], "speakers", 0.1, True, "JBL"),
    # a linked product of another catalogue, but a sure intent where the brand sells (the
    # query unlike the intent model's training queries)
    ("asus notebook", [brand_link("ASUS"), cat("notebooks", "notebook")], "laptops", 0.93,
     False, "ASUS"),
    # a brand alone
    ("fitbit", [brand_link("Fitbit")], "smartwatch", 0.8, True, "Fitbit"),
])
def test_a_store_brand_keeps_its_filter(kg, query, linked, key, score, familiar, maker):
    """Old: no brand filter, an UP (other department) boost, for the store's own brands."""
    res = _expand(kg, linked, query, key, score, familiar)
    assert res.filters.brand == (maker,), query
    assert not _brand_boosts(res), query


def test_a_linked_product_the_store_sells_no_kind_of_still_makes_the_brand_a_boost(kg):
    res = _expand(kg, [brand_link("Monster"), cat("drinks", "energy drink")],
                  "monster energy drink", "ska", familiar=False)
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [("brand:Monster", "UP", "other department")]


# -- 2. a device before other words keeps its category filter --------------------------------


@pytest.mark.parametrize(("query", "linked", "key", "want"), [
    # words after a bound or price word are no product the device modifies
    ("tv under fifty bucks", [cat("tvs", "tv", "modifier")], "tvs", "tvs"),
    # a store category, no device, before another of its department
    ("home audio subwoofer", [cat("home", "home audio", "modifier")], "home", "home"),
])
def test_a_category_before_other_words_still_filters(kg, query, linked, key, want):
    """Old: the department only (Audio for "home audio subwoofer", TV & Home Theater for
    "tv under fifty bucks"): a right, narrower filter lost."""
    res = _expand(kg, linked, query, key)
    assert res.filters.category == (STORE[want][1],), query


# -- 3. a brand whose only link to a device category is a product makes devices ---------------


def test_a_brand_with_a_tv_product_and_no_sells_in_is_a_device_maker(kg):
    """Old: Plexo read as an accessory maker (no ``sells_in`` of a device): a hard brand filter
    on a remote for its TV."""
    res = _expand(kg, [brand_link("Plexo"), cat("tvs", "tv", "modifier"),
                       cat("remotes", "remote")], "plexo tv remote", "tvs")
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [("brand:Plexo", "UP", "fits")]
