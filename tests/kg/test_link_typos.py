"""Typo (one-edit) matching of the linker: a word of the tagger's WordPiece vocabulary is no
typo ("lightning" is no "Lighting", "stafford" no "Stanford"), and the compatibility-cue
helpers the parser reads "charger for samsung" with."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import Node, NodeKind, ProductGraph
from kg.link import DEFAULT_LABEL_KINDS, LINKABLE, EntityLinker, LinkerConfig

#: a WordPiece vocabulary (as a tagger's vocab.txt): the real words are one piece each;
#: "refridgerator" splits, "samsnug" cannot be spelt (unknown, not a word)
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "lightning", "stafford", "lighting", "samsung",
         "refrigerator", "laptop", "ref", "##ridge", "##rator", "lab", "##top", "air", "##pods",
         "##pot", "##s"]


def _lexicon_only(graph: ProductGraph, *nodes: Node) -> None:
    """Add ``nodes`` marked ``kgqp:linkable false``, as the default KG's lexicon-only product
    types (kg.build: names for the tagger's lexicon, never a link)."""
    graph.add_records(list(nodes), progress=False)
    with graph.transaction("lexicon only") as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(n.iri), ox.NamedNode(LINKABLE), ox.Literal(False),
                                ox.DefaultGraph()) for n in nodes])


@pytest.fixture()
def graph() -> ProductGraph:
    """The shape of the default KG: linkable categories named in the plural, their singular
    only on non-linkable product types; brands; a kitchen category one edit from a real word."""
    g = ProductGraph.in_memory()
    g.add_records([
        Node(NodeKind.CATEGORY, "bb/appliances", "Appliances", path="Appliances"),
        Node(NodeKind.CATEGORY, "bb/fridges", "Refrigerators", path="Appliances > Refrigerators",
             popularity=50.0),
        Node(NodeKind.CATEGORY, "bb/laptops", "Laptops", path="Computers & Tablets > Laptops",
             popularity=60.0),
        Node(NodeKind.CATEGORY, "g/lighting", "Lighting", path="Home & Garden > Lighting"),
        Node(NodeKind.CATEGORY, "g/airpots", "Airpots",
             path="Home & Garden > Kitchen & Dining > Food & Beverage Carriers > Airpots"),
        Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0),
        Node(NodeKind.BRAND, "stanford", "Stanford"),
    ], progress=False)
    _lexicon_only(
        g,
        Node(NodeKind.PRODUCT_TYPE, "refrigerators", "Refrigerators", aliases=("Refrigerator",)),
        Node(NodeKind.PRODUCT_TYPE, "laptop", "laptop"),
        Node(NodeKind.PRODUCT_TYPE, "airpots", "Airpots", aliases=("Airpot",)),
    )
    return g


@pytest.fixture()
def vocab(tmp_path: Path) -> Path:
    path = tmp_path / "vocab.txt"
    path.write_text("".join(t + "\n" for t in VOCAB), encoding="utf-8")
    return path


@pytest.mark.parametrize(("typo", "label"), [
    ("refridgerators", "Refrigerators"), ("labtops", "Laptops"),
])
def test_a_misspelt_plural_links(graph, typo, label) -> None:
    """One edit from a linkable name: a typo."""
    linker = EntityLinker(graph)
    best = linker.link(typo, label="core_product_type", context=typo).best
    assert best is not None and (best.label, best.match_type) == (label, "fuzzy")


def test_a_product_name_is_no_typo_of_a_category_singular(graph) -> None:
    """"airpod" (a product name) is one edit from the lexicon's "Airpot" but is no typo of the
    kitchen category Airpots: only the non-linkable product type has that name."""
    linker = EntityLinker(graph)
    assert linker.link("airpod", label="product_name", context="clear airpod case").nil


def test_a_word_of_the_word_piece_vocabulary_is_no_typo(graph, vocab) -> None:
    plain = EntityLinker(graph)
    assert plain.link("lightning", label="core_product_type").best.label == "Lighting"
    assert plain.link("stafford", label="creator").best.label == "Stanford"
    linker = EntityLinker(graph, LinkerConfig(word_pieces=str(vocab)))
    assert linker.link("lightning", label="core_product_type").nil
    assert linker.link("stafford", label="creator").nil
    # typos are no words of the vocabulary: they still link
    assert linker.link("samsnug", label="creator").best.label == "Samsung"
    assert linker.link("refridgerators", label="core_product_type").best.label == \
        "Refrigerators"
    # and exact names are no typos at all
    assert linker.link("lighting", label="core_product_type").best.label == "Lighting"


def test_word_pieces_read_a_vocab_file_and_travel_in_the_linker_config(tmp_path, vocab) -> None:
    from kg.link import WordPieces

    pieces = WordPieces.from_file(vocab)
    assert [pieces.pieces(w) for w in ("lightning", "refridgerator", "labtop", "airpods",
                                       "samsnug")] == [1, 3, 2, 2, 0]
    (tmp_path / "linker.json").write_text(json.dumps({"word_pieces": "vocab.txt"}))
    cfg = LinkerConfig.from_json(tmp_path / "linker.json")
    assert cfg.word_pieces == str(tmp_path / "vocab.txt")
    assert LinkerConfig.from_json(cfg.to_dict()).word_pieces == cfg.word_pieces
    with pytest.raises(ValueError, match="Cannot read the WordPiece vocabulary"):
        WordPieces.from_file(tmp_path / "missing.txt")


@pytest.mark.parametrize(("mention", "end"), [
    ("for samsung", 4), ("For Canon", 4), ("fits apple", 5), ("compatible with my lg", 19),
    ("works with the sony", 15), ("made for apple", 9), ("for dell laptop", 4),
    ("compatible with", 0), ("for", 0), ("forge", 0), ("samsung", 0), ("fit lg", 0),
])
def test_a_compatibility_cue_ends_where_the_fitted_device_starts(mention, end) -> None:
    from kg.link import fits_cue_end

    assert fits_cue_end(mention) == end


def test_the_brand_label_of_a_label_map() -> None:
    from kg.link import brand_label

    assert brand_label(DEFAULT_LABEL_KINDS) == "creator"
    assert brand_label({"BRAND": ["brand"], "creator": ["brand"]}) == "BRAND"
    assert brand_label({"product_name": ["product", "brand"]}) is None
