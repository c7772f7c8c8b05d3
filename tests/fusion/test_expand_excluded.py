"""The words a negation cue excludes, said (a reviewer's finding on everyday goods, 2026-12-05):
21 of 35 negation probes ("dog food without chicken", "toothpaste without fluoride", "coffee
not decaf") linked nothing after the cue, so the parse carried no exclusion at all, and the
engine guide's text clause, ``rewritten``, still held the word: "dog food chicken". The
expansion already read those words as excluded (no expansion names them); it now says which
they are, with their offsets: :attr:`fusion.expand.ExpansionResult.excluded`, linked or not.
"""

from __future__ import annotations

import pytest

from fusion.expand import ExpansionResult, QueryExpander, expand
from fusion.types import LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

ID = "https://kgqp.dev/id/"
TVS = LinkedEntity(f"{ID}category/bb/tvs", "category", 0.9, "core_product_type", "tv")
SAMSUNG = f"{ID}brand/samsung"
RED, BLACK = f"{ID}attribute_value/color/red", f"{ID}attribute_value/color/black"


def samsung(mention: str = "samsung", label: str = "creator") -> LinkedEntity:
    return LinkedEntity(SAMSUNG, "brand", 0.9, label, mention)


def colour(iri: str, mention: str) -> LinkedEntity:
    return LinkedEntity(iri, "attribute_value", 0.9, "color", mention)


def excluded(result: ExpansionResult, query: str) -> list[tuple[str, int, int, str | None]]:
    out = [(x.text, x.start, x.end, x.iri) for x in result.excluded]
    assert all(query[a:b] == text for text, a, b, _ in out), out
    return out


def run(kg: ProductGraph, query: str, linked: list[LinkedEntity], **kw: object
        ) -> list[tuple[str, int, int, str | None]]:
    return excluded(expand(kg, linked, query=query, **kw), query)


@pytest.mark.parametrize(("query", "linked", "want"), [
    ("tv not 4k", [TVS], [("4k", 7, 9, None)]),
    ("dog food without chicken", [], [("chicken", 17, 24, None)]),
    ("toothpaste no fluoride", [], [("fluoride", 14, 22, None)]),
    ("not cheap tv", [TVS], [("cheap", 4, 9, None)]),  # (a leading "not": the next word)
    ("tv not 4k for the bedroom", [TVS], [("4k", 7, 9, None)]),  # (up to "for")
    ("tv not 55 or 65 inch", [TVS], [("55", 7, 9, None), ("65 inch", 13, 20, None)]),
    ("i don't want a refurbished tv", [TVS], [("refurbished", 15, 26, None)]),
])
def test_the_words_a_cue_excludes_are_said_linked_or_not(
        kg: ProductGraph, query: str, linked: list[LinkedEntity],
        want: list[tuple[str, int, int, str | None]]) -> None:
    assert run(kg, query, linked) == want


@pytest.mark.parametrize(("query", "entity", "want"), [
    ("tv not samsung", samsung(), ("samsung", 7, 14)),
    ("tv -samsung", samsung("-samsung"), ("samsung", 4, 11)),  # (the search box's "-")
    ("-samsung", samsung("-samsung"), ("samsung", 1, 8)),
    ("tv that isn't samsung", samsung(), ("samsung", 14, 21)),
    ("tv that isn't a samsung", samsung(), ("samsung", 16, 23)),  # (no "a")
    ("tv not made by samsung", samsung(), ("samsung", 15, 22)),  # (no "made by")
    ("tv not from samsung", samsung(), ("samsung", 12, 19)),
    # "non" excludes a brand only, so the words after it are no run of the expansion's: the
    # brand's place is said all the same, without the cue the tagger took into its span
    ("non samsung tv", samsung("non samsung", "modifier"), ("samsung", 4, 11)),
])
def test_an_excluded_link_is_said_with_its_node(
        kg: ProductGraph, query: str, entity: LinkedEntity, want: tuple[str, int, int]) -> None:
    assert run(kg, query, [TVS, entity]) == [(*want, SAMSUNG)]


def test_a_node_named_again_after_a_cue_is_excluded_where_the_cue_excludes_it(
        kg: ProductGraph) -> None:
    # (the parser keeps one mention per node: the first "samsung")
    assert run(kg, "samsung tv not samsung", [samsung(), TVS]) == [
        ("samsung", 15, 22, SAMSUNG)]


def test_every_item_of_an_excluded_list_is_said(kg: ProductGraph) -> None:
    # the run ends at the "," ("not red, black case": what follows may be said of the product
    # searched), but Black is excluded as an item of the list: said all the same
    query = "phone case not red, black"
    assert run(kg, query, [colour(RED, "red"), colour(BLACK, "black")]) == [
        ("red", 15, 18, RED), ("black", 20, 25, BLACK)]
    query = "tv not samsung or lg"
    lg = LinkedEntity(f"{ID}brand/lg", "brand", 0.9, "creator", "lg")
    assert run(kg, query, [TVS, samsung(), lg]) == [
        ("samsung", 7, 14, SAMSUNG), ("lg", 18, 20, f"{ID}brand/lg")]


