"""Heterogeneous GNN encoder of the KG, pre-trained self-supervised by link prediction.

:class:`HeteroGNN` projects each node type's frozen text features to ``hidden_dim``, adds a learned
per-node embedding (keyed by IRI, so a changed KG keeps the rows of its unchanged nodes and new
nodes start at zero: the encoder stays inductive), then runs ``num_layers`` of
:class:`~torch_geometric.nn.HeteroConv` over a per-relation conv from the :data:`LAYERS` registry
(``sage`` = SAGEConv, ``graph`` = GraphConv, ``gat`` = GATConv) with residual connections.
:func:`pretrain_link_prediction` trains it full-graph with DistMult scores on the KG's relations
and one uniformly sampled negative target per positive edge; 10% of every relation's edges are
held out of message passing to report a link-prediction AUC.

:func:`compute_node_embeddings` is the entry point: it returns :class:`NodeEmbeddings` for a KG,
loading them from ``cache_dir`` when they were computed for the same KG (version and canonical
fingerprint), text encoder and config, and otherwise pre-trains and saves them (safetensors +
JSON meta).

Example:
    >>> import networkx as nx
    >>> from fusion.text import HashingTextEncoder
    >>> g = nx.MultiDiGraph()
    >>> for i in range(4):
    ...     g.add_node(f"c{i}", kind="category", label=f"cat {i}")
    >>> for i in range(1, 4):
    ...     _ = g.add_edge(f"c{i}", "c0", relation="parent")
    >>> cfg = GNNConfig(hidden_dim=8, out_dim=8, steps=2)
    >>> emb = compute_node_embeddings(g, text_encoder=HashingTextEncoder(dim=8), config=cfg)
    >>> emb.vector("c1").shape
    torch.Size([8])
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from fusion.errors import FusionConfigError, FusionLoadError
from fusion.hetero import (
    EdgeType,
    KGHetero,
    as_networkx,
    graph_fingerprint,
    graph_version,
    kg_to_hetero,
)
from fusion.text import TextEncoderLike
from kg.io import atomic_path, atomic_write_json

__all__ = [
    "LAYERS",
    "GNNConfig",
    "HeteroGNN",
    "NodeEmbeddings",
    "PretrainReport",
    "compute_node_embeddings",
    "pretrain_link_prediction",
    "torch_threads",
]

logger = logging.getLogger(__name__)


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """torch's intra-op threads set to ``n`` for the block, then restored. A float sum split
    over threads adds in another order (from run to run, too), so one thread gives the same
    weights on machines of one CPU kind whatever their core count (the fusion head's training,
    the GNN's pre-training).

    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    """
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


#: Registry of per-relation conv layers; values are import paths inside torch_geometric.nn.
LAYERS: dict[str, str] = {"sage": "SAGEConv", "graph": "GraphConv", "gat": "GATConv"}


def _make_conv(name: str, dim: int) -> nn.Module:
    import torch_geometric.nn as pyg_nn

    if name not in LAYERS:
        raise FusionConfigError(
            f"Could not resolve GNN layer {name!r} among choices {sorted(LAYERS)}"
        )
    cls = getattr(pyg_nn, LAYERS[name])
    if name == "gat":
        return cls((dim, dim), dim, heads=1, add_self_loops=False)
    if name == "sage":  # the residual connection plays the role of the root weight
        return cls((dim, dim), dim, root_weight=False)
    return cls((dim, dim), dim)


@dataclass(frozen=True)
class GNNConfig:
    """Settings of the GNN encoder and its link-prediction pre-training.

    Args:
        layer: per-relation conv, a key of :data:`LAYERS`.
        hidden_dim: width of the message-passing layers.
        out_dim: size of the node embeddings.
        num_layers: message-passing layers (hops).
        dropout: dropout between layers during pre-training.
        steps: full-graph optimisation steps (100: the recipe the cross-validated figures of
            docs/benchmarks.md measured, ``kgqp fusion evaluate --cv``'s default, which the
            quickstart and ``kgqp fusion train`` use too).
        lr: AdamW learning rate.
        batch_edges: positive edges sampled per relation and step.
        holdout: share of each relation's edges held out for the link-prediction AUC.
        max_seconds: optional wall-clock budget of pre-training (stops early, logged). None
            (the default) runs all ``steps``: the embeddings then depend on the seed only,
            not on how busy the machine is (:func:`compute_node_embeddings` pre-trains on one
            torch thread, so not on its core count either).
        seed: random seed.
    """

    layer: str = "sage"
    hidden_dim: int = 64
    out_dim: int = 64
    num_layers: int = 2
    dropout: float = 0.1
    steps: int = 100
    lr: float = 0.01
    batch_edges: int = 2048
    holdout: float = 0.1
    max_seconds: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise FusionConfigError(
                f"Could not resolve GNN layer {self.layer!r} among choices {sorted(LAYERS)}"
            )
        for name in ("hidden_dim", "out_dim", "num_layers", "steps", "batch_edges"):
            if getattr(self, name) < 1:
                raise FusionConfigError(f"GNNConfig.{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise FusionConfigError(f"GNNConfig.dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 <= self.holdout < 0.5:
            raise FusionConfigError(f"GNNConfig.holdout must be in [0, 0.5), got {self.holdout}")
        if self.lr <= 0 or (self.max_seconds is not None and self.max_seconds <= 0):
            raise FusionConfigError("GNNConfig.lr and max_seconds must be > 0")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GNNConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise FusionConfigError(
                f"unknown GNNConfig keys {sorted(unknown)}; valid: {sorted(known)}"
            )
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class HeteroGNN(nn.Module):
    """Text features + learned node embeddings -> HeteroConv stack -> node embeddings.

    Shapes:
        input: ``x_dict[t]: [N_t, in_dim]``, ``edge_index_dict[et]: [2, E_et]``
        output: ``dict[t] -> [N_t, out_dim]``
    """

    def __init__(
        self,
        *,
        in_dim: int,
        node_types: list[str],
        edge_types: list[EdgeType],
        num_nodes: dict[str, int],
        config: GNNConfig,
    ) -> None:
        super().__init__()
        from torch_geometric.nn import HeteroConv

        self.config = config
        self.in_dim = in_dim
        self.node_types = list(node_types)
        self.edge_types = [tuple(et) for et in edge_types]
        h = config.hidden_dim
        self.proj = nn.ModuleDict({t: nn.Linear(in_dim, h) for t in self.node_types})
        self.learned = nn.ParameterDict(
            {t: nn.Parameter(torch.zeros(num_nodes[t], h)) for t in self.node_types}
        )
        self.convs = nn.ModuleList(
            HeteroConv({et: _make_conv(config.layer, h) for et in self.edge_types}, aggr="sum")
            for _ in range(config.num_layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({t: nn.LayerNorm(h) for t in self.node_types})
            for _ in range(config.num_layers)
        )
        self.out = nn.Linear(h, config.out_dim)
        fwd = [et for et in self.edge_types if not et[1].startswith("rev_")]
        self.rel = nn.ParameterDict(
            {"__".join(et): nn.Parameter(torch.ones(config.out_dim)) for et in fwd}
        )

    def forward(
        self, x_dict: dict[str, Tensor], edge_index_dict: dict[EdgeType, Tensor]
    ) -> dict[str, Tensor]:
        h = {t: self.proj[t](x_dict[t]) + self.learned[t] for t in self.node_types if t in x_dict}
        ei = {et: e for et, e in edge_index_dict.items() if tuple(et) in self.edge_types}
        for conv, norms in zip(self.convs, self.norms, strict=True):
            msg = conv(h, ei)
            new = {}
            for t, v in h.items():
                upd = v + msg[t] if t in msg else v
                upd = torch.relu(norms[t](upd))
                new[t] = nn.functional.dropout(upd, self.config.dropout, self.training)
            h = new
        return {t: self.out(v) for t, v in h.items()}

    def score(self, et: EdgeType, zs: Tensor, zd: Tensor) -> Tensor:
        """DistMult score of edges of type ``et``: ``[E, d] x [E, d] -> [E]``."""
        return (zs * self.rel["__".join(et)] * zd).sum(-1)


@dataclass
class PretrainReport:
    """What pre-training did: steps, seconds, final loss and held-out link-prediction AUC."""

    steps: int
    seconds: float
    loss: float
    first_loss: float
    auc: float | None
    num_nodes: int
    num_edges: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _auc(pos: Tensor, neg: Tensor) -> float:
    scores = torch.cat([pos, neg])
    ranks = scores.argsort().argsort().double() + 1
    n_pos, n_neg = len(pos), len(neg)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _split_edges(
    kgh: KGHetero, holdout: float, gen: torch.Generator
) -> tuple[dict[EdgeType, Tensor], dict[EdgeType, Tensor]]:
    """Message-passing edges (both directions, minus held-out) and held-out forward edges."""
    mp: dict[EdgeType, Tensor] = {}
    held: dict[EdgeType, Tensor] = {}
    for et in kgh.forward_edge_types:
        e = kgh.data[et].edge_index
        n_hold = int(e.shape[1] * holdout) if e.shape[1] >= 20 else 0
        perm = torch.randperm(e.shape[1], generator=gen)
        keep, hold = e[:, perm[n_hold:]], e[:, perm[:n_hold]]
        mp[et] = keep
        mp[(et[2], "rev_" + et[1], et[0])] = keep.flip(0)
        if n_hold:
            held[et] = hold
    return mp, held


def pretrain_link_prediction(
    kgh: KGHetero, config: GNNConfig, *, progress: bool = False
) -> tuple[HeteroGNN, PretrainReport]:
    """Pre-train a :class:`HeteroGNN` on ``kgh`` by link prediction; returns it in eval mode."""
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    data = kgh.data
    num_nodes = {t: data[t].num_nodes for t in data.node_types}
    in_dim = next(iter(data.x_dict.values())).shape[1] if data.node_types else 1
    model = HeteroGNN(
        in_dim=in_dim,
        node_types=list(data.node_types),
        edge_types=list(data.edge_types),
        num_nodes=num_nodes,
        config=config,
    )
    mp, held = _split_edges(kgh, config.holdout, gen)
    train_types = [et for et in kgh.forward_edge_types if mp[et].shape[1] > 0]
    n_edges = sum(int(data[et].edge_index.shape[1]) for et in kgh.forward_edge_types)
    report = PretrainReport(
        steps=0,
        seconds=0.0,
        loss=float("nan"),
        first_loss=float("nan"),
        auc=None,
        num_nodes=sum(num_nodes.values()),
        num_edges=n_edges,
    )
    if not train_types:
        model.eval()
        return model, report
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    x = data.x_dict
    loss_fn = nn.BCEWithLogitsLoss()
    start = time.perf_counter()
    steps = range(config.steps)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="GNN link prediction", unit="step", leave=False)
    model.train()
    for step in steps:
        z = model(x, mp)
        losses = []
        for et in train_types:
            e = mp[et]
            if e.shape[1] > config.batch_edges:
                e = e[:, torch.randint(e.shape[1], (config.batch_edges,), generator=gen)]
            neg_dst = torch.randint(num_nodes[et[2]], (e.shape[1],), generator=gen)
            pos = model.score(et, z[et[0]][e[0]], z[et[2]][e[1]])
            neg = model.score(et, z[et[0]][e[0]], z[et[2]][neg_dst])
            losses.append(
                loss_fn(
                    torch.cat([pos, neg]), torch.cat([torch.ones_like(pos), torch.zeros_like(neg)])
                )
            )
        loss = torch.stack(losses).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        report.steps = step + 1
        report.loss = float(loss.detach())
        if step == 0:
            report.first_loss = report.loss
        if config.max_seconds is not None and time.perf_counter() - start > config.max_seconds:
            logger.warning(
                "GNN pre-training stopped at its time budget (%.0f s) after %d steps",
                config.max_seconds,
                step + 1,
            )
            break
    report.seconds = time.perf_counter() - start
    model.eval()
    if held:
        with torch.no_grad():
            z = model(x, mp)
            pos_s, neg_s = [], []
            for et, e in held.items():
                neg_dst = torch.randint(num_nodes[et[2]], (e.shape[1],), generator=gen)
                pos_s.append(model.score(et, z[et[0]][e[0]], z[et[2]][e[1]]))
                neg_s.append(model.score(et, z[et[0]][e[0]], z[et[2]][neg_dst]))
            report.auc = _auc(torch.cat(pos_s), torch.cat(neg_s))
    logger.info(
        "GNN pre-training: %d steps in %.1f s, loss %.4f, held-out link AUC %s",
        report.steps,
        report.seconds,
        report.loss,
        f"{report.auc:.3f}" if report.auc is not None else "n/a",
    )
    return model, report


@dataclass
class NodeEmbeddings:
    """Precomputed node embeddings of one KG: ``matrix[row(iri)]``, with the KG they came from.

    Attributes:
        iris: IRI of each row.
        kinds: node kind of each row.
        matrix: ``Tensor[N, dim]``.
        meta: ``kg_version``, ``kg_fingerprint``, ``text_encoder``, ``gnn_config``, ``pretrain``.
    """

    iris: list[str]
    kinds: list[str]
    matrix: Tensor
    meta: dict[str, Any] = field(default_factory=dict)
    _rows: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if len(self.iris) != self.matrix.shape[0] or len(self.kinds) != len(self.iris):
            raise FusionLoadError(
                f"NodeEmbeddings: {len(self.iris)} IRIs, {len(self.kinds)} kinds, "
                f"{self.matrix.shape[0]} rows"
            )
        self._rows = {iri: i for i, iri in enumerate(self.iris)}

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def row(self, iri: str) -> int | None:
        return self._rows.get(iri)

    def vector(self, iri: str) -> Tensor | None:
        r = self._rows.get(iri)
        return None if r is None else self.matrix[r]

    def unit(self) -> Any:
        """The rows scaled to length 1 (NumPy float32, for cosine similarities), computed
        once per matrix."""
        import numpy as np

        cached = self.__dict__.get("_unit")
        if cached is None or cached[0] is not self.matrix:
            m = self.matrix.detach().float().numpy()
            cached = (self.matrix, m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9))
            self.__dict__["_unit"] = cached
        return cached[1]

    def save(self, directory: str | Path, *, prefix: str = "node_embeddings") -> None:
        """Write ``{prefix}.safetensors`` and ``{prefix}.json`` (atomically) into ``directory``."""
        from safetensors.torch import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        with atomic_path(d / f"{prefix}.safetensors") as tmp:
            save_file({"embeddings": self.matrix.contiguous()}, str(tmp))
        atomic_write_json(
            d / f"{prefix}.json",
            {"meta": self.meta, "iris": self.iris, "kinds": self.kinds},
            indent=None,
        )

    @classmethod
    def load(cls, directory: str | Path, *, prefix: str = "node_embeddings") -> NodeEmbeddings:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        d = Path(directory)
        tpath, mpath = d / f"{prefix}.safetensors", d / f"{prefix}.json"
        if not tpath.is_file() or not mpath.is_file():
            raise FusionLoadError(
                f"no node embeddings in {d} (expected {tpath.name} and {mpath.name})"
            )
        try:
            matrix = load_file(str(tpath))["embeddings"]
            meta = json.loads(mpath.read_text(encoding="utf-8"))
        except (SafetensorError, OSError, KeyError, ValueError) as exc:
            raise FusionLoadError(f"corrupt node embeddings in {d}: {exc}") from exc
        return cls(
            iris=list(meta["iris"]), kinds=list(meta["kinds"]), matrix=matrix, meta=meta["meta"]
        )


def embed_graph(
    model: HeteroGNN, kgh: KGHetero, *, learned_iris: dict[str, list[str]] | None = None
) -> NodeEmbeddings:
    """Run a (possibly pre-trained on another KG version) encoder over ``kgh``.

    ``learned_iris`` are the IRIs of the rows of ``model.learned`` (the KG it was trained on);
    they are re-aligned by IRI to ``kgh``, new nodes get zero rows.
    """
    if learned_iris is not None and learned_iris != kgh.iris:
        with torch.no_grad():
            for t in model.node_types:
                old = {iri: i for i, iri in enumerate(learned_iris.get(t, []))}
                new_iris = kgh.iris.get(t, [])
                table = torch.zeros(len(new_iris), model.config.hidden_dim)
                for j, iri in enumerate(new_iris):
                    if iri in old:
                        table[j] = model.learned[t][old[iri]]
                model.learned[t] = nn.Parameter(table)
    model.eval()
    with torch.no_grad():
        z = model(kgh.data.x_dict, kgh.data.edge_index_dict) if kgh.data.node_types else {}
    iris, kinds, rows = [], [], []
    for t, lst in kgh.iris.items():
        iris += lst
        kinds += [t] * len(lst)
        rows.append(z[t])
    matrix = torch.cat(rows) if rows else torch.zeros(0, model.config.out_dim)
    return NodeEmbeddings(iris=iris, kinds=kinds, matrix=matrix.contiguous())


def save_gnn(
    directory: str | Path, model: HeteroGNN, *, iris: dict[str, list[str]], text_encoder: str
) -> None:
    """Save an encoder as ``gnn.safetensors`` + ``gnn.json`` (config, types, learned-row IRIs)."""
    from safetensors.torch import save_file

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    with atomic_path(d / "gnn.safetensors") as tmp:
        save_file(state, str(tmp))
    atomic_write_json(
        d / "gnn.json",
        {
            "config": model.config.to_dict(),
            "in_dim": model.in_dim,
            "node_types": model.node_types,
            "edge_types": [list(et) for et in model.edge_types],
            "iris": iris,
            "text_encoder": text_encoder,
        },
        indent=None,
    )


def load_gnn(directory: str | Path) -> tuple[HeteroGNN, dict[str, list[str]], str]:
    """Load what :func:`save_gnn` wrote: ``(model, learned-row IRIs, text encoder name)``."""
    from safetensors.torch import load_file

    d = Path(directory)
    if not (d / "gnn.safetensors").is_file() or not (d / "gnn.json").is_file():
        raise FusionLoadError(f"no GNN encoder in {d} (expected gnn.safetensors and gnn.json)")
    meta = json.loads((d / "gnn.json").read_text(encoding="utf-8"))
    iris = meta["iris"]
    model = HeteroGNN(
        in_dim=meta["in_dim"],
        node_types=meta["node_types"],
        edge_types=[tuple(et) for et in meta["edge_types"]],
        num_nodes={t: len(iris.get(t, [])) for t in meta["node_types"]},
        config=GNNConfig.from_dict(meta["config"]),
    )
    model.load_state_dict(load_file(str(d / "gnn.safetensors")), strict=True)
    return model.eval(), iris, meta["text_encoder"]


def compute_node_embeddings(
    graph: Any,
    *,
    text_encoder: TextEncoderLike,
    config: GNNConfig | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> NodeEmbeddings:
    """Node embeddings of a KG, reused from ``cache_dir`` when the KG has not changed.

    The cache is valid when its meta records the same KG fingerprint (canonical hash of nodes and
    edges), text encoder and GNN config; otherwise the GNN is pre-trained and the embeddings,
    the encoder weights (``gnn.safetensors``) and the meta are written to ``cache_dir``.
    """
    config = config or GNNConfig()
    g = as_networkx(graph)
    version = graph_version(graph)
    fingerprint = graph_fingerprint(g)
    if cache_dir is not None:
        try:
            cached = NodeEmbeddings.load(cache_dir)
            m = cached.meta
            if (
                m.get("kg_fingerprint") == fingerprint
                and m.get("text_encoder") == text_encoder.name
                and m.get("gnn_config") == config.to_dict()
            ):
                logger.info("reusing node embeddings from %s (KG version %s)", cache_dir, version)
                return cached
            logger.info("KG or config changed since %s was computed: recomputing", cache_dir)
        except FusionLoadError:
            pass
    kgh = kg_to_hetero(g, text_encoder=text_encoder, cache_dir=cache_dir, progress=progress)
    kgh.kg_version = version
    # one thread: the embeddings (and so the fusion model trained on them) are the same on a
    # machine of any core count, and from run to run, which two threads' scatter sums are not;
    # on the default KG it costs 24-26 s against 17 s on two threads (once per KG version:
    # the embeddings are cached)
    with torch_threads(1):
        model, report = pretrain_link_prediction(kgh, config, progress=progress)
        emb = embed_graph(model, kgh)
    emb.meta = {
        "kg_version": version,
        "kg_fingerprint": fingerprint,
        "text_encoder": text_encoder.name,
        "gnn_config": config.to_dict(),
        "pretrain": report.to_dict(),
    }
    if cache_dir is not None:
        save_gnn(cache_dir, model, iris=kgh.iris, text_encoder=text_encoder.name)
        emb.save(cache_dir)
    if not math.isnan(report.loss):
        logger.info("node embeddings: %d nodes x %d", len(emb.iris), emb.dim)
    return emb
