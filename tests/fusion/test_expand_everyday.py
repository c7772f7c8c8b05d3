"""Everyday goods (review rev-cons, a relevance engineer on grocery, health, household, pet and
baby queries):

2. "small"/"large" were hard size filters on products with no such size ("large breed dog
   food", "small vacuum"): a garment size written as a word filters only on clothing;
8. a colour word that names a scent or flavour was a colour filter on consumables ("lavender
   body wash", "peach tea");
3. a brand named by a common word was a hard filter on a linked product the store sells no
   kind of ("monster energy drink", "plum baby food", "apple scented candle"; a query that
   links no product keeps the filter: the KG's edges are too partial to judge by, review
   rev-diff9);
9. expansions added an audience the query contradicts ("newborn gloves" -> Men, "toddler
   sweater" -> Boy), the query's audience word linking nothing;
10. a negated ingredient became a DOWN boost on a namesake ("cat food without fish" -> Fish
    Food, "laundry detergent without dyes" -> Craft Dyes, "not made in china" -> the brand
    "Made In China").

Each test names the old reading; the neighbours it must not change are pinned beside it.
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

# the store's label space (Best Buy's departments); the other catalogues' categories (Google's,
# Flipkart's) lie outside it, as in the default KG
DEPTS = ("Appliances", "TV & Home Theater", "Cell Phones", "Wearable Technology", "Audio",
         "Car Electronics & GPS")

STORE = {  # key: (label, path, parent key)
    "app": ("Appliances", "Appliances", None),
    "micro": ("Microwaves", "Appliances > Microwaves", "app"),
    "dish": ("Dishwashers", "Appliances > Dishwashers", "app"),
    "ranges": ("Ranges, Cooktops & Ovens", "Appliances > Ranges, Cooktops & Ovens", "app"),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "rice": ("Rice Cookers", "Appliances > Small Kitchen Appliances > Rice Cookers", "ska"),
    "slicers": ("Meat Slicers", "Appliances > Small Kitchen Appliances > Meat Slicers", "ska"),
    "bfm": ("Baby Food Makers", "Appliances > Small Kitchen Appliances > Baby Food Makers",
            "ska"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Cases", "cell"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "watch": ("Apple Watch", "Wearable Technology > Apple Watch", "wear"),
    "audio": ("Audio", "Audio", None),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
    "soundbars": ("Sound Bars", "Audio > Sound Bars", "audio"),
    "car": ("Car Electronics & GPS", "Car Electronics & GPS", None),
    "radar": ("Radar Detectors", "Car Electronics & GPS > Radar Detectors", "car"),
}
OTHER = {  # Google's taxonomy
    "food": ("Food, Beverages & Tobacco", "Food, Beverages & Tobacco", None),
    "snacks": ("Snack Foods", "Food, Beverages & Tobacco > Snack Foods", "food"),
    "popcorn": ("Popcorn", "Food, Beverages & Tobacco > Snack Foods > Popcorn", "snacks"),
    "cheese": ("Cheese", "Food, Beverages & Tobacco > Cheese", "food"),
    "sauces": ("Sauces", "Food, Beverages & Tobacco > Sauces", "food"),
    "drinks": ("Sports & Energy Drinks", "Food, Beverages & Tobacco > Sports & Energy Drinks",
               "food"),
    "grains": ("Grains, Rice & Cereal", "Food, Beverages & Tobacco > Grains, Rice & Cereal",
               "food"),
    "hg": ("Home & Garden", "Home & Garden", None),
    "plates": ("Plates", "Home & Garden > Tableware > Plates", "hg"),
    "trays": ("Serving Trays", "Home & Garden > Tableware > Serving Trays", "hg"),
    "candles": ("Candles", "Home & Garden > Decor > Candles", "hg"),
    "detergent": ("Laundry Detergent", "Home & Garden > Laundry Supplies > Laundry Detergent",
                  "hg"),
    "baby": ("Baby & Toddler", "Baby & Toddler", None),
    "babyfood": ("Baby Food", "Baby & Toddler > Baby Food", "baby"),
    "hb": ("Health & Beauty", "Health & Beauty", None),
    "bodywash": ("Body Wash", "Health & Beauty > Bath & Body > Body Wash", "hb"),
    "el": ("Electronics", "Electronics", None),
    "televisions": ("Televisions", "Electronics > Televisions", "el"),
    "ae": ("Arts & Entertainment", "Arts & Entertainment", None),
    "dyes": ("Craft Dyes", "Arts & Entertainment > Crafts > Craft Dyes", "ae"),
    "pets": ("Animals & Pet Supplies", "Animals & Pet Supplies", None),
    "petsup": ("Pet Supplies", "Animals & Pet Supplies > Pet Supplies", "pets"),
    "catsup": ("Cat Supplies", "Animals & Pet Supplies > Pet Supplies > Cat Supplies",
               "petsup"),
    "catfood": ("Cat Food", "Animals & Pet Supplies > Pet Supplies > Cat Supplies > Cat Food",
                "catsup"),
    "grainfree": ("Grain-Free Cat Food", "Animals & Pet Supplies > Pet Supplies > Cat Supplies"
                  " > Grain-Free Cat Food", "catsup"),
    "fishsup": ("Fish Supplies", "Animals & Pet Supplies > Pet Supplies > Fish Supplies",
                "petsup"),
    "fishfood": ("Fish Food", "Animals & Pet Supplies > Pet Supplies > Fish Supplies > "
                 "Fish Food", "fishsup"),
    "apparel": ("Apparel & Accessories", "Apparel & Accessories", None),
    "buckles": ("Belt Buckles", "Apparel & Accessories > Belt Buckles", "apparel"),
}
FLIPKART = {  # Flipkart's taxonomy
    "clothing": ("clothing", "clothing", None),
    "gloves": ("gloves", "clothing > gloves", "clothing"),
    "sweaters": ("sweaters", "clothing > sweaters", "clothing"),
    "helmets": ("helmets", "clothing > helmets", "clothing"),
    "dresses": ("dresses", "clothing > dresses", "clothing"),
    "boots": ("boots", "clothing > boots", "clothing"),
    "bwb": ("bags wallets belts", "bags wallets belts", None),
    "belts": ("belts", "bags wallets belts > belts", "bwb"),
}
SELLS = {"Samsung": ["tvs", "cases"], "Sharp": ["micro", "tvs"], "Apple": ["cases"],
         "Monster": ["headphones"], "Trident": ["cases"], "Plum": ["cases"],
         "Cobra": ["radar"], "VIZIO": ["soundbars"], "BISSELL": ["app"], "Fitbit": ["cases"],
         "JBL": ["headphones"]}
SIZES = ("Small", "Large")
COLOURS = ("lavender", "Peach", "Tan", "Mint Green")
AUDIENCES = ("Men", "Women", "Boy", "Girl", "Men and Women")


def _cat(key: str) -> str:
    source = "bb" if key in STORE else "google" if key in OTHER else "flipkart"
    return f"{ID}category/{source}/{key}"


def _value(attribute: str, name: str) -> str:
    return f"{ID}attribute_value/{attribute}/{name.lower().replace(' ', '-')}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = (category_records(STORE) + category_records(OTHER, "google")
            + category_records(FLIPKART, "flipkart") + brand_records(SELLS, cat=_cat))
    # name-list brands the store sells nothing under
    recs += [Node(NodeKind.BRAND, "made-in-china", "Made In China"),
             Node(NodeKind.BRAND, "graco", "Graco")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"size/{s.lower()}", s, attribute="size")
             for s in SIZES]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower().replace(' ', '-')}", c,
                  attribute="color") for c in COLOURS]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"ideal_for/{a.lower().replace(' ', '-')}", a,
                  attribute="ideal_for") for a in AUDIENCES]
    # Flipkart's products: their audiences are the expansions of their categories
    for key, audiences in (("gloves", ("Men",)), ("helmets", ("Men",)),
                           ("sweaters", ("Boy",)), ("dresses", ("Women",))):
        for i, audience in enumerate(audiences * 2):
            pid = f"fk/{key}-{i}"
            recs += [Node(NodeKind.PRODUCT, pid, f"{key} {i}"),
                     Edge(f"{ID}product/{pid}", Relation.IN_CATEGORY, _cat(key)),
                     Edge(f"{ID}product/{pid}", Relation.HAS_VALUE,
                          _value("ideal_for", audience))]
    return catalog_kg(recs)


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", 0.9, label, mention)


def size(name: str, mention: str, label: str = "UoM") -> LinkedEntity:
    return LinkedEntity(_value("size", name), "attribute_value", 0.9, label, mention)


def colour(name: str, mention: str) -> LinkedEntity:
    return LinkedEntity(_value("color", name), "attribute_value", 0.9, "color", mention)


def intent(key: str, score: float = 0.8, *, familiar: bool = True) -> Intent:
    """The intent of the store's category ``key``; ``familiar=False``: a query unlike the
    training queries (:attr:`fusion.types.Intent.unfamiliar`), as groceries are to Best
    Buy's."""
    i = intent_at(STORE[key][1], score)
    return Intent(i.category, i.lvl0, i.score, i.lvl0_score, i.top_k,
                  familiarity=0.9 if familiar else 0.1, familiar_floor=0.5)


