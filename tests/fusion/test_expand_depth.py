"""The depth of a linked category's hard filter from the KG's products
(:mod:`fusion.expand.depth`): a leaf the store files few of the products it names in is no
filter ("iphone 6 cases": most iPhone 6 cases sit in iPhone Cases & Clips itself; "iphone se":
the SE phones are filed under All Cell Phones with Plans; "iphone 6s": a category with no
product), the filter climbs to the category that holds them and the leaf is an UP boost."""

from __future__ import annotations

import pytest

from fusion.errors import FusionConfigError
from fusion.expand import ExpansionConfig, expand
from fusion.types import Intent, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

ID = "https://kgqp.dev/id/"
DEPTS = ("Cell Phones", "Audio")
CATS = {  # key: (label, path, parent key)
    "cell": ("Cell Phones", "Cell Phones", None),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "iacc": ("iPhone Accessories", "Cell Phones > Cell Phone Accessories > iPhone Accessories",
             "cacc"),
    "icases": ("iPhone Cases & Clips", "Cell Phones > Cell Phone Accessories > "
               "iPhone Accessories > iPhone Cases & Clips", "iacc"),
    "i6cases": ("iPhone 6 Cases", "Cell Phones > Cell Phone Accessories > iPhone Accessories "
                "> iPhone Cases & Clips > iPhone 6 Cases", "icases"),
    "protectors": ("Screen Protectors", "Cell Phones > Cell Phone Accessories > "
                   "Screen Protectors", "cacc"),
    "iprot": ("iPhone Screen Protectors", "Cell Phones > Cell Phone Accessories > "
              "iPhone Accessories > iPhone Screen Protectors", "iacc"),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "sg": ("Samsung Galaxy", "Cell Phones > Samsung Galaxy", "cell"),
    "sgacc": ("Samsung Galaxy Accessories",
              "Cell Phones > Samsung Galaxy > Samsung Galaxy Accessories", "sg"),
    "sgprot": ("Samsung Galaxy Screen Protectors", "Cell Phones > Samsung Galaxy > "
               "Samsung Galaxy Accessories > Samsung Galaxy Screen Protectors", "sgacc"),
    "se": ("iPhone SE", "Cell Phones > iPhone > iPhone SE", "iphone"),
    "i6s": ("iPhone 6s", "Cell Phones > iPhone > iPhone 6s", "iphone"),
    "plans": ("All Cell Phones with Plans", "Cell Phones > All Cell Phones with Plans", "cell"),
    "audio": ("Audio", "Audio", None),
    "headphones": ("Headphones", "Audio > Headphones", "audio"),
    "earbuds": ("Earbud Headphones", "Audio > Headphones > Earbud Headphones", "headphones"),
}
PRODUCTS = (  # (name, category key, how many)
    ("Apple iPhone 6 Case - Black", "icases", 20), ("Apple iPhone 6 Case - Red", "i6cases", 2),
    ("Apple iPhone SE 16GB", "plans", 6), ("Apple iPhone SE 64GB", "se", 1),
    ("Tempered Glass Screen Protector", "protectors", 10),
    ("Glass Screen Protector", "cacc", 2),
)


def _cat(key: str) -> str:
    return f"{ID}category/bb/{key}"


def _products(products) -> list[Node | Edge]:
    recs: list[Node | Edge] = []
    for name, key, n in products:
        for i in range(n):
            slug = f"{key}-{name.lower().replace(' ', '-')}-{i}"
            recs += [Node(NodeKind.PRODUCT, slug, f"{name} {i}"),
                     Edge(f"{ID}product/{slug}", Relation.IN_CATEGORY, _cat(key))]
    return recs


def _graph(products=PRODUCTS) -> ProductGraph:
    recs: list[Node | Edge] = [Node(NodeKind.CATEGORY, f"bb/{k}", lab, path=path)
                               for k, (lab, path, _) in CATS.items()]
    recs += [Edge(_cat(k), Relation.PARENT, _cat(p)) for k, (_, _, p) in CATS.items() if p]
    recs += _products(products)
    g = ProductGraph.in_memory()
    g.add_records(recs, progress=False)
    return g


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return _graph()


def intent(key: str, score: float = 0.9, dept_score: float = 0.99) -> Intent:
    path = CATS[key][1]
    label = " > ".join(path.split(" > ")[:2])
    return Intent(label, path.split(" > ")[0], score, dept_score, ((label, score),))


def cat(key: str, mention: str, label: str = "core_product_type") -> LinkedEntity:
    return LinkedEntity(_cat(key), "category", 0.95, label, mention)


def _lifted(res) -> list[tuple[str, str, str | None]]:
    return [(b.term, b.direction, b.rule) for b in res.boosts if "(below the filter)" in
            str(b.rule)]


def test_a_leaf_holding_few_of_the_products_it_names_filters_the_category_that_holds_them(kg):
    """"iphone 6 cases": 2 of the 22 iPhone 6 cases sit in iPhone 6 Cases, 20 in iPhone Cases &
    Clips itself: the filter is iPhone Cases & Clips, the leaf an UP boost."""
    res = expand(kg, [cat("i6cases", "iphone 6 cases")], intent("cacc"), query="iphone 6 cases",
                 departments=DEPTS)
    assert res.filters.category == (CATS["icases"][1],)
    assert _lifted(res) == [(f"category:{CATS['i6cases'][1]}", "UP",
                             f"link:{_cat('i6cases')} (below the filter)")]
    assert [s.source for s in res.filter_sources if s.field == "category"] == \
        [f"link:{_cat('i6cases')}"]


