"""The query read once for all its mentions, and one helper for what a brand is sold in.

A parse links two or three spans of one query, and each link call read the query's words
again in every step (candidates, composed names, features, the query's brands): a
:class:`kg.link.QueryContext` is read once and handed to each call, with the same links.
The linker's "sold in" test of a query's brands and the expansion's brand categories were two
walks of the same edges: :func:`kg.link.brand_categories` is the one both read, cached per KG
version (a commit reaches the next call)."""

from __future__ import annotations

import pytest

from fusion.expand import brand_categories as expansion_brand_categories
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import (
    EntityLinker,
    QueryContext,
    brand_categories,
    brand_sales,
    compact_key,
    compact_runs,
)

TYPE = "core_product_type"


def _category(key: str, path: str, **kw: object) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path, **kw)


# the default KG's shapes (tests/kg/test_link_namesakes_function_words.py): Google's hardware
# Washers have the larger prior, Samsung's dryers make Washers & Dryers its category of "washer"
HW_WASHERS = _category("g/washers", "Hardware > Hardware Fasteners > Washers", popularity=50.0)
LAUNDRY = _category("bb/laundry", "Appliances > Washers & Dryers", popularity=5.0)
DRYERS = _category("bb/dryers", "Appliances > Washers & Dryers > Dryers", popularity=5.0)
TVS = _category("bb/tvs", "TV & Home Theater > TVs", popularity=40.0, aliases=("tv",))
CASES = _category("bb/cases", "Cell Phones > Cell Phone Accessories > Cases", popularity=20.0)
IPAD_CASES = _category("bb/ipad-cases", "Computers & Tablets > iPad Accessories > iPad Cases",
                       popularity=5.0)
MEN_JEANS = _category("f/men-jeans", "Clothing > Mens Clothing > Jeans", popularity=5.0)
GIRL_JEANS = _category("f/girl-jeans", "Clothing > Kids Clothing > Girls Wear > Jeans",
                       popularity=30.0)
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=80.0)
ZORB = Node(NodeKind.BRAND, "zorb", "Zorb")
OTTERBOX = Node(NodeKind.BRAND, "otterbox", "OtterBox")
OTTER_BOX = Node(NodeKind.BRAND, "otter-box", "otter box")  # a name list's spelling
PHONE = Node(NodeKind.PRODUCT, "bb/galaxy", "Galaxy S21")
#: a product the KG has edges of but no node (no type): a dangling edge's end
GHOST = "https://kgqp.dev/id/product/ghost"


def _kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        HW_WASHERS, LAUNDRY, DRYERS, TVS, CASES, IPAD_CASES, MEN_JEANS, GIRL_JEANS, SAMSUNG,
        ZORB, OTTERBOX, OTTER_BOX, PHONE,
        Edge(DRYERS.iri, Relation.PARENT, LAUNDRY.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, DRYERS.iri),
        Edge(PHONE.iri, Relation.HAS_BRAND, SAMSUNG.iri),
        Edge(PHONE.iri, Relation.IN_CATEGORY, CASES.iri),
        Edge(OTTERBOX.iri, Relation.SELLS_IN, CASES.iri),
    ], progress=False)
    return g


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(_kg())


QUERIES = [
    ("washer", TYPE, "samsung washer"),
    ("samsung", "creator", "samsung washer"),
    ("case", TYPE, "ipad case"),
    ("jeans", TYPE, "jeans for men"),
    ("tv", TYPE, "samsung 55 inch tv"),
    ("or samsung", "creator", "lg or samsung tv"),
    ("zorb", None, "zorb washer"),
]


@pytest.mark.parametrize(("mention", "label", "query"), QUERIES)
def test_a_mention_links_alike_in_the_query_s_context_and_in_its_text(
        linker: EntityLinker, mention: str, label: str | None, query: str) -> None:
    context = QueryContext.of(query)
    assert linker.link(mention, label=label, context=context) == \
        linker.link(mention, label=label, context=query)
    generated = linker.generate(mention, label, context)
    assert generated == linker.generate(mention, label, query)
    if generated and label is not None:
        assert [row[3] for row in linker.features(mention, label, context, generated)] == \
            [row[3] for row in linker.features(mention, label, query, generated)]


