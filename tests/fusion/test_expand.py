from __future__ import annotations

import os

import pytest

from fusion.expand import expand, parse_price
from fusion.rules import RuleSet, RulesFile
from fusion.types import Intent, LinkedEntity

ID = "https://kgqp.dev/id/"
SAMSUNG = LinkedEntity(ID + "brand/samsung", "brand", 1.0)
TVS = LinkedEntity(ID + "category/bb/tvs", "category", 1.0)
TELEVISION = LinkedEntity(ID + "product_type/television", "product_type", 0.8)
BLACK = LinkedEntity(ID + "attribute_value/color/black", "attribute_value", 0.5)
RED_IRI = ID + "attribute_value/color/red"
LG = LinkedEntity(ID + "brand/lg", "brand", 1.0)


def assert_provenance_in_kg(kg, result):
    g = kg.to_networkx()
    for exp in result:
        for s, rel, o in exp.provenance:
            if rel == "alias":
                assert o in g.nodes[s]["aliases"], (exp, s, o)
            else:
                assert any(
                    d.get("relation") == rel for d in g.get_edge_data(s, o, default={}).values()
                ), (exp, (s, rel, o))
        if exp.provenance and exp.iri:
            assert exp.iri in {t for triple in exp.provenance for t in (triple[0], triple[2])}


@pytest.mark.parametrize(
    "linked", [[SAMSUNG], [TVS], [TELEVISION], [BLACK], [LG], [SAMSUNG, TVS, TELEVISION, BLACK]]
)
def test_every_provenance_path_exists_in_the_kg(kg, linked):
    res = expand(kg, linked, query="samsung black tv")
    assert len(res) > 0
    assert_provenance_in_kg(kg, res)
    assert all(0 < e.score <= 1 for e in res)
    assert [e.score for e in res] == sorted((e.score for e in res), reverse=True)


def test_brand_only_query_expands_to_its_categories(kg):
    # nothing says which department: only the brand's most popular category
    res = expand(kg, [SAMSUNG], query="samsung")
    cats = [e.term for e in res if e.kind == "category"]
    assert len(cats) == 1 and cats[0] in {"TVs", "QLED TVs", "Unlocked Phones", "Refrigerators"}
    assert all(e.provenance[0][1] == "sells_in" for e in res if e.kind == "category")
    assert res.filters.brand == ("Samsung",)
    # with an intent: the brand's categories inside the intent's department only
    intent = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.8, 0.9,
                    (("TV & Home Theater > TVs", 0.8),))
    res = expand(kg, [SAMSUNG], intent, query="samsung")
    cats = {e.term for e in res if e.kind == "category"}
    assert {"TVs", "QLED TVs"} <= cats and not cats & {"Unlocked Phones", "Refrigerators"}


def test_category_expansions_and_intent(kg):
    res = expand(kg, [TVS], query="tvs")
    kinds = {(e.kind, e.term) for e in res}
    assert ("child_category", "QLED TVs") in kinds
    assert ("parent_category", "TV & Home Theater") in kinds
    assert ("sibling_category", "TV Mounts") in kinds
    assert ("brand", "Samsung") in kinds and ("brand", "Lg") in kinds
    # (a colour of the category's products is no value the query asks for)
    assert ("attribute_value", "Black") not in kinds
    assert ("synonym", "Television") in kinds
    intent = Intent("Appliances > Refrigerators", "Appliances", 0.9, 0.95, ())
    res = expand(kg, [], intent, query="fridge")
    brands = {e.term for e in res if e.kind == "brand"}
    # (Whirlpool, a brand the KG knows from one product alone, is no expansion:
    # tests/fusion/test_expand_polluting.py)
    assert "Lg" in brands and "Whirlpool" not in brands
    # a confident department is the hard filter; the lvl1 category a suggestion
    assert res.filters.category == ("Appliances",)
    assert [(x.category, x.source) for x in res.suggestions] == [
        ("Appliances > Refrigerators", "intent")]
    assert_provenance_in_kg(kg, res)


def test_aliases_and_filters(kg):
    res = expand(kg, [LG, BLACK], query="lg black 55 inch tv under $800")
    assert ("alias", "LG") not in {(e.kind, e.term) for e in res}  # a case-only variant
    assert ("alias", "telly") in {(e.kind, e.term) for e in expand(kg, [TELEVISION])}
    f = res.filters
    assert f.brand == ("Lg",) and f.colour == ("Black",)
    assert f.price_max == 800.0 and f.price_min is None
    assert f.size == ("55 inch",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tv under 800", (None, 800.0)),
        ("laptop below $1,200", (None, 1200.0)),
        ("headphones $100-200", (100.0, 200.0)),
        ("camera between 300 and 500", (300.0, 500.0)),
        ("phones over 500", (500.0, None)),
        ("usb-c 3-pack", (None, None)),
        ("iphone 7", (None, None)),
    ],
)
def test_price_patterns(text, expected):
    assert parse_price(text) == expected


def test_rules_are_applied_and_reported(kg, tmp_path):
    p = tmp_path / "rules.txt"
    p.write_text("samsung =>\n  SYNONYM(0.5): galaxy\n  FILTER: color:black\n")
    rf = RulesFile(p)
    res = expand(kg, [SAMSUNG], query="samsung", rules=rf)
    syn = [e for e in res if e.rule]
    assert [(e.term, e.score, e.provenance) for e in syn] == [("galaxy", 0.5, ())]
    assert res.filters.colour == ("black",)
    assert [a.line for a in res.applied] == [2, 3]
    assert res.applied_rules[0].endswith(":2: samsung => SYNONYM(0.5): galaxy")
    assert dict(res.filters) == {"brand": ["Samsung"], "colour": ["black"]}
    # editing the rules file changes the next expansion (no restart)
    p.write_text("samsung =>\n  SYNONYM(0.7): samsung electronics\n")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    res2 = expand(kg, [SAMSUNG], query="samsung", rules=rf)
    assert [e.term for e in res2 if e.rule] == ["samsung electronics"]
    res3 = expand(kg, [], query="cheap tv", rules=RuleSet.parse("cheap =>\n  DELETE\n"))
    assert res3.query == "tv"


def test_query_expander_with_parser_entities(kg, tmp_path):
    from fusion.expand import QueryExpander

    p = tmp_path / "rules.txt"
    p.write_text("tv <=> television\n")
    qe = QueryExpander(kg, rules=p)
    res = qe.expand(
        "samsung tv",
        entities=[("samsung", "creator", SAMSUNG.iri), ("tv", "core_product_type", None)],
    )
    assert res.filters.brand == ("Samsung",)
    assert ("television", "synonym") in {(e.term, e.kind) for e in res}
    assert_provenance_in_kg(kg, res)


def test_limit_keeps_the_best_and_cached_walks_scale_per_query(kg):
    linked = [SAMSUNG, TVS, TELEVISION, BLACK]
    full = expand(kg, linked, query="samsung black tv")
    assert list(expand(kg, linked, query="samsung black tv", limit=3)) == list(full)[:3]
    # the walks are cached per graph view; a lower link score scales the same walk down
    half = expand(kg, [LinkedEntity(SAMSUNG.iri, "brand", 0.5)], query="samsung")
    whole = expand(kg, [SAMSUNG], query="samsung")
    assert [(e.term, e.kind) for e in half] == [(e.term, e.kind) for e in whole]
    assert [e.score for e in half] == pytest.approx([e.score / 2 for e in whole])


def test_expansion_data_follows_commits_as_a_full_build_would(kg):
    """A commit brings the expansion's per-graph data (popularity, non-linkable nodes, paths)
    forward from its change set; the result equals computing it on the new graph."""
    import pyoxigraph as ox

    from fusion.expand.kgview import _DERIVED_VIEW, _Derived
    from fusion.hetero import as_networkx
    from kg import Edge, Node, NodeKind, Relation
    from kg.link import LINKABLE

    expand(kg, [SAMSUNG], query="samsung")  # registers the view
    tvs = next(n.iri for n in kg.nodes(NodeKind.CATEGORY) if n.label == "TVs")
    brand = "https://kgqp.dev/id/brand/zorblax"

    def edits():
        yield lambda tx: (tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax")),
                          tx.add_edge(Edge(brand, Relation.SELLS_IN, tvs)))
        yield lambda tx: tx.add_triples([ox.Quad(ox.NamedNode(brand), ox.NamedNode(LINKABLE),
                                                 ox.Literal(False))])
        yield lambda tx: tx.update_node(tvs, popularity=1e9)  # a new maximum: rebuilt
        yield lambda tx: tx.remove_node(brand)

    forward = []  # brought forward (its per-kind maxima object kept) or built again
    top = kg.view(_DERIVED_VIEW, None)[1].top
    for edit in edits():
        with kg.transaction() as tx:
            edit(tx)
        g, derived = kg.view(_DERIVED_VIEW, None)
        forward.append(derived.top is top)
        top = derived.top
        assert g is as_networkx(kg)
        full = _Derived.build(g, kg)
        assert derived.pop == pytest.approx(full.pop) and derived.top == full.top
        assert derived.unlinkable == full.unlinkable and derived.paths == full.paths
    # TVs already has the most in-edges of the categories: a brand selling in it moves the
    # categories' maximum (built again), as does a popularity of 1e9
    assert forward == [False, True, False, True]
    assert brand not in derived.pop


def _table_value(value):
    """A table's value as compared (an object without equality, the platform families: its
    attributes but the graph)."""
    if isinstance(value, (dict, frozenset, set, tuple, list)) or not hasattr(value, "__dict__"):
        return value
    return {k: v for k, v in vars(value).items() if k != "kg"}


