"""Exclusions of values named twice, category filters around devices and accessories, and
mentions after "with" (:func:`fusion.expand.expand`); each item names the old reading:

1. a node named twice and excluded the second time kept the reading of its first mention
   ("hp printer ink not hp": an UP boost on HP, "samsung tv not samsung": a Samsung filter);
2. a value was a hard filter and a DOWN boost at once ("55 inch tv not 55 inch", two brand
   nodes of one sold name in "otter box iphone case not otterbox");
3. a rule's UP on a value the query excludes outweighed the exclusion ("laptop not dell"),
   and case variants of one value were two filter values or two boosts ("1TB 1tb ssd");
4. the department filter came back as a ``parent_category`` expansion ("ring light for
   iphone");
5. a device category followed by a product type was the filter ("fire tv games");
6. any word counted as the device an accessory fits ("kitchenaid stand mixer", "logitech
   wireless mouse", "hp 63 ink" lost the brand filter);
7. a mention after "with" fanned out as a second product searched ("baby monitor with
   camera" -> Disposable Cameras, Trail Cameras ...).
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

DEPTS = ("TV & Home Theater", "Cell Phones", "Computers & Tablets", "Office Electronics",
         "Appliances", "Video Games", "Baby", "Cameras & Camcorders", "Toys & Games")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "smart": ("Smart TVs", "TV & Home Theater > TVs > Smart TVs", "tvs"),
    "stands": ("TV Stands", "TV & Home Theater > TV Stands", "tvh"),
    "tvacc": ("TV & Home Theater Accessories",
              "TV & Home Theater > TV & Home Theater Accessories", "tvh"),
    "remotes": ("Remote Controls",
                "TV & Home Theater > TV & Home Theater Accessories > Remote Controls", "tvacc"),
    "players": ("Streaming Media Players", "TV & Home Theater > Streaming Media Players", "tvh"),
    "firetv": ("Fire TV", "TV & Home Theater > Streaming Media Players > Fire TV", "players"),
    "fireacc": ("Fire TV Accessories",
                "TV & Home Theater > Streaming Media Players > Fire TV > Fire TV Accessories",
                "firetv"),
    "firedev": ("Fire TV Devices",
                "TV & Home Theater > Streaming Media Players > Fire TV > Fire TV Devices",
                "firetv"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "unlocked": ("Unlocked Phones", "Cell Phones > Unlocked Phones", "cell"),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Accessories > Cell Phone Cases",
              "cacc"),
    "wcharge": ("Wireless Chargers", "Cell Phones > Cell Phone Accessories > Wireless Chargers",
                "cacc"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "lacc": ("Laptop Accessories", "Computers & Tablets > Laptop Accessories", "comp"),
    "lbat": ("Laptop Batteries", "Computers & Tablets > Laptop Accessories > Laptop Batteries",
             "lacc"),
    "mk": ("Mice & Keyboards", "Computers & Tablets > Mice & Keyboards", "comp"),
    "mice": ("Mice", "Computers & Tablets > Mice & Keyboards > Mice", "mk"),
    "webcams": ("Webcams", "Computers & Tablets > Webcams", "comp"),
    "oe": ("Office Electronics", "Office Electronics", None),
    "printers": ("Printers", "Office Electronics > Printers", "oe"),
    "ink": ("Printer Ink", "Office Electronics > Printer Ink", "oe"),
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "mixers": ("Mixers & Mixer Accessories",
               "Appliances > Small Kitchen Appliances > Mixers & Mixer Accessories", "ska"),
    "standm": ("Stand Mixers", "Appliances > Small Kitchen Appliances > Mixers & Mixer "
               "Accessories > Stand Mixers", "mixers"),
    "handm": ("Hand Mixers", "Appliances > Small Kitchen Appliances > Mixers & Mixer "
              "Accessories > Hand Mixers", "mixers"),
    "vg": ("Video Games", "Video Games", None),
    "xbox": ("Xbox One", "Video Games > Xbox One", "vg"),
    "xacc": ("Xbox One Accessories", "Video Games > Xbox One > Xbox One Accessories", "xbox"),
    "xgames": ("Xbox One Games", "Video Games > Xbox One > Xbox One Games", "xbox"),
    "baby": ("Baby", "Baby", None),
    "monitors": ("Baby Monitors", "Baby > Baby Monitors", "baby"),
    "gear": ("Baby Gear", "Baby > Baby Gear", "baby"),
    "cam": ("Cameras & Camcorders", "Cameras & Camcorders", None),
    "cameras": ("Cameras", "Cameras & Camcorders > Cameras", "cam"),
    "digital": ("Digital Cameras", "Cameras & Camcorders > Cameras > Digital Cameras", "cameras"),
    "trail": ("Trail Cameras", "Cameras & Camcorders > Cameras > Trail Cameras", "cameras"),
    "tg": ("Toys & Games", "Toys & Games", None),
    "games": ("Games", "Toys & Games > Games", "tg"),
    "board": ("Board Games", "Toys & Games > Games > Board Games", "games"),
    "sports": ("Sports", "Toys & Games > Sports", "tg"),
    "soccer": ("Soccer", "Toys & Games > Sports > Soccer", "sports"),
    "socks": ("Socks", "Toys & Games > Sports > Socks", "sports"),
}
SELLS = {"Samsung": ["tvs", "unlocked", "wcharge"], "LG": ["tvs"], "Apple": ["iphone"],
         "HP": ["printers", "ink", "laptops"], "Dell": ["laptops", "lbat"],
         "Logitech": ["mice", "webcams"], "KitchenAid": ["standm", "handm"],
         "OtterBox": ["cases"], "Amazon": ["firedev"]}
COLOURS = ("Red", "Blue", "Black")


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = category_records(CATS) + brand_records(SELLS)
    # a second brand node spelt like a sold one, that sells nothing ("otter box")
    recs += [Node(NodeKind.BRAND, "otter-box", "otter box")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in COLOURS]
    return catalog_kg(recs)


def intent(key: str, score: float = 0.8, dept_score: float = 0.97) -> Intent:
    return intent_at(CATS[key][1], score, dept_score)


brand = brand_link


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return category_link(_cat(key), mention, label)


def colour(name: str, mention: str | None = None) -> LinkedEntity:
    return LinkedEntity(f"{ID}attribute_value/color/{name.lower()}", "attribute_value", 0.9,
                        "color", mention or name.lower())


def _expand(kg, linked, query, key, **kw):
    return expand(kg, linked, intent(key), query=query, departments=DEPTS, **kw)


def _boosts(res) -> list[tuple[str, str]]:
    return sorted((b.term, b.direction) for b in res.boosts)


# -- 1. a node named again after a cue is excluded --------------------------------------------


@pytest.mark.parametrize(("query", "linked", "key", "maker"), [
    ("hp printer ink not hp", [brand("HP", "hp"), cat("ink", "printer ink")], "ink", "HP"),
    ("samsung galaxy s21 case not samsung", [brand("Samsung")], "cacc", "Samsung"),
    ("samsung tv not samsung", [brand("Samsung"), cat("tvs", "tv")], "tvs", "Samsung"),
    # the parser keeps one mention per node, maybe the cue's ("not hp", read as a condition)
    ("hp printer ink not hp", [brand("HP", "not hp", "condition"), cat("ink", "printer ink")],
     "ink", "HP"),
])
def test_a_brand_named_again_after_a_cue_is_excluded(kg, query, linked, key, maker):
    """"hp printer ink not hp" boosted HP UP (fits), "samsung tv not samsung" filtered on
    Samsung: only the first mention's place was read."""
    res = _expand(kg, linked, query, key)
    assert res.filters.brand == (), query
    assert [b for b in _boosts(res) if b[0].startswith("brand:")] == [(f"brand:{maker}", "DOWN")]
    # nor does the intent read it (the parser's intent_links drops the excluded links)
    assert brand_iri(maker) in excluded_links(query, linked)


