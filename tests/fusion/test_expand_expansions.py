"""The expansions' word matching and ranking (a review of the expansions on home and list
queries): a word and its plural meet, two words do not ("car" and "care"); each product of a
list keeps its own neighbours ("graphics tablets mice": Gaming Mice); a brand the store sells
nothing under whose name is another brand's family ("galaxy") does not rule that family's
maker out."""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.expand.words import _words
from fusion.types import Intent, LinkedEntity
from kg import ProductGraph

from .catalog_kg import (
    brand_link,
    brand_records,
    cat_iri,
    catalog_kg,
    category_link,
    category_records,
    intent_at,
)

DEPTS = ("Computers & Tablets", "Cell Phones", "Appliances", "Video Games")

CATS = {  # key: (label, path, parent key)
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "gtab": ("Graphics Tablets", "Computers & Tablets > Graphics Tablets", "comp"),
    "mk": ("Mice & Keyboards", "Computers & Tablets > Mice & Keyboards", "comp"),
    "mice": ("Mice", "Computers & Tablets > Mice & Keyboards > Mice", "mk"),
    "gmice": ("Gaming Mice", "Computers & Tablets > Mice & Keyboards > Mice > Gaming Mice",
              "mice"),
    "wmice": ("Wireless Mice", "Computers & Tablets > Mice & Keyboards > Mice > Wireless Mice",
              "mice"),
    "vg": ("Video Games", "Video Games", None),
    "gaming": ("Gaming", "Video Games > Gaming", "vg"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Accessories > Cell Phone Cases",
              "cacc"),
    "galaxy": ("Samsung Galaxy", "Cell Phones > Samsung Galaxy", "cell"),
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "kettles": ("Tea Kettles", "Appliances > Small Kitchen Appliances > Tea Kettles", "ska"),
    "toasters": ("Toasters", "Appliances > Small Kitchen Appliances > Toasters", "ska"),
}
# another shop's taxonomy (no department of the label space)
OTHER = {
    "auto": ("Automotive", "Automotive", None),
    "covers": ("Car Covers", "Automotive > Car Covers", "auto"),
    "home": ("Home & Garden", "Home & Garden", None),
    "kitchen": ("Kitchen", "Home & Garden > Kitchen", "home"),
    "ekettles": ("Electric Kettles", "Home & Garden > Kitchen > Electric Kettles", "kitchen"),
}
SELLS = {"Samsung": ["cacc", "galaxy"], "Apple": ["cacc"], "Logitech": ["mice"],
         "Insignia": ["ska", "cacc"], "Westinghouse": ["ska"]}
OTHER_SELLS = {"galaxy": ["covers"], "Cuisinart": ["ekettles"]}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = category_records(CATS) + category_records(OTHER, "gg") + brand_records(SELLS)
    recs += brand_records(OTHER_SELLS, cat=lambda k: cat_iri(k, "gg"))
    # (Cuisinart sells in the store's kitchen appliances too)
    recs += brand_records({"Cuisinart": ["ska"]})[1:]
    return catalog_kg(recs)


def _terms(res) -> list[str]:
    return [x.term for x in res.expansions]


def _expand(kg, linked: list[LinkedEntity], query: str, intent: Intent):
    return expand(kg, linked, intent, query=query, departments=DEPTS)


@pytest.mark.parametrize(("a", "b"), [("case", "cases"), ("lens", "lenses"),
                                      ("glass", "glasses"), ("watch", "watches"),
                                      ("shoe", "shoes"), ("knife", "knives"),
                                      ("battery", "batteries"), ("box", "boxes"),
                                      ("care", "cares"), ("tape", "tapes")])
def test_a_word_and_its_plural_meet(a, b):
    assert _words(a) == _words(b) and _words(a)


@pytest.mark.parametrize(("a", "b"), [("car", "care"), ("cars", "care"), ("use", "us"),
                                      ("plan", "plane"), ("tap", "tape"), ("tub", "tube")])
def test_two_words_do_not_meet(a, b):
    """"care" folded to "car" (a final "e" dropped on top of the linker's fold): "car wash
    soap" met Appliances' Floor Care."""
    assert not _words(a) & _words(b)


