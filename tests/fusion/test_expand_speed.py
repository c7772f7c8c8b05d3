"""The expansion reads each linked mention's places in the query once: :func:`expand` found
them for its exclusions' DOWN boosts, and :func:`fusion.expand.excluded_links` found them
again. The caller's ``others`` and ``places`` (each link's other mentions' places and every
place it is named at) give the same exclusions as the places it finds itself."""

from __future__ import annotations

import pytest

from fusion.expand import excluded_links
from fusion.expand.words import _find_mention, _mention_places, _query_words
from fusion.types import LinkedEntity

ID = "https://kgqp.dev/id/"
HP = LinkedEntity(ID + "brand/hp", "brand", 0.9, "creator", "hp")
SAMSUNG = LinkedEntity(ID + "brand/samsung", "brand", 0.9, "creator", "samsung")
APPLE = LinkedEntity(ID + "brand/apple", "brand", 0.9, "creator", "apple")
LG = LinkedEntity(ID + "brand/lg", "brand", 0.9, "creator", "lg")
INK = LinkedEntity(ID + "category/ink", "category", 0.9, "core_product_type", "printer ink")
TVS = LinkedEntity(ID + "category/tvs", "category", 0.9, "core_product_type", "tv")
STANDS = LinkedEntity(ID + "category/stands", "category", 0.9, "core_product_type", "tv stand")
IPAD = LinkedEntity(ID + "category/ipad", "category", 0.9, "product_name", "ipad")
TABLETS = LinkedEntity(ID + "category/tablets", "category", 0.9, "core_product_type", "tablet")
RED = LinkedEntity(ID + "attribute_value/color/red", "attribute_value", 0.9, "color", "red")
BLUE = LinkedEntity(ID + "attribute_value/color/blue", "attribute_value", 0.9, "color", "blue")
NO = LinkedEntity(ID + "attribute_value/size/no", "attribute_value", 0.9, "modifier", "no")

CASES = [
    ("hp printer ink not hp", [HP, INK]),
    ("samsung tv not samsung", [SAMSUNG, TVS]),
    ("tv not tv stand", [TVS, STANDS]),
    ("phone case not red or blue", [RED, BLUE]),
    ("red phone case not blue", [RED, BLUE]),
    ("samsung or lg tv but not samsung", [SAMSUNG, LG, TVS]),
    ("tablet not apple ipad", [TABLETS, APPLE, IPAD]),
    ("no pink dress no", [NO, RED]),
    ("tv without lg, samsung", [TVS, LG, SAMSUNG]),
]


def _line_of(node: str, brand: str) -> bool:
    return node == IPAD.iri and brand == APPLE.iri


@pytest.mark.parametrize(("query", "linked"), CASES)
def test_the_caller_s_places_exclude_what_the_places_found_here_exclude(
        query: str, linked: list[LinkedEntity]) -> None:
    words = _query_words(query)
    spans = {e.iri: _find_mention(words, e.mention or "") for e in linked}
    others = {e.iri: [sp for o in linked if o.iri != e.iri and (sp := spans[o.iri])]
              for e in linked}
    places = {e.iri: _mention_places(words, e.mention or "", spans[e.iri], others[e.iri])
              for e in linked}
    found_here = excluded_links(query, linked, words=words, spans=spans, line_of=_line_of)
    assert excluded_links(query, linked, words=words, spans=spans, others=others,
                          places=places, line_of=_line_of) == found_here
    assert excluded_links(query, linked, line_of=_line_of) == found_here


def test_places_without_the_words_and_spans_they_were_found_in_are_not_read() -> None:
    """``others`` and ``places`` go with the caller's ``words`` and ``spans``: given alone,
    they are found again (a caller's places of another text exclude nothing here)."""
    wrong = {SAMSUNG.iri: [(0, 1)], TVS.iri: [(1, 2)]}
    assert excluded_links("tv not samsung", [SAMSUNG, TVS], others=wrong, places=wrong) == \
        frozenset({SAMSUNG.iri})