def test_a_commit_builds_the_kg_wide_tables_a_parse_would_build(kg):
    """Every table of the whole KG the expansion registers (:data:`fusion.expand.kgview.
    _KG_WIDE`: names a colour opens, category names by word, platform families, device heads,
    products' categories, ...) and the tables of the label space its last parse read are built
    where a commit brings the views forward, not by the first parse after it, and hold what a
    parse builds on the new graph."""
    from fusion.context import TaxonomyAlignment
    from fusion.expand.core import _label_space_tables
    from fusion.expand.kgview import _DERIVED_VIEW, _KG, _KG_WIDE
    from fusion.expand.words import _name_words
    from kg import Edge, Node, NodeKind, Relation

    labels = ["TV & Home Theater > TVs", "Cell Phones > Cell Phone Accessories"]
    space = TaxonomyAlignment(labels)
    expand(kg, [SAMSUNG], query="samsung", departments=space)  # registers the view
    tvs = next(n.iri for n in kg.nodes(NodeKind.CATEGORY) if n.label == "TVs")
    with kg.transaction() as tx:
        tx.add_node(Node(NodeKind.CATEGORY, "bb/white-noise", "White Noise Machines",
                         path="TV & Home Theater > White Noise Machines"))
        tx.add_edge(Edge(ID + "category/bb/white-noise", Relation.PARENT, tvs))
    g, derived = kg.view(_DERIVED_VIEW, None)
    built = {name: dict(memo) if isinstance(memo, dict) else memo
             for name, memo in g.graph.items()}
    fresh = g.copy()  # (the same nodes and edges, and a graph dict of its own)
    fresh.graph = {"_kgqp_derived": derived}
    assert len(_KG_WIDE) >= 20
    for table in _KG_WIDE:
        value = table(_KG(g, kg))
        assert {name: dict(memo) if isinstance(memo, dict) else memo
                for name, memo in g.graph.items()} == built, table.__name__  # built already
        assert _table_value(value) == _table_value(table(_KG(fresh, kg))), table.__name__
    assert _name_words("White Noise Machines") in g.graph["_kgqp_colour_named"][()]
    # the label space's tables: every category placed, the departments' words, the catalogues
    # it places, the departments' names, the branches' departments
    _label_space_tables(_KG(fresh, kg), space)
    categories = {n for n, a in g.nodes(data=True) if a.get("kind") == "category"}
    assert g.graph["_kgqp_category_alignment"][0] is space
    assert set(g.graph["_kgqp_category_alignment"][1]) == categories
    for name in ("_kgqp_category_alignment", "_kgqp_department_words", "_kgqp_label_trees",
                 "_kgqp_department_names", "_kgqp_branch_depts"):
        assert g.graph[name][1] == fresh.graph[name][1], name
    assert g.graph["_kgqp_category_alignment"][1][ID + "category/bb/white-noise"][0] \
        == "TV & Home Theater"


def test_a_graph_context_is_freed_without_the_cyclic_collector(kg):
    import gc
    import weakref

    import torch

    from fusion.context import GraphContext
    from fusion.gnn import NodeEmbeddings
    from fusion.hetero import as_networkx

    g = as_networkx(kg)
    nodes = list(g.nodes)
    ctx = GraphContext(g, NodeEmbeddings(nodes, ["x"] * len(nodes), torch.zeros(len(nodes), 2)),
                       labels=["TV & Home Theater > TVs"])
    assert ctx.category_neighbourhood(SAMSUNG.iri)  # memoised
    ref = weakref.ref(ctx)
    gc.disable()
    try:
        del ctx
        assert ref() is None
    finally:
        gc.enable()


# -- brand roles and fan-out against the store's departments (review of brand filters) --------

