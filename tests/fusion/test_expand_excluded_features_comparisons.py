"""Features a cue excludes, and comparisons of two products (:func:`fusion.expand.expand`);
each item names the old reading:

1. a feature a cue excludes was still an expansion: "tv not 4k" (which links nothing after
   "not") expanded "4K Ultra HD TVs", "laptop not 2 in 1" "2-in-1s", "headphones not
   wireless" "Wireless Headphones";
2. its DOWN boost landed on a namesake in another department: "headphones not wireless" ->
   Musical Instruments > ... > Wireless, "laptop without windows" -> Building Materials >
   Windows, where it does nothing for the products searched;
3. comparisons filtered on one side only: "samsung tablet vs ipad" on iPad, "apple watch
   or fitbit" on Apple Watch (no Fitbit can match), "dell laptop vs hp laptop" on Dell ("vs
   hp" linking nothing), "difference between laptop and tablet" on Tablets.

Each test names the old reading; the neighbours it must not change are pinned beside it.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.rules import RuleSet
from fusion.types import Intent, LinkedEntity
from kg import ProductGraph

from .catalog_kg import (
    ID,
    brand_link,
    brand_records,
    catalog_kg,
    category_link,
    category_records,
    intent_at,
)

DEPTS = ("TV & Home Theater", "Computers & Tablets", "Audio", "Musical Instruments")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "4k": ("4K Ultra HD TVs", "TV & Home Theater > TVs > 4K Ultra HD TVs", "tvs"),
    "smart": ("Smart TVs", "TV & Home Theater > TVs > Smart TVs", "tvs"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "2in1": ("2-in-1s", "Computers & Tablets > Laptops > 2-in-1s", "laptops"),
    "chromebooks": ("Chromebooks", "Computers & Tablets > Laptops > Chromebooks", "laptops"),
    "audio": ("Audio", "Audio", None),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
    "wireless": ("Wireless Headphones", "Audio > Headphones > Wireless Headphones",
                 "headphones"),
    "overear": ("Over-Ear Headphones", "Audio > Headphones > Over-Ear Headphones",
                "headphones"),
    "earbuds": ("Earbud Headphones", "Audio > Headphones > Earbud Headphones", "headphones"),
    "mi": ("Musical Instruments", "Musical Instruments", None),
    "mics": ("Microphones", "Musical Instruments > Microphones", "mi"),
    "wmics": ("Wireless", "Musical Instruments > Microphones > Wireless", "mics"),
    "hardware": ("Hardware", "Hardware", None),  # (outside the label space: DEPTS)
    "windows": ("Windows", "Hardware > Windows", "hardware"),
    "apparel": ("Apparel", "Apparel", None),  # (outside the label space too)
    "belts": ("Belts", "Apparel > Belts", "apparel"),
    "buckles": ("Belt Buckles", "Apparel > Belt Buckles", "apparel"),
    "tablets": ("Tablets", "Computers & Tablets > Tablets", "comp"),
    "ipad": ("iPad", "Computers & Tablets > Tablets > iPad", "tablets"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "watch": ("Apple Watch", "Wearable Technology > Apple Watch", "wear"),
    "trackers": ("Fitness Trackers", "Wearable Technology > Fitness Trackers", "wear"),
}
DEPTS = (*DEPTS, "Wearable Technology")
SELLS = {"Samsung": ["tvs", "tablets"], "Apple": ["ipad", "laptops"], "Griffin": ["ipad"],
         "Fitbit": ["trackers"], "Dell": ["laptops"], "HP": ["laptops"], "LG": ["tvs"],
         "Sony": ["tvs"], "Lenovo": ["tablets", "laptops"]}


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = category_records(CATS) + brand_records(SELLS)
    return catalog_kg(recs)


def intent(key: str, score: float = 0.8, dept_score: float = 0.97) -> Intent:
    return intent_at(CATS[key][1], score, dept_score)


brand = brand_link


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return category_link(_cat(key), mention, label)


def _expand(kg, linked, query, key, **kw):
    return expand(kg, linked, intent(key), query=query, departments=DEPTS, **kw)


def _terms(res) -> list[str]:
    return [e.term for e in res]


def _down(res) -> list[str]:
    return sorted(b.term for b in res.boosts if b.direction == "DOWN")


# -- 1. no expansion names what a cue excludes ----------------------------------------------------


@pytest.mark.parametrize(("query", "key", "mention", "feature"), [
    ("tv not 4k", "tvs", "tv", "4K Ultra HD TVs"),
    ("tv but not 4k", "tvs", "tv", "4K Ultra HD TVs"),
    ("tv without 4k for the bedroom", "tvs", "tv", "4K Ultra HD TVs"),
    ("tv, no 4k", "tvs", "tv", "4K Ultra HD TVs"),
    ("laptop not 2 in 1", "laptops", "laptop", "2-in-1s"),
    ("laptop that isn't a 2 in 1", "laptops", "laptop", "2-in-1s"),
])
def test_an_unlinked_excluded_feature_is_no_expansion(kg, query, key, mention, feature):
    """The words after the cue link nothing, so nothing was excluded: the searched category's
    children were all expansions, the excluded feature's among them."""
    res = _expand(kg, [cat(key, mention)], query, key)
    assert feature not in _terms(res), query
    assert res.filters.category == (CATS[key][1],), query


