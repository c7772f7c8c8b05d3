from __future__ import annotations

import json

import pytest
import torch

from fusion import FusionConfig, FusionInput, FusionModel, LinkedEntity, TrainConfig, train_fusion
from fusion.errors import FusionConfigError, FusionDataError, FusionLoadError
from fusion.evaluate import evaluate
from kg import Node, NodeKind

from .conftest import GNN, random_input


def test_train_save_load_identical_outputs(trained, kg, examples, tmp_path):
    trained.save_pretrained(tmp_path / "m")
    assert {p.name for p in (tmp_path / "m").iterdir()} >= {
        "config.json",
        "model.safetensors",
        "labels.json",
        "graph",
    }
    loaded = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    inputs = [ex.input for ex in examples] + [random_input(3)]
    a, b = trained.predict_batch(inputs), loaded.predict_batch(inputs)
    assert a == b
    batch = trained.featurize(inputs)
    assert torch.allclose(trained(batch), loaded(batch), atol=0, rtol=0)


def test_predictions_are_consistent_and_learn(trained, examples):
    for intent in trained.predict_batch([ex.input for ex in examples]):
        assert intent.category.split(" > ")[0] == intent.lvl0
        assert intent.top_k[0] == (intent.category, intent.score)
        assert 0 <= intent.score <= intent.lvl0_score + 1e-6 <= 1 + 1e-6
    assert evaluate(trained, examples)["lvl1_accuracy"] >= 0.7
    assert trained.predict_batch([]) == []


def test_graph_branch_uses_links(trained, kg):
    fridge = LinkedEntity("https://kgqp.dev/id/category/bb/fridge", "category", 1.0)
    batch = trained.featurize([random_input(0, (fridge,)), random_input(0)])
    assert batch.mask[0].sum() == 1 and batch.mask[1].sum() == 0
    assert batch.label[0, 0] == trained.labels.index("Appliances > Refrigerators")
    samsung = LinkedEntity("https://kgqp.dev/id/brand/samsung", "brand", 1.0)
    batch = trained.featurize([random_input(0, (samsung,))])
    assert batch.mask[0].sum() > 1  # the brand and its categories


def test_no_graph_ablation(examples, tmp_path):
    model = train_fusion(
        FusionConfig(use_graph=False, hidden_dim=32), None, examples, examples,
        train_config=TrainConfig(epochs=5)
    )
    model.save_pretrained(tmp_path / "ng")
    loaded = FusionModel.from_pretrained(tmp_path / "ng")
    inp = examples[0].input
    assert model.predict(inp) == loaded.predict(inp)
    assert not (tmp_path / "ng" / "graph").exists()


def test_graph_model_needs_kg(trained, tmp_path):
    trained.save_pretrained(tmp_path / "m")
    with pytest.raises(FusionConfigError, match="pass the KG"):
        FusionModel.from_pretrained(tmp_path / "m")


def test_changed_kg_recomputes_embeddings(trained, kg, examples, tmp_path):
    trained.save_pretrained(tmp_path / "m")
    (tmp_path / "cache" / "gnn.safetensors").rename(tmp_path / "m" / "graph" / "gnn.safetensors")
    (tmp_path / "cache" / "gnn.json").rename(tmp_path / "m" / "graph" / "gnn.json")
    with kg.transaction() as tx:
        tx.add_node(Node(kind=NodeKind.BRAND, key="sony", label="Sony"))
    loaded = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    assert loaded.context.embeddings.row("https://kgqp.dev/id/brand/sony") is not None
    sony = LinkedEntity("https://kgqp.dev/id/brand/sony", "brand")
    assert loaded.predict(random_input(1, (sony,))).category in loaded.labels


