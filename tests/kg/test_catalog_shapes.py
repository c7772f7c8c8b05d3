"""Catalogue shapes other catalogues than Flipkart's write (category lists, spec shapes,
delimiters), the product-line trim of category trees, gazetteer attribute names and the hints
of load errors: nothing a loader does to a user's data may pass without a count."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.errors import KGLoadError
from kg.loaders import load_catalog, load_gazetteer, load_sources
from kg.schema import Edge, LoadReport, Node, NodeKind, Relation, node_iri
from parser.app.kg_cli import app

MAPPING = dict(source="shop", id="sku", name="title", specs="", category="category")
#: The report's reason for a trimmed category level (kg.loaders.catalog.TRIMMED).
TRIMMED = ("category level trimmed: it names the product or a brand line, not a category "
           "(trim_product_levels=false keeps it)")


def collect(path, **options):
    report = LoadReport(str(path))
    records = list(load_catalog(path, report=report, **options))
    return ([r for r in records if isinstance(r, Node)],
            [r for r in records if isinstance(r, Edge)], report)


def categories_of(edges):
    """{product key: its category key}."""
    prefix = len(node_iri(NodeKind.PRODUCT, ""))
    cprefix = len(node_iri(NodeKind.CATEGORY, ""))
    return {e.source[prefix:]: e.target[cprefix:] for e in edges
            if e.relation is Relation.IN_CATEGORY}


# --- 1. the product-line trim --------------------------------------------------------------

REVIEWER_ROWS = (
    "sku,title,brand,category\n"
    "S1,Aviator Polarised Shades,Sun,Eyewear > Sunglasses\n"
    "C1,Mobile Cover for Samsung Galaxy S21,Spigen,Mobiles & Accessories > Mobile Covers\n"
    "T1,Tablet Stand Aluminium,Portronics,Computers > Tablet Accessories\n"
    "K1,Kurta Set with Dupatta,Libas,Clothing > Women > Kurta Sets\n"
    "R1,Running Shoes for Men,Stride,Footwear > Shoes > Running Shoes\n")


def test_a_leaf_that_shares_the_titles_first_word_or_starts_like_the_brand_is_kept(tmp_path):
    src = tmp_path / "trim.csv"
    src.write_text(REVIEWER_ROWS)
    nodes, edges, report = collect(src, **MAPPING)
    assert categories_of(edges) == {
        "shop/S1": "shop/eyewear/sunglasses",
        "shop/C1": "shop/mobiles-accessories/mobile-covers",
        "shop/T1": "shop/computers/tablet-accessories",
        "shop/K1": "shop/clothing/women/kurta-sets",
        "shop/R1": "shop/footwear/shoes/running-shoes"}
    assert len([n for n in nodes if n.kind is NodeKind.CATEGORY]) == 12
    sun = node_iri(NodeKind.BRAND, "sun")
    assert Edge(sun, Relation.SELLS_IN, node_iri(NodeKind.CATEGORY, "shop/eyewear/sunglasses")) \
        in edges
    assert report.skipped == {}


FLIPKART_ROWS = (
    "sku,title,brand,category\n"
    # the product line: the title, more after it, or cut short (3 words at least)
    "F1,aw bellies,aw,\"['footwear', 'ballerinas', 'aw bellies']\"\n"
    "F2,sicons dog shampoo,sicons,\"['pet supplies', 'shampoo', 'sicons dog shampoo 500 ml']\"\n"
    "F3,eternal crystal paper weights with finish,,\"['decor', 'eternal crystal paper weight']\"\n"
    # a brand line (the brand's words) and the product line below it
    "F4,alisha solid cycling shorts,alisha,"
    "\"['clothing', 'shorts', 'alisha shorts', 'alisha solid cycling shorts']\"\n"
    # no brand: the title's first word, then the level above
    "F5,cobra paris analog watch,,\"['watches', 'wrist watches', 'cobra paris wrist watches']\"\n"
    # the brand as a whole word, punctuation aside ("mast & harbour")
    "F6,mast & harbour shoulder bag,mast & harbour,\"['bags', 'mast harbour shoulder bag']\"\n")


def test_flipkart_product_and_brand_lines_are_trimmed_and_counted(tmp_path):
    src = tmp_path / "fk.csv"
    src.write_text(FLIPKART_ROWS)
    _, edges, report = collect(src, **MAPPING)
    assert categories_of(edges) == {
        "shop/F1": "shop/footwear/ballerinas", "shop/F2": "shop/pet-supplies/shampoo",
        "shop/F3": "shop/decor", "shop/F4": "shop/clothing/shorts",
        "shop/F5": "shop/watches/wrist-watches", "shop/F6": "shop/bags"}
    assert report.skipped == {TRIMMED: 7}
    assert "trim_product_levels=false" in TRIMMED
    assert report.examples[TRIMMED] == ["line 2: aw bellies", "line 3: sicons dog shampoo 500 ml",
                                        "line 4: eternal crystal paper weight"]
    # off: every level kept, nothing reported (the option as the CLI passes it: a string)
    _, edges, report = collect(src, trim_product_levels="false", **MAPPING)
    assert categories_of(edges)["shop/F1"] == "shop/footwear/ballerinas/aw-bellies"
    assert categories_of(edges)["shop/F4"] == \
        "shop/clothing/shorts/alisha-shorts/alisha-solid-cycling-shorts"
    assert report.skipped == {}
    with pytest.raises(ValueError, match="boolean"):
        collect(src, trim_product_levels="sometimes", **MAPPING)


def test_a_brand_line_is_the_brand_as_whole_words(tmp_path):
    src = tmp_path / "b.csv"
    src.write_text("sku,title,brand,category\n"
                   "S1,Aviator Polarised Shades,Sun,Eyewear > Sun Aviators\n"
                   "S2,Wayfarer Shades,Sun,Eyewear > Sunglasses > Sun Wayfarers\n")
    _, edges, report = collect(src, **MAPPING)
    assert categories_of(edges) == {"shop/S1": "shop/eyewear", "shop/S2": "shop/eyewear/sunglasses"}
    assert report.skipped == {TRIMMED: 2}
    assert report.examples[TRIMMED] == ["line 2: Sun Aviators", "line 3: Sun Wayfarers"]


# --- 2. a category path in a one-item list ---------------------------------------------------

def test_a_one_item_list_holding_a_path_is_split(tmp_path):
    src = tmp_path / "cats.jsonl"
    rows = [{"id": "E1", "name": "boAt Rockerz 255", "brand": "boAt",
             "category": ["Electronics > Audio > Earphones"]},
            {"id": "E2", "name": "boAt Bassheads", "brand": "boAt",
             "category": ["Electronics >> Audio >> Headphones"]},
            {"id": "E3", "name": "boAt Airdopes 141", "brand": "boAt",
             "category": "Electronics > Audio > Earphones"}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    nodes, edges, report = collect(src, source="shop", id="id", name="name",
                                   category="category", specs="")
    cats = {n.key: n.path for n in nodes if n.kind is NodeKind.CATEGORY}
    assert cats == {"shop/electronics": "Electronics",
                    "shop/electronics/audio": "Electronics > Audio",
                    "shop/electronics/audio/earphones": "Electronics > Audio > Earphones",
                    "shop/electronics/audio/headphones": "Electronics > Audio > Headphones"}
    assert categories_of(edges) == {"shop/E1": "shop/electronics/audio/earphones",
                                    "shop/E2": "shop/electronics/audio/headphones",
                                    "shop/E3": "shop/electronics/audio/earphones"}
    assert report.skipped == {}


def test_a_list_mixing_a_path_and_levels_is_a_bad_row(tmp_path):
    src = tmp_path / "mixed.csv"
    src.write_text('sku,title,category\nM1,Steel Pan,"[""Home > Kitchen"", ""Sale""]"\n'
                   'M2,Steel Pot,"[""Home"", ""Kitchen""]"\n')
    nodes, _, report = collect(src, source="shop", id="sku", name="title", brand="",
                               category="category", specs="")
    assert [n.key for n in nodes if n.kind is NodeKind.PRODUCT] == ["shop/M2"]
    [reason] = report.skipped
    assert reason.startswith("unparsable cell in column 'category': category list item "
                             "'Home > Kitchen' is a '>' path")
    assert not [n for n in nodes if ">" in n.label]


# --- 3. specification shapes ------------------------------------------------------------------

def test_flat_dicts_list_values_and_name_keys_are_read(tmp_path):
    src = tmp_path / "specs.jsonl"
    rows = [
        {"id": "A1", "name": "Libas Cotton Kurta", "category": ["Clothing", "Kurtas"],
         "specs": {"Color": "Red", "Fabric": "Cotton", "Ideal For": "Women"}},
        {"id": "A2", "name": "Libas Silk Kurta", "category": ["Clothing", "Kurtas"],
         "specs": [{"key": "Color", "value": ["Blue", "Green"]},
                   {"key": "Fabric", "value": "Silk"}]},
        {"id": "A3", "name": "Libas Rayon Kurta", "category": "Clothing > Kurtas",
         "specs": [{"name": "Color", "value": "Yellow"}]},
        {"id": "A4", "name": "Libas Linen Kurta", "category": "Clothing > Kurtas",
         "specs": {"key": "Color", "value": "White"}},  # one {key, value} entry
        {"id": "A5", "name": "Libas Wool Kurta", "category": "Clothing > Kurtas",
         "specs": {"product_specification": [{"key": "Color", "value": "Grey"}]}},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _, edges, report = collect(src, source="shop", id="id", name="name", brand="",
                               category="category", specs="specs")
    has = {(e.source.rsplit("/", 1)[1], e.target.split("attribute_value/")[1]) for e in edges
           if e.relation is Relation.HAS_VALUE}
    assert has == {("A1", "color/red"), ("A1", "material/cotton"), ("A1", "ideal_for/women"),
                   ("A2", "color/blue"), ("A2", "color/green"), ("A2", "material/silk"),
                   ("A3", "color/yellow"), ("A4", "color/white"), ("A5", "color/grey")}
    assert report.skipped == {}


def test_spec_entries_that_cannot_be_read_are_counted_and_the_product_kept(tmp_path):
    src = tmp_path / "odd.jsonl"
    specs = [{"key": "Color", "value": "Red"}, {"value": "One Pair Of Shoes"},
             {"key": "Pattern", "value": {"main": "Striped"}},
             {"key": "Color", "value": ["Blue", {"x": 1}]}, "Material: Cotton",
             {"key": "Occasion", "value": None}]
    src.write_text(json.dumps({"name": "Odd Shoe", "specs": specs}) + "\n")
    for on_error in ("skip", "abort"):
        nodes, _, report = collect(src, name="name", id="", category="", brand="",
                                   specs="specs", on_error=on_error)
        assert [n.label for n in nodes if n.kind is NodeKind.PRODUCT] == ["Odd Shoe"]
        assert sorted(n.key for n in nodes if n.kind is NodeKind.ATTRIBUTE_VALUE) == [
            "color/blue", "color/red"]
        kept = " (product kept without it)"
        assert report.skipped == {
            "specification entry without a key" + kept: 1,
            "specification value that is not text or a number" + kept: 2,
            "specification entry is not a {key, value} object" + kept: 1,
            "specification entry without a value" + kept: 1}
        assert report.examples["specification entry without a key" + kept] == [
            "line 1: specs={'value': 'One Pair Of Shoes'}"]


# --- 6. gazetteer attribute names -----------------------------------------------------------

def test_gazetteer_attribute_names_are_normalised_or_refused(tmp_path):
    src = tmp_path / "colors.txt"
    src.write_text("Maroon\nNavy Blue\n")

    def load(attribute):
        report = LoadReport(str(src))
        return list(load_gazetteer(src, report=report, node_kind="attribute_value",
                                   attribute=attribute))

    for spelling in ("colour", "Colour", "color"):
        nodes = load(spelling)
        assert [(n.key, n.attribute) for n in nodes] == [
            ("color/maroon", "color"), ("color/navy-blue", "color")]
    assert {n.attribute for n in load("Fabric")} == {"material"}
    assert {n.attribute for n in load("Ideal For")} == {"ideal_for"}
    assert {n.attribute for n in load("department")} == {"department"}  # the default KG's
    for bad in ("fit", "colr"):
        with pytest.raises(ValueError, match=rf"attribute='{bad}'.*color, material, size"):
            load(bad)


def test_gazetteer_attribute_through_load_sources(tmp_path, RecordingGraph):
    src = tmp_path / "colors.txt"
    src.write_text("Maroon\n")
    g = RecordingGraph()
    load_sources(g, [src], kind="gazetteer",
                 options={"node_kind": "attribute_value", "attribute": "colour"}, progress=False)
    assert list(g.nodes) == [(NodeKind.ATTRIBUTE_VALUE, "color/maroon")]


# --- 10. load errors that say what to fix ------------------------------------------------------

def test_an_unparsable_cell_names_its_column_and_abort_names_both_spellings(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("sku,title,category,specs\n"
                   "P1,Kettle,Home,\"[{'key': 'Color', 'value': 'Red'}]\"\n"
                   "P2,Toaster,\"['Home', 'Kit\",\n")
    with pytest.raises(KGLoadError) as info:
        collect(src, source="s", id="sku", name="title", brand="", category="category",
                specs="specs", on_error="abort")
    msg = str(info.value)
    assert "line 3: unparsable cell in column 'category':" in msg
    assert "--on-error skip on the command line, on_error='skip' in Python" in msg
    src.write_text("sku,title,category,specs\nP1,Kettle,Home,\"[{'key': 'Color', 'val\"\n")
    _, _, report = collect(src, source="s", id="sku", name="title", brand="",
                           category="category", specs="specs")
    assert list(report.skipped) == [
        "unparsable cell in column 'specs': not a JSON/Python literal (SyntaxError)"]


@pytest.mark.parametrize(("sep", "option", "named"), [
    (";", ";", "';'"), ("\t", "tab", "a tab"), ("|", "|", "'|'")])
def test_a_header_in_another_delimiter_is_named_and_the_delimiter_option_reads_it(
        tmp_path, sep, option, named):
    src = tmp_path / "semi.csv"
    src.write_text(sep.join(["sku", "title", "brand", "category"]) + "\n"
                   + sep.join(["S1", "Aviator Shades", "Sun", "Eyewear > Sunglasses"]) + "\n")
    with pytest.raises(KGLoadError, match=f"looks delimited by {named}, but only ',' is read: "
                                          f"pass delimiter={option}"):
        collect(src, **MAPPING)
    _, edges, report = collect(src, delimiter=option, **MAPPING)
    assert categories_of(edges) == {"shop/S1": "shop/eyewear/sunglasses"}
    assert report.skipped == {}


def test_a_bad_delimiter_option_is_refused(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("title\nKettle\n")
    for bad in (";;", "a", '"', ""):
        with pytest.raises(ValueError, match="delimiter="):
            collect(src, name="title", delimiter=bad)
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"title": "Kettle"}\n')
    with pytest.raises(ValueError, match="delimiter=';' is for CSV files"):
        collect(jsonl, name="title", delimiter=";")


# --- the same through the CLI ------------------------------------------------------------------

def test_cli_trim_option_and_abort_hint(tmp_path):
    runner = CliRunner()
    src = tmp_path / "trim.csv"
    src.write_text("sku,title,brand,category\n"
                   "F1,aw bellies,aw,\"['footwear', 'ballerinas', 'aw bellies']\"\n")
    opts = ["--option", "source=shop", "--option", "id=sku", "--option", "name=title",
            "--option", "specs=", "--option", "category=category"]
    r = runner.invoke(app, ["load", str(tmp_path / "kg1"), str(src), "--kind", "catalog", *opts])
    assert r.exit_code == 0, r.output
    assert "category level trimmed" in r.output
    r = runner.invoke(app, ["load", str(tmp_path / "kg2"), str(src), "--kind", "catalog", *opts,
                            "--option", "trim_product_levels=false"])
    assert r.exit_code == 0, r.output
    assert "category level trimmed" not in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title,brand,category\nB1,Pan,Acme,\"['Home', 'Kit\"\n")
    r = runner.invoke(app, ["load", str(tmp_path / "kg3"), str(bad), "--kind", "catalog", *opts])
    assert r.exit_code != 0
    assert "--on-error skip" in " ".join(r.output.split())
