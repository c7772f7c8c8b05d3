"""Batch parsing of query files: the local engine (resumable) and the Ray Data engine give the
same JSON lines for the same file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

QUERIES = ["samsung tv", "red nike running shoes", "", "apple iphone case", "zorbo tv",
           "ｓａｍｓｕｎｇ ｔｖ", "wooden coffee table", "sony headphones"]


@pytest.fixture()
def own_bundle(bundle_dir: Path, tmp_path: Path) -> Path:
    """A private copy: the session's live server may hold the shared bundle's KG lock."""
    return Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))


def _write_queries(path: Path) -> Path:
    path.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    return path


def test_local_engine_resumes_after_interruption(own_bundle: Path, tmp_path: Path) -> None:
    from parser.app.batch import parse_file

    queries = _write_queries(tmp_path / "q.txt")
    full = tmp_path / "full.jsonl"
    assert parse_file(own_bundle, queries, full, batch_size=3, progress=False) == len(QUERIES)
    lines = full.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines] == QUERIES

    # an interrupted run: three complete lines and a torn fourth
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2],
                    encoding="utf-8")
    assert parse_file(own_bundle, queries, part, batch_size=3, progress=False) == len(QUERIES)
    assert part.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


@pytest.mark.slow
def test_ray_engine_matches_local(own_bundle: Path, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    from parser.app.batch import parse_file

    queries = _write_queries(tmp_path / "q.txt")
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    parse_file(own_bundle, queries, local, batch_size=3, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        n = parse_file(own_bundle, queries, distributed, batch_size=3, engine="ray")
    finally:
        ray.shutdown()
    assert n == len(QUERIES)
    assert distributed.read_text(encoding="utf-8") == local.read_text(encoding="utf-8")
