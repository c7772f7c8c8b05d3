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


@pytest.mark.parametrize(
    ("text", "line", "msg"),
    [
        ("tv =>\n  FILTER: brand:\n", 2, "FILTER needs field:value"),
        ("tv =>\n  FILTER: category: \n", 2, "FILTER needs field:value"),
        ("tv =>\n  FILTER: :apple\n", 2, "FILTER needs field:value"),
        ('tv =>\n  FILTER: ":"\n', 2, "FILTER needs field:value"),
        ("tv <=>\n", 1, "'<=>' needs synonyms on its right"),
        ("tv <=>\n  SYNONYM: telly\n", 1, "'<=>' needs synonyms on its right"),
        ("<=> tv\n", 1, "'<=>' needs a term on its left"),
        ("tv <=> television =>\n  SYNONYM: telly\n", 1, "expected 'a <=> b'"),
        ("+++ =>\n  SYNONYM: plus\n", 1, "no words"),
        ("tv <=> ++\n", 1, "no words"),
        ("tv =>\n  DELETE: --\n", 2, "no words"),
    ],
)
def test_more_errors_name_the_line(text, line, msg):
    with pytest.raises(RuleSyntaxError, match=msg) as err:
        RuleSet.parse(text, path="r.txt")
    assert err.value.line == line
    assert str(err.value).startswith(f"r.txt:{line}:")


def test_a_bom_is_not_part_of_the_first_rule(tmp_path):
    p = tmp_path / "rules.txt"
    p.write_bytes(b"\xef\xbb\xbftv <=> television\n")  # Windows editors write a BOM
    rf = RulesFile(p, name="rules.txt", keep_last_good=True)
    assert rf.status().ok
    assert [s.term for s in rf.apply("tv").synonyms] == ["television"]
    assert [s.term for s in rf.apply("television").synonyms] == ["tv"]
    # text decoded without utf-8-sig (a caller's read_text) carries U+FEFF: ignored as well
    rs = RuleSet.parse("\ufefftv <=> television\n")
    assert [(r.input, r.line) for r in rs.rules] == [("tv", 1), ("television", 1)]
    # invalid UTF-8 after a BOM: the offset counts the BOM
    p.write_bytes(b"\xef\xbb\xbftv =>\n  SYNONYM: t\xe9\n")
    with pytest.raises(RuleSyntaxError, match="byte 0xe9 at offset 21") as err:
        RulesFile(p, name="rules.txt")
    assert err.value.line == 2


@pytest.mark.parametrize(
    "query",
    ["samsung tv.", "tv, samsung", "(tv)", "tv/monitor", "smart-tv", '"samsung tv"', "TV!",
     "tv's stand"],  # a possessive is the word: "tv's" matches "tv"
)
def test_rules_fire_next_to_punctuation(query):
    rs = RuleSet.parse("tv <=> television\n")
    assert [s.term for s in rs.apply(query).synonyms] == ["television"]
    assert rs.apply(query).query == query.casefold()  # no DELETE: the query is unchanged


def test_word_matching_stays_whole_word():
    rs = RuleSet.parse('refurbished =>\n  DOWN: x\nsmart tv =>\n  UP: y\n"tv" =>\n  UP: z\n')
    assert rs.apply("refurbishedphone").applied == []
    assert rs.apply("refurbished-phone").boosts[0].term == "x"
    assert [b.term for b in rs.apply("smart-tv!").boosts] == ["y"]  # consecutive words
    assert [b.term for b in rs.apply("smart 4k tv").boosts] == []
    assert [b.term for b in rs.apply('"TV."').boosts] == ["z"]  # exact: the query's words
    assert [b.term for b in rs.apply("tv stand").boosts] == []


def test_delete_removes_every_occurrence_and_never_empties_the_query():
    rs = RuleSet.parse("cheap =>\n  SYNONYM: budget\n  DELETE\n")
    r = rs.apply("cheap cheap tv")
    assert (r.query, r.deleted, [a.line for a in r.applied]) == ("tv", ["cheap"], [2, 3])
    assert rs.apply("cheap tv, cheap").query == "tv"
    for query in ("cheap", "cheap cheap", "cheap!"):
        r = rs.apply(query)  # nothing would be left to search: the DELETE is not applied
        assert (r.query, r.deleted) == (query, [])
        assert [(a.kind, a.line) for a in r.applied] == [("SYNONYM", 2)]
        assert [s.term for s in r.synonyms] == ["budget"]
    # two DELETEs: the second would empty the query, so it is skipped
    r = RuleSet.parse("cheap tv =>\n  DELETE: cheap\n  DELETE: tv\n").apply("cheap tv")
    assert (r.query, r.deleted, [a.line for a in r.applied]) == ("tv", ["cheap"], [2])


@pytest.mark.parametrize(
    ("query", "rewritten"),
    [
        ("cheap, tv", "tv"),
        ("tv, cheap", "tv"),
        ("samsung, cheap tv", "samsung, tv"),
        ("(cheap) tv", "tv"),
        ("tv (cheap)", "tv"),
        ("(cheap tv)", "(tv)"),
        ("(tv, cheap) samsung", "(tv) samsung"),
        ('"cheap samsung tv"', '"samsung tv"'),
        ('"samsung cheap" tv', '"samsung" tv'),
        ("cheap-tv", "tv"),
        ("smart-cheap-tv", "smart-tv"),
        ("tv/cheap monitor", "tv monitor"),
        ("cheap's tv", "tv"),
        ("tv cheap.", "tv"),
        ("cheap $100-200 tv", "$100-200 tv"),
        ("tv under $800, cheap", "tv under $800"),
        ("tv 50% cheap", "tv 50%"),
    ],
)
def test_delete_next_to_punctuation_keeps_the_query_sensible(query, rewritten):
    r = RuleSet.parse("cheap =>\n  DELETE\n").apply(query)
    assert (r.query, r.deleted) == (rewritten, ["cheap"])


def test_a_missing_rules_file_has_no_line_number(tmp_path):
    p = tmp_path / "rules.txt"
    with pytest.raises(RuleSyntaxError) as err:
        RulesFile(p, name="rules.txt", keep_last_good=True)
    assert str(err.value) == "rules.txt: the rules file does not exist (deleted or moved?)"
    p.write_text("tv <=> television\n")
    rf = RulesFile(p, name="rules.txt", keep_last_good=True)
    p.unlink()
    st = rf.status()
    assert (st.ok, st.rules) == (False, 2)
    assert st.error == "rules.txt: the rules file does not exist (deleted or moved?)"


def test_plus_and_hash_belong_to_their_word():
    """'c++ =>' fired on any query with the word 'c' ("usb c cable", "vitamin c")."""
    rs = RuleSet.parse("c++ =>\n  SYNONYM: programming\n")
    assert [s.term for s in rs.apply("learn c++ now").synonyms] == ["programming"]
    for q in ("usb c cable", "vitamin c", "c# guide"):
        assert rs.apply(q).synonyms == [], q


def test_rules_built_in_code_never_hang_or_go_stale():
    """A DELETE of a term with no words looped forever; rules appended to ``rules`` after the
    RuleSet was made failed every apply."""
    from fusion.rules import Instruction, Rule

    rs = RuleSet([Rule("tv", False, (Instruction("DELETE", "--", 1.0, 1),), 1)])
    assert rs.apply("tv stand").query == "tv stand"
    rs = RuleSet.parse("tv <=> television\n")
    rs.rules.append(Rule("phone", False, (Instruction("SYNONYM", "mobile", 1.0, 3),), 3))
    assert [s.term for s in rs.apply("phone case").synonyms] == ["mobile"]
