"""LoRA adapters per market (parser/tagger/adapters.py): trained on a frozen tiny backbone, saved
as adapter-only folders, loaded two at a time on ONE copy of the backbone; each market tags as
its adapter does alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from parser.errors import ConfigError, ModelLoadError
from parser.tagger.data import Sentence, write_conll

TEXTS = ["samsung 55 inch tv", "red running shoes", "apple watch band", "sony headphones"]


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory, tiny_backbone_dir: Path,
             tiny_data: tuple[Path, Path]) -> dict[str, Path]:
    """Two markets on the tiny backbone: all QueryNER-style labels, and a brand-only market."""
    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.data import read_conll
    from parser.tagger.training import TrainConfig, train

    d = tmp_path_factory.mktemp("adapters")
    brands = [Sentence(s.tokens, [t if t.endswith("creator") else "O" for t in s.tags])
              for s in read_conll(tiny_data[0])]
    write_conll(d / "brands.conll", brands)
    out = {}
    for market, data in (("en", tiny_data[0]), ("brand", d / "brands.conll")):
        train(TrainConfig(train_path=data, dev_path=data, out_dir=d / market,
                          backbone=tiny_backbone_dir, epochs=4, head_lr=2e-2, progress=False,
                          max_length=32, num_threads=1,
                          adapter=AdapterConfig(market=market, r=4, alpha=8)))
        out[market] = d / market
    return out


def _logits(tagger, texts=TEXTS):
    return tagger.forward(tagger.prepare(texts))[0]


def test_an_adapter_folder_holds_only_the_adapter(adapters: dict[str, Path],
                                                  tiny_backbone_dir: Path) -> None:
    from safetensors import safe_open

    folder = adapters["en"]
    assert not (folder / "model.safetensors").exists()
    with safe_open(str(folder / "adapter.safetensors"), "pt") as f:
        keys = list(f.keys())
    assert keys and all("lora_" in k or k.startswith("classifier.") for k in keys)
    assert not [k for k in keys if ".en." in k]  # stored without the market name
    meta = json.loads((folder / "adapter.json").read_text())
    assert meta["adapter"]["market"] == "en" and meta["base"]["path"] == \
        str(tiny_backbone_dir.resolve())
    # the base's weights are untouched by adapter training: the adapter file is all it adds
    assert (folder / "adapter.safetensors").stat().st_size < \
        (tiny_backbone_dir / "model.safetensors").stat().st_size


def test_two_markets_share_one_backbone_and_tag_as_alone(adapters: dict[str, Path]) -> None:
    from parser.tagger import Tagger

    markets = Tagger.markets({"en": adapters["en"], "brand": adapters["brand"]})
    en, brand = markets["en"], markets["brand"]
    assert en.model.encoder is brand.model.encoder  # one backbone in memory
    assert brand.entity_types == ["creator"] and "core_product_type" in en.entity_types
    alone_en = Tagger.from_pretrained(adapters["en"])
    alone_brand = Tagger.from_pretrained(adapters["brand"])
    for _ in range(2):  # switching back and forth gives each market its own adapter
        assert np.allclose(_logits(en), _logits(alone_en), atol=1e-5)
        assert np.allclose(_logits(brand), _logits(alone_brand), atol=1e-5)
    with pytest.raises(ConfigError, match="saved when it is trained"):
        en.save(adapters["en"].parent / "copy")


def test_adapters_on_another_base_are_refused(adapters: dict[str, Path], tmp_path: Path,
                                              tiny_backbone_dir: Path) -> None:
    from safetensors.torch import load_file, save_file

    from parser.tagger import Tagger

    other = Path(shutil.copytree(tiny_backbone_dir, tmp_path / "other"))
    sd = load_file(str(other / "model.safetensors"))
    save_file({k: v + 1 for k, v in sd.items()}, str(other / "model.safetensors"))
    with pytest.raises(ModelLoadError, match="not the one the adapters were trained on"):
        Tagger.markets({"en": adapters["en"]}, base=other)
    broken = Path(shutil.copytree(adapters["en"], tmp_path / "broken"))
    (broken / "adapter.safetensors").write_bytes(b"junk")
    with pytest.raises(ModelLoadError, match="checksum"):
        Tagger.from_pretrained(broken)


def test_cli_trains_and_evaluates_an_adapter(tiny_backbone_dir: Path,
                                             tiny_data: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    from parser.app.cli import app

    runner = CliRunner()
    res = runner.invoke(app, [
        "tagger", "train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
        "--out", str(tmp_path / "zh"), "--backbone", str(tiny_backbone_dir), "--adapter", "zh",
        "--lora-r", "2", "--epochs", "1", "--max-length", "32", "--no-progress",
        "--num-threads", "1"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "zh" / "adapter.json").read_text())["adapter"]["r"] == 2
    res = runner.invoke(app, ["tagger", "evaluate", str(tmp_path / "zh"), "--data",
                              str(tiny_data[1]), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n_sentences"] == 10
    res = runner.invoke(app, [
        "tagger", "train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
        "--out", str(tmp_path / "x"), "--adapter", "../zh"])
    assert res.exit_code == 2 and "market '../zh'" in res.output


def test_markets_with_new_characters_append_their_rows(tmp_path: Path,
                                                       tiny_backbone_dir: Path,
                                                       tiny_data: tuple[Path, Path]) -> None:
    """Each market adds characters the base lacks (Chinese here): their embedding rows are
    trained and saved with the adapter, the base's rows stay as they are, and two such markets
    on one backbone each find their own rows."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    from parser.tagger import Tagger
    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.data import read_conll
    from parser.tagger.training import TrainConfig, train

    base = read_conll(tiny_data[0])
    extra = {"a": Sentence(["三", "星", "tv"], ["B-creator", "I-creator", "B-core_product_type"]),
             "b": Sentence(["华", "为", "laptop"], ["B-creator", "I-creator",
                                                   "B-core_product_type"])}
    folders = {}
    for market, sent in extra.items():
        write_conll(tmp_path / f"{market}.conll", base + [sent] * 5)
        train(TrainConfig(train_path=tmp_path / f"{market}.conll", dev_path=tiny_data[1],
                          out_dir=tmp_path / market, backbone=tiny_backbone_dir, epochs=2,
                          head_lr=2e-2, progress=False, max_length=32, num_threads=1,
                          adapter=AdapterConfig(market=market, r=2, alpha=4)))
        folders[market] = tmp_path / market
        with safe_open(str(tmp_path / market / "adapter.safetensors"), "pt") as f:
            assert f.get_slice("new_word_embeddings").get_shape() == [2, 32]  # 三星 / 华为
    markets = Tagger.markets(folders)
    shared = markets["a"].model.encoder.get_input_embeddings().weight
    base_rows = load_file(str(tiny_backbone_dir / "model.safetensors"))[
        "embeddings.word_embeddings.weight"]
    assert shared.shape[0] == base_rows.shape[0] + 4
    assert np.allclose(shared[: base_rows.shape[0]].detach().numpy(), base_rows.numpy())
    for market, text in (("a", "三星 tv"), ("b", "华为 laptop")):
        alone = Tagger.from_pretrained(folders[market])
        assert "[UNK]" not in markets[market].tokenizer.encode(text).tokens
        assert np.allclose(_logits(markets[market], [text, "sony tv"]),
                           _logits(alone, [text, "sony tv"]), atol=1e-5)


