"""Accessories and parts searched "for" a device (fits targets): the category the query names
whole as the accessory of that device is the filter, and the device's own categories never
lead the expansions of the accessory searched."""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import ProductGraph

from .catalog_kg import cat_iri, catalog_kg, category_records, intent_at

DEPTS = ("Cameras & Camcorders", "Computers & Tablets", "TV & Home Theater")

CATS = {  # key: (label, path, parent key)
    "cam": ("Cameras & Camcorders", "Cameras & Camcorders", None),
    "dca": ("Digital Camera Accessories", "Cameras & Camcorders > Digital Camera Accessories",
            "cam"),
    "cbp": ("Camera Batteries & Power", "Cameras & Camcorders > Digital Camera Accessories > "
            "Camera Batteries & Power", "dca"),
    "cbat": ("Camera Batteries", "Cameras & Camcorders > Digital Camera Accessories > Camera "
             "Batteries & Power > Camera Batteries", "cbp"),
    "cchg": ("Camera Chargers & Adapters", "Cameras & Camcorders > Digital Camera Accessories > "
             "Camera Batteries & Power > Camera Chargers & Adapters", "cbp"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "cap": ("Computer Accessories & Peripherals",
            "Computers & Tablets > Computer Accessories & Peripherals", "comp"),
    "spp": ("Surge Protectors & Power", "Computers & Tablets > Computer Accessories & "
            "Peripherals > Surge Protectors & Power", "cap"),
    "surge": ("Surge Protectors", "Computers & Tablets > Computer Accessories & Peripherals > "
              "Surge Protectors & Power > Surge Protectors", "spp"),
    "ups": ("Battery Backup (UPS)", "Computers & Tablets > Computer Accessories & Peripherals > "
            "Surge Protectors & Power > Battery Backup (UPS)", "spp"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "otv": ("Outdoor TVs & Accessories", "TV & Home Theater > TVs > Outdoor TVs & Accessories",
            "tvs"),
    "tva": ("TV & Home Theater Accessories", "TV & Home Theater > TV & Home Theater Accessories",
            "tvh"),
}


_cat = cat_iri


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return catalog_kg(category_records(CATS))


def intent(key: str, score: float, dept_score: float) -> Intent:
    return intent_at(CATS[key][1], score, dept_score)


def cat(key: str, mention: str, label: str = "core_product_type", score: float = 0.93
        ) -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", score, label, mention)


def test_the_accessory_the_query_names_for_its_device_is_the_filter(kg):
    """"battery for camera" links Camera Batteries (the linker composes the mention and the
    device after "for"); the intent's department, Cameras & Camcorders at 0.67, is below the
    hard filter's threshold, so nothing filtered. The query names the category whole, as the
    accessory of the device it says, in the intent's department and lvl1 category: that is
    the filter. A category the query does not name so ("battery" alone) stays no filter."""
    res = expand(kg, [cat("cbat", "battery")], intent("cbat", 0.63, 0.67),
                 query="battery for camera", departments=DEPTS)
    assert res.filters.category == (CATS["cbat"][1],)
    res = expand(kg, [cat("cbat", "battery")], intent("cbat", 0.63, 0.67),
                 query="battery", departments=DEPTS)
    assert res.filters.category == ()


def test_the_devices_own_categories_never_lead_an_accessory_querys_expansions(kg):
    """"best surge protector for tv": Surge Protectors searched, TVs the device they are for
    (its walk keeps accessory-named categories: Outdoor TVs & Accessories, a category of TVs,
    and TV & Home Theater Accessories beside it) and the intent's category (TVs, 0.45): the
    device's link and the intent outweighed the product's, and Outdoor TVs & Accessories led
    the expansions. The device's own categories now come after the others; its accessories
    beside it keep their place."""
    res = expand(kg, [cat("surge", "surge protector"), cat("tvs", "for tv", "modifier", 0.78)],
                 intent("tvs", 0.45, 0.78), query="best surge protector for tv",
                 departments=DEPTS)
    terms = [x.term for x in res.expansions if x.kind != "synonym"]
    assert "Surge Protectors & Power" in terms and "Outdoor TVs & Accessories" in terms, terms
    assert terms[-1] == "Outdoor TVs & Accessories", terms