_B_CATS = {  # key: (label, path, parent key)
    "cell": ("Cell Phones", "Cell Phones", None),
    "cacc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("iPhone Cases", "Cell Phones > Cell Phone Accessories > iPhone Cases", "cacc"),
    "bands": ("Smartwatch Bands", "Cell Phones > Cell Phone Accessories > Smartwatch Bands",
              "cacc"),
    "iphone": ("iPhone", "Cell Phones > iPhone", "cell"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "mk": ("Mice & Keyboards", "Computers & Tablets > Mice & Keyboards", "comp"),
    "mice": ("Mice", "Computers & Tablets > Mice & Keyboards > Mice", "mk"),
    "keyboards": ("Keyboards", "Computers & Tablets > Mice & Keyboards > Keyboards", "mk"),
    "macbooks": ("MacBooks", "Computers & Tablets > MacBooks", "comp"),
    "car": ("Car Electronics & GPS", "Car Electronics & GPS", None),
    "caraudio": ("Car Audio", "Car Electronics & GPS > Car Audio", "car"),
    "receivers": ("Car Stereo Receivers", "Car Electronics & GPS > Car Audio > Car Stereo "
                  "Receivers", "caraudio"),
    "games": ("Video Games", "Video Games", None),
    "vgames": ("Nintendo Switch Games", "Video Games > Nintendo Switch Games", "games"),
}
_B_OTHER = {  # another shop's taxonomy (Google's): no department of the store's
    "toys": ("Toys & Games", "Toys & Games", None),
    "g_games": ("Games", "Toys & Games > Games", "toys"),
    "bingo": ("Bingo Sets", "Toys & Games > Games > Bingo Sets", "g_games"),
}
_B_SELLS = {"Apple": ["cases", "iphone", "mice", "keyboards", "macbooks", "bands"],
            "Fitbit": ["bands"], "Pioneer": ["receivers"]}
_B_DEPTS = ("Cell Phones", "Computers & Tablets", "Car Electronics & GPS", "Video Games")


@pytest.fixture(scope="module")
def brand_kg():
    from .catalog_kg import brand_records, catalog_kg, category_records

    return catalog_kg(category_records(_B_CATS) + category_records(_B_OTHER, "google")
                      + brand_records(_B_SELLS))


def _b_expand(kg, linked, query, path, score=0.9, dept_score=0.97):
    from .catalog_kg import intent_at

    return expand(kg, linked, intent_at(path, score, dept_score), query=query,
                  departments=_B_DEPTS)


def _b_cat(key, mention, source="bb"):
    from .catalog_kg import cat_iri, category_link

    return category_link(cat_iri(key, source), mention)


def _b_brand_boosts(res):
    return [(b.term, b.direction, b.rule.rsplit("(", 1)[-1].rstrip(")")) for b in res.boosts
            if b.term.startswith("brand:")]


@pytest.mark.parametrize("query", ["smartwatch bands fitbit third party",
                                   "smartwatch bands fitbit 3rd-party",
                                   "aftermarket smartwatch bands fitbit"])
def test_a_third_party_cue_makes_the_brand_a_fits_boost(brand_kg, query):
    # (Best Buy's "... fitbit third party" queries: bands not made by Fitbit; before, Fitbit,
    # which sells only accessories in the KG, was the maker and a hard filter)
    from .catalog_kg import brand_link

    res = _b_expand(brand_kg, [_b_cat("bands", "smartwatch bands"), brand_link("Fitbit")],
                    query, "Cell Phones > Cell Phone Accessories > Smartwatch Bands")
    assert res.filters.brand == ()
    assert _b_brand_boosts(res) == [("brand:Fitbit", "UP", "fits")]
    # without the cue, the accessory-only brand is the maker of its bands (Best Buy's gold:
    # "activity tracker bands fitbit first party", "other gopro accessories" in GoPro's own)
    res = _b_expand(brand_kg, [_b_cat("bands", "smartwatch bands"), brand_link("Fitbit")],
                    "smartwatch bands fitbit", "Cell Phones > Cell Phone Accessories")
    assert res.filters.brand == ("Fitbit",)


def test_a_first_party_cue_keeps_a_device_makers_filter_on_its_accessory(brand_kg):
    # "apple watch bands" alone: Apple the device the bands fit (an UP boost); "first party":
    # Apple's own bands, a filter; "third party": a boost still
    from .catalog_kg import brand_link

    def roles(query):
        res = _b_expand(brand_kg, [_b_cat("bands", "smartwatch bands"), brand_link("Apple")],
                        query, "Cell Phones > Cell Phone Accessories")
        return res.filters.brand, _b_brand_boosts(res)

    assert roles("smartwatch bands apple") == ((), [("brand:Apple", "UP", "fits")])
    assert roles("smartwatch bands apple first party") == (("Apple",), [])
    assert roles("smartwatch bands apple third party") == ((), [("brand:Apple", "UP", "fits")])


def test_brand_fan_out_stays_in_the_linked_products_department(brand_kg):
    # "apple mice" (the intent just under the filter threshold, the phones' department likely
    # too): Apple's categories in Computers & Tablets expand, its iPhone cases do not
    from fusion.types import Intent

    from .catalog_kg import brand_link

    intent = Intent("Computers & Tablets > Mice & Keyboards", "Computers & Tablets", 0.72,
                    0.72, (("Computers & Tablets > Mice & Keyboards", 0.72),
                           ("Cell Phones > Cell Phone Accessories", 0.2)))
    res = expand(brand_kg, [brand_link("Apple"), _b_cat("mice", "mice")], intent,
                 query="apple mice", departments=_B_DEPTS)
    terms = {e.term for e in res if e.kind == "category"}
    assert {"Keyboards", "MacBooks"} <= terms
    assert not terms & {"iPhone Cases", "iPhone", "Smartwatch Bands"}


def test_no_other_taxonomy_neighbours_beside_a_trusted_intent(brand_kg):
    # "nintendo switch games" links Google's Games (Toys & Games); the trusted intent is the
    # store's Video Games: no Bingo Sets, no Toys & Games
    games = _b_cat("g_games", "games", "google")
    res = _b_expand(brand_kg, [games], "nintendo switch games",
                    "Video Games > Nintendo Switch Games")
    terms = {e.term for e in res}
    assert not terms & {"Bingo Sets", "Toys & Games"}
    assert res.filters.category == ("Video Games",)
    # an untrusted intent: the linked category's neighbours are all there is
    res = _b_expand(brand_kg, [games], "nintendo switch games",
                    "Video Games > Nintendo Switch Games", score=0.3, dept_score=0.4)
    assert {"Bingo Sets", "Toys & Games"} <= {e.term for e in res}


def test_brand_fan_out_keeps_a_trusted_intents_department(brand_kg):
    # "apple accessories" links a category of another department (a generic word's link);
    # the trusted intent (Cell Phones) keeps Apple's phone categories among its expansions
    from .catalog_kg import brand_link

    res = _b_expand(brand_kg, [brand_link("Apple"), _b_cat("receivers", "accessories")],
                    "apple accessories", "Cell Phones > iPhone")
    assert {"iPhone Cases", "Smartwatch Bands"} <= {e.term for e in res if e.kind == "category"}


# -- negations (a search engineer's review, 2026-12-05) -------------------------------------------

def _neg_kg():
    from kg import Node, NodeKind

    from .catalog_kg import brand_records, catalog_kg, category_records

    cats = {"ct": ("Computers & Tablets", "Computers & Tablets", None),
            "laptops": ("Laptops", "Computers & Tablets > Laptops", "ct"),
            "tvh": ("TV & Home Theater", "TV & Home Theater", None),
            "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
            "hb": ("Health & Beauty", "Health & Beauty", None),
            "shampoo": ("Dry Shampoo", "Health & Beauty > Dry Shampoo", "hb")}
    return catalog_kg([
        *category_records(cats),
        *brand_records({"Dell": ["laptops"], "Samsung": ["tvs"], "LG": ["tvs"],
                        "Not Your Mothers": ["shampoo"]}),
        Node(NodeKind.ATTRIBUTE_VALUE, "size/10", "10", attribute="size")])


def _neg_parse(query, links, rules=None):
    from .catalog_kg import brand_link, cat_iri, category_link

    linked = [brand_link(m[1:], m[1:].lower()) if m.startswith("@") else
              category_link(cat_iri(m.split("=")[0]), m.split("=")[1]) for m in links]
    return expand(_neg_kg(), linked, query=query, rules=rules)


def _downs(res):
    return sorted(b.term for b in res.boosts if b.weight < 0)


def test_other_than_excludes_the_brand_not_than():
    # the two-word cue's second word is no excluded word: "than dell" had no kg_id
    res = _neg_parse("laptop other than dell", ["laptops=laptop", "@Dell"])
    assert [(x.text, x.iri) for x in res.excluded] == [("dell", ID + "brand/dell")]
    assert _downs(res) == ["brand:Dell"] and not res.filters.brand


@pytest.mark.parametrize(("query", "brands"), [
    ("tv neither samsung nor lg", ["LG", "Samsung"]),
    ("neither samsung nor lg tv", ["LG", "Samsung"]),
    ("laptop not even dell", ["Dell"]),
    ("tv not 😀 samsung", ["Samsung"]),
])
def test_a_brand_ruled_out_is_no_filter(query, brands):
    links = ["tvs=tv" if "tv" in query else "laptops=laptop", *(f"@{b}" for b in brands)]
    res = _neg_parse(query, links)
    assert not res.filters.brand, res.filters
    assert _downs(res) == [f"brand:{b}" for b in brands]
    assert sorted(x.text for x in res.excluded) == sorted(b.lower() for b in brands)


def test_a_cue_in_a_brand_name_is_no_cue():
    res = _neg_parse("not your mothers dry shampoo", ["@Not Your Mothers",
                                                      "shampoo=dry shampoo"])
    assert res.excluded == [] and _downs(res) == []
    # a cue before the name still excludes it
    res = _neg_parse("dry shampoo not not your mothers", ["shampoo=dry shampoo",
                                                          "@Not Your Mothers"])
    assert [x.text for x in res.excluded] == ["not your mothers"]
    assert _downs(res) == ["brand:Not Your Mothers"]


def test_a_no_in_a_size_mention_is_no_cue():
    size = LinkedEntity(ID + "attribute_value/size/10", "attribute_value", 0.9, "UoM", "no 10")
    res = expand(_neg_kg(), [size], query="no 10 nail brush")
    assert res.excluded == [] and _downs(res) == []


def test_non_before_a_rule_value_is_excluded_words():
    rules = RuleSet.parse("refurbished =>\n  FILTER: condition:refurbished\n")
    res = _neg_parse("non refurbished laptop", ["laptops=laptop"], rules)
    assert [x.text for x in res.excluded] == ["refurbished"]
    assert _downs(res) == ["condition:refurbished"]
    assert [x.text for x in _neg_parse("refurbished laptop", ["laptops=laptop"],
                                       rules).excluded] == []


def test_excluded_items_after_a_cue_inside_a_span():
    from fusion.expand import excluded_items

    assert excluded_items(["that", "is", "not", "made", "by", "sony"]) == [(5, 6)]
    assert excluded_items(["excluding", "samsung", "and", "lg"]) == [(1, 2), (3, 4)]
    assert excluded_items("not lg, not sony".replace(",", "").split(), {1}) == [(1, 2), (3, 4)]
    assert excluded_items(["besides", "dell"]) == []
    assert excluded_items(["besides", "dell"], after=True) == [(1, 2)]
    assert excluded_items(["other", "than", "a", "dell"]) == [(3, 4)]


@pytest.mark.parametrize("query", ["laptop not necessarily dell", "laptop not really dell"])
def test_a_hedged_negation_is_neither_a_filter_nor_an_exclusion(query):
    res = _neg_parse(query, ["laptops=laptop", "@Dell"])
    assert not res.filters.brand and res.excluded == [] and _downs(res) == []
    assert [b.term for b in res.boosts if b.weight > 0 and b.term.startswith("brand:")] == [
        "brand:Dell"]


def test_please_ends_an_excluded_run():
    res = _neg_parse("laptop not dell please", ["laptops=laptop"])
    assert [x.text for x in res.excluded] == ["dell"]


# -- a "no" compound after other words; "forget me not" (a reviewer, 2026-12-06) ---------------

@pytest.mark.parametrize(("query", "spans", "negated"), [
    # a "no" after modifiers, its word and the product after it: a compound
    ("mens no show socks", [(0, 4), (5, 12), (13, 18)], [False, False, False]),
    ("clear no chip nail polish", [(0, 13), (14, 25)], [False, False]),
    ("fleece no sew blanket kit", [(0, 6), (7, 13), (14, 25)], [False, False, False]),
    # what a "no" excludes ends the query, or is followed by a number or another phrase
    ("tv no samsung", [(0, 2), (3, 13)], [False, True]),
    ("shampoo no sulfates for curly hair", [(0, 7), (8, 19), (20, 34)], [False, True, False]),
    ("tv no samsung 55 inch", [(0, 2), (3, 13), (14, 21)], [False, True, False]),
])
def test_a_no_compound_after_other_words_negates_nothing(query, spans, negated):
    from fusion.expand import negated_spans

    assert negated_spans(query, spans) == negated


def test_compound_no_words_are_the_words_the_no_qualifies():
    from fusion.expand import compound_no_words

    assert compound_no_words("kids no slip socks", 5, 12) == (8, 12)  # "slip"
    assert compound_no_words("womens no bra needed tops", 7, 20) == (10, 20)  # "bra needed"
    assert compound_no_words("cat food no fish", 9, 16) is None  # (no product after)
    assert compound_no_words("bed frame no box spring needed", 10, 30) is None


def test_forget_me_not_excludes_nothing():
    # "not" after "me" ends the flower's name: "necklace" was excluded (and Necklaces DOWN)
    res = _neg_parse("forget me not necklace", ["laptops=necklace"])
    assert res.excluded == [] and _downs(res) == []
    res = _neg_parse("laptop not dell", ["laptops=laptop", "@Dell"])  # (a "not" still cues)
    assert _downs(res) == ["brand:Dell"]


# -- sizes of clothing and shoes (a fashion reviewer, 2026-12-06) -------------------------------

def test_a_part_measure_is_no_size_filter_and_a_numeric_size_is_one():
    assert _neg_parse("4 inch heels", []).filters.size == ()
    assert _neg_parse("mens gym shorts 5 inch inseam", []).filters.size == ()
    assert _neg_parse("65 inch tv", ["tvs=tv"]).filters.size == ("65 inch",)
    assert _neg_parse("adidas sneakers size 8 white", []).filters.size == ("8",)


def test_a_size_hint_is_an_up_boost_no_filter():
    from fusion.expand import PATTERN_HINT, PATTERN_NEGATED

    res = _neg_parse("nike running shoes uk 9", [])
    assert res.filters.size == ()
    assert [(b.term, b.weight > 0, b.rule) for b in res.boosts] == [
        ("size:UK 9", True, PATTERN_HINT)]
    res = _neg_parse("jeans for men 32x30", [])
    assert [b.term for b in res.boosts if b.weight > 0] == ["size:32x30"]
    res = _neg_parse("jeans not 32x30", [])
    assert [(b.term, b.rule) for b in res.boosts] == [("size:32x30", PATTERN_NEGATED)]


def test_sans_is_a_negation_cue():
    """"laptop sans dell" hard-filtered Dell: "sans" ("without", as English writes it; in no
    name of the default KG, nor any query of the dump) was no cue."""
    res = _neg_parse("laptop sans dell", ["laptops=laptop", "@Dell"])
    assert not res.filters.brand, res.filters
    assert _downs(res) == ["brand:Dell"]
    assert [(x.text, x.iri) for x in res.excluded] == [("dell", ID + "brand/dell")]
    assert [x.text for x in _neg_parse("tv sans 4k", ["tvs=tv"]).excluded] == ["4k"]


@pytest.mark.parametrize(("query", "links"), [
    ("tv not samsung", ["tvs=tv", "@Samsung"]),
    ("neither samsung nor lg tv", ["@Samsung", "@LG", "tvs=tv"]),
    ("laptop that isn't a dell", ["laptops=laptop", "@Dell"]),
    ("tv -samsung", ["tvs=tv", "@Samsung"]),
    ("tv not 4k for bedroom", ["tvs=tv"]),
    ("laptop other than dell", ["laptops=laptop", "@Dell"]),
    ("not your mothers dry shampoo", ["@Not Your Mothers", "shampoo=dry shampoo"]),
    ("laptop not necessarily dell", ["laptops=laptop", "@Dell"]),
    ("samsung tv", ["@Samsung", "tvs=tv"]),
])
def test_excluded_words_are_the_expansions_before_the_intent(query, links):
    """The words a query excludes, read before the intent (which reads the query without
    them: ``parser.pipeline.intent_text``), are those the expansion gives, whatever it."""
    from fusion.expand import excluded_words

    from .catalog_kg import brand_link, cat_iri, category_link

    linked = [brand_link(m[1:], m[1:].lower()) if m.startswith("@") else
              category_link(cat_iri(m.split("=")[0]), m.split("=")[1]) for m in links]
    kg = _neg_kg()
    assert excluded_words(kg, query, linked) == expand(kg, linked, query=query).excluded


def test_the_cue_words_are_one_public_set():
    """The parser's clause words before what a cue excludes hold the expansion's cue words,
    one set (``fusion.expand.CUE_WORDS``), where the parser kept a copy of its own."""
    from fusion.expand import CUE_WORDS, EXCLUSION_LEAD_WORDS
    from fusion.expand.words import _NEGATIONS, _PAIR_NEGATIONS

    assert _NEGATIONS | {w for pair in _PAIR_NEGATIONS for w in pair} <= CUE_WORDS
    assert {"sans", "besides", "never", "isn't", "other", "than"} <= CUE_WORDS
    assert CUE_WORDS <= EXCLUSION_LEAD_WORDS and {"nor", "made", "by", "a"} <= \
        EXCLUSION_LEAD_WORDS


# -- the intent's department filter against a product linked elsewhere (a fashion/home
# marketplace review, 2026-12-05: "coffee table" got a hard Appliances filter) ----------------

_D_CATS = {
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "fans": ("Table & Portable Fans", "Appliances > Table & Portable Fans", "app"),
    "home": ("Furniture & Decor", "Furniture & Decor", None),
    "tables": ("Coffee Tables", "Furniture & Decor > Coffee Tables", "home"),
    "ct": ("Computers & Tablets", "Computers & Tablets", None),
    "ckeys": ("Computer Keyboards", "Computers & Tablets > Computer Keyboards", "ct"),
    "mi": ("Musical Instruments", "Musical Instruments", None),
    "mkeys": ("Keyboards", "Musical Instruments > Keyboards", "mi"),
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
}
_D_OTHER = {  # another shop's taxonomy (Google's): no department of the store's
    "hg": ("Home & Garden", "Home & Garden", None),
    "blankets": ("Blankets", "Home & Garden > Blankets", "hg"),
    # (a top level of Google's that the label space places some of: Electronics > Audio)
    "el": ("Electronics", "Electronics", None),
    "audio": ("Audio", "Electronics > Audio", "el"),
    "video": ("Video", "Electronics > Video", "el"),
    "televisions": ("Televisions", "Electronics > Video > Televisions", "video"),
}
_D_DEPTS = ("Appliances", "Furniture & Decor", "Computers & Tablets", "Musical Instruments",
            "TV & Home Theater", "Audio")


@pytest.fixture(scope="module")
def dept_kg():
    from .catalog_kg import catalog_kg, category_records

    return catalog_kg(category_records(_D_CATS) + category_records(_D_OTHER, "google"))


def _d_expand(kg, key, mention, query, path, source="bb", label="core_product_type"):
    from fusion.expand import Thresholds

    from .catalog_kg import cat_iri, category_link, intent_at

    # (the default bundle's thresholds: a model with the query memory, hard filter from 0.73)
    return expand(kg, [category_link(cat_iri(key, source), mention, label)],
                  intent_at(path, 0.81, 0.83), query=query, departments=_D_DEPTS,
                  thresholds=Thresholds.defaults_for(0.3))


@pytest.mark.parametrize(("key", "mention", "query", "source"), [
    ("tables", "coffee table", "coffee table", "bb"),  # another department of the store's
    # ("table" of Table & Portable Fans is a shared modifier: fans, no table, are sold there)
    ("tables", "table", "small kitchen table", "bb"),
    ("blankets", "blanket", "waffle blanket", "google"),  # another taxonomy's category
])
def test_a_product_linked_where_the_intents_department_has_none_blocks_its_filter(
        dept_kg, key, mention, query, source):
    # the intent (Appliances at 0.83, over the hard-filter threshold) names no table nor
    # blanket: its department is a suggestion, the linked category one too, no hard filter
    res = _d_expand(dept_kg, key, mention, query, "Appliances > Small Kitchen Appliances",
                    source)
    assert res.filters.category == ()
    sugg = {(s.category, s.source) for s in res.suggestions}
    assert ("Appliances", "intent-department") in sugg
    assert any(src.startswith("link:") for _, src in sugg)


def test_the_intent_picks_among_namesakes_and_a_modifier_blocks_nothing(dept_kg):
    # "keyboards" links Musical Instruments' Keyboards; the intent's Computers & Tablets
    # holds Computer Keyboards: the intent chooses the namesake, its department filters
    res = _d_expand(dept_kg, "mkeys", "keyboards", "keyboards",
                    "Computers & Tablets > Computer Keyboards")
    assert res.filters.category == ("Computers & Tablets",)
    # a link that is no product searched (a modifier) blocks nothing
    res = _d_expand(dept_kg, "tables", "coffee table", "coffee table maker",
                    "Appliances > Small Kitchen Appliances", label="modifier")
    assert res.filters.category == ("Appliances",)


def test_another_catalogues_branch_the_store_overlaps_keeps_the_filter(dept_kg):
    # "television" links Google's Electronics > Video > Televisions; the store names its TVs
    # otherwise, but Google's Electronics is where the label space places categories (its
    # Audio): the store's domain, not another shop's, so the trusted intent filters
    res = _d_expand(dept_kg, "televisions", "television", "television",
                    "TV & Home Theater > TVs", "google")
    assert res.filters.category == ("TV & Home Theater",)


# -- a general store's grocery, pet and toy queries against the intent's department (a
# grocery review, 2026-12-06: "milk" lost the Appliances filter but still expanded into its
# kitchen categories; "puppy food", linking nothing, kept it) --------------------------------

_G_CATS = {
    "app": ("Appliances", "Appliances", None),
    "ska": ("Small Kitchen Appliances", "Appliances > Small Kitchen Appliances", "app"),
    "coffee": ("Coffee Makers", "Appliances > Small Kitchen Appliances > Coffee Makers", "ska"),
    "gadgets": ("Kitchen Gadgets", "Appliances > Small Kitchen Appliances > Kitchen Gadgets",
                "ska"),
    "proc": ("Food Processors", "Appliances > Small Kitchen Appliances > Food Processors",
             "ska"),
    "wd": ("Washers & Dryers", "Appliances > Washers & Dryers", "app"),
    "clean": ("Cleaners & Detergents", "Appliances > Washers & Dryers > Cleaners & Detergents",
              "wd"),
}
_G_OTHER = {  # another shop's taxonomy (Google's): foods and pet foods
    "fbt": ("Food, Beverages & Tobacco", "Food, Beverages & Tobacco", None),
    "bev": ("Beverages", "Food, Beverages & Tobacco > Beverages", "fbt"),
    "milk": ("Milk", "Food, Beverages & Tobacco > Beverages > Milk", "bev"),
    "pet": ("Animals & Pet Supplies", "Animals & Pet Supplies", None),
    "dogfood": ("Dog Food", "Animals & Pet Supplies > Dog Food", "pet"),
    "birdfood": ("Bird Food", "Animals & Pet Supplies > Bird Food", "pet"),
}


@pytest.fixture(scope="module")
def grocery_kg():
    from .catalog_kg import catalog_kg, category_records

    return catalog_kg(category_records(_G_CATS) + category_records(_G_OTHER, "google"))


def _g_expand(kg, links, query, *, score=0.97, outside=None):
    from fusion.expand import Thresholds

    from .catalog_kg import intent_at

    return expand(kg, links, intent_at("Appliances > Small Kitchen Appliances", 0.81, score),
                  query=query, departments=("Appliances",), outside=outside,
                  thresholds=Thresholds.defaults_for(0.3))


def _pushes_appliances(res) -> list[str]:
    """The expansions and department suggestions of ``res`` that push Appliances as a
    filter would: expansions from the intent's category walk, a department suggestion at
    or over the hard-filter threshold (0.73)."""
    walked = [e.term for e in res.expansions if e.term in {
        lab for lab, _, _ in _G_CATS.values()}]
    strong = [s.category for s in res.suggestions
              if s.source == "intent-department" and s.score >= 0.73]
    return walked + strong


def test_a_product_linked_elsewhere_gets_no_walk_of_the_intents_category(grocery_kg):
    # "milk" links Google's Milk; Appliances (0.97) has no milk: no filter (f7afafb), and
    # now neither the intent's Small Kitchen Appliances walk (Coffee Makers, Kitchen Gadgets)
    # nor a department suggestion at the filter's weight
    from .catalog_kg import cat_iri, category_link

    res = _g_expand(grocery_kg, [category_link(cat_iri("milk", "google"), "milk")], "milk")
    assert res.filters.category == ()
    assert _pushes_appliances(res) == []
    dept = [s for s in res.suggestions if s.source == "intent-department"]
    assert [s.category for s in dept] == ["Appliances"] and 0.7 < dept[0].score < 0.73
    # (a query the department names walks it: the intent's kitchen categories)
    assert {"Coffee Makers", "Kitchen Gadgets"} <= {
        e.term for e in _g_expand(grocery_kg, [], "coffee").expansions}


@pytest.mark.parametrize("query", ["puppy food", "hamster food", "chicken dog food"])
def test_an_unlinked_head_word_only_other_departments_name_blocks_the_filter(grocery_kg,
                                                                             query):
    # nothing linked; "food" heads Google's Dog Food and Bird Food only (Appliances' Food
    # Processors are processors): the department is a capped suggestion, not a filter
    res = _g_expand(grocery_kg, [], query)
    assert res.filters.category == ()
    assert _pushes_appliances(res) == []
    assert ("Appliances", "intent-department") in {
        (s.category, s.source) for s in res.suggestions}


@pytest.mark.parametrize("query", ["food processor", "laundry detergent", "kitchen gadget",
                                   "kitchen gadgets cuisinart", "food", "coffee food"])
def test_an_unlinked_head_word_the_department_names_keeps_the_filter(grocery_kg, query):
    # a namesake in Appliances (Food Processors, Cleaners & Detergents, Kitchen Gadgets),
    # a last word no category is headed by ("cuisinart"), a one-word query (the store's
    # own), or another word of a category of the department ("coffee": Coffee Makers): the
    # trusted intent filters
    res = _g_expand(grocery_kg, [], query)
    assert res.filters.category == ("Appliances",)


def test_the_intent_department_of_a_query_out_of_the_models_depth_is_below_the_filter(
        grocery_kg):
    # an out-of-depth query ("spoons for baby self feeding", "peppermint cinnamon candy":
    # Appliances at 0.98): no filter, and its department suggestion is capped under the
    # hard-filter threshold (an engine weights a should clause by its score)
    res = _g_expand(grocery_kg, [], "peppermint cinnamon candy", score=0.98, outside=True)
    assert res.filters.category == ()
    dept = [s for s in res.suggestions if s.source == "intent-department"]
    assert len(dept) == 1 and dept[0].score == 0.729999
    # below the threshold, the score is the intent's
    res = _g_expand(grocery_kg, [], "peppermint cinnamon candy", score=0.5)
    assert [s.score for s in res.suggestions if s.source == "intent-department"] == [0.5]


# -- colour words on food and care products, garment sizes beside "top" (a general store's
# -- review, 2026-12-06) ------------------------------------------------------------------------

_FC_CATS = {  # key: (label, path, parent key)
    "food": ("Food, Beverages & Tobacco", "Food, Beverages & Tobacco", None),
    "apples": ("Apples", "Food, Beverages & Tobacco > Food Items > Apples", "food"),
    "sugar": ("Sugar & Sweeteners", "Food, Beverages & Tobacco > Food Items > Sugar & "
              "Sweeteners", "food"),
    "pets": ("Animals & Pet Supplies", "Animals & Pet Supplies", None),
    "dogfood": ("Dog Food", "Animals & Pet Supplies > Pet Supplies > Dog Food", "pets"),
    "bowls": ("Dog Bowls", "Animals & Pet Supplies > Pet Supplies > Dog Bowls", "pets"),
    "hb": ("Health & Beauty", "Health & Beauty", None),
    "paste": ("Toothpaste", "Health & Beauty > Personal Care > Toothpaste", "hb"),
    "shadow": ("Eye Shadow", "Health & Beauty > Personal Care > Eye Shadow", "hb"),
    "hg": ("Home & Garden", "Home & Garden", None),
    "sheets": ("Fabric Softeners & Dryer Sheets", "Home & Garden > Household Supplies > "
               "Fabric Softeners & Dryer Sheets", "hg"),
    "tables": ("Coffee Tables", "Home & Garden > Furniture > Coffee Tables", "hg"),
    "cookers": ("Rice Cookers", "Home & Garden > Kitchen > Rice Cookers", "hg"),
    "app": ("Apparel", "Apparel", None),
    "dresses": ("Dresses", "Apparel > Dresses", "app"),
}


@pytest.fixture(scope="module")
def food_kg():
    from kg import Node, NodeKind

    from .catalog_kg import catalog_kg, category_records
    recs = category_records(_FC_CATS, "google")
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in ("Brown", "Pink", "Red", "White", "Black", "Silver", "Blue", "lavender",
                       "Gold", "Orange", "Peach")]
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"size/{s.lower()}", s, attribute="size")
             for s in ("Small", "Large")]
    recs.append(Node(NodeKind.BRAND, "apple", "Apple"))
    return catalog_kg(recs)


