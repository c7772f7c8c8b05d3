"""Loaders on small fixtures cut from the real data (tests/kg/fixtures)."""

from __future__ import annotations

import gzip
import json
import re
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
    # bad rows reported with their line numbers, the unparsable cell with its column
    unparsable = ("unparsable cell in column 'product_specifications': "
                  "not a JSON/Python literal (SyntaxError)")
    assert report.examples[unparsable] == [report.examples[unparsable][0]]
    assert report.examples[unparsable][0].startswith("line 6:")
    assert report.examples["expected 5 fields, got 2"][0].startswith("line 7:")
    assert report.skipped[unparsable] == report.skipped["expected 5 fields, got 2"] == 1
    # spec entries without a key ({'value': 'One Pair Of Shoes'}) are counted, not dropped
    keyless = "specification entry without a key (product kept without it)"
    assert report.skipped[keyless] == 2
    assert report.examples[keyless][0] == (
        "line 2: product_specifications={'value': 'One Pair Of Shoes'}")
    cats = {n.key: n for n in nodes if n.kind is NodeKind.CATEGORY}
    # the product-name leaf of the tree is dropped, and counted
    assert "flipkart/footwear/womens-footwear/ballerinas" in cats
    assert not any(k.endswith("aw-bellies") for k in cats)
    trimmed = _reason(report, "category level trimmed")
    assert report.skipped[trimmed] == 6 and report.examples[trimmed][0] == "line 2: aw bellies"
    assert set(report.skipped) == {unparsable, "expected 5 fields, got 2", keyless, trimmed}
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
    assert report.skipped["unparsable cell in column 'product_specifications': "
                          "not a JSON/Python literal (ValueError)"] == 1
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


# --- bad values, keys and files ------------------------------------------------------------

def _bad(report):
    """{reason: [examples]} of the report, for asserting on reasons by their start."""
    return {reason: report.examples.get(reason, []) for reason in report.skipped}


def _reason(report, start):
    [reason] = [r for r in report.skipped if r.startswith(start)]
    return reason


@pytest.mark.parametrize("cell", ["NaN", "inf", "-inf", "-3", "high"])
def test_catalog_popularity_must_be_a_finite_number(tmp_path, cell):
    src = tmp_path / "pop.csv"
    src.write_text(f"sku,title,brand,pop\nP1,Alpha Kettle,Acme,7\nP3,Beta Toaster,Acme,{cell}\n")
    mapping = dict(source="s", id="sku", name="title", category="", specs="", popularity="pop")
    nodes, _, report = collect(load_catalog, src, **mapping)
    pops = {n.key: n.popularity for n in nodes if n.kind is NodeKind.PRODUCT}
    assert pops == {"s/P1": 7.0, "s/P3": None}  # reported, the product kept without it
    reason = _reason(report, "popularity not a finite number")
    assert report.examples[reason] == [f"line 3: pop={cell!r}"]
    # under abort too: the row loses one value, not itself ("N/A" cells loaded before)
    nodes, _, report = collect(load_catalog, src, on_error="abort", **mapping)
    assert {n.key: n.popularity for n in nodes if n.kind is NodeKind.PRODUCT} == pops
    assert report.examples[reason] == [f"line 3: pop={cell!r}"]


def test_catalog_jsonl_and_bestbuy_popularity_nan_is_a_bad_value(tmp_path):
    src = tmp_path / "pop.jsonl"
    src.write_text('{"title": "Kettle", "popularity": "nan"}\n'
                   '{"title": "Toaster", "popularity": [1]}\n{"title": "Oven", "popularity": 2}\n')
    nodes, _, report = collect(load_catalog, src, name="title", id="", category="", specs="",
                               popularity="popularity")
    assert sorted((n.label, n.popularity) for n in nodes) == [
        ("Kettle", None), ("Oven", 2.0), ("Toaster", None)]
    assert [e.split(":")[0] for e in _bad(report)[_reason(report, "popularity")]] == [
        "line 1", "line 2"]
    products = tmp_path / "products.json"
    products.write_text('[{"objectID": "1", "name": "Phone", "popularity": NaN},'
                        ' {"objectID": "2", "name": "Tablet", "popularity": Infinity},'
                        ' {"objectID": "3", "name": "Watch", "popularity": 4}]')
    nodes, _, report = collect(load_bestbuy_products, products, categories="")
    assert {n.key: n.popularity for n in nodes if n.kind is NodeKind.PRODUCT} == {
        "bestbuy/1": None, "bestbuy/2": None, "bestbuy/3": 4.0}
    assert _bad(report)[_reason(report, "popularity")][0] == "item 0: popularity=nan"
    _, _, report = collect(load_bestbuy_products, products, categories="", on_error="abort")
    assert _bad(report)[_reason(report, "popularity")][0] == "item 0: popularity=nan"


