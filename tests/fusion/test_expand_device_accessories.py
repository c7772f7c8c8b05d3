"""A linked accessory category named with the device it is for, where the intent reads another
department: "camera charger" and "charger for camera" link Camera Chargers & Adapters, "charger
for ipad" iPad Chargers & Sync Cables, yet the intent reads Cell Phone Accessories at 0.53-0.62
(below the hard filter's threshold): no filter at all. The query names the accessory and its
device, a device of the category's own department (Digital Cameras, iPad): the link is the
filter (:meth:`fusion.expand.core._Expansion.device_accessories`)."""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.expand.accessories import _a_device_accessory
from fusion.expand.kgview import _KG
from fusion.expand.words import _words
from fusion.hetero import as_networkx
from fusion.types import Intent, LinkedEntity
from kg import ProductGraph

from .catalog_kg import cat_iri, catalog_kg, category_records

CAM, COMP, CELL, AUD = "Cameras & Camcorders", "Computers & Tablets", "Cell Phones", "Audio"
DEPTS = (CAM, COMP, CELL, AUD)
DCA = f"{CAM} > Digital Camera Accessories"
IPA = f"{COMP} > iPad & Tablet Accessories"
CPA = f"{CELL} > Cell Phone Accessories"

CATS = {  # key: (label, path, parent key)
    "cam": (CAM, CAM, None),
    "dc": ("Digital Cameras", f"{CAM} > Digital Cameras", "cam"),
    "dca": ("Digital Camera Accessories", DCA, "cam"),
    "cbp": ("Camera Batteries & Power", f"{DCA} > Camera Batteries & Power", "dca"),
    "cchg": ("Camera Chargers & Adapters",
             f"{DCA} > Camera Batteries & Power > Camera Chargers & Adapters", "cbp"),
    "cbat": ("Camera Batteries", f"{DCA} > Camera Batteries & Power > Camera Batteries", "cbp"),
    "bags": ("Camera Bags & Cases", f"{DCA} > Camera Bags & Cases", "dca"),
    "trip": ("Tripods & Monopods", f"{DCA} > Tripods & Monopods", "dca"),
    "tripods": ("Tripods", f"{DCA} > Tripods & Monopods > Tripods", "trip"),
    "tmount": ("Tripod Mounts", f"{DCA} > Tripods & Monopods > Tripod Mounts", "trip"),
    "comp": (COMP, COMP, None),
    "tab": ("Tablets", f"{COMP} > Tablets", "comp"),
    "ipad": ("iPad", f"{COMP} > Tablets > iPad", "tab"),
    "ipa": ("iPad & Tablet Accessories", IPA, "comp"),
    "ipacc": ("iPad Accessories", f"{IPA} > iPad Accessories", "ipa"),
    "ipchg": ("iPad Chargers & Sync Cables",
              f"{IPA} > iPad Accessories > iPad Chargers & Sync Cables", "ipacc"),
    "cell": (CELL, CELL, None),
    "cpa": ("Cell Phone Accessories", CPA, "cell"),
    "chg": ("Chargers", f"{CPA} > Chargers", "cpa"),
    "aud": (AUD, AUD, None),
    "hac": ("Home Audio Accessories", f"{AUD} > Home Audio Accessories", "aud"),
    "subc": ("Subwoofer Cables", f"{AUD} > Home Audio Accessories > Subwoofer Cables", "hac"),
    "spk": ("Speakers", f"{AUD} > Speakers", "aud"),
    "subs": ("Subwoofer Speakers", f"{AUD} > Speakers > Subwoofer Speakers", "spk"),
}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return catalog_kg(category_records(CATS))


def cat(key: str, mention: str, label: str = "core_product_type", score: float = 0.93
        ) -> LinkedEntity:
    return LinkedEntity(cat_iri(key), "category", score, label, mention)


def intent(label: str, score: float, dept_score: float,
           others: tuple[tuple[str, float], ...] = ()) -> Intent:
    return Intent(label, label.split(" > ")[0], score, dept_score, ((label, score), *others))


#: the intent of "camera charger": Cell Phone Accessories, unsure of the department; the
#: camera's accessories second
PHONE = intent(CPA, 0.61, 0.62, ((DCA, 0.24),))


@pytest.mark.parametrize(("query", "links", "top", "key"), [
    ("camera charger", [cat("cchg", "camera charger", score=0.65)], DCA, "cchg"),
    ("charger for camera", [cat("cchg", "charger"), cat("cam", "for camera", "modifier", 0.76)],
     DCA, "cchg"),
    ("charger for ipad", [cat("ipchg", "charger", score=0.88),
                          cat("ipad", "for ipad", "modifier", 0.84)], IPA, "ipchg"),
    # (a bare head after the name's first part takes its qualifier: "camera cases")
    ("case for camera", [cat("bags", "case", score=0.73),
                         cat("cam", "for camera", "modifier", 0.76)], DCA, "bags"),
])
def test_an_accessory_named_with_its_device_filters_where_the_intent_reads_elsewhere(
        kg, query, links, top, key):
    res = expand(kg, links, intent(CPA, 0.55, 0.57, ((top, 0.26),)), query=query,
                 departments=DEPTS)
    assert res.filters.category == (CATS[key][1],), res.filters
    # (the intent's unsure department stays a suggestion)
    assert CELL in {s.category for s in res.suggestions}, res.suggestions


def test_no_filter_where_the_query_leaves_the_device_unsaid_or_the_intent_is_sure(kg):
    """"charger" alone names no device; a department the intent is sure of stays the filter
    (the query's accessory may be filed there: the intent judges); a lvl1 category the intent
    gives no probability is no filter either."""
    res = expand(kg, [cat("cchg", "charger")], PHONE, query="charger", departments=DEPTS)
    assert res.filters.category == ()
    sure = intent(CPA, 0.9, 0.97, ((DCA, 0.06),))
    res = expand(kg, [cat("cchg", "camera charger")], sure, query="camera charger",
                 departments=DEPTS)
    assert res.filters.category == (CELL,), res.filters
    res = expand(kg, [cat("cchg", "camera charger")], intent(CPA, 0.61, 0.62),
                 query="camera charger", departments=DEPTS)
    assert res.filters.category == ()


def test_the_device_heads_a_category_of_the_accessorys_department(kg):
    """The word before the accessory word names the device only where it heads a category of
    the accessory's own department that no accessory's name lies above: Digital Cameras, iPad.
    Audio's subwoofers are Subwoofer Speakers (headed by "speakers"), and Tripods lies under
    Digital Camera Accessories: "subwoofer cables", "tripod mounts" set no filter so."""
    g = _KG(as_networkx(kg), kg)
    dept = lambda c: (g.path(c) or "").split(" > ")[0] or None  # noqa: E731
    said = _words
    assert _a_device_accessory(g, cat_iri("cchg"), "camera charger", said("camera charger"),
                               dept)
    assert _a_device_accessory(g, cat_iri("ipchg"), "charger", said("charger for ipad"), dept)
    assert not _a_device_accessory(g, cat_iri("cchg"), "charger", said("charger"), dept)
    assert not _a_device_accessory(g, cat_iri("subc"), "subwoofer cables",
                                   said("subwoofer cable"), dept)
    assert not _a_device_accessory(g, cat_iri("tmount"), "tripod mounts", said("tripod mount"),
                                   dept)
    res = expand(kg, [cat("subc", "subwoofer cables")],
                 intent(f"{AUD} > Home Audio Accessories", 0.5, 0.62), query="subwoofer cables",
                 departments=DEPTS)
    assert res.filters.category == ()
