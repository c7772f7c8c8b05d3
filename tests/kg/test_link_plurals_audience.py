"""Linking apparel and jewellery queries of the quickstart bundle: singular nouns, audiences,
generic words. Once a singular jewellery noun linked nothing ("ring" matched only the catalogue's
Type value "Ring" and the brand Ring, which hid the category "rings"), a category whose path names
another audience than the query's won ("sports shoes for women" -> the boys' sports shoes, "boys
jeans" -> the girls' jeans), and the bare word "size" linked the size "Free Size" by a subset
match."""

from __future__ import annotations

import pytest

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker

TYPE = "core_product_type"


def _category(key: str, path: str, **kw: object) -> Node:
    return Node(NodeKind.CATEGORY, key, path.rsplit(" > ", 1)[-1], path=path, **kw)


def _value(attribute: str, label: str, **kw: object) -> Node:
    return Node(NodeKind.ATTRIBUTE_VALUE, f"{attribute}/{label.lower().replace(' ', '-')}",
                label, attribute=attribute, **kw)


@pytest.fixture(scope="module")
def graph() -> ProductGraph:
    """The default KG's shape: Flipkart's jewellery categories named in the plural beside the
    catalogue's Type spec values in the singular (and a brand "Ring"); Flipkart's sports shoes,
    t-shirts and jeans, each under one audience's branch (the boys' and girls' ones more
    popular), Google's audience-free "Shorts"; size, material and colour values."""
    g = ProductGraph.in_memory()
    g.add_records([
        _category("fk/rings", "jewellery > rings", popularity=40.0),
        _category("fk/necklaces", "jewellery > necklaces chains > necklaces", popularity=30.0),
        _category("fk/bracelets", "jewellery > bangles bracelets armlets > bracelets",
                  popularity=20.0),
        _value("type", "Ring"), _value("type", "Necklace"), _value("type", "Bracelet"),
        Node(NodeKind.BRAND, "ring", "Ring", popularity=5.0),
        _category("fk/boys-sports-shoes",
                  "footwear > kids infant footwear > for boys > sports shoes", popularity=90.0),
        _category("fk/girls-sports-shoes",
                  "footwear > kids infant footwear > for girls > sports shoes", popularity=10.0),
        _category("fk/mens-sports-shoes", "footwear > mens footwear > sports shoes",
                  popularity=20.0),
        _category("fk/mens-tshirts", "clothing > mens clothing > tshirts", popularity=50.0,
                  aliases=("t shirt", "t shirts")),
        _category("fk/girls-jeans", "clothing > kids clothing > girls wear > jeans",
                  popularity=90.0),
        _category("fk/mens-jeans", "clothing > mens clothing > jeans", popularity=10.0),
        _category("fk/baby-shorts", "baby care > infant wear > baby girls clothes > shorts",
                  popularity=90.0),
        _category("g/shorts", "Apparel & Accessories > Clothing > Shorts", popularity=10.0),
        # (values the catalogue's products carry: a prior, as the default KG's have)
        _value("size", "Free Size", popularity=40.0), _value("size", "M", popularity=40.0),
        _value("size", "King Size"), _value("material", "Cotton Mix", popularity=40.0),
        _value("color", "Navy Blue"),
    ], progress=False)
    return g


def _best(linker: EntityLinker, mention: str, query: str, label: str = TYPE) -> str | None:
    best = linker.link(mention, label=label, context=query).best
    return best.iri.rsplit("/", 2)[-2] + "/" + best.iri.rsplit("/", 1)[-1] if best else None


# 1. a singular noun whose exact name is a Type value links the category of its plural

@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("ring", "gold ring for women", "fk/rings"),  # (the Type value and the brand "Ring")
    ("ring", "ring", "fk/rings"),
    ("necklace", "necklace for women", "fk/necklaces"),
    ("bracelet", "silver bracelet", "fk/bracelets"),
])
def test_a_singular_links_the_category_its_plural_names(
        graph: ProductGraph, mention: str, query: str, expected: str) -> None:
    """The number variants were tried only when the exact name matched nothing: the Type
    value "Ring" (no product type's kind) and the brand hid "rings", and "ring" was NIL."""
    assert _best(EntityLinker(graph), mention, query) == expected


