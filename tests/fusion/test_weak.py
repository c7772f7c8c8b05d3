"""fusion.weak: the KG's category names as weak training queries for the intent."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fusion.cv import CVConfig, cross_validate
from fusion.data import build_examples, load_bestbuy_queries
from fusion.errors import FusionConfigError, FusionDataError
from fusion.model import FusionConfig
from fusion.text import HashingTextEncoder
from fusion.train import TrainConfig
from fusion.types import FusionInput
from fusion.weak import (
    WeakExample,
    featurize_weak,
    label_weak,
    taxonomy_labels,
    taxonomy_queries,
)
from kg import ProductGraph
from kg.loaders import load_sources

from .conftest import QUERIES

DATA = Path(__file__).resolve().parents[2] / "data" / "bestbuy"


class TextOnly:
    """The encoder's embedding, no links: the text-only variants read nothing else."""

    def __init__(self, encoder: HashingTextEncoder) -> None:
        self.encoder, self.name, self.dim = encoder, encoder.name, encoder.dim

    def featurize(self, texts, *, progress: bool = False) -> list[FusionInput]:
        emb = self.encoder.encode(list(texts))
        return [FusionInput(emb[i], (), t) for i, t in enumerate(texts)]


def test_taxonomy_queries_are_the_distinct_category_names_with_paths(kg):
    pairs = taxonomy_queries(kg)
    g = kg.to_networkx()
    cats = [a for _, a in g.nodes(data=True) if a.get("kind") == "category"]
    assert pairs and len(pairs) <= len(cats)
    assert len({n.casefold() for n, _ in pairs}) == len(pairs)
    assert all(path.rsplit(">", 1)[-1].strip() == name or any(
        a.get("label") == name and a.get("path") == path for a in cats) for name, path in pairs)
    assert pairs == sorted(pairs, key=lambda p: (p[0].casefold(), p[1]))


def test_label_weak_uses_only_the_given_labels():
    pairs = [("Gas Cooktops", "Appliances > Ranges > Cooktops > Gas Cooktops"),
             ("Calculators", "Home > Office Electronics > Calculators"),
             ("Desks", "Furniture > Desks")]
    weak = [WeakExample(FusionInput(torch.zeros(4), text=n), p) for n, p in pairs]
    out = label_weak(weak, ["Appliances > Ranges", "Office Electronics > Calculators",
                            "Audio > Headphones"])
    assert [(ex.input.text, ex.lvl1, ex.lvl0) for ex in out] == [
        ("Gas Cooktops", "Appliances > Ranges", "Appliances"),
        ("Calculators", "Office Electronics > Calculators", "Office Electronics")]
    assert label_weak(weak, ["Audio > Headphones"]) == []


def test_taxonomy_labels_add_the_tree_children_of_the_departments(kg):
    got = taxonomy_labels(kg, ["TV & Home Theater > TVs", "Appliances > Refrigerators"])
    assert got == ["Appliances > Refrigerators", "TV & Home Theater > TV Mounts",
                   "TV & Home Theater > TVs"]  # no Cell Phones label: not its department
    assert taxonomy_labels(kg, []) == []


def test_a_label_no_training_query_has_is_learnt_from_the_tree(kg, encoder, examples):
    """"TV Mounts" has no training query; with the tree's labels its category name trains it,
    and a query naming it gets it."""
    from fusion.train import train_fusion

    train = [ex for ex in examples if ex.lvl1 != "TV & Home Theater > TV Mounts"]
    weak = featurize_weak(taxonomy_queries(kg), TextOnly(encoder))
    labels = [ex.lvl1 for ex in train]
    cfg = FusionConfig(text_dim=encoder.dim, hidden_dim=32, use_graph=False, dropout=0.0)
    plain = train_fusion(cfg, None, train + label_weak(weak, labels), [],
                         train_config=TrainConfig(epochs=30, batch_size=8))
    assert "TV & Home Theater > TV Mounts" not in plain.labels
    tree = train_fusion(cfg, None, train + label_weak(weak, taxonomy_labels(kg, labels)), [],
                        train_config=TrainConfig(epochs=30, batch_size=8))
    query = TextOnly(encoder).featurize(["tv mounts"])[0]
    assert tree.predict(query).category == "TV & Home Theater > TV Mounts"


def test_cv_extends_each_training_folds_label_space(kg, encoder, examples):
    weak = featurize_weak(taxonomy_queries(kg), TextOnly(encoder))
    cfg = CVConfig(folds=2, seeds=(0,), variants=("text",), train=TrainConfig(epochs=3),
                   fusion=FusionConfig(text_dim=encoder.dim), taxonomy_labels=True)
    rep = cross_validate(examples, config=cfg, weak=weak, kg=kg)
    assert sum(r["n"] for r in rep.runs) == len(examples)
    with pytest.raises(FusionConfigError, match="needs the KG"):
        cross_validate(examples, config=cfg, weak=weak)


def test_featurize_weak_checks_the_featurizer_count(kg, encoder):
    class Short(TextOnly):
        def featurize(self, texts, *, progress=False):
            return super().featurize(texts)[:-1]

    with pytest.raises(FusionDataError, match="inputs for"):
        featurize_weak(taxonomy_queries(kg), Short(encoder))


def test_weak_examples_train_but_are_never_scored(kg, encoder, examples):
    weak = featurize_weak(taxonomy_queries(kg), TextOnly(encoder))
    cfg = CVConfig(folds=2, seeds=(0,), variants=("text",), train=TrainConfig(epochs=3),
                   fusion=FusionConfig(text_dim=encoder.dim))
    rep = cross_validate(examples, config=cfg, weak=weak)
    assert sum(r["n"] for r in rep.runs) == len(examples) == len(QUERIES)


def test_category_names_raise_intent_accuracy_on_held_apart_best_buy_queries():
    """The mechanism's claim on real data: Best Buy's own category tree, loaded as the KG, and
    its query suggestions; 3 folds, text only, with and without the weak queries."""
    graph = ProductGraph.in_memory()
    load_sources(graph, [DATA / "categories.json.gz"], kind="bestbuy-categories",
                 progress=False)
    fz = TextOnly(HashingTextEncoder(dim=256))
    queries = [q for f in ("queries_train.jsonl", "queries_dev.jsonl")
               for q in load_bestbuy_queries(DATA / f)]
    examples = build_examples(queries, fz)
    weak = featurize_weak(taxonomy_queries(graph), fz)
    cfg = CVConfig(folds=3, seeds=(0,), variants=("text",),
                   train=TrainConfig(epochs=15, batch_size=64),
                   fusion=FusionConfig(text_dim=fz.dim))
    base = cross_validate(examples, config=cfg).summary["text"]["lvl1_accuracy"]["mean"]
    with_weak = cross_validate(examples, config=cfg,
                               weak=weak).summary["text"]["lvl1_accuracy"]["mean"]
    # measured 0.596 -> 0.666 when written
    assert with_weak >= base + 0.02, (base, with_weak)
