"""A colour word of a media item's title is no colour filter (:func:`fusion.expand.expand`).

# --- colour words in film, album, game and book titles (2026-12-06) ---------------------------
A media store's relevance engineer found colour words inside titles read as hard colour
filters: "men in black dvd" -> Black, "white christmas dvd", "black sabbath vinyl", "a clockwork
orange blu ray", "taylor swift red vinyl", "pretty in pink blu ray", "abba gold vinyl" (10 of
65 title queries). Media (DVDs, Blu-rays, records, CDs, books, video games) are not sold by
colour: a filter would remove every copy of the title. Where the query's product (its last
words, edition words aside) is a medium, named by a format word or a linked category of the
KG's media (Best Buy's "Movies & Music", Google's "Media" books, films and music, a platform's
games), and a title word stands beside the colour, the colour is an UP boost ``(a title)``.
A colour of a player, a console, a controller, a fabric ("red vinyl record player", "black
dvd player", "black faux leather vinyl") or a colour with no title ("red vinyl") keeps it.
"""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.types import Intent, LinkedEntity
from kg import Node, NodeKind, ProductGraph

ID = "https://kgqp.dev/id/"
BOOKS = "Media > Books"
RECORDS = "Media > Music & Sound Recordings > Records & LPs"
TURNTABLES = "Audio > Turntables & Record Players"
DVD_PLAYERS = "TV & Home Theater > Blu-ray & DVD Players > DVD Players"
PS5_GAMES = "Video Games > PlayStation 5 > PS5 Games"
CONTROLLERS = "Video Games > PlayStation 5 > PS5 Controllers"
FABRIC = "Arts & Entertainment > Crafts > Fabric"
TVS = "TV & Home Theater > TVs"


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    recs = [Node(NodeKind.CATEGORY, f"g/{k}", path.rsplit(" > ", 1)[-1], path=path)
            for k, path in (("books", BOOKS), ("records", RECORDS), ("turntables", TURNTABLES),
                            ("dvd-players", DVD_PLAYERS), ("ps5-games", PS5_GAMES),
                            ("controllers", CONTROLLERS), ("fabric", FABRIC), ("tvs", TVS))]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in ("Black", "White", "Red", "Purple", "Orange", "Pink", "Gold")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, "ideal_for/men", "Men", attribute="ideal_for"),
             Node(NodeKind.ATTRIBUTE_VALUE, "material/leather", "Leather", attribute="material"),
             Node(NodeKind.ATTRIBUTE_VALUE, "material/vinyl", "vinyl", attribute="material")]
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


def _colour(name: str) -> LinkedEntity:
    return LinkedEntity(f"{ID}attribute_value/color/{name.lower()}", "attribute_value", 0.9,
                        "color", name.lower())


def _link(key: str, mention: str) -> LinkedEntity:
    if key.startswith(("ideal_for/", "material/")):
        label = key.split("/")[0].replace("ideal_for", "department")
        return LinkedEntity(f"{ID}attribute_value/{key}", "attribute_value", 0.9, label,
                            mention)
    return LinkedEntity(f"{ID}category/g/{key}", "category", 0.9, "core_product_type", mention)


def _intent(path: str) -> Intent:
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], 0.5, 0.6, ((label, 0.5),))


@pytest.mark.parametrize(("query", "colour", "others"), [
    ("men in black dvd", "Black", [("ideal_for/men", "men")]),
    ("white christmas dvd", "White", []),
    ("black sabbath vinyl", "Black", []),
    ("a clockwork orange blu ray", "Orange", []),
    ("the color purple blu ray", "Purple", []),
    ("taylor swift red vinyl", "Red", []),
    ("ac dc back in black vinyl", "Black", [("material/vinyl", "vinyl")]),
    ("pretty in pink blu ray", "Pink", []),
    ("abba gold vinyl", "Gold", []),
    ("white christmas dvd box set", "White", []),
    ("men in black 4k uhd", "Black", [("ideal_for/men", "men")]),
    # (the KG's media categories: Books, Records & LPs, a platform's games)
    ("harold and the purple crayon book", "Purple", [("books", "book")]),
    ("pink floyd lp", "Pink", [("records", "lp")]),
    ("pokemon white game", "White", [("ps5-games", "game")]),
])
def test_a_colour_in_a_media_title_is_an_up_boost(kg, query, colour, others) -> None:
    linked = [_colour(colour)] + [_link(k, m) for k, m in others]
    res = expand(kg, linked, _intent(TVS), query=query)
    assert res.filters.colour == ()
    assert [(b.term, b.direction) for b in res.boosts if b.rule.endswith("(a title)")] \
        == [(f"colour:{colour}", "UP")]


@pytest.mark.parametrize(("query", "colour", "others", "path"), [
    ("red vinyl record player", "Red", [("material/vinyl", "vinyl"),
                                        ("turntables", "record player")], TURNTABLES),
    ("black dvd player", "Black", [("dvd-players", "dvd player")], DVD_PLAYERS),
    ("white ps5 controller", "White", [("controllers", "controller")], CONTROLLERS),
    ("black vinyl fabric", "Black", [("material/vinyl", "vinyl"), ("fabric", "fabric")],
     FABRIC),
    ("black faux leather vinyl", "Black", [("material/leather", "leather"),
                                           ("material/vinyl", "vinyl")], FABRIC),
    ("white 4k uhd tv", "White", [("tvs", "tv")], TVS),
    ("black lp record storage", "Black", [("records", "lp")], TVS),
    # (no title beside the colour: a coloured record, or a material)
    ("red vinyl", "Red", [], RECORDS),
    ("black dvd", "Black", [], TVS),
])
def test_a_colour_of_a_player_or_a_material_keeps_its_filter(kg, query, colour, others,
                                                            path) -> None:
    linked = [_colour(colour)] + [_link(k, m) for k, m in others]
    res = expand(kg, linked, _intent(path), query=query)
    assert res.filters.colour == (colour,)
    assert not [b for b in res.boosts if b.rule.endswith("(a title)")]
