"""parser.app.analysis: coverage, ambiguity, NIL, confusions, scores, subgraph, KG additions.

Parses come from a dictionary tagger over a KG of a dozen nodes, so every number is known; the
gazetteers written by ``write_gazetteers`` are loaded back with the real loader and the NIL
mentions they name then link.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import matplotlib
import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.loaders import load_sources
from kg.schema import attribute_key
from parser.app import analysis as A
from parser.pipeline import ParserConfig, QueryParser
from parser.tagger.predict import Entity, TaggedText

matplotlib.use("Agg")

SAMSUNG = Node(NodeKind.BRAND, "samsung", "Samsung")
SAMSONITE = Node(NodeKind.BRAND, "samsonite", "Samsonite")
APPLE = Node(NodeKind.BRAND, "apple", "Apple")
TV_HOME = Node(NodeKind.CATEGORY, "bb/tvhome", "TV & Home Theater", path="TV & Home Theater")
TVS = Node(NodeKind.CATEGORY, "bb/tvs", "TVs", path="TV & Home Theater > TVs")
LAPTOPS = Node(NodeKind.CATEGORY, "bb/laptops", "Laptops", path="Computers > Laptops")
SHOES = Node(NodeKind.CATEGORY, "g/shoes", "Shoes", path="Apparel > Shoes")
RED = Node(NodeKind.ATTRIBUTE_VALUE, attribute_key("color", "red"), "red", attribute="color")
NODES = [SAMSUNG, SAMSONITE, APPLE, TV_HOME, TVS, LAPTOPS, SHOES, RED,
         Node(NodeKind.PRODUCT_TYPE, "apple-pie", "apple pie")]
EDGES = [Edge(TVS.iri, Relation.PARENT, TV_HOME.iri), Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
         Edge(APPLE.iri, Relation.SELLS_IN, LAPTOPS.iri)]

PHRASES = {"samsung": "creator", "tv": "core_product_type", "red": "color", "acme": "creator",
           "zorblax": "creator", "teal": "color", "laptop": "core_product_type",
           "shoes": "creator", "under 500": "price", "hoverboard": "core_product_type",
           "55": "creator"}
QUERIES = ["samsung tv", "red samsung tv under 500", "acme laptop", "acme tv", "zorblax tv",
           "teal shoes", "hoverboard", "55 tv", ""]


class DictTagger:
    """A dictionary tagger (the pipeline's TokenTagger protocol): known phrases, fixed labels."""

    def prepare(self, texts, *, matches=None):
        return list(texts)

    def forward(self, items, *, pooled=False, batch=False):
        return None, None

    def decode(self, items, logits):
        out = []
        for text in items:
            ents = []
            for phrase, label in PHRASES.items():
                i = f" {text} ".find(f" {phrase} ")
                if i >= 0:
                    ents.append(Entity(phrase, i, i + len(phrase), label, 0.9))
            out.append(TaggedText(text, sorted(ents, key=lambda e: e.start)))
        return out


@pytest.fixture()
def graph() -> ProductGraph:
    g = ProductGraph.in_memory()
    with g.transaction("nodes") as tx:
        tx.add_nodes(NODES)
        tx.add_edges(EDGES)
    return g


@pytest.fixture()
def parsed(graph: ProductGraph) -> list:
    qp = QueryParser(tagger=DictTagger(), kg=graph, config=ParserConfig(expand=False))
    return A.parse_all(qp, QUERIES, progress=False)


def test_mentions_and_summary(parsed: list) -> None:
    ms = A.mentions(parsed)
    assert len(ms) == 17
    s = A.summary(parsed)
    assert (s.queries, s.mentions, s.linkable) == (9, 17, 16)
    # linked: samsung x2, tv x5, red, laptop; NIL: acme x2, zorblax, teal, shoes, hoverboard, 55
    assert (s.linked, s.nil, s.queries_with_link) == (9, 7, 6)
    assert s.coverage == pytest.approx(9 / 16)
    assert "coverage" in s._repr_markdown_()


def test_link_coverage_by_label(parsed: list) -> None:
    rows = A.link_coverage(parsed)
    by = {r.label: r for r in rows}
    assert [r.label for r in rows] == ["core_product_type", "creator", "color", "price", "(all)"]
    assert (by["creator"].mentions, by["creator"].linked, by["creator"].nil) == (7, 2, 5)
    assert by["core_product_type"].kinds == ("category",)
    assert by["price"].linkable is False and by["price"].nil == 0
    assert (by["(all)"].mentions, by["(all)"].linked, by["(all)"].nil) == (16, 9, 7)
    md = rows.to_markdown()
    assert md.splitlines()[0].startswith("| label | mentions |") and "(all)" in md
    assert rows.to_dicts()[0]["label"] == "core_product_type"


def test_ambiguity_counts_candidates(parsed: list, graph: ProductGraph) -> None:
    rows = A.ambiguity(parsed, graph)
    by = {(r.mention, r.label): r for r in rows}
    tv = by[("tv", "core_product_type")]
    assert tv.count == 5 and tv.candidates >= 1 and tv.linked_to == "TVs"
    assert by[("zorblax", "creator")].candidates == 0
    assert [r.candidates for r in rows] == sorted((r.candidates for r in rows), reverse=True)
    counts = A.candidate_counts(rows)
    assert sum(counts.values()) == sum(r.count for r in rows) == 16
    assert counts[0] >= 5  # acme x2, zorblax, teal, hoverboard have no candidate at all
    assert len(A.ambiguity(parsed, graph, top=2)) == 2


def test_ambiguity_counts_candidates_beyond_the_linkers_ranked_list() -> None:
    # the linker ranks at most max_candidates (10); the table counts every candidate
    g = ProductGraph.in_memory()
    g.add_records([Node(NodeKind.BRAND, f"printers-{i}", "Printers") for i in range(14)]
                  + [Node(NodeKind.CATEGORY, "bb/printers", "Printers", path="Printers")],
                  progress=False)
    qp = QueryParser(tagger=DictTagger(), kg=g, config=ParserConfig(expand=False))
    PHRASES["printers"] = "core_product_type"
    try:
        parsed = A.parse_all(qp, ["printers"], progress=False)
    finally:
        del PHRASES["printers"]
    (row,) = A.ambiguity(parsed, g)
    assert row.candidates == 15 and row.kinds == 2


def test_nil_mentions_most_frequent_first(parsed: list) -> None:
    rows = A.nil_mentions(parsed)
    assert rows[0].text == "acme" and rows[0].count == 2 and rows[0].labels == ("creator×2",)
    assert {r.text for r in rows} == {"acme", "zorblax", "teal", "shoes", "hoverboard", "55"}
    assert len(A.nil_mentions(parsed, top=1)) == 1


def test_type_confusions_relinks_without_label(parsed: list, graph: ProductGraph) -> None:
    rows = A.type_confusions(parsed, graph)
    pairs = {(r.label, r.kind): r for r in rows}
    shoes = pairs[("creator", "category")]  # "shoes" tagged as a brand is a KG category
    assert shoes.compatible is False and "shoes" in shoes.examples
    assert pairs[("creator", "brand")].compatible is True
    assert pairs[("color", "attribute_value:color")].compatible is True
    assert rows[0].compatible is False  # incompatible pairs first
    plain = {(r.label, r.kind) for r in A.type_confusions(parsed)}
    assert ("creator", "category") not in plain and ("creator", "NIL") in plain


def test_a_score_on_a_bin_edge_goes_into_the_bin_it_opens() -> None:
    edges, linked, rejected = A.LinkScores(linked=[0.7, 0.65, 1.0], rejected=[0.3, 0.0]).histogram()
    assert linked[edges.index(0.7)] == 1 and linked[edges.index(0.65)] == 1 and linked[-1] == 1
    assert rejected[edges.index(0.3)] == 1 and rejected[0] == 1


def test_link_scores_histogram_and_plot(parsed: list, graph: ProductGraph, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    scores = A.link_scores(parsed, graph)
    from kg.link import LinkerConfig

    threshold = LinkerConfig().nil_threshold
    assert len(scores.linked) == 9 and all(threshold <= s <= 1.0 for s in scores.linked)
    assert scores.threshold == threshold
    edges, linked, rejected = scores.histogram(bins=10)
    assert len(edges) == 11 and sum(linked) == 9 and sum(rejected) == len(scores.rejected)
    assert A.link_scores(parsed).rejected == []
    fig, ax = plt.subplots()
    A.plot_link_scores(ax, scores)
    assert ax.get_xlabel() == "link score" and len(ax.patches) == 40
    fig.savefig(tmp_path / "s.png")
    plt.close(fig)
    with pytest.raises(ValueError, match="bins"):
        scores.histogram(bins=0)


def test_subgraph_and_drawing(parsed: list, graph: ProductGraph, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    seeds = A.top_linked(parsed, 2)
    assert seeds == [TVS.iri, SAMSUNG.iri]
    sub = A.subgraph(graph, seeds, radius=1)
    assert set(sub.nodes) == {TVS.iri, SAMSUNG.iri, TV_HOME.iri}
    assert sub.nodes[TVS.iri]["seed"] and not sub.nodes[TV_HOME.iri].get("seed")
    assert set(A.subgraph(graph, [SAMSUNG.iri], radius=2, max_nodes=2).nodes) == {
        SAMSUNG.iri, TVS.iri}
    assert A.subgraph(graph, ["https://kgqp.dev/id/brand/nope"]).number_of_nodes() == 0
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3)
    A.draw_subgraph(ax1, sub)
    A.draw_subgraph(ax2, A.subgraph(graph, []))
    A.plot_confusions(ax3, A.type_confusions(parsed, graph))
    assert "3 nodes" in ax1.get_title() and "empty" in ax2.get_title()
    fig.savefig(tmp_path / "g.png")
    plt.close(fig)


def test_kg_additions_round_trip_through_gazetteers(parsed: list, graph: ProductGraph,
                                                    tmp_path: Path) -> None:
    rows = A.kg_additions(parsed, graph)
    got = {(r.name, r.node_kind, r.attribute) for r in rows}
    # "shoes" is already a category (a tagger error, not a gap); "55" has no letter
    assert got == {("acme", "brand", None), ("zorblax", "brand", None),
                   ("teal", "attribute_value", "color"), ("hoverboard", "product_type", None)}
    assert rows[0].name == "acme" and rows[0].count == 2
    assert [r.name for r in A.kg_additions(parsed, graph, min_count=2)] == ["acme"]
    assert ("shoes", "brand", None) in {(r.name, r.node_kind, r.attribute)
                                        for r in A.kg_additions(parsed)}
    files = A.write_gazetteers(rows, tmp_path / "add", kg_dir="/data/kg")
    assert [Path(f.path).name for f in files] == ["attribute_value-color.txt", "brand.txt",
                                                  "product_type.txt"]
    assert (tmp_path / "add" / "brand.txt").read_text() == "acme\nzorblax\n"
    for f in files:
        argv = shlex.split(f.command)
        assert argv[:4] == ["kgqp", "kg", "load", "/data/kg"] and "--kind" in argv
        i = argv.index("--node-kind")
        kind = argv[i + 1]
        options = dict(argv[j + 1].split("=", 1) for j, a in enumerate(argv) if a == "--option")
        options["node_kind"] = kind
        load_sources(graph, [Path(f.path)], kind="gazetteer", options=options, progress=False)
    for name, label in (("acme", "creator"), ("teal", "color"), ("hoverboard",
                                                                 "core_product_type")):
        assert not graph.link(name, label=label).nil, name
    reparsed = [QueryParser(tagger=DictTagger(), kg=graph, config=ParserConfig(expand=False))(q)
                for q in QUERIES]
    assert {r.text for r in A.nil_mentions(reparsed)} == {"shoes", "55"}


def test_kg_additions_leave_out_names_of_non_linkable_nodes(parsed: list, graph: ProductGraph
                                                             ) -> None:
    # a name the KG holds on a node marked kgqp:linkable false (lexicon only): loading it as
    # a gazetteer would add nothing, and the mention would stay NIL
    import pyoxigraph as ox

    from kg.link import LINKABLE

    node = Node(NodeKind.PRODUCT_TYPE, "hoverboard", "Hoverboard")
    graph.add_records([node], progress=False)
    with graph.transaction("lexicon only") as tx:
        tx.add_triples([ox.Quad(ox.NamedNode(node.iri), ox.NamedNode(LINKABLE),
                                ox.Literal(False), ox.DefaultGraph())])
    assert graph.link("hoverboard", label="core_product_type").nil
    assert {r.name for r in A.kg_additions(parsed, graph)} == {"acme", "zorblax", "teal"}


def test_query_loaders_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    qn = A.load_queryner_queries()
    assert len(qn) > 500 and all(q and "  " not in q for q in qn)
    sample = A.load_queryner_queries(sample=30)
    assert len(sample) == 30 and set(sample) <= set(qn) and sample == A.load_queryner_queries(
        sample=30)
    assert [q for q in qn if q in set(sample)][:30] == sample  # file order kept
    bb = A.load_bestbuy_queries()
    assert len(bb) > 100 and "chromebooks" in bb
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "ok"}\n[1]\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        A.load_bestbuy_queries(bad)
    monkeypatch.delenv("KGQP_NB_SAMPLE", raising=False)
    assert A.sample_size_from_env() is None
    monkeypatch.setenv("KGQP_NB_SAMPLE", "30")
    assert A.sample_size_from_env() == 30
    monkeypatch.setenv("KGQP_NB_SAMPLE", "lots")
    with pytest.raises(ValueError, match="KGQP_NB_SAMPLE"):
        A.sample_size_from_env()
    monkeypatch.setenv("KGQP_BUNDLE", str(tmp_path / "b"))
    assert A.bundle_from_env() == tmp_path / "b"
    monkeypatch.delenv("KGQP_BUNDLE")
    monkeypatch.setenv("KGQP_HOME", str(tmp_path / "home"))
    assert A.bundle_from_env() == tmp_path / "home" / "bundle"


def test_rows_to_pandas_needs_pandas() -> None:
    rows = A.Rows([A.NilRow("acme", 1, ("creator",), "acme tv")])
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            rows.to_pandas()
    else:  # pragma: no cover - pandas is not a dependency
        assert list(rows.to_pandas().columns) == ["text", "count", "labels", "example", "in_kg"]
    assert A.Rows().to_markdown() == "(no rows)"


def test_query_log_loaders_agree_and_empty_tables_keep_their_header(tmp_path: Path) -> None:
    """A DataFrame log merges case and spacing variants as a log file does; a table with no
    rows still writes its CSV header (an empty CSV could not be read back)."""
    import csv

    log = tmp_path / "log.txt"
    log.write_text("tv\nsamsung tv\nTV\n  Samsung   TV\n")
    from_file = A.load_query_log(log)

    class Frame:  # the slice of the pandas API load_query_log reads (pandas is optional)
        columns = ("query",)

        def __getitem__(self, column: str) -> list[str]:
            return log.read_text().splitlines()

    assert A.load_query_log(Frame()) == from_file == ["tv", "samsung tv"]
    with pytest.raises(Exception, match="is a directory"):
        A.load_query_log(tmp_path)
    written = A.export_tables({"nil": A.nil_mentions([])}, tmp_path / "tables")
    path = next(r.path for r in written if "nil" in str(r.path))
    with open(path, newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["text", "count", "labels", "example", "in_kg"]]


# -- what to add: audiences, and the evidence asked of suggestions read off parses ---------------
def _q(text: str, *spans: tuple[str, str]):
    from parser.types import ParsedEntity, ParsedQuery

    ents = [ParsedEntity(s, text.index(s), text.index(s) + len(s), label, 0.9)
            for s, label in spans]
    return ParsedQuery(text=text, normalized=text, entities=ents)


def test_kg_additions_audiences_are_ideal_for_values_and_parses_need_evidence(
        graph: ProductGraph, tmp_path: Path) -> None:
    """An audience ("babys", tagged department) was suggested as a category, which then took
    the links of ordinary queries; descriptive words ("cute"), one-letter names ("c"), stop
    words only ("for the") and names NIL in a single query were suggested too."""
    parsed = [_q("babys clothes", ("babys", "department")),
              _q("organic babys shoes", ("babys", "department"), ("organic", "modifier")),
              _q("cute slides", ("cute", "modifier")), _q("cute hats", ("cute", "modifier")),
              _q("c game", ("c", "product_name")), _q("c cable", ("c", "product_name")),
              _q("for the home", ("for the", "creator")), _q("for the car", ("for the", "creator")),
              _q("acme tv", ("acme", "creator")),
              _q("zorblax tv", ("zorblax", "creator")), _q("zorblax phone", ("zorblax", "creator"))]
    every = {(r.name, r.node_kind, r.attribute) for r in A.kg_additions(parsed, graph)}
    assert ("babys", "attribute_value", "ideal_for") in every
    assert not any(kind == "category" for _, kind, _ in every)
    assert {"c", "for the"}.isdisjoint(name for name, _, _ in every)
    assert {("cute", "attribute_value", "other"), ("acme", "brand", None)} <= every
    rows = A.kg_additions(parsed, graph, min_count=A.PARSE_MIN_COUNT,
                          kinds=A.PARSE_ADDITION_KINDS)
    assert {(r.name, r.node_kind, r.attribute) for r in rows} == {
        ("babys", "attribute_value", "ideal_for"), ("zorblax", "brand", None)}
    # loaded as its command loads it, the audience links as the linker links the label
    files = A.write_gazetteers(rows, tmp_path / "add")
    assert [Path(f.path).name for f in files] == ["attribute_value-ideal_for.txt", "brand.txt"]
    for f in files:
        load_sources(graph, [Path(f.path)], kind="gazetteer", options=f.options,
                     progress=False)
    best = graph.link("babys", label="department").best
    assert (best.kind, best.attribute, best.label) == ("attribute_value", "ideal_for", "babys")


# -- drill_down / ambiguity show the parse's own link of a span linked through a cue -------------
FREEZERS = Node(NodeKind.CATEGORY, "bb/freezers", "Freezers", path="Appliances > Freezers")
CUE_PHRASES = {"fridge": "core_product_type", "without freezer": "condition"}


class CueTagger(DictTagger):
    def decode(self, items, logits):
        return [TaggedText(text, sorted(
            (Entity(p, i, i + len(p), label, 0.9) for p, label in CUE_PHRASES.items()
             if (i := f" {text} ".find(f" {p} ")) >= 0), key=lambda e: e.start))
            for text in items]


@pytest.mark.parametrize("own_linker", [False, True], ids=["kg.link", "EntityLinker"])
def test_drill_down_and_ambiguity_show_the_parses_link_of_a_span_linked_through_a_cue(
        graph: ProductGraph, own_linker: bool) -> None:
    """The parse links "without freezer" (condition, a label that links nothing) through its
    negation cue: the words after it, read as any kind. The views linked the span again as
    tagged: drill_down showed it linked with 0 candidates, none chosen; ambiguity 0."""
    from kg.link import EntityLinker

    graph.add_records([FREEZERS], progress=False)
    qp = QueryParser(tagger=CueTagger(), kg=graph, config=ParserConfig(expand=False),
                     linker=EntityLinker(graph) if own_linker else None)
    (q,) = A.parse_all(qp, ["fridge without freezer"], progress=False)
    assert [(e.text, e.kg_label) for e in q.entities] == [("fridge", None),
                                                         ("without freezer", "Freezers")]
    d = A.drill_down(qp, "fridge without freezer")
    (span,) = [s for s in d.spans if s.text == "without freezer"]
    assert (span.decision, span.kg_label) == ("linked", "Freezers") and span.candidates >= 1
    chosen = [c for c in d.candidates if c.mention == "without freezer" and c.chosen]
    assert [(c.kg_label, c.rank) for c in chosen] == [("Freezers", 1)]
    (row,) = [r for r in A.ambiguity([q], graph, parser=qp) if r.mention == "without freezer"]
    assert row.candidates >= 1 and row.top[0].startswith("Freezers (category)")
    assert row.linked_to == "Freezers"
    # what the parse linked of the span: the words after the cue, as any kind
    assert [(s.text, s.linked_as) for s in d.spans] == [
        ("fridge", None), ("without freezer", "'freezer' (any kind)")]
    # the parser's linker is as it was: nothing left watching its calls
    watched = qp.entity_linker if qp.entity_linker is not None else qp.kg
    assert "link" not in vars(watched)


# -- the KG the notebook reads and names in its load commands -----------------------------------
def _bundle(where: Path, **manifest: object) -> Path:
    import json

    where.mkdir(parents=True)
    (where / "kgqp-bundle.json").write_text(json.dumps({"tagger": "tagger", **manifest}),
                                            encoding="utf-8")
    return where


def test_kg_from_env_names_the_copy_not_the_kg_a_copied_bundle_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
        ) -> None:
    """A copied home's bundle (kg_mode location) names the original's KG by its absolute
    path: the notebook read it and printed `kgqp kg load ORIGINAL ...` even with KGQP_HOME or
    KGQP_BUNDLE pointing at the copy."""
    import logging

    original, copy = tmp_path / "orig", tmp_path / "copy"
    (original / "kg").mkdir(parents=True)
    copy.mkdir()
    ProductGraph.open(copy / "kg").close()
    bundle = _bundle(copy / "bundle", kg_mode="location", kg_path=str(original / "kg"))
    for var in ("KGQP_KG", "KGQP_HOME"):
        monkeypatch.delenv(var, raising=False)
    with caplog.at_level(logging.WARNING, logger="parser.app.analysis"):
        kg = A.kg_from_env(bundle)  # (no home named: the bundle's, with a warning)
    assert kg.location == str(original / "kg") and str(copy / "kg") in caplog.text
    monkeypatch.setenv("KGQP_HOME", str(copy))
    kg = A.kg_from_env(bundle)
    assert (kg.location, kg.source, kg.bundle_kg) == (str(copy / "kg"), "$KGQP_HOME/kg",
                                                      str(original / "kg"))
    assert str(kg) == str(copy / "kg") and kg.open().path == copy / "kg"
    monkeypatch.setenv("KGQP_KG", str(tmp_path / "mine"))
    assert (A.kg_from_env(bundle).location, A.kg_from_env(bundle).source) == (
        str(tmp_path / "mine"), "$KGQP_KG")
    monkeypatch.delenv("KGQP_KG")
    # a home without a kg of its own: no guess at which KG to write
    monkeypatch.setenv("KGQP_HOME", str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="KGQP_KG"):
        A.kg_from_env(bundle)
    # the bundle's KG inside the home: kept; a snapshot bundle's own KG, whatever the home
    monkeypatch.setenv("KGQP_HOME", str(original))
    orig_bundle = _bundle(original / "bundle", kg_mode="location", kg_path=str(original / "kg"))
    assert A.kg_from_env(orig_bundle).location == str(original / "kg")
    snap = _bundle(tmp_path / "snap", kg_mode="snapshot", kg_path="kg")
    assert A.kg_from_env(snap).location == str(snap / "kg")


