"""Annotation formats (parser/tagger/formats.py): span JSONL and Label Studio tasks, exported
and imported back losslessly on real QueryNER queries; malformed tasks import nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parser.app.cli import app
from parser.errors import DataFormatError
from parser.tagger.data import Span, read_conll
from parser.tagger.formats import (
    Task,
    read_data,
    read_label_studio,
    read_span_jsonl,
    read_tasks,
    to_label_studio,
    write_label_studio,
    write_span_jsonl,
)

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = ROOT / "data" / "queryner" / "validation.conll"


@pytest.fixture(scope="module")
def real_tasks() -> list[Task]:
    sents = read_conll(VALIDATION)
    assert len(sents) == 871
    return [Task.from_sentence(s, meta={"n": i, "reasons": ["uncertain"]})
            for i, s in enumerate(sents)]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_real_queries_round_trip(tmp_path: Path, real_tasks: list[Task], suffix: str) -> None:
    from parser.tagger.formats import write_tasks

    path = write_tasks(tmp_path / f"batch{suffix}", real_tasks)
    back = read_tasks(path)
    assert back == real_tasks  # texts, spans, labels and notes
    assert sum(len(t.spans) for t in back) > 1500
    gold = read_conll(VALIDATION)
    assert [t.to_sentence().tags for t in back] == [s.tags for s in gold]
    assert [t.to_sentence().tokens for t in back] == [s.tokens for s in gold]
    assert [s.tags for s in read_data(path)] == [s.tags for s in gold]


def test_label_studio_annotations_win_over_predictions(tmp_path: Path) -> None:
    tasks = [Task("lg 55 inch tv", [Span(0, 2, "creator")], source="prediction"),
             Task("red shoes", [], source="prediction")]  # a model's pre-filled batch
    exported = to_label_studio(tasks)
    # the annotator fixes task 0 (a cancelled annotation before it is ignored) and skips task 1
    exported[0]["annotations"] = [
        {"was_cancelled": True, "result": []},
        {"result": [
            {"type": "labels", "from_name": "label", "to_name": "text",
             "value": {"start": 0, "end": 3, "text": "lg ", "labels": ["creator"]}},
            {"type": "labels", "value": {"start": 3, "end": 10, "labels": ["UoM"]}},
            {"type": "labels", "value": {"start": 11, "end": 13, "labels": ["core_product_type"]}},
            {"type": "choices", "value": {"choices": ["ok"]}},
        ]},
    ]
    path = tmp_path / "project.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    auto = read_label_studio(path)
    assert auto[0].span_texts() == [("lg", "creator"), ("55 inch", "UoM"),
                                    ("tv", "core_product_type")]  # "lg " trimmed
    assert [t.source for t in auto] == ["annotation", "prediction"]
    assert [t.text for t in read_label_studio(path, source="annotations")] == ["lg 55 inch tv"]
    assert read_label_studio(path, source="predictions")[0].span_texts() == [("lg", "creator")]


def test_prodigy_rejected_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"text": "acme kettle", "spans": [{"start": 0, "end": 4, "label": "creator"}], '
        '"answer": "accept"}\n{"text": "junk", "spans": [], "answer": "reject"}\n\n',
        encoding="utf-8")
    assert [t.span_texts() for t in read_span_jsonl(path)] == [[("acme", "creator")]]


_GOOD = {"text": "lg 55 inch tv", "spans": [{"start": 0, "end": 2, "label": "creator"}]}

BAD_SPANS = {
    "outside": ({"start": 11, "end": 20, "label": "creator"}, "outside the text"),
    "empty": ({"start": 3, "end": 3, "label": "creator"}, "13 characters or empty"),
    "negative": ({"start": -1, "end": 2, "label": "creator"}, "outside the text"),
    "cuts_word": ({"start": 1, "end": 5, "label": "creator"}, "cuts a word"),
    "float": ({"start": 0.0, "end": 2, "label": "creator"}, "integers"),
    "bool": ({"start": True, "end": 2, "label": "creator"}, "integers"),
    "no_label": ({"start": 3, "end": 5}, "label must be"),
    "unknown_label": ({"start": 3, "end": 5, "label": "brnad"}, "not one of the labels"),
    "overlap": ({"start": 0, "end": 5, "label": "UoM"}, "overlap"),
    "shifted": ({"start": 3, "end": 5, "label": "UoM", "text": "55 "}, "shifted"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPANS))
def test_a_bad_span_line_names_file_and_line_and_imports_nothing(tmp_path: Path,
                                                                 case: str) -> None:
    span, message = BAD_SPANS[case]
    bad = copy.deepcopy(_GOOD)
    bad["spans"].append(span)
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(_GOOD) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=message) as err:
        read_span_jsonl(path, labels=["creator", "UoM"])
    assert f"{path}:2:" in str(err.value)


@pytest.mark.parametrize("line", ['{"text": "a", ', '[1, 2]', '{"text": ""}', '{"spans": []}',
                                  '{"text": "a b", "spans": {"start": 0}}',
                                  '{"text": "a b", "meta": [1]}'])
def test_malformed_jsonl_lines(tmp_path: Path, line: str) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(_GOOD) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"{path}:2: "):
        read_span_jsonl(path)


def test_invalid_utf8_and_lone_surrogates_name_the_line(tmp_path: Path) -> None:
    from parser.learn import read_query_log

    good = json.dumps(_GOOD).encode()
    (tmp_path / "a.jsonl").write_bytes(good + b"\n" + b'{"text": "caf\xe9 tv"}\n')
    with pytest.raises(DataFormatError, match=r"a\.jsonl:2: not valid UTF-8"):
        read_span_jsonl(tmp_path / "a.jsonl")
    (tmp_path / "b.jsonl").write_bytes(good + b"\n" + b'{"text": "tv \\ud800"}\n')
    with pytest.raises(DataFormatError, match=r"b\.jsonl:2: 'text' holds a lone surrogate"):
        read_span_jsonl(tmp_path / "b.jsonl")
    (tmp_path / "log.txt").write_bytes(b"tv\nsamsung \xff tv\n")
    with pytest.raises(DataFormatError, match=r"log\.txt:2: not valid UTF-8"):
        read_query_log(tmp_path / "log.txt")
    (tmp_path / "log.jsonl").write_bytes(b'{"query": "tv \\udc00"}\n')
    with pytest.raises(DataFormatError, match=r"log\.jsonl:1: 'query' holds a lone"):
        read_query_log(tmp_path / "log.jsonl")
    (tmp_path / "ls.json").write_bytes(b'[{"data": {"text": "caf\xe9"}}]')
    with pytest.raises(DataFormatError, match=r"ls\.json: not valid JSON"):
        read_label_studio(tmp_path / "ls.json")


def _ls_bad(kind: str) -> list:
    tasks = to_label_studio([Task("lg 55 inch tv", [Span(0, 2, "creator")], source="prediction"),
                             Task("sony tv", [Span(0, 4, "creator")], source="prediction")])
    region = tasks[1]["predictions"][0]["result"][0]
    if kind == "offsets":
        region["value"]["end"] = 40
    elif kind == "two_labels":
        region["value"]["labels"] = ["creator", "UoM"]
    elif kind == "shifted_text":
        region["value"]["text"] = "ony "
    elif kind == "no_data":
        del tasks[1]["data"]
    elif kind == "label":
        region["value"]["labels"] = ["brand"]
    return tasks


@pytest.mark.parametrize("kind", ["offsets", "two_labels", "shifted_text", "no_data", "label"])
def test_a_bad_label_studio_task_names_its_index(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(_ls_bad(kind)), encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"tasks\.json: task 1 \(id 2\)"):
        read_label_studio(path, labels=["creator", "UoM"])


def test_cli_convert_round_trip_and_bad_input_writes_nothing(tmp_path: Path,
                                                             real_tasks: list[Task]) -> None:
    runner = CliRunner()
    src = write_label_studio(tmp_path / "in.json", real_tasks[:50])
    res = runner.invoke(app, ["tagger", "convert", str(src), str(tmp_path / "out.jsonl")])
    assert res.exit_code == 0, res.output
    assert read_span_jsonl(tmp_path / "out.jsonl") == real_tasks[:50]
    res = runner.invoke(app, ["tagger", "convert", str(tmp_path / "out.jsonl"),
                              str(tmp_path / "again.json")])
    assert res.exit_code == 0, res.output
    assert read_label_studio(tmp_path / "again.json") == real_tasks[:50]
    assert "<Label value=\"creator\"/>" in (tmp_path / "again.label_config.xml").read_text()
    res = runner.invoke(app, ["tagger", "convert", str(tmp_path / "out.jsonl"),
                              str(tmp_path / "out.conll")])
    assert res.exit_code == 0, res.output
    assert [s.tags for s in read_conll(tmp_path / "out.conll")] == \
        [s.tags for s in read_conll(VALIDATION)[:50]]

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_ls_bad("offsets")), encoding="utf-8")
    res = runner.invoke(app, ["tagger", "convert", str(bad), str(tmp_path / "never.jsonl")])
    assert res.exit_code == 2
    assert "task 1 (id 2)" in res.output and "nothing was imported" in res.output
    assert not (tmp_path / "never.jsonl").exists()
    res = runner.invoke(app, ["tagger", "convert", str(tmp_path / "out.jsonl"),
                              str(tmp_path / "x.jsonl"), "--labels", "creator,UoM"])
    assert res.exit_code == 2 and "not one of the labels" in res.output
    assert not (tmp_path / "x.jsonl").exists()


def test_span_jsonl_writer_output_is_plain_spacy_style(tmp_path: Path) -> None:
    path = write_span_jsonl(tmp_path / "a.jsonl", [Task("acme kettle", [Span(0, 4, "creator")])])
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "text": "acme kettle", "spans": [{"start": 0, "end": 4, "label": "creator"}]}


def test_chinese_characters_round_trip_through_the_span_formats(tmp_path: Path) -> None:
    """The Chinese data has one character per line; joined without spaces, "iphone13" is one
    run of Latin letters in which an entity may end ("iphone" + "13"): the span files must be
    read back character by character, as they were written (they were refused: "cuts a
    word")."""
    text = "苹果iphone13手机壳"
    tags = (["B-HP", "I-HP"] + ["B-HC"] + ["I-HC"] * 5 + ["O", "O"] + ["B-HC", "I-HC", "I-HC"])
    src = tmp_path / "zh.txt"
    src.write_text("".join(f"{c} {t}\n" for c, t in zip(text, tags, strict=True)) + "\n",
                   encoding="utf-8")
    runner = CliRunner()
    for out in ("zh.jsonl", "zh.json"):
        res = runner.invoke(app, ["tagger", "convert", str(src), str(tmp_path / out)])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["tagger", "stats", str(tmp_path / out)])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["tagger", "convert", str(tmp_path / out),
                                  str(tmp_path / f"{out}.conll")])
        assert res.exit_code == 0, res.output
        (back,) = read_conll(tmp_path / f"{out}.conll")
        assert "".join(back.tokens) == text and back.tags == tags
    # a text with spaces is still read by whitespace-separated words
    with pytest.raises(DataFormatError, match="cuts a word"):
        read_span_jsonl(_jsonl(tmp_path / "ws.jsonl", {
            "text": "苹果 iphone13", "spans": [{"start": 3, "end": 9, "label": "HC"}]}))