def test_a_run_with_more_than_a_link_s_words_names_no_node(kg: ProductGraph) -> None:
    # the run a cue excludes goes on past the excluded link over words that link nothing
    assert run(kg, "tv not samsung curved", [TVS, samsung()]) == [
        ("samsung curved", 7, 21, None)]


@pytest.mark.parametrize("query", ["samsung tv", "tv for the bedroom", "non stick pan",
                                   "tv 55 or 65 inch", "samsung tv not"])
def test_a_query_that_excludes_nothing_has_no_excluded_words(kg: ProductGraph,
                                                             query: str) -> None:
    linked = [TVS, samsung()] if "samsung" in query else [TVS]
    assert run(kg, query, linked) == []


def test_offsets_are_into_the_query_as_typed(kg: ProductGraph) -> None:
    # full-width letters, quotes and a full stop glued to the word, spaces doubled: the
    # words are read normalised, the offsets are the query's
    query = 'ＴＶ  not  "４Ｋ".'
    assert run(kg, query, [TVS]) == [("４Ｋ", 10, 12, None)]
    query = "Tv NOT Samsung"
    assert run(kg, query, [TVS, samsung("Samsung")]) == [("Samsung", 7, 14, SAMSUNG)]


@pytest.mark.parametrize(("query", "want"), [
    ("tv\u200bnot\u200b4k", ("4k", 7, 9)),  # (a zero-width space separates words)
    ("tv 😀 not ﬁsh", ("ﬁsh", 9, 12)),  # (an emoji before; a ligature NFKC makes two letters)
    ("tv not sam\u00adsung", ("sam\u00adsung", 7, 15)),  # (a soft hyphen is no character)
    ("tv not (4k)!", ("4k", 8, 10)),
])
def test_offsets_count_the_query_s_own_characters(kg: ProductGraph, query: str,
                                                   want: tuple[str, int, int]) -> None:
    assert run(kg, query, [TVS]) == [(*want, None)]


def test_a_cue_the_caller_reads_as_a_name_s_word_excludes_nothing(kg: ProductGraph) -> None:
    # the parser reads "without feathers" of a title ("content") and a "no" opening the
    # query as words of a name: those spans are no_cues, the words after their cue no
    # excluded words; an excluded link such a run holds is still said
    query = "woody allen without feathers"
    assert run(kg, query, []) == [("feathers", 20, 28, None)]
    assert run(kg, query, [], no_cues=[(12, 28)]) == []
    query = "no phones from samsung"
    assert run(kg, query, [samsung()], no_cues=[(0, 9)]) == [("samsung", 15, 22, SAMSUNG)]


def test_the_query_expander_passes_no_cues_on(kg: ProductGraph) -> None:
    expander = QueryExpander(kg)
    query = "no touch thermometer"
    assert excluded(expander.expand(query), query) == [("touch thermometer", 3, 20, None)]
    assert expander.expand(query, no_cues=[(0, 8)]).excluded == []


def test_a_namesake_the_expansion_sets_aside_is_no_excluded_node() -> None:
    # the words are excluded all the same; the node is not what the user excluded (the
    # expansion gives it no DOWN boost): "laptop without windows" -> Building Materials >
    # Windows, "dog treats not made in china" -> a name list's brand "Made In China"
    cats = {"comp": ("Computers & Tablets", None), "laptops": ("Laptops", "comp"),
            "build": ("Building Materials", None), "windows": ("Windows", "build")}
    paths = {"comp": "Computers & Tablets", "laptops": "Computers & Tablets > Laptops",
             "build": "Building Materials", "windows": "Building Materials > Windows"}
    g = ProductGraph.in_memory()
    g.add_records([*(Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=paths[k])
                     for k, (lab, _) in cats.items()),
                   *(Edge(f"{ID}category/bb/{k}", Relation.PARENT, f"{ID}category/bb/{p}")
                     for k, (_, p) in cats.items() if p),
                   Node(NodeKind.BRAND, "made-in-china", "Made In China"),
                   Node(NodeKind.BRAND, "dell", "Dell")], progress=False)
    laptops = LinkedEntity(f"{ID}category/bb/laptops", "category", 0.9, "core_product_type",
                           "laptop")
    windows = LinkedEntity(f"{ID}category/bb/windows", "category", 0.9, "condition",
                           "without windows")
    depts = ("Computers & Tablets", "Building Materials")
    query = "laptop without windows"
    res = expand(g, [laptops, windows], query=query, departments=depts)
    assert [b for b in res.boosts if b.direction == "DOWN"] == []
    assert excluded(res, query) == [("windows", 15, 22, None)]
    made = LinkedEntity(f"{ID}brand/made-in-china", "brand", 0.85, "creator", "made in china")
    query = "laptop not made in china"
    assert run(g, query, [laptops, made], departments=depts) == [
        ("made in china", 11, 24, None)]
    # an excluded brand is one
    dell = LinkedEntity(f"{ID}brand/dell", "brand", 0.85, "creator", "dell")
    assert run(g, "laptop not dell", [laptops, dell], departments=depts) == [
        ("dell", 11, 15, f"{ID}brand/dell")]