def _expand(kg, linked, query, key=None, **kw):
    return expand(kg, linked, intent(key, **kw) if key else None, query=query,
                  departments=DEPTS)


def _boosts(res, prefix=""):
    return [(b.term, b.direction, (b.rule or "").rsplit(" (", 1)[-1].rstrip(")"))
            for b in res.boosts if b.term.startswith(prefix)]


def _terms(res) -> list[str]:
    return [e.term for e in res]


# -- 2. a garment size written as a word filters only on clothing --------------------------------


@pytest.mark.parametrize(("query", "name", "mention"), [
    ("large breed dog food", "Large", "large"),
    ("small vacuum", "Small", "small"),
    ("large print crossword puzzles for adults", "Large", "large"),
    ("cordless small vacuum handheld", "Small", "small"),
    ("kids bike small", "Small", "small"),
    ("large kites for adults", "Large", "large"),
])
def test_a_word_size_of_no_clothing_is_an_up_boost(kg, query, name, mention):
    """Old: a hard size filter from the link to the KG's clothing size, which removed every
    dog food, vacuum or book (none has a Small/Large size facet)."""
    res = expand(kg, [size(name, mention)], query=query, departments=DEPTS)
    assert res.filters.size == (), query
    assert _boosts(res, "size:") == [(f"size:{name}", "UP", "not clothing")], query


