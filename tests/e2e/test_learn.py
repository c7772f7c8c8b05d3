"""Active learning (parser/learn.py, ``kgqp learn``): a query log scored by a real small bundle
(a tiny trained tagger, a KG of a dozen nodes), selected with reasons, written as annotation
tasks; confirmed NIL spans become a gazetteer that ``kgqp kg load`` adds to the KG."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kg.link import DEFAULT_LABEL_KINDS
from parser.app.cli import app
from parser.errors import ConfigError, DataFormatError
from parser.learn import (
    LogQuery,
    QuerySignals,
    SelectionConfig,
    _disagreements,
    read_query_log,
    score_queries,
    select,
)
from parser.tagger.data import Span
from parser.tagger.formats import read_tasks, to_label_studio
from parser.tagger.testing import tiny_tagger

LOG = ["samsung tv"] * 6 + ["Samsung  TV", "zorbo tv", "red nike running shoes",
                            "apple iphone case", "wooden coffee table", "sony headphones",
                            "dell laptop under 500", "blue cotton shirt", "lg washing machine",
                            "kids red jacket", "pink yoga mat", "used iphone 12"]


@pytest.fixture()
def own_bundle(bundle_dir: Path, tmp_path: Path) -> Path:
    """A private copy: the session's live server may hold the shared bundle's KG lock."""
    return Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))


def test_query_log_text_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("\n".join(LOG) + "\n\n", encoding="utf-8")
    log = read_query_log(tmp_path / "log.txt")
    assert log[0] == LogQuery("samsung tv", 7)  # case and spacing variants merged
    assert len(log) == len(LOG) - 6
    (tmp_path / "log.jsonl").write_text('{"query": "lg tv", "count": 3}\n{"text": "lg  TV"}\n'
                                        '{"query": "sony tv"}\n', encoding="utf-8")
    assert read_query_log(tmp_path / "log.jsonl") == [LogQuery("lg tv", 4), LogQuery("sony tv")]
    (tmp_path / "bad.jsonl").write_text('{"query": "lg tv"}\n{"query": "x", "count": 0}\n',
                                        encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.jsonl:2: 'count'"):
        read_query_log(tmp_path / "bad.jsonl")


def _sig(text: str, margin: float, emb: list[float], count: int = 1, **kw) -> QuerySignals:
    return QuerySignals(text=text, count=count, spans=[], entities=[], margin=margin,
                        entropy=0.0, uncertain_word=text.split()[0], uncertain_tag="B-x",
                        nil_spans=kw.get("nil", []), disagreements=kw.get("dis", []),
                        embedding=np.array(emb, dtype=np.float32))


def test_select_ranks_drops_near_duplicates_and_spreads_over_clusters() -> None:
    sigs = [
        _sig("a b", 0.05, [1, 0, 0]),
        _sig("b a", 0.06, [0.9, 0.1, 0]),      # same words as "a b"
        _sig("a c", 0.07, [1, 0.001, 0]),      # embedding of "a b": a near-duplicate
        _sig("a d", 0.08, [0.8, 0.5, 0]),      # same cluster as "a b", less uncertain
        _sig("z y", 0.60, [0, 0, 1]),          # confident, but alone in its cluster
        _sig("z x", 0.90, [0, 0.1, 1], nil=[("x", "creator")]),
        _sig("q r", 0.50, [0, 1, 0], count=50),
    ]
    picked = select(sigs[:-1], 2, config=SelectionConfig(pool_factor=3, w_nil=0, w_frequency=0,
                                                         clusters=True,
                                                         uncertainty="min_margin"))
    assert [p.signals.text for p in picked] == ["a b", "z y"]
    assert picked[0].reasons[0].startswith("uncertain: 'a' tagged B-x with margin 0.05")
    assert all(p.reasons[-1].startswith("diversity: best of embedding cluster") for p in picked)
    # without clustering the ranking alone decides (duplicates still dropped)
    ranked = select(sigs[:-1], 2, config=SelectionConfig(clusters=False, w_nil=0,
                                                         w_frequency=0))
    assert [p.signals.text for p in ranked] == ["a b", "a d"]
    # NIL and frequency weights move queries up (frequency multiplies the rest: a frequent
    # query the tagger is sure about stays down), each with its reason; excluded never picked
    weighted = select(sigs, 3, config=SelectionConfig(clusters=False, w_nil=2.0,
                                                      w_frequency=5.0), exclude=["A  b"])
    texts = [p.signals.text for p in weighted]
    assert texts[:2] == ["z x", "q r"] and "a b" not in texts
    assert "NIL: the KG cannot link 'x' (creator)" in weighted[0].reasons
    assert "frequent: searched 50 times" in weighted[1].reasons


def test_summed_uncertainty_counts_every_uncertain_word() -> None:
    # "one" has the least sure word (margin 0.10), "many" three fairly unsure ones
    one = _sig("one word unsure", 0.10, [1, 0, 0])
    one.margin_sum, one.entropy_sum = 0.95, 0.9
    many = _sig("many words unsure here", 0.30, [0, 1, 0])
    many.margin_sum, many.entropy_sum = 2.1, 1.8
    sure = _sig("all sure", 0.95, [0, 0, 1])
    sure.margin_sum, sure.entropy_sum = 0.06, 0.05
    sigs = [one, many, sure]
    for kind, first, score in (("min_margin", "one word unsure", 0.9),
                               ("sum_margin", "many words unsure here", 2.1),
                               ("sum_entropy", "many words unsure here", 1.8)):
        cfg = SelectionConfig(uncertainty=kind, clusters=False, w_nil=0, w_frequency=0)
        picked = select(sigs, 2, config=cfg)
        assert picked[0].signals.text == first, kind
        assert picked[0].score == pytest.approx(score)
    summed = select(sigs, 1, config=SelectionConfig(uncertainty="sum_margin", clusters=False))
    assert summed[0].reasons[0] == ("uncertain: 'many' tagged B-x with margin 0.30 over the next "
                                    "tag (sum_margin over the words 2.10)")
    # signals made without the sums count their least sure word only
    bare = _sig("bare", 0.4, [1, 1, 0])
    assert bare.uncertainty("sum_margin") == pytest.approx(0.6)
    assert bare.uncertainty("sum_entropy") == 0.0
    with pytest.raises(ConfigError, match="uncertainty='max'"):
        SelectionConfig(uncertainty="max")
    with pytest.raises(ConfigError, match="cluster_fraction=0"):
        SelectionConfig(cluster_fraction=0)


def test_density_weighting_prefers_typical_queries_over_outliers() -> None:
    # five queries in one tight group, one outlier that is a little more uncertain
    group = [_sig(f"g{i} x", 0.30, [1, 0.02 * i, 0]) for i in range(5)]
    outlier = _sig("odd one", 0.25, [0, 0, 1])
    cfg = dict(clusters=False, dup_cosine=1.0, w_nil=0, w_frequency=0)
    plain = select([*group, outlier], 1, config=SelectionConfig(**cfg))
    dense = select([*group, outlier], 1, config=SelectionConfig(density=1.0,
                                                                density_neighbours=2, **cfg))
    assert plain[0].signals.text == "odd one"
    assert dense[0].signals.text.startswith("g")
    assert dense[0].score == pytest.approx(0.70, abs=1e-3)  # cosine ~1 to its 2 neighbours
    with pytest.raises(ConfigError, match="density=-1"):
        SelectionConfig(density=-1)


def _words(sig: QuerySignals, margins: list[float]) -> QuerySignals:
    sig.words = sig.text.split()
    sig.word_margins = margins
    sig.word_entropies = [m / 2 for m in margins]
    sig.margin_sum, sig.entropy_sum = sum(margins), sum(margins) / 2
    return sig


def test_redundancy_discounts_words_already_labelled_or_picked() -> None:
    # three queries unsure about "fooz", one about a word nobody has labelled
    sigs = [_words(_sig("fooz bar", 0.1, [1, 0, 0]), [0.9, 0.2]),
            _words(_sig("fooz baz", 0.1, [0, 1, 0]), [0.9, 0.15]),
            _words(_sig("fooz qux", 0.1, [0, 0, 1]), [0.9, 0.1]),
            _words(_sig("novel thing", 0.3, [1, 1, 1]), [0.7, 0.1])]
    base = dict(clusters=False, dup_cosine=1.0, w_nil=0, w_frequency=0)
    plain = select(sigs, 2, config=SelectionConfig(**base))
    assert [p.signals.text for p in plain] == ["fooz bar", "fooz baz"]
    # with diminishing returns the second "fooz" query is worth less than the novel one
    cfg = SelectionConfig(redundancy=1.0, **base)
    picked = select(sigs, 2, config=cfg)
    assert [p.signals.text for p in picked] == ["fooz bar", "novel thing"]
    assert picked[0].score == pytest.approx(1.1) and picked[1].score == pytest.approx(0.8)
    assert picked[1].reasons[-1].startswith("rank: uncertainty of words not yet labelled")
    # a word the labelled queries hold counts less from the start (case and spacing ignored)
    fresh = select(sigs, 1, config=cfg, exclude=["FOOZ  lamp", "fooz"])
    assert [p.signals.text for p in fresh] == ["novel thing"]
    rest = select(sigs, 3, config=cfg, exclude=["fooz bar"])  # fooz labelled once: halved
    assert [(p.signals.text, round(p.score, 3)) for p in rest] == \
        [("novel thing", 0.8), ("fooz baz", 0.6), ("fooz qux", 0.4)]
    # sum_entropy is discounted the same way; signals without per-word values are not
    ent = select(sigs, 2, config=SelectionConfig(redundancy=1.0, uncertainty="sum_entropy",
                                                 **base))
    assert [p.signals.text for p in ent] == ["fooz bar", "novel thing"]
    bare = _sig("bare word", 0.4, [1, 1, 0])
    assert bare.discounted("sum_margin", {"bare": 9}, 1.0) == pytest.approx(0.6)
    for bad, match in ((dict(redundancy=-1), "redundancy=-1"),
                       (dict(redundancy=0.5, clusters=True), "clusters=False"),
                       (dict(redundancy=0.5, uncertainty="min_margin"), "summed uncertainty")):
        with pytest.raises(ConfigError, match=match):
            SelectionConfig(**bad)


def test_bald_from_monte_carlo_dropout() -> None:
    tagger = tiny_tagger(seed=1)
    queries = [LogQuery(q) for q in LOG[6:]]
    sigs = score_queries(tagger, queries, mc_samples=6)
    assert not tagger.model.training  # back in eval mode
    for s in sigs:
        assert len(s.word_bald) == len(s.words) == len(s.word_margins)
        assert all(0.0 <= b <= 1.0 for b in s.word_bald)
        assert s.bald_sum == pytest.approx(sum(s.word_bald))
        assert s.uncertainty("sum_bald") == s.bald_sum
    assert max(s.bald_sum for s in sigs) > 0  # dropout makes the passes disagree
    again = score_queries(tagger, queries, mc_samples=6)  # seeded: the same scores
    assert [s.word_bald for s in again] == [s.word_bald for s in sigs]
    # the deterministic signals are those of a scoring without dropout
    plain = score_queries(tagger, queries)
    assert [s.word_margins for s in plain] == [s.word_margins for s in sigs]
    assert plain[0].word_bald is None
    cfg = SelectionConfig(uncertainty="sum_bald", clusters=False, dup_cosine=1.0, w_nil=0,
                          w_frequency=0, w_disagreement=0)
    picked = select(sigs, 3, config=cfg)
    assert [p.score for p in picked] == pytest.approx(
        sorted((s.bald_sum for s in sigs), reverse=True)[:3], abs=1e-6)
    with pytest.raises(ConfigError, match="Monte Carlo dropout"):
        select(plain, 3, config=cfg)
    with pytest.raises(ConfigError, match="n >= 1"):
        tagger.sample_logits(tagger.prepare(["tv"]), 0)


def test_badge_gradient_embeddings_are_the_loss_gradient_and_spread_the_batch() -> None:
    import torch

    from parser.learn import GRADIENT_SKETCH, _sketch

    tagger = tiny_tagger(seed=1)
    queries = [LogQuery(q) for q in LOG[6:]]
    items = tagger.prepare([q.text for q in queries])
    logits, pooled, feats = tagger.forward_features(items)
    clf = tagger.model.classifier
    w, b = clf.weight.detach().numpy(), clf.bias.detach().numpy()
    assert np.allclose(feats @ w.T + b, logits, atol=1e-4)  # what the classifier reads
    assert np.allclose(pooled, tagger.forward(items, pooled=True)[1], atol=1e-5)
    sigs = score_queries(tagger, queries, gradients=True)
    labels = tagger.config.labels
    # the sketched gradient is that of the tagging loss (predicted tags as labels) with
    # respect to the classifier's weights and bias, computed here by autograd
    for q, s in zip(queries, sigs, strict=True):
        (p,) = tagger.prepare([q.text])
        first = torch.as_tensor(p.first[p.first >= 0])
        _, _, x = tagger.forward_features([p])
        x = torch.as_tensor(x[0][first.numpy()], dtype=torch.float64)
        weight = clf.weight.detach().double().requires_grad_()
        bias = clf.bias.detach().double().requires_grad_()
        word_logits = x @ weight.T + bias
        torch.nn.functional.cross_entropy(word_logits, word_logits.argmax(-1),
                                          reduction="sum").backward()
        full = torch.cat([weight.grad, bias.grad[:, None]], dim=1).numpy()
        want = full @ _sketch(full.shape[1])
        assert s.gradient.shape == (len(labels) * GRADIENT_SKETCH,)
        assert np.allclose(s.gradient, want.ravel(), atol=1e-4)
        assert s.uncertainty("badge") == pytest.approx(float(np.linalg.norm(want)), rel=1e-4)
    assert score_queries(tagger, queries)[0].gradient is None
    cfg = SelectionConfig(uncertainty="badge", w_nil=0, w_disagreement=0, w_frequency=0)
    picked = select(sigs, 4, config=cfg)
    assert picked[0].score == pytest.approx(max(s.uncertainty("badge") for s in sigs), rel=1e-5)
    assert len({p.signals.text for p in picked}) == 4
    assert picked[0].reasons[-1] == "largest gradient embedding"
    assert all("BADGE" in p.reasons[-1] for p in picked[1:])
    assert [p.signals.text for p in select(sigs, 4, config=cfg)] == \
        [p.signals.text for p in picked]  # seeded
    with pytest.raises(ConfigError, match="gradients=True"):
        select(score_queries(tagger, queries), 2, config=cfg)
    with pytest.raises(ConfigError, match="clusters=False"):
        SelectionConfig(uncertainty="badge", clusters=True)
    # a second query with the same gradient as the first pick is never drawn (distance 0),
    # where ranking by the gradient's length would take it second
    g = np.zeros(6, dtype=np.float32)
    hand = [_sig("aa", 0.1, [1, 0, 0]), _sig("bb", 0.1, [0, 1, 0]), _sig("cc", 0.5, [0, 0, 1])]
    for sig, grad in zip(hand, ([3, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0.01],
                                [0, 1, 0, 0, 0, 0]), strict=True):
        sig.gradient = g + np.array(grad, dtype=np.float32)
    assert [p.signals.text for p in select(hand, 2, config=cfg)] == ["bb", "cc"]


def test_cli_defaults_are_the_selection_defaults() -> None:
    from parser.app.learn_cli import _DEFAULTS

    cfg = SelectionConfig()
    assert (_DEFAULTS.uncertainty, _DEFAULTS.cluster_fraction, _DEFAULTS.clusters,
            _DEFAULTS.redundancy) == \
        (cfg.uncertainty, cfg.cluster_fraction, cfg.clusters, cfg.redundancy)


def test_fewer_clusters_than_picks_fill_by_rank() -> None:
    # two groups of embeddings; 4 picks from 2 clusters: the best of each, then the rank
    sigs = [_sig(f"a{i} x", 0.1 * i, [1, 0.01 * i, 0]) for i in range(1, 5)] + \
           [_sig(f"b{i} y", 0.1 * i + 0.05, [0, 0.01 * i, 1]) for i in range(1, 5)]
    cfg = SelectionConfig(clusters=True, cluster_fraction=0.5, dup_cosine=1.0, w_nil=0,
                          w_frequency=0)
    picked = select(sigs, 4, config=cfg)
    assert [p.signals.text for p in picked] == ["a1 x", "b1 y", "a2 x", "b2 y"]
    assert [p.reasons[-1].split(":")[0] for p in picked] == \
        ["diversity", "diversity", "rank", "rank"]
    assert len({p.cluster for p in picked}) == 2
    # as many clusters as picks spreads over 4 clusters
    spread = select(sigs, 4, config=SelectionConfig(clusters=True, dup_cosine=1.0, w_nil=0,
                                                    w_frequency=0))
    assert all(p.reasons[-1].startswith("diversity") for p in spread)


def test_disagreement_between_tagger_and_kg_lexicon() -> None:
    text = "apple red case"
    matches = [(0, 5, "brand"), (6, 9, "attribute_value"), (6, 9, "attribute_value:color"),
               (10, 14, "product_type")]
    spans = [Span(0, 5, "color"), Span(6, 9, "color")]
    out = _disagreements(text, spans, matches, {"color": ("attribute_value:color",),
                                                "creator": ("brand",)})
    assert out == ["KG names 'apple' (brand); the tagger says color",
                   "KG names 'case' (product_type); the tagger left it untagged"]
    # a KG department value tagged department is no disagreement, though the linker's kinds
    # for department are ideal_for values and categories
    text = "shoes for men"
    matches = [(6, 13, "attribute_value"), (6, 13, "attribute_value:department")]
    kinds = {"department": ("attribute_value:ideal_for", "category")}
    assert _disagreements(text, [Span(6, 13, "department")], matches, kinds) == []
    assert _disagreements(text, [Span(6, 13, "color")], matches, {
        "color": ("attribute_value:color",)}) != []


def test_scores_from_the_real_bundle(own_bundle: Path) -> None:
    from parser.pipeline import QueryParser

    qp = QueryParser.from_pretrained(own_bundle, warmup=False)
    log = [LogQuery(t) for t in dict.fromkeys(LOG)]
    sigs = score_queries(qp.tagger, log, kg=qp.kg, link=qp.link_entity)
    assert [s.text for s in sigs] == [q.text for q in log]
    for s in sigs:
        assert 0.0 <= s.margin <= 1.0 and 0.0 <= s.entropy <= 1.0
        # the sums over the words hold the least sure word and are bounded by the word count
        n_words = len(s.text.split())
        assert 1.0 - s.margin - 1e-9 <= s.margin_sum <= n_words * (1.0 - s.margin) + 1e-9
        assert s.entropy - 1e-9 <= s.entropy_sum <= n_words * s.entropy + 1e-9
        # the per-word values are the tagger's words, casefolded, and add up to the sums
        assert s.words == s.text.casefold().split()
        assert sum(s.word_margins) == pytest.approx(s.margin_sum)
        assert sum(s.word_entropies) == pytest.approx(s.entropy_sum)
        assert s.embedding.shape == (qp.tagger.embedding_dim,)
        assert all(s.text[sp.start:sp.end] == e["text"] for sp, e in zip(s.spans, s.entities,
                                                                         strict=True))
    parsed = {q.text: q for q in qp.pipe([q.text for q in log])}
    for s in sigs:  # the same spans and links as a parse
        assert [(e["text"], e["label"], e["kg_id"]) for e in s.entities] == \
            [(e.text, e.label, e.kg_id) for e in parsed[s.text].entities]
        nil = [(e.text, e.label) for e in parsed[s.text].entities
               if e.kg_id is None and DEFAULT_LABEL_KINDS.get(e.label)]
        assert s.nil_spans == nil
    assert any(s.nil_spans for s in sigs)
    qp.kg.close()


def test_select_from_log_in_bounded_memory_picks_as_select(own_bundle: Path,
                                                            tmp_path: Path) -> None:
    from parser.learn import select_from_log
    from parser.pipeline import QueryParser

    qp = QueryParser.from_pretrained(own_bundle, warmup=False)
    (tmp_path / "log.txt").write_text("\n".join(LOG), encoding="utf-8")
    log = read_query_log(tmp_path / "log.txt")
    args = {"kg": qp.kg, "link": qp.link_entity}
    for cfg in (SelectionConfig(pool_factor=2, clusters=True, uncertainty="min_margin"),
                SelectionConfig(pool_factor=2), SelectionConfig(redundancy=0.5)):
        whole = select(score_queries(qp.tagger, log, **args), 3, config=cfg, exclude=["lg tv"])
        streamed = select_from_log(qp.tagger, log, 3, config=cfg, exclude=["lg tv"], **args)
        assert [(p.signals.text, p.score) for p in streamed] == \
            [(p.signals.text, p.score) for p in whole]
    # holding only the 4 best-scored queries: the picks come from those 4
    scores = sorted((p.score for p in select(score_queries(qp.tagger, log, **args), len(log),
                                             config=SelectionConfig(clusters=False,
                                                                    dup_cosine=1.0))),
                    reverse=True)
    small = select_from_log(qp.tagger, log, 3, config=cfg, keep=4, **args)
    assert len(small) == 3 and min(p.score for p in small) >= scores[3]
    assert len(select_from_log(qp.tagger, log, 3, config=cfg, keep=1, **args)) == 1
    qp.kg.close()


def test_cli_select_writes_tasks_with_reasons(own_bundle: Path, tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("\n".join(LOG) + "\n", encoding="utf-8")
    (tmp_path / "done.jsonl").write_text('{"text": "pink yoga mat", "spans": []}\n',
                                         encoding="utf-8")
    runner = CliRunner()
    for suffix in (".json", ".jsonl"):
        out = tmp_path / f"batch{suffix}"
        res = runner.invoke(app, ["learn", "select", "--bundle", str(own_bundle), "--queries",
                                  str(tmp_path / "log.txt"), "--n", "5", "--out", str(out),
                                  "--exclude", str(tmp_path / "done.jsonl")])
        assert res.exit_code == 0, res.output
        summary = json.loads(res.output)
        assert summary["selected"] == 5 and summary["reasons"]["rank"] == 5
        tasks = read_tasks(out)
        assert len(tasks) == 5 and "pink yoga mat" not in [t.text for t in tasks]
        assert len({tuple(sorted(t.text.lower().split())) for t in tasks}) == 5
        for t in tasks:
            assert t.meta["reasons"] and t.meta["count"] >= 1
            assert [(e["start"], e["end"], e["label"]) for e in t.meta["entities"]] == \
                [(s.start, s.end, s.label) for s in t.spans]
    assert (tmp_path / "batch.label_config.xml").read_text().count("<Label ") > 5
    assert read_tasks(tmp_path / "batch.json") == read_tasks(tmp_path / "batch.jsonl")
    res = runner.invoke(app, ["learn", "select", "--bundle", str(own_bundle), "--queries",
                              str(tmp_path / "log.txt"), "--n", "5", "--out",
                              str(tmp_path / "spread.jsonl"), "--clusters", "--uncertainty",
                              "min_margin", "--cluster-fraction", "0.6"])
    assert res.exit_code == 0, res.output
    reasons = json.loads(res.output)["reasons"]
    assert reasons["diversity"] == 3 and reasons["rank"] == 2, reasons
    res = runner.invoke(app, ["learn", "select", "--bundle", str(own_bundle), "--queries",
                              str(tmp_path / "nope.txt"), "--n", "5", "--out",
                              str(tmp_path / "x.json")])
    assert res.exit_code == 2 and "does not exist" in res.output
    assert not (tmp_path / "x.json").exists()
    for torch_only in ("sum_bald", "badge"):  # the bundle's tagger is ONNX: a clear refusal
        res = runner.invoke(app, ["learn", "select", "--bundle", str(own_bundle), "--queries",
                                  str(tmp_path / "log.txt"), "--n", "5", "--out",
                                  str(tmp_path / "x.json"), "--uncertainty", torch_only])
        assert res.exit_code == 2 and "torch tagger" in res.output, res.output
        assert not (tmp_path / "x.json").exists()


def test_confirmed_nil_spans_become_a_gazetteer_that_kg_load_adds(own_bundle: Path,
                                                                    tmp_path: Path) -> None:
    from parser.tagger.formats import Task

    tasks = to_label_studio([Task("zorbo tv", [Span(0, 5, "creator")], source="prediction"),
                             Task("glorp kettle", [Span(0, 5, "creator")], source="prediction")])
    # the annotator confirms zorbo, adds a colour the KG lacks and a price; glorp is unreviewed
    tasks[0]["annotations"] = [{"result": [
        {"type": "labels", "value": {"start": 0, "end": 5, "labels": ["creator"]}},
        {"type": "labels", "value": {"start": 6, "end": 8, "labels": ["core_product_type"]}}]}]
    tasks.append({"id": 9, "data": {"text": "teal samsung tv under 300"}, "annotations": [
        {"result": [{"type": "labels", "value": {"start": 0, "end": 4, "labels": ["color"]}},
                    {"type": "labels", "value": {"start": 5, "end": 12,
                                                 "labels": ["creator"]}},
                    {"type": "labels", "value": {"start": 16, "end": 25,
                                                 "labels": ["price"]}}]}]})
    labels = tmp_path / "labelled.json"
    labels.write_text(json.dumps(tasks), encoding="utf-8")
    kg = own_bundle / "kg"
    runner = CliRunner()
    res = runner.invoke(app, ["learn", "gazetteer", "--bundle", str(own_bundle), "--labels",
                              str(labels), "--out", str(tmp_path / "adds"), "--kg", str(kg)])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary == {"out": str(tmp_path / "adds"), "files": 2, "names": 2, "tasks_used": 2,
                       "skipped_unreviewed_tasks": 1, "unmarked_tasks": 0}
    assert (tmp_path / "adds" / "brand.txt").read_text() == "zorbo\n"  # samsung links: not NIL
    assert (tmp_path / "adds" / "attribute_value-color.txt").read_text() == "teal\n"
    commands = [shlex.split(line)[1:] for line in lines[:-1]]
    assert len(commands) == 2
    for cmd in commands:
        res = runner.invoke(app, cmd)
        assert res.exit_code == 0, res.output
    from kg import ProductGraph

    with ProductGraph.open(kg, read_only=True) as g:
        assert g.link("zorbo", label="creator").best.label == "zorbo"
        assert g.link("teal", label="color").best is not None


def test_a_second_gazetteer_batch_leaves_no_stale_file(own_bundle: Path, tmp_path: Path) -> None:
    """Rerun into the same --out: the files of the earlier batch that this one does not write
    are removed (a stale colour gazetteer stayed and `kgqp kg load OUT/*.txt` loaded it)."""
    from parser.tagger.formats import Task

    out = tmp_path / "adds"
    runner = CliRunner()
    for text, spans, files in [("teal zorbo tv", [Span(0, 4, "color"), Span(5, 10, "creator")],
                                ["attribute_value-color.txt", "brand.txt"]),
                               ("zorbo tv", [Span(0, 5, "creator")], ["brand.txt"])]:
        tasks = to_label_studio([Task(text, spans, source="prediction")])
        tasks[0]["annotations"] = [{"result": [
            {"type": "labels", "value": {"start": s.start, "end": s.end, "labels": [s.label]}}
            for s in spans]}]
        labels = tmp_path / "labelled.json"
        labels.write_text(json.dumps(tasks), encoding="utf-8")
        res = runner.invoke(app, ["learn", "gazetteer", "--bundle", str(own_bundle),
                                  "--labels", str(labels), "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert sorted(p.name for p in out.glob("*.txt")) == files



def _select(runner: CliRunner, bundle: Path, log: Path, out: Path, *extra: str):
    return runner.invoke(app, ["learn", "select", "--bundle", str(bundle), "--queries",
                               str(log), "--n", "3", "--out", str(out), *extra])



def _first_batch(runner: CliRunner, bundle: Path, tmp_path: Path) -> tuple[Path, Path, list]:
    """Round 1: the log of :data:`LOG` and `learn select`'s span JSONL batch from it (its
    lines parsed)."""
    log = tmp_path / "log.txt"
    log.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    b1 = tmp_path / "b1.jsonl"
    res = _select(runner, bundle, log, b1)
    assert res.exit_code == 0, res.output
    return log, b1, [json.loads(x) for x in b1.read_text(encoding="utf-8").splitlines()]

def test_the_raw_batch_is_marked_unreviewed_and_adds_nothing_to_the_kg(
        own_bundle: Path, tmp_path: Path) -> None:
    """The span JSONL batch of `select` marks its spans as the model's predictions: `learn
    gazetteer` leaves them out as it does those of a Label Studio batch (they became KG
    additions: "capsul", "90 veg")."""
    runner = CliRunner()
    _, b1, lines = _first_batch(runner, own_bundle, tmp_path)
    assert [x.get("source") for x in lines] == ["prediction"] * 3
    res = runner.invoke(app, ["learn", "gazetteer", "--bundle", str(own_bundle), "--labels",
                              str(b1), "--out", str(tmp_path / "adds")])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert (summary["names"], summary["tasks_used"], summary["skipped_unreviewed_tasks"]) == \
        (0, 0, 3)


def test_a_second_round_keeps_the_labels_and_the_answered_queries_out(
        own_bundle: Path, tmp_path: Path) -> None:
    """Round 2 of the loop: queries an annotator rejected or ignored are not selected again;
    `select` refuses to overwrite a file (the how-to used one name for the batch and its
    annotations: round 2 wiped round 1's labels)."""
    runner = CliRunner()
    log, b1, lines = _first_batch(runner, own_bundle, tmp_path)
    # the annotator (Prodigy) rejects one, ignores one, accepts one
    for line, answer in zip(lines, ("reject", "ignore", "accept"), strict=True):
        line["answer"] = answer
    answered = tmp_path / "b1-answered.jsonl"
    answered.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    before = answered.read_bytes()
    b2 = tmp_path / "b2.jsonl"
    res = _select(runner, own_bundle, log, b2, "--exclude", str(answered))
    assert res.exit_code == 0, res.output
    assert not {x["text"] for x in lines} & {t.text for t in read_tasks(b2)}
    res = _select(runner, own_bundle, log, answered, "--exclude", str(answered), "--force")
    assert res.exit_code == 2 and "is also an --exclude file" in res.output, res.output
    res = _select(runner, own_bundle, log, b1)
    assert res.exit_code == 2 and "already exists" in res.output, res.output
    assert answered.read_bytes() == before
    res = _select(runner, own_bundle, log, b2, "--exclude", str(answered), "--force")
    assert res.exit_code == 0, res.output  # --force: overwritten
