"""parser.app.analysis, the reports a notebook builds from parses: the gazetteers and their
preview agree with ``kgqp kg load``, tables count searches, NIL mentions say what the KG has,
the views show the parser's own linking, query logs in CSV, count errors, coverage that adds
up, CSV cells.

Parses come from a dictionary tagger (every occurrence of a known phrase, fixed labels; a
WordPiece vocabulary in its folder as a real tagger has) over a small real KG.
"""

from __future__ import annotations

import json
import logging
import re
import shlex
from pathlib import Path

import matplotlib
import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.errors import KGLoadError
from parser.app import analysis as A
from parser.pipeline import ParserConfig, QueryParser
from parser.tagger.predict import Entity, TaggedText

matplotlib.use("Agg")

PHRASES = {"sneakers": "core_product_type", "fridge": "core_product_type",
           "without freezer": "condition", "without remote": "condition",
           "tv": "core_product_type", "case": "core_product_type", "shoes": "creator",
           "zorblax": "creator", "pocari": "creator", "qled": "modifier", "s10": "product_name",
           "s10+": "product_name", "note9": "product_name"}
AUDIO = Node(NodeKind.CATEGORY, "bb/audio", "Audio", path="Audio")
SPEAKERS = Node(NodeKind.CATEGORY, "bb/speakers", "Speakers", path="Audio > Speakers")
APPLIANCES = Node(NodeKind.CATEGORY, "bb/appliances", "Appliances", path="Appliances")
FREEZERS = Node(NodeKind.CATEGORY, "bb/freezers", "Freezers", path="Appliances > Freezers")
FRIDGES = Node(NodeKind.CATEGORY, "bb/fridges", "Refrigerators",
               path="Appliances > Refrigerators", aliases=("fridge",))
SHOES = Node(NodeKind.CATEGORY, "g/shoes", "Shoes", path="Apparel > Shoes")
CASE = Node(NodeKind.PRODUCT_TYPE, "case", "case")  # marked non-linkable below (lexicon only)


class DictTagger:
    """The pipeline's TokenTagger protocol: every occurrence of a known phrase, with a
    WordPiece vocabulary in its folder (``vocab.txt``), which the parser's linker is told."""

    def __init__(self, folder: Path) -> None:
        from tokenizers.models import WordPiece

        (folder / "vocab.txt").write_text(
            "[PAD]\n[UNK]\n[CLS]\n[SEP]\nsneakers\nspeakers\n##s\n", encoding="utf-8")
        self.path = folder

        class Tokenizer:
            model = WordPiece.from_file(str(folder / "vocab.txt"))

        self.tokenizer = Tokenizer()

    def prepare(self, texts, *, matches=None):
        return list(texts)

    def forward(self, items, *, pooled=False, batch=False):
        return None, None

    def decode(self, items, logits):
        return [TaggedText(text, sorted(
            (Entity(m.group(0), m.start(), m.end(), label, 0.9) for phrase, label in
             PHRASES.items() for m in re.finditer(rf"(?<!\S){re.escape(phrase)}(?!\S)", text)),
            key=lambda e: e.start)) for text in items]


def _graph(g: ProductGraph) -> ProductGraph:
    import pyoxigraph as ox

    from kg.link import LINKABLE

    g.add_records([AUDIO, SPEAKERS, APPLIANCES, FREEZERS, FRIDGES, SHOES, CASE,
                   Edge(SPEAKERS.iri, Relation.PARENT, AUDIO.iri),
                   Edge(FREEZERS.iri, Relation.PARENT, APPLIANCES.iri),
                   Edge(FRIDGES.iri, Relation.PARENT, APPLIANCES.iri)], progress=False)
    with g.transaction("lexicon only") as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(CASE.iri), ox.NamedNode(LINKABLE),
                                ox.Literal(False), ox.DefaultGraph())])
    return g


@pytest.fixture()
def graph() -> ProductGraph:
    return _graph(ProductGraph.in_memory())


@pytest.fixture()
def qp(graph: ProductGraph, tmp_path: Path) -> QueryParser:
    return QueryParser(tagger=DictTagger(tmp_path), kg=graph, config=ParserConfig(expand=False))


