"""Parts and accessories read as the device they fit: a linked "<device> <part>" category
("laptop memory" -> Laptop Memory) is what is searched, not the device its first word names
(an intent of Laptops follows that word); and a head category searched "for" another
department's category ("toner for face") is a namesake of what is searched."""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import ProductGraph

from .catalog_kg import cat_iri, catalog_kg, category_records, intent_at

DEPTS = ("Computers & Tablets", "Office & School Supplies", "Health, Fitness & Beauty",
         "TV & Home Theater", "Furniture & Decor")

CATS = {  # key: (label, path, parent key)
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
    "macbooks": ("MacBooks", "Computers & Tablets > Laptops > MacBooks", "laptops"),
    "gaming": ("Gaming Laptops", "Computers & Tablets > Laptops > Gaming Laptops", "laptops"),
    "parts": ("Computer Cards & Components", "Computers & Tablets > Computer Cards & Components",
              "comp"),
    "ram": ("Memory (RAM)", "Computers & Tablets > Computer Cards & Components > Memory (RAM)",
            "parts"),
    "lram": ("Laptop Memory", "Computers & Tablets > Computer Cards & Components > "
             "Memory (RAM) > Laptop Memory", "ram"),
    "dram": ("Desktop Memory", "Computers & Tablets > Computer Cards & Components > "
             "Memory (RAM) > Desktop Memory", "ram"),
    "office": ("Office & School Supplies", "Office & School Supplies", None),
    "ink": ("Printer Ink & Toner", "Office & School Supplies > Printer Ink & Toner", "office"),
    "toner": ("Toner", "Office & School Supplies > Printer Ink & Toner > Toner", "ink"),
    "pink": ("Printer Ink", "Office & School Supplies > Printer Ink & Toner > Printer Ink",
             "ink"),
    # another shop's trees (no department of the label space): a beauty tree with a face
    # category, and one whose Health & Beauty holds skin toners
    "bpc": ("beauty and personal care", "beauty and personal care", None),
    "makeup": ("makeup", "beauty and personal care > makeup", "bpc"),
    "face": ("face", "beauty and personal care > makeup > face", "makeup"),
    "hb": ("Health & Beauty", "Health & Beauty", None),
    "gskin": ("Skin Care", "Health & Beauty > Skin Care", "hb"),
    "gtoners": ("Toners", "Health & Beauty > Skin Care > Toners", "gskin"),
    "sport": ("Sporting Goods", "Sporting Goods", None),
    "hunting": ("Hunting", "Sporting Goods > Hunting", "sport"),
    "hfb": ("Health, Fitness & Beauty", "Health, Fitness & Beauty", None),
    "heaters": ("Heaters", "Health, Fitness & Beauty > Heaters", "hfb"),
    "fd": ("Furniture & Decor", "Furniture & Decor", None),
    "bedroom": ("Bedroom", "Furniture & Decor > Bedroom", "fd"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "stands": ("TV Stands", "TV & Home Theater > TV Stands", "tvh"),
}


_cat = cat_iri


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return catalog_kg(category_records(CATS))


def intent(key: str, score: float = 0.77, dept_score: float = 0.95) -> Intent:
    return intent_at(CATS[key][1], score, dept_score)


def cat(key: str, mention: str, label: str = "core_product_type", score: float = 0.93
        ) -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", score, label, mention)


def _terms(res) -> set[str]:
    return {e.term for e in res}


@pytest.mark.parametrize(("query", "mention"), [
    ("laptop memory 16gb", "laptop memory"),
    ("laptop memory", "laptop memory"),
])
def test_a_linked_part_named_by_its_device_is_the_filter(kg, query, mention):
    """"laptop memory" links Laptop Memory; the intent (Laptops) follows the word "laptop":
    the memory is searched, no laptop (a Laptops filter or MacBooks expansions would return
    laptops for a RAM query)."""
    res = expand(kg, [cat("lram", mention)], intent("laptops"), query=query, departments=DEPTS)
    assert res.filters.category == (CATS["lram"][1],), query
    assert not _terms(res) & {"MacBooks", "Gaming Laptops"}, query


def test_a_device_the_compound_heads_is_still_searched(kg):
    """"gaming laptop" names Laptops by its last word: the laptops are searched."""
    res = expand(kg, [cat("gaming", "gaming laptop")], intent("laptops"), query="gaming laptop",
                 departments=DEPTS)
    assert res.filters.category == (CATS["gaming"][1],)


def test_a_head_for_another_departments_category_is_no_filter(kg):
    """"toner for face": the face is a beauty category, so the toner is no printer toner: no
    Toner (nor Office & School Supplies) filter, no printer expansions."""
    res = expand(kg, [cat("toner", "toner"), cat("face", "for face", "modifier", 0.8)],
                 intent("toner", 0.83, 0.95), query="toner for face", departments=DEPTS)
    assert res.filters.category == ()
    assert not _terms(res) & {"Printer Ink", "Printer Ink & Toner"}


@pytest.mark.parametrize(("query", "head", "mention", "target", "fits"), [
    # "stand for tv": TV Stands and TVs are one department's
    ("stand for tv", "stands", "stand", "tvs", "for tv"),
    # a place of use, in a store department: the heater is searched
    ("heater for bedroom", "heaters", "heater", "bedroom", "for bedroom"),
    # another tree that holds no namesake of the head: an occasion of the binoculars
    ("toner for hunting", "toner", "toner", "hunting", "for hunting"),
])
def test_a_head_for_a_category_that_holds_no_namesake_still_filters(kg, query, head, mention,
                                                                     target, fits):
    res = expand(kg, [cat(head, mention), cat(target, fits, "modifier", 0.8)],
                 intent(head, 0.89, 0.99), query=query, departments=DEPTS)
    assert res.filters.category == (CATS[head][1],), query
