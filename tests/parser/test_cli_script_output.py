"""The CLI contract for scripts (review of the CLI, findings 2 and 6): `tagger train` printed
its per-epoch line on stdout before the result JSON; `tagger convert` overwrote an existing
DST (an annotated Label Studio export) without a word."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from parser.app.cli import app


def test_train_stdout_holds_only_the_result_json(tiny_data: tuple[Path, Path],
                                                 tiny_backbone_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t1"
    res = CliRunner().invoke(app, [
        "tagger", "train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
        "--out", str(out), "--backbone", str(tiny_backbone_dir), "--epochs", "1",
        "--max-length", "32", "--num-threads", "1"])  # progress on: the epoch line is printed
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["out"] == str(out), res.stdout  # one JSON object, nothing else
    assert "epoch 1: loss" in res.stderr


def test_convert_refuses_an_existing_dst_unless_force(tmp_path: Path) -> None:
    from parser.tagger.data import Span
    from parser.tagger.formats import Task, read_tasks, write_tasks

    src = write_tasks(tmp_path / "tiny.jsonl", [Task("sony", [Span(0, 4, "creator")])])
    labelled = tmp_path / "labelled-1.json"
    tasks = [Task(f"zorbo tv {i}", [Span(0, 5, "creator")]) for i in range(40)]
    write_tasks(labelled, tasks)
    before = labelled.read_bytes()
    runner = CliRunner()
    res = runner.invoke(app, ["tagger", "convert", str(src), str(labelled)])
    assert res.exit_code == 2, res.output
    assert "already exists" in res.output and "--force" in res.output
    assert labelled.read_bytes() == before  # the 40 annotated tasks are kept
    assert not labelled.with_suffix(".label_config.xml").exists()
    res = runner.invoke(app, ["tagger", "convert", str(src), str(labelled), "--force"])
    assert res.exit_code == 0, res.output
    assert [t.text for t in read_tasks(labelled)] == ["sony"]
    new = tmp_path / "new.conll"  # a new DST is written as before
    res = runner.invoke(app, ["tagger", "convert", str(labelled), str(new)])
    assert res.exit_code == 0 and new.read_text().startswith("sony"), res.output
