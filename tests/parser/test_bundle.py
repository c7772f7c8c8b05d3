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
