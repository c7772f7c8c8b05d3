"""The docs: every ``kgqp`` command shown in them parses against the real CLI, the cheap ones run.

Shell code blocks (```bash, sh, shell, console) are taken from README.md and docs/**/*.md; each
``kgqp ...`` invocation in them (also after ``&&``, ``;`` or ``|``, and as ``.venv/bin/kgqp``)

1. must parse against the real click command tree (strict ``make_context``: unknown commands or
   options, missing arguments and bad values fail), and
2. is RUN in-process (typer's CliRunner), in document order, one fresh workspace per page:
   ``kg build-default/stats/query/export/link/match/load/versions/rollback``, ``parse`` (one
   query and ``--input``), ``bundle build/info``, ``tagger stats/convert/evaluate/predict``.
   The workspace holds the files the pages use (``products.csv``, ``brands.txt`` ...), a tiny
   random tagger (``my-tagger``), and a tiny bundle as the default bundle (``KGQP_HOME``).
   ``kg build-default`` builds from two of the default sources (the Flipkart brands and the
   colours) to stay fast; the full build is tested in tests/kg.

Only parse-checked, never run, because they take minutes or need what a test machine lacks:
``quickstart`` (trains the tagger and the fusion model), ``tagger train``, ``tagger distill``,
``tagger export-onnx``,
``fusion train``/``fusion evaluate`` (training, the MiniLM), ``serve`` (blocks on a port) and any
``--engine ray`` (the ray extra is optional). A literal ``...`` argument is read as shorthand
for elided options: only the command path is checked and it is not run.
"""

from __future__ import annotations

import functools
import gc
import importlib.util
import re
import shlex
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL = {"bash", "sh", "shell", "console"}
PARSE_ONLY = {("quickstart",), ("serve",), ("tagger", "train"), ("tagger", "distill"),
              ("tagger", "soft-targets"),  # its teachers come from `tagger train` (parse only)
              ("tagger", "export-onnx"), ("fusion", "train"), ("fusion", "evaluate")}
OPERATORS = {"&&", "||", ";", "|", "&"}
ELLIPSIS = "..."  # an argument "..." elides options: the command is checked, not its options
DOC_SERVER = "127.0.0.1:7878"  # the docs' SPARQL server: runs against an `oxigraph serve` here
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def catalogue_example() -> str:
    """The ``products.csv`` that docs/howto/load-catalogue.md shows (its first text block after
    "Say `products.csv` is"), as the doc's commands read it."""
    doc = (ROOT / "docs" / "howto" / "load-catalogue.md").read_text(encoding="utf-8")
    return doc.split("Say `products.csv` is", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]


FILES = {
    "queries.txt": "apple iphone 12 case\nwooden coffee table\n",
    "products.csv": catalogue_example(),
    "brands.txt": "Acme\nSamsung\nNike\n",
    "new-brands.txt": "Zorblax\nGlorp\n",
    "colors.txt": "red\nblue\nsilver\n",
    "taxonomy.txt": ("# Google_Product_Taxonomy_Version: 2021-09-21\n1 - Home & Garden\n"
                     "2 - Home & Garden > Kitchen & Dining\n3 - Home & Garden > Kitchen & Dining"
                     " > Kettles\n"),
    "extra.ttl": ("@prefix schema: <https://schema.org/> .\n"
                  "<https://kgqp.dev/id/brand/glorp> a schema:Brand ; schema:name \"Glorp\" .\n"),
}


# -- extraction ---------------------------------------------------------------------------------
def shell_blocks(text: str) -> list[str]:
    return [m.group(2) for m in _FENCE.finditer(text) if m.group(1).lower() in SHELL]


def invocations(block: str) -> list[list[str]]:
    """The argument lists of the ``kgqp`` commands in a shell block."""
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        lex = shlex.shlex(line.removeprefix("$ "), posix=True, punctuation_chars=";&|")
        lex.whitespace_split = True
        lex.commenters = "#"
        segment: list[str] = []
        for tok in [*lex, ";"]:
            if tok in OPERATORS:
                if segment and (segment[0] == "kgqp" or segment[0].endswith("/kgqp")):
                    out.append(segment[1:])
                segment = []
            else:
                segment.append(tok)
    return out