def test_products_filed_outside_the_linked_branch_make_the_department_the_filter(kg):
    """"iphone se": the SE phones are filed under All Cell Phones with Plans (6 of 7): no
    category below the department holds them, the department is the filter."""
    res = expand(kg, [cat("se", "iphone se", "product_name")], intent("iphone"),
                 query="iphone se", departments=DEPTS)
    assert res.filters.category == ("Cell Phones",)
    assert _lifted(res) == [(f"category:{CATS['se'][1]}", "UP",
                             f"link:{_cat('se')} (below the filter)")]


def test_a_linked_category_with_no_product_is_no_filter(kg):
    """"iphone 6s": a category the KG files no product in would return nothing."""
    res = expand(kg, [cat("i6s", "iphone 6s", "product_name")], intent("iphone"),
                 query="iphone 6s", departments=DEPTS)
    assert res.filters.category == (CATS["iphone"][1],)
    assert [t for t, _, _ in _lifted(res)] == [f"category:{CATS['i6s'][1]}"]


def test_a_leaf_holding_most_of_what_it_names_stays_the_filter(kg):
    """"screen protectors": 10 of 12 in Screen Protectors (>= the share): the filter stays."""
    res = expand(kg, [cat("protectors", "screen protectors")], intent("cacc"),
                 query="screen protectors", departments=DEPTS)
    assert res.filters.category == (CATS["protectors"][1],)
    assert _lifted(res) == []


def test_a_department_without_products_keeps_todays_filter(kg):
    """Audio holds no KG product: the linked leaf is the filter, as before."""
    res = expand(kg, [cat("earbuds", "earbud headphones")], intent("headphones"),
                 query="earbud headphones", departments=DEPTS)
    assert res.filters.category == (CATS["earbuds"][1],)
    assert _lifted(res) == []


def test_the_share_is_a_setting_and_the_counts_follow_the_kg_version():
    """``filter_min_share`` 0 keeps every filter; products added to the KG move it (the counts
    are cached per KG version, not once)."""
    few = (("Apple iPhone 6 Case - Red", "i6cases", 2),)
    g = _graph(few)
    query, linked = "iphone 6 cases", [cat("i6cases", "iphone 6 cases")]
    res = expand(g, linked, intent("cacc"), query=query, departments=DEPTS)
    assert res.filters.category == (CATS["i6cases"][1],)
    g.add_records(_products((("Apple iPhone 6 Case - Black", "icases", 20),)), progress=False)
    res = expand(g, linked, intent("cacc"), query=query, departments=DEPTS)
    assert res.filters.category == (CATS["icases"][1],)
    res = expand(g, linked, intent("cacc"), query=query, departments=DEPTS,
                 config=ExpansionConfig(filter_min_share=0.0))
    assert res.filters.category == (CATS["i6cases"][1],)


def test_the_share_round_trips_and_is_checked():
    cfg = ExpansionConfig(filter_min_share=0.3)
    assert ExpansionConfig.from_dict(cfg.to_dict()).filter_min_share == 0.3
    with pytest.raises(FusionConfigError):
        ExpansionConfig(filter_min_share=1.5)


@pytest.mark.parametrize(("beside", "want"), [(9, "cacc"), (8, "iprot")])
def test_a_category_beside_it_holding_more_of_them_lifts_the_filter_above_both(beside, want):
    """"screen protector for iphone 7" links iPhone Screen Protectors, which holds 4 of the
    iPhone screen protectors (above the share), where the generic Screen Protectors beside it
    holds 9, 5 (MIN_NAMED) more: the store files them there, so the filter climbs to the
    category above both. 8 beside 4 is too little evidence: the filter stays."""
    g = _graph((*PRODUCTS, ("iPhone Screen Protector", "protectors", beside),
                ("iPhone Screen Protector", "iprot", 4)))
    res = expand(g, [cat("iprot", "screen protector")], intent("cacc"),
                 query="screen protector for iphone 7", departments=DEPTS)
    assert res.filters.category == (CATS[want][1],)


def test_a_linked_accessory_category_the_store_files_elsewhere_gives_that_filter():
    """"galaxy s6 screen protector" links Samsung Galaxy Screen Protectors, outside the
    intent's Cell Phone Accessories (no filter of its own: the department was the filter);
    the store files the 6 products named so in Screen Protectors, under the intent's
    category: that is the filter, the link an UP boost. A device's category under an
    accessories intent ("iphone se") keeps the department."""
    g = _graph((*PRODUCTS, ("Samsung Galaxy S6 Screen Protector", "protectors", 6)))
    res = expand(g, [cat("sgprot", "screen protector")], intent("cacc"),
                 query="galaxy s6 screen protector", departments=DEPTS)
    assert res.filters.category == (CATS["protectors"][1],)
    assert [(b.term, b.rule) for b in res.boosts if "(filed elsewhere)" in str(b.rule)] == [
        (f"category:{CATS['sgprot'][1]}", f"link:{_cat('sgprot')} (filed elsewhere)")]
    res = expand(g, [cat("se", "iphone se", "product_name")], intent("cacc"),
                 query="iphone se", departments=DEPTS)
    assert res.filters.category == ("Cell Phones",)