@pytest.mark.parametrize(("query", "key", "feature"), [
    ("tv", "tvs", "4K Ultra HD TVs"),
    ("tv not samsung", "tvs", "4K Ultra HD TVs"),  # (another word excluded)
    ("tv not 4k", "tvs", "Smart TVs"),  # (another feature)
    ("tv not 4k for 4k gaming", "tvs", "Smart TVs"),
    ("laptop", "laptops", "2-in-1s"),
    ("laptop not 2 in 1", "laptops", "Chromebooks"),
])
def test_expansions_the_query_does_not_exclude_stay(kg, query, key, feature):
    mention = "tv" if key == "tvs" else "laptop"
    assert feature in _terms(_expand(kg, [cat(key, mention)], query, key)), query


def test_a_rule_synonym_holding_the_excluded_words_is_no_expansion(kg):
    """A rule's synonym names what the query excludes just as much ("tv => SYNONYM 4k tv")."""
    rules = RuleSet.parse("tv =>\n    SYNONYM: 4k tv\n    SYNONYM: television\n")
    res = _expand(kg, [cat("tvs", "tv")], "tv not 4k", "tvs", rules=rules)
    assert "4k tv" not in _terms(res) and "television" in _terms(res)
    assert "4k tv" in _terms(_expand(kg, [cat("tvs", "tv")], "tv", "tvs", rules=rules))


# -- 2. an excluded namesake in another department is no DOWN boost, nor an expansion ------------


def test_an_excluded_feature_linked_in_another_department(kg):
    """"headphones not wireless" linked the microphones' category Wireless: a DOWN boost there
    does nothing for headphones, and "Wireless Headphones" was still an expansion."""
    res = _expand(kg, [cat("headphones", "headphones"), cat("wmics", "not wireless", "condition")],
                  "headphones not wireless", "headphones")
    assert _down(res) == []
    assert "Wireless Headphones" not in _terms(res)
    assert "Earbud Headphones" in _terms(res)
    assert res.filters.category == (CATS["headphones"][1],)


def test_an_excluded_category_outside_the_label_space_is_no_down_boost(kg):
    res = _expand(kg, [cat("laptops", "laptop"), cat("windows", "without windows", "condition")],
                  "laptop without windows", "laptops")
    assert _down(res) == []
    assert res.filters.category == (CATS["laptops"][1],)


def test_an_excluded_category_where_the_query_searches_stays_a_down_boost(kg):
    """In the intent's department ("headphones not over ear"), in a linked category's ("not
    wireless" beside a linked microphones category), and wherever, without the label space's
    departments to judge by."""
    res = _expand(kg, [cat("headphones", "headphones"),
                       cat("overear", "not over ear", "modifier")],
                  "headphones not over ear", "headphones")
    assert _down(res) == [f"category:{CATS['overear'][1]}"]
    assert "Over-Ear Headphones" not in _terms(res)
    res = _expand(kg, [cat("mics", "microphone"), cat("wmics", "not wireless", "condition")],
                  "microphone not wireless", "headphones")
    assert _down(res) == [f"category:{CATS['wmics'][1]}"]
    res = expand(kg, [cat("headphones", "headphones"),
                      cat("wmics", "not wireless", "condition")],
                 intent("headphones"), query="headphones not wireless")
    assert _down(res) == [f"category:{CATS['wmics'][1]}"]