# -- 1. the gazetteers, their command and the preview agree ---------------------------------------
def test_gazetteers_load_with_their_printed_command_and_the_preview_agrees(tmp_path: Path
                                                                           ) -> None:
    """"s10" and "s10+" share the loader's key: `kgqp kg load` (--on-error abort) refused the
    whole file while the preview (on_error skip) loaded part of it."""
    from typer.testing import CliRunner

    from parser.app.cli import app

    kg_dir = tmp_path / "kg"
    _graph(ProductGraph.open(kg_dir)).close()
    rows = [A.AdditionRow("s10", "product", None, 5, ("product_name",), "s10 case"),
            A.AdditionRow("s10+", "product", None, 2, ("product_name",), "s10+ case"),
            A.AdditionRow("note9", "product", None, 1, ("product_name",), "note9 case")]
    (f,) = A.write_gazetteers(rows, tmp_path / "adds", kg_dir=str(kg_dir))
    assert Path(f.path).read_text(encoding="utf-8") == "s10\nnote9\n"  # the most searched kept
    assert f.names == 2 and f.dropped == ("s10+",)
    argv = shlex.split(f.command)
    assert argv[argv.index("--on-error") + 1] == "abort"
    with ProductGraph.open(kg_dir, read_only=True) as kg:
        preview = A.kg_with_additions(kg, [f])
    res = CliRunner().invoke(app, argv[1:])
    assert res.exit_code == 0, res.output
    for where in (kg_dir, preview):
        with ProductGraph.open(where, read_only=True) as g:
            assert {g.link(n, label="product_name").best.label for n in ("s10", "note9")} == {
                "s10", "note9"}
            assert g.version == 3  # the KG's 2 versions and this load


def test_the_preview_refuses_a_file_as_its_command_does(tmp_path: Path) -> None:
    kg_dir = tmp_path / "kg"
    _graph(ProductGraph.open(kg_dir)).close()
    (tmp_path / "product.txt").write_text("s10\ns10+\n", encoding="utf-8")
    f = A.GazetteerFile(str(tmp_path / "product.txt"), "product", None, 2, "")
    with ProductGraph.open(kg_dir, read_only=True) as kg, \
            pytest.raises(KGLoadError, match="two names for one key"):
        A.kg_with_additions(kg, [f])


# -- 2. searches, not mentions --------------------------------------------------------------------
def test_nil_and_addition_tables_rank_by_searches(qp: QueryParser, graph: ProductGraph,
                                                  tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in [
        {"query": "pocari sweat", "count": 5000}, {"query": "zorblax tv", "count": 1},
        {"query": "zorblax tv stand", "count": 1}, {"query": "zorblax remote", "count": 1},
        {"query": "qled qled qled qled tv", "count": 2}]), encoding="utf-8")
    queries = A.load_query_log(log)
    assert queries == ["pocari sweat", "qled qled qled qled tv", "zorblax tv",
                       "zorblax tv stand", "zorblax remote"]
    assert queries.searches == [5000, 2, 1, 1, 1]
    parsed = A.parse_all(qp, queries, progress=False)
    nils = A.nil_mentions(parsed, searches=queries.searches)
    # "qled" 4 times in a query searched twice: 2 searches
    assert [(r.text, r.count) for r in nils] == [("pocari", 5000), ("tv", 2 + 1 + 1),
                                                 ("zorblax", 3), ("qled", 2)]
    adds = A.kg_additions(parsed, graph, searches=queries.searches)
    assert [(r.name, r.count) for r in adds] == [("pocari", 5000), ("tv", 4), ("zorblax", 3),
                                                 ("qled", 2)]
    # the same through mentions(): they carry their query's searches
    ms = A.mentions(parsed, searches=queries.searches)
    assert [(r.text, r.count) for r in A.nil_mentions(ms)] == [(r.text, r.count) for r in nils]
    # plain query lists still work (1 search each: a repeat inside one query counts once)
    assert [(r.text, r.count) for r in A.nil_mentions(parsed)][:2] == [("tv", 3), ("zorblax", 3)]
    with pytest.raises(ValueError, match="one count per parsed query"):
        A.nil_mentions(parsed, searches=[1, 2])
    sample = A.load_query_log(log, sample=2, seed=3)
    assert [dict(zip(queries, queries.searches, strict=True))[q] for q in sample] == \
        sample.searches


