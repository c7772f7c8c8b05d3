"""Issue 16: expansions a search engine can trust (department gate, cross-taxonomy, names not
spellings, non-linkable categories, ranking by relevance, hard filters vs suggestions, rules'
rewritten query and UP/DOWN boosts with their rule)."""

from __future__ import annotations

import networkx as nx
import pytest
import torch

from fusion.errors import FusionConfigError
from fusion.expand import ExpansionConfig, Thresholds, expand
from fusion.gnn import NodeEmbeddings
from fusion.rules import RuleSet
from fusion.types import Intent, LinkedEntity

from .test_expand import BLACK, ID, RED_IRI, SAMSUNG, TVS

DEPTS = ("TV & Home Theater", "Cell Phones", "Appliances", "Cameras, Camcorders & Drones")
TV_INTENT = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.85, 0.97,
                   (("TV & Home Theater > TVs", 0.85), ("TV & Home Theater > TV Mounts", 0.1)))


def _cats(res):
    return {e.term for e in res if e.kind.endswith("category")}


def test_samsung_tv_gets_no_camcorders(kg):
    """'samsung tv' -> Camcorders came from the brand's sells_in fan-out: gated by the intent."""
    linked = [SAMSUNG, LinkedEntity(TVS.iri, "category", 0.9)]
    res = expand(kg, linked, TV_INTENT, query="samsung tv", departments=DEPTS)
    cats = _cats(res)
    assert "QLED TVs" in cats
    assert not cats & {"Unlocked Phones", "Refrigerators", "Cell Phone Cases"}
    assert res.filters.category == ("TV & Home Theater > TVs",)  # linked, in the department
    assert res.filters.brand == ("Samsung",)
    g = kg.to_networkx()
    for e in res:
        if e.iri and g.nodes[e.iri].get("kind") == "category":
            assert g.nodes[e.iri]["path"].startswith("TV & Home Theater")


def test_colour_fan_out_stays_in_the_department(kg):
    """'red nike running shoes' -> rings came from the colour's has_value fan-out."""
    red = LinkedEntity(RED_IRI, "attribute_value", 0.9)
    fridge = Intent("Appliances > Refrigerators", "Appliances", 0.7, 0.9,
                    (("Appliances > Refrigerators", 0.7),))
    res = expand(kg, [red, BLACK], fridge, query="red fridge", departments=DEPTS)
    assert "Cell Phone Cases" not in _cats(res)  # red/black products in another department
    assert "Refrigerators" in _cats(res)
    assert res.filters.colour == ("Red", "Black")


def test_cross_taxonomy_categories_only_next_to_a_linked_one():
    g = nx.MultiDiGraph()
    g.add_node("b", kind="brand", label="Acme")
    g.add_node("bb", kind="category", label="TVs", path="TV & Home Theater > TVs")
    g.add_node("goo", kind="category", label="Rings", path="Apparel > Jewelry > Rings")
    g.add_node("goo2", kind="category", label="Jewelry", path="Apparel > Jewelry")
    g.add_edge("b", "bb", relation="sells_in")
    g.add_edge("b", "goo", relation="sells_in")
    g.add_edge("goo", "goo2", relation="parent")
    res = expand(g, [LinkedEntity("b", "brand")], TV_INTENT, departments=DEPTS)
    assert _cats(res) == {"TVs"}
    # a query that links the other taxonomy's category gets its tree neighbours
    res = expand(g, [LinkedEntity("goo", "category")], None, query="rings", departments=DEPTS)
    assert _cats(res) == {"Jewelry"}
    assert res.filters.category == ()  # not the search engine's tree: a suggestion
    assert [s.category for s in res.suggestions] == ["Apparel > Jewelry > Rings"]


def test_names_not_spellings():
    g = nx.MultiDiGraph()
    g.add_node("n", kind="brand", label="Nike",
               aliases=["NIKE", "nike ", "Nkie", "Niké", "Nike Inc. Sportswear"])
    g.add_node("s", kind="brand", label="Samsung", aliases=["Samsnug", "Samsung Electronics"])
    g.add_edge("n", "s", relation="synonym")  # an odd synonym that respells nothing
    res = expand(g, [LinkedEntity("n", "brand"), LinkedEntity("s", "brand")], query="Nike")
    terms = [e.term for e in res]
    assert terms.count("Nike Inc. Sportswear") == 1
    assert "Samsung Electronics" in terms
    for bad in ("NIKE", "nike ", "Nkie", "Samsnug", "Nike", "Samsung"):
        assert bad not in terms


