"""link-eval: gold loading, metrics, the exact-match baseline, fitting and cross-validation."""

from __future__ import annotations

import json

import pytest

from kg import Node, NodeKind, ProductGraph
from kg.link import EntityLinker, LinkerConfig, LinkWeights
from kg.link_eval import (
    ExactLinker,
    GoldMention,
    LinkMetrics,
    cross_validate,
    evaluate,
    fit_weights,
    link_eval,
    load_gold,
)

SONY = Node(NodeKind.BRAND, "sony", "Sony")
SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs")
WC = Node(NodeKind.CATEGORY, "bb/wc", "Wine Refrigerators & Coolers", path="Appliances > Wine")


@pytest.fixture()
def graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([SONY, SAMSUNG, TVS, WC, Node(NodeKind.BRAND, "black", "Black"),
                   Node(NodeKind.CATEGORY, "g/st", "Sonic Toothbrushes", path="Health > Sonic")],
                  progress=False)
    return g


def _gold(i: int, query: str, mention: str, label: str, gold: tuple[str, ...] = ()
          ) -> GoldMention:
    start = query.index(mention)
    return GoldMention(str(i), query, mention, start, start + len(mention), label, gold)


GOLD = [
    _gold(1, "sony tv", "sony", "creator", (SONY.iri,)),
    _gold(2, "sony tv", "tv", "core_product_type", (TVS.iri,)),
    _gold(3, "samsnug tvs", "samsnug", "creator", (SAMSUNG.iri,)),
    _gold(4, "samsnug tvs", "tvs", "core_product_type", (TVS.iri,)),
    _gold(5, "wine coolers", "wine coolers", "core_product_type", (WC.iri,)),
    _gold(6, "sonic toothbrush", "sonic", "creator"),
    _gold(7, "samsung galaxy case", "samsung galaxy", "product_name"),
    _gold(8, "black tv", "black", "creator"),
]


def test_load_gold_round_trip_and_errors(tmp_path) -> None:
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join(json.dumps({"id": g.id, "query": g.query, "mention": g.mention,
                                       "start": g.start, "end": g.end, "label": g.label,
                                       "gold": list(g.gold), "acceptable_broader": []})
                           for g in GOLD) + "\n")
    loaded = load_gold(p)
    assert [g.mention for g in loaded] == [g.mention for g in GOLD]
    assert loaded[0].source == "gold" and loaded[5].nil
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:1"):
        load_gold(tmp_path / "bad.jsonl")


def test_metrics_of_linker_and_baseline(graph: ProductGraph) -> None:
    base = evaluate(GOLD, ExactLinker(graph))
    # the baseline misses the typo and the subset name, and links the colour-word brand
    assert base.overall.correct == 5 and base.overall.linked == 4
    assert base.by_label["creator"].n == 4
    ours = evaluate(GOLD, EntityLinker(graph))
    assert ours.overall.accuracy > base.overall.accuracy
    assert ours.overall.to_dict()["n"] == len(GOLD)
    # end to end: a gold mention the tagger missed counts as NIL
    spans = {"sony tv": [(0, 4, "creator")]}
    e2e = evaluate(GOLD[:2], EntityLinker(graph), spans)
    assert e2e.overall.correct == 1 and e2e.overall.nil_pred == 1


def test_fit_and_cross_validate(graph: ProductGraph, tmp_path) -> None:
    from dataclasses import replace

    gold = [replace(g, query=f"{g.query} {i}") for i in range(4) for g in GOLD]
    w = fit_weights(graph, gold)
    assert isinstance(w, LinkWeights) and w.meta["mentions"] == len(gold)
    w.save(tmp_path / "w.json")
    cfg = LinkerConfig.from_json({"weights": str(tmp_path / "w.json")})
    assert cfg.weights.coef == LinkWeights.load(tmp_path / "w.json").coef
    cv = cross_validate(graph, gold, k=2)
    assert cv.linker.overall.n == len(gold) and len(cv.fold_weights) == 2
    res = link_eval(graph, gold, folds=2)
    assert set(res) >= {"linker", "baseline", "gain"}
    with pytest.raises(ValueError, match="k must be"):
        cross_validate(graph, gold, k=1)


def test_wrong_link_cost_raises_the_threshold(graph: ProductGraph) -> None:
    cheap = fit_weights(graph, GOLD, wrong_link_cost=0.0)
    dear = fit_weights(graph, GOLD, wrong_link_cost=5.0)
    assert dear.threshold >= cheap.threshold
    assert dear.meta["wrong_link_cost"] == 5.0
    with pytest.raises(ValueError, match="wrong_link_cost"):
        fit_weights(graph, GOLD, wrong_link_cost=-1.0)


def test_link_eval_refuses_what_it_would_score_wrong(graph: ProductGraph) -> None:
    """A gold label the linker does not know was scored NIL for the linker and linked by the
    baseline, silently; an empty gold gave an all-zero table and exit 0; --folds 1 and -3 ran
    as 0."""
    from dataclasses import replace

    with pytest.raises(ValueError, match=r"does not know: \['Creator'\]"):
        link_eval(graph, [replace(GOLD[0], label="Creator")], folds=0)
    with pytest.raises(ValueError, match="no gold mentions"):
        link_eval(graph, [], folds=0)
    for folds in (1, -3):
        with pytest.raises(ValueError, match="folds must be 0"):
            link_eval(graph, GOLD, folds=folds)
    assert link_eval(graph, GOLD, folds=0)["mentions"] == len(GOLD)


