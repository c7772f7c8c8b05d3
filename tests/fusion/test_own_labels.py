"""Training the intent model on your own labelled queries.

- Labels spelt otherwise than the KG's category names (case, spacing, punctuation) still align
  with the KG's tree: label nodes, category filters, label names; and a label space that
  mostly aligns with nothing is logged as a warning.
- ``kgqp fusion evaluate --cv`` reports under ``calibration.<name>.default`` the thresholds a
  bundle without thresholds.json serves for the model (``Thresholds.defaults_for``).
- Simple ``{"query", "category": "A > B > C"}`` rows are training data beside Best Buy's.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from fusion.context import GraphContext, TaxonomyAlignment, category_paths
from fusion.data import load_bestbuy_queries
from fusion.errors import FusionDataError
from fusion.expand import Thresholds, expand
from fusion.gnn import NodeEmbeddings
from fusion.hetero import as_networkx
from fusion.labels import label_names
from fusion.types import FusionInput, Intent, LinkedEntity
from fusion.weak import WeakExample, label_weak, taxonomy_queries
from kg import ProductGraph
from kg.loaders import load_sources

from .conftest import QUERIES, _records

NO_EMB = NodeEmbeddings(iris=[], kinds=[], matrix=torch.zeros(0, 4))


def _iri(kg, path: str) -> str:
    return next(i for i, a in as_networkx(kg).nodes(data=True) if a.get("path") == path)


# -- 4: labels spelt otherwise than the KG ----------------------------------------------------

def test_labels_align_with_the_kg_whatever_their_case_spacing_and_punctuation():
    t = TaxonomyAlignment(["tv & home theater > tvs", "CELL PHONES > Cell  Phone Accessories",
                           "Appliances > Refrigerators"])
    assert t.label("TV & Home Theater > TVs > QLED TVs") == "tv & home theater > tvs"
    assert t.department("TV & Home Theater > TV Mounts") == "tv & home theater"
    assert t.label("Cell Phones > Cell Phone Accessories > Cell Phone Cases") == \
        "CELL PHONES > Cell  Phone Accessories"
    # punctuation folded as the KG's keys fold it ("Kitchen & Dining" is kitchen-dining)
    t2 = TaxonomyAlignment(["Kitchen & Dining > Coffee Mugs"])
    assert t2.label("kitchen dining > coffee mugs") == "Kitchen & Dining > Coffee Mugs"
    assert t2.department("kitchen dining > cookware") == "Kitchen & Dining"
    # unchanged: a path spelt as a label, levels skipped, nothing alike
    assert t.label("Appliances > Refrigerators") == "Appliances > Refrigerators"
    assert t.label("Home > Appliances > Refrigerators > French Door") == \
        "Appliances > Refrigerators"
    assert t.label("Furniture > Desks") is None and t.department("Furniture > Desks") is None


def test_a_label_spelt_as_the_path_wins_over_a_folded_one():
    t = TaxonomyAlignment(["Audio > DVD-R/RW", "Audio > DVD+R/RW", "audio > headphones",
                           "Audio > Headphones"])
    assert t.label("Audio > DVD+R/RW") == "Audio > DVD+R/RW"
    assert t.label("Audio > DVD-R/RW") == "Audio > DVD-R/RW"
    assert t.label("audio > headphones") == "audio > headphones"
    assert t.label("Audio > Headphones") == "Audio > Headphones"
    assert t.label("AUDIO > HEADPHONES") in ("audio > headphones", "Audio > Headphones")


def test_a_department_the_tree_names_otherwise_is_read_from_the_paths():
    """A store's facets may keep a department its catalogue's tree renamed (Best Buy's
    queries say Smart Home, its categories.json Connected Home): where every label of a
    department aligns with nothing, the tree's node under which most of its labels' names
    are categories is that department."""
    labels = ["Smart Home > Smart Lighting", "Smart Home > Baby Monitors",
              "Smart Home > Door Locks", "Audio > Headphones"]
    paths = ["Housewares > Connected Home > Smart Lighting",
             "Housewares > Connected Home > Smart Lighting > Smart Light Bulbs",
             "Housewares > Connected Home > Baby Monitors",
             "Baby > Safety > Baby Monitors",  # (a namesake elsewhere: outvoted)
             "Housewares > Connected Home > Garage Door Openers",
             "Audio > Headphones > Earbuds"]
    t = TaxonomyAlignment(labels, paths=paths)
    # the deepest node naming two of the three labels: not the root above it
    assert t.renamed == {"Smart Home": "Connected Home"}
    assert t.label("Housewares > Connected Home > Smart Lighting > Smart Light Bulbs") == \
        "Smart Home > Smart Lighting"
    assert t.label("Housewares > Connected Home > Baby Monitors") == "Smart Home > Baby Monitors"
    assert t.label("Baby > Safety > Baby Monitors") is None
    assert t.department("Housewares > Connected Home > Garage Door Openers") == "Smart Home"
    assert t.label("Audio > Headphones > Earbuds") == "Audio > Headphones"  # (as before)
    # without the paths, or with too little evidence, nothing is renamed
    assert TaxonomyAlignment(labels).renamed == {}
    assert TaxonomyAlignment(labels).label("Housewares > Connected Home > Smart Lighting") is None
    one = [p for p in paths if "Baby" not in p]
    assert TaxonomyAlignment(labels, paths=one).renamed == {}  # 1 of 3 labels
    half = TaxonomyAlignment([*labels, "Smart Home > Plugs"], paths=paths)
    assert half.renamed == {}  # 2 of 4 labels: not more than half
    # a department the tree names keeps its own alignment; a node that is another
    # department of the labels is never taken for a renamed one
    t2 = TaxonomyAlignment(["Smart Home > Smart Lighting", "Smart Home > Baby Monitors",
                            "Housewares > Fans"],
                           paths=["Housewares > Smart Lighting", "Housewares > Baby Monitors",
                                  "Housewares > Fans"])
    assert t2.renamed == {}
    assert t2.label("Housewares > Smart Lighting") is None


def test_best_buys_smart_home_labels_align_with_the_trees_connected_home():
    """The defect on the shipped data: the 9 Smart Home labels of Best Buy's queries aligned
    with no KG category, so their intents had no filter node and their categories no
    department. Best Buy's own tree as the KG, the train+dev labels."""
    data = Path(__file__).resolve().parents[2] / "data" / "bestbuy"
    graph = ProductGraph.in_memory()
    load_sources(graph, [data / "categories.json.gz"], kind="bestbuy-categories",
                 progress=False)
    labels = sorted({q.lvl1 for f in ("queries_train.jsonl", "queries_dev.jsonl")
                     for q in load_bestbuy_queries(data / f)})
    ctx = GraphContext(graph, NO_EMB, labels=labels)
    assert ctx.taxonomy.renamed == {"Smart Home": "Connected Home"}
    smart = [lab for lab in labels if lab.startswith("Smart Home > ")]
    assert len(smart) == 9
    lighting = _iri(graph, "Connected Home & Housewares > Connected Home > Smart Lighting")
    assert ctx.label_iris["Smart Home > Smart Lighting"] == lighting
    # 8 of the 9 have their node (Smart Switches & Outlets names no category of the tree)
    assert sorted(set(smart) - set(ctx.label_iris)) == ["Smart Home > Smart Switches & Outlets"]
    bulbs = _iri(graph, "Connected Home & Housewares > Connected Home > Smart Lighting > "
                        "Smart Light Bulbs")
    assert ctx.labels[ctx.label_of(bulbs)] == "Smart Home > Smart Lighting"
    assert ctx.lvl0_labels[ctx.lvl0_of(bulbs)] == "Smart Home"
    # no other department is renamed, and no label aligned before loses its alignment
    before = TaxonomyAlignment(labels)
    paths = category_paths(graph)
    assert all(ctx.taxonomy.label(p) == before.label(p) for p in paths if before.label(p))
    # a sure intent's lvl1 category is a KG node now, so it can be the filter (it was the
    # department: no node for the label); the weak queries label its categories
    intent = Intent(category="Smart Home > Smart Lighting", lvl0="Smart Home", score=0.97,
                    lvl0_score=0.98, top_k=(("Smart Home > Smart Lighting", 0.97),),
                    category_iri=ctx.label_iris["Smart Home > Smart Lighting"])
    res = expand(graph, [], intent, thresholds=Thresholds(lvl1_filter=0.9),
                 departments=ctx.taxonomy)
    assert res.filters.category == ("Smart Home > Smart Lighting",)
    weak = [WeakExample(FusionInput(torch.zeros(2), (), name), path)
            for name, path in taxonomy_queries(graph)]
    labelled = {ex.input.text: ex.lvl1 for ex in label_weak(weak, labels)}
    assert labelled["Smart Light Bulbs"] == "Smart Home > Smart Lighting"


