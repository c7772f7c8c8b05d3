"""Brand filters and boosts (reviews of brand handling and of sloppy mobile queries): a brand
after a negated maker phrase is excluded ("phone not from samsung"), a brand one side of an
alternative whose other side names another brand's product line is no filter ("samsung phone
or iphone"), an accessory after "with" / "without" is a part of the product searched, not
the product ("samsung tv with remote"), and a last word typed short or misspelt may be an
accessory word ("samsung galaxy s21 cse", "lg tv remot"): the device maker is an UP boost."""

from __future__ import annotations

import networkx as nx
import pytest

from fusion.expand import excluded_links, expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

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

DEPTS = ("TV & Home Theater", "Cell Phones", "Computers & Tablets", "Cameras & Camcorders",
         "Audio", "Wearable Technology")

CATS = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "stands": ("TV Stands", "TV & Home Theater > TV Stands", "tvh"),
    "remotes": ("Remote Controls", "TV & Home Theater > Remote Controls", "tvh"),
    "players": ("Streaming Media Players", "TV & Home Theater > Streaming Media Players", "tvh"),
    "roku": ("Roku", "TV & Home Theater > Streaming Media Players > Roku", "players"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "unlocked": ("Unlocked Phones", "Cell Phones > Unlocked Phones", "cell"),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Accessories > Cell Phone Cases",
              "cacc"),
    "cards": ("Memory Cards", "Cell Phones > Cell Phone Accessories > Memory Cards", "cacc"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "mbpro": ("MacBook Pro", "Computers & Tablets > Laptops > MacBook Pro", "laptops"),
    "monitors": ("Monitors", "Computers & Tablets > Monitors", "comp"),
    "cam": ("Cameras & Camcorders", "Cameras & Camcorders", None),
    "cameras": ("Digital Cameras", "Cameras & Camcorders > Digital Cameras", "cam"),
    "audio": ("Audio", "Audio", None),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
    "wear": ("Wearable Technology", "Wearable Technology", None),
    "watch": ("Apple Watch", "Wearable Technology > Apple Watch", "wear"),
}
SELLS = {"Samsung": ["tvs", "unlocked", "cards"], "LG": ["tvs", "monitors", "unlocked"],
         "Sony": ["tvs", "cameras", "headphones"], "Google": ["unlocked"],
         "Dell": ["laptops", "monitors"], "Canon": ["cameras"], "Apple": ["watch", "mbpro"],
         "OtterBox": ["cases"], "TCL": [], "Roku": []}
# the iPhone category holds Apple's phones only: Apple's product line
PRODUCTS = [("iPhone 7", "Apple", "iphone"), ("iPhone 8", "Apple", "iphone")]


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = category_records(CATS) + brand_records(SELLS)
    for i, (name, maker, key) in enumerate(PRODUCTS):
        recs += [Node(NodeKind.PRODUCT, f"bb/{i}", name),
                 Edge(f"{ID}product/bb/{i}", Relation.HAS_BRAND, brand_iri(maker)),
                 Edge(f"{ID}product/bb/{i}", Relation.IN_CATEGORY, _cat(key))]
    return catalog_kg(recs)


def intent(key: str, score: float = 0.8, dept_score: float = 0.97) -> Intent:
    return intent_at(CATS[key][1], score, dept_score)


brand = brand_link


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return category_link(_cat(key), mention, label)


def _brand_boosts(res) -> list[tuple[str, str, str]]:
    return [(b.term, b.direction, b.rule.rsplit("(", 1)[-1].rstrip(")")) for b in res.boosts
            if b.term.startswith("brand:")]


def _expand(kg, linked, query, key="cell"):
    return expand(kg, linked, intent(key), query=query, departments=DEPTS)


# --- a negated maker phrase ("not from", "not made by", "nothing from") ----------------------

@pytest.mark.parametrize(("query", "mention"), [
    ("phone not from samsung", "samsung"),
    ("phones not made by samsung", "samsung"),
    ("tv not manufactured by samsung", "samsung"),
    ("phone not by samsung", "samsung"),
    ("tv nothing from samsung", "samsung"),
    ("no phones from samsung", "samsung"),
    ("phone not made by samsung", "by samsung"),  # the tagger took "by" into the span
])
def test_a_brand_after_a_negated_maker_phrase_is_a_down_boost(kg, query, mention):
    """'phone not from samsung' filtered on Samsung: the engine returned only the brand the
    user excluded."""
    res = _expand(kg, [brand("Samsung", mention)], query)
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [("brand:Samsung", "DOWN", "negated")]
    # nor does the intent read it (the parser's intent_links drops the excluded links)
    assert excluded_links(query, [brand("Samsung", mention)]) == {brand_iri("Samsung")}