def test_a_bundle_serves_its_markets_on_one_backbone(adapters: dict[str, Path],
                                                     tmp_path: Path) -> None:
    from kg import ProductGraph
    from parser.app.cli import app
    from parser.bundle import build_bundle
    from parser.pipeline import QueryParser
    from parser.tagger.testing import tiny_tagger

    tiny_tagger().save(tmp_path / "tagger")
    ProductGraph.open(tmp_path / "kg").close()
    bundle = build_bundle(tmp_path / "bundle", tagger=tmp_path / "tagger", kg=tmp_path / "kg",
                          markets={"en": adapters["en"], "brand": adapters["brand"]})
    assert sorted(p.name for p in (bundle / "markets").iterdir()) == ["brand", "en"]
    qp = QueryParser.from_pretrained(bundle, warmup=False)
    assert qp.markets["en"].model.encoder is qp.markets["brand"].model.encoder
    from parser.tagger import Tagger

    alone = Tagger.from_pretrained(adapters["brand"])
    for text in TEXTS:
        got = qp(text, market="brand")
        assert [(e.text, e.label) for e in got.entities] == \
            [(e.text, e.label) for e in alone(text).entities]
        assert [q.entities for q in qp.pipe([text], market="brand")] == [got.entities]
    with pytest.raises(ConfigError, match=r"market 'fr' unknown: this parser serves \['brand', "
                                          r"'en'\]"):
        qp("tv", market="fr")
    qp.kg.close()
    res = CliRunner().invoke(app, ["parse", "--bundle", str(bundle), "--market", "brand",
                                   "--json", "sony headphones"])
    assert res.exit_code == 0, res.output
    assert {e["label"] for e in json.loads(res.output)["entities"]} <= {"creator"}
    (bundle / "markets" / "en" / "adapter.safetensors").write_bytes(b"changed")
    with pytest.raises(ModelLoadError, match="checksum"):
        QueryParser.from_pretrained(bundle, warmup=False)
    with pytest.raises(ConfigError, match="not an adapter folder"):
        build_bundle(tmp_path / "b2", tagger=tmp_path / "tagger", kg=tmp_path / "kg",
                     markets={"en": tmp_path / "tagger"})


