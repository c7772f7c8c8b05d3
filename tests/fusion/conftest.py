"""Fixtures: a small real KG (ProductGraph in memory), a hashing text encoder, tiny examples."""

from __future__ import annotations

import pytest
import torch

from fusion.gnn import GNNConfig
from fusion.model import FusionConfig
from fusion.text import HashingTextEncoder
from fusion.train import TrainConfig
from fusion.types import ROLES, FusionExample, FusionInput, LinkedEntity
from kg import Edge, Node, NodeKind, ProductGraph, Relation

C, B, P, T, A = (
    NodeKind.CATEGORY,
    NodeKind.BRAND,
    NodeKind.PRODUCT,
    NodeKind.PRODUCT_TYPE,
    NodeKind.ATTRIBUTE_VALUE,
)

CATS = {  # key: (label, path, parent key)
    "tv": ("TV & Home Theater", "TV & Home Theater", None),
    "tvs": ("TVs", "TV & Home Theater > TVs", "tv"),
    "qled": ("QLED TVs", "TV & Home Theater > TVs > QLED TVs", "tvs"),
    "mounts": ("TV Mounts", "TV & Home Theater > TV Mounts", "tv"),
    "cell": ("Cell Phones", "Cell Phones", None),
    "acc": ("Cell Phone Accessories", "Cell Phones > Cell Phone Accessories", "cell"),
    "cases": ("Cell Phone Cases", "Cell Phones > Cell Phone Accessories > Cell Phone Cases", "acc"),
    "phones": ("Unlocked Phones", "Cell Phones > Unlocked Phones", "cell"),
    "app": ("Appliances", "Appliances", None),
    "fridge": ("Refrigerators", "Appliances > Refrigerators", "app"),
}


def _records() -> list[Node | Edge]:
    recs: list[Node | Edge] = []
    cats = {k: Node(C, f"bb/{k}", lab, path=path) for k, (lab, path, _) in CATS.items()}
    recs += cats.values()
    recs += [Edge(cats[k].iri, Relation.PARENT, cats[p].iri) for k, (_, _, p) in CATS.items() if p]
    brands = {
        n: Node(B, n.lower(), n, aliases=(n.upper(),) if n == "Lg" else ())
        for n in ("Samsung", "Lg", "OtterBox", "Whirlpool")
    }
    recs += brands.values()
    sells = {
        "Samsung": ["tvs", "qled", "phones", "fridge"],
        "Lg": ["tvs", "fridge"],
        "OtterBox": ["cases"],
        "Whirlpool": ["fridge"],
    }
    recs += [
        Edge(brands[b].iri, Relation.SELLS_IN, cats[c].iri) for b, cs in sells.items() for c in cs
    ]
    black = Node(A, "color/black", "Black", attribute="color")
    red = Node(A, "color/red", "Red", attribute="color")
    s55 = Node(A, "size/55-inch", "55 inch", attribute="size")
    recs += [black, red, s55]
    tv_type = Node(T, "television", "Television", aliases=("telly",))
    case_type = Node(T, "case", "Case")
    recs += [tv_type, case_type]
    recs.append(Edge(tv_type.iri, Relation.TYPE_IN, cats["tvs"].iri))
    recs.append(Edge(case_type.iri, Relation.TYPE_IN, cats["cases"].iri))
    recs.append(Edge(tv_type.iri, Relation.SYNONYM, cats["tvs"].iri))
    prods = [
        ("Samsung 55 inch QLED TV", "Samsung", "qled", [black, s55], tv_type),
        ("LG OLED TV", "Lg", "tvs", [black], tv_type),
        ("OtterBox Defender Case", "OtterBox", "cases", [black, red], case_type),
        ("Samsung Galaxy S7", "Samsung", "phones", [black], None),
        ("Whirlpool French Door Fridge", "Whirlpool", "fridge", [red], None),
    ]
    for i, (name, brand, cat, vals, typ) in enumerate(prods):
        p = Node(P, f"sku{i}", name)
        recs.append(p)
        recs.append(Edge(p.iri, Relation.HAS_BRAND, brands[brand].iri))
        recs.append(Edge(p.iri, Relation.IN_CATEGORY, cats[cat].iri))
        recs += [Edge(p.iri, Relation.HAS_VALUE, v.iri) for v in vals]
        if typ is not None:
            recs.append(Edge(p.iri, Relation.HAS_TYPE, typ.iri))
    return recs


