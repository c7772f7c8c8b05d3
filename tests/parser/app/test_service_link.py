"""``GET /kg/link`` links as ``/parse`` does: with the parser's linker (the tagger's WordPiece
vocabulary, the bundle's settings), not the KG's bare one."""

from __future__ import annotations

import pytest

from kg import Node, NodeKind, ProductGraph

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


def test_kg_link_endpoint_links_with_the_parsers_linker(tmp_path):
    """A word of the tagger's vocabulary ("speaker") is no typo of the category Sneaker for a
    parse; the endpoint linked with ``ProductGraph.link``, which reads it as one."""
    from fastapi.testclient import TestClient

    from parser.app.service import create_app
    from parser.pipeline import QueryParser
    from parser.tagger.testing import tiny_tagger

    tiny_tagger().save(tmp_path / "tagger")
    assert "speaker" in (tmp_path / "tagger" / "vocab.txt").read_text(encoding="utf-8").split()
    with ProductGraph.open(tmp_path / "kg") as g, g.transaction() as tx:
        tx.add_node(Node(NodeKind.CATEGORY, "test/sneaker", "Sneaker", source="test",
                         path="Shoes > Sneaker"))
    from parser.tagger import Tagger

    kg = ProductGraph.open(tmp_path / "kg", read_only=True)
    parser = QueryParser(tagger=Tagger.from_pretrained(tmp_path / "tagger", lexicon=kg), kg=kg)
    bare = kg.link("speaker", label="core_product_type").best
    assert bare is not None and bare.label == "Sneaker"  # (the bare linker's typo reading)
    with TestClient(create_app(parser)) as client:
        r = client.get("/kg/link", params={"mention": "speaker", "label": "core_product_type"})
    assert r.status_code == 200, r.text
    assert r.json()["best"] is None
    kg.close()
