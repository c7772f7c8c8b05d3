"""Which of two linked categories on one path is the filter, and when a colour word opening a
brand's name is no colour filter (:func:`fusion.expand.expand`; found on a parse-output diff
of 3,184 queries, b0aad98..b9f0288):

1. "xbox one controller" filtered on Xbox One, no longer on Xbox One Controllers: the
   linker's composed reading scored the controllers 0.926, the device 0.927, and of two linked
   categories one above the other the filter was the better-scored link; it is the deepest the
   intent agrees with now (the finer filter);
2. "black diamond engagement ring", "pink princess dress" lost their colour filter to a name
   list's brand that a colour word opens ("Black Diamond"), a string the KG sells nothing
   under: only a brand the KG sells something under makes a colour word a word of its name.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

ID = "https://kgqp.dev/id/"
DEPTS = ("Video Games", "Audio", "Jewelry")
CATS = {  # key: (label, path, parent key)
    "vg": ("Video Games", "Video Games", None),
    "xbox": ("Xbox One", "Video Games > Xbox One", "vg"),
    "xacc": ("Xbox One Accessories", "Video Games > Xbox One > Xbox One Accessories", "xbox"),
    "xctl": ("Xbox One Controllers",
             "Video Games > Xbox One > Xbox One Accessories > Xbox One Controllers", "xacc"),
    "audio": ("Audio", "Audio", None),
    "mics": ("Microphones", "Audio > Microphones", "audio"),
    "jw": ("Jewelry", "Jewelry", None),
    "rings": ("Rings", "Jewelry > Rings", "jw"),
}


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in CATS.items() if p]
    recs += [Node(NodeKind.BRAND, "black-diamond", "Black Diamond"),  # a name list's: unsold
             Node(NodeKind.BRAND, "blue-microphones", "Blue Microphones"),
             Edge(f"{ID}brand/blue-microphones", Relation.SELLS_IN, _cat("mics"))]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in ("Black", "Blue")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _intent(path: str) -> Intent:
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], 0.9, 0.97, ((label, 0.9),))


def _cat_link(key: str, mention: str, score: float) -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", score, "core_product_type", mention)


def _colour(name: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}attribute_value/color/{name.lower()}", "attribute_value", 0.9,
                        "color", name.lower())


@pytest.mark.parametrize("device_score", [0.927, 0.9, 0.99])
def test_of_two_categories_on_one_path_the_deeper_is_the_filter(kg, device_score) -> None:
    linked = [_cat_link("xbox", "xbox one", device_score),
              _cat_link("xctl", "controller", 0.926)]
    res = expand(kg, linked, _intent(CATS["xbox"][1]), query="xbox one controller",
                 departments=DEPTS)
    assert res.filters.category == (CATS["xctl"][1],)
    assert [(f.field, f.value, f.source) for f in res.filter_sources] == [
        ("category", CATS["xctl"][1], f"link:{_cat('xctl')}")]


def test_a_colour_word_opening_an_unsold_brand_s_name_still_filters(kg) -> None:
    res = expand(kg, [_colour("Black"), _cat_link("rings", "ring", 0.9)],
                 _intent(CATS["rings"][1]), query="black diamond engagement ring",
                 departments=DEPTS)
    assert res.filters.colour == ("Black",)


def test_a_colour_word_opening_a_sold_brand_s_name_is_no_colour_filter(kg) -> None:
    res = expand(kg, [_colour("Blue")], _intent(CATS["mics"][1]),
                 query="blue microphones yeti", departments=DEPTS)
    assert res.filters.colour == ()
    assert any(b.rule.endswith("(in a name)") for b in res.boosts)


# --- a colour on a fuel (a reviewer's read of colour-named brands, 2026-12-06) -----------------
# "blue rhino propane" filtered on Blue: the colour word opens the brand Blue Rhino, which the KG
# does not hold; a fuel (Google's "Hardware > Fuel", firewood, charcoal briquettes, lighter
# fluid) has no colour facet, so a colour on one is an UP boost, not a filter; a fuel's tank
# is no fuel and keeps its colour filter.

FUEL_CATS = {  # key: (label, path)
    "fuel": ("Fuel", "Hardware > Fuel"),
    "propane": ("Propane", "Hardware > Fuel > Propane"),
    "tanks": ("Fuel Containers & Tanks", "Hardware > Fuel Containers & Tanks"),
}


@pytest.fixture(scope="module")
def fuel_kg() -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"g/{k}", lab, path=path)
                               for k, (lab, path) in FUEL_CATS.items()]
    recs += [Edge(f"{ID}category/g/propane", Relation.PARENT, f"{ID}category/g/fuel")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, "color/blue", "Blue", attribute="color")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _fuel_link(key: str, mention: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}category/g/{key}", "category", 0.9, "core_product_type", mention)


def test_a_colour_on_a_fuel_is_no_colour_filter(fuel_kg) -> None:
    res = expand(fuel_kg, [_colour("Blue"), _fuel_link("propane", "propane")],
                 _intent("Hardware > Fuel > Propane"), query="blue rhino propane",
                 departments=("Hardware",))
    assert res.filters.colour == ()
    assert [b.term for b in res.boosts if b.rule.endswith("(a fuel)")] == ["colour:Blue"]


def test_a_colour_on_a_fuel_tank_still_filters(fuel_kg) -> None:
    res = expand(fuel_kg, [_colour("Blue"), _fuel_link("tanks", "propane tank")],
                 _intent("Hardware > Fuel Containers & Tanks"), query="blue propane tank",
                 departments=("Hardware",))
    assert res.filters.colour == ("Blue",)
