"""Colour words that are no colour filter (:func:`fusion.expand.expand`).

# --- a colour word opening a brand's name the KG does not know (2026-12-06) -------------------
"white rodgers thermostat" filtered on White: the brand is White-Rodgers, which the KG does not
hold, and the bundle's tagger reads "white" as a colour and "rodgers" as a brand's name
(``creator``) that links nothing. A colour word right before such a span opens that brand's
name: an UP boost ``(in a name)``, no filter. The parser hands those spans to the expansion
(``unknown_brands``). A colour before a brand the KG knows ("red nike running shoes", "black
under armour zip"), after an unknown one ("essie red nail polish"), or named again elsewhere
in the query keeps its filter.
"""

from __future__ import annotations

import pytest

from fusion.expand import QueryExpander, expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser
from parser.tagger.testing import SpanTagger

ID = "https://kgqp.dev/id/"
THERMOSTATS = "Appliances > Heating, Cooling & Air Quality > Thermostats"
NAIL_POLISH = "Health & Beauty > Personal Care > Cosmetics > Nail Polishes"
SHOES = "Apparel & Accessories > Shoes"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = [Node(NodeKind.CATEGORY, f"g/{k}", path.rsplit(" > ", 1)[-1], path=path)
            for k, path in (("thermostats", THERMOSTATS), ("nail-polish", NAIL_POLISH),
                            ("shoes", SHOES))]
    recs += [Node(NodeKind.BRAND, "nike", "Nike")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in ("White", "Red")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _colour(name: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}attribute_value/color/{name.lower()}", "attribute_value", 0.9,
                        "color", name.lower())


def _cat(key: str, mention: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}category/g/{key}", "category", 0.9, "core_product_type", mention)


def _intent(path: str) -> Intent:
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], 0.9, 0.97, ((label, 0.9),))


def _span(query: str, words: str) -> tuple[int, int]:
    start = query.index(words)
    return start, start + len(words)


def test_a_colour_word_opening_an_unknown_brand_is_no_colour_filter(kg) -> None:
    query = "white rodgers thermostat"
    res = expand(kg, [_colour("White"), _cat("thermostats", "thermostat")],
                 _intent(THERMOSTATS), query=query, unknown_brands=[_span(query, "rodgers")])
    assert res.filters.colour == ()
    assert [b.term for b in res.boosts if b.rule.endswith("(in a name)")] == ["colour:White"]


@pytest.mark.parametrize(("query", "colour", "cat", "mention", "path", "brand"), [
    ("white rodgers thermostat", "White", "thermostats", "thermostat", THERMOSTATS, None),
    ("white rodgers thermostat white", "White", "thermostats", "thermostat", THERMOSTATS,
     "rodgers"),  # (named again as the product's colour)
    ("essie red nail polish", "Red", "nail-polish", "nail polish", NAIL_POLISH, "essie"),
])
def test_a_colour_word_before_no_unknown_brand_keeps_its_filter(
        kg, query, colour, cat, mention, path, brand) -> None:
    unknown = [_span(query, brand)] if brand else []
    res = expand(kg, [_colour(colour), _cat(cat, mention)], _intent(path), query=query,
                 unknown_brands=unknown)
    assert res.filters.colour == (colour,)


#: the bundle tagger's spans for a few queries (as it cuts and labels them)
SPANS = {
    "white rodgers thermostat": [("white", "color"), ("rodgers", "creator"),
                                 ("thermostat", "core_product_type")],
    "red nike shoes": [("red", "color"), ("nike", "creator"), ("shoes", "core_product_type")],
}


def test_the_parser_hands_the_unlinked_brand_spans_to_the_expansion(kg) -> None:
    qp = QueryParser(tagger=SpanTagger(SPANS), kg=kg, expander=QueryExpander(kg))
    q = qp("white rodgers thermostat")
    assert [(e.text, e.kg_id) for e in q.entities if e.label == "creator"] == [("rodgers", None)]
    assert "colour" not in q.filters
    assert any(b.term == "colour:White" and b.rule.endswith("(in a name)") for b in q.boosts)
    # a brand the KG knows: the colour is its product's
    assert qp("red nike shoes").filters.get("colour") == ["Red"]