def test_non_linkable_categories_are_never_expanded_to():
    g = nx.MultiDiGraph()
    g.add_node("c", kind="category", label="TVs", path="TV > TVs")
    g.add_node("promo", kind="category", label="Mdot Deals", path="TV > TVs > Mdot Deals",
               linkable=False)
    g.add_node("q", kind="category", label="QLED TVs", path="TV > TVs > QLED TVs")
    g.add_edge("promo", "c", relation="parent")
    g.add_edge("q", "c", relation="parent")
    res = expand(g, [LinkedEntity("c", "category"), LinkedEntity("promo", "category")])
    assert _cats(res) == {"QLED TVs"}


def test_children_ranked_by_relevance_not_iri():
    g = nx.MultiDiGraph()
    g.add_node("c", kind="category", label="TVs", path="TV > TVs")
    for i in range(8):  # "a0".."a7" sort first by IRI; "z" is the popular one
        g.add_node(f"a{i}", kind="category", label=f"Odd {i}", path=f"TV > TVs > Odd {i}")
        g.add_edge(f"a{i}", "c", relation="parent")
    g.add_node("z", kind="category", label="OLED TVs", path="TV > TVs > OLED TVs")
    g.add_edge("z", "c", relation="parent")
    for i in range(30):
        g.add_node(f"p{i}", kind="product", label=f"tv {i}")
        g.add_edge(f"p{i}", "z", relation="in_category")
    res = expand(g, [LinkedEntity("c", "category")],
                 config=ExpansionConfig(limits={"child_category": 2}))
    children = [e.term for e in res if e.kind == "child_category"]
    assert children[0] == "OLED TVs" and len(children) == 2


def test_gnn_similarity_moves_the_ranking():
    g = nx.MultiDiGraph()
    g.add_node("b", kind="brand", label="Acme")
    for c in ("x", "y"):
        g.add_node(c, kind="category", label=c.upper(), path=f"D > {c.upper()}")
        g.add_edge("b", c, relation="sells_in")
    emb = NodeEmbeddings(["b", "x", "y"], ["brand", "category", "category"],
                         torch.tensor([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.1]]))
    intent = Intent("D > X", "D", 0.5, 1.0, (("D > X", 0.5), ("D > Y", 0.5)))
    res = expand(g, [LinkedEntity("b", "brand")], intent, embeddings=emb)
    assert [e.term for e in res if e.kind == "category"] == ["Y", "X"]


def test_hard_filter_only_above_the_threshold(kg):
    low = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.3, 0.6,
                 (("TV & Home Theater > TVs", 0.3),))
    res = expand(kg, [TVS], low, thresholds=Thresholds(hard_filter=0.9))
    assert res.filters.category == ()
    assert {(s.category, s.source) for s in res.suggestions} == {
        ("TV & Home Theater > TVs", f"link:{TVS.iri}"),  # once, with its first source
        ("TV & Home Theater", "intent-department")}
    res = expand(kg, [TVS], low, thresholds=Thresholds(hard_filter=0.5))
    assert res.filters.category == ("TV & Home Theater > TVs",)
    assert [f.source for f in res.filter_sources if f.field == "category"] == [
        f"link:{TVS.iri}"]
    # no links and no intent (an empty or nonsense query): nothing to filter on
    res = expand(kg, [], None, query="")
    assert res.filters.category == () and list(res) == [] and res.suggestions == []


def test_the_intents_lvl1_category_is_the_filter_only_when_as_sure(kg):
    """"tv lcd" at TVs 0.9 (department 0.97): the department was the hard filter and TVs a
    suggestion whatever its probability. From ``lvl1_filter`` (calibrated like the department's
    threshold, against the gold lvl1) TVs is the filter, and no expansion names another lvl1
    category of the department (it would match no filtered document); below it, or with no
    ``lvl1_filter`` (the default), the department."""
    sure = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.9, 0.97,
                  (("TV & Home Theater > TVs", 0.9), ("TV & Home Theater > TV Mounts", 0.05)))

    def run(lvl1_filter, intent=sure):
        return expand(kg, [], intent, query="tv lcd", departments=DEPTS, thresholds=Thresholds(
            intent=0.36, hard_filter=0.73, lvl1_filter=lvl1_filter))

    res = run(0.8)
    assert res.filters.category == ("TV & Home Theater > TVs",)
    assert [(f.value, f.source) for f in res.filter_sources if f.field == "category"] == [
        ("TV & Home Theater > TVs", "intent")]
    assert "QLED TVs" in _cats(res) and "TV Mounts" not in _cats(res)
    assert [s.category for s in res.suggestions] == ["TV & Home Theater > TV Mounts"]
    for department in (run(None), run(0.95)):
        assert department.filters.category == ("TV & Home Theater",)
        assert "TV Mounts" in _cats(department)
        assert "TV & Home Theater > TVs" in {s.category for s in department.suggestions}
    # a department below ``hard_filter`` is no filter, however sure the lvl1 label
    unsure = Intent("TV & Home Theater > TVs", "TV & Home Theater", 0.9, 0.7, sure.top_k)
    assert run(0.8, unsure).filters.category == ()
    # a nonsense query gets no filter of either kind
    assert expand(kg, [], sure, query="qzxv wplk", thresholds=Thresholds(
        hard_filter=0.73, lvl1_filter=0.8)).filters.category == ()


