"""The expansions' word matching and ranking (a review of the expansions on home and list
queries): a word and its plural meet, two words do not ("car" and "care"); each product of a
list keeps its own neighbours ("graphics tablets mice": Gaming Mice); a brand the store sells
nothing under whose name is another brand's family ("galaxy") does not rule that family's
maker out."""

from __future__ import annotations

import pytest

from fusion.expand import _words, expand
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
