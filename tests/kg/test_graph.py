"""ProductGraph: reads, transactions, versions, rollback, locking, crash safety, views."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kg import (
    Edge,
    KGError,
    KGLockedError,
    KGNotFoundError,
    Node,
    NodeKind,
    ProductGraph,
    Relation,
)

REPO = Path(__file__).resolve().parents[2]
ID = "https://kgqp.dev/id/"



@pytest.fixture
def graph(contract_graph):
    """The KG contract tests of this module run on every store (see ``contract_graph``)."""
    return contract_graph

def test_node_and_nodes(graph, fx):
    info = graph.node(fx.TVS.iri)
    assert info.kind is NodeKind.CATEGORY and info.label == "TVs"
    assert info.aliases == ("television", "tv")
    assert info.popularity == 0.9 and info.path == "TV & Home Theater > TVs"
    assert info.source == "bestbuy" and info.external_id == "abcat0101000"
    assert graph.node("https://kgqp.dev/id/brand/nope") is None
    assert graph.node("not an iri") is None
    brands = {n.label for n in graph.nodes(NodeKind.BRAND)}
    assert brands == {"Samsung", "LG", "Apple"}
    assert len(list(graph.nodes())) == len(fx.NODES)
    assert {n.label for n in graph.nodes("brand")} == brands


def test_neighbors(graph, fx):
    out = graph.neighbors(fx.SAMSUNG.iri, Relation.SELLS_IN)
    assert {e.target for e in out} == {fx.TVS.iri, fx.PHONES.iri}
    into = graph.neighbors(fx.TVS.iri, direction="in")
    assert Edge(fx.QLED.iri, Relation.PARENT, fx.TVS.iri) in into
    assert len(graph.neighbors(fx.TVS.iri, direction="both")) == len(into) + 1
    with pytest.raises(ValueError, match="direction"):
        graph.neighbors(fx.TVS.iri, direction="up")


def test_stats(graph, fx):
    st = graph.stats().to_dict()
    assert set(st) == {"nodes", "edges", "triples", "version"}
    assert st["nodes"] == {
        "category": 4,
        "brand": 3,
        "product": 2,
        "product_type": 1,
        "attribute_value": 2,
    }
    assert st["edges"]["sells_in"] == 4 and sum(st["edges"].values()) == len(fx.EDGES)
    assert st["version"] == 1 and st["triples"] == len(graph) == graph.triple_count


def test_merge_keeps_label_adds_aliases(graph, fx):
    with graph.transaction() as tx:
        tx.add_node(
            Node(
                NodeKind.BRAND, "samsung", "Samsung Electronics", aliases=("sammy",), popularity=0.1
            )
        )
    info = graph.node(fx.SAMSUNG.iri)
    assert info.label == "Samsung"
    assert {"Samsung Electronics", "sammy", "三星"} <= set(info.aliases)
    assert info.popularity == 0.8  # kept


def test_transaction_all_or_nothing(graph, fx):
    before = (graph.version, graph.canonical_hash())
    with pytest.raises(RuntimeError), graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        tx.remove_node(fx.TVS.iri)
        raise RuntimeError("boom")
    assert (graph.version, graph.canonical_hash()) == before
    assert graph.node("https://kgqp.dev/id/brand/sony") is None
    # errors from the API itself also abort everything
    with pytest.raises(KGNotFoundError), graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        tx.add_alias("https://kgqp.dev/id/brand/missing", "x")
    assert (graph.version, graph.canonical_hash()) == before
    with pytest.raises(TypeError):
        graph.add_records([*fx.RECORDS, "not a record"], progress=False)
    assert graph.version == 1


def test_transaction_operations(graph, fx):
    with graph.transaction("edit") as tx:
        tx.add_alias(fx.LG.iri, "Lucky Goldstar")
        assert tx.remove_alias(fx.LG.iri, "LG Electronics")
        tx.update_node(fx.APPLE.iri, label="Apple Inc.", popularity=0.5)
        assert tx.remove_edge(Edge(fx.LG.iri, Relation.SELLS_IN, fx.TVS.iri))
        tx.remove_node(fx.QLED.iri)
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        tx.add_edge(Edge("https://kgqp.dev/id/brand/sony", Relation.SELLS_IN, fx.TVS.iri))
        assert tx.has_node("https://kgqp.dev/id/brand/sony")
    assert tx.version == 2 == graph.version
    assert graph.node(fx.LG.iri).aliases == ("Lucky Goldstar",)
    apple = graph.node(fx.APPLE.iri)
    assert (apple.label, apple.popularity) == ("Apple Inc.", 0.5)
    assert graph.node(fx.QLED.iri) is None
    assert all(
        fx.QLED.iri not in (e.source, e.target)
        for e in graph.neighbors(fx.TVS.iri, direction="both")
    )
    assert graph.neighbors(fx.LG.iri) == []
    # an empty transaction makes no version
    with graph.transaction() as tx:
        tx.add_alias(fx.LG.iri, "Lucky Goldstar")
    assert graph.version == 2
    with pytest.raises(KGError, match="nested"), graph.transaction(), graph.transaction():
        pass


def test_versions_and_rollback_hash(graph, fx):
    hashes = {0: ProductGraph().canonical_hash(), 1: graph.canonical_hash()}
    with graph.transaction("v2") as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
        tx.remove_node(fx.TVS.iri)
    hashes[2] = graph.canonical_hash()
    with graph.transaction("v3") as tx:
        tx.update_node(fx.SAMSUNG.iri, label="Samsung Electronics")
        tx.add_node(fx.TVS)
    hashes[3] = graph.canonical_hash()
    assert [v.version for v in graph.versions()] == [0, 1, 2, 3]
    assert graph.versions()[2].message == "v2"
    assert graph.rollback(1) == 4
    assert graph.canonical_hash() == hashes[1]
    assert graph.rollback(2) == 5 and graph.canonical_hash() == hashes[2]
    assert graph.rollback(0) == 6 and graph.canonical_hash() == hashes[0] and len(graph) == 0
    assert graph.rollback(3) == 7 and graph.canonical_hash() == hashes[3]
    with pytest.raises(KGNotFoundError):
        graph.rollback(99)


def test_disk_versions_survive_reopen(disk_graph, tmp_path, fx):
    h1 = disk_graph.canonical_hash()
    with disk_graph.transaction("v2") as tx:
        tx.remove_node(fx.TVS.iri)
    disk_graph.close()
    with ProductGraph.open(tmp_path / "kg") as g:
        assert g.version == 2 and [v.message for v in g.versions()][1:] == ["fixture", "v2"]
        g.rollback(1)
        assert g.canonical_hash() == h1
    with ProductGraph.open(tmp_path / "kg", read_only=True) as ro:
        assert ro.version == 3 and ro.canonical_hash() == h1
        with pytest.raises(KGError, match="read-only"):
            ro.transaction()


def test_lock_error_same_process(disk_graph, tmp_path, fx):
    with pytest.raises(KGLockedError, match="locked") as e:
        ProductGraph.open(tmp_path / "kg")
    assert str(tmp_path / "kg") in str(e.value) and "read_only" in str(e.value)


def test_lock_error_from_second_process(disk_graph, tmp_path, fx):
    code = textwrap.dedent(f"""
        import sys
        from kg import ProductGraph, KGLockedError
        try:
            ProductGraph.open({str(tmp_path / "kg")!r})
        except KGLockedError as e:
            print("LOCKED", e)
            sys.exit(3)
        sys.exit(0)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 3, proc.stderr
    assert "LOCKED" in proc.stdout and str(tmp_path / "kg") in proc.stdout
    disk_graph.close()
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