def test_rules_rewrite_boost_and_filter_with_their_rule(kg):
    rules = RuleSet.parse("cheap tv =>\n  UP(50): brand:samsung\n  DOWN(20): refurbished\n"
                          "  DELETE: cheap\n  FILTER: category:TVs\n", path="rules.txt")
    res = expand(kg, [TVS], TV_INTENT, query="cheap tv", rules=rules)
    assert res.query == "tv"
    assert [(b.term, b.direction, b.weight) for b in res.boosts] == [
        ("brand:samsung", "UP", 50.0), ("refurbished", "DOWN", -20.0)]
    assert res.boosts[0].rule == "rules.txt:2: cheap tv => UP(50): brand:samsung"
    assert "TVs" in res.filters.category
    assert any(f.value == "TVs" and f.source.startswith("rule:rules.txt:5:")
               for f in res.filter_sources)


def test_expansion_config_is_validated_and_round_trips():
    cfg = ExpansionConfig(weights={"brand": 0.1}, limits={"alias": 0})
    assert ExpansionConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.weights["synonym"] == 0.9  # defaults kept for the others
    with pytest.raises(FusionConfigError, match="unknown kinds"):
        ExpansionConfig(limits={"colour": 3})
    with pytest.raises(FusionConfigError, match="unknown expansion settings"):
        ExpansionConfig.from_dict({"max": 3})
    with pytest.raises(FusionConfigError, match=r"Thresholds\.hard_filter"):
        Thresholds(hard_filter=1.5)
    with pytest.raises(FusionConfigError, match=r"Thresholds\.lvl1_filter"):
        Thresholds(lvl1_filter=-0.1)
    th = Thresholds(hard_filter=0.7, lvl1_filter=0.9)
    assert Thresholds.from_dict(th.to_dict()) == th
    assert Thresholds.from_dict({"hard_filter": 0.7}).lvl1_filter is None  # (older manifests)


def test_a_low_confidence_intent_is_not_expanded(kg):
    """'red nike running shoes' -> Apple Watch at 0.28: its category walk is not returned."""
    low = Intent("Appliances > Refrigerators", "Appliances", 0.3, 0.4,
                 (("Appliances > Refrigerators", 0.3),))
    assert list(expand(kg, [], low, thresholds=Thresholds(intent=0.5))) == []
    high = Intent("Appliances > Refrigerators", "Appliances", 0.6, 0.95,
                  (("Appliances > Refrigerators", 0.6),))
    assert ("brand", "Lg") in {(e.kind, e.term) for e in expand(
        kg, [], high, thresholds=Thresholds(intent=0.5))}
    # confident lvl1, unsure department: not walked either (ExpansionConfig setting)
    unsure = Intent("Appliances > Refrigerators", "Appliances", 0.6, 0.7, high.top_k)
    assert list(expand(kg, [], unsure, thresholds=Thresholds(intent=0.5))) == []
    assert list(expand(kg, [], unsure, thresholds=Thresholds(intent=0.5),
                       config=ExpansionConfig(walk_min_department_prob=0.5)))


def test_a_query_outside_the_kg_gets_no_hard_filter_and_no_expansions(kg):
    """Random letters link nothing and hold no word of a KG name: whatever the intent says, it
    is a suggestion only; the same intent on a query the KG knows is walked and filtered on."""
    high = Intent("Appliances > Refrigerators", "Appliances", 0.6, 0.95,
                  (("Appliances > Refrigerators", 0.6),))
    th = Thresholds(intent=0.5, hard_filter=0.9)
    known = expand(kg, [], high, query="whirlpool fridge", thresholds=th)
    assert known.filters.category == ("Appliances",) and list(known)
    junk = expand(kg, [], high, query="qzxv wplk", thresholds=th)
    assert junk.filters.category == () and list(junk) == []
    assert [s.category for s in junk.suggestions] == ["Appliances > Refrigerators", "Appliances"]


