"""One exit-code policy for every kgqp command: 0 ok, 1 runtime/KG/model error, 2 usage or bad
input data, 3 KG locked; one ``error: ...`` line, no traceback unless -v."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import Node, NodeKind, ProductGraph
from kg.errors import KGCorruptError, KGLoadError, KGLockedError, KGNotFoundError
from parser.app.cli import app
from parser.app.errors import EXIT_BUSY, EXIT_ERROR, EXIT_USAGE, error_line, exit_code
from parser.errors import ConfigError, DataFormatError, InputError, ModelLoadError


@pytest.mark.parametrize(("exc", "code"), [
    (KGLockedError("locked"), EXIT_BUSY),
    (KGNotFoundError("no KG"), EXIT_ERROR),
    (KGCorruptError("damaged"), EXIT_ERROR),
    (ModelLoadError("corrupt"), EXIT_ERROR),
    (OSError("disk"), EXIT_ERROR),
    (RuntimeError("bug"), EXIT_ERROR),
    (KGLoadError("bad row"), EXIT_USAGE),
    (DataFormatError("line 3"), EXIT_USAGE),
    (InputError("too long"), EXIT_USAGE),
    (ConfigError("bad value"), EXIT_USAGE),
    (FileNotFoundError("missing"), EXIT_USAGE),
    (ValueError("bad"), EXIT_USAGE),
])
def test_exit_codes(exc: Exception, code: int) -> None:
    assert exit_code(exc) == code


def test_error_lines_are_one_line() -> None:
    assert error_line(ValueError("a\nb")) == "error: a b"
    assert error_line(RuntimeError("boom")).startswith("error: RuntimeError: boom")
    assert "damaged" in error_line(OSError("Corruption: block checksum mismatch"))


def _run(*args: str) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_every_sub_cli_follows_the_policy(tmp_path: Path) -> None:
    kgdir = tmp_path / "kg"
    with ProductGraph.open(kgdir) as g:
        g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    # 0
    r = _run("kg", "stats", kgdir)
    assert r.exit_code == 0, r.output
    # 1: a KG that does not exist, a tagger folder that holds no model
    r = _run("kg", "stats", tmp_path / "none")
    assert r.exit_code == 1 and r.output.startswith("error: No KG at")
    (tmp_path / "empty").mkdir()
    r = _run("tagger", "predict", tmp_path / "empty", "lg tv")
    assert r.exit_code == 1 and r.output.startswith("error: ")
    # 2: bad option values and bad input data, in each sub-CLI
    r = _run("kg", "query", kgdir, "SELECT * WHERE {?s ?p ?o}", "--bind", "novalue")
    assert r.exit_code == 2 and "name=value" in r.output
    bad = tmp_path / "bad.conll"
    bad.write_text("lg B-creator extra column\n", encoding="utf-8")
    r = _run("tagger", "stats", bad)
    assert r.exit_code == 2 and r.output.startswith("error: "), r.output
    r = _run("tagger", "predict", tmp_path / "missing", "lg tv")
    assert r.exit_code == 2 and r.output.startswith("error: ")
    r = _run("parse", "--bundle", tmp_path / "empty", "--input", tmp_path / "nope.txt",
             "--output", tmp_path / "o.jsonl", "--batch-size", "0")
    assert r.exit_code == 2 and r.output.startswith("error: ")
    r = _run("parse", "--bundle", tmp_path / "empty")
    assert r.exit_code == 2 and "give either a QUERY or --input" in r.output
    r = _run("fusion", "expand", "lg tv", "--kg", kgdir, "--tagger", tmp_path)
    assert r.exit_code in (1, 2) and r.output.startswith("error: ")
    # 3: a writer holds the KG
    with ProductGraph.open(kgdir):
        r = _run("kg", "rollback", kgdir, "0")
        assert r.exit_code == 3 and "locked" in r.output
    for r in (_run("kg", "stats", tmp_path / "none"), _run("tagger", "stats", bad)):
        assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


def test_verbose_prints_the_traceback(tmp_path: Path) -> None:
    r = _run("-v", "kg", "stats", tmp_path / "none")
    assert r.exit_code == 1 and "Traceback" in r.output and "error: No KG at" in r.output
    _run("kg", "stats", tmp_path / "none")  # back to quiet for the other tests
    from parser.app.errors import set_verbose

    set_verbose(False)


def test_version() -> None:
    r = _run("--version")
    assert r.exit_code == 0 and r.output.startswith("kgqp ")


def test_training_refuses_an_out_that_would_lose_a_model(tmp_path: Path) -> None:
    """`tagger train` and `fusion train` refuse an --out holding a model (it was replaced
    without a word: a tagger's ONNX exports deleted, a stale distill_args.json kept), the
    --init-from tagger itself, a tagger folder as the fusion model's --out, and a file; all
    before any training. --force replaces a model."""
    conll = tmp_path / "d.conll"
    conll.write_text("lg B-creator\ntv B-core_product_type\n\n", encoding="utf-8")
    tagger = tmp_path / "tagger"
    tagger.mkdir()
    for name in ("config.json", "kgqp.json", "model.safetensors", "model.onnx",
                 "distill_args.json", "vocab.txt"):
        (tagger / name).write_text("{}")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    train = ("tagger", "train", "--train", conll, "--dev", conll, "--epochs", "1")
    r = _run(*train, "--out", tagger)
    assert r.exit_code == 2 and "already holds a model" in r.output and "--force" in r.output
    r = _run(*train, "--out", tagger, "--init-from", tagger)
    assert r.exit_code == 2 and "is the --init-from tagger" in r.output
    r = _run(*train, "--out", a_file)
    assert r.exit_code == 2 and "is a file: give a folder" in r.output
    assert (tagger / "model.onnx").exists() and a_file.read_text() == "x"  # nothing lost
    kgdir = tmp_path / "kg"
    ProductGraph.open(kgdir).close()
    queries = tmp_path / "q.jsonl"
    queries.write_text("")
    fusion = ("fusion", "train", "--kg", kgdir, "--tagger", tagger, "--train", queries)
    r = _run(*fusion, "--out", tagger)
    assert r.exit_code == 2 and "is a tagger folder" in r.output
    model = tmp_path / "fusion"
    model.mkdir()
    (model / "labels.json").write_text("[]")
    r = _run(*fusion, "--out", model)
    assert r.exit_code == 2 and "already holds a model" in r.output
    r = _run(*fusion, "--out", model, "--force")  # fails (no queries): the old model stays
    assert r.exit_code != 0 and (model / "labels.json").read_text() == "[]"
    assert (tagger / "model.safetensors").read_text() == "{}"
    r = _run(*train, "--out", tagger, "--force")  # replaced when the new model is saved
    assert not (tagger / "model.onnx").exists() and not (tagger / "distill_args.json").exists()


def test_an_error_escaping_a_command_is_one_line_and_its_exit_code(monkeypatch, capsys) -> None:
    """main() gives an error that leaves a command (not caught there) the policy's exit code
    and one line; it printed a traceback of typer.Exit and exited 1."""
    import parser.app.cli as cli

    def broken() -> None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and len(err.splitlines()) == 1


def test_a_missing_model_or_bundle_folder_is_a_usage_error(tmp_path: Path) -> None:
    """exit 2, as for any input that does not exist (it was 1, a model error)."""
    from parser.errors import ModelNotFoundError

    assert exit_code(ModelNotFoundError("x does not exist")) == EXIT_USAGE
    assert exit_code(ModelLoadError("x is corrupt")) == EXIT_ERROR
    for args in (("bundle", "info", tmp_path / "nothere"),
                 ("tagger", "predict", tmp_path / "nothere", "lg tv")):
        r = _run(*args)
        assert r.exit_code == 2 and r.output.startswith("error: "), (args, r.output)


def test_tagger_options_that_were_ignored_are_checked(tmp_path: Path) -> None:
    """Values the tagger commands accepted and then ignored or misused: an unknown --scheme or
    --source, unknown --lexicon-kinds, --int8 with the torch backend; gold labels the tagger
    lacks (their F1 was 0 without a word)."""
    from parser.tagger.formats import read_data
    from parser.tagger.testing import tiny_tagger
    from parser.tagger.training import evaluate

    conll = tmp_path / "d.conll"
    conll.write_text("lg B-creator\ntv B-core_product_type\n\n", encoding="utf-8")
    r = _run("tagger", "convert", conll, tmp_path / "x.conll", "--scheme", "foo")
    assert r.exit_code == 2 and "--scheme must be bio or bioes" in r.output
    r = _run("tagger", "convert", conll, tmp_path / "x.jsonl", "--source", "foo")
    assert r.exit_code == 2 and "--source must be" in r.output
    with ProductGraph.open(tmp_path / "kg") as g:
        g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    r = _run("tagger", "train", "--train", conll, "--dev", conll, "--out", tmp_path / "t",
             "--kg", tmp_path / "kg", "--lexicon-kinds", "brand,bogus")
    assert r.exit_code == 2 and "unknown node kind(s) bogus" in r.output, r.output
    tagger = tiny_tagger()
    folder = tagger.save(tmp_path / "tagger")
    r = _run("tagger", "evaluate", folder, "--data", conll, "--int8")
    assert r.exit_code == 2 and "--backend onnx" in r.output
    other = tmp_path / "other.conll"
    other.write_text("lg B-brand\n\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"other\.conll:1: label 'brand' is not one of "
                                              "the labels"):  # named with its line
        evaluate(tagger, other)
    with pytest.raises(DataFormatError, match="label\\(s\\) brand that the tagger does not"):
        evaluate(tagger, read_data(other))  # sentences: no file, no line


def test_a_lexicon_tagger_loaded_without_a_kg_warns(tmp_path: Path) -> None:
    """A tagger trained with KG lexicon features, evaluated or run without --kg, tags with all
    lexicon features 0: a warning says so (there was none)."""
    from parser.tagger.testing import tiny_tagger

    folder = tiny_tagger(lexicon_kinds=["brand"]).save(tmp_path / "lex")
    plain = tiny_tagger().save(tmp_path / "plain")
    r = _run("tagger", "predict", plain, "lg tv")
    assert r.exit_code == 0 and "lexicon" not in r.stderr
    r = _run("tagger", "predict", folder, "lg tv")
    assert r.exit_code == 0
    assert "trained with KG lexicon features (brand) and is loaded without a KG" in r.stderr


def test_an_import_error_of_our_own_is_not_called_a_missing_dependency() -> None:
    """A half-finished rename printed 'cannot import name ... from kg.loaders.taxonomy (an
    optional dependency is missing)': a bug blamed on the install."""
    from parser.app.errors import error_line

    ours = error_line(ImportError("cannot import name 'x' from 'kg.loaders.taxonomy'",
                                  name="kg.loaders.taxonomy"))
    assert "optional dependency" not in ours and "kgqp -v" in ours
    extra = error_line(ModuleNotFoundError("No module named 'fastapi'", name="fastapi"))
    assert "optional dependency is missing" in extra and "pip install" in extra
    hint = error_line(ImportError("to_pandas() needs pandas: pip install pandas"))
    assert hint == "error: to_pandas() needs pandas: pip install pandas"


def test_an_interrupted_command_says_so_and_exits_130(monkeypatch, capsys) -> None:
    """Ctrl-C in a command: one `error: interrupted` line and 130 (128 + SIGINT); a script's
    log showed nothing, or click's bare "Aborted!" with exit 1."""
    import parser.app.cli as cli

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", interrupted)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 130
    assert capsys.readouterr().err == "error: interrupted\n"