_CHILD = """
import os, sys, time
from kg import Node, NodeKind, ProductGraph
import kg.graph as G
path, mode = sys.argv[1], sys.argv[2]
g = ProductGraph.open(path)
with g.transaction("committed") as tx:
    tx.add_node(Node(NodeKind.BRAND, "committed", "Committed"))
print("COMMITTED", flush=True)
if mode == "after_log":
    # die between writing the version log and committing the store
    real = g._store
    class Dying:
        def __getattr__(self, name):
            def die(*a, **k):
                print("DYING", flush=True)
                time.sleep(60)
            return die
    g._store = Dying()
with g.transaction("partial") as tx:
    for i in range(20000):
        tx.add_node(Node(NodeKind.BRAND, f"b{i}", f"Brand {i}"))
        if i == 10000 and mode == "mid":
            print("DYING", flush=True)
            time.sleep(60)
"""


@pytest.mark.parametrize("mode", ["mid", "after_log"])
def test_sigkill_during_transaction(tmp_path, mode, fx):
    path = tmp_path / "kg"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), mode],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("DYING") or not line:
                break
        assert "DYING\n" in lines, proc.stderr.read() if proc.poll() is not None else lines
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    with ProductGraph.open(path) as g:
        assert g.version == 1
        assert g.node("https://kgqp.dev/id/brand/committed").label == "Committed"
        assert g.node("https://kgqp.dev/id/brand/b0") is None
        assert [v.version for v in g.versions()] == [0, 1]
        assert not list((path / "versions").glob("000002.*"))
        # and the next commit reuses version 2 cleanly
        with g.transaction() as tx:
            tx.add_node(Node(NodeKind.BRAND, "after", "After"))
        assert g.version == 2 and g.rollback(1) == 3


def test_export_import_round_trip(graph, tmp_path, fx):
    for fmt, suffix in (("turtle", "ttl"), ("ntriples", "nt"), ("nquads", "nq")):
        target = tmp_path / f"kg.{suffix}"
        graph.export(target, format=fmt)
        with ProductGraph() as g2:
            report = g2.import_rdf(target)
            assert len(g2) == len(graph)
            assert g2.canonical_hash() == graph.canonical_hash()
            assert report.nodes["brand"] == 3
    buf = io.BytesIO()
    graph.export(buf, format="turtle")
    assert b"@prefix schema:" in buf.getvalue()
    with pytest.raises(ValueError, match="format"):
        graph.export(buf, format="xml")


def test_import_skips_blank_nodes_and_merges_graphs(tmp_path, fx):
    p = tmp_path / "x.nq"
    p.write_text(
        '<http://e/a> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#double> <http://e/g> .\n'
        '_:b <http://e/p> "2" .\n'
    )
    with ProductGraph() as g:
        report = g.import_rdf(p)
        assert report.skipped == {"blank node": 1}
        assert len(g) == 1 and g.version == 1
        assert g.rollback(0) == 2 and len(g) == 0


def test_networkx_view_version_tag(graph, fx):
    nxg = graph.to_networkx()
    assert nxg.graph["kg_version"] == 1
    assert nxg is graph.to_networkx()  # cached
    d = nxg.nodes[fx.TVS.iri]
    assert d["kind"] == "category" and d["label"] == "TVs" and d["aliases"] == ["television", "tv"]
    assert d["path"] == "TV & Home Theater > TVs" and d["popularity"] == 0.9
    rels = {d["relation"] for _, _, d in nxg.out_edges(fx.SAMSUNG.iri, data=True)}
    assert rels == {"sells_in"} and nxg.number_of_edges() == len(fx.EDGES)
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    nxg2 = graph.to_networkx()
    assert nxg2.graph["kg_version"] == 2 and "https://kgqp.dev/id/brand/sony" in nxg2


