"""Model names and typos of the linker over a real (in-memory) ProductGraph: an "s" glued to
a model's digit is no plural ("iphone6s" is the iPhone 6s, not the iPhone 6), a "+" ending a
model is its "Plus" ("iphone 6+" is the iPhone 6 Plus), and a word spelt in whole words of the
tagger's WordPiece vocabulary ("airpods" = air ##pods) is no typo of a name it spells in more
pieces ("airpots" = air ##pot ##s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker, LinkerConfig

C = NodeKind.CATEGORY

#: a WordPiece vocabulary (as a tagger's vocab.txt): "airpods" is two words (air, pods),
#: "airpots" three pieces; "maybellie" (maybe ##llie) and "raquets" (ra ##quet ##s) are
#: spelt in fragments; "labtop" in words (lab, top), "laptop" in one piece
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "air", "pods", "##pods", "##pot", "##s", "lab",
         "top", "##top", "laptop", "maybe", "##llie", "##llin", "##e", "ra", "##quet", "##c",
         "tennis"]


@pytest.fixture()
def graph() -> ProductGraph:
    """Best Buy's iPhone categories (no iPhone 5), Galaxy models named with a "+", and the
    names of the typos below."""
    g = ProductGraph.in_memory()
    phones = "Cell Phones > iPhone"
    g.add_records([
        Node(C, "bb/iphone", "iPhone", path=phones),
        *(Node(C, f"bb/iphone-{m}", f"iPhone {m}", path=f"{phones} > iPhone {m}")
          for m in ("5s", "6", "6 Plus", "6s", "6s Plus")),
        Node(C, "bb/galaxy-s8", "Galaxy S8", path="Cell Phones > Samsung Galaxy > Galaxy S8"),
        Node(C, "bb/galaxy-note-10-plus", "Galaxy Note 10+",
             path="Cell Phones > Samsung Galaxy > Galaxy Note 10+"),
        Node(C, "g/airpots", "Airpots",
             path="Home & Garden > Kitchen & Dining > Food & Beverage Carriers > Airpots"),
        Node(C, "bb/laptop", "Laptop", path="Computers & Tablets > Laptop"),
        Node(C, "g/racquets", "Tennis Racquets", path="Sporting Goods > Tennis Racquets"),
        Node(NodeKind.BRAND, "maybelline", "Maybelline", popularity=10.0),
    ], progress=False)
    return g


@pytest.fixture()
def vocab(tmp_path: Path) -> Path:
    path = tmp_path / "vocab.txt"
    path.write_text("".join(t + "\n" for t in VOCAB), encoding="utf-8")
    return path


def _best(linker: EntityLinker, mention: str, context: str | None = None,
          label: str = "product_name") -> str | None:
    best = linker.link(mention, label=label, context=context or mention).best
    return best.label if best else None


@pytest.mark.parametrize(("mention", "context"), [
    ("iphone6s", "iphone6s 64gb"), ("iphone 6 s", None), ("iphone-6s", None),
])
def test_an_s_glued_to_a_model_number_is_no_plural(graph, mention, context) -> None:
    """"iphone6s" folded its "s" as a plural: iPhone 6 and iPhone 6s scored the same and the
    IRI broke the tie (iPhone 6, then the hard category filter)."""
    linker = EntityLinker(graph)
    assert _best(linker, mention, context) == "iPhone 6s"
    labels = {c.label for c in linker.link(mention, "product_name", context or mention)
              .candidates}
    assert "iPhone 6" not in labels


def test_a_model_without_its_s_is_not_the_s_model(graph) -> None:
    """"iphone 5" (no node of its own) is not the iPhone 5s."""
    linker = EntityLinker(graph)
    assert _best(linker, "iphone 5", "iphone 5 case") != "iPhone 5s"


@pytest.mark.parametrize(("mention", "context", "label"), [
    ("iphone 6+", "iphone 6+ case", "iPhone 6 Plus"),
    ("iphone 6s+", "iphone 6s+ 64gb", "iPhone 6s Plus"),
    ("note 10+", "galaxy note 10+ 256gb", "Galaxy Note 10+"),  # (with the query's "galaxy")
    ("galaxy note 10+", None, "Galaxy Note 10+"),
    ("galaxy note 10 plus", None, "Galaxy Note 10+"),
])
def test_a_plus_ending_a_model_is_its_plus(graph, mention, context, label) -> None:
    """A "+" was dropped as punctuation: "iphone 6+" linked the iPhone 6."""
    linker = EntityLinker(graph)
    assert _best(linker, mention, context) == label


def test_a_plus_model_is_not_the_model_without_it(graph) -> None:
    """The KG has a Galaxy S8 but no S8+: "galaxy s8+" is none of its nodes."""
    linker = EntityLinker(graph)
    assert _best(linker, "galaxy s8+", "galaxy s8+ case") is None
    assert _best(linker, "galaxy s8", "galaxy s8 case") == "Galaxy S8"


def test_a_compound_of_words_is_no_typo_of_a_name_spelt_in_more_pieces(graph, vocab) -> None:
    """"airpods" (air ##pods) linked the kitchen category Airpots (air ##pot ##s) at 0.90
    as a one-edit typo. Without a vocabulary every one-edit name is still a typo."""
    linker = EntityLinker(graph, LinkerConfig(word_pieces=str(vocab)))
    for context in ("airpods", "airpods case", "apple airpods"):
        res = linker.link("airpods", label="product_name", context=context)
        assert res.nil and "Airpots" not in {c.label for c in res.candidates}
    assert _best(EntityLinker(graph), "airpods") == "Airpots"


@pytest.mark.parametrize(("typo", "label", "name"), [
    ("maybellie", "creator", "Maybelline"),  # fragments: maybe ##llie (fewer pieces)
    ("tennis raquets", "core_product_type", "Tennis Racquets"),  # ra ##quet ##s
    ("labtop", "core_product_type", "Laptop"),  # words, but "laptop" is one piece
])
def test_typos_spelt_in_fragments_or_of_a_shorter_spelling_still_link(graph, vocab, typo,
                                                                      label, name) -> None:
    linker = EntityLinker(graph, LinkerConfig(word_pieces=str(vocab)))
    best = linker.link(typo, label=label, context=typo).best
    assert best is not None and (best.label, best.match_type) == (name, "fuzzy")
