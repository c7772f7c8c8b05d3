"""Head queries a reviewer found linked wrong on the quickstart bundle: the generic head-noun
category won over the category the query's adjacent words name ("portable speaker" ->
Speakers, "ipad case(s)" -> the tablets' Cases), "remote" never reached Remote Controls, and a
brand tagged as a product type ("whirlpool", "keurig") linked nothing."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import LINKABLE, EntityLinker, LinkerConfig

TYPE = "core_product_type"


def _lexicon_only(graph: ProductGraph, *nodes: Node) -> None:
    """Add ``nodes`` marked ``kgqp:linkable false``, as the default KG's lexicon-only product
    types (kg.build: names for the tagger's lexicon, never a link)."""
    graph.add_records(list(nodes), progress=False)
    with graph.transaction("lexicon only") as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(n.iri), ox.NamedNode(LINKABLE), ox.Literal(False),
                                ox.DefaultGraph()) for n in nodes])


def _category(key: str, path: str, **kw: object) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path, **kw)


@pytest.fixture()
def graph() -> ProductGraph:
    """The default KG's shape: a generic-named category in one department (the tablets'
    "Cases", home audio's "Speakers") beside the composed one of another branch, remote
    controls named only in full (the bare word is a lexicon-only product type), brands."""
    g = ProductGraph.in_memory()
    tablet = "Computers & Tablets > iPad & Tablet Accessories"
    g.add_records([
        _category("bb/cases", f"{tablet} > Cases, Covers & Keyboard Folios > Cases"),
        _category("bb/ipad-cases", f"{tablet} > iPad Accessories > iPad Cases"),
        _category("bb/ipad-air-cases", f"{tablet} > iPad Accessories > iPad Air Cases"),
        _category("bb/speakers", "Audio > Home Audio > Speakers", popularity=30.0),
        _category("bb/portable", "Audio > Bluetooth & Wireless Speakers > Portable Speakers"),
        _category("bb/remotes", "TV & Home Theater > TV & Home Theater Accessories"
                                " > Remote Controls"),
        _category("bb/universal", "TV & Home Theater > TV & Home Theater Accessories"
                                  " > Remote Controls > Universal Remote Controls"),
        _category("bb/drone-remotes", "Toys, Games & Drones > Drone Accessories > Drone Remotes"),
        _category("g/game-remotes", "Electronics > Game Controllers > Game Remotes"),
        _category("bb/remote-transmitters", "Car Electronics & GPS > Car Security & Remote"
                                            " Starters > Remote Transmitters"),
        _category("bb/washers", "Appliances > Washers & Dryers > Washers", popularity=20.0),
        Node(NodeKind.BRAND, "whirlpool", "Whirlpool", popularity=10.0),
        Node(NodeKind.BRAND, "keurig", "Keurig"),
        Node(NodeKind.BRAND, "apple", "Apple", popularity=90.0),
        Node(NodeKind.BRAND, "galaxy", "galaxy"),
        Edge(Node(NodeKind.BRAND, "whirlpool", "x").iri, Relation.SELLS_IN,
             Node(NodeKind.CATEGORY, "bb/washers", "x").iri),
    ], progress=False)
    _lexicon_only(
        g,
        Node(NodeKind.PRODUCT_TYPE, "case", "case"),
        Node(NodeKind.PRODUCT_TYPE, "remote", "remote"),
        Node(NodeKind.PRODUCT_TYPE, "remotes", "Remotes", aliases=("Remote",)),
        Node(NodeKind.PRODUCT_TYPE, "apples", "Apples", aliases=("Apple",)),
    )
    return g


