"""The KG in a live Oxigraph SPARQL server: bulk loads, replicas, conflicts, outages, faults.

The KG contract itself (reads, transactions, versions, rollback, export, bound queries) runs on
the server through the ``contract_graph`` fixture of test_graph.py and test_query.py.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from kg_support import write_products_nt

from kg import KGError, Node, NodeKind, ProductGraph
from kg.errors import KGConflictError, KGRemoteError
from kg.sparql import SparqlConfig
from kg.store import location

from .conftest import RECORDS


def test_url_forms():
    assert location(Path("sparql+http://h:7878/?store=data")) == "sparql+http://h:7878/?store=data"
    c = SparqlConfig.from_url("sparql+https://h/ds?update=u&retries=0")
    assert (c.query_url, c.update_url, c.retries) == ("https://h/ds/query", "https://h/ds/u", 0)
    with pytest.raises(ValueError, match="Unknown parameter"):
        SparqlConfig.from_url("sparql+http://h/?colour=red")
    with pytest.raises(ValueError, match="No host"):
        SparqlConfig.from_url("sparql+http:///x")
    for bad in ("sparql+http://h:99999/", "sparql+http://h:port/"):
        with pytest.raises(ValueError, match="Invalid port"):
            SparqlConfig.from_url(bad)


def test_unreachable_server_is_one_clear_error():
    with pytest.raises(KGRemoteError, match=r"KG server at http://127.0.0.1:9/ failed .* tries"):
        ProductGraph.open("sparql+http://127.0.0.1:9/?retries=1&backoff=0&timeout=2")


def test_bulk_import_dedupes_and_matches_embedded(oxigraph_server, tmp_path):
    a = write_products_nt(tmp_path / "a.nt", 200)
    b = write_products_nt(tmp_path / "b.nt", 200, start=100)
    with ProductGraph.open(oxigraph_server.url) as g, ProductGraph() as em:
        for src in (a, a, b):
            g.import_rdf(src)
            em.import_rdf(src)
        assert g.version == em.version == 2
        assert [v.added for v in g.versions()] == [v.added for v in em.versions()] == [0, 600, 300]
        assert [v.digest for v in g.versions()] == [v.digest for v in em.versions()]
        assert len(g) == 900 and g.canonical_hash() == em.canonical_hash()
        h1 = em.canonical_hash() if em.rollback(1) else None
        assert g.rollback(1) == 3 and g.canonical_hash() == h1
        # the staging graphs left are exactly the change sets of the bulk versions
        rows = g._store.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            "FILTER(STRSTARTS(STR(?g), 'https://kgqp.dev/staging/')) }"
        )
        assert len(list(rows)) == 2


def test_replica_sees_updates_and_rebuilds_views(oxigraph_server):
    with ProductGraph.open(oxigraph_server.url) as a, \
            ProductGraph.open(oxigraph_server.url, read_only=True) as b:
        a.add_records(RECORDS, progress=False)
        assert [m.text for m in b.match("lucky goldstar tv")] == ["tv"]
        with a.transaction("alias") as tx:
            tx.add_alias("https://kgqp.dev/id/brand/lg", "Lucky Goldstar")
        # b's next read checks the server's version (check_interval=0 in the test URL)
        assert [m.text for m in b.match("lucky goldstar tv")] == ["lucky goldstar", "tv"]
        assert b.version == 2 and b.view_version("kg.alias_index") == 2
        with pytest.raises(KGError, match="read-only"):
            b.transaction()


def test_replica_brings_its_views_forward_from_the_servers_change_sets(oxigraph_server,
                                                                       tmp_path, monkeypatch):
    """Another replica's small commit is followed from the server's change-set graphs (no
    view builder runs, as after an embedded commit), to the views a fresh handle builds; a
    change set above the incremental limit is not downloaded and the views are rebuilt."""
    import kg.graph as kg_graph
    import kg.views as kg_views
    from kg.sparql import SparqlStore

    builds: list[str] = []
    for name in ("_build_node_table", "_build_networkx", "_build_alias_index"):
        real = getattr(kg_graph, name)
        monkeypatch.setattr(kg_graph, name,
                            lambda g, _real=real, _name=name: builds.append(_name) or _real(g))
    with ProductGraph.open(oxigraph_server.url) as a, \
            ProductGraph.open(oxigraph_server.url, read_only=True) as b:
        a.add_records(RECORDS, progress=False)
        assert b.match("zbx") == [] and b.to_networkx().number_of_nodes() > 0
        assert "_build_alias_index" in builds
        with a.transaction("zorblax") as tx:
            tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        builds.clear()  # the writer's own
        assert [m.text for m in b.match("zbx tv")] == ["zbx", "tv"] and b.version == 2
        assert builds == [] and b.alias_index.changed_since[0] == 1
        assert "https://kgqp.dev/id/brand/zorblax" in b.to_networkx()
        with ProductGraph.open(oxigraph_server.url, read_only=True) as fresh:
            assert sorted(fresh.alias_index.keys()) == sorted(b.alias_index.keys())
            assert sorted(fresh.to_networkx().edges(keys=True)) == sorted(
                b.to_networkx().edges(keys=True))
        builds.clear()

        downloads: list[object] = []
        real_download = SparqlStore.download
        monkeypatch.setattr(SparqlStore, "download",
                            lambda self, graph=None: downloads.append(graph)
                            or real_download(self, graph))
        monkeypatch.setattr(kg_views, "INCREMENTAL_MAX_QUADS", 10)
        a.import_rdf(write_products_nt(tmp_path / "p.nt", 20))
        downloads.clear()
        assert b.version == 2 and len(b.match("tv")) == 1  # reads refresh: now version 3
        assert b.version == 3 and downloads == []
        assert "_build_alias_index" in builds and b.alias_index.changed_since is None


def test_server_gone_between_the_version_check_and_the_change_sets(oxigraph_server,
                                                                   monkeypatch, caplog):
    """The server answers the version check, then goes away (before the version's info, or
    while its change sets are read): the parse is answered from the last good views (no
    error), and the next check brings the views forward from the change sets (no builder
    runs)."""
    from kg.sparql import GraphVersionLog, SparqlStore

    with ProductGraph.open(oxigraph_server.url) as a, \
            ProductGraph.open(oxigraph_server.url, read_only=True) as b:
        a.add_records(RECORDS, progress=False)
        assert b.match("zbx") == [] and b.view_version("kg.alias_index") == 1
        real_info, real_build = GraphVersionLog.info, ProductGraph._build_alias_index
        builds: list[int] = []

        def away(*args, **kwargs):
            raise KGRemoteError("connection refused")

        with a.transaction("zorblax") as tx:
            tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        monkeypatch.setattr(GraphVersionLog, "info", away)
        monkeypatch.setattr(ProductGraph, "_build_alias_index",
                            lambda g: builds.append(g.version) or real_build(g))
        with caplog.at_level(logging.WARNING, logger="kg.sparql"):
            assert b.match("zbx") == []  # the last good views
        assert b.version == 1 and b.view_version("kg.alias_index") == 1
        assert "unreachable; serving the last good views (version 1)" in caplog.text
        # now it goes away while the change sets are read: the views of version 1 are kept
        # (reads no longer check: the background checks do, every 0.05 s here)
        real_download = SparqlStore.download
        monkeypatch.setattr(SparqlStore, "download", away)
        monkeypatch.setattr(GraphVersionLog, "info", real_info)
        _until(lambda: b.version == 2)
        assert b.match("zbx") == [] and b.degraded
        assert b.view_version("kg.alias_index") == 1 and builds == []
        monkeypatch.setattr(SparqlStore, "download", real_download)
        _until(lambda: b.degraded is None)
        assert [m.text for m in b.match("zbx")] == ["zbx"] and b.version == 2
        assert builds == [] and b.alias_index.changed_since[0] == 1


def _until(done, limit: float = 5.0) -> float:
    """Seconds until ``done()`` (polled every 20 ms), at most ``limit``."""
    import time

    started = time.monotonic()
    while not done() and time.monotonic() - started < limit:
        time.sleep(0.02)
    return time.monotonic() - started


def test_concurrent_writers_conflict_and_nothing_partial_is_applied(oxigraph_server):
    with ProductGraph.open(oxigraph_server.url) as a, ProductGraph.open(oxigraph_server.url) as b:
        a.add_records(RECORDS, progress=False)
        conflict = pytest.raises(KGConflictError, match="Another writer committed KG version 2")
        with conflict, b.transaction("b") as tx:
            tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
            with a.transaction("a") as tx2:  # a commits version 2 meanwhile
                tx2.add_node(Node(NodeKind.BRAND, "tcl", "TCL"))
        assert b.node("https://kgqp.dev/id/brand/sony") is None
        assert [v.message for v in b.versions()][-1] == "a"
        with b.transaction("b again") as tx:  # the retry on the new version succeeds
            tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        assert b.version == 3 and a.node("https://kgqp.dev/id/brand/sony").label == "Sony"


def test_a_bulk_import_overtaken_by_another_commit_adds_nothing(oxigraph_server, tmp_path,
                                                                monkeypatch):
    """Another writer commits between a bulk import's staging upload and its commit: the
    commit's version guard stops it (one update request, all or nothing), so none of the
    staged triples reaches the data graph, and the staging graph is dropped."""
    from kg.sparql import META_GRAPH_IRI, STAGING_PREFIX, SparqlStore

    src = write_products_nt(tmp_path / "p.nt", 20)
    product = "https://kgqp.dev/id/product/p3"
    with ProductGraph.open(oxigraph_server.url) as a, ProductGraph.open(oxigraph_server.url) as b:
        a.add_records(RECORDS, progress=False)
        real_upload = SparqlStore.upload

        def upload_then_lose_the_race(self, path, graph):
            real_upload(self, path, graph)
            with a.transaction("a, meanwhile") as tx:
                tx.add_node(Node(NodeKind.BRAND, "tcl", "TCL"))

        monkeypatch.setattr(SparqlStore, "upload", upload_then_lose_the_race)
        with pytest.raises(KGConflictError):
            b.import_rdf(src)
        monkeypatch.setattr(SparqlStore, "upload", real_upload)
        assert [v.message for v in b.versions()][-1] == "a, meanwhile"
        assert b.node(product) is None and len(b) == len(a)
        server = SparqlStore(SparqlConfig.from_url(oxigraph_server.url))
        graphs = {str(r[0]).strip("<>") for r in server.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
        assert META_GRAPH_IRI in graphs
        assert not any(g.startswith(STAGING_PREFIX) for g in graphs), graphs  # dropped
        b.import_rdf(src)  # the retry, on the new version, commits
        assert b.version == 3 and a.node(product) is not None


def test_outage_keeps_last_good_views(oxigraph_server, caplog):
    with ProductGraph.open(oxigraph_server.url, read_only=True) as ro:
        assert ro.match("lg") == []
        with ProductGraph.open(oxigraph_server.url) as w:
            w.add_records(RECORDS, progress=False)
        assert [m.text for m in ro.match("lg tv")] == ["lg", "tv"]
        oxigraph_server.kill()
        assert [m.text for m in ro.match("lg tv")] == ["lg", "tv"]  # from the last good view
        assert ro.degraded and "failed" in ro.degraded
        assert "unreachable; serving the last good views" in caplog.text
        oxigraph_server.start()
        ro.match("lg")
        _until(lambda: ro.degraded is None)  # (the background checks see it back)
        assert ro.degraded is None and ro.version == 1


N_BIG = 10_000  # nodes of the big commit: ~2.5 s of server work for a 30k-triple update here


def _big_records(n: int) -> list:
    return [Node(NodeKind.PRODUCT, f"bulk/{i}", f"Product {i}", aliases=(f"p{i}",))
            for i in range(n)]


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0, 6.0])
def test_server_killed_mid_transaction_is_before_or_after(oxigraph_server, delay):
    """SIGKILL the server while a large commit is in flight (``delay`` seconds after the client
    sent it; the last delay usually lets it finish), restart it on the same data: the KG is
    exactly the version before or the version after, never between."""
    with ProductGraph() as emb:
        emb.add_records(RECORDS, progress=False)
        before_hash = emb.canonical_hash()
        emb.add_records(_big_records(N_BIG), progress=False)
        after_hash = emb.canonical_hash()
    with ProductGraph.open(oxigraph_server.url) as g:
        g.add_records(RECORDS, progress=False)
        outcome: list[object] = []

        def commit() -> None:
            try:
                g.add_records(_big_records(N_BIG), progress=False)
                outcome.append("committed")
            except KGError as e:
                outcome.append(e)

        sending = threading.Event()

        class _Sending(logging.Handler):  # the client logs right before it sends the commit
            def emit(self, record: logging.LogRecord) -> None:
                if record.getMessage().startswith("Committing version 2"):
                    sending.set()

        handler = _Sending(logging.DEBUG)
        sparql_log = logging.getLogger("kg.sparql")
        sparql_log.addHandler(handler)
        level = sparql_log.level
        sparql_log.setLevel(logging.DEBUG)
        t = threading.Thread(target=commit)
        try:
            t.start()
            assert sending.wait(timeout=120)
            threading.Event().wait(delay)
            oxigraph_server.kill()
            t.join(timeout=120)
        finally:
            sparql_log.removeHandler(handler)
            sparql_log.setLevel(level)
    oxigraph_server.start()
    with ProductGraph.open(oxigraph_server.url) as g:
        assert g.version in (1, 2)
        assert g.canonical_hash() == (before_hash if g.version == 1 else after_hash)
        assert [v.version for v in g.versions()] == list(range(g.version + 1))
        if g.version == 2:
            added, removed = g._log.changes(2)
            assert len(added) == N_BIG * 3 and removed == []
        assert outcome == ["committed"] or isinstance(outcome[0], KGRemoteError | KGError)


@pytest.mark.slow
def test_default_kg_round_trips_through_the_server(oxigraph_server, tmp_path):
    """The default KG, exported from the embedded build and bulk-loaded into the server:
    same triple count and canonical hash (slow: builds the default KG first)."""
    from kg.build import build_default

    built = build_default(tmp_path / "kg", progress=False)
    try:
        count, digest = len(built), built.canonical_hash()
        built.export(tmp_path / "kg.nt", format="ntriples")
    finally:
        built.close()
    with ProductGraph.open(oxigraph_server.url) as g:
        g.import_rdf(tmp_path / "kg.nt")
        assert len(g) == count and g.canonical_hash() == digest
        assert g.stats().triples == count


def test_gsp_round_trip_of_export(oxigraph_server, tmp_path):
    with ProductGraph() as em:
        em.add_records(RECORDS, progress=False)
        em.export(tmp_path / "x.ttl")
        n, h = len(em), em.canonical_hash()
    with ProductGraph.open(oxigraph_server.url) as g:
        g.import_rdf(tmp_path / "x.ttl")
        g.export(tmp_path / "y.nq", format="nquads")
        back = list(ox.parse(path=tmp_path / "y.nq", format=ox.RdfFormat.N_QUADS))
        assert len(back) == len(g) == n and g.canonical_hash() == h


def test_view_builders_that_query_the_server_rebuild_once(oxigraph_server):
    """A builder reading the graph (query, other views) during a rebuild must not start a
    second rebuild (the link table does this)."""
    calls = []

    def builder(graph):
        calls.append(graph.version)
        graph.query("ASK { ?s ?p ?o }")
        return len(graph.alias_index.keys())

    with ProductGraph.open(oxigraph_server.url) as g, \
            ProductGraph.open(oxigraph_server.url, read_only=True) as ro:
        g.add_records(RECORDS, progress=False)
        assert ro.view("test.names", builder) > 0 and calls == [1]
        with g.transaction() as tx:
            tx.add_alias("https://kgqp.dev/id/brand/lg", "Lucky Goldstar")
        ro.view("test.names", builder)
        assert calls == [1, 2] and ro.view_version("test.names") == 2


class _AnswerLosingProxy:
    """A real HTTP proxy in front of the server that forwards every request but, for the
    first request whose body holds ``marker``, closes the connection instead of answering
    (the server has applied it: a network failure after the commit)."""

    def __init__(self, target: str, marker: bytes, *, dead_after: bool = False) -> None:
        import http.client
        import http.server
        from urllib.parse import urlsplit

        host, port = urlsplit(target).hostname, urlsplit(target).port
        proxy = self
        self.dropped = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(parts)

            def _forward(self) -> None:
                body = self._body()
                if dead_after and proxy.dropped:  # the server "went away" after the commit
                    self.close_connection = True
                    return
                conn = http.client.HTTPConnection(host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "transfer-encoding", "content-length")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if marker in body and not proxy.dropped:
                    proxy.dropped += 1
                    self.close_connection = True
                    return  # applied by the server, never answered
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (f"sparql+http://127.0.0.1:{self.server.server_address[1]}/"
                    "?retries=0&check_interval=0")
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("bulk", "dead_after"), [(True, False), (False, False), (True, True)],
                         ids=["bulk load", "transaction", "bulk load, then no server"])
def test_a_commit_applied_without_an_answer_is_kept_whole(oxigraph_server, tmp_path, bulk,
                                                            dead_after, caplog):
    """The commit request reached the server, which applied it, but its answer was lost:
    the client finds its commit id and reports success; a bulk load keeps the staging graph
    its version names (it dropped it, so the version could never be rolled back). When the
    server cannot be asked either, the outcome is reported unknown and nothing is dropped."""
    src = write_products_nt(tmp_path / "a.nt", 50)
    with ProductGraph.open(oxigraph_server.url) as g:
        g.add_records(RECORDS, progress=False)
        before, v0 = g.canonical_hash(), g.version
    proxy = _AnswerLosingProxy(oxigraph_server.http, b"addedGraph" if bulk else b"commitId",
                               dead_after=dead_after)
    try:
        with caplog.at_level(logging.WARNING, logger="kg.sparql"):
            g = ProductGraph.open(proxy.url)
            if dead_after:
                with pytest.raises(KGRemoteError, match="cannot be asked whether it applied"):
                    g.import_rdf(src)
            elif bulk:
                g.import_rdf(src)
            else:
                g.add_records([Node(NodeKind.BRAND, "lost-answer", "Lost Answer")],
                              progress=False)
            assert proxy.dropped == 1
            if not dead_after:
                assert g.version == v0 + 1 and "was lost" in caplog.text
                g.close()
    finally:
        proxy.close()
    with ProductGraph.open(oxigraph_server.url) as g:
        assert g.version == v0 + 1 and g.canonical_hash() != before
        assert g.rollback(v0) == v0 + 2 and g.canonical_hash() == before


@pytest.mark.parametrize(("status", "message"), [
    (501, "cannot do .* is it a SPARQL 1.1 endpoint"),  # python -m http.server: no POST
    (200, "answered a query with text/html, not SPARQL results"),  # a web page
])
def test_a_server_that_is_not_a_sparql_endpoint_says_so(status, message):
    import http.server
    import time

    calls = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            calls.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            page = b"<!DOCTYPE html><html><body>hello</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"sparql+http://127.0.0.1:{server.server_address[1]}/?retries=3&backoff=0.2"
        started = time.monotonic()
        with pytest.raises(KGRemoteError, match=message):
            ProductGraph.open(url)
        assert len(calls) == 1 and time.monotonic() - started < 0.5  # not retried
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_url_is_not_taken_for_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in ("http://127.0.0.1:7878/", "https://kg.example/", "sparql://h/"):
        with pytest.raises(ValueError, match="looks like a URL"):
            ProductGraph.open(url)
    assert not list(tmp_path.iterdir())


def test_credentials_in_the_kg_url_are_sent_but_never_shown() -> None:
    """``sparql+http://user:pass@host/``: httpx sends them as Basic credentials (the way to
    reach an authenticating proxy); messages, logs and `/ready` show ``***@host``."""
    import socket

    from kg import ProductGraph
    from kg.errors import KGRemoteError

    with socket.socket() as s:  # a port nothing listens on: the first query fails
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"sparql+http://u:p4ss@127.0.0.1:{port}/?retries=0&timeout=2"
    with pytest.raises(KGRemoteError) as e:
        g = ProductGraph.open(url)
        g.stats()
    assert "p4ss" not in str(e.value) and "***@127.0.0.1" in str(e.value)


# -- a server that hangs (review of docs/howto-kg-server.md) -----------------------------------
def test_a_server_that_hangs_holds_a_read_up_at_most_check_timeout():
    """A server that accepts connections and never answers (``kill -STOP``): a read's version
    check gives up after ``check_timeout`` (1 s), not ``timeout`` (30 s); the views stay
    served, and the next checks back off (``check_interval * 2**n``, at most 1 s) in the
    background: the next read does not wait for one."""
    import socket
    import time
    from types import SimpleNamespace

    from kg.sparql import CHECK_BACKOFF_MAX, SparqlBackend

    with socket.socket() as silent:  # listens (the kernel accepts), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"sparql+http://127.0.0.1:{silent.getsockname()[1]}/?check_interval=0.2"
        backend = SparqlBackend(url, read_only=True)
        graph = SimpleNamespace(_rebuild_owner=None, _version=3, _digest="d", _views={})
        backend._checked -= 1  # the check interval has passed
        started = time.monotonic()
        assert backend.refresh(graph) is False
        assert 0.9 < time.monotonic() - started < 10  # (the request timeout is 30 s)
        assert backend.degraded and "ReadTimeout" in backend.degraded
        assert (graph._version, graph._digest) == (3, "d")  # the last good version
        assert backend.check_wait() == pytest.approx(0.4)  # backs off: no check for 0.4 s
        started = time.monotonic()
        assert backend.refresh(graph) is False  # backing off: no check (one takes 1 s)
        assert time.monotonic() - started < 0.5
        backend._failed_checks = 12
        assert backend.check_wait() == CHECK_BACKOFF_MAX
        backend.close()
        slow = SparqlBackend(url.replace("0.2", "5"), read_only=True)
        slow._failed_checks = 3  # a server that is down is not checked more often than one
        assert slow.check_wait() == 5.0  # that answers (1 s: a final read of 012fd8c)
        slow.close()
        quick = SparqlBackend(url + "&check_timeout=0.3&check_interval=0", read_only=True)
        assert quick.config.check_timeout == 0.3
        started = time.monotonic()
        assert quick.refresh(graph) is False and time.monotonic() - started < 0.8
        assert quick.check_wait() == 0  # check_interval=0: every read checks
        quick.close()


def test_a_stopped_server_leaves_reads_answering_from_the_last_good_views(oxigraph_server):
    """``kill -STOP`` of the KG server: a read answers within ~1 s from the last good views,
    the next reads at once (the checks back off), and the handle recovers after SIGCONT."""
    import os
    import signal
    import time

    url = oxigraph_server.url.replace("check_interval=0", "check_interval=0.1")
    with ProductGraph.open(oxigraph_server.url) as w:
        w.add_records(RECORDS, progress=False)
    with ProductGraph.open(url, read_only=True) as ro:
        assert [m.text for m in ro.match("lg tv")] == ["lg", "tv"]
        os.kill(oxigraph_server.proc.pid, signal.SIGSTOP)
        try:
            time.sleep(0.15)
            started = time.monotonic()
            assert [m.text for m in ro.match("lg tv")] == ["lg", "tv"]
            assert time.monotonic() - started < 10 and ro.degraded  # (timeout: 30 s)
            started = time.monotonic()
            assert [m.text for m in ro.match("lg tv")] == ["lg", "tv"]
            assert time.monotonic() - started < 0.5  # backing off: no check (one: 1 s)
        finally:
            os.kill(oxigraph_server.proc.pid, signal.SIGCONT)
        deadline = time.monotonic() + 10  # (the checks back off: 0.2 s, 0.4 s ...)
        while ro.degraded is not None and time.monotonic() < deadline:
            time.sleep(0.1)
            assert [m.text for m in ro.match("lg tv")] == ["lg", "tv"]
        assert ro.degraded is None and ro.version == 1


def test_a_server_that_hangs_after_a_version_change_holds_a_read_up_at_most_check_timeout(
        oxigraph_server, monkeypatch, caplog):
    """The server answers the version check (a new version), then hangs (``kill -STOP``)
    while the replica reads that version's change sets: the read gives up after
    ``check_timeout`` (0.5 s here), not ``timeout`` (8 s here, 30 s by default) times the
    tries; the parse answers from the last good views, ``degraded`` says why, and the views
    come forward once the server answers again."""
    import os
    import signal
    import time

    from kg.sparql import GraphVersionLog

    url = oxigraph_server.url + "&timeout=8&check_timeout=0.5"
    with ProductGraph.open(oxigraph_server.url) as a, \
            ProductGraph.open(url, read_only=True) as b:
        a.add_records(RECORDS, progress=False)
        assert [m.text for m in b.match("lg tv")] == ["lg", "tv"] and b.match("zbx") == []
        with a.transaction("zorblax") as tx:
            tx.add_node(Node(NodeKind.BRAND, "zorblax", "Zorblax", aliases=("zbx",)))
        real_version, real_info = GraphVersionLog.store_version, GraphVersionLog.info
        info = real_info(b._backend.log, 2)
        # the version check and the version's info answered just before the server hung
        monkeypatch.setattr(GraphVersionLog, "store_version", lambda self, **kw: 2)
        monkeypatch.setattr(GraphVersionLog, "info",
                            lambda self, v, **kw: info if v == 2 else real_info(self, v, **kw))
        os.kill(oxigraph_server.proc.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with caplog.at_level(logging.WARNING, logger="kg.sparql"):
                assert b.match("zbx") == []  # the last good views (version 1)
            took = time.monotonic() - started
            assert took < 3, took  # (old: 8 s per try, 2 tries)
            assert b.degraded and "ReadTimeout" in b.degraded
            assert b.version == 2 and b.view_version("kg.alias_index") == 1
            assert "serving the last good views (version 1) until it answers" in caplog.text
            started = time.monotonic()
            assert [m.text for m in b.match("lg tv")] == ["lg", "tv"]
            assert time.monotonic() - started < 0.3  # no read waits while it hangs
        finally:
            os.kill(oxigraph_server.proc.pid, signal.SIGCONT)
        monkeypatch.setattr(GraphVersionLog, "store_version", real_version)
        monkeypatch.setattr(GraphVersionLog, "info", real_info)
        _until(lambda: b.degraded is None)
        assert [m.text for m in b.match("zbx")] == ["zbx"]
        assert b.view_version("kg.alias_index") == 2


def test_a_replica_recovers_within_seconds_of_the_server_answering_again(oxigraph_server):
    """After a long outage (the checks backed off as far as they go) a replica is back, its
    views current and ``degraded`` cleared, within CHECK_BACKOFF_MAX (1 s) plus one check of
    the server answering again (it was 30 s), and no read waited for a check meanwhile."""
    import time

    from kg.sparql import CHECK_BACKOFF_MAX

    url = oxigraph_server.url.replace("check_interval=0", "check_interval=1")
    with ProductGraph.open(url, read_only=True) as ro:
        assert ro.match("lg") == []
        oxigraph_server.kill()
        ro._backend._checked -= 2  # the check interval passed
        assert ro.match("lg") == [] and ro.degraded  # (connection refused: at once)
        ro._backend._failed_checks = 12  # a long outage: backed off to the most
        oxigraph_server.start()
        with ProductGraph.open(oxigraph_server.url) as w:  # a commit during the outage
            w.add_records(RECORDS, progress=False)
        slowest = 0.0

        def recovered() -> bool:
            nonlocal slowest
            started = time.monotonic()
            found = [m.text for m in ro.match("lg tv")]
            slowest = max(slowest, time.monotonic() - started)
            return ro.degraded is None and found == ["lg", "tv"]

        took = _until(recovered, 6)  # (from the server answering again)
        assert ro.degraded is None and ro.version == 1
        assert took < CHECK_BACKOFF_MAX + 1.5, took  # (old: up to 30 s)
        assert slowest < 0.5


# -- credentials -------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "sparql+http://bob:s3cret@127.0.0.1:18878/?timeuot=5",
    "sparql+http://bob:s3cret@127.0.0.1:18878/?timeout=abc",
    "sparql+http://bob:s3cret@127.0.0.1:99999/",
    "sparql+http://bob:s3cret@127.0.0.1:port/",
    "sparql+http://bob:s3cret@/x",
    "http://bob:s3cret@127.0.0.1:18878/",
    "sparql+http://bob:s3/cret@127.0.0.1:18878/?timeuot=5",  # (a '/' not escaped)
])
def test_bad_kg_urls_never_show_the_credentials(url):
    with pytest.raises(ValueError) as e:
        SparqlConfig.from_url(url)
    assert "s3cret" not in str(e.value) and "bob" not in str(e.value)
    assert "cret" not in str(e.value)
    assert "***@" in str(e.value)


class _Recorder:
    """An HTTP server answering every query ``ASK`` true, recording the Authorization
    headers; 401 when ``need`` credentials are not sent."""

    def __init__(self, need: str | None = None) -> None:
        import http.server

        rec = self
        self.auth: list[str | None] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                rec.auth.append(self.headers.get("Authorization"))
                ok = need is None or self.headers.get("Authorization") == need
                body = b'{"head":{},"boolean":true}' if ok else b"<h1>Unauthorized</h1>"
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/sparql-results+json" if ok
                                 else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_credentials_come_from_the_url_the_environment_or_netrc(monkeypatch, tmp_path):
    import base64

    from kg.sparql import SparqlStore

    basic = "Basic " + base64.b64encode(b"bob:s3cret").decode()
    rec = _Recorder(need=basic)
    monkeypatch.delenv("KGQP_KG_USER", raising=False)
    monkeypatch.delenv("KGQP_KG_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    plain = f"sparql+http://127.0.0.1:{rec.port}/?retries=0"

    def ask(url: str) -> object:
        store = SparqlStore(SparqlConfig.from_url(url))
        try:
            return bool(store.query("ASK { ?s ?p ?o }"))
        finally:
            store.close()

    try:
        with pytest.raises(KGError, match=r"HTTP 401 .*none were given.*KGQP_KG_USER") as e:
            ask(plain)
        assert len(str(e.value)) < 400
        assert ask(plain.replace("://", "://bob:s3%63ret@")) is True  # (%63: c)
        monkeypatch.setenv("KGQP_KG_USER", "bob")
        monkeypatch.setenv("KGQP_KG_PASSWORD", "wrong")
        with pytest.raises(KGError, match=r"these were refused") as e:
            ask(plain)
        assert "wrong" not in str(e.value) and "***@127.0.0.1" in str(e.value)
        monkeypatch.setenv("KGQP_KG_PASSWORD", "s3cret")
        assert ask(plain) is True
        monkeypatch.delenv("KGQP_KG_USER")
        monkeypatch.delenv("KGQP_KG_PASSWORD")
        (tmp_path / "netrc").write_text("machine 127.0.0.1 login bob password s3cret\n")
        monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
        assert ask(plain) is True
        assert rec.auth[0] is None and rec.auth[1:] == [basic, basic.replace(
            base64.b64encode(b"bob:s3cret").decode(),
            base64.b64encode(b"bob:wrong").decode()), basic, basic]
    finally:
        rec.close()


def test_a_non_sparql_servers_error_page_is_cut_to_a_short_excerpt():
    """``python -m http.server`` answers a POST with a 501 HTML page: the message quotes a
    short excerpt of its text, not the page."""
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(KGRemoteError, match=r"is it a SPARQL 1\.1 endpoint") as e:
            ProductGraph.open(f"sparql+http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
    msg = str(e.value)
    assert "<" not in msg and "Unsupported method" in msg and len(msg) < 400
