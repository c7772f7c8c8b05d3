"""The device an accessory fits, after a compatibility cue: the bundle's tagger labels "for
samsung" in "charger for samsung" as one ``modifier`` span, a label that never links to a
brand, so the query lost Samsung (66 of 80 accessory x brand queries: no filter, no boost).
Such a span now links the brand on the brand's own words, and the expansion's "fits" rule
makes it an UP boost, as for "case for samsung". Also: the parse tells the linker the
tagger's WordPiece vocabulary, so that a word of it is no typo ("lightning" is no
"Lighting")."""

from __future__ import annotations

import pytest

from fusion.expand import QueryExpander
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import PhraseTagger

CHARGERS = Node(NodeKind.CATEGORY, "bb/chargers", "Chargers",
                path="Cell Phones > Cell Phone Accessories > Chargers")
PHONES = Node(NodeKind.CATEGORY, "bb/phones", "Cell Phones", path="Cell Phones")
CAMERAS = Node(NodeKind.CATEGORY, "bb/cameras", "Digital Cameras",
               path="Cameras & Camcorders > Digital Cameras")
LENSES = Node(NodeKind.CATEGORY, "bb/lenses", "Camera Lenses",
              path="Cameras & Camcorders > Digital Camera Accessories > Camera Lenses")
LIGHTING = Node(NodeKind.CATEGORY, "g/lighting", "Lighting", path="Home & Garden > Lighting")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0)
CANON = Node(NodeKind.BRAND, "canon", "Canon", popularity=40.0)
KIDS = Node(NodeKind.BRAND, "kids", "Kids")  # a name list's brand: no edge, no popularity
HOME = Node(NodeKind.BRAND, "home", "@home", popularity=5.0)


SPANS = {
    "charger for samsung": [("charger", "core_product_type"), ("for samsung", "modifier")],
    "case for samsung": [("case", "core_product_type"), ("samsung", "creator")],
    "lens for canon camera": [("lens", "core_product_type"), ("for canon camera", "modifier")],
    "charger compatible with my samsung": [("charger", "core_product_type"),
                                           ("compatible with my samsung", "modifier")],
    "samsung charger": [("samsung", "creator"), ("charger", "core_product_type")],
    "apron for kids": [("apron", "core_product_type"), ("for kids", "modifier")],
    "decorations for home": [("decorations", "core_product_type"), ("for home", "modifier")],
    "gift for samsung": [("gift", "core_product_type"), ("for samsung", "department")],
}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        PHONES, CHARGERS, CAMERAS, LENSES, LIGHTING, SAMSUNG, CANON, KIDS, HOME,
        Edge(CHARGERS.iri, Relation.PARENT, PHONES.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, PHONES.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, CHARGERS.iri),
        Edge(CANON.iri, Relation.SELLS_IN, CAMERAS.iri),
        Edge(CANON.iri, Relation.SELLS_IN, LENSES.iri),
    ], progress=False)
    return g


@pytest.fixture(scope="module")
def qp(kg: ProductGraph) -> QueryParser:
    return QueryParser(tagger=PhraseTagger(SPANS), kg=kg, expander=QueryExpander(kg))


def _brand_boosts(q) -> list[tuple[str, str]]:
    return [(b.term, b.rule.rsplit(" ", 1)[-1]) for b in q.boosts if b.term.startswith("brand:")]


@pytest.mark.parametrize(("query", "brand", "words"), [
    ("charger for samsung", "Samsung", "samsung"),
    ("lens for canon camera", "Canon", "canon"),
    ("charger compatible with my samsung", "Samsung", "samsung"),
])
def test_the_brand_after_a_compatibility_cue_is_the_device_an_accessory_fits(
        qp, query, brand, words) -> None:
    q = qp(query)
    ent = q.entities[-1]
    assert (ent.text, ent.kg_label, ent.kg_kind, ent.label) == (words, brand, "brand",
                                                                  "modifier")
    assert query[ent.start:ent.end] == ent.text
    assert _brand_boosts(q) == [(f"brand:{brand}", "(fits)")]
    assert "brand" not in q.filters


def test_for_brand_gets_the_boost_case_for_brand_gets(qp) -> None:
    assert _brand_boosts(qp("case for samsung")) == _brand_boosts(qp("charger for samsung"))
    assert qp("samsung charger").filters.get("brand") == ["Samsung"]  # (no cue: the maker)


@pytest.mark.parametrize("query", ["apron for kids", "decorations for home", "gift for samsung"])
def test_no_brand_from_a_cue_on_an_ungrounded_alias_or_audience_span(qp, query) -> None:
    """"Kids" is a brand the KG knows nothing under, "home" only an alias of "@home", and a
    span tagged as an audience names whom a thing is for: none links a brand."""
    q = qp(query)
    assert q.entities[-1].kg_id is None and q.entities[-1].text == SPANS[query][-1][0]
    assert _brand_boosts(q) == []


def test_link_entity_moves_the_span_to_the_brand_words(qp) -> None:
    text = "charger for samsung"
    ent = qp.link_entity(text, Entity("for samsung", 8, 19, "modifier", 0.9))
    assert (ent.text, ent.start, ent.end, ent.kg_label) == ("samsung", 12, 19, "Samsung")


def test_the_parse_tells_the_linker_the_taggers_word_pieces(kg, tmp_path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece

    words = ["[UNK]", "lightning", "lighting", "charger"]
    (tmp_path / "vocab.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")
    tokenizer = Tokenizer(WordPiece({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    spans = {"lightning": [("lightning", "core_product_type")]}
    plain = QueryParser(tagger=PhraseTagger(spans), kg=kg)
    assert plain("lightning").entities[0].kg_label == "Lighting"  # a one-edit "typo"
    told = QueryParser(tagger=PhraseTagger(spans, tmp_path, tokenizer), kg=kg)
    assert told("lightning").entities[0].kg_id is None