def test_a_context_finds_the_kg_nodes_of_lowercased_labels(kg):
    labels = sorted({lab.lower() for _, lab in QUERIES})
    ctx = GraphContext(kg, NO_EMB, labels=labels)
    tvs = _iri(kg, "TV & Home Theater > TVs")
    # every label has its KG node, and every category its label and department
    assert set(ctx.label_iris) == set(labels)
    assert ctx.label_iris["tv & home theater > tvs"] == tvs
    assert ctx.labels[ctx.label_of(_iri(kg, "TV & Home Theater > TVs > QLED TVs"))] == \
        "tv & home theater > tvs"
    assert ctx.lvl0_labels[ctx.lvl0_of(tvs)] == "tv & home theater"
    # as with the KG's own spelling
    same = GraphContext(kg, NO_EMB, labels=sorted({lab for _, lab in QUERIES}))
    assert sorted(same.label_iris.values()) == sorted(ctx.label_iris.values())


def test_the_category_filter_of_lowercased_labels_is_the_kg_path(kg):
    """The linked category agrees with the intent: the filter is its KG path (it was the
    label's spelling of the department, a string no KG path has)."""
    labels = sorted({lab.lower() for _, lab in QUERIES})
    ctx = GraphContext(kg, NO_EMB, labels=labels)
    tvs = _iri(kg, "TV & Home Theater > TVs")
    intent = Intent(category="tv & home theater > tvs", lvl0="tv & home theater", score=0.99,
                    lvl0_score=0.99, top_k=(("tv & home theater > tvs", 0.99),),
                    category_iri=ctx.label_iris.get("tv & home theater > tvs"))
    res = expand(kg, [LinkedEntity(tvs, "category", 0.9)], intent,
                 thresholds=Thresholds(), departments=ctx.taxonomy)
    assert res.filters.category == ("TV & Home Theater > TVs",)