def _flattened_store() -> nx.MultiDiGraph:
    """Best Buy's tree under a store root, with departments one level down (as categories.json
    nests 'Office Electronics' under 'Connected Home & Housewares')."""
    g = nx.MultiDiGraph()
    for iri, label, path, parent in [
        ("root", "Best Buy", "Best Buy", None),
        ("chh", "Connected Home & Housewares", "Connected Home & Housewares", "root"),
        ("app", "Appliances", "Appliances", "root"),
        ("oe", "Office Electronics", "Connected Home & Housewares > Office Electronics", "chh"),
        ("bat", "Batteries & Power", "Connected Home & Housewares > Batteries & Power", "chh"),
        ("calc", "Calculators",
         "Connected Home & Housewares > Office Electronics > Calculators", "oe"),
        ("shred", "Shredders",
         "Connected Home & Housewares > Office Electronics > Shredders", "oe"),
        ("ref", "Refrigerators", "Appliances > Refrigerators", "app"),
    ]:
        g.add_node(iri, kind="category", label=label, path=path)
        if parent:
            g.add_edge(iri, parent, relation="parent")
    return g


def test_departments_align_with_a_label_space_that_flattens_the_tree():
    """A label 'Office Electronics > Calculators' names a node two levels under the tree's root:
    its siblings are in the department, the other branches of the root are not; the store root
    and other departments are never a department's parent or siblings."""
    from fusion.context import TaxonomyAlignment

    g = _flattened_store()
    labels = ["Office Electronics > Calculators", "Office Electronics > Shredders",
              "Appliances > Refrigerators"]
    intent = Intent("Office Electronics > Calculators", "Office Electronics", 0.9, 0.99,
                    (("Office Electronics > Calculators", 0.9),))
    res = expand(g, [LinkedEntity("calc", "category", 0.9)], intent, query="calculators",
                 departments=TaxonomyAlignment(labels))
    cats = _cats(res)
    assert "Shredders" in cats and "Office Electronics" in cats
    assert not cats & {"Batteries & Power", "Connected Home & Housewares", "Refrigerators"}
    assert res.filters.category  # the linked category is a hard filter in its department
    res = expand(g, [LinkedEntity("oe", "category", 0.9)], intent, query="office electronics",
                 departments=TaxonomyAlignment(labels))
    assert {"Calculators", "Shredders"} <= _cats(res)
    assert not _cats(res) & {"Batteries & Power", "Connected Home & Housewares"}
    res = expand(g, [LinkedEntity("app", "category", 0.9)], None, query="appliances",
                 departments=TaxonomyAlignment(labels))
    assert "Refrigerators" in _cats(res)
    assert not _cats(res) & {"Best Buy", "Connected Home & Housewares"}


def test_one_form_per_category_filter_when_the_path_re_roots():
    """'voice recorders': the linked category's KG path starts at the store's root, the intent's
    department one level down; the filter was both ('Connected Home & Housewares > Office
    Electronics > Calculators' and 'Office Electronics'), which an engine ANDing them matches
    with nothing."""
    from fusion.context import TaxonomyAlignment

    labels = ["Office Electronics > Calculators", "Appliances > Refrigerators"]
    intent = Intent("Office Electronics > Calculators", "Office Electronics", 0.9, 0.99,
                    (("Office Electronics > Calculators", 0.9),))
    res = expand(_flattened_store(), [LinkedEntity("calc", "category", 0.9)], intent,
                 query="calculators", departments=TaxonomyAlignment(labels))
    assert res.filters.category == (
        "Connected Home & Housewares > Office Electronics > Calculators",)
    res = expand(_flattened_store(), [], intent, query="calculators",
                 departments=TaxonomyAlignment(labels))
    assert res.filters.category == ("Office Electronics",)  # no link: the department


def test_link_facets_need_the_evidence_of_a_filter(kg):
    """A colour value linked from a word the tagger did not read as a colour, and a size word
    that is part of the category the query names, are no filters; a colour mention is."""
    red = RED_IRI
    g = kg.to_networkx()
    size = next(n for n, d in g.nodes(data=True) if d.get("attribute") == "size")
    fridge = Intent("Appliances > Refrigerators", "Appliances", 0.7, 0.9,
                    (("Appliances > Refrigerators", 0.7),))
    res = expand(kg, [LinkedEntity(red, "attribute_value", 0.9, "modifier")], fridge,
                 query="red fridge")
    assert res.filters.colour == ()
    res = expand(kg, [LinkedEntity(red, "attribute_value", 0.9, "color")], fridge,
                 query="red fridge")
    assert res.filters.colour == ("Red",)
    res = expand(kg, [LinkedEntity(red, "attribute_value", 0.9)], fridge, query="red fridge")
    assert res.filters.colour == ("Red",)  # the mention's label unknown: as before
    label = g.nodes[size]["label"]  # "55 inch"
    named = Intent(f"TV & Home Theater > {label} TVs", "TV & Home Theater", 0.9, 0.99,
                   ((f"TV & Home Theater > {label} TVs", 0.9),))

    def linked_sizes(res):  # (the size pattern reads "55 inch" from the text too)
        return [f.value for f in res.filter_sources if f.field == "size"
                and f.source.startswith("link:")]

    res = expand(kg, [LinkedEntity(size, "attribute_value", 0.9, "UoM")], named,
                 query=f"{label} tvs")
    assert linked_sizes(res) == []
    res = expand(kg, [LinkedEntity(size, "attribute_value", 0.9, "UoM")], TV_INTENT,
                 query=f"{label} tv")
    assert linked_sizes(res) == [label]


