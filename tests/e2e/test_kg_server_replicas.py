"""Two service replicas on one live Oxigraph KG server: an update through one reaches the other's
next parses without a restart; a server outage leaves parses answered from the last good views
and /ready degraded; the server coming back clears it."""

from __future__ import annotations

import time

import httpx
import pytest
from support import start_server

BRAND = "https://kgqp.dev/id/brand/"


def _zorbo(client: httpx.Client) -> list:
    out = client.post("/parse", json={"query": "zorbo tv"}).json()
    return [e["kg_id"] for e in out["entities"] if e["text"] == "zorbo"]


def _eventually(check, what: str, within: float = 60.0) -> None:
    """Poll ``check`` until it holds (a correctness bound, not a timing assertion)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {within:.0f} s")
        time.sleep(0.05)


def test_two_replicas_share_one_kg_server(tagger, kg_dir, oxigraph_server, tmp_path):
    from kg import ProductGraph
    from parser.app.service import ServiceLimits
    from parser.pipeline import ParserConfig, QueryParser

    with ProductGraph.open(kg_dir, read_only=True) as g:
        g.export(tmp_path / "kg.nt", format="ntriples")
    with ProductGraph.open(oxigraph_server.url) as g:
        g.import_rdf(tmp_path / "kg.nt")
    graphs, servers = [], []
    try:
        for _ in range(2):
            graph = ProductGraph.open(oxigraph_server.url)
            graphs.append(graph)
            parser = QueryParser(tagger=tagger, kg=graph, config=ParserConfig(max_query_chars=200))
            servers.append(start_server(parser, ServiceLimits()))
        with httpx.Client(base_url=servers[0].url, timeout=60) as a, \
                httpx.Client(base_url=servers[1].url, timeout=60) as b:
            assert _zorbo(b) == [None]
            r = a.post("/kg/update", json={
                "add_nodes": [{"kind": "brand", "key": "zorbo", "label": "Zorbo",
                               "popularity": 2.0}],
                "add_edges": [{"source": BRAND + "zorbo", "relation": "sells_in",
                               "target": "https://kgqp.dev/id/category/test/tvs"}]})
            assert r.status_code == 200, r.text
            assert _zorbo(a) == [BRAND + "zorbo"]
            _eventually(lambda: _zorbo(b) == [BRAND + "zorbo"], "replica B seeing the update")
            assert b.get("/ready").json()["status"] == "ready"

            oxigraph_server.kill()
            # no parse on B first: /ready alone sees the outage (a load balancer probing an
            # idle replica; it said "ready" until a parse came)
            _eventually(lambda: b.get("/ready").json()["status"] == "degraded", "degraded")
            ready = b.get("/ready").json()
            assert any(p.startswith("kg: ") for p in ready["problems"]), ready
            assert _zorbo(b) == [BRAND + "zorbo"]  # the last good views answer
            r = a.post("/kg/update", json={"add_aliases": [{"iri": BRAND + "zorbo",
                                                            "alias": "zrb"}]})
            assert r.status_code == 503 and "KG server" in r.json()["detail"]

            oxigraph_server.start()
            _eventually(lambda: b.get("/ready").json()["status"] == "ready", "recovery")
            assert _zorbo(b) == [BRAND + "zorbo"]
    finally:
        for srv in servers:
            srv.stop()
        for graph in graphs:
            graph.close()


def test_a_bundle_can_name_a_kg_server(tagger_dir, kg_dir, oxigraph_server, tmp_path):
    """``--kg-mode location`` records the server URL; every loader of the bundle (a replica,
    a Ray actor of ``kgqp parse --engine ray``) then reads that server."""
    from kg import ProductGraph
    from parser.bundle import build_bundle
    from parser.errors import ConfigError
    from parser.pipeline import QueryParser

    with ProductGraph.open(kg_dir, read_only=True) as g:
        g.export(tmp_path / "kg.nt", format="ntriples")
        expected = g.canonical_hash()
    with ProductGraph.open(oxigraph_server.url) as g:
        g.import_rdf(tmp_path / "kg.nt")
    with pytest.raises(ConfigError, match="kg_mode='location'"):
        build_bundle(tmp_path / "snap", tagger=tagger_dir, kg=oxigraph_server.url)
    out = build_bundle(tmp_path / "bundle", tagger=tagger_dir, kg=oxigraph_server.url,
                       kg_mode="location")
    qp = QueryParser.from_pretrained(out)
    try:
        assert qp.kg.location is not None and qp.kg.where.startswith("sparql+http://")
        assert qp.kg.canonical_hash() == expected
        assert [e.text for e in qp("samsung tv").entities]
    finally:
        qp.kg.close()
