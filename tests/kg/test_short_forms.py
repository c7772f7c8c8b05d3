"""Short-form aliases the KG's category names imply (kg.short_forms): "PS4" for "PlayStation 4"."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.hygiene import HygieneConfig, apply_hygiene
from kg.link import LINKABLE
from kg.short_forms import MESSAGE, abbreviations, apply_short_forms, derive_short_forms


def _tree(parent: str, *children: str, key: str = "") -> list[Node | Edge]:
    """A category ``parent`` with the categories ``children`` below it (the first child's
    own children: none)."""
    key = key or parent.lower().replace(" ", "-")
    p = Node(NodeKind.CATEGORY, f"bb/{key}", parent, path=f"Root > {parent}")
    out: list[Node | Edge] = [p]
    for i, c in enumerate(children):
        n = Node(NodeKind.CATEGORY, f"bb/{key}/{i}", c, path=f"Root > {parent} > {c}")
        out += [n, Edge(n.iri, Relation.PARENT, p.iri)]
    return out


def _graph(*records: list[Node | Edge]) -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([r for rs in records for r in rs], progress=False)
    return g


def _forms(g: ProductGraph, **kw) -> set[tuple[str, str]]:
    return {(f.alias, f.label) for f in derive_short_forms(g, **kw)}


@pytest.mark.parametrize(("name", "expected"), [
    ("PlayStation 4", ["ps", "ps4"]),  # CamelCase parts, the number kept whole
    ("Digital SLR Cameras", ["dslr", "dslrc"]),  # a word in capitals kept whole
    ("Virtual Reality-Ready Components", ["vr", "vrr", "vrrc"]),
    ("TVs", []), ("PS4", []), ("Cameras", []),  # one part: no short form
    ("PS4 Games", ["ps4g"]),
])
def test_abbreviations_are_the_initials_of_the_first_words(name, expected) -> None:
    assert [w for w, _ in abbreviations(name)] == expected


def test_a_category_is_called_what_its_children_names_open_with() -> None:
    g = _graph(_tree("PlayStation 4", "PS4 Games", "PS4 Consoles", "PlayStation Network"),
               _tree("Digital SLR Cameras", "DSLR Lenses", "DSLR Body Only", "All DSLRs"),
               # the children's "TV" is the plural's singular, no short form
               _tree("TVs", "TV Antennas", "TV Mounts"),
               # one child only is no evidence
               _tree("PlayStation 3", "PS3 Games", "PlayStation Move"))
    assert _forms(g) == {("PS4", "PlayStation 4"), ("DSLR Cameras", "Digital SLR Cameras"),
                         ("DSLR", "Digital SLR Cameras")}
    assert _forms(g, min_children=1) >= {("PS3", "PlayStation 3")}


def test_grandchildren_count_and_the_whole_name_wins_the_bare_short_form() -> None:
    vr = _tree("Virtual Reality", "Virtual Reality-Ready Components", "Virtual Reality Headsets")
    ready = vr[1]
    parts = [Node(NodeKind.CATEGORY, f"bb/vr-ready/{k}", f"VR-Ready {k}") for k in ("GPUs", "RAM")]
    g = _graph(vr, parts, [Edge(p.iri, Relation.PARENT, ready.iri) for p in parts])
    assert _forms(g, spread=False) == {
        ("VR", "Virtual Reality"), ("VR-Ready Components", "Virtual Reality-Ready Components")}
    # spread (the default): the words "VR" stands for name other categories too
    assert _forms(g) == _forms(g, spread=False) | {("VR Headsets", "Virtual Reality Headsets")}


def test_no_short_form_takes_another_nodes_name_or_two_categories() -> None:
    ps4 = _tree("PlayStation 4", "PS4 Games", "PS4 Consoles")
    dslr = _tree("Digital SLR Cameras", "DSLR Lenses", "DSLR Body Only")
    dslr2 = _tree("Digital SLR Cameras", "DSLR Lenses", "DSLR Flashes", key="google-dslr")
    g = _graph(ps4, dslr, dslr2, [Node(NodeKind.BRAND, "ps4", "PS4")])
    assert _forms(g) == set()
    report = apply_short_forms(g)
    assert report.skipped == {"short form is another node's name": 1,
                              "short form of several categories": 4}


def test_non_linkable_categories_neither_get_nor_give_short_forms() -> None:
    bbfb = _tree("Best Buy For Business", "BBFB sub1", "BBFB sub2")
    g = _graph(bbfb)
    assert _forms(g) == {("BBFB", "Best Buy For Business")}
    with g.transaction("promotion") as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(bbfb[0].iri), ox.NamedNode(LINKABLE),
                                ox.Literal(False), ox.DefaultGraph())])
    assert _forms(g) == set()


def test_apply_adds_aliases_once_with_provenance_and_the_linker_finds_them() -> None:
    g = _graph(_tree("PlayStation 4", "PS4 Games", "PS4 Consoles", "PS4 Accessories"))
    assert g.link("ps4", label="product_name").nil  # before: only the children say "PS4"
    v = g.version
    report = apply_short_forms(g)
    assert report.source == "short-forms"
    assert report.skipped == {"short-form alias added": 1}
    assert report.examples["short-form alias added"] == ["PS4 -> PlayStation 4"]
    assert g.version == v + 1 and g.versions()[-1].message == MESSAGE
    ps4 = g.node(_tree("PlayStation 4")[0].iri)
    assert ps4.aliases == ("PS4",)
    assert g.link("ps4", label="product_name").best.iri == ps4.iri
    assert apply_short_forms(g).skipped == {} and g.version == v + 1  # idempotent


def test_the_hygiene_pass_adds_them_unless_told_not_to() -> None:
    g = _graph(_tree("PlayStation 4", "PS4 Games", "PS4 Consoles"))
    assert apply_hygiene(g, HygieneConfig(short_forms=False)).skipped == {}
    assert apply_hygiene(g).skipped == {"short-form alias added": 1}
    assert apply_hygiene(g).skipped == {}