def test_an_excluded_category_is_kept_where_nothing_trusted_says_what_is_searched(kg):
    """Only a namesake beside what the query is known to search is dropped: not where the
    category searched is itself outside the label space ("belt without buckle": Belts and
    Belt Buckles in another taxonomy, the intent a guess), nor where the query links no
    category searched and its intent is not trusted."""
    res = expand(kg, [cat("belts", "belt"), cat("buckles", "without buckle", "condition")],
                 intent("headphones", dept_score=0.4), query="belt without buckle",
                 departments=DEPTS)
    assert _down(res) == [f"category:{CATS['buckles'][1]}"]
    res = expand(kg, [cat("belts", "belt"), cat("buckles", "without buckle", "condition")],
                 intent("headphones"), query="belt without buckle", departments=DEPTS)
    assert _down(res) == [f"category:{CATS['buckles'][1]}"]
    res = expand(kg, [cat("wmics", "not wireless", "condition")],
                 intent("headphones", dept_score=0.4), query="headset not wireless",
                 departments=DEPTS)
    assert _down(res) == [f"category:{CATS['wmics'][1]}"]
    # (a trusted intent is enough: "headset" linked nothing)
    res = expand(kg, [cat("wmics", "not wireless", "condition")], intent("headphones"),
                 query="headset not wireless", departments=DEPTS)
    assert _down(res) == []


# -- 3. both sides of a comparison can match -------------------------------------------------------


def test_a_category_above_the_other_side_s_is_the_filter(kg):
    """"samsung tablet vs ipad" filtered on iPad, the deeper of the two linked categories: no
    Samsung tablet could match. Tablets holds both sides. (The brand stays a filter here: the
    KG does not say whose line iPad is; where it does, "samsung phone or iphone", it is none.)"""
    for query, linked in (
            ("samsung tablet vs ipad", [brand("Samsung"), cat("tablets", "tablet"),
                                        cat("ipad", "ipad", "product_name")]),
            ("ipad or tablet", [cat("ipad", "ipad or", "product_name"),
                                cat("tablets", "tablet")])):
        res = _expand(kg, linked, query, "tablets")
        assert res.filters.category == (CATS["tablets"][1],), query
    res = _expand(kg, [cat("tablets", "tablet"), cat("ipad", "ipad", "product_name")],
                  "tablet ipad", "tablets")  # (no alternative: the deeper one, as before)
    assert res.filters.category == (CATS["ipad"][1],)


@pytest.mark.parametrize("query", ["apple watch or fitbit", "fitbit vs apple watch"])
def test_a_brand_s_line_beside_another_brand_is_no_category_filter(kg, query):
    """Filtered on Apple and Fitbit and on Apple Watch: no Fitbit is in Apple Watch."""
    fitbit = brand("Fitbit", "or fitbit" if query.startswith("apple") else "fitbit")
    res = _expand(kg, [brand("Apple"), cat("watch", "watch", "product_name"), fitbit], query,
                  "watch")
    assert sorted(res.filters.brand) == ["Apple", "Fitbit"]
    assert res.filters.category == ("Wearable Technology",)


def test_a_brand_the_other_side_names_unlinked_is_no_filter(kg):
    """"dell laptop vs hp laptop": the tagger's "vs hp" linked nothing, and Dell filtered
    alone."""
    res = _expand(kg, [brand("Dell"), cat("laptops", "laptop")], "dell laptop vs hp laptop",
                  "laptops")
    assert res.filters.brand == ()
    assert [b.term for b in res.boosts if b.weight > 0] == ["brand:Dell"]
    assert res.filters.category == (CATS["laptops"][1],)


