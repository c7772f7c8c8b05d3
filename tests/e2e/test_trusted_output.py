"""Issue 16 end to end: a bundle with a fusion model, calibrated thresholds in its manifest and
a rules file; ParsedQuery carries the rewritten query, UP/DOWN boosts with their rule, hard
filters with their source, category suggestions and the intent's confidence; the empty query
gets no intent and no hard filter, and a query outside the KG no hard filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import train_small_fusion

QUERIES = [
    ("samsung tv", "Electronics > TVs"), ("lg television", "Electronics > TVs"),
    ("55 inch tv", "Electronics > TVs"), ("sony tv red", "Electronics > TVs"),
    ("dell laptop", "Electronics > Laptops"), ("apple notebook", "Electronics > Laptops"),
    ("laptop black", "Electronics > Laptops"), ("nike shoes", "Clothing > Shoes"),
    ("red sneakers", "Clothing > Shoes"), ("shoes black", "Clothing > Shoes"),
]
RULES = "cheap tv =>\n  UP(50): brand:samsung\n  DOWN(20): refurbished\n  DELETE: cheap\n"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, tagger_dir: Path, kg_dir: Path) -> Path:
    from parser.bundle import build_bundle

    tmp = tmp_path_factory.mktemp("trusted")
    fusion, kg = train_small_fusion(tmp, tagger_dir, kg_dir, QUERIES)
    # what `kgqp fusion evaluate --cv --save-thresholds` writes: picked up by the bundle
    (fusion / "thresholds.json").write_text(json.dumps(
        {"intent": 0.99, "hard_filter": 0.0, "intent_precision": 0.8,
         "filter_precision": 0.95}))
    (tmp / "rules.txt").write_text(RULES)
    return build_bundle(tmp / "bundle", tagger=tagger_dir, kg=kg, fusion=fusion,
                        rules=tmp / "rules.txt", expansion={"limits": {"sibling_category": 1}})


def test_manifest_carries_thresholds_and_expansion_settings(bundle: Path) -> None:
    from parser.pipeline import QueryParser

    manifest = json.loads((bundle / "kgqp-bundle.json").read_text())
    assert manifest["thresholds"]["intent"] == 0.99
    assert manifest["expansion"] == {"limits": {"sibling_category": 1}}
    qp = QueryParser.from_pretrained(bundle, warmup=False)
    try:
        assert qp.expander.thresholds.intent == 0.99
        assert qp.expander.config.limits["sibling_category"] == 1
    finally:
        qp.kg.close()


def test_querqy_complete_output(bundle: Path) -> None:
    from parser.pipeline import QueryParser
    from parser.types import parsed_query_schema

    jsonschema = pytest.importorskip("jsonschema")
    qp = QueryParser.from_pretrained(bundle, warmup=False)
    try:
        q = qp("cheap tv")
        d = q.to_dict()
        jsonschema.validate(d, parsed_query_schema())
        # the lines of `kgqp parse --output` (timings left out) validate too
        from parser.app.batch import _dump

        jsonschema.validate(json.loads(_dump(q)), parsed_query_schema())
        assert d["rewritten"] == "tv"
        assert [(b["term"], b["direction"], b["weight"]) for b in d["boosts"]] == [
            ("brand:samsung", "UP", 50.0), ("refurbished", "DOWN", 20.0)]
        assert d["boosts"][0]["rule"] == "rules.txt:2: cheap tv => UP(50): brand:samsung"
        # calibrated thresholds: intent 0.99 -> not confident; hard_filter 0.0 -> the
        # department is a hard filter, with its source
        assert d["intent"] is not None and d["intent"]["confident"] is False
        assert d["intent"]["lvl0_score"] is not None
        cat_sources = [f for f in d["filter_sources"] if f["field"] == "category"]
        assert cat_sources and all(f["source"] == "intent" or f["source"].startswith("link:")
                                   for f in cat_sources)
        assert d["filters"]["category"]
        # a query the KG knows no word of (and that links nothing): the text model still
        # guesses an intent, but never a confident one, and no hard filter even at threshold 0
        e = qp("qzxv wplk").to_dict()
        assert not [x for x in e["entities"] if x["kg_id"]]
        assert e["intent"] is not None and e["intent"]["confident"] is False
        assert "category" not in e["filters"], e["filters"]
        # the empty query: no intent, no hard category filter, no expansions
        for text in ("", "   ", "?!"):
            e = qp(text).to_dict()
            jsonschema.validate(e, parsed_query_schema())
            assert e["intent"] is None
            assert "category" not in e["filters"] and e["expansions"] == []
    finally:
        qp.kg.close()


def test_a_memory_model_without_calibration_gets_its_own_default_thresholds(
        tmp_path: Path, tagger_dir: Path, kg_dir: Path) -> None:
    """The query memory spreads the intent's probabilities: a bundle without calibrated
    thresholds takes the thresholds and tree-walk gate calibrated for its memory weight, and a
    manifest that sets only some of them keeps those defaults for the others."""
    from fusion.expand import ExpansionConfig, Thresholds
    from parser.bundle import build_bundle
    from parser.pipeline import QueryParser

    fusion, kg = train_small_fusion(tmp_path, tagger_dir, kg_dir, QUERIES, memory_weight=0.3)
    for manifest, want in (({}, Thresholds.defaults_for(0.3)),
                           ({"intent": 0.9}, Thresholds(intent=0.9, hard_filter=0.73,
                                                        lvl1_filter=0.9))):
        b = build_bundle(tmp_path / "bundle", tagger=tagger_dir, kg=kg, fusion=fusion,
                         thresholds=manifest or None, force=True,
                         expansion={"limits": {"brand": 2}} if manifest else None)
        qp = QueryParser.from_pretrained(b, warmup=False)
        try:
            assert qp.fusion is not None and qp.fusion.memory_weight == 0.3
            assert qp.expander.thresholds == want
            assert qp._intent_threshold == want.intent
            assert want.hard_filter < Thresholds().hard_filter  # not the memory-free default
            walk = ExpansionConfig.defaults_for(0.3).walk_min_department_prob
            assert qp.expander.config.walk_min_department_prob == walk < 0.9
            assert qp.expander.config.limits["brand"] == (2 if manifest else 5)
            # the output says when the model has seen nothing like the query
            assert qp("samsung tv").intent.unfamiliar is False  # a training query
            far = qp("garden").to_dict()["intent"]  # nothing like it in training
            assert far["unfamiliar"] is True and far["confident"] is False
        finally:
            qp.kg.close()


def test_parse_table_marks_a_low_intent_and_shows_the_filters(bundle: Path) -> None:
    """``kgqp parse``'s table: an intent below the bundle's calibrated threshold (0.99 here)
    is marked low, and the hard filters (threshold 0.0 here) have their own column."""
    import gc

    from typer.testing import CliRunner

    from parser.app.cli import app

    r = CliRunner().invoke(app, ["parse", "samsung tv under 800", "--bundle", str(bundle)],
                           env={"COLUMNS": "220"})
    gc.collect()
    assert r.exit_code == 0, r.output
    assert ", low)" in r.output and "price_max=800" in r.output, r.output
    assert "category=" in r.output, r.output


@pytest.mark.parametrize("damage", ["model.safetensors", "labels.json"])
def test_a_corrupt_fusion_file_is_a_model_load_error(bundle: Path, tmp_path: Path,
                                                     damage: str) -> None:
    """Every load failure of a bundle is a ParserError (the fusion package's own errors are
    wrapped), naming the file."""
    import shutil

    from parser.errors import ModelLoadError
    from parser.pipeline import QueryParser

    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    target = next((copy / "fusion").rglob(damage))
    target.write_bytes(target.read_bytes()[: 20])
    with pytest.raises(ModelLoadError, match=damage.split(".")[0]):
        QueryParser.from_pretrained(copy, warmup=False, verify=False)
