from __future__ import annotations

import pytest
import torch

from fusion.errors import FusionConfigError
from fusion.gnn import (
    LAYERS,
    GNNConfig,
    HeteroGNN,
    NodeEmbeddings,
    compute_node_embeddings,
    torch_threads,
)
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


def test_pretraining_runs_on_one_torch_thread(kg, encoder, monkeypatch):
    """The GNN pre-trains and embeds on one torch thread whatever the caller set (a sum split
    over threads adds in another order: a quickstart on two threads trained other node
    embeddings, and so another fusion model, than one on a single thread), and the caller's
    thread count comes back."""
    seen = []
    forward = HeteroGNN.forward

    def spy(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(HeteroGNN, "forward", spy)
    with torch_threads(2):
        emb = compute_node_embeddings(kg, text_encoder=encoder, config=GNNConfig(**FAST))
        assert torch.get_num_threads() == 2
    assert len(seen) >= FAST["steps"] + 1 and set(seen) == {1}  # the steps, then the embedding
    with torch_threads(1):
        again = compute_node_embeddings(kg, text_encoder=encoder, config=GNNConfig(**FAST))
    assert torch.equal(emb.matrix, again.matrix)


def test_pretraining_learns_links(kg, encoder):
    cfg = GNNConfig(hidden_dim=32, out_dim=32, steps=40, holdout=0.0, dropout=0.0)
    report = compute_node_embeddings(kg, text_encoder=encoder, config=cfg).meta["pretrain"]
    assert report["loss"] < 0.8 * report["first_loss"]


def test_new_nodes_get_their_neighbours_mean_else_their_kinds_mean():
    """extend_embeddings (what a KG commit gives nodes added since training): the mean of
    the embedded neighbours, also through a new neighbour; a node with none gets the mean row
    of its kind (one mean per kind: computed per node, it copied the kind's rows each time,
    tens of GB for tens of thousands of such nodes)."""
    import networkx as nx

    from fusion.model import extend_embeddings

    emb = NodeEmbeddings(["a", "b", "c"], ["brand", "category", "category"],
                         torch.tensor([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0]]))
    g = nx.MultiDiGraph([("new", "a"), ("new", "b"), ("newer", "new")])
    for n, kind in [("a", "brand"), ("b", "category"), ("c", "category"), ("new", "brand"),
                    ("newer", "brand")]:
        g.add_node(n, kind=kind)
    for i in range(1000):
        g.add_node(f"alone{i}", kind="category")
    g.add_node("odd", kind="planet")
    out = extend_embeddings(emb, g)
    assert out.vector("new").tolist() == [2.0, 1.0]
    assert out.vector("newer").tolist() == [2.0, 1.0]
    assert {tuple(out.vector(f"alone{i}").tolist()) for i in range(1000)} == {(4.0, 3.0)}
    assert out.row("odd") is None and len(out.iris) == 3 + 2 + 1000
