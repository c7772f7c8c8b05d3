"""Numbers through the whole parse (review "numbers, units and prices"):

F11. ``rewritten`` changed numbers: NFKC made "drill bit 11⁄2 inch" of "drill bit 1½ inch",
     "tv under 102" of "tv under 10²" and "tv under 50′′" of "tv under 50″";
F1.  a size the query excludes was a hard filter ("tv not 65 inch");
F2.  a rule FILTER on an excluded input ("not refurbished") was a hard filter.
"""

from __future__ import annotations

import unicodedata

import pytest

from fusion.expand import QueryExpander
from fusion.rules import RuleSet
from kg import Node, NodeKind, ProductGraph
from parser.pipeline import QueryParser

from .word_tagger import WordTagger

RULES = ("cheap =>\n  DELETE\n  DOWN(50): premium\n"
         "refurbished =>\n  FILTER: condition:refurbished\n")


@pytest.fixture(scope="module")
def qp() -> QueryParser:
    kg = ProductGraph.in_memory()
    kg.add_records([
        Node(NodeKind.CATEGORY, "bb/tvs", "TVs", aliases=("tv",), path="TV & Home Theater > TVs"),
    ], progress=False)
    return QueryParser(tagger=WordTagger(), kg=kg,
                       expander=QueryExpander(kg, rules=RuleSet.parse(RULES, path="rules.txt")))


@pytest.mark.parametrize(("query", "rewritten"), [
    ("drill bit 1½ inch", "drill bit 1½ inch"),
    ("tv under 10²", "tv under 10²"),
    ("tv  under 50″", "tv under 50″"),
    ("cheap drill bit 1½ inch", "drill bit 1½ inch"),  # after a DELETE too
    ("ｃｈｅａｐ tv ５５ inch", "tv 55 inch"),  # full-width letters and digits: NFKC
])
def test_rewritten_keeps_the_numbers_as_typed(qp, query, rewritten):
    q = qp(query)
    assert q.rewritten == rewritten
    assert q.normalized == " ".join(unicodedata.normalize("NFKC", query).split())


def test_the_numbers_read_are_unchanged(qp):
    """The price and size patterns still read the query NFKC-normalised, with the marks that
    made digits hidden."""
    assert "size" not in qp("drill bit 1½ inch").filters  # no "2 inch"
    assert "price_max" not in qp("tv under 10²").filters  # no 102
    assert qp("tv under 500").filters["price_max"] == 500.0
    assert qp("tv ５５ inch").filters["size"] == ["55 inch"]
    # a size the query excludes is read with the marks hidden too: no DOWN on "55 inch"
    assert qp("tv not ⁵⁵ inch").boosts == []


def test_a_negated_size_and_rule_filter_are_down_boosts(qp):
    q = qp("tv not 65 inch")
    assert "size" not in q.filters
    assert [(b.term, b.direction, b.rule) for b in q.boosts] == [
        ("size:65 inch", "DOWN", "pattern (negated)")]
    q = qp("not refurbished tv")
    assert "other" not in q.filters and not [s for s in q.filter_sources if s.field == "other"]
    rule = "rules.txt:5: refurbished => FILTER(1): condition:refurbished (negated)"
    assert [(b.term, b.direction, b.rule) for b in q.boosts] == [
        ("condition:refurbished", "DOWN", rule)]
    assert q.applied_rules == [rule]
    q = qp("not cheap tv")
    assert q.rewritten == "not cheap tv" and q.boosts == [] and q.applied_rules == []
    assert qp("refurbished tv").filters["other"] == ["condition:refurbished"]