def test_alias_index_rebuilt_per_version(graph, fx):
    idx = graph.alias_index
    assert idx.version == 1 and graph.alias_index is idx
    assert [m.text for m in graph.match("sony tv")] == ["tv"]
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    assert graph.alias_index.version == 2
    assert [m.text for m in graph.match("sony tv")] == ["sony", "tv"]


def test_closed_graph(tmp_path, fx):
    g = ProductGraph.open(tmp_path / "kg")
    g.close()
    g.close()
    with pytest.raises(KGError, match="closed"):
        g.stats()
    with ProductGraph.open(tmp_path / "kg") as g2:  # lock released
        assert g2.version == 0


def test_add_records_progress_and_report(records, fx):
    with ProductGraph() as g:
        report = g.add_records(iter(records), progress=True)
        assert report.nodes["category"] == 4 and report.edges["parent"] == 2
        assert g.version == 1


def test_close_releases_lock_even_when_errors_are_kept(tmp_path):
    from kg import KGQueryError

    g = ProductGraph.open(tmp_path / "kg")
    kept = []
    for q in ("CLEAR ALL", "SELECT ?s WHERE { ?s ?p ?x }"):
        try:
            g.query(q, bindings={"x": 1} if "?x" in q else None)
        except KGQueryError as e:
            kept.append(e)
    assert len(kept) == 2
    g.close()
    ProductGraph.open(tmp_path / "kg").close()


# -- bad input through the API: a clear error, nothing changed ---------------------------------
@pytest.mark.parametrize(
    ("popularity", "error", "match"),
    [
        (True, TypeError, "popularity must be a number"),
        (False, TypeError, "popularity must be a number"),
        ("high", TypeError, "popularity must be a number"),
        ("0.5", TypeError, "popularity must be a number"),
        (float("nan"), ValueError, "finite number >= 0, got nan"),
        (float("inf"), ValueError, "finite number >= 0, got inf"),
        (float("-inf"), ValueError, "finite number >= 0"),
        (-1, ValueError, "finite number >= 0, got -1"),
    ],
)
def test_node_refuses_a_bad_popularity(popularity, error, match):
    with pytest.raises(error, match=match):
        Node(NodeKind.BRAND, "x", "X", popularity=popularity)


def test_node_popularity_numbers_are_stored_as_numbers():
    assert Node(NodeKind.BRAND, "x", "X", popularity=3).popularity == 3.0
    assert isinstance(Node(NodeKind.BRAND, "x", "X", popularity=3).popularity, float)
    assert Node(NodeKind.BRAND, "x", "X", popularity=0).popularity == 0.0
    with ProductGraph() as g:
        with g.transaction() as tx:
            tx.add_node(Node(NodeKind.BRAND, "x", "X", popularity=3))
        assert g.node(Node(NodeKind.BRAND, "x", "X").iri).popularity == 3.0


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"popularity": "high"}, TypeError, "popularity must be a number"),
        ({"popularity": True}, TypeError, "popularity must be a number"),
        ({"popularity": float("nan")}, ValueError, "finite number >= 0"),
        ({"popularity": float("inf")}, ValueError, "finite number >= 0"),
        ({"popularity": -0.5}, ValueError, "finite number >= 0"),
        ({"label": "Sam\ud800sung"}, ValueError,
         r"label contains a lone surrogate \(U\+D800\) at position 3; not valid Unicode text"),
        ({"path": "A > \udc80"}, ValueError, r"path contains a lone surrogate \(U\+DC80\)"),
        ({"source": 5}, TypeError, "source must be a str"),
        # a valid change first: nothing of the call is applied when a later value is bad
        ({"label": "Samsung Electronics", "popularity": float("nan")}, ValueError, "finite"),
    ],
)
def test_update_node_refuses_bad_values_and_changes_nothing(fx, change, error, match):
    with ProductGraph() as g:
        g.add_records([fx.SAMSUNG], progress=False)
        before, version = g.canonical_hash(), g.version
        with g.transaction() as tx:
            with pytest.raises(error, match=match):
                tx.update_node(fx.SAMSUNG.iri, **change)
            assert tx.pending == (0, 0)  # the transaction itself is untouched
        assert g.canonical_hash() == before and g.version == version
        info = g.node(fx.SAMSUNG.iri)
        assert info.popularity == 0.8 and info.label == "Samsung"


def test_lone_surrogates_are_refused_before_anything_is_written(fx):
    with pytest.raises(ValueError, match=r"^label contains a lone surrogate \(U\+D800\) at "
                                         r"position 4; not valid Unicode text$"):
        Node(NodeKind.BRAND, "x", "Bad \ud800")
    with pytest.raises(ValueError, match=r"aliases\[1\] contains a lone surrogate \(U\+DFFF\)"):
        Node(NodeKind.BRAND, "x", "X", aliases=("ok", "a\udfff"))
    for field in ("source", "external_id", "path"):
        with pytest.raises(ValueError, match=f"^{field} contains a lone surrogate"):
            Node(NodeKind.BRAND, "x", "X", **{field: "\ud83d"})
    with pytest.raises(ValueError, match="attribute contains a lone surrogate"):
        Node(NodeKind.ATTRIBUTE_VALUE, "color/x", "X", attribute="col\ud800r")
    with pytest.raises(ValueError, match=r"Node\.key contains a lone surrogate"):
        Node(NodeKind.BRAND, "x\ud800", "X")
    with ProductGraph() as g:
        g.add_records([fx.SAMSUNG], progress=False)
        before = g.canonical_hash()
        with g.transaction() as tx:
            with pytest.raises(ValueError, match=r"alias contains a lone surrogate \(U\+D800\)"):
                tx.add_alias(fx.SAMSUNG.iri, "\ud800")
            with pytest.raises(ValueError, match="alias contains a lone surrogate"):
                tx.remove_alias(fx.SAMSUNG.iri, "\ud800")
            assert tx.pending == (0, 0)
        assert g.canonical_hash() == before and g.version == 1


