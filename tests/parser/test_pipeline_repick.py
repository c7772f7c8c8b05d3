"""parser.pipeline: after the intent, a category linked outside the confident intent's
department is swapped for a namesake of it there (parser.linking.SpanLinker.repick): the linker
picks among categories of one name before the intent runs, from the query's words and priors only,
and "mechanical keyboard" linked Musical Instruments > Keyboards under a Computers & Tablets
intent (Digital Pianos expansions)."""

from __future__ import annotations

from typing import Any

import pytest

from fusion.expand import QueryExpander
from fusion.types import Intent
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser
from parser.tagger.testing import SpanTagger

MUSIC = Node(NodeKind.CATEGORY, "bb/mi", "Musical Instruments", path="Musical Instruments")
KEYS = Node(NodeKind.CATEGORY, "bb/mi-keys", "Keyboards", path="Musical Instruments > Keyboards",
            popularity=80.0)
PIANOS = Node(NodeKind.CATEGORY, "bb/pianos", "Digital Pianos",
              path="Musical Instruments > Keyboards > Digital Pianos")
PC = Node(NodeKind.CATEGORY, "bb/ct", "Computers & Tablets", path="Computers & Tablets")
MICE_KEYS = Node(NodeKind.CATEGORY, "bb/mk", "Mice & Keyboards",
                 path="Computers & Tablets > Mice & Keyboards", popularity=30.0)
PC_KEYS = Node(NodeKind.CATEGORY, "bb/ck", "Computer Keyboards",
               path="Computers & Tablets > Mice & Keyboards > Computer Keyboards", popularity=20.0)
GAMING = Node(NodeKind.CATEGORY, "bb/gk", "Gaming Keyboards",
              path="Computers & Tablets > Mice & Keyboards > Computer Keyboards > Gaming Keyboards",
              popularity=20.0)
TABLET_KEYS = Node(NodeKind.CATEGORY, "bb/tk", "Keyboards",
                   path="Computers & Tablets > Tablet Accessories > Keyboards", popularity=5.0)
GAMES = Node(NodeKind.CATEGORY, "bb/vg", "Video Games", path="Video Games")
VG_KEYS = Node(NodeKind.CATEGORY, "bb/vgk", "Gaming Keyboards",
               path="Video Games > PC Gaming > Gaming Keyboards", popularity=5.0)
YAMAHA = Node(NodeKind.BRAND, "yamaha", "Yamaha", popularity=50.0)
CORSAIR = Node(NodeKind.BRAND, "corsair", "Corsair", popularity=50.0)
ACME = Node(NodeKind.BRAND, "acme", "Acme", popularity=50.0)  # (the KG sells nothing under it)
CATS = [MUSIC, KEYS, PIANOS, PC, MICE_KEYS, PC_KEYS, GAMING, TABLET_KEYS, GAMES, VG_KEYS]

SPANS = {q: [(m, "modifier") for m in mods] + [(head, "core_product_type")] for q, mods, head in [
    ("mechanical keyboard", ["mechanical"], "keyboard"),
    ("musical keyboard", ["musical"], "keyboard"),
    ("rgb keyboard", ["rgb"], "keyboard"),
    ("gaming keyboard", ["gaming"], "keyboard"),
]}
SPANS["yamaha keyboard"] = [("yamaha", "creator"), ("keyboard", "core_product_type")]
SPANS["corsair keyboard"] = [("corsair", "creator"), ("keyboard", "core_product_type")]
SPANS["acme keyboard"] = [("acme", "creator"), ("keyboard", "core_product_type")]
SPANS["keyboard piano"] = [("keyboard", "core_product_type"), ("piano", "modifier")]


class _Tagger(SpanTagger):
    """The given spans, and a query embedding (zeros) for the intent."""

    has_embeddings = True

    def forward(self, items: list[str], *, pooled: bool = False,
                batch: bool = False) -> tuple[None, Any]:
        import numpy as np

        return None, np.zeros((len(items), 4), dtype=np.float32)