def _best(linker: EntityLinker, mention: str, context: str, label: str = TYPE) -> str | None:
    best = linker.link(mention, label=label, context=context).best
    return best.label if best is not None else None


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("speaker", "portable speaker", "Portable Speakers"),
    ("cases", "ipad cases", "iPad Cases"),
    ("case", "ipad case", "iPad Cases"),  # (singular: no candidate at all before)
    ("case", "9.7 inch ipad case gold", "iPad Cases"),
    ("case", "ipad air case", "iPad Air Cases"),  # the longest run that names a category
])
def test_the_category_the_adjacent_words_name_wins_over_the_generic_one(
        graph: ProductGraph, mention: str, query: str, expected: str) -> None:
    """The tagger cut "ipad cases" into "ipad" + "cases": the generic sibling (the tablets'
    "Cases", home audio's "Speakers") won on its whole-name match, and the parse filtered out
    every product of the category the query names."""
    assert _best(EntityLinker(graph), mention, query) == expected


def test_the_generic_category_stays_where_the_query_composes_none(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert _best(linker, "speakers", "speakers") == "Speakers"
    assert _best(linker, "speaker", "bluetooth speaker") == "Speakers"  # (no such category)
    # a mention written twice whose places read differently is not read as one of them
    assert _best(linker, "cases", "ipad cases soft cases") != "iPad Cases"
    # the device a cue says the accessory fits: iPad Cases (a name composed across "for")
    assert _best(linker, "cases", "cases for ipad") == "iPad Cases"


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("remote", "remote", "Remote Controls"),
    ("remotes", "remotes", "Remote Controls"),
    ("remote", "tv remote", "Remote Controls"),  # the tagger's "tv" + "remote"
    ("universal remote", "universal remote", "Universal Remote Controls"),
    ("remote", "universal remote", "Universal Remote Controls"),
])
def test_a_remote_is_a_remote_control(graph: ProductGraph, mention: str, query: str,
                                      expected: str) -> None:
    """"remote" and "Remotes" are lexicon-only names: the word reached only names it heads
    ("Drone Remotes", "Game Remotes") among subset names, all NIL."""
    assert _best(EntityLinker(graph), mention, query) == expected


def test_remote_before_another_word_is_no_remote_control(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert _best(linker, "remote transmitters", "remote transmitters") == "Remote Transmitters"
    assert _best(linker, "drone remotes", "drone remotes") == "Drone Remotes"


@pytest.mark.parametrize(("mention", "query"), [
    ("whirlpool", "whirlpool"), ("whirlpool", "whirlpool washer"), ("keurig", "keurig"),
])
def test_a_brand_tagged_as_a_product_type_links_the_brand(
        graph: ProductGraph, mention: str, query: str) -> None:
    """No category or product type is named "whirlpool": the exact brand name linked NIL
    under a product-type label, and the query lost its brand."""
    best = EntityLinker(graph).link(mention, label=TYPE, context=query).best
    assert best is not None and best.kind == "brand" and best.label.casefold() == mention


def test_a_word_naming_a_kind_of_product_or_of_the_language_links_no_brand(
        graph: ProductGraph, tmp_path: Path) -> None:
    linker = EntityLinker(graph)
    # "apple" is also the fruit's product type (lexicon-only): no brand for a product type
    assert linker.link("apple", label=TYPE, context="apple").nil
    assert _best(linker, "apple", "apple", label="creator") == "Apple"  # (as a brand, it is)
    # a word the tagger's vocabulary holds whole is a word of the language, not a name
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "galaxy", "w", "##hir", "##lp", "##ool"]),
                     encoding="utf-8")
    worded = EntityLinker(graph, LinkerConfig(word_pieces=str(vocab)))
    assert worded.link("galaxy", label=TYPE, context="galaxy").nil
    assert _best(worded, "whirlpool", "whirlpool washer") == "Whirlpool"
    # a category of the brand's name takes the product-type reading
    graph.add_records([_category("bb/keurig", "Appliances > Coffee Makers > Keurig")],
                      progress=False)
    best = EntityLinker(graph).link("keurig", label=TYPE, context="keurig").best
    assert best is None or best.kind == "category"
