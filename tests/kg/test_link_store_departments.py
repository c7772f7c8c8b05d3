"""Linking a store's own categories against namesakes of other taxonomies, on queries of the
quickstart bundle, with the general-category preference of ``_prefer_general`` in place. Once Best
Buy's own "Car Electronics & GPS" categories (radar detectors, breathalyzers, GPS cases) lost to
Google namesakes outside the store's categories, the department read as one "for vehicles"; and
"swimsuits for bride" lost the women's swimsuits to a sports node whose expansions name men,
"bride" naming no audience."""

from __future__ import annotations

import pytest

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker

TYPE = "core_product_type"


def _category(key: str, path: str, **kw: object) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path, **kw)


# the default KG's shapes: Best Buy's node and Google's namesake of one name
BB_RADAR = _category("bb/radar", "Car Electronics & GPS > Car Safety & Convenience > "
                     "Radar Detectors", popularity=60.0)
G_RADAR = _category("g/radar", "Electronics > Radar Detectors", popularity=5.0)
BB_BREATH = _category("bb/breath", "Car Electronics & GPS > Car Safety & Convenience > "
                      "Breathalyzers", popularity=60.0)
G_BREATH = _category("g/breath", "Health & Beauty > Health Care > Biometric Monitors > "
                     "Breathalyzers", popularity=5.0)
BB_GPS_CASES = _category("bb/gps-cases", "Car Electronics & GPS > GPS Navigation & Accessories > "
                         "GPS Accessories > GPS Cases", popularity=60.0)
G_GPS_CASES = _category("g/gps-cases", "Electronics > GPS Accessories > GPS Cases",
                        popularity=5.0)
# a category for vehicles below the store's department still narrows
BB_CAR_SPEAKERS = _category("bb/car-speakers", "Car Electronics & GPS > Car Audio > Speakers",
                            popularity=60.0)
G_SPEAKERS = _category("g/speakers", "Electronics > Audio > Audio Components > Speakers",
                       popularity=5.0)
CAR_GRILL = _category(
    "fk/car-grill-covers",
    "automotive > accessories spare parts > car bike styling > car styling > car grill covers",
    popularity=60.0)
BBQ_GRILL = _category(
    "g/grill-covers", "Home & Garden > Kitchen & Dining > Kitchen Appliance Accessories > "
    "Outdoor Grill Accessories > Outdoor Grill Covers", popularity=5.0)
PET_SHAMPOO = _category("fk/pet-shampoo", "pet supplies > grooming > skin coat care > shampoo",
                        popularity=60.0)
HAIR_SHAMPOO = _category(
    "g/shampoo", "Health & Beauty > Personal Care > Hair Care > Shampoo & Conditioner > Shampoo",
    popularity=5.0)
WOMENS_SWIM = _category("fk/womens-swim",
                        "clothing > womens clothing > sports gym wear > swimsuits", popularity=60.0)
SPORTS_SWIM = _category("fk/sports-swim", "sports fitness > other sports > swimming > swimsuits",
                        popularity=40.0)


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    g = ProductGraph.in_memory()
    g.add_records([BB_RADAR, G_RADAR, BB_BREATH, G_BREATH, BB_GPS_CASES, G_GPS_CASES,
                   BB_CAR_SPEAKERS, G_SPEAKERS, CAR_GRILL, BBQ_GRILL, PET_SHAMPOO, HAIR_SHAMPOO,
                   WOMENS_SWIM, SPORTS_SWIM], progress=False)
    return EntityLinker(g)


def _best(linker: EntityLinker, mention: str, query: str | None) -> str | None:
    best = linker.link(mention, label=TYPE, context=query).best
    return best.iri if best is not None else None


# 3. the store's "Car Electronics & GPS" is a department of electronics, no use for vehicles

@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("radar detectors", "radar detectors", BB_RADAR.iri),
    ("radar detector", "radar detector", BB_RADAR.iri),
    ("radar detector", "cobra radar detector", BB_RADAR.iri),
    ("breathalyzers", "breathalyzers", BB_BREATH.iri),
    ("breathalyzer", "breathalyzer", BB_BREATH.iri),
    ("gps cases", "gps cases", BB_GPS_CASES.iri),
])
def test_the_store_s_car_electronics_keep_their_names(
        linker: EntityLinker, mention: str, query: str, expected: str) -> None:
    assert _best(linker, mention, query) == expected


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("speakers", "bookshelf speakers", G_SPEAKERS.iri),  # Car Audio is for vehicles
    ("speakers", "car speakers", BB_CAR_SPEAKERS.iri),
    ("grill cover", "grill cover", BBQ_GRILL.iri),
    ("grill cover", "car grill cover", CAR_GRILL.iri),
    ("shampoo", "shampoo", HAIR_SHAMPOO.iri),
    ("shampoo", "dog shampoo", PET_SHAMPOO.iri),
])
def test_categories_for_vehicles_or_pets_still_need_the_query_to_name_them(
        linker: EntityLinker, mention: str, query: str, expected: str) -> None:
    assert _best(linker, mention, query) == expected


# 4. a bride, a lady or maternity names the women

@pytest.mark.parametrize("query", [
    "swimsuits for bride", "bridal swimsuits", "maternity swimsuits", "ladies swimsuits",
    "swimsuits for women"])
def test_women_cue_words_keep_the_women_s_category(linker: EntityLinker, query: str) -> None:
    assert _best(linker, "swimsuits", query) == WOMENS_SWIM.iri


def test_a_query_naming_no_audience_still_links_the_general_category(
        linker: EntityLinker) -> None:
    assert _best(linker, "swimsuits", "swimsuits") == SPORTS_SWIM.iri