def _fc(kind, name, mention, label):
    from .catalog_kg import ID
    key = name.lower() if kind != "category" else name
    iri = f"{ID}category/google/{key}" if kind == "category" \
        else f"{ID}attribute_value/{kind}/{key}"
    return LinkedEntity(iri, "category" if kind == "category" else "attribute_value", 0.9,
                        label, mention)


def _fc_colour(name, mention):
    return _fc("color", name, mention, "color")


@pytest.mark.parametrize(("query", "linked"), [
    # a food the query links: any colour is its variety or flavour
    ("red apples", [_fc_colour("Red", "red"), _fc("category", "apples", "apples",
                                                 "core_product_type")]),
    ("blue buffalo dog food", [_fc_colour("Blue", "blue"), _fc("category", "dogfood",
                                                               "dog food", "core_product_type")]),
    # a food word the KG names a food category by ("Sugar & Sweeteners"), unlinked
    ("brown sugar 2 lb", [_fc_colour("Brown", "brown")]),
    # food words the KG names no category by alone
    ("pink lemonade", [_fc_colour("Pink", "pink")]),
    ("red wine vinegar", [_fc_colour("Red", "red")]),
    ("white bread", [_fc_colour("White", "white")]),
    ("ice tea green", [_fc_colour("White", "green")]),
    # a care product's word right after the colour
    ("crest 3d white toothpaste", [_fc_colour("White", "white"),
                                   _fc("category", "paste", "toothpaste", "core_product_type")]),
])
def test_a_colour_on_food_or_a_care_products_name_is_an_up_boost(food_kg, query, linked):
    """Old: a hard colour filter ("brown sugar" -> Brown: the brown-coloured bags only)."""
    res = expand(food_kg, linked, query=query)
    assert res.filters.colour == (), query
    assert [b.direction for b in res.boosts if b.term.startswith("colour:")] == ["UP"], query
    assert any((b.rule or "").endswith("(a consumable)") for b in res.boosts), query


