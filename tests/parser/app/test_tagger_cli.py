"""``kgqp tagger train --kg``: a KG holding names mined from training annotations (the default
KG) is used cross-fold, never whole."""

from __future__ import annotations

import json

from kg.build import BUILD_INFO
from parser.app.tagger_cli import _mined_sources


def test_mined_sources_are_read_from_the_build_info(tmp_path):
    kg = tmp_path / "kg"
    kg.mkdir()
    assert _mined_sources(kg) == [] and _mined_sources(None) == []
    (kg / BUILD_INFO).write_text(json.dumps({"mined_sources": ["lexicon/queryner_creator.txt"]}))
    assert _mined_sources(kg) == ["lexicon/queryner_creator.txt"]
    (kg / BUILD_INFO).write_text("{not json")
    assert _mined_sources(kg) == []


def test_the_default_kg_records_its_mined_sources():
    from kg.build import DEFAULT_SOURCES

    assert any(s.mined for s in DEFAULT_SOURCES)  # so `tagger train --kg` goes cross-fold


def _checkpoint(out, run):
    (out / "checkpoint").mkdir(parents=True)
    (out / "checkpoint" / "trainer_state.json").write_text(json.dumps({"epoch": 0, "run": run}))


def test_resume_takes_the_runs_settings_and_refuses_without_its_kg(tmp_path):
    import pytest

    from parser.app.tagger_cli import _resumed
    from parser.errors import ConfigError

    out = tmp_path / "run"
    _checkpoint(out, {"limit_train": 300, "replay_size": None, "init_from": "/models/t",
                      "seed": 7, "epochs": 3, "source": "annotations", "kg_augment": 0.0,
                      "kg": {"path": "/kgs/mykg", "version": 12}})
    given = {"limit_train": None, "replay_size": None, "init_from": None, "seed": None,
             "epochs": 5, "lr": None}
    got = _resumed(given, out, tmp_path / "kg")
    assert got["limit_train"] == 300 and got["seed"] == 7  # left off: the run's own
    assert str(got["init_from"]) == "/models/t"
    assert got["epochs"] == 5 and got["replay_size"] is None  # given: kept
    with pytest.raises(ConfigError, match=r"started with --kg /kgs/mykg \(version 12\): give "
                                          "it again"):
        _resumed(given, out, None)
    assert _resumed(given, tmp_path / "none", None) == given  # no checkpoint: as given


def test_sigterm_during_training_says_what_out_holds(capsys):
    import signal

    import pytest
    import typer

    from parser.app.tagger_cli import _training_interrupts
    from parser.tagger.training import TrainingInterrupted

    with pytest.raises(typer.Exit) as err, _training_interrupts():
        signal.raise_signal(signal.SIGTERM)  # (in this thread: os.kill may pick another)
        for _ in range(10_000_000):  # the handler runs between bytecodes
            pass
    assert err.value.exit_code == 143
    assert capsys.readouterr().err.strip() == "error: interrupted (SIGTERM)"
    with pytest.raises(typer.Exit) as err, _training_interrupts():
        raise TrainingInterrupted("m holds the model of epoch 1; m/checkpoint can be continued")
    assert err.value.exit_code == 130
    assert capsys.readouterr().err.strip() == (
        "error: interrupted (SIGINT); m holds the model of epoch 1; m/checkpoint can be "
        "continued")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_evaluate_and_predict_warn_of_another_kg_version(tmp_path, caplog):
    import logging
    from types import SimpleNamespace

    from parser.app.tagger_cli import _warn_other_kg

    kg = tmp_path / "kg"
    tagger = SimpleNamespace(config=SimpleNamespace(meta={"kg": {"path": str(kg.resolve()),
                                                                 "version": 3}}))
    with caplog.at_level(logging.WARNING, logger="parser.app.tagger_cli"):
        _warn_other_kg(tmp_path / "m", tagger, SimpleNamespace(where=str(kg), version=3))
        assert not caplog.records
        _warn_other_kg(tmp_path / "m", tagger, SimpleNamespace(where=str(kg), version=5))
    assert f"trained with the KG {kg.resolve()} at version 3, and is given" in caplog.text


def test_resume_takes_every_recorded_setting_the_source_included(tmp_path) -> None:
    """``--resume`` filled in a hand-written list of the recorded settings that left out
    ``--source`` (and ``--source`` defaulted to "annotations", so it was never left off): a run
    started with ``--source auto`` was refused on resume with a message saying the option is
    taken from the checkpoint (a final read of 8baccd7..012fd8c)."""
    import json

    from parser.app.tagger_cli import _resumed
    from parser.tagger.training import RUN_SETTINGS

    (tmp_path / "checkpoint").mkdir()
    run = {name: None for name, _ in RUN_SETTINGS} | {"source": "auto", "seed": 7}
    (tmp_path / "checkpoint" / "trainer_state.json").write_text(json.dumps({"run": run}),
                                                               encoding="utf-8")
    given = {name: None for name, _ in RUN_SETTINGS}
    got = _resumed(given, tmp_path, None)
    assert got["source"] == "auto" and got["seed"] == 7
