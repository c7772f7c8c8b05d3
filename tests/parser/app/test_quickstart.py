"""parser.app.quickstart: a home copied from one built before bundles named ``../kg``."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

from parser.app.quickstart import ensure_default_bundle
from parser.bundle import MANIFEST, BundleManifest


def _home(root: Path, kg_path: str) -> Path:
    (root / "kg" / "store").mkdir(parents=True)
    (root / "bundle").mkdir()
    manifest = BundleManifest(tagger="tagger", kg_mode="location", kg_path=kg_path)
    (root / "bundle" / MANIFEST).write_text(json.dumps(asdict(manifest)), encoding="utf-8")
    return root


def test_a_copied_old_home_warns_that_its_bundle_reads_the_originals_kg(tmp_path, caplog):
    original = tmp_path / "original"
    copy = _home(tmp_path / "copy", str((original / "kg").resolve()))  # an old manifest
    with caplog.at_level(logging.WARNING, logger="parser.app.quickstart"):
        assert ensure_default_bundle(copy) == copy / "bundle"  # (built: nothing is rebuilt)
    assert "not this home's" in caplog.text and "--force" in caplog.text
    caplog.clear()
    fresh = _home(tmp_path / "fresh", "../kg")  # what a build records now
    with caplog.at_level(logging.WARNING, logger="parser.app.quickstart"):
        ensure_default_bundle(fresh)
    assert caplog.text == ""
