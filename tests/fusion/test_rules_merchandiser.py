"""A Querqy merchandiser's review of the rules layer (/tmp/rev-rules/report.md): a save in
progress served (1), quotes around values (2), comments after an inch mark and ``c#`` (3),
Querqy syntax pasted by habit (4), number inputs firing on other numbers (5), weights out of
range (8), line numbers after a form feed or U+2028 (9)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from fusion.errors import RuleSyntaxError
from fusion.rules import RuleSet, RulesFile

GOOD = "samsung tv =>\n  FILTER: brand:Samsung\n  UP(10): brand:Samsung\ntv <=> television\n"


def _save(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:  # as an editor saves: truncate, then write
        f.write(text)


# -- 1. a save in progress --------------------------------------------------------------------


def test_a_save_in_progress_is_never_served(tmp_path):
    """1: the truncated (0-byte) file and a half-written one were served at once: 15% of live
    answers had no rules, and a cut 'FILTER: brand:Sams' was served with ok: true."""
    p = tmp_path / "rules.txt"
    p.write_text(GOOD)
    rf = RulesFile(p, name="rules.txt", keep_last_good=True)  # serving: the defaults
    assert len(rf.current()) == 3
    open(p, "w").close()  # the editor truncated the file and has not written yet
    assert len(rf.current()) == 3 and rf.status().ok
    _save(p, GOOD[:GOOD.index("sung\n")])  # half written: "... FILTER: brand:Sam"
    r = rf.apply("samsung tv")
    assert [f.term for f in r.filters] == ["brand:Samsung"] and len(r.boosts) == 1
    assert rf.status().ok and rf.status().errors == 0


def test_a_settled_edit_is_read_and_no_access_waits(tmp_path):
    """The rule: a change is read once the file has stayed unchanged for ``quiet_s`` (mtime
    and size seen unchanged that long, or its mtime that old); an access never waits."""
    p = tmp_path / "rules.txt"
    p.write_text(GOOD)
    rf = RulesFile(p, name="rules.txt", keep_last_good=True, quiet_s=0.5)
    _save(p, "tv =>\n  SYNONYM: telly\n")
    t0 = time.monotonic()
    assert len(rf.current()) == 3  # not settled: the rules in use, at once
    assert time.monotonic() - t0 < 0.25
    time.sleep(0.55)
    assert [s.term for s in rf.apply("tv").synonyms] == ["telly"]
    # an mtime in the future (a clock ahead on a network disk): settled once seen unchanged
    _save(p, "tv =>\n  SYNONYM: tele\n")
    future = time.time_ns() + 60_000_000_000
    os.utime(p, ns=(future, future))
    assert [s.term for s in rf.apply("tv").synonyms] == ["telly"]
    time.sleep(0.55)
    assert [s.term for s in rf.apply("tv").synonyms] == ["tele"]
    assert rf.status().ok


def test_a_file_with_no_rules_waits_longer_then_takes_effect(tmp_path, caplog):
    """A file emptied (0 bytes, blank, comments only) after holding rules is a save in
    progress for ``empty_quiet_s``, a warning logged; then "delete all rules" takes effect."""
    p = tmp_path / "rules.txt"
    p.write_text(GOOD)
    rf = RulesFile(p, name="rules.txt", keep_last_good=True, quiet_s=0.1, empty_quiet_s=1.0)
    for emptied in ("", "  \n# all rules off for the sale\n"):
        p.write_text(GOOD)
        time.sleep(0.15)
        assert len(rf.current()) == 3
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="fusion.rules"):
            _save(p, emptied)
            time.sleep(0.2)  # settled for quiet_s, not for empty_quiet_s
            assert len(rf.current()) == 3 and rf.status().ok
            assert len(rf.current()) == 3
            assert ["has no rules in it" in r.getMessage() for r in caplog.records] == [True]
            time.sleep(0.9)
            assert len(rf.current()) == 0 and rf.status().ok  # deliberate: no rules
        assert "are dropped" in caplog.records[-1].getMessage()


def test_a_file_replaced_by_delete_and_create_counts_no_error(tmp_path):
    """Editors that save by deleting the file and writing a new one: the moment it is gone
    is a save in progress, no failed reload."""
    p = tmp_path / "rules.txt"
    p.write_text(GOOD)
    rf = RulesFile(p, name="rules.txt", keep_last_good=True, quiet_s=0.2)
    p.unlink()
    assert len(rf.current()) == 3 and rf.status().ok
    p.write_text("tv =>\n  SYNONYM: telly\n")
    time.sleep(0.25)
    st = rf.status()
    assert (st.ok, st.rules, st.errors) == (True, 1, 0)


# -- 2. quotes around a value -----------------------------------------------------------------


def test_a_quoted_value_loses_both_quotes():
    """2: 'FILTER: brand:"Epson"' gave the filter '"Epson' (one quote stripped)."""
    rs = RuleSet.parse('projector =>\n  FILTER: brand:"Epson"\n  FILTER: brand : "Sony"\n'
                       '  FILTER: "brand:LG"\nsubwoofer =>\n  UP(20): brand:"Bang & Olufsen"\n'
                       '  DOWN: "brand:Sonos"\n', path="rules.txt")
    assert [f.term for f in rs.apply("projector").filters] == [
        "brand:Epson", "brand:Sony", "brand:LG"]
    assert [(b.term, b.weight) for b in rs.apply("subwoofer").boosts] == [
        ("brand:Bang & Olufsen", 20.0), ("brand:Sonos", -100.0)]


# -- 3. comments and inch marks ---------------------------------------------------------------


def test_an_inch_mark_is_no_quote_and_hash_starts_a_comment_after_a_space():
    """3: '65"' opened a quote that switched comments off; 'c#' lost its '#'."""
    rs = RuleSet.parse('big tv =>\n    SYNONYM: 65"\n    SYNONYM: 75" tv   # bigger\n'
                       '65" tv =>   # campaign\n    UP(50): brand:Samsung\n'
                       "c# =>  # the language\n  SYNONYM: csharp\n  SYNONYM: \\#1 c# book\n",
                       path="rules.txt")
    assert [s.term for s in rs.apply("big tv").synonyms] == ['65"', '75" tv']
    assert [str(a) for a in rs.apply('samsung 65" tv').applied] == [
        "rules.txt:5: 65\" tv => UP(50): brand:Samsung"]
    assert [s.term for s in rs.apply("learn c#").synonyms] == ["csharp", "#1 c# book"]
    assert rs.apply("vitamin c").synonyms == []


def test_a_hash_after_a_space_in_a_quoted_input_is_a_comment_and_says_so():
    with pytest.raises(RuleSyntaxError, match=r"write \\# for the character") as err:
        RuleSet.parse('"tv #1" =>\n  UP: x\n', path="rules.txt")
    assert err.value.line == 1
    assert [r.input for r in RuleSet.parse('"tv \\#1" =>\n  UP: x\n').rules] == ["tv #1"]


# -- 4. Querqy syntax pasted by habit ---------------------------------------------------------


def test_querqy_raw_query_marker_means_field_value():
    """4: 'FILTER: * brand:apple' gave filters.other ['* brand:apple']."""
    rs = RuleSet.parse("macbook =>\n  FILTER: * brand:apple\n  UP(100): * category:laptops\n"
                       "  DOWN: *brand:dell\n")
    r = rs.apply("macbook pro")
    assert [f.term for f in r.filters] == ["brand:apple"]
    assert [(b.term, b.weight) for b in r.boosts] == [("category:laptops", 100.0),
                                                      ("brand:dell", -100.0)]


@pytest.mark.parametrize(("text", "line", "msg"), [
    ('"laptop =>\n  UP: x\n', 1, "query starts with"),  # Querqy: the query starts with
    ('speaker" =>\n  UP: x\n', 1, "quotes nothing"),  # ends with
    ("lapto* =>\n  UP: x\n", 1, "no wildcard"),  # prefix
    ("\u201csamsung tv\u201d =>\n  UP: x\n", 1, "curly quotes"),  # a wiki's quotes
    ('# x\ntv =>\n  SYNONYM: "television\n', 3, "quotes nothing"),
    ("tv =>\n  SYNONYM: tele*\n", 2, "no wildcard"),
    ('tv =>\n  FILTER: brand:"Sams\n', 2, "quotes nothing"),
    ("tv =>\n  FILTER: brand:sam*\n", 2, "no wildcard"),
    ("tv =>\n  FILTER: * -brand:apple\n", 2, "no field name"),
    ("tv =>\n  FILTER: (brand OR maker):apple\n", 2, "no field name"),
    ("tv =>\n  UP: * brand:sam*\n", 2, "no wildcard"),
    ('"tv" <=> television\n', 1, "not an exact"),
])
def test_querqy_syntax_with_another_meaning_is_refused_with_its_line(text, line, msg):
    with pytest.raises(RuleSyntaxError, match=msg) as err:
        RuleSet.parse(text, path="rules.txt")
    assert err.value.line == line
    assert str(err.value).startswith(f"rules.txt:{line}: ")


# -- 5. numbers ------------------------------------------------------------------------------

NUMBERS = ("1/2 =>\n  SYNONYM: half\n3/4 =>\n  SYNONYM: three quarter\n2.5 =>\n  SYNONYM: 2 1/2\n"
           "2 inch =>\n  UP: size:2 inch\n")


@pytest.mark.parametrize(("query", "fired"), [
    ("1/2 inch drill bit", ["half"]),
    ("1.2 ghz processor", []),
    ("1-2-3 blocks without holes", []),
    ("1-2 day shipping tv", []),
    ("usb 3.1 2 port hub", []),
    ("3/4 oz flask", ["three quarter"]),
    ("3.4 oz flask", []),
    ("thin ribbon 2/5", []),
    ("thin ribbon 2.5", ["2 1/2"]),
    ("tape 1.2.5", []),
    ("1.2 inch", []),  # "2 inch" is no part of a number
    ("drill 2 inch", ["size:2 inch"]),
])
def test_a_number_input_fires_only_on_the_number_as_written(query, fired):
    """5: '1/2' fired on "1.2 ghz", '3/4' on "3.4 oz": the word split made both "1 2"."""
    r = RuleSet.parse(NUMBERS).apply(query)
    assert [s.term for s in r.synonyms] + [b.term for b in r.boosts] == fired


def test_a_delete_of_a_number_removes_it_only_as_written():
    rs = RuleSet.parse("drill =>\n  DELETE: 1/2\n")
    assert rs.apply("drill 1.2 1/2 inch").query == "drill 1.2 inch"
    assert rs.apply("drill 1 2 inch").deleted == []


# -- 8. weights ------------------------------------------------------------------------------


@pytest.mark.parametrize(("instr", "msg"), [
    ("SYNONYM(0): keypad", "SYNONYM weight must be > 0 and at most 1"),
    ("SYNONYM(3): usb camera", "SYNONYM weight must be > 0 and at most 1"),
    ("SYNONYM(1.01): x", "at most 1"),
    ("UP(0): logitech", "UP weight must be > 0"),
    ("DOWN(0.0): refurbished", "DOWN weight must be > 0"),
])
def test_a_weight_out_of_range_is_refused_with_its_line(instr, msg):
    """8: SYNONYM(0) gave an expansion score 0 (docs: in (0, 1]); SYNONYM(3) was cut to 1."""
    with pytest.raises(RuleSyntaxError, match=msg) as err:
        RuleSet.parse(f"# shop\nkeyboard =>\n  SYNONYM: keys\n  {instr}\n", path="rules.txt")
    assert str(err.value).startswith("rules.txt:4: ")


def test_weights_in_range_are_kept():
    rs = RuleSet.parse("kb =>\n  SYNONYM(1): a\n  SYNONYM(0.01): b\n  UP(0.5): c\n  DOWN(250): d\n")
    r = rs.apply("kb")
    assert [(s.term, s.weight) for s in r.synonyms] == [("a", 1.0), ("b", 0.01)]
    assert [(b.term, b.weight) for b in r.boosts] == [("c", 0.5), ("d", -250.0)]


# -- 9. line ends ----------------------------------------------------------------------------


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1e"])
def test_only_newlines_end_a_line(sep):
    """9: str.splitlines() also split at U+2028, U+0085, a form feed ...: the text after one in
    a comment became a rule line, and every later line number was one too far."""
    rs = RuleSet.parse(f"# pasted{sep}note\ntv =>\n    SYNONYM: television\n")
    assert [(r.input, r.line) for r in rs.rules] == [("tv", 2)]
    with pytest.raises(RuleSyntaxError, match="BOGUS") as err:
        RuleSet.parse(f"# caf{sep}\ntv =>\n    BOGUS: x\n", path="rules.txt")
    assert str(err.value).startswith("rules.txt:3: ")


@pytest.mark.parametrize("nl", ["\n", "\r\n", "\r"])
def test_crlf_and_cr_still_end_lines(nl, tmp_path):
    rs = RuleSet.parse(nl.join(["# c", "tv =>", "  SYNONYM: television", ""]))
    assert [(r.input, r.line) for r in rs.rules] == [("tv", 2)]
    p = tmp_path / "rules.txt"  # invalid UTF-8: the line as the parser counts it
    p.write_bytes(nl.join(["# c", "tv =>", "  SYNONYM: t\xe9l\xe9", ""]).encode("latin-1"))
    with pytest.raises(RuleSyntaxError, match="invalid UTF-8") as err:
        RulesFile(p, name="rules.txt")
    assert err.value.line == 3
