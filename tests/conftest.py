"""Fixtures shared by all test folders: a small real tmpfs for the disk-full tests, bench
scripts imported as modules."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="session")
def bench_module() -> Callable[[str], ModuleType]:
    """``bench_module("adapters_f1")``: the script ``bench/adapters_f1.py`` imported as a module
    (bench/ is not a package), for tests of its functions."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    return load


def _fill_disk(mnt: Path, leave: int) -> Path:
    st = os.statvfs(mnt)
    filler = mnt / "filler"
    filler.write_bytes(b"\0" * max(st.f_bavail * st.f_frsize - leave, 0))
    return filler


@pytest.fixture
def fill_disk() -> Callable[[Path, int], Path]:
    """``fill_disk(mnt, leave)`` fills the file system of ``mnt`` up to ``leave`` free bytes and
    returns the filler file (delete it to free the space)."""
    return _fill_disk


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs("3m")`` mounts a tmpfs of that size under ``tmp_path`` and returns it; unmounted
    at teardown. Needs root and mount rights: the test is skipped elsewhere."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        mnt = tmp_path / f"disk{len(mounted)}"
        mnt.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                           capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounted.append(mnt)
        return mnt

    try:
        yield mount
    finally:
        for mnt in mounted:
            subprocess.run(["umount", "-l", str(mnt)], check=False)


class OxigraphServer:
    """A real ``oxigraph serve`` process on a free loopback port, its data in ``location``.

    ``url`` is the ``sparql+http://`` URL for :meth:`kg.ProductGraph.open`; ``kill()`` sends
    SIGKILL, ``start()`` starts it again on the same port and location."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"sparql+http://127.0.0.1:{self.port}/?retries=2&backoff=0.05&check_interval=0"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import shutil
        import sys
        import time
        import urllib.request

        exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        if not Path(exe).exists():
            pytest.skip("the oxigraph server binary is missing: pip install oxigraph")
        self.proc = subprocess.Popen(
            [exe, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.http}/query?query=ASK%7B%7D", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"oxigraph serve did not start (exit {self.proc.poll()})"
                    ) from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh Oxigraph SPARQL server (``oxigraph serve``) for one test, torn down after it."""
    server = OxigraphServer(tmp_path / "oxigraph-db")
    server.start()
    try:
        yield server
    finally:
        server.stop()