@pytest.mark.parametrize(("query", "linked", "value"), [
    # multi-word heads, a singular, and a consumable the KG links
    ("peach ice cream", [_fc_colour("Peach", "peach")], "Peach"),
    ("lavender epsom salt", [_fc_colour("lavender", "lavender")], "lavender"),
    ("lavender hand cream", [_fc_colour("lavender", "lavender")], "lavender"),
    ("orange marmalade", [_fc_colour("Orange", "orange")], "Orange"),
    ("orange chicken", [_fc_colour("Orange", "orange")], "Orange"),
    ("lavender dryer sheets", [_fc_colour("lavender", "lavender"),
                               _fc("category", "sheets", "dryer sheets", "core_product_type")],
     "lavender"),
])
def test_a_scent_or_flavour_on_a_multi_word_or_kg_consumable_is_an_up_boost(
        food_kg, query, linked, value):
    """Old: only single words of a hand list named a consumable ("icecream", "salts")."""
    res = expand(food_kg, linked, query=query)
    assert res.filters.colour == (), query
    assert [(b.term, b.direction) for b in res.boosts if b.term.startswith("colour:")] \
        == [(f"colour:{value}", "UP")], query


@pytest.mark.parametrize(("query", "linked", "value"), [
    ("red dress", [_fc_colour("Red", "red"), _fc("category", "dresses", "dress",
                                                 "core_product_type")], "Red"),
    ("white sneakers", [_fc_colour("White", "white")], "White"),
    # a food word in another product's name: the query links that product
    ("black coffee table", [_fc_colour("Black", "black"),
                            _fc("category", "tables", "coffee table", "core_product_type")],
     "Black"),
    ("white rice cooker", [_fc_colour("White", "white"),
                           _fc("category", "cookers", "rice cooker", "core_product_type")],
     "White"),
    # a pet product that is no food, a cosmetic's shade, clothing named by a food word
    ("red dog bowl", [_fc_colour("Red", "red"), _fc("category", "bowls", "dog bowl",
                                                    "core_product_type")], "Red"),
    ("silver eye shadow", [_fc_colour("Silver", "silver"),
                           _fc("category", "shadow", "eye shadow", "core_product_type")],
     "Silver"),
    ("honey crop top black", [_fc_colour("Black", "black")], "Black"),
    # a food word away from the colour word: a cut, what a pouch is for
    ("black diamond engagement ring pear ring", [_fc_colour("Black", "black")], "Black"),
    ("gold crown pouch fillable for candies", [_fc_colour("Gold", "gold")], "Gold"),
    ("lavender dress", [_fc_colour("lavender", "lavender"),
                        _fc("category", "dresses", "dress", "core_product_type")], "lavender"),
    # a food word that is a linked brand's name (a final read of 8baccd7..012fd8c)
    ("black apple iphone 13", [_fc_colour("Black", "black"), LinkedEntity(
        "https://kgqp.dev/id/brand/apple", "brand", 0.9, "creator", "apple")], "Black"),
])
def test_a_colour_of_anything_else_still_filters(food_kg, query, linked, value):
    res = expand(food_kg, linked, query=query)
    assert res.filters.colour == (value,), query


@pytest.mark.parametrize("query", [
    "small dog food top rated", "large trash bags drawstring top", "large dog toys top rated",
    "small counter top microwave", "large sugar scrubs", "small cat litter box top entry",
    "small top load washer", "large stock pot with lid top"])
def test_top_rated_counter_top_and_sugar_scrubs_name_no_clothing(food_kg, query):
    """Old: "top" and "scrubs" were clothing, "small"/"large" a hard size filter."""
    word = query.split()[0]
    res = expand(food_kg, [_fc("size", word.title(), word, "UoM")], query=query)
    assert res.filters.size == (), query
    assert [(b.term, b.direction) for b in res.boosts if b.term.startswith("size:")] \
        == [(f"size:{word.title()}", "UP")], query


@pytest.mark.parametrize("query", ["large crop top", "small tops for women",
                                   "scrubs for women large", "large tank top"])
def test_a_top_or_scrubs_that_are_clothing_keep_the_size_filter(food_kg, query):
    word = next(w for w in query.split() if w in ("small", "large"))
    res = expand(food_kg, [_fc("size", word.title(), word, "UoM")], query=query)
    assert res.filters.size == (word.title(),), query


# -- what the products wanted are free of, and a cue inside a name (a general-store reviewer,
# -- 2026-12-06, on the default bundle) ------------------------------------------------------

