"""The learning loop's data-loss and wrong-label defects (review of the active-learning loop):
`tagger train --force` emptied OUT on a bad input; `learn select --out` overwrote the annotated
file; doccano's spans were read as no entity; unreviewed predictions became labels and KG
additions; rejected answers were selected again; `--init-from` a KG-feature tagger without a
KG said nothing; `--resume` skipped the label check and took any data."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parser.app.cli import app
from parser.errors import ConfigError, DataFormatError
from parser.tagger.data import Span, write_conll
from parser.tagger.formats import (
    Task,
    read_data,
    read_span_jsonl,
    read_tasks,
    to_label_studio,
    write_span_jsonl,
    write_tasks,
)
from parser.tagger.testing import tiny_sentences

NEW = [Task("zorbo tv", [Span(0, 5, "creator"), Span(6, 8, "core_product_type")]),
       Task("glorp laptop", [Span(0, 5, "creator"), Span(6, 12, "core_product_type")])]
FAST = ["--epochs", "1", "--max-length", "32", "--no-progress", "--num-threads", "1"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _cfg(train: Path, dev: Path, out: Path, **kw):
    from parser.tagger.training import TrainConfig

    kw = {"epochs": 1, "progress": False, "max_length": 32, "num_threads": 1, **kw}
    return TrainConfig(train_path=train, dev_path=dev, out_dir=out, **kw)


# -- 1. --force replaces the old model only when the new one is saved ---------------------------
def test_force_keeps_the_old_model_when_the_inputs_are_bad(trained_dir: Path,
                                                           tiny_data: tuple[Path, Path],
                                                           tiny_backbone_dir: Path,
                                                           tmp_path: Path) -> None:
    out = Path(shutil.copytree(trained_dir, tmp_path / "my-tagger-v2"))
    (out / "distill_args.json").write_text("{}")  # a note of the old model
    (out / "model.onnx").write_bytes(b"old export")
    (out / "notes.txt").write_text("mine")  # not the model's: kept
    before = _files(out)
    new = write_span_jsonl(tmp_path / "new.jsonl", NEW)
    bad = write_span_jsonl(tmp_path / "bad.jsonl", [Task("zorbo tv", [Span(0, 5, "brand")])])
    runner = CliRunner()
    base = ["tagger", "train", "--init-from", str(trained_dir), "--out", str(out), "--force",
            *FAST]
    for train, dev, message in ((new, tmp_path / "dev_typo.conll", "does not exist"),
                                (bad, tiny_data[1], "label 'brand' is not one of the labels")):
        res = runner.invoke(app, [*base, "--train", str(train), "--dev", str(dev)])
        assert res.exit_code == 2 and message in res.output, res.output
        assert _files(out) == before  # the old model, whole
    # interrupted before its first save: the old model is still there
    import parser.tagger.training as training

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    real = training.evaluate
    training.evaluate = interrupted
    try:
        with pytest.raises(KeyboardInterrupt):
            training.train(_cfg(new, tiny_data[1], out, init_from=trained_dir))
    finally:
        training.evaluate = real
    assert {k: v for k, v in _files(out).items() if k != "training_args.json"} == \
        {k: v for k, v in before.items() if k != "training_args.json"}
    assert (out / "training_args.json").read_bytes() == before["training_args.json"]
    # a good run replaces it: the old model's notes and exports go, the user's file stays
    res = runner.invoke(app, ["tagger", "train", "--train", str(tiny_data[0]), "--dev",
                              str(tiny_data[1]), "--out", str(out), "--backbone",
                              str(tiny_backbone_dir), "--force", *FAST])
    assert res.exit_code == 0, res.output
    names = set(_files(out))
    assert "distill_args.json" not in names and "model.onnx" not in names
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "training_args.json").read_text())["train_path"] == \
        str(tiny_data[0])
    assert (out / "model.safetensors").read_bytes() != before["model.safetensors"]
    assert not (out / "checkpoint").exists()


# -- 2. `learn select --out` never overwrites labels ---------------------------------------------
def test_select_refuses_an_out_that_exists_or_is_excluded(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("samsung tv\nzorbo tv\n", encoding="utf-8")
    labelled = tmp_path / "batch.json"
    labelled.write_text(json.dumps([{"data": {"text": "zorbo tv"}, "annotations": [
        {"result": []}]}]), encoding="utf-8")
    before = labelled.read_bytes()
    runner = CliRunner()
    base = ["learn", "select", "--queries", str(log), "--n", "1", "--bundle",
            str(tmp_path / "no-bundle")]
    res = runner.invoke(app, [*base, "--out", str(labelled), "--exclude", str(labelled),
                              "--force"])
    assert res.exit_code == 2 and "is also an --exclude file" in res.output, res.output
    res = runner.invoke(app, [*base, "--out", str(labelled)])
    assert res.exit_code == 2 and "already exists" in res.output and "--force" in res.output
    assert labelled.read_bytes() == before


# -- 3. doccano's spans are read ------------------------------------------------------------------
def test_doccano_jsonl_spans_are_read_and_a_bad_span_key_is_refused(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"id": 1, "text": "zorbo tv", "label": [[0, 5, "creator"], [6, 8,
                                                                       "core_product_type"]]},
            {"id": 2, "text": "glorp laptop", "entities": [
                {"id": 7, "label": "creator", "start_offset": 0, "end_offset": 5}]},
            {"id": 3, "text": "red shoes", "label": []}]
    path = tmp_path / "doccano.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    tasks = read_span_jsonl(path)
    assert [t.span_texts() for t in tasks] == [
        [("zorbo", "creator"), ("tv", "core_product_type")], [("glorp", "creator")], []]
    assert {t.source for t in tasks} == {"annotation"}  # an annotator's labels
    assert sum(len(s.spans()) for s in read_data(path)) == 3
    # (before the CLI: its logging.basicConfig(force=True) drops caplog's handler)
    empty = tmp_path / "no-spans.jsonl"  # no span key: refused by line (not "no entity")
    empty.write_text('{"id": 1, "text": "zorbo tv"}\n{"id": 2, "text": "red shoes"}\n',
                     encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"no-spans\.jsonl:1: the line has no spans"):
        read_span_jsonl(empty)
    res = CliRunner().invoke(app, ["tagger", "stats", str(path)])
    assert res.exit_code == 0 and json.loads(res.output)["n_entities"] == 3
    for bad in ({"text": "zorbo tv", "label": [[0, 5]]},
                {"text": "zorbo tv", "label": {"creator": [0, 5]}},
                {"text": "zorbo tv", "entities": [{"start": 0, "end": 5}]},
                {"text": "zorbo tv", "label": [[0, 4, "creator"]]}):  # cuts a word
        path.write_text(json.dumps(rows[0]) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
        with pytest.raises(DataFormatError, match=rf"{path}:2: "):
            read_span_jsonl(path)


# -- 4. span JSONL keeps who labelled a task -----------------------------------------------------
def test_span_jsonl_marks_predictions_and_round_trips_provenance(tmp_path: Path) -> None:
    import numpy as np

    from parser.learn import QuerySignals, Selected, to_tasks

    sig = QuerySignals(text="zorbo tv", count=1, spans=[Span(0, 5, "creator")], entities=[],
                       margin=0.2, entropy=0.1, uncertain_word="zorbo",
                       uncertain_tag="B-creator", nil_spans=[], disagreements=[],
                       embedding=np.zeros(2, dtype=np.float32))
    batch = write_tasks(tmp_path / "batch.jsonl", to_tasks([Selected(sig, 1.0, ["rank"])]))
    line = json.loads(batch.read_text(encoding="utf-8"))
    assert line["source"] == "prediction"  # the batch of `learn select`: nobody reviewed it
    assert [t.source for t in read_tasks(batch)] == ["prediction"]
    assert read_tasks(batch, source="annotations") == []
    # Prodigy's accept makes the line a person's labels
    line["answer"] = "accept"
    (tmp_path / "accepted.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert [t.source for t in read_tasks(tmp_path / "accepted.jsonl")] == ["annotation"]
    # a Label Studio export: annotated, cancelled (falls back to its prediction), unannotated
    ls = to_label_studio([Task("zorbo tv", [Span(0, 5, "creator")], source="prediction"),
                          Task("glorp laptop", [Span(0, 5, "creator")], source="prediction"),
                          Task("red shoes", [Span(0, 3, "color")], source="prediction")])
    ls[0]["annotations"] = [{"result": [{"type": "labels", "value": {
        "start": 6, "end": 8, "labels": ["core_product_type"]}}]}]
    ls[1]["annotations"] = [{"was_cancelled": True, "result": []}]
    (tmp_path / "export.json").write_text(json.dumps(ls), encoding="utf-8")
    res = CliRunner().invoke(app, ["tagger", "convert", str(tmp_path / "export.json"),
                                   str(tmp_path / "mixed.jsonl")])
    assert res.exit_code == 0 and "(1 annotated, 2 unreviewed predictions)" in res.output
    mixed = read_tasks(tmp_path / "mixed.jsonl")
    assert [t.source for t in mixed] == ["annotation", "prediction", "prediction"]
    # and back to Label Studio: the annotation stays an annotation, the rest predictions
    write_tasks(tmp_path / "again.json", mixed)
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert "annotations" in again[0] and "predictions" not in again[0]
    assert [t.source for t in read_tasks(tmp_path / "again.json")] == \
        ["annotation", "prediction", "prediction"]
    assert read_tasks(tmp_path / "again.json") == mixed


# -- 5. training reads only annotated tasks by default -------------------------------------------
def test_training_leaves_out_unreviewed_predictions_by_default(
        tiny_backbone_dir: Path, tiny_data: tuple[Path, Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from parser.tagger.training import train

    tasks = [Task.from_sentence(s) for s in tiny_sentences()[:6]]
    for t in tasks:  # a model's pre-filled batch
        t.source = "prediction"
    ls = to_label_studio(tasks)
    for task in ls[:3]:  # 3 annotated
        task["annotations"] = [{"result": task.pop("predictions")[0]["result"]}]
    ls[3]["annotations"] = [{"was_cancelled": True, "result": []}]  # skipped by the annotator
    path = tmp_path / "export.json"
    path.write_text(json.dumps(ls), encoding="utf-8")
    kw = {"backbone": tiny_backbone_dir}
    with caplog.at_level(logging.WARNING):
        train(_cfg(path, tiny_data[1], tmp_path / "a", **kw))
    assert json.loads((tmp_path / "a" / "training_args.json").read_text())["n_train"] == 3
    assert "3 tasks left out" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        train(_cfg(path, tiny_data[1], tmp_path / "b", source="auto", **kw))
    assert json.loads((tmp_path / "b" / "training_args.json").read_text())["n_train"] == 6
    assert "3 of 6 tasks are the model's unreviewed predictions" in caplog.text
    # a raw batch nobody annotated: refused, saying why
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps(to_label_studio(tasks)), encoding="utf-8")
    with pytest.raises(DataFormatError, match="holds no annotated task"):
        train(_cfg(raw, tiny_data[1], tmp_path / "c", **kw))
    with pytest.raises(ConfigError, match="source='everything'"):
        _cfg(raw, tiny_data[1], tmp_path / "c", source="everything")


# -- 6. rejected, ignored and skipped queries are excluded too -----------------------------------
def test_excluded_texts_include_rejected_ignored_and_skipped_tasks(tmp_path: Path) -> None:
    from parser.tagger.formats import read_task_texts

    prodigy = tmp_path / "prodigy.jsonl"
    prodigy.write_text("".join(json.dumps({"text": t, "spans": [], "answer": a}) + "\n" for t, a in
                               (("a tv", "accept"), ("b tv", "reject"), ("c tv", "ignore"))),
                       encoding="utf-8")
    assert read_task_texts(prodigy) == ["a tv", "b tv", "c tv"]
    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps([
        {"id": 1, "data": {"text": "d tv"}, "annotations": [{"was_cancelled": True,
                                                             "result": []}]},
        {"id": 2, "data": {"text": "e tv"}}]), encoding="utf-8")
    assert read_task_texts(ls) == ["d tv", "e tv"]
    conll = tmp_path / "old.conll"
    write_conll(conll, tiny_sentences()[:2])
    assert read_task_texts(conll) == [s.text() for s in tiny_sentences()[:2]]


# -- 7. --init-from a tagger with KG lexicon features, without a KG: a warning -------------------
def test_init_from_a_kg_feature_tagger_without_a_kg_warns(
        tiny_backbone_dir: Path, tiny_data: tuple[Path, Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from parser.tagger.training import train

    lexicon = {"apple": "brand", "samsung": "brand"}
    train(_cfg(*tiny_data, tmp_path / "kg-tagger", backbone=tiny_backbone_dir,
               lexicon_kinds=["brand"]), lexicon=lexicon)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        train(_cfg(*tiny_data, tmp_path / "cont", init_from=tmp_path / "kg-tagger"),
              lexicon=lexicon)
    assert "no KG was given" not in caplog.text
    with caplog.at_level(logging.WARNING):
        train(_cfg(*tiny_data, tmp_path / "cont2", init_from=tmp_path / "kg-tagger"))
    assert "uses KG lexicon features (brand) and no KG was given" in caplog.text


# -- 8. --resume checks the labels and the data ---------------------------------------------------
def test_resume_checks_labels_and_refuses_other_data(trained_dir: Path,
                                                     tiny_data: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    from parser.tagger.training import train

    new = write_span_jsonl(tmp_path / "new.jsonl", NEW)
    out = tmp_path / "run"
    train(_cfg(new, tiny_data[1], out, init_from=trained_dir, keep_checkpoint=True))
    state = json.loads((out / "checkpoint" / "trainer_state.json").read_text())
    assert state["data"]["train"]["path"] == str(new.resolve())
    # other data than the checkpoint's: refused, whatever the labels
    other = write_span_jsonl(tmp_path / "other.jsonl", NEW[:1])
    with pytest.raises(ConfigError, match=r"--resume: checkpoint .* was trained with --train "
                                          r".*new\.jsonl"):
        train(_cfg(other, tiny_data[1], out, init_from=trained_dir, resume=True, epochs=2))
    # the same data moved elsewhere: resumed
    moved = Path(shutil.copy(new, tmp_path / "moved.jsonl"))
    res = train(_cfg(moved, tiny_data[1], out, init_from=trained_dir, resume=True, epochs=2,
                     keep_checkpoint=True))
    assert [h["epoch"] for h in res.history] == [1, 2]
    # a label the tagger does not know, resumed (a checkpoint that recorded no data, as an
    # older kgqp wrote): the per-task message, as without --resume
    del state["data"]
    (out / "checkpoint" / "trainer_state.json").write_text(json.dumps(state))
    bad = write_span_jsonl(tmp_path / "bad.jsonl",
                           [NEW[0], Task("zorbo tv", [Span(0, 5, "brand")])])
    with pytest.raises(DataFormatError, match=r"bad\.jsonl:2: label 'brand' is not one of the "
                                              "labels"):
        train(_cfg(bad, tiny_data[1], out, init_from=trained_dir, resume=True, epochs=3))
