"""The product knowledge graph: an RDF store (Oxigraph) with versioned transactions.

The store is the single source of truth. Data triples live in the default graph; the store's
version number lives in a meta named graph (``https://kgqp.dev/meta``), written in the same
Oxigraph transaction as the data. Every commit is a new version (0 = empty); its change set is
logged in ``KGDIR/versions/`` before the store commit (see :mod:`kg.versions`), so
:meth:`ProductGraph.rollback` can invert it and a crash at any point leaves each transaction wholly
present or wholly absent.

On-disk layout of a KG directory::

    KGDIR/store/       Oxigraph (RocksDB) database; RocksDB locks it: one writer per directory
    KGDIR/versions/    change sets and metadata per version

Derived views (:meth:`ProductGraph.to_networkx`, :attr:`ProductGraph.alias_index`) carry the
version they were built from and are rebuilt lazily when the version changes.

Blank nodes: kgqp never creates them and :meth:`ProductGraph.import_rdf` skips triples that use
them (they would make hashes and change sets unstable across stores).

Example:
    >>> from kg.schema import Node, NodeKind
    >>> with ProductGraph() as g:
    ...     with g.transaction(message="add a brand") as tx:
    ...         tx.add_node(Node(NodeKind.BRAND, "lg", "LG", aliases=("LG Electronics",)))
    ...     (g.version, g.node("https://kgqp.dev/id/brand/lg").aliases)
    (1, ('LG Electronics',))
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import pyoxigraph as ox

from kg import schema as S
from kg.errors import KGError, KGLoadError, KGLockedError, KGNotFoundError
from kg.index import AliasIndex, Candidate, Match
from kg.io import atomic_path
from kg.query import QueryResult, run_query
from kg.rdfio import parse_rdf, rdf_format
from kg.schema import Edge, LoadReport, Node, NodeKind, Relation
from kg.versions import EMPTY_DIGEST, VersionInfo, VersionLog, digest_add

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["KGStats", "NodeInfo", "ProductGraph", "Transaction"]

log = logging.getLogger(__name__)

META_GRAPH_IRI = "https://kgqp.dev/meta"
VERSION_PRED_IRI = S.KGQP + "committedVersion"

_DG = ox.DefaultGraph()
_META = ox.NamedNode(META_GRAPH_IRI)
_VERSION_PRED = ox.NamedNode(VERSION_PRED_IRI)
_TYPE = ox.NamedNode(S.RDF_TYPE)
_NAME = ox.NamedNode(S.NAME)
_ALIAS = ox.NamedNode(S.ALIAS)
_ATTRIBUTE = ox.NamedNode(S.ATTRIBUTE)
_POPULARITY = ox.NamedNode(S.POPULARITY)
_SOURCE = ox.NamedNode(S.SOURCE)
_EXTERNAL_ID = ox.NamedNode(S.EXTERNAL_ID)
_PATH = ox.NamedNode(S.PATH)
_KIND_TYPE = {k: ox.NamedNode(k.rdf_type) for k in NodeKind}
_REL_PRED = {r: ox.NamedNode(r.predicate) for r in Relation}
_SINGLE = {
    "attribute": _ATTRIBUTE,
    "popularity": _POPULARITY,
    "source": _SOURCE,
    "external_id": _EXTERNAL_ID,
    "path": _PATH,
}
_PREFIXES = {
    "schema": S.SCHEMA,
    "kgqp": S.KGQP,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
}
_PROGRESS_MIN = 10_000  # records before a progress bar is worth showing


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A node as stored in the KG (read side; loaders write :class:`kg.schema.Node`).

    ``kind`` is ``None`` for subjects without a kgqp ``rdf:type`` (e.g. imported foreign RDF).
    """

    iri: str
    kind: NodeKind | None
    label: str | None
    aliases: tuple[str, ...] = ()
    attribute: str | None = None
    popularity: float | None = None
    source: str | None = None
    external_id: str | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class KGStats:
    """Counts of a KG: nodes per kind, edges per relation, data triples, version.

    >>> KGStats({"brand": 1}, {}, 3, 1).to_dict()
    {'nodes': {'brand': 1}, 'edges': {}, 'triples': 3, 'version': 1}
    """

    nodes: dict[str, int] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": dict(self.nodes),
            "edges": dict(self.edges),
            "triples": self.triples,
            "version": self.version,
        }


