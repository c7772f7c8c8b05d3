"""Spoken and everyday exclusions, excluded product lines, "looking for" a brand, accessory
words closing a device's phrase and "non <brand>" (:func:`fusion.expand.expand`); each item
names the old reading:

1. everyday exclusion phrases ("phone that isn't samsung", "i don't want a samsung phone",
   "avoid samsung tvs", "headphones instead of sony", "rather than", "apart from", "besides",
   "never") were read as no cue: a hard filter on the value the user excluded;
2. "not <brand> <product line>" ("laptop not apple macbook") excluded the brand but filtered
   on the excluded line;
3. "for" before a brand made it the device an accessory fits with no accessory in the query:
   "i'm looking for a samsung tv" lost the Samsung filter;
4. "lg tv wall mount": the accessory word after "tv wall" was not read, so the intent TVs
   fanned out to TVs;
5. "non apple tablet" linked the KG's product type "Non-apple": no exclusion of Apple.

Each test names the old reading; the neighbours it must not change are pinned beside it.
"""

from __future__ import annotations

import pytest

from fusion.expand import excluded_links, expand
from fusion.rules import RuleSet
from fusion.types import Intent, LinkedEntity
from kg import Node, NodeKind, ProductGraph

from .catalog_kg import (
    ID,
    brand_iri,
    brand_link,
    brand_records,
    catalog_kg,
    category_link,
    category_records,
    intent_at,
)

DEPTS = ("TV & Home Theater", "Cell Phones", "Computers & Tablets", "Wearable Technology",
         "Audio")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "oled": ("OLED TVs", "TV & Home Theater > TVs > OLED TVs", "tvs"),
    "tvacc": ("TV & Home Theater Accessories", "TV & Home Theater > TV & Home Theater Accessories",
              "tvh"),
    "mounts": ("TV Mounts", "TV & Home Theater > TV & Home Theater Accessories > TV Mounts",
               "tvacc"),
    "stands": ("TV Stands", "TV & Home Theater > TV & Home Theater Accessories > TV Stands",
               "tvacc"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "phones": ("Unlocked Phones", "Cell Phones > Unlocked Phones", "cell"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "macbooks": ("MacBooks", "Computers & Tablets > Laptops > MacBooks", "laptops"),
    "macbook": ("MacBook", "Computers & Tablets > Laptops > MacBooks > MacBook", "macbooks"),
    "tablets": ("Tablets", "Computers & Tablets > Tablets", "comp"),
    "ipad": ("iPad", "Computers & Tablets > Tablets > iPad", "tablets"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "watch": ("Apple Watch", "Wearable Technology > Apple Watch", "wear"),
    "audio": ("Audio", "Audio", None),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
}
SELLS = {"Samsung": ["tvs", "phones", "tablets"], "Apple": ["macbooks", "ipad", "phones"],
         "Sony": ["tvs", "headphones"], "LG": ["tvs", "oled"]}
RULES = RuleSet.parse("refurbished =>\n    FILTER: condition:refurbished\n")


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = category_records(CATS) + brand_records(SELLS)
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, "color/black", "Black", attribute="color"),
             Node(NodeKind.PRODUCT_TYPE, "non-apple", "Non-apple")]
    return catalog_kg(recs)


def intent(key: str, score: float = 0.8, dept_score: float = 0.97) -> Intent:
    return intent_at(CATS[key][1], score, dept_score)


brand = brand_link


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return category_link(_cat(key), mention, label)


def _expand(kg, linked, query, key=None, **kw):
    return expand(kg, linked, intent(key) if key else None, query=query, departments=DEPTS,
                  **kw)


def _boosts(res, prefix: str = "") -> list[tuple[str, str]]:
    return sorted((b.term, b.direction) for b in res.boosts if b.term.startswith(prefix))


# -- 1. spoken exclusions exclude as "not" does ---------------------------------------------------


