"""``kgqp parse --input/--output`` keeps what it should not touch: an output that is the input, a
file that is no kgqp output, yesterday's output under ``--force`` when the bundle does not load,
a Ray output folder whose input file was replaced under the same name. Its record says whether
the output is complete; a bad line and damaged gzip input are named with their file and line
(exit 2), and the lines before gzip damage are parsed and kept.

A real bundle (a tiny random tagger and an empty on-disk KG, built once per module)."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg import ProductGraph
from parser.app import batch
from parser.app.cli import app
from parser.app.errors import EXIT_USAGE, error_line, exit_code
from parser.bundle import build_bundle
from parser.errors import ConfigError, DataFormatError, InputError, ModelLoadError, ParserError
from parser.tagger.testing import tiny_tagger

QUERIES = ["samsung tv", "red nike shoes", "lg tv", "sony headphones"]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``ok``: a bundle; ``strict``: the same parts, refusing queries over 20 characters."""
    d = tmp_path_factory.mktemp("batch-safety")
    tiny_tagger().save(d / "tagger")
    ProductGraph.open(d / "kg").close()
    return {"ok": build_bundle(d / "ok", tagger=d / "tagger", kg=d / "kg"),
            "strict": build_bundle(d / "strict", tagger=d / "tagger", kg=d / "kg",
                                   parser_config={"max_query_chars": 20,
                                                  "on_too_long": "error"})}


def _queries(path: Path, queries: list[str] = QUERIES) -> Path:
    path.write_text("\n".join(queries) + "\n", encoding="utf-8")
    return path


def _texts(out: Path) -> list[str]:
    return [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]


def _record(out: Path) -> dict:
    return json.loads(out.with_name(out.name + ".kgqp.json").read_text(encoding="utf-8"))


# -- an output that is the input, or no kgqp output, is never changed -------------------------
def test_an_output_that_is_the_input_is_refused_by_any_name(bundles: dict[str, Path],
                                                            tmp_path: Path) -> None:
    q = tmp_path / "q.txt"
    q.write_bytes(b"samsung tv\napple iphone case\nlast query no newline")
    before = q.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(q)
    os.link(q, tmp_path / "hard.jsonl")
    for out in (q, tmp_path / "link.jsonl", tmp_path / "hard.jsonl"):
        for force in (False, True):
            with pytest.raises(ConfigError, match="is the input file"):
                batch.parse_file(bundles["ok"], q, out, progress=False, force=force)
            assert q.read_bytes() == before
    res = CliRunner().invoke(app, ["parse", "--bundle", str(bundles["ok"]), "--input", str(q),
                                   "--output", str(q), "--force"])
    assert res.exit_code == EXIT_USAGE and "is the input file" in res.output
    assert q.read_bytes() == before


@pytest.mark.parametrize("data", [b'{"id": 1}\n{"id": 2}\n{"id": 3, "torn', b"no newline at all"],
                         ids=["torn-last-line", "one-line"])
def test_a_file_that_is_no_kgqp_output_is_left_as_it_is(bundles: dict[str, Path],
                                                        tmp_path: Path, data: bytes) -> None:
    q = _queries(tmp_path / "q.txt")
    other = tmp_path / "other.jsonl"
    other.write_bytes(data)
    with pytest.raises(ConfigError, match=r"is no kgqp output .*no record"):
        batch.parse_file(bundles["ok"], q, other, progress=False)
    assert other.read_bytes() == data
    assert not other.with_name(other.name + ".kgqp.json").exists()
    # an empty file holds nothing to lose: it is written
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    assert batch.parse_file(bundles["ok"], q, empty, progress=False) == len(QUERIES)


