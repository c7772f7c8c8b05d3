"""The notebook's helpers for your own data (parser/app/analysis.py) on a real small bundle: a
query log from a file or a DataFrame, one query in full, what a KG update changed, CSV exports."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from parser.app import analysis as A

QUERIES = ["samsung tv", "zorbo tv", "red nike running shoes", "sony headphones",
           "dell laptop under 500"]


@pytest.fixture()
def own_bundle(bundle_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bundle_dir, tmp_path / "bundle"))


def test_query_log_from_a_file_or_a_dataframe(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    (tmp_path / "log.txt").write_text("zorbo tv\nsamsung tv\nSamsung TV\n\n", encoding="utf-8")
    assert A.load_query_log(tmp_path / "log.txt") == ["samsung tv", "zorbo tv"]  # by count
    df = pd.DataFrame({"query": ["lg tv", "sony tv", "lg  tv", None], "x": [1, 2, 3, 4]})
    assert A.load_query_log(df) == ["lg tv", "sony tv"]
    assert len(A.load_query_log(df, sample=1)) == 1
    with pytest.raises(ValueError, match="'query' column"):
        A.load_query_log(df[["x"]])
    # an aggregated log: its count column orders the queries, not its rows
    agg = pd.DataFrame({"query": ["rare tv", "top tv", "Top TV"], "count": [5, 40, 3]})
    assert A.load_query_log(agg) == ["top tv", "rare tv"]
    assert A.load_query_log(agg, count_column="n") == ["top tv", "rare tv"]  # 2 rows vs 1
    with pytest.raises(ValueError, match="row 1: 'count' must be a number >= 0"):
        A.load_query_log(pd.DataFrame({"query": ["a", "b"], "count": [1, -2]}))


def test_drill_down_lays_out_the_parse(own_bundle: Path) -> None:
    from parser.pipeline import QueryParser

    qp = QueryParser.from_pretrained(own_bundle, warmup=False)
    parsed = qp("samsung tv")
    d = A.drill_down(qp, "samsung tv")
    assert [(s.text, s.label, s.kg_label) for s in d.spans] == \
        [(e.text, e.label, e.kg_label) for e in parsed.entities]
    samsung = next(s for s in d.spans if s.text == "samsung")
    assert samsung.decision == "linked" and samsung.kg_kind == "brand"
    chosen = [c for c in d.candidates if c.chosen]
    assert {c.iri for c in chosen} == {e.kg_id for e in parsed.entities if e.kg_id}
    assert all(c.rank == 1 for c in chosen)  # the parse links the best candidate
    assert all(0.0 <= c.score <= 1.0 for c in d.candidates)
    assert "*candidates*" in d._repr_markdown_()
    nil = A.drill_down(qp, "zorbo tv")
    assert [s.decision for s in nil.spans if s.text == "zorbo"] == ["NIL"]
    qp.kg.close()


def test_compare_parses_before_and_after_a_kg_update(own_bundle: Path, tmp_path: Path) -> None:
    from kg import ProductGraph
    from kg.loaders import load_sources
    from parser.pipeline import QueryParser

    before = QueryParser.from_pretrained(own_bundle, warmup=False)
    parsed_before = list(before.pipe(QUERIES))
    before.kg.close()
    kg_after = tmp_path / "kg-after"
    shutil.copytree(own_bundle / "kg", kg_after)
    (tmp_path / "brands.txt").write_text("Zorbo\n", encoding="utf-8")
    with ProductGraph.open(kg_after) as g:
        load_sources(g, [tmp_path / "brands.txt"], kind="gazetteer",
                     options={"node_kind": "brand"}, progress=False)
    with ProductGraph.open(kg_after, read_only=True) as g:
        parsed_after = list(QueryParser.from_pretrained(own_bundle, kg=g, warmup=False)
                            .pipe(QUERIES))
    changes = A.compare_parses(parsed_before, parsed_after)
    assert [(r.query, r.what, r.span, r.before) for r in changes] == \
        [("zorbo tv", "link", "zorbo", "creator: NIL")]
    assert changes[0].after.startswith("creator: brand:Zorbo")
    assert A.compare_parses(parsed_before, parsed_before) == []
    with pytest.raises(ValueError, match="same queries"):
        A.compare_parses(parsed_before, parsed_after[:2])

    out = A.export_tables({"kg_changes": changes, "coverage": A.link_coverage(parsed_after)},
                          tmp_path / "csv")
    assert [(e.table, e.rows) for e in out] == [("kg_changes", 1), ("coverage", len(
        A.link_coverage(parsed_after)))]
    with open(tmp_path / "csv" / "kg_changes.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{"query": "zorbo tv", "what": "link", "span": "zorbo",
                     "before": "creator: NIL", "after": changes[0].after}]
    with pytest.raises(ValueError, match="table name"):
        A.export_tables({"../x": changes}, tmp_path / "csv")