@pytest.mark.parametrize("query", [
    "phone that isn't samsung",
    "phone that isnt samsung",
    "phone that isn\u2019t samsung",  # (a curly apostrophe)
    "phones that aren't samsung",
    "i don't want a samsung phone",
    "i dont want a samsung phone",
    "i do not want a samsung phone",
    "phone, i don't need samsung",
    "avoid samsung phones",
    "phone instead of samsung",
    "phone rather than samsung",
    "phone apart from samsung",
    "phones besides samsung",
    "phone never samsung",
    "phone other than a samsung",  # (a filler after a two-word cue)
])
def test_a_spoken_exclusion_of_a_brand_is_a_down_boost(kg, query):
    """All filtered on Samsung, the brand the user excluded."""
    linked = [brand("Samsung"), cat("phones", "phones" if "phones" in query else "phone")]
    res = _expand(kg, linked, query, "phones")
    assert res.filters.brand == (), query
    assert _boosts(res, "brand:") == [("brand:Samsung", "DOWN")], query
    # the intent does not read it either (parser.pipeline.intent_links)
    assert excluded_links(query, linked) == {brand_iri("Samsung")}, query


def test_a_spoken_exclusion_of_a_colour_a_category_and_a_rule_input(kg):
    black = LinkedEntity(f"{ID}attribute_value/color/black", "attribute_value", 0.9, "color",
                         "black")
    res = _expand(kg, [black], "phone case that isn't black")
    assert res.filters.colour == () and _boosts(res) == [("colour:Black", "DOWN")]
    res = _expand(kg, [cat("tablets", "tablet"), cat("ipad", "ipad", "product_name")],
                  "tablet that isn't an ipad", "tablets")
    assert res.filters.category == ("Computers & Tablets > Tablets",)
    assert _boosts(res) == [("category:Computers & Tablets > Tablets > iPad", "DOWN")]
    res = _expand(kg, [], "i don't want refurbished", rules=RULES)
    assert res.filters.other == () and _boosts(res) == [("condition:refurbished", "DOWN")]


@pytest.mark.parametrize("query", [
    "i want a samsung phone",
    "i really like samsung phones",
    "besides samsung phones",  # (opening the query: "besides a tv, a soundbar" adds)
    "never samsung phone",
    "don't avoid samsung phones",
    "phone that is samsung",
    "samsung phone that isn't refurbished",
])
def test_words_that_exclude_nothing_keep_the_brand_filter(kg, query):
    linked = [brand("Samsung"), cat("phones", "phones" if "phones" in query else "phone")]
    res = _expand(kg, linked, query, "phones", rules=RULES)
    assert res.filters.brand == ("Samsung",), query
    assert excluded_links(query, linked) == frozenset(), query


def test_a_rule_input_a_contraction_excludes_beside_a_brand_filter(kg):
    res = _expand(kg, [brand("Samsung"), cat("phones", "phone")],
                  "samsung phone that isn't refurbished", "phones", rules=RULES)
    assert res.filters.brand == ("Samsung",) and res.filters.other == ()
    assert _boosts(res) == [("condition:refurbished", "DOWN")]


# -- 2. "not <brand> <its product line>" excludes the line too --------------------------------


@pytest.mark.parametrize(("query", "linked", "key", "line", "left"), [
    ("laptop not apple macbook",
     [cat("laptops", "laptop"), brand("Apple", "not apple", "condition"),
      cat("macbook", "macbook", "product_name")], "laptops", "macbook",
     "Computers & Tablets > Laptops"),
    ("tablet not apple ipad",
     [cat("tablets", "tablet"), brand("Apple"), cat("ipad", "ipad", "product_name")],
     "tablets", "ipad", "Computers & Tablets > Tablets"),
    ("smartwatch other than apple watch",  # ("smartwatch" links nothing: the name says Apple)
     [brand("Apple"), cat("watch", "watch", "product_name")], "watch", "watch", None),
])
def test_a_brand_s_line_after_the_excluded_brand_is_excluded(kg, query, linked, key, line,
                                                             left):
    """Filtered on the line the user excluded (MacBook, iPad, Apple Watch), Apple DOWN."""
    res = _expand(kg, linked, query, key)
    assert CATS[line][1] not in res.filters.category
    assert ("category:" + CATS[line][1], "DOWN") in _boosts(res)
    assert ("brand:Apple", "DOWN") in _boosts(res)
    if left is not None:
        assert res.filters.category == (left,)