def test_a_colour_named_again_after_a_cue_is_excluded_but_not_its_list(kg):
    res = expand(kg, [colour("Black")], query="black phone case not black")
    assert res.filters.colour == () and _boosts(res) == [("colour:Black", "DOWN")]
    # "blue" is joined to the first "red", the one the query asks for
    res = expand(kg, [colour("Red"), colour("Blue")], query="red or blue phone case not red")
    assert res.filters.colour == ("Blue",) and _boosts(res) == [("colour:Red", "DOWN")]
    # a list after the excluded place is excluded too
    res = _expand(kg, [brand("Samsung"), cat("tvs", "tv"), brand("LG")],
                  "samsung tv not samsung or lg", "tvs")
    assert res.filters.brand == ()
    assert _boosts(res) == [("brand:LG", "DOWN"), ("brand:Samsung", "DOWN")]


def test_a_word_of_another_mention_after_a_cue_excludes_only_that_one(kg):
    """"tv not tv stand": the second "tv" is a word of TV Stands' mention, not TVs'."""
    linked = [cat("tvs", "tv"), cat("stands", "not tv stand", "modifier")]
    assert excluded_links("tv not tv stand", linked) == {_cat("stands")}
    assert excluded_links("samsung tv", [brand("Samsung")]) == frozenset()


