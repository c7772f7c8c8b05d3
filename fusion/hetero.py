"""The KG as a PyG :class:`~torch_geometric.data.HeteroData` graph, with IRI <-> index maps.

Node types are the KG node kinds (category, brand, product, product_type, attribute_value); edge
types are ``(source kind, relation, target kind)`` for every relation of :class:`kg.schema.Relation`
plus a reverse type ``(target kind, "rev_" + relation, source kind)``, so every node receives
messages. Node features ``x`` are frozen text embeddings of the node texts (label; category path;
``"attribute label"`` for attribute values), cached on disk by text so that a changed KG only
encodes its new texts. Learned per-node embeddings live in the GNN (:mod:`fusion.gnn`).

Example:
    >>> import networkx as nx
    >>> from fusion.text import HashingTextEncoder
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("b:1", kind="brand", label="Samsung")
    >>> g.add_node("c:1", kind="category", label="TVs", path="TV & Home Theater > TVs")
    >>> _ = g.add_edge("b:1", "c:1", relation="sells_in")
    >>> kgh = kg_to_hetero(g, text_encoder=HashingTextEncoder(dim=8))
    >>> kgh.data["brand"].x.shape, kgh.index("c:1")
    (torch.Size([1, 8]), ('category', 0))
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from fusion.errors import FusionDataError
from fusion.text import TextEncoderLike
from kg.io import atomic_path, atomic_write_json
from kg.schema import NodeKind, Relation

__all__ = ["EdgeType", "KGHetero", "as_networkx", "graph_fingerprint", "kg_to_hetero", "node_text"]

logger = logging.getLogger(__name__)

EdgeType = tuple[str, str, str]
NODE_KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
RELATIONS: tuple[str, ...] = tuple(r.value for r in Relation)
REVERSE_PREFIX = "rev_"


def as_networkx(graph: Any) -> nx.MultiDiGraph:
    """A ``kg.ProductGraph`` (anything with ``to_networkx()``) or networkx graph -> MultiDiGraph."""
    if isinstance(graph, nx.Graph):
        return graph if isinstance(graph, nx.MultiDiGraph) else nx.MultiDiGraph(graph)
    to_nx = getattr(graph, "to_networkx", None)
    if to_nx is None:
        raise TypeError(
            f"Expected a kg.ProductGraph or a networkx graph, got {type(graph).__name__}"
        )
    return to_nx()


def graph_version(graph: Any) -> int | None:
    """The KG store version of a ``ProductGraph`` (``None`` for a plain networkx graph)."""
    version = getattr(graph, "version", None)
    return int(version) if isinstance(version, int) else None


def node_text(attrs: dict[str, Any]) -> str:
    """The text embedded for a node: the category path, ``"attribute label"``, or the label."""
    label = str(attrs.get("label") or "")
    kind = attrs.get("kind")
    if kind == NodeKind.CATEGORY.value and attrs.get("path"):
        return str(attrs["path"])
    if kind == NodeKind.ATTRIBUTE_VALUE.value and attrs.get("attribute"):
        return f"{attrs['attribute']} {label}".replace("_", " ")
    return label


def graph_fingerprint(g: nx.MultiDiGraph) -> str:
    """Canonical SHA-256 of the nodes (IRI, kind, text) and typed edges, order-independent."""
    h = hashlib.sha256()
    for iri in sorted(g.nodes):
        a = g.nodes[iri]
        h.update(json.dumps([iri, a.get("kind"), node_text(a)], ensure_ascii=False).encode())
    edges = sorted((u, str(d.get("relation")), v) for u, v, d in g.edges(data=True))
    for e in edges:
        h.update(json.dumps(e, ensure_ascii=False).encode())
    return h.hexdigest()


@dataclass
class KGHetero:
    """A validated HeteroData view of a KG plus the maps between IRIs and (type, index).

    Attributes:
        data: node stores ``data[kind].x: Tensor[N_kind, text_dim]``, edge stores
            ``data[(src, rel, dst)].edge_index: LongTensor[2, E]``.
        iris: per node type, the IRI of each row.
        fingerprint: :func:`graph_fingerprint` of the source graph.
        kg_version: the store version of the source ``ProductGraph`` (``None`` for networkx).
    """

    data: HeteroData
    iris: dict[str, list[str]]
    fingerprint: str
    kg_version: int | None = None
    _index: dict[str, tuple[str, int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._index:
            self._index = {iri: (t, i) for t, lst in self.iris.items() for i, iri in enumerate(lst)}

    def index(self, iri: str) -> tuple[str, int]:
        """``(node type, row)`` of ``iri``; ``KeyError`` if the IRI is not in the graph."""
        return self._index[iri]

    def __contains__(self, iri: object) -> bool:
        return iri in self._index

    @property
    def node_types(self) -> list[str]:
        return list(self.data.node_types)

    @property
    def edge_types(self) -> list[EdgeType]:
        return list(self.data.edge_types)

    @property
    def forward_edge_types(self) -> list[EdgeType]:
        """Edge types of KG relations (without the added reverse types)."""
        return [et for et in self.data.edge_types if not et[1].startswith(REVERSE_PREFIX)]


class _TextCache:
    """Embeddings of node texts on disk, keyed by encoder name and text (safetensors + JSON)."""

    def __init__(self, directory: Path, encoder_name: str) -> None:
        self.dir = directory
        self.encoder_name = encoder_name
        safe = hashlib.sha1(encoder_name.encode()).hexdigest()[:12]
        self.tensor_path = directory / f"node_text_{safe}.safetensors"
        self.meta_path = directory / f"node_text_{safe}.json"

    def load(self) -> dict[str, Tensor]:
        if not (self.tensor_path.is_file() and self.meta_path.is_file()):
            return {}
        from safetensors.torch import load_file

        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            emb = load_file(str(self.tensor_path))["embeddings"]
            texts = meta["texts"]
            if meta.get("encoder") != self.encoder_name or len(texts) != emb.shape[0]:
                return {}
        except Exception as exc:  # a corrupt cache is recomputed, never trusted
            logger.warning("ignoring unreadable text-embedding cache %s: %s", self.tensor_path, exc)
            return {}
        return {t: emb[i] for i, t in enumerate(texts)}

    def save(self, table: dict[str, Tensor]) -> None:
        from safetensors.torch import save_file

        texts = sorted(table)
        emb = torch.stack([table[t] for t in texts]) if texts else torch.zeros(0, 1)
        with atomic_path(self.tensor_path) as tmp:
            save_file({"embeddings": emb.contiguous()}, str(tmp))
        atomic_write_json(
            self.meta_path, {"encoder": self.encoder_name, "texts": texts}, indent=None
        )


def encode_node_texts(
    texts: Iterable[str],
    *,
    text_encoder: TextEncoderLike,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> dict[str, Tensor]:
    """Embed unique ``texts``, reusing (and extending) the on-disk cache in ``cache_dir``."""
    wanted = set(texts)
    cache = _TextCache(Path(cache_dir), text_encoder.name) if cache_dir is not None else None
    table = cache.load() if cache else {}
    missing = sorted(wanted - table.keys())
    if missing:
        logger.info(
            "encoding %d node texts with %s (%d cached)",
            len(missing),
            text_encoder.name,
            len(wanted) - len(missing),
        )
        emb = text_encoder.encode(missing, progress=progress)
        if emb.shape != (len(missing), text_encoder.dim):
            raise FusionDataError(
                f"text encoder returned shape {tuple(emb.shape)}, expected "
                f"({len(missing)}, {text_encoder.dim})"
            )
        table.update({t: emb[i] for i, t in enumerate(missing)})
        if cache:
            try:
                cache.save(table)
            except Exception as exc:  # a cache: a full or read-only folder costs time only
                logger.warning("could not save the node-text cache in %s: %s", cache.dir, exc)
    return {t: table[t] for t in wanted}


def _warn_untyped(untyped: set[str], dangling: int) -> None:
    """Say that the edges to IRIs that are no node of the KG are left out, and how to fix the
    KG: such an edge is committed with a warning (``kg.ProductGraph``: a misspelt IRI) and
    parsing never expands to its IRI, so training must not fail on it either."""
    logger.warning(
        "leaving %d edge(s) to %d IRI(s) that are no node of the KG (no type, no name) out of "
        "the graph the GNN trains on, e.g. %s: a misspelt IRI? Add the nodes, or remove the "
        "edges (Transaction.remove_edge, or roll the KG back to the version before them)",
        dangling, len(untyped), ", ".join(sorted(untyped)[:3]))


def kg_to_hetero(
    graph: Any,
    *,
    text_encoder: TextEncoderLike,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> KGHetero:
    """Convert a KG (``ProductGraph`` or networkx graph) to a validated :class:`KGHetero`.

    An IRI without a kind (the far end of an edge to an IRI that is no node of the KG, which
    ``kg`` commits with a warning) is no node of the result and its edges are left out, with
    one warning that counts them; the fingerprint is still that of the whole graph, so the
    embeddings caches keyed by it match the KG as opened.

    Args:
        graph: a ``kg.ProductGraph`` or an ``nx.MultiDiGraph`` with node attrs ``kind``,
            ``label`` (``path``, ``attribute`` optional) and edge attr ``relation``.
        text_encoder: encodes node texts into the node features ``x``.
        cache_dir: folder of the text-embedding cache (``None``: no cache).
        progress: show a progress bar while encoding.

    Raises:
        FusionDataError: unknown node kinds/relations, or an invalid resulting HeteroData.
    """
    version = graph_version(graph)
    g = as_networkx(graph)
    iris: dict[str, list[str]] = defaultdict(list)
    untyped: set[str] = set()
    for iri, attrs in g.nodes(data=True):
        kind = attrs.get("kind")
        kind = getattr(kind, "value", kind)
        if kind is None:  # the far end of an edge to an IRI that is no node of the KG
            untyped.add(iri)
            continue
        if kind not in NODE_KINDS:
            raise FusionDataError(f"node {iri!r} has kind {kind!r}; expected one of {NODE_KINDS}")
        iris[kind].append(iri)
    for lst in iris.values():
        lst.sort()
    index = {iri: (t, i) for t, lst in iris.items() for i, iri in enumerate(lst)}

    edges: dict[EdgeType, set[tuple[int, int]]] = defaultdict(set)
    dangling = 0
    for u, v, d in g.edges(data=True):
        rel = d.get("relation")
        rel = getattr(rel, "value", rel)
        if rel not in RELATIONS:
            raise FusionDataError(
                f"edge {u!r} -> {v!r} has relation {rel!r}; expected one of {RELATIONS}"
            )
        if u in untyped or v in untyped:
            dangling += 1
            continue
        (st, si), (dt, di) = index[u], index[v]
        edges[(st, rel, dt)].add((si, di))
        edges[(dt, REVERSE_PREFIX + rel, st)].add((di, si))
    if untyped:
        _warn_untyped(untyped, dangling)

    texts = {t: [node_text(g.nodes[iri]) for iri in lst] for t, lst in iris.items()}
    table = encode_node_texts(
        (x for lst in texts.values() for x in lst),
        text_encoder=text_encoder,
        cache_dir=cache_dir,
        progress=progress,
    )
    data = HeteroData()
    for t in NODE_KINDS:
        if t not in iris:
            continue
        data[t].x = torch.stack([table[x] for x in texts[t]]).float()
        data[t].num_nodes = len(iris[t])
    for et in sorted(edges):
        pairs = sorted(edges[et])
        data[et].edge_index = torch.tensor(pairs, dtype=torch.long).t().contiguous()
    try:
        data.validate(raise_on_error=True)
    except ValueError as exc:
        raise FusionDataError(f"the KG does not convert to a valid HeteroData: {exc}") from exc
    return KGHetero(
        data=data,
        iris=dict(iris),
        fingerprint=graph_fingerprint(g),
        kg_version=version,
        _index=index,
    )
