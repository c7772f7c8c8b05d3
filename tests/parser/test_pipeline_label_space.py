"""parser.pipeline: a parse's linker prefers, of categories of one name, the one in the intent's
label space (kg.link.EntityLinker.label_space), so that a catalogue loaded with its own tree
does not displace the store's category the intent model is trained on."""

from __future__ import annotations

import pickle

import pytest
import torch

from fusion.context import GraphContext
from fusion.gnn import NodeEmbeddings
from fusion.hetero import as_networkx
from fusion.model import FusionConfig, FusionModel
from kg import Edge, Node, NodeKind, ProductGraph, Relation
from parser.pipeline import QueryParser

from .word_tagger import EmbeddingPhraseTagger

APPLIANCES = Node(NodeKind.CATEGORY, "bestbuy/appliances", "Appliances", path="Appliances")
COOKERS = Node(NodeKind.CATEGORY, "bestbuy/cookers", "Pressure Cookers",
               path="Appliances > Pressure Cookers")
HOME = Node(NodeKind.CATEGORY, "myshop/home", "Home", path="Home")
THEIRS = Node(NodeKind.CATEGORY, "myshop/cookers", "Pressure Cookers",
              path="Home > Pressure Cookers", popularity=50.0)
PRODUCTS = [Node(NodeKind.PRODUCT, f"myshop/p{i}", f"Cooker {i}") for i in range(5)]
LABELS = ["Appliances > Pressure Cookers", "Appliances > Ranges"]
DIM = EmbeddingPhraseTagger.embedding_dim
SPANS = {"pressure cooker": [("pressure cooker", "core_product_type")]}


@pytest.fixture(scope="module")
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records([APPLIANCES, COOKERS, HOME, THEIRS, *PRODUCTS,
                   Edge(COOKERS.iri, Relation.PARENT, APPLIANCES.iri),
                   Edge(THEIRS.iri, Relation.PARENT, HOME.iri),
                   *(Edge(p.iri, Relation.IN_CATEGORY, THEIRS.iri) for p in PRODUCTS)],
                  progress=False)
    return g


def _parser(kg: ProductGraph, *, fusion: bool) -> QueryParser:
    model = None
    if fusion:
        g = as_networkx(kg)
        nodes = sorted(g.nodes)
        emb = NodeEmbeddings(nodes, [str(g.nodes[n].get("kind")) for n in nodes],
                             torch.randn(len(nodes), 4, generator=torch.Generator().manual_seed(0)))
        torch.manual_seed(0)
        model = FusionModel(FusionConfig(text_dim=DIM, node_dim=4, hidden_dim=16, dropout=0.0),
                            labels=LABELS, context=GraphContext(g, emb, labels=LABELS))
        model.eval()
    return QueryParser(tagger=EmbeddingPhraseTagger(SPANS), kg=kg, fusion=model)


def test_the_store_category_of_a_name_is_the_link(kg: ProductGraph) -> None:
    parsed = _parser(kg, fusion=True)("pressure cooker")
    assert [e.kg_id for e in parsed.entities] == [COOKERS.iri]


def test_without_an_intent_model_no_category_is_preferred(kg: ProductGraph) -> None:
    """Without a label space the copy with more products (its prior) is the link."""
    parsed = _parser(kg, fusion=False)("pressure cooker")
    assert [e.kg_id for e in parsed.entities] == [THEIRS.iri]


def test_the_parsers_linker_stays_picklable(kg: ProductGraph) -> None:
    linker = _parser(kg, fusion=True).entity_linker
    assert linker is not None and linker.label_space is not None
    assert pickle.loads(pickle.dumps(linker.label_space))("Appliances > Pressure Cookers")