def test_catalog_category_in_brackets_that_is_no_list_is_a_path(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("pid,product_name,brand,product_category_tree,colour\n"
                   "P1,Mystery Box,acme,(Uncategorized),[Red]\n"
                   "P2,Sale TV,acme,[Clearance] > TVs,Blue\n"
                   "P3,List TV,acme,\"['TVs', 'OLED']\",\n"
                   "P4,Broken,acme,\"['TVs', 'OL\",\n", encoding="utf-8")
    nodes, _, report = collect(load_catalog, src, specs="")
    cats = {n.key: n.path for n in nodes if n.kind is NodeKind.CATEGORY}
    assert cats == {"flipkart/uncategorized": "(Uncategorized)",
                    "flipkart/clearance": "[Clearance]",
                    "flipkart/clearance/tvs": "[Clearance] > TVs",
                    "flipkart/tvs": "TVs", "flipkart/tvs/oled": "TVs > OLED"}
    assert sorted(n.key for n in nodes if n.kind is NodeKind.PRODUCT) == [
        "flipkart/P1", "flipkart/P2", "flipkart/P3"]
    assert any(n.label == "[Red]" for n in nodes if n.kind is NodeKind.ATTRIBUTE_VALUE)
    # a list literal cut short is still a bad row
    reason = _reason(report, "unparsable cell in column 'product_category_tree'")
    assert _bad(report)[reason][0].startswith("line 5:")


def test_deeply_nested_json_is_a_bad_row_not_a_crash(tmp_path):
    deep = "[" * 40000 + "]" * 40000
    csv_src = tmp_path / "deep.csv"
    csv_src.write_text(f'sku,title,brand,cat\nP1,Good,Acme,A > B\nP2,Deep,Acme,"{deep}"\n'
                       "P3,Also Good,Acme,A\n")
    mapping = dict(id="sku", name="title", category="cat", specs="")
    nodes, _, report = collect(load_catalog, csv_src, **mapping)
    assert sorted(n.label for n in nodes if n.kind is NodeKind.PRODUCT) == ["Also Good", "Good"]
    reason = _reason(report, "unparsable cell in column 'cat': JSON nested too deeply")
    assert _bad(report)[reason][0].startswith("line 3:")
    with pytest.raises(KGLoadError,
                       match="line 3: unparsable cell in column 'cat': JSON nested too deeply"):
        collect(load_catalog, csv_src, on_error="abort", **mapping)
    jsonl = tmp_path / "deep.jsonl"
    jsonl.write_text('{"title": "Good"}\n{"title": "Deep", "specs": ' + deep + "}\n"
                     '{"title": "Deep2", "specs": "' + deep + '"}\n{"title": "Fine"}\n')
    nodes, _, report = collect(load_catalog, jsonl, name="title", id="", category="",
                               specs="specs")
    assert sorted(n.label for n in nodes if n.kind is NodeKind.PRODUCT) == ["Fine", "Good"]
    where = sorted(e.split(":")[0] for r, exs in _bad(report).items() if "too deeply" in r
                   for e in exs)
    assert where == ["line 2", "line 3"]
    bb = tmp_path / "products.jsonl"
    bb.write_text('{"objectID": "1", "name": "Phone"}\n' + deep + "\n")
    nodes, _, report = collect(load_bestbuy_products, bb, categories="")
    assert [n.key for n in nodes if n.kind is NodeKind.PRODUCT] == ["bestbuy/1"]
    assert _bad(report)[_reason(report, "JSON nested too deeply")][0].startswith("line 2:")
    whole = tmp_path / "products.json"
    whole.write_text(deep)
    with pytest.raises(KGLoadError, match=r"products\.json: JSON nested too deeply"):
        collect(load_bestbuy_products, whole, categories="")
    cats = tmp_path / "categories.json"
    cats.write_text(deep)
    with pytest.raises(KGLoadError, match=r"categories\.json: JSON nested too deeply"):
        collect(load_bestbuy_categories, cats)


def _category(cid, name, **extra):
    return {"id": cid, "name": name, "path": [{"id": cid, "name": name}], **extra}


def test_bestbuy_categories_malformed_entries_are_bad_items(tmp_path):
    src = tmp_path / "categories.json"
    src.write_text(json.dumps([
        _category("c1", "TVs", subCategories=5),
        {"id": "c2", "name": "Phones", "path": [{"id": "c2", "name": 5}]},
        _category("c3", "Cameras", subCategories=[{"id": "c1", "name": 7}, "x"]),
    ]))
    nodes, _, report = collect(load_bestbuy_categories, src)
    assert [n.key for n in nodes] == ["bestbuy/c3"]
    assert report.examples["category subCategories is not a list"][0].startswith("item 0:")
    assert report.examples["category path with an empty name or id"][0].startswith("item 1:")
    with pytest.raises(KGLoadError, match=r"categories\.json: item 0: category subCategories"):
        collect(load_bestbuy_categories, src, on_error="abort")


def test_bestbuy_products_report_bad_entries_of_the_category_index(tmp_path):
    folder = tmp_path / "bb"
    folder.mkdir()
    (folder / "categories.json").write_text(json.dumps([
        {"name": "TVs", "path": [{"id": "c1", "name": "TVs"}]}, _category("c2", "Phones")]))
    products = folder / "products.json"
    products.write_text(json.dumps([
        {"objectID": "1", "name": "Phone", "hierarchicalCategories": {"lvl0": "Phones"}},
        {"objectID": "2", "name": "TV", "hierarchicalCategories": {"lvl0": "TVs"}}]))
    _, edges, report = collect(load_bestbuy_products, products)
    assert report.examples["categories.json: category without an id"] == [
        "item 0: {'name': 'TVs', 'path': [{'id': 'c1', 'name': 'TVs'}]}"]
    targets = {e.target for e in edges if e.relation is Relation.IN_CATEGORY}
    assert targets == {node_iri(NodeKind.CATEGORY, "bestbuy/c2"),
                       node_iri(NodeKind.CATEGORY, "bestbuy/path/tvs")}
    # under abort too: the category file is auxiliary to a products load (the shipped one has
    # an entry without a name, and products loaded with the default --on-error abort)
    _, _, report = collect(load_bestbuy_products, products, on_error="abort")
    assert "categories.json: category without an id" in report.examples
    (folder / "categories.json").write_text('{"c1": "TVs"}')
    with pytest.raises(KGLoadError, match=r"categories\.json: expected a JSON array"):
        collect(load_bestbuy_products, products)


def test_a_duplicate_id_with_another_name_is_a_bad_row(tmp_path):
    src = tmp_path / "dup.csv"
    src.write_text("sku,title,brand\nD1,First Name,Acme\nD1,Second Name,Other\n"
                   "D1,First Name,Acme\n")
    mapping = dict(source="s", id="sku", name="title", category="", specs="")
    nodes, edges, report = collect(load_catalog, src, **mapping)
    assert [(n.key, n.label) for n in nodes if n.kind is NodeKind.PRODUCT] == [
        ("s/D1", "First Name")]
    assert [n.label for n in nodes if n.kind is NodeKind.BRAND] == ["Acme"]
    assert rels(edges) == {"has_brand": 1}
    reason = _reason(report, "two names for one key")
    assert report.skipped[reason] == 1  # the exact repeat (line 4) is no error
    assert report.examples[reason] == [
        "line 3: product 'Second Name' has the key of 'First Name' (s/D1, line 2)"]
    with pytest.raises(KGLoadError, match=r"dup\.csv: line 3: two names for one key"):
        collect(load_catalog, src, on_error="abort", **mapping)
    tax = tmp_path / "taxonomy.txt"
    tax.write_text("1 - Animals\n1 - Vehicles\n2 - Vehicles > Cars\n1 - Animals\n")
    nodes, edges, report = collect(load_google_taxonomy, tax)
    assert [(n.key, n.label) for n in nodes] == [("google/1", "Animals"), ("google/2", "Cars")]
    assert not edges  # Cars is not filed under Animals
    assert report.examples[_reason(report, "two names for one key")] == [
        "line 2: category 'Vehicles' has the key of 'Animals' (google/1, line 1)"]
    with pytest.raises(KGLoadError, match="line 2: two names for one key"):
        collect(load_google_taxonomy, tax, on_error="abort")
    products = tmp_path / "products.jsonl"
    products.write_text('{"objectID": "9", "name": "Phone"}\n{"objectID": "9", "name": "Tablet"}\n')
    nodes, _, report = collect(load_bestbuy_products, products, categories="")
    assert [n.label for n in nodes] == ["Phone"]
    assert report.examples[_reason(report, "two names for one key")][0].startswith("line 2:")
    cats = tmp_path / "categories.json"
    cats.write_text(json.dumps([_category("c1", "TVs"), _category("c1", "Phones")]))
    nodes, _, report = collect(load_bestbuy_categories, cats)
    assert [n.label for n in nodes] == ["TVs"]
    assert report.examples[_reason(report, "two names for one key")][0].startswith("item 1:")


def test_names_that_share_a_key_are_bad_rows_not_merged(tmp_path):
    src = tmp_path / "books.csv"
    src.write_text("pid,product_name,brand,product_category_tree\n"
                   "P1,Novel,,Books > C++\nP2,Manual,,Books > C\nP3,Guide,,Books > C++\n")
    nodes, _, report = collect(load_catalog, src, specs="")
    assert {n.key: n.label for n in nodes if n.kind is NodeKind.CATEGORY} == {
        "flipkart/books": "Books", "flipkart/books/c": "C++"}
    assert sorted(n.label for n in nodes if n.kind is NodeKind.PRODUCT) == ["Guide", "Novel"]
    assert report.examples[_reason(report, "two names for one key")] == [
        "line 3: category 'Books > C' has the key of 'Books > C++' (flipkart/books/c, line 2)"]
    types = tmp_path / "types.txt"
    types.write_text("Ages 3+\nAges 3\nFisher & Paykel\nFisher Paykel\nC#\n")
    nodes, _, report = collect(load_gazetteer, types, node_kind="product_type")
    # "Fisher Paykel" differs from "Fisher & Paykel" in form only: one name, merged quietly
    assert [(n.key, n.label) for n in nodes] == [
        ("ages-3", "Ages 3+"), ("fisher-paykel", "Fisher & Paykel"), ("c", "C#")]
    assert report.examples[_reason(report, "two names for one key")] == [
        "line 2: product_type 'Ages 3' has the key of 'Ages 3+' (ages-3, line 1)"]
    with pytest.raises(KGLoadError, match=r"types\.txt: line 2: two names for one key"):
        collect(load_gazetteer, types, node_kind="product_type", on_error="abort")


def test_a_corrupt_or_truncated_gz_file_is_named(tmp_path, RecordingGraph):
    fake = tmp_path / "fake.csv.gz"
    fake.write_bytes(b"not gzip")
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(gzip.compress(b"pid,product_name\n" + b"P1,shoe\n" * 1000)[:-12])
    for src in (fake, truncated):
        with pytest.raises(KGLoadError, match=rf"{re.escape(src.name)}: cannot decompress it \("):
            collect(load_catalog, src)
        with pytest.raises(KGLoadError, match=rf"{re.escape(src.name)}: cannot decompress it"):
            load_sources(RecordingGraph(), [src], kind="catalog", options={}, progress=False)
    bad_crc = bytearray(gzip.compress(b"Acme\nBosch\n"))
    bad_crc[-8] ^= 0xFF
    gaz = tmp_path / "brands.txt.gz"
    gaz.write_bytes(bytes(bad_crc))
    with pytest.raises(KGLoadError, match=r"brands\.txt\.gz: cannot decompress it"):
        collect(load_gazetteer, gaz)


def test_catalog_refuses_a_header_naming_a_column_twice(tmp_path):
    src = tmp_path / "twice.csv"
    src.write_text("sku,title,brand,title\nP1,Kettle,Acme,Toaster\n")
    for on_error in ("skip", "abort"):
        with pytest.raises(KGLoadError, match=r"twice\.csv: line 1: .*column 'title' twice"):
            collect(load_catalog, src, id="sku", name="title", category="", specs="",
                    on_error=on_error)


# --- --on-error skip does not apply to RDF (input fuzzing, finding 5) -------------------------

_NT_ONE_BAD_LINE = (
    b'<https://kgqp.dev/id/brand/a> <https://schema.org/name> "A" .\n'
    b'<https://kgqp.dev/id/brand/b> <https://schema.org/name> "B" .\n'
    b'<https://kgqp.dev/id/brand/c> <https://schema.org/name> "C\n'  # a line jump: bad
)


@pytest.mark.parametrize(("options", "warned"), [({"on_error": "skip"}, True),
                                                  ({"on_error": "abort"}, False),
                                                  ({}, False)])
def test_load_sources_rdf_says_skip_does_not_apply(tmp_path, RecordingGraph, caplog, options,
                                                   warned):
    class G(RecordingGraph):
        def import_rdf(self, path, format=None):
            return LoadReport(str(path))

    with caplog.at_level("WARNING", logger="kg.loaders"):
        load_sources(G(), [tmp_path / "x.nt"], kind="rdf", options=options)
    messages = [r.getMessage() for r in caplog.records]
    if warned:
        [message] = messages
        assert "x.nt" in message and "does not apply to RDF" in message
        assert "whole or not at all" in message
    else:
        assert not messages


def test_cli_rdf_with_on_error_skip_warns_and_loads_nothing_of_a_bad_file(tmp_path):
    from typer.testing import CliRunner

    from parser.app.cli import app

    src = tmp_path / "one_bad.nt"
    src.write_bytes(_NT_ONE_BAD_LINE)
    r = CliRunner().invoke(app, ["kg", "load", str(tmp_path / "kg"), str(src), "--kind", "rdf",
                                 "--on-error", "skip"])
    assert r.exit_code == 2, r.output
    assert "--on-error skip (on_error=skip) does not apply to RDF" in r.stderr, r.stderr
    assert "loaded whole or not at all" in r.stderr
    assert "one_bad.nt" in r.stderr and "error:" in r.stderr
    out = CliRunner().invoke(app, ["kg", "load", "--help"], terminal_width=200).output
    help_text = " ".join(re.sub(r"[│─╭╮╰╯]", " ", out).split())  # (rich's box, if any)
    assert "Not for --kind rdf" in help_text, help_text


_KINDS = ("gazetteer", "taxonomy", "catalog-csv", "catalog-jsonl", "bestbuy-jsonl")
_LATIN1 = "not valid UTF-8 (bytes of another encoding, e.g. Latin-1: re-save the row as UTF-8)"


@pytest.mark.parametrize("kind, head, good, bad, tail", [
    ("gazetteer", b"", "Sortil\u00e8ge\n", b"Caf\xe9\n", "Plain\n"),
    ("taxonomy", b"", "1 - Sortil\u00e8ge\n", b"2 - Caf\xe9\n", "3 - Plain\n"),
    ("catalog-csv", b"product_name\n", "Sortil\u00e8ge\n", b"Caf\xe9\n", "Plain\n"),
    ("catalog-jsonl", b"", '{"product_name": "Sortil\u00e8ge"}\n',
     b'{"product_name": "Caf\xe9"}\n', '{"product_name": "Plain"}\n'),
    ("bestbuy-jsonl", b"", '{"objectID": "1", "name": "Sortil\u00e8ge"}\n',
     b'{"objectID": "2", "name": "Caf\xe9"}\n', '{"objectID": "3", "name": "Plain"}\n'),
], ids=lambda v: v if v in _KINDS else "")
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_a_row_that_is_not_utf8_is_a_bad_row_with_skip(tmp_path, kind, head, good, bad, tail,
                                                       gz):
    """One Latin-1 byte refused a whole file even with on_error=skip."""
    loader = {"gazetteer": load_gazetteer, "taxonomy": load_google_taxonomy,
              "bestbuy-jsonl": load_bestbuy_products}.get(kind, load_catalog)
    suffix = ".jsonl" if kind.endswith("jsonl") else ".csv" if kind == "catalog-csv" else ".txt"
    data = head + good.encode() + bad + tail.encode()
    path = tmp_path / f"mixed{suffix}{'.gz' if gz else ''}"
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    nodes, _edges, report = collect(loader, path, on_error="skip")
    labels = {n.label for n in nodes}
    assert {"Sortil\u00e8ge", "Plain"} <= labels and not any("Caf" in x for x in labels)
    line = 3 if kind == "catalog-csv" else 2
    assert report.skipped[_LATIN1] == 1
    assert report.examples[_LATIN1] == [f"line {line}: byte 0xe9: " + repr(
        bad.decode("latin-1").replace("\u00e9", "\ufffd").rstrip("\n"))]
    with pytest.raises(UnicodeDecodeError):  # abort: the file is read strictly (not_utf8)
        collect(loader, path, on_error="abort")


def test_not_utf8_advises_iconv_only_for_a_file_with_no_valid_utf8(tmp_path):
    """Following "iconv -f latin1 -t utf-8" on a file that is mostly UTF-8 turned its valid
    rows into mojibake ("sortilège" -> "sortilÃ¨ge")."""
    from kg.loaders import not_utf8

    def message(data: bytes) -> str:
        p = tmp_path / "f.txt"
        p.write_bytes(data)
        with pytest.raises(UnicodeDecodeError) as info:
            p.read_text(encoding="utf-8")
        return not_utf8(p, info.value, skip="or skip them")

    latin1 = message(b"ok\nCaf\xe9\nna\xefve\n")
    assert latin1.endswith("f.txt:2: not valid UTF-8 (byte 0xe9); re-encode the file as UTF-8 "
                           "(e.g. iconv -f latin1 -t utf-8)")
    for data, line, char in [(b"Caf\xe9\nok\n" + "sortil\u00e8ge\n".encode(), 3, "'\u00e8'"),
                             ("sortil\u00e8ge\n".encode() + b"Caf\xe9\n", 1, "'\u00e8'"),
                             (b"\xef\xbb\xbfok\nCaf\xe9\n", 1, "a UTF-8 byte-order mark")]:
        mixed = message(data)
        assert "iconv -f latin1 -t" not in mixed and "re-encode" not in mixed, mixed
        assert f"the file mixes encodings: line {line} holds valid UTF-8 ({char})" in mixed
        assert mixed.endswith("; or skip them")
    # the load's own message: where the bad byte is, and how to load the other rows
    p = tmp_path / "mixed.txt"
    p.write_bytes("Sortil\u00e8ge\n".encode() + b"Caf\xe9\n")
    from kg.graph import ProductGraph

    graph = ProductGraph()
    with pytest.raises(KGLoadError, match=r"mixed\.txt:2: not valid UTF-8 \(byte 0xe9\); the "
                       r"file mixes encodings.*--on-error skip"):
        load_sources(graph, [p], kind="gazetteer",
                     options={"node_kind": "brand", "on_error": "abort"}, progress=False)
    assert graph.version == 0


@pytest.mark.parametrize("name, data, error", [
    ("empty.csv", b"", "the file is empty (no header row naming the columns, and no rows)"),
    ("blank.csv.gz", gzip.compress(b"\n \r\n", mtime=0), "the file is empty"),
    ("bom.csv", b"\xef\xbb\xbf", "the file is empty"),
    ("empty.jsonl", b"\n\n", "the file is empty (no JSON object"),
    ("blank-first.csv", b"\nproduct_name\nSony TV\n", "line 1 names no column (it is blank)"),
    ("latin1-header.csv", b"product_name,marqu\xe9\nx,y\n",
     "line 1: the header is not valid UTF-8 (byte 0xe9: 'product_name,marqu\ufffd')"),
], ids=lambda v: v if isinstance(v, str) and v.endswith(("csv", "jsonl", "gz")) else "")
def test_a_catalogue_without_a_header_or_rows_is_refused(tmp_path, name, data, error):
    """An empty catalogue loaded nothing and said nothing (exit 0)."""
    p = tmp_path / name
    p.write_bytes(data)
    for on_error in ("skip", "abort"):
        if "latin1" in name and on_error == "abort":
            continue  # read strictly: UnicodeDecodeError, then not_utf8 (test above)
        with pytest.raises(KGLoadError, match=re.escape(f"{name}: {error}")):
            collect(load_catalog, p, on_error=on_error)


@pytest.mark.parametrize("rows", ["", "\n\n"], ids=["header", "header-and-blank-lines"])
def test_a_header_only_catalogue_is_refused_once_its_mapping_is_checked(tmp_path, rows):
    """A header-only CSV (an export that wrote no row) loaded nothing and said nothing."""
    p = tmp_path / "header.csv"
    p.write_text("sku,title,brand\n" + rows, encoding="utf-8")
    for on_error in ("skip", "abort"):
        with pytest.raises(KGLoadError, match=re.escape(
                "header.csv: the file is empty (a header row and no rows); nothing loaded")):
            collect(load_catalog, p, id="sku", name="title", category="", specs="",
                    on_error=on_error)
    with pytest.raises(KGLoadError, match=r"did you mean id=sku\?"):
        collect(load_catalog, p, id="SKU", name="title")
    with pytest.raises(KGLoadError, match="no name column 'name'"):
        collect(load_catalog, p, name="name")


# --- files with nothing to load: empty, all rows bad, of another kind ---------------------

_EMPTY = "the file is empty"
_ALL_BAD_KINDS = ("google-taxonomy", "catalog", "bestbuy-products", "bestbuy-categories",
                  "gazetteer")


@pytest.mark.parametrize("kind, name, data, error", [
    ("gazetteer", "brands.txt", b"", f"{_EMPTY} (no names); nothing loaded"),
    ("gazetteer", "brands.txt.gz", gzip.compress(b"", mtime=0), f"{_EMPTY} (no names)"),
    ("gazetteer", "brands.txt", b"\xef\xbb\xbf", f"{_EMPTY} (no names)"),
    ("gazetteer", "brands.txt", b"\n  \r\n\t\n", f"{_EMPTY} (no names, only blank lines)"),
    ("google-taxonomy", "t.txt", b"", f"{_EMPTY} (no taxonomy line 'id - A > B')"),
    ("google-taxonomy", "t.txt", b"\n\n", f"{_EMPTY} (no taxonomy line 'id - A > B', only "
     "blank lines)"),
    ("google-taxonomy", "t.txt.gz",
     gzip.compress(b"# Google_Product_Taxonomy_Version: 2021-09-21\n", mtime=0),
     f"{_EMPTY} (no taxonomy line 'id - A > B', only comment lines)"),
    ("bestbuy-categories", "categories.json", b"[]", f"{_EMPTY} (an empty JSON array: no "
     "categories)"),
    ("bestbuy-categories", "categories.json", b"", f"{_EMPTY} (no JSON document)"),
    ("bestbuy-categories", "categories.json.gz", gzip.compress(b" \n", mtime=0),
     f"{_EMPTY} (no JSON document: only blank space)"),
    ("bestbuy-products", "products.json", b"[ ]\n", f"{_EMPTY} (an empty JSON array: no "
     "products)"),
    ("bestbuy-products", "products.json", b"", f"{_EMPTY} (no JSON document)"),
    ("bestbuy-products", "products.jsonl", b"", f"{_EMPTY} (no JSON object: JSON Lines"),
    ("bestbuy-products", "products.jsonl.gz", gzip.compress(b"\n \n", mtime=0),
     f"{_EMPTY} (no JSON object: JSON Lines"),
    ("catalog", "products.tsv", b"sku\ttitle\n", f"{_EMPTY} (a header row and no rows)"),
    ("rdf", "extra.ttl", b"", f"{_EMPTY} (no triple"),
    ("rdf", "extra.nt.gz", gzip.compress(b"# nothing\n", mtime=0), f"{_EMPTY} (no triple"),
    ("rdf", "extra.ttl", b"@prefix k: <https://kgqp.dev/id/> .\n# none yet\n",
     f"{_EMPTY} (no triple"),
], ids=lambda v: v if isinstance(v, str) and "." in v and " " not in v else "")
def test_an_empty_file_of_any_kind_is_refused(tmp_path, kind, name, data, error):
    """An empty gazetteer, taxonomy, Best Buy or RDF file (0 bytes, blank lines, a comment, an
    empty array) loaded "version N -> N" with no word, exit 0, as empty catalogues did."""
    kg = pytest.importorskip("kg.graph")
    p = tmp_path / name
    p.write_bytes(data)
    options = {"node_kind": "brand"} if kind == "gazetteer" else \
        {"name": "title", "delimiter": "tab"} if kind == "catalog" else {}
    with kg.ProductGraph.in_memory() as g:
        version = g.version
        for on_error in ("skip", "abort"):
            with pytest.raises(KGLoadError, match=re.escape(f"{name}: {error}")):
                load_sources(g, [p], kind=kind, options={**options, "on_error": on_error},
                             progress=False)
        assert g.version == version


def test_an_empty_category_file_of_bestbuy_products_is_refused(tmp_path):
    """``categories=`` naming an empty array keyed nothing by id, silently."""
    (tmp_path / "categories.json").write_text("[]", encoding="utf-8")
    p = tmp_path / "products.json"
    p.write_text(json.dumps([{"objectID": "1", "name": "Galaxy S7"}]), encoding="utf-8")
    with pytest.raises(KGLoadError, match=r"categories\.json: the file is empty \(an empty JSON "
                       r"array: no categories\).*categories= \(empty\) loads the products"):
        collect(load_bestbuy_products, p)
    nodes, _, _ = collect(load_bestbuy_products, p, categories="")
    assert [n.label for n in nodes if n.kind is NodeKind.PRODUCT] == ["Galaxy S7"]


_TAXONOMY = ("# Google_Product_Taxonomy_Version: 2021-09-21\n1 - Animals & Pet Supplies\n"
             "3237 - Animals & Pet Supplies > Live Animals\n")


@pytest.mark.parametrize("name, text, error", [
    ("taxonomy.txt", _TAXONOMY, "line 1 is a line of a Google taxonomy ('# Google_Product_"
     "Taxonomy_Version: 2021-09-21'), not a name: load the file with --kind google-taxonomy"),
    ("taxonomy.txt", _TAXONOMY.split("\n", 1)[1], "line 1 is a line of a Google taxonomy "
     "('1 - Animals & Pet Supplies')"),
    ("taxonomy.txt", "\n" + "".join(f"{i} - Cat {i}\n" for i in range(1, 9)),
     "line 2 is a line of a Google taxonomy ('1 - Cat 1')"),
    ("products.jsonl", '{"product_name": "Acme Kettle"}\n', "line 1 is JSON "
     "('{\"product_name\": \"Acme Kettle\"}'), not a name"),
    ("categories.json", '[{"id": "c1", "name": "TVs", "path": []}]', "line 1 is JSON"),
    ("products.csv", "sku,title,brand\nK1,Acme Kettle,Acme\n", "line 1 has columns "
     "('sku,title,brand'): a gazetteer is one name per line, not a CSV"),
    ("brands.tsv", "brand\tcountry\n", "line 1 has columns ('brand\\tcountry')"),
], ids=["taxonomy-header", "taxonomy-lines", "taxonomy-long", "jsonl", "json", "csv", "tsv"])
def test_a_file_of_another_kind_is_refused_as_a_gazetteer(tmp_path, name, text, error):
    """A taxonomy given as --kind gazetteer loaded its lines ('1 - Animals & Pet Supplies',
    even the version comment) as brands; so did a catalogue's JSON Lines or CSV rows."""
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    for on_error in ("skip", "abort"):
        with pytest.raises(KGLoadError, match=re.escape(f"{name}: {error}")):
            collect(load_gazetteer, p, on_error=on_error)
    # names like these stay names: one taxonomy-like line among others, commas in a .txt file
    p = tmp_path / "names.txt"
    p.write_text("3 - Pack\nAcme\nFLORAL:BLUE, BLACK,PINK\n#1 Dad\n[Clearance]\n",
                 encoding="utf-8")
    nodes, _, _ = collect(load_gazetteer, p, on_error="abort")
    assert len(nodes) == 5


def test_a_categories_file_is_refused_as_bestbuy_products(tmp_path):
    """categories.json given as --kind bestbuy-products loaded each category as a product."""
    p = tmp_path / "cats.json"
    shutil.copy(FIX / "categories.json", p)
    with pytest.raises(KGLoadError, match=r"cats\.json: item 0 is a Best Buy category \(.*\), "
                       r"not a product: load a categories.json with --kind bestbuy-categories"):
        collect(load_bestbuy_products, p, categories="")


@pytest.mark.parametrize("kind, name, text, reason", [
    ("google-taxonomy", "brands.txt", "Sony\nLG\n", "malformed taxonomy line"),
    ("catalog", "p.jsonl", '{"title": "Acme"}\n["x"]\n', "row without a 'product_name' field"),
    ("bestbuy-products", "p.jsonl", '{"sku": "1"}\n{"name": ""}\n', "product without a name"),
    ("bestbuy-categories", "p.json", '[{"name": "TVs"}]', "category without an id"),
    ("gazetteer", "long.txt", "x" * 300 + "\n", "name longer than 200 characters"),
], ids=lambda v: v if v in _ALL_BAD_KINDS else "")
def test_a_file_whose_rows_are_all_bad_is_refused_with_skip(tmp_path, kind, name, text, reason):
    """With on_error=skip a file none of whose rows loads (every row bad: a file of another
    kind, mostly) loaded "version N -> N", exit 0."""
    kg = pytest.importorskip("kg.graph")
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    options = {"node_kind": "brand"} if kind == "gazetteer" else {}
    with kg.ProductGraph.in_memory() as g:
        version = g.version
        with pytest.raises(KGLoadError) as err:
            load_sources(g, [p], kind=kind, options={**options, "on_error": "skip"},
                         progress=False)
        assert g.version == version
    message = str(err.value)
    assert message.startswith(f"{p}: no row of it could be loaded ({reason}")
    assert f"nothing loaded: is it a {kind} file? --kind {kind} reads " in message


# --- an RDF file given to a line-based loader: refused with the kind to use -------------------
_NT = ('<https://kgqp.dev/id/brand/veltronix> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
       '<https://schema.org/Brand> .\n<https://kgqp.dev/id/brand/veltronix> '
       '<https://schema.org/name> "Veltronix" .\n')
_TTL = ('# exported by kgqp\n@prefix kgqp: <https://kgqp.dev/ns#> .\n'
        '<https://kgqp.dev/id/brand/x> a <https://schema.org/Brand> ;\n    kgqp:linkable false .\n')
_TTL_PIECE = ('<https://kgqp.dev/id/product_type/knives> a kgqp:ProductType ;\n'
              '    kgqp:linkable false ;\n    schema:name "Knives" .\n')
_RDF_XML = ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf='
            '"http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n</rdf:RDF>\n')


