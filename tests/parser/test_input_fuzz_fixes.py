"""Input-fuzzing findings (review "kgqp input fuzzing"), each reproduced on the old code:

1. a price amount that overflowed to ``inf`` reached ``ParsedQuery.filters`` (invalid JSON);
2. ``kgqp parse --input`` read a UTF-16 file (a Windows "Unicode" export) as NUL-laden UTF-8
   garbage, and replaced invalid bytes without a word;
3. NFKC before the price patterns made digits of superscripts and fractions ("tv under 10²" had
   a price_max of 102, "tv under ½" of 1);
7. ``kgqp parse`` with a non-UTF-8 byte in its argument gave Python advice ("decode the bytes
   with errors='replace'").
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import sys
import unicodedata

import pytest

from fusion.expand import QueryExpander
from fusion.rules import RuleSet
from kg import Node, NodeKind, ProductGraph
from parser.pipeline import ParserConfig, QueryParser

from .word_tagger import WordTagger


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([
        Node(NodeKind.BRAND, "samsung", "Samsung", popularity=100.0),
        Node(NodeKind.CATEGORY, "bb/tvs", "TVs", aliases=("tv",), path="TV & Home Theater > TVs"),
    ], progress=False)
    return g


@pytest.fixture(scope="module")
def qp(kg) -> QueryParser:
    return QueryParser(tagger=WordTagger(), kg=kg, expander=QueryExpander(kg))


# -- 3: numeric characters that are no decimal digits are no digits of a price ----------------


@pytest.mark.parametrize(
    "query",
    [
        "tv under 10²",  # NFKC: "102"
        "tv under ½",  # "1⁄2": a price_max of 1
        "tv under 5⁰⁰",  # "500"
        "tv under ⅕0",  # "1⁄50"
        "tv under ①",  # circled one: "1"
        "tv under $¹⁰⁰",
        "tv under 500²",  # "5002"
        "tv over 1½k",  # "11⁄2k"
        "tv under ⒈",  # "1."
    ],
)
def test_superscripts_and_fractions_are_no_price_digits(qp, query):
    q = qp(query)
    assert "price_max" not in q.filters and "price_min" not in q.filters, q.filters
    assert not [s for s in q.filter_sources if s.field.startswith("price")]


@pytest.mark.parametrize(
    ("query", "bound", "value"),
    [
        ("tv under ５００", "price_max", 500.0),  # full-width digits are decimal digits (Nd)
        ("tv under ＄８００", "price_max", 800.0),
        ("tv over 𝟓𝟎𝟎", "price_min", 500.0),  # mathematical bold digits (Nd)
        ("tv² under 500", "price_max", 500.0),  # a mark elsewhere leaves the price alone
        ("① samsung tv under 300", "price_max", 300.0),
        ("tv under 500 or under 10²", "price_max", 500.0),  # "10²" is no second bound
    ],
)
def test_decimal_digits_still_make_prices(qp, query, bound, value):
    q = qp(query)
    assert q.filters.get(bound) == value, q.filters
    assert [(s.field, s.value) for s in q.filter_sources if s.field.startswith("price")] == [
        (bound, f"{value:g}")]


@pytest.mark.parametrize(("query", "sizes"), [
    ("drill bit 1½ inch", None),  # NFKC: "11⁄2 inch", a size of 2 inch
    ("rug 5½ ft", None),
    ("tv 6⁵ inch", None),  # "65 inch"
    ("tv 65 inch ½ price", ["65 inch"]),  # a real size beside a mark stays
    ("tv ６５ inch", ["65 inch"]),  # full-width digits are decimal digits
])
def test_superscripts_and_fractions_are_no_size_digits(qp, query, sizes):
    q = qp(query)
    assert q.filters.get("size") == sizes, q.filters
    assert [s.value for s in q.filter_sources if s.field == "size"] == (sizes or [])


@pytest.mark.parametrize("query", ["tv under 10²", "samsung tv ½ under 500", "tv ５００ ①"])
def test_the_parse_is_unchanged_but_for_the_price(kg, qp, query):
    """Offsets and ``normalized`` (NFKC) are as before: only the price bounds are read with
    the marks hidden; with rules, ``rewritten`` keeps the marks as typed ("10²", not "102")."""
    plain = QueryParser(tagger=WordTagger(), kg=kg, config=ParserConfig(expand=False))(query)
    q = qp(query)
    assert q.entities == plain.entities
    assert q.normalized == " ".join(unicodedata.normalize("NFKC", query).split())
    ruled = QueryParser(tagger=WordTagger(), kg=kg, expander=QueryExpander(
        kg, rules=RuleSet.parse("tv =>\n  SYNONYM: television\n")))(query)
    assert ruled.rewritten == {"tv under 10²": "tv under 10²",
                               "samsung tv ½ under 500": "samsung tv ½ under 500",
                               "tv ５００ ①": "tv 500 ①"}[query]
    assert ruled.entities == plain.entities
    assert {k: v for k, v in ruled.filters.items() if k.startswith("price")} == {
        k: v for k, v in q.filters.items() if k.startswith("price")}


# -- 1: no inf (or NaN) price in a parse ----------------------------------------------------------


def test_an_overflowing_price_gives_no_bound_and_valid_json(qp):
    q = qp("tv under 1" + "0" * 309)
    assert "price_max" not in q.filters
    json.dumps(q.to_dict(), allow_nan=False)  # raised: "Out of range float values"


def test_a_price_that_is_not_finite_never_enters_the_parse(qp, monkeypatch):
    """The guard where the prices enter the ParsedQuery: whatever the patterns give."""
    import fusion.expand.core  # (expand() looks parse_price up there)

    monkeypatch.setattr(fusion.expand.core, "parse_price", lambda text: (math.nan, math.inf))
    q = qp("tv under 500")
    assert "price_min" not in q.filters and "price_max" not in q.filters
    assert not [s for s in q.filter_sources if s.field.startswith("price")]
    json.dumps(q.to_dict(), allow_nan=False)


# -- 2: kgqp parse --input reads UTF-16 / UTF-32 files, and says when bytes were replaced ---------

QUERIES = ["samsung tv", "iphone case", "", "café tv"]
TEXT = "samsung tv\r\niphone case\n\ncafé tv\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                                      "utf-32-be", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("gz", [False, True])
def test_input_files_with_a_bom_are_decoded(tmp_path, caplog, encoding, gz):
    from parser.app.batch import _read_queries, _split_lines

    data = TEXT.encode(encoding)
    if encoding.endswith(("-le", "-be")):  # these codecs write no BOM: a Windows export has one
        data = "\ufeff".encode(encoding) + data
    if gz:
        data = gzip.compress(data)
    path = tmp_path / "queries.txt"
    path.write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="parser.app.batch"):
        assert list(_read_queries(path)) == QUERIES
        assert _split_lines(data) == QUERIES  # the ray engine's reader
    assert not caplog.records


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("gz", [False, True])
def test_utf16_files_without_a_bom_are_decoded_with_a_warning(tmp_path, caplog, encoding, gz):
    """iconv -t utf-16le, Java's UTF_16LE and bcp -w write no byte-order mark: the NUL bytes
    between the characters give it away (read as UTF-8, every query was garbage, silently)."""
    from parser.app.batch import _read_queries, _split_lines

    data = TEXT.encode(encoding)
    data = gzip.compress(data) if gz else data
    path = tmp_path / "queries.txt"
    path.write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="parser.app.batch"):
        assert list(_read_queries(path)) == QUERIES
        assert _split_lines(data) == QUERIES
    assert caplog.records and all(encoding.upper() in r.getMessage() for r in caplog.records)


def test_stdin_with_a_utf16_bom_is_decoded(monkeypatch):
    from parser.app.batch import _read_queries

    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(TEXT.encode("utf-16"))))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert list(_read_queries("-")) == QUERIES


def test_invalid_bytes_are_replaced_and_counted(tmp_path, caplog):
    from parser.app.batch import _read_queries

    path = tmp_path / "latin1.txt"
    # lines 2 and 4 are Latin-1; line 3 holds a real U+FFFD (valid UTF-8): not counted
    path.write_bytes(b"samsung tv\ncaf\xe9 tv\nreal \xef\xbf\xbd mark\n\xff\xfe bad\nlg tv\n")
    with caplog.at_level(logging.WARNING, logger="parser.app.batch"):
        lines = list(_read_queries(path))
    assert lines == ["samsung tv", "caf\ufffd tv", "real \ufffd mark", "\ufffd\ufffd bad", "lg tv"]
    [record] = caplog.records
    message = record.getMessage()
    assert str(path) in message and "2 line(s)" in message and "not valid UTF-8" in message
    assert "line 2" in message and "iconv" in message


def test_invalid_bytes_of_a_utf16_file_are_counted(caplog):
    from parser.app.batch import _split_lines

    data = "tv\nlg\n".encode("utf-16") + b"\x00\xd8" + "x\n".encode("utf-16-le")  # lone surrogate
    with caplog.at_level(logging.WARNING, logger="parser.app.batch"):
        assert _split_lines(data, source="u16.txt") == ["tv", "lg", "\ufffdx"]
    [record] = caplog.records
    assert "u16.txt: 1 line(s)" in record.getMessage() and "UTF-16" in record.getMessage()
    assert "line 3" in record.getMessage()


def test_the_bad_bytes_of_a_capped_line_count(caplog):
    """A line longer than the cap: its first characters are the query, the rest is dropped; bad
    bytes in the dropped rest still count the line."""
    from parser.app.batch import _split_lines

    data = b"a" * 30 + b"\xff\nok\n"
    with caplog.at_level(logging.WARNING, logger="parser.app.batch"):
        assert _split_lines(data, cap=12) == ["a" * 12, "ok"]
    assert "1 line(s)" in caplog.records[0].getMessage()


# -- 7: a non-UTF-8 byte in a command-line query ------------------------------------------------


def test_cli_query_that_is_not_utf8_gets_a_shell_message(tmp_path):
    """argv bytes that are not UTF-8 reach Python as lone surrogates (U+DC80..U+DCFF): the
    message names the byte and the terminal, not ``errors='replace'``."""
    from typer.testing import CliRunner

    from parser.app.cli import app

    result = CliRunner().invoke(app, ["parse", "--bundle", str(tmp_path), "caf\udce9 tv"])
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert err.startswith("error: the query 'caf\\xe9 tv' is not valid UTF-8 (byte 0xe9"), err
    assert "terminal" in err and "UTF-8 locale" in err
    assert "errors=" not in err and "Traceback" not in result.output
