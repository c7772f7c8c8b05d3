"""``parser.app.service``: the server :func:`serve` runs (its uvicorn settings), against a real
uvicorn server on a loopback port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _stand_in_server(log_level: str, **limits: Any) -> Iterator[int]:
    """A server configured as :func:`serve` configures it (``uvicorn_config``) with the
    :class:`ServiceLimits` ``limits``, around an app of a stand-in parser (``/health``
    answers), run in a thread while the block runs; its port."""
    import uvicorn

    from parser.app.service import ServiceLimits, create_app, uvicorn_config

    port = _free_port()
    parser = SimpleNamespace(pipe=lambda queries: iter(()))  # (never called here)
    server = uvicorn.Server(uvicorn_config(
        create_app(parser), port=port, limits=ServiceLimits(**limits),
        log_level=log_level, timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture()
def slow_server() -> Iterator[int]:
    """A stand-in server (:func:`_stand_in_server`) with a header deadline of 0.5 s; its port."""
    with _stand_in_server("warning", header_timeout_s=0.5) as port:
        yield port


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (its headers and its ``content-length`` bytes of body)."""
    sock.settimeout(2)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                  if line.startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


def _read_all(sock: socket.socket, timeout: float) -> bytes | None:
    """What the server sends until it closes the connection; None if it is still open after
    ``timeout`` seconds."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return data


def test_a_client_trickling_its_headers_is_cut_off_at_the_header_deadline(slow_server):
    """Slowloris: a client sending its request headers a byte at a time held its connection
    forever (uvicorn has no header deadline; ``body_timeout_s`` starts once the headers are
    in), as did one that sent nothing. Now both are closed at ``header_timeout_s`` (the
    trickler with a 408), while a normal request still gets its answer."""
    port = slow_server
    slow = socket.create_connection(("127.0.0.1", port))
    idle = socket.create_connection(("127.0.0.1", port))
    request = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 40
    t0 = time.monotonic()
    try:
        for i in range(4):  # 4 bytes well under the deadline of 0.5 s: the headers are not in
            slow.sendall(request[i:i + 1])
            time.sleep(0.02)
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        # (wide margins: on a loaded machine the server may answer late, never early)
        answer = _read_all(slow, timeout=5)
        assert answer is not None, "the slow client still holds its connection"
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert 0.4 < time.monotonic() - t0 < 5
        assert _read_all(idle, timeout=5) == b""  # (closed without a word)
    finally:
        slow.close()
        idle.close()


def test_the_header_deadline_restarts_with_each_request_of_a_kept_alive_connection(
        slow_server):
    """A request answered in time leaves the connection open (keep-alive); its next request
    trickled in is cut off at the deadline too, counted from its first byte."""
    port = slow_server
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = _read_response(sock)
        assert first.startswith(b"HTTP/1.1 200") and first.endswith(b'"ok"}'), first
        time.sleep(0.6)  # past the deadline of the first request: a new one starts now
        t0 = time.monotonic()
        sock.sendall(b"G")
        time.sleep(0.02)
        sock.sendall(b"E")  # (well under the deadline)
        answer = _read_all(sock, timeout=5)
        assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
        # not closed at once (the first request's deadline is past), but a deadline after
        # the first byte of this one (wide margins: a loaded machine answers late, never early)
        assert 0.4 < time.monotonic() - t0 < 5
    finally:
        sock.close()


def test_serve_runs_uvicorn_with_the_header_deadline_and_a_connection_bound(monkeypatch):
    """``serve`` gives uvicorn the header-deadline protocol and ``limit_concurrency`` of its
    limits (it ran uvicorn's plain h11 protocol, without either)."""
    import uvicorn

    from parser.app.service import ServiceLimits, serve

    seen: dict[str, Any] = {}

    def run(self: Any, *args: Any, **kwargs: Any) -> None:
        seen["config"] = self.config

    monkeypatch.setattr(uvicorn.Server, "run", run)
    parser = SimpleNamespace(pipe=lambda queries: iter(()))  # (a loaded parser: never used)
    serve(parser, port=0, limits=ServiceLimits(header_timeout_s=3.0, max_connections=17))
    config = seen["config"]
    assert config.limit_concurrency == 17
    assert getattr(config.http, "header_timeout", None) == 3.0
    serve(parser, port=0)
    assert seen["config"].limit_concurrency == ServiceLimits().max_connections == 256
    assert seen["config"].http.header_timeout == ServiceLimits().header_timeout_s == 10.0


@pytest.mark.parametrize("field", ["header_timeout_s", "max_connections"])
def test_the_new_limits_refuse_nonsense(field):
    from parser.app.service import ServiceLimits

    with pytest.raises(ValueError, match=field):
        ServiceLimits(**{field: 0})
    if field == "header_timeout_s":
        with pytest.raises(ValueError, match=field):
            ServiceLimits(header_timeout_s=float("nan"))


def test_kgqp_serve_passes_the_header_deadline_and_the_connection_bound(monkeypatch, tmp_path):
    """``kgqp serve --header-timeout S --max-connections N`` reach :func:`serve`'s limits."""
    from typer.testing import CliRunner

    import parser.app.service as service
    from parser.app.cli import app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(service, "serve", lambda load, **kw: seen.update(kw))
    result = CliRunner().invoke(app, ["serve", "--bundle", str(tmp_path), "--header-timeout",
                                      "2.5", "--max-connections", "9"])
    assert result.exit_code == 0, result.output
    assert seen["limits"].header_timeout_s == 2.5 and seen["limits"].max_connections == 9
    result = CliRunner().invoke(app, ["serve", "--bundle", str(tmp_path), "--header-timeout",
                                      "0"])
    assert result.exit_code != 0 and "header_timeout_s" in result.output, result.output


# -- KG errors name no server path --------------------------------------------------------------
class _PrunedKG:
    """A KG whose history was pruned: rollback raises the error kg.graph raises."""

    version = 3

    def __init__(self, path: Path) -> None:
        self.path = path

    def rollback(self, version: int, message: str | None = None) -> int:
        from kg.graph import KGError

        raise KGError(f"Cannot roll back to version {version}: the version history of "
                      f"{self.path} was pruned (see {self.path}/versions/pruned.json; `kgqp kg "
                      "versions` marks the pruned ones)")


@pytest.mark.parametrize("relative", [False, True])
def test_a_kg_error_answer_names_the_kg_not_its_folder(tmp_path, monkeypatch, relative):
    """The 409 of a rollback past the pruned history said "the version history of
    /srv/.../kg was pruned": a server path in an HTTP answer."""
    from fastapi.testclient import TestClient

    from parser.app.service import create_app

    monkeypatch.chdir(tmp_path)
    path = Path("data/kg") if relative else tmp_path / "kg"
    with TestClient(create_app(SimpleNamespace(kg=_PrunedKG(path)))) as c:
        r = c.post("/kg/rollback", json={"version": 1})
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "the KG refused the request: Cannot roll back to version 1: the version history of the "
        "KG was pruned (see KGDIR/versions/pruned.json; `kgqp kg versions` marks the pruned "
        "ones)")
    assert str(tmp_path) not in r.text


# -- the connection bound answers 503, it does not refuse connections ---------------------------
def test_max_connections_accepts_connections_beyond_it_and_answers_their_requests_503():
    """``max_connections`` (uvicorn's ``limit_concurrency``) holds no connection back: one
    beyond the bound is accepted, and its request is answered 503 while the bound's connections
    are open (idle ones too); once they are closed, a request is answered."""
    request = b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
    with _stand_in_server("critical", max_connections=2) as port:
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        extra = socket.create_connection(("127.0.0.1", port))  # (accepted: no error)
        time.sleep(0.5)  # (the server has taken the three connections in)
        extra.sendall(request)
        assert _read_response(extra).startswith(b"HTTP/1.1 503"), "not answered 503"
        for sock in (*held, extra):
            sock.close()
        time.sleep(0.2)  # (the server sees the connections closed)
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
