"""Real training on a real subset: MiniLM query embeddings, the default KG built from data/."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "bestbuy"


@pytest.mark.slow
def test_fusion_on_bestbuy_subset(tmp_path):
    import torch

    from fusion import FusionConfig, FusionModel, TrainConfig, train_fusion
    from fusion.data import build_examples, load_bestbuy_queries
    from fusion.evaluate import evaluate
    from fusion.gnn import GNNConfig
    from fusion.text import TextEncoder
    from kg.build import build_default

    from .conftest import MatchFeaturizer as make_featurizer

    if not (DATA / "queries_train.jsonl").is_file():
        pytest.skip("data/bestbuy/queries_*.jsonl missing")
    torch.set_num_threads(2)
    kg = build_default(tmp_path / "kg", progress=False)
    enc = TextEncoder()
    featurizer = make_featurizer(kg, enc)
    train = build_examples(load_bestbuy_queries(DATA / "queries_train.jsonl")[:800], featurizer)
    dev = build_examples(load_bestbuy_queries(DATA / "queries_dev.jsonl"), featurizer)
    model = train_fusion(
        FusionConfig(),
        kg,
        train,
        dev,
        train_config=TrainConfig(epochs=20),
        text_encoder=enc,
        gnn_config=GNNConfig(steps=40),
        cache_dir=tmp_path / "cache",
    )
    metrics = evaluate(model, dev)
    assert metrics["lvl1_accuracy"] >= 0.45, metrics
    assert metrics["lvl0_accuracy"] >= 0.65, metrics
    model.save_pretrained(tmp_path / "m")
    loaded = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    assert evaluate(loaded, dev) == metrics
