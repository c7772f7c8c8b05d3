from __future__ import annotations

import os

import pytest

from fusion.errors import RuleSyntaxError
from fusion.rules import RuleSet, RulesFile

RULES = """# shop rules
laptop =>
    SYNONYM: notebook
    SYNONYM(0.5): notebook computer
    UP(50): brand:apple
    DOWN: refurbished
    FILTER: category:Laptops
"tv" =>
    SYNONYM: television
cheap =>
    DELETE
fridge <=> refrigerator
"""


def test_instructions_apply_and_are_reported():
    rs = RuleSet.parse(RULES, path="rules.txt")
    r = rs.apply("Cheap Laptop")
    assert r.query == "laptop"
    assert [(s.term, s.weight) for s in r.synonyms] == [
        ("notebook", 1.0),
        ("notebook computer", 0.5),
    ]
    assert [(b.term, b.weight) for b in r.boosts] == [
        ("brand:apple", 50.0),
        ("refurbished", -100.0),
    ]
    assert [f.term for f in r.filters] == ["category:Laptops"]
    assert r.deleted == ["cheap"]
    assert [a.line for a in r.applied] == [3, 4, 5, 6, 7, 11]
    assert str(r.applied[0]) == "rules.txt:3: laptop => SYNONYM(1): notebook"


def test_exact_and_two_way_and_word_boundaries():
    rs = RuleSet.parse(RULES)
    assert [s.term for s in rs.apply("tv").synonyms] == ["television"]
    assert rs.apply("tv stand").synonyms == []  # quoted input: whole query only
    assert [s.term for s in rs.apply("samsung refrigerator").synonyms] == ["fridge"]
    assert [s.term for s in rs.apply("fridge").synonyms] == ["refrigerator"]
    assert rs.apply("laptops").synonyms == []  # whole words only


@pytest.mark.parametrize(
    ("text", "line", "msg"),
    [
        ("laptop =>\n  SYNONYM notebook\n", 2, "expected 'KIND: argument'"),
        ("laptop =>\n  BOOST(2): x\n", 2, "unknown instruction 'BOOST'"),
        ("a =>\n  SYNONYM: b\n\nc =>\n  UP(x): d\n", 5, "not a number"),
        ("  SYNONYM: b\n", 1, "without an 'input =>'"),
        ("a =>\nb =>\n  SYNONYM: c\n", 1, "no instructions"),
        ("a =>\n  FILTER: apple\n", 2, "field:value"),
        ("just words\n", 1, "expected 'input =>'"),
        ("a =>\n  SYNONYM(-1): b\n", 2, ">= 0"),
    ],
)
def test_errors_name_the_line(text, line, msg):
    with pytest.raises(RuleSyntaxError, match=msg) as err:
        RuleSet.parse(text, path="r.txt")
    assert err.value.line == line
    assert str(err.value).startswith(f"r.txt:{line}:")


def test_rules_file_reloads_when_edited(tmp_path):
    p = tmp_path / "rules.txt"
    p.write_text("tv =>\n  SYNONYM: television\n")
    rf = RulesFile(p)
    assert [s.term for s in rf.apply("tv").synonyms] == ["television"]
    p.write_text("tv =>\n  SYNONYM: telly\n")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert [s.term for s in rf.apply("tv").synonyms] == ["telly"]
    p.write_text("tv =>\n  SYNONYM telly\n")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    with pytest.raises(RuleSyntaxError, match=":2:"):
        rf.apply("tv")
    p.unlink()
    assert rf.apply("tv").synonyms == []
