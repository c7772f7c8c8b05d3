"""A negated title, artist or genre after the product searched (a media store's relevance
engineer, 2026-12-06, on the default bundle): 14 of 20 "<product> not <title/artist/genre>"
queries excluded nothing ("ps5 games not call of duty", "vinyl not taylor swift", "switch games
no mario", "cds not country"): the tagger reads "not taylor swift" as one title span
(``content``), whose cue the parse read as a word of the title ("woody allen without
feathers"), so the words were no ``ParsedQuery.excluded`` words, and the intent read them:
"ps5 games not call of duty" lost the intent's confidence, and "games" its Video Games reading
(the toy Games' expansions: Poker Chips, Slot Machines). Such a span, opening with the cue
right after the product searched and ending the query, now excludes its words (no ``kg_id``:
they link nothing), and the intent reads the query without them; a span holding the product's
very name, the cue and the title ("books not harry potter") is split at the cue. A title holding
a cue with nothing searched before it ("not another teen movie", "the world without you"), a
maker before it ("woody allen without feathers") or the product after it still excludes
nothing, nor does a "no" before words holding a function word or a possessive ("ps4 games no
man's sky", "blu ray no time to die": a title opening with "No"; "switch games no mario"
excludes "mario")."""

from __future__ import annotations

import pytest

from fusion.expand import QueryExpander
from kg import Node, NodeKind, ProductGraph
from parser.pipeline import QueryParser, linked_entities
from parser.types import ParsedQuery

from .word_tagger import PhraseTagger

P, C = "core_product_type", "content"
BOOKS = Node(NodeKind.CATEGORY, "g/books", "Books", path="Media > Books")
GAMES = Node(NodeKind.CATEGORY, "bb/video-games", "Video Games", path="Video Games")
WOODY = Node(NodeKind.BRAND, "woody-allen", "woody allen")
FEATHERS = Node(NodeKind.CATEGORY, "g/feathers", "Feathers",
                path="Arts & Entertainment > Crafts > Feathers")

SPANS = {
    "vinyl not taylor swift": [("vinyl", P), ("not taylor swift", C)],
    "ps5 games not call of duty": [("ps5", "product_name"), ("games", P),
                                   ("not call of duty", C)],
    "switch games no mario": [("switch games", "product_name"), ("no mario", C)],
    "cds not country, jazz": [("cds", P), ("not country,", C), ("jazz", C)],
    "books not harry potter": [("books not harry potter", C)],
    "books but not harry potter": [("books but not harry potter", C)],
    # titles holding a cue: nothing searched before, a maker before, the product after
    "not another teen movie": [("not another teen", C), ("movie", P)],
    "no man's sky ps4": [("no man's sky", C), ("ps4", "product_name")],
    "the world without you": [("the world without you", C)],
    "woody allen without feathers": [("woody allen", "creator"), ("without feathers", C)],
    "dvd not another teen movie dvd": [("dvd", P), ("not another teen movie", C),
                                       ("dvd", P)],
    "no country for old men dvd": [("no country for old men", C), ("dvd", P)],
    # a title opening with "No" after the product: a function word or a possessive after it
    "ps4 games no man's sky": [("ps4 games", "product_name"), ("no man's sky", C)],
    "blu ray no time to die": [("blu ray", P), ("no time to die", C)],
}


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    g = ProductGraph.in_memory()
    g.add_records([BOOKS, GAMES, WOODY, FEATHERS], progress=False)
    return QueryParser(tagger=PhraseTagger(SPANS), kg=g, expander=QueryExpander(g))


def _excluded(q: ParsedQuery) -> list[tuple[str, int, int, str | None]]:
    out = [(x.text, x.start, x.end, x.kg_id) for x in q.excluded]
    assert all(q.text[a:b] == text for text, a, b, _ in out), out
    return out


@pytest.mark.parametrize(("query", "want"), [
    ("vinyl not taylor swift", [("taylor swift", 10, 22, None)]),
    ("ps5 games not call of duty", [("call of duty", 14, 26, None)]),
    ("switch games no mario", [("mario", 16, 21, None)]),
    ("cds not country, jazz", [("country", 8, 15, None)]),  # (up to the ",")
])
def test_a_title_span_a_cue_opens_after_the_product_is_excluded(
        qp: QueryParser, query: str, want: list[tuple]) -> None:
    q = qp(query)
    assert _excluded(q) == want
    assert q.to_dict()["excluded"] == [
        dict(zip(("text", "start", "end", "kg_id"), w, strict=True)) for w in want]
    assert not [b for b in q.boosts if b.direction == "DOWN"]  # (it links nothing)


def test_a_span_of_the_product_s_name_a_cue_and_a_title_is_split_at_the_cue(
        qp: QueryParser) -> None:
    q = qp("books not harry potter")
    assert [(e.text, e.kg_id) for e in q.entities] == [
        ("books", BOOKS.iri), ("not harry potter", None)]
    assert _excluded(q) == [("harry potter", 10, 22, None)]


@pytest.mark.parametrize("query", [
    "not another teen movie", "no man's sky ps4", "the world without you",
    "woody allen without feathers", "dvd not another teen movie dvd",
    "no country for old men dvd", "ps4 games no man's sky", "blu ray no time to die"])
def test_a_title_holding_a_cue_excludes_nothing(qp: QueryParser, query: str) -> None:
    q = qp(query)
    assert q.excluded == [] and not [b for b in q.boosts if b.direction == "DOWN"]


def test_the_intent_reads_the_query_without_the_excluded_title(qp: QueryParser) -> None:
    """The words excluded are no words of the product searched: the intent read "ps5 games
    not call of duty" and lost the Video Games reading of "games"."""
    for query, searched in (("ps5 games not call of duty", "ps5 games"),
                            ("vinyl not taylor swift", "vinyl")):
        q = qp(query)
        assert qp._intent_text(q.text, q.entities, linked_entities(q.entities)) == searched


def test_a_clause_word_before_the_cue_keeps_the_title_excluded(qp: QueryParser) -> None:
    """"but not", "and not": the clause word between the product and the cue is no other
    product's word; the title after the cue is excluded as after a bare cue."""
    q = qp("books but not harry potter")
    assert (q.entities[0].text, q.entities[0].kg_id) == ("books", BOOKS.iri)
    assert _excluded(q) == [("harry potter", 14, 26, None)]
