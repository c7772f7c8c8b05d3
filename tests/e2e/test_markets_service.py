"""``kgqp serve`` picks a market's tagger per request (``"market"`` in the body): a real server
on a bundle whose second market is a LoRA adapter on the tiny backbone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import LiveServer, start_server


@pytest.fixture(scope="module")
def market_server(tmp_path_factory: pytest.TempPathFactory, tagger_dir: Path,
                  kg_dir: Path) -> Iterator[LiveServer]:
    from parser.bundle import build_bundle
    from parser.pipeline import QueryParser
    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.data import write_conll
    from parser.tagger.testing import tiny_backbone, tiny_sentences
    from parser.tagger.training import TrainConfig, train

    tmp = tmp_path_factory.mktemp("markets")
    write_conll(tmp / "train.conll", tiny_sentences())
    train(TrainConfig(train_path=tmp / "train.conll", dev_path=tmp / "train.conll",
                      out_dir=tmp / "adapter", backbone=tiny_backbone(tmp / "base"), epochs=2,
                      head_lr=2e-2, progress=False, max_length=32, num_threads=1,
                      adapter=AdapterConfig(market="xx", r=2, alpha=4)))
    kg = Path(shutil.copytree(kg_dir, tmp / "kg"))
    bundle = build_bundle(tmp / "bundle", tagger=tagger_dir, kg=kg,
                          markets={"xx": tmp / "adapter"})
    parser = QueryParser.from_pretrained(bundle)
    srv = start_server(parser)
    yield srv
    srv.stop()
    parser.kg.close()


def test_a_request_picks_its_market(market_server: LiveServer) -> None:
    qp = market_server.parser
    with httpx.Client(base_url=market_server.url, timeout=30) as c:
        for text in ("samsung 55 inch tv", "red running shoes"):
            r = c.post("/parse", json={"query": text, "market": "xx"})
            assert r.status_code == 200, r.text
            assert r.json()["entities"] == qp(text, market="xx").to_dict()["entities"]
            r = c.post("/parse", json={"query": text})
            assert r.json()["entities"] == qp(text).to_dict()["entities"]
        r = c.post("/parse/batch", json={"queries": ["sony tv", "lg tv"], "market": "xx"})
        assert r.status_code == 200, r.text
        assert [q["entities"] for q in r.json()["results"]] == \
            [qp(t, market="xx").to_dict()["entities"] for t in ("sony tv", "lg tv")]
        r = c.post("/parse", json={"query": "tv", "market": "fr"})
        assert r.status_code == 422 and "market 'fr' unknown" in r.json()["detail"]
        assert c.post("/parse", json={"query": "tv", "market": 3}).status_code == 422