class _Intent:
    """A fusion model stand-in: one intent for every query, no label-space context."""

    memory_weight = 0.0
    context = None

    def __init__(self, category: str, score: float) -> None:
        self.intent = Intent(category, category.split(" > ")[0], score, score,
                             ((category, score),))
        self.lvl0_labels = ["Computers & Tablets", "Musical Instruments", "Video Games"]
        self.calls = 0

    def predict_arrays(self, embeddings: Any, linked: Any) -> list[Intent]:
        self.calls += 1
        return [self.intent for _ in linked]


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    parents = [(KEYS, MUSIC), (PIANOS, KEYS), (MICE_KEYS, PC), (PC_KEYS, MICE_KEYS),
               (GAMING, PC_KEYS), (TABLET_KEYS, PC), (VG_KEYS, GAMES)]
    g.add_records([*CATS, YAMAHA, CORSAIR, ACME,
                   *(Edge(c.iri, Relation.PARENT, p.iri) for c, p in parents),
                   Edge(YAMAHA.iri, Relation.SELLS_IN, KEYS.iri),
                   Edge(CORSAIR.iri, Relation.SELLS_IN, PC_KEYS.iri)], progress=False)
    return g


def _parser(kg: ProductGraph, category: str = "Computers & Tablets > Mice & Keyboards",
            score: float = 0.7) -> QueryParser:
    return QueryParser(tagger=_Tagger(SPANS), kg=kg, fusion=_Intent(category, score),
                       expander=QueryExpander(kg))


def _keyboard(q: Any) -> Any:
    return next(e for e in q.entities if e.text == "keyboard")


def test_a_confident_intent_swaps_the_link_for_its_departments_namesake(kg) -> None:
    qp = _parser(kg)
    before = qp.entity_linker.link("keyboard", "core_product_type", "mechanical keyboard")
    assert before.best.iri == KEYS.iri  # (the linker's pick: the name, the prior)
    q = qp("mechanical keyboard")
    e = _keyboard(q)
    # of Computers & Tablets' namesakes: the one named for keyboards only with the most
    # keyboards below it (not Mice & Keyboards, not Gaming Keyboards, not the tablets')
    assert (e.kg_id, e.kg_label, e.kg_kind, e.start, e.end) == (
        PC_KEYS.iri, "Computer Keyboards", "category", 11, 19)
    assert e.link_score == round(before.best.score, 6)
    assert qp.fusion.calls == 1  # (one pass: the intent is not run again)
    assert q.intent.category == "Computers & Tablets > Mice & Keyboards"
    # the expansion reads the swapped link: no Digital Pianos
    terms = [x.term for x in q.expansions]
    assert "Digital Pianos" not in terms and "Gaming Keyboards" in terms


def test_an_unsure_intent_swaps_nothing(kg) -> None:
    assert _keyboard(_parser(kg, score=0.2)("mechanical keyboard")).kg_id == KEYS.iri


def test_an_intent_in_the_links_department_swaps_nothing(kg) -> None:
    qp = _parser(kg, "Musical Instruments > Keyboards")
    assert _keyboard(qp("mechanical keyboard")).kg_id == KEYS.iri


@pytest.mark.parametrize("query", ["yamaha keyboard", "musical keyboard", "keyboard piano"])
def test_the_querys_words_for_the_links_department_keep_it(kg, query) -> None:
    """A brand sold there (and not in the intent's department), a word of its path, a
    category of it another word names."""
    assert _keyboard(_parser(kg)(query)).kg_id == KEYS.iri


def test_a_brand_of_the_intents_department_does_not_keep_it(kg) -> None:
    q = _parser(kg)("corsair keyboard")
    assert _keyboard(q).kg_id == PC_KEYS.iri
    assert [e.kg_id for e in q.entities if e.text == "corsair"] == [CORSAIR.iri]  # (no brand
    # is swapped)


def test_a_namesake_narrowing_the_kind_by_a_word_nobody_said_is_no_pick(kg) -> None:
    """Video Games holds Gaming Keyboards only: "rgb keyboard" says no "gaming", the
    department's name no "gaming" either (no swap); "gaming keyboard" does."""
    qp = _parser(kg, "Video Games > PC Gaming")
    assert _keyboard(qp("rgb keyboard")).kg_id == KEYS.iri
    assert _keyboard(qp("gaming keyboard")).kg_id == VG_KEYS.iri


def test_a_brand_the_kg_sells_nothing_under_keeps_the_link(kg) -> None:
    """Such a brand gives the intent's department no support ("yeti cooler" kept Sports &
    Outdoor Coolers against an Appliances intent read from the store's "coolers")."""
    q = _parser(kg)("acme keyboard")
    assert [e.kg_id for e in q.entities if e.text == "acme"] == [ACME.iri]
    assert _keyboard(q).kg_id == KEYS.iri
