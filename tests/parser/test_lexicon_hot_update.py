"""Issue 4: a tagger trained with KG lexicon features uses a brand added to the KG AFTER
training (a hot update through ``graph.transaction()``), with no retraining.

The tiny training data is built so that the lexicon feature is the only signal for ``creator``:
every brand is a random pseudo-word seen once, and the same templates are filled with as many
random non-brand pseudo-words tagged ``O``. The test brand is a pseudo-word never seen in
training; it is tagged ``creator`` only once the KG knows it.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("torch")

from kg import ProductGraph
from kg.schema import Node, NodeKind, brand_key
from parser.tagger.data import Sentence, write_conll
from parser.tagger.predict import Tagger
from parser.tagger.training import TrainConfig, train

# (tokens, tags) with {w} the slot filled by a brand (B-creator) or a non-brand (O) pseudo-word
_TEMPLATES = [
    (["{w}", "laptop"], ["?", "B-core_product_type"]),
    (["{w}", "running", "shoes"], ["?", "B-modifier", "B-core_product_type"]),
    (["red", "{w}", "jacket"], ["B-color", "?", "B-core_product_type"]),
    (["{w}", "tv", "65", "inch"], ["?", "B-core_product_type", "B-UoM", "I-UoM"]),
    (["{w}", "printer", "ink"], ["?", "B-core_product_type", "I-core_product_type"]),
    (["blue", "{w}", "shirt"], ["B-color", "?", "B-core_product_type"]),
]
NEW_BRAND = "zorvex"


def _pseudo_words(n: int, rng: random.Random, avoid: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        w = "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))
        if w not in avoid and w not in out:
            out.append(w)
    return out


def _data(rng: random.Random) -> tuple[list[Sentence], list[str]]:
    words = _pseudo_words(96, rng, {NEW_BRAND})
    brands, others = words[:48], words[48:]
    sents = []
    for i, w in enumerate(brands + others):
        toks, tags = _TEMPLATES[i % len(_TEMPLATES)]
        lab = "B-creator" if i < len(brands) else "O"
        sents.append(Sentence([t.format(w=w) for t in toks],
                              [lab if t == "?" else t for t in tags]))
    rng.shuffle(sents)
    return sents, brands


def _creators(tagger: Tagger, text: str) -> list[str]:
    return [e.text for e in tagger(text).entities if e.label == "creator"]


def test_brand_added_to_kg_after_training_is_tagged(tiny_backbone_dir, tmp_path):
    sents, brands = _data(random.Random(7))
    write_conll(tmp_path / "train.conll", sents)
    write_conll(tmp_path / "dev.conll", sents[:16])

    graph = ProductGraph()  # in memory
    with graph.transaction("brands") as tx:
        for b in brands:
            tx.add_node(Node(kind=NodeKind.BRAND, key=brand_key(b), label=b))
    assert [m.text for m in graph.match(f"{brands[0]} laptop")] == [brands[0]]

    res = train(TrainConfig(train_path=tmp_path / "train.conll", dev_path=tmp_path / "dev.conll",
                            out_dir=tmp_path / "model", backbone=tiny_backbone_dir, epochs=12,
                            lr=5e-3, head_lr=1e-2, batch_size=16, seed=0, max_length=32,
                            num_threads=1, extend_vocab=False, patience=12, progress=False,
                            lexicon_kinds=["brand"]), lexicon=graph)
    assert res.best_f1 > 0.9
    tagger = Tagger.from_pretrained(res.out_dir, lexicon=graph)
    assert tagger.config.lexicon_kinds == ["brand"]

    queries = [f"{NEW_BRAND} laptop", f"red {NEW_BRAND} jacket", f"{NEW_BRAND} printer ink"]
    before = [_creators(tagger, q) for q in queries]
    assert before == [[], [], []]

    # hot update: a new Brand node, committed while the tagger holds the same graph
    with graph.transaction("new brand") as tx:
        tx.add_node(Node(kind=NodeKind.BRAND, key=brand_key(NEW_BRAND), label=NEW_BRAND))
    assert [m.text for m in graph.match(f"{NEW_BRAND} laptop")] == [NEW_BRAND]

    after = [_creators(tagger, q) for q in queries]
    assert after == [[NEW_BRAND]] * len(queries)
    # the rest of each query is tagged as before (the update only adds the brand)
    assert [e.label for e in tagger(f"{NEW_BRAND} laptop").entities] == ["creator",
                                                                          "core_product_type"]
    graph.close()


def test_cli_kg_flag_trains_and_evaluates_with_the_kg_lexicon(tiny_backbone_dir, tiny_data,
                                                              tmp_path):
    import json

    from typer.testing import CliRunner

    from parser.app.tagger_cli import app

    kgdir = tmp_path / "kg"
    with ProductGraph.open(kgdir) as g, g.transaction("brands") as tx:
        for b in ("apple", "sony", "samsung"):
            tx.add_node(Node(kind=NodeKind.BRAND, key=brand_key(b), label=b))
    runner = CliRunner()
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
                              "--out", str(out), "--backbone", str(tiny_backbone_dir),
                              "--epochs", "1", "--no-progress", "--max-length", "32",
                              "--num-threads", "1", "--kg", str(kgdir), "--kg-augment", "1"])
    assert res.exit_code == 0, res.output
    assert Tagger.from_pretrained(out).config.lexicon_kinds == ["brand"]  # the KG's node kinds
    assert json.loads((out / "training_args.json").read_text())["kg_augment"] == 1.0
    res = runner.invoke(app, ["train", "--train", str(tiny_data[0]), "--dev", str(tiny_data[1]),
                              "--out", str(tmp_path / "m2"), "--kg-augment", "1"])
    assert res.exit_code == 2 and "--kg-augment needs --kg" in res.output
    res = runner.invoke(app, ["evaluate", str(out), "--data", str(tiny_data[1]), "--json",
                              "--kg", str(kgdir)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n_sentences"] == 10
    res = runner.invoke(app, ["predict", str(out), "apple tv", "--kg", str(kgdir)])
    assert res.exit_code == 0 and len(res.output.strip().splitlines()) == 1
    res = runner.invoke(app, ["evaluate", str(out), "--data", str(tiny_data[1]),
                              "--kg", str(tmp_path / "nokg")])
    assert res.exit_code != 0
