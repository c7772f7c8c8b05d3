"""Exclusion syntax ("not for X", "-word") and words of KG names read as colours, brands or
aliases (:func:`fusion.expand.expand`); each item names the old reading:

1. a rule's ``FILTER`` fired when the query excluded its input with "not for" ("watch not for
   men" filtered on ideal_for:Men), and "case not for samsung" boosted Samsung UP as the
   device the case fits;
2. a colour word that opens a KG name with the words after it ("white noise machine", "blue
   microphones yeti", "black & white laser printer") was a hard colour filter;
3. "apple juice" was a hard brand filter on Apple, beside Google's Juice;
4. "tv -samsung", the exclusion syntax of search boxes, was a hard filter on Samsung;
5. alias expansions named a brand's store pages ("Dell Computers", "Dyson Brand Store") and
   repeated a brand already filtered on.

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

#: the intent's label space: Best Buy's departments (Google's are another taxonomy)
DEPTS = ("TV & Home Theater", "Cell Phones", "Computers & Tablets", "Appliances",
         "Office Electronics", "Wearable Technology", "Health & Beauty", "Audio")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Accessories > Cell Phone Cases",
              "cacc"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "chromebooks": ("Chromebooks", "Computers & Tablets > Laptops > Chromebooks", "laptops"),
    "monitors": ("Monitors", "Computers & Tablets > Monitors", "comp"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "watch": ("Apple Watch", "Wearable Technology > Apple Watch", "wear"),
    "app": ("Appliances", "Appliances", None),
    "vacuums": ("Vacuums", "Appliances > Vacuums", "app"),
    "oe": ("Office Electronics", "Office Electronics", None),
    "printers": ("Printers", "Office Electronics > Printers", "oe"),
    "bwlaser": ("Black & White Laser Printers",
                "Office Electronics > Printers > Black & White Laser Printers", "printers"),
    "hb": ("Health & Beauty", "Health & Beauty", None),
    "noise": ("White Noise Machines", "Health & Beauty > White Noise Machines", "hb"),
    "audio": ("Audio", "Audio", None),
    "mics": ("Microphones", "Audio > Microphones", "audio"),
}
GOOGLE = {  # Google's taxonomy beside Best Buy's: no product, no seller
    "food": ("Food, Beverages & Tobacco", "Food, Beverages & Tobacco", None),
    "bev": ("Beverages", "Food, Beverages & Tobacco > Beverages", "food"),
    "juice": ("Juice", "Food, Beverages & Tobacco > Beverages > Juice", "bev"),
    "fruits": ("Fruits", "Food, Beverages & Tobacco > Fruits", "food"),
    "apples": ("Apples", "Food, Beverages & Tobacco > Fruits > Apples", "fruits"),
    "office": ("Office Supplies", "Office Supplies", None),
    "pencils": ("Pencils", "Office Supplies > Pencils", "office"),
    "el": ("Electronics", "Electronics", None),
    "computers": ("Computers", "Electronics > Computers", "el"),
    "televisions": ("Televisions", "Electronics > Televisions", "el"),
}
SELLS = {"Samsung": ["tvs", "iphone", "cases"], "Apple": ["iphone", "laptops"],
         "Google": ["cell"], "Dell": ["laptops", "monitors"], "Dyson": ["vacuums"],
         "HP": ["laptops", "printers"], "Blue Microphones": ["mics"]}
ALIASES = {"Dell": ("Dell Computers",), "Dyson": ("Dyson Brand Store",),
           "HP": ("Hewlett-Packard", "HP Brand Store")}
COLOURS = ("Black", "White", "Blue")
RULES = RuleSet.parse("men =>\n    FILTER: ideal_for:Men\n\nwomen =>\n    FILTER: ideal_for:Women\n"
                      "\nrefurbished =>\n    FILTER: condition:refurbished\n")


def _cat(key: str) -> str:
    return f"{ID}category/{'google' if key in GOOGLE else 'bb'}/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = (category_records(CATS) + category_records(GOOGLE, "google")
            + brand_records(SELLS, cat=_cat, aliases=ALIASES))
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


def _expand(kg, linked, query, key=None, **kw):
    return expand(kg, linked, intent(key) if key else None, query=query, departments=DEPTS,
                  **kw)


def _boosts(res, prefix: str = "") -> list[tuple[str, str]]:
    return sorted((b.term, b.direction) for b in res.boosts if b.term.startswith(prefix))


# -- 1. "not for X" excludes X as "not X" does ---------------------------------------------------


@pytest.mark.parametrize(("query", "value"), [
    ("watch not for men", "ideal_for:Men"),
    ("shoes not for men", "ideal_for:Men"),
    ("kurta not for women", "ideal_for:Women"),
    ("dress not made for women", "ideal_for:Women"),
    ("toys not meant for men", "ideal_for:Men"),
    ("shirt not for my men", "ideal_for:Men"),
    ("laptop except for refurbished", "condition:refurbished"),
    ("perfume not men", "ideal_for:Men"),  # (as before)
])
def test_a_rule_input_after_not_for_is_a_down_boost(kg, query, value):
    """"watch not for men" filtered on ideal_for:Men: the rule input's cue check skipped no
    "for" between the cue and the input."""
    res = _expand(kg, [], query, rules=RULES)
    assert res.filters.other == (), query
    assert _boosts(res) == [(value, "DOWN")], query
    assert [a.negated for a in res.applied] == [True]


@pytest.mark.parametrize(("query", "value"), [
    ("watch for men", "ideal_for:Men"),
    ("perfume not just for men", "ideal_for:Men"),  # (also for men: nothing excluded)
    ("no charger for men", "ideal_for:Men"),  # ("no" negates the charger, not the men)
])
def test_a_rule_input_after_for_without_its_cue_still_filters(kg, query, value):
    res = _expand(kg, [], query, rules=RULES)
    assert res.filters.other == (value,), query
    assert res.boosts == []


def test_a_brand_after_not_for_is_excluded_not_fitted(kg):
    """"case not for samsung" boosted Samsung UP as the device the case fits."""
    for query in ("case not for samsung", "case not made for samsung", "tv except for samsung"):
        res = _expand(kg, [brand("Samsung")], query)
        assert res.filters.brand == (), query
        assert _boosts(res, "brand:") == [("brand:Samsung", "DOWN")], query
        assert brand_iri("Samsung") in excluded_links(query, [brand("Samsung")])
    res = _expand(kg, [brand("Samsung")], "case for samsung")
    assert _boosts(res, "brand:") == [("brand:Samsung", "UP")]


def test_a_category_after_not_for_is_excluded_but_not_after_a_cued_product(kg):
    iphone = cat("iphone", "iphone", "product_name")
    res = _expand(kg, [iphone], "charger not for iphone")
    assert _boosts(res, "category:") == [("category:Cell Phones > iPhone", "DOWN")]
    # "no charger for iphone": "no" excludes the charger; the iPhone is what it is for
    res = _expand(kg, [iphone], "no charger for iphone")
    assert _boosts(res, "category:") == []
    assert excluded_links("no charger for iphone", [iphone]) == frozenset()


# -- 2. a colour word that opens a KG name is no colour filter -----------------------------------


@pytest.mark.parametrize(("query", "linked"), [
    ("white noise machine", [colour("White"), cat("noise", "noise machine")]),
    ("blue microphones yeti", [colour("Blue"), cat("mics", "microphones")]),
    ("black & white laser printer", [colour("Black"), colour("White"),
                                     cat("printers", "laser printer")]),
    ("black and white laser printers", [colour("Black"), colour("White")]),
])
def test_a_colour_word_of_a_kg_name_is_no_colour_filter(kg, query, linked):
    """A colour filter removed every White Noise Machine, Blue Microphones product and
    Black & White Laser Printer whose colour facet is not that colour."""
    res = _expand(kg, linked, query)
    assert res.filters.colour == (), query
    assert _boosts(res, "colour:") == sorted(
        (f"colour:{e.mention.capitalize()}", "UP") for e in linked
        if e.kind == "attribute_value"), query
    assert all(b.rule.endswith("(in a name)") for b in res.boosts)


@pytest.mark.parametrize(("query", "linked", "colours"), [
    ("white sneakers", [colour("White")], ("White",)),
    ("blue printer", [colour("Blue"), cat("printers", "printer")], ("Blue",)),
    # the second "white" is the machine's colour
    ("white noise machine white", [cat("noise", "white noise machine"), colour("White")],
     ("White",)),
    # names the KG does not hold are not judged
    ("black rug", [colour("Black")], ("Black",)),
    ("black and white sneakers", [colour("Black"), colour("White")], ("Black", "White")),
])
def test_a_colour_word_of_no_kg_name_still_filters(kg, query, linked, colours):
    res = _expand(kg, linked, query)
    assert res.filters.colour == colours, query
    assert not any(b.rule.endswith("(in a name)") for b in res.boosts)


# -- 3. a brand's word that names a thing beside a category of that thing's department ---------


def test_apple_beside_juice_is_no_brand_filter(kg):
    """"apple juice" filtered on Apple (iPhones, no juice): "apple" also names Apples, under
    Food as Juice is, where Apple sells nothing."""
    res = _expand(kg, [brand("Apple"), cat("juice", "juice", "product_name")], "apple juice")
    assert res.filters.brand == ()
    assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
        ("brand:Apple", "UP", f"link:{brand_iri('Apple')} (unsure)")]


@pytest.mark.parametrize(("query", "linked", "key"), [
    # (with the intent of a department Apple sells in: this catalogue holds no pencil of its
    # own, and a brand beside a product no store category holds is otherwise an UP boost,
    # tests/fusion/test_expand_everyday.py; the default KG links Best Buy's Pencils)
    ("apple pencil", [brand("Apple"), cat("pencils", "pencil", "product_name")], "laptops"),
    ("apple watch", [brand("Apple"), cat("watch", "watch", "product_name")], "watch"),
    ("apple laptop", [brand("Apple"), cat("laptops", "laptop")], "laptops"),
    ("samsung tv", [brand("Samsung"), cat("tvs", "tv")], "tvs"),
    ("samsung television", [brand("Samsung"), cat("televisions", "television")], "tvs"),
    # the KG says Google sells only under Cell Phones, as it says Apple sells nothing under
    # Wearable Technology: that alone is no reason to drop the filter
    ("google chromebooks", [brand("Google"), cat("chromebooks", "chromebooks")], "laptops"),
    ("juice not apple", [brand("Apple"), cat("juice", "juice")], None),
])
def test_a_brand_beside_a_category_it_does_not_sell_in_otherwise_keeps_its_reading(
        kg, query, linked, key):
    res = _expand(kg, linked, query, key)
    maker = linked[0].mention.capitalize()
    if "not" in query:
        assert _boosts(res, "brand:") == [(f"brand:{maker}", "DOWN")]
    else:
        assert res.filters.brand == (maker,), query
        assert _boosts(res, "brand:") == [], query


# -- 4. "-word" excludes the word ----------------------------------------------------------------


@pytest.mark.parametrize(("query", "mention"), [
    ("tv -samsung", "-samsung"),
    ("tv -samsung", "samsung"),  # (the tagger's span without the "-")
    ("-samsung tv", "-samsung"),
    ("tv -Samsung.", "-Samsung"),
])
def test_a_leading_minus_excludes_the_word(kg, query, mention):
    """"tv -samsung" filtered on Samsung: the search box's exclusion read as the brand."""
    linked = [cat("tvs", "tv"), brand("Samsung", mention)]
    res = _expand(kg, linked, query, "tvs")
    assert res.filters.brand == ()
    assert _boosts(res, "brand:") == [("brand:Samsung", "DOWN")]
    assert res.filters.category == ("TV & Home Theater > TVs",)
    # the intent does not read the excluded brand either (parser.pipeline.intent_links)
    assert excluded_links(query, linked) == {brand_iri("Samsung")}


