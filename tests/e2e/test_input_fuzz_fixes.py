"""Input-fuzzing findings over the wire and the command line (review "kgqp input fuzzing"),
each reproduced on the old code:

1. a price above about 1.8e308 became ``inf``: HTTP 500 for ``/parse`` and for a whole
   ``/parse/batch``, and ``"price_max": Infinity`` (invalid JSON) from ``kgqp parse --json``
   and ``--output``;
6. ``/kg/update`` with an unknown IRI in ``remove_nodes`` / ``add_aliases`` answered 404
   ("No node ... in the KG"), naming no field and not saying that nothing changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import LiveServer, served_copy
from typer.testing import CliRunner

BRAND = "https://kgqp.dev/id/brand/"
#: "tv under 1" and 309 zeros (319 characters): a float of inf
HUGE = "tv under 1" + "0" * 309


def _strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: no NaN / Infinity (what jq, JSON.parse or Jackson read)."""
    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tagger: Any,
           kg_dir: Path) -> Iterator[LiveServer]:
    """A server with expansion (price filters) and 512-character queries, on a private KG."""
    from fusion.expand import QueryExpander
    from parser.app.service import ServiceLimits
    from parser.pipeline import ParserConfig, QueryParser

    with served_copy(kg_dir, tmp_path_factory.mktemp("fuzz-fixes"), lambda graph: QueryParser(
            tagger=tagger, kg=graph, expander=QueryExpander(graph),
            config=ParserConfig(max_query_chars=512)),
            ServiceLimits(max_query_chars=512, max_batch_size=16)) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


# -- 1: an amount that overflows is no price, and every answer is JSON ---------------------------


@pytest.mark.parametrize("query", [HUGE, "tv over 1" + "0" * 309, "tv under 1" + "0" * 306 + "k",
                                   "tv between 1 and 1" + "0" * 309])
def test_parse_of_an_overflowing_price_is_a_200_without_a_bound(client, query):
    r = client.post("/parse", json={"query": query})
    assert r.status_code == 200, r.text[:300]
    d = _strict_json(r.text)
    assert "price_max" not in d["filters"] and "price_min" not in d["filters"], d["filters"]


def test_one_overflowing_price_does_not_lose_the_batch(client):
    r = client.post("/parse/batch", json={"queries": ["tv under 500", HUGE]})
    assert r.status_code == 200, r.text[:300]
    first, second = _strict_json(r.text)["results"]
    assert first["filters"]["price_max"] == 500.0
    assert "price_max" not in second["filters"]


def test_superscripts_make_no_price_over_http(client):
    d = client.post("/parse", json={"query": "tv under 10²"}).json()
    assert "price_max" not in d["filters"]
    assert client.post("/parse", json={"query": "tv under ５００"}).json()["filters"] == {
        "price_max": 500.0} | {k: v for k, v in d["filters"].items() if k != "price_max"}


@pytest.fixture(scope="module")
def long_bundle(tmp_path_factory: pytest.TempPathFactory, tagger_dir: Path,
                kg_dir: Path) -> Path:
    """A bundle that parses 512-character queries (the shared one cuts at 200: no inf)."""
    from parser.bundle import build_bundle

    return build_bundle(tmp_path_factory.mktemp("fuzz-bundle") / "bundle", tagger=tagger_dir,
                        kg=kg_dir, parser_config={"max_query_chars": 512})


def test_cli_json_has_no_infinity(long_bundle, tmp_path):
    from parser.app.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["-q", "parse", "--bundle", str(long_bundle), "--json", HUGE])
    assert result.exit_code == 0, (result.output[-2000:], result.exception)
    assert "price_max" not in _strict_json(result.stdout)["filters"]

    src = tmp_path / "queries.txt"
    src.write_text(f"tv under 500\n{HUGE}\n", encoding="utf-8")
    out = tmp_path / "parsed.jsonl"
    result = runner.invoke(app, ["-q", "parse", "--bundle", str(long_bundle), "--input",
                                 str(src), "--output", str(out)])
    assert result.exit_code == 0, (result.output[-2000:], result.exception)
    rows = [_strict_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["filters"].get("price_max") for r in rows] == [500.0, None]


# -- 6: /kg/update with an unknown node: a 422 naming the field, nothing changed ----------------


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"remove_nodes": ["https://nope/zz"]}, "remove_nodes[0]"),
        ({"remove_nodes": [BRAND + "sony", "https://nope/zz"]}, "remove_nodes[1]"),
        ({"add_aliases": [{"iri": "https://nope/zz", "alias": "zz"}]}, "add_aliases[0].iri"),
        ({"add_aliases": [{"iri": BRAND + "lg", "alias": "elgee"},
                          {"iri": "https://nope/zz", "alias": "zz"}]}, "add_aliases[1].iri"),
    ],
)
def test_kg_update_with_an_unknown_node_is_a_422(client, update, field):
    version = client.get("/kg/versions").json()["version"]
    body = {"add_nodes": [{"kind": "brand", "key": "fuzzatom1", "label": "Fuzzatom One"}],
            **update}
    r = client.post("/kg/update", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("KG update rejected, nothing changed: "), detail
    assert f"{field} 'https://nope/zz' is not a KG node" in detail, detail
    assert client.get("/kg/versions").json()["version"] == version
    assert client.get(f"/kg/nodes/{BRAND}fuzzatom1").status_code == 404  # not added either
    assert client.get(f"/kg/nodes/{BRAND}sony").status_code == 200  # not removed
    assert "elgee" not in client.get(f"/kg/nodes/{BRAND}lg").json()["aliases"]


def test_kg_update_of_known_nodes_still_applies(client):
    version = client.get("/kg/versions").json()["version"]
    r = client.post("/kg/update", json={
        "add_nodes": [{"kind": "brand", "key": "fuzzatom2", "label": "Fuzzatom Two"}],
        "add_aliases": [{"iri": BRAND + "fuzzatom2", "alias": "fz2"},
                        {"iri": BRAND + "dell", "alias": "dell inc"}],
        "remove_nodes": [BRAND + "fuzzatom2"]})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == version + 1
    assert client.get(f"/kg/nodes/{BRAND}fuzzatom2").status_code == 404  # added, then removed
    assert "dell inc" in client.get(f"/kg/nodes/{BRAND}dell").json()["aliases"]
