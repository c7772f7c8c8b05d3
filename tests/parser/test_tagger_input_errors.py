"""Bad inputs of the tagger's data readers, training, evaluation and the query log: each is a
:mod:`parser.errors` error that names the file and says what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parser.app.tagger_cli import app
from parser.errors import ConfigError, DataFormatError, ModelLoadError
from parser.learn import read_query_log
from parser.tagger.data import read_conll
from parser.tagger.distill import read_unlabelled
from parser.tagger.formats import read_data, read_tasks
from parser.tagger.testing import tiny_tagger
from parser.tagger.training import TrainConfig, evaluate, train

LATIN1 = b"usb\tO\ncaf\xe9\tB-product_name\n"


def _cfg(tiny_data: tuple[Path, Path], backbone: Path, out: Path, **kw) -> TrainConfig:
    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "epochs": 1, **kw}
    return TrainConfig(out_dir=out, backbone=backbone, progress=False, max_length=32, **kw)


def test_non_utf8_conll_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "latin1.conll"
    p.write_bytes(LATIN1)
    msg = r"latin1\.conll:2: not valid UTF-8 \(byte 0xe9\); re-encode the file as UTF-8"
    for read in (read_conll, read_data, read_tasks):
        with pytest.raises(DataFormatError, match=msg):
            read(p)
    q = tmp_path / "queries.txt"
    q.write_bytes(b"usb cable\nred shoes\ncaf\xe9 tv\n")
    with pytest.raises(DataFormatError, match=r"queries\.txt:3: not valid UTF-8 \(byte 0xe9\)"):
        read_unlabelled(q)
    res = CliRunner().invoke(app, ["stats", str(p)])
    assert res.exit_code == 2
    assert "latin1.conll:2: not valid UTF-8" in res.output


def test_a_folder_is_not_a_data_file(tmp_path: Path) -> None:
    for read in (read_conll, read_data, read_tasks, read_unlabelled):
        with pytest.raises(DataFormatError, match="is a directory"):
            read(tmp_path)
    with pytest.raises(DataFormatError, match="does not exist"):
        read_conll(tmp_path / "missing.conll")


def test_out_that_is_a_file_is_refused_before_loading(tmp_path: Path) -> None:
    out = tmp_path / "model"
    out.write_text("not a folder")
    cfg = TrainConfig(train_path=tmp_path / "missing.conll", dev_path=tmp_path / "missing.conll",
                      out_dir=out, progress=False)
    with pytest.raises(ConfigError, match=r"--out .*model is a file: give a folder"):
        train(cfg)  # refused before the (missing) data is read


def test_resume_without_checkpoint_is_refused(tiny_backbone_dir: Path,
                                              tiny_data: tuple[Path, Path],
                                              tmp_path: Path) -> None:
    for out in (tmp_path / "none", tmp_path / "finished"):
        if out.name == "finished":  # a finished run: a model but no checkpoint
            out.mkdir()
            (out / "config.json").write_text("{}")
        with pytest.raises(ConfigError, match=rf"no checkpoint in {out / 'checkpoint'} to "
                                              "resume from: drop --resume"):
            train(_cfg(tiny_data, tiny_backbone_dir, out, resume=True))
    assert (tmp_path / "finished" / "config.json").read_text() == "{}"  # nothing replaced
    assert not (tmp_path / "none").exists()


@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory: pytest.TempPathFactory, tiny_backbone_dir: Path,
                 tiny_data: tuple[Path, Path]) -> Path:
    """A one-epoch run whose checkpoint was kept."""
    out = tmp_path_factory.mktemp("ckpt") / "run"
    train(_cfg(tiny_data, tiny_backbone_dir, out, keep_checkpoint=True))
    assert (out / "checkpoint" / "trainer_state.json").is_file()
    return out


@pytest.mark.parametrize("damage", ["empty_state", "no_state", "bad_json", "no_optimizer",
                                    "truncated_optimizer", "no_model"])
def test_damaged_checkpoint_is_a_model_load_error(damage: str, checkpointed: Path,
                                                  tiny_backbone_dir: Path,
                                                  tiny_data: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    out = tmp_path / "run"
    shutil.copytree(checkpointed, out)
    ckpt = out / "checkpoint"
    if damage == "empty_state":
        (ckpt / "trainer_state.json").write_text("{}")
    elif damage == "no_state":
        (ckpt / "trainer_state.json").unlink()
    elif damage == "bad_json":
        (ckpt / "trainer_state.json").write_text('{"epoch": ')
    elif damage == "no_optimizer":
        (ckpt / "optimizer.safetensors").unlink()
    elif damage == "truncated_optimizer":
        data = (ckpt / "optimizer.safetensors").read_bytes()
        (ckpt / "optimizer.safetensors").write_bytes(data[: len(data) // 2])
    else:
        (ckpt / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match=r"checkpoint .* is incomplete or corrupt") as err:
        train(_cfg(tiny_data, tiny_backbone_dir, out, resume=True))
    assert f"checkpoint {ckpt}" in str(err.value)
    assert f"delete {ckpt} (or drop --resume) and train again" in str(err.value)


def test_resume_from_a_sound_checkpoint_still_works(checkpointed: Path, tiny_backbone_dir: Path,
                                                    tiny_data: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    out = tmp_path / "run"
    shutil.copytree(checkpointed, out)
    state = json.loads((out / "checkpoint" / "trainer_state.json").read_text())
    res = train(_cfg(tiny_data, tiny_backbone_dir, out, resume=True, epochs=2))
    assert [h["epoch"] for h in res.history] == [state["epoch"] + 1, state["epoch"] + 2]


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_dev_data_is_refused(text: str, tiny_backbone_dir: Path,
                                   tiny_data: tuple[Path, Path], tmp_path: Path) -> None:
    dev = tmp_path / "empty.conll"
    dev.write_text(text)
    with pytest.raises(DataFormatError, match=r"empty\.conll holds no sentences"):
        train(_cfg(tiny_data, tiny_backbone_dir, tmp_path / "m", dev_path=dev))
    assert not (tmp_path / "m").exists()


def test_empty_evaluation_data_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "empty.conll"
    data.write_text("\n")
    tagger = tiny_tagger()
    with pytest.raises(DataFormatError, match=r"empty\.conll holds no sentences"):
        evaluate(tagger, data)
    with pytest.raises(DataFormatError, match="no gold sentences"):
        evaluate(tagger, read_data(data))


@pytest.mark.parametrize(("name", "text"), [("log.txt", ""), ("log.txt", "\n  \n\t\n"),
                                            ("log.jsonl", '{"query": "  "}\n\n')])
def test_empty_query_log_is_refused(name: str, text: str, tmp_path: Path) -> None:
    from parser.app.analysis import load_query_log

    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(DataFormatError, match=rf"query log .*{name} holds no queries"):
        read_query_log(p)
    with pytest.raises(DataFormatError, match="holds no queries"):
        load_query_log(p)


def test_cli_evaluate_on_empty_data_exits_2(tmp_path: Path) -> None:
    model = tiny_tagger().save(tmp_path / "m")
    data = tmp_path / "empty.conll"
    data.write_text("")
    res = CliRunner().invoke(app, ["evaluate", str(model), "--data", str(data)])
    assert res.exit_code == 2
    assert "holds no sentences" in res.output or "no gold sentences" in res.output


class _FixedTagger:
    """A tagger stub that predicts the given tags (BIO, types brand and color)."""

    def __init__(self, pred: list[list[str]]) -> None:
        from types import SimpleNamespace

        self.pred, self.config = pred, SimpleNamespace(scheme="bio")
        self.entity_types = ["brand", "color"]

    def predict_sentences(self, sentences, batch_size: int = 128) -> list[list[str]]:
        return self.pred


def test_evaluate_repairs_ill_formed_gold_as_training_reads_it(caplog) -> None:
    """Gold ``I-brand`` without its ``B-``: strict seqeval dropped that gold entity, so the
    right prediction ``B-brand`` scored F1 0 (training reads it, and `tagger train` repairs its
    dev data, as an entity): now it is repaired, with a warning saying how many tags."""
    from parser.tagger.data import Sentence

    gold = [Sentence(["sony", "tv"], ["I-brand", "O"]),
            Sentence(["red", "lg", "x"], ["B-color", "I-brand", "I-brand"])]
    pred = [["B-brand", "O"], ["B-color", "B-brand", "I-brand"]]
    with caplog.at_level("WARNING", logger="parser.tagger.training"):
        scores = evaluate(_FixedTagger(pred), gold)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (1.0, 1.0, 1.0)
    assert scores["per_type"]["brand"]["support"] == 2
    assert "2 gold tag(s) were ill-formed" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="parser.tagger.training"):
        evaluate(_FixedTagger(pred), [Sentence(["sony", "tv"], ["B-brand", "O"]),
                                      Sentence(["red", "lg", "x"],
                                               ["B-color", "B-brand", "I-brand"])])
    assert "ill-formed" not in caplog.text  # well-formed gold: no warning


def test_cli_evaluate_scores_ill_formed_gold_as_its_repair(tmp_path: Path) -> None:
    """`kgqp tagger evaluate` gives the same scores (and supports) on a file with an I- without
    its B- as on the file repaired as `tagger train` repairs its --dev."""
    model = tiny_tagger().save(tmp_path / "m")
    rows = [("apple", "I-creator", "B-creator"), ("watch", "B-core_product_type", None),
            ("", None, None), ("red", "B-color", None), ("shoes", "B-core_product_type", None),
            ("", None, None), ("sony", "I-creator", "B-creator"), ("tv", "I-creator", None)]
    for name, fixed in (("bad.conll", False), ("good.conll", True)):
        (tmp_path / name).write_text("".join(
            "\n" if not w else f"{w}\t{(good or tag) if fixed else tag}\n"
            for w, tag, good in rows))
    res = {name: CliRunner().invoke(app, ["evaluate", str(model), "--data",
                                          str(tmp_path / name), "--json"])
           for name in ("bad.conll", "good.conll")}
    assert all(r.exit_code == 0 for r in res.values()), [r.output for r in res.values()]
    scores = {k: json.loads(r.stdout.strip().splitlines()[-1]) for k, r in res.items()}
    assert scores["bad.conll"] == scores["good.conll"]
    assert scores["good.conll"]["per_type"]["creator"]["support"] == 2