def test_no_other_brands_next_to_a_brand_filter_and_no_respelt_query_words(kg):
    """'samsung tv' filtered on Samsung got LG as an expansion; 'wooden desk' got the alias
    'Wooden' back (a respelling of one of its words; a category of that name stays: it names
    a node)."""
    res = expand(kg, [SAMSUNG, TVS], TV_INTENT, query="samsung tv", departments=DEPTS)
    assert res.filters.brand == ("Samsung",)
    assert not [e for e in res if e.kind == "brand"]
    res = expand(kg, [TVS], TV_INTENT, query="tv", departments=DEPTS)
    assert {"Samsung", "Lg"} <= {e.term for e in res if e.kind == "brand"}  # no brand filter
    assert "Television" in {e.term for e in expand(kg, [TVS], TV_INTENT, query="big tv")}
    res = expand(kg, [TVS], TV_INTENT, query="big television")
    assert "Television" not in {e.term for e in res}
    assert "TVs" in {e.term for e in expand(kg, [SAMSUNG], None, query="samsung tv")}


def test_counts_in_the_expansion_config_are_whole_numbers():
    """A 'walk' of 2.5 in a manifest loaded, then failed every parse (slice indices)."""
    assert ExpansionConfig.from_dict({"walk": 3.0, "limits": {"brand": 2.0}}).walk == 3
    for bad in ({"walk": 2.5}, {"limits": {"category": 2.7}}, {"typo_distance": True},
                {"walk": float("nan")}):
        with pytest.raises(FusionConfigError, match="whole number"):
            ExpansionConfig.from_dict(bad)


def test_the_expander_reads_the_tagger_label_of_parser_spans(kg):
    """QueryExpander.expand(entities=...) dropped the spans' labels: a colour value linked
    from a word the tagger did not read as a colour still became a colour filter there."""
    from fusion.expand import QueryExpander

    qe = QueryExpander(kg)
    assert qe.expand("soft fridge", entities=[("soft", "modifier", RED_IRI)]).filters.colour == ()
    assert qe.expand("red fridge", entities=[("red", "Color", RED_IRI)]).filters.colour == (
        "Red",)  # (labels compared case-insensitively)


# -- hard filters an engine can AND (review of 2026-12-04: accessories, brands) -------------
ACC_INTENT = Intent("Cell Phones > Cell Phone Accessories", "Cell Phones", 0.9, 0.97,
                    (("Cell Phones > Cell Phone Accessories", 0.9),))
PHONES = ID + "category/bb/phones"
CASES = ID + "category/bb/cases"
OTTERBOX = LinkedEntity(ID + "brand/otterbox", "brand", 0.9, "creator", "otterbox")


def test_a_linked_category_the_intent_contradicts_is_no_filter(kg):
    """'galaxy case' links the phones' category; its intent (accessories) says phones are not
    what is searched: the department is the filter, the phones a suggestion. A linked category
    that agrees with the intent is the (one) filter."""
    phones = LinkedEntity(PHONES, "category", 0.9)
    res = expand(kg, [phones], ACC_INTENT, query="galaxy case", departments=DEPTS)
    assert res.filters.category == ("Cell Phones",)
    assert ("Cell Phones > Unlocked Phones", f"link:{PHONES}") in {
        (s.category, s.source) for s in res.suggestions}
    cases = LinkedEntity(CASES, "category", 0.8)
    res = expand(kg, [phones, cases], ACC_INTENT, query="galaxy case", departments=DEPTS)
    assert res.filters.category == (
        "Cell Phones > Cell Phone Accessories > Cell Phone Cases",)


def test_one_category_filter_value(kg):
    """Two linked categories that both agree with the intent, one above the other: one filter
    value (the deeper one, whichever link scored higher: "xbox one controller" filters on Xbox
    One Controllers), the other a suggestion: an engine ANDing them would match nothing."""
    acc = LinkedEntity(ID + "category/bb/acc", "category", 0.95)
    cases = LinkedEntity(CASES, "category", 0.8)
    res = expand(kg, [acc, cases], ACC_INTENT, query="case accessories", departments=DEPTS)
    assert res.filters.category == ("Cell Phones > Cell Phone Accessories > Cell Phone Cases",)
    assert "Cell Phones > Cell Phone Accessories" in {s.category for s in res.suggestions}


@pytest.mark.parametrize("query", ["phone not samsung", "tablet but not samsung",
                                   "tv without samsung", "no samsung tv"])
