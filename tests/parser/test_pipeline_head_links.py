"""Product spans that name a compound the KG has no name for. The tagger's span "laptop ram"
(``core_product_type``) linked nothing: no KG name holds both words, so the parse followed its
intent (Laptops: notebook, All Laptops, MacBooks) and searched laptops. A product span of two or
more words that links nothing now links its head, the longest run of its last words that links
as tagged, when the query's words support the category (:meth:`parser.QueryParser.
link_entities`), and keeps the words before it as a modifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser
from parser.tagger.predict import Entity

from .word_tagger import PhraseTagger


def _cat(iri: str, name: str, path: str) -> Node:
    return Node(NodeKind.CATEGORY, iri, name, path=path)


ELECTRONICS = _cat("g/electronics", "Electronics", "Electronics")
RAM = _cat("g/ram", "RAM", "Electronics > Electronics Accessories > Memory > RAM")
COMPUTERS = _cat("bb/computers", "Computers & Tablets", "Computers & Tablets")
LAPTOPS = _cat("bb/laptops", "Laptops", "Computers & Tablets > Laptops")
MEMORY = _cat("bb/memory", "Memory (RAM)",
              "Computers & Tablets > Computer Cards & Components > Memory (RAM)")
LAPTOP_MEMORY = _cat("bb/laptop-memory", "Laptop Memory",
                     "Computers & Tablets > Computer Cards & Components > Memory (RAM)"
                     " > Laptop Memory")
DESKTOP_MEMORY = _cat("bb/desktop-memory", "Desktop Memory",
                      "Computers & Tablets > Computer Cards & Components > Memory (RAM)"
                      " > Desktop Memory")
#: the default KG's "Toner" is the printer's; the skin's is Google's Toners & Astringents
TONER = _cat("bb/toner", "Toner",
             "Connected Home & Housewares > Office & School Supplies > Printer Ink & Toner"
             " > Toner")
SKIN_TONERS = _cat("g/toners", "Toners & Astringents",
                   "Health & Beauty > Personal Care > Cosmetics > Skin Care"
                   " > Toners & Astringents")
TREES = _cat("g/trees", "Trees", "Home & Garden > Plants > Trees")
CELL_PHONES = _cat("bb/phones", "Cell Phones", "Cell Phones")
BOOSTERS = _cat("bb/boosters", "Signal Boosters",
                "Cell Phones > Cell Phone Accessories > Signal Boosters")
POWER = _cat("g/power", "Power", "Electronics > Electronics Accessories > Power")
WASHERS = _cat("g/washers", "Washers",
               "Hardware > Hardware Accessories > Hardware Fasteners > Washers")
PRESSURE_WASHERS = _cat("g/pressure-washers", "Pressure Washers",
                        "Home & Garden > Lawn & Garden > Outdoor Power Equipment"
                        " > Pressure Washers")

#: "care" a word of many departments' paths, as in the default KG (kg.link.EntityLinker.
#: common_words): "Skin Care" above Toners & Astringents is named by "skin"
CARE = [_cat(f"g/care{i}", f"{word} Care", f"{department} > {word} Care")
        for i, (word, department) in enumerate([("Lawn", "Home & Garden"), ("Tool", "Hardware"),
                                                ("Phone", "Cell Phones")])]

#: a kind of vest the query does not say, below a category one query word is a word of
VESTS = _cat("g/vests", "Vests", "Apparel & Accessories > Clothing > Outerwear > Vests")
BULLET_PROOF_VESTS = _cat("g/bullet-proof-vests", "Bullet Proof Vests",
                          "Business & Industrial > Work Safety Protective Gear"
                          " > Bullet Proof Vests")
#: "accessories", a word of many departments' paths, heads no compound ("car accessories")
ACCESSORIES = _cat("bb/sirius-accessories", "Accessories",
                   "Car Electronics & GPS > Car Audio > Satellite Radios > Accessories")
#: Best Buy's breadcrumb "dslr body only dslr cameras": a kind and its sibling's parent
CAMERAS_DEPT = _cat("bb/cameras-dept", "Cameras & Camcorders", "Cameras & Camcorders")
CAMERAS = _cat("bb/cameras", "Cameras", "Cameras & Camcorders > Cameras")
DSLRS = _cat("bb/dslrs", "Digital SLR Cameras",
             "Cameras & Camcorders > Cameras > Digital SLR Cameras")
ALL_DSLRS = _cat("bb/all-dslrs", "All DSLRs",
                 "Cameras & Camcorders > Cameras > Digital SLR Cameras > All DSLRs")
BODY_ONLY = _cat("bb/body-only", "DSLR Body Only",
                 "Cameras & Camcorders > Cameras > Digital SLR Cameras > DSLR Body Only")
#: the printer's tree: "Printers, Ink & Toner" (a namesake of "toner") holds Laser Printers
PRINTERS = _cat("bb/printers", "Printers, Ink & Toner",
                "Connected Home & Housewares > Office Electronics > Printers, Ink & Toner")
ALL_PRINTERS = _cat("bb/all-printers", "All Printers",
                    "Connected Home & Housewares > Office Electronics > Printers, Ink & Toner"
                    " > All Printers")
LASER_PRINTERS = _cat("bb/laser-printers", "Laser Printers",
                      "Connected Home & Housewares > Office Electronics > Printers, Ink & Toner"
                      " > All Printers > Laser Printers")
#: Best Buy's car audio installation parts: siblings and cousins a breadcrumb query names
CAR_PARTS = _cat("bb/car-parts", "Car Audio Installation Parts",
                 "Car Electronics & GPS > Car Audio Installation Parts")
DECK_PARTS = _cat("bb/deck-parts", "Deck Installation Parts",
                  "Car Electronics & GPS > Car Audio Installation Parts > Deck Installation Parts")
DECK_HARNESSES = _cat("bb/deck-harnesses", "Deck Harnesses",
                      "Car Electronics & GPS > Car Audio Installation Parts"
                      " > Deck Installation Parts > Deck Harnesses")
RADIO_MODULES = _cat("bb/radio-modules", "Radio Replacement Modules",
                     "Car Electronics & GPS > Car Audio Installation Parts"
                     " > Deck Installation Parts > Radio Replacement Modules")
AMP_PARTS = _cat("bb/amp-parts", "Amp Installation Parts",
                 "Car Electronics & GPS > Car Audio Installation Parts > Amp Installation Parts")
#: a name that holds "lock" but names knobs, below one that names locks
DOOR_LOCKS = _cat("g/door-locks", "Vehicle Door Locks & Parts",
                  "Vehicles & Parts > Vehicle Parts & Accessories > Vehicle Door Locks & Parts")
LOCK_KNOBS = _cat("g/lock-knobs", "Vehicle Door Lock Knobs",
                  "Vehicles & Parts > Vehicle Parts & Accessories > Vehicle Door Locks & Parts"
                  " > Vehicle Door Lock Knobs")

SPANS = {
    "laptop ram": [("laptop ram", "core_product_type")],
    "desktop ram": [("desktop ram", "core_product_type")],
    "skin toner": [("skin toner", "core_product_type")],
    "christmas tree": [("christmas tree", "core_product_type")],
    "cell phones signal boosters": [("cell phones signal boosters", "core_product_type")],
    "mini power washer": [("mini", "modifier"), ("power washer", "core_product_type")],
    "not skin toner": [("not skin toner", "core_product_type")],
    "toner for skin": [("toner for skin", "core_product_type")],
    "skin toner qzx": [("skin toner", "product_name"), ("qzx", "modifier")],
    "work vest": [("work vest", "core_product_type")],
    "car accessories": [("car accessories", "core_product_type")],
    "dslr cameras": [("dslr cameras", "core_product_type")],
    "dslr body only dslr cameras": [("dslr body only", "core_product_type"),
                                    ("dslr cameras", "core_product_type")],
    "laser toner": [("laser toner", "core_product_type")],
    "deck harness": [("deck harness", "core_product_type")],
    "radio replacement modules deck harness": [("radio replacement modules deck harness",
                                                "core_product_type")],
    "amp installation parts deck harness": [("amp installation parts deck harness",
                                             "core_product_type")],
    "door knob lock": [("door knob lock", "core_product_type")],
}

#: the tagger's WordPiece vocabulary
WORDS = ["[UNK]", "laptop", "ram", "skin", "toner", "christmas", "tree", "cell", "phones",
         "signal", "boosters", "mini", "power", "washer", "not", "for", "desktop", "work",
         "vest", "car", "accessories", "dslr", "cameras", "body", "only", "laser", "deck",
         "harness", "radio", "replacement", "modules", "amp", "installation", "parts", "door",
         "knob", "lock"]


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    nodes = [ELECTRONICS, RAM, COMPUTERS, LAPTOPS, MEMORY, LAPTOP_MEMORY, DESKTOP_MEMORY, TONER,
             SKIN_TONERS, TREES, CELL_PHONES, BOOSTERS, POWER, WASHERS, PRESSURE_WASHERS, *CARE,
             VESTS, BULLET_PROOF_VESTS, ACCESSORIES, CAMERAS_DEPT, CAMERAS, DSLRS, ALL_DSLRS,
             BODY_ONLY, PRINTERS, ALL_PRINTERS, LASER_PRINTERS, CAR_PARTS, DECK_PARTS,
             DECK_HARNESSES, RADIO_MODULES, AMP_PARTS, DOOR_LOCKS, LOCK_KNOBS]
    g.add_records([
        *nodes,
        Edge(LAPTOPS.iri, Relation.PARENT, COMPUTERS.iri),
        Edge(MEMORY.iri, Relation.PARENT, COMPUTERS.iri),
        Edge(LAPTOP_MEMORY.iri, Relation.PARENT, MEMORY.iri),
        Edge(DESKTOP_MEMORY.iri, Relation.PARENT, MEMORY.iri),
        Edge(RAM.iri, Relation.PARENT, ELECTRONICS.iri),
        Edge(POWER.iri, Relation.PARENT, ELECTRONICS.iri),
        Edge(BOOSTERS.iri, Relation.PARENT, CELL_PHONES.iri),
        Edge(CAMERAS.iri, Relation.PARENT, CAMERAS_DEPT.iri),
        Edge(DSLRS.iri, Relation.PARENT, CAMERAS.iri),
        Edge(ALL_DSLRS.iri, Relation.PARENT, DSLRS.iri),
        Edge(BODY_ONLY.iri, Relation.PARENT, DSLRS.iri),
        Edge(ALL_PRINTERS.iri, Relation.PARENT, PRINTERS.iri),
        Edge(LASER_PRINTERS.iri, Relation.PARENT, ALL_PRINTERS.iri),
        Edge(DECK_PARTS.iri, Relation.PARENT, CAR_PARTS.iri),
        Edge(AMP_PARTS.iri, Relation.PARENT, CAR_PARTS.iri),
        Edge(DECK_HARNESSES.iri, Relation.PARENT, DECK_PARTS.iri),
        Edge(RADIO_MODULES.iri, Relation.PARENT, DECK_PARTS.iri),
        Edge(LOCK_KNOBS.iri, Relation.PARENT, DOOR_LOCKS.iri),
    ], progress=False)
    return g


@pytest.fixture(scope="module")
def qp(kg: ProductGraph, tmp_path_factory: pytest.TempPathFactory) -> QueryParser:
    """A parser whose tagger cuts the spans above and has the vocabulary ``WORDS`` (so that
    it links with the KG's :class:`kg.link.EntityLinker`, as a bundle's parser does)."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece

    folder: Path = tmp_path_factory.mktemp("tagger")
    (folder / "vocab.txt").write_text("".join(w + "\n" for w in WORDS), encoding="utf-8")
    tokenizer = Tokenizer(WordPiece({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    return QueryParser(tagger=PhraseTagger(SPANS, folder, tokenizer), kg=kg)


def _entities(q) -> list[tuple[str, str | None, str]]:
    assert all(q.text[e.start:e.end] == e.text for e in q.entities)
    return [(e.text, e.kg_label, e.label) for e in q.entities]


@pytest.mark.parametrize(("query", "linked"), [
    # "ram" links Google's RAM, whose path names no laptop; the KG's other category the head
    # names, Best Buy's Memory (RAM), holds a category named by the words before it
    ("laptop ram", "Laptop Memory"),
    ("desktop ram", "Desktop Memory"),
])
def test_a_compound_named_below_the_head_s_category_links_that_category(
        qp: QueryParser, query: str, linked: str) -> None:
    assert _entities(qp(query)) == [(query, linked, "core_product_type")]


def test_the_head_s_namesake_the_modifier_names_is_the_link(qp: QueryParser) -> None:
    # "toner" links the printer's Toner; "skin" names the Skin Care tree's Toners & Astringents
    assert _entities(qp("skin toner")) == [("skin", None, "modifier"),
                                           ("toner", "Toners & Astringents", "core_product_type")]



def test_a_modifier_naming_a_category_of_the_head_s_department_links_it(
        qp: QueryParser) -> None:
    assert _entities(qp("cell phones signal boosters")) == [
        ("cell phones", "Cell Phones", "modifier"),
        ("signal boosters", "Signal Boosters", "core_product_type")]


@pytest.mark.parametrize("query", [
    "christmas tree",  # a head whose only category ("Trees", plants) no word of the query names
    "not skin toner",  # a negation cue: no compound
    "toner for skin",  # a fits word: what follows it is the device, no head of the product
])
def test_a_head_the_query_s_words_do_not_support_links_nothing(qp: QueryParser,
                                                               query: str) -> None:
    assert [e.kg_label for e in qp(query).entities if e.label != "modifier"] == [None]


def test_link_entities_gives_the_head_and_the_modifier_their_offsets(qp: QueryParser) -> None:
    parts = qp.link_entities("skin toner qzx", Entity("skin toner", 0, 10, "product_name", 0.8))
    assert [(p.text, p.start, p.end, p.label, p.kg_label, p.score) for p in parts] == [
        ("skin", 0, 4, "modifier", None, 0.8),
        ("toner", 5, 10, "product_name", "Toners & Astringents", 0.8)]
    # (link_entity, one entity a span, is as it was)
    assert qp.link_entity("skin toner qzx",
                          Entity("skin toner", 0, 10, "product_name", 0.8)).kg_id is None


def test_a_generic_head_links_nothing(qp: QueryParser) -> None:
    # "accessories" is a word of many departments' paths (kg.link.EntityLinker.common_words):
    # "car" found in SIRIUS radios' path makes no "car accessories" of their Accessories
    assert _entities(qp("car accessories")) == [("car accessories", None, "core_product_type")]


def test_one_word_of_a_path_above_a_kind_the_query_does_not_say_picks_no_namesake(
        qp: QueryParser) -> None:
    # "vest" links Apparel's Vests, which "work" does not support; "work" is a word of Work
    # Safety Protective Gear, above Bullet Proof Vests, a kind "work vest" does not name
    assert _entities(qp("work vest")) == [("work vest", None, "core_product_type")]
    # (a word of the namesake's own kind, or a name of a category above a namesake of no
    # other words, is: "skin" of Skin Care > Toners & Astringents, above)


def test_a_head_beside_a_link_of_its_sibling_kind_links_nothing(qp: QueryParser) -> None:
    # alone, "dslr cameras" links All DSLRs (below Cameras, named by "dslr")
    assert _entities(qp("dslr cameras")) == [("dslr cameras", "All DSLRs", "core_product_type")]
    # Best Buy's breadcrumb names DSLR Body Only before it: All DSLRs, a kind beside it, would
    # widen the query to Digital SLR Cameras
    assert _entities(qp("dslr body only dslr cameras")) == [
        ("dslr body only", "DSLR Body Only", "core_product_type"),
        ("dslr cameras", None, "core_product_type")]


def test_a_whole_span_links_no_category_another_word_heads(qp: QueryParser) -> None:
    # "toner" links the printer's Toner, which "laser" does not support; its namesake
    # Printers, Ink & Toner holds Laser Printers, named by "laser": but they are printers,
    # not toner (the head's word heads the part "Toner" of its name, not "Printers")
    assert _entities(qp("laser toner")) == [("laser toner", None, "core_product_type")]
    # (Laptop Memory is headed by "memory", a word of the part "Memory (RAM)" that "ram"
    # names: test_a_compound_named_below_the_head_s_category_links_that_category)


@pytest.mark.parametrize("query", [
    "radio replacement modules deck harness",  # a sibling of Deck Harnesses
    "amp installation parts deck harness",  # a sibling of Deck Installation Parts, above it
])
def test_a_head_whose_query_names_another_category_beside_it_links_nothing(
        qp: QueryParser, query: str) -> None:
    # alone, "harness" of "deck harness" links Deck Harnesses ("deck" supports it)
    assert [e.kg_label for e in qp("deck harness").entities] == ["Deck Harnesses"]
    # Best Buy's breadcrumb queries name the category searched before a word of another
    assert _entities(qp(query)) == [(query, None, "core_product_type")]


def test_a_head_linked_to_a_name_another_word_heads_links_nothing(qp: QueryParser) -> None:
    # "knob lock" links Vehicle Door Lock Knobs, a name holding "lock" that "knobs" heads;
    # nor does "lock" (Vehicle Door Locks & Parts) link the whole span to them, below it
    assert _entities(qp("door knob lock")) == [("door knob lock", None, "core_product_type")]