def test_every_brand_of_a_list_after_a_negated_maker_phrase_is_excluded(kg):
    res = _expand(kg, [brand("Samsung"), brand("LG")], "phone not made by samsung or lg")
    assert res.filters.brand == ()
    assert sorted(_brand_boosts(res)) == [("brand:LG", "DOWN", "negated"),
                                          ("brand:Samsung", "DOWN", "negated")]


@pytest.mark.parametrize("query", ["samsung phone not from china", "phone made by samsung",
                                   "phone from samsung", "phone by samsung",
                                   "nothing phone samsung"])
def test_a_maker_phrase_without_a_negation_before_the_brand_asks_for_it(kg, query):
    res = _expand(kg, [brand("Samsung")], query)
    assert res.filters.brand == ("Samsung",) and not _brand_boosts(res), query


# --- alternatives: "X or Y" with a product line or a brand on the other side ----------------

IPHONE = cat("iphone", "iphone", "product_name")


@pytest.mark.parametrize(("query", "maker", "linked", "key"), [
    ("samsung phone or iphone", "Samsung", [IPHONE], "cell"),
    ("samsung galaxy vs iphone", "Samsung", [IPHONE], "cell"),
    ("google pixel or iphone", "Google", [IPHONE], "cell"),
    # the tagger's spans may hold the "or": "or roku" (a category named as a brand)
    ("lg tv or roku tv", "LG", [cat("tvs", "tv"), cat("roku", "or roku", "modifier")], "tvs"),
])
def test_a_brand_with_another_brands_product_line_as_alternative_is_no_filter(
        kg, query, maker, linked, key):
    """A filter on the brand dropped every iPhone or Roku TV: the brand is one side of an
    alternative whose other side names another brand's product line."""
    res = _expand(kg, [brand(maker), *linked], query, key)
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [(f"brand:{maker}", "UP", "alternative")]
    # the brand's own line is no alternative to it
    res = _expand(kg, [brand("Apple"), IPHONE], "apple watch or iphone", "cell")
    assert res.filters.brand == ("Apple",)


def test_two_brands_as_alternatives_filter_only_where_both_do(kg):
    """'samsung tv or tcl' filtered on Samsung (TCL, which the KG sells nothing under, is a
    boost): every TCL TV was dropped. Where both brands filter, both are values (ORed)."""
    tvs = cat("tvs", "tv")
    res = _expand(kg, [brand("Samsung"), tvs, brand("TCL")], "samsung tv or tcl", "tvs")
    assert res.filters.brand == ()
    assert sorted(_brand_boosts(res)) == [("brand:Samsung", "UP", "alternative"),
                                          ("brand:TCL", "UP", "ungrounded")]
    for query in ("samsung tv or lg tv", "samsung tv or lg", "samsung or lg tv"):
        res = _expand(kg, [brand("Samsung"), tvs, brand("LG")], query, "tvs")
        assert set(res.filters.brand) == {"Samsung", "LG"} and not res.boosts, query
    # an excluded brand is no alternative the filter must make room for
    res = _expand(kg, [brand("Samsung"), brand("LG"), tvs, brand("Sony")],
                  "samsung or lg tv but not sony", "tvs")
    assert set(res.filters.brand) == {"Samsung", "LG"}
    assert _brand_boosts(res) == [("brand:Sony", "DOWN", "negated")]


@pytest.mark.parametrize(("query", "other"), [
    ("samsung tv or monitor", cat("monitors", "monitor")),  # sold by many brands: no line
    ("samsung tv or phone", None),  # nothing linked on the other side
])
def test_a_second_product_of_the_brand_keeps_its_filter(kg, query, other):
    linked = [brand("Samsung"), cat("tvs", "tv")] + ([other] if other else [])
    res = _expand(kg, linked, query, "tvs")
    assert res.filters.brand == ("Samsung",) and not _brand_boosts(res), query