def test_a_leading_minus_excludes_a_rule_input_and_a_colour(kg):
    res = _expand(kg, [], "laptop -refurbished", rules=RULES)
    assert res.filters.other == ()
    assert _boosts(res) == [("condition:refurbished", "DOWN")]
    res = _expand(kg, [colour("Black", "-black")], "phone case -black")
    assert res.filters.colour == () and _boosts(res) == [("colour:Black", "DOWN")]


@pytest.mark.parametrize("query", [
    "tv - samsung",  # a "-" standing alone
    "samsung-tv",
    "tv samsung-compatible",
])
def test_a_hyphen_that_opens_no_word_excludes_nothing(kg, query):
    linked = [cat("tvs", "tv"), brand("Samsung")]
    res = _expand(kg, linked, query, "tvs")
    assert res.filters.brand == ("Samsung",), query
    assert excluded_links(query, linked) == frozenset()


@pytest.mark.parametrize(("query", "sizes", "price"), [
    ("55-65 inch tv", (), (None, None)),
    ("tv $100 -$200", (), (100.0, 200.0)),
    ("tv -65 inch", (), (None, None)),  # (a negative number, no "-word": the patterns' reading)
])
def test_numbers_after_a_hyphen_are_untouched(kg, query, sizes, price):
    res = _expand(kg, [], query, rules=RULES)
    assert res.filters.size == sizes, query
    assert (res.filters.price_min, res.filters.price_max) == price, query
    assert res.boosts == []


