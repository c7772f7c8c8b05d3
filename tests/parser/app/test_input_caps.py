"""``kgqp parse --input``: a line is read with a length cap, from a file, a gzip file or
stdin alike. A small gzip file holding one huge line costs bounded memory, and its output
line holds a bounded, truncated "text"; resuming such an output still works."""

from __future__ import annotations

import gzip
import io
import json
import sys
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest

from kg import ProductGraph
from parser.app import batch
from parser.errors import InputError
from parser.pipeline import ParserConfig, QueryParser
from parser.tagger.predict import TaggedText

CAP = 1 << 16  # characters of a line that are read (a bundle's max_query_chars is smaller)


def _bomb(path: Path, mib: int) -> Path:
    """samsung tv, a line of ``mib`` MiB of "a", lg tv: written in pieces, never in memory."""
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(b"samsung tv\n")
        for _ in range(mib):
            fh.write(b"a" * (1 << 20))
        fh.write(b"\nlg tv\n")
    return path


def test_a_huge_gzip_line_is_read_in_bounded_memory(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.txt.gz", 50)
    tracemalloc.start()
    try:
        with batch._open_input(bomb) as fh:
            lengths = [len(q) if q.startswith("a") else q for q in batch._lines(fh)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lengths == ["samsung tv", CAP, "lg tv"]
    assert peak < 8 << 20, f"peak {peak / 2**20:.0f} MiB for a 50 MiB line"


class _Tagger:
    """A tagger that finds nothing (the pipeline's TokenTagger protocol; no model)."""

    def prepare(self, texts, *, matches=None):
        return list(texts)

    def forward(self, items, *, pooled=False, batch=False):
        return None, None

    def decode(self, items, logits):
        return [TaggedText(text, []) for text in items]


@pytest.fixture()
def fake_bundle(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """parse_file's parser: no bundle, a tagger without a model (``.config`` to change)."""
    made = SimpleNamespace(config=ParserConfig(expand=False))

    def from_pretrained(cls, bundle, **kwargs):
        return QueryParser(tagger=_Tagger(), kg=ProductGraph.in_memory(), config=made.config)

    monkeypatch.setattr(QueryParser, "from_pretrained", classmethod(from_pretrained))
    # (no bundle on disk: what produced an output is a fixed record)
    monkeypatch.setattr(batch, "_producer",
                        lambda bundle: {"bundle_manifest_sha256": "fake", "kg_version": 0})
    return made


def _rows(data: str) -> list[tuple[str | int, bool]]:
    rows = [json.loads(line) for line in data.splitlines()]
    return [(len(r["text"]) if r["text"].startswith("a") else r["text"], r["truncated"])
            for r in rows]


def test_parse_file_writes_a_bounded_text_and_resumes(fake_bundle: SimpleNamespace,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    bomb = _bomb(tmp_path / "bomb.txt.gz", 2)
    out = tmp_path / "out.jsonl"
    assert batch.parse_file(tmp_path / "bundle", bomb, out, progress=False) == 3
    expected = out.read_text(encoding="utf-8")
    assert _rows(expected) == [("samsung tv", False), (CAP, True), ("lg tv", False)]

    # an interrupted run: the two first lines and a torn third -> redone, the same
    lines = expected.splitlines(keepends=True)
    out.write_text(lines[0] + lines[1] + lines[2][:5], encoding="utf-8")
    assert batch.parse_file(tmp_path / "bundle", bomb, out, progress=False) == 3
    assert out.read_text(encoding="utf-8") == expected
    # interrupted after the huge line's parse: resumes after it
    out.write_text(lines[0] + lines[1], encoding="utf-8")
    assert batch.parse_file(tmp_path / "bundle", bomb, out, progress=False) == 3
    assert out.read_text(encoding="utf-8") == expected

    # a plain file and stdin read the same lines
    plain = tmp_path / "bomb.txt"
    with gzip.open(bomb, "rb") as src, open(plain, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    out2 = tmp_path / "plain.jsonl"
    assert batch.parse_file(tmp_path / "bundle", plain, out2, progress=False) == 3
    assert out2.read_text(encoding="utf-8") == expected
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BufferedReader(
        io.BytesIO(bomb.read_bytes()))))
    capsys.readouterr()
    assert batch.parse_file(tmp_path / "bundle", "-", "-", progress=False) == 3
    assert capsys.readouterr().out == expected


def test_on_too_long_error_still_refuses_a_huge_line(fake_bundle: SimpleNamespace,
                                                     tmp_path: Path) -> None:
    fake_bundle.config = ParserConfig(expand=False, on_too_long="error")
    bomb = _bomb(tmp_path / "bomb.txt.gz", 2)
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match=f"the query has {CAP} characters; the limit is 512"):
        batch.parse_file(tmp_path / "bundle", bomb, out, progress=False, batch_size=1)
    assert _rows(out.read_text(encoding="utf-8")) == [("samsung tv", False)]


def test_the_cap_exceeds_the_bundles_query_limit(tmp_path: Path) -> None:
    """A bundle that parses longer queries reads longer lines: a capped line is still over
    its limit (truncated, or refused with on_too_long="error")."""
    assert batch._line_cap(tmp_path / "missing") == CAP
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    manifest = bundle / "kgqp-bundle.json"
    manifest.write_text(json.dumps({"tagger": "tagger", "parser": {"max_query_chars": 100_000}}),
                        encoding="utf-8")
    assert batch._line_cap(bundle) == 100_001
    manifest.write_text(json.dumps({"tagger": "tagger", "parser": {"max_query_chars": 600}}),
                        encoding="utf-8")
    assert batch._line_cap(bundle) == CAP
    assert batch._split_lines(gzip.compress(b"\xef\xbb\xbfa\r\n" + b"b" * 9 + b"\nc"), cap=4) \
        == ["a", "bbbb", "c"]