def test_label_names_of_lowercased_labels_come_from_the_kg(kg):
    names = label_names(["tv & home theater > tvs", "cell phones > cell phone accessories"], kg)
    assert names[0][0] == "tvs" and "QLED TVs" in names[0]
    assert "Cell Phone Cases" in names[1]
    # the KG's own spelling of the label's name is not a second name
    assert "TVs" not in names[0]


def test_a_label_space_that_aligns_with_nothing_is_a_warning(kg, caplog):
    labels = ["Gadgets > Widgets (own-labels test)", "Gadgets > Gizmos (own-labels test)",
              "TV & Home Theater > TVs"]
    with caplog.at_level(logging.WARNING, logger="fusion"):
        GraphContext(kg, NO_EMB, labels=labels)
        GraphContext(kg, NO_EMB, labels=labels)  # once per label space
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1, caplog.text
    msg = warned[0].getMessage()
    assert "only 1 of 3 intent labels" in msg and "Gadgets > Gizmos" in msg
    # labels spelt otherwise than the KG align: no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fusion"):
        GraphContext(kg, NO_EMB, labels=sorted({lab.upper() for _, lab in QUERIES}))
        label_names(sorted({lab.upper() for _, lab in QUERIES}), kg)
    assert not [r for r in caplog.records if r.levelno == logging.WARNING], caplog.text


def test_label_names_warn_about_a_label_space_that_aligns_with_nothing(kg, caplog):
    with caplog.at_level(logging.WARNING, logger="fusion"):
        label_names(["Toys > Kites (label names test)", "Toys > Yoyos (label names test)"], kg)
    assert "only 0 of 2 intent labels" in caplog.text


# -- 8: the default thresholds the calibration report checks ----------------------------------

@pytest.mark.parametrize("memory_weight", [0.0, 0.3])
def test_the_calibration_default_is_what_a_bundle_without_thresholds_serves(examples,
                                                                          memory_weight):
    from fusion.cv import CVConfig, cross_validate
    from fusion.model import FusionConfig
    from fusion.train import TrainConfig

    cfg = CVConfig(folds=2, seeds=(0,), variants=("text",),
                   train=TrainConfig(epochs=2, batch_size=8),
                   fusion=FusionConfig(text_dim=384, hidden_dim=16, memory_weight=memory_weight))
    rep = cross_validate(examples, config=cfg)
    served = Thresholds.defaults_for(memory_weight)
    assert rep.calibration["hard_filter"]["default"]["threshold"] == served.hard_filter
    assert rep.calibration["intent"]["default"]["threshold"] == served.intent
    if memory_weight:
        assert (served.hard_filter, served.intent) == (0.73, 0.36)