# --- a colour word that names a spec (2026-12-06) ---------------------------------------------
# A computer-store reviewer's queries filtered on a colour that names a spec, removing almost
# every right product: a keyboard switch's type ("mechanical keyboard brown switches", "cherry
# mx red keyboard"), a power supply's 80 Plus tier ("1000w psu 80+ gold", "corsair cx650
# bronze"), a drive line ("wd blue 1tb ssd": a colour right after a brand the KG sells only
# drives under). Each is an UP boost with its reason; a colour on the product itself ("red
# keyboard", "black psu", "white switches", "silver 1100w microwave") keeps its filter.

KEYBOARDS = "Computers & Tablets > Computer Accessories & Peripherals > Mice & Keyboards"
DRIVES = "Computers & Tablets > Computer Accessories & Peripherals > Hard Drives & Storage" \
    " > Internal Hard Drives"
EXTERNAL = "Computers & Tablets > Computer Accessories & Peripherals > Hard Drives & Storage" \
    " > External Hard Drives"
MICROWAVES = "Appliances > Microwaves"
WATCHES = "Wearable Technology > Watches"


@pytest.fixture(scope="module")
def spec_kg() -> ProductGraph:
    recs = [Node(NodeKind.CATEGORY, f"g/{k}", path.rsplit(" > ", 1)[-1], path=path)
            for k, path in (("keyboards", KEYBOARDS), ("drives", DRIVES),
                            ("external", EXTERNAL), ("microwaves", MICROWAVES),
                            ("watches", WATCHES))]
    recs += [Node(NodeKind.BRAND, "wd", "WD"), Node(NodeKind.BRAND, "corsair", "Corsair"),
             Edge(f"{ID}brand/wd", Relation.SELLS_IN, f"{ID}category/g/drives"),
             Edge(f"{ID}brand/wd", Relation.SELLS_IN, f"{ID}category/g/external"),
             Edge(f"{ID}brand/corsair", Relation.SELLS_IN, f"{ID}category/g/drives"),
             Edge(f"{ID}brand/corsair", Relation.SELLS_IN, f"{ID}category/g/keyboards")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower().replace(' ', '-')}", c,
                  attribute="color")
             for c in ("Brown", "Red", "Yellow", "Gold", "BRONZE", "Blue", "White", "Black",
                       "Silver", "Rose Gold")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _value(name: str, mention: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}attribute_value/color/{name.lower().replace(' ', '-')}",
                        "attribute_value", 0.9, "color", mention)


def _brand(key: str, mention: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}brand/{key}", "brand", 0.9, "creator", mention)


@pytest.mark.parametrize(("query", "colour", "others", "path", "reason"), [
    ("mechanical keyboard brown switches", "Brown", [("keyboards", "keyboard")], KEYBOARDS,
     "a switch type"),
    ("blue switches keyboard", "Blue", [], KEYBOARDS, "a switch type"),
    ("cherry mx red keyboard", "Red", [("keyboards", "keyboard")], KEYBOARDS, "a switch type"),
    ("gateron yellow switches", "Yellow", [], KEYBOARDS, "a switch type"),
    ("1000w psu 80+ gold", "Gold", [], KEYBOARDS, "an efficiency rating"),
    ("corsair cx650 bronze", "BRONZE", [("corsair", "corsair")], KEYBOARDS,
     "an efficiency rating"),
    ("wd blue 1tb ssd", "Blue", [("wd", "wd")], DRIVES, "a product line"),
])
def test_a_colour_naming_a_spec_is_an_up_boost(spec_kg, query, colour, others, path,
                                               reason) -> None:
    mention = {"BRONZE": "bronze"}.get(colour, colour.lower())
    linked = [_value(colour, mention)] + [
        _brand(k, m) if k in ("wd", "corsair") else _cat(k, m) for k, m in others]
    res = expand(spec_kg, linked, _intent(path), query=query)
    assert res.filters.colour == ()
    assert [(b.term, b.direction) for b in res.boosts if b.rule.endswith(f"({reason})")] \
        == [(f"colour:{colour}", "UP")]