@pytest.mark.parametrize("query", ["difference between laptop and tablet",
                                   "compare laptop with tablet"])
def test_a_category_on_one_side_of_a_comparison_is_no_filter(kg, query):
    """The tagger's "laptop and" linked nothing, and the filter was Tablets."""
    res = _expand(kg, [cat("tablets", "tablet")], query, "tablets")
    assert res.filters.category == ("Computers & Tablets",)


@pytest.mark.parametrize(("query", "linked", "brands", "category"), [
    ("compare dell and hp laptops", [brand("Dell"), brand("Hp", "and hp"),
                                     cat("laptops", "laptops")], ["Dell", "HP"], "laptops"),
    ("dell vs hp laptop", [brand("Dell"), brand("Hp", "vs hp"), cat("laptops", "laptop")],
     ["Dell", "HP"], "laptops"),
    ("samsung or lg tv", [brand("Samsung"), brand("Lg"), cat("tvs", "tv")], ["LG", "Samsung"],
     "tvs"),
    ("samsung tv or lg", [brand("Samsung"), cat("tvs", "tv"), brand("Lg", "or lg")],
     ["LG", "Samsung"], "tvs"),
    ("dell laptop and tablet", [brand("Dell"), cat("laptops", "laptop"),
                                cat("tablets", "tablet")], ["Dell"], None),
    ("lenovo tablet or laptop", [brand("Lenovo"), cat("tablets", "tablet"),
                                 cat("laptops", "laptop")], ["Lenovo"], None),
])
def test_comparisons_that_filter_both_sides_stay(kg, query, linked, brands, category):
    res = _expand(kg, linked, query, category or "laptops")
    assert sorted(res.filters.brand) == brands, query
    if category is not None:
        assert res.filters.category == (CATS[category][1],), query


# -- 4. an excluded category that is, or holds, what is searched is no DOWN boost ---------------
#
# "sofa not sectional" put a DOWN boost on Sofas & Sectionals, the parent of the Sofas searched
# (every sofa demoted); "mattress not box spring" on the store's Mattresses & Box Springs, the
# query linking Google's Mattresses (never compared: another taxonomy); "bed frame no
# headboard" on Headboards & Bed Frames, a child of the Beds & Bed Frames searched whose name
# holds bed frames too; "sanding block not tool" on the store's Tools, named as Google's Tools
# above the Sanding Blocks searched. The words stay excluded (``excluded``), with no node of
# them.

HOME_DEPTS = ("Furniture & Decor",)
HOME = {  # key: (label, path, parent key)
    "home": ("Furniture & Decor", "Furniture & Decor", None),
    "living": ("Living Room Furniture", "Furniture & Decor > Living Room Furniture", "home"),
    "sofsec": ("Sofas & Sectionals",
               "Furniture & Decor > Living Room Furniture > Sofas & Sectionals", "living"),
    "sofas": ("Sofas", "Furniture & Decor > Living Room Furniture > Sofas & Sectionals > Sofas",
              "sofsec"),
    "bedroom": ("Bedroom", "Furniture & Decor > Bedroom", "home"),
    "mattbox": ("Mattresses & Box Springs", "Furniture & Decor > Bedroom > Mattresses & Box "
                "Springs", "bedroom"),
    "beds": ("Beds & Bed Frames", "Furniture & Decor > Bedroom > Beds & Bed Frames", "bedroom"),
    "headbf": ("Headboards & Bed Frames",
               "Furniture & Decor > Bedroom > Beds & Bed Frames > Headboards & Bed Frames",
               "beds"),
    "outdoor": ("Outdoor Living", "Furniture & Decor > Outdoor Living", "home"),
    "grills": ("Grills", "Furniture & Decor > Outdoor Living > Grills", "outdoor"),
    "smokers": ("Smokers", "Furniture & Decor > Outdoor Living > Grills > Smokers", "grills"),
    "tools": ("Tools", "Furniture & Decor > Tools", "home"),
}
GOOGLE = {"furniture": ("Furniture", "Furniture", None),
          "mattresses": ("Mattresses", "Furniture > Mattresses", "furniture"),
          "grillsmok": ("Grills & Smokers", "Furniture > Grills & Smokers", "furniture"),
          "hooks": ("Storage Hooks & Racks", "Furniture > Storage Hooks & Racks", "furniture"),
          "umbrella": ("Umbrella Stands & Racks",
                       "Furniture > Storage Hooks & Racks > Umbrella Stands & Racks", "hooks"),
          "gtools": ("Tools", "Tools", None),
          "sanding": ("Sanding Blocks", "Tools > Sanding Blocks", "gtools")}


