"""The default KG: built from the project's data/ folder."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from kg.build import DEFAULT_DATA_DIR, DEFAULT_SOURCES, build_into
from kg.errors import KGNotFoundError
from kg.schema import NodeKind, Relation

SHARED = DEFAULT_DATA_DIR.parent.parent / "shared" / "data"


@pytest.fixture(scope="module")
def built(RecordingGraph):
    g = RecordingGraph()
    reports = build_into(g, progress=False, hygiene=None)  # records only; see test_hygiene
    return g, reports


def test_default_sources_exist_and_data_is_small():
    for src in DEFAULT_SOURCES:
        assert (DEFAULT_DATA_DIR / src.path).is_file(), src.path
    total = sum(p.stat().st_size for p in DEFAULT_DATA_DIR.rglob("*") if p.is_file())
    assert total < 5_000_000  # 2.3 MB of it: the quickstart's teacher probabilities
    assert (DEFAULT_DATA_DIR / "README.md").is_file()


def test_default_kg_meets_the_acceptance_counts(built):
    g, reports = built
    kinds = Counter(k.value for k, _ in g.nodes)
    assert kinds["category"] >= 4000 and kinds["brand"] >= 1000 and kinds["product"] >= 3000
    assert kinds["attribute_value"] > 100
    rels = Counter(r.value for _, r, _ in g.edges)
    assert rels["sells_in"] > 500 and rels["parent"] > 4000
    assert len(reports) == len(DEFAULT_SOURCES)


def test_default_kg_has_name_brand_sells_in_and_colours(built):
    g, _ = built
    sony = g.nodes[(NodeKind.BRAND, "sony")]
    sells = {t for s, r, t in g.edges if s == sony.iri and r is Relation.SELLS_IN}
    assert len(sells) >= 10
    garmin = g.nodes[(NodeKind.BRAND, "garmin")]
    assert "Garmin GPS" in garmin.aliases
    for key in ("color/black", "color/red", "material/cotton", "material/leather"):
        assert (NodeKind.ATTRIBUTE_VALUE, key) in g.nodes
    iris = {n.iri for n in g.nodes.values()}
    assert all(s in iris and t in iris for s, _, t in g.edges)


#: brands of the default KG before the Amazon sources (Best Buy + Flipkart records, issue 15)
BRANDS_BEFORE_AMAZON = 4_178


def test_default_kg_covers_amazon_brands_and_product_types(built):
    from kg.index import AliasIndex, Candidate

    g, _ = built
    kinds = Counter(k.value for k, _ in g.nodes)
    assert kinds["brand"] >= BRANDS_BEFORE_AMAZON + 1500  # OA-Mine and QueryNER-train brands
    assert kinds["product_type"] >= 9000 and kinds["attribute_value"] >= 1400
    index = AliasIndex([Candidate(n.iri, n.kind, n.label, n.attribute, None, name)
                        for n in g.nodes.values() for name in (n.label, *n.aliases)], version=1)
    found = {(m.text, str(c.kind), c.attribute) for m in
             index.match("timberland womens hiking boots and a makita cordless drill")
             for c in m.candidates}
    assert {("timberland", "brand", None), ("makita", "brand", None),
            ("womens", "attribute_value", "department"),
            ("boots", "product_type", None)} <= found
    assert ("drill", "product_type", None) in found or \
        ("cordless drill", "product_type", None) in found
    # "coffee table" comes from the taxonomy's "Coffee Tables" (singular alias)
    assert any(str(c.kind) == "product_type" for c in index.lookup("coffee table"))


def test_only_the_queryner_gazetteers_are_mined():
    mined = {s.path for s in DEFAULT_SOURCES if s.mined}
    assert mined and all(p.startswith("lexicon/queryner_") for p in mined)
    assert all(not s.mined for s in DEFAULT_SOURCES if "queryner" not in s.path)


def test_build_into_missing_data_says_what_to_do(tmp_path, RecordingGraph):
    with pytest.raises(KGNotFoundError, match=r"data/prepare\.py"):
        build_into(RecordingGraph(), data_dir=tmp_path, progress=False)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not available")
def test_prepare_reproduces_data(tmp_path):
    spec = importlib.util.spec_from_file_location("prepare", DEFAULT_DATA_DIR / "prepare.py")
    prepare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare)
    prepare.main(["--shared", str(SHARED), "--out", str(tmp_path)])
    produced = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert produced
    for rel in produced:
        assert (tmp_path / rel).read_bytes() == (DEFAULT_DATA_DIR / rel).read_bytes(), rel


def _graph_available() -> bool:
    try:
        from kg.graph import ProductGraph  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _graph_available(), reason="kg.graph.ProductGraph not available yet")
def test_build_default_on_disk_then_reopen(tmp_path: Path):
    from kg.build import BUILD_INFO, build_default
    from kg.graph import ProductGraph

    target = tmp_path / "kg"
    ProductGraph.open(target).close()  # an empty KG (a failed first load left it): built into
    graph = build_default(target, data_dir=DEFAULT_DATA_DIR, progress=False)  # timed in bench/
    assert graph.version > 0
    assert (target / BUILD_INFO).is_file()
    assert not (tmp_path / ".kg.building").exists()
    _close(graph)
    again = build_default(target)  # exists: opened, not rebuilt
    _close(again)


def _close(graph) -> None:
    close = getattr(graph, "close", None)
    if callable(close):
        close()


def test_build_default_respects_the_write_lock_and_foreign_directories(tmp_path: Path):
    """A rebuild (--force) refuses a KG that a writer holds open (it swapped the directory
    under the writer, whose next commit damaged the new store), before building anything;
    a directory that is not a KG is never built into."""
    from kg.build import build_default
    from kg.errors import KGError, KGLockedError
    from kg.graph import ProductGraph
    from kg.schema import Node, NodeKind

    target = tmp_path / "kg"
    with ProductGraph.open(target) as writer:
        writer.add_records([Node(NodeKind.BRAND, "zed", "Zed")], progress=False)
        with pytest.raises(KGLockedError, match="locked"):
            build_default(target, force=True, progress=False)
        assert not (tmp_path / ".kg.building").exists()
        writer.add_records([Node(NodeKind.BRAND, "zed2", "Zed 2")], progress=False)
    with ProductGraph.open(target, read_only=True) as g:
        assert g.version == 2 and len(g.stats().nodes) == 1
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "readme.txt").write_text("hi")
    for force in (False, True):
        with pytest.raises(KGError, match="not a kgqp KG"):
            build_default(foreign, force=force, progress=False)
    assert sorted(p.name for p in foreign.iterdir()) == ["readme.txt"]


def test_build_default_force_rebuilds_a_damaged_kg(tmp_path: Path):
    from kg.build import build_default
    from kg.errors import KGCorruptError
    from kg.graph import ProductGraph
    from kg.schema import Node, NodeKind

    target = tmp_path / "kg"
    with ProductGraph.open(target) as g:
        g.add_records([Node(NodeKind.BRAND, "kgqp-test-only", "Test Only")], progress=False)
    (target / "store" / "CURRENT").unlink()
    with pytest.raises(KGCorruptError):
        build_default(target, progress=False)
    with build_default(target, force=True, progress=False) as g:
        assert g.version > 0 and g.node("https://kgqp.dev/id/brand/kgqp-test-only") is None


def test_default_build_names_categories_by_the_short_forms_their_children_use() -> None:
    """"ps4" linked nothing: Best Buy's category is "PlayStation 4", only its children say
    "PS4 Games", "PS4 Consoles" ... The build's hygiene pass adds the short forms as aliases
    (kg.short_forms), reported with the hygiene pass's actions."""
    from kg.build import Source
    from kg.graph import ProductGraph

    g = ProductGraph.in_memory()
    reports = build_into(g, sources=(Source("bestbuy/categories.json.gz", "bestbuy-categories"),),
                         progress=False)
    assert reports[-1].source == "hygiene"
    added = set(reports[-1].examples.get("short-form alias added", ()))
    assert reports[-1].skipped.get("short-form alias added", 0) >= 5
    assert "PS4 -> PlayStation 4" in added or "DSLR -> Digital SLR Cameras" in added
    best = {m: g.link(m, label=label).best for m, label in
            (("ps4", "product_name"), ("ps3", "product_name"), ("dslr", "core_product_type"))}
    assert {m: b.label if b else None for m, b in best.items()} == {
        "ps4": "PlayStation 4", "ps3": "PlayStation 3", "dslr": "Digital SLR Cameras"}
    g.close()
