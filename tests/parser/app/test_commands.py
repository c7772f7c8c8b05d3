"""parser.app.commands: the CLI's helpers."""

from __future__ import annotations

import pytest

from parser.app.commands import _read_token


def test_the_token_file_gives_its_first_line(tmp_path):
    """The whole file was read: "tok\\n# old: tok-old" made every KG endpoint answer 401."""
    f = tmp_path / "token"
    f.write_text("tok\n# old: tok-old\n", encoding="utf-8")
    f.chmod(0o600)
    assert _read_token(f) == "tok"
    f.write_text("  tok  \r\n", encoding="utf-8")
    assert _read_token(f) == "tok"


@pytest.mark.parametrize("text", ["tok en\n", "tok\ten", "tok\x1b\n"])
def test_a_token_with_inner_space_is_refused_at_start(tmp_path, text):
    f = tmp_path / "token"
    f.write_text(text, encoding="utf-8")
    f.chmod(0o600)
    with pytest.raises(ValueError, match="first line"):
        _read_token(f)


# --- `kgqp parse --kg`: the KG a parse reads, and the log line that names it -----------------
def test_parse_takes_a_kg_and_logs_which_kg_it_read(tmp_path, monkeypatch):
    """`kgqp parse` had no --kg: with a copied home it read the KG the bundle's manifest named
    (maybe the original), and nothing said which KG a parse read."""
    import logging

    from typer.testing import CliRunner

    from kg import Node, NodeKind, ProductGraph
    from parser.app.cli import app
    from parser.pipeline import QueryParser

    kgdir = tmp_path / "kg-copy"
    with ProductGraph.open(kgdir) as g:
        g.add_records([Node(NodeKind.BRAND, "zorbo", "Zorbo")], progress=False)
    (tmp_path / "bundle").mkdir()
    given: dict[str, object] = {}

    class Parsed:
        def to_dict(self) -> dict:
            return {"query": "zorbo tv"}

    class Parser:  # (no model: the test is about the KG the command gives the parser)
        def __init__(self, kg):
            self.kg = kg

        def __call__(self, query, market=None):
            return Parsed()

    def from_pretrained(cls, bundle, *, kg=None, **kwargs):
        given["kg"] = kg
        return Parser(kg if kg is not None else ProductGraph.in_memory())

    monkeypatch.setattr(QueryParser, "from_pretrained", classmethod(from_pretrained))
    r = CliRunner().invoke(app, ["-v", "parse", "zorbo tv", "--bundle",
                                 str(tmp_path / "bundle"), "--kg", str(kgdir), "--json"])
    logging.getLogger().setLevel(logging.WARNING)  # (-v set the root logger's level)
    assert r.exit_code == 0, r.output
    graph = given["kg"]
    assert isinstance(graph, ProductGraph) and graph.path == kgdir and graph.read_only
    assert f"parse: read the KG at {kgdir} (version 1), given by --kg" in r.output
    # --input files read the KG the bundle names: --kg is refused there, not ignored
    queries = tmp_path / "q.txt"
    queries.write_text("tv\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["parse", "--input", str(queries), "--bundle",
                                 str(tmp_path / "bundle"), "--kg", str(kgdir)])
    assert r.exit_code == 2 and "--kg parses one QUERY" in r.output, r.output