@pytest.fixture(scope="module")
def home_kg() -> ProductGraph:
    return catalog_kg(category_records(HOME) + category_records(GOOGLE, "google"))


def _home(kg, linked, query, key):
    return expand(kg, linked, intent_at(HOME[key][1], 0.6, 0.6), query=query,
                  departments=HOME_DEPTS)


def _home_cat(key: str, mention: str, label: str = "core_product_type",
              source: str = "bb") -> LinkedEntity:
    return category_link(f"{ID}category/{source}/{key}", mention, label)


@pytest.mark.parametrize(("query", "searched", "excluded", "words"), [
    ("sofa not sectional", _home_cat("sofas", "sofa"),
     _home_cat("sofsec", "not sectional", "modifier"), "sectional"),
    ("mattress not box spring", _home_cat("mattresses", "mattress", source="google"),
     _home_cat("mattbox", "not box spring", "modifier"), "box spring"),
    ("bed frame no headboard", _home_cat("beds", "bed frame"),
     _home_cat("headbf", "no headboard", "modifier"), "headboard"),
    ("sanding block not tool", _home_cat("sanding", "sanding block", source="google"),
     _home_cat("tools", "not tool", "modifier"), "tool"),
])
def test_an_excluded_category_holding_what_is_searched_is_no_down_boost(
        home_kg, query, searched, excluded, words):
    """It was a DOWN boost on the category holding the products searched."""
    res = _home(home_kg, [searched, excluded], query,
                "living" if query.startswith("sofa") else "bedroom")
    assert _down(res) == [], query
    assert [(x.text, x.iri) for x in res.excluded] == [(words, None)], query


def test_an_excluded_child_naming_only_what_is_excluded_keeps_its_down_boost(home_kg):
    """"grill not smoker": Smokers (under Grills) holds no grill: demoted, as before."""
    res = _home(home_kg, [_home_cat("grills", "grill"),
                          _home_cat("smokers", "not smoker", "modifier")],
                "grill not smoker", "outdoor")
    assert _down(res) == [f"category:{HOME['smokers'][1]}"]
    assert [(x.text, x.iri) for x in res.excluded] == [("smoker", _cat("smokers"))]
    # (a searched "Grills & Smokers" shares with Smokers only what the cue excludes)
    res = _home(home_kg, [_home_cat("grillsmok", "grill", source="google"),
                          _home_cat("smokers", "not smoker", "modifier")],
                "grill not smoker", "outdoor")
    assert _down(res) == [f"category:{HOME['smokers'][1]}"]
    # (and a child sharing with Storage Hooks & Racks only racks, which "storage hook" does
    # not name, holds no storage hook)
    res = _home(home_kg, [_home_cat("hooks", "storage hook", source="google"),
                          _home_cat("umbrella", "not umbrella stand", "modifier", "google")],
                "storage hook not umbrella stand", "bedroom")
    assert _down(res) == [f"category:{GOOGLE['umbrella'][1]}"]


# -- 5. the words of a negation: "non" before a colour, a cue after a joiner, a cue opening -------
# the query (the old readings: "non white shirt" filtered on White and excluded nothing; "tv
# not samsung and not lg" excluded "not lg", unlinked; "laptop not dell but not hp either"
# "hp either"; "not black phone case" excluded "black phone case", "not samsung phone"
# "samsung phone", the product searched among the excluded words)