# --- an accessory the product comes with, or without ----------------------------------------

@pytest.mark.parametrize(("query", "linked", "key"), [
    ("samsung tv with remote", [brand("Samsung"), cat("tvs", "tv")], "tvs"),
    ("samsung tv with a remote", [brand("Samsung"), cat("tvs", "tv")], "tvs"),
    ("sony camera with lens", [brand("Sony"), cat("cameras", "camera")], "cameras"),
    ("samsung phone without case", [brand("Samsung")], "cell"),
    ("samsung phone no charger", [brand("Samsung")], "cell"),
    # the excluded accessory linked, and excluded: a DOWN boost of its own
    ("samsung tv without stand", [brand("Samsung"), cat("tvs", "tv"),
                                  cat("stands", "without stand", "condition")], "tvs"),
])
def test_an_accessory_after_with_or_without_keeps_the_brand_filter(kg, query, linked, key):
    """'samsung tv with remote' lost its Samsung filter: the remote was read as the product
    searched and Samsung as the device it fits. It is a part of the TV searched (or, after
    "without", a part the user does not want)."""
    res = _expand(kg, linked, query, key)
    maker = linked[0].mention.title()
    assert res.filters.brand == (maker,) and not _brand_boosts(res), query


def test_the_word_brand_names_no_device_the_accessory_fits(kg):
    """'samsung brand charger' (the parser links the words before "brand") was a (fits)
    boost: the word "brand" was read as the device Samsung makes."""
    res = _expand(kg, [brand("Samsung")], "samsung brand charger", "cell")
    assert res.filters.brand == ("Samsung",) and not _brand_boosts(res)


@pytest.mark.parametrize(("query", "linked", "key"), [
    ("samsung tv remote", [brand("Samsung"), cat("tvs", "tv")], "tvs"),
    ("samsung galaxy case", [brand("Samsung")], "cell"),
    ("samsung tv remote with batteries", [brand("Samsung"), cat("tvs", "tv")], "tvs"),
    # the query links the accessory as a product it does not exclude: what may be searched
    ("samsung tv with stand", [brand("Samsung"), cat("tvs", "tv"),
                               cat("stands", "with stand", "modifier")], "tvs"),
])
def test_an_accessory_searched_still_makes_the_device_maker_a_boost(kg, query, linked, key):
    res = _expand(kg, linked, query, key)
    maker = linked[0].mention.title()
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [(f"brand:{maker}", "UP", "fits")], query


# --- a last word typed short or misspelt ----------------------------------------------------

@pytest.mark.parametrize(("query", "linked", "key"), [
    ("samsung galaxy s21 cse", [brand("Samsung")], "cell"),
    ("samsung galaxy s21 caes", [brand("Samsung")], "cell"),
    ("samsung galaxy s21 cas", [brand("Samsung")], "cell"),
    ("samsung galaxy s21 ca", [brand("Samsung")], "cell"),  # type-ahead
    ("dell laptop batery", [brand("Dell"), cat("laptops", "laptop")], "laptops"),
    ("canon camera lense", [brand("Canon"), cat("cameras", "camera")], "cameras"),
    ("apple watch bnad", [brand("Apple"), cat("watch", "watch", "product_name")], "watch"),
])
def test_a_typo_or_prefix_of_an_accessory_word_makes_the_maker_a_boost(kg, query, linked, key):
    """16 of 16 misspelt or half-typed accessory words turned the maker's UP boost into a
    hard brand filter, which drops every third-party case."""
    res = _expand(kg, linked, query, key)
    assert res.filters.brand == (), query
    assert _brand_boosts(res) == [(f"brand:{linked[0].mention.title()}", "UP", "fits")]


@pytest.mark.parametrize("query", ["lg tv remot", "lg tv rem", "tv remot"])
def test_a_typed_accessory_sets_no_filter_on_the_device_it_fits(kg, query):
    """'lg tv remot' filtered on LG and TVs: the engine returned LG TVs, not remotes. The
    typed word is read as the word typed in full ("lg tv remote")."""
    linked = [brand("LG")] if query.startswith("lg") else []
    res = _expand(kg, [*linked, cat("tvs", "tv")], query, "tvs")
    assert res.filters.category == ("TV & Home Theater",)  # the department, not TVs
    assert res.filters.brand == ()
    full = query.rsplit(" ", 1)[0] + " remote"
    assert _expand(kg, [*linked, cat("tvs", "tv")], full, "tvs").filters == res.filters


