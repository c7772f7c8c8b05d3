"""Loaders on small fixtures cut from the real data (tests/kg/fixtures)."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kg.errors import KGLoadError
from kg.loaders import (
    bestbuy_brand_name,
    clean_text,
    load_bestbuy_categories,
    load_bestbuy_products,
    load_catalog,
    load_gazetteer,
    load_google_taxonomy,
    load_sources,
)
from kg.schema import Edge, LoadReport, Node, NodeKind, Relation, node_iri

FIX = Path(__file__).parent / "fixtures"


def collect(loader, path, **options):
    report = LoadReport(str(path))
    records = list(loader(path, report=report, **options))
    nodes = [r for r in records if isinstance(r, Node)]
    edges = [r for r in records if isinstance(r, Edge)]
    return nodes, edges, report


def kinds(nodes):
    return Counter(n.kind.value for n in nodes)


def rels(edges):
    return Counter(e.relation.value for e in edges)


# --- Google taxonomy ---------------------------------------------------------------------

def test_google_taxonomy_nodes_parents_and_skips():
    nodes, edges, report = collect(load_google_taxonomy, FIX / "taxonomy.txt")
    assert len(nodes) == 6 and kinds(nodes) == {"category": 6}
    cage = next(n for n in nodes if n.key == "google/7385")
    assert cage.label == "Bird Cage Accessories" and cage.external_id == "7385"
    assert cage.path.startswith("Animals & Pet Supplies > Pet Supplies > Bird Supplies >")
    assert Edge(cage.iri, Relation.PARENT, node_iri(NodeKind.CATEGORY, "google/3")) in edges
    assert rels(edges) == {"parent": 5}
    assert report.skipped["comment line"] == 1
    assert report.skipped["malformed taxonomy line (expected 'id - A > B')"] == 1
    assert report.examples["malformed taxonomy line (expected 'id - A > B')"] == [
        "line 8: this line is malformed"]


def test_google_taxonomy_abort_names_the_line():
    with pytest.raises(KGLoadError, match="line 8"):
        collect(load_google_taxonomy, FIX / "taxonomy.txt", on_error="abort")


def test_gzip_is_read_transparently(tmp_path):
    gz = tmp_path / "taxonomy.txt.gz"
    gz.write_bytes(gzip.compress((FIX / "taxonomy.txt").read_bytes()))
    plain = collect(load_google_taxonomy, FIX / "taxonomy.txt")[0]
    assert collect(load_google_taxonomy, gz)[0] == plain


# --- Best Buy categories -----------------------------------------------------------------

def test_bestbuy_categories_name_brands_become_brands_with_sells_in():
    nodes, edges, report = collect(load_bestbuy_categories, FIX / "categories.json")
    cats = {n.key: n for n in nodes if n.kind is NodeKind.CATEGORY}
    brands = [n for n in nodes if n.kind is NodeKind.BRAND]
    # Name Brands and its subtree are not categories; Customer Service is excluded by default
    assert not any("Name Brands" in (n.path or "") for n in cats.values())
    assert "bestbuy/pcmcat87800050001" not in cats
    assert cats["bestbuy/abcat0101000"].path == "TV & Home Theater > TVs"
    assert [(b.key, b.label) for b in brands] == [("sony", "Sony")]
    # "Sony Cell Phones" -> the main-tree "Cell Phones" category
    sells = {e.target for e in edges if e.relation is Relation.SELLS_IN}
    assert node_iri(NodeKind.CATEGORY, "bestbuy/abcat0800000") in sells
    assert node_iri(NodeKind.CATEGORY, "bestbuy/abcat0101000") in sells  # "|TVs"
    assert all(e.source == brands[0].iri for e in edges if e.relation is Relation.SELLS_IN)
    tvs = node_iri(NodeKind.CATEGORY, "bestbuy/abcat0101000")
    assert Edge(tvs, Relation.PARENT, node_iri(NodeKind.CATEGORY, "bestbuy/abcat0100000")) in edges
    # "|Home Theater" has no main-tree match in the fixture: reported
    assert report.examples["Name Brands category matched no category"] == [
        "Name Brands > Sony > |Home Theater"]
    # the real file has an entry whose name is null: a bad item, reported with its position
    assert report.skipped["category path with an empty name or id"] == 1
    assert report.examples["category path with an empty name or id"][0].startswith("item ")


def test_bestbuy_categories_exclude_roots_option():
    nodes, _, report = collect(load_bestbuy_categories, FIX / "categories.json",
                               exclude_roots="")
    assert any(n.key == "bestbuy/pcmcat87800050001" for n in nodes)
    assert "excluded root" not in report.skipped
    nodes, _, _ = collect(load_bestbuy_categories, FIX / "categories.json",
                          exclude_roots="Customer Service, Cell Phones")
    assert not any((n.path or "").startswith("Cell Phones") for n in nodes)


def test_bestbuy_brand_store_names():
    assert bestbuy_brand_name("Garmin GPS") == "Garmin"
    assert bestbuy_brand_name("Fitbit Health & Fitness Products") == "Fitbit"
    assert bestbuy_brand_name("LG") == "LG"


# --- Best Buy products -------------------------------------------------------------------

def test_bestbuy_products_link_to_category_ids_and_create_missing_paths():
    nodes, edges, report = collect(load_bestbuy_products, FIX / "products.json",
                                   categories=str(FIX / "categories.json"))
    assert kinds(nodes)["product"] == 3
    phone = next(n for n in nodes if n.kind is NodeKind.PRODUCT and n.key == "bestbuy/4984700")
    assert phone.popularity == 21449 and phone.external_id == "4984700"
    brand = next(n for n in nodes if n.label == "AT&T GoPhone")
    assert brand.key == "at-t-gophone"
    ptype = next(n for n in nodes if n.kind is NodeKind.PRODUCT_TYPE and "go phone" in n.label)
    assert ptype.label == "At&t go phone"  # HTML entity decoded
    # 'All Unlocked Cell Phones' is not in the fixture's categories: keyed by path, with a
    # PARENT edge to the id-keyed 'Unlocked Cell Phones' from categories.json
    path_key = "bestbuy/path/cell-phones/unlocked-cell-phones/all-unlocked-cell-phones"
    assert any(n.key == path_key for n in nodes)
    assert Edge(node_iri(NodeKind.CATEGORY, path_key), Relation.PARENT,
                node_iri(NodeKind.CATEGORY, "bestbuy/pcmcat156400050037")) in edges
    r = rels(edges)
    assert r["in_category"] == 3 and r["has_brand"] == 3 and r["sells_in"] == 3
    assert r["has_type"] == 3 and r["type_in"] == 2
    assert report.skipped["category path not in categories.json (keyed by path)"] >= 1
    # every edge's endpoints are yielded before the edge
    seen = set()
    cat_prefix = node_iri(NodeKind.CATEGORY, "bestbuy/")
    for rec in load_bestbuy_products(FIX / "products.json", report=LoadReport("x"),
                                     categories=str(FIX / "categories.json")):
        if isinstance(rec, Node):
            seen.add(rec.iri)
        elif "/path/" in rec.target or not rec.target.startswith(cat_prefix):
            assert rec.source in seen and rec.target in seen


def test_bestbuy_products_without_categories_are_deterministic():
    a = collect(load_bestbuy_products, FIX / "products.json", categories="")
    b = collect(load_bestbuy_products, FIX / "products.json", categories="")
    assert a[:2] == b[:2]
    assert all(n.key.startswith("bestbuy/path/") for n in a[0] if n.kind is NodeKind.CATEGORY)


def test_bestbuy_products_jsonl_bad_line(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text('{"objectID": "1", "name": "Phone", "brand": "Acme"}\n{not json\n'
                   '{"objectID": "2", "name": ""}\n')
    nodes, _, report = collect(load_bestbuy_products, src)
    assert [n.key for n in nodes if n.kind is NodeKind.PRODUCT] == ["bestbuy/1"]
    assert any(ex.startswith("line 2:") for exs in report.examples.values() for ex in exs)
    assert report.examples["product without a name"][0].startswith("line 3:")


# --- catalogue ---------------------------------------------------------------------------

def test_catalog_flipkart_rows_and_bad_lines():
    nodes, edges, report = collect(load_catalog, FIX / "catalog.csv")
    products = [n for n in nodes if n.kind is NodeKind.PRODUCT]
    assert len(products) == 6
    assert {p.key for p in products} >= {"flipkart/SHOEH4GRSUBJGZXE"}
    # bad rows reported with their line numbers
    assert report.examples["unparsable cell: not a JSON/Python literal (SyntaxError)"] == [
        report.examples["unparsable cell: not a JSON/Python literal (SyntaxError)"][0]]
    bad = [ex for exs in report.examples.values() for ex in exs]
    assert any(ex.startswith("line 6:") for ex in bad)
    assert any(ex.startswith("line 7:") for ex in bad)
    assert sum(report.skipped.values()) == 2
    cats = {n.key: n for n in nodes if n.kind is NodeKind.CATEGORY}
    # the product-name leaf of the tree is dropped
    assert "flipkart/footwear/womens-footwear/ballerinas" in cats
    assert not any(k.endswith("aw-bellies") for k in cats)
    values = {(n.attribute, n.label) for n in nodes if n.kind is NodeKind.ATTRIBUTE_VALUE}
    assert {("color", "Red"), ("material", "Patent Leather"), ("ideal_for", "Women"),
            ("occasion", "Casual"), ("occasion", "Ethnic"), ("type", "All Purpose")} <= values
    assert not any(a in {"other", None} for a, _ in values)
    red = node_iri(NodeKind.ATTRIBUTE_VALUE, "color/red")
    assert Edge(node_iri(NodeKind.PRODUCT, "flipkart/SHOEH4GRSUBJGZXE"), Relation.HAS_VALUE,
                red) in edges
    assert rels(edges)["has_brand"] == 6


def test_catalog_abort_names_first_bad_line():
    with pytest.raises(KGLoadError, match="line 6"):
        collect(load_catalog, FIX / "catalog.csv", on_error="abort")


def test_catalog_jsonl_with_mapping(tmp_path):
    src = tmp_path / "c.jsonl.gz"
    src.write_bytes(gzip.compress(
        b'{"title": "Red Shoe", "maker": "Acme", "cats": "Shoes >> Sneakers", '
        b'"attrs": [{"key": "Colour", "value": "Red"}], "rank": "3.5"}\n'))
    nodes, _, report = collect(load_catalog, src, name="title", brand="maker",
                               category="cats", specs="attrs", id="", popularity="rank",
                               source="shop")
    by_kind = {n.kind.value: n for n in nodes}
    assert by_kind["product"].key == "shop/red-shoe" and by_kind["product"].popularity == 3.5
    assert by_kind["category"].key in {"shop/shoes", "shop/shoes/sneakers"}
    assert by_kind["attribute_value"].key == "color/red"
    assert not report.skipped


def test_catalog_never_evaluates_code(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text('product_name,product_specifications\n'
                   'x,"__import__(\'os\').system(\'touch pwned\')"\n')
    _, _, report = collect(load_catalog, src)
    assert report.skipped["unparsable cell: not a JSON/Python literal (ValueError)"] == 1
    assert not Path("pwned").exists()


def test_catalog_takes_attribute_columns_and_names_unused_ones(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("pid,product_name,brand,colour,Fabric,shade,warehouse\n"
                   "P1,red shoe,acme,\"Red, Blue\",Cotton,Navy,W7\n"
                   "P2,green shirt,acme,\"[\"\"Green\"\"]\",,Teal,W8\n", encoding="utf-8")
    # default: columns whose header is an attribute name (colour, Fabric) are read directly
    nodes, edges, report = collect(load_catalog, src, category="", specs="")
    values = {(n.attribute, n.label) for n in nodes if n.kind is NodeKind.ATTRIBUTE_VALUE}
    assert values == {("color", "Red"), ("color", "Blue"), ("material", "Cotton"),
                      ("color", "Green")}
    p1 = node_iri(NodeKind.PRODUCT, "flipkart/P1")
    assert Edge(p1, Relation.HAS_VALUE, node_iri(NodeKind.ATTRIBUTE_VALUE, "color/blue")) in edges
    [reason] = [r for r in report.skipped if r.startswith("columns not used")]
    assert reason.startswith("columns not used: shade, warehouse (map them:")
    assert report.skipped[reason] == 2 and report.examples[reason] == ["shade", "warehouse"]
    # explicit: shade as a colour; the auto-detected columns are then not read
    nodes, _, report = collect(load_catalog, src, category="", specs="",
                               attributes="shade:color, colour")
    values = {(n.attribute, n.label) for n in nodes if n.kind is NodeKind.ATTRIBUTE_VALUE}
    assert values == {("color", "Red"), ("color", "Blue"), ("color", "Navy"),
                      ("color", "Green"), ("color", "Teal")}
    assert any(r.startswith("columns not used: Fabric, warehouse") for r in report.skipped)
    # off
    nodes, _, _ = collect(load_catalog, src, category="", specs="", attributes="")
    assert not [n for n in nodes if n.kind is NodeKind.ATTRIBUTE_VALUE]
    with pytest.raises(ValueError, match="warehouse:KIND"):
        collect(load_catalog, src, category="", specs="", attributes="warehouse")


# --- gazetteer ---------------------------------------------------------------------------

def test_gazetteer_strips_control_chars_dedupes_and_tolerates_bom():
    nodes, _, report = collect(load_gazetteer, FIX / "brands_zh.dic", node_kind="brand")
    labels = [n.label for n in nodes]
    assert labels[0] == "卓凯"  # BOM dropped
    assert "华为" in labels  # \x84 and U+F880 stripped
    assert labels.count("AMY") == 1 and "amy" not in labels  # deduplicated
    assert all(clean_text(x) == x for x in labels)
    assert report.skipped["only control characters"] == 1
    assert report.skipped["duplicate name"] == 1
    assert all(n.kind is NodeKind.BRAND and n.source == "brands_zh" for n in nodes)


def test_gazetteer_attribute_values_need_an_attribute(tmp_path):
    src = tmp_path / "colors.txt"
    src.write_text("Red\nSky Blue\n")
    with pytest.raises(ValueError, match="attribute="):
        collect(load_gazetteer, src, node_kind="attribute_value")
    nodes, _, _ = collect(load_gazetteer, src, node_kind="attribute_value", attribute="color")
    assert [n.key for n in nodes] == ["color/red", "color/sky-blue"]


# --- load_sources ------------------------------------------------------------------------

def test_load_sources_one_report_per_source_and_registry_errors(tmp_path, RecordingGraph):
    g = RecordingGraph()
    shutil.copy(FIX / "taxonomy.txt", tmp_path / "t2.txt")
    reports = load_sources(g, [FIX / "taxonomy.txt", tmp_path / "t2.txt"],
                           kind="google-taxonomy", options={}, progress=False)
    assert len(reports) == 2 and g.calls == 2 and len(g.nodes) == 6
    assert len(load_sources(g, [FIX / "taxonomy.txt"], kind="taxonomy", options={},
                            progress=False)) == 1  # alias
    with pytest.raises(ValueError, match=r"google-taxonomy.*rdf"):
        load_sources(g, [FIX / "taxonomy.txt"], kind="nope", options={})
    with pytest.raises(ValueError, match="valid options"):
        load_sources(g, [FIX / "taxonomy.txt"], kind="gazetteer", options={"colour": "x"})


def test_load_sources_abort_loads_nothing(RecordingGraph):
    g = RecordingGraph()
    with pytest.raises(KGLoadError, match="line 6"):
        load_sources(g, [FIX / "catalog.csv"], kind="catalog", options={"on_error": "abort"})
    assert g.calls == 0 and not g.nodes


def test_load_sources_rdf_delegates_to_graph(tmp_path, RecordingGraph):
    calls = []

    class G(RecordingGraph):
        def import_rdf(self, path, format=None):
            calls.append((path, format))
            return LoadReport(str(path))

    reports = load_sources(G(), [tmp_path / "x.ttl"], kind="rdf", options={})
    assert calls == [(tmp_path / "x.ttl", None)] and reports[0].source.endswith("x.ttl")


# --- into a real ProductGraph ------------------------------------------------------------

def test_load_sources_into_product_graph_with_abort_and_merge():
    kg = pytest.importorskip("kg.graph")
    with kg.ProductGraph.in_memory() as g:
        v0 = g.version
        with pytest.raises(KGLoadError, match="line 6"):
            load_sources(g, [FIX / "catalog.csv"], kind="catalog", options={"on_error": "abort"},
                         progress=False)
        assert g.version == v0 and g.stats().nodes.get("product", 0) == 0
        reports = load_sources(g, [FIX / "categories.json"], kind="bestbuy-categories",
                               options={}, progress=False)
        assert reports[0].nodes == {"category": 5, "brand": 1}
        load_sources(g, [FIX / "products.json"], kind="bestbuy-products",
                     options={"categories": str(FIX / "categories.json")}, progress=False)
        load_sources(g, [FIX / "catalog.csv"], kind="catalog", options={}, progress=False)
        stats = g.stats()
        assert stats.nodes["product"] == 3 + 6
        sony = node_iri(NodeKind.BRAND, "sony")
        sells = {e.target for e in g.neighbors(sony, "sells_in")}
        assert node_iri(NodeKind.CATEGORY, "bestbuy/abcat0800000") in sells
