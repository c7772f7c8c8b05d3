"""The bad-input corpus of docs/reliability.md through the Python API, the CLI and HTTP:
a correct answer or a clear error, never a crash, a hang, a traceback or a 500."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import httpx
import jsonschema
import pytest
from support import BAD_INPUTS, REPO
from typer.testing import CliRunner

from parser.pipeline import InputError, ParserConfig, QueryParser
from parser.types import parsed_query_schema

SCHEMA = parsed_query_schema()
IDS = list(BAD_INPUTS)


def _check(d: dict) -> None:
    jsonschema.validate(d, SCHEMA)
    for e in d["entities"]:
        assert d["text"][e["start"]:e["end"]] == e["text"]
    spans = sorted((e["start"], e["end"]) for e in d["entities"])
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


@pytest.fixture(scope="module")
def api_parser(live):
    return QueryParser(tagger=live.parser.tagger, kg=live.parser.kg,
                       config=ParserConfig(max_query_chars=512))


@pytest.mark.parametrize("name", IDS)
def test_python_api(api_parser, name):
    text = BAD_INPUTS[name]
    if name == "lone_surrogate":
        with pytest.raises(InputError, match="surrogate"):
            api_parser(text)
        return
    q = api_parser(text)
    d = q.to_dict()
    _check(d)
    assert d["text"] == text
    assert d["truncated"] is (len(text) > 512)
    strict = QueryParser(tagger=api_parser.tagger, kg=api_parser.kg,
                         config=ParserConfig(max_query_chars=512, on_too_long="error"))
    if len(text) > 512:
        with pytest.raises(InputError, match="limit is 512"):
            strict(text)
    else:
        assert strict(text).entities == q.entities


def test_python_api_batch_of_everything(api_parser):
    texts = [t for n, t in BAD_INPUTS.items() if n != "lone_surrogate"]
    out = list(api_parser.pipe(texts, batch_size=4))
    assert [q.text for q in out] == texts
    for q in out:
        _check(q.to_dict())


@pytest.mark.parametrize("name", IDS)
def test_http(live, name):
    text = BAD_INPUTS[name]
    body = json.dumps({"query": text}).encode()  # ASCII escapes, "\ud800" included
    r = httpx.post(live.url + "/parse", content=body, timeout=30,
                   headers={"content-type": "application/json"})
    if name == "lone_surrogate" or len(text) > 200:  # the live server's limits
        assert r.status_code == (413 if len(body) > 16 * 1024 else 422), r.text[:300]
        assert "detail" in r.json()
    else:
        assert r.status_code == 200, r.text[:300]
        _check(r.json())
        assert r.json()["text"] == text


def test_http_invalid_utf8_bytes(live):
    body = b'{"query": "samsung \xc3\x28 \xff tv"}'
    r = httpx.post(live.url + "/parse", content=body,
                   headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 422


@pytest.fixture(scope="module")
def cli():
    from parser.app.cli import app

    return app, CliRunner()


@pytest.mark.parametrize("name", IDS)
def test_cli_parse(cli, bundle_dir, name):
    app, runner = cli
    text = BAD_INPUTS[name]
    args = ["-q", "parse", "--bundle", str(bundle_dir), "--json"]
    if text.startswith("-"):  # without "--" click reads it as an option: usage error, exit 2
        bad = runner.invoke(app, [*args, text])
        assert bad.exit_code == 2 and "Traceback" not in bad.output
    result = runner.invoke(app, [*args, "--", text])
    if name == "lone_surrogate":  # bad input data: exit 2 under the CLI's policy
        assert result.exit_code == 2, result.output
        assert "error:" in result.stderr and "surrogate" in result.stderr
    else:
        assert result.exit_code == 0, (result.output[-2000:], result.exception)
        d = json.loads(result.stdout)
        _check(d)
        assert d["truncated"] is (len(text) > 200)  # the bundle's max_query_chars
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_parse_file_of_bad_lines(cli, bundle_dir, tmp_path):
    app, runner = cli
    lines = [t.replace("\n", " ") for n, t in BAD_INPUTS.items() if n != "lone_surrogate"]
    src = tmp_path / "queries.txt"
    src.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n\xff\xfe bad utf8\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["-q", "parse", "--bundle", str(bundle_dir), "--input", str(src),
                                 "--output", str(out)])
    assert result.exit_code == 0, (result.output[-2000:], result.exception)
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) == len(lines) + 1
    assert rows[-1]["text"] == "\ufffd\ufffd bad utf8"


@pytest.mark.slow  # a subprocess importing torch: ~15-25 s on this machine
def test_cli_subprocess_invalid_utf8_argument(bundle_dir):
    """A real ``kgqp parse`` process with invalid UTF-8 bytes in argv: exit 2, one clear line
    for a shell user (the byte, the terminal's encoding), no traceback."""
    proc = subprocess.run([sys.executable, "-m", "parser.app.cli", "-q", "parse", "--bundle",
                           str(bundle_dir), b"samsung \xff\xfe tv"],
                          capture_output=True, cwd=REPO, timeout=180)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, err[-3000:]  # bad input data
    assert "error: the query 'samsung \\xff\\xfe tv' is not valid UTF-8 (byte 0xff" in err, \
        err[-3000:]
    assert "terminal's encoding" in err and "Traceback" not in err, err[-3000:]