@pytest.mark.parametrize(("query", "linked", "key"), [
    ("samsung memory card", [brand("Samsung")], "cell"),  # "card": a word of a KG name
    ("apple macbook pro", [brand("Apple"), cat("mbpro", "macbook pro", "product_name")],
     "laptops"),
    ("samsung galaxy s21", [brand("Samsung")], "cell"),
    ("samsung ca", [brand("Samsung")], "cell"),  # no other word: the brand's own product
    ("samsung galaxy s21 ca black", [brand("Samsung")], "cell"),  # not the last word
])
def test_complete_words_keep_the_brand_filter(kg, query, linked, key):
    res = _expand(kg, linked, query, key)
    assert res.filters.brand == (linked[0].mention.title(),) and not _brand_boosts(res), query


def test_typed_accessories_on_a_graph_without_a_vocabulary():
    """A networkx graph has no KG vocabulary: the words of its names stand for it."""
    g = nx.MultiDiGraph()
    g.add_node("s", kind="brand", label="Samsung")
    g.add_node("p", kind="category", label="Unlocked Phones", path="Cell Phones > Unlocked")
    g.add_node("m", kind="category", label="Memory Cards", path="Cell Phones > Memory Cards")
    g.add_edge("s", "p", relation="sells_in")
    samsung = LinkedEntity("s", "brand", 0.95, "creator", "samsung")
    assert expand(g, [samsung], query="samsung galaxy s21 cse").filters.brand == ()
    assert expand(g, [samsung], query="samsung micro sd card").filters.brand == ("Samsung",)


# --- a device maker named with accessory words only ("samsung case", "apple chargers") -------

ACC_CATS = {**CATS,
            "chargers": ("Cell Phone Chargers",
                         "Cell Phones > Cell Phone Accessories > Cell Phone Chargers", "cacc"),
            "protectors": ("Screen Protectors",
                           "Cell Phones > Cell Phone Accessories > Screen Protectors", "cacc")}
# (product name, brand, category key): a third party's accessories naming the device maker
ACC_PRODUCTS = [
    ("OtterBox - Defender Case for Samsung Galaxy S7", "OtterBox", "cases"),
    ("OtterBox - Symmetry Case for Samsung Galaxy S8", "OtterBox", "cases"),
    ("Samsung - Galaxy S8 Clear View Cover", "Samsung", "cases"),
    ("OtterBox - Case for Google Pixel", "OtterBox", "cases"),
    ("Insignia - Apple MFi Lightning Charger", "Insignia", "chargers"),
    ("ZAGG - InvisibleShield for Apple iPhone 7", "ZAGG", "protectors"),
    ("Samsung - Fast Charging Wall Charger", "Samsung", "chargers"),
]


@pytest.fixture(scope="module")
def acc_kg() -> ProductGraph:
    recs = category_records(ACC_CATS) + brand_records(
        {**SELLS, "Insignia": ["tvs", "chargers"], "ZAGG": ["protectors"]})
    for i, (name, maker, key) in enumerate(ACC_PRODUCTS):
        recs += [Node(NodeKind.PRODUCT, f"acc/{i}", name),
                 Edge(f"{ID}product/acc/{i}", Relation.HAS_BRAND, brand_iri(maker)),
                 Edge(f"{ID}product/acc/{i}", Relation.IN_CATEGORY, _cat(key))]
    return catalog_kg(recs)


@pytest.mark.parametrize(("query", "maker"), [
    ("samsung case", "Samsung"),
    ("samsung cases", "Samsung"),
    ("apple charger", "Apple"),
    ("apple protectors", "Apple"),
    ("google accessories", "Google"),
])
def test_a_device_maker_with_only_accessory_words_is_the_device_they_fit(acc_kg, query, maker):
    """'samsung case' filtered on Samsung (the fits rule needed a device word: "samsung phone
    case" was a boost): every OtterBox, Incipio ... case for a Samsung phone was removed,
    most of what the query asks for (Best Buy sells 349 cases naming Samsung, 18 of them
    Samsung's). The KG's products of the accessory named are mostly a third party's for the
    maker's devices: an UP boost."""
    res = _expand(acc_kg, [brand(maker)], query)
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [(f"brand:{maker}", "UP", "fits")]