def test_one_context_serves_every_mention_of_its_query(linker: EntityLinker) -> None:
    context = QueryContext.of("samsung washer")
    assert linker.link("washer", label=TYPE, context=context).best.label == "Washers & Dryers"
    assert linker.link("samsung", label="creator", context=context).best.label == "Samsung"
    assert linker.link("washer", label=TYPE, context=context).best.label == "Washers & Dryers"


def test_an_empty_context_is_no_query(linker: EntityLinker) -> None:
    for context in (QueryContext.of(""), "", None):
        assert linker.link("washer", label=TYPE, context=context).best.label == "Washers"


def test_a_commit_between_two_links_of_one_context_reaches_the_second() -> None:
    """The query's brands are looked up once per context and KG version: a brand the KG
    comes to sell in Washers & Dryers makes it the "washer" of "zorb washer"."""
    g = _kg()
    linker = EntityLinker(g)
    context = QueryContext.of("zorb washer")
    assert linker.link("washer", label=TYPE, context=context).best.label == "Washers"
    g.add_records([Edge(ZORB.iri, Relation.SELLS_IN, DRYERS.iri)], progress=False)
    assert linker.link("washer", label=TYPE, context=context).best.label == "Washers & Dryers"


def test_a_brand_s_categories_are_its_own_and_its_products() -> None:
    g = _kg()
    assert brand_categories(g, SAMSUNG.iri) == tuple(sorted((TVS.iri, DRYERS.iri, CASES.iri)))
    assert brand_categories(g, ZORB.iri) == ()
    assert brand_categories(g, "https://kgqp.dev/id/brand/nowhere") == ()


def test_a_brand_spelt_like_a_sold_one_reads_its_categories_only_when_asked() -> None:
    """The expansion reads "otter box" (sold in nothing) as OtterBox; the linker does not."""
    g = _kg()
    assert brand_categories(g, OTTER_BOX.iri) == ()
    assert brand_categories(g, OTTER_BOX.iri, spelled_alike=True) == (CASES.iri,)
    assert brand_sales(g, OTTER_BOX.iri, spelled_alike=True) == (OTTERBOX.iri, (CASES.iri,))
    assert expansion_brand_categories(g, OTTER_BOX.iri) == (CASES.iri,)
    assert expansion_brand_categories(g, SAMSUNG.iri) == brand_categories(g, SAMSUNG.iri)


def test_a_commit_reaches_the_next_read_of_a_brand_s_categories() -> None:
    g = _kg()
    assert brand_categories(g, ZORB.iri) == ()
    g.add_records([Edge(ZORB.iri, Relation.SELLS_IN, DRYERS.iri)], progress=False)
    assert brand_categories(g, ZORB.iri) == (DRYERS.iri,)
    assert expansion_brand_categories(g, ZORB.iri) == (DRYERS.iri,)


def test_the_linker_and_the_expansion_agree_on_a_brand_sold_only_through_a_dangling_edge(
        ) -> None:
    """A product the KG has edges of but no node is no product for either: the expansion
    read such a brand as sold in nothing (an ungrounded brand, no filter) while the linker's
    own walk read it as sold in Washers & Dryers, the query's brand choosing that category."""
    g = _kg()
    g.add_records([Edge(GHOST, Relation.HAS_BRAND, ZORB.iri),
                   Edge(GHOST, Relation.IN_CATEGORY, DRYERS.iri)], progress=False)
    assert brand_categories(g, ZORB.iri) == expansion_brand_categories(g, ZORB.iri) == ()
    linker = EntityLinker(g)
    assert linker.link("washer", label=TYPE, context="zorb washer").best.label == "Washers"


@pytest.mark.parametrize("text", [
    "play stations 6+", "iphone 6 s plus case", "a++ b+ +c + d_e", "wi-fi 2.5 ssd 1,000",
    "samsung", ""])
def test_the_compact_keys_of_a_text_s_runs_are_those_of_each_run(text: str) -> None:
    words = text.split()
    runs = {compact_key(" ".join(words[i:j])) for i in range(len(words))
            for j in range(i + 1, min(i + 3, len(words)) + 1)}
    assert compact_runs(text, 3) == runs