# -- 3. what the KG has under a NIL name ----------------------------------------------------------
def test_nil_mentions_say_what_the_kg_has_and_additions_log_what_they_leave_out(
        qp: QueryParser, graph: ProductGraph, caplog: pytest.LogCaptureFixture) -> None:
    parsed = A.parse_all(qp, ["iphone case", "teal shoes", "zorblax tv", "case"], progress=False)
    by = {r.text: r for r in A.nil_mentions(parsed, kg=graph)}
    assert by["case"].count == 2 and by["case"].in_kg == "in the KG, not linkable: product_type"
    assert by["shoes"].in_kg == "in the KG as another kind: category"  # tagged as a brand
    assert by["zorblax"].in_kg == "absent"
    assert {r.in_kg for r in A.nil_mentions(parsed)} == {""}  # without a KG: not looked up
    with caplog.at_level(logging.INFO, logger="parser.app.analysis"):
        adds = A.kg_additions(parsed, graph)
    assert {r.name for r in adds} == {"zorblax", "tv"}
    (msg,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("kg_additions")]
    assert "2 names suggested" in msg
    assert "1 names (2 searches) the KG has only on nodes marked non-linkable" in msg
    assert "1 names (1 searches) the KG has as another kind" in msg


# -- 4. the parser's own linking ------------------------------------------------------------------
def test_views_show_the_parsers_linking(qp: QueryParser, graph: ProductGraph) -> None:
    """The parser's linker knows its tagger's vocabulary ("sneakers" is a word, no typo of
    Speakers) and the parse links "without freezer" through its negation cue: the views
    relinked with a bare kg.link and showed Speakers, and no link for "without freezer"."""
    assert graph.link("sneakers", label="core_product_type").best.label == "Speakers"
    parsed = A.parse_all(qp, ["white sneakers", "fridge without freezer"], progress=False)
    linked = {(e.text, e.label): e.kg_label for q in parsed for e in q.entities}
    assert linked[("sneakers", "core_product_type")] is None
    assert linked[("without freezer", "condition")] == "Freezers"
    for parser in (qp, None):
        rows = A.ambiguity(parsed, graph, parser=parser)
        assert {(r.mention, r.label): r.linked_to for r in rows} == linked
    (sneakers,) = [r for r in A.ambiguity(parsed, graph, parser=qp) if r.mention == "sneakers"]
    assert sneakers.candidates == 0 and sneakers.top == ()
    d = A.drill_down(qp, "white sneakers")
    assert [(s.text, s.decision) for s in d.spans] == [("sneakers", "NIL")]
    assert [c.kg_label for c in d.candidates] == []
    scores = A.link_scores(parsed, graph, parser=qp)
    assert scores.rejected == [] and len(scores.linked) == 2


def test_the_score_plot_says_for_their_type_only_of_those(graph: ProductGraph, qp: QueryParser
                                                          ) -> None:
    import matplotlib.pyplot as plt

    # "shoes" tagged as a brand: its candidate, the category Shoes, is of a kind the label
    # may not link to, whatever its score
    scores = A.link_scores(A.parse_all(qp, ["shoes"], progress=False), graph, parser=qp)
    assert scores.rejected == scores.rejected_type and scores.rejected
    fig, (ax1, ax2) = plt.subplots(1, 2)
    A.plot_link_scores(ax1, A.LinkScores(rejected=[0.9, 0.8, 0.3], rejected_type=[0.9],
                                         threshold=0.65))
    A.plot_link_scores(ax2, A.LinkScores(rejected=[0.3], threshold=0.65))
    assert [t.get_text() for t in ax1.texts] == [
        "rejected at or above the threshold:\n1 for their type\n1 of a kind the label may "
        "link to"]
    assert list(ax2.texts) == []
    plt.close(fig)