# -- the notebook watches this thread's parses only ---------------------------------------------
def test_the_views_watch_only_their_own_threads_parses(graph: ProductGraph) -> None:
    """The views watched a parse's link calls by replacing the linker's ``link`` attribute,
    so while they ran, the parses of another thread sharing the parser (a server's, a
    notebook's background job) were watched too, and read as theirs. They now record the
    calling thread's parses only (``QueryParser.recording_links``), and leave the linker as
    it is meanwhile."""
    import threading

    qp = QueryParser(tagger=DictTagger(), kg=graph, config=ParserConfig(expand=False))
    watched = qp.entity_linker if qp.entity_linker is not None else qp.kg
    other_done = threading.Event()
    qp("acme laptop")  # (the first parse loads what parses need: not while the block waits)

    def other() -> None:
        for _ in range(3):
            qp("acme laptop")
        other_done.set()

    with A._link_calls(qp) as calls:
        replaced = "link" in vars(watched)
        t = threading.Thread(target=other)
        t.start()
        assert other_done.wait(60)
        qp("samsung tv")
    t.join(10)
    assert calls is not None
    contexts = {getattr(c.context, "text", c.context) for c in calls}
    assert contexts == {"samsung tv"}, contexts
    assert not replaced
    assert A.drill_down(qp, "samsung tv").spans  # (the views read them)
