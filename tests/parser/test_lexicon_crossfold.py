"""Cross-fold KG lexicon: a training sentence never sees its own gold spans as mined KG names."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from kg.index import normalize_key
from parser.errors import ConfigError
from parser.tagger.data import Sentence, read_conll
from parser.tagger.lexicon import (
    DEFAULT_LEXICON_KINDS,
    MINED_LABELS,
    CrossFoldFilter,
    candidate_kinds,
    fold_of,
    mine_gazetteer,
)

DATA = Path(__file__).resolve().parents[2] / "data"


def _kinds(label: str) -> tuple[str, ...]:
    kind, attribute = MINED_LABELS[label]
    return candidate_kinds(type("C", (), {"kind": kind, "attribute": attribute})())


def _gold_matches(s: Sentence) -> list[tuple[int, int, str]]:
    """What a KG holding the gazetteers mined from ALL of train matches in ``s``: at least
    its own gold spans of the mined labels."""
    return [(sp.start, sp.end, k) for sp in s.spans() if sp.label in MINED_LABELS
            for k in _kinds(sp.label)]


def test_mine_gazetteer_keeps_names_by_label_share():
    s = [Sentence(["apple", "watch"], ["B-creator", "B-core_product_type"]),
         Sentence(["apple", "pie"], ["B-modifier", "O"]),
         Sentence(["apple", "case"], ["B-creator", "B-core_product_type"]),
         Sentence(["x", "123"], ["B-creator", "B-creator"])]
    mined = mine_gazetteer(s, labels=["creator", "core_product_type"])
    assert mined == {"creator": ["apple"], "core_product_type": ["case", "watch"]}
    assert mine_gazetteer(s, labels=["creator"], min_share=0.9) == {"creator": []}


def test_folds_are_stable_and_shared_by_duplicates():
    assert fold_of("Nike  Shoes", 5) == fold_of("nike shoes", 5)
    assert {fold_of(f"query {i}", 5) for i in range(100)} == set(range(5))
    with pytest.raises(ConfigError, match="at least 2 folds"):
        CrossFoldFilter(base=set(), sentences=[], folds=1)


@pytest.fixture(scope="module")
def train_sentences() -> list[Sentence]:
    return read_conll(DATA / "queryner" / "train.conll")


def test_cross_fold_lexicon_never_contains_a_sentences_own_span(train_sentences):
    folds = 5
    cross = CrossFoldFilter(base=set(), sentences=train_sentences, folds=folds)
    # which folds annotate each (name, kind) under the mining rule, fold by fold
    by_fold: list[list[Sentence]] = [[] for _ in range(folds)]
    for s in train_sentences:
        by_fold[fold_of(s.text(), folds)].append(s)
    seen_in: dict[tuple[str, str], set[int]] = defaultdict(set)
    for k, part in enumerate(by_fold):
        for s in part:
            text = s.text()
            for sp in s.spans():
                if sp.label in MINED_LABELS:
                    for kind in _kinds(sp.label):
                        seen_in[(normalize_key(text[sp.start:sp.end]), kind)].add(k)
    kept = dropped = 0
    for s in train_sentences:
        text, k = s.text(), fold_of(s.text(), folds)
        full = _gold_matches(s)
        out = cross.filter(text, full)
        for start, end, kind in out:
            pair = (normalize_key(text[start:end]), kind)
            # a kept name was annotated in ANOTHER fold: never only by this sentence's fold
            assert seen_in[pair] - {k}, (text, pair)
        for start, end, kind in set(full) - set(out):
            pair = (normalize_key(text[start:end]), kind)
            assert pair not in cross.allowed(text)
        kept += len(out)
        dropped += len(full) - len(out)
    # names annotated once in train (most long-tail brands) are dropped in their own sentence
    assert dropped > 1000 and kept > 1000


def test_a_brand_only_one_training_sentence_names_is_seen_at_serving_not_in_training():
    train = [Sentence(["zorblax", "drill"], ["B-creator", "B-core_product_type"]),
             *[Sentence([f"brand{i}", "drill"], ["B-creator", "B-core_product_type"])
               for i in range(20)]]
    cross = CrossFoldFilter(base={("drill", "category")}, sentences=train, folds=5)
    text = "zorblax drill"
    full = [(0, 7, "brand"), (8, 13, "category"), (8, 13, "product_type")]
    assert cross.filter(text, full) == [(8, 13, "category"), (8, 13, "product_type")]
    # serving (validation) uses the gazetteer mined on all of train: the name is there
    assert "zorblax" in mine_gazetteer(train)["creator"]


def test_train_uses_the_cross_fold_matches(tiny_backbone_dir, tiny_data, tmp_path):
    from parser.tagger.training import TrainConfig, train

    seen: list[int] = []

    def matches(sentences):
        seen.append(len(sentences))
        return [[(0, len(s.tokens[0]), "brand")] for s in sentences]

    cfg = TrainConfig(train_path=tiny_data[0], dev_path=tiny_data[1], out_dir=tmp_path / "m",
                      backbone=tiny_backbone_dir, epochs=1, progress=False, max_length=32,
                      lexicon_kinds=list(DEFAULT_LEXICON_KINDS))
    res = train(cfg, lexicon={"apple": "brand"}, train_matches=matches)
    assert seen == [len(read_conll(tiny_data[0]))]
    assert res.best_epoch == 1