def test_each_product_of_a_list_keeps_its_own_neighbours(kg):
    """'graphics tablets mice': the intent follows Graphics Tablets, and Mice lost its
    children (Gaming Mice: "gaming" names a category, so it read as mice for another
    product the query does not name)."""
    intent = Intent("Computers & Tablets > Graphics Tablets", "Computers & Tablets", 0.72,
                    0.97, (("Computers & Tablets > Graphics Tablets", 0.72),
                           ("Computers & Tablets > Mice & Keyboards", 0.13)))
    linked = [category_link(cat_iri("gtab"), "graphics tablets"),
              category_link(cat_iri("mice"), "mice", "modifier")]
    terms = _terms(_expand(kg, linked, "graphics tablets mice", intent))
    assert "Gaming Mice" in terms and "Wireless Mice" in terms
    # alone, a generic accessory's neighbour the intent does not point to stays out
    alone = Intent("Computers & Tablets > Graphics Tablets", "Computers & Tablets", 0.72, 0.97,
                   (("Computers & Tablets > Graphics Tablets", 0.72),))
    terms = _terms(_expand(kg, [category_link(cat_iri("mice"), "mice")], "mice", alone))
    assert "Gaming Mice" not in terms


def test_a_brand_named_as_another_brands_family_keeps_that_maker(kg):
    """'galaxy' links a car-cover brand the store sells nothing under (an UP boost): it
    ruled every brand out of the expansions, Samsung (whose family Samsung Galaxy is) too."""
    intent = intent_at("Cell Phones > Cell Phone Accessories", 0.92, 0.97)
    linked = [brand_link("galaxy", score=0.8)]
    res = _expand(kg, linked, "galaxy", intent)
    assert "Samsung" in _terms(res)
    assert "Apple" not in _terms(res) and "Insignia" not in _terms(res)
    assert [b.term for b in res.boosts] == ["brand:galaxy"]


# --- generations of a product line and parts of a device (a computer/gaming-store review) ---
# a newer generation expanded to the previous one ("ps5 console" -> PS4 Consoles, "iphone 15"
# -> iPhone 6), and a query for a part to whole devices ("i7 processor" -> All Laptops)

GEN_DEPTS = ("Computers & Tablets", "Cell Phones", "Video Games", "Audio")

