"""`--engine ray` says what is wrong with Ray: missing (install the extra) or installed but
not importable (a version the extra does not allow), not the same advice for both."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from parser.app.batch import _parse_file_ray
from parser.errors import ParserError


def _run(tmp_path: Path) -> None:
    _parse_file_ray(tmp_path / "bundle", str(tmp_path / "in.txt"), tmp_path / "out.jsonl",
                    batch_size=8, backend=None, concurrency=1, shard_size=10, address=None)


def test_ray_missing_asks_for_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # (import ray: ModuleNotFoundError 'ray')
    with pytest.raises(ParserError, match=r"needs the 'ray' extra"):
        _run(tmp_path)


def test_ray_that_does_not_import_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", types.ModuleType("ray"))  # no ray.data in it
    monkeypatch.delitem(sys.modules, "ray.data", raising=False)
    with pytest.raises(ParserError, match=r"ray is installed but ray.data does not import"):
        _run(tmp_path)