def test_text_over_the_rdf_literal_limit_is_refused(fx):
    import pyoxigraph as ox

    from kg.rdfio import MAX_LITERAL

    big = "x" * (MAX_LITERAL + 1)
    at_limit = "y" * MAX_LITERAL
    assert Node(NodeKind.BRAND, "x", at_limit).label == at_limit
    with pytest.raises(ValueError, match=f"^label is {MAX_LITERAL + 1:,} characters "
                                         f"\\(more than {MAX_LITERAL:,}\\); refused$"):
        Node(NodeKind.BRAND, "x", big)
    with pytest.raises(ValueError, match=r"aliases\[0\] is .* characters"):
        Node(NodeKind.BRAND, "x", "X", aliases=(big,))
    with pytest.raises(ValueError, match=r"path is .* characters"):
        Node(NodeKind.CATEGORY, "x", "X", path=big)
    with ProductGraph() as g:
        g.add_records([fx.SAMSUNG], progress=False)
        before = g.canonical_hash()
        with g.transaction() as tx:
            with pytest.raises(ValueError, match=r"alias is .* characters"):
                tx.add_alias(fx.SAMSUNG.iri, big)
            with pytest.raises(ValueError, match=r"label is .* characters"):
                tx.update_node(fx.SAMSUNG.iri, label=big)
            with pytest.raises(ValueError, match=r"characters .*; refused"):
                tx.add_triples([
                    ox.Quad(ox.NamedNode(fx.SAMSUNG.iri), ox.NamedNode("urn:p"), ox.Literal("a")),
                    ox.Quad(ox.NamedNode(fx.SAMSUNG.iri), ox.NamedNode("urn:p"), ox.Literal(big)),
                ])
            assert tx.pending == (0, 0)  # not even the short literal before the long one
        assert g.canonical_hash() == before and g.version == 1


def test_rollback_refuses_a_bool_or_a_non_integer_version(graph):
    with graph.transaction("v2") as tx:
        tx.add_node(Node(NodeKind.BRAND, "sony", "Sony"))
    before = graph.canonical_hash()
    for bad in (True, False, "1", 1.0, None):
        with pytest.raises(TypeError, match="version number"):
            graph.rollback(bad)
    assert graph.version == 2 and graph.canonical_hash() == before
    np = pytest.importorskip("numpy")
    assert graph.rollback(np.int64(1)) == 3  # an integer type other than int is a version


# -- files written through kg.io.atomic_path get the modes open() would give --------------------
@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_export_writes_files_with_the_umask_mode(graph, tmp_path, umask_022):
    target = tmp_path / "kg.ttl"
    graph.export(target)
    assert target.stat().st_mode & 0o777 == 0o644
    os.umask(0o027)
    fresh = tmp_path / "kg2.ttl"
    graph.export(fresh)
    assert fresh.stat().st_mode & 0o777 == 0o640
    target.chmod(0o664)  # an existing file keeps its mode
    graph.export(target)
    assert target.stat().st_mode & 0o777 == 0o664
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_atomic_writes_keep_modes_and_take_an_explicit_one(tmp_path, umask_022):
    from kg import io as kio

    assert kio.current_umask() == 0o022
    kio.atomic_write_text(tmp_path / "a.txt", "a")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    (tmp_path / "a.txt").chmod(0o600)  # a private file stays private when rewritten
    kio.atomic_write_json(tmp_path / "a.txt", {"a": 2})
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o600
    kio.atomic_write_bytes(tmp_path / "secret", b"s", mode=0o600)
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    with kio.atomic_path(tmp_path / "ro.bin", mode=0o400) as tmp:
        tmp.write_bytes(b"r")
    assert (tmp_path / "ro.bin").stat().st_mode & 0o777 == 0o400
    assert (tmp_path / "ro.bin").read_bytes() == b"r"
    with pytest.raises(ValueError, match="mode must be"), kio.atomic_path(tmp_path / "b",
                                                                         mode=0o1777):
        pass
    with kio.atomic_dir(tmp_path / "model") as d:
        (d / "w").write_text("w")
    assert (tmp_path / "model").stat().st_mode & 0o777 == 0o755
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_node_aliases_take_any_collection_of_str():
    """A set of aliases was refused after the text checks came in (it worked before); a str
    is still refused (it would be split into characters)."""
    node = Node(NodeKind.BRAND, "lg", "LG", aliases={"LG Electronics", "Goldstar"})
    assert node.aliases == ("Goldstar", "LG Electronics")
    assert Node(NodeKind.BRAND, "lg", "LG", aliases=["b", "a"]).aliases == ("b", "a")
    with pytest.raises(TypeError, match="collection of str"):
        Node(NodeKind.BRAND, "lg", "LG", aliases="LG")