def _lit(value: str | float) -> ox.Literal:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return ox.Literal(float(value))  # xsd:double in the store's canonical lexical form
    return ox.Literal(str(value))


def _iri(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as e:
        raise ValueError(f"Invalid IRI {value!r}: {e}") from None


class Transaction:
    """Changes committed all together or not at all (see :meth:`ProductGraph.transaction`).

    Reads inside the transaction (``has_node``) see its own pending changes. After a successful
    commit, :attr:`version` holds the new version (unchanged if nothing changed).

    Example:
        >>> from kg.schema import Node, NodeKind
        >>> g = ProductGraph()
        >>> with g.transaction() as tx:
        ...     tx.add_node(Node(NodeKind.BRAND, "lg", "LG"))
        ...     tx.add_alias("https://kgqp.dev/id/brand/lg", "Lucky Goldstar")
        >>> tx.version, g.node("https://kgqp.dev/id/brand/lg").aliases
        (1, ('Lucky Goldstar',))
    """

    def __init__(self, graph: ProductGraph, message: str) -> None:
        self._graph = graph
        self._store: Any = graph._store
        self.message = message
        self._add: dict[ox.Quad, None] = {}
        self._add_by_subject: dict[ox.NamedNode, list[ox.Quad]] = {}
        self._remove: set[ox.Quad] = set()
        self._store_empty = graph._data_is_empty()
        self.version: int = graph.version
        self._done = False

    # -- low level -----------------------------------------------------------------------------
    def _in_store(self, q: ox.Quad) -> bool:
        return not self._store_empty and q in self._store

    def _add_quad(self, q: ox.Quad) -> None:
        if q in self._remove:
            self._remove.discard(q)
        elif q not in self._add and not self._in_store(q):
            self._add[q] = None
            self._add_by_subject.setdefault(q.subject, []).append(q)

    def _remove_quad(self, q: ox.Quad) -> None:
        if q in self._add:
            del self._add[q]
            self._add_by_subject[q.subject].remove(q)
        elif self._in_store(q):
            self._remove.add(q)

    def _quads(self, s: Any = None, p: Any = None, o: Any = None) -> list[ox.Quad]:
        """Quads of the data graph matching the pattern, as the transaction sees them."""
        out: list[ox.Quad] = []
        if not self._store_empty:
            out = [q for q in self._store.quads_for_pattern(s, p, o, _DG) if q not in self._remove]
        pending = self._add_by_subject.get(s, ()) if s is not None else self._add
        out.extend(
            q
            for q in pending
            if (p is None or q.predicate == p)
            and (o is None or q.object == o)
            and (s is None or q.subject == s)
        )
        return out

    def _check_open(self) -> None:
        if self._done:
            raise KGError("This transaction is closed; open a new one with graph.transaction()")

    # -- nodes ---------------------------------------------------------------------------------
    def has_node(self, iri: str) -> bool:
        """Whether a node with this IRI exists (as the transaction sees it)."""
        return bool(self._quads(_iri(iri), _TYPE, None))

    def _require(self, iri: str) -> ox.NamedNode:
        s = _iri(iri)
        if not self._quads(s, _TYPE, None):
            raise KGNotFoundError(f"No node {iri!r} in the KG")
        return s

    def add_node(self, node: Node) -> None:
        """Add a node; if it exists, add its new aliases (a different label becomes an alias),
        keep the existing label and fill properties it lacks."""
        self._check_open()
        if not isinstance(node, Node):
            raise TypeError(f"add_node() takes a kg.schema.Node, got {type(node).__name__}")
        s = _iri(node.iri)
        existing = (
            self._quads(s, _NAME, None)
            if not self._store_empty or s in self._add_by_subject
            else []
        )
        names = [node.label, *node.aliases]
        if existing:
            label = existing[0].object.value
            for name in names:
                if name != label and name.strip():
                    self._add_quad(ox.Quad(s, _ALIAS, ox.Literal(name), _DG))
            for attr, pred in _SINGLE.items():
                value = getattr(node, attr)
                if value is not None and not self._quads(s, pred, None):
                    self._add_quad(ox.Quad(s, pred, _lit(value), _DG))
            self._add_quad(ox.Quad(s, _TYPE, _KIND_TYPE[node.kind], _DG))
            return
        self._add_quad(ox.Quad(s, _TYPE, _KIND_TYPE[node.kind], _DG))
        self._add_quad(ox.Quad(s, _NAME, ox.Literal(node.label), _DG))
        for alias in node.aliases:
            if alias != node.label and alias.strip():
                self._add_quad(ox.Quad(s, _ALIAS, ox.Literal(alias), _DG))
        for attr, pred in _SINGLE.items():
            value = getattr(node, attr)
            if value is not None:
                self._add_quad(ox.Quad(s, pred, _lit(value), _DG))

    def add_nodes(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            self.add_node(node)

    def add_alias(self, iri: str, alias: str) -> None:
        """Add an alias to an existing node (``KGNotFoundError`` if there is none)."""
        self._check_open()
        if not alias or not alias.strip():
            raise ValueError("An alias must be a non-empty string")
        s = self._require(iri)
        self._add_quad(ox.Quad(s, _ALIAS, ox.Literal(alias), _DG))

    def remove_alias(self, iri: str, alias: str) -> bool:
        """Remove an alias; returns whether it existed."""
        self._check_open()
        s = self._require(iri)
        q = ox.Quad(s, _ALIAS, ox.Literal(alias), _DG)
        present = bool(self._quads(s, _ALIAS, q.object))
        self._remove_quad(q)
        return present

    def update_node(
        self,
        iri: str,
        *,
        label: str | None = None,
        popularity: float | None = None,
        attribute: str | None = None,
        source: str | None = None,
        external_id: str | None = None,
        path: str | None = None,
    ) -> None:
        """Replace the given properties of an existing node (``None`` = leave unchanged)."""
        self._check_open()
        s = self._require(iri)
        if label is not None and not label.strip():
            raise ValueError("A label must be a non-empty string")
        changes = {
            "label": label,
            "popularity": popularity,
            "attribute": attribute,
            "source": source,
            "external_id": external_id,
            "path": path,
        }
        preds = {"label": _NAME, **_SINGLE}
        for attr, value in changes.items():
            if value is None:
                continue
            pred = preds[attr]
            for q in self._quads(s, pred, None):
                self._remove_quad(q)
            self._add_quad(ox.Quad(s, pred, _lit(value), _DG))

    def remove_node(self, iri: str) -> None:
        """Remove a node with all its properties and all edges from or to it."""
        self._check_open()
        s = self._require(iri)
        for q in self._quads(s, None, None) + self._quads(None, None, s):
            self._remove_quad(q)

    # -- edges ---------------------------------------------------------------------------------
    def add_edge(self, edge: Edge) -> None:
        """Add an edge (endpoints are not checked: loaders may add edges before nodes)."""
        self._check_open()
        if not isinstance(edge, Edge):
            raise TypeError(f"add_edge() takes a kg.schema.Edge, got {type(edge).__name__}")
        self._add_quad(ox.Quad(_iri(edge.source), _REL_PRED[edge.relation], _iri(edge.target), _DG))

    def add_edges(self, edges: Iterable[Edge]) -> None:
        for edge in edges:
            self.add_edge(edge)

    def remove_edge(self, edge: Edge) -> bool:
        """Remove an edge; returns whether it existed."""
        self._check_open()
        q = ox.Quad(_iri(edge.source), _REL_PRED[edge.relation], _iri(edge.target), _DG)
        present = bool(self._quads(q.subject, q.predicate, q.object))
        self._remove_quad(q)
        return present

    # -- raw quads (import, rollback) ----------------------------------------------------------
    def add_triples(self, quads: Iterable[ox.Quad]) -> None:
        """Add raw triples to the data graph (their graph name is ignored)."""
        self._check_open()
        for q in quads:
            self._add_quad(ox.Quad(q.subject, q.predicate, q.object, _DG))

    @property
    def pending(self) -> tuple[int, int]:
        """(quads to add, quads to remove) so far."""
        return len(self._add), len(self._remove)


class ProductGraph:
    """The product KG: an Oxigraph store with versioned transactions and derived views.

    Use :meth:`open` for a KG directory on disk, ``ProductGraph()`` / :meth:`in_memory` for tests.

    Example:
        >>> from kg.schema import Node, NodeKind, Edge, Relation
        >>> g = ProductGraph.in_memory()
        >>> tv = Node(NodeKind.CATEGORY, "tv", "TVs", aliases=("tv", "television"))
        >>> lg = Node(NodeKind.BRAND, "lg", "LG")
        >>> edge = Edge(lg.iri, Relation.SELLS_IN, tv.iri)
        >>> report = g.add_records([tv, lg, edge], progress=False)
        >>> g.stats().to_dict()["nodes"], g.version
        ({'category': 1, 'brand': 1}, 1)
        >>> [(m.text, m.candidates[0].label) for m in g.match("LG television")]
        [('LG', 'LG'), ('television', 'TVs')]
        >>> g.close()
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False
    ) -> None:
        self.path: Path | None = Path(path) if path is not None else None
        self.read_only = read_only
        self._closed = True
        self._version = 0
        self._lock = threading.RLock()
        self._tx_owner: int | None = None
        self._nx: tuple[int, nx.MultiDiGraph] | None = None
        self._index: AliasIndex | None = None
        self._linker: Any = None
        self._store: ox.Store = self._open_store()
        self._log = VersionLog(self.path / "versions" if self.path is not None else None)
        self._version = self._read_store_version()
        if not read_only:
            self._log.discard_after(self._version)
        self._digest = self._load_digest()
        self._closed = False

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, read_only: bool = False) -> ProductGraph:
        """Open (creating it if missing, unless ``read_only``) the KG directory ``path``.

        Raises :class:`~kg.errors.KGLockedError` if another writer holds it.
        """
        return cls(path, read_only=read_only)

    @classmethod
    def in_memory(cls) -> ProductGraph:
        """A KG in memory (versions kept in memory too); for tests and notebooks."""
        return cls(None)

    def _open_store(self) -> ox.Store:
        if self.path is None:
            if self.read_only:
                raise ValueError("read_only=True needs a KG directory path")
            return ox.Store()
        if self.path.exists() and not self.path.is_dir():
            raise KGError(f"{self.path} is a file, not a KG directory")
        store_dir = self.path / "store"
        if self.read_only:
            if not store_dir.is_dir():
                raise KGNotFoundError(f"No KG at {self.path} (missing {store_dir})")
            try:
                return ox.Store.read_only(str(store_dir))
            except OSError as e:
                raise KGError(f"Cannot open the KG at {self.path} read-only: {e}") from None
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            return ox.Store(str(store_dir))
        except OSError as e:
            if "lock" in str(e).lower():
                raise KGLockedError(
                    f"The KG at {self.path} is locked: another process (or another ProductGraph in "
                    f"this one) has it open for writing. Close that one first, or open it with "
                    f"ProductGraph.open(path, read_only=True) to read."
                ) from None
            raise KGError(f"Cannot open the KG at {self.path}: {e}") from None

    def _read_store_version(self) -> int:
        best = 0
        for q in self._store.quads_for_pattern(None, _VERSION_PRED, None, _META):
            try:
                best = max(best, int(q.object.value))
            except ValueError:
                continue
        return best

    def _load_digest(self) -> str:
        if self._version == 0:
            return EMPTY_DIGEST
        try:
            return self._log.info(self._version).digest
        except KGError:
            log.warning("No version log for version %d; recomputing the digest", self._version)
            return digest_add(
                EMPTY_DIGEST, self._store.quads_for_pattern(None, None, None, _DG), ()
            )

    def close(self) -> None:
        """Release the store (and its directory lock)."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        self._nx = None
        self._index = None
        del self._store

    def __enter__(self) -> ProductGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return f"ProductGraph({where!r}, version={self._version})"

    def _get_store(self) -> ox.Store:
        self._check()
        return self._store

    def _check(self) -> None:
        if self._closed:
            raise KGError("This ProductGraph is closed")

    # -- versions ------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """The current version (number of the last commit; 0 = empty)."""
        return self._version

    def versions(self) -> list[VersionInfo]:
        """All versions, oldest first (version 0 = empty)."""
        self._check()
        return self._log.versions(self._version)

    def transaction(self, message: str = "") -> _TransactionContext:
        """Open a write transaction: ``with graph.transaction("msg") as tx: tx.add_node(...)``.

        On normal exit the changes commit as one new version; on an exception nothing is
        committed and the exception propagates. Transactions are serialised per graph; nesting is
        an error.
        """
        self._check()
        if self.read_only:
            raise KGError(
                f"The KG at {self.path} is open read-only; open it without read_only to change it"
            )
        return _TransactionContext(self, message)

    def _commit(self, tx: Transaction) -> int:
        added = list(tx._add)
        removed = list(tx._remove)
        if not added and not removed:
            return self._version
        new_version = self._version + 1
        digest = digest_add(self._digest, added, removed)
        info = VersionInfo(
            version=new_version,
            timestamp=datetime.now(UTC).isoformat(),
            message=tx.message,
            added=len(added),
            removed=len(removed),
            digest=digest,
        )
        self._log.write(info, added, removed)
        meta = ox.Quad(
            ox.NamedNode(f"{META_GRAPH_IRI}/version/{new_version}"),
            _VERSION_PRED,
            ox.Literal(new_version),
            _META,
        )
        try:
            if removed:
                self._store.update(_update_string(added, removed, meta))
            else:
                self._store.extend([*added, meta])
        except BaseException:
            # the store rejected the commit (or we were interrupted): drop its log
            if self._read_store_version() < new_version:
                self._log.discard(new_version)
            raise
        self._version = new_version
        self._digest = digest
        log.info(
            "KG version %d committed (+%d -%d) %s",
            new_version,
            len(added),
            len(removed),
            tx.message,
        )
        return new_version

    def rollback(self, version: int, *, message: str | None = None) -> int:
        """Return the KG to ``version`` with a new commit that applies inverse change sets.

        Returns the new version number (the current one if nothing changed).
        """
        self._check()
        if not isinstance(version, int) or version < 0 or version > self._version:
            raise KGNotFoundError(
                f"Cannot roll back to version {version!r}: versions are 0..{self._version}"
            )
        target = self._log.info(version)
        with self.transaction(message or f"rollback to version {version}") as tx:
            for v in range(self._version, version, -1):
                added, removed = self._log.changes(v)
                for q in added:
                    tx._remove_quad(q)
                for q in removed:
                    tx._add_quad(q)
            expected = digest_add(self._digest, list(tx._add), list(tx._remove))
            if expected != target.digest:
                raise KGError(
                    f"Rollback to version {version} would not reproduce it (digest "
                    "mismatch): the version logs do not match the store; nothing changed"
                )
        return tx.version

    # -- writes --------------------------------------------------------------------------------
    def add_records(
        self,
        records: Iterable[Node | Edge],
        *,
        report: LoadReport | None = None,
        progress: bool = True,
        message: str = "",
    ) -> LoadReport:
        """Add loader records (nodes and edges) in one transaction; returns the load report.

        Existing nodes merge (new aliases added, label kept). All or nothing: on any error no
        record is committed.
        """
        report = report if report is not None else LoadReport(source=message or "records")
        bar = None
        if progress:
            from tqdm.auto import tqdm

            total = len(records) if isinstance(records, list | tuple) else None
            if total is None or total >= _PROGRESS_MIN:
                bar = tqdm(
                    total=total,
                    unit=" rec",
                    desc="Loading KG",
                    mininterval=0.5,
                    leave=False,
                    disable=None,
                )
        with self.transaction(message or f"add records from {report.source}") as tx:
            for i, rec in enumerate(records):
                if isinstance(rec, Node):
                    tx.add_node(rec)
                    report.count_node(rec)
                elif isinstance(rec, Edge):
                    tx.add_edge(rec)
                    report.count_edge(rec)
                else:
                    raise TypeError(f"Record {i} is a {type(rec).__name__}, not a Node or Edge")
                if bar is not None and i % 1000 == 999:
                    bar.update(1000)
        if bar is not None:
            bar.close()
        return report

    def import_rdf(
        self, path: str | os.PathLike[str], *, format: str | None = None, message: str = ""
    ) -> LoadReport:
        """Import an RDF file (Turtle, N-Triples, N-Quads, JSON-LD, RDF/XML; format from the
        suffix unless given) into the data graph, in one transaction.

        Named graphs are merged into the data graph; triples with blank nodes are skipped (and
        reported). RDF/XML with entity tricks and JSON-LD with remote contexts are refused.
        """
        self._check()
        path = Path(path)
        fmt = rdf_format(path, format)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise KGLoadError(f"Cannot read {path}: {e}") from None
        parsed = parse_rdf(data, fmt, str(path))
        # canonicalise literals ("1.0"^^xsd:double -> "1") and drop duplicates the way the store
        # does, so change sets and hashes see exactly what is stored
        scratch = ox.Store()
        scratch.extend(
            ox.Quad(q.subject, q.predicate, q.object, _DG)
            for q in parsed
            if not isinstance(q.subject, ox.Triple) and not isinstance(q.object, ox.Triple)
        )
        quads = list(scratch)
        del scratch
        report = LoadReport(source=str(path))
        keep = []
        for q in quads:
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
                report.skip("blank node", str(q.triple))
                continue
            keep.append(q)
            if q.predicate == _TYPE:
                kind = NodeKind.from_rdf_type(q.object.value)
                if kind is not None:
                    report.nodes[kind.value] = report.nodes.get(kind.value, 0) + 1
            else:
                rel = Relation.from_predicate(q.predicate.value)
                if rel is not None:
                    report.edges[rel.value] = report.edges.get(rel.value, 0) + 1
        with self.transaction(message or f"import {path.name}") as tx:
            tx.add_triples(keep)
        return report

    # -- reads ---------------------------------------------------------------------------------
    def _data_is_empty(self) -> bool:
        for _ in self._store.quads_for_pattern(None, None, None, _DG):
            return False
        return True

    @property
    def triple_count(self) -> int:
        """Number of triples in the data graph."""
        self._check()
        meta = sum(1 for _ in self._store.quads_for_pattern(None, None, None, _META))
        return len(self._store) - meta

    def __len__(self) -> int:
        """Number of data triples (as in rdflib)."""
        return self.triple_count

    def node(self, iri: str) -> NodeInfo | None:
        """The node with this IRI, or ``None``."""
        self._check()
        try:
            s = ox.NamedNode(iri)
        except ValueError:
            return None
        kind = None
        label = None
        aliases: list[str] = []
        props: dict[str, Any] = {}
        found = False
        by_pred = {p.value: a for a, p in _SINGLE.items()}
        for q in self._store.quads_for_pattern(s, None, None, _DG):
            found = True
            p = q.predicate.value
            if p == S.RDF_TYPE:
                kind = kind or NodeKind.from_rdf_type(q.object.value)
            elif p == S.NAME:
                label = label or q.object.value
            elif p == S.ALIAS:
                aliases.append(q.object.value)
            elif p in by_pred:
                attr = by_pred[p]
                if attr == "popularity":
                    try:
                        props[attr] = float(q.object.value)
                    except ValueError:
                        continue
                else:
                    props[attr] = q.object.value
        if not found:
            return None
        return NodeInfo(iri=iri, kind=kind, label=label, aliases=tuple(sorted(aliases)), **props)

    def nodes(self, kind: NodeKind | str | None = None) -> Iterator[NodeInfo]:
        """Iterate over nodes, optionally of one kind."""
        self._check()
        kinds = (
            list(NodeKind)
            if kind is None
            else [kind if isinstance(kind, NodeKind) else NodeKind.parse(kind)]
        )
        for k in kinds:
            for q in self._store.quads_for_pattern(None, _TYPE, _KIND_TYPE[k], _DG):
                info = self.node(q.subject.value)
                if info is not None:
                    yield info

    def neighbors(
        self,
        iri: str,
        relation: Relation | str | None = None,
        direction: Literal["out", "in", "both"] = "out",
    ) -> list[Edge]:
        """Edges from (``"out"``), to (``"in"``) or both ways of a node, as Edge records."""
        self._check()
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be 'out', 'in' or 'both', not {direction!r}")
        rel = relation if relation is None or isinstance(relation, Relation) else Relation(relation)
        pred = _REL_PRED[rel] if rel is not None else None
        s = _iri(iri)
        quads: list[ox.Quad] = []
        if direction in ("out", "both"):
            quads += self._store.quads_for_pattern(s, pred, None, _DG)
        if direction in ("in", "both"):
            quads += self._store.quads_for_pattern(None, pred, s, _DG)
        edges = []
        for q in quads:
            r = Relation.from_predicate(q.predicate.value)
            if r is not None and isinstance(q.object, ox.NamedNode):
                edges.append(Edge(q.subject.value, r, q.object.value))
        return edges

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        """Run a read-only SPARQL query; user values go in ``bindings`` only (see :mod:`kg.query`).

        >>> g = ProductGraph()
        >>> g.query("ASK { ?s ?p ?o }").boolean
        False
        """
        self._check()
        return run_query(self._get_store, sparql, bindings)

    def stats(self) -> KGStats:
        """Counts of nodes per kind, edges per relation, data triples and the version."""
        self._check()
        nodes: dict[str, int] = {}
        for k in NodeKind:
            n = sum(1 for _ in self._store.quads_for_pattern(None, _TYPE, _KIND_TYPE[k], _DG))
            if n:
                nodes[k.value] = n
        edges: dict[str, int] = {}
        for r in Relation:
            n = sum(1 for _ in self._store.quads_for_pattern(None, _REL_PRED[r], None, _DG))
            if n:
                edges[r.value] = n
        return KGStats(nodes=nodes, edges=edges, triples=self.triple_count, version=self._version)

    def export(self, target: str | os.PathLike[str] | IO[bytes], *, format: str = "turtle") -> None:
        """Write the data graph to a file (atomically) or binary stream.

        ``format``: ``"turtle"``, ``"ntriples"`` or ``"nquads"``.
        """
        self._check()
        fmt = _EXPORT_FORMATS.get(format.lower())
        if fmt is None:
            raise ValueError(f"Unknown export format {format!r}; choose turtle, ntriples or nquads")
        prefixes = _PREFIXES if fmt == ox.RdfFormat.TURTLE else None
        if isinstance(target, str | os.PathLike):
            with atomic_path(target) as tmp, open(tmp, "wb") as fh:
                self._store.dump(fh, fmt, from_graph=_DG, prefixes=prefixes)
        else:
            self._store.dump(target, fmt, from_graph=_DG, prefixes=prefixes)

    def canonical_hash(self) -> str:
        """SHA-256 (hex) of the sorted N-Triples lines of the data graph (meta graph excluded).

        Stable across stores for graphs without blank nodes (kgqp creates none).
        """
        self._check()
        buf = io.BytesIO()
        self._store.dump(buf, ox.RdfFormat.N_TRIPLES, from_graph=_DG)
        lines = sorted(line for line in buf.getvalue().split(b"\n") if line.strip())
        h = hashlib.sha256()
        for line in lines:
            h.update(line)
            h.update(b"\n")
        return h.hexdigest()

    # -- derived views -------------------------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """The KG as a networkx ``MultiDiGraph`` (node id = IRI; attrs ``kind``, ``label``,
        ``aliases``, ``attribute``, ``popularity``, ``path``; edge attr ``relation``).

        Cached per version (``G.graph["kg_version"]``); treat it as read-only (``.copy()`` it to
        modify).
        """
        self._check()
        cached = self._nx
        if cached is not None and cached[0] == self._version:
            return cached[1]
        import networkx as nx

        version = self._version
        g = nx.MultiDiGraph(kg_version=version)
        for info in self._node_table().values():
            g.add_node(
                info.iri,
                kind=info.kind.value if info.kind else None,
                label=info.label,
                aliases=list(info.aliases),
                attribute=info.attribute,
                popularity=info.popularity,
                path=info.path,
            )
        for r in Relation:
            for q in self._store.quads_for_pattern(None, _REL_PRED[r], None, _DG):
                if isinstance(q.object, ox.NamedNode):
                    g.add_edge(q.subject.value, q.object.value, key=r.value, relation=r.value)
        self._nx = (version, g)
        return g

    def _node_table(self) -> dict[str, NodeInfo]:
        """All typed nodes with their properties, read with one scan per predicate."""
        kinds: dict[str, NodeKind] = {}
        for k in NodeKind:
            for q in self._store.quads_for_pattern(None, _TYPE, _KIND_TYPE[k], _DG):
                kinds.setdefault(q.subject.value, k)
        props: dict[str, dict[str, Any]] = {iri: {} for iri in kinds}
        for attr, pred in (("label", _NAME), *_SINGLE.items()):
            for q in self._store.quads_for_pattern(None, pred, None, _DG):
                d = props.get(q.subject.value)
                if d is not None and attr not in d:
                    value: Any = q.object.value
                    if attr == "popularity":
                        try:
                            value = float(value)
                        except ValueError:
                            continue
                    d[attr] = value
        aliases: dict[str, list[str]] = {}
        for q in self._store.quads_for_pattern(None, _ALIAS, None, _DG):
            if q.subject.value in kinds:
                aliases.setdefault(q.subject.value, []).append(q.object.value)
        return {
            iri: NodeInfo(
                iri=iri,
                kind=k,
                aliases=tuple(sorted(aliases.get(iri, ()))),
                **{"label": None, **props[iri]},
            )
            for iri, k in kinds.items()
        }

    @property
    def alias_index(self) -> AliasIndex:
        """The alias index of the current version (built lazily, once per version)."""
        self._check()
        index = self._index
        if index is not None and index.version == self._version:
            return index
        version = self._version
        entries: list[Candidate] = []
        for info in self._node_table().values():
            names = ([info.label] if info.label else []) + list(info.aliases)
            for name in names:
                entries.append(
                    Candidate(
                        info.iri,
                        info.kind,
                        info.label or name,
                        info.attribute,
                        info.popularity,
                        name,
                    )
                )
        index = AliasIndex(entries, version=version)
        self._index = index
        return index

    def match(self, text: str) -> list[Match]:
        """Every KG name/alias inside ``text`` (see :class:`kg.index.AliasIndex`)."""
        return self.alias_index.match(text)

    def link(self, mention: str, label: str | None = None, context: str | None = None) -> Any:
        """Rank KG nodes for ``mention`` (a span tagged ``label``) in the query ``context``.

        Returns a :class:`kg.link.LinkResult` (candidates with scores, and the NIL decision);
        see :class:`kg.link.EntityLinker` for the candidates and the scoring.
        """
        self._check()
        if self._linker is None:
            from kg.link import EntityLinker

            self._linker = EntityLinker(self)
        return self._linker.link(mention, label=label, context=context)


class _TransactionContext:
    def __init__(self, graph: ProductGraph, message: str) -> None:
        self._graph = graph
        self._message = message
        self._tx: Transaction | None = None

    def __enter__(self) -> Transaction:
        g = self._graph
        if g._tx_owner == threading.get_ident():
            raise KGError(
                "A transaction is already open on this graph in this thread; "
                "nested transactions are not supported"
            )
        g._lock.acquire()
        g._tx_owner = threading.get_ident()
        try:
            self._tx = Transaction(g, self._message)
        except BaseException:
            g._tx_owner = None
            g._lock.release()
            raise
        return self._tx

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        g = self._graph
        tx = self._tx
        assert tx is not None
        try:
            if exc_type is None:
                tx.version = g._commit(tx)
            elif exc is not None:
                log.debug("Transaction rolled back: %s", exc)
        finally:
            tx._done = True
            tx._store = None  # a finished transaction must not keep the store (and its lock) alive
            tx._add_by_subject.clear()
            tx._add.clear()
            tx._remove.clear()
            g._tx_owner = None
            g._lock.release()


def _update_string(added: list[ox.Quad], removed: list[ox.Quad], meta: ox.Quad) -> str:
    parts = []
    if removed:
        parts.append("DELETE DATA {\n" + "\n".join(f"{q.triple} ." for q in removed) + "\n}")
    ins = "\n".join(f"{q.triple} ." for q in added)
    parts.append(f"INSERT DATA {{\n{ins}\nGRAPH <{META_GRAPH_IRI}> {{ {meta.triple} . }}\n}}")
    return " ;\n".join(parts)
