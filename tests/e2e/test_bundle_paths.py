"""Issue 17.7: manifest paths resolve inside the bundle and the checksums cover what is loaded;
17.8: ``kgqp serve`` refuses a public address without a token; 17.11: entity labels such as
``[creator]`` show in the ``kgqp parse`` table (they were read as rich markup and vanished)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parser.bundle import MANIFEST
from parser.errors import ModelLoadError


@pytest.fixture()
def bundle(tmp_path: Path, bundle_dir: Path) -> Path:
    path = tmp_path / "bundles" / "b"
    shutil.copytree(bundle_dir, path)
    return path


def _edit(bundle: Path, **change: object) -> None:
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest.update(change)
    (bundle / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("change", [
    {"tagger": "../other/tagger"},
    {"rules": "../../../../etc/passwd"},
    {"rules": "/etc/passwd"},
    {"fusion": "../other/tagger"},
    {"kg_path": "../other/kg"},
    {"checksums": {"../other/tagger/model.safetensors": "0" * 64}},
], ids=lambda c: next(iter(c)))
def test_manifest_paths_must_stay_inside_the_bundle(bundle: Path, change: dict) -> None:
    from parser.pipeline import QueryParser

    other = bundle.parent / "other"
    shutil.copytree(bundle / "tagger", other / "tagger")
    shutil.copytree(bundle / "kg", other / "kg")
    _edit(bundle, **change)
    with pytest.raises(ModelLoadError, match="points outside the bundle") as info:
        QueryParser.from_pretrained(bundle, warmup=False)
    assert "root:" not in str(info.value)  # /etc/passwd was read and echoed


def test_a_symlink_out_of_the_bundle_is_refused(bundle: Path) -> None:
    from parser.pipeline import QueryParser

    outside = bundle.parent / "elsewhere"
    shutil.move(bundle / "tagger", outside)
    (bundle / "tagger").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ModelLoadError, match="points outside the bundle"):
        QueryParser.from_pretrained(bundle, warmup=False)


def test_checksums_cover_every_loaded_file(bundle: Path) -> None:
    """A file added to a loaded part (here an ONNX graph the loader would prefer) has no
    checksum: refused, instead of loading it unverified."""
    from parser.pipeline import QueryParser

    (bundle / "tagger" / "model.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(ModelLoadError, match="has no checksum"):
        QueryParser.from_pretrained(bundle, warmup=False)
    (bundle / "tagger" / "model.onnx").unlink()
    QueryParser.from_pretrained(bundle, warmup=False).kg.close()


def test_serve_refuses_a_public_address_without_a_token(bundle: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from parser.app.cli import app

    monkeypatch.delenv("KGQP_TOKEN", raising=False)
    r = CliRunner().invoke(app, ["serve", "--bundle", str(bundle), "--host", "0.0.0.0"])
    assert r.exit_code == 1 and "without a token" in r.output, r.output
    empty = tmp_path / "token"
    empty.write_text("\n")
    r = CliRunner().invoke(app, ["serve", "--bundle", str(bundle), "--host", "0.0.0.0",
                                 "--token-file", str(empty)])
    assert r.exit_code == 2 and "is empty" in r.output, r.output  # a bad option value


def test_parse_table_shows_entity_labels(bundle: Path) -> None:
    import gc

    from typer.testing import CliRunner

    from parser.app.cli import app

    r = CliRunner().invoke(app, ["parse", "samsung tv under 800", "--bundle", str(bundle)],
                           env={"COLUMNS": "200"})
    gc.collect()
    assert r.exit_code == 0, r.output
    assert "samsung [creator]" in r.output, r.output
    assert "price_max=800" in r.output, r.output  # the filters column


@pytest.mark.parametrize(("parser", "message"), [
    ({"max_query_chars": "512"}, "max_query_chars must be an int"),
    ({"expand": "yes"}, "expand must be true or false"),
    ({"colour": 1}, "unknown parser settings"),
    ([1, 2], "must be a JSON object"),
])
def test_bad_parser_settings_name_the_manifest(bundle: Path, parser: object,
                                               message: str) -> None:
    from parser.pipeline import QueryParser

    _edit(bundle, parser=parser)
    with pytest.raises(ModelLoadError, match=message) as info:
        QueryParser.from_pretrained(bundle, warmup=False, verify=False)
    assert MANIFEST in str(info.value)


def test_bundle_argument_errors(tmp_path: Path) -> None:
    from parser.errors import ConfigError
    from parser.pipeline import QueryParser

    (tmp_path / "afile").write_text("x")
    with pytest.raises(ModelLoadError, match="is a file, not a bundle directory"):
        QueryParser.from_pretrained(tmp_path / "afile")
    with pytest.raises(ModelLoadError, match="does not exist"):
        QueryParser.from_pretrained(tmp_path / "nothing")
    with pytest.raises(ConfigError, match="must be a path"):
        QueryParser.from_pretrained(None)  # type: ignore[arg-type]


def test_pipe_argument_errors(bundle: Path) -> None:
    from parser.errors import ConfigError, InputError
    from parser.pipeline import QueryParser

    qp = QueryParser.from_pretrained(bundle, warmup=False)
    try:
        with pytest.raises(InputError, match="not a single str: use parser"):
            list(qp.pipe("samsung tv"))
        with pytest.raises(InputError, match="iterable of queries, got NoneType"):
            list(qp.pipe(None))  # type: ignore[arg-type]
        for bad in ("8", 2.5, 0, True):
            with pytest.raises(ConfigError, match="batch_size must be an int >= 1"):
                list(qp.pipe(["tv"], batch_size=bad))  # type: ignore[arg-type]
        assert [q.text for q in qp.pipe(("tv", "laptop"))] == ["tv", "laptop"]
    finally:
        qp.kg.close()


def test_bundle_build_refuses_parts_it_could_not_load(tmp_path: Path, tagger_dir: Path,
                                                      kg_dir: Path) -> None:
    """A tagger folder without a model, truncated weights, a folder that is not a KG and a
    rules file with a syntax error are refused at build time (the bundle was built, and every
    parse then failed); --force over a plain file leaves no temporary file behind."""
    from parser.bundle import build_bundle
    from parser.errors import ConfigError

    empty = tmp_path / "empty"
    empty.mkdir()
    broken = tmp_path / "broken"
    shutil.copytree(tagger_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    bad_rules = tmp_path / "rules.txt"
    bad_rules.write_text("garbage\n")
    out = tmp_path / "b"
    for kwargs, message in [
        ({"tagger": empty, "kg": kg_dir}, "is not a tagger folder"),
        ({"tagger": broken, "kg": kg_dir}, "truncated or corrupt"),
        ({"tagger": tagger_dir, "kg": empty}, "is not a KG directory"),
        ({"tagger": tagger_dir, "kg": empty, "kg_mode": "location"}, "is not a KG directory"),
        ({"tagger": tagger_dir, "kg": kg_dir, "rules": bad_rules}, "rules.txt:1"),
        ({"tagger": tagger_dir, "kg": kg_dir, "rules": tmp_path / "none.txt"}, "no such file"),
        ({"tagger": tagger_dir, "kg": kg_dir, "rules": empty}, "a directory"),
    ]:
        with pytest.raises(ConfigError, match=message):
            build_bundle(out, **kwargs)
        assert not out.exists()
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    build_bundle(a_file, tagger=tagger_dir, kg=kg_dir, force=True)
    assert a_file.is_dir() and sorted(p.name for p in tmp_path.iterdir()
                                      if p.name.startswith(".afile")) == []


def test_bundle_build_keeps_what_it_would_destroy_or_could_not_load(tmp_path: Path,
                                                                    tagger_dir: Path,
                                                                    kg_dir: Path) -> None:
    """A reviewer's bundles: rebuilding in place with --kg-mode location deleted the KG kept
    inside the bundle; an ONNX-only tagger folder was accepted and no loader could read it;
    a str bundle path failed in load_bundle."""
    from parser.bundle import build_bundle, load_bundle
    from parser.errors import ConfigError
    from parser.pipeline import QueryParser

    out = tmp_path / "b"
    build_bundle(out, tagger=tagger_dir, kg=kg_dir)  # a snapshot: the KG at out/kg
    with pytest.raises(ConfigError, match="lies inside the bundle"):
        build_bundle(out, tagger=out / "tagger", kg=out / "kg", kg_mode="location",
                     force=True)
    assert (out / "kg" / "store").is_dir()  # still there
    build_bundle(out, tagger=out / "tagger", kg=out / "kg", force=True)  # snapshot: fine
    onnx_only = tmp_path / "onnx-only"
    shutil.copytree(tagger_dir, onnx_only)
    (onnx_only / "model.safetensors").unlink()
    (onnx_only / "model.onnx").write_bytes(b"x")
    with pytest.raises(ConfigError, match=r"model\.safetensors"):
        build_bundle(tmp_path / "c", tagger=onnx_only, kg=kg_dir)
    parser = load_bundle(QueryParser, str(out))
    parser.kg.close()


def test_a_killed_builds_folder_is_removed_by_the_next_build(tmp_path: Path, tagger_dir: Path,
                                                              kg_dir: Path) -> None:
    """`kill -9` during `kgqp bundle build` left its hidden temporary folder (a full bundle,
    231 MB in a reviewer's run) forever. The next build of the same bundle removes the folders
    of builds whose process is gone, and nothing else."""
    import subprocess
    import sys

    from parser.bundle import _BUILD_MARK, build_bundle

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    import socket

    host = socket.gethostname()
    killed = tmp_path / ".b.killed1"
    (killed / "tagger").mkdir(parents=True)
    (killed / _BUILD_MARK).write_text(f"{host} {dead}")
    running = tmp_path / ".b.running1"  # a build still running (this process)
    running.mkdir()
    (running / _BUILD_MARK).write_text(f"{host} {__import__('os').getpid()}")
    remote = tmp_path / ".b.remote1"  # another host's build on a shared folder: its pid
    remote.mkdir()  #                   means nothing here
    (remote / _BUILD_MARK).write_text(f"not-{host} {dead}")
    other = tmp_path / ".b.notes"  # not a build folder: never touched
    other.mkdir()
    out = build_bundle(tmp_path / "b", tagger=tagger_dir, kg=kg_dir)
    assert not killed.exists() and running.exists() and other.exists() and remote.exists()
    assert not (out / _BUILD_MARK).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".b.notes", ".b.remote1", ".b.running1", "b"]


def test_a_failed_copy_names_the_file_and_leaves_nothing(tmp_path: Path, tagger_dir: Path,
                                                         kg_dir: Path, monkeypatch) -> None:
    """A full disk during the copy printed shutil.Error's raw list of tuples."""
    import shutil

    from parser import bundle as bundle_mod

    def fail(src, dst, **kw):
        raise shutil.Error([(str(src) + "/model.onnx", str(dst) + "/model.onnx",
                             "[Errno 28] No space left on device")] * 3)

    monkeypatch.setattr(bundle_mod.shutil, "copytree", fail)
    with pytest.raises(OSError, match=r"copying .*model.onnx failed: \[Errno 28\] No space "
                                      r"left on device \(and 2 more files\); nothing was"):
        bundle_mod.build_bundle(tmp_path / "b", tagger=tagger_dir, kg=kg_dir)
    assert list(tmp_path.iterdir()) == []
