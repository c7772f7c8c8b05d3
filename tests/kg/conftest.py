"""A small real-ish KG: a dozen nodes of every kind, with aliases and edges."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kg import Edge, Node, NodeKind, ProductGraph, Relation
from kg.schema import attribute_key, brand_key

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # for `from kg_support import ...` in the tests of this folder
    sys.path.insert(0, str(HERE))

TVS = Node(
    NodeKind.CATEGORY,
    "bestbuy/abcat0101000",
    "TVs",
    aliases=("tv", "television"),
    source="bestbuy",
    external_id="abcat0101000",
    path="TV & Home Theater > TVs",
    popularity=0.9,
)
QLED = Node(
    NodeKind.CATEGORY,
    "bestbuy/pcmcat1563300",
    "QLED TVs",
    aliases=("qled tv",),
    source="bestbuy",
    path="TV & Home Theater > TVs > QLED TVs",
)
HOME = Node(NodeKind.CATEGORY, "bestbuy/abcat0100000", "TV & Home Theater", source="bestbuy")
PHONES = Node(
    NodeKind.CATEGORY,
    "bestbuy/pcmcat209400050001",
    "Cell Phones",
    aliases=("mobile phones", "手机"),
    source="bestbuy",
)
SAMSUNG = Node(
    NodeKind.BRAND, brand_key("Samsung"), "Samsung", aliases=("三星", "SAMSUNG"), popularity=0.8
)
LG = Node(NodeKind.BRAND, brand_key("LG"), "LG", aliases=("LG Electronics",), popularity=0.5)
APPLE = Node(NodeKind.BRAND, brand_key("Apple"), "Apple", popularity=0.95)
RED = Node(
    NodeKind.ATTRIBUTE_VALUE,
    attribute_key("color", "red"),
    "Red",
    attribute="color",
    aliases=("红色",),
)
INCH55 = Node(
    NodeKind.ATTRIBUTE_VALUE,
    attribute_key("size", "55 inch"),
    "55 inch",
    attribute="size",
    aliases=('55"', "55in"),
)
TV_TYPE = Node(NodeKind.PRODUCT_TYPE, "tv", "TV", aliases=("tv", "televisions"))
IPHONE = Node(
    NodeKind.PRODUCT,
    "bestbuy/6009905",
    "Apple iPhone 15",
    aliases=("iphone 15",),
    source="bestbuy",
    external_id="6009905",
    popularity=0.7,
)
QN55 = Node(
    NodeKind.PRODUCT,
    "bestbuy/6401722",
    'Samsung 55" Class Q60 QLED 4K TV',
    aliases=("q60",),
    source="bestbuy",
)

NODES = [TVS, QLED, HOME, PHONES, SAMSUNG, LG, APPLE, RED, INCH55, TV_TYPE, IPHONE, QN55]
EDGES = [
    Edge(TVS.iri, Relation.PARENT, HOME.iri),
    Edge(QLED.iri, Relation.PARENT, TVS.iri),
    Edge(SAMSUNG.iri, Relation.SELLS_IN, TVS.iri),
    Edge(SAMSUNG.iri, Relation.SELLS_IN, PHONES.iri),
    Edge(LG.iri, Relation.SELLS_IN, TVS.iri),
    Edge(APPLE.iri, Relation.SELLS_IN, PHONES.iri),
    Edge(TV_TYPE.iri, Relation.TYPE_IN, TVS.iri),
    Edge(IPHONE.iri, Relation.HAS_BRAND, APPLE.iri),
    Edge(IPHONE.iri, Relation.IN_CATEGORY, PHONES.iri),
    Edge(QN55.iri, Relation.HAS_BRAND, SAMSUNG.iri),
    Edge(QN55.iri, Relation.IN_CATEGORY, QLED.iri),
    Edge(QN55.iri, Relation.HAS_VALUE, INCH55.iri),
    Edge(QN55.iri, Relation.HAS_TYPE, TV_TYPE.iri),
]
RECORDS = [*NODES, *EDGES]


@pytest.fixture
def records() -> list:
    return list(RECORDS)


@pytest.fixture
def graph() -> ProductGraph:
    """An in-memory KG holding the fixture at version 1."""
    g = ProductGraph.in_memory()
    g.add_records(RECORDS, progress=False, message="fixture")
    yield g
    g.close()


@pytest.fixture
def disk_graph(tmp_path) -> ProductGraph:
    """An on-disk KG (tmp_path/kg) holding the fixture at version 1."""
    g = ProductGraph.open(tmp_path / "kg")
    g.add_records(RECORDS, progress=False, message="fixture")
    yield g
    g.close()


@pytest.fixture
def fx():
    """The fixture's nodes and edges by name (``fx.TVS``, ``fx.EDGES`` ...)."""
    import types

    names = [
        "TVS",
        "QLED",
        "HOME",
        "PHONES",
        "SAMSUNG",
        "LG",
        "APPLE",
        "RED",
        "INCH55",
        "TV_TYPE",
        "IPHONE",
        "QN55",
        "NODES",
        "EDGES",
        "RECORDS",
    ]
    return types.SimpleNamespace(**{n: globals()[n] for n in names})


class _RecordingGraph:
    """Stands in for ProductGraph where only the records a loader yields matter: keeps what
    add_records receives (merge by kind+key) and counts the calls."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[NodeKind, str], Node] = {}
        self.edges: set[tuple[str, Relation, str]] = set()
        self.calls = 0

    def add_records(self, records, *, report=None, progress=True, message=""):
        self.calls += 1
        for r in records:
            if isinstance(r, Node):
                self.nodes.setdefault((r.kind, r.key), r)
            else:
                self.edges.add((r.source, r.relation, r.target))
        return report


@pytest.fixture(scope="session")
def RecordingGraph() -> type[_RecordingGraph]:
    """The record-collecting stand-in class (shared by the loader and build tests)."""
    return _RecordingGraph


#: A SPARQL server of your own (e.g. Apache Jena Fuseki) to run the KG contract tests against as
#: well: a ``sparql+http://`` URL (see docs/howto-kg-server.md). Its dataset is WIPED (``DROP
#: ALL``) before each test: give it a throwaway dataset.
EXTERNAL_SPARQL_URL = os.environ.get("KGQP_TEST_SPARQL_URL", "").strip()
_STORES = ["memory", "disk", "sparql"] + (["external"] if EXTERNAL_SPARQL_URL else [])


def _open_wiped(url: str) -> ProductGraph:
    """The KG at ``url`` after ``DROP ALL`` (an empty dataset for the next test)."""
    from kg.sparql import SparqlConfig, SparqlStore

    store = SparqlStore(SparqlConfig.from_url(url))
    try:
        store.update("DROP ALL", what="wiping the test dataset")
    finally:
        store.close()
    return ProductGraph.open(url)


@pytest.fixture(params=_STORES)
def contract_graph(request, tmp_path) -> ProductGraph:
    """The fixture KG at version 1 in each store: embedded in memory, embedded on disk, a live
    Oxigraph SPARQL server started for the test (the KG contract runs on all three), and the
    server at ``$KGQP_TEST_SPARQL_URL`` when set (``-k external`` runs only those)."""
    if request.param == "memory":
        g = ProductGraph.in_memory()
    elif request.param == "disk":
        g = ProductGraph.open(tmp_path / "kg")
    elif request.param == "external":
        g = _open_wiped(EXTERNAL_SPARQL_URL)
    else:
        server = request.getfixturevalue("oxigraph_server")
        g = ProductGraph.open(server.url)
    g.add_records(RECORDS, progress=False, message="fixture")
    yield g
    g.close()