@pytest.mark.parametrize(("query", "colour", "mention", "others", "path"), [
    ("red keyboard", "Red", "red", [("keyboards", "keyboard")], KEYBOARDS),
    ("white mechanical keyboard", "White", "white", [("keyboards", "keyboard")], KEYBOARDS),
    ("black psu", "Black", "black", [], KEYBOARDS),
    ("white switches", "White", "white", [], KEYBOARDS),  # (a light switch's colour)
    ("silver 1100w microwave", "Silver", "silver", [("microwaves", "microwave")], MICROWAVES),
    ("rose gold watch", "Rose Gold", "rose gold", [("watches", "watch")], WATCHES),
    # (a colour after a brand that sells more than drives: the drive's colour)
    ("corsair white 1tb ssd", "White", "white", [("corsair", "corsair")], DRIVES),
    # (an external drive comes in colours)
    ("wd blue external hard drive", "Blue", "blue", [("wd", "wd"), ("external", "hard drive")],
     EXTERNAL),
])
def test_a_colour_of_the_product_keeps_its_filter(spec_kg, query, colour, mention, others,
                                                  path) -> None:
    linked = [_value(colour, mention)] + [
        _brand(k, m) if k in ("wd", "corsair") else _cat(k, m) for k, m in others]
    res = expand(spec_kg, linked, _intent(path), query=query)
    assert res.filters.colour == (colour,)


# -- a colour word of a name after a "no", a brand's mention of KG words after a colour

def _named_kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        Node(NodeKind.CATEGORY, "g/white-noise", "White Noise Machines",
             path="Health & Beauty > Sleeping Aids > White Noise Machines"),
        Node(NodeKind.CATEGORY, "g/shirts", "Shirts", path="Apparel > Clothing > Shirts"),
        Node(NodeKind.BRAND, "zenia", "Zenia Cassia Obovata (Neutral Henna)"),
    ], progress=False)
    return g


@pytest.mark.parametrize(("query", "compound"), [
    ("no white noise machine", True),  # (White Noise Machines: the colour a word of the name)
    ("no white shirt", False),  # (a shirt's colour: no name opens with "white shirt")
])
def test_a_colour_after_a_no_opening_a_kg_name_is_a_compound_word(query: str,
                                                                 compound: bool) -> None:
    from fusion.expand import colour_opens_a_name, compound_no_words

    g = _named_kg()
    assert colour_opens_a_name(g, query, 3, 8) is compound
    assert (compound_no_words(query, 0, 8, g) is not None) is compound
    assert compound_no_words(query, 0, 8) is None  # (without the KG: a colour, excluded)


@pytest.mark.parametrize(("text", "colour"), [
    ("black", True), ("light blue", True), ("rose gold", True),
    ("blue light", False),  # ("no blue light glasses": the light, no shade of blue)
])
def test_a_colour_word_and_a_shade_opening_word_after_it_name_no_colour(text: str,
                                                                        colour: bool) -> None:
    from fusion.expand import colour_words

    assert colour_words(text) is colour


@pytest.mark.parametrize(("text", "known"), [
    ("henna", True),  # (a word of a KG name: no unknown brand's name a colour opens)
    ("rodgers", False),  # ("white rodgers thermostat": White-Rodgers, no KG word)
    ("", False),
])
def test_kg_words_are_the_words_of_kg_names(text: str, known: bool) -> None:
    from fusion.expand import kg_words

    assert kg_words(_named_kg(), text) is known