# -- 5. alias expansions: no store page, nothing a brand filter already holds -------------------


def _aliases(res) -> list[str]:
    return [x.term for x in res if x.kind == "alias"]


def test_a_filtered_brand_gets_no_alias_expansion(kg):
    """"dell monitor" filtered on Dell ranked 'Dell Computers' first: every filtered document
    is Dell's, and the alias only added "computers"."""
    res = _expand(kg, [brand("Dell"), cat("monitors", "monitor")], "dell monitor", "monitors")
    assert res.filters.brand == ("Dell",)
    assert _aliases(res) == []
    res = _expand(kg, [brand("HP"), cat("laptops", "laptop")], "hp laptop", "laptops")
    assert res.filters.brand == ("HP",) and _aliases(res) == []


def test_a_brand_store_page_is_no_alias_expansion(kg):
    """A brand that is no filter (an unsure link) keeps its other names, not its store pages
    ("Dyson Brand Store", "Dell Computers": the brand and a category's name)."""
    for name, query, kept in (("Dyson", "dyson", []), ("Dell", "dell", []),
                              ("HP", "hp", ["Hewlett-Packard"])):
        res = _expand(kg, [brand(name, label="product_name", score=0.7)], query)
        assert res.filters.brand == (), query
        assert _aliases(res) == kept, query
