"""``kgqp fusion train/evaluate/expand`` end to end on a tiny on-disk KG (hashing text encoder)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fusion.train import DEFAULT_HIDDEN_DIM, DEFAULT_MEMBERS
from kg import ProductGraph

from .conftest import QUERIES, _records


def _jsonl(path, rows):
    lines = []
    for q, lvl1 in rows:
        facets = {
            "hierarchicalCategories.lvl0": [{"value": lvl1.split(" > ")[0], "count": 5}],
            "hierarchicalCategories.lvl1": [
                {"value": lvl1, "count": 4},
                {"value": "Other > Thing", "count": 1},
            ],
        }
        lines.append(
            json.dumps({"query": q, "instant_search": {"facets": {"exact_matches": facets}}})
        )
    lines.append(
        json.dumps({"query": "nothing", "instant_search": {"facets": {"exact_matches": {}}}})
    )
    path.write_text("\n".join(lines) + "\n")


def test_train_evaluate_expand(tmp_path):
    from parser.app.cli import app
    from parser.tagger.testing import tiny_tagger

    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    _jsonl(tmp_path / "train.jsonl", QUERIES)
    _jsonl(tmp_path / "dev.jsonl", QUERIES[::2])
    # the queries are embedded by the tagger's encoder, and its spans linked: as served
    tagger_dir = tiny_tagger().save(tmp_path / "tagger")
    runner = CliRunner()
    out = tmp_path / "model"
    common = ["--kg", str(kg_dir), "--train", str(tmp_path / "train.jsonl"), "--dev",
              str(tmp_path / "dev.jsonl"), "--epochs", "3", "--gnn-steps", "3",
              "--text-encoder", "hashing", "--threads", "1"]
    res = runner.invoke(app, ["fusion", "train", *common, "--out", str(out)])
    assert res.exit_code == 2 and "--tagger" in res.output  # a fusion model needs its tagger
    res = runner.invoke(app, ["fusion", "train", *common, "--out", str(out),
                              "--tagger", str(tagger_dir)])
    assert res.exit_code == 0, res.output
    assert (out / "graph" / "gnn.safetensors").is_file()
    saved = json.loads((out / "config.json").read_text())
    assert saved["text_encoder"].startswith("tagger:")
    assert saved["config"]["text_dim"] == tiny_tagger().embedding_dim
    # the default recipe: DEFAULT_MEMBERS heads of DEFAULT_HIDDEN_DIM
    assert (saved["config"]["members"], saved["config"]["hidden_dim"]) == (
        DEFAULT_MEMBERS, DEFAULT_HIDDEN_DIM)
    # the KG's category names that fall under a training label were weak training queries
    assert saved["training"]["n_taxonomy_queries"] > 0
    assert saved["training"]["n_train"] > len(QUERIES)
    ev = ["fusion", "evaluate", str(out), "--kg", str(kg_dir), "--data",
          str(tmp_path / "dev.jsonl"), "--json"]
    res = runner.invoke(app, ev)
    assert res.exit_code == 2 and "--tagger" in res.output
    res = runner.invoke(app, [*ev, "--tagger", str(tagger_dir)])
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.output.strip().splitlines()[-1])
    assert set(metrics) == {"lvl0_accuracy", "lvl1_accuracy", "lvl1_top3_accuracy", "n"}
    assert metrics["n"] == len(QUERIES[::2])
    # another tagger than the one the model was trained with is refused
    other = tiny_tagger(seed=1).save(tmp_path / "other")
    res = runner.invoke(app, [*ev, "--tagger", str(other)])
    assert res.exit_code == 2 and "trained with the tagger" in res.output
    res = runner.invoke(app, ["fusion", "expand", "samsung tv", "--kg", str(kg_dir), "--model",
                              str(out), "--tagger", str(other)])
    assert res.exit_code == 2 and "trained with the tagger" in res.output  # as evaluate
    for flags in (["--report", str(tmp_path / "r.json")], ["--variants", "bogus"],
                  ["--save-thresholds", str(tmp_path)]):
        res = runner.invoke(app, [*ev, "--tagger", str(tagger_dir), *flags])
        assert res.exit_code == 2 and "need --cv K" in res.output, flags  # ignored before
    res = runner.invoke(app, ["fusion", "train", *common, "--out", str(tmp_path / "ng"),
                              "--no-graph", "--no-taxonomy-queries", "--members", "1",
                              "--hidden-dim", "16", "--tagger", str(tagger_dir)])
    assert res.exit_code == 0, res.output
    saved = json.loads((tmp_path / "ng" / "config.json").read_text())
    assert (saved["config"]["members"], saved["config"]["hidden_dim"]) == (1, 16)
    assert saved["training"]["n_taxonomy_queries"] == 0
    # the tree's labels are learnt from the category names: without them, a clear error
    res = runner.invoke(app, ["fusion", "train", *common, "--out", str(tmp_path / "bad"),
                              "--no-graph", "--no-taxonomy-queries", "--taxonomy-labels",
                              "--tagger", str(tagger_dir)])
    assert res.exit_code != 0 and "taxonomy_queries" in res.output
    assert not (tmp_path / "bad").exists()
    res = runner.invoke(app, ["fusion", "expand", "samsung under 800", "--kg", str(kg_dir),
                              "--model", str(out), "--tagger", str(tagger_dir)])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output[res.output.index("{") :])
    assert body["filters"]["price_max"] == 800.0
    assert body["intent"]["category"] in {lab for _, lab in QUERIES}
    assert body["excluded"] == []
    res = runner.invoke(app, ["fusion", "expand", "tv without remote", "--kg", str(kg_dir),
                              "--model", str(out), "--tagger", str(tagger_dir)])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output[res.output.index("{") :])  # the words a cue excludes
    assert [(x["text"], x["start"], x["end"]) for x in body["excluded"]] == [("remote", 11, 17)]
    res = runner.invoke(app, ["fusion", "evaluate", str(tmp_path), "--kg", str(kg_dir),
                              "--data", str(tmp_path / "dev.jsonl"), "--tagger", str(tagger_dir)])
    assert res.exit_code == 1 and "not a fusion model folder" in res.output  # a model error


def test_evaluate_cv_with_the_trees_labels(tmp_path):
    """``evaluate --cv --taxonomy-labels``: the label space of each fold holds the tree's
    labels ("TV Mounts" has no query here), their name embeddings included; the report says
    which label space it ran."""
    from parser.app.cli import app
    from parser.tagger.testing import tiny_tagger

    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    _jsonl(tmp_path / "q.jsonl", [(q, lab) for q, lab in QUERIES if "Mounts" not in lab])
    tagger_dir = tiny_tagger().save(tmp_path / "tagger")
    cv = ["fusion", "evaluate", "--kg", str(kg_dir), "--data", str(tmp_path / "q.jsonl"),
          "--tagger", str(tagger_dir), "--cv", "2", "--seeds", "1", "--variants", "names",
          "--epochs", "2", "--members", "1", "--hidden-dim", "16", "--threads", "1", "--json"]
    runner = CliRunner()
    for flag, want in (("--taxonomy-labels", True), ("--no-taxonomy-labels", False)):
        res = runner.invoke(app, [*cv, flag])
        assert res.exit_code == 0, res.output
        report = json.loads(res.output.strip().splitlines()[-1])
        assert report["taxonomy_labels"] is want
    res = runner.invoke(app, [*cv, "--taxonomy-labels", "--no-taxonomy-queries"])
    assert res.exit_code != 0 and "--no-taxonomy-queries" in res.output


def test_train_on_pooled_files_without_dev(tmp_path):
    """``--train`` twice and no ``--dev``: the model you ship, trained on train and dev once
    cross-validation chose the recipe. It learns the labels only the second file has, and
    reports no dev score; a dev file that is also a training file, or ``--select-epoch``
    without a dev file, is a clear error that writes nothing."""
    from parser.app.cli import app
    from parser.tagger.testing import tiny_tagger

    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    first = [(q, lab) for q, lab in QUERIES if "Appliances" not in lab]
    _jsonl(tmp_path / "train.jsonl", first)
    _jsonl(tmp_path / "dev.jsonl", [(q, lab) for q, lab in QUERIES if "Appliances" in lab])
    tagger_dir = tiny_tagger().save(tmp_path / "tagger")
    common = ["fusion", "train", "--kg", str(kg_dir), "--train", str(tmp_path / "train.jsonl"),
              "--train", str(tmp_path / "dev.jsonl"), "--epochs", "2", "--no-graph",
              "--no-taxonomy-queries", "--members", "1", "--hidden-dim", "16",
              "--memory-weight", "0", "--text-encoder", "hashing", "--threads", "1",
              "--tagger", str(tagger_dir)]
    runner = CliRunner()
    out = tmp_path / "model"
    res = runner.invoke(app, [*common, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["dev"] is None
    saved = json.loads((out / "config.json").read_text())
    assert saved["training"]["trained_on"] == ["train.jsonl", "dev.jsonl"]
    assert saved["training"]["dev_file"] is None
    assert saved["training"]["n_train"] == len(QUERIES)
    labels = json.loads((out / "labels.json").read_text())
    assert "Appliances > Refrigerators" in str(labels)  # only the second file has it
    for extra, message in ((["--dev", str(tmp_path / "dev.jsonl")], "both a training"),
                           (["--select-epoch"], "needs a dev file")):
        res = runner.invoke(app, [*common, *extra, "--out", str(tmp_path / "bad")])
        assert res.exit_code != 0 and message in res.output, res.output
        assert not (tmp_path / "bad").exists()


def test_the_cli_and_the_library_train_the_gnn_as_cross_validation_measured():
    """The quickstart (library defaults) trained the GNN for 200 steps, `kgqp fusion train` and
    `evaluate --cv` (whose figures the docs report) for 100: one recipe now."""
    from fusion.gnn import GNNConfig
    from parser.app import fusion_cli

    assert GNNConfig().steps == fusion_cli._GNN_STEPS == 100


def test_the_heads_training_settings_reach_the_cross_validation_and_the_model(tmp_path):
    """``--lr``, ``--weight-decay``, ``--label-smoothing``, ``--dropout`` and ``--lvl0-weight``
    reach the heads (the report's config and the saved model say so), and ``--first-seed``
    runs fresh folds."""
    from parser.app.cli import app
    from parser.tagger.testing import tiny_tagger

    kg_dir = tmp_path / "kg"
    with ProductGraph.open(kg_dir) as g:
        g.add_records(_records(), progress=False)
    _jsonl(tmp_path / "q.jsonl", QUERIES)
    tagger_dir = tiny_tagger().save(tmp_path / "tagger")
    settings = ["--lr", "0.001", "--weight-decay", "0.1", "--label-smoothing", "0.1",
                "--dropout", "0.5", "--lvl0-weight", "2.0"]
    cv = ["fusion", "evaluate", "--kg", str(kg_dir), "--data", str(tmp_path / "q.jsonl"),
          "--tagger", str(tagger_dir), "--cv", "2", "--seeds", "2", "--variants", "text",
          "--epochs", "2", "--members", "1", "--hidden-dim", "16", "--threads", "1", "--json"]
    runner = CliRunner()
    res = runner.invoke(app, [*cv, *settings, "--first-seed", "3"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output.strip().splitlines()[-1])
    assert report["config"]["seeds"] == [3, 4]
    train = report["config"]["train"]
    assert (train["lr"], train["weight_decay"], train["label_smoothing"],
            train["lvl0_weight"]) == (0.001, 0.1, 0.1, 2.0)
    assert report["config"]["fusion"]["dropout"] == 0.5
    res = runner.invoke(app, cv)  # the defaults when the options are not given
    report = json.loads(res.output.strip().splitlines()[-1])
    assert report["config"]["seeds"] == [0, 1]
    assert report["config"]["train"]["label_smoothing"] == 0.05
    res = runner.invoke(app, [*cv, "--label-smoothing", "0.7"])
    assert res.exit_code == 2 and "--label-smoothing" in res.output
    out = tmp_path / "model"
    res = runner.invoke(app, ["fusion", "train", "--kg", str(kg_dir), "--train",
                              str(tmp_path / "q.jsonl"), "--epochs", "2", "--gnn-steps", "2",
                              "--members", "1", "--hidden-dim", "16", "--text-encoder",
                              "hashing", "--threads", "1", "--tagger", str(tagger_dir),
                              "--out", str(out), *settings])
    assert res.exit_code == 0, res.output
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["dropout"] == 0.5
    assert json.dumps(saved).count('"label_smoothing": 0.1') >= 1
