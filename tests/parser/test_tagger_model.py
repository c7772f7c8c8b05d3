"""Contract tests of the tagger on a tiny random BERT: train -> save -> load -> predict,
robustness of predictions, safe loading, vocabulary extension, lexicon hook, ONNX, CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from parser.app.tagger_cli import app
from parser.errors import ModelLoadError, UnsafeModelError
from parser.tagger import GazetteerLexicon, Tagger, TrainConfig, evaluate, train
from parser.tagger.data import Sentence, read_conll, write_conll
from parser.tagger.testing import tiny_sentences

NASTY = ["", "   ", "\t\n", "apple iphone case", "ｉｐｈｏｎｅ case", "ﬁ", "a\u0301pple tv",
         "\x00\x84\u202e sony", "😀" * 50, "苹果 iphone 手机", "\ud800 lg tv", "а" * 3,
         "a" * 100_000, "-" * 5_000, "lg " * 300]


def _pred(tagger, texts):
    return [[(e.start, e.end, e.label, round(e.score, 4)) for e in r.entities]
            for r in tagger.pipe(texts, batch_size=4)]


def test_contract_train_save_load_predict(trained_dir, tmp_path):
    tagger = Tagger.from_pretrained(trained_dir)
    assert tagger.config.crf and tagger.labels[0] == "O"
    texts = [" ".join(s.tokens) for s in tiny_sentences()] + ["", "sony tv"]
    before = _pred(tagger, texts)
    assert tagger("").entities == [] and not tagger("").truncated
    tagger.save(tmp_path / "copy")
    again = Tagger.from_pretrained(tmp_path / "copy")
    assert _pred(again, texts) == before
    assert [_pred(tagger, [t])[0] for t in texts] == before  # batching does not change results
    cfg = json.loads((trained_dir / "config.json").read_text())
    assert cfg["label2id"]["O"] == 0 and cfg["architectures"] == ["BertForTokenClassification"]
    for name in ("model.safetensors", "tokenizer.json", "training_args.json", "dev_scores.json",
                 "kgqp.json"):
        assert (trained_dir / name).is_file(), name
    assert not (trained_dir / "checkpoint").exists()


@pytest.mark.parametrize("text", NASTY)
def test_offsets_point_into_original_text(trained_dir, text):
    tagger = Tagger.from_pretrained(trained_dir)
    res = tagger(text)
    assert res.text == text
    last = 0
    for e in res.entities:
        assert text[e.start:e.end] == e.text and e.start >= last and e.end > e.start
        last = e.end
    # one 100k-char word is a single [UNK] token: not truncated
    assert res.truncated == (text in ("-" * 5_000, "lg " * 300))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30))
def test_offsets_property(trained_dir, text):
    tagger = _cached(trained_dir)
    res = tagger(text)
    assert all(text[e.start:e.end] == e.text for e in res.entities)
    assert all(a.end <= b.start for a, b in zip(res.entities, res.entities[1:], strict=False))
    assert _pred(tagger, [text]) == _pred(tagger, [text])


_CACHE: dict = {}


def _cached(path):
    if path not in _CACHE:
        _CACHE[path] = Tagger.from_pretrained(path)
    return _CACHE[path]


def test_training_is_repeatable(tiny_backbone_dir, tiny_data, tmp_path):
    scores = []
    for run in ("a", "b"):
        res = train(TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1],
                                out_dir=tmp_path / run, backbone=tiny_backbone_dir, epochs=2,
                                progress=False, seed=7))
        scores.append([h["loss"] for h in res.history])
    assert scores[0] == scores[1]


def test_resume_continues_from_checkpoint(tiny_backbone_dir, tiny_data, tmp_path, monkeypatch):
    import parser.tagger.training as training

    kw = {"train_path": tiny_data[0], "dev_path": tiny_data[1], "backbone": tiny_backbone_dir,
          "progress": False, "seed": 3, "patience": 10, "epochs": 3}
    full = train(TrainConfig(out_dir=tmp_path / "full", **kw))
    real_evaluate, calls = training.evaluate, []

    def crash_in_epoch_3(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # killed during epoch 3, after the epoch-2 checkpoint
        return real_evaluate(*a, **k)

    monkeypatch.setattr(training, "evaluate", crash_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(out_dir=tmp_path / "part", **kw))
    monkeypatch.setattr(training, "evaluate", real_evaluate)
    assert (tmp_path / "part" / "checkpoint" / "optimizer.safetensors").is_file()
    res = train(TrainConfig(out_dir=tmp_path / "part", resume=True, **kw))
    assert [h["epoch"] for h in res.history] == [1, 2, 3]
    assert res.history[-1]["loss"] == pytest.approx(full.history[-1]["loss"], rel=1e-5)
    assert res.best_f1 == pytest.approx(full.best_f1)


def test_refuses_pickle_and_reports_broken_files(trained_dir, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(trained_dir, d)
    (d / "model.safetensors").unlink()
    (d / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(UnsafeModelError, match="pickle"):
        Tagger.from_pretrained(d)
    (d / "pytorch_model.bin").unlink()
    with pytest.raises(ModelLoadError, match=r"no model\.safetensors"):
        Tagger.from_pretrained(d)
    shutil.copy(trained_dir / "model.safetensors", d / "model.safetensors")
    data = (d / "model.safetensors").read_bytes()
    (d / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match=r"checksum|corrupt"):
        Tagger.from_pretrained(d)
    shutil.copy(trained_dir / "model.safetensors", d / "model.safetensors")
    (d / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match=r"config\.json"):
        Tagger.from_pretrained(d)
    with pytest.raises(ModelLoadError, match="does not exist"):
        Tagger.from_pretrained(tmp_path / "nope")


def test_vocabulary_extension_for_chinese(tiny_backbone_dir, tmp_path):
    sents = [Sentence(list("苹果手机\x84"), ["B-HP", "E-HP", "B-HC", "E-HC", "O"], joiner=""),
             Sentence(list("华为\uf880耳机"), ["B-HP", "E-HP", "O", "B-HC", "E-HC"], joiner="")]
    write_conll(tmp_path / "zh.txt", sents, sep=" ")
    res = train(TrainConfig(train_path=tmp_path / "zh.txt", dev_path=tmp_path / "zh.txt",
                            out_dir=tmp_path / "zh", backbone=tiny_backbone_dir, epochs=1,
                            progress=False))
    tagger = Tagger.from_pretrained(res.out_dir)
    vocab = tagger.tokenizer.get_vocab()
    assert {"苹", "果", "华", "耳"} <= set(vocab) and "\x84" not in vocab
    assert tagger.config.word_mode == "char" and tagger.config.scheme == "bioes"
    assert tagger.model.encoder.get_input_embeddings().weight.shape[0] == len(vocab)
    r = tagger("苹果手机")
    assert all(r.text[e.start:e.end] == e.text for e in r.entities)
    assert evaluate(tagger, read_conll(tmp_path / "zh.txt"))["n_sentences"] == 2


def test_lexicon_hook(tiny_backbone_dir, tiny_data, tmp_path):
    lex = GazetteerLexicon({"apple": "brand", "sony": "brand", "tv": "category"})
    res = train(TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1], out_dir=tmp_path / "l",
                            backbone=tiny_backbone_dir, epochs=1, progress=False,
                            lexicon_kinds=["brand", "category"]), lexicon=lex)
    tagger = Tagger.from_pretrained(res.out_dir, lexicon=lex)
    assert tagger.config.lexicon_kinds == ["brand", "category"]
    p = tagger.encoder.prepare("new brandx tv")
    assert p.lexicon[p.first].tolist() == [[0, 0], [0, 0], [0, 4]]  # per word: S-category on tv
    assert p.lexicon[0].tolist() == [0, 0]  # [CLS]
    # a brand added to the KG later is used at once: the features and the logits change
    before = tagger.forward([p])[0]
    tagger.lexicon.add("brandx", "brand")
    p2 = tagger.encoder.prepare("new brandx tv")
    assert p2.lexicon[p2.first].tolist() == [[0, 0], [4, 0], [0, 4]]
    assert (p2.lexicon[p2.token_words == 1, 0] == 4).all()  # every subword of the word
    assert not np.allclose(before, tagger.forward([p2])[0])
    # a KG-shaped object is adapted
    from types import SimpleNamespace as NS
    kg = NS(match=lambda t: [NS(start=4, end=10, candidates=[NS(kind="brand")])])
    tagger.lexicon = kg
    p3 = tagger.encoder.prepare("new brandx tv")
    assert p3.lexicon[p3.first].tolist() == [[0, 0], [4, 0], [0, 0]]


def test_onnx_matches_torch(trained_dir, tmp_path):
    pytest.importorskip("onnxruntime")
    from parser.tagger.onnx import export_onnx

    d = tmp_path / "m"
    shutil.copytree(trained_dir, d)
    export_onnx(d, int8=True)
    torch_t = Tagger.from_pretrained(d)
    texts = [" ".join(s.tokens) for s in tiny_sentences()] + ["", "ｓｏｎｙ tv 😀"]
    ref = [[(e.start, e.end, e.label) for e in r.entities] for r in torch_t.pipe(texts)]
    fp32 = Tagger.from_pretrained(d, backend="onnx", int8=False)
    assert [[(e.start, e.end, e.label) for e in r.entities] for r in fp32.pipe(texts)] == ref
    int8 = Tagger.from_pretrained(d, backend="onnx")
    assert int8.session is not None and all(
        r.text[e.start:e.end] == e.text for r in int8.pipe(texts) for e in r.entities)


def test_onnx_runs_each_token_length_apart(trained_dir, tmp_path):
    """Texts of several token lengths run in one ONNX call per length (no padded position is
    computed), and each text's logits and embedding equal its own call's."""
    pytest.importorskip("onnxruntime")
    from parser.tagger.onnx import export_onnx

    d = tmp_path / "m"
    shutil.copytree(trained_dir, d)
    export_onnx(d, int8=True)
    t = Tagger.from_pretrained(d, backend="onnx")
    texts = ["lg tv", "sony wireless noise cancelling headphones", "tv", "lg oled tv",
             "samsung tv"]
    items = t.prepare(texts)
    lengths = [len(p.input_ids) for p in items]
    assert len(set(lengths)) > 2
    calls = []
    run = t.session.run

    def spy(names, feeds):
        calls.append(feeds["attention_mask"])
        return run(names, feeds)

    t.session.run = spy
    logits, pooled = t.forward(items, pooled=True)
    assert len(calls) == len(set(lengths)) and all(m.all() for m in calls)  # no padding run
    assert logits.shape[:2] == (len(texts), max(lengths))
    for i, p in enumerate(items):
        alone, emb = t.forward([p], pooled=True)
        assert np.array_equal(logits[i, :lengths[i]], alone[0])
        assert np.array_equal(pooled[i], emb[0])
    assert t.decode(items, logits) == [t.decode([p], t.forward([p])[0])[0] for p in items]


def test_cli_train_evaluate_predict(tiny_backbone_dir, tiny_data, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli"
    res = runner.invoke(app, ["train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
                              "--out", str(out), "--backbone", str(tiny_backbone_dir),
                              "--epochs", "1", "--no-progress", "--max-length", "32"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(out), "--data", str(tiny_data[1]), "--json"])
    assert res.exit_code == 0, res.output
    scores = json.loads(res.output)
    assert set(scores) == {"precision", "recall", "f1", "macro_f1", "per_type", "n_sentences"}
    assert scores["n_sentences"] == 10
    res = runner.invoke(app, ["predict", str(out), "lg tv", ""])
    assert res.exit_code == 0 and len(res.output.strip().splitlines()) == 2
    res = runner.invoke(app, ["evaluate", str(tmp_path / "none"), "--data", str(tiny_data[1])])
    assert res.exit_code == 2 and "error:" in res.output


def test_train_config_validation():
    from parser.errors import ConfigError

    with pytest.raises(ConfigError, match="lr"):
        TrainConfig(train_path="a", dev_path="b", out_dir="c", lr=5)
    with pytest.raises(ConfigError, match="max_length"):
        TrainConfig(train_path="a", dev_path="b", out_dir="c", max_length=4)
