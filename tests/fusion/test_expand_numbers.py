"""Sizes and rule filters a search engine can trust (review "numbers, units and prices"):

F1. a size the query excludes ("tv not 65 inch") was a hard size filter when read by the size
    pattern (and both a filter and a DOWN boost when also linked);
F2. the shipped rule ``refurbished => FILTER: condition:refurbished`` filtered "not refurbished
    laptop" on refurbished items; the other shipped rules applied to excluded inputs too ("not
    cheap tv" -> "not tv" and a DOWN on premium);
F5. a KG size value named by a bare number ("4") linked from a model or series number ("galaxy
    watch 4") was a hard size filter.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from fusion.expand import expand
from fusion.rules import RuleSet
from fusion.types import LinkedEntity

from .test_expand import ID

S55 = ID + "attribute_value/size/55-inch"
SHIPPED_RULES = Path(__file__).resolve().parents[2] / "data" / "rules.txt"
REFURBISHED_RULE = "rules.txt:20: refurbished => FILTER(1): condition:refurbished"


def _boosts(res):
    return [(b.term, b.direction, b.rule) for b in res.boosts]


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return RuleSet.parse(SHIPPED_RULES.read_text(encoding="utf-8"), path="rules.txt")


# -- F1: a negated size is a DOWN boost, never a filter ------------------------------------------


@pytest.mark.parametrize(("query", "size"), [
    ("tv not 65 inch", "65 inch"), ("phone not 64gb", "64gb"), ("laptop without 8gb", "8gb"),
    ("tv, anything but 65\"", "65\""), ("tv other than 55 inch", "55 inch"),
    ("laptop w/o 16gb", "16gb"), ("tv except 75in", "75in"),
])
def test_a_negated_size_pattern_is_a_down_boost(kg, query, size):
    res = expand(kg, [], query=query)
    assert res.filters.size == ()
    assert not [s for s in res.filter_sources if s.field == "size"]
    assert _boosts(res) == [(f"size:{size}", "DOWN", "pattern (negated)")]
    assert res.boosts[0].weight == -10.0  # ExpansionConfig.brand_boost, as a negated link's


def test_only_the_negated_size_is_boosted_down(kg):
    res = expand(kg, [], query="tv 65 inch not 55 inch")
    assert res.filters.size == ("65 inch",)
    assert _boosts(res) == [("size:55 inch", "DOWN", "pattern (negated)")]
    for query in ("65 inch tv not samsung", "not only 65 inch", "non 65 inch tv"):
        assert expand(kg, [], query=query).filters.size == ("65 inch",), query


def test_a_negated_size_linked_and_read_is_one_down_boost(kg):
    """'laptop not 16 inch' had a 16 inch filter (pattern) and a DOWN boost (link) at once."""
    s55 = LinkedEntity(S55, "attribute_value", 0.9, "UoM", "not 55 inch")
    res = expand(kg, [s55], query="tv not 55 inch")
    assert res.filters.size == ()
    assert _boosts(res) == [("size:55 inch", "DOWN", f"link:{S55} (negated)")]


def test_a_negated_price_bound_gives_the_other_bound(kg):
    res = expand(kg, [], query="tv not under 500")  # at least 500
    assert (res.filters.price_min, res.filters.price_max) == (500.0, None)


@pytest.mark.parametrize(("query", "bound", "excluded"), [
    ("laptop not over $500", (None, 500.0), []),
    ("laptop not above $500", (None, 500.0), []),
    ("laptop not more than 500 dollars", (None, 500.0), []),
    ("laptop not at least $500", (None, 500.0), []),
    ("laptop not over $500 not red", (None, 500.0), ["red"]),
    ("headphones not over ear", (None, None), ["over ear"]),  # no amount: a feature
])
def test_a_negated_price_bound_is_no_excluded_words(kg, query, bound, excluded):
    """"laptop not over $500" is at most 500: an engine that must_not-matched the excluded
    "over $500" removed nothing, but a list of words to exclude holds no price phrase."""
    res = expand(kg, [], query=query)
    assert (res.filters.price_min, res.filters.price_max) == bound
    assert [x.text for x in res.excluded] == excluded


# -- F2: a rule FILTER whose input the query excludes is a DOWN boost ----------------------------


@pytest.mark.parametrize("query", [
    "not refurbished laptop", "non refurbished iphone", "no refurbished",
    "non-refurbished iphone", "laptop without refurbished", "phone, anything but refurbished"])
def test_the_shipped_refurbished_filter_is_a_down_boost_when_negated(kg, shipped, query):
    res = expand(kg, [], query=query, rules=shipped)
    assert res.filters.other == ()
    assert not [s for s in res.filter_sources if s.field == "other"]
    assert _boosts(res) == [("condition:refurbished", "DOWN", f"{REFURBISHED_RULE} (negated)")]
    assert f"{REFURBISHED_RULE} (negated)" in res.applied_rules  # the boost's rule
    assert not [a for a in res.applied_rules if a.endswith("condition:refurbished")]


def test_the_shipped_refurbished_filter_still_filters(kg, shipped):
    for query in ("refurbished laptop", "refurbished laptop, not refurbished charger"):
        res = expand(kg, [], query=query, rules=shipped)
        assert res.filters.other == ("condition:refurbished",), query
        assert [s.source for s in res.filter_sources if s.field == "other"] == [
            f"rule:{REFURBISHED_RULE}"]
        assert not res.boosts


def test_the_other_shipped_rules_skip_an_excluded_input(kg, shipped):
    """'not cheap tv' was rewritten "not tv" (DELETE) with a DOWN on premium; 'laptop not tv'
    searched "television"."""
    res = expand(kg, [], query="not cheap tv", rules=shipped)
    assert res.query == "not cheap tv" and not res.boosts
    assert not [a for a in res.applied_rules if "cheap" in a]
    res = expand(kg, [], query="laptop not tv", rules=shipped)
    assert "television" not in {e.term for e in res}
    assert "notebook" in {e.term for e in res}  # "laptop" is not excluded
    res = expand(kg, [], query="cheap tv", rules=shipped)
    assert res.query == "tv" and _boosts(res) == [
        ("premium", "DOWN", "rules.txt:17: cheap => DOWN(50): premium")]


def test_a_negated_rule_filter_on_a_filter_field(kg):
    rules = RuleSet.parse("red =>\n  FILTER: color:Red\n", path="r.txt")
    res = expand(kg, [], query="dress not red", rules=rules)
    assert res.filters.colour == ()
    assert _boosts(res) == [("colour:Red", "DOWN", "r.txt:2: red => FILTER(1): color:Red "
                                                   "(negated)")]
    assert expand(kg, [], query="red dress", rules=rules).filters.colour == ("Red",)


def test_a_cue_the_rule_input_holds_is_the_rule_authors(kg):
    rules = RuleSet.parse("not refurbished =>\n  FILTER: condition:new\n", path="r.txt")
    res = expand(kg, [], query="not refurbished laptop", rules=rules)
    assert res.filters.other == ("condition:new",) and not res.boosts


# -- F5: a size value named by a bare number is no filter ----------------------------------------


@pytest.fixture(scope="module")
def sizes() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("watches", kind="category", label="Smartwatches", path="Wearables > Smartwatches")
    for key, name in (("4", "4"), ("2-5", "2-5"), ("40mm", "40mm"), ("16in", '16"'),
                      ("m", "M")):
        g.add_node(f"size/{key}", kind="attribute_value", label=name, attribute="size")
        g.add_node(f"p{key}", kind="product", label=f"Watch {name}")
        g.add_edge(f"p{key}", f"size/{key}", relation="has_value")
        g.add_edge(f"p{key}", "watches", relation="in_category")
    return g


def _size(key: str, mention: str) -> LinkedEntity:
    return LinkedEntity(f"size/{key}", "attribute_value", 0.94, "UoM", mention)


def test_a_bare_number_size_link_is_no_filter(sizes):
    res = expand(sizes, [_size("4", "4"), _size("40mm", "40mm")], query="galaxy watch 4 40mm")
    assert res.filters.size == ("40mm",)
    assert [s.source for s in res.filter_sources if s.field == "size"] == ["link:size/40mm"]
    assert not res.boosts
    res = expand(sizes, [_size("2-5", "2.5")], query="2.5 ssd enclosure")
    assert res.filters.size == () and not res.boosts
    res = expand(sizes, [_size("4", "4")], query="watch not 4")  # nor a DOWN boost
    assert res.filters.size == () and not res.boosts


def test_a_size_with_a_unit_or_letters_still_filters(sizes):
    for key, mention, value in (("16in", '16"', '16"'), ("m", "m", "M"), ("40mm", "40mm", "40mm")):
        # (a watch's band is sold in letter sizes: "watch m" alone is no letter-sized thing)
        res = expand(sizes, [_size(key, mention)], query=f"watch band {mention}")
        assert value in res.filters.size, mention


# -- a linked size the patterns read as no size of the product -----------------------------------


@pytest.mark.parametrize("query", ['watch band for 16" watch', 'strap compatible with 16" watches',
                                   'watch under 16"'])
def test_a_linked_size_the_patterns_do_not_read_is_no_filter(sizes, query):
    """'case for 16 inch macbook pro' linked "16 inch" and filtered on it: the size of the device
    the case fits, which the size patterns read as no size ("tv stand for 65 inch tv")."""
    res = expand(sizes, [_size("16in", '16"')], query=query)
    assert res.filters.size == ()
    assert not [s for s in res.filter_sources if s.field == "size"]


def test_a_linked_size_read_another_way_still_filters(sizes):
    """The link's value and the pattern's reading of the same number ('16 inch' and '16"')."""
    res = expand(sizes, [_size("16in", "16 inch")], query="watch band 16 inch")
    assert '16"' in res.filters.size