def test_the_type_value_still_links_where_the_label_takes_it(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert _best(linker, "rings", "gold rings") == "fk/rings"  # (as before)
    # a label of attribute values and categories (modifier) still has the Type value among
    # its candidates, and untyped linking still reads it
    ring = linker.link("ring", label="modifier", context="ring")
    assert any(c.attribute == "type" for c in ring.candidates)
    untyped = linker.link("ring", label=None, context="ring").best
    assert untyped is not None and untyped.label == "Ring"


# 2. a category whose path names another audience than the query's is never the link

@pytest.mark.parametrize(("mention", "query"), [
    ("sports shoes", "sports shoes for women"),  # the boys', the girls', the men's: NIL
    ("t shirt", "t shirt for women"),
    ("t shirt", "girls t shirt"),
    ("jeans", "boys jeans"),
    ("jeans", "jeans for women"),
])
def test_no_link_contradicts_the_audience_the_query_names(
        graph: ProductGraph, mention: str, query: str) -> None:
    """The context overlap only rewarded a path naming the query's audience: where none did,
    the boys' sports shoes and the girls' jeans won on their prior."""
    assert EntityLinker(graph).link(mention, label=TYPE, context=query).nil


@pytest.mark.parametrize(("mention", "query", "expected"), [
    ("sports shoes", "sports shoes for girls", "fk/girls-sports-shoes"),
    ("sports shoes", "men's sports shoes", "fk/mens-sports-shoes"),
    ("sports shoes", "kids sports shoes", "fk/boys-sports-shoes"),  # (kids: boys or girls)
    ("jeans", "jeans for men", "fk/mens-jeans"),
    ("jeans", "kids jeans", "fk/girls-jeans"),
    ("shorts", "shorts men", "g/shorts"),  # a path naming no audience contradicts none
    # a query naming none: nothing decides between the girls' and the men's jeans (it was
    # the girls' on their prior: EntityLinker._prefer_general)
    ("jeans", "blue jeans", None),
])
def test_the_category_of_the_query_s_audience_wins(
        graph: ProductGraph, mention: str, query: str, expected: str | None) -> None:
    assert _best(EntityLinker(graph), mention, query) == expected


def test_the_audience_rules_out_a_category_the_query_s_words_compose(
        graph: ProductGraph) -> None:
    """The run the tagger cut short ("boys" + "sports shoes" read whole) names categories
    too: it is held to the query's audience as well."""
    g = ProductGraph.in_memory()
    g.add_records([
        _category("fk/w-running", "footwear > womens footwear > running shoes"),
        _category("fk/m-running", "footwear > mens footwear > running shoes", popularity=9.0),
    ], progress=False)
    linker = EntityLinker(g)
    assert _best(linker, "shoes", "running shoes for women") == "fk/w-running"
    assert _best(linker, "shoes", "running shoes for men") == "fk/m-running"


# 3. a one-word mention that is the head of a longer value's name links no such value

@pytest.mark.parametrize(("mention", "query", "label"), [
    ("size", "kurti m size", "UoM"),
    ("size", "size", "size"),
    ("mix", "mix", "material"),  # ("Cotton Mix")
])
def test_a_generic_word_links_no_longer_value(graph: ProductGraph, mention: str, query: str,
                                              label: str) -> None:
    """"size" matched "Free Size" (a subset name: every word of the mention and one more) at
    0.658, above the NIL threshold: "kurti m size" filtered on M and Free Size."""
    assert EntityLinker(graph).link(mention, label=label, context=query).nil


def test_a_value_named_in_full_or_by_its_own_word_still_links(graph: ProductGraph) -> None:
    linker = EntityLinker(graph)
    assert _best(linker, "free size", "free size kurti", "UoM") == "size/free-size"
    assert _best(linker, "m", "kurti m size", "UoM") == "size/m"
    # the word that tells the value from the others ("navy", not the head "blue") is still
    # read as naming it, and so is "mix" where the query's words compose the value
    navy = linker.link("navy", label="color", context="navy")
    assert [c.label for c in navy.candidates] == ["Navy Blue"]
    assert _best(linker, "mix", "cotton mix shirt", "material") == "material/cotton-mix"