def _nx_kg():
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("caffeine", kind="brand", label="caffeine")
    g.add_node("dell", kind="brand", label="Dell")
    g.add_node("nym", kind="brand", label="not your mothers")
    g.add_node("laptops", kind="category", label="Laptops", path="Computers > Laptops")
    g.add_node("shampoo", kind="category", label="Shampoo", path="Beauty > Shampoo")
    g.add_edge("dell", "laptops", relation="sells_in")
    return g


@pytest.mark.parametrize(("query", "linked", "expected", "downs"), [
    # free-from: marked, no DOWN boost on a node of that name, no iri
    ("tea no caffeine", [("caffeine", "brand", "no caffeine")],
     [("caffeine", None, True)], []),
    ("orange juice no pulp", [], [("pulp", None, True)], []),
    ("peanut butter no sugar added", [], [("sugar added", None, True)], []),
    ("shampoo no sulfates", [], [("sulfates", None, True)], []),
    ("non gmo snacks", [], [("gmo", None, True)], []),  # ("non" opens a free-from run)
    ("cereal no artificial colors", [], [("artificial colors", None, True)], []),
    # exclusions as before
    ("tv not 4k", [], [("4k", None, False)], []),
    ("laptop not dell", [("dell", "brand", "dell")], [("dell", "dell", False)],
     ["brand:Dell"]),
    ("non stick pan", [], [], []),  # ("non" before no free-from word: a compound)
    ("detergent without bleach", [], [("bleach", None, False)], []),
])
def test_free_from_exclusions_are_marked_and_demote_no_node(query, linked, expected, downs):
    """"tea no caffeine" DOWN-boosted a brand "caffeine", "non gmo snacks" the brand G-MOS,
    and nothing told an engine that "pulp" of "orange juice no pulp" is the claim of the
    products wanted ("Pulp Free"), not a product to leave out as "4k" of "tv not 4k"."""
    res = expand(_nx_kg(), [LinkedEntity(iri, kind, 0.9, "modifier", mention)
                            for iri, kind, mention in linked], query=query)
    assert [(x.text, x.iri, x.free_from) for x in res.excluded] == expected
    assert [b.term for b in res.boosts if b.direction == "DOWN"] == downs


def test_a_cue_in_a_possessive_of_a_name_is_no_cue():
    """"not your mother's shampoo" linked the brand "not your mothers" excludes nothing, and a
    cue before the name the tagger took into its span excludes it: the name's "mothers" meets
    the query's "mother's" (the cue inside a name is none, the one before it is)."""
    def run(query, mention):
        res = expand(_nx_kg(), [LinkedEntity("nym", "brand", 0.9, "creator", mention)],
                     query=query)
        return ([(x.text, x.iri) for x in res.excluded],
                [b.term for b in res.boosts if b.direction == "DOWN"])

    assert run("not your mother's shampoo", "not your mother's") == ([], [])
    assert run("shampoo not not your mother's", "not not your mother's") == (
        [("not your mother's", "nym")], ["brand:not your mothers"])


def test_free_from_words():
    from fusion.expand import free_from_words

    assert [free_from_words(t) for t in (
        "caffeine", "no sulfates", "high fructose corn syrup", "tree nuts", "palm oil",
        "artifitial sweetener", "tears")] == [True] * 7
    assert [free_from_words(t) for t in (
        "4k", "dell", "bleach", "nuts", "latex backing", "vitamin k", "chicken", "iron",
        "")] == [False] * 9


@pytest.mark.parametrize(("query", "span", "compound"), [
    ("dress no sleeves black", (6, 16), None),
    ("phone case no glitter pink", (11, 21), None),
    ("mens no show socks", (5, 12), (8, 12)),  # (a compound: the product after "no show")
])
def test_a_colour_after_no_x_is_the_products_colour_and_x_is_excluded(query, span, compound):
    """2e5dbbe read any word of letters after "no X" as the product the "no" qualifies, so
    "dress no sleeves black" excluded nothing (a final read of 8baccd7..012fd8c)."""
    from fusion.expand import compound_no_words

    assert compound_no_words(query, *span) == compound


# -- links that overruled a right department filter (Best Buy train: 15 gold-right filters
# lost to f7afafb/eecb606; QueryNER "laptop cooler") ----------------------------------------

_M_CATS = {
    "ct": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "ct"),
    "lacc": ("Laptop Accessories", "Computers & Tablets > Laptop Accessories", "ct"),
    "hfb": ("Health, Fitness & Beauty", "Health, Fitness & Beauty", None),
    "coolers": ("Coolers", "Health, Fitness & Beauty > Coolers", "hfb"),
    "app": ("Appliances", "Appliances", None),
    "vacs": ("Upright Vacuums", "Appliances > Upright Vacuums", "app"),
    "nb": ("Name Brands", "Name Brands", None),
    "nbb": ("BISSELL", "Name Brands > BISSELL", "nb"),
    "vg": ("Video Games", "Video Games", None),
    "vgtoys": ("Gaming Toys", "Video Games > Gaming Toys", "vg"),
    "office": ("Office Supplies", "Office Supplies", None),
    "pencils": ("Pencils", "Office Supplies > Pencils", "office"),
}
_M_DEPTS = ("Computers & Tablets", "Health, Fitness & Beauty", "Appliances", "Name Brands",
            "Video Games", "Office Supplies")


@pytest.fixture(scope="module")
def mislink_kg():
    from .catalog_kg import brand_records, catalog_kg, category_records

    return catalog_kg(category_records(_M_CATS) + category_records(_G_OTHER, "google")
                      + brand_records({"BISSELL": ["vacs"]}))


def _m_expand(kg, links, query, path, **intent):
    from dataclasses import replace

    from fusion.expand import Thresholds

    from .catalog_kg import intent_at

    return expand(kg, links, replace(intent_at(path, 0.8, 0.85), **intent), query=query,
                  departments=_M_DEPTS, thresholds=Thresholds.defaults_for(0.3))


def test_a_modifier_naming_the_departments_product_keeps_the_filter(mislink_kg):
    # "laptop cooler": "cooler" links Health, Fitness & Beauty's Coolers; the word before it
    # heads Computers & Tablets' Laptops: a cooler for a laptop, the intent's department
    from .catalog_kg import cat_iri, category_link

    cooler = category_link(cat_iri("coolers"), "cooler")
    path = "Computers & Tablets > Laptop Accessories"
    assert _m_expand(mislink_kg, [cooler], "laptop cooler", path).filters.category == (
        "Computers & Tablets",)
    assert _m_expand(mislink_kg, [cooler], "cooler", path).filters.category == ()
    # (a word further off is no modifier of it: a title's "toy" in "toy story pencils")
    res = _m_expand(mislink_kg, [category_link(cat_iri("pencils"), "pencils")],
                    "toy story pencils", "Video Games > Gaming Toys")
    assert res.filters.category == ()


def test_a_linked_brand_the_departments_label_names_keeps_the_filter(mislink_kg):
    # "bissell upright vacuums": Upright Vacuums is Appliances'; the intent's Name Brands
    # holds "Name Brands > BISSELL", the linked brand: a link in the department
    from .catalog_kg import brand_link, cat_iri, category_link

    links = [brand_link("BISSELL"), category_link(cat_iri("vacs"), "vacuums")]
    res = _m_expand(mislink_kg, links, "bissell upright vacuums", "Name Brands > BISSELL")
    assert res.filters.category == ("Name Brands",)
    res = _m_expand(mislink_kg, links[1:], "upright vacuums", "Name Brands > BISSELL")
    assert res.filters.category == ()


def test_a_query_the_intent_model_remembers_keeps_its_departments_filter(mislink_kg):
    # "cookies" at Best Buy (Appliances: its searchers went to mixers and cookie presses)
    # links Google's Cookies; a query the model was trained on (cosine 1 to its memory)
    # says where the store's searchers of it went: the link does not overrule it
    from .catalog_kg import cat_iri, category_link

    milk = [category_link(cat_iri("milk", "google"), "milk")]
    path = "Appliances > Upright Vacuums"
    res = _m_expand(mislink_kg, milk, "milk", path, familiarity=1.0, familiar_floor=0.71)
    assert res.filters.category == ("Appliances",)
    # (a query only like one it was trained on, or a model without a memory: blocked)
    for fam in ({"familiarity": 0.93, "familiar_floor": 0.71}, {}):
        assert _m_expand(mislink_kg, milk, "milk", path, **fam).filters.category == ()


# -- colour words of a care product's name, "no X" before a numbered name ----------------------

@pytest.fixture(scope="module")
def care_kg():
    from kg import Node, NodeKind

    from .catalog_kg import catalog_kg, category_records
    recs = category_records(_FC_CATS, "google")
    recs += [Node(NodeKind.ATTRIBUTE_VALUE, f"color/{c.lower()}", c, attribute="color")
             for c in ("Pink", "White", "Black", "Gold")]
    recs.append(Node(NodeKind.BRAND, "victoria-secret", "Victoria Secret"))
    return catalog_kg(recs)


_VS = LinkedEntity(ID + "brand/victoria-secret", "brand", 0.9, "creator", "victoria secret")


@pytest.mark.parametrize(("query", "linked", "value"), [
    # a colour opening a brand's or a line's name that a care word heads, nothing linked
    ("gold bond lotion", [_fc_colour("Gold", "gold")], "Gold"),
    ("gold bond lotion for dry skin", [_fc_colour("Gold", "gold")], "Gold"),
    # a brand's line: the colour between the brand and a fragrance
    ("victoria secret pink perfume", [_VS, _fc_colour("Pink", "pink")], "Pink"),
])
def test_a_colour_in_a_care_products_name_is_an_up_boost(care_kg, query, linked, value):
    """Old: a hard colour filter ("gold bond lotion" -> Gold): only a care word right after
    the colour, of a query that linked a care category, read as the product's name."""
    res = expand(care_kg, linked, query=query)
    assert res.filters.colour == (), query
    assert [(b.term, b.direction) for b in res.boosts if b.term.startswith("colour:")] \
        == [(f"colour:{value}", "UP")], query


