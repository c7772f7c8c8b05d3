"""The HTTP service end to end: a real uvicorn server, a real on-disk KG, a tiny trained tagger,
httpx on the wire. Every bad input gets a 4xx with a JSON ``detail``, never a 500."""

from __future__ import annotations

import concurrent.futures
import json
import socket

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import served_copy

from parser.types import parsed_query_schema

BRAND = "https://kgqp.dev/id/brand/"
SCHEMA = parsed_query_schema()


@pytest.fixture(scope="module")
def client(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def _check_parsed(d: dict) -> None:
    jsonschema.validate(d, SCHEMA)
    for e in d["entities"]:
        assert d["text"][e["start"]:e["end"]] == e["text"]


def test_parse_returns_a_schema_valid_linked_query(client):
    r = client.post("/parse", json={"query": "samsung 55 inch tv"})
    assert r.status_code == 200, r.text
    d = r.json()
    _check_parsed(d)
    assert d["text"] == "samsung 55 inch tv" and d["truncated"] is False
    linked = {e["text"]: e["kg_id"] for e in d["entities"]}
    assert linked.get("samsung") == BRAND + "samsung"


def test_parse_batch_keeps_order_and_validates(client):
    queries = ["sony headphones", "", "dell laptop under 500", "ｉｐｈｏｎｅ ﬁ case"]
    r = client.post("/parse/batch", json={"queries": queries})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["text"] for x in results] == queries
    for d in results:
        _check_parsed(d)


def test_body_too_large_is_413(client):
    big = json.dumps({"query": "a" * 20_000})
    r = client.post("/parse", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]