def test_a_negated_brand_is_a_down_boost(kg, query):
    samsung = LinkedEntity(SAMSUNG.iri, "brand", 0.9, "creator", "samsung")
    res = expand(kg, [samsung], TV_INTENT, query=query, departments=DEPTS)
    assert res.filters.brand == ()
    assert [(b.term, b.direction) for b in res.boosts] == [("brand:Samsung", "DOWN")]
    assert res.boosts[0].rule == f"link:{SAMSUNG.iri} (negated)"
    assert not [e for e in res if e.provenance and e.provenance[0][0] == SAMSUNG.iri]


@pytest.mark.parametrize("query", ["case for samsung", "case for my samsung galaxy",
                                   "cover compatible with samsung", "fits samsung galaxy"])
def test_a_brand_an_accessory_is_for_is_an_up_boost(kg, query):
    samsung = LinkedEntity(SAMSUNG.iri, "brand", 0.9, "creator", "samsung")
    res = expand(kg, [samsung], ACC_INTENT, query=query, departments=DEPTS)
    assert res.filters.brand == ()
    assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
        ("brand:Samsung", "UP", f"link:{SAMSUNG.iri} (fits)")]


def test_accessory_queries_filter_the_accessory_maker_not_the_device_brand(kg):
    """'otterbox samsung galaxy case': Samsung sells devices and the query names one of them
    ("galaxy", linked) between the brand and the accessory word: the device the case fits (UP
    boost); OtterBox sells accessories only: the maker (filter). Without an accessory word
    after a named device the brand is asked for, whatever the intent (Best Buy's intent model
    calls most brand + device queries accessories: "samsung galaxy s21" lost its filter)."""
    samsung = LinkedEntity(SAMSUNG.iri, "brand", 0.9, "creator", "samsung")
    galaxy = LinkedEntity(PHONES, "category", 0.8, "core_product_type", "galaxy")
    res = expand(kg, [samsung, OTTERBOX, galaxy], ACC_INTENT,
                 query="otterbox samsung galaxy case", departments=DEPTS)
    assert res.filters.brand == ("OtterBox",)
    assert [b.term for b in res.boosts] == ["brand:Samsung"]
    for query in ("samsung", "samsung galaxy", "samsung galaxy s21", "samsung case",
                  "samsung charger"):
        res = expand(kg, [samsung, galaxy], ACC_INTENT, query=query, departments=DEPTS)
        assert res.filters.brand == ("Samsung",) and not res.boosts, query
    # not an accessory query: the device brand is the filter
    res = expand(kg, [samsung], TV_INTENT, query="samsung tv", departments=DEPTS)
    assert res.filters.brand == ("Samsung",) and not res.boosts
    # the device need not link (the KG names few models: "galaxy s21" links nothing), and
    # the accessory word may come first
    for query in ("samsung galaxy s21 case", "case samsung galaxy s21",
                  "samsung galaxy s10 screen protector", "samsung tv wall mount"):
        res = expand(kg, [samsung], ACC_INTENT, query=query, departments=DEPTS)
        assert res.filters.brand == () and res.boosts[0].rule.endswith("(fits)"), query


@pytest.mark.parametrize(("query", "role"), [
    ("tv anything but samsung", "negated"), ("tv other than samsung", "negated"),
    ("slim fit samsung", None), ("samsung not included", None), ("no frost samsung", None),
])
def test_brand_roles_from_the_words_before(kg, query, role):
    samsung = LinkedEntity(SAMSUNG.iri, "brand", 0.9, "creator", "samsung")
    res = expand(kg, [samsung], TV_INTENT, query=query, departments=DEPTS)
    if role is None:
        assert res.filters.brand == ("Samsung",) and not res.boosts, query
    else:
        assert res.filters.brand == () and res.boosts[0].rule.endswith(f"({role})"), query


def test_a_brand_the_store_sells_nothing_under_is_an_up_boost():
    """A brand node from a name list ("MAC", "unisex") or sold only in another shop's
    taxonomy: a filter on it empties the results; a node spelt like a sold brand takes that
    brand's name."""
    g = nx.MultiDiGraph()
    g.add_node("tvs", kind="category", label="TVs", path="TV & Home Theater > TVs")
    g.add_node("curtains", kind="category", label="Curtains", path="Home > Curtains")
    g.add_node("mac", kind="brand", label="MAC")
    g.add_node("kings", kind="brand", label="kings")
    g.add_node("otter", kind="brand", label="otter box")
    g.add_node("ob", kind="brand", label="OtterBox")
    g.add_edge("kings", "curtains", relation="sells_in")
    g.add_node("p", kind="product", label="OtterBox Defender")
    g.add_edge("p", "ob", relation="has_brand")
    g.add_edge("p", "tvs", relation="in_category")
    for iri, query, want in [("mac", "mac store", None), ("kings", "kings bed", None),
                             ("otter", "otter box case", "OtterBox")]:
        res = expand(g, [LinkedEntity(iri, "brand", 0.8, "creator", query.split()[0])],
                     query=query, departments=("TV & Home Theater",))
        assert res.filters.brand == ((want,) if want else ()), iri
        if want is None:
            assert res.boosts[0].rule == f"link:{iri} (ungrounded)"
            assert res.boosts[0].direction == "UP"
    # without a label space, a brand sold in any taxonomy is grounded
    res = expand(g, [LinkedEntity("kings", "brand", 0.8)], query="kings bed")
    assert res.filters.brand == ("kings",)