def test_invisible_characters_in_names_are_refused(fx):
    """NUL, a bidi override, a zero-width space in a key, label or alias: the loaders drop
    them (kg.loaders.clean_text); the Python API and `/kg/update` refuse them, so a name that
    looks like "Samsung" is "Samsung". Other text fields (a description, a path) are free."""
    with pytest.raises(ValueError, match=r"^label contains the control or format character "
                                         r"U\+0000 at position 0"):
        Node(NodeKind.BRAND, "x", "\x00")
    with pytest.raises(ValueError, match=r"aliases\[0\] contains .* U\+202E"):
        Node(NodeKind.BRAND, "x", "X", aliases=("\u202e",))
    with pytest.raises(ValueError, match=r"Node.key contains .* U\+200B"):
        Node(NodeKind.BRAND, "a\u200bb", "X")
    Node(NodeKind.BRAND, "x", "Caf\u00e9\u00a0Co", path="A\tB")  # printable / not a name
    with ProductGraph() as g:
        g.add_records([fx.SAMSUNG], progress=False)
        before = g.canonical_hash()
        with g.transaction() as tx:
            with pytest.raises(ValueError, match=r"alias contains .* U\+202E"):
                tx.add_alias(fx.SAMSUNG.iri, "\u202e")
            with pytest.raises(ValueError, match=r"label contains .* U\+0007"):
                tx.update_node(fx.SAMSUNG.iri, label="Sam\asung")
        assert g.canonical_hash() == before


def test_an_rdf_name_with_an_invisible_character_still_matches(tmp_path):
    # the Python API and the loaders refuse or drop control/format characters in names; an
    # RDF import stores literals as given, so matching ignores them instead
    with ProductGraph() as g:
        g.add_records([Node(NodeKind.BRAND, "samsung", "Samsung")], progress=False)
        g.export(tmp_path / "kg.nt", format="nt")
    text = (tmp_path / "kg.nt").read_text(encoding="utf-8")
    assert '"Samsung"' in text
    (tmp_path / "kg.nt").write_text(text.replace('"Samsung"', '"Sam\u00adsung"'), encoding="utf-8")
    with ProductGraph() as g:
        g.import_rdf(tmp_path / "kg.nt")
        (m,) = g.match("sam\u00adsung tv")
        assert m.text == "sam\u00adsung" and m.candidates[0].matched_alias == "Sam\u00adsung"


