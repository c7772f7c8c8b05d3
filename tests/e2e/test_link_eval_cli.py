"""`kgqp kg link-eval --end-to-end --bundle B` links the spans of B's tagger with B's linker
settings (it used the default settings whatever the bundle's, so its figure was not what B's
parses link), and `--overlap` needs `--end-to-end`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kg.schema import brand_key
from parser.app.cli import app


def _eval(gold: Path, kg: Path, bundle: Path, *extra: str) -> dict:
    r = CliRunner().invoke(app, ["kg", "link-eval", str(gold), "--kg", str(kg), "--folds", "0",
                                 "--end-to-end", "--bundle", str(bundle), "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_end_to_end_uses_the_bundles_linker_settings(tmp_path: Path, tagger_dir: Path,
                                                     kg_dir: Path, bundle_dir: Path) -> None:
    from parser.bundle import build_bundle

    samsung = f"https://kgqp.dev/id/brand/{brand_key('Samsung')}"
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "1", "query": "samsung tv", "mention": "samsung",
                                "start": 0, "end": 7, "label": "creator", "gold": [samsung],
                                "acceptable_broader": []}) + "\n")
    assert _eval(gold, kg_dir, bundle_dir)["linker"]["overall"]["accuracy"] == 1.0
    # a bundle whose linker links no creator span: its parses link no brand, nor does its eval
    quiet = build_bundle(tmp_path / "quiet", tagger=tagger_dir, kg=kg_dir,
                         linker_config={"label_kinds": {"creator": []}})
    assert _eval(gold, kg_dir, quiet)["linker"]["overall"]["accuracy"] == 0.0
    r = CliRunner().invoke(app, ["kg", "link-eval", str(gold), "--kg", str(kg_dir), "--overlap"])
    assert r.exit_code == 2 and "--end-to-end" in r.output, r.output
