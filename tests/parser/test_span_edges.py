"""Punctuation glued to a tagger span's edges: '"samsung tv"' gave the entities '"samsung' and
'tv"' (NIL), and the category filter fell from TVs to the department. The parse trims such
marks from an entity (its text, offsets and link), but keeps those that belong to the value
('65"', "6'", "c++", "u.s.a.", a KG name as written)."""

from __future__ import annotations

import pytest

from kg import Node, NodeKind, ProductGraph
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import PhraseTagger, WordTagger

LABELS = {"samsung": "creator", "lg": "creator", "dunkin'": "creator", "65\"": "UoM",
          "6'": "UoM"}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([
        Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0),
        Node(NodeKind.BRAND, "lg", "LG", popularity=80.0),
        Node(NodeKind.BRAND, "dunkin", "Dunkin'"),
        Node(NodeKind.CATEGORY, "bb/tvs", "TVs", aliases=("tv",), path="TV & Home Theater > TVs"),
        Node(NodeKind.CATEGORY, "bb/cables", "Cables", path="Accessories > Cables"),
    ], progress=False)
    return QueryParser(tagger=WordTagger(LABELS), kg=g)


def _ents(q):
    return [(e.text, e.start, e.end, e.kg_label) for e in q.entities]


@pytest.mark.parametrize(("query", "expected"), [
    ('"samsung tv"', [("samsung", 1, 8, "Samsung"), ("tv", 9, 11, "TVs")]),
    ("'samsung tv'", [("samsung", 1, 8, "Samsung"), ("tv", 9, 11, "TVs")]),
    ("“samsung tv”", [("samsung", 1, 8, "Samsung"), ("tv", 9, 11, "TVs")]),
    ("(samsung tv)", [("samsung", 1, 8, "Samsung"), ("tv", 9, 11, "TVs")]),
    ("[samsung] tv", [("samsung", 1, 8, "Samsung"), ("tv", 10, 12, "TVs")]),
    ("tv, samsung", [("tv", 0, 2, "TVs"), ("samsung", 4, 11, "Samsung")]),
    ("tv: samsung; lg.", [("tv", 0, 2, "TVs"), ("samsung", 4, 11, "Samsung"),
                          ("lg", 13, 15, "LG")]),
    ("samsung tv?!", [("samsung", 0, 7, "Samsung"), ("tv", 8, 10, "TVs")]),
])
def test_glued_punctuation_is_no_part_of_an_entity(qp, query, expected):
    q = qp(query)
    assert _ents(q) == expected
    assert all(query[e.start:e.end] == e.text for e in q.entities)


@pytest.mark.parametrize(("query", "kept"), [
    ('65" tv', '65"'), ("6' cable", "6'"), ('"65" tv', '65"'), ("c++ book", "c++"),
    ("c# book", "c#"), ("1.5 quart", "1.5"), ("50% off", "50%"), ("at&t phone", "at&t"),
    ("u.s.a. flag", "u.s.a."), ("(u.s.a.) flag", "u.s.a."), ("memory (ram)", "ram"),
    ("'80s shirt", "'80s"), (".5 inch", ".5"), ("c++, book", "c++"), ("1.5. quart", "1.5"),
])
def test_marks_of_the_value_are_kept(qp, query, kept):
    q = qp(query)
    assert kept in [e.text for e in q.entities]
    assert all(query[e.start:e.end] == e.text for e in q.entities)


def test_a_kg_name_as_written_and_a_span_of_marks_keep_their_span(qp):
    q = qp("dunkin' coffee")
    assert _ents(q)[0] == ("dunkin'", 0, 7, "Dunkin'")
    q = qp('tv "" !!')
    assert [e.text for e in q.entities] == ["tv", '""', "!!"]


def test_link_entity_trims_and_call_and_pipe_agree(qp):
    text = '"samsung tv"'
    ent = qp.link_entity(text, Entity('tv"', 9, 12, "core_product_type", 0.9))
    assert (ent.text, ent.start, ent.end, ent.kg_label) == ("tv", 9, 11, "TVs")
    # a bracket whose partner is inside the span stays
    ram = qp.link_entity("memory (ram)", Entity("memory (ram)", 0, 12, "core_product_type", 0.9))
    assert (ram.text, ram.start, ram.end) == ("memory (ram)", 0, 12)
    # offsets that do not match the text are left alone
    odd = qp.link_entity(text, Entity('tv"', 0, 3, "core_product_type", 0.9))
    assert (odd.text, odd.start, odd.end) == ('tv"', 0, 3)
    queries = ['"samsung tv"', "tv, samsung", "(samsung tv)", '65" tv', "samsung tv"]
    alone = [qp(t).to_dict() for t in queries]
    piped = [q.to_dict() for q in qp.pipe(queries, batch_size=2)]
    for a, b in zip(alone, piped, strict=True):
        a.pop("timings")
        b.pop("timings")
        assert a == b


def test_span_edges():
    from parser.linking import span_edges

    assert span_edges('"samsung') == (1, 0)
    assert span_edges("(samsung tv)") == (1, 1)
    assert span_edges("(aspca) dogs") == (0, 0)  # its partner is inside
    assert span_edges("ps4 (pro)") == (0, 0)
    assert span_edges("tv)") == (0, 1)
    assert span_edges("65”") == (0, 0)
    assert span_edges("e.g.") == (0, 0)
    assert span_edges("inc.") == (0, 1)
    assert span_edges("") == (0, 0)
    assert span_edges('samsung "') == (0, 2)  # the space before the closing quote too
    assert span_edges('" samsung') == (2, 0)
    assert span_edges("( samsung tv )") == (2, 2)
    assert span_edges(" ") == (0, 0)


@pytest.mark.parametrize(("query", "span", "expected"), [
    ('tv "samsung "', 'samsung "', ("samsung", 4, 11, "Samsung")),
    ('tv " samsung"', '" samsung"', ("samsung", 5, 12, "Samsung")),
    ("tv ( samsung )", "( samsung )", ("samsung", 5, 12, "Samsung")),
])
def test_spaces_inside_glued_marks_are_no_part_of_an_entity(qp, query, span, expected):
    """The bundle's tagger cuts 'tv "samsung "' into "tv" and 'samsung "': the entity was
    "samsung " (a trailing space, offsets 4-12), which an engine matching entity text
    against a keyword field does not find."""
    tagged = QueryParser(tagger=PhraseTagger({query: [("tv", "core_product_type"),
                                                       (span, "creator")]}), kg=qp.kg)
    assert _ents(tagged(query))[1] == expected


def test_expansion_reads_the_query_as_parsed_not_the_raw_text(qp):
    """A query cut at max_query_chars: its price came from the raw text past the cut, which
    neither the tagger nor the linker read; full-width digits are read as digits (NFKC)."""
    from fusion.expand import QueryExpander
    from parser.pipeline import ParserConfig

    cut = QueryParser(tagger=WordTagger(LABELS), kg=qp.kg, expander=QueryExpander(qp.kg),
                      config=ParserConfig(max_query_chars=20, on_too_long="truncate"))
    q = cut("samsung tv " + "x" * 30 + " under 500")
    assert q.truncated and "price_max" not in q.filters
    assert cut("tv under ５００").filters.get("price_max") == 500.0
