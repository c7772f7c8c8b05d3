"""The CLI's contract for shell scripts (review findings 1, 3, 4, 5, 10): JSON-only stdout,
the exit-code policy for ``serve``, range-checked options, no silent stale resume, and a quiet
end when stdout's reader goes away (``| head``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
KGQP = [sys.executable, "-m", "parser.app.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def _exit_code(fn: Any) -> tuple[int, str]:
    from parser.app.errors import cli_errors

    try:
        with cli_errors():
            fn()
    except typer.Exit as exc:
        return exc.exit_code, ""
    return 0, ""


# -- 1: quickstart --json --------------------------------------------------------------------
def test_quickstart_json_prints_only_json_lines_on_stdout(bundle_dir: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import parser.app.quickstart as qs
    from parser.app.cli import app

    bundle = Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))
    monkeypatch.setattr(qs, "ensure_default_bundle", lambda *a, **k: bundle)
    monkeypatch.setattr(qs, "EXAMPLE_QUERIES", ["samsung tv", "red shoes"])
    result = CliRunner().invoke(app, ["quickstart", "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["samsung tv", "red shoes"]
    assert "bundle:" in result.stderr and "KG:" in result.stderr


# -- 3: serve's exit codes --------------------------------------------------------------------
def test_serve_on_a_port_in_use_is_an_io_error_not_kg_locked(caplog) -> None:
    from parser.app.service import serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _ = _exit_code(lambda: serve(lambda: None, port=port))
    assert code == 1


def test_serve_exits_3_when_its_kg_is_locked(capsys) -> None:
    from kg.errors import KGLockedError
    from parser.app.service import serve

    def load() -> Any:
        raise KGLockedError("The KG at kgB is locked")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _ = _exit_code(lambda: serve(load, port=port))
    assert code == 3
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: the model did not load: KGLockedError: The KG at kgB is locked"]


# -- 4: option ranges -------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["serve", "--port", "99999"], ["serve", "--port", "-1"],
                                  ["kg", "link", "KG", "sony", "--limit", "-1"]])
def test_out_of_range_options_are_usage_errors(args: list[str]) -> None:
    from parser.app.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_library_serve_refuses_a_port_out_of_range() -> None:
    from parser.app.service import serve

    with pytest.raises(ValueError, match="out of range"):
        serve(lambda: None, port=99999)


# -- 5: no silent stale resume ----------------------------------------------------------------
def test_parse_output_resumes_only_the_same_bundle_and_kg(bundle_dir: Path,
                                                          tmp_path: Path) -> None:
    from parser.app.batch import parse_file
    from parser.errors import ConfigError

    bundle = Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))
    queries = tmp_path / "q.txt"
    queries.write_text("samsung tv\nred shoes\nlg tv\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert parse_file(bundle, queries, out, progress=False) == 3
    full = out.read_text(encoding="utf-8")
    out.write_text(full.splitlines(keepends=True)[0], encoding="utf-8")  # interrupted
    assert parse_file(bundle, queries, out, progress=False) == 3  # same bundle: resumes
    assert out.read_text(encoding="utf-8") == full

    # the KG was at another version when the output was written: refused
    meta_path = tmp_path / "out.jsonl.kgqp.json"
    record = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**record, "kg_version": record["kg_version"] - 1}),
                         encoding="utf-8")
    out.write_text(full.splitlines(keepends=True)[0], encoding="utf-8")
    with pytest.raises(ConfigError, match="KG version"):
        parse_file(bundle, queries, out, progress=False)
    meta_path.write_text(json.dumps(record), encoding="utf-8")
    # another bundle: refused
    other = Path(shutil.copytree(bundle, tmp_path / "bundle2"))
    meta = json.loads((bundle / "kgqp-bundle.json").read_text(encoding="utf-8"))
    meta["parser"] = {**meta.get("parser", {}), "max_query_chars": 199}  # another bundle
    (other / "kgqp-bundle.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ConfigError, match="--force"):
        parse_file(other, queries, out, progress=False)
    assert out.read_text(encoding="utf-8") == full.splitlines(keepends=True)[0]
    assert parse_file(other, queries, out, progress=False, force=True) == 3
    # an output with no record of its producer is refused too
    (tmp_path / "out.jsonl.kgqp.json").unlink()
    with pytest.raises(ConfigError, match="no record"):
        parse_file(other, queries, out, progress=False)


# -- 10: | head -------------------------------------------------------------------------------
def test_a_closed_stdout_ends_quietly_with_141(bundle_dir: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))
    queries = tmp_path / "q.txt"  # more output than a pipe buffers (64 KiB)
    queries.write_text("samsung tv\n" * 2000, encoding="utf-8")
    code = ("import sys; from parser.app.cli import main; sys.argv = ['kgqp', 'parse', "
            f"'--input', {str(queries)!r}, '--bundle', {str(bundle)!r}]; main()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(), cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, as `| head -c 10` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert "error" not in err.lower() and "Broken pipe" not in err


def test_a_broken_pipe_elsewhere_is_still_an_error(capsys) -> None:
    code, _ = _exit_code(lambda: (_ for _ in ()).throw(BrokenPipeError(32, "Broken pipe")))
    assert code == 1  # stdout (captured here) is fine: the pipe was another one
    assert "error: [Errno 32] Broken pipe" in capsys.readouterr().err
