"""An audience word of the query ("for men", "women", "girl", "babies") favours the category of
the same audience among same-named ones, wherever it stands, and never the other gender's.

The KG mirrors the quickstart KG's Flipkart tree: "jeans" is both "Clothing > Kids Clothing >
Girls Wear > Jeans" (the more popular) and "Clothing > Mens Clothing > Jeans"; "jeans for men"
linked the girls' jeans until the context overlap folded "men" into the path's "mens".
"""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker


def _cat(key: str, name: str, path: str, popularity: float) -> Node:
    return Node(NodeKind.CATEGORY, key, name, path=path, popularity=popularity)


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    g = ProductGraph.in_memory()
    g.add_records([
        # popularity as in the quickstart KG: the girls' jeans and dresses a little more
        # popular than the men's jeans and women's dresses (the linker's top prior)
        _cat("fk/girls/jeans", "jeans", "Clothing > Kids Clothing > Girls Wear > Jeans", 130.0),
        _cat("fk/boys/jeans", "jeans", "Clothing > Kids Clothing > Boys Wear > Jeans", 110.0),
        _cat("fk/mens/jeans", "jeans", "Clothing > Mens Clothing > Jeans", 100.0),
        _cat("fk/girls/dresses", "dresses", "Clothing > Kids Clothing > Girls Wear > Dresses",
             130.0),
        _cat("fk/womens/dresses", "dresses", "Clothing > Women's Clothing > Dresses", 100.0),
        # the same popularity: without context the IRI order decides, and "mens" < "womens"
        _cat("fk/mens/shirts", "shirts", "Clothing > Mens Clothing > Shirts", 100.0),
        _cat("fk/womens/shirts", "shirts", "Clothing > Womens Clothing > Shirts", 100.0),
        _cat("fk/womens/shorts", "shorts", "Clothing > Womens Clothing > Shorts", 130.0),
        _cat("fk/baby/shorts", "shorts", "Baby Care > Infant Wear > Baby Clothes > Shorts", 100.0),
        _cat("fk/womens/tops", "tops", "Clothing > Womens Clothing > Tops", 130.0),
        _cat("fk/girls/tops", "tops", "Clothing > Kids Clothing > Girls Wear > Tops", 100.0),
    ], progress=False)
    return EntityLinker(g)


def _best(linker: EntityLinker, mention: str, query: str) -> str:
    best = linker.link(mention, label="core_product_type", context=query).best
    assert best is not None, query
    return best.iri.rsplit("/id/category/", 1)[1]


@pytest.mark.parametrize("query", ["jeans for men", "men jeans", "men's jeans", "mens jeans",
                                   "blue jeans for men"])
def test_men_anywhere_links_mens_jeans(linker: EntityLinker, query: str) -> None:
    assert _best(linker, "jeans", query) == "fk/mens/jeans"


@pytest.mark.parametrize("query", ["dress for women", "women dress", "women's dress",
                                   "womens dress"])
def test_women_links_womens_dresses_not_girls(linker: EntityLinker, query: str) -> None:
    # the path writes "Women's Clothing": its possessive folds as the query's does
    assert _best(linker, "dress", query) == "fk/womens/dresses"


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("shirt", "shirt for women", "fk/womens/shirts"),
    ("shirts", "shirts women", "fk/womens/shirts"),
    ("shirt", "shirt for men", "fk/mens/shirts"),
    ("shirts", "mens shirts", "fk/mens/shirts"),
])
def test_an_audience_word_never_favours_the_other_gender(
        linker: EntityLinker, mention: str, query: str, expected: str) -> None:
    assert _best(linker, mention, query) == expected
    # "men" is a whole word, not the end of "womens": the other gender's shirts get no context
    other = "fk/mens/shirts" if expected == "fk/womens/shirts" else "fk/womens/shirts"
    result = linker.link(mention, label="core_product_type", context=query)
    assert next(c.context for c in result.candidates if c.iri.endswith(other)) == 0.0


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("tops", "tops for girl", "fk/girls/tops"),
    ("tops", "tops for kid", "fk/girls/tops"),
    ("jeans", "jeans for boy", "fk/boys/jeans"),
    ("jeans", "boy's jeans", "fk/boys/jeans"),
    ("jeans", "kid jeans for boys", "fk/boys/jeans"),
    ("shorts", "shorts for babies", "fk/baby/shorts"),
])
def test_age_audiences_fold_plural_and_possessive(linker: EntityLinker, mention: str,
                                                   query: str, expected: str) -> None:
    assert _best(linker, mention, query) == expected


def test_a_brand_committed_later_reads_the_audience_of_the_paths_it_sells_in() -> None:
    """A node a commit adds gets its context from the linker's table brought forward (not
    rebuilt); its paths' audience words fold as the first build's do. Two brands "Zed", one
    selling men's jeans, one women's dresses; "zed-1" (the women's) wins a tie on its IRI."""
    g = ProductGraph.in_memory()
    mens = _cat("fk/mens/jeans", "jeans", "Clothing > Mens Clothing > Jeans", 100.0)
    womens = _cat("fk/womens/dresses", "dresses", "Clothing > Womens Clothing > Dresses", 100.0)
    g.add_records([mens, womens], progress=False)
    linker = EntityLinker(g)
    assert linker.link("zed", label="creator", context="zed for men").nil  # (table built)
    g.add_records([
        Node(NodeKind.BRAND, "zed-1", "Zed"), Node(NodeKind.BRAND, "zed-2", "Zed"),
        Edge(Node(NodeKind.BRAND, "zed-1", "Zed").iri, Relation.SELLS_IN, womens.iri),
        Edge(Node(NodeKind.BRAND, "zed-2", "Zed").iri, Relation.SELLS_IN, mens.iri),
    ], progress=False)
    for query, expected in [("zed for men", "zed-2"), ("zed jeans men's", "zed-2"),
                            ("zed for women", "zed-1")]:
        best = linker.link("zed", label="creator", context=query).best
        assert best is not None and best.iri.endswith("/brand/" + expected), query
