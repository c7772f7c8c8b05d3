"""``kgqp kg load`` under scripts (review of the CLI, findings 7, 8 and 9): an interrupted load
said nothing of the KG's version; SIGTERM (``timeout``) left an empty new KG folder behind; the
commit warnings went to stdout as well as to the log, and a non-terminal stdout cut the report
to 80 columns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parser.app.cli import app

ROOT = Path(__file__).resolve().parents[2]
EDGE_NT = (
    "<https://kgqp.dev/id/product/zz1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://schema.org/Product> .\n"
    "<https://kgqp.dev/id/product/zz1> <https://schema.org/name> \"ZZ phone\" .\n"
    "<https://kgqp.dev/id/product/zz1> <https://schema.org/brand> "
    "<https://kgqp.dev/id/brand/no-such-brand-xyz> .\n")


def _brands(path: Path, n: int) -> Path:
    """A gazetteer that takes several seconds to load (time to interrupt it)."""
    path.write_text("".join(f"zorbobrand{i} co\n" for i in range(n)), encoding="utf-8")
    return path


def _start(tmp_path: Path, *args: str | Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "parser.app.cli", "kg", "load", *map(str, args), "-k",
         "gazetteer", "--node-kind", "brand"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes], sig: int) -> tuple[int, str, str]:
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_first_load_removes_the_new_kg_and_says_so(tmp_path: Path, sig: int) -> None:
    big = _brands(tmp_path / "brands.txt", 100_000)
    kgdir = tmp_path / "kgN"
    proc = _start(tmp_path, kgdir, big)
    _wait_for(kgdir / "versions", proc)  # the store is open: the load is under way
    time.sleep(0.5)
    rc, _out, err = _stop(proc, sig)
    assert rc == 128 + sig, (rc, err)
    assert not kgdir.exists()  # no empty KG that `kg stats` would open at version 0
    lines = err.strip().splitlines()
    assert lines == [f"error: interrupted ({signal.Signals(sig).name}); nothing loaded; the new "
                     f"KG {kgdir} was removed"], err


def test_interrupted_load_says_which_version_it_committed(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_text("alphabrand\n", encoding="utf-8")
    big = _brands(tmp_path / "brands.txt", 100_000)
    kgdir = tmp_path / "kgC"
    proc = _start(tmp_path, kgdir, small, big)
    _wait_for(kgdir / "versions" / "000001.json", proc)  # small.txt committed version 1
    time.sleep(0.3)
    rc, out, err = _stop(proc, signal.SIGINT)
    assert rc == 130, (rc, err)
    assert err.strip().splitlines() == [
        f"error: interrupted (SIGINT); the KG at {kgdir} was committed: version 0 -> 1"], err
    assert "1 of 2 file(s) loaded before the interruption" in out
    # a load into that KG interrupted before its commit leaves it at its version
    proc = _start(tmp_path, kgdir, big)
    time.sleep(2.5)
    assert not (kgdir / "versions" / "000002.json").exists()
    rc, out, err = _stop(proc, signal.SIGTERM)
    assert rc == 143, (rc, err)
    assert err.strip().splitlines() == [
        f"error: interrupted (SIGTERM); the KG at {kgdir} was left at version 1 (nothing "
        "committed)"], err


def test_load_warnings_stay_off_stdout_and_the_report_is_not_cut(tmp_path: Path) -> None:
    deep = tmp_path / ("a-long-folder-name-" * 4) / "edge-with-a-dangling-brand.nt"
    deep.parent.mkdir()
    deep.write_text(EDGE_NT, encoding="utf-8")
    kgdir = tmp_path / "kgD"
    r = CliRunner().invoke(app, ["-q", "kg", "load", str(kgdir), str(deep), "-k", "rdf"])
    assert r.exit_code == 0, r.output
    assert "warning:" not in r.stdout  # logged (stderr) once; -q silences it
    assert "no-such-brand-xyz" not in r.stdout
    assert str(deep) in r.stdout  # the file's whole name, though stdout is no terminal
    assert f"KG at {kgdir}: version 0 -> 1" in r.stdout
    r = CliRunner().invoke(app, ["kg", "load", str(kgdir), str(deep), "-k", "rdf"])
    assert r.exit_code == 0 and "no-such-brand-xyz" not in r.stdout, r.stdout
