"""Batch parsing of query files: the local engine (resumable, stdin/stdout) and the Ray Data
engine (actor pool, sharded output, resumable per shard) give the same JSON lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

QUERIES = ["samsung tv", "red nike running shoes", "", "apple iphone case", "zorbo tv",
           "ｓａｍｓｕｎｇ ｔｖ", "wooden coffee table", "sony headphones", "lg\rtv",
           "caf\u00e9 table"]
N_LINES = len(QUERIES)  # lines end at "\n" only: "lg\rtv" is one query, from a file or stdin


@pytest.fixture()
def own_bundle(bundle_dir: Path, tmp_path: Path) -> Path:
    """A private copy: the session's live server may hold the shared bundle's KG lock."""
    return Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))


def _write_queries(path: Path) -> Path:
    path.write_text("\n".join(QUERIES) + "\n", encoding="utf-8", newline="")
    return path


def test_local_engine_resumes_after_interruption(own_bundle: Path, tmp_path: Path) -> None:
    from parser.app.batch import parse_file

    queries = _write_queries(tmp_path / "q.txt")
    full = tmp_path / "full.jsonl"
    assert parse_file(own_bundle, queries, full, batch_size=3, progress=False) == N_LINES
    lines = full.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines][:3] == QUERIES[:3]

    # an interrupted run: three complete lines and a torn fourth
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2],
                    encoding="utf-8")
    # (the run records its bundle and KG version beside its output before the first line)
    shutil.copy(tmp_path / "full.jsonl.kgqp.json", tmp_path / "part.jsonl.kgqp.json")
    assert parse_file(own_bundle, queries, part, batch_size=3, progress=False) == N_LINES
    assert part.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


def test_parse_reads_stdin_and_writes_stdout(own_bundle: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from parser.app.batch import parse_file
    from parser.app.cli import app

    queries = _write_queries(tmp_path / "q.txt")
    expected = tmp_path / "expected.jsonl"
    parse_file(own_bundle, queries, expected, batch_size=3, progress=False)
    res = CliRunner().invoke(app, ["parse", "--bundle", str(own_bundle), "--input", "-",
                                   "--output", "-", "--batch-size", "3"],
                             input=queries.read_bytes())
    assert res.exit_code == 0, res.output
    assert res.stdout == expected.read_text(encoding="utf-8")
    assert f"wrote {N_LINES} parsed queries to stdout" in res.stderr


def test_inputs_read_alike_and_resume_only_their_own_output(own_bundle: Path,
                                                             tmp_path: Path) -> None:
    """A gzip file, a file with invalid UTF-8 and stdin give the same lines; an output of
    another input is refused instead of resumed into; a folder gets a clear error."""
    import gzip

    from typer.testing import CliRunner

    from parser.app.batch import parse_file
    from parser.app.cli import app
    from parser.errors import ConfigError

    data = b"samsung tv\r\nred shoes\rblue jeans\ncaf\xe9 table\n"
    plain = tmp_path / "q.txt"
    plain.write_bytes(data)
    packed = tmp_path / "q.log"  # gzip whatever its name
    packed.write_bytes(gzip.compress(data))
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert parse_file(own_bundle, plain, a, progress=False) == 3
    assert parse_file(own_bundle, packed, b, progress=False) == 3
    assert a.read_bytes() == b.read_bytes()
    texts = [json.loads(line)["text"] for line in a.read_text(encoding="utf-8").splitlines()]
    assert texts == ["samsung tv", "red shoes\rblue jeans", "caf\ufffd table"]
    res = CliRunner().invoke(app, ["parse", "--bundle", str(own_bundle), "--input", "-",
                                   "--output", "-"], input=data)
    assert res.exit_code == 0, res.output
    assert res.stdout == a.read_text(encoding="utf-8")

    other = tmp_path / "other.txt"
    other.write_text("lg tv\nsony headphones\ndell laptop\nnike shoes\n", encoding="utf-8")
    before = a.read_bytes()
    with pytest.raises(ConfigError, match="holds parses of other queries"):
        parse_file(own_bundle, other, a, progress=False)
    with pytest.raises(ConfigError, match="holds parses of other queries"):
        parse_file(own_bundle, tmp_path / "q.txt", _longer(a, tmp_path), progress=False)
    assert a.read_bytes() == before
    with pytest.raises(ConfigError, match="is a directory"):
        parse_file(own_bundle, tmp_path, tmp_path / "c.jsonl", progress=False)


def _longer(out: Path, tmp_path: Path) -> Path:
    """An output with one parse more than its input has lines (and ``out``'s record)."""
    longer = tmp_path / "longer.jsonl"
    lines = out.read_bytes().splitlines(keepends=True)
    longer.write_bytes(b"".join(lines + lines[:1]))
    record = out.with_name(out.name + ".kgqp.json")
    longer.with_name(longer.name + ".kgqp.json").write_bytes(record.read_bytes())
    return longer


@pytest.mark.slow  # starts a local Ray (~20 s here)
def test_ray_engine_matches_local_and_resumes_per_shard(own_bundle: Path,
                                                         tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    from parser.app.batch import merge_shards, parse_file

    inputs = tmp_path / "in"
    inputs.mkdir()
    _write_queries(inputs / "a.txt")
    (inputs / "b.txt").write_text("lg oled tv\nsamsung phone\n", encoding="utf-8")
    local = tmp_path / "local.jsonl"
    parse_file(own_bundle, inputs / "a.txt", local, batch_size=3, progress=False)
    local_b = tmp_path / "local_b.jsonl"
    parse_file(own_bundle, inputs / "b.txt", local_b, batch_size=3, progress=False)
    expected = local.read_text(encoding="utf-8") + local_b.read_text(encoding="utf-8")

    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False)
    try:
        out = tmp_path / "shards"
        n = parse_file(own_bundle, inputs, out, batch_size=3, engine="ray", concurrency=2,
                       shard_size=4)
        assert n == N_LINES + 2
        assert merge_shards(out, tmp_path / "merged.jsonl") == N_LINES + 2
        assert (tmp_path / "merged.jsonl").read_text(encoding="utf-8") == expected
        shards = sorted(p.name for p in out.glob("f*.jsonl"))
        assert shards[0].startswith("f00000-s000000-") and shards[-1].startswith("f00001-s000000")

        # an interrupted run: one shard lost -> only it is redone; the others are not rewritten
        lost = out / shards[1]
        lost.unlink()
        other = lambda name: name[:14] != lost.name[:14]  # noqa: E731 - another (file, shard)
        kept = {p.name: p.stat().st_mtime_ns for p in out.glob("f*.jsonl") if other(p.name)}
        assert parse_file(own_bundle, inputs, out, batch_size=3, engine="ray",
                          shard_size=4) == N_LINES + 2
        assert {p.name: p.stat().st_mtime_ns for p in out.glob("f*.jsonl")
                if p.name in kept} == kept
        assert merge_shards(out, tmp_path / "merged2.jsonl") == N_LINES + 2
        assert (tmp_path / "merged2.jsonl").read_text(encoding="utf-8") == expected

        # a .jsonl output: shards beside it, merged into it
        single = tmp_path / "ray.jsonl"
        assert parse_file(own_bundle, inputs / "a.txt", single, batch_size=3, engine="ray",
                          concurrency=2) == N_LINES
        assert single.read_text(encoding="utf-8") == local.read_text(encoding="utf-8")
    finally:
        ray.shutdown()


def test_a_bom_is_no_part_of_the_first_query() -> None:
    """`kgqp parse --input` kept a UTF-8 BOM in the first query ("\\ufeffsamsung tv"), where
    the tagger commands strip it."""
    import io

    from parser.app.batch import _text

    lines = list(_text(io.BufferedReader(io.BytesIO(b"\xef\xbb\xbfsamsung tv\nlg tv\n"))))
    assert lines == ["samsung tv\n", "lg tv\n"]
