from __future__ import annotations

import networkx as nx
import pytest

from fusion.errors import FusionDataError
from fusion.hetero import kg_to_hetero
from fusion.text import HashingTextEncoder


class CountingEncoder(HashingTextEncoder):
    def __init__(self) -> None:
        super().__init__(dim=384)
        self.calls: list[int] = []

    def encode(self, texts, *, progress=False):
        self.calls.append(len(texts))
        return super().encode(texts, progress=progress)


def test_node_and_edge_types_with_reverse(kg, encoder):
    h = kg_to_hetero(kg, text_encoder=encoder)
    assert set(h.node_types) == {"category", "brand", "product", "product_type", "attribute_value"}
    for et in h.forward_edge_types:
        rev = (et[2], "rev_" + et[1], et[0])
        assert rev in h.edge_types
        fwd = {tuple(p) for p in h.data[et].edge_index.t().tolist()}
        back = {(b, a) for a, b in h.data[rev].edge_index.t().tolist()}
        assert fwd == back
    assert ("brand", "sells_in", "category") in h.edge_types
    assert h.data.validate()
    assert h.kg_version == kg.version


def test_iri_index_round_trip(kg, encoder):
    h = kg_to_hetero(kg, text_encoder=encoder)
    for t, iris in h.iris.items():
        assert h.data[t].x.shape == (len(iris), 384)
        for i, iri in enumerate(iris):
            assert h.index(iri) == (t, i)
    samsung = "https://kgqp.dev/id/brand/samsung"
    t, i = h.index(samsung)
    # the reverse edge of each sells_in edge exists
    e = h.data[("brand", "sells_in", "category")].edge_index
    assert (e[0] == i).sum() == 4


def test_text_cache_encodes_only_new_texts(kg, tmp_path):
    from kg import Node, NodeKind

    enc = CountingEncoder()
    kg_to_hetero(kg, text_encoder=enc, cache_dir=tmp_path)
    first = enc.calls[-1]
    kg_to_hetero(kg, text_encoder=enc, cache_dir=tmp_path)
    assert len(enc.calls) == 1  # second conversion: all cached
    with kg.transaction() as tx:
        tx.add_node(Node(kind=NodeKind.BRAND, key="sony", label="Sony"))
    h = kg_to_hetero(kg, text_encoder=enc, cache_dir=tmp_path)
    assert enc.calls[-1] == 1 and first > 1
    assert "https://kgqp.dev/id/brand/sony" in h


def test_bad_graph_is_rejected(encoder):
    g = nx.MultiDiGraph()
    g.add_node("x", kind="planet", label="Mars")
    with pytest.raises(FusionDataError, match="kind 'planet'"):
        kg_to_hetero(g, text_encoder=encoder)
    g = nx.MultiDiGraph()
    g.add_node("a", kind="brand", label="A")
    g.add_node("b", kind="brand", label="B")
    g.add_edge("a", "b", relation="likes")
    with pytest.raises(FusionDataError, match="relation 'likes'"):
        kg_to_hetero(g, text_encoder=encoder)