@pytest.mark.parametrize(("query", "name", "mention"), [
    ("t shirt large", "Large", "large"),
    ("women's dress small", "Small", "small"),
    ("large hoodie", "Large", "large"),
    ("nitrile gloves large", "Large", "large"),
    # next to the word "size", a size asked for whatever the product
    ("dog harness size large", "Large", "large"),
    ("large size dog bed", "Large", "large"),
])
def test_a_word_size_on_clothing_or_next_to_size_still_filters(kg, query, name, mention):
    res = expand(kg, [size(name, mention)], query=query, departments=DEPTS)
    assert res.filters.size == (name,), query
    assert not res.boosts, query


# -- 5. a device word that modifies another department's product is no filter ------------------


@pytest.mark.parametrize(("query", "linked", "key", "want"), [
    # a product of the device's department: a noun compound, the product the filter
    ("microwave rice cooker", [cat("micro", "microwave", "modifier"),
                               cat("rice", "rice cooker")], "ska", "rice"),
    # a head that also heads a category of the device's department: a kind of the device
    ("microwave oven", [cat("micro", "microwave")], "micro", "micro"),
    # no product after it
    ("samsung tv", [brand_link("Samsung"), cat("tvs", "tv")], "tvs", "tvs"),
    ("tv 65 inch", [cat("tvs", "tv")], "tvs", "tvs"),
    ("tv black", [cat("tvs", "tv"), colour("Tan", "black")], "tvs", "tvs"),
])
def test_a_device_named_for_itself_or_before_its_departments_product_still_filters(
        kg, query, linked, key, want):
    res = _expand(kg, linked, query, key)
    assert res.filters.category == (STORE[want][1],), query