@pytest.fixture(autouse=True)
def _one_thread():
    """The test machine is shared: more threads than free cores slows torch down many-fold."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def kg() -> ProductGraph:
    g = ProductGraph.in_memory()
    g.add_records(_records(), progress=False)
    return g


@pytest.fixture
def encoder() -> HashingTextEncoder:
    return HashingTextEncoder(dim=384)


QUERIES = [  # query, lvl1
    ("samsung tv", "TV & Home Theater > TVs"),
    ("qled tvs", "TV & Home Theater > TVs"),
    ("television 55 inch", "TV & Home Theater > TVs"),
    ("lg tvs", "TV & Home Theater > TVs"),
    ("tv mounts", "TV & Home Theater > TV Mounts"),
    ("wall mount for tv", "TV & Home Theater > TV Mounts"),
    ("otterbox case", "Cell Phones > Cell Phone Accessories"),
    ("phone case red", "Cell Phones > Cell Phone Accessories"),
    ("cell phone cases", "Cell Phones > Cell Phone Accessories"),
    ("unlocked phones", "Cell Phones > Unlocked Phones"),
    ("samsung galaxy", "Cell Phones > Unlocked Phones"),
    ("refrigerators", "Appliances > Refrigerators"),
    ("whirlpool fridge", "Appliances > Refrigerators"),
    ("lg refrigerators", "Appliances > Refrigerators"),
]


class MatchFeaturizer:
    """Fusion inputs for the fusion package's own tests: the text encoder's embedding and, for
    each KG name found in the query (``kg.match``), the real linker's best node with its link
    score. The parser's featurizer (``QueryParser.featurize``) links tagger spans instead;
    tests/e2e train fusion through it."""

    def __init__(self, kg: ProductGraph, encoder) -> None:
        self.kg, self.encoder = kg, encoder
        self.name, self.dim = encoder.name, encoder.dim

    def featurize(self, texts, *, progress: bool = False) -> list[FusionInput]:
        emb = self.encoder.encode(list(texts))
        out = []
        for i, text in enumerate(texts):
            linked: dict[str, LinkedEntity] = {}
            for m in self.kg.match(text):
                best = self.kg.link(m.text, label=None, context=text).best
                if best is not None and best.kind in ROLES[:-1]:
                    score = min(max(float(best.score), 0.0), 1.0)
                    if best.iri not in linked or linked[best.iri].score < score:
                        linked[best.iri] = LinkedEntity(best.iri, best.kind, score)
            out.append(FusionInput(emb[i], tuple(linked.values()), text))
        return out


@pytest.fixture
def featurizer(kg: ProductGraph, encoder: HashingTextEncoder) -> MatchFeaturizer:
    return MatchFeaturizer(kg, encoder)


@pytest.fixture
def examples(featurizer: MatchFeaturizer) -> list[FusionExample]:
    from fusion.data import LabeledQuery, build_examples

    qs = [LabeledQuery(q, lab, lab.split(" > ")[0]) for q, lab in QUERIES]
    return build_examples(qs, featurizer)


def random_input(seed: int = 0, linked: tuple[LinkedEntity, ...] = ()) -> FusionInput:
    return FusionInput(torch.randn(384, generator=torch.Generator().manual_seed(seed)), linked)


GNN = GNNConfig(hidden_dim=16, out_dim=16, steps=10)
CFG = FusionConfig(hidden_dim=32, dropout=0.0)
TRAIN = TrainConfig(epochs=15, batch_size=8)


@pytest.fixture
def trained(kg, encoder, examples, tmp_path):
    """A small graph fusion model trained on :data:`QUERIES` (the same data as dev)."""
    from fusion import train_fusion

    return train_fusion(CFG, kg, examples, examples, train_config=TRAIN, gnn_config=GNN,
                        text_encoder=encoder,
                        cache_dir=tmp_path / "cache")