NEG_CATS = {
    "home": ("Home", "Home", None),
    "tables": ("Coffee Tables", "Home > Coffee Tables", "home"),
    "shirts": ("Shirts", "Apparel > Shirts", "apparel"),
    "apparel": ("Apparel", "Apparel", None),
    "shoes": ("Running Shoes", "Apparel > Running Shoes", "apparel"),
    "phones": ("Cell Phones", "Cell Phones", None),
    "cases": ("Phone Cases", "Cell Phones > Phone Cases", "phones"),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
}
NEG_SELLS = {"Samsung": ["tvs"], "LG": ["tvs"], "Dell": ["laptops"], "HP": ["laptops"],
             "Apple": ["laptops"]}
NEG_COLOURS = ("White", "Black", "Red", "Coffee")


@pytest.fixture(scope="module")
def neg_kg() -> ProductGraph:
    from kg import Node, NodeKind

    recs = category_records(NEG_CATS) + brand_records(NEG_SELLS)
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in NEG_COLOURS]
    return catalog_kg(recs)


def colour(name: str, mention: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}attribute_value/color/{name.lower()}", "attribute_value", 0.9,
                        "color", mention)


def _excluded(res) -> list[tuple[str, str | None]]:
    return [(x.text, x.iri) for x in res.excluded]


@pytest.mark.parametrize(("query", "mention"), [
    ("non white shirt", "white"), ("shirt non white", "white"), ("non white shirt", "non white")])
def test_non_before_a_colour_excludes_the_colour_never_a_filter(neg_kg, query, mention):
    linked = [colour("White", mention), category_link(f"{ID}category/bb/shirts", "shirt")]
    res = expand(neg_kg, linked, query=query)
    assert res.filters.colour == (), res.filters
    assert _down(res) == ["colour:White"]
    assert _excluded(res) == [("white", f"{ID}attribute_value/color/white")]


@pytest.mark.parametrize("query", ["non stick pan", "non slip socks", "non toxic paint"])
def test_non_before_other_words_stays_a_compound(neg_kg, query):
    assert expand(neg_kg, [], query=query).excluded == []


def test_a_colour_after_non_is_a_filter_without_it(neg_kg):
    res = expand(neg_kg, [colour("White", "white")], query="white shirt")
    assert res.filters.colour == ("White",) and res.excluded == []


@pytest.mark.parametrize(("query", "brands"), [
    ("tv not samsung and not lg", ("Samsung", "LG")),
    ("tv no samsung and no lg", ("Samsung", "LG")),
    ("tv not samsung and also not lg", ("Samsung", "LG")),
    ("laptop not dell but not hp either", ("Dell", "HP")),
])
def test_each_item_after_a_joined_cue_is_the_brand_alone(neg_kg, query, brands):
    linked = [brand(b) for b in brands]
    res = expand(neg_kg, linked, query=query)
    assert _excluded(res) == [(b.lower(), f"{ID}brand/{b.lower()}") for b in brands]
    assert _down(res) == sorted(f"brand:{b}" for b in brands)
    assert not res.filters.brand


def test_either_after_an_excluded_brand_is_no_word_of_it(neg_kg):
    res = expand(neg_kg, [brand("Dell")], query="laptop not dell either")
    assert _excluded(res) == [("dell", f"{ID}brand/dell")]


@pytest.mark.parametrize(("query", "linked", "excluded"), [
    ("not black phone case", [colour("Black", "not black")],
     [("black", f"{ID}attribute_value/color/black")]),
    ("not red running shoes", [], [("red", None)]),
    ("not red coffee table", [], [("red", None)]),  # ("coffee" opens Coffee Tables)
    ("not samsung phone", [brand("Samsung")], [("samsung", f"{ID}brand/samsung")]),
    ("-samsung phone", [brand("Samsung", "-samsung")], [("samsung", f"{ID}brand/samsung")]),
    ("not samsung or lg phone", [], [("samsung", None), ("lg", None)]),
])
def test_a_cue_opening_the_query_excludes_the_colour_or_brand_only(neg_kg, query, linked,
                                                                  excluded):
    assert _excluded(expand(neg_kg, linked, query=query)) == excluded