@pytest.mark.parametrize("step", ["backend", "flush"])
def test_a_commit_interrupted_after_the_store_made_it_leaves_the_graph_at_that_version(
        tmp_path, monkeypatch, step):
    """SIGTERM (``timeout``) during a large commit's flush, after the store commit: the
    handle said the old version (the version was set only when the backend returned), so
    ``kgqp kg load`` said "nothing committed" of a KG that held the load."""
    import kg.graph as G

    g = ProductGraph.open(tmp_path / "kg")
    g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    assert g.view("test.brands", lambda gr: len(list(gr.nodes(NodeKind.BRAND)))) == 1
    if step == "flush":  # where the interrupt landed: flushing a commit of >= 10,000 quads
        def flush(store, path):
            raise KeyboardInterrupt
        monkeypatch.setattr(G, "FLUSH_AFTER_QUADS", 1)
        monkeypatch.setattr(G, "_flush_store", flush)
    else:  # right after the backend's commit returned, before the handle's bookkeeping
        commit = G._EmbeddedBackend.commit

        def interrupted(self, *args, **kwargs):
            commit(self, *args, **kwargs)
            raise KeyboardInterrupt
        monkeypatch.setattr(G._EmbeddedBackend, "commit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        g.add_records([Node(NodeKind.BRAND, "sony", "Sony")], progress=False)
    monkeypatch.undo()
    assert g.version == 2  # the handle follows the store
    assert g.durable_version() == 2
    assert g.versions()[-1].version == 2
    assert g._digest == g._log.info(2).digest  # the next version's digest chains from it
    # its views are of that version too (built again), and its next commit follows it
    assert g.view("test.brands", lambda gr: len(list(gr.nodes(NodeKind.BRAND)))) == 2
    g.add_records([Node(NodeKind.BRAND, "acme", "Acme")], progress=False)
    assert g.version == g.durable_version() == 3
    g.close()
    with ProductGraph.open(tmp_path / "kg") as again:
        assert again.version == 3
        assert again.node(Node(NodeKind.BRAND, "sony", "Sony").iri) is not None


def test_a_version_another_writer_made_is_not_settled_as_this_commit(tmp_path, monkeypatch):
    """A commit that lost to another writer (a KG server's conflict: the version exists, with
    another change set) leaves the handle where it was: only a version whose record carries
    this commit's digest is this commit's."""
    import kg.graph as G
    from kg.errors import KGConflictError
    from kg.versions import VersionInfo

    g = ProductGraph.open(tmp_path / "kg")
    g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    commit = G._EmbeddedBackend.commit

    def lost(self, info, added, removed):  # another writer's change set made version 2
        other = [q for q in added if "sony" not in str(q.subject)] or added[:1]
        theirs = VersionInfo(info.version, info.timestamp, "another writer", len(other), 0,
                             "f" * 64)
        commit(self, theirs, other, [])
        raise KGConflictError("Another writer committed KG version 2 first")

    monkeypatch.setattr(G._EmbeddedBackend, "commit", lost)
    with pytest.raises(KGConflictError):
        g.add_records([Node(NodeKind.BRAND, "sony", "Sony")], progress=False)
    monkeypatch.undo()
    assert g.durable_version() == 2 and g.version == 1


def test_copy_is_the_kg_at_its_version_while_a_writer_holds_it(tmp_path):
    """ProductGraph.copy: a consistent copy of an open KG, at its version, that opens on its
    own; a folder that exists is refused, and so is a folder that is no KG."""
    from kg import KGError

    with ProductGraph.open(tmp_path / "kg") as g:
        with g.transaction("one") as tx:
            tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
        with g.transaction("two") as tx:
            tx.add_node(Node(NodeKind.BRAND, "zeta", "Zeta"))
        assert ProductGraph.copy(tmp_path / "kg", tmp_path / "copy") == 2
        with ProductGraph.open(tmp_path / "copy", read_only=True) as c:
            assert c.version == 2
            assert {n.label for n in c.nodes(NodeKind.BRAND)} == {"Acme", "Zeta"}
        with pytest.raises(KGError, match="exists"):
            ProductGraph.copy(tmp_path / "kg", tmp_path / "copy")
    with pytest.raises(KGError, match="no embedded KG"):
        ProductGraph.copy(tmp_path / "copy" / "store", tmp_path / "other")


def test_link_says_it_is_the_bare_linker_and_how_to_get_the_parses():
    """``ProductGraph.link`` links with a plain EntityLinker (no bundle settings, no tagger
    vocabulary, no intent label space): a reviewer took its "airpods" -> Airpots and
    "sneakers" -> Speakers for the parse's links, which are NIL. Its docstring says so and
    names the parse's linker."""
    doc = " ".join((ProductGraph.link.__doc__ or "").split())
    assert "bare linker" in doc and "no parse links with" in doc
    assert "entity_linker.link(" in doc and "link_entity" in doc and "kgqp kg link" in doc


def test_concurrent_commits_bring_the_views_forward_through_every_version(disk_graph, tmp_path,
                                                                           caplog):
    """Commits from several threads on one handle: a swap that finds other commits landed
    since its own (each waits for the view lock) brings the views forward through every
    version's change set, chained, instead of rebuilding them all (a reviewer's 4 writers x
    25 ``POST /kg/update``: 96 of 100 commits rebuilt every view, 3.2 s each, serialised), and
    labels them with the version it brought them to: they were labelled with the handle's
    version at the end of the swap, so the next swap skipped the commits that landed during
    this one (their nodes were missing from every view). The views end equal to a fresh
    handle's."""
    import logging
    import threading

    from kg.link import EntityLinker

    g = disk_graph
    writers, each = 4, 3
    others = g.version + writers  # each writer's first commit lands during the first swap
    updates: list[int] = []
    builds: list[int] = []
    waited = threading.Event()

    def brands(graph):
        return sorted(n.label for n in graph.nodes(NodeKind.BRAND))

    def build(graph):
        builds.append(graph.version)
        return brands(graph)

    def forward(graph, old, changes):
        updates.append(changes.version)
        if not waited.is_set():  # the first swap is slow: the other writers commit meanwhile
            waited.set()
            deadline = time.monotonic() + 5
            while g._version < others and time.monotonic() < deadline:
                time.sleep(0.002)
        return brands(graph)

    def snapshot(graph):
        nxg, index = graph.to_networkx(), graph.alias_index
        return (dict(graph.node_table()),
                {n: dict(a) for n, a in nxg.nodes(data=True)},
                sorted((u, v, k) for u, v, k in nxg.edges(keys=True)),
                {k: index.candidates(k) for k in index.keys()},  # noqa: SIM118
                graph.vocabulary.counts, EntityLinker(graph).table.prior)

    g.view("test.brands", build, update=forward)
    snapshot(g)
    builds.clear()
    errors: list[BaseException] = []

    def writer(w):
        try:
            for i in range(each):
                with g.transaction(f"w{w}-{i}") as tx:
                    iri = f"https://kgqp.dev/id/brand/conc-{w}-{i}"
                    tx.add_node(Node(NodeKind.BRAND, f"conc-{w}-{i}", f"Conc {w} {i}",
                                     aliases=(f"cc{w}{i}",)))
                    tx.add_edge(Edge(iri, Relation.SELLS_IN,
                                     "https://kgqp.dev/id/category/bestbuy/abcat0101000"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    with caplog.at_level(logging.INFO, logger="kg.graph"):
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    final = 1 + writers * each
    assert not errors and g.version == final
    assert all(g.match(f"cc{w}{i}") for w in range(writers) for i in range(each))
    assert g.view("test.brands", build) == brands(g)
    with ProductGraph.open(tmp_path / "kg", read_only=True) as fresh:
        assert snapshot(g) == snapshot(fresh)
    assert {v.version for v in g._views.values()} == {final}
    swaps = [r.getMessage() for r in caplog.records if "view(s) for KG version" in r.getMessage()]
    assert not [m for m in swaps if m.startswith("Rebuilt")], swaps
    assert any(", versions 3.." in m for m in swaps), swaps  # chained past the slow swap
    assert builds == [] and updates[-1] == final  # every swap brought the views forward


def test_a_swap_behind_other_commits_chains_their_change_sets(graph, monkeypatch):
    """A commit whose views are swapped in only after other commits of the handle landed brings
    them forward from its base through every later version (no builder runs): it rebuilt every
    view in full, and once a rebuild was slower than the gap between commits, so did every
    later commit (4 writers x 25 one-brand updates: 316 s instead of about 3 s)."""
    import threading

    import kg.graph as kg_graph

    builds: list[str] = []
    for name in ("_build_node_table", "_build_networkx", "_build_alias_index"):
        real = getattr(kg_graph, name)
        monkeypatch.setattr(kg_graph, name,
                            lambda g, _real=real, _name=name: builds.append(_name) or _real(g))
    graph.alias_index, graph.to_networkx()
    builds.clear()
    swap = kg_graph.ProductGraph._rebuild_views
    first = threading.Event()

    def late(self, changes=None, **kw):  # the first commit's swap comes after two more commits
        if not first.is_set():
            first.set()
            deadline = time.monotonic() + 5
            while self._version < 4 and time.monotonic() < deadline:
                time.sleep(0.002)
        return swap(self, changes, **kw)

    monkeypatch.setattr(kg_graph.ProductGraph, "_rebuild_views", late)

    def commit(key):
        with graph.transaction(key) as tx:
            tx.add_node(Node(NodeKind.BRAND, key, key.title(), aliases=(f"{key}x",)))

    threads = [threading.Thread(target=commit, args=(k,)) for k in ("zorb", "quux", "flim")]
    for t in threads:
        t.start()
        first.wait(5)
    for t in threads:
        t.join(10)
    assert graph.version == 4 and builds == []
    assert graph.view_version("kg.alias_index") == 4
    assert [m.text for m in graph.match("zorbx quuxx flimx")] == ["zorbx", "quuxx", "flimx"]


def test_copy_into_a_folder_it_cannot_make_says_so_at_once(tmp_path):
    """ProductGraph.copy retried every error three times and blamed a concurrent commit ("is it
    being changed right now?"), also for a destination that cannot be made (a final read of
    8baccd7..012fd8c)."""
    from kg import KGError

    with ProductGraph.open(tmp_path / "kg") as g, g.transaction("one") as tx:
        tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(KGError, match="cannot make the folder") as err:
        ProductGraph.copy(tmp_path / "kg", tmp_path / "file" / "copy")
    assert "being changed" not in str(err.value)


# --- edges and properties of the wrong kinds are refused ---------------------------------------
@pytest.mark.parametrize(("source", "relation", "target", "found"), [
    ("SAMSUNG", Relation.PARENT, "TVS", "from a brand node"),
    ("QLED", Relation.PARENT, "LG", "to a brand node"),
    ("QN55", Relation.HAS_BRAND, "TVS", "to a category node"),
    ("TVS", Relation.SELLS_IN, "PHONES", "from a category node"),
])
def test_an_edge_between_nodes_of_the_wrong_kinds_is_refused(graph, fx, source, relation,
                                                            target, found):
    """A parent edge from a brand to a category (HTTP /kg/update, Transaction.add_edge) was
    committed: docs/concepts.md gives each relation's from -> to kinds."""
    version = graph.version
    edge = Edge(getattr(fx, source).iri, relation, getattr(fx, target).iri)
    allowed = {"parent": "category", "has_brand": "product", "sells_in": "brand"}[relation.value]
    with pytest.raises(ValueError, match=rf"a {relation.value} edge goes from {allowed} .*"
                       rf"{found} .*nothing committed"), graph.transaction("bad") as tx:
        tx.add_edge(edge)
    assert graph.version == version
    assert edge not in graph.neighbors(edge.source, relation)
    # the nodes a loader adds after its edges are checked at the commit, as they are then
    with pytest.raises(ValueError, match="goes from a brand node"), graph.transaction() as tx:
        tx.add_edge(Edge(ID + "brand/zorbo", Relation.PARENT, fx.TVS.iri))
        tx.add_node(Node(NodeKind.BRAND, "zorbo", "Zorbo"))
    assert graph.version == version
    # the right kinds, a synonym between any kinds, an edge to an IRI that is no node yet
    with graph.transaction("good") as tx:
        tx.add_edge(Edge(fx.LG.iri, Relation.SELLS_IN, fx.PHONES.iri))
        tx.add_edge(Edge(fx.LG.iri, Relation.SYNONYM, fx.TVS.iri))
        tx.add_edge(Edge(fx.QLED.iri, Relation.PARENT, ID + "category/nowhere"))
    assert graph.version == version + 1


def test_a_property_of_another_kind_of_node_is_refused(graph, fx):
    """update_node(brand, path=...) was committed: a path belongs to a category, an attribute
    to an attribute value."""
    version = graph.version
    with pytest.raises(ValueError, match=r"path is a property of category nodes; .* is a "
                       r"brand"), graph.transaction() as tx:
        tx.update_node(fx.SAMSUNG.iri, path="TVs > Samsung")
    with pytest.raises(ValueError, match="attribute is a property of attribute_value nodes"), \
            graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "zorbo", "Zorbo", attribute="color"))
    assert graph.version == version
    with graph.transaction() as tx:
        tx.update_node(fx.TVS.iri, path="TV & Home Theater > Televisions")
    assert graph.node(fx.TVS.iri).path == "TV & Home Theater > Televisions"


def test_a_rollback_message_is_added_to_the_automatic_one(graph, fx):
    """`kg rollback KG 44 -m "undo bulk"` recorded "undo bulk" alone: which version it went
    back to was lost."""
    with graph.transaction("bulk") as tx:
        tx.add_alias(fx.LG.iri, "Lucky Goldstar")
    graph.rollback(1, message="undo bulk")
    assert graph.versions()[-1].message == "rollback to version 1: undo bulk"
    with graph.transaction("bulk again") as tx:
        tx.add_alias(fx.LG.iri, "Lucky Goldstar")
    graph.rollback(graph.version - 1)
    assert graph.versions()[-1].message == f"rollback to version {graph.version - 2}"


# --- triples the KG cannot read: warned of, counted as no edge --------------------------------
def test_a_literal_where_a_node_belongs_is_warned_of_and_counted_as_no_edge(tmp_path, caplog):
    """`<.../product/mymart/Z1> schema:brand "Samsung"` loaded as "has_brand 1" (load report,
    kg stats) though no view showed a brand; `kgqp:popularity "high"` was silently None."""
    import logging

    z1 = ID + "product/mymart/Z1"
    nt = tmp_path / "litbrand.nt"
    nt.write_text(f'<{z1}> <https://schema.org/brand> "Samsung" .\n'
                  f'<{z1}> <https://schema.org/name> "Z1" .\n'
                  f'<{z1}> <https://kgqp.dev/ns#popularity> "high" .\n'
                  f'<{z1}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                  '<https://schema.org/Product> .\n', encoding="utf-8")
    for existing in (False, True):  # into an empty KG, and one with data
        g = ProductGraph.open(tmp_path / f"kg{existing}")
        if existing:
            g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
        with caplog.at_level(logging.WARNING, logger="kg.graph"):
            report = g.import_rdf(nt)
        assert "has_brand" not in report.edges and report.nodes == {"product": 1}
        assert "has_brand" not in g.stats().edges
        w = g.last_commit_warnings
        assert w is not None and w.unreadable == 2
        assert any('"Samsung"' in e for e in w.unreadable_examples)
        assert any('"high"' in e for e in w.unreadable_examples)
        assert "cannot read" in caplog.text and '"Samsung"' in caplog.text
        caplog.clear()
        g.close()
    # a transaction's raw triples are checked alike
    import pyoxigraph as ox

    g = ProductGraph.in_memory()
    with g.transaction() as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(z1), ox.NamedNode("https://kgqp.dev/ns#popularity"),
                                ox.Literal("-3"))])
    assert g.last_commit_warnings.unreadable == 1


