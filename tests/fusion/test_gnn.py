from __future__ import annotations

import pytest
import torch

from fusion.errors import FusionConfigError
from fusion.gnn import LAYERS, GNNConfig, NodeEmbeddings, compute_node_embeddings
from kg import Node, NodeKind

FAST = dict(hidden_dim=16, out_dim=16, steps=5)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_layer_pretrains(kg, encoder, layer):
    emb = compute_node_embeddings(kg, text_encoder=encoder, config=GNNConfig(layer=layer, **FAST))
    assert emb.matrix.shape == (len(kg.to_networkx()), 16)
    assert torch.isfinite(emb.matrix).all()
    assert emb.meta["pretrain"]["steps"] == 5


def test_unknown_layer_lists_choices():
    with pytest.raises(FusionConfigError, match="among choices"):
        GNNConfig(layer="transformer")


def test_embeddings_reused_until_kg_changes(kg, encoder, tmp_path):
    cfg = GNNConfig(**FAST)
    first = compute_node_embeddings(kg, text_encoder=encoder, config=cfg, cache_dir=tmp_path)
    assert first.meta["kg_version"] == kg.version
    stamp = (tmp_path / "node_embeddings.safetensors").stat().st_mtime_ns
    again = compute_node_embeddings(kg, text_encoder=encoder, config=cfg, cache_dir=tmp_path)
    assert torch.equal(first.matrix, again.matrix)
    assert (tmp_path / "node_embeddings.safetensors").stat().st_mtime_ns == stamp
    with kg.transaction() as tx:
        tx.add_node(Node(kind=NodeKind.BRAND, key="sony", label="Sony"))
    changed = compute_node_embeddings(kg, text_encoder=encoder, config=cfg, cache_dir=tmp_path)
    assert changed.meta["kg_version"] == kg.version != first.meta["kg_version"]
    assert changed.row("https://kgqp.dev/id/brand/sony") is not None
    loaded = NodeEmbeddings.load(tmp_path)
    assert loaded.meta["kg_fingerprint"] == changed.meta["kg_fingerprint"]


def test_pretraining_learns_links(kg, encoder):
    cfg = GNNConfig(hidden_dim=32, out_dim=32, steps=40, holdout=0.0, dropout=0.0)
    report = compute_node_embeddings(kg, text_encoder=encoder, config=cfg).meta["pretrain"]
    assert report["loss"] < 0.8 * report["first_loss"]
