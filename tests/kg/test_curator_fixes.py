"""What a KG curator's mistakes do: edges to misspelt IRIs and duplicate brand names are
committed with a warning, a misspelt column mapping is refused, a gazetteer load names its node
kind, a category's new path moves its subtree, and the docs' Python snippets run as written."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import Edge, KGLoadError, LoadReport, Node, NodeKind, ProductGraph, Relation
from kg.loaders import load_catalog
from parser.app.kg_cli import app

ROOT = Path(__file__).resolve().parents[2]
ID = "https://kgqp.dev/id/"
TYPO = ID + "brand/samsnug"
runner = CliRunner()

# the example of docs/howto/load-catalogue.md, read from it (as tests/e2e/test_docs.py does)
PRODUCTS = (ROOT / "docs" / "howto" / "load-catalogue.md").read_text(encoding="utf-8").split(
    "Say `products.csv` is", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
CATALOG = ["--kind", "catalog", "--option", "source=myshop", "--option", "id=sku", "--option",
           "name=title", "--option", "category=category"]


def _warnings(version: int, dangling: int = 0, examples: tuple[str, ...] = ()) -> object:
    from kg.graph import CommitWarnings  # (imported here: each test fails on its own before)

    return CommitWarnings(version, dangling, examples)


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def kgdir(disk_graph, tmp_path: Path) -> Path:
    disk_graph.close()
    return tmp_path / "kg"


# --- 1. edges to nodes the KG does not have ----------------------------------------------------
def test_a_commit_warns_of_the_edges_it_adds_to_no_node(contract_graph, fx, caplog):
    g = contract_graph
    with caplog.at_level(logging.WARNING, logger="kg.graph"), g.transaction("typo") as tx:
        tx.add_edge(Edge(TYPO, Relation.SELLS_IN, fx.TVS.iri))
    assert tx.version == 2
    assert tx.warnings == _warnings(2, 1, (TYPO,))
    assert g.last_commit_warnings == tx.warnings
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert TYPO in caplog.text and "version 2" in caplog.text
    # an edge added before its node in one transaction, an edge to a node with a name but no
    # kgqp type (foreign RDF), and the dangling edge committed before: nothing to warn of
    caplog.clear()
    zorb = Node(NodeKind.BRAND, "zorblax", "Zorblax")
    with caplog.at_level(logging.WARNING, logger="kg.graph"), g.transaction() as tx:
        tx.add_edge(Edge(zorb.iri, Relation.SELLS_IN, fx.TVS.iri))
        tx.add_node(zorb)
    assert tx.warnings == _warnings(3) and not tx.warnings
    assert g.last_commit_warnings is None and not caplog.records
    import pyoxigraph as ox

    foreign = ox.NamedNode("https://example.org/brand/x")
    with g.transaction() as tx:
        tx.add_triples([ox.Quad(foreign, ox.NamedNode("https://schema.org/name"),
                                ox.Literal("X"))])
        tx.add_edge(Edge(foreign.value, Relation.SELLS_IN, fx.TVS.iri))
    assert not tx.warnings
    # both ends missing, and a target missing: each edge counted once
    with g.transaction() as tx:
        tx.add_edge(Edge(TYPO, Relation.SYNONYM, ID + "brand/smasung"))
        tx.add_edge(Edge(fx.SAMSUNG.iri, Relation.SELLS_IN, ID + "category/nope"))
    assert tx.warnings.dangling_edges == 2
    assert tx.warnings.dangling_examples == (ID + "brand/samsnug", ID + "brand/smasung",
                                             ID + "category/nope")


def test_removing_a_node_but_not_an_edge_added_to_it_warns(graph, fx):
    with graph.transaction() as tx:
        tx.remove_node(fx.LG.iri)
        tx.add_edge(Edge(fx.SAMSUNG.iri, Relation.SYNONYM, fx.LG.iri))
    assert tx.warnings.dangling_edges == 1 and tx.warnings.dangling_examples == (fx.LG.iri,)


def test_a_check_that_fails_leaves_the_commit_unchecked(graph, fx, monkeypatch, caplog):
    from kg.graph import Transaction

    def broken(self, version, index):
        raise RuntimeError("server gone")

    monkeypatch.setattr(Transaction, "_warnings", broken)
    with caplog.at_level(logging.WARNING, logger="kg.graph"), graph.transaction() as tx:
        tx.add_edge(Edge(TYPO, Relation.SELLS_IN, fx.TVS.iri))
    assert tx.version == 2 and not tx.warnings
    assert "Could not check what KG version 2 adds (RuntimeError: server gone)" in caplog.text


def _ttl(path: Path) -> Path:
    path.write_text("@prefix kgqp: <https://kgqp.dev/ns#> .\n"
                    f"<{TYPO}> kgqp:sellsIn <{ID}category/bestbuy/abcat0101000> .\n"
                    f"<{ID}brand/lg> kgqp:sellsIn <{ID}category/bestbuy/abcat0101000> .\n",
                    encoding="utf-8")
    return path


def test_an_rdf_import_warns_of_edges_to_no_node(contract_graph, tmp_path, caplog):
    """The misspelt brand of the review: LG's edge names nodes of the KG, the typo's does
    not (on a server the endpoints are looked up there, not in the staged file)."""
    g = contract_graph
    with caplog.at_level(logging.WARNING, logger="kg.graph"):
        g.import_rdf(_ttl(tmp_path / "extra.ttl"))
    assert g.version == 2
    assert g.last_commit_warnings == _warnings(2, 1, (TYPO,))
    assert TYPO in caplog.text


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_an_rdf_import_into_an_empty_kg_warns_too(tmp_path, fmt):
    """A new KG directory: N-Triples take the direct bulk-load path, Turtle the staging one."""
    src = tmp_path / f"x.{fmt}"
    tvs, lg = ID + "category/tvs", ID + "brand/lg"
    src.write_text(f'<{lg}> <https://schema.org/name> "LG" .\n'
                   f'<{tvs}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                   f'<https://kgqp.dev/ns#Category> .\n'
                   f"<{lg}> <https://kgqp.dev/ns#sellsIn> <{tvs}> .\n"
                   f"<{TYPO}> <https://kgqp.dev/ns#sellsIn> <{tvs}> .\n", encoding="utf-8")
    with ProductGraph.open(tmp_path / "kg") as g:
        g.import_rdf(src)
        assert g.last_commit_warnings == _warnings(1, 1, (TYPO,))


def test_a_bulk_import_above_the_cap_is_not_checked(tmp_path, monkeypatch):
    """An import of more than IMPORT_CHECK_MAX_TRIPLES triples skips the check: on a 1M-triple
    load its query took longer than the load itself."""
    import kg.graph

    monkeypatch.setattr(kg.graph, "IMPORT_CHECK_MAX_TRIPLES", 1)
    src = tmp_path / "x.nt"
    src.write_text(f"<{TYPO}> <https://kgqp.dev/ns#sellsIn> <{ID}category/tvs> .\n"
                   f'<{ID}brand/lg> <https://schema.org/name> "LG" .\n', encoding="utf-8")
    with ProductGraph.open(tmp_path / "kg") as g:
        g.import_rdf(src)
        assert g.version == 1 and not g.last_commit_warnings


def test_kg_load_reports_edges_to_nodes_the_kg_does_not_have(kgdir, tmp_path, caplog):
    # logged as a warning (stderr), not printed in the report on stdout (review of the CLI, 9)
    with caplog.at_level("WARNING", logger="kg.graph"):
        r = invoke("load", kgdir, _ttl(tmp_path / "extra.ttl"), "--kind", "rdf")
    assert r.exit_code == 0, r.output
    assert TYPO not in r.stdout
    assert any("to IRIs that are no node of the KG" in m and TYPO in m
               for m in caplog.messages), caplog.messages
    csv = tmp_path / "products.csv"
    csv.write_text(PRODUCTS, encoding="utf-8")
    r = invoke("load", kgdir, csv, *CATALOG)
    assert r.exit_code == 0 and "warning" not in r.output, r.output


# --- 2. a column mapping the file lacks --------------------------------------------------------
def test_an_explicit_mapping_the_header_lacks_is_refused(kgdir, tmp_path):
    csv = tmp_path / "products.csv"
    csv.write_text(PRODUCTS, encoding="utf-8")
    assert invoke("load", kgdir, csv, *CATALOG).exit_code == 0
    with ProductGraph.open(kgdir, read_only=True) as g:
        version, digest = g.version, g.canonical_hash()
    for on_error in ("abort", "skip"):
        r = invoke("load", kgdir, csv, *[a.replace("id=sku", "id=SKU") for a in CATALOG],
                   "--on-error", on_error)
        assert r.exit_code == 2, r.output
        text = " ".join(r.output.split())
        assert "id=SKU (did you mean id=sku?)" in text
        assert "columns are sku, title, brand, category, specs" in text
        assert "Nothing was loaded" in text
    with ProductGraph.open(kgdir, read_only=True) as g:
        assert (g.version, g.canonical_hash()) == (version, digest)
        assert g.node(ID + "product/myshop/acme-1.7-l-electric-kettle") is None


def test_default_mappings_the_file_lacks_are_reported_explicit_ones_refused(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("title,maker\nKettle,Acme\n", encoding="utf-8")
    report = LoadReport(str(csv))
    records = list(load_catalog(csv, report=report, name="title", brand="maker"))
    assert any(isinstance(r, Node) and r.label == "Kettle" for r in records)
    assert report.skipped["mapped column not in file"] == 3  # category, specs, id: defaults
    for options, named in (({"category": "cat"}, "category=cat"),
                           ({"specs": "Specs"}, "specs=Specs"),
                           ({"popularity": "rank"}, "popularity=rank"),
                           ({"brand": "Maker"}, "brand=Maker (did you mean brand=maker?)"),
                           ({"attributes": "colour"}, "attributes=colour"),
                           ({"id": "pid"}, "id=pid")):  # a default's value, passed: checked
        options = {"name": "title", "brand": "maker", **options}
        with pytest.raises(KGLoadError, match=re.escape(named)):
            list(load_catalog(csv, report=LoadReport(str(csv)), **options))


# --- 5. a gazetteer load names its node kind ---------------------------------------------------
def test_kg_load_gazetteer_needs_node_kind(kgdir, tmp_path):
    src = tmp_path / "colours.txt"
    src.write_text("Red\nBlue\n", encoding="utf-8")
    for kind in ("gazetteer", "gazetteers"):
        r = invoke("load", kgdir, src, "--kind", kind)
        assert r.exit_code == 2, r.output
        text = " ".join(r.output.split())
        assert "needs --node-kind" in text
        assert "category, brand, product, product_type, attribute_value" in text
    r = invoke("load", tmp_path / "fresh", src, "--kind", "gazetteer")
    assert r.exit_code == 2 and not (tmp_path / "fresh").exists()
    with ProductGraph.open(kgdir, read_only=True) as g:
        assert g.version == 1
    r = invoke("load", kgdir, src, "--kind", "gazetteer", "--node-kind", "attribute_value",
               "--option", "attribute=color")
    assert r.exit_code == 0, r.output


# --- 6. names another node of the same kind has -----------------------------------------------
@pytest.mark.parametrize("indexed", [False, True], ids=["store", "alias-index"])
def test_a_commit_warns_of_a_name_another_brand_has(contract_graph, fx, caplog, indexed):
    graph = contract_graph
    if indexed:
        assert graph.alias_index.lookup("samsung")  # built: the commit reads it
    with caplog.at_level(logging.WARNING, logger="kg.graph"), graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "Samsung", "Samsung"))  # the key not slugged
    assert tx.warnings.duplicate_names == (("Samsung", ID + "brand/Samsung", fx.SAMSUNG.iri),)
    assert ID + "brand/Samsung" in caplog.text and fx.SAMSUNG.iri in caplog.text
    with graph.transaction() as tx:  # an alias copied from another brand
        tx.add_alias(fx.LG.iri, "Samsung")
    assert tx.warnings.duplicates == 2  # Samsung and the brand/Samsung just added
    with graph.transaction() as tx:  # one commit, two new brands of one name
        tx.add_node(Node(NodeKind.BRAND, "quux", "Quux"))
        tx.add_node(Node(NodeKind.BRAND, "quux-co", "QUUX"))
    assert tx.warnings.duplicate_names == (("QUUX", ID + "brand/quux-co", ID + "brand/quux"),)
    with graph.transaction() as tx:  # another case of an existing brand's name
        tx.add_node(Node(NodeKind.BRAND, "lg-corp", "lg", aliases=("APPLE",)))
    assert {(name, other) for name, _, other in tx.warnings.duplicate_names} == {
        ("lg", fx.LG.iri), ("APPLE", fx.APPLE.iri)}


def test_a_transaction_adding_more_names_than_the_cap_is_not_checked(graph, fx, monkeypatch):
    """A bulk load (more than DUPLICATE_CHECK_MAX_NAMES names) skips the check: on a
    60,000-brand gazetteer load it took a third of the load."""
    import kg.graph

    monkeypatch.setattr(kg.graph, "DUPLICATE_CHECK_MAX_NAMES", 1)
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "Samsung", "Samsung"))
        tx.add_node(Node(NodeKind.BRAND, "quux", "Quux"))
    assert not tx.warnings.duplicates


def test_names_that_are_no_duplicate_are_not_warned_of(graph, fx):
    with graph.transaction() as tx:
        tx.add_node(Node(NodeKind.BRAND, "samsung", "Samsung", aliases=("Samsung Korea",)))
        tx.add_node(Node(NodeKind.CATEGORY, "other/tvs", "TVs", path="Other > TVs"))
        tx.add_node(Node(NodeKind.ATTRIBUTE_VALUE, "material/red", "Red", attribute="material"))
        tx.add_node(Node(NodeKind.PRODUCT_TYPE, "samsung", "Samsung"))
    assert tx.version == 2 and not tx.warnings  # (another kind, or another attribute)
    with graph.transaction() as tx:  # an alias moved from one brand to another
        tx.remove_alias(fx.LG.iri, "LG Electronics")
        tx.add_alias(fx.SAMSUNG.iri, "LG Electronics")
    assert not tx.warnings
    with graph.transaction() as tx:  # a brand re-keyed: the old node goes
        tx.remove_node(fx.APPLE.iri)
        tx.add_node(Node(NodeKind.BRAND, "apple-inc", "Apple"))
    assert not tx.warnings


# --- 7. a category's new path moves its subtree ------------------------------------------------
def test_a_new_category_path_moves_its_subtree(graph, fx):
    smart = Node(NodeKind.CATEGORY, "bestbuy/smart", "Smart TVs",
                 path="TV & Home Theater > TVs > QLED TVs > Smart TVs")
    elsewhere = Node(NodeKind.CATEGORY, "google/tvs", "TVs", path="Electronics > TVs")
    graph.add_records([smart, Edge(smart.iri, Relation.PARENT, fx.QLED.iri), elsewhere,
                       Edge(elsewhere.iri, Relation.PARENT, fx.TVS.iri)], progress=False)
    before = graph.version
    with graph.transaction("rename TVs") as tx:
        tx.update_node(fx.TVS.iri, label="Televisions", path="TV & Home Theater > Televisions")
    paths = {n.iri: n.path for n in graph.nodes(NodeKind.CATEGORY)}
    assert paths[fx.TVS.iri] == "TV & Home Theater > Televisions"
    assert paths[fx.QLED.iri] == "TV & Home Theater > Televisions > QLED TVs"
    assert paths[smart.iri] == "TV & Home Theater > Televisions > QLED TVs > Smart TVs"
    assert paths[elsewhere.iri] == "Electronics > TVs"  # not under the old path: kept
    assert paths[fx.HOME.iri] is None
    assert graph.node(fx.TVS.iri).label == "Televisions"
    assert "TVs" not in graph.node(fx.TVS.iri).aliases  # the old label: no alias
    with graph.transaction() as tx:  # a label alone moves nothing
        tx.update_node(fx.QLED.iri, label="QLED")
    assert graph.node(smart.iri).path.endswith("> QLED TVs > Smart TVs")
    graph.rollback(before)
    assert graph.node(smart.iri).path == "TV & Home Theater > TVs > QLED TVs > Smart TVs"


# --- 4, 7, 8. the docs' Python snippets --------------------------------------------------------
def _snippet(page: str, marker: str) -> str:
    text = (ROOT / "docs" / "howto" / page).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
              if marker in b]
    assert len(blocks) == 1, f"{page}: no one python block with {marker!r}"
    return blocks[0]


def test_update_kg_add_data_snippet_runs_on_a_kg_with_samsung(kgdir, monkeypatch):
    monkeypatch.chdir(kgdir.parent)
    kgdir.rename(kgdir.parent / "mykg")
    exec(_snippet("update-kg.md", 'g.transaction("add Zorblax")'), {})
    with ProductGraph.open("mykg", read_only=True) as g:
        assert g.version == 2 and g.node(ID + "brand/zorblax").aliases == ("zorb",)
        assert "samsung electronics" in g.node(ID + "brand/samsung").aliases


def test_update_kg_correction_snippets_run_after_the_catalogue_reloads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (tmp_path / "fix.csv").write_text("sku,title,brand,category\n"
                                      "K1,Acme Electric Kettle 2.0,Acme,Home > Kitchen > Kettles\n"
                                      "K2,Acme Toaster 2 Slice,Acme,"
                                      "Home > Kitchen > Small Appliances > Toasters\n",
                                      encoding="utf-8")
    for name in ("products.csv", "fix.csv"):
        r = invoke("load", "mykg", name, *CATALOG)
        assert r.exit_code == 0, r.output
    k1, k2 = ID + "product/myshop/K1", ID + "product/myshop/K2"
    toasters = ID + "category/myshop/home/kitchen/toasters"
    with ProductGraph.open("mykg", read_only=True) as g:  # what the docs say a reload does
        assert g.node(k1).label == "Acme 1.7 L Electric Kettle"
        assert "Acme Electric Kettle 2.0" in g.node(k1).aliases
        assert len(g.neighbors(k2, Relation.IN_CATEGORY)) == 2
    exec(_snippet("update-kg.md", "fix K1's title, move K2"), {})
    with ProductGraph.open("mykg", read_only=True) as g:
        assert g.node(k1).label == "Acme Electric Kettle 2.0" and not g.node(k1).aliases
        assert [e.target for e in g.neighbors(k2, Relation.IN_CATEGORY)] == [
            ID + "category/myshop/home/kitchen/small-appliances/toasters"]
        assert toasters not in [e.target for e in g.neighbors(ID + "brand/acme",
                                                              Relation.SELLS_IN)]
    exec(_snippet("update-kg.md", 'g.transaction("rename Kitchen")'), {})
    with ProductGraph.open("mykg", read_only=True) as g:
        kitchen = g.node(ID + "category/myshop/home/kitchen")
        assert (kitchen.label, kitchen.path, kitchen.aliases) == (
            "Kitchen & Dining", "Home > Kitchen & Dining", ("Kitchen",))
        assert g.node(ID + "category/myshop/home/kitchen/kettles").path == \
            "Home > Kitchen & Dining > Kettles"
        assert g.node(ID + "category/myshop/home/kitchen/small-appliances/toasters").path == \
            "Home > Kitchen & Dining > Small Appliances > Toasters"


def test_the_docs_say_loads_are_additive():
    for page in ("load-catalogue.md", "update-kg.md"):
        text = " ".join((ROOT / "docs" / "howto" / page).read_text(encoding="utf-8").split())
        assert "Loads add, they do not replace" in text or "loads add, they do not replace" \
            in text, page
        assert "update_node" in text and "remove_edge" in text, page