@pytest.mark.parametrize(("query", "linked"), [
    # the care word names no head: a dish, a bottle
    ("white bar soap dish", [_fc_colour("White", "white")]),
    ("white soap dish", [_fc_colour("White", "white")]),
    ("black lotion bottle", [_fc_colour("Black", "black")]),
    # no brand before the colour: the soap's colour ("mint green soap" too)
    ("pink perfume", [_fc_colour("Pink", "pink")]),
])
def test_a_colour_before_a_care_word_of_another_products_name_stays_a_filter(
        care_kg, query, linked):
    res = expand(care_kg, linked, query=query)
    assert res.filters.colour != (), query


@pytest.mark.parametrize(("query", "spans", "negated"), [
    # a numbered name after "no X" ("windows 11"): a spec of the product before the "no"
    ("laptop no touchscreen windows 11", [(0, 6), (7, 21), (22, 32)], [False, True, False]),
    # a count or a measure after the product's word keeps the compound
    ("mens no show socks 6 pack", [(0, 4), (5, 12), (13, 18), (19, 25)],
     [False, False, False, False]),
])
def test_a_no_before_a_numbered_name_excludes(query, spans, negated):
    """Old: "no touchscreen" read as a compound qualifying "windows": nothing excluded."""
    from fusion.expand import compound_no_words, negated_spans

    assert negated_spans(query, spans) == negated
    assert (compound_no_words(query, *spans[1]) is None) == negated[1]


def test_laptop_no_touchscreen_windows_11_excludes_touchscreen_only():
    res = _neg_parse("laptop no touchscreen windows 11", ["laptops=laptop"])
    assert [x.text for x in res.excluded] == ["touchscreen"]
    assert [x.text for x in _neg_parse("laptop without windows 11",
                                       ["laptops=laptop"]).excluded] == ["windows 11"]


# --- expansions that leave the query's audience, bare-number values -------------------------------