# -- 2. a value the query excludes is no filter -------------------------------------------------


@pytest.mark.parametrize(("query", "size"), [
    ("55 inch tv not 55 inch", "55 inch"), ("64gb phone without 64gb", "64gb"),
])
def test_a_size_the_query_also_excludes_is_no_filter(kg, query, size):
    res = expand(kg, [], query=query)
    assert res.filters.size == (), query
    assert not [s for s in res.filter_sources if s.field == "size"], query
    assert _boosts(res) == [(f"size:{size}", "DOWN")], query


def test_two_brand_nodes_of_one_sold_name_filter_and_exclusion(kg):
    """"otter box" (an unsold node spelt like OtterBox) filtered on OtterBox while "not
    otterbox" made a DOWN boost of the same value: the exclusion wins."""
    res = _expand(kg, [brand("otter box", "otter box"), cat("iphone", "iphone", "product_name"),
                       brand("OtterBox", "otterbox")], "otter box iphone case not otterbox",
                  "cacc")
    assert res.filters.brand == ()
    assert [b for b in _boosts(res) if b[0].startswith("brand:")] == [("brand:OtterBox", "DOWN")]


# -- 3. rules: no UP on an excluded value, one value per case-folded term -----------------------

RULES = RuleSet.parse("laptop =>\n    UP(20): brand:Dell\n"
                      "phone =>\n    UP(30): brand:Samsung\n    UP(5): samsung\n"
                      "samsung =>\n    FILTER: brand:samsung\n", path="rules.txt")


def test_a_rule_up_on_a_value_the_query_excludes_is_not_applied(kg):
    res = _expand(kg, [cat("laptops", "laptop"), brand("Dell")], "laptop not dell", "laptops",
                  rules=RULES)
    assert [(b.term, b.weight) for b in res.boosts] == [("brand:Dell", -10.0)]
    # where the query does not exclude it, the rule applies
    res = _expand(kg, [cat("laptops", "laptop")], "laptop", "laptops", rules=RULES)
    assert [(b.term, b.weight) for b in res.boosts] == [("brand:Dell", 20.0)]


def test_one_boost_and_one_filter_value_per_case_folded_value(kg):
    """"phone not samsung": the link's DOWN on Samsung and the negated rule FILTER's DOWN on
    "samsung" doubled the penalty; "samsung phone" filtered on Samsung and samsung."""
    res = _expand(kg, [brand("Samsung")], "phone not samsung", "cell", rules=RULES)
    assert [(b.term, b.weight) for b in res.boosts] == [("brand:Samsung", -10.0)]
    res = _expand(kg, [brand("Samsung")], "samsung phone", "cell", rules=RULES)
    assert res.filters.brand == ("Samsung",)
    assert [s.value for s in res.filter_sources if s.field == "brand"] == ["Samsung"]
    res = expand(kg, [], query="1TB 1tb ssd")
    assert res.filters.size == ("1TB",)


# -- 4. no expansion repeats a hard category filter ---------------------------------------------


def test_an_expansion_naming_the_category_filter_is_dropped(kg):
    """"ring light for iphone": the filter Cell Phones (the department), and Cell Phones again
    as the parent of the linked iPhone: a should clause every filtered document matches."""
    res = _expand(kg, [cat("iphone", "iphone", "product_name")], "ring light for iphone",
                  "cacc")
    assert res.filters.category == ("Cell Phones",)
    assert "Cell Phones" not in [e.term for e in res]
    # the linked category's other neighbours stay
    assert "Cell Phone Accessories" in [e.term for e in res]


# -- 5. a device with accessories of its own, followed by a product type -----------------------


@pytest.mark.parametrize(("query", "linked"), [
    ("fire tv games", [cat("firetv", "fire tv", "modifier"), cat("games", "games")]),
    ("amazon fire tv games", [brand("Amazon"), cat("firetv", "fire tv", "product_name"),
                              cat("games", "games")]),
])
def test_a_device_followed_by_a_product_type_is_no_filter(kg, query, linked):
    """The games are searched; a filter on Fire TV (its accessories and devices) removes them."""
    res = _expand(kg, linked, query, "players")
    assert res.filters.category == ("TV & Home Theater",), query
    assert CATS["firetv"][1] in {s.category for s in res.suggestions}
    # of Fire TV's own neighbours only its accessories (not the other players)
    assert "Fire TV Accessories" in [e.term for e in res]
    assert "Streaming Media Players" not in [e.term for e in res]


