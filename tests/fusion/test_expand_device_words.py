"""Hard filters another shop's queries got wrong (found by a reviewer on QueryNER train): the
device an accessory is for read as what is searched, and a brand's word that names something
else.

1. a device maker named with the device in an accessory query whose accessory is no accessory
   word but a linked accessory category ("privacy screen samsung note 10 plus": Privacy
   Screens under Monitor & Screen Accessories) filtered on the device maker;
2. a brand the KG sells only accessories of ("amazon kindle fire case": Amazon's chargers), but
   a category named by its name and the device word the query says (Amazon Fire), was read as
   the case's maker: a brand filter;
3. a brand beside a product the store's tree names nothing of, other catalogues' categories
   headed by its word lying where the brand sells nothing ("bmw white alpine touch up paint":
   Vehicle Paint, Art & Craft Paint; Alpine sells car audio), filtered on the brand;
4. a device with an accessory after it, a word between ("tv wifi remote"), filtered on the
   device where the KG names no such accessory of the device's words (no "TV Remotes");
5. a device the tagger read as a modifier after an accessory word, a brand between
   ("replacement remote samsung smart tv"), or before an unlinked product of another
   department ("tv cardboard box"), filtered on the device.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import LinkedEntity

from .catalog_kg import (
    brand_link,
    brand_records,
    cat_iri,
    catalog_kg,
    category_records,
    intent_at,
)

DEPTS = ("TV & Home Theater", "Cell Phones", "Computers & Tablets", "Car Electronics & GPS")

STORE = {  # key: (label, path, parent key)
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "led": ("LED TVs", "TV & Home Theater > TVs > LED TVs", "tvs"),
    "smart": ("Smart TVs", "TV & Home Theater > TVs > Smart TVs", "tvs"),
    "tvacc": ("TV & Home Theater Accessories",
              "TV & Home Theater > TV & Home Theater Accessories", "tvh"),
    "remotes": ("Remote Controls", "TV & Home Theater > TV & Home Theater Accessories > "
                "Remote Controls", "tvacc"),
    "mounts": ("TV Mounts", "TV & Home Theater > TV & Home Theater Accessories > TV Mounts",
               "tvacc"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "phones": ("All Cell Phones", "Cell Phones > All Cell Phones", "cell"),
    "cpacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "ct": ("Computers & Tablets", "Computers & Tablets", None),
    "tabacc": ("Tablet Accessories", "Computers & Tablets > Tablet Accessories", "ct"),
    "tabcases": ("Cases", "Computers & Tablets > Tablet Accessories > Cases", "tabacc"),
    "monacc": ("Monitor & Screen Accessories",
               "Computers & Tablets > Monitor & Screen Accessories", "ct"),
    "privacy": ("Privacy Screens",
                "Computers & Tablets > Monitor & Screen Accessories > Privacy Screens", "monacc"),
    "car": ("Car Electronics & GPS", "Car Electronics & GPS", None),
    "carspk": ("Car Speakers", "Car Electronics & GPS > Car Speakers", "car"),
}
OTHER = {  # another shop's tree (Google's), outside the store's label space
    "veh": ("Vehicles & Parts", "Vehicles & Parts", None),
    "vpaint": ("Vehicle Paint", "Vehicles & Parts > Vehicle Paint", "veh"),
    "home": ("Home & Garden", "Home & Garden", None),
    "boxes": ("Storage Boxes", "Home & Garden > Storage Boxes", "home"),
    "fire": ("Amazon Fire", "Amazon Fire", None),
}
SELLS = {"Samsung": ["phones", "cpacc", "tvs"], "Amazon": ["cpacc"], "Alpine": ["carspk"],
         "OtterBox": ["cpacc"]}


def _cat(key: str) -> str:
    return cat_iri(key, "bb" if key in STORE else "google")


@pytest.fixture(scope="module")
def kg():
    return catalog_kg(category_records(STORE) + category_records(OTHER, "google")
                      + brand_records(SELLS, cat=_cat))


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", 0.9, label, mention)


def _expand(kg, linked, query, key, score=0.8, dept_score=0.97):
    return expand(kg, linked, intent_at(STORE[key][1], score, dept_score), query=query,
                  departments=DEPTS)


def _brand_boosts(res) -> list[tuple[str, str, str]]:
    return [(b.term, b.direction, (b.rule or "").rsplit(" (", 1)[-1].rstrip(")"))
            for b in res.boosts if b.term.startswith("brand:")]


# -- 1, 2. the device's maker in an accessory query is an UP boost ---------------------------


def test_a_linked_accessory_category_makes_the_device_maker_a_fits_boost(kg):
    """Old: a hard filter on Samsung (no accessory word: "screen" is none)."""
    res = _expand(kg, [cat("privacy", "privacy screen"), brand_link("Samsung")],
                  "privacy screen samsung note 10 plus", "cpacc")
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [("brand:Samsung", "UP", "fits")]


def test_the_accessory_maker_beside_the_device_maker_is_still_the_filter(kg):
    res = _expand(kg, [brand_link("Samsung"), brand_link("OtterBox", "otter box")],
                  "samsung galaxy note 10 plus otter box", "cpacc")
    assert res.filters.brand == ("OtterBox",)
    assert _brand_boosts(res) == [("brand:Samsung", "UP", "fits")]


def test_a_brand_named_with_its_device_by_a_kg_category_makes_the_device(kg):
    """Old: Amazon, sold in Cell Phone Accessories only, read as the case's maker: a hard
    filter on Amazon. Amazon Fire names its device with the query's "fire"."""
    res = _expand(kg, [cat("tabcases", "case"), brand_link("Amazon")],
                  "amazon kindle fire case", "tabacc")
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [("brand:Amazon", "UP", "fits")]


