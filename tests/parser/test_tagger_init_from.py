"""Continued training (``TrainConfig.init_from``, ``kgqp tagger train --init-from``): a trained
tagger goes on learning from new labels (Label Studio or span JSONL) plus a replay sample of
the old ones, keeping its labels; new labels it does not know are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from parser.app.cli import app
from parser.errors import DataFormatError
from parser.tagger.data import Span
from parser.tagger.formats import Task, write_label_studio, write_span_jsonl

NEW = [Task("zorbo tv", [Span(0, 5, "creator"), Span(6, 8, "core_product_type")]),
       Task("zorbo red shoes", [Span(0, 5, "creator"), Span(6, 9, "color"),
                                Span(10, 15, "core_product_type")]),
       Task("glorp laptop", [Span(0, 5, "creator"), Span(6, 12, "core_product_type")])]


def _logits(tagger, texts):
    return tagger.forward(tagger.prepare(texts))[0]


def test_init_from_starts_from_the_trained_weights_and_replays(
        trained_dir: Path, tiny_data: tuple[Path, Path], tmp_path: Path) -> None:
    from parser.tagger import Tagger
    from parser.tagger.training import TrainConfig, train

    new = write_span_jsonl(tmp_path / "new.jsonl", NEW)
    res = train(TrainConfig(train_path=new, dev_path=tiny_data[1], out_dir=tmp_path / "cont",
                            init_from=trained_dir, replay_path=tiny_data[0], replay_size=5,
                            epochs=1, lr=1e-9, head_lr=1e-9, new_vocab_lr=1e-9, progress=False,
                            max_length=32))
    old, cont = Tagger.from_pretrained(trained_dir), Tagger.from_pretrained(res.out_dir)
    assert cont.config.labels == old.config.labels and cont.config.crf
    assert cont.config.meta["init_from"] == str(trained_dir)
    args = json.loads((res.out_dir / "training_args.json").read_text())
    assert args["n_train"] == len(NEW) + 5
    # "zorbo" and "glorp" hold characters the tiny vocabulary lacks: they were added
    assert cont.tokenizer.get_vocab_size() > old.tokenizer.get_vocab_size()
    texts = ["sony tv", "samsung 55 inch tv"]
    # a learning rate of ~0: the continued model is the trained one, not a fresh head
    assert np.allclose(_logits(cont, texts), _logits(old, texts), atol=1e-4)


def test_new_labels_unknown_to_the_tagger_are_refused(trained_dir: Path,
                                                      tiny_data: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    from parser.tagger.training import TrainConfig, train

    bad = write_span_jsonl(tmp_path / "bad.jsonl", [Task("zorbo tv", [Span(0, 5, "brand")])])
    with pytest.raises(DataFormatError, match=r"bad\.jsonl:1: label 'brand' is not one"):
        train(TrainConfig(train_path=bad, dev_path=tiny_data[1], out_dir=tmp_path / "x",
                          init_from=trained_dir, epochs=1, progress=False))
    assert not (tmp_path / "x").exists()


def test_cli_continues_from_label_studio_tasks(trained_dir: Path, tiny_data: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    from parser.tagger import Tagger

    # an exported project: the tasks hold a person's annotations (tasks with predictions only
    # are left out by default: tests/parser/test_learning_loop_fixes.py)
    batch = write_label_studio(tmp_path / "batch.json",
                               [Task(t.text, t.spans, source="annotation") for t in NEW])
    res = CliRunner().invoke(app, [
        "tagger", "train", "--init-from", str(trained_dir), "--train", str(batch),
        "--dev", str(tiny_data[1]), "--out", str(tmp_path / "cont"), "--replay",
        str(tiny_data[0]), "--epochs", "2", "--lr", "5e-3", "--head-lr", "5e-3",
        "--max-length", "32", "--no-progress", "--num-threads", "1"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["best_epoch"] >= 1
    args = json.loads((tmp_path / "cont" / "training_args.json").read_text())
    assert args["n_train"] == len(NEW) * 2  # replay default: as many old as new
    assert Tagger.from_pretrained(tmp_path / "cont").labels == \
        Tagger.from_pretrained(trained_dir).labels
