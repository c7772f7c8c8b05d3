"""The parse's text handling of long queries, trademark signs and control characters (queries
of the quickstart bundle):

1. truncation cut a word in half: a 514-character query ending in "tv under 5000" was parsed
   up to "tv under 50", a hard price_max of 50; the cut is now at the last word boundary at
   or before ``max_query_chars`` (a first word longer than the limit is still cut);
2. NFKC glued trademark signs to the word as letters ("samsung™ tv" -> "samsungTM tv":
   Samsung was not linked; ℠ alike) and a control character was part of a word
   ("tv\\x07samsung" one span): both are a space for the tagger's words, ``normalized``, the
   lexicon match, linking, ``rewritten`` and the negation reading, and entity offsets still
   point into the query as typed;
3. a soft hyphen, a word joiner or a byte-order mark (``kg.schema.WORD_JOINERS``) is no
   character of ``normalized`` and ``rewritten`` (the tagger's words: tests/parser/
   test_tagger_text.py), and the brand it sits in still links.
"""

from __future__ import annotations

import pytest

from fusion.expand import QueryExpander
from fusion.rules import RuleSet
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import ParserConfig, QueryParser
from parser.tagger.text import normalize, split_words

from .word_tagger import PhraseTagger, WordTagger

TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", aliases=("tv",), path="TV & Home Theater > TVs")
PHONES = Node(NodeKind.CATEGORY, "bb/phones", "Cell Phones", path="Cell Phones > Cell Phones")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0)

#: the spans the bundle's tagger cuts (words split at a trademark sign or control character)
SPANS = {
    "samsung™ tv": [("samsung", "creator"), ("tv", "core_product_type")],
    "samsung℠ tv": [("samsung", "creator"), ("tv", "core_product_type")],
    "Samsung® tv": [("Samsung", "creator"), ("tv", "core_product_type")],
    "tv\x07samsung": [("tv", "core_product_type"), ("samsung", "creator")],
    "tv\u202esamsung": [("tv", "core_product_type"), ("samsung", "creator")],
    "tv not samsung™": [("tv", "core_product_type"), ("samsung", "creator")],
}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([TVS, PHONES, SAMSUNG, Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri)],
                  progress=False)
    return g


def _parser(kg: ProductGraph, tagger, **config) -> QueryParser:
    # (an empty rules file: the parse then reports `rewritten`)
    return QueryParser(tagger=tagger, kg=kg, config=ParserConfig(**config),
                       expander=QueryExpander(kg, rules=RuleSet.parse("", path="rules.txt")))


# 1. truncation at a word boundary

def test_a_truncated_query_keeps_no_half_number() -> None:
    """A query of 514 characters, the API's default limit (512) and on_too_long
    ("truncate"); "5000" does not fit and is dropped whole, so no price_max of 50."""
    g = ProductGraph.in_memory()
    g.add_records([TVS], progress=False)
    qp = _parser(g, WordTagger())
    query = "wireless " * 55 + "phone tv under 5000"
    assert len(query) == 514 and ParserConfig().on_too_long == "truncate"
    q = qp(query)
    assert q.truncated is True
    assert "price_max" not in q.filters
    assert q.normalized.endswith("phone tv under")
    assert all(e.end <= 512 for e in q.entities)


@pytest.mark.parametrize(("query", "limit", "parsed"), [
    ("samsung 65 inch tv", 17, "samsung 65 inch"),  # cut after "t": no entity "t"
    ("tv under 5000", 11, "tv under"),
    ("tv under 500 x", 12, "tv under 500"),  # the limit at the end of a word: kept
    ("tv under 500 x", 13, "tv under 500"),  # at a space
    ("television", 4, "tele"),  # a single word longer than the limit is still cut
    ("tv 三星电视机", 5, "tv 三星"),  # a CJK ideograph is a word of its own
    ("samsung™tv set", 9, "samsung"),  # a trademark sign separates words
])
def test_truncation_cuts_at_the_last_word_boundary(kg, query, limit, parsed) -> None:
    q = _parser(kg, WordTagger(), max_query_chars=limit)(query)
    assert q.truncated is True and q.text == query
    assert q.normalized == " ".join(parsed.replace("™", " ").split())
    assert all(query[e.start:e.end] == e.text and e.end <= len(parsed) for e in q.entities)


# 2. trademark signs and control characters separate words

@pytest.mark.parametrize(("text", "words"), [
    ("samsung™ tv", ["samsung", "tv"]),
    ("samsung℠ tv", ["samsung", "tv"]),
    ("Samsung® Galaxy", ["Samsung", "Galaxy"]),
    ("tv\x07samsung", ["tv", "samsung"]),
    ("samsung\x00tv\u200bstand", ["samsung", "tv", "stand"]),
    ("samsung\u202etv\u2067stand\u2069", ["samsung", "tv", "stand"]),  # bidi controls
    ("ｓａｍｓｕｎｇ™ ﬁ", ["samsung", "fi"]),  # NFKC as before
])
def test_the_taggers_words_split_at_a_trademark_sign_or_control_character(text, words) -> None:
    norm, back = normalize(text)
    spans = split_words(norm)
    assert [norm[a:b] for a, b in spans] == words
    # mapped back to the query as typed, without the sign
    typed = [text[back[a]:back[b - 1] + 1] for a, b in spans]
    assert [normalize(w)[0] for w in typed] == words
    assert not any(c in w for w in typed for c in "™℠®\x07\x00\u200b\u202e\u2067\u2069")


