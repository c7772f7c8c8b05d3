"""Platforms and devices in the expansions (a media store's and a phone catalogue's reviews).

1. A query that names a console platform expanded to other platforms' categories: "red dead
   redemption 2 xbox one" -> Wii U, Nintendo 3DS; "xbox series x" -> PlayStation 4; "ps5
   controller" -> Xbox One; "nintendo switch games" -> Xbox One Games (16 of 33 "xbox
   one/series" queries of the review). A game or accessory for one platform fits no other:
   the platform families are read from the KG's tree (:class:`fusion.expand.walk._Platforms`).
2. A handset query ("lg phone", "motorola phone": a device word, no accessory word) led its
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
        {"LG": ["cases", "screen", "allunl"], "Microsoft": ["xb1"]}))


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
