"""Linking consumer-electronics and natural-language queries of the quickstart bundle: namesake
categories of other taxonomies, and function words at a span's edges. Once a common product word
linked another taxonomy's category of its name though the query said which one it meant ("samsung
washer" -> Google's hardware Washers, "apple pencil" -> Google's office Pencils, "keyboard for
ipad" -> Musical Instruments' Keyboards: the prior, a node's degree, outweighed the query's brand
and words), and function words a sentence glues to a product's span stopped it linking ("to tv",
"for my ipad", "vacuum is" in "which vacuum is best for pet hair")."""

from __future__ import annotations

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.link import EntityLinker

TYPE = "core_product_type"


def _category(key: str, path: str, **kw: object) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path, **kw)


# the default KG's shapes: Google's deep taxonomy and Best Buy's pianos give the foreign or
# other department's node of a name the larger prior
HW_WASHERS = _category("g/washers", "Hardware > Hardware Fasteners > Washers", popularity=50.0)
LAUNDRY = _category("bb/laundry", "Appliances > Washers & Dryers", popularity=5.0)
DRYERS = _category("bb/dryers", "Appliances > Washers & Dryers > Dryers", popularity=5.0)
G_PENCILS = _category("g/pencils", "Office Supplies > Writing Instruments > Pencils",
                      popularity=50.0)
BB_PENCILS = _category("bb/pencils", "Connected Home & Housewares > Office Supplies > Pencils",
                       popularity=5.0)
PHONE_RADIOS = _category("bb/radios", "Connected Home & Housewares > Two-Way Radios",
                         popularity=5.0)
IPADS = _category("bb/ipad", "Computers & Tablets > Tablets > iPad", popularity=30.0)
MI_KEYBOARDS = _category("bb/mi-keyboards", "Musical Instruments > Keyboards", popularity=50.0)
TABLET_KEYBOARDS = _category("bb/tablet-keyboards",
                             "Computers & Tablets > iPad & Tablet Accessories > Keyboards",
                             popularity=5.0)
TVS = _category("bb/tvs", "TV & Home Theater > TVs", popularity=40.0, aliases=("tv",))
VACUUMS = _category("bb/vacuums", "Appliances > Vacuums", popularity=20.0)
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung", popularity=80.0)
APPLE = Node(NodeKind.BRAND, "apple", "Apple", popularity=90.0)
BOOK = Node(NodeKind.PRODUCT, "bb/mockingbird", "To Kill a Mockingbird", popularity=5.0)
SHOW = Node(NodeKind.PRODUCT, "bb/this-is-us", "This Is Us", popularity=5.0)


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    g = ProductGraph.in_memory()
    g.add_records([
        HW_WASHERS, LAUNDRY, DRYERS, G_PENCILS, BB_PENCILS, PHONE_RADIOS, IPADS, MI_KEYBOARDS,
        TABLET_KEYBOARDS, TVS, VACUUMS, SAMSUNG, APPLE, BOOK, SHOW,
        Edge(DRYERS.iri, Relation.PARENT, LAUNDRY.iri),
        # Samsung sells dryers (the KG's sample of its catalogue), no washer of its own
        Edge(SAMSUNG.iri, Relation.SELLS_IN, DRYERS.iri),
        Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
        # Apple is sold in Connected Home & Housewares and Computers & Tablets
        Edge(APPLE.iri, Relation.SELLS_IN, PHONE_RADIOS.iri),
        Edge(APPLE.iri, Relation.SELLS_IN, IPADS.iri),
    ], progress=False)
    return EntityLinker(g)


def _best(linker: EntityLinker, mention: str, query: str, label: str = TYPE) -> str | None:
    best = linker.link(mention, label=label, context=query).best
    return best.label if best is not None else None


def _path(linker: EntityLinker, mention: str, query: str, label: str = TYPE) -> str | None:
    best = linker.link(mention, label=label, context=query).best
    if best is None:
        return None
    return str(linker.graph.to_networkx().nodes[best.iri].get("path") or best.label)


# 2. among categories of one name, the one the query's brand or words support

def test_a_brand_s_category_the_mention_names_a_part_of_wins_over_a_foreign_one(
        linker: EntityLinker) -> None:
    """Google's fasteners were the only "washer": Samsung's Washers & Dryers (where it sells
    dryers) is no name of the word, and Samsung sells nothing in Hardware."""
    assert _path(linker, "washer", "samsung washer") == "Appliances > Washers & Dryers"


def test_without_a_brand_the_name_s_own_node_stays(linker: EntityLinker) -> None:
    assert _path(linker, "washer", "washer 4.5 cu ft") == HW_WASHERS.path


def test_a_category_of_a_department_the_brand_sells_in_wins_over_one_of_the_same_name(
        linker: EntityLinker) -> None:
    assert _path(linker, "pencil", "apple pencil", "product_name") == BB_PENCILS.path
    assert _path(linker, "pencil", "pencil", "product_name") == G_PENCILS.path


def test_a_category_whose_path_the_query_s_words_name_wins_over_one_of_the_same_name(
        linker: EntityLinker) -> None:
    """"keyboard for ipad pro 12.9" linked Musical Instruments' Keyboards (prior 0.35 against
    0.10) though its path shares no word with the query and the tablets' one "ipad"."""
    assert _path(linker, "keyboard", "keyboard for ipad pro 12.9") == TABLET_KEYBOARDS.path
    assert _path(linker, "keyboard", "88 key weighted keyboard") == MI_KEYBOARDS.path


def test_a_brand_sold_in_neither_department_changes_nothing(linker: EntityLinker) -> None:
    assert _path(linker, "keyboard", "samsung keyboard") == MI_KEYBOARDS.path


# 3. function words a sentence glues to a product's span

@pytest.mark.parametrize(("mention", "query", "label", "expected"), [
    ("to tv", "how to connect ps4 to tv", TYPE, "TVs"),
    ("for my ipad", "screen protector for my ipad", "modifier", "iPad"),
    ("your tv", "mount your tv", TYPE, "TVs"),
    ("this tv", "is this tv good", TYPE, "TVs"),
    ("vacuum is", "which vacuum is best for pet hair", TYPE, "Vacuums"),
    ("tvs are", "which tvs are best", TYPE, "TVs"),
    ("vacuum for", "vacuum for pet hair", TYPE, "Vacuums"),
])
def test_function_words_at_a_mention_s_edges_do_not_stop_it_linking(
        linker: EntityLinker, mention: str, query: str, label: str, expected: str) -> None:
    assert _best(linker, mention, query, label) == expected


@pytest.mark.parametrize(("mention", "expected"), [
    ("to kill a mockingbird", "To Kill a Mockingbird"),
    ("this is us", "This Is Us"),
])
def test_a_name_holding_such_words_is_linked_whole(
        linker: EntityLinker, mention: str, expected: str) -> None:
    assert _best(linker, mention, mention, "product_name") == expected


@pytest.mark.parametrize("mention", ["that is", "to the", "my"])
def test_function_words_alone_link_nothing(linker: EntityLinker, mention: str) -> None:
    assert linker.link(mention, label=TYPE, context=mention).nil