@pytest.mark.parametrize(("query", "normalized"), [
    ("samsung™ tv", "samsung tv"), ("samsung℠ tv", "samsung tv"),
    ("Samsung® tv", "Samsung tv"), ("tv\x07samsung", "tv samsung"),
    ("tv\u202esamsung", "tv samsung"),
])
def test_a_trademark_sign_or_control_character_is_a_space_in_the_parse(
        kg, query, normalized) -> None:
    """``normalized`` and ``rewritten`` hold no "samsungTM"; Samsung is linked and filtered;
    the entity offsets point into the query as typed."""
    q = _parser(kg, PhraseTagger(SPANS))(query)
    assert q.normalized == normalized and q.rewritten == normalized
    brand, = (e for e in q.entities if e.kg_kind == "brand")
    assert brand.kg_label == "Samsung" and brand.text.lower() == "samsung"
    assert query[brand.start:brand.end] == brand.text
    assert q.filters["brand"] == ["Samsung"]


@pytest.mark.parametrize("query", ["samsung™ tv", "samsung\x07 tv"])
def test_a_span_holding_the_sign_still_links(kg, query) -> None:
    """A tagger that keeps the sign in its span ("samsung™", whitespace words): the linker
    reads it as a space; the entity's text stays the query's own."""
    q = _parser(kg, WordTagger({query.split()[0]: "creator"}))(query)
    brand = q.entities[0]
    assert (brand.text, brand.start, brand.end) == (query[:8], 0, 8)
    assert brand.kg_label == "Samsung"


def test_a_negated_brand_with_a_trademark_sign_is_a_down_boost(kg) -> None:
    """The negation is read on the query as the expansion reads it: "not samsung™" excludes
    Samsung (it was a hard brand filter: "samsungTM" was no word of the mention)."""
    q = _parser(kg, PhraseTagger(SPANS))("tv not samsung™")
    assert "brand" not in q.filters
    assert [(b.direction, b.term) for b in q.boosts] == [("DOWN", "brand:Samsung")]


def test_the_lexicon_features_see_the_brand_before_a_trademark_sign() -> None:
    """The KG match that gives the tagger its lexicon features reads the sign as a space."""
    from parser.tagger.testing import tiny_tagger

    g = ProductGraph.in_memory()
    g.add_records([TVS, SAMSUNG], progress=False)
    qp = QueryParser(tagger=tiny_tagger(lexicon_kinds=["brand", "category"]), kg=g)
    plain = qp._begin(["samsung tv"]).items[0]
    samsung = plain.lexicon[plain.first[0], 0]  # the code of a one-word brand match
    assert samsung != 0
    for query in ("samsung™ tv", "samsung\x07tv"):
        item = qp._begin([query]).items[0]
        assert item.lexicon[item.first[0], 0] == samsung, query  # its first word, "samsung"


@pytest.mark.parametrize("query", ["samsung™ tv", "Samsung® Galaxy", "tv\x07samsung",
                                   "samsung\x07tv", "ｓａｍｓｕｎｇ™ tv ﬁ"])
def test_entity_offsets_with_a_real_tagger_point_into_the_query_as_typed(kg, query) -> None:
    """A real (tiny, untrained) tagger and encoder: every entity is a slice of the query as
    typed, and none starts or ends on the sign."""
    from parser.tagger.testing import tiny_tagger

    qp = QueryParser(tagger=tiny_tagger(), kg=kg, config=ParserConfig(link_labels_only=False))
    q = qp(query)
    for e in q.entities:
        assert query[e.start:e.end] == e.text
        assert e.text[0] not in "™®\x07 " and e.text[-1] not in "™®\x07 "


# 3. word joiners: no character of the parse's text

#: the spans the tagger cuts around a soft hyphen, a word joiner or a byte-order mark
JOINER_SPANS = {
    "\ufeffsamsung tv": [("samsung", "creator"), ("tv", "core_product_type")],
    "sam\u00adsung tv": [("sam\u00adsung", "creator"), ("tv", "core_product_type")],
    "samsung\u2060 tv\u00ad": [("samsung\u2060", "creator"), ("tv", "core_product_type")],
    "tv \ufeff samsung": [("tv", "core_product_type"), ("samsung", "creator")],
}


@pytest.mark.parametrize("query", list(JOINER_SPANS))
def test_normalized_and_rewritten_drop_word_joiners(kg, query) -> None:
    q = _parser(kg, PhraseTagger(JOINER_SPANS))(query)
    words = "tv samsung" if query.startswith("tv") else "samsung tv"
    assert q.normalized == words and q.rewritten == words
    assert all(query[e.start:e.end] == e.text for e in q.entities)
    brand, = (e for e in q.entities if e.label == "creator")
    assert brand.kg_label == "Samsung"
