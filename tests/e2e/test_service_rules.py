"""Issue 17.4 and 17.8 (rule references): a bundle's rules file broken while the server runs
(a bad line, invalid UTF-8, deleted) keeps the last good rules in use, and /ready and /metrics
say so; applied rules are named relative to the bundle, never by a server path."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from test_service_hardening import Server

GOOD = "tv =>\n  SYNONYM: television\n"


def _write(path: Path, data: bytes) -> None:
    """Write and move the mtime on, so that the change is seen whatever the clock grain."""
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_bytes(data)
    os.utime(path, ns=(old + 2_000_000_000, old + 2_000_000_000))


def _eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``check()`` holds: the server reads a changed rules file once it has stayed
    unchanged for ``RulesFile.quiet_s`` (a save in progress is never served)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the rules edit was never picked up"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def rules_server(tmp_path_factory: pytest.TempPathFactory, tagger_dir: Path,
                 kg_dir: Path) -> Iterator[tuple[Server, Path]]:
    from parser.app.service import create_app
    from parser.bundle import build_bundle
    from parser.pipeline import QueryParser

    tmp = tmp_path_factory.mktemp("rules-bundle")
    (tmp / "rules.txt").write_text(GOOD)
    kg = tmp / "kg"
    shutil.copytree(kg_dir, kg)
    bundle = build_bundle(tmp / "bundle", tagger=tagger_dir, kg=kg, rules=tmp / "rules.txt",
                          parser_config={"max_query_chars": 200})
    parser = QueryParser.from_pretrained(bundle)
    parser.expander.rules.quiet_s = 0.2  # (serving default: 1 s)
    server = Server(create_app(parser))
    yield server, bundle / "rules.txt"
    server.stop()
    parser.kg.close()


def _synonyms(c: httpx.Client) -> tuple[list[str], list[str]]:
    r = c.post("/parse", json={"query": "samsung tv"})
    assert r.status_code == 200, r.text
    d = r.json()
    return [e["term"] for e in d["expansions"] if e["rule"]], d["applied_rules"]


def test_broken_rules_keep_the_last_good_ones_and_are_reported(rules_server) -> None:
    server, path = rules_server
    with httpx.Client(base_url=server.url, timeout=30) as c:
        terms, applied = _synonyms(c)
        assert terms == ["television"]
        assert applied == ["rules.txt:2: tv => SYNONYM(1): television"]  # no server path
        assert str(path.parent) not in c.post("/parse", json={"query": "tv"}).text
        ready = c.get("/ready").json()
        assert ready["status"] == "ready" and ready["rules"]["ok"] is True
        assert ready["rules"]["rules"] == 1 and ready["rules"]["path"] == "rules.txt"

        for broken, says in ((b"tv =>\n  SYNONYM: telly\nnot a rule line\n", "rules.txt:3:"),
                             (b"tv =>\n  SYNONYM: t\xe9l\xe9\n", "invalid UTF-8"),
                             (None, "does not exist")):
            if broken is None:
                path.unlink()
            else:
                _write(path, broken)
            assert _synonyms(c)[0] == ["television"], says  # still the last good rules
            _eventually(lambda: says in (c.get("/ready").json()["rules"]["error"] or ""))  # noqa: B023
            ready = c.get("/ready")
            assert ready.status_code == 200
            d = ready.json()
            assert d["status"] == "degraded" and d["rules"]["ok"] is False, d
            assert says in d["rules"]["error"] and says in d["problems"][0], d
            assert str(path.parent) not in ready.text
            metrics = c.get("/metrics").text
            assert "kgqp_rules_ok 0.0" in metrics and "kgqp_rules_loaded 1.0" in metrics

        _write(path, b"tv =>\n  SYNONYM: telly\n")  # fixed: picked up once settled
        _eventually(lambda: _synonyms(c)[0] == ["telly"])
        d = c.get("/ready").json()
        assert d["status"] == "ready" and d["rules"]["ok"] and d["rules"]["errors"] == 3
        metrics = c.get("/metrics").text
        assert "kgqp_rules_ok 1.0" in metrics and "kgqp_rules_reload_errors_total 3.0" in metrics


def test_a_rules_file_swapped_for_a_symlink_out_of_the_bundle_is_refused(
        rules_server, tmp_path: Path) -> None:
    """A bundle's rules file made a symlink to a file outside the bundle after it loaded: the
    live reload read it and /ready showed its first line (a security review, 2026-12-06);
    the bundle's RulesFile now keeps to the bundle (load_bundle passes it as the root)."""
    server, path = rules_server
    secret = tmp_path / "secret.env"
    secret.write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    good = path.read_bytes()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        served = _synonyms(c)[0]
    try:
        path.unlink()
        path.symlink_to(secret)
        with httpx.Client(base_url=server.url, timeout=30) as c:
            def refused() -> bool:
                c.post("/parse", json={"query": "tv"})
                return "outside the bundle" in c.get("/ready").text
            _eventually(refused)
            ready = c.get("/ready").text
            assert "hunter2" not in ready
            assert _synonyms(c)[0] == served  # the last good rules answer
    finally:
        path.unlink()
        _write(path, good)