# -- 8. a colour word that names a scent or flavour, on a consumable -----------------------------


@pytest.mark.parametrize(("query", "linked", "value"), [
    ("lavender body wash", [colour("lavender", "lavender"), cat("bodywash", "body wash")],
     "lavender"),
    ("lavender candle", [colour("lavender", "lavender"), cat("candles", "candle")],
     "lavender"),
    ("lavender laundry detergent", [colour("lavender", "lavender"),
                                    cat("detergent", "laundry detergent")], "lavender"),
    ("lavender shampoo", [colour("lavender", "lavender")], "lavender"),
    ("peach tea", [colour("Peach", "peach")], "Peach"),
    ("peach rings candy", [colour("Peach", "peach")], "Peach"),
])
def test_a_scent_or_flavour_on_a_consumable_is_an_up_boost(kg, query, linked, value):
    """Old: a hard colour filter (the lavender-coloured bottles only)."""
    res = expand(kg, linked, query=query, departments=DEPTS)
    assert res.filters.colour == (), query
    assert _boosts(res, "colour:") == [(f"colour:{value}", "UP", "a scent or flavour")], query


@pytest.mark.parametrize(("query", "linked", "value"), [
    ("lavender dress", [colour("lavender", "lavender"), cat("dresses", "dress")], "lavender"),
    ("peach dress", [colour("Peach", "peach"), cat("dresses", "dress")], "Peach"),
    ("tan boots", [colour("Tan", "tan"), cat("boots", "boots")], "Tan"),
    ("mint green phone case", [colour("Mint Green", "mint green"), cat("cases", "phone case")],
     "Mint Green"),
    # "mint green" names green, a colour on a consumable too
    ("mint green soap", [colour("Mint Green", "mint green")], "Mint Green"),
])
def test_a_colour_of_a_product_that_has_colours_still_filters(kg, query, linked, value):
    res = expand(kg, linked, query=query, departments=DEPTS)
    assert res.filters.colour == (value,), query
    assert not _boosts(res, "colour:"), query


# -- 3. a brand filter on a product the store sells no kind of ---------------------------------


@pytest.mark.parametrize(("query", "linked", "key", "familiar", "maker"), [
    # a linked product no store category holds, in a department where the brand sells
    # nothing
    ("monster energy drink", [brand_link("Monster"), cat("drinks", "energy drink")], "ska",
     False, "Monster"),
    ("plum baby food", [brand_link("Plum"), cat("babyfood", "baby food")], None, True,
     "Plum"),
    ("apple scented candle", [brand_link("Apple"), cat("candles", "candle")], "ska", False,
     "Apple"),
])
def test_a_brand_where_the_store_sells_no_such_product_is_an_up_boost(
        kg, query, linked, key, familiar, maker):
    """Old: a hard brand filter (Monster's headphones for an energy drink, Apple's phone
    cases for a candle): the brand's word names something else here."""
    res = _expand(kg, linked, query, key, familiar=familiar) if key else _expand(
        kg, linked, query)
    assert res.filters.brand == (), query
    assert _boosts(res, "brand:") == [(f"brand:{maker}", "UP", "other department")], query