# -- 9: simple rows ---------------------------------------------------------------------------

def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_simple_rows_are_labelled_queries(tmp_path):
    from fusion.data import LabeledQuery, load_bestbuy_queries

    bb = {"query": "tv", "popularity": 3, "instant_search": {"facets": {"exact_matches": {
        "hierarchicalCategories.lvl0": [{"value": "TV & Home Theater", "count": 9}],
        "hierarchicalCategories.lvl1": [{"value": "TV & Home Theater > TVs", "count": 7},
                                        {"value": "TV & Home Theater > Mounts", "count": 2}]}}}}
    p = _write(tmp_path / "q.jsonl", [
        {"query": "red kurta", "category": "clothing > womens clothing"},
        {"query": "kurta set", "category": "Clothing>Women > Kurta Sets", "popularity": 2},
        {"query": "steel mug", "category": ["Kitchen & Dining", " Coffee Mugs "]},
        bb, "",
    ])
    want = [LabeledQuery("red kurta", "clothing > womens clothing", "clothing"),
            LabeledQuery("kurta set", "Clothing > Women", "Clothing"),
            LabeledQuery("steel mug", "Kitchen & Dining > Coffee Mugs", "Kitchen & Dining"),
            LabeledQuery("tv", "TV & Home Theater > TVs", "TV & Home Theater")]
    assert load_bestbuy_queries(p) == want  # (the former name, kept)
    from fusion.data import load_labeled_queries

    assert load_labeled_queries(p) == want


@pytest.mark.parametrize(("row", "message"), [
    ({"query": "kurta", "category": "clothing"}, "has one level"),
    ({"query": "kurta", "category": "clothing > "}, "empty level"),
    ({"query": "kurta", "category": ""}, "empty level"),
    ({"query": "kurta", "category": 3}, '"category" must be a string'),
    ({"query": "kurta", "category": ["clothing", 3]}, '"category" must be a string'),
    ({"query": "", "category": "a > b"}, '"query" must be a non-empty string'),
    ({"category": "a > b"}, '"query" must be a non-empty string'),
    ({"query": "kurta", "label": "a > b"}, '"category": "lvl0 > lvl1'),
    ('{"query": "kurta", ', "not a JSON object"),
    ('["kurta", "a > b"]', '"category": "lvl0 > lvl1'),
])
def test_a_bad_row_is_a_clear_error(tmp_path, row, message):
    from fusion.data import load_bestbuy_queries as load_labeled_queries

    p = _write(tmp_path / "bad.jsonl", [{"query": "ok", "category": "a > b"}, row])
    with pytest.raises(FusionDataError) as err:
        load_labeled_queries(p)
    assert f"{p}:2" in str(err.value) and message in str(err.value), str(err.value)


def test_fusion_train_on_simple_rows(tmp_path):
    """``kgqp fusion train`` on simple rows spelt otherwise than the KG (lower case): it trains,
    keeps the rows' spelling as its labels, and its --help names the row formats."""
    from parser.app.cli import app
    from parser.tagger.testing import tiny_tagger

    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    _write(tmp_path / "train.jsonl",
           [{"query": q, "category": lab.lower()} for q, lab in QUERIES])
    tagger_dir = tiny_tagger().save(tmp_path / "tagger")
    runner = CliRunner()
    out = tmp_path / "model"
    res = runner.invoke(app, [
        "fusion", "train", "--kg", str(kg_dir), "--train", str(tmp_path / "train.jsonl"),
        "--epochs", "2", "--no-graph", "--no-taxonomy-queries", "--members", "1",
        "--hidden-dim", "16", "--memory-weight", "0", "--text-encoder", "hashing",
        "--threads", "1", "--tagger", str(tagger_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    labels = json.loads((out / "labels.json").read_text())
    assert "tv & home theater > tvs" in str(labels) and "TV & Home Theater" not in str(labels)
    res = runner.invoke(app, ["fusion", "train", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Best Buy queries JSONL" not in res.output and '"category"' in res.output