@pytest.mark.parametrize(("name", "text", "syntax"), [
    ("v.nt", _NT, "N-Triples"), ("v.nq", _NT, "N-Quads"), ("v.ttl", _TTL, "Turtle"),
    ("piece.txt", _TTL_PIECE, "Turtle"), ("v.rdf", _RDF_XML, "RDF/XML"),
    ("v.nt.gz", _NT, "N-Triples")])
@pytest.mark.parametrize("kind", ["gazetteer", "google-taxonomy", "catalog",
                                  "bestbuy-categories", "bestbuy-products"])
def test_an_rdf_file_is_refused_by_the_other_loaders_with_the_kind_to_use(
        tmp_path, name, text, syntax, kind):
    """`kg load KG v.nt --kind gazetteer --node-kind brand` loaded "brand 2", each name a
    whole triple; a Turtle head gave categories named 'kgqp:linkable false ;'."""
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    options = {"node_kind": "category"} if kind == "gazetteer" else {}
    from kg.loaders import get_loader

    with pytest.raises(KGLoadError, match=rf"looks like RDF \({syntax}: .*load it with --kind rdf"):
        list(get_loader(kind)(path, report=LoadReport(str(path)), **options))


@pytest.mark.parametrize("names", ["Sony\nAT&T\nRe:Zero\n<3 Brand\nAges 3+\n",
                                   "# brands\n\nLG\nC++ Builder\n"])
def test_name_lists_that_only_look_a_little_like_rdf_still_load(tmp_path, names):
    path = tmp_path / "brands.txt"
    path.write_text(names, encoding="utf-8")
    got = list(load_gazetteer(path, report=LoadReport(str(path)), node_kind="brand"))
    assert len(got) == len([n for n in names.splitlines() if n.strip()])


def test_a_gazetteer_of_another_kind_takes_no_attribute(tmp_path):
    """node_kind=brand with attribute=color gave brands an attribute, which a brand node does
    not hold (a transaction now refuses it: the whole load failed at its commit)."""
    path = tmp_path / "brands.txt"
    path.write_text("Sony\n", encoding="utf-8")
    with pytest.raises(ValueError, match="attribute='color' is for node_kind=attribute_value"):
        list(load_gazetteer(path, report=LoadReport(str(path)), node_kind="brand",
                            attribute="color"))