@pytest.mark.parametrize(("query", "linked", "key", "maker"), [
    ("samsung tv", [brand_link("Samsung"), cat("tvs", "tv")], "tvs", "Samsung"),
    ("sharp tv", [brand_link("Sharp"), cat("tvs", "tv")], "tvs", "Sharp"),
    # another catalogue's category, where the trusted intent is the brand's department
    ("samsung television", [brand_link("Samsung"), cat("televisions", "television")], "tvs",
     "Samsung"),
    # the KG's sells_in edges are partial: a product of the store keeps the filter ...
    ("vizio 50 inch tv", [brand_link("VIZIO"), cat("tvs", "tv")], "tvs", "VIZIO"),
    # ... and so does the brand's line a store category names ("Apple Watch")
    ("apple watch series 1", [brand_link("Apple")], "watch", "Apple"),
    # a brand alone, whatever the intent
    ("bissell", [brand_link("BISSELL")], "watch", "BISSELL"),
    # a product of the brand's department, whatever the intent
    ("samsung tv", [brand_link("Samsung")], "ska", "Samsung"),
    # no product linked: the KG's partial edges are no judge of the intent's department, nor
    # of a free word's ("fitbit versa": Fitbit sells only phone cases in the KG; "jbl flip 5")
    ("fitbit versa", [brand_link("Fitbit")], "watch", "Fitbit"),
    ("jbl flip 5", [brand_link("JBL")], "soundbars", "JBL"),
    ("bissell upright", [brand_link("BISSELL")], "watch", "BISSELL"),
])
def test_a_brand_where_the_store_may_sell_it_still_filters(kg, query, linked, key, maker):
    res = _expand(kg, linked, query, key)
    assert res.filters.brand == (maker,), query
    assert not _boosts(res, "brand:"), query


# -- 9. no expansion of an audience the query rules out -----------------------------------------


@pytest.mark.parametrize(("query", "linked", "audience"), [
    ("newborn gloves no scratch", [cat("gloves", "gloves")], "Men"),
    ("bike helmet for kids", [cat("helmets", "helmet")], "Men"),
    ("go kart helmet youth", [cat("helmets", "helmet")], "Men"),
    ("kid's winter gloves", [cat("gloves", "gloves")], "Men"),
    # a sex the query's audience does not say
    ("toddler long sleeve sweater beige", [cat("sweaters", "sweater")], "Boy"),
    # and the other way round
    ("mens sweater", [cat("sweaters", "sweater")], "Boy"),
    ("dress for girls", [cat("dresses", "dress")], "Women"),
])
def test_an_expansion_of_an_audience_the_query_rules_out_is_dropped(kg, query, linked,
                                                                   audience):
    """Old: the category's products' audience ("Men" for every glove) was an expansion,
    though "newborn", "for kids", "youth", "toddler" link nothing to compare it with."""
    res = expand(kg, linked, query=query, departments=DEPTS)
    assert audience not in _terms(res), query


@pytest.mark.parametrize(("query", "linked", "audience"), [
    ("gentlemen gloves", [cat("gloves", "gloves")], "Men"),
    ("ladies dress", [cat("dresses", "dress")], "Women"),
])
def test_an_expansion_of_the_querys_audience_stays(kg, query, linked, audience):
    """(A value the query's words respell, "Men" of "mens gloves", is no expansion anyway.)"""
    res = expand(kg, linked, query=query, departments=DEPTS)
    assert audience in _terms(res), query


# -- 10. a negated ingredient is no DOWN boost on a namesake --------------------------------------


@pytest.mark.parametrize(("query", "linked"), [
    ("cat food without fish", [cat("catfood", "cat food"),
                               cat("fishfood", "without fish", "condition")]),
    ("laundry detergent without dyes", [cat("detergent", "laundry detergent"),
                                        cat("dyes", "without dyes", "condition")]),
    ("cat food without grain", [cat("catfood", "cat food"),
                                cat("grains", "without grain", "modifier")]),
])
def test_an_excluded_namesake_far_from_the_product_is_no_down_boost(kg, query, linked):
    """Old: DOWN on Fish Food, Craft Dyes, Grains: no cat food or detergent is there, so the
    boost demotes nothing searched and tells the engine the wrong thing was excluded."""
    res = _expand(kg, linked, query, "ska", familiar=False)
    assert [b for b in res.boosts if b.direction == "DOWN"] == [], query