@pytest.mark.parametrize("query", ["amazon charger", "amazon case"])
def test_an_accessory_brand_without_its_device_word_keeps_its_filter(kg, query):
    res = _expand(kg, [brand_link("Amazon")], query, "cpacc")
    assert res.filters.brand == ("Amazon",), query


def test_a_linked_accessory_without_a_device_word_keeps_the_device_makers_filter(kg):
    res = _expand(kg, [brand_link("Samsung"), cat("privacy", "privacy screen")],
                  "samsung privacy screen", "cpacc")
    assert res.filters.brand == ("Samsung",)


# -- 3. a brand word beside a product only other catalogues name, elsewhere -------------------


def test_a_brand_beside_a_product_of_another_catalogue_elsewhere_is_a_boost(kg):
    """Old: a hard filter on Alpine (car audio) for touch up paint."""
    res = _expand(kg, [brand_link("Alpine")], "bmw white alpine touch up paint", "tvs",
                  score=0.1, dept_score=0.16)
    assert res.filters.brand == ()
    assert _brand_boosts(res) == [("brand:Alpine", "UP", "other department")]


@pytest.mark.parametrize("query", ["alpine car speakers", "alpine 6x9", "alpine alpine"])
def test_a_brand_beside_its_own_products_keeps_its_filter(kg, query):
    res = _expand(kg, [brand_link("Alpine")], query, "carspk", score=0.1, dept_score=0.16)
    assert res.filters.brand == ("Alpine",), query


# -- 4, 5. the device an accessory is for is no category filter ------------------------------


def test_a_device_before_a_word_and_a_linked_accessory_is_no_filter(kg):
    """Old: TVs the filter ("wifi" between the device and the remote, no "TV Remotes")."""
    res = _expand(kg, [cat("tvs", "tv"), cat("remotes", "remote")], "tv wifi remote", "tvs")
    assert res.filters.category and STORE["tvs"][1] not in res.filters.category


def test_a_device_modifier_after_an_accessory_word_is_no_filter(kg):
    """Old: Smart TVs the filter of a remote for one."""
    res = _expand(kg, [brand_link("Samsung"), cat("smart", "smart tv", "modifier")],
                  "replacement remote samsung smart tv", "tvs")
    assert res.filters.category and STORE["smart"][1] not in res.filters.category
    assert _brand_boosts(res) == [("brand:Samsung", "UP", "fits")]


def test_a_device_modifier_before_another_departments_product_is_no_filter(kg):
    """Old: TVs the filter of a cardboard box."""
    res = _expand(kg, [cat("tvs", "tv", "modifier")], "tv cardboard box", "tvs")
    assert res.filters.category == ("TV & Home Theater",)


@pytest.mark.parametrize(("query", "mention"), [
    ("smart tv", "smart tv"), ("tv under fifty bucks", "tv"), ("tv 65 inch", "tv")])
def test_a_device_modifier_with_no_product_beside_it_still_filters(kg, query, mention):
    key = "smart" if "smart" in query else "tvs"
    res = _expand(kg, [cat(key, mention, "modifier")], query, "tvs")
    assert res.filters.category == (STORE[key][1],), query
