"""parser.bundle: what a bundle's manifest records of its KG."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from parser.bundle import MANIFEST, build_bundle


def _tagger_folder(folder: Path) -> Path:
    """What build_bundle checks of a tagger folder (its config and readable weights)."""
    import numpy as np
    from safetensors.numpy import save_file

    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    save_file({"w": np.zeros(1, dtype=np.float32)}, str(folder / "model.safetensors"))
    return folder


def test_a_bundle_never_records_the_kg_servers_credentials(tmp_path: Path, caplog) -> None:
    """``bundle build --kg sparql+http://bob:s3cret@host/ --kg-mode location``: the manifest
    (and so ``kgqp bundle info``) names the server without ``bob:s3cret``; where the bundle is
    loaded the credentials come from the environment (KGQP_KG_USER/KGQP_KG_PASSWORD, ~/.netrc),
    as the warning says."""
    from typer.testing import CliRunner

    from parser.app.cli import app

    tagger = _tagger_folder(tmp_path / "tagger")
    with caplog.at_level(logging.WARNING, logger="parser.bundle"):
        out = build_bundle(tmp_path / "b", tagger=tagger, kg_mode="location",
                           kg="sparql+http://bob:s3cret@127.0.0.1:18878/?timeout=5")
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert manifest["kg_path"] == "sparql+http://127.0.0.1:18878/?timeout=5"
    assert "s3cret" not in (out / MANIFEST).read_text("utf-8")
    assert "KGQP_KG_USER" in caplog.text and "s3cret" not in caplog.text
    shown = CliRunner().invoke(app, ["bundle", "info", str(out)]).output
    assert "127.0.0.1:18878" in shown and "s3cret" not in shown and "bob" not in shown


def test_bundle_info_hides_the_credentials_an_older_manifest_holds(tmp_path: Path) -> None:
    """A bundle built before credentials were left out of manifests still holds them:
    ``kgqp bundle info`` shows the server as ``***@host``."""
    from typer.testing import CliRunner

    from parser.app.cli import app

    tagger = _tagger_folder(tmp_path / "tagger")
    out = build_bundle(tmp_path / "b", tagger=tagger, kg_mode="location",
                       kg="sparql+http://127.0.0.1:18878/")
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    manifest["kg_path"] = "sparql+http://bob:s3cret@127.0.0.1:18878/"  # as written before
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    shown = CliRunner().invoke(app, ["bundle", "info", str(out)]).output
    assert "***@127.0.0.1:18878" in shown and "s3cret" not in shown and "bob" not in shown


def _home(root: Path) -> Path:
    """A quickstart-like home: a KG with one brand, a tiny tagger and a location bundle
    beside them (``kgqp quickstart`` builds its bundle so)."""
    from kg import Node, NodeKind, ProductGraph
    from parser.tagger.testing import tiny_tagger

    tiny_tagger().save(root / "tagger")
    with ProductGraph.open(root / "kg") as g, g.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "test/acme", "Acme", source="test"))
    build_bundle(root / "bundle", tagger=root / "tagger", kg=root / "kg", kg_mode="location")
    return root


def test_a_copied_home_reads_and_writes_its_own_kg(tmp_path: Path) -> None:
    """``cp -r ~/.cache/kgqp /tmp/x && KGQP_HOME=/tmp/x kgqp parse``: the bundle named the
    original KG by its absolute path, so the copy read it, and ``kgqp serve`` on the copy
    wrote it. A location bundle's KG beside it is now recorded relative to the bundle
    ("../kg") and read relative to it."""
    import shutil

    from kg import Node, NodeKind
    from parser.bundle import BundleManifest
    from parser.pipeline import QueryParser

    home = _home(tmp_path / "home")
    manifest = json.loads((home / "bundle" / MANIFEST).read_text("utf-8"))
    assert manifest["kg_mode"] == "location" and manifest["kg_path"] == "../kg"
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    assert BundleManifest.read(copy / "bundle").kg_at(copy / "bundle") == (copy / "kg").resolve()
    parser = QueryParser.from_pretrained(copy / "bundle", read_only=False)
    try:
        assert parser.kg.path == (copy / "kg").resolve()
        with parser.kg.transaction() as tx:  # (what `kgqp serve` does on /kg/update)
            tx.add_node(Node(NodeKind.BRAND, "test/copied", "Copied", source="test"))
        assert parser.kg.node("https://kgqp.dev/id/brand/test/copied") is not None
    finally:
        parser.close()
    original = QueryParser.from_pretrained(home / "bundle")
    try:
        assert original.kg.path == (home / "kg").resolve()
        assert original.kg.node("https://kgqp.dev/id/brand/test/copied") is None
    finally:
        original.close()


def test_a_location_bundle_keeps_absolute_kg_paths(tmp_path: Path) -> None:
    """A KG elsewhere than beside the bundle is recorded by its absolute path; a manifest of
    an older build, with the absolute path of the KG beside it, still reads that KG."""
    from parser.bundle import BundleManifest

    home = _home(tmp_path / "home")
    elsewhere = build_bundle(tmp_path / "other" / "nested" / "bundle", tagger=home / "tagger",
                             kg=home / "kg", kg_mode="location")
    manifest = json.loads((elsewhere / MANIFEST).read_text("utf-8"))
    assert manifest["kg_path"] == str((home / "kg").resolve())
    assert BundleManifest.read(elsewhere).kg_at(elsewhere) == (home / "kg").resolve()
    manifest = json.loads((home / "bundle" / MANIFEST).read_text("utf-8"))
    manifest["kg_path"] = str((home / "kg").resolve())  # as built before
    (home / "bundle" / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert BundleManifest.read(home / "bundle").kg_at(home / "bundle") == (home / "kg").resolve()


# -- a location bundle records relatively only the KG beside it ---------------------------------


def test_a_location_bundle_records_only_the_kg_beside_it_relatively(tmp_path: Path) -> None:
    """Only a KG in the bundle's parent folder itself (``home/kg`` beside ``home/bundle``) is
    recorded relative to the bundle; a KG deeper under that folder (``home/data/kgs/kg``), or
    any KG under the parent of a bundle at the file system's root, by its absolute path."""
    import shutil

    from parser.bundle import _location_path

    home = _home(tmp_path / "home")
    deep = home / "data" / "kgs" / "kg"
    deep.parent.mkdir(parents=True)
    shutil.copytree(home / "kg", deep)
    out = build_bundle(home / "deep-bundle", tagger=home / "tagger", kg=deep,
                       kg_mode="location")
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert manifest["kg_path"] == str(deep.resolve())
    assert _location_path(home / "kg", home / "bundle") == "../kg"
    assert _location_path(deep, home / "bundle") == str(deep.resolve())
    root = Path(tmp_path.anchor)
    assert _location_path(root / "srv" / "kg", root / "bundle") == str(
        (root / "srv" / "kg").resolve())
    assert _location_path(root / "kg", root / "bundle") == "../kg"