def test_a_brand_linked_from_a_span_not_read_as_a_brand_needs_a_sure_link(kg):
    """'samsung galaxy phone cover' in a KG with a small car-cover brand "Galaxy": the tagger
    reads "galaxy" as a product name, the link is near the NIL threshold, and a hard filter on
    it removes every phone cover. A sure link ("go pro" -> GoPro, 0.89) still filters."""
    for score, want in ((0.71, ()), (0.89, ("Samsung",))):
        linked = LinkedEntity(SAMSUNG.iri, "brand", score, "product_name", "samsung")
        res = expand(kg, [linked], TV_INTENT, query="samsung tv", departments=DEPTS)
        assert res.filters.brand == want, score
        if not want:
            assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
                ("brand:Samsung", "UP", f"link:{SAMSUNG.iri} (unsure)")]
    # read as a brand, or with no label known: the link score does not matter
    for label in ("creator", None):
        linked = LinkedEntity(SAMSUNG.iri, "brand", 0.66, label, "samsung")
        res = expand(kg, [linked], TV_INTENT, query="samsung tv", departments=DEPTS)
        assert res.filters.brand == ("Samsung",), label
    with pytest.raises(FusionConfigError, match="brand_filter_min_link"):
        ExpansionConfig(brand_filter_min_link=1.5)


def test_no_expansion_to_another_value_of_an_attribute_the_query_sets():
    """'sunglasses for men' linked ideal_for/men; the category's common values then added
    Women and Girl, which an engine ORing expansions would show."""
    g = nx.MultiDiGraph()
    g.add_node("sun", kind="category", label="Sunglasses", path="Accessories > Sunglasses")
    values = {"men": ("ideal_for", "Men"), "women": ("ideal_for", "Women"),
              "girl": ("ideal_for", "Girl"), "black": ("color", "Black")}
    for iri, (attribute, label) in values.items():
        g.add_node(iri, kind="attribute_value", label=label, attribute=attribute)
    g.add_node("women-sport", kind="attribute_value", label="Women Sport", attribute="ideal_for")
    for i, value in enumerate(["women", "women", "girl", "men", "black", "black",
                               "women-sport"]):
        g.add_node(f"p{i}", kind="product", label=f"Shades {i}")
        g.add_edge(f"p{i}", "sun", relation="in_category")
        g.add_edge(f"p{i}", value, relation="has_value")
    sun = LinkedEntity("sun", "category", 0.9, "core_product_type", "sunglasses")
    men = LinkedEntity("men", "attribute_value", 0.9, "department", "for men")
    terms = {e.term for e in expand(g, [sun, men], query="sunglasses for men")}
    assert "Black" not in terms and not terms & {"Women", "Girl"}  # (no colour asked for)
    terms = {e.term for e in expand(g, [sun], query="sunglasses")}
    # (a query naming no audience: no value narrows it to one)
    assert not terms & {"Black", "Women", "Girl", "Men", "Women Sport"}
    # a value the query excludes sets nothing ("sunglasses not for men")
    terms = {e.term for e in expand(g, [sun, men], query="sunglasses not for men")}
    # (nor is another audience one it asks for)
    assert not terms & {"Women", "Girl", "Men"}
    # a value that names the set one more finely is no contradiction
    women = LinkedEntity("women", "attribute_value", 0.9, "department", "ladies")
    terms = {e.term for e in expand(g, [sun, women], query="ladies sunglasses")}
    assert "Women Sport" in terms and not terms & {"Men", "Girl"}


@pytest.mark.parametrize("query", ["phone case not black", "shirt not red", "phone case no red",
                                   "anything but red", "case other than red", "case w/o red"])