def test_markets_a_bundle_could_not_load_are_refused_at_build(adapters: dict[str, Path],
                                                              tmp_path: Path) -> None:
    """Adapters on different bases were accepted by `bundle build`, and then no parse of the
    bundle loaded; the same --market twice kept the later one silently; an adapter folder
    exported to ONNX gave a 62 MB file nothing could load."""
    from kg import ProductGraph
    from parser.app.cli import app
    from parser.bundle import build_bundle
    from parser.tagger.onnx import export_onnx
    from parser.tagger.testing import tiny_tagger

    tiny_tagger().save(tmp_path / "tagger")
    ProductGraph.open(tmp_path / "kg").close()
    other = tmp_path / "other"
    shutil.copytree(adapters["en"], other)
    meta = json.loads((other / "adapter.json").read_text())
    meta["base"]["num_layers"] = (meta["base"].get("num_layers") or 1) + 1
    (other / "adapter.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="different bases"):
        build_bundle(tmp_path / "b", tagger=tmp_path / "tagger", kg=tmp_path / "kg",
                     markets={"en": adapters["en"], "de": other})
    assert not (tmp_path / "b").exists()
    res = CliRunner().invoke(app, ["bundle", "build", str(tmp_path / "b"), "--tagger",
                                   str(tmp_path / "tagger"), "--kg", str(tmp_path / "kg"),
                                   "--market", f"en={adapters['en']}",
                                   "--market", f"en={adapters['brand']}"])
    assert res.exit_code == 2 and "given twice" in res.output, res.output
    with pytest.raises(ConfigError, match="is a LoRA adapter"):
        export_onnx(adapters["en"])
    assert not (adapters["en"] / "model.onnx").exists()


def test_an_adapter_folder_gives_clear_errors(adapters: dict[str, Path], tmp_path: Path) -> None:
    from parser.tagger import Tagger

    with pytest.raises(ModelLoadError, match="is a LoRA adapter: the ONNX backend serves full"):
        Tagger.from_pretrained(adapters["en"], backend="onnx")
    lost = Path(shutil.copytree(adapters["en"], tmp_path / "lost"))
    (lost / "adapter.safetensors").unlink()
    with pytest.raises(ModelLoadError, match=r"adapter\.safetensors is missing"):
        Tagger.from_pretrained(lost)


def test_a_full_tagger_trained_with_force_over_an_adapter_replaces_it(
        adapters: dict[str, Path], tiny_backbone_dir: Path, tiny_data: tuple[Path, Path],
        tmp_path: Path) -> None:
    """The adapter's files were kept beside the new full tagger, and loading prefers an
    adapter: every later command served the old adapter."""
    from parser.app.cli import app
    from parser.tagger.adapters import is_adapter

    out = Path(shutil.copytree(adapters["en"], tmp_path / "m"))
    runner = CliRunner()
    base = ["tagger", "train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
            "--out", str(out), "--backbone", str(tiny_backbone_dir), "--epochs", "1",
            "--max-length", "32", "--no-progress", "--num-threads", "1"]
    res = runner.invoke(app, [*base, "--adapter", "en"])  # an adapter again: no --resume hint
    assert res.exit_code == 2 and "adapter.json, adapter.safetensors)" in res.output
    assert "--resume" not in res.output
    res = runner.invoke(app, base)
    assert res.exit_code == 2 and "--force" in res.output
    res = runner.invoke(app, [*base, "--force"])
    assert res.exit_code == 0, res.output
    assert not is_adapter(out) and not (out / "adapter.safetensors").exists()
    assert (out / "model.safetensors").is_file()


def test_an_adapter_trained_with_kg_features_warns_when_loaded_without_a_kg(
        tiny_backbone_dir: Path, tiny_data: tuple[Path, Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from parser.tagger import Tagger
    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.training import TrainConfig, train

    train(TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1], out_dir=tmp_path / "a",
                      backbone=tiny_backbone_dir, epochs=1, progress=False, max_length=32,
                      num_threads=1, lexicon_kinds=["brand"],
                      adapter=AdapterConfig(market="kg", r=2, alpha=4)),
          lexicon={"apple": "brand"})
    with caplog.at_level("WARNING"):
        Tagger.from_pretrained(tmp_path / "a")
    assert "trained with KG lexicon features (brand) and is loaded without a KG" in caplog.text