def test_end_to_end_overlap_scores_what_the_parse_links(graph: ProductGraph) -> None:
    """End to end, a gold mention the tagger spans differently counted as NIL even when the
    parse linked its gold node from another span; with overlap it is scored by the links of
    the spans that overlap it: right on a gold node, wrong on another node. NIL gold mentions
    are scored as before."""
    tvs, samsung = "https://kgqp.dev/id/category/bb/tvs", "https://kgqp.dev/id/brand/samsung"
    gold = [_gold(1, "the tvs", "the tvs", "core_product_type", (tvs,)),
            _gold(2, "black ones", "black ones", "creator", (samsung,)),
            _gold(3, "sony x", "sony x", "creator")]
    spans = {"the tvs": [(4, 7, "core_product_type")],  # "tvs" -> TVs: the gold node
             "black ones": [(0, 5, "creator")],  # "black" -> the brand Black: wrong
             "sony x": [(0, 4, "creator")]}  # a NIL mention: as before
    linker = ExactLinker(graph)
    strict = evaluate(gold, linker, spans)
    loose = evaluate(gold, linker, spans, overlap=True)
    assert [iri for _, iri in strict.predictions] == [None, None, None]
    assert [iri for _, iri in loose.predictions] == [
        tvs, "https://kgqp.dev/id/brand/black", None]
    assert (strict.overall.accuracy, loose.overall.accuracy) == (0.3333, 0.6667)
    assert loose.overall.precision == 0.5  # the wrong link counts as a link
    with pytest.raises(ValueError, match="end-to-end"):
        link_eval(graph, gold, folds=0, overlap=True)
    res = link_eval(graph, gold, folds=0, spans=spans, overlap=True)
    assert res["overlap"] is True and res["end_to_end"] is True


def test_rates_without_a_denominator_are_undefined_not_zero():
    # a group in which nothing was linked has no precision: 0.0 would read as "every link wrong"
    m = LinkMetrics(n=2, correct=2, linked=0, linked_correct=0, linkable=0,
                    nil_pred=2, nil_correct=2, nil_gold=2)
    assert m.precision is None and m.recall is None
    assert m.accuracy == 1.0 and m.nil_precision == 1.0
    assert m.to_dict()["precision"] is None
    assert LinkMetrics().accuracy is None


def test_recall_counts_only_the_linkable_mentions_it_divides_by(graph: ProductGraph) -> None:
    """A NIL mention linked to an acceptable broader node is right (accuracy, precision) but
    is not in recall's denominator, so not in its numerator either: recall stays <= 1."""
    nil_tv = GoldMention("1", "tv", "tv", 0, 2, "core_product_type", (),
                         acceptable_broader=(TVS.iri,))
    sonyx = GoldMention("2", "sonyx tv", "sonyx", 0, 5, "creator", (SONY.iri,))

    class Fixed:  # links "tv" to TVs, misses "sonyx"
        def link(self, mention, label=None, context=None):
            return EntityLinker(graph).link("tvs" if mention == "tv" else "zzzq", label, context)

    m = evaluate([nil_tv, sonyx], Fixed()).overall
    assert (m.accuracy, m.precision, m.recall) == (0.5, 1.0, 0.0)
    by_label = evaluate([nil_tv], Fixed()).by_label["core_product_type"]
    assert by_label.recall is None and by_label.precision == 1.0  # not 1/0 links
    m = LinkMetrics().add(nil_tv, TVS.iri).add(sonyx, SONY.iri)
    assert (m.linked_correct, m.linkable, m.recall) == (2, 1, 1.0)


def test_load_gold_refuses_duplicate_ids_and_mentions(tmp_path) -> None:
    def write(name, rows):
        p = tmp_path / name
        p.write_text("".join(json.dumps({"id": i, "query": q, "mention": q[s:e], "start": s,
                                         "end": e, "label": "creator", "gold": []}) + "\n"
                             for i, q, s, e in rows))
        return p

    a = write("a.jsonl", [("q1", "sony tv", 0, 4), ("q2", "sony tv", 5, 7)])
    assert len(load_gold(a)) == 2
    with pytest.raises(ValueError, match=r"duplicate gold mentions .*id 'q1' at .*a\.jsonl:1"):
        load_gold(a, a)  # the same file twice
    b = write("b.jsonl", [("q9", "Sony  TV", 0, 4)])  # a copy in other case and spacing
    with pytest.raises(ValueError, match=r"mention \[0:4\] of query 'sony tv' at .*b\.jsonl:1"):
        load_gold(a, b)
    c = write("c.jsonl", [("q9", "sony  tv", 6, 8)])  # "tv" after two spaces: the same mention
    with pytest.raises(ValueError, match=r"mention \[5:7\]"):
        load_gold(a, c)
    d = write("d.jsonl", [("q1", "lg tv", 0, 2)])
    with pytest.raises(ValueError, match=r"id 'q1'"):
        load_gold(a, d)
    assert len(load_gold(a, write("e.jsonl", [("q3", "sony tv mount", 0, 4)]))) == 3


def test_the_shipped_gold_has_no_duplicates() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "data" / "eval"
    gold = load_gold(root / "link_gold_queryner.jsonl", root / "link_gold_bestbuy.jsonl")
    assert len({g.id for g in gold}) == len(gold) > 500