@pytest.mark.parametrize(("query", "excluded"), [
    ("not coffee table", ["coffee table"]),  # (a KG name a colour word opens: one thing)
    ("not gaming laptop", ["gaming laptop"]),  # (neither a colour nor a brand: as it was)
    ("laptop not hp pavilion 15", ["hp pavilion 15"]),  # (something searched before)
])
def test_other_runs_a_cue_opens_stay_whole(neg_kg, query, excluded):
    assert [x.text for x in expand(neg_kg, [], query=query).excluded] == excluded


# -- 6. a colour word opening the words a cue excludes, with nothing searched before them: the
# colour alone but where a name the colour opens (a brand's, a linked node's, a KG name) or a
# mention searched right after the run says otherwise: the name is excluded whole, and a
# colour word of such a name is no colour excluded (no DOWN boost on the colour)

NAME_CATS = {
    "food": ("Food", "Food", None),
    "coffee": ("Coffee", "Food > Coffee", "food"),
    "drinks": ("Sports & Energy Drinks", "Food > Sports & Energy Drinks", "food"),
    "teams": ("Chicago Bulls", "Food > Chicago Bulls", "food"),  # ("bulls" heads a name)
    "audio": ("Audio", "Audio", None),
    "speakers": ("Speakers", "Audio > Speakers", "audio"),
    "home": ("Home", "Home", None),
    "tables": ("Coffee Tables", "Home > Coffee Tables", "home"),
    "noise": ("White Noise Machines", "Home > White Noise Machines", "home"),
    "apparel": ("Apparel", "Apparel", None),
    "cases": ("Phone Cases", "Apparel > Phone Cases", "apparel"),
}
NAME_COLOURS = ("White", "Black", "Red", "Green", "Blue", "Coffee")


@pytest.fixture(scope="module")
def name_kg() -> ProductGraph:
    from kg import Node, NodeKind

    # (a brand the KG sells nothing under: no KG name of a colour word, a brand's name still)
    recs = category_records(NAME_CATS) + brand_records({"Green Mountain Coffee": []})
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in NAME_COLOURS]
    recs += [Node(NodeKind.PRODUCT_TYPE, "bluetooth", "Bluetooth")]
    return catalog_kg(recs)


@pytest.mark.parametrize(("query", "linked", "excluded"), [
    # (no category named by the words after the colour: "bull" heads only "Chicago Bulls")
    ("not red bull energy drink",
     [category_link(f"{ID}category/bb/drinks", "energy drink")], [("red bull", None)]),
    # (a brand's name the colour opens)
    ("not green mountain coffee",
     [brand_link("Green Mountain Coffee", "not green mountain coffee")],
     [("green mountain coffee", f"{ID}brand/green-mountain-coffee")]),
    # (an excluded link the colour opens)
    ("not blue tooth speaker",
     [LinkedEntity(f"{ID}product_type/bluetooth", "product_type", 0.9, "modifier",
                   "not blue tooth"), category_link(f"{ID}category/bb/speakers", "speaker")],
     [("blue tooth", f"{ID}product_type/bluetooth")]),
    # (the neighbour kept: the colour alone before a category's name)
    ("not black phone case", [colour("Black", "not black")],
     [("black", f"{ID}attribute_value/color/black")]),
])
def test_a_colour_opening_a_name_is_not_cut_off_alone(name_kg, query, linked, excluded):
    assert _excluded(expand(name_kg, linked, query=query)) == excluded


#: queries whose excluded colour word opens a KG name with the linked mention after it: the
#: excluded words and the category they name
COLOUR_OPENED_NAMES = [
    ("not coffee table", [colour("Coffee", "not coffee"),
                          category_link(f"{ID}category/bb/tables", "table")], "coffee table",
     "tables"),
    ("not white noise machine", [colour("White", "not white"),
                                 category_link(f"{ID}category/bb/noise", "noise machine")],
     "white noise machine", "noise"),
]


@pytest.mark.parametrize(("query", "linked", "excluded", "node"), COLOUR_OPENED_NAMES)
def test_an_excluded_colour_word_opening_a_kg_name_excludes_the_name(name_kg, query, linked,
                                                                      excluded, node):
    res = expand(name_kg, linked, query=query)
    assert [x.text for x in res.excluded] == [excluded]
    assert not [b for b in res.boosts if b.term.startswith("colour:")], res.boosts
    assert res.filters.colour == ()