@pytest.mark.parametrize(("query", "linked"), [
    ("-samsung tv", [brand("Samsung", "-samsung"), cat("tvs", "tv")]),  # the only product
    ("avoid samsung tvs", [brand("Samsung"), cat("tvs", "tvs")]),
    ("tv not samsung tv", [cat("tvs", "tv"), brand("Samsung")]),  # named outside the run too
])
def test_the_product_searched_after_an_excluded_brand_still_filters(kg, query, linked):
    res = _expand(kg, linked, query, "tvs")
    assert res.filters.category == ("TV & Home Theater > TVs",), query
    assert _boosts(res) == [("brand:Samsung", "DOWN")], query


# -- 3. "looking for" a brand is no accessory's device ---------------------------------------


@pytest.mark.parametrize("query", [
    "i'm looking for a samsung tv",
    "shopping for samsung tv",
    "searching for a samsung tv",
    "deals for samsung tv",
])
def test_for_before_a_brand_with_no_accessory_keeps_the_brand_filter(kg, query):
    """All gave "UP brand:Samsung (fits)" and no brand filter."""
    res = _expand(kg, [brand("Samsung"), cat("tvs", "tv")], query, "tvs")
    assert res.filters.brand == ("Samsung",), query
    assert _boosts(res, "brand:") == [], query


@pytest.mark.parametrize(("query", "linked"), [
    ("case for samsung", [brand("Samsung")]),
    ("mount for samsung", [brand("Samsung")]),
    ("headphones for samsung", [cat("headphones", "headphones"), brand("Samsung")]),
    ("looking for a samsung tv mount", [brand("Samsung"), cat("tvs", "tv")]),
    ("tv mount compatible with samsung", [cat("tvs", "tv"), brand("Samsung")]),
    ("organic cleaning for samsung", [brand("Samsung")]),  # (a purpose: the safe UP)
])
def test_for_after_an_accessory_or_a_product_still_fits(kg, query, linked):
    res = _expand(kg, linked, query, "tvs")
    assert res.filters.brand == (), query
    assert _boosts(res, "brand:") == [("brand:Samsung", "UP")], query


# -- 4. "tv wall mount": the accessory word closes the device's noun phrase --------------------


@pytest.mark.parametrize("query", ["lg tv wall mount", "tv wall mount 75 inch",
                                   "tv ceiling mount", "tv floor stand"])
def test_an_accessory_after_a_qualifier_makes_the_device_the_fitted_one(kg, query):
    """The intent TVs (the device word) fanned out to OLED TVs and the TV brands."""
    linked = [brand("LG")] if query.startswith("lg") else []
    res = _expand(kg, linked, query, "tvs")
    terms = [e.term for e in res]
    assert "OLED TVs" not in terms and "Sony" not in terms, (query, terms)


@pytest.mark.parametrize("query", ["lg tv", "tv with wall mount", "tv on wall mount",
                                   "tv 65 inch", "tv and soundbar",
                                   "tv business cases",  # (the KG holds no TV cases)
                                   ])
def test_a_device_with_no_accessory_closing_its_phrase_still_expands(kg, query):
    linked = [brand("LG")] if query.startswith("lg") else []
    res = _expand(kg, linked, query, "tvs")
    assert "OLED TVs" in [e.term for e in res], query


# -- 5. "non apple": the KG's "Non-apple" is Apple excluded ----------------------------------


def test_non_and_a_brand_linked_as_one_node_excludes_the_brand(kg):
    """"non apple tablet" linked the product type "Non-apple": no exclusion of Apple."""
    non = LinkedEntity(f"{ID}product_type/non-apple", "product_type", 0.94, "modifier",
                       "non apple")
    res = _expand(kg, [non, cat("tablets", "tablet")], "non apple tablet", "tablets")
    assert res.filters.brand == ()
    assert _boosts(res, "brand:") == [("brand:Apple", "DOWN")]
    assert res.filters.category == ("Computers & Tablets > Tablets",)


def test_a_non_name_typed_as_one_word_is_no_brand_filter(kg):
    non = LinkedEntity(f"{ID}product_type/non-apple", "product_type", 0.94, "modifier",
                       "non-apple")
    res = _expand(kg, [non, cat("tablets", "tablet")], "non-apple tablet", "tablets")
    assert res.filters.brand == ()