def test_pickle_and_corrupt_files_are_refused(trained, kg, tmp_path):
    d = tmp_path / "m"
    trained.save_pretrained(d)
    torch.save(trained.state_dict(), d / "model.safetensors")  # a pickle in disguise
    with pytest.raises(FusionLoadError, match="never loaded"):
        FusionModel.from_pretrained(d, kg=kg)
    (d / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(FusionLoadError):
        FusionModel.from_pretrained(d, kg=kg)
    (d / "labels.json").unlink()
    with pytest.raises(FusionLoadError, match=r"labels\.json is missing"):
        FusionModel.from_pretrained(d, kg=kg)


def test_config_is_validated(tmp_path):
    with pytest.raises(FusionConfigError, match="dropout"):
        FusionConfig(dropout=1.5)
    with pytest.raises(FusionConfigError, match="unknown FusionConfig keys"):
        FusionConfig.from_dict({"hidden": 3})
    m = FusionModel(FusionConfig(use_graph=False, hidden_dim=8), labels=["A > B"])
    m.save_pretrained(tmp_path / "x")
    raw = json.loads((tmp_path / "x" / "config.json").read_text())
    raw["config"]["hidden_dim"] = -1
    (tmp_path / "x" / "config.json").write_text(json.dumps(raw))
    with pytest.raises(FusionLoadError, match="hidden_dim"):
        FusionModel.from_pretrained(tmp_path / "x")
    # configs saved before the architecture/training split still load (training keys dropped)
    raw["config"]["hidden_dim"] = 8
    raw["config"]["epochs"] = 40
    (tmp_path / "x" / "config.json").write_text(json.dumps(raw))
    assert FusionModel.from_pretrained(tmp_path / "x").config.hidden_dim == 8


def test_bad_inputs():
    with pytest.raises(FusionDataError, match="1-d float"):
        FusionInput(text_embedding=torch.zeros(2, 384))
    with pytest.raises(FusionDataError, match="NaN"):
        FusionInput(text_embedding=torch.full((384,), float("nan")))
    with pytest.raises(FusionDataError, match="kind"):
        LinkedEntity("x", "planet")
    m = FusionModel(FusionConfig(use_graph=False, hidden_dim=8), labels=["A > B"])
    with pytest.raises(FusionDataError, match="expects 384"):
        m.predict(FusionInput(torch.zeros(5)))


def test_link_dropout_hides_links_in_training_only(kg, encoder, examples):
    with pytest.raises(FusionConfigError, match="link_dropout"):
        TrainConfig(link_dropout=1.0)
    cfg = FusionConfig(hidden_dim=32)

    def fit(p: float) -> FusionModel:
        return train_fusion(cfg, kg, examples, [], gnn_config=GNN, text_encoder=encoder,
                            train_config=TrainConfig(epochs=4, batch_size=8, link_dropout=p))

    a, b, c = fit(0.5), fit(0.5), fit(0.0)
    inputs = [ex.input for ex in examples]
    assert a.predict_batch(inputs) == b.predict_batch(inputs)  # seeded: the same draws
    assert a.predict_batch(inputs) != c.predict_batch(inputs)
    # at prediction time the links are read: hiding them changes the intent of linked queries
    linked = [inp for inp in inputs if inp.linked]
    assert linked and a.predict_batch(linked) != a.predict_batch(
        [FusionInput(inp.text_embedding, (), inp.text) for inp in linked])


def _saved_with_a_doubled_kg(trained, kg, tmp_path) -> None:
    """``trained`` saved to tmp_path/m with its GNN encoder, and as many new brands added to
    ``kg`` as it had nodes (over the re-embedding threshold)."""
    trained.save_pretrained(tmp_path / "m")
    (tmp_path / "cache" / "gnn.safetensors").rename(tmp_path / "m" / "graph" / "gnn.safetensors")
    (tmp_path / "cache" / "gnn.json").rename(tmp_path / "m" / "graph" / "gnn.json")
    n = kg.to_networkx().number_of_nodes()
    with kg.transaction() as tx:
        for i in range(n):
            tx.add_node(Node(kind=NodeKind.BRAND, key=f"new{i}", label=f"New Brand {i}"))


def test_a_re_embedded_kg_is_cached_for_the_next_load(trained, kg, tmp_path, monkeypatch,
                                                      caplog):
    """A KG that grew by more than a quarter since training is re-embedded in full at load
    (197 s on a reviewer's KG after 15k new brands, at every start of every replica); the
    result is cached by GNN weights and KG fingerprint, so the next load reads it."""
    import logging

    monkeypatch.setenv("KGQP_CACHE", str(tmp_path / "kgqp-cache"))
    _saved_with_a_doubled_kg(trained, kg, tmp_path)
    with caplog.at_level(logging.INFO, logger="fusion.model"):
        first = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
        assert "recomputing node embeddings" in caplog.text
        caplog.clear()
        second = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
        assert "read from" in caplog.text and "recomputing" not in caplog.text
    assert list((tmp_path / "kgqp-cache" / "refreshed").iterdir())
    iri = "https://kgqp.dev/id/brand/new0"
    a, b = first.context.embeddings, second.context.embeddings
    assert a.row(iri) is not None
    assert (a.unit()[a.row(iri)] == b.unit()[b.row(iri)]).all()


def test_a_full_cache_disk_costs_time_not_the_load(trained, kg, tmp_path, monkeypatch, tmpfs,
                                                   fill_disk):
    """The re-embedding cache on a full disk made the model's load fail (safetensors' "No
    space left on device"); a cache is best effort: the load embeds without it."""
    cache = tmpfs("1m")
    fill_disk(cache, leave=4 * 1024)
    monkeypatch.setenv("KGQP_CACHE", str(cache))
    _saved_with_a_doubled_kg(trained, kg, tmp_path)
    loaded = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    assert loaded.context.embeddings.row("https://kgqp.dev/id/brand/new0") is not None


def test_save_pretrained_keeps_the_gnn_encoder_a_symlink_and_dot(trained, kg, tmp_path,
                                                                 monkeypatch):
    """A diff review found: saving a loaded graph model back into its folder deleted the GNN
    encoder (graph/gnn.*, copied in by training after the save); saving to '.' failed; and a
    symlinked model folder was replaced by a plain one."""
    import os

    from fusion.model import GNN_FILES

    out = tmp_path / "m"
    trained.save_pretrained(out, gnn_dir=tmp_path / "cache")  # as training saves it
    assert all((out / "graph" / name).is_file() for name in GNN_FILES)
    loaded = FusionModel.from_pretrained(out, kg=kg)
    loaded.save_pretrained(out)  # saved back into its folder: the encoder stays
    assert all((out / "graph" / name).is_file() for name in GNN_FILES)
    os.symlink(out, tmp_path / "current")
    loaded.save_pretrained(tmp_path / "current")
    assert (tmp_path / "current").is_symlink() and (out / "config.json").is_file()
    monkeypatch.chdir(out)
    loaded.save_pretrained(".")
    assert (out / "model.safetensors").is_file()
    with pytest.raises(FileNotFoundError, match="GNN encoder"):
        trained.save_pretrained(tmp_path / "x", gnn_dir=tmp_path / "nowhere")


def test_a_new_nodes_row_follows_later_commits_as_a_fresh_load_places_it(trained, kg, tmp_path):
    """A node added after training gets its graph row from its neighbourhood as the KG is now:
    a model that followed the commits and one loaded afresh on the same KG version give the
    same row and the same intent. (A row placed when the model was loaded used to stay: a
    served process and a restarted replica disagreed on intents and expansion scores.)"""
    from kg import Edge, Relation

    trained.save_pretrained(tmp_path / "m")
    new = Node(NodeKind.CATEGORY, "bb/hover", "Hoverboards", path="Hoverboards")
    with kg.transaction() as tx:  # added after training, before the load: its kind's mean
        tx.add_node(new)
    live = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    alone = live.context.embeddings.vector(new.iri).clone()
    with kg.transaction() as tx:  # then brands selling in it: between them
        for brand in ("samsung", "lg"):
            tx.add_edge(Edge(f"https://kgqp.dev/id/brand/{brand}", Relation.SELLS_IN, new.iri))
    followed = live.context.embeddings.vector(new.iri)
    fresh = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    assert not torch.equal(followed, alone)
    assert torch.equal(followed, fresh.context.embeddings.vector(new.iri))
    query = random_input(5, linked=(LinkedEntity(new.iri, "category", 0.9, mention="hoverboards"),))
    assert live.predict_batch([query]) == fresh.predict_batch([query])
