"""Platforms and devices in the expansions (a media store's and a phone catalogue's reviews).

1. A query that names a console platform expanded to other platforms' categories: "red dead
   redemption 2 xbox one" -> Wii U, Nintendo 3DS; "xbox series x" -> PlayStation 4; "ps5
   controller" -> Xbox One; "nintendo switch games" -> Xbox One Games (16 of 33 "xbox
   one/series" queries of the review). A game or accessory for one platform fits no other:
   the platform families are read from the KG's tree (:class:`fusion.expand.walk._Platforms`).
2. The KG's 2016-era tree names no newer platform (PS5, Xbox Series X/S, Nintendo Switch): "switch
   oled" got the intent's TVs as its hard filter and TV expansions, "ps5" no filter, "elden
   ring ps5" Flipkart's jewellery (its title's "ring" linked rings), and a bare "xbox" the
   walk of the intent's Xbox 360 only (its Accessories, Consoles, Games).
3. A handset query ("lg phone", "motorola phone": a device word, no accessory word) led its
   expansions with accessory categories from the brand's ``sells_in`` and the intent's walk
   (Cell Phone Cases & Clips, Screen Protectors, Car Chargers; 51 of 96 handset queries of
   the catalogue check had two or more in their top 5).
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.expand.kgview import _KG
from fusion.expand.walk import _an_unsaid_accessory, _another_platform, _platforms
from fusion.hetero import as_networkx
from kg import Edge, ProductGraph, Relation

from .catalog_kg import (
    brand_link,
    brand_records,
    cat_iri,
    catalog_kg,
    category_link,
    category_records,
    intent_at,
)

DEPTS = ("Video Games", "Cell Phones")

V = "Video Games"
CATS = {
    "vg": (V, V, None),
    "xb1": ("Xbox One", f"{V} > Xbox One", "vg"),
    "xb1c": ("Xbox One Consoles", f"{V} > Xbox One > Xbox One Consoles", "xb1"),
    "xb1g": ("Xbox One Games", f"{V} > Xbox One > Xbox One Games", "xb1"),
    "xlive": ("Xbox Live", f"{V} > Xbox One > Xbox Live", "xb1"),
    "xb360": ("Xbox 360", f"{V} > Xbox 360", "vg"),
    "xb360g": ("Xbox 360 Games", f"{V} > Xbox 360 > Xbox 360 Games", "xb360"),
    "ps4": ("PlayStation 4", f"{V} > PlayStation 4", "vg"),
    "ps4c": ("PS4 Consoles", f"{V} > PlayStation 4 > PS4 Consoles", "ps4"),
    "ps4g": ("PS4 Games", f"{V} > PlayStation 4 > PS4 Games", "ps4"),
    "psn": ("PlayStation Network", f"{V} > PlayStation 4 > PlayStation Network", "ps4"),
    "ps3": ("PlayStation 3", f"{V} > PlayStation 3", "vg"),
    "ps3g": ("PS3 Games", f"{V} > PlayStation 3 > PS3 Games", "ps3"),
    "psp": ("PSP", f"{V} > PSP", "vg"),
    "pspg": ("PSP Games", f"{V} > PSP > PSP Games", "psp"),
    "wiiu": ("Wii U", f"{V} > Wii U", "vg"),
    "wiiug": ("Wii U Games", f"{V} > Wii U > Wii U Games", "wiiu"),
    "wii": ("Wii", f"{V} > Wii", "vg"),
    "wiig": ("Wii Games", f"{V} > Wii > Wii Games", "wii"),
    "3ds": ("Nintendo 3DS", f"{V} > Nintendo 3DS", "vg"),
    "3dsg": ("Nintendo 3DS Games", f"{V} > Nintendo 3DS > Nintendo 3DS Games", "3ds"),
    "ds": ("Nintendo DS", f"{V} > Nintendo DS", "vg"),
    "dsg": ("Nintendo DS Games", f"{V} > Nintendo DS > Nintendo DS Games", "ds"),
    "pc": ("PC Gaming", f"{V} > PC Gaming", "vg"),
    "pcg": ("PC Games", f"{V} > PC Gaming > PC Games", "pc"),
    "ttl": ("Toys to Life", f"{V} > Toys to Life", "vg"),
    "vga": ("Video Game Accessories", f"{V} > Video Game Accessories", "vg"),
    "dl": ("Game Downloads", f"{V} > Game Downloads", "vg"),
    "eshop": ("Nintendo eShop", f"{V} > Wii U > Nintendo eShop", "wiiu"),
    "xb1dl": ("Xbox One Game Downloads", f"{V} > Game Downloads > Xbox One Game Downloads",
              "dl"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "acc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("Cell Phone Cases & Clips",
              "Cell Phones > Cell Phone Accessories > Cell Phone Cases & Clips", "acc"),
    "screen": ("Screen Protectors", "Cell Phones > Cell Phone Accessories > Screen Protectors",
               "acc"),
    "carch": ("Car Chargers", "Cell Phones > Cell Phone Accessories > Car Chargers", "acc"),
    "sim": ("SIM Cards", "Cell Phones > Cell Phone Accessories > SIM Cards", "acc"),
    "heads": ("Cell Phone Headsets", "Cell Phones > Cell Phone Accessories > "
              "Cell Phone Headsets", "acc"),
    "bth": ("Bluetooth Headsets", "Cell Phones > Cell Phone Accessories > "
            "Cell Phone Headsets > Bluetooth Headsets", "heads"),
    "unl": ("Unlocked Cell Phones", "Cell Phones > Unlocked Cell Phones", "cell"),
    "allunl": ("All Unlocked Cell Phones",
               "Cell Phones > Unlocked Cell Phones > All Unlocked Cell Phones", "unl"),
    "plans": ("All Cell Phones with Plans", "Cell Phones > All Cell Phones with Plans", "cell"),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "ip6": ("iPhone 6", "Cell Phones > iPhone > iPhone 6", "iphone"),
    "ipacc": ("iPhone Accessories", "Cell Phones > iPhone > iPhone Accessories", "iphone"),
}


#: another department of the store's tree, and another shop's jewellery (a title word's link)
OTHER_CATS = {
    "tvhome": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvhome"),
    "oled": ("OLED TVs", "TV & Home Theater > TVs > OLED TVs", "tvs"),
    "qled": ("QLED TVs", "TV & Home Theater > TVs > QLED TVs", "tvs"),
}
JEWELLERY = {
    "jw": ("jewellery", "jewellery", None),
    "rings": ("rings", "jewellery > rings", "jw"),
    "pendants": ("pendants lockets", "jewellery > pendants lockets", "jw"),
}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    # (Xbox Live under both Xbox generations; Toys to Life under Video Games, Xbox One and
    # Wii: platform-neutral)
    extra = [Edge(cat_iri("xlive"), Relation.PARENT, cat_iri("xb360")),
             Edge(cat_iri("ttl"), Relation.PARENT, cat_iri("xb1")),
             Edge(cat_iri("ttl"), Relation.PARENT, cat_iri("wii")),
             # (Nintendo eShop under Wii U, Nintendo 3DS and the neutral Game Downloads)
             Edge(cat_iri("eshop"), Relation.PARENT, cat_iri("3ds")),
             Edge(cat_iri("eshop"), Relation.PARENT, cat_iri("dl"))]
    return catalog_kg(category_records(CATS) + extra + brand_records(
        {"LG": ["cases", "screen", "allunl"], "Microsoft": ["xb1"]})
        + category_records(OTHER_CATS) + category_records(JEWELLERY, source="fk"))


def _terms(kg, query: str, path: str, linked=()) -> list[str]:
    res = expand(kg, list(linked), intent_at(path, 0.86, 0.98), query=query,
                 departments=DEPTS)
    return [e.term for e in res.expansions]


def test_the_platform_families_are_read_from_the_tree(kg):
    """Platforms of one line are a family (PSP joins PlayStation's "ps"); PC Gaming, a line of
    one platform, and the neutral categories are none."""
    g = _KG(as_networkx(kg), kg)
    plats = _platforms(g)
    assert {g.label(c) for c in plats.lines} == {
        "Xbox One", "Xbox 360", "PlayStation 4", "PlayStation 3", "PSP", "Wii U", "Wii",
        "Nintendo 3DS", "Nintendo DS"}
    assert plats.named("ps5 controller") == {"ps"}
    assert plats.named("nintendo switch games") == {"nintendo"}
    assert plats.of(cat_iri("xlive")) == {"xbox"}  # (under both Xbox generations)
    assert plats.of(cat_iri("xb1dl")) == {"xbox"}  # (its name, under Game Downloads)
    # (a name naming a line, some paths up passing platforms: those platforms' lines too)
    assert plats.of(cat_iri("eshop")) == {"nintendo", "wii"}
    assert not _another_platform(g, cat_iri("eshop"), plats.named("wii u games"))
    for neutral in ("ttl", "vga", "dl", "pc", "vg"):
        assert not plats.of(cat_iri(neutral)), neutral
    xbox = plats.named("xbox one")
    assert _another_platform(g, cat_iri("wiiu"), xbox)
    assert not _another_platform(g, cat_iri("xb360"), xbox)  # (another generation: not here)
    assert not _another_platform(g, cat_iri("psp"), plats.named("playstation"))
    assert not _another_platform(g, cat_iri("psn"), plats.named("ps5"))


@pytest.mark.parametrize(("query", "path", "linked", "gone", "kept"), [
    ("red dead redemption 2 xbox one", "Video Games > Xbox One",
     [category_link(cat_iri("xb1"), "xbox one", "product_name")],
     ["Wii U", "Nintendo 3DS", "PlayStation 4", "PSP"],
     ["Xbox One Games", "Xbox One Consoles", "Toys to Life"]),
    ("xbox series x", "Video Games > Xbox One", [],
     ["PlayStation 4", "Wii U", "Nintendo DS"], ["Xbox Live", "Toys to Life", "PC Gaming"]),
    ("ps5 console", "Video Games > PlayStation 4", [],
     ["Xbox One", "Wii U"], ["PlayStation Network"]),
    ("nintendo switch games", "Video Games > Toys to Life", [],
     ["Xbox One", "Wii"], ["Nintendo 3DS"]),
])
def test_a_named_platform_expands_to_no_other_platform(kg, query, path, linked, gone, kept):
    terms = _terms(kg, query, path, linked)
    assert not set(gone) & set(terms), terms
    assert set(kept) <= set(terms), terms


def test_a_query_naming_no_platform_keeps_every_platform(kg):
    terms = _terms(kg, "video games", "Video Games > Xbox One")
    assert "PlayStation 4" in terms, terms


@pytest.mark.parametrize(("query", "gone", "kept"), [
    ("lg phone", ["Cell Phone Cases & Clips", "Screen Protectors", "Car Chargers", "SIM Cards"],
     ["All Unlocked Cell Phones", "All Cell Phones with Plans"]),
    ("lg phone case", [], ["Cell Phone Cases & Clips", "Screen Protectors"]),
    ("case for lg phone", [], ["Cell Phone Cases & Clips"]),
])
def test_a_handset_query_expands_to_no_accessories(kg, query, gone, kept):
    """A query naming a device of the department ("phone": Cell Phones) and no accessory
    gets no accessory category (from its brand's ``sells_in``, the intent's walk: the
    intent, which learnt Best Buy's labels, reads it as Cell Phone Accessories); an accessory
    word or a device it fits ("case for lg phone") keeps them."""
    terms = _terms(kg, query, "Cell Phones > Cell Phone Accessories", [brand_link("LG")])
    assert not set(gone) & set(terms), terms
    assert set(kept) <= set(terms), terms


def test_an_accessory_product_and_the_devices_own_accessories_name_no_device(kg):
    """A product filed under accessories ("bluetooth headset": Bluetooth Headsets under Cell
    Phone Accessories) names no device; an accessory category under the device named (iPhone
    Accessories under iPhone) is the device's own."""
    g = _KG(as_networkx(kg), kg)
    assert _an_unsaid_accessory(g, cat_iri("cases"), ["lg", "phone"])
    assert not _an_unsaid_accessory(g, cat_iri("cases"), ["bluetooth", "headset"])
    assert not _an_unsaid_accessory(g, cat_iri("cases"), ["phone", "headsets"])
    assert not _an_unsaid_accessory(g, cat_iri("ipacc"), ["iphone", "6"])
    assert not _an_unsaid_accessory(g, cat_iri("allunl"), ["lg", "phone"])


def test_a_last_word_heading_nothing_reads_no_device_from_an_earlier_word(kg):
    """The product searched is the query's last word: where it heads no category of the
    department ("phone backpack", "lg phone true view"), no device is read from an earlier
    word, so no accessory is dropped; a number after the device is no product word."""
    g = _KG(as_networkx(kg), kg)
    assert not _an_unsaid_accessory(g, cat_iri("cases"), ["phone", "backpack"])
    assert not _an_unsaid_accessory(g, cat_iri("cases"), ["lg", "phone", "true", "view"])
    assert _an_unsaid_accessory(g, cat_iri("cases"), ["lg", "phone", "2"])


NEW_DEPTS = ("Video Games", "Cell Phones", "TV & Home Theater")


def _parse(kg, query: str, path: str, score: float, dept_score: float, linked=(),
           outside: bool | None = None):
    return expand(kg, list(linked), intent_at(path, score, dept_score), query=query,
                  departments=NEW_DEPTS, outside=outside)


@pytest.mark.parametrize(("query", "path", "score", "dept_score", "gone"), [
    # (the intent reads the Switch's "oled" as TVs, sure of it)
    ("switch oled", "TV & Home Theater > TVs", 0.8, 0.84, ["OLED TVs", "QLED TVs", "Xbox One"]),
    # (the intent reads an old generation, unsure of the department)
    ("ps5", "Video Games > PlayStation 4", 0.83, 0.5, ["PS4 Games", "PS4 Consoles", "Wii U"]),
    ("xbox series x controller", "Video Games > Xbox One", 0.88, 0.99,
     ["Xbox One Games", "PlayStation 4"]),
    ("steam deck", "TV & Home Theater > TVs", 0.5, 0.6, ["Xbox One", "PlayStation 4", "TVs"]),
])
def test_a_platform_the_kg_lacks_filters_the_platforms_department(kg, query, path, score,
                                                                  dept_score, gone):
    """A platform the KG's tree lacks (a documented list,
    :data:`fusion.expand.words._NEW_PLATFORMS`) filters the department of the KG's platform
    families (Video Games), never the intent's old generation nor its other department, and
    expands the platforms' home (the family's own platforms and the neutral categories)."""
    res = _parse(kg, query, path, score, dept_score)
    assert res.filters.category == ("Video Games",), res.filters
    terms = [e.term for e in res.expansions]
    assert not set(gone) & set(terms), terms
    assert {"Video Game Accessories", "Game Downloads", "Toys to Life"} & set(terms), terms


def test_a_light_switch_is_no_platform(kg):
    """A one-word name of letters ("switch") is the platform's only where the intent reads
    the query as the platforms' department."""
    res = _parse(kg, "light switch", "TV & Home Theater > TVs", 0.8, 0.97, outside=False)
    assert res.filters.category == ("TV & Home Theater",), res.filters
    res = _parse(kg, "captain toad treasure tracker switch", "Video Games > Toys to Life",
                 0.4, 0.5)
    assert res.filters.category == ("Video Games",), res.filters


@pytest.mark.parametrize("query", ["hdmi switch 2 port", "light switch 2 gang",
                                   "samsung tv series x", "bmw 3 series x drive"])
def test_a_name_other_products_share_is_no_platform(kg, query):
    """"switch 2", "series x" are named of HDMI, light and KVM switches and of product lines'
    series too: no Video Games filter where the intent reads another department."""
    res = _parse(kg, query, "TV & Home Theater > TVs", 0.8, 0.97, outside=False)
    assert "Video Games" not in res.filters.category, res.filters


def test_a_bare_family_word_expands_the_whole_family(kg):
    """"xbox" (no generation) at the intent's Xbox 360 expands every Xbox platform, not the
    walk of Xbox 360 alone; "xbox one" (a generation) keeps its own walk."""
    terms = [e.term for e in _parse(kg, "xbox", "Video Games > Xbox 360", 0.6, 0.97,
                                    outside=False).expansions]
    assert {"Xbox One", "Xbox 360"} <= set(terms), terms
    assert not {"PlayStation 4", "Wii U"} & set(terms), terms
    assert not terms[0].startswith("Xbox 360 "), terms
    terms = [e.term for e in _parse(kg, "xbox one", "Video Games > Xbox One", 0.85, 0.97,
                                    outside=False).expansions]
    assert {"Xbox One Games", "Xbox One Consoles"} <= set(terms), terms


def test_a_title_word_beside_a_platform_links_no_other_department(kg):
    """A word of a game's title before the platform ("elden ring ps5": "ring" -> another
    shop's rings) expands none of that category's neighbours; a product for the platform
    named before a fits word is no title."""
    ring = category_link(cat_iri("rings", "fk"), "ring")
    res = _parse(kg, "elden ring ps5", "Video Games > PlayStation 4", 0.18, 0.36, [ring])
    terms = [e.term for e in res.expansions]
    assert not {"jewellery", "pendants lockets"} & set(terms), terms
    assert res.filters.category == ("Video Games",), res.filters
    res = _parse(kg, "ring for xbox", "Video Games > Xbox One", 0.3, 0.5, [ring])
    # (its walk: the parent; another shop's sibling of another kind, pendants lockets, is no
    # expansion, tests/fusion/test_expand_polluting.py)
    assert "jewellery" in [e.term for e in res.expansions]


def test_the_new_platforms_are_read_from_one_list(kg):
    g = _KG(as_networkx(kg), kg)
    plats = _platforms(g)
    assert plats.department == "Video Games"
    assert plats.new("switch oled", False) == {"nintendo"}
    assert plats.new("elden ring ps5", False) == {"ps"}
    assert plats.new("light switch", False) == frozenset()
    assert plats.new("mario kart switch", True) == {"nintendo"}
    assert plats.new("xbox series x", False) == {"xbox"}


def test_a_platform_after_a_fits_word_is_no_product_searched(kg):
    """"tv for ps5": a TV, for the platform; its link, filter and walk stay the TV's (no
    Video Games filter, no platforms' walk), and "tv" is no word of a title."""
    tvs = category_link(cat_iri("tvs"), "tv")
    res = _parse(kg, "tv for ps5", "TV & Home Theater > TVs", 0.8, 0.97, [tvs], outside=False)
    assert res.filters.category == ("TV & Home Theater > TVs",), res.filters
    terms = [e.term for e in res.expansions]
    assert {"OLED TVs", "QLED TVs"} <= set(terms), terms
    assert not {"Video Game Accessories", "Game Downloads"} & set(terms), terms


def test_no_expansion_outside_the_filtered_department(kg):
    """"nintendo switch tablet": the platform the KG lacks filters Video Games, and the link
    Tablets (the intent's Computers & Tablets, unsure) walked into iPad, All Tablets, Laptops:
    an engine ANDs the filter, so those expansions match no filtered document and contradict
    it. Here "steam deck tv": Video Games filtered, the link TVs expands no OLED TVs nor QLED
    TVs (the platforms' home still does)."""
    tvs = category_link(cat_iri("tvs"), "tv")
    res = _parse(kg, "steam deck tv", "TV & Home Theater > TVs", 0.5, 0.6, [tvs])
    assert res.filters.category == ("Video Games",), res.filters
    terms = [e.term for e in res.expansions]
    assert not {"OLED TVs", "QLED TVs", "TV & Home Theater"} & set(terms), terms
    assert {"Video Game Accessories", "Game Downloads", "Toys to Life"} & set(terms), terms