@pytest.mark.parametrize(("query", "maker"), [
    ("samsung charger", "Samsung"),  # its own charger outnumbers those for its phones
    ("samsung usb", "Samsung"),  # no category named "usb": nothing known, the maker
    ("apple case", "Apple"),  # no case known naming it
    ("samsung case first party", "Samsung"),
    ("samsung brand case", "Samsung"),
    ("samsung phone without case", "Samsung"),
    ("otterbox case", "OtterBox"),  # no device of its own
])
def test_a_maker_of_the_accessory_named_keeps_its_filter(acc_kg, query, maker):
    res = _expand(acc_kg, [brand(maker)], query)
    assert res.filters.brand == (maker,) and not _brand_boosts(res), query


@pytest.mark.parametrize("query", ["samsung zagg", "zagg samsung"])
def test_an_accessory_maker_beside_a_device_maker_is_the_filter(acc_kg, query):
    """'samsung zagg' filtered on Samsung OR ZAGG: every Samsung phone and TV besides ZAGG's
    screen protectors. The accessory maker (a brand the KG sells in accessory categories only)
    names the product; the device maker is the device it fits."""
    res = _expand(acc_kg, [brand("Samsung"), brand("ZAGG")], query)
    assert res.filters.brand == ("ZAGG",)
    assert _brand_boosts(res) == [("brand:Samsung", "UP", "fits")]
    # two device makers stay a filter on both ("samsung or lg", "samsung lg")
    res = _expand(acc_kg, [brand("Samsung"), brand("LG")], "samsung lg")
    assert set(res.filters.brand) == {"Samsung", "LG"}


# -- a category walk cut at its node cap keeps the same nodes whatever the order it is given
# (the "fits" rule counts products under the accessory words' categories: "google accessories"
# was a Google filter or a (fits) boost depending on the process's hash seed) -----------------

def test_a_walk_cut_at_its_cap_is_the_same_in_every_order():
    import networkx as nx

    from fusion.expand.accessories import _family
    from fusion.expand.kgview import _KG

    g = nx.MultiDiGraph()
    roots = ["https://e/c/a", "https://e/c/b"]
    for r, name in zip(roots, ("A", "B"), strict=True):
        g.add_node(r, kind="category", label=name, path=name)
        for i in range(30):  # 2 x 1,230 descendants: the walk stops at 2,000
            c = f"{r}/{i}"
            g.add_node(c, kind="category", label=f"{name} {i}", path=f"{name} > {name} {i}")
            g.add_edge(c, r, relation="parent")
            for j in range(40):
                d = f"{c}/{j}"
                g.add_node(d, kind="category", label=f"{name} {i} {j}",
                           path=f"{name} > {name} {i} > {name} {i} {j}")
                g.add_edge(d, c, relation="parent")
    walks = [_family(_KG(g.copy()), order)[1] for order in (roots, roots[::-1])]
    assert 2000 <= len(walks[0]) < 2462  # (cut)
    assert walks[0] == walks[1]


@pytest.mark.parametrize("query", ["samsung vs zagg", "zagg or samsung"])
def test_an_accessory_maker_compared_with_a_device_maker_is_no_fitted_device(acc_kg, query):
    """Two sides of an alternative are two makers searched: both filter. (The KG's sells_in
    edges of a device maker can name accessories only, Fitbit's or GoPro's on the default KG,
    and "fitbit vs garmin", "gopro vs sony" lost both brand filters.)"""
    res = _expand(acc_kg, [brand("Samsung"), brand("ZAGG")], query)
    assert set(res.filters.brand) == {"Samsung", "ZAGG"}
    assert not _brand_boosts(res)


def test_an_or_elsewhere_in_the_query_keeps_the_accessory_maker_the_filter(acc_kg):
    """Only two brands on different sides of an alternative are two makers searched: an "or"
    between colours parts nothing ("samsung zagg black or white" filtered Samsung OR ZAGG)."""
    res = _expand(acc_kg, [brand("Samsung"), brand("ZAGG")], "samsung zagg black or white")
    assert res.filters.brand == ("ZAGG",)
    assert _brand_boosts(res) == [("brand:Samsung", "UP", "fits")]
