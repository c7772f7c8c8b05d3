"""Bulk RDF imports (kg.bulk): change log, digest, dedupe, all-or-nothing under SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from kg_support import write_products_nt

from kg import Node, NodeKind, ProductGraph
from kg.bulk import nquads_digest
from kg.errors import KGError
from kg.versions import EMPTY_DIGEST, digest_add

ROOT = Path(__file__).resolve().parents[2]
XSD = "http://www.w3.org/2001/XMLSchema#"




def test_digest_pass_equals_quad_by_quad(tmp_path):
    src = write_products_nt(tmp_path / "a.nt", 50)
    st = ox.Store()
    st.load(path=src, format=ox.RdfFormat.N_TRIPLES)
    st.dump(tmp_path / "a.nq", ox.RdfFormat.N_QUADS)
    n, digest = nquads_digest(tmp_path / "a.nq")
    assert n == 150 and digest == digest_add(EMPTY_DIGEST, list(st), ())


@pytest.mark.parametrize("staging", ["memory", "disk"])
def test_bulk_import_on_disk_logs_dedupes_and_rolls_back(tmp_path, monkeypatch, staging):
    if staging == "disk":  # every file is staged in a store on disk
        monkeypatch.setattr("kg.graph.MEMORY_STAGING_MAX_BYTES", 0)
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        with g.transaction("first") as tx:
            tx.add_node(Node(NodeKind.BRAND, "lg", "LG"))
        h1, d1 = g.canonical_hash(), g.versions()[-1].digest
        r = g.import_rdf(write_products_nt(tmp_path / "a.nt", 100))
        assert r.nodes == {"product": 100} and g.version == 2 and len(g) == 302
        # the same file again (canonical forms: "1.0"^^double is stored as "1"): nothing new
        g.import_rdf(tmp_path / "a.nt")
        assert g.version == 2
        # overlapping file: only the new triples are logged
        g.import_rdf(write_products_nt(tmp_path / "b.nt", 100, start=50))
        assert g.version == 3 and g.versions()[-1].added == 150 and len(g) == 452
        added, removed = g._log.changes(3)
        assert len(added) == 150 and removed == []
        assert g.versions()[-1].digest == digest_add(
            EMPTY_DIGEST, g._store.quads_for_pattern(None, None, None, ox.DefaultGraph()), ()
        )
        assert g.rollback(1) == 4 and g.canonical_hash() == h1
        assert g.versions()[-1].digest == d1
    assert not list(kg.glob(".import-*"))
    with ProductGraph.open(kg, read_only=True) as ro:
        assert ro.version == 4 and ro.canonical_hash() == h1


@pytest.mark.parametrize("staging", ["memory", "disk"])
def test_reader_follows_a_bulk_import(tmp_path, monkeypatch, staging):
    if staging == "disk":
        monkeypatch.setattr("kg.graph.MEMORY_STAGING_MAX_BYTES", 0)
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        g.import_rdf(write_products_nt(tmp_path / "a.nt", 10))
        with ProductGraph.open(kg, read_only=True) as ro:
            assert len(ro) == 30
            g.import_rdf(write_products_nt(tmp_path / "b.nt", 10, start=10))
            assert ro.stats().triples == 60 and ro.version == 2


def test_restore_replays_bulk_logs(tmp_path):
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        g.import_rdf(write_products_nt(tmp_path / "a.nt", 20))
        h = g.canonical_hash()
    shutil.rmtree(kg / "store")
    with ProductGraph.restore(kg) as g:
        assert g.version == 1 and g.canonical_hash() == h


# -- the one-pass load of an N-Triples file into a KG without data (kg.bulk.load_new_store) ----

_NT = ox.RdfFormat.N_TRIPLES
_DT = "http://www.w3.org/2001/XMLSchema#"
_RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _normal(text: bytes) -> bytes:
    return ox.serialize(ox.parse(text, format=_NT), format=_NT) or b""


def test_normal_form_pattern_is_the_serializers():
    """Every line accepted is left unchanged by parsing and serializing it again, and the
    serializer's lines are accepted (for each code point of the BMP and a few others, raw and
    escaped, in a literal and in an IRI; a line not accepted is only re-serialized)."""
    from kg.bulk import _NORMAL_PART

    cps = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF] + [0x1F600, 0xE0001,
                                                                       0x10FFFE, 0x10FFFF]
    lines = []
    for c in cps:
        ch = chr(c)
        for lit in (ch, f"\\u{c:04X}", f"\\u{c:04x}", f"\\U{c:08X}"):
            lines.append(f'<http://e/s> <http://e/p> "a{lit}b" .\n')
        if c > 0x20 and ch not in '<>"{}|^`\\':
            lines.append(f"<http://e/{ch}> <http://e/p> <http://e/o> .\n")
    specials = [
        '<http://e/s> <http://e/p> "x"@EN-us .\n', '<http://e/s> <http://e/p> "x"@en-us .\n',
        f'<http://e/s> <http://e/p> "x"^^<{_DT}string> .\n', '<http://e/s>  <http://e/p> "x" .\n',
        '<http://e/s> <http://e/p> "x" . # comment\n', '<http://e/s> <http://e/p> "x" .\r\n',
        '<http://e/s> <http://e/p> "x".\n', f'<http://e/s> <http://e/p> "1.0"^^<{_DT}double> .\n',
        '<http://e/s> <http://e/p> "x"@en--ltr .\n', '_:b <http://e/p> "x" .\n', "\n",
    ]
    accepted = 0
    for i, line in enumerate(lines + specials):
        raw = line.encode("utf-8", "surrogatepass")
        try:
            normal = _normal(raw)
        except SyntaxError:
            continue
        if i < len(lines):
            assert _NORMAL_PART.fullmatch(normal) is not None, normal
        if _NORMAL_PART.fullmatch(raw) is not None:
            accepted += 1
            assert normal == raw, raw
    assert accepted > 60_000


def _mixed_nt(path: Path, n: int, *, normal: bool) -> Path:
    """N-Triples with typed literals in non-canonical forms ("0.50"^^xsd:decimal, "01"^^xsd:int
    ...); unless ``normal``, also the way real dumps come: upper-case language tags, escapes
    the serializer writes otherwise, ^^xsd:string, comments, blank lines, CRLF."""
    rows = []
    for i in range(n):
        s = f"<https://kgqp.dev/id/product/m{i}>"
        rows += [
            f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Product> .",
            f'{s} <https://schema.org/name> "Mixed {i} é \\"q\\"" .',
            f'{s} <https://kgqp.dev/ns#alias> "m{i}"@en-gb .',
            f'{s} <https://kgqp.dev/ns#popularity> "{i % 5}.50"^^<{_DT}decimal> .',
            f'{s} <https://kgqp.dev/ns#rank> "0{i}"^^<{_DT}int> .',
            f'{s} <https://kgqp.dev/ns#flag> "{i % 2}"^^<{_DT}boolean> .',
            f'{s} <https://kgqp.dev/ns#note> "not typed: \\"^^<{_DT}int> ." .',
            f'{s} <https://kgqp.dev/ns#odd> "x{i}"^^<http://e/dt> .',
        ]
        if not normal:
            rows += [
                f'{s} <https://schema.org/name> "Mixed {i} \\u00E9"@EN-GB .',
                f'{s} <https://kgqp.dev/ns#code> "c{i}"^^<{_DT}string> .',
            ]
            if i % 7 == 0:
                rows += ["# a comment", ""]
    text = "\n".join(rows) + "\n"
    if not normal:
        text = text.replace("\n", "\r\n", 3)
    path.write_bytes(text.encode("utf-8"))
    return path


def _no_staging(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the staging path ran")

    monkeypatch.setattr("kg.graph.stage_rdf", refuse)


@pytest.mark.parametrize("normal", [True, False], ids=["normal", "mixed"])
@pytest.mark.parametrize("part_bytes", [None, 4096])
def test_one_pass_load_equals_the_staging_path(tmp_path, monkeypatch, part_bytes, normal):
    """The one-pass load (chunks loaded by threads, the log written from them) gives the
    same store, count, digest and report as staging, and its log is the store's content."""
    from kg.bulk import _NORMAL_PART

    src = _mixed_nt(tmp_path / "m.nt", 300, normal=normal)
    assert (_NORMAL_PART.fullmatch(src.read_bytes()) is not None) == normal
    n = 300 * (8 if normal else 10)
    with ProductGraph() as mem:  # in memory: the staging path
        mem_report = mem.import_rdf(src)
        mem_info, mem_hash = mem.versions()[-1], mem.canonical_hash()
    if part_bytes is not None:  # many chunks, and every typed line rewritten through Python
        monkeypatch.setattr("kg.bulk.BULK_INFLIGHT_BYTES", part_bytes)
        monkeypatch.setattr("kg.bulk._MAX_ALTERNATION", 0)
    _no_staging(monkeypatch)
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        report = g.import_rdf(src)
        info = g.versions()[-1]
        assert (info.added, info.digest) == (mem_info.added, mem_info.digest) == (n, info.digest)
        assert g.canonical_hash() == mem_hash
        assert report.nodes == mem_report.nodes and report.edges == mem_report.edges
        stored = list(g._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        assert info.digest == digest_add(EMPTY_DIGEST, stored, ())
        added, _ = g._log.changes(1)
        assert sorted(map(str, added)) == sorted(map(str, stored))
        assert g.rollback(0) == 2 and len(g) == 0
    assert not list(kg.glob(".import-*"))
    shutil.rmtree(kg / "store")
    with ProductGraph.restore(kg) as g:  # the logs replay, digests checked
        assert g.version == 2 and len(g) == 0


def test_one_pass_load_dedupes(tmp_path, monkeypatch):
    """Repeated lines and literals equal once canonical ("1.0" and "1.00" as xsd:double)
    count once; the log is then the new store's dump."""
    src = write_products_nt(tmp_path / "a.nt", 50)
    text = src.read_text()
    extra = (f'<https://kgqp.dev/id/product/p0> <https://kgqp.dev/ns#popularity> '
             f'"0.00"^^<{XSD}double> .\n')
    src.write_text(text + text[: len(text) // 2].rsplit("\n", 1)[0] + "\n" + extra)
    _no_staging(monkeypatch)
    with ProductGraph.open(tmp_path / "kg") as g:
        g.import_rdf(src)
        info = g.versions()[-1]
        assert info.added == len(g) == 150
        assert info.digest == digest_add(EMPTY_DIGEST, g._log.changes(1)[0], ())
        assert g.rollback(0) == 2 and len(g) == 0


def test_one_pass_load_falls_back_to_staging(tmp_path, monkeypatch):
    """Blank nodes (skipped and reported), syntax errors (reported at their line in the whole
    file, nothing committed) and over-long literals go through the staging path."""
    from kg import KGLoadError
    from kg.rdfio import MAX_LITERAL

    monkeypatch.setattr("kg.bulk.BULK_INFLIGHT_BYTES", 2048)  # many chunks
    good = write_products_nt(tmp_path / "good.nt", 100)
    blank = tmp_path / "blank.nt"
    blank.write_text(good.read_text() + '_:b1 <https://schema.org/name> "anon" .\n')
    bad = tmp_path / "bad.nt"
    bad.write_text(good.read_text() + "<http://e/a> <http://e/p> .\n")
    badiri = tmp_path / "badiri.nt"  # passes the normal-form pattern, not the parser
    badiri.write_text(good.read_text() + '<relative> <http://e/p> "x" .\n')
    long = tmp_path / "long.nt"
    long.write_text(good.read_text() + f'<http://e/a> <http://e/p> "{"y" * (MAX_LITERAL + 1)}" .\n')
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        with pytest.raises(KGLoadError, match=r"bad\.nt.*line 301"):
            g.import_rdf(bad)
        with pytest.raises(KGLoadError, match=r"badiri\.nt"):
            g.import_rdf(badiri)
        with pytest.raises(KGLoadError, match="literal of <http://e/a>"):
            g.import_rdf(long)
        assert g.version == 0 and len(g) == 0
        report = g.import_rdf(blank)
        assert report.skipped == {"blank node": 1} and len(g) == 300 and g.version == 1
    assert not list(kg.glob(".import-*"))


def _kg_state(kg: Path) -> tuple[int, int, str]:
    with ProductGraph.open(kg) as g:
        return g.version, len(g), g.canonical_hash()


@pytest.mark.parametrize("fresh", [False, True], ids=["into-data", "into-empty"])
@pytest.mark.parametrize("stage", ["import-dir", "next-store-files", "log-written", "late"])
def test_sigkill_mid_load_leaves_previous_version(tmp_path, stage, fresh):
    """A real ``kgqp kg load`` process killed at a stage of the bulk import: reopening the KG
    gives the previous version exactly (or the new one, if the load had finished). Into a KG
    with data (staging path) and into an empty one (the one-pass load)."""
    kg = tmp_path / "kg"
    with ProductGraph.open(kg) as g:
        if not fresh:
            g.import_rdf(write_products_nt(tmp_path / "base.nt", 10))
    before = _kg_state(kg)
    new_log = kg / "versions" / f"{before[0] + 1:06d}.added.nq"
    src = write_products_nt(tmp_path / "big.nt", 60_000, start=1000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "parser.app.cli", "kg", "load", str(kg), str(src), "--kind", "rdf"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def reached() -> bool:
        dirs = list(kg.glob(".import-*.tmp"))
        if stage == "import-dir":
            return bool(dirs)
        if stage == "next-store-files":
            return any(
                (d / sub).is_dir() and any((d / sub).iterdir())
                for d in dirs
                for sub in ("staging", "next")
            )
        if stage == "log-written":
            return new_log.exists()
        return bool(dirs) and any((d / "added.nq").exists() for d in dirs)

    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and not reached() and time.monotonic() < deadline:
            time.sleep(0.001)
        if stage == "late":
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    after = _kg_state(kg)
    if after[0] == before[0]:
        assert after == before
    else:  # the load finished before the kill
        assert after[0] == before[0] + 1 and after[1] == before[1] + 180_000
    assert not list(kg.glob(".import-*"))
    with ProductGraph.open(kg) as g:  # and the KG takes the next load cleanly
        g.import_rdf(write_products_nt(tmp_path / "c.nt", 5, start=900))
        assert g.version == after[0] + 1


def test_no_second_writer_while_a_bulk_import_swaps_its_store_in(tmp_path, monkeypatch):
    """A bulk import swaps the new store in with RocksDB's lock released; a second writer that
    opened the KG in that gap corrupted the store ("000071.sst: No such file", a reviewer's
    repro in 3 of 3 runs). The KG directory's own writer lock is held throughout."""
    import kg.graph as kg_graph
    from kg.errors import KGLockedError

    kg = tmp_path / "kg"
    seen: list[object] = []
    real = kg_graph.replace_dir

    def swap(src, dst):  # the moment the store directory is swapped
        try:
            ProductGraph.open(kg).close()
            seen.append("opened")
        except KGLockedError as e:
            seen.append(e)
        return real(src, dst)

    with ProductGraph.open(kg) as g:
        with g.transaction("first") as tx:
            tx.add_node(Node(NodeKind.BRAND, "lg", "LG"))
        monkeypatch.setattr(kg_graph, "replace_dir", swap)
        g.import_rdf(write_products_nt(tmp_path / "a.nt", 50))
        assert g.version == 2
    assert len(seen) == 1 and isinstance(seen[0], KGLockedError), seen
    with ProductGraph.open(kg) as g:  # released on close; the store is whole
        assert g.version == 2 and len(g) == 152


def test_a_forked_child_does_not_keep_the_writer_lock(tmp_path):
    """flock belongs to the open file description, which fork shares: a child forked while a
    writer was open kept the KG locked after the parent closed the writer."""
    kg = tmp_path / "kg"
    g = ProductGraph.open(kg)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: sleeps while the parent closes and reopens
        os.close(r)
        os.write(w, b"x")
        time.sleep(3)
        os._exit(0)
    try:
        os.close(w)
        os.read(r, 1)  # the child runs
        g.close()
        with ProductGraph.open(kg) as again:  # locked until the child exited, before
            assert again.version == 0
    finally:
        os.waitpid(pid, 0)


def test_a_forked_child_reads_through_a_writer_but_cannot_write(tmp_path):
    """A child forked from a process with an open writer committed through its copy; the
    parent's next commit took the same version number and its change was lost (the log held
    the parent's, the store the child's). The child's copy now refuses to write, saying why;
    it reads the version it was forked at, and a read-only handle opened in the child follows
    the parent's commits."""
    kg = tmp_path / "kg"
    g = ProductGraph.open(kg)
    g.add_records([Node(NodeKind.BRAND, "acme", "Acme")], progress=False)
    glorp = Node(NodeKind.BRAND, "glorp", "Glorp")
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(to_child_w)
            os.close(to_parent_r)
            try:
                with g.transaction("child") as tx:
                    tx.add_node(Node(NodeKind.BRAND, "zorb", "Zorb"))
                code = 2  # it wrote
            except KGError as exc:
                code = 3 if "is a fork of it" in str(exc) else 4
            os.write(to_parent_w, b"x")
            os.read(to_child_r, 1)  # the parent has committed
            if code == 3 and g.version == 1 and g.node(glorp.iri) is None:
                with ProductGraph.open(kg, read_only=True) as ro:
                    code = 0 if ro.version == 2 and ro.node(glorp.iri) is not None else 5
        except BaseException:
            code = 6
        finally:
            os._exit(code)
    try:
        os.close(to_child_r)
        os.close(to_parent_w)
        os.read(to_parent_r, 1)
        g.add_records([glorp], progress=False)
        os.write(to_child_w, b"x")
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        assert g.version == 2 and {n.label for n in g.nodes(NodeKind.BRAND)} == {"Acme", "Glorp"}
    finally:
        g.close()
