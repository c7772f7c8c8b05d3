"""KG-driven augmentation (parser.tagger.augment): synthetic queries keep the source's words and
tags outside the replaced spans, use only the given KG names, and see their source's fold."""

from __future__ import annotations

from pathlib import Path

import pytest

from parser.errors import ConfigError
from parser.tagger.augment import names_by_label, replace_mentions
from parser.tagger.data import Sentence, read_conll, tags_to_spans
from parser.tagger.lexicon import CrossFoldFilter
from parser.tagger.training import TrainConfig, kg_augmenter

DATA = Path(__file__).resolve().parents[2] / "data"

PAIRS = {("acme", "brand"), ("zorvex audio", "brand"), ("bluetooth speaker", "product_type"),
         ("teal", "attribute_value:color"), ("teal", "attribute_value"),
         ("a" * 3 + " b c d e", "brand"),  # five words: a title, not a name
         ("1234", "brand")}  # no letter


def test_names_by_label_maps_kinds_to_labels_and_drops_non_names():
    names = names_by_label(PAIRS)
    assert names == {"creator": [("acme",), ("zorvex", "audio")],
                     "core_product_type": [("bluetooth", "speaker")],
                     "color": [("teal",)]}


@pytest.fixture(scope="module")
def train() -> list[Sentence]:
    return read_conll(DATA / "queryner" / "train.conll")


def test_replacement_keeps_the_rest_of_each_query(train):
    names = names_by_label(PAIRS)
    out = replace_mentions(train, names, n=300, seed=3)
    assert len(out) == 300
    by_text = {s.text(): s for s in train}
    all_names = {" ".join(n) for ns in names.values() for n in ns}
    replaced = 0
    for s in out:
        src = by_text[s.meta["augmented_from"]]
        new_spans, old_spans = tags_to_spans(s.tags), tags_to_spans(src.tags)
        assert [sp.label for sp in new_spans] == [sp.label for sp in old_spans]
        # words outside the spans are the source's, in order; each span is the source's or a
        # KG name of its label
        outside = lambda sent, spans: [w for i, w in enumerate(sent.tokens)  # noqa: E731
                                       if not any(sp.start <= i < sp.end for sp in spans)]
        assert outside(s, new_spans) == outside(src, old_spans)
        for a, b in zip(new_spans, old_spans, strict=True):
            text = " ".join(s.tokens[a.start:a.end])
            if text != " ".join(src.tokens[b.start:b.end]):
                assert a.label in names and text in all_names
                replaced += 1
        assert s.text() != src.text() or replaced  # at least one span was replaced
    assert replaced >= 300
    # the same draw again, another with another seed
    assert [s.tokens for s in replace_mentions(train, names, n=300, seed=3)] == \
        [s.tokens for s in out]
    assert [s.tokens for s in replace_mentions(train, names, n=300, seed=4)] != \
        [s.tokens for s in out]


def test_bad_settings_and_nothing_to_replace():
    s = [Sentence(["red", "shoes"], ["B-color", "B-core_product_type"])]
    assert replace_mentions(s, {"creator": [("acme",)]}, n=5, seed=0) == []
    with pytest.raises(ConfigError, match="p_replace"):
        replace_mentions(s, {"color": [("teal",)]}, n=1, seed=0, p_replace=0)
    with pytest.raises(ConfigError, match="whitespace"):
        replace_mentions([Sentence(["红", "鞋"], ["B-color", "B-core_product_type"],
                                   joiner="")], {"color": [("teal",)]}, n=1, seed=0)
    with pytest.raises(ConfigError, match="kg_augment"):
        TrainConfig(train_path="t", dev_path="d", out_dir="o", kg_augment=-1)
    cfg = TrainConfig(train_path="t", dev_path="d", out_dir="o", kg_augment=0.5, seed=1)
    assert kg_augmenter(TrainConfig(train_path="t", dev_path="d", out_dir="o"), PAIRS) is None
    assert len(kg_augmenter(cfg, PAIRS)(s * 4)) == 2
    with pytest.raises(ConfigError, match="no names"):
        kg_augmenter(cfg, {("x", "category")})


def test_a_synthetic_query_sees_the_lexicon_of_its_sources_fold(train):
    """A brand mined only from its source's own fold stays hidden from a synthetic query made
    from that source, whichever fold the synthetic text itself hashes to."""
    from kg.index import normalize_key

    cross = CrossFoldFilter(base=set(), sentences=train, folds=5)
    for src in train:
        if src.tags[0] != "B-creator" or len(src.tokens) < 2 or src.tags[1] == "I-creator":
            continue
        name = src.tokens[0]
        pair = (normalize_key(name), "brand")
        if pair in cross.allowed(src.text()):
            continue  # mined from another fold too: not this test's case
        # a synthetic text that keeps the name and hashes to a fold where it is allowed
        for tail in ("speaker", "cable", "case", "lamp", "bag", "mat", "pen", "cup"):
            text = f"{name} {tail}"
            if pair in cross.allowed(text):
                break
        else:
            continue
        match = [(0, len(name), "brand")]
        assert cross.filter(text, match) == match  # by its own fold: the gold name leaks
        assert cross.filter(text, match, fold_text=src.text()) == []  # by its source's: not
        return
    pytest.fail("no brand mined from a single fold in QueryNER train")
