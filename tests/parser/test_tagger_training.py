"""parser.tagger.training: what a run records (its settings, its KG) and what --resume, an
interrupt, duplicated queries and an unknown evaluation label do with it. Tiny models only."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from parser.errors import ConfigError, DataFormatError
from parser.tagger import training as tr
from parser.tagger.data import write_conll
from parser.tagger.testing import tiny_sentences, tiny_tagger
from parser.tagger.training import TrainConfig, TrainingInterrupted, evaluate, train


def _cfg(tiny_data: tuple[Path, Path], backbone: Path, out: Path, **kw) -> TrainConfig:
    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "epochs": 1, **kw}
    return TrainConfig(out_dir=out, backbone=backbone, progress=False, max_length=32, **kw)


def _kg(path: Path, version: int) -> SimpleNamespace:
    """A stand-in KG: a location, a version, no matches."""
    return SimpleNamespace(where=str(path), version=version, match=lambda text: [])


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory, tiny_backbone_dir: Path,
            tiny_data: tuple[Path, Path]) -> tuple[Path, Path]:
    """A run of 1 of 3 epochs on the first 12 training queries with a KG (version 3), its
    checkpoint kept: as if interrupted after epoch 1."""
    base = tmp_path_factory.mktemp("started")
    out, kg = base / "run", base / "kg"
    kg.mkdir()
    train(_cfg(tiny_data, tiny_backbone_dir, out, limit_train=12, seed=7,
               keep_checkpoint=True), lexicon=_kg(kg, 3))
    return out, kg


def test_a_run_records_its_settings_and_kg(started: tuple[Path, Path]) -> None:
    out, kg = started
    want = {"path": str(kg.resolve()), "version": 3}
    run = tr.resumed_settings(out)
    assert run is not None
    assert run["limit_train"] == 12 and run["seed"] == 7 and run["epochs"] == 1
    assert run["replay_size"] is None and run["init_from"] is None and run["kg"] == want
    # the trained tagger names its KG (kgqp.json, training_args.json)
    assert json.loads((out / "kgqp.json").read_text())["tagger"]["meta"]["kg"] == want
    assert json.loads((out / "training_args.json").read_text())["kg"] == want


def test_resume_refuses_other_data_settings_and_a_missing_kg(
        started: tuple[Path, Path], tiny_backbone_dir: Path, tiny_data: tuple[Path, Path],
        tmp_path: Path) -> None:
    src, kg = started
    out = tmp_path / "run"
    shutil.copytree(src, out)
    same = {"limit_train": 12, "seed": 7, "resume": True}
    # --limit-train left off: all the training queries, not the 12 it started on
    with pytest.raises(ConfigError, match=r"started with --limit-train 12, and this run gives "
                                          r"none"):
        train(_cfg(tiny_data, tiny_backbone_dir, out, **{**same, "limit_train": None}),
              lexicon=_kg(kg, 3))
    with pytest.raises(ConfigError, match=r"started with --seed 7, and this run gives 42"):
        train(_cfg(tiny_data, tiny_backbone_dir, out, **{**same, "seed": 42}),
              lexicon=_kg(kg, 3))
    with pytest.raises(ConfigError, match=rf"started with --kg {kg.resolve()} \(version 3\), "
                                          "and this run gives none"):
        train(_cfg(tiny_data, tiny_backbone_dir, out, **same))


def test_resume_with_another_kg_version_warns(
        started: tuple[Path, Path], tiny_backbone_dir: Path, tiny_data: tuple[Path, Path],
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src, kg = started
    out = tmp_path / "run"
    shutil.copytree(src, out)
    with caplog.at_level(logging.WARNING, logger="parser.tagger.training"):
        res = train(_cfg(tiny_data, tiny_backbone_dir, out, limit_train=12, seed=7, epochs=2,
                         resume=True), lexicon=_kg(kg, 4))
    assert [h["epoch"] for h in res.history] == [1, 2]
    assert f"trained with the KG {kg.resolve()} at version 3, and is given" in caplog.text
    assert "started with --epochs 1 and now trains up to 2" in caplog.text
    meta = json.loads((out / "kgqp.json").read_text())["tagger"]["meta"]
    assert meta["kg"]["version"] == (4 if res.best_epoch == 2 else 3)  # the saved epoch's


def _interrupt_at_epoch(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Ctrl-C while epoch ``n`` is scored on dev."""
    real, calls = tr.evaluate, {"n": 0}

    def evaluate_then_stop(*args, **kw):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(tr, "evaluate", evaluate_then_stop)


def test_an_interrupt_says_what_out_holds_and_keeps_the_history(
        monkeypatch: pytest.MonkeyPatch, tiny_backbone_dir: Path,
        tiny_data: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    _interrupt_at_epoch(monkeypatch, 2)
    with pytest.raises(TrainingInterrupted) as err:
        train(_cfg(tiny_data, tiny_backbone_dir, out, epochs=3))
    state = err.value.state
    assert f"{out} holds the model of epoch 1 (the best so far" in state
    assert f"{out / 'checkpoint'} (after epoch 1 of 3) can be continued" in state
    assert "--resume" in state
    assert [h["epoch"] for h in json.loads((out / "training_history.json").read_text())] == [1]
    assert isinstance(err.value, KeyboardInterrupt)  # still a Ctrl-C to whoever catches one


def test_an_interrupt_before_the_first_epoch_keeps_the_old_model(
        monkeypatch: pytest.MonkeyPatch, tiny_backbone_dir: Path,
        tiny_data: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "kgqp.json").write_text("{}")  # the old model (replaced with --force)
    _interrupt_at_epoch(monkeypatch, 1)
    with pytest.raises(TrainingInterrupted) as err:
        train(_cfg(tiny_data, tiny_backbone_dir, out, epochs=3))
    assert f"{out} still holds its old model" in err.value.state
    assert "no checkpoint to resume" in err.value.state
    assert (out / "kgqp.json").read_text() == "{}"
    assert not (out / "training_history.json").exists()


def test_duplicated_training_queries_are_counted_once(
        tiny_backbone_dir: Path, tiny_data: tuple[Path, Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    sents = tiny_sentences()
    dup = tiny_sentences()[:3]
    dup[0].tags = ["O"] * len(dup[0].tags)  # one copy labelled otherwise
    data = tmp_path / "train.conll"
    write_conll(data, sents + dup)
    with caplog.at_level(logging.WARNING, logger="parser.tagger.training"):
        train(_cfg(tiny_data, tiny_backbone_dir, tmp_path / "m", train_path=data))
    found = [r.getMessage() for r in caplog.records if "repeat an earlier one" in r.getMessage()]
    assert len(found) == 1
    assert f"3 of the {len(sents) + 3} training queries repeat" in found[0]
    assert "1 of them with other labels" in found[0]


def test_evaluate_names_the_line_of_a_label_the_tagger_lacks(tmp_path: Path) -> None:
    tagger = tiny_tagger()
    data = tmp_path / "badlabel.conll"
    sents = tiny_sentences()[:3]
    sents[1].tags[0] = "B-flavour"
    write_conll(data, sents)
    line = len(sents[0].tokens) + 2  # sentence 2's first word (after a blank line)
    with pytest.raises(DataFormatError, match=rf"badlabel\.conll:{line}: label 'flavour' is "
                                              "not one of the labels"):
        evaluate(tagger, data)
