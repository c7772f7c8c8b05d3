"""Label names from the KG's taxonomy (fusion.labels) and the model's label-name term."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusion import train_fusion
from fusion.errors import FusionConfigError, FusionDataError
from fusion.fast import NumpyFusionHead
from fusion.labels import embed_label_names, label_names, stack_label_text
from fusion.model import FusionConfig, FusionModel
from fusion.train import TrainConfig

from .conftest import CFG, GNN, TRAIN, random_input

LABELS = ["TV & Home Theater > TVs", "Cell Phones > Cell Phone Accessories",
          "Appliances > Refrigerators", "Audio > Headphones"]


def test_label_names_come_from_the_kg_categories_under_each_label(kg):
    names = label_names(LABELS, kg)
    assert names[0] == ["TVs", "QLED TVs"]
    assert names[1] == ["Cell Phone Accessories", "Cell Phone Cases"]
    assert names[2] == ["Refrigerators"]
    assert names[3] == ["Headphones"]  # no category in the KG: its own name only
    assert label_names(LABELS[:1]) == [["TVs"]]  # without a KG
    assert label_names(LABELS[:1], kg, max_names=1) == [["TVs"]]


def test_embed_label_names_mixes_own_name_and_kg_names(kg, featurizer):
    emb = embed_label_names(LABELS, featurizer, kg)
    assert set(emb) == set(LABELS)
    own = featurizer.encoder.encode(["Headphones", "TVs", "QLED TVs"]).numpy()
    np.testing.assert_allclose(emb["Audio > Headphones"], own[0], atol=1e-6)
    tvs = 0.5 * own[1] + 0.5 * (own[1] + own[2]) / 2
    np.testing.assert_allclose(emb["TV & Home Theater > TVs"], tvs, atol=1e-6)
    assert stack_label_text(LABELS, emb).shape == (4, featurizer.dim)
    with pytest.raises(FusionDataError, match="no label-name embedding"):
        stack_label_text([*LABELS, "X > Y"], emb)


@pytest.mark.parametrize("use_graph", [False, True])
def test_numpy_head_matches_torch_with_label_names(kg, encoder, examples, featurizer,
                                                   use_graph, tmp_path):
    labels = sorted({ex.lvl1 for ex in examples})
    names = embed_label_names(labels, featurizer, kg)
    cfg = FusionConfig(hidden_dim=32, dropout=0.0, use_graph=use_graph, use_label_names=True,
                       text_dim=featurizer.dim)
    model = train_fusion(cfg, kg if use_graph else None, examples, [],
                         train_config=TrainConfig(epochs=3, batch_size=8), gnn_config=GNN,
                         text_encoder=encoder, cache_dir=tmp_path, label_text=names)
    inputs = [ex.input for ex in examples]
    with torch.no_grad():
        ref = model(model.featurize(inputs)).softmax(-1).numpy()
    np.testing.assert_allclose(NumpyFusionHead(model).probs(inputs), ref, atol=1e-5)
    # saved and loaded: the label embeddings travel in model.safetensors
    model.save_pretrained(tmp_path / "m")
    loaded = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    assert loaded.config.use_label_names
    torch.testing.assert_close(loaded.label_text, model.label_text)
    assert [i.category for i in loaded.predict_batch(inputs)] == \
        [i.category for i in model.predict_batch(inputs)]


def test_label_names_are_required_and_checked(examples):
    cfg = FusionConfig(hidden_dim=8, use_graph=False, use_label_names=True)
    with pytest.raises(FusionConfigError, match="label_text"):
        train_fusion(cfg, None, examples, [], train_config=TrainConfig(epochs=1))
    m = FusionModel(cfg, labels=["A > B", "C > D"])
    with pytest.raises(FusionDataError, match="all-zero"):
        m.set_label_text(np.zeros((2, 384)))
    with pytest.raises(FusionDataError, match="must be"):
        m.set_label_text(np.ones((3, 384)))
    off = FusionModel(FusionConfig(hidden_dim=8, use_graph=False), labels=["A > B"])
    with pytest.raises(FusionConfigError, match="use_label_names=False"):
        off.set_label_text(np.ones((1, 384)))
    assert off.predict(random_input()).category == "A > B"


def test_label_names_predict_a_label_seen_once(kg, featurizer):
    """A label with a single training query: queries that name it (not that query) go to it
    more often with the label names than without (hashing text encoder: shared n-grams)."""
    from fusion.data import LabeledQuery, build_examples

    train = [("samsung tv", "TV & Home Theater > TVs"), ("lg tvs", "TV & Home Theater > TVs"),
             ("television 55 inch", "TV & Home Theater > TVs"),
             ("samsung galaxy", "Cell Phones > Unlocked Phones"),
             ("unlocked phones", "Cell Phones > Unlocked Phones"),
             ("phone", "Cell Phones > Unlocked Phones"),
             ("whirlpool fridge", "Appliances > Refrigerators")]
    test = ["refrigerators", "refrigerators lg", "samsung refrigerators"]
    ex = build_examples([LabeledQuery(q, lab, lab.split(" > ")[0]) for q, lab in train],
                        featurizer)
    names = embed_label_names(sorted({lab for _, lab in train}), featurizer, kg)
    inputs = featurizer.featurize(test)
    hits = {}
    for on in (False, True):
        cfg = FusionConfig(hidden_dim=32, dropout=0.0, use_graph=False, use_label_names=on,
                           text_dim=featurizer.dim)
        m = train_fusion(cfg, None, ex, [], train_config=TRAIN,
                         label_text=names if on else None)
        hits[on] = sum(i.category == "Appliances > Refrigerators" for i in m.predict_batch(inputs))
    assert hits[True] > hits[False]
    assert hits[True] == len(test)


def test_cfg_default_has_no_label_names():
    assert CFG.use_label_names is False
