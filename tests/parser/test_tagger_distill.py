"""Knowledge distillation (parser.tagger.distill) on the tiny random BERT: the KD term, the
ensemble's probabilities, label checks, and a student that learns from its teacher."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from parser.app.tagger_cli import app
from parser.errors import ConfigError, DataFormatError
from parser.tagger import GazetteerLexicon, Tagger, TrainConfig, train
from parser.tagger.data import Sentence, write_conll
from parser.tagger.distill import (
    DistillConfig,
    Teacher,
    distill,
    load_soft_targets,
    read_unlabelled,
    save_soft_targets,
    save_teacher_targets,
)
from parser.tagger.testing import tiny_sentences, tiny_tagger
from parser.tagger.training import kd_loss

FAST = {"progress": False, "lr": 5e-3, "head_lr": 5e-3, "max_length": 32}


@pytest.fixture(scope="module")
def teacher_dir(tmp_path_factory: pytest.TempPathFactory, tiny_backbone_dir: Path,
                tiny_data: tuple[Path, Path]) -> Path:
    """A softmax tagger trained on all tiny queries: the teacher."""
    out = tmp_path_factory.mktemp("teacher") / "t"
    train(TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1], out_dir=out,
                      backbone=tiny_backbone_dir, epochs=10, patience=100, **FAST))
    return out


def _saved(tmp_path: Path, name: str, **kw) -> Path:
    return tiny_tagger(**kw).save(tmp_path / name)


def test_kd_loss_is_zero_for_the_teachers_distribution_and_positive_otherwise():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(3, 5, 7, generator=g)
    for t in (1.0, 2.0, 4.0):
        assert float(kd_loss(z, torch.softmax(z / t, -1), t)) == pytest.approx(0.0, abs=1e-5)
    other = torch.softmax(torch.randn(3, 5, 7, generator=g), -1)
    assert float(kd_loss(z, other, 2.0)) > 0.01
    # rows of zeros (no target: padding, truncated words) are left out of the mean
    padded = torch.cat([other, torch.zeros(3, 2, 7)], 1)
    zp = torch.cat([z, torch.randn(3, 2, 7, generator=g)], 1)
    assert float(kd_loss(zp, padded, 2.0)) == pytest.approx(float(kd_loss(z, other, 2.0)),
                                                            rel=1e-5)
    assert float(kd_loss(z, torch.zeros(3, 5, 7), 2.0)) == 0.0


def test_teacher_probs_are_its_softened_softmax_and_an_ensemble_their_mean(tmp_path):
    a, b = _saved(tmp_path, "a", seed=0), _saved(tmp_path, "b", seed=1)
    sents = [*tiny_sentences()[:6], Sentence(["usb"], ["O"])]
    ta, tb = Teacher([a]), Teacher([b])
    pa = ta.word_probs(sents, temperature=3.0)
    pb = tb.word_probs(sents, temperature=3.0)
    both = Teacher([a, b]).word_probs(sents, temperature=3.0, batch_size=2)
    assert not np.allclose(pa[0], pb[0])  # two different teachers
    for x, y, m, s in zip(pa, pb, both, sents, strict=True):
        assert m.shape == (len(s.tokens), len(ta.labels))
        np.testing.assert_allclose(m, (x + y) / 2, atol=1e-6)
        np.testing.assert_allclose(m.sum(-1), 1.0, atol=1e-5)
    # one teacher: softmax(logits / T) at each word's first subword
    tagger = ta.taggers[0]
    items = tagger.encoder.prepare_many([sents[0].text()], [sents[0].word_offsets()])
    z = tagger.forward(items)[0][0, items[0].first] / 3.0
    np.testing.assert_allclose(pa[0], torch.softmax(torch.from_numpy(z), -1).numpy(),
                               atol=1e-5)


def test_teachers_must_share_labels_and_scheme(tmp_path, tiny_backbone_dir, tiny_data,
                                               teacher_dir):
    few = [s for s in tiny_sentences() if {t[2:] for t in s.tags} <= {"creator", "",
                                                                      "core_product_type"}]
    write_conll(tmp_path / "few.conll", few)
    other = train(TrainConfig(train_path=tmp_path / "few.conll", dev_path=tmp_path / "few.conll",
                              out_dir=tmp_path / "few", backbone=tiny_backbone_dir, epochs=1,
                              **FAST)).out_dir
    with pytest.raises(ConfigError, match="differ in their labels"):
        Teacher([teacher_dir, other])
    # a student whose data has labels its teacher lacks
    with pytest.raises(ConfigError, match="labels the teachers do not"):
        distill(TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1],
                            out_dir=tmp_path / "s", backbone=tiny_backbone_dir, epochs=1, **FAST),
                DistillConfig(teachers=[other]))
    crf = tiny_tagger(crf=True).save(tmp_path / "crf")
    with pytest.raises(ConfigError, match="CRF"):
        Teacher([crf])
    lex = tiny_tagger(lexicon_kinds=["brand"]).save(tmp_path / "lex")
    with pytest.raises(ConfigError, match="--kg"):
        Teacher([lex])
    with pytest.raises(ConfigError, match="not a tagger folder"):
        Teacher([tmp_path / "nothing"])


def test_lexicon_teacher_sees_the_given_matches(tmp_path):
    lexicon = GazetteerLexicon({"apple": "brand"})
    d = tiny_tagger(lexicon_kinds=["brand"]).save(tmp_path / "lex")
    teacher = Teacher([d], lexicon=lexicon)
    s = [Sentence(["apple", "case"], ["O", "O"])]
    own = teacher.word_probs(s, temperature=1.0)  # the lexicon's match of "apple"
    given = teacher.word_probs(s, [[(0, 5, "brand")]], temperature=1.0)
    hidden = teacher.word_probs(s, [[]], temperature=1.0)  # e.g. a cross-fold filtered match
    np.testing.assert_allclose(own[0], given[0], atol=1e-6)
    assert not np.allclose(own[0], hidden[0])


def test_read_unlabelled(tmp_path):
    (tmp_path / "u.txt").write_text("apple  tv\n\n apple tv\nsony tv\nlg tv\n", encoding="utf-8")
    got = read_unlabelled(tmp_path / "u.txt", limit=2)
    assert [s.tokens for s in got] == [["apple", "tv"], ["sony", "tv"]]
    (tmp_path / "e.txt").write_text("\n \n", encoding="utf-8")
    with pytest.raises(Exception, match="one query per line"):
        read_unlabelled(tmp_path / "e.txt")


def _agreement(model: Path, reference: list[list[str]], sents: list[Sentence]) -> float:
    pred = Tagger.from_pretrained(model).predict_sentences(sents)
    pairs = [(a, b) for r, p in zip(reference, pred, strict=True)
             for a, b in zip(r, p, strict=True)]
    return sum(a == b for a, b in pairs) / len(pairs)


def test_student_learns_the_teacher_from_unlabelled_queries(tmp_path, tiny_backbone_dir,
                                                            tiny_data, teacher_dir):
    """4 labelled queries and the rest unlabelled: the distilled student agrees with its
    teacher far more than the same student trained on the 4 labelled ones alone."""
    sents = tiny_sentences()
    (tmp_path / "u.txt").write_text("".join(s.text() + "\n" for s in sents), encoding="utf-8")
    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "backbone": tiny_backbone_dir,
          "epochs": 10, "limit_train": 4, "patience": 100, "seed": 1, **FAST}
    kd = distill(TrainConfig(out_dir=tmp_path / "kd", **kw),
                 DistillConfig(teachers=[teacher_dir], alpha=0.9,
                               unlabelled_path=tmp_path / "u.txt"))
    plain = train(TrainConfig(out_dir=tmp_path / "plain", **kw))
    reference = Tagger.from_pretrained(teacher_dir).predict_sentences(sents)
    a_kd = _agreement(kd.out_dir, reference, sents)
    a_plain = _agreement(plain.out_dir, reference, sents)
    assert a_kd > a_plain + 0.05, (a_kd, a_plain)
    args = json.loads((kd.out_dir / "distill_args.json").read_text())
    assert args["teachers"] == [str(teacher_dir)] and args["alpha"] == 0.9
    # the student has the teacher's labels (also those missing from its 4 labelled queries)
    assert Tagger.from_pretrained(kd.out_dir).labels == Tagger.from_pretrained(teacher_dir).labels


def test_crf_student_learns_the_teacher_from_unlabelled_queries(tmp_path, tiny_backbone_dir,
                                                                tiny_data, teacher_dir):
    """A CRF student (the quickstart's head): the distillation term on its emission scores
    makes it agree with the softmax teacher far more than the same CRF student trained on its
    4 labelled queries alone; batches of unlabelled queries only (no gold for the CRF) train."""
    sents = tiny_sentences()
    (tmp_path / "u.txt").write_text("".join(s.text() + "\n" for s in sents), encoding="utf-8")
    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "backbone": tiny_backbone_dir,
          "epochs": 10, "limit_train": 4, "patience": 100, "seed": 1, "crf": True, **FAST}
    kd = distill(TrainConfig(out_dir=tmp_path / "kd", **kw),
                 DistillConfig(teachers=[teacher_dir], alpha=0.9,
                               unlabelled_path=tmp_path / "u.txt"))
    plain = train(TrainConfig(out_dir=tmp_path / "plain", **kw))
    assert Tagger.from_pretrained(kd.out_dir).config.crf
    assert all(np.isfinite(h["loss"]) for h in kd.history)
    reference = Tagger.from_pretrained(teacher_dir).predict_sentences(sents)
    a_kd = _agreement(kd.out_dir, reference, sents)
    a_plain = _agreement(plain.out_dir, reference, sents)
    assert a_kd > a_plain + 0.05, (a_kd, a_plain)


def test_distillation_is_repeatable_and_train_unchanged_without_it(tmp_path, tiny_backbone_dir,
                                                                  tiny_data, teacher_dir):
    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "backbone": tiny_backbone_dir,
          "epochs": 1, "seed": 5, **FAST}
    dcfg = DistillConfig(teachers=[teacher_dir, teacher_dir], alpha=0.5)
    runs = [distill(TrainConfig(out_dir=tmp_path / r, **kw), dcfg) for r in "ab"]
    assert [h["loss"] for h in runs[0].history] == [h["loss"] for h in runs[1].history]
    # alpha=0 is plain training: the same losses as train()
    zero = distill(TrainConfig(out_dir=tmp_path / "z", **kw),
                   DistillConfig(teachers=[teacher_dir], alpha=0.0))
    plain = train(TrainConfig(out_dir=tmp_path / "p", **kw))
    np.testing.assert_allclose([h["loss"] for h in zero.history],
                               [h["loss"] for h in plain.history], rtol=1e-5)


def test_cli_distill(tmp_path, tiny_backbone_dir, tiny_data, teacher_dir):
    (tmp_path / "u.txt").write_text("apple tv\nsony laptop bag\n", encoding="utf-8")
    out = tmp_path / "student"
    res = CliRunner().invoke(app, [
        "distill", "--teacher", str(teacher_dir), "--teacher", str(teacher_dir),
        "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]), "--out", str(out),
        "--unlabelled", str(tmp_path / "u.txt"), "--alpha", "0.7", "--temperature", "3",
        "--backbone", str(tiny_backbone_dir), "--epochs", "1", "--num-threads", "1",
        "--no-progress"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["out"] == str(out)
    args = json.loads((out / "distill_args.json").read_text())
    assert args["temperature"] == 3.0 and len(args["teachers"]) == 2
    assert Tagger.from_pretrained(out)("sony tv").text == "sony tv"
    bad = CliRunner().invoke(app, [
        "distill", "--teacher", str(tmp_path / "missing"), "--train", str(tiny_data[0]),
        "--dev", str(tiny_data[1]), "--out", str(tmp_path / "x"), "--epochs", "1"])
    assert bad.exit_code != 0 and "not a tagger folder" in bad.output


def test_saved_targets_train_the_student_the_teachers_would(tmp_path, tiny_backbone_dir,
                                                            tiny_data, teacher_dir):
    """`kgqp tagger soft-targets` then `distill --targets`: the student trains as if the
    teachers were there (the same losses up to the file's float16 rounding); without them."""
    path = tmp_path / "t.safetensors"
    res = CliRunner().invoke(app, [
        "soft-targets", "--teacher", str(teacher_dir), "--teacher", str(teacher_dir),
        "--train", str(tiny_data[0]), "--out", str(path), "--temperature", "3",
        "--no-progress"])
    assert res.exit_code == 0, res.output
    st = load_soft_targets(path, alpha=0.7)
    assert st.temperature == 3.0 and st.labels == Teacher([teacher_dir]).labels
    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "backbone": tiny_backbone_dir,
          "epochs": 2, "seed": 3, **FAST}
    direct = distill(TrainConfig(out_dir=tmp_path / "d", **kw),
                     DistillConfig(teachers=[teacher_dir], alpha=0.7, temperature=3.0))
    saved = distill(TrainConfig(out_dir=tmp_path / "s", **kw),
                    DistillConfig(targets_path=path, alpha=0.7))
    np.testing.assert_allclose([h["loss"] for h in saved.history],
                               [h["loss"] for h in direct.history], rtol=2e-3)
    out = tmp_path / "cli"
    res = CliRunner().invoke(app, [
        "distill", "--targets", str(path), "--train", str(tiny_data[0]), "--dev",
        str(tiny_data[1]), "--out", str(out), "--backbone", str(tiny_backbone_dir),
        "--epochs", "1", "--crf", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert Tagger.from_pretrained(out).config.crf
    assert json.loads((out / "distill_args.json").read_text())["targets_path"] == str(path)


def test_soft_targets_file_errors_and_unknown_sentences(tmp_path):
    sents = [Sentence(["usb", "cable"], ["O", "O"]), Sentence(["tv"], ["O"])]
    probs = [np.full((2, 3), 1 / 3, np.float32), np.eye(3, dtype=np.float32)[:1]]
    path = save_soft_targets(tmp_path / "t.safetensors", sents, probs, labels=["O", "B-a", "I-a"],
                             temperature=2.0)
    got = load_soft_targets(path).targets([Sentence(["tv"], ["O"]), Sentence(["new"], ["O"])],
                                          None)
    np.testing.assert_allclose(got[0], probs[1])
    assert not got[1].any()  # not in the file: no target (the gold labels alone teach it)
    with pytest.raises(ConfigError, match="shape"):
        save_soft_targets(tmp_path / "x.safetensors", sents, probs[::-1], labels=["O", "B-a",
                                                                                 "I-a"],
                          temperature=2.0)
    assert not (tmp_path / "x.safetensors").exists()
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(DataFormatError, match="not a kgqp soft-targets file"):
        load_soft_targets(tmp_path / "bad.safetensors")
    with pytest.raises(DataFormatError, match="no such soft-targets file"):
        load_soft_targets(tmp_path / "missing.safetensors")
    with pytest.raises(ConfigError, match="temperature"):
        save_teacher_targets(tmp_path / "t0.safetensors", [tmp_path], tmp_path / "a.conll",
                             temperature=0.0)
    with pytest.raises(ConfigError, match="not both"):
        DistillConfig(teachers=["t"], targets_path=path)
    with pytest.raises(ConfigError, match="unlabelled queries need teachers"):
        DistillConfig(targets_path=path, unlabelled_path=tmp_path / "u.txt")
    res = CliRunner().invoke(app, ["distill", "--train", str(tmp_path / "a.conll"), "--dev",
                                   str(tmp_path / "a.conll"), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "teachers" in res.output