def _jsonl(path: Path, *rows: dict) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_gold_labels_converted_to_label_studio_stay_labels(tmp_path: Path) -> None:
    """A diff review found CoNLL gold converted to Label Studio written as predictions, which
    training (annotations only by default) and evaluation then refused. Only a model's
    pre-filled labels (learn select's, Task.source 'prediction') are predictions."""
    from parser.tagger.formats import read_data, to_label_studio

    (tmp_path / "t.conll").write_text("lg B-creator\ntv B-core_product_type\n\n",
                                      encoding="utf-8")
    res = CliRunner().invoke(app, ["tagger", "convert", str(tmp_path / "t.conll"),
                                   str(tmp_path / "g.json")])
    assert res.exit_code == 0, res.output
    task = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))[0]
    assert "annotations" in task and "predictions" not in task
    assert read_data(tmp_path / "g.json", source="annotations")[0].tags == [
        "B-creator", "B-core_product_type"]
    guess = Task("lg tv", [Span(0, 2, "creator")], source="prediction")
    assert "predictions" in to_label_studio([guess])[0]


def test_a_span_jsonl_line_without_a_span_key_is_refused_by_line(tmp_path: Path) -> None:
    p = tmp_path / "typo.jsonl"
    rows = [{"text": "acme kettle", "spans": [{"start": 0, "end": 4, "label": "creator"}]},
            {"text": "red shoes", "spans": []},  # no entity, said so: read
            {"text": "blue mug", "spans": None},
            {"text": "lg tv", "span": [{"start": 0, "end": 2, "label": "creator"}]}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"typo\.jsonl:4: the line has no spans: none of "
                                              r"\"spans\".* \(its keys: span\)"):
        read_span_jsonl(p)
    with pytest.raises(DataFormatError, match=r"typo\.jsonl:4: "):
        read_data(p)
    p.write_text("".join(json.dumps(r) + "\n" for r in rows[:3]), encoding="utf-8")
    assert [len(t.spans) for t in read_span_jsonl(p)] == [1, 0, 0]
