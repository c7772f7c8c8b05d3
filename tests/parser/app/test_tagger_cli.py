"""``kgqp tagger train --kg``: a KG holding names mined from training annotations (the default
KG) is used cross-fold, never whole."""

from __future__ import annotations

import json

from kg.build import BUILD_INFO
from parser.app.tagger_cli import _mined_sources


def test_mined_sources_are_read_from_the_build_info(tmp_path):
    kg = tmp_path / "kg"
    kg.mkdir()
    assert _mined_sources(kg) == [] and _mined_sources(None) == []
    (kg / BUILD_INFO).write_text(json.dumps({"mined_sources": ["lexicon/queryner_creator.txt"]}))
    assert _mined_sources(kg) == ["lexicon/queryner_creator.txt"]
    (kg / BUILD_INFO).write_text("{not json")
    assert _mined_sources(kg) == []


def test_the_default_kg_records_its_mined_sources():
    from kg.build import DEFAULT_SOURCES

    assert any(s.mined for s in DEFAULT_SOURCES)  # so `tagger train --kg` goes cross-fold