def doc_commands(page: Path) -> list[list[str]]:
    return [inv for block in shell_blocks(page.read_text(encoding="utf-8"))
            for inv in invocations(block)]


# -- the CLI ------------------------------------------------------------------------------------
@functools.cache
def _gen_cli_docs():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" /
                                                  "gen_cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def _root():
    return _gen_cli_docs().root_command()


def check_parses(args: list[str]) -> tuple[str, ...]:
    """Parse ``kgqp ARGS`` strictly against the real command tree; returns the command path."""
    gen = _gen_cli_docs()
    cmd = _root()
    ctx = gen.context(cmd, "kgqp")
    path: list[str] = []
    i = 0
    while gen.is_group(cmd):
        while i < len(args) and args[i].startswith("-"):  # root flags: -v, -q
            assert args[i] in ("-v", "--verbose", "-q", "--quiet"), f"unknown option {args[i]}"
            i += 1
        assert i < len(args), f"`kgqp {shlex.join(args)}` names no command"
        sub = cmd.get_command(ctx, args[i])
        assert sub is not None, f"`kgqp {shlex.join(args)}`: no command {args[i]!r} in " \
                                f"{' '.join(['kgqp', *path])}"
        path.append(args[i])
        cmd, ctx, i = sub, gen.context(sub, args[i], ctx), i + 1
    if ELLIPSIS in args:  # shorthand ("the options shown above"): only the command must exist
        return tuple(path)
    # strict parsing: raises on unknown options, missing arguments, unconvertible values;
    # a path that must exist but does not here (models/..., /tmp/...) is the environment, not
    # the syntax: the command is recorded as not runnable here
    try:
        cmd.make_context(path[-1], list(args[i:]), parent=ctx.parent)
    except Exception as exc:  # click's exception types vary with typer's version
        if "does not exist" not in str(exc):
            raise
        MISSING_PATHS.add(tuple(args))
    return tuple(path)


#: doc commands whose input paths do not exist where they were checked
MISSING_PATHS: set[tuple[str, ...]] = set()


def runnable(path: tuple[str, ...], args: list[str]) -> bool:
    return (path not in PARSE_ONLY and "ray" not in args and ELLIPSIS not in args
            and tuple(args) not in MISSING_PATHS)