GEN_CATS = {
    "vg": ("Video Games", "Video Games", None),
    "ps4": ("PlayStation 4", "Video Games > PlayStation 4", "vg"),
    "ps4c": ("PS4 Consoles", "Video Games > PlayStation 4 > PS4 Consoles", "ps4"),
    "ps4g": ("PS4 Games", "Video Games > PlayStation 4 > PS4 Games", "ps4"),
    "psn": ("PlayStation Network", "Video Games > PlayStation 4 > PlayStation Network", "ps4"),
    "ps3": ("PlayStation 3", "Video Games > PlayStation 3", "vg"),
    "xb1": ("Xbox One", "Video Games > Xbox One", "vg"),
    "xb1g": ("Xbox One Games", "Video Games > Xbox One > Xbox One Games", "xb1"),
    "xlive": ("Xbox Live", "Video Games > Xbox One > Xbox Live", "xb1"),
    "xb360": ("Xbox 360", "Video Games > Xbox 360", "vg"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "ip6": ("iPhone 6", "Cell Phones > iPhone > iPhone 6", "iphone"),
    "ip6s": ("iPhone 6s", "Cell Phones > iPhone > iPhone 6s", "iphone"),
    "ipse": ("iPhone SE", "Cell Phones > iPhone > iPhone SE", "iphone"),
    "ipacc": ("iPhone Accessories", "Cell Phones > iPhone > iPhone Accessories", "iphone"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "all": ("All Laptops", "Computers & Tablets > Laptops > All Laptops", "laptops"),
    "mb": ("MacBooks", "Computers & Tablets > Laptops > MacBooks", "laptops"),
    "ccc": ("Computer Cards & Components", "Computers & Tablets > Computer Cards & Components",
            "comp"),
    "cpu": ("CPUs / Processors",
            "Computers & Tablets > Computer Cards & Components > CPUs / Processors", "ccc"),
    "ram": ("Memory (RAM)", "Computers & Tablets > Computer Cards & Components > Memory (RAM)",
            "ccc"),
    "odd": ("Optical Drives", "Computers & Tablets > Computer Cards & Components > "
            "Optical Drives", "ccc"),
    "hds": ("Hard Drives & Storage", "Computers & Tablets > Hard Drives & Storage", "comp"),
    "ssd": ("Solid State Drives",
            "Computers & Tablets > Hard Drives & Storage > Solid State Drives", "hds"),
    "audio": ("Audio", "Audio", None),
    "docks": ("Docks, Radios & Boomboxes", "Audio > Docks, Radios & Boomboxes", "audio"),
    "radios": ("Radios", "Audio > Docks, Radios & Boomboxes > Radios", "docks"),
    "home_audio": ("Home Audio", "Audio > Home Audio", "audio"),
    "multi": ("Wireless & Multiroom Components", "Audio > Home Audio > Wireless & Multiroom "
              "Components", "home_audio"),
    "wspk": ("Wireless Speakers", "Audio > Home Audio > Wireless & Multiroom Components > "
             "Wireless Speakers", "multi"),
}


@pytest.fixture(scope="module")
def gen_kg() -> ProductGraph:
    return catalog_kg(category_records(GEN_CATS) + brand_records(
        {"Sony": ["ps4"], "Apple": ["iphone", "mb"], "Dell": ["laptops"]}))


def _gen_terms(kg, query: str, path: str, linked: tuple[LinkedEntity, ...] = ()) -> list[str]:
    res = expand(kg, list(linked), intent_at(path, 0.86, 0.98), query=query,
                 departments=GEN_DEPTS)
    return _terms(res)


@pytest.mark.parametrize(("query", "path", "gone", "kept"), [
    ("ps5 console", "Video Games > PlayStation 4",
     ["PS4 Consoles", "PS4 Games", "PlayStation 3"], ["PlayStation Network", "Sony"]),
    ("xbox series x controller", "Video Games > Xbox One",
     ["Xbox One Games", "Xbox 360"], ["Xbox Live"]),
    ("iphone 15", "Cell Phones > iPhone", ["iPhone 6", "iPhone 6s", "iPhone SE"],
     ["iPhone Accessories", "Apple"]),
])
def test_a_generation_of_a_line_expands_no_other_generation(gen_kg, query, path, gone, kept):
    """A category naming another generation of the line the query names a generation of
    ("PS4", "PlayStation 3" beside "ps5"; "Xbox One", "Xbox 360" beside "xbox series x";
    "iPhone 6", "iPhone SE" beside "iphone 15") is another product; the line's own
    categories of no generation stay."""
    terms = _gen_terms(gen_kg, query, path)
    assert not set(gone) & set(terms), terms
    assert set(kept) <= set(terms), terms


@pytest.mark.parametrize(("query", "path", "kept"), [
    ("ps4 controller", "Video Games > PlayStation 4", ["PS4 Consoles", "PS4 Games"]),
    ("playstation", "Video Games > PlayStation 4", ["PS4 Consoles", "PlayStation 3"]),
    ("iphone 6", "Cell Phones > iPhone", ["iPhone 6s", "iPhone Accessories"]),
])
def test_the_querys_own_generation_and_a_query_of_none_keep_their_expansions(
        gen_kg, query, path, kept):
    """The query's generation ("ps4 controller": PS4 Consoles), a variant of it ("iphone 6": iPhone
    6s), and every generation where the query names none ("playstation") stay."""
    assert set(kept) <= set(_gen_terms(gen_kg, query, path))


@pytest.mark.parametrize("query", ["i7 processor", "8gb ram", "ssd storage", "cpu not intel"])
def test_a_part_of_a_device_expands_no_whole_devices(gen_kg, query):
    """A query for a part (a word heading a category under Computer Cards & Components, or
    the initials of one so headed: "ssd") at the intent's Laptops expands no laptops."""
    terms = _gen_terms(gen_kg, query, "Computers & Tablets > Laptops")
    assert not {"All Laptops", "MacBooks", "Dell"} & set(terms), terms


@pytest.mark.parametrize(("query", "path", "kept"), [
    ("macbook ssd", "Computers & Tablets > Laptops", "MacBooks"),
    ("laptop ram", "Computers & Tablets > Laptops", "All Laptops"),
    ("traditional speakers", "Audio > Docks, Radios & Boomboxes", "Radios"),
])
def test_a_part_beside_its_device_or_another_stores_components_keep_the_walk(
        gen_kg, query, path, kept):
    """A part beside the device it names ("macbook ssd", "laptop ram") keeps the device's
    expansions; a speaker is no part of a radio (Audio's Wireless & Multiroom Components
    name no word of Docks, Radios & Boomboxes)."""
    assert kept in _gen_terms(gen_kg, query, path)