# -- --force replaces the output only once the new one is complete ------------------------------
def test_force_keeps_the_old_output_when_the_bundle_does_not_load(bundles: dict[str, Path],
                                                                  tmp_path: Path) -> None:
    q = _queries(tmp_path / "q.txt")
    out = tmp_path / "out.jsonl"
    assert batch.parse_file(bundles["ok"], q, out, progress=False) == len(QUERIES)
    good, record = out.read_bytes(), _record(out)
    bad = Path(shutil.copytree(bundles["ok"], tmp_path / "bad"))
    next(bad.glob("tagger/*.safetensors")).write_bytes(b"garbage")
    with pytest.raises(ModelLoadError, match="checksum"):
        batch.parse_file(bad, q, out, progress=False, force=True)
    assert out.read_bytes() == good and _record(out) == record
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "out.jsonl",
                                                          "out.jsonl.kgqp.json", "q.txt"]
    # nor does a resumed run cut a torn last line before the bundle loads
    torn = good[: good.index(b"\n") + 5]
    out.write_bytes(torn)
    with pytest.raises(ModelLoadError):
        batch.parse_file(bad, q, out, progress=False)
    assert out.read_bytes() == torn
    # with a bundle that loads, --force replaces the output with the new run's
    q2 = _queries(tmp_path / "q2.txt", ["dell laptop", "hp printer"])
    assert batch.parse_file(bundles["ok"], q2, out, progress=False, force=True) == 2
    assert _texts(out) == ["dell laptop", "hp printer"]
    assert _record(out) == {**record, "records": 2}


# -- the record says whether the output is complete; a bad line is named ------------------------
def test_the_record_says_whether_the_output_is_complete(bundles: dict[str, Path],
                                                        tmp_path: Path) -> None:
    long_line = "x" * 30
    q = _queries(tmp_path / "q.txt", [*QUERIES[:2], long_line, *QUERIES[2:]])
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError) as err:
        batch.parse_file(bundles["strict"], q, out, progress=False, batch_size=2)
    message = str(err.value)
    assert f"{q}, line 3:" in message and "30 characters" in message
    # what a CLI user can change: the bundle manifest's setting, or the line
    assert str(bundles["strict"] / "kgqp-bundle.json") in message
    assert '"on_too_long": "error"' in message and "line 3 of the input" in message
    # the two lines before it are written, whole, and the record says: not complete
    assert _texts(out) == QUERIES[:2] and out.read_bytes().endswith(b"\n")
    assert _record(out)["complete"] is False and "records" not in _record(out)
    # the CLI: exit 2, the line named; a rerun stops at the same line
    res = CliRunner().invoke(app, ["parse", "--bundle", str(bundles["strict"]), "--input",
                                   str(q), "--output", str(out)])
    assert res.exit_code == EXIT_USAGE and "line 3:" in res.output
    # the line fixed: the rerun resumes and completes
    _queries(q, [*QUERIES[:2], "x" * 10, *QUERIES[2:]])
    assert batch.parse_file(bundles["strict"], q, out, progress=False) == 5
    assert _record(out)["complete"] is True and _record(out)["records"] == 5