# -- 5. query logs as CSV, any suffix case --------------------------------------------------------
def test_query_logs_in_csv_and_upper_case_suffixes(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    from parser.errors import DataFormatError

    rows = 'query,count\nsamsung tv,120\nSamsung  TV,30\n,5\n"tv, 55 inch",2\npocari sweat,5000\n'
    for name in ("log.csv", "LOG.CSV"):
        (tmp_path / name).write_text(rows, encoding="utf-8")
        log = A.load_query_log(tmp_path / name)
        assert log == ["pocari sweat", "samsung tv", "tv, 55 inch"]
        assert log.searches == [5000, 150, 2]
    (tmp_path / "plain.csv").write_text("query\ntv\nTV\nlg tv\n", encoding="utf-8")
    plain = A.load_query_log(tmp_path / "plain.csv")
    assert (plain, plain.searches) == (["tv", "lg tv"], [2, 1])
    (tmp_path / "LOG.JSONL").write_text('{"query": "tv", "count": 3}\n{"query": "lg tv"}\n',
                                        encoding="utf-8")
    log = A.load_query_log(tmp_path / "LOG.JSONL")
    assert (log, log.searches) == (["tv", "lg tv"], [3, 1])
    (tmp_path / "bad.csv").write_text("query,count\ntv,3\nlg tv,abc\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.csv:3: 'count' must be a number >= 0, got "
                                              r"'abc'"):
        A.load_query_log(tmp_path / "bad.csv")
    (tmp_path / "nohead.csv").write_text("tv,3\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="needs a 'query' column"):
        A.load_query_log(tmp_path / "nohead.csv")
    # another suffix: lines, as before, but a header line is warned about
    (tmp_path / "log.txt").write_text(rows, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="parser.app.analysis"):
        assert "query,count" in A.load_query_log(tmp_path / "log.txt")
    assert any("looks like a CSV header" in r.getMessage() for r in caplog.records)
    caplog.clear()
    (tmp_path / "ok.txt").write_text("tv, 55 inch\nlg tv\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="parser.app.analysis"):
        A.load_query_log(tmp_path / "ok.txt")
    assert not caplog.records


# -- 6. a DataFrame's bad count cell --------------------------------------------------------------
def test_a_bad_count_cell_is_named_by_its_row(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    (tmp_path / "log.csv").write_text("query,count\nsamsung tv,120\nlg tv,30\ndell laptop,\n"
                                      "lg washer,abc\n", encoding="utf-8")
    df = pd.read_csv(tmp_path / "log.csv")  # one bad cell: the column is read as text
    with pytest.raises(ValueError, match=r"^row 2: 'count' must be a number >= 0, got nan;"):
        A.load_query_log(df)
    with pytest.raises(ValueError, match=r"^row 1 \(index 'b'\): 'count' .* got 'abc'"):
        A.load_query_log(df.iloc[[0, 3]].set_axis(["a", "b"]))
    ok = A.load_query_log(df.iloc[:2])  # numbers as text are numbers
    assert (ok, ok.searches) == (["samsung tv", "lg tv"], [120, 30])


# -- 7. coverage that adds up ---------------------------------------------------------------------
def test_coverage_rows_add_up_and_a_label_without_a_kind_is_not_linkable(
        qp: QueryParser) -> None:
    parsed = A.parse_all(qp, ["fridge without freezer", "tv without remote", "zorblax"],
                         progress=False)
    rows = A.link_coverage(parsed)
    by = {r.label: r for r in rows}
    cond = by["condition"]
    assert (cond.linkable, cond.mentions, cond.linked, cond.nil, cond.not_linkable) == (
        False, 2, 1, 0, 1)
    assert all(r.mentions == r.linked + r.nil + r.not_linkable for r in rows)
    assert (by["(all)"].mentions, by["(all)"].linked, by["(all)"].nil) == (3, 1, 2)
    s = A.summary(parsed)
    assert (s.mentions, s.linkable, s.linked, s.nil) == (5, 3, 2, 2)
    assert s.coverage == pytest.approx(1 / 3)


# -- 8. CSV cells ---------------------------------------------------------------------------------
def test_csv_keeps_the_placeholder_and_guards_query_text(tmp_path: Path) -> None:
    import csv

    rows = A.Rows([A.ChangeRow("tv -samsung", "span", "samsung", "-", "creator: NIL"),
                   A.ChangeRow("+1 phone case", "intent", "", "-", "=1+1")])
    A.export_tables({"kg_changes": rows}, tmp_path)
    with open(tmp_path / "kg_changes.csv", encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh))[1:] == [
            ["tv -samsung", "span", "samsung", "-", "creator: NIL"],
            ["'+1 phone case", "intent", "", "-", "'=1+1"]]
    assert [A._csv_cell(v) for v in ("-", "-samsung tv", "--", "- room")] == [
        "-", "'-samsung tv", "'--", "'- room"]