@pytest.mark.parametrize(("query", "linked", "key", "want"), [
    # the device holds the product: searched within it
    ("xbox one games", [cat("xbox", "xbox one", "product_name"), cat("games", "games")], "xbox",
     "xbox"),
    # no device of accessories: a noun compound, two categories the query names (a fitted
    # Soccer would leave Socks the filter)
    ("soccer socks", [cat("soccer", "soccer", "occasion"), cat("socks", "socks")], "sports",
     "sports"),
])
def test_a_category_followed_by_a_product_type_it_holds_or_no_device_still_filters(
        kg, query, linked, key, want):
    res = _expand(kg, linked, query, key)
    assert res.filters.category == (CATS[want][1],), query


# -- 6. only a word that names a device makes the brand the one an accessory fits ---------------


@pytest.mark.parametrize(("query", "linked", "key", "maker"), [
    ("kitchenaid stand mixer", [brand("KitchenAid"), cat("standm", "stand mixer")], "ska",
     "KitchenAid"),
    ("kitchenaid hand mixer", [brand("KitchenAid"), cat("handm", "hand mixer")], "ska",
     "KitchenAid"),
    ("logitech wireless mouse", [brand("Logitech"), cat("mice", "mouse")], "mk", "Logitech"),
    ("logitech mouse", [brand("Logitech"), cat("mice", "mouse")], "mk", "Logitech"),
    ("samsung wireless charger", [brand("Samsung"), cat("wcharge", "wireless charger")], "cacc",
     "Samsung"),
    ("samsung charger", [brand("Samsung")], "cacc", "Samsung"),
    ("hp 63 ink", [brand("HP")], "ink", "HP"),
    ("hp ink", [brand("HP")], "ink", "HP"),
    ("samsung black case", [brand("Samsung"), colour("Black")], "cacc", "Samsung"),
])
def test_a_word_that_names_no_device_keeps_the_brand_filter(kg, query, linked, key, maker):
    """One word more turned the brand filter into an UP (fits) boost: "stand" of a stand mixer
    (a mixer, no stand), "wireless", a number, a colour: none names a device the accessory
    fits. (The query without the word, the brand's own product, keeps it as it did.)"""
    res = _expand(kg, linked, query, key)
    assert res.filters.brand == (maker,), query
    assert not [b for b in res.boosts if b.term.startswith("brand:")], query


@pytest.mark.parametrize(("query", "linked", "key", "maker"), [
    ("hp printer ink", [brand("HP"), cat("ink", "printer ink")], "ink", "HP"),
    ("dell laptop battery", [brand("Dell"), cat("lbat", "laptop battery")], "lacc", "Dell"),
    ("samsung galaxy s21 case", [brand("Samsung")], "cacc", "Samsung"),
    ("samsung tv remote control", [brand("Samsung"), cat("tvs", "tv", "product_name"),
                                   cat("remotes", "remote control")], "tvacc", "Samsung"),
    ("logitech wireless webcam mouse", [brand("Logitech"), cat("webcams", "webcam"),
                                        cat("mice", "mouse")], "mk", "Logitech"),
])
def test_a_word_that_names_a_device_still_makes_the_maker_a_boost(kg, query, linked, key, maker):
    res = _expand(kg, linked, query, key)
    assert res.filters.brand == (), query
    assert [(b.term, b.direction) for b in res.boosts if b.term.startswith("brand:")] == [
        (f"brand:{maker}", "UP")], query


# -- 7. a mention after "with" is a feature of the product searched -----------------------------


@pytest.mark.parametrize("query", ["baby monitor with camera", "baby monitor with a camera"])
def test_a_mention_after_with_adds_no_fan_out(kg, query):
    """The cameras' children (Digital Cameras, Trail Cameras) were expanded above the baby
    monitor's own neighbours: the camera is a feature of the monitor searched."""
    linked = [cat("monitors", "baby monitor"), cat("cameras", query.split("with ")[1], "modifier")]
    res = _expand(kg, linked, query, "monitors")
    terms = [e.term for e in res]
    assert not {"Digital Cameras", "Trail Cameras", "Cameras & Camcorders"} & set(terms), query
    assert "Baby Gear" in terms
    assert _cat("cameras") not in {s.source.removeprefix("link:") for s in res.filter_sources}


def test_a_device_after_compatible_with_keeps_its_accessories(kg):
    """"compatible with" is a fits phrase: the device's accessory categories stay."""
    res = _expand(kg, [cat("iphone", "iphone", "product_name")],
                  "charger compatible with iphone", "cacc")
    assert "Cell Phone Accessories" in [e.term for e in res]