def test_chunked_body_without_content_length(client):
    def chunks(n: int):
        yield b'{"query": "'
        for _ in range(n):
            yield b"a" * 1024
        yield b'"}'

    r = client.post("/parse", content=chunks(40), headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413
    small = client.post("/parse", content=(c for c in [b'{"query": ', b'"lg tv"}']),
                        headers={"content-type": "application/json"})
    assert small.status_code == 200, small.text
    assert small.json()["text"] == "lg tv"


@pytest.mark.parametrize("body", [
    b"{not json",
    b'{"query": "tv"',
    b"",
    b"[]",
    b"null",
    b'"samsung"',
    b'{"query": 5}',
    b'{"query": null}',
    b'{"query": ["tv"]}',
    b'{"q": "tv"}',
    b'{"query": "tv", "debug": true}',
    b'{"query": "\\ud800"}',
    b'{"query": "tv \\udfff x"}',
    b'{"query": "\xff\xfe tv"}',
    b"[" * 7_000 + b"]" * 7_000,
    b'{"query": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    json.dumps({"query": "a" * 201}).encode(),
], ids=lambda b: repr(b[:24]))
def test_bad_parse_bodies_are_422(client, body):
    r = client.post("/parse", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert "detail" in r.json()


@pytest.mark.parametrize("payload", [
    {"queries": ["tv"] * 17},
    {"queries": ["tv", "a" * 201]},
    {"queries": ["tv", "\ud800"]},
    {"queries": "tv"},
    {"queries": [1, 2]},
    {"queries": ["tv"], "extra": 1},
])
def test_bad_batches_are_422(client, payload):
    body = json.dumps(payload).encode()  # json.dumps escapes the lone surrogate as \ud800
    r = client.post("/parse/batch", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, (r.status_code, r.text[:300])


def test_kg_node_endpoint(client):
    r = client.get(f"/kg/nodes/{BRAND}samsung")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["iri"] == BRAND + "samsung" and d["label"] == "Samsung" and d["kind"] == "brand"
    for iri in (BRAND + "nope", "not an iri", "<> } ; CLEAR ALL ; <", "%00", "\u202e"):
        r = client.get(f"/kg/nodes/{iri}")
        assert r.status_code == 404, (iri, r.status_code, r.text)


def test_kg_link_endpoint(client):
    r = client.get("/kg/link", params={"mention": "samsung", "label": "creator"})
    assert r.status_code == 200, r.text
    assert r.json()["best"]["iri"] == BRAND + "samsung"
    r = client.get("/kg/link", params={"mention": "televsion", "limit": 2})
    assert r.status_code == 200 and len(r.json()["candidates"]) <= 2
    for params in ({"mention": "tv", "label": "no-such-label"}, {"mention": "tv", "limit": "x"},
                   {}, {"mention": "tv", "limit": "-1"}, {"mention": "tv", "limit": "101"}):
        r = client.get("/kg/link", params=params)
        assert r.status_code == 422, (params, r.status_code)
    hint = client.get("/kg/link", params={"mention": "tv", "label": "zzz"}).json()["detail"]
    assert "Leave out the label parameter" in hint and "label=None" not in hint
    assert client.get("/kg/link?mention=%ED%A0%80").status_code < 500  # UTF-8 of a surrogate
    assert client.get("/kg/link", params={"mention": "\u202e" * 1000}).status_code == 200


def test_kg_update_is_seen_by_the_next_parse(client):
    before = client.post("/parse", json={"query": "zorbo tv"}).json()
    zorbo = [e for e in before["entities"] if e["text"] == "zorbo"]
    assert zorbo and zorbo[0]["label"] == "creator" and zorbo[0]["kg_id"] is None
    version = client.get("/ready").json()["kg_version"]
    r = client.post("/kg/update", json={
        "add_nodes": [{"kind": "brand", "key": "zorbo", "label": "Zorbo", "popularity": 2.0}],
        "add_edges": [{"source": BRAND + "zorbo", "relation": "sells_in",
                       "target": "https://kgqp.dev/id/category/test/tvs"}],
        "message": "add Zorbo"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == version + 1
    after = client.post("/parse", json={"query": "zorbo tv"}).json()
    assert [e["kg_id"] for e in after["entities"] if e["text"] == "zorbo"] == [BRAND + "zorbo"]
    assert client.get(f"/kg/nodes/{BRAND}zorbo").json()["label"] == "Zorbo"
    assert client.get("/ready").json()["kg_version"] == version + 1


def test_kg_update_gives_a_category_its_path(client):
    """A category added over HTTP takes a path, what category filters and suggestions name
    (the endpoint had no field for it: such a category gave no filter)."""
    cat = "https://kgqp.dev/id/category/test/zorbo-stands"
    r = client.post("/kg/update", json={
        "add_nodes": [{"kind": "category", "key": "test/zorbo-stands", "label": "Zorbo Stands",
                       "path": "Electronics > Zorbo Stands", "source": "test",
                       "external_id": "zs-1"}],
        "message": "add Zorbo Stands"})
    assert r.status_code == 200, r.text
    node = client.get(f"/kg/nodes/{cat}").json()
    assert node["path"] == "Electronics > Zorbo Stands"
    assert node["source"] == "test" and node["external_id"] == "zs-1"


@pytest.mark.parametrize("payload", [
    {"add_nodes": [{"kind": "planet", "key": "x", "label": "X"}]},
    {"add_nodes": [{"kind": "brand", "key": "", "label": "X"}]},
    {"add_nodes": [{"kind": "brand", "key": "x", "label": " "}]},
    {"add_nodes": [{"kind": "attribute_value", "key": "x", "label": "X"}]},
    {"add_edges": [{"source": BRAND + "sony", "relation": "loves", "target": BRAND + "lg"}]},
    {"add_edges": [{"source": "not an iri", "relation": "parent", "target": BRAND + "lg"}]},
    {"add_aliases": [{"iri": BRAND + "nope", "alias": "x"}]},
    {"add_aliases": [{"iri": BRAND + "sony", "alias": "  "}]},
    {"add_aliases": [{"iri": "> } ; CLEAR ALL ; <", "alias": "x"}]},
    {"remove_nodes": [BRAND + "nope"]},
    {"add_nodes": [{"kind": "brand", "key": "x", "label": "\ud800"}]},
    {"add_nodes": "brand"},
    {"drop_all": True},
])
def test_bad_kg_updates_are_4xx_and_change_nothing(client, payload):
    version = client.get("/ready").json()["kg_version"]
    r = client.post("/kg/update", content=json.dumps(payload).encode(),
                    headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert "detail" in r.json()
    assert client.get("/ready").json()["kg_version"] == version
    assert client.get(f"/kg/nodes/{BRAND}sony").status_code == 200


def test_health_ready_metrics_docs(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    client.post("/parse", json={"query": "lg tv"})
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'kgqp_requests_total{path="/parse",status="200"}' in metrics.text
    assert "kgqp_request_seconds_bucket" in metrics.text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = client.get("/openapi.json").json()
    assert {"/parse", "/parse/batch", "/kg/update", "/kg/link"} <= set(spec["paths"])


def test_unknown_paths_and_methods_are_4xx(client):
    assert client.get("/nope").status_code == 404
    assert client.get("/parse").status_code == 405
    assert client.delete("/kg/update").status_code == 405
    r = client.post("/parse", content=b"query=tv",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422
    host, port = client.base_url.host, client.base_url.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"POST /parse HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\nx")
        status = sock.recv(100).split(b" ")[1]
    assert status.startswith(b"4"), status


def test_overload_is_rejected_fast_with_503(slow_live):
    """12 concurrent requests against 2 admitted at a time (each >= 50 ms): the excess gets 503
    with Retry-After at once; the admitted ones succeed; then the server is back to normal."""

    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=slow_live.url, timeout=30) as c:
            return c.post("/parse", json={"query": f"sony tv {i}"})

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(one, range(12)))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 503}, codes
    assert codes.count(503) >= 1 and codes.count(200) >= 2, codes
    for r in responses:
        if r.status_code == 503:
            assert r.headers["retry-after"] == "1"
            assert r.elapsed.total_seconds() < 1.0
    with httpx.Client(base_url=slow_live.url, timeout=30) as c:
        assert c.post("/parse", json={"query": "sony tv"}).status_code == 200
        assert "kgqp_rejected_total" in c.get("/metrics").text


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=st.one_of(_json, st.fixed_dictionaries({"query": _json}),
                         st.fixed_dictionaries({"queries": st.lists(_json, max_size=4)})),
       path=st.sampled_from(["/parse", "/parse/batch", "/kg/update"]))
def test_fuzzed_json_bodies_never_500(client, payload, path):
    r = client.post(path, content=json.dumps(payload).encode(),
                    headers={"content-type": "application/json"})
    assert r.status_code < 500, (r.status_code, r.text[:300])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=300))
def test_fuzzed_bytes_never_500(client, body):
    r = client.post("/parse", content=body, headers={"content-type": "application/json"})
    assert r.status_code < 500, (r.status_code, r.text[:300])


@pytest.mark.parametrize(("payload", "field"), [
    ({"add_nodes": [{"kind": "brand", "key": "x\ud800", "label": "X"}]}, "key"),
    ({"add_nodes": [{"kind": "brand", "key": "x", "label": "X", "aliases": ["a", "\ud800"]}]},
     "aliases[1]"),
    ({"add_aliases": [{"iri": BRAND + "sony", "alias": "\udfff"}]}, "alias"),
    ({"remove_nodes": ["\ud800"]}, "remove_nodes[0]"),
    ({"message": "m\ud800"}, "message"),
])
def test_kg_update_names_the_field_with_invalid_text(client, payload, field):
    version = client.get("/ready").json()["kg_version"]
    r = client.post("/kg/update", content=json.dumps(payload).encode(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert f"{field} contains a lone surrogate" in r.text
    assert client.get("/ready").json()["kg_version"] == version


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          None])
def test_a_json_body_without_the_json_content_type_says_so(client, content_type):
    headers = {} if content_type is None else {"content-type": content_type}
    r = client.post("/parse", content=b'{"query": "tv"}', headers=headers)
    assert r.status_code == 422
    assert "Content-Type: application/json" in r.json()["detail"]



# -- review "security & reliability" (svc) --------------------------------------------------


@pytest.mark.parametrize("message", ["msg\nINJECTED LINE", "a\rb", "clear \x1b[2J", "x\u202ey"])
def test_a_version_message_with_a_control_character_is_refused(client, message):
    """Labels got a 422 for control/format characters, a version message did not (log lines
    forged with a newline, `kgqp kg versions` clearing the screen with ESC[2J)."""
    version = client.get("/ready").json()["kg_version"]
    r = client.post("/kg/update", json={"add_nodes": [], "message": message})
    assert r.status_code == 422, r.text
    assert "message contains the control or format character U+" in r.json()["detail"]
    r = client.post("/kg/rollback", json={"version": 0, "message": message})
    assert r.status_code == 422, r.text
    assert client.get("/ready").json()["kg_version"] == version


def test_a_node_is_found_by_its_iri_as_parse_returns_it(client):
    """/parse returns IRIs percent-escaped (.../nescaf%C3%A9); the path parameter is decoded
    once, so GET /kg/nodes/<that IRI> answered 404 for every key escaped so."""
    r = client.post("/kg/update", json={
        # (a product: a new brand's key must be the slug of its name, which escapes no "'")
        "add_nodes": [{"kind": "product", "key": "l'oréal zorbo", "label": "L'Oréal Zorbo"}],
        "message": "add L'Oréal Zorbo"})
    assert r.status_code == 200, r.text
    iri = r.json()["nodes"][0]
    assert "%" in iri  # (escaped, as /parse returns it)
    for sent in (iri, iri.replace("%", "%25")):  # (as returned; and escaped once more)
        got = client.get(f"/kg/nodes/{sent}")
        assert got.status_code == 200 and got.json()["label"] == "L'Oréal Zorbo", sent
    assert client.get(f"/kg/nodes/{BRAND}no-such-brand").status_code == 404


# -- curating a live KG: brand keys, commit warnings, removals, no server paths ----------------
CAT = "https://kgqp.dev/id/category/test/"


@pytest.fixture(scope="module")
def curator(tmp_path_factory, tagger, kg_dir):
    """A server of its own (these tests remove data and prune the version history)."""
    from parser.pipeline import QueryParser

    with served_copy(kg_dir, tmp_path_factory.mktemp("e2e-curator"),
                     lambda graph: QueryParser(tagger=tagger, kg=graph)) as srv, \
            httpx.Client(base_url=srv.url, timeout=30) as c:
        c.post("/parse", json={"query": "sony tv"})  # (the first link warms the linker up)
        yield srv, c


def _version(c) -> int:
    return c.get("/ready").json()["kg_version"]


def test_a_new_brand_keyed_otherwise_than_by_its_slug_is_a_422_naming_the_key(curator):
    """{"kind": "brand", "key": "Quokka Audio"} made brand/Quokka%20Audio, which a later load of
    "Quokka Audio" (keyed brand_key(name): brand/quokka-audio) never merged with."""
    _, c = curator
    version = _version(c)
    r = c.post("/kg/update", json={"add_nodes": [
        {"kind": "brand", "key": "Quokka Audio", "label": "Quokka Audio"}]})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("KG update rejected, nothing changed: add_nodes[0].key "
                             "'Quokka Audio' is not a brand key"), detail
    assert "use 'quokka-audio'" in detail, detail
    assert _version(c) == version
    assert c.get(f"/kg/nodes/{BRAND}Quokka%20Audio").status_code == 404
    r = c.post("/kg/update", json={"add_nodes": [  # the same brand under another name's key
        {"kind": "brand", "key": "SONY", "label": "Sony", "aliases": ["sony corp"]}]})
    assert r.status_code == 422 and "use 'sony', a brand the KG has" in r.text, r.text
    r = c.post("/kg/update", json={"add_nodes": [
        {"kind": "brand", "key": "quokka-audio", "label": "Quokka Audio"},
        {"kind": "brand", "key": "quokka", "label": "Quokka Audio Ltd"}]})  # (a slug: fine)
    assert r.status_code == 200, r.text
    assert r.json()["nodes"] == [BRAND + "quokka-audio", BRAND + "quokka"]


def test_kg_update_answers_the_warnings_of_its_commit(curator):
    """Alias "Sony" added to brand zorblax: the answer was {"version": 50, "nodes": []}, the
    duplicate-name warning only in the server log."""
    srv, c = curator
    r = c.post("/kg/update", json={"add_nodes": [
        {"kind": "brand", "key": "zorblax", "label": "Zorblax"}]})
    assert r.status_code == 200 and r.json()["warnings"] == [], r.text
    r = c.post("/kg/update", json={"add_aliases": [{"iri": BRAND + "zorblax", "alias": "Sony"}]})
    assert r.status_code == 200, r.text
    assert r.json()["nodes"] == []
    assert r.json()["warnings"] == [
        f"names another node of the same kind has: 1 (e.g. 'Sony': {BRAND}zorblax and "
        f"{BRAND}sony)"]
    assert r.json()["warnings"] == srv.parser.kg.last_commit_warnings.lines()  # (as Python)
    spec = c.get("/openapi.json").json()
    answer = spec["paths"]["/kg/update"]["post"]["responses"]["200"]["content"][
        "application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][answer]["properties"]) == {
        "version", "nodes", "warnings"}


def test_remove_aliases_and_edges_correct_a_live_kg_and_the_next_parse_sees_it(curator):
    """/kg/update had no remove_aliases or remove_edges (422 extra_forbidden) while kg load and
    Python transactions are locked out by the running server: no way to correct data."""
    _, c = curator

    def link(query: str, mention: str) -> tuple[str | None, float | None]:
        d = c.post("/parse", json={"query": query}).json()
        e = next(e for e in d["entities"] if e["text"] == mention)
        return e["kg_id"], e["link_score"]

    r = c.post("/kg/update", json={"add_nodes": [
        {"kind": "brand", "key": "zorbonic", "label": "Zorbonic", "aliases": ["zorbo"]}]})
    assert r.status_code == 200, r.text
    assert link("zorbo tv", "zorbo")[0] == BRAND + "zorbonic"
    sold, plain = link("sony headphones", "sony"), link("sony tv", "sony")
    assert sold[0] == plain[0] == BRAND + "sony" and sold[1] > plain[1]  # (sells_in headphones)
    version = _version(c)
    r = c.post("/kg/update", json={
        "remove_aliases": [{"iri": BRAND + "zorbonic", "alias": "zorbo"}],
        "remove_edges": [{"source": BRAND + "sony", "relation": "sells_in",
                          "target": CAT + "headphones"}],
        "message": "zorbo is no Zorbonic; Sony sells no headphones"})
    assert r.status_code == 200, r.text
    assert r.json() == {"version": version + 1, "nodes": [], "warnings": []}
    assert link("zorbo tv", "zorbo")[0] is None
    assert link("sony headphones", "sony") == plain
    assert c.get(f"/kg/nodes/{BRAND}zorbonic").json()["aliases"] == []


@pytest.mark.parametrize(("update", "says"), [
    ({"remove_aliases": [{"iri": BRAND + "dell", "alias": "Dell Computers"}]},
     "remove_aliases[0].alias 'Dell Computers' is no alias of " + BRAND + "dell"),
    ({"remove_aliases": [{"iri": BRAND + "nope", "alias": "x"}]},
     f"remove_aliases[0].iri '{BRAND}nope' is not a KG node"),
    ({"remove_edges": [{"source": BRAND + "dell", "relation": "sells_in",
                        "target": CAT + "tvs"}]},
     f"remove_edges[0] ({BRAND}dell sells_in {CAT}tvs) is not an edge of the KG"),
    ({"remove_edges": [{"source": BRAND + "dell", "relation": "loves", "target": CAT + "tvs"}]},
     "'loves' is not a valid Relation"),
], ids=["alias-it-lacks", "alias-of-no-node", "edge-it-lacks", "unknown-relation"])
def test_a_removal_of_what_the_kg_does_not_have_is_a_422_and_changes_nothing(curator, update,
                                                                              says):
    _, c = curator
    version = _version(c)
    r = c.post("/kg/update", json={
        "remove_aliases": [{"iri": BRAND + "dell", "alias": "dell computers"}], **update})
    assert r.status_code == 422 and says in r.json()["detail"], r.text
    assert _version(c) == version
    assert c.get(f"/kg/nodes/{BRAND}dell").json()["aliases"] == ["dell computers"]


def test_a_rollback_past_the_pruned_history_names_no_server_path(curator):
    """The 409 said "...the version history of /tmp/.../kg was pruned...": a server path."""
    srv, c = curator
    for i in range(2):
        r = c.post("/kg/update", json={"add_nodes": [
            {"kind": "brand", "key": f"prunco{i}", "label": f"Prunco{i}"}]})
        assert r.status_code == 200, r.text
    kg = srv.parser.kg
    kg.prune_versions(keep=1)
    r = c.post("/kg/rollback", json={"version": 0})
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert "the version history of the KG was pruned" in detail, detail
    assert f"the oldest version it can return to is {kg.rollback_floor}" in detail, detail
    for place in (str(kg.path), str(kg.path.resolve()), "/tmp"):
        assert place not in r.text


# -- what the /kg/update schema says is what it does ----------------------------------------------
def test_kg_update_schema_says_what_the_brand_key_check_takes_and_every_kind_of_warning(
        curator):
    """The brand-key check takes any slug (brand_key(key) == key), not only the slug of the
    label or an alias: the schema says so; the answer's warnings name all three kinds that
    tx.warnings.lines() gives."""
    _, c = curator
    r = c.post("/kg/update", json={"add_nodes": [  # a slug, of no name of the brand: taken
        {"kind": "brand", "key": "xyz123", "label": "Quokka Hifi"}]})
    assert r.status_code == 200 and r.json()["nodes"] == [BRAND + "xyz123"], r.text
    r = c.post("/kg/update", json={"add_nodes": [  # no slug: refused
        {"kind": "brand", "key": "Xyz 123", "label": "Quokka Hifi"}]})
    assert r.status_code == 422 and "use 'quokka-hifi'" in r.text, r.text
    schemas = c.get("/openapi.json").json()["components"]["schemas"]
    nodes = schemas["KGUpdateRequest"]["properties"]["add_nodes"]["description"]
    assert "must be a slug" in nodes and "Only the form is checked" in nodes, nodes
    warnings = schemas["KGUpdateAnswer"]["properties"]["warnings"]["description"]
    for kind in ("edges to nodes the KG does not have", "names another node of the same kind "
                 "has", "triples the KG cannot read"):
        assert kind in warnings, (kind, warnings)
