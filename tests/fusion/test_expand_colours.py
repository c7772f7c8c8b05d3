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
from kg import Node, NodeKind, ProductGraph
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity, TaggedText

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


class _Tagger:
    """Tags a query with its :data:`SPANS`."""

    def prepare(self, texts, *, matches=None):
        return list(texts)

    def forward(self, items, *, pooled=False, batch=False):
        return None, None

    def decode(self, items, logits):
        out = []
        for text in items:
            ents, pos = [], 0
            for span, label in SPANS.get(text, ()):
                start = text.index(span, pos)
                pos = start + len(span)
                ents.append(Entity(span, start, pos, label, 0.9))
            out.append(TaggedText(text, ents))
        return out


def test_the_parser_hands_the_unlinked_brand_spans_to_the_expansion(kg) -> None:
    qp = QueryParser(tagger=_Tagger(), kg=kg, expander=QueryExpander(kg))
    q = qp("white rodgers thermostat")
    assert [(e.text, e.kg_id) for e in q.entities if e.label == "creator"] == [("rodgers", None)]
    assert "colour" not in q.filters
    assert any(b.term == "colour:White" and b.rule.endswith("(in a name)") for b in q.boosts)
    # a brand the KG knows: the colour is its product's
    assert qp("red nike shoes").filters.get("colour") == ["Red"]
