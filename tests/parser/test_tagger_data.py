"""Data readers/writers, scheme conversion and stats (parser/tagger/data.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from parser.app.tagger_cli import app
from parser.errors import DataFormatError, ParserError
from parser.tagger.data import (
    Sentence,
    Span,
    convert_tags,
    detect_scheme,
    read_conll,
    spans_to_tags,
    stats,
    tags_to_spans,
    write_conll,
)
from parser.tagger.formats import read_jsonl, write_jsonl

from .conftest import SHARED


def test_conll_tab_and_space_round_trip(tmp_path):
    (tmp_path / "a.conll").write_text("apple\tB-creator\niphone\tB-product_name\n\nred O\n",
                                      encoding="utf-8")
    sents = read_conll(tmp_path / "a.conll")
    assert [s.tokens for s in sents] == [["apple", "iphone"], ["red"]]
    assert sents[0].text() == "apple iphone"
    write_conll(tmp_path / "b.conll", sents)
    again = read_conll(tmp_path / "b.conll")
    assert [(s.tokens, s.tags) for s in again] == [(s.tokens, s.tags) for s in sents]


def test_chinese_char_per_line_is_concatenated(tmp_path):
    (tmp_path / "zh.bieos").write_text("苹 B-HP\n果 E-HP\n手 B-HC\n机 E-HC\n", encoding="utf-8")
    (s,) = read_conll(tmp_path / "zh.bieos")
    assert s.text() == "苹果手机"
    assert [(sp.start, sp.end, sp.label) for sp in s.spans()] == [(0, 2, "HP"), (2, 4, "HC")]
    assert detect_scheme(s.tags) == "bioes"
    assert read_conll(tmp_path / "zh.bieos", scheme="bio")[0].tags == ["B-HP", "I-HP", "B-HC",
                                                                       "I-HC"]


def test_bad_line_reports_line_number(tmp_path):
    (tmp_path / "bad.conll").write_text("apple\tB-x\noops\tX-y\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad.conll:2"):
        read_conll(tmp_path / "bad.conll")
    with pytest.raises(ParserError, match="does not exist"):
        read_conll(tmp_path / "missing.conll")


@pytest.mark.parametrize("tags", [["B-a", "I-a", "O", "B-b"], ["B-a", "I-a", "I-a", "B-a"],
                                  ["O", "O"], ["B-a"]])
def test_scheme_conversion_round_trips(tags):
    bioes = convert_tags(tags, "bioes")
    assert convert_tags(bioes, "bio") == tags
    assert tags_to_spans(bioes) == tags_to_spans(tags)


def test_lenient_decoding_and_encoding():
    assert tags_to_spans(["I-a", "I-b", "E-b"]) == [Span(0, 1, "a"), Span(1, 3, "b")]
    assert spans_to_tags([Span(1, 2, "x")], 3, "bioes") == ["O", "S-x", "O"]


def test_jsonl_round_trip_and_validation(tmp_path):
    sents = [Sentence(["lg", "55", "inch", "tv"], ["B-creator", "B-UoM", "I-UoM", "O"])]
    write_jsonl(tmp_path / "a.jsonl", sents)
    line = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8"))
    assert line == {"text": "lg 55 inch tv", "spans": [
        {"start": 0, "end": 2, "label": "creator"}, {"start": 3, "end": 10, "label": "UoM"}]}
    assert read_jsonl(tmp_path / "a.jsonl")[0].tags == sents[0].tags
    (tmp_path / "bad.jsonl").write_text('{"text": "lg tv", "spans": [{"start": 1, "end": 2, '
                                        '"label": "x"}]}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match="cuts a word"):
        read_jsonl(tmp_path / "bad.jsonl")


def test_stats_and_cli(tmp_path):
    sents = [Sentence(["a", "b"], ["B-x", "I-x"]), Sentence(["c"], ["O"])]
    st = stats(sents)
    assert st["n_sentences"] == 2 and st["entities_per_type"] == {"x": 1}
    write_conll(tmp_path / "d.conll", sents)
    res = CliRunner().invoke(app, ["stats", str(tmp_path / "d.conll")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n_tokens"] == 3
    res = CliRunner().invoke(app, ["convert", str(tmp_path / "d.conll"), str(tmp_path / "d.txt"),
                                   "--scheme", "bioes"])
    assert res.exit_code == 0
    assert read_conll(tmp_path / "d.txt")[0].tags == ["B-x", "E-x"]


@pytest.mark.skipif(not (SHARED / "queryner").is_dir(), reason="../shared/data not present")
def test_real_files_read():
    q = read_conll(SHARED / "queryner" / "validation.conll")
    assert len(q) == 871 and q[0].joiner == " "
    zh = read_conll(SHARED / "zh_ecommerce" / "dev.txt.bieos")
    assert len(zh) == 500 and zh[0].joiner == "" and detect_scheme(zh[0].tags) == "bioes"


def test_a_utf8_bom_is_no_part_of_the_first_token(tmp_path):
    from parser.tagger.formats import read_task_texts

    p = tmp_path / "bom.conll"
    p.write_bytes("\ufeffteeth\tB-core_product_type\nwhitening\tI-core_product_type\n\n"
                  "red\tB-color\n".encode())
    sents = read_conll(p)
    assert sents[0].tokens == ["teeth", "whitening"] and sents[0].text() == "teeth whitening"
    assert read_task_texts(p)[0] == "teeth whitening"  # `learn select --exclude` matches it
    res = CliRunner().invoke(app, ["convert", str(p), str(tmp_path / "out.jsonl")])
    assert res.exit_code == 0, res.output
    line = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert line["text"] == "teeth whitening" and line["spans"][0]["start"] == 0


def test_a_label_not_allowed_is_named_with_its_lines(tmp_path):
    from parser.tagger.formats import read_data, read_tasks

    p = tmp_path / "badlabel.conll"
    p.write_text("acme\tB-creator\n\nmint\tB-flavour\ntea\tO\n\nlime\tB-flavour\n",
                 encoding="utf-8")
    msg = (r"badlabel\.conll:3: label 'flavour' is not one of the labels \(color, creator\); "
           r"also at line 6: fix the label")
    for read in (read_conll, read_data, read_tasks):
        with pytest.raises(DataFormatError, match=msg):
            read(p, labels=["creator", "color"])
    assert len(read_conll(p)) == 3  # no labels given: any label
    # `tagger convert --labels`: the file and the line, not "sentence 2"
    res = CliRunner().invoke(app, ["convert", str(p), str(tmp_path / "o.jsonl"),
                                   "--labels", "creator,color"])
    assert res.exit_code == 2 and "badlabel.conll:3: label 'flavour'" in res.output
