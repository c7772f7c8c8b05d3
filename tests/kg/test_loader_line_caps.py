"""The line-based loaders read each line with a length cap: a huge line (one line of a small
``.gz`` file that decompresses to gigabytes) is a bad row, found without reading it whole."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from kg.errors import KGLoadError
from kg.loaders import (
    load_bestbuy_categories,
    load_bestbuy_products,
    load_catalog,
    load_gazetteer,
    load_google_taxonomy,
)
from kg.loaders._common import MAX_LINE_CHARS, bounded_lines, not_utf8, open_text
from kg.schema import LoadReport, Node

LONG = MAX_LINE_CHARS * 2  # a line over the cap (plain files: written fast)


def _gzip_with_huge_line(path: Path, before: bytes, after: bytes, mib: int = 50) -> Path:
    """``before``, a line of ``mib`` MiB of "a", then ``after``; streamed, never in memory."""
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(before)
        for _ in range(mib):
            fh.write(b"a" * (1 << 20))
        fh.write(b"\n" + after)
    return path


def _load(loader, path: Path, **options) -> tuple[list[Node], LoadReport, int]:
    """Records, report and the peak of Python memory while loading."""
    report = LoadReport(str(path))
    tracemalloc.start()
    try:
        records = list(loader(path, report=report, **options))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return [r for r in records if isinstance(r, Node)], report, peak


def test_gazetteer_huge_gz_line_is_a_long_name_read_in_bounded_memory(tmp_path: Path) -> None:
    bomb = _gzip_with_huge_line(tmp_path / "brands.dic.gz", b"Sony\n", b"LG\n")
    nodes, report, peak = _load(load_gazetteer, bomb)
    assert [n.label for n in nodes] == ["Sony", "LG"]
    reason = "name longer than 200 characters"
    assert report.skipped == {reason: 1}
    assert report.examples[reason][0].startswith("line 2: aaaa")
    assert peak < 32 << 20, f"peak {peak / 2**20:.0f} MiB for a 50 MiB line"

    with pytest.raises(KGLoadError, match=r"brands\.dic\.gz: line 2: name longer than 200"):
        list(load_gazetteer(bomb, report=LoadReport(str(bomb)), on_error="abort"))


def test_bestbuy_jsonl_huge_gz_line_is_a_bad_row(tmp_path: Path) -> None:
    row = {"objectID": "1", "name": "Sony TV", "brand": "Sony"}
    first = (json.dumps(row) + "\n").encode()
    last = json.dumps({**row, "objectID": "2", "name": "LG TV", "brand": "LG"}).encode()
    bomb = _gzip_with_huge_line(tmp_path / "products.jsonl.gz", first, last + b"\n")
    nodes, report, peak = _load(load_bestbuy_products, bomb, categories="")
    assert {n.label for n in nodes} >= {"Sony TV", "LG TV"}
    reason = f"line longer than {MAX_LINE_CHARS} characters"
    assert report.skipped[reason] == 1
    assert report.examples[reason][0].startswith("line 2: aaaa")
    assert peak < 32 << 20, f"peak {peak / 2**20:.0f} MiB for a 50 MiB line"


def test_taxonomy_and_catalog_jsonl_long_lines(tmp_path: Path) -> None:
    reason = f"line longer than {MAX_LINE_CHARS} characters"
    tax = tmp_path / "taxonomy.txt"
    tax.write_text("1 - Animals\n2 - " + "x" * LONG + "\n3 - Animals > Pets\n", encoding="utf-8")
    nodes, report, _ = _load(load_google_taxonomy, tax)
    assert [n.label for n in nodes] == ["Animals", "Pets"]
    assert report.skipped == {reason: 1} and report.examples[reason][0].startswith("line 2: 2 - x")
    with pytest.raises(KGLoadError, match=rf"taxonomy\.txt: line 2: {reason}"):
        list(load_google_taxonomy(tax, report=LoadReport(str(tax)), on_error="abort"))

    cat = tmp_path / "catalog.jsonl"
    rows = [{"pid": "p1", "product_name": "Sony TV", "brand": "Sony"},
            {"pid": "p2", "product_name": "z" * LONG, "brand": "LG"},
            {"pid": "p3", "product_name": "LG TV", "brand": "LG"}]
    cat.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    nodes, report, _ = _load(load_catalog, cat)
    assert {n.label for n in nodes if n.kind.value == "product"} == {"Sony TV", "LG TV"}
    assert report.skipped == {reason: 1} and report.examples[reason][0].startswith("line 2: {")


def test_catalog_csv_long_lines_keep_the_line_numbers(tmp_path: Path) -> None:
    reason = f"line longer than {MAX_LINE_CHARS} characters"
    cat = tmp_path / "catalog.csv"
    cat.write_text(
        "pid,product_name,brand\n"
        "p1,Sony TV,Sony\n"                                   # line 2
        f'p2,"{"x" * LONG}",LG\n'                             # line 3: too long
        'p3,"Multi\n' + "y" * LONG + '\nline",LG\n'           # lines 4-6: line 5 too long
        "p4,LG TV,LG\n"                                       # line 7
        "p5,Acme,\n"                                          # line 8: a row of another reason
        "p6,Bad\n", encoding="utf-8")                         # line 9: wrong field count
    nodes, report, _ = _load(load_catalog, cat)
    assert {n.label for n in nodes if n.kind.value == "product"} == {"Sony TV", "LG TV", "Acme"}
    assert report.skipped[reason] == 2
    assert [e.split(": ")[0] for e in report.examples[reason]] == ["line 3", "line 5"]
    assert report.examples["expected 3 fields, got 2"] == ["line 9: p6,Bad"]
    with pytest.raises(KGLoadError, match=rf"catalog\.csv: line 3: {reason}"):
        list(load_catalog(cat, report=LoadReport(str(cat)), on_error="abort"))

    header = tmp_path / "header.csv"
    header.write_text("pid," + "h" * LONG + "\np1,x\n", encoding="utf-8")
    with pytest.raises(KGLoadError, match=rf"header\.csv: line 1: the header is a {reason}"):
        list(load_catalog(header, report=LoadReport(str(header))))


@pytest.mark.parametrize("text", [
    "", "a", "a\n", "ab\r\ncd\n", "abc\r\nd", "abcd\r\ne", "abcdefgh\r\n\r\n", "a\rb\rc",
    "abcd\rxy", "abcdefghij\nk", "abcdefghij\r", "\n\n\r\r\n",
])
def test_bounded_lines_match_the_file_lines(tmp_path: Path, text: str) -> None:
    """Lines of at most ``limit`` characters come out as iterating the file gives them (a
    ``\\r\\n`` cut by the limit is one line end); longer ones as their first ``limit``."""
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8", newline="")
    for limit in range(1, 7):
        with open_text(p) as fh:
            expected = [(line, True) if line[limit:] in ("", "\n", "\r", "\r\n")
                        else (line[:limit], False) for line in fh]
        with open_text(p) as fh:
            assert list(bounded_lines(fh, limit)) == expected, limit


def test_not_utf8_finds_the_line_in_bounded_memory(tmp_path: Path) -> None:
    bomb = _gzip_with_huge_line(tmp_path / "brands.dic.gz", b"Sony\n", b"LG\n\xe9\n", mib=40)
    with pytest.raises(UnicodeDecodeError) as info:
        list(load_gazetteer(bomb, report=LoadReport(str(bomb)), on_error="abort"))
    tracemalloc.start()
    try:
        message = not_utf8(bomb, info.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.split("; ")[0].endswith("brands.dic.gz:4: not valid UTF-8 (byte 0xe9)")
    assert peak < 16 << 20, f"peak {peak / 2**20:.0f} MiB for a 40 MiB file"


def test_an_over_long_line_that_closes_a_quoted_cell_keeps_the_rows_after_it(
        tmp_path: Path) -> None:
    """The over-long line of a multi-line quoted cell held its closing quote; replaced by an
    empty line, the cell never closed and the CSV reader swallowed every row after it, with
    no report (a reviewer's 'After' and 'quoted, ok' rows vanished)."""
    reason = f"line longer than {MAX_LINE_CHARS} characters"
    cat = tmp_path / "catalog.csv"
    cat.write_text(
        "pid,product_name,brand\n"
        "p1,Good One,Acme\n"
        'p2,"multi\nline ' + "z" * LONG + ' cell",Acme\n'  # line 4: too long, closes the quote
        "p3,After,Acme\n"
        'p4,"quoted, ok",Acme\n', encoding="utf-8")
    nodes, report, _ = _load(load_catalog, cat)
    assert {n.label for n in nodes if n.kind.value == "product"} == {
        "Good One", "After", "quoted, ok"}
    assert report.skipped[reason] == 1 and report.examples[reason][0].startswith("line 4")


@pytest.mark.parametrize("loader", [load_bestbuy_products, load_bestbuy_categories])
def test_a_whole_json_document_over_the_cap_is_refused_before_it_is_parsed(
        tmp_path: Path, loader, monkeypatch) -> None:
    # a JSON array (not JSON Lines) is parsed whole: a small .gz file inflating to gigabytes
    # would take that much memory and more; the reader stops at the cap instead
    import kg.loaders._common as common

    monkeypatch.setattr(common, "MAX_JSON_CHARS", 1 << 20)
    monkeypatch.setattr(common.read_json, "__defaults__", (1 << 20,))
    rows = [{"objectID": str(i), "name": "x" * 100, "brand": "Sony"} for i in range(20_000)]
    path = tmp_path / "items.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(rows, fh)
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(KGLoadError, match=r"items\.json\.gz: the JSON document is larger "
                                              r"than 1,048,576 characters.*\.jsonl"):
            list(loader(path, report=LoadReport(str(path))))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20