def _audience_kg():
    """A Flipkart-like gendered footwear branch, pillows with a common "ideal_for" value, and
    a belt category whose commonest value is a bare waist size."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for n, label, path in (
            ("foot", "footwear", "footwear"),
            ("wfoot", "womens footwear", "footwear > womens footwear"),
            ("mfoot", "mens footwear", "footwear > mens footwear"),
            ("sandals", "sports sandals", "footwear > womens footwear > sports sandals"),
            ("heels", "heels", "footwear > womens footwear > heels"),
            ("msandals", "sandals", "footwear > mens footwear > sandals"),
            ("home", "home furnishing", "home furnishing"),
            ("pillows", "pillows", "home furnishing > pillows"),
            ("cloth", "clothing", "clothing"),
            ("belts", "belts", "clothing > belts"),
            ("kids", "Kids' Shoes", "footwear > Kids' Shoes")):
        g.add_node(n, kind="category", label=label, path=path)
    for child, parent in (("wfoot", "foot"), ("mfoot", "foot"), ("sandals", "wfoot"),
                          ("heels", "wfoot"), ("msandals", "mfoot"), ("pillows", "home"),
                          ("belts", "cloth"), ("kids", "foot")):
        g.add_edge(child, parent, relation="parent")
    for v, label, attr in (("men", "Men", "ideal_for"), ("cotton", "Cotton", "fabric"),
                           ("w34", "34", "size"), ("leather", "Genuine Leather", "material")):
        g.add_node(v, kind="attribute_value", label=label, attribute=attr)
    for i, (cat, values) in enumerate((("pillows", ("men", "men", "cotton")),
                                       ("belts", ("w34", "w34", "leather")))):
        for j, v in enumerate(values):
            prod = f"p{i}{j}"
            g.add_node(prod, kind="product", label=f"product {i}{j}")
            g.add_edge(prod, cat, relation="in_category")
            g.add_edge(prod, v, relation="has_value")
    return g


def _terms(query, iri, mention):
    res = expand(_audience_kg(), [LinkedEntity(iri, "category", 0.9, "core_product_type",
                                               mention)], query=query)
    return {x.term for x in res}


def test_no_expansion_narrows_a_query_naming_no_audience_to_one():
    """"birkenstock sandals" linked Flipkart's "sports sandals", under "womens footwear": its
    parent narrowed the query to women; "sweatshirt", "pillow" expanded to the value "Men" of
    their category's products (233 of 7,841 QueryNER train parses expanded an audience word
    the query does not name, most of them such values and parents)."""
    assert "womens footwear" not in _terms("sandals", "sandals", "sandals")
    assert "heels" in _terms("sandals", "sandals", "sandals")  # (its siblings stay)
    pillows = _terms("pillows", "pillows", "pillows")
    # (nor is a material of its products a value the query asks for)
    assert "Men" not in pillows and "Cotton" not in pillows


def test_an_expansion_of_another_audience_than_the_querys_is_dropped_a_sibling_or_child_too():
    """A category of another audience contradicts the query as a value of one did already
    ("i'm a simple woman t shirt" expanded to Flipkart's parent "mens clothing"); one of
    the query's audience stays; a child category of an audience is a kind of what a query
    naming none searches."""
    assert "womens footwear" not in _terms("mens sandals", "sandals", "sandals")
    assert "womens footwear" in _terms("womens sandals", "sandals", "sandals")
    boys = _terms("boys footwear", "foot", "footwear")
    assert "womens footwear" not in boys and "Kids' Shoes" in boys
    assert {"womens footwear", "Kids' Shoes"} <= _terms("footwear", "foot", "footwear")


def test_a_bare_number_value_is_no_expansion():
    """"leather belt blank" expanded to "34" and "28" (the waist sizes of Flipkart's belts):
    a term any text with the number matches, as the bare answers "Yes" and "No" were."""
    belts = _terms("belts", "belts", "belts")
    assert "34" not in belts


def test_a_query_excluding_an_audience_is_not_narrowed_by_another():
    """"pillows not for men": the query names an audience only to exclude it; another
    audience's value is what is left, no narrowing of an audience the query does not say."""
    # (nor is it one the query asks for: no value of another audience either)
    assert "Men" not in _terms("pillows not for kids", "pillows", "pillows")
    assert "Men" not in _terms("pillows for kids", "pillows", "pillows")


# --- a brand and a model the KG does not link: no guess at one of the brand's families ------

def _family_kg():
    import networkx as nx

    g = nx.MultiDiGraph()
    cats = (("tvs", "TVs", "TV & Home Theater > TVs"),
            ("ps4", "PlayStation 4", "Video Games > PlayStation 4"),
            ("xbox", "Xbox One", "Video Games > Xbox One"),
            ("vg", "Video Games", "Video Games"),
            ("hp", "Headphones", "Audio > Headphones"),
            ("fridges", "Refrigerators", "Appliances > Refrigerators"),
            ("ssd", "Solid State Drives", "Computers & Tablets > Solid State Drives"),
            ("comp", "Computers & Tablets", "Computers & Tablets"),
            ("desk", "All Desktops", "Computers & Tablets > All Desktops"),
            ("towers", "Towers Only", "Computers & Tablets > All Desktops > Towers Only"),
            ("aio", "All-in-One Computers",
             "Computers & Tablets > All Desktops > All-in-One Computers"),
            ("laptops", "Laptops", "Computers & Tablets > Laptops"),
            ("monitors", "Monitors", "Computers & Tablets > Monitors"),
            ("phones", "Cell Phones", "Cell Phones"),
            ("iphone", "iPhone", "Cell Phones > iPhone"))
    for n, label, path in cats:
        g.add_node(n, kind="category", label=label, path=path)
    for child, parent in (("ps4", "vg"), ("xbox", "vg"), ("towers", "desk"), ("aio", "desk"),
                          ("desk", "comp"), ("laptops", "comp"), ("monitors", "comp"),
                          ("ssd", "comp"), ("iphone", "phones")):
        g.add_edge(child, parent, relation="parent")
    for b, label, sold in (("sony", "Sony", ("tvs", "ps4", "hp")),
                           ("samsung", "Samsung", ("tvs", "fridges", "ssd")),
                           ("dell", "Dell", ("aio", "laptops", "monitors")),
                           ("apple", "Apple", ("iphone", "laptops"))):
        g.add_node(b, kind="brand", label=label)
        for c in sold:
            g.add_edge(b, c, relation="sells_in")
    return g


def _family_terms(query, brand, intent=None):
    from fusion.expand import ExpansionConfig, Thresholds

    res = expand(_family_kg(), [LinkedEntity(brand, "brand", 0.9, "creator", brand)], intent,
                 query=query, thresholds=Thresholds(intent=0.36, hard_filter=0.73),
                 config=ExpansionConfig(walk_min_department_prob=0.71))
    return {x.term for x in res}


def test_a_brand_with_an_unlinked_model_fans_out_into_no_family_the_query_does_not_support():
    """"sony wh-1000xm5" (headphones) expanded to PlayStation 4, "samsung 55in qled" to
    Refrigerators: the brand's ``sells_in`` categories in whatever department the intent gave
    0.2; of 93 brand + model queries, 39 expanded into another product family. Now only the
    categories the query's units or words fit ("55in", "65", "qled": TVs; "2tb": storage;
    "iphone": iPhone) are kept, and none where nothing does; a brand alone still fans out."""
    games = Intent("Video Games > PlayStation 4", "Video Games", 0.25, 0.3,
                   (("Video Games > PlayStation 4", 0.25),))
    assert _family_terms("sony wh-1000xm5", "sony", games) == set()
    assert _family_terms("sony bravia 65", "sony", games) == {"TVs"}
    kitchen = Intent("Appliances > Refrigerators", "Appliances", 0.2, 0.25,
                     (("Appliances > Refrigerators", 0.2),))
    assert _family_terms("samsung 55in qled", "samsung", kitchen) == {"TVs"}
    assert _family_terms("samsung 990 pro 2tb", "samsung", kitchen) == {"Solid State Drives"}
    assert "iPhone" in _family_terms("apple iphone 7 plus", "apple")
    assert "Laptops" not in _family_terms("apple iphone 7 plus", "apple")
    assert "PlayStation 4" in _family_terms("sony", "sony", games)  # (no model: as before)


def test_the_intent_of_a_brand_and_an_unlinked_model_is_walked_only_when_sure():
    """"dell xps 13" (a laptop) expanded to Towers Only and All-in-One Computers: the intent's
    All Desktops at 0.6 was walked; such intents were right about half the time between the
    intent threshold and the hard filter's. A sure one is walked, but not into its siblings
    (other product families: "sony ps5" is no Xbox One)."""
    desktops = Intent("Computers & Tablets > All Desktops", "Computers & Tablets", 0.6, 0.95,
                      (("Computers & Tablets > All Desktops", 0.6),))
    terms = _family_terms("dell xps 13", "dell", desktops)
    assert not terms & {"Towers Only", "All-in-One Computers", "Laptops", "Monitors"}
    assert "Towers Only" in _family_terms("dell", "dell", desktops)  # (no model: walked)
    sure = Intent("Video Games > PlayStation 4", "Video Games", 0.8, 0.72,
                  (("Video Games > PlayStation 4", 0.8),))
    ps5 = _family_terms("sony ps5", "sony", sure)
    assert "Video Games" in ps5 and "Xbox One" not in ps5


# -- a bare range after a product is a price filter; an accessory's device size a boost --------

def test_a_bare_range_is_a_price_filter_and_an_accessorys_device_size_a_boost():
    """Old: "tv 300-500" had no price filter; "tv mount 65 inch" a hard 65-inch size filter on
    mounts (the size is the TV's they fit)."""
    from fusion.expand import PATTERN_HINT

    res = _neg_parse("tv 300-500", ["tvs=tv"])
    assert (res.filters.price_min, res.filters.price_max) == (300.0, 500.0)
    res = _neg_parse("tv mount 65 inch", [])
    assert res.filters.size == ()
    assert [(b.term, b.weight > 0, b.rule) for b in res.boosts] == [
        ("size:65 inch", True, PATTERN_HINT)]
    assert _neg_parse("65 inch tv", ["tvs=tv"]).filters.size == ("65 inch",)


# -- a name with a number after a brand's name is its model, excluded with it; after another
# -- word a thing of the product searched ----------------------------------------------------

@pytest.mark.parametrize(("query", "links", "excluded"), [
    ("laptop not dell inspiron 15", ["laptops=laptop"], ["dell inspiron 15"]),
    ("laptop without dell xps 13", ["laptops=laptop", "@Dell"], ["dell xps 13"]),
    ("tv not samsung qled 65", ["tvs=tv"], ["samsung qled 65"]),
    ("tv no samsung qled 65", ["tvs=tv"], ["samsung qled 65"]),
    # a thing and a numbered name: the name is a spec of the product searched, whatever the cue
    ("laptop no touchscreen windows 11", ["laptops=laptop"], ["touchscreen"]),
    ("laptop without touchscreen windows 11", ["laptops=laptop"], ["touchscreen"]),
])
def test_a_numbered_name_after_a_brand_is_excluded_with_it(query, links, excluded):
    """Old: every cue's run ended before a word followed by a number, so "laptop not hp
    pavilion 15" excluded "hp" only and kept "pavilion 15" searched; then, for a while, every
    cue but "no" ran on through it, so "laptop without touchscreen windows 11" excluded
    "touchscreen windows 11" and lost the Laptops filter."""
    from fusion.expand.exclusions import _excluded_spans

    assert [x.text for x in _neg_parse(query, links).excluded] == excluded
    words = query.split()
    brand = {"dell", "samsung"}.__contains__
    assert [" ".join(words[a:b]) for a, b in _excluded_spans(words, (), [(0, 1)], brand)] \
        == excluded


# -- expansions the query does not ask for: other devices' kinds of a generic product, a wrong
# -- intent's neighbourhood, a category's common colours (2026-12-06) ---------------------------

_P_CATS = {  # Google's power: generic batteries and the devices some of them are for
    "power": ("Power", "Electronics > Power", None),
    "batteries": ("Batteries", "Electronics > Power > Batteries", "power"),
    "cambat": ("Camera Batteries", "Electronics > Power > Batteries > Camera Batteries",
               "batteries"),
    "upsbat": ("UPS Batteries", "Electronics > Power > Batteries > UPS Batteries", "batteries"),
    "gpbat": ("General Purpose Batteries",
              "Electronics > Power > Batteries > General Purpose Batteries", "batteries"),
    "ups": ("UPS", "Electronics > Power > UPS", "power"),
    "cameras": ("Cameras", "Electronics > Cameras", None),
    "camacc": ("Camera Accessories", "Electronics > Camera Accessories", None),
    "chargers": ("Battery Chargers", "Electronics > Camera Accessories > Battery Chargers",
                 "camacc"),
}


@pytest.fixture(scope="module")
def power_kg():
    from .catalog_kg import brand_records, catalog_kg, category_records

    cat = lambda k: f"{ID}category/google/{k}"  # noqa: E731
    return catalog_kg(category_records(_P_CATS, "google") + brand_records(
        {"Uniross": ["chargers"], "APC": ["upsbat"], "Ryobi": [], "Canon": ["cameras"]},
        cat=cat))


def _p_terms(kg, key, mention, query, brands=()):
    from .catalog_kg import brand_link, cat_iri, category_link

    links = [brand_link(b) for b in brands] + [category_link(cat_iri(key, "google"), mention)]
    return {(x.kind, x.term) for x in expand(kg, links, query=query)}


def test_a_generic_products_children_for_other_devices_are_expanded_only_when_named(power_kg):
    # "makita 18v battery" expanded to Camera, UPS Batteries: other devices' batteries
    terms = _p_terms(power_kg, "batteries", "battery", "battery")
    assert not terms & {("child_category", "Camera Batteries"),
                        ("child_category", "UPS Batteries")}
    # a kind whose other words name no product stays, and so do the parent and siblings
    assert {("child_category", "General Purpose Batteries"), ("parent_category", "Power"),
            ("sibling_category", "UPS")} <= terms
    # the query names the device, or its brand is sold in that kind: expanded
    assert ("child_category", "Camera Batteries") in _p_terms(
        power_kg, "batteries", "battery", "spare camera battery")
    assert ("child_category", "UPS Batteries") in _p_terms(
        power_kg, "batteries", "battery", "apc battery", brands=["APC"])


def test_a_device_the_querys_brand_makes_is_named_by_the_brand(power_kg):
    # "canon battery": Canon sells cameras, so Camera Batteries are the brand's device's
    terms = _p_terms(power_kg, "batteries", "battery", "canon battery", brands=["Canon"])
    assert ("child_category", "Camera Batteries") in terms
    assert ("child_category", "UPS Batteries") not in terms


def test_an_accessory_parent_of_a_device_not_named_is_no_expansion(power_kg):
    # "ryobi battery charger": Flipkart's Battery Chargers sit under Camera Accessories; and a
    # brand the query names (a boost: the KG sells nothing under Ryobi) is no place for another
    terms = _p_terms(power_kg, "chargers", "battery charger", "ryobi battery charger",
                     brands=["Ryobi"])
    assert not {t for _, t in terms} & {"Camera Accessories", "Uniross"}
    terms = _p_terms(power_kg, "chargers", "battery charger", "camera battery charger")
    assert {("parent_category", "Camera Accessories"), ("brand", "Uniross")} <= terms


def test_no_intent_neighbourhood_where_the_linked_product_lies_outside_its_department(
        mislink_kg):
    # "dog food no chicken": the intent Small Kitchen Appliances at 0.66 (department 0.71,
    # over the walk's gate, under the hard filter's) expanded its neighbourhood though the query
    # links Google's Dog Food, which the department holds no namesake of
    from fusion.expand import ExpansionConfig, Thresholds

    from .catalog_kg import cat_iri, category_link, intent_at

    intent = intent_at("Appliances > Upright Vacuums", 0.66, 0.72)

    def run(links, query):
        return expand(mislink_kg, links, intent, query=query, departments=_M_DEPTS,
                      thresholds=Thresholds.defaults_for(0.3),
                      config=ExpansionConfig.defaults_for(0.3))

    milk = [category_link(cat_iri("milk", "google"), "milk")]
    assert not {x.term for x in run(milk, "milk")} & {"BISSELL", "Appliances"}
    # (a query linking nothing: the intent is all there is, its neighbourhood expanded)
    assert "BISSELL" in {x.term for x in run([], "upright")}


def test_a_categorys_common_colours_and_materials_are_no_expansion_unless_asked_for():
    # "curtains" -> Multicolor, "pillow no feathers" -> White, Cotton: values of the category's
    # products the query names none of; a value of an attribute it sets, or of its audience,
    # is asked for
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("c", kind="category", label="curtains", path="Home > curtains")
    values = {"multi": ("color", "Multicolor"), "cotton": ("material", "Cotton"),
              "blue": ("color", "Blue"), "navy": ("color", "Navy Blue"),
              "men": ("ideal_for", "Men")}
    for iri, (attribute, label) in values.items():
        g.add_node(iri, kind="attribute_value", label=label, attribute=attribute)
    for i, value in enumerate(["multi", "multi", "cotton", "navy", "men"]):
        g.add_node(f"p{i}", kind="product", label=f"Drape {i}")
        g.add_edge(f"p{i}", "c", relation="in_category")
        g.add_edge(f"p{i}", value, relation="has_value")
    cur = LinkedEntity("c", "category", 0.9, "core_product_type", "curtains")
    assert not {x.term for x in expand(g, [cur], query="curtains")} & {
        "Multicolor", "Cotton", "Navy Blue", "Men"}
    blue = LinkedEntity("blue", "attribute_value", 0.9, "color", "blue")
    terms = {x.term for x in expand(g, [cur, blue], query="blue curtains")}
    assert "Navy Blue" in terms and not terms & {"Multicolor", "Cotton"}
    assert "Men" in {x.term for x in expand(g, [cur], query="curtains for gentlemen")}
