"""The ``--kg`` options of ``kgqp fusion`` and ``kgqp tagger`` take a KG server URL, as every
place a KG folder is accepted does (docs/howto-kg-server.md), against a real ``oxigraph serve``;
a missing folder keeps its clear usage error, and a server that does not answer its own."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import Edge, Node, NodeKind, ProductGraph, Relation

CATS = {"tv": ("TV & Home Theater", None), "tvs": ("TV & Home Theater > TVs", "tv"),
        "app": ("Appliances", None), "fridge": ("Appliances > Refrigerators", "app")}
TRAIN = [("samsung tv", "TV & Home Theater > TVs"), ("lg tvs", "TV & Home Theater > TVs"),
         ("samsung fridge", "Appliances > Refrigerators"),
         ("lg refrigerators", "Appliances > Refrigerators")]


def _records() -> list[Node | Edge]:
    cats = {k: Node(NodeKind.CATEGORY, f"t/{k}", path.split(" > ")[-1], path=path)
            for k, (path, _) in CATS.items()}
    brands = [Node(NodeKind.BRAND, n.lower(), n) for n in ("Samsung", "Lg")]
    return [*cats.values(), *brands,
            *(Edge(cats[k].iri, Relation.PARENT, cats[p].iri)
              for k, (_, p) in CATS.items() if p),
            *(Edge(b.iri, Relation.SELLS_IN, cats[c].iri) for b in brands
              for c in ("tvs", "fridge"))]


@pytest.fixture
def kg_url(oxigraph_server) -> str:
    """The URL of a live KG server holding a small KG."""
    with ProductGraph.open(oxigraph_server.url) as g:
        g.add_records(_records(), progress=False)
    return oxigraph_server.url


@pytest.fixture
def tagger_dir(tmp_path: Path) -> Path:
    from parser.tagger.testing import tiny_tagger

    return tiny_tagger(lexicon_kinds=["brand", "category"]).save(tmp_path / "tagger")


def _run(*args: str):
    from parser.app.cli import app

    return CliRunner().invoke(app, list(args))


def _said(res) -> str:
    """The output as one line: click's usage errors come in a box that wraps long lines."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", res.output).split())


def _dead_url() -> str:
    with socket.socket() as s:  # a loopback port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"sparql+http://127.0.0.1:{port}/?retries=0"


def test_fusion_train_and_evaluate_take_a_kg_server_url(kg_url, tagger_dir, tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"query": q, "category": c}) + "\n" for q, c in TRAIN))
    out = tmp_path / "fusion"
    res = _run("fusion", "train", "--kg", kg_url, "--train", str(data), "--out", str(out),
               "--tagger", str(tagger_dir), "--epochs", "2", "--members", "1",
               "--gnn-steps", "2", "--threads", "1")
    assert res.exit_code == 0, res.output
    assert (out / "graph" / "gnn.safetensors").is_file()
    res = _run("fusion", "evaluate", str(out), "--kg", kg_url, "--data", str(data),
               "--tagger", str(tagger_dir), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["n"] == len(TRAIN)


def test_tagger_predict_takes_a_kg_server_url(kg_url, tagger_dir, caplog):
    res = _run("tagger", "predict", str(tagger_dir), "samsung tv", "lg fridge", "--kg", kg_url)
    assert res.exit_code == 0, res.output
    assert len([json.loads(line) for line in res.output.strip().splitlines()]) == 2
    # the server is the lexicon: the tagger is not run with its lexicon features off
    assert not [r for r in caplog.records if "loaded without a KG" in r.getMessage()]


def test_a_missing_kg_folder_is_still_a_usage_error(tagger_dir, tmp_path):
    missing = tmp_path / "no-kg"
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps({"query": "tv", "category": "TV & Home Theater > TVs"}) + "\n")
    res = _run("fusion", "train", "--kg", str(missing), "--train", str(data), "--out",
               str(tmp_path / "out"), "--tagger", str(tagger_dir))
    assert res.exit_code == 2 and "does not exist" in _said(res)
    assert "kgqp kg build-default" in _said(res)
    res = _run("tagger", "predict", str(tagger_dir), "tv", "--kg", str(missing))
    assert res.exit_code == 2 and "is not a KG directory" in _said(res)
    # an http:// URL is no KG location: a usage error, as fusion's --kg (not a traceback)
    for cmd in (("tagger", "predict", str(tagger_dir), "tv"), ("fusion", "expand", "tv")):
        res = _run(*cmd, "--kg", "http://127.0.0.1:9/kg")
        assert res.exit_code == 2, (cmd, res.output, res.exception)


def test_a_server_that_does_not_answer_says_so(tagger_dir, tmp_path):
    url = _dead_url()
    res = _run("tagger", "predict", str(tagger_dir), "tv", "--kg", url)
    assert res.exit_code == 1, res.output
    assert "not a KG directory" not in _said(res)
    assert "KG server at http://127.0.0.1" in _said(res)
    res = _run("fusion", "expand", "tv", "--kg", url, "--tagger", str(tagger_dir))
    assert res.exit_code == 1, res.output
    assert "does not exist" not in _said(res) and "KG server at" in _said(res)


@pytest.mark.parametrize("command", ["train", "evaluate", "expand"])
def test_fusion_kg_help_names_a_command_that_exists(command):
    said = _said(_run("fusion", command, "--help"))
    assert "KG directory (kgqp kg build-default), or a KG server URL" in said
    assert _run("kg", "build-default", "--help").exit_code == 0