# --- a popularity that is no finite number >= 0: warned of at import, read as none -------------
_XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize("literal", [f'"NaN"^^<{_XSD}double>', f'"INF"^^<{_XSD}double>',
                                     f'"-INF"^^<{_XSD}double>', '"-3"', f'"-3"^^<{_XSD}integer>'])
def test_an_unreadable_popularity_is_warned_of_at_import_and_read_as_none(tmp_path, literal):
    """A NaN, infinite or negative `kgqp:popularity` is counted as unreadable by the import's
    check, and every node view (node, node_table, nodes, networkx, alias index) reads the node
    as one without popularity, as the warning says."""
    z1 = ID + "brand/zeta"
    nt = tmp_path / "pop.nt"
    nt.write_text(f'<{z1}> <https://schema.org/name> "Zeta" .\n'
                  f'<{z1}> <https://kgqp.dev/ns#popularity> {literal} .\n'
                  f'<{z1}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                  '<https://schema.org/Brand> .\n', encoding="utf-8")
    for existing in (False, True):  # into an empty KG (bulk load), and one with data (staged)
        g = ProductGraph.open(tmp_path / f"kg{existing}")
        if existing:
            g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
        g.import_rdf(nt)
        w = g.last_commit_warnings
        assert w is not None and w.unreadable == 1, (literal, existing, w)
        assert g.node(z1).popularity is None
        assert g.node_table()[z1].popularity is None
        assert next(n for n in g.nodes(NodeKind.BRAND) if n.iri == z1).popularity is None
        assert g.to_networkx().nodes[z1]["popularity"] is None
        g.close()


def test_a_finite_popularity_as_a_plain_string_is_read_and_not_warned_of(tmp_path):
    """`"3"` (a plain literal) and `"0.5"^^xsd:decimal` are readable popularities: no warning,
    and the views read them as numbers."""
    a, b = ID + "brand/alpha", ID + "brand/beta"
    nt = tmp_path / "pop.nt"
    nt.write_text("".join(
        f'<{s}> <https://schema.org/name> "{s[-4:]}" .\n'
        f'<{s}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Brand> .\n'
        f'<{s}> <https://kgqp.dev/ns#popularity> {lit} .\n'
        for s, lit in ((a, '"3"'), (b, f'"0.5"^^<{_XSD}decimal>'))), encoding="utf-8")
    g = ProductGraph.open(tmp_path / "kg")
    g.import_rdf(nt)
    assert not g.last_commit_warnings
    assert (g.node(a).popularity, g.node_table()[b].popularity) == (3.0, 0.5)
    g.close()


def test_an_import_above_the_check_limit_is_not_scanned_for_unreadable_triples(
        tmp_path, monkeypatch):
    """Above IMPORT_CHECK_MAX_TRIPLES an import is checked for neither dangling edges nor
    unreadable triples (the scan would add to a bulk load what the limit keeps off it); at
    the limit both are still checked."""
    import kg.graph as kg_graph

    z1 = ID + "product/mymart/Z1"
    nt = tmp_path / "big.nt"
    nt.write_text(f'<{z1}> <https://schema.org/brand> "Samsung" .\n'
                  f'<{z1}> <https://schema.org/name> "Z1" .\n'
                  f'<{z1}> <https://kgqp.dev/ns#popularity> "high" .\n'
                  f'<{z1}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                  '<https://schema.org/Product> .\n', encoding="utf-8")
    scans = []
    real = ProductGraph._import_unreadable
    monkeypatch.setattr(ProductGraph, "_import_unreadable",
                        lambda self, *a: scans.append(1) or real(self, *a))
    for limit, warned in ((3, 0), (4, 2)):
        monkeypatch.setattr(kg_graph, "IMPORT_CHECK_MAX_TRIPLES", limit)
        scans.clear()
        g = ProductGraph.open(tmp_path / f"kg{limit}")
        g.import_rdf(nt)
        w = g.last_commit_warnings  # (None: nothing to warn of)
        assert (w.unreadable if w else 0) == warned
        assert len(scans) == (1 if warned else 0)
        g.close()