def test_an_excluded_colour_after_such_a_name_keeps_its_down_boost(name_kg):
    res = expand(name_kg, [category_link(f"{ID}category/bb/noise", "white noise machine"),
                           colour("White", "white")], query="white noise machine not white")
    assert _down(res) == ["colour:White"]


@pytest.mark.parametrize("query", ["tv -(samsung)", 'tv -"samsung"', "tv -[samsung]"])
def test_a_minus_before_a_bracket_or_a_quote_is_a_cue(neg_kg, query):
    linked = [category_link(f"{ID}category/bb/tvs", "tv"),
              brand("Samsung", query.split()[1])]
    res = expand(neg_kg, linked, query=query)
    assert not res.filters.brand, res.filters
    assert _down(res) == ["brand:Samsung"]
    assert _excluded(res) == [("samsung", f"{ID}brand/samsung")]


# -- 7. a colour before a product word the KG names nothing for is what is excluded; a closing
# bracket or quote ends the excluded words; a KG name an excluded colour word opens is the
# excluded node (the old readings: "not grey couch" excluded "grey couch" with no kg_id;
# "tv -(samsung) 55 inch" "samsung) 55 inch"; "not coffee table" no kg_id, while Coffee Tables
# was searched and its tree walked)

@pytest.mark.parametrize(("query", "linked", "excluded"), [
    ("not white sneakers", [colour("White", "not white")],
     [("white", f"{ID}attribute_value/color/white")]),
    ("not black couch", [colour("Black", "not black")],
     [("black", f"{ID}attribute_value/color/black")]),
    ("not green hoodie", [], [("green", None)]),
    # (a food's name the colour word opens, no colour: the whole run, no DOWN boost on Green;
    # test_expand_negation.py, "a colour word of a food's name")
    ("not green tea flavored", [colour("Green", "not green")], [("green tea flavored", None)]),
])
def test_a_colour_before_words_naming_no_kg_category_is_excluded_alone(name_kg, query, linked,
                                                                       excluded):
    res = expand(name_kg, linked, query=query)
    assert _excluded(res) == excluded
    assert _down(res) == [f"colour:{t.title()}" for t, iri in excluded if iri]


@pytest.mark.parametrize(("query", "linked", "excluded"), [
    ("tv -(samsung) 55 inch", [brand("Samsung", "-(samsung)")], [("samsung", "samsung")]),
    ("tv (not samsung) 55 inch", [brand("Samsung", "samsung")], [("samsung", "samsung")]),
    ('laptop -"dell" 15 inch', [brand("Dell", '-"dell')], [("dell", "dell")]),
    ("phone -(apple) case", [brand("Apple", "apple")], [("apple", "apple")]),
    ("tv -(samsung lg)", [brand("Samsung", "samsung"), brand("LG", "lg")],
     [("samsung", "samsung"), ("lg", "lg")]),
])
def test_a_closing_bracket_or_quote_ends_the_excluded_words(neg_kg, query, linked, excluded):
    names = {"samsung": "Samsung", "lg": "LG", "dell": "Dell", "apple": "Apple"}
    names = [names[b] for _, b in excluded]
    res = expand(neg_kg, linked, query=query)
    assert _excluded(res) == [(t, f"{ID}brand/{b}") for t, b in excluded]
    assert _down(res) == sorted(f"brand:{name}" for name in names)
    assert not res.filters.brand, res.filters


@pytest.mark.parametrize(("query", "linked", "excluded", "node"), COLOUR_OPENED_NAMES)
def test_a_kg_name_an_excluded_colour_word_opens_is_the_excluded_node(name_kg, query, linked,
                                                                      excluded, node):
    res = expand(name_kg, linked, query=query)
    iri = f"{ID}category/bb/{node}"
    assert [x.iri for x in res.excluded] == [iri]
    assert _down(res) == [f"category:Home > {NAME_CATS[node][0]}"]
    assert not res.filters.category, res.filters
    assert not [x for x in res.expansions if x.kind.endswith("category")], res.expansions