# -- damaged gzip input: bad data, named; the lines before the damage are kept ------------------
def _truncated_gzip(path: Path, n: int) -> list[str]:
    """A gzip file of ``n`` distinct queries cut in the middle; returns its complete lines."""
    data = gzip.compress("".join(f"query number {i} brand{i * 7919 % 1000}\n"
                                 for i in range(n)).encode())
    path.write_bytes(data[: len(data) // 2])
    readable = zlib.decompressobj(wbits=31).decompress(data[: len(data) // 2])
    return readable.decode().split("\n")[:-1]


def test_a_truncated_gzip_input_is_named_and_its_lines_are_kept(bundles: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    gz = tmp_path / "day.txt.gz"
    complete = _truncated_gzip(gz, 400)
    assert len(complete) > 100
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataFormatError, match=re.escape(f"{gz}: the gzip data ends before")) as err:
        batch.parse_file(bundles["ok"], gz, out, progress=False, batch_size=4)
    assert f"after {len(complete)} complete line(s)" in str(err.value)
    assert _texts(out) == complete  # none lost in the parser's read-ahead
    assert _record(out)["complete"] is False
    res = CliRunner().invoke(app, ["parse", "--bundle", str(bundles["ok"]), "--input", str(gz),
                                   "--output", str(tmp_path / "cli.jsonl"), "--batch-size", "4"])
    assert res.exit_code == EXIT_USAGE, res.output
    assert str(gz) in res.output and "truncated" in res.output and "EOFError" not in res.output
    # to stdout, the same lines, then the error
    res = CliRunner().invoke(app, ["parse", "--bundle", str(bundles["ok"]), "--input", str(gz),
                                   "--batch-size", "4"])
    assert res.exit_code == EXIT_USAGE
    assert [json.loads(row)["text"] for row in res.stdout.splitlines()] == complete
    # damaged at its start (a gzip header and garbage): named too, and the Ray reader's alike
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(DataFormatError, match=re.escape(f"{bad}: the gzip data")):
        batch.parse_file(bundles["ok"], bad, tmp_path / "bad.jsonl", progress=False)
    with pytest.raises(DataFormatError, match=r"day\.txt\.gz: the gzip data ends before"):
        batch._split_lines(gz.read_bytes(), source=str(gz))


@pytest.mark.parametrize("exc", [EOFError("Compressed file ended before the end-of-stream "
                                          "marker was reached"),
                                 gzip.BadGzipFile("CRC check failed"),
                                 zlib.error("Error -3 while decompressing data")])
def test_damaged_compressed_data_is_bad_input_not_a_bug(exc: Exception) -> None:
    assert exit_code(exc) == EXIT_USAGE
    assert "rerun with" not in error_line(exc) and "truncated or damaged" in error_line(exc)


# -- the Ray engine's folder refuses a changed input file ---------------------------------------
def test_a_ray_output_folder_refuses_an_input_replaced_under_its_name(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    day = _queries(tmp_path / "in" / "day.txt")
    files = batch._input_files(str(tmp_path / "in"))
    producer = {"bundle_manifest_sha256": "b", "kg_version": 1}
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    batch._manifest(first, files, 4, producer)
    batch._manifest(first, files, 4, producer)  # the same input: resumes
    # replaced under the same name: other contents (another size) ...
    _queries(day, ["dell laptop", "hp printer", *QUERIES])
    with pytest.raises(ConfigError, match="changed"):
        batch._manifest(first, files, 4, producer)
    # ... or as many bytes, written later
    second.mkdir()
    batch._manifest(second, files, 4, producer)
    day.write_bytes(day.read_bytes().upper())
    st = day.stat()
    os.utime(day, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(ConfigError, match="changed"):
        batch._manifest(second, files, 4, producer)


def test_ray_engine_refuses_a_changed_input_before_it_starts(bundles: dict[str, Path],
                                                             tmp_path: Path) -> None:
    pytest.importorskip("ray.data")
    (tmp_path / "in").mkdir()
    day = _queries(tmp_path / "in" / "day.txt")
    out = tmp_path / "shards"
    out.mkdir()
    # the folder of a run over the old contents (its manifest, as the run records it)
    batch._manifest(out, batch._input_files(str(tmp_path / "in")), 4,
                    batch._producer(bundles["ok"]))
    _queries(day, ["dell laptop", "hp printer", *QUERIES])
    with pytest.raises(ConfigError, match="changed"):
        batch.parse_file(bundles["ok"], tmp_path / "in", out, engine="ray", shard_size=4)


# -- one KG version per run, whatever is committed meanwhile ----------------------------------
def _live_bundle(tmp_path: Path, server: str | None = None) -> tuple[Path, Path | str]:
    """A bundle reading the KG in place (``--kg-mode location``): a folder, or the SPARQL
    server at ``server``; and where that KG is, for a test to commit to as another process
    would (a writer handle of its own)."""
    tiny_tagger().save(tmp_path / "tagger")
    kg: Path | str = server or tmp_path / "kg"
    ProductGraph.open(kg).close()
    return build_bundle(tmp_path / "b", tagger=tmp_path / "tagger", kg=kg,
                        kg_mode="location"), kg


def _commit_brand(kg_dir: Path | str, key: str = "plonkrite") -> int:
    from kg.schema import Node, NodeKind

    with ProductGraph.open(kg_dir) as writer:
        writer.add_records([Node(NodeKind.BRAND, key, key.title())], progress=False)
        return writer.version


def _versions_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The KG version each parsed query read (one per query, in parse order)."""
    from parser.pipeline import QueryParser

    seen: list[int] = []
    finish = QueryParser._finish

    def recording(self: QueryParser, work: object) -> list:
        out = finish(self, work)
        seen.extend([self.kg.version] * len(out))
        return out

    monkeypatch.setattr(QueryParser, "_finish", recording)
    return seen


@pytest.mark.parametrize(("store", "force"), [("embedded", False), ("embedded", True),
                                             ("server", False), ("embedded", None)],
                         ids=["new-output", "force", "sparql-server", "stdout"])
def test_a_run_parses_every_line_at_the_kg_version_it_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str], store: str, force: bool | None) -> None:
    server = request.getfixturevalue("oxigraph_server").url if store == "server" else None
    bundle, kg_dir = _live_bundle(tmp_path, server)
    queries = [f"plonkrite speaker {i}" for i in range(120)]
    q, out = _queries(tmp_path / "q.txt", queries), tmp_path / "out.jsonl"
    if force:  # an old output to replace
        batch.parse_file(bundle, q, out, progress=False)
    start = ProductGraph.open(kg_dir, read_only=True)
    start_version = start.version
    start.close()
    lines, committed = batch._lines, []

    def committing(*args: object, **kw: object):  # the input commits when line 60 is read
        for i, line in enumerate(lines(*args, **kw)):
            if i == 60:
                committed.append(_commit_brand(kg_dir))
            yield line

    monkeypatch.setattr(batch, "_lines", committing)
    seen = _versions_read(monkeypatch)
    assert batch.parse_file(bundle, q, "-" if force is None else out, progress=False,
                            batch_size=2, force=bool(force)) == 120
    assert committed == [start_version + 1]  # the commit landed while the run parsed
    assert seen[-120:] == [start_version] * 120  # (before: the lines after the commit read it)
    if force is None:  # stdout: no record
        assert [json.loads(r)["text"] for r in capsys.readouterr().out.splitlines()] == queries
        return
    assert _texts(out) == queries
    assert _record(out) == {**_record(out), "kg_version": start_version, "complete": True,
                            "records": 120}
    # the next run reads the new version, and refuses to resume the old one without --force
    with pytest.raises(ConfigError, match=f"KG version {start_version}, now {start_version + 1}"):
        batch.parse_file(bundle, q, out, progress=False)


def test_a_commit_before_the_parser_loads_is_recorded_or_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle, kg_dir = _live_bundle(tmp_path)
    q, out = _queries(tmp_path / "q.txt"), tmp_path / "out.jsonl"
    loaded = batch._loaded

    @contextlib.contextmanager
    def committing_first(*args: object, **kw: object):  # after the version is read
        _commit_brand(kg_dir, f"brand{len(list(kg_dir.glob('versions/*')))}")
        with loaded(*args, **kw) as parser:
            yield parser

    monkeypatch.setattr(batch, "_loaded", committing_first)
    seen = _versions_read(monkeypatch)
    # a new output: recorded at the version its lines are parsed at
    assert batch.parse_file(bundle, q, out, progress=False) == len(QUERIES)
    parsed_at = seen[-1]
    assert set(seen) == {parsed_at} and _record(out)["kg_version"] == parsed_at
    # an interrupted run resumed across such a commit: refused, the output left as it was
    kept = out.read_text(encoding="utf-8").splitlines(keepends=True)[:2]
    out.write_text("".join(kept), encoding="utf-8")
    batch._record(out.with_name(out.name + batch.RUN_SUFFIX), {**_record(out)})
    before = out.read_bytes()
    with pytest.raises(ConfigError, match=f"KG version {parsed_at}, now {parsed_at + 1}"):
        batch.parse_file(bundle, q, out, progress=False)
    assert out.read_bytes() == before and _record(out)["kg_version"] == parsed_at


def test_a_ray_actor_reads_the_run_s_kg_version_or_refuses_to_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle, kg_dir = _live_bundle(tmp_path)
    version = batch._producer(bundle)["kg_version"]
    actor = batch._RayParser(str(bundle), None, version)
    seen = _versions_read(monkeypatch)
    rows = {"file": [0, 0], "line": [0, 1], "n": [2, 2], "text": ["plonkrite tv", "lg tv"]}
    _commit_brand(kg_dir)
    assert len(actor(rows)["json"]) == 2 and seen == [version, version]
    late = batch._RayParser(str(bundle), None, version)  # (Ray restarts one that dies here)
    with pytest.raises(ConfigError, match=f"moved to version {version + 1} while this run "
                                          f"parses version {version}"):
        late(rows)


def _fake_ray(write: Any) -> Any:
    """A stand-in for Ray: its Dataset calls are chained (``map_batches``'s arguments kept in
    ``ds.mapped``); ``write_datasink`` calls ``write(ds)``."""
    from types import SimpleNamespace

    class Dataset:
        def __init__(self) -> None:
            self.mapped: dict = {}

        def __getattr__(self, name: str) -> object:
            return lambda *a, **kw: self

        def map_batches(self, fn: object, **kw: object) -> Dataset:
            self.mapped = {"fn": fn, **kw}
            return self

        def write_datasink(self, sink: object) -> None:
            write(self)

    return SimpleNamespace(is_initialized=lambda: True, data=SimpleNamespace(
        DataContext=SimpleNamespace(get_current=lambda: SimpleNamespace(
            execution_options=SimpleNamespace())),
        read_binary_files=lambda *a, **kw: Dataset(), ActorPoolStrategy=lambda size: None))


def test_a_ray_run_finishes_on_its_kg_version_when_a_commit_lands_mid_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An embedded KG: the run copies it at its version when it starts, and every actor opens
    the copy, so an actor that starts (or restarts) after a commit still parses the run's
    version and the run completes (before: the actor refused, the run failed). The copy is
    gone afterwards."""
    bundle, kg_dir = _live_bundle(tmp_path)
    q = _queries(tmp_path / "q.txt")
    seen = _versions_read(monkeypatch)
    actors: list = []

    def write(ds: Any) -> None:  # Ray starts the actors once the run is under way
        _commit_brand(kg_dir)
        actor = ds.mapped["fn"](*ds.mapped["fn_constructor_args"])
        actors.append(actor)
        rows = {"file": [0, 0], "line": [0, 1], "n": [2, 2], "text": ["plonkrite tv", "lg tv"]}
        assert len(actor(rows)["json"]) == 2

    out = tmp_path / "out"
    out.mkdir()
    producer = batch._producer(bundle)
    batch._run_ray(_fake_ray(write), bundle, [str(q)], out, producer, batch_size=2,
                   backend=None, concurrency=1, shard_size=2, address=None)
    assert set(seen) == {0} and len(seen) >= 2 and actors[0].snapshot.version == 0
    assert not actors[0].parser.kg.match("plonkrite")  # (the brand of version 1)
    manifest = json.loads((out / batch.BATCH_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["producer"]["kg_version"] == 0 and manifest["complete"] is True
    assert sorted(p.name for p in out.iterdir()) == [batch.BATCH_MANIFEST]  # (no copy left)
    actors[0].parser.kg.close()


def test_a_ray_run_on_a_kg_server_that_moves_fails_naming_both_versions(
        tmp_path: Path, oxigraph_server: Any) -> None:
    """A KG in a SPARQL server keeps its current version only: an actor (re)started after a
    commit refuses to parse (above), from its first call; Ray reports that as a failed task:
    the run says the KG moved and leaves the folder incomplete."""
    bundle, kg_dir = _live_bundle(tmp_path, oxigraph_server.url)
    q = _queries(tmp_path / "q.txt")

    def write(ds: Any) -> None:
        _commit_brand(kg_dir)
        raise RuntimeError("The actor died because of an error raised in its creation task")

    ray = _fake_ray(write)
    out = tmp_path / "out"
    out.mkdir()
    producer = batch._producer(bundle)
    with pytest.raises(ConfigError, match=r"moved from version 0 to 1 while this run parsed "
                                          r"it .* Rerun with --force") as err:
        batch._run_ray(ray, bundle, [str(q)], out, producer, batch_size=2, backend=None,
                       concurrency=1, shard_size=2, address=None)
    assert isinstance(err.value.__cause__, RuntimeError)
    assert json.loads((out / batch.BATCH_MANIFEST).read_text(encoding="utf-8"))[
        "complete"] is False


def test_a_view_first_built_after_a_commit_is_not_called_the_run_s_version() -> None:
    """The guard behind the pin: a KG view first used after a commit joins the run's snapshot
    at the newer version; the run then fails instead of recording one version."""
    import threading

    from kg.schema import Node, NodeKind

    g = ProductGraph()
    snapshot = g.snapshot()
    with g.pinned(snapshot):
        batch._check_pinned(snapshot, "the run")  # nothing moved
        other = threading.Thread(target=g.add_records,
                                 args=([Node(NodeKind.BRAND, "lg", "LG")],),
                                 kwargs={"progress": False})
        other.start()
        other.join()
        assert g.view("test.brands", lambda graph: len(list(graph.nodes()))) == 1
    with pytest.raises(ParserError, match=r"read KG version 0, but the KG view\(s\) test.brands "
                                        r"\(version 1\) were first built after a commit"):
        batch._check_pinned(snapshot, "the run")