def _runs_something(page: Path) -> bool:
    for args in doc_commands(page):
        try:
            if runnable(check_parses(args), args):
                return True
        except Exception:  # reported by test_every_doc_command_parses, not at collection
            return True
    return False


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny tagger, a tiny bundle (no expansion), CoNLL files."""
    import torch

    from kg import ProductGraph
    from kg.loaders import load_sources
    from parser.bundle import build_bundle
    from parser.tagger.data import write_conll
    from parser.tagger.testing import tiny_sentences, tiny_tagger

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("docs-assets")
    tiny_tagger().save(root / "my-tagger")
    (root / "b.txt").write_text("Samsung\nApple\nSony\nNike\n", encoding="utf-8")
    with ProductGraph.open(root / "kg") as g:
        load_sources(g, [root / "b.txt"], kind="gazetteer", options={"node_kind": "brand"},
                     progress=False)
    build_bundle(root / "bundle", tagger=root / "my-tagger", kg=root / "kg",
                 parser_config={"expand": False})
    sents = tiny_sentences()
    write_conll(root / "my-train.conll", sents)
    write_conll(root / "my-dev.conll", sents[:8])
    return root


def _workspace(base: Path, assets: Path) -> Path:
    base.mkdir(parents=True)
    for name, text in FILES.items():
        (base / name).write_text(text, encoding="utf-8")
    for name in ("my-tagger", "bundle"):
        shutil.copytree(assets / name, base / name)
    for name in ("my-train.conll", "my-dev.conll"):
        shutil.copy2(assets / name, base / name)
    return base


# -- tests --------------------------------------------------------------------------------------
def test_extraction() -> None:
    block = ("# build\nkgqp kg stats mykg  # counts\npython -m venv .venv && .venv/bin/kgqp "
             "quickstart\nkgqp kg query mykg 'SELECT * WHERE { ?s ?p ?o }' \\\n  --json | head\n")
    assert invocations(block) == [["kg", "stats", "mykg"], ["quickstart"],
                                  ["kg", "query", "mykg", "SELECT * WHERE { ?s ?p ?o }", "--json"]]
    assert check_parses(["-v", "kg", "stats", "x"]) == ("kg", "stats")
    for bad in (["kg", "stats"], ["kg", "nope", "x"], ["parse", "q", "--bogus"],
                ["kg", "rollback", "x", "one"]):
        with pytest.raises(Exception):  # noqa: B017 - click's own exception types vary
            check_parses(bad)


def test_docs_exist_and_are_linked_from_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rel in ("docs/quickstart.md", "docs/concepts.md", "docs/cli.md",
                "docs/howto/load-catalogue.md", "docs/howto/update-kg.md",
                "docs/howto/train-tagger.md", "docs/howto/serve.md", "docs/howto/scale-out.md"):
        assert (ROOT / rel).is_file(), rel
        assert f"({rel})" in readme, f"README.md does not link {rel}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        assert (page.parent / target.split("#")[0]).exists(), f"{page.name}: broken {target}"


def test_cli_reference_is_up_to_date() -> None:
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == _gen_cli_docs().render(), (
        "docs/cli.md is out of date with the CLI: run `python scripts/gen_cli_docs.py`")


def test_published_json_schema_is_up_to_date() -> None:
    """parser/types.py names docs/parsed_query.schema.json as the published schema."""
    import json

    from parser.types import parsed_query_schema

    published = json.loads((ROOT / "docs" / "parsed_query.schema.json").read_text("utf-8"))
    assert published == parsed_query_schema(), (
        "docs/parsed_query.schema.json is out of date: run `python -c \"import json; from "
        "parser.types import parsed_query_schema as s; print(json.dumps(s(), indent=2, "
        "ensure_ascii=False))\" > docs/parsed_query.schema.json`")


def test_every_doc_command_parses() -> None:
    seen = 0
    for page in PAGES:
        for args in doc_commands(page):
            try:
                check_parses(args)
            except Exception as exc:
                pytest.fail(f"{page.relative_to(ROOT)}: `kgqp {shlex.join(args)}` does not "
                            f"parse: {exc}")
            seen += 1
    assert seen >= 30


#: docs/benchmarks.md is parse-checked only: its commands are measurements people run on purpose,
#: on real paths (models/, /tmp/...), which a test must not overwrite
RUN_PAGES = [p for p in PAGES if p.name != "benchmarks.md" and _runs_something(p)]


@pytest.mark.parametrize("page", RUN_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_commands_run(page: Path, assets: Path, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    from typer.testing import CliRunner

    import kg.build
    from parser.app.cli import app

    small = tuple(s for s in kg.build.DEFAULT_SOURCES
                  if s.path in ("flipkart/brands.txt", "attributes/colors.txt"))
    monkeypatch.setattr(kg.build, "build_into",
                        functools.partial(kg.build.build_into, sources=small, progress=False))
    ws = _workspace(tmp_path / "ws", assets)
    monkeypatch.chdir(ws)
    monkeypatch.setenv("KGQP_HOME", str(ws))
    runner = CliRunner()
    ran = []
    server = None
    for args in doc_commands(page):
        path = check_parses(args)
        if not runnable(path, args):
            continue
        if any(DOC_SERVER in a for a in args):  # a KG server in the docs: a real one here
            server = server or request.getfixturevalue("oxigraph_server")
            args = [a.replace(DOC_SERVER, f"127.0.0.1:{server.port}") for a in args]
        result = runner.invoke(app, args)
        if path == ("parse",):  # its parser (and the KG's write lock) is left to the GC
            gc.collect()
        assert result.exit_code == 0, (
            f"{page.relative_to(ROOT)}: `kgqp {shlex.join(args)}` exited {result.exit_code}:\n"
            f"{result.output}\n{result.exception!r}")
        ran.append(args)
    assert ran