@pytest.mark.parametrize(("query", "linked", "down"), [
    # a kind of the product searched, beside it
    ("cat food not grain free", [cat("catfood", "cat food"),
                                 cat("grainfree", "not grain free", "modifier")],
     "grainfree"),
    # another catalogue's categories are not compared
    ("belt without buckle", [cat("belts", "belt"), cat("buckles", "without buckle",
                                                         "condition")], "buckles"),
    # nothing searched linked (nor a trusted intent): not judged
    ("bread not rice", [cat("grains", "not rice", "modifier")], "grains"),
])
def test_an_excluded_category_near_the_product_stays_a_down_boost(kg, query, linked, down):
    res = _expand(kg, linked, query)
    cats = {**STORE, **OTHER, **FLIPKART}
    assert _boosts(res) == [(f"category:{cats[down][1]}", "DOWN", "negated")], query


def test_a_place_of_origin_is_no_brand(kg):
    """Old: "not made in china" was a DOWN boost on a name list's brand "Made In China"."""
    made = LinkedEntity(brand_iri("Made In China"), "brand", 0.85, "creator", "made in china")
    res = expand(kg, [made], query="dog treats not made in china", departments=DEPTS)
    assert res.boosts == [] and res.filters.brand == ()
    res = expand(kg, [made], query="dog treats made in china", departments=DEPTS)
    assert res.boosts == [] and res.filters.brand == ()
    # a brand excluded is still a DOWN boost
    graco = LinkedEntity(brand_iri("Graco"), "brand", 0.85, "condition", "not graco")
    res = expand(kg, [graco], query="stroller not graco", departments=DEPTS)
    assert _boosts(res) == [("brand:Graco", "DOWN", "negated")]


# -- 11. an audience the query excludes is none it names ----------------------------------------


@pytest.fixture(scope="module")
def gloves_kg() -> ProductGraph:
    """Flipkart's gloves, for men and for kids."""
    recs = category_records({k: FLIPKART[k] for k in ("clothing", "gloves")}, "flipkart")
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"ideal_for/{a.lower()}", a, attribute="ideal_for")
             for a in ("Men", "Kids")]
    for i, audience in enumerate(("Men", "Men", "Kids", "Kids")):
        pid = f"fk/gloves-{i}"
        recs += [Node(NodeKind.PRODUCT, pid, f"gloves {i}"),
                 Edge(f"{ID}product/{pid}", Relation.IN_CATEGORY, _cat("gloves")),
                 Edge(f"{ID}product/{pid}", Relation.HAS_VALUE, _value("ideal_for", audience))]
    return catalog_kg(recs)


@pytest.mark.parametrize(("query", "absent"), [
    # an excluded audience names none: no audience value the query does not ask for
    ("gloves not for kids", {"Men", "Kids"}),
    # an audience named beside one excluded: never the excluded one
    ("mens gloves not for kids", {"Kids"}),
])
def test_an_excluded_audience_is_not_one_the_query_names(gloves_kg, query, absent):
    res = expand(gloves_kg, [cat("gloves", "gloves")], query=query, departments=DEPTS)
    assert not set(_terms(res)) & absent, query



def test_the_audience_named_beside_an_excluded_one_stays(gloves_kg):
    # (a value the query's words respell, "Men" of "mens gloves", is no expansion anyway)
    res = expand(gloves_kg, [cat("gloves", "gloves")], query="gentlemen gloves not for kids",
                 departments=DEPTS)
    assert "Men" in _terms(res) and "Kids" not in _terms(res)
