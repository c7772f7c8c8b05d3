"""A Querqy merchandiser's review (/tmp/rev-rules/report.md), the expansion's side of the rules:
a DELETE rule removed the query's price range (6); ``applied_rules`` listed instructions whose
effect the parse removed (7)."""

from __future__ import annotations

import pytest

from fusion.expand import expand
from fusion.rules import RuleSet
from fusion.types import LinkedEntity
from kg import ProductGraph

from .catalog_kg import (
    brand_link,
    brand_records,
    cat_iri,
    catalog_kg,
    category_link,
    category_records,
    intent_at,
)

CATS = {
    "tvh": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tvh"),
    "comp": ("Computers & Tablets", "Computers & Tablets", None),
    "laptops": ("Laptops", "Computers & Tablets > Laptops", "comp"),
}
DEPTS = ("TV & Home Theater", "Computers & Tablets")


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    return catalog_kg(category_records(CATS) + brand_records(
        {"Samsung": ["tvs"], "Dell": ["laptops"], "HP": ["laptops"]}))


def _expand(kg, linked: list[LinkedEntity], query: str, key: str, rules: str):
    return expand(kg, linked, intent_at(CATS[key][1]), query=query, departments=DEPTS,
                  rules=RuleSet.parse(rules, path="rules.txt"))


@pytest.mark.parametrize(("query", "bounds"), [
    ("tv between 500 and 800", (500.0, 800.0)),
    ("tv 500 to 800 dollars", (500.0, 800.0)),
])
def test_a_delete_rule_never_removes_the_price_the_query_asks_for(kg, query, bounds):
    """6: 'and => DELETE' made "tv between 500 and 800" "tv between 500 800": no price."""
    res = _expand(kg, [category_link(cat_iri("tvs"), "tv")], query, "tvs",
                  "and =>\n  DELETE\nto =>\n  DELETE\ndollars =>\n  DELETE\n")
    assert (res.filters.price_min, res.filters.price_max) == bounds
    assert res.query != query  # the words are still out of the text searched


def test_applied_rules_mark_what_the_parse_left_out(kg):
    """7: 'laptop not dell' listed 'laptop => UP(20): brand:Dell' as applied, with no such
    boost; a rule's filter on the brand a link filters on stood for nothing."""
    rules = ("laptop =>\n  UP(20): brand:Dell\n  SYNONYM: notebook\n"
             "samsung tv =>\n  FILTER: brand:Samsung\n")
    res = _expand(kg, [category_link(cat_iri("laptops"), "laptop"), brand_link("Dell")],
                  "laptop not dell", "laptops", rules)
    assert res.applied_rules == ["rules.txt:2: laptop => UP(20): brand:Dell (excluded)",
                                 "rules.txt:3: laptop => SYNONYM(1): notebook"]
    res = _expand(kg, [brand_link("Samsung"), category_link(cat_iri("tvs"), "tv")],
                  "samsung tv", "tvs", rules)
    assert res.applied_rules == ["rules.txt:5: samsung tv => FILTER(1): brand:Samsung (merged)"]
    assert [s.source for s in res.filter_sources if s.field == "brand"] == [
        f"link:{brand_link('Samsung').iri}"]
    # where nothing drops it, the rule is listed as written
    res = _expand(kg, [category_link(cat_iri("laptops"), "laptop")], "laptop", "laptops", rules)
    assert res.applied_rules == ["rules.txt:2: laptop => UP(20): brand:Dell",
                                 "rules.txt:3: laptop => SYNONYM(1): notebook"]
