"""Training fusion on a KG holding an edge to an IRI that is no node of it (a misspelt brand
IRI, committed with a warning): the edge is left out of the GNN's graph with one warning that
says how to fix the KG, and training, saving, loading and the CLI work."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from fusion import FusionModel, train_fusion
from fusion.gnn import compute_node_embeddings
from fusion.hetero import graph_fingerprint, kg_to_hetero
from kg import Edge, ProductGraph, Relation

from .conftest import CFG, GNN, QUERIES, TRAIN, _records
from .test_cli import _jsonl

ID = "https://kgqp.dev/id/"
TYPO = ID + "brand/samsnug"
SKU0 = ID + "product/sku0"  # "Samsung 55 inch QLED TV"
TVS = ID + "category/bb/tvs"


def _add_dangling(kg: ProductGraph) -> None:
    with kg.transaction() as tx:
        tx.add_edge(Edge(SKU0, Relation.HAS_BRAND, TYPO))
        tx.add_edge(Edge(TYPO, Relation.SELLS_IN, TVS))


def _hetero_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "fusion.hetero" and r.levelno == logging.WARNING]


def test_edges_to_no_node_are_left_out_with_one_warning(kg, encoder, caplog):
    before = kg_to_hetero(kg, text_encoder=encoder)
    _add_dangling(kg)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fusion.hetero"):
        h = kg_to_hetero(kg, text_encoder=encoder)
    assert TYPO not in h
    assert h.iris == before.iris  # the real nodes, in the same rows
    for et in before.edge_types:  # the real edges, and no other
        assert h.data[et].edge_index.tolist() == before.data[et].edge_index.tolist()
    assert set(h.edge_types) == set(before.edge_types)
    assert h.data.validate()
    # the fingerprint is the KG's as opened: the embeddings caches keyed by it stay valid
    assert h.fingerprint == graph_fingerprint(kg.to_networkx()) != before.fingerprint
    (msg,) = _hetero_warnings(caplog)
    assert "2 edge(s)" in msg and TYPO in msg
    assert "Add the nodes, or remove the edges" in msg


def test_train_save_load_on_a_kg_with_a_dangling_edge(encoder, examples, tmp_path, caplog):
    kg = ProductGraph.open(tmp_path / "kg")
    kg.add_records(_records(), progress=False)
    _add_dangling(kg)
    model = train_fusion(CFG, kg, examples, examples, train_config=TRAIN, gnn_config=GNN,
                         text_encoder=encoder, cache_dir=tmp_path / "cache")
    model.save_pretrained(tmp_path / "model")
    kg.close()
    with ProductGraph.open(tmp_path / "kg", read_only=True) as ro:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            # the embeddings cache is valid for this KG: reused, not recomputed
            cached = compute_node_embeddings(ro, text_encoder=encoder, config=GNN,
                                             cache_dir=tmp_path / "cache")
            loaded = FusionModel.from_pretrained(tmp_path / "model", kg=ro)
        assert cached.row(TYPO) is None and cached.row(SKU0) is not None
        # loaded on the KG it was trained on: no re-embedding of "another KG"
        assert not [r for r in caplog.records if "KG changed" in r.getMessage()]
        intent = loaded.predict(examples[0].input)
    assert intent is not None and intent.category == "TV & Home Theater > TVs"


def test_cli_train_on_a_kg_with_a_dangling_edge(tmp_path):
    from parser.app.cli import app
    from parser.tagger.testing import tiny_tagger

    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
        _add_dangling(g)
    _jsonl(tmp_path / "train.jsonl", QUERIES)
    tagger_dir = tiny_tagger().save(tmp_path / "tagger")
    res = CliRunner().invoke(app, [
        "fusion", "train", "--kg", str(kg_dir), "--train", str(tmp_path / "train.jsonl"),
        "--out", str(tmp_path / "model"), "--tagger", str(tagger_dir), "--epochs", "2",
        "--members", "1", "--gnn-steps", "3", "--text-encoder", "hashing", "--threads", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "model" / "graph" / "gnn.safetensors").is_file()