def test_a_negated_value_is_a_down_boost_not_a_filter(kg, query):
    """'phone case not black' hard-filtered on Black: an engine ANDing it returned only the
    colour the user excluded."""
    word = query.split()[-1]
    red = LinkedEntity(RED_IRI, "attribute_value", 0.9, "color", word)
    res = expand(kg, [red], query=query)
    assert res.filters.colour == ()
    assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
        ("colour:Red", "DOWN", f"link:{RED_IRI} (negated)")]
    # the tagger may take the cue into the span
    inside = LinkedEntity(RED_IRI, "attribute_value", 0.9, "color", f"not {word}")
    assert expand(kg, [inside], query=f"case not {word}").filters.colour == ()
    # "non" makes compounds before a value ("non slip"; before a colour it excludes it: "non
    # red case", tests/fusion/test_expand_excluded_features_comparisons.py); a value after
    # other words is asked for
    for q in ("non slip red case", "red case not cheap", "not only red"):
        res = expand(kg, [LinkedEntity(RED_IRI, "attribute_value", 0.9, "color", "red")],
                     query=q)
        assert res.filters.colour == ("Red",) and not res.boosts, q


def test_negation_and_alternatives_read_words_with_marks_and_other_mentions(kg):
    """A diff review found: a mark glued to the brand's word ("tv not samsung.") hid the
    negation once the parser trimmed the span; "apple iphone or samsung galaxy" lost Samsung's
    filter; "dell or hp laptop" made HP 'unsure'; a colour not read as a colour was dropped
    even when negated; a word linked as a value ("no") was taken for a cue."""
    samsung = LinkedEntity(SAMSUNG.iri, "brand", 0.9, "creator", "samsung")
    for query in ("tv not samsung.", "tv, not samsung, under 500", "tv not (samsung)"):
        res = expand(kg, [samsung], TV_INTENT, query=query, departments=DEPTS)
        assert res.filters.brand == () and res.boosts[0].direction == "DOWN", query
    assert expand(kg, [samsung], ACC_INTENT, query="case for samsung.",
                  departments=DEPTS).boosts[0].rule.endswith("(fits)")
    lg = LinkedEntity(ID + "brand/lg", "brand", 0.9, "creator", "lg")
    for query in ("lg tv or samsung tv", "samsung galaxy or lg phone"):
        assert set(expand(kg, [samsung, lg], query=query).filters.brand) == {"Samsung", "Lg"}
    hp = LinkedEntity(ID + "brand/lg", "brand", 0.749, "product_name", "or lg")
    assert set(expand(kg, [samsung, hp], query="samsung or lg tv").filters.brand) == {
        "Samsung", "Lg"}
    red = LinkedEntity(RED_IRI, "attribute_value", 0.9, "modifier", "red")
    res = expand(kg, [red], query="dress not red")
    assert [(b.term, b.direction) for b in res.boosts] == [("colour:Red", "DOWN")]
    no = LinkedEntity(RED_IRI, "attribute_value", 0.9, "UoM", "no")  # "no" linked as a value
    res = expand(kg, [no, samsung], TV_INTENT, query="no samsung", departments=DEPTS)
    assert res.filters.brand == ("Samsung",)


def test_a_negated_category_is_no_filter(kg):
    tvs = LinkedEntity(TVS.iri, "category", 0.9, "core_product_type", "tv")
    res = expand(kg, [tvs], TV_INTENT, query="tv", departments=DEPTS)
    assert f"link:{TVS.iri}" in {f.source for f in res.filter_sources}
    res = expand(kg, [tvs], TV_INTENT, query="not tv", departments=DEPTS)
    assert f"link:{TVS.iri}" not in {f.source for f in res.filter_sources}
    assert any(b.direction == "DOWN" and b.term.startswith("category:") for b in res.boosts)


def test_a_brand_offered_as_one_alternative_is_no_filter(kg):
    """'iphone or samsung phone' filtered on Samsung and so dropped the iPhones; two brands as
    alternatives ('samsung or lg tv') are both filter values (ORed)."""
    samsung = LinkedEntity(SAMSUNG.iri, "brand", 0.9, "creator", "samsung")
    res = expand(kg, [samsung], query="iphone or samsung phone")
    assert res.filters.brand == ()
    assert [(b.term, b.direction, b.rule) for b in res.boosts] == [
        ("brand:Samsung", "UP", f"link:{SAMSUNG.iri} (alternative)")]
    lg = LinkedEntity(ID + "brand/lg", "brand", 0.9, "creator", "lg")
    for query in ("samsung or lg tv", "lg vs samsung tv"):
        res = expand(kg, [samsung, lg], query=query)
        assert "Samsung" in res.filters.brand and not res.boosts, query
    assert expand(kg, [samsung], query="samsung tv or monitor").filters.brand == ("Samsung",)


def test_brand_boost_weight_is_a_setting():
    with pytest.raises(FusionConfigError, match="brand_boost"):
        ExpansionConfig(brand_boost=-1)
    assert ExpansionConfig.from_dict({"brand_boost": 3}).brand_boost == 3
