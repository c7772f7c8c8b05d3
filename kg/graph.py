"""The product knowledge graph: an RDF store (Oxigraph) with versioned transactions.

The store is the single source of truth. Data triples live in the default graph; the store's
version number lives in a meta named graph (``https://kgqp.dev/meta``), written in the same
Oxigraph transaction as the data. Every commit is a new version (0 = empty); its change set is
logged in ``KGDIR/versions/`` before the store commit (see :mod:`kg.versions`), so
:meth:`ProductGraph.rollback` can invert it and a crash at any point leaves each transaction wholly
present or wholly absent.

On-disk layout of a KG directory::

    KGDIR/store/       Oxigraph (RocksDB) database; RocksDB locks it: one writer per directory
    KGDIR/versions/    change sets and metadata per version (:meth:`ProductGraph.prune_versions`
                       deletes old change sets, keeping their metadata and a snapshot)

Derived views (:meth:`ProductGraph.view`; :attr:`ProductGraph.alias_index` and
:meth:`ProductGraph.to_networkx` are two of them) carry the version they were built from. The first
use builds a view; each commit rebuilds the registered views in the committing thread and swaps
them in whole, so readers never build one on their path. A :meth:`ProductGraph.pinned` block (a
parse) reads the views of one version throughout (a :class:`KGSnapshot`).

Stores (:mod:`kg.store`): the embedded Oxigraph store above (a folder, or memory) and a SPARQL 1.1
server (``ProductGraph.open("sparql+http://host:port/")``, :mod:`kg.sparql`: versions and change
sets in named graphs of the server, one guarded SPARQL Update per commit) behind the same API.

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

import contextlib
import hashlib
import io
import logging
import operator
import os
import re
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TypeVar

import pyoxigraph as ox

from kg import schema as S
from kg.bulk import StagedImport, load_new_store, release_memory, stage_rdf
from kg.errors import (
    KGCorruptError,
    KGError,
    KGLoadError,
    KGLockedError,
    KGNotFoundError,
    KGWriteError,
)
from kg.index import AliasIndex, Candidate, Match, normalize_key
from kg.io import atomic_path, fsync_dir, remove_path, replace_dir
from kg.link import QueryContext, Vocabulary
from kg.query import QueryResult, run_query
from kg.rdfio import rdf_format, too_long_literal
from kg.schema import Edge, LoadReport, Node, NodeKind, Relation
from kg.store import Backend, location, redact_url
from kg.versions import EMPTY_DIGEST, VersionInfo, VersionLog, digest_add, digest_combine
from kg.views import (
    INCREMENTAL_MAX_QUADS,
    ChangeSet,
    ViewUpdate,
    logged_changes,
    networkx_attrs,
    release,
    update_networkx,
    update_node_table,
)

if TYPE_CHECKING:
    import networkx as nx

    from kg.link import LinkResult

__all__ = ["CommitWarnings", "KGSnapshot", "KGStats", "NodeInfo", "ProductGraph", "Transaction"]

log = logging.getLogger(__name__)

#: RDF imports of more triples than this are not checked for edges to nodes the KG lacks
#: (:class:`CommitWarnings`): on a 1M-triple load the check took longer than the load itself
IMPORT_CHECK_MAX_TRIPLES = 50_000
#: a transaction adding more brand or attribute-value names than this is not checked for names
#: other nodes of their kind have: on a 60,000-brand gazetteer load the check took a third of it
DUPLICATE_CHECK_MAX_NAMES = 10_000
T = TypeVar("T")

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
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
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
#: a read-only handle's refresh is tried again for this long (seconds) when the new store's
#: files vanish under it (a writer compacting), then again this long after (ProductGraph.refresh)
REFRESH_RETRY_S = 1.0
REFRESH_RETRY_AFTER_S = 1.0
#: RDF files up to this size are staged in memory by :meth:`ProductGraph.import_rdf` (about 3x
#: faster than on disk; ~0.5 GB per million triples); larger ones in a staging store on disk.
MEMORY_STAGING_MAX_BYTES = 160 << 20


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


@dataclass(frozen=True, slots=True)
class CommitWarnings:
    """What a commit added that is probably a mistake, committed all the same (and logged as
    a warning): see :attr:`ProductGraph.last_commit_warnings` and :attr:`Transaction.warnings`.

    ``dangling_edges``: the edges the commit added whose source or target is no node of the KG
    (no ``rdf:type`` and no ``schema:name``: a misspelt IRI, or a node nobody added), with up to
    three such endpoints in ``dangling_examples``. ``duplicate_names``: ``(name, iri, other)``
    for up to three names (labels or aliases) the commit gave a brand or an attribute value
    that are, once normalised as the alias index does (:func:`kg.index.normalize_key`), already
    the name of ``other``, another node of the same kind (and attribute); ``duplicates``
    counts them all. ``unreadable``: the triples the commit added that the KG's views cannot
    read (stored, but no parse, ``neighbors`` or graph view sees them, and ``kgqp kg stats``
    counts no edge for them): a relation's triple whose object is a literal where a node's
    IRI belongs (``<p> schema:brand "Samsung"``), a ``kgqp:popularity`` that is not a
    finite number >= 0 (``"high"``, ``"-3"``, ``"NaN"^^xsd:double``, ``"INF"^^xsd:double``:
    the views read such a node as one without popularity); up to three of them, as
    N-Triples, in ``unreadable_examples``. An RDF import of more than
    :data:`IMPORT_CHECK_MAX_TRIPLES` triples is checked for neither dangling edges nor
    unreadable triples.

    >>> CommitWarnings(3, 1, ("https://kgqp.dev/id/brand/samsnug",)).lines()
    ['edges to nodes the KG does not have: 1 (e.g. https://kgqp.dev/id/brand/samsnug)']
    """

    version: int
    dangling_edges: int = 0
    dangling_examples: tuple[str, ...] = ()
    duplicates: int = 0
    duplicate_names: tuple[tuple[str, str, str], ...] = ()
    unreadable: int = 0
    unreadable_examples: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.dangling_edges or self.duplicates or self.unreadable)

    def lines(self) -> list[str]:
        """One line per kind of warning, for a load report."""
        out = []
        if self.dangling_edges:
            out.append(f"edges to nodes the KG does not have: {self.dangling_edges} (e.g. "
                       f"{', '.join(self.dangling_examples)})")
        if self.duplicates:
            name, iri, other = self.duplicate_names[0]
            out.append(f"names another node of the same kind has: {self.duplicates} (e.g. "
                       f"{name!r}: {iri} and {other})")
        if self.unreadable:
            out.append(f"triples the KG cannot read (a literal where a node's IRI belongs, a "
                       f"popularity that is no finite number >= 0): {self.unreadable} (e.g. "
                       f"{'; '.join(self.unreadable_examples)})")
        return out


def _unreadable(q: Any) -> bool:
    """Whether the triple ``q`` is one the KG's views cannot read (:class:`CommitWarnings`):
    an edge predicate with a literal object, a popularity that is not a finite number >= 0."""
    if q.predicate == _POPULARITY:
        if not isinstance(q.object, ox.Literal):
            return True
        try:
            S.check_popularity(float(q.object.value))
        except (TypeError, ValueError):
            return True
        return False
    return q.predicate in _EDGE_PREDS and not isinstance(q.object, ox.NamedNode)


def _ntriple(q: Any) -> str:
    """``q`` as an N-Triples line (cut short), for a warning."""
    text = f"{q.subject} {q.predicate} {q.object} ."
    return text if len(text) <= 300 else text[:297] + "..."


#: the predicates of :class:`kg.schema.Relation` (edges between nodes)
_EDGE_PREDS = frozenset(_REL_PRED.values())
#: what the checks at a commit read of the triples it adds, by predicate
_CHECKED_PREDS = {**dict.fromkeys(_EDGE_PREDS, "edge"), _NAME: "name", _ALIAS: "name",
                  _TYPE: "type", _POPULARITY: "popularity"}
#: kinds whose nodes should not share a name: the key of a brand is the slug of its name, so two
#: brands of one name are a duplicate (a wrong key, an alias copied from another brand); an
#: attribute value's key is its attribute and name. Categories (the same name under several
#: parents, in several taxonomies), products (catalogues repeat titles) and product types (a
#: plural alias naming the singular type) share names by design.
_UNIQUE_NAME_KINDS = {_KIND_TYPE[NodeKind.BRAND]: NodeKind.BRAND,
                      _KIND_TYPE[NodeKind.ATTRIBUTE_VALUE]: NodeKind.ATTRIBUTE_VALUE}
#: names per SPARQL query when a commit's names are compared with the store's
_NAME_QUERY_CHUNK = 500


def _lit(value: str | float) -> ox.Literal:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return ox.Literal(float(value))  # xsd:double in the store's canonical lexical form
    return ox.Literal(str(value))


def _version_number(value: Any, what: str) -> int:
    """``value`` as a version number: an int (or an integer type such as numpy's), never a
    bool (``True`` is no version 1): ``TypeError`` otherwise."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(
        f"{what} takes a version number (int), got {type(value).__name__} {value!r}"[:300]
    )


def _holds(store: Any, s: ox.NamedNode, preds: tuple[ox.NamedNode, ...],
           removed: Collection[ox.Quad] = ()) -> bool:
    """Whether ``store`` has a value of one of ``preds`` on ``s`` (not among ``removed``)."""
    return any(q not in removed for p in preds for q in store.quads_for_pattern(s, p, None, _DG))


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
        #: the edges add_edge() added: their ends' kinds are checked at the commit
        #: (:meth:`_check_kinds`), once the nodes a loader adds after its edges are there
        self._edges: list[tuple[ox.Quad, Relation]] = []
        self._store_empty = graph._data_is_empty()
        self.version: int = graph._version  # (the store's, not a pinned block's)
        #: after the commit: what it added that is probably a mistake (see CommitWarnings)
        self.warnings: CommitWarnings | None = None
        self._changes: ChangeSet | None = None  # after the commit: its change set
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
        self._check_property_kinds(node.iri, (node.kind,),
                                   {"path": node.path, "attribute": node.attribute})
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

    def _node_kinds(self, s: ox.NamedNode) -> set[NodeKind]:
        """The kgqp kinds of ``s`` (its ``rdf:type``), as the transaction sees them."""
        return {k for q in self._quads(s, _TYPE, None)
                if isinstance(q.object, ox.NamedNode)
                and (k := NodeKind.from_rdf_type(q.object.value)) is not None}

    def _check_property_kinds(self, iri: str, kinds: Collection[NodeKind],
                              values: Mapping[str, Any]) -> None:
        """ValueError if ``values`` sets a property that nodes of ``kinds`` do not hold
        (:data:`kg.schema.PROPERTY_KINDS`: ``path`` on a brand)."""
        for prop, value in values.items():
            owner = S.PROPERTY_KINDS.get(prop)
            if value is not None and owner is not None and kinds and owner not in kinds:
                found = ", ".join(sorted(k.value for k in kinds))
                raise ValueError(f"{prop} is a property of {owner.value} nodes; {iri} is a "
                                 f"{found} node: refused (nothing committed)")

    def _prefetch_ends(self, ends: Collection[Any]) -> None:
        """On a KG server, read the stored triples of the edges' ends this transaction does
        not hold itself in one request per 500 (the store caches them: the commit's checks
        then read no end twice); nothing on the embedded store."""
        prefetch = getattr(self._store, "prefetch_subjects", None)
        if prefetch is not None and not self._store_empty:
            prefetch([x for x in ends if x not in self._add_by_subject])

    def _check_kinds(self) -> None:
        """Refuse (``ValueError``) the commit of an edge :meth:`add_edge` added whose source
        or target is a node of a kind its relation does not link (``parent`` from a brand):
        the first such edge, its relation, the kinds found and the kinds allowed. An end that
        is no node of a kgqp kind (no type: a warning at the commit) is not checked here."""
        edges = [(q, rel) for q, rel in self._edges if q in self._add]
        if not edges:
            return
        ends = {x for q, _rel in edges for x in (q.subject, q.object)}
        self._prefetch_ends(ends)
        kinds: dict[Any, set[NodeKind]] = {}
        for q, rel in edges:
            allowed = rel.kinds
            assert allowed is not None
            for end, ok, side in ((q.subject, allowed[0], "from"), (q.object, allowed[1], "to")):
                found = kinds.get(end)
                if found is None:
                    found = kinds[end] = self._node_kinds(end)
                if found and not found & set(ok):
                    names = " or ".join(k.value for k in sorted(found))
                    raise ValueError(
                        f"a {rel.value} edge goes from {' or '.join(k.value for k in allowed[0])} "
                        f"to {' or '.join(k.value for k in allowed[1])} nodes; the edge "
                        f"{q.subject.value} -{rel.value}-> {q.object.value} goes {side} a "
                        f"{names} node ({end.value}): refused, nothing committed")

    def add_nodes(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            self.add_node(node)

    def add_alias(self, iri: str, alias: str) -> None:
        """Add an alias to an existing node (``KGNotFoundError`` if there is none)."""
        self._check_open()
        S.check_text(alias, "alias", name=True)
        if not alias.strip():
            raise ValueError("An alias must be a non-empty string")
        s = self._require(iri)
        self._add_quad(ox.Quad(s, _ALIAS, ox.Literal(alias), _DG))

    def remove_alias(self, iri: str, alias: str) -> bool:
        """Remove an alias; returns whether it existed."""
        self._check_open()
        S.check_text(alias, "alias", max_chars=None)  # (no longer one can be stored)
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
        """Replace the given properties of an existing node (``None`` = leave unchanged).

        Every value is checked before anything changes (as :class:`kg.schema.Node` checks
        them): text must be valid Unicode of at most :data:`kg.rdfio.MAX_LITERAL` characters,
        ``popularity`` a finite number >= 0; else ``TypeError``/``ValueError`` and the
        transaction is as it was.

        A category's new ``path`` moves its subtree too: each category below it (``parent``
        edges into it, transitively) whose path starts with the old path gets the new one
        instead (``A > TVs > Smart TVs`` becomes ``A > Televisions > Smart TVs``), in this
        transaction. A new ``label`` replaces the name: the old one is no alias unless added
        (:meth:`add_alias`).
        """
        self._check_open()
        changes: dict[str, Any] = {
            "label": label,
            "popularity": popularity,
            "attribute": attribute,
            "source": source,
            "external_id": external_id,
            "path": path,
        }
        for attr, value in changes.items():
            if value is None:
                continue
            if attr == "popularity":
                changes[attr] = S.check_popularity(value)
            else:
                S.check_text(value, attr, name=attr == "label")
        if label is not None and not label.strip():
            raise ValueError("A label must be a non-empty string")
        s = self._require(iri)
        self._check_property_kinds(iri, self._node_kinds(s),
                                   {"path": path, "attribute": attribute})
        if path is not None and self._quads(s, _TYPE, _KIND_TYPE[NodeKind.CATEGORY]):
            old = next((q.object.value for q in self._quads(s, _PATH, None)), None)
            if old is not None and old != path:
                self._move_descendants(s, old, path)
        preds = {"label": _NAME, **_SINGLE}
        for attr, value in changes.items():
            if value is None:
                continue
            self._set(s, preds[attr], _lit(value))

    def _set(self, s: ox.NamedNode, pred: ox.NamedNode, value: ox.Literal) -> None:
        """Replace every value of ``pred`` on ``s`` with ``value``."""
        for q in self._quads(s, pred, None):
            self._remove_quad(q)
        self._add_quad(ox.Quad(s, pred, value, _DG))

    def _move_descendants(self, category: ox.NamedNode, old: str, new: str) -> None:
        """The path of a category moves from ``old`` to ``new``: the categories below it
        (``parent`` edges into it, transitively) whose path is under ``old`` get it under
        ``new`` (``old > X > Y`` becomes ``new > X > Y``); others keep theirs."""
        parent = _REL_PRED[Relation.PARENT]
        prefix = old + " > "
        seen = {category}
        todo = [category]
        while todo:
            node = todo.pop()
            for edge in self._quads(None, parent, node):
                child = edge.subject
                if child in seen or not isinstance(child, ox.NamedNode):
                    continue
                seen.add(child)
                todo.append(child)
                for q in self._quads(child, _PATH, None):
                    if q.object.value.startswith(prefix):
                        self._set(child, _PATH, ox.Literal(new + q.object.value[len(old):]))
                        break

    def remove_node(self, iri: str) -> None:
        """Remove a node with all its properties and all edges from or to it."""
        self._check_open()
        s = self._require(iri)
        for q in self._quads(s, None, None) + self._quads(None, None, s):
            self._remove_quad(q)

    # -- edges ---------------------------------------------------------------------------------
    def add_edge(self, edge: Edge) -> None:
        """Add an edge. Its endpoints are checked at the commit (loaders may add edges before
        nodes): an edge whose source or target is a node of a kind the relation does not
        link (:data:`kg.schema.RELATION_KINDS`: a ``parent`` edge from a brand) refuses the
        commit (``ValueError`` naming the edge, the kinds found and the kinds allowed;
        nothing is committed); edges to IRIs that are then no node of the KG (no type, no
        name) are logged as a warning and counted in :attr:`warnings`."""
        self._check_open()
        if not isinstance(edge, Edge):
            raise TypeError(f"add_edge() takes a kg.schema.Edge, got {type(edge).__name__}")
        q = ox.Quad(_iri(edge.source), _REL_PRED[edge.relation], _iri(edge.target), _DG)
        self._add_quad(q)
        if edge.relation.kinds is not None:
            self._edges.append((q, edge.relation))

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
        """Add raw triples to the data graph (their graph name is ignored).

        A literal longer than :data:`kg.rdfio.MAX_LITERAL` characters (what RDF imports
        refuse) is refused with a ``ValueError`` before any of ``quads`` is added."""
        self._check_open()
        quads = list(quads)
        long = too_long_literal(quads)
        if long is not None:
            raise ValueError(long)
        for q in quads:
            self._add_quad(ox.Quad(q.subject, q.predicate, q.object, _DG))

    @property
    def pending(self) -> tuple[int, int]:
        """(quads to add, quads to remove) so far."""
        return len(self._add), len(self._remove)

    # -- checks at the commit (warnings, never refusals) ---------------------------------------
    def _has_any(self, s: ox.NamedNode, preds: tuple[ox.NamedNode, ...]) -> bool:
        """Whether ``s`` has a value of one of ``preds``, as the transaction sees it."""
        if any(q.predicate in preds for q in self._add_by_subject.get(s, ())):
            return True
        return not self._store_empty and _holds(self._store, s, preds, self._remove)

    def _dangling(self, edges: list[ox.Quad]) -> tuple[int, tuple[str, ...]]:
        """(of ``edges``, the ones this transaction adds, those whose source or target is no
        node: neither a type nor a name; up to three such endpoints). Cost: one lookup per
        distinct endpoint that the transaction itself does not type or name."""
        if not edges:
            return 0, ()
        ends = {x for q in edges for x in (q.subject, q.object) if isinstance(x, ox.NamedNode)}
        self._prefetch_ends(ends)
        missing = {x for x in ends if not self._has_any(x, (_TYPE, _NAME))}
        if not missing:
            return 0, ()
        count = sum(1 for q in edges if q.subject in missing or q.object in missing)
        return count, tuple(sorted(x.value for x in missing)[:3])

    def _kind_of(self, s: ox.NamedNode, typed: Mapping[ox.NamedNode, list[Any]] | None = None,
                 ) -> tuple[NodeKind, str | None] | None:
        """(kind, attribute) of ``s`` when it is a brand or an attribute value, else None.
        ``typed``: the types this transaction adds, by subject (else read here)."""
        if typed is not None:
            types = typed.get(s, [])
        else:
            types = [q.object for q in self._add_by_subject.get(s, ()) if q.predicate == _TYPE]
        if not types and not self._store_empty:
            types = [q.object for q in self._store.quads_for_pattern(s, _TYPE, None, _DG)
                     if q not in self._remove]
        kind = next((_UNIQUE_NAME_KINDS[t] for t in types if t in _UNIQUE_NAME_KINDS), None)
        if kind is not NodeKind.ATTRIBUTE_VALUE:
            return None if kind is None else (kind, None)
        attr = next((q.object.value for q in self._quads(s, _ATTRIBUTE, None)), None)
        return kind, attr

    def _names_of(self, s: ox.NamedNode) -> set[str]:
        """The normalised names (label and aliases) of ``s``, as the transaction sees them."""
        return {normalize_key(q.object.value)
                for p in (_NAME, _ALIAS) for q in self._quads(s, p, None)}

    def _duplicate_names(self, names: list[ox.Quad], typed: Mapping[ox.NamedNode, list[Any]],
                         index: AliasIndex | None,
                         ) -> tuple[int, tuple[tuple[str, str, str], ...]]:
        """(of ``names``, the name and alias triples this transaction adds, those it gives a
        brand or an attribute value that another node of the same kind and attribute also
        has, once normalised; up to three ``(name, iri, other)``; ``typed``: the types this
        transaction adds, by subject). Other nodes are found in
        ``index`` (the alias index of the version before the commit) when given, else by one
        SPARQL query per 500 names that finds them as written, normalised (lower case), in
        title case and in upper case (the spellings of names that differ in case only); then
        each one found is checked as the transaction sees it (still a node of that kind,
        still holding the name). Not checked when the transaction adds more than
        :data:`DUPLICATE_CHECK_MAX_NAMES` such names (a bulk load)."""
        added: dict[tuple[NodeKind, str | None, str], dict[str, str]] = {}
        kinds: dict[Any, tuple[NodeKind, str | None] | None] = {}
        unique = _UNIQUE_NAME_KINDS
        for q in names:
            s = q.subject
            ka = kinds.get(s, False)
            if ka is False:  # (first seen: a new node's type is among ``typed``, e.g. a product)
                types = typed.get(s)
                ka = kinds[s] = None if types and not any(t in unique for t in types) \
                    else self._kind_of(s, typed)
            if ka is None:
                continue
            name = q.object
            key = normalize_key(name.value) if isinstance(name, ox.Literal) else ""
            if key and isinstance(s, ox.NamedNode):
                added.setdefault((*ka, key), {}).setdefault(s.value, name.value)
        if not added:
            return 0, ()
        if len(added) > DUPLICATE_CHECK_MAX_NAMES:  # (a bulk load: the check cost a third of it)
            log.info("%d names added: not checked for names other nodes have (more than %d)",
                     len(added), DUPLICATE_CHECK_MAX_NAMES)
            return 0, ()
        others: dict[str, set[str]] = {}  # normalised name -> IRIs that may hold it
        if index is not None:
            for _kind, _attr, key in added:
                others[key] = {c.iri for c in index.candidates(key)}
        elif not self._store_empty:
            spellings = sorted({text for (_k, _a, key), mine in added.items()
                                for text in (key, key.title(), key.upper(), *mine.values())})
            for i in range(0, len(spellings), _NAME_QUERY_CHUNK):
                values = " ".join(str(ox.Literal(t)) for t in spellings[i:i + _NAME_QUERY_CHUNK])
                for row in self._store.query(
                        f"SELECT ?s ?n WHERE {{ VALUES ?n {{ {values} }} "
                        f"?s <{S.NAME}>|<{S.ALIAS}> ?n }}"):
                    if isinstance(row[0], ox.NamedNode):
                        others.setdefault(normalize_key(row[1].value), set()).add(row[0].value)
        found: list[tuple[str, str, str]] = []
        for (kind, attr, key), mine in added.items():
            iris = sorted(mine)
            for iri in iris[1:]:  # two nodes given one name in this transaction
                found.append((mine[iri], iri, iris[0]))
            for other in sorted(others.get(key, set()) - set(mine)):
                o = ox.NamedNode(other)
                if self._kind_of(o) == (kind, attr) and key in self._names_of(o):
                    found.append((mine[iris[0]], iris[0], other))
        return len(found), tuple(found[:3])

    def _warnings(self, version: int, index: AliasIndex | None) -> CommitWarnings:
        """What this transaction adds that is probably a mistake (see :class:`CommitWarnings`),
        read before the commit as the transaction sees the KG."""
        edges: list[ox.Quad] = []
        names: list[ox.Quad] = []
        typed: dict[ox.NamedNode, list[Any]] = {}
        unreadable: list[ox.Quad] = []
        for q in self._add:  # (one pass: a load adds hundreds of thousands)
            what = _CHECKED_PREDS.get(q.predicate)
            if what == "edge":
                if isinstance(q.object, ox.NamedNode):
                    edges.append(q)
                else:
                    unreadable.append(q)
            elif what == "name":
                names.append(q)
            elif what == "type":
                typed.setdefault(q.subject, []).append(q.object)
            elif what == "popularity" and _unreadable(q):
                unreadable.append(q)
        dangling, examples = self._dangling(edges)
        duplicates, found = self._duplicate_names(names, typed, index)
        return CommitWarnings(version, dangling, examples, duplicates, found, len(unreadable),
                              tuple(_ntriple(q) for q in unreadable[:3]))


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
        where = location(path)
        self.location: str | None = where if isinstance(where, str) else None
        self.path: Path | None = where if isinstance(where, Path) else None
        self.read_only = read_only
        self._forked_from: int | None = None  # a forked child's copy of a writer: the parent
        self._closed = True
        self._version = 0
        self._lock = threading.RLock()
        self._tx_owner: int | None = None
        # derived views: an immutable dict swapped whole with the version it serves and a
        # counter of the swaps, in one object (readers take no lock; a pinned() block reads the
        # one it started with: KGSnapshot)
        self._served = _Served({}, 0, 0)
        self._view_lock = threading.RLock()
        self._rebuilding: dict[str, _View] | None = None
        self._rebuild_owner: int | None = None
        self._rebuild_changes: ChangeSet | None = None
        self._rebuild_version = 0  # the version a swap brings the views to (their label)
        # each commit's change set by version (None: too large), kept until the views are
        # brought past it: a swap that finds other commits landed since chains them
        self._change_sets: dict[int, ChangeSet | None] = {}
        self._change_sets_lock = threading.Lock()
        self._rebuild_strict = False  # a refresh's rebuild: store damage raises (tried again)
        self._refresh_lock = threading.Lock()
        self._pins = threading.local()  # per thread: the KGSnapshot of its pinned() block
        self._refresh_waiting: tuple[int, float] | None = None
        self._linker: Any = None
        self._last_warnings: CommitWarnings | None = None
        self._writer_fd: int | None = None  # the KG directory's writer lock (kg.graph.WRITER_LOCK)
        self._backend: Backend
        self._log: Any
        self._store: Any
        if self.location is not None:
            from kg.sparql import SparqlBackend

            self._backend = SparqlBackend(self.location, read_only=read_only)
            self._log = self._backend.log
            self._store = self._backend.store
            self._version = self._backend.store_version()
        else:
            self._backend = _EmbeddedBackend(self)
            if self.path is not None and self.path.exists() and not self.path.is_dir():
                raise KGError(f"{self.path} is a file, not a KG directory")
            self._log = VersionLog(
                self.path / "versions" if self.path is not None else None, create=not read_only
            )
            try:
                self._store = self._open_store()
                self._version = self._read_store_version()
                self._check_log_agrees()
                if not read_only:
                    self._log.remove_stale_tmp()
                    self._remove_stale_imports()
            except BaseException:
                self._release_writer_lock()
                raise
        self._digest = self._load_digest()
        self._served = _Served({}, self._version, 0)
        self._closed = False

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, read_only: bool = False) -> ProductGraph:
        """Open (creating it if missing, unless ``read_only``) the KG directory ``path``, or
        the KG in a SPARQL server: ``"sparql+http://host:port/"`` (see :mod:`kg.sparql`).

        Writers exclude each other: :class:`~kg.errors.KGLockedError` if another writer holds it.
        ``read_only=True`` takes no lock and works while a writer (the service, a loader) holds
        the KG; it sees the version current when opened, then newer commits through
        :meth:`refresh`, which every top-level read calls.

        A damaged store, or a store and version log that disagree beyond one uncommitted
        version, raise :class:`~kg.errors.KGCorruptError` saying how to restore it (see
        :meth:`restore`); nothing is changed or deleted.
        """
        return cls(path, read_only=read_only)

    @classmethod
    def in_memory(cls) -> ProductGraph:
        """A KG in memory (versions kept in memory too); for tests and notebooks."""
        return cls(None)

    def _remove_stale_imports(self) -> None:
        """Remove work directories of bulk imports a crash interrupted (only as the writer)."""
        if self.path is None:
            return
        for p in self.path.glob(".import-*.tmp"):
            log.info("Removing %s, left by an interrupted import", p)
            remove_path(p)

    def _restore_hint(self) -> str:
        return (
            f"Nothing was changed. To restore it, put back a backup of {self.path}/store, or "
            f"rebuild the store from the version log (the damaged store is kept aside): "
            f"python -c \"from kg import ProductGraph; ProductGraph.restore('{self.path}')\""
        )

    def _open_store(self) -> ox.Store:
        if self.path is None:
            if self.read_only:
                raise ValueError("read_only=True needs a KG directory path")
            return ox.Store()
        if self.path.exists() and not self.path.is_dir():
            raise KGError(f"{self.path} is a file, not a KG directory")
        store_dir = self.path / "store"
        has_store = store_dir.is_dir() and any(store_dir.iterdir())
        logged = self._log.latest()
        if has_store and not (store_dir / "CURRENT").is_file():
            raise KGCorruptError(
                f"The KG store at {store_dir} is damaged (its CURRENT file is missing). "
                + self._restore_hint()
            )
        if not has_store and logged > 0:
            # a missing store with history: opening would start an empty KG over the history
            raise KGCorruptError(
                f"The KG at {self.path} has a version log up to version {logged} but no store "
                f"({store_dir} is missing or empty). " + self._restore_hint()
            )
        if self.read_only:
            if not has_store:
                raise KGNotFoundError(f"No KG at {self.path} (missing {store_dir})")
            return self._open_read_only()
        self.path.mkdir(parents=True, exist_ok=True)
        if self._writer_fd is None:
            self._writer_fd = _writer_lock(self.path, self._locked_error)
            _WRITERS.add(self)
        try:
            return ox.Store(str(store_dir))
        except (OSError, RuntimeError) as e:
            if not _is_damage(e) and re.search(r"\block\b", str(e), re.IGNORECASE):
                raise self._locked_error() from None
            raise self._store_error(e, "") from None

    def _locked_error(self) -> KGLockedError:
        return KGLockedError(
            f"The KG at {self.path} is locked: another process (or another ProductGraph in "
            f"this one) has it open for writing. Close that one first, or open it with "
            f"ProductGraph.open(path, read_only=True) to read."
        )

    def _release_writer_lock(self) -> None:
        fd, self._writer_fd = self._writer_fd, None
        if fd is not None and fd in _LOCK_FDS:  # (not a forked child's copy, closed already)
            _LOCK_FDS.discard(fd)
            os.close(fd)  # (closing the descriptor releases its flock)

    def _open_read_only(self) -> ox.Store:
        """``Store.read_only``, retried for about 2 s on errors that look like damage: a writer
        compacting the store (it does so right after it opens) can delete a file between the
        reader reading the manifest and opening that file. Damage that persists is reported."""
        assert self.path is not None
        delay, deadline = 0.01, time.monotonic() + 2.0
        while True:
            try:
                return ox.Store.read_only(str(self.path / "store"))
            except (OSError, RuntimeError) as e:
                if not _is_damage(e) or time.monotonic() > deadline:
                    raise self._store_error(e, "read-only") from None
                log.debug("Read-only open of %s failed (%s); retrying", self.path, e)
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _store_error(self, e: BaseException, how: str) -> KGError:
        how = f" {how}" if how else ""
        if _is_damage(e):
            return KGCorruptError(
                f"The KG store at {self.path}/store is damaged ({e}). " + self._restore_hint()
            )
        return KGError(f"Cannot open the KG at {self.path}{how}: {e}")

    def _check_log_agrees(self) -> None:
        """Store version S and newest log L: L == S, or L == S + 1 (a crash between writing the
        log and the store commit: that one uncommitted log is discarded by a writer)."""
        if self.path is None:
            return
        stored, logged = self._version, self._log.latest()
        if logged == stored:
            self._check_log_complete()
            return
        if logged == stored + 1:
            if not self.read_only:
                self._log.discard_after(stored)
                self._check_log_complete()
            return
        if logged > stored:
            problem = (
                f"the store is at version {stored} but the version log goes up to version "
                f"{logged} (the store was replaced, damaged or rebuilt)"
            )
        else:
            problem = (
                f"the store is at version {stored} but the version log ends at version "
                f"{logged} (version logs were removed)"
            )
        if self.read_only:
            log.warning("KG at %s: %s; reading what the store holds", self.path, problem)
            return
        raise KGCorruptError(
            f"Refusing to open the KG at {self.path} for writing: {problem}. "
            + self._restore_hint()
        )

    def _check_log_complete(self) -> None:
        """A writer's check on open: every version up to the store's has its log (the change
        sets at or below a pruned log's floor excepted); else KGCorruptError."""
        if self.read_only:
            return
        floor = self._log.floor()
        if floor > self._version:
            raise KGCorruptError(
                f"Refusing to open the KG at {self.path} for writing: the store is at version "
                f"{self._version} but the version log was pruned up to version {floor} (the "
                "store was replaced by an older one). " + self._restore_hint()
            )
        missing = self._log.missing(self._version)
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more"
                                              if len(missing) > 5 else "")
            raise KGCorruptError(
                f"Refusing to open the KG at {self.path} for writing: the version log misses "
                f"{shown} in {self.path}/versions (removed by hand, or damaged). Put back a "
                f"backup of {self.path}/versions; nothing was changed"
            )

    @classmethod
    def restore(cls, path: str | os.PathLike[str]) -> ProductGraph:
        """Rebuild the store of the KG directory ``path`` from its version log and open it.

        Replays every logged change set (1..N, checking each version's digest) into a new store,
        moves the old store (if any) aside to ``store.damaged-<timestamp>`` (never deleted), and
        puts the new one in place. Run it with no other process using the KG. A pruned log
        (:meth:`prune_versions`) is replayed from the snapshot the pruning kept: the data of
        version ``B`` (its digest checked), then the change sets ``B + 1 .. N``.
        """
        path = Path(path)
        vlog = VersionLog(path / "versions", create=False)
        latest = max((v for v in vlog._on_disk() if vlog.has(v)), default=0)
        if latest == 0:
            raise KGNotFoundError(f"No version log in {path / 'versions'} to restore from")
        record = vlog.pruned()
        base = 0
        if record is not None and record["floor"] > 0:
            base = record.get("base") if isinstance(record.get("base"), int) else -1
            snapshot = vlog.base_path(base) if base >= 0 else None
            if snapshot is None or base > latest or not snapshot.is_file() \
                    or record.get("base_file") != snapshot.name:
                raise KGCorruptError(
                    f"Cannot restore {path}: its version log was pruned up to version "
                    f"{record['floor']} and the snapshot the pruning kept "
                    f"({record.get('base_file')}) is missing or does not match; put back a "
                    f"backup of {path}/store. Nothing was changed"
                )
        tmp = path / f".store.restore-{os.getpid()}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        store = ox.Store(str(tmp))
        digest = EMPTY_DIGEST
        try:
            if base:
                assert record is not None
                digest = _load_snapshot(store, vlog.base_path(base))
                if digest != record.get("base_digest") or digest != vlog.info(base).digest:
                    raise KGCorruptError(
                        f"Cannot restore {path}: the snapshot {vlog.base_path(base)} does not "
                        f"reproduce the digest of version {base}; nothing was changed"
                    )
                store.extend([_meta_quad(v) for v in range(1, base + 1)])
            for v in range(base + 1, latest + 1):
                info = vlog.info(v)
                added, removed = vlog.changes(v)
                digest = digest_add(digest, added, removed)
                if digest != info.digest:
                    raise KGCorruptError(
                        f"Cannot restore {path}: replaying the log up to version {v} does not "
                        "reproduce its digest; nothing was changed"
                    )
                meta = ox.Quad(
                    ox.NamedNode(f"{META_GRAPH_IRI}/version/{v}"),
                    _VERSION_PRED,
                    ox.Literal(v),
                    _META,
                )
                if removed:
                    store.update(_update_string(added, removed, meta))
                else:
                    store.extend([*added, meta])
            store.flush()
            del store
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        store_dir = path / "store"
        if store_dir.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            aside = path / f"store.damaged-{stamp}"
            n = 1
            while aside.exists():  # (two restores within one second: never replace one)
                n += 1
                aside = path / f"store.damaged-{stamp}-{n}"
            os.replace(store_dir, aside)
            log.warning("Moved the old store of %s aside to %s", path, aside)
        os.replace(tmp, store_dir)
        fsync_dir(path)
        log.info("Restored the KG store of %s from its version log (version %d)", path, latest)
        return cls(path)

    def _read_store_version(self) -> int:
        try:
            return self._backend.store_version()
        except (OSError, RuntimeError) as e:
            raise self._store_error(e, "") from None

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
        self._served = _Served({}, self._version, self._served.generation)
        self._linker = None
        if (not self.read_only and self.path is not None and self._backend.kind == "embedded"
                and self.degraded is None):  # (a failed write: the disk may be full)
            # a writer's unflushed write-ahead log is replayed by every read-only open until a
            # writer opens the store again (22-31 s for `kgqp kg stats` after a 1M-triple
            # rollback); flushed, the next read-only open reads the tables only
            _flush_store(self._store, self.path)
        self._backend.close()
        del self._store
        self._release_writer_lock()

    def __enter__(self) -> ProductGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ProductGraph({self.where!r}, version={self._version})"

    @property
    def where(self) -> str:
        """The KG's location: its folder, server URL (without credentials), or
        ``"memory"``."""
        if self.location is not None:
            return redact_url(self.location)
        return str(self.path) if self.path is not None else "memory"

    def _get_store(self) -> ox.Store:
        self._check()
        return self._store

    def _check(self) -> None:
        if self._closed:
            raise KGError("This ProductGraph is closed")

    def _read_only_error(self, to: str) -> KGError:
        if self._forked_from is not None:
            return KGError(
                f"The KG at {self.where} was opened for writing by process {self._forked_from}, "
                f"and this process is a fork of it: a fork reads through the parent's handle "
                f"(the version it was forked at) but cannot write: the parent holds the "
                f"writer's lock. To {to}, make the change in the parent, or open the KG in this "
                f"process (ProductGraph.open(path)) once the parent has closed it; to follow "
                f"the parent's commits, open it read-only here (read_only=True)")
        return KGError(f"The KG at {self.where} is open read-only; open it without read_only "
                       f"to {to}")

    # -- versions ------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """The current version (number of the last commit; 0 = empty); inside a
        :meth:`pinned` block, the version of the block's views."""
        snap = self._reading()
        return snap.version if snap is not None else self._version

    def versions(self) -> list[VersionInfo]:
        """All versions, oldest first (version 0 = empty)."""
        self._check()
        self.refresh()
        return self._log.versions(self._version)

    def refresh(self) -> bool:
        """Catch up with commits made by a writer since this read-only handle was opened.

        Cheap when nothing changed: one ``stat`` of the next version's log file. When a writer
        has committed, the store is reopened read-only (20-50 ms on a compacted store; up to
        about 0.5 s when the writer's RocksDB write-ahead log holds ~10 MB of recent commits)
        and every registered view is rebuilt before it is swapped in (other threads keep the old
        ones meanwhile). Called by every top-level read (``stats``, ``query``, ``versions``,
        ``export``, ``canonical_hash``, ``view``/``alias_index``/``match``/``to_networkx``), not
        by node-level lookups (``node``, ``nodes``, ``neighbors``), and not inside a
        :meth:`pinned` block of the calling thread (a parse pins the KG, so one parse sees one
        version). Returns whether the handle moved to a newer version; a no-op for writers
        (their own commits update them).

        A writer's compaction can delete store files while a read-only handle opens and reads
        the new store: the whole refresh (reopen, version, views) is tried again for about a
        second, and if it still fails the handle keeps serving its version and views (a
        warning is logged) and tries again a second later; it never raises for that.

        On a SPARQL server (where other processes may write) every handle checks the server's
        version, at most once per ``check_interval`` seconds (a URL parameter, default 1 s):
        one small query; the views are rebuilt when it moved. While the server is unreachable
        the handle keeps its views and version (a warning is logged; :attr:`degraded` says why).
        """
        if self._closed:
            return False
        if getattr(self._pins, "snapshot", None) is not None:
            return False  # inside pinned(): this thread reads one version until the block ends
        return self._backend.refresh(self)

    @contextlib.contextmanager
    def pinned(self, snapshot: KGSnapshot | None = None) -> Iterator[ProductGraph]:
        """Read one version for the length of a block: catch up once on entry (:meth:`refresh`)
        and take the views being served (a :class:`KGSnapshot`); every read of derived views
        in this thread inside the block (``view``, ``match``, ``link``, ``alias_index``,
        ``to_networkx``, ``version``, ``views_generation``) reads that snapshot, whatever other
        threads or processes commit meanwhile. A parse holds the KG pinned, so its stages (the
        tagger's KG match, linking, the intent's graph context, expansion) read one version,
        and it pays one version-log ``stat`` instead of one per view lookup. Blocks nest (an
        inner block reads the outer one's snapshot); other threads are not affected.

        ``snapshot``: read that one (:meth:`snapshot`, taken in an earlier block) instead, so
        that work split over several blocks (:meth:`parser.QueryParser.pipe` matches a batch in
        one and links it in another) reads one version; the enclosing block's snapshot comes
        back at its end.

        A view first used inside the block joins the snapshot: it is the one of the snapshot's
        version unless a commit landed since the block began (a view is built from the store
        as it is). Node-level lookups (``node``, ``nodes``, ``neighbors``) and SPARQL
        (``query``, ``stats``) read the store as it is now, not the snapshot: Oxigraph keeps no
        version across calls (a parse reads none of them: only views). A commit made by this
        thread inside the block (a transaction, a load, a rollback) moves this thread's
        snapshot to its own new version: a writer reads its writes.

        Example:
            >>> from kg.schema import Node, NodeKind
            >>> g = ProductGraph()
            >>> with g.pinned() as pinned:
            ...     snap = pinned.snapshot()
            ...     pinned.version, [m.text for m in pinned.match("lg tv")]
            (0, [])
            >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
            >>> with g.pinned(snap):
            ...     g.version, [m.text for m in g.match("lg tv")]
            (0, [])
            >>> with g.pinned():
            ...     g.version, [m.text for m in g.match("lg tv")]
            (1, ['lg'])
        """
        pins = self._pins
        outer: KGSnapshot | None = getattr(pins, "snapshot", None)
        commits = getattr(pins, "commits", 0)
        if snapshot is None:
            if outer is None:
                self.refresh()
                snapshot = KGSnapshot(self, self._served)
            else:
                snapshot = outer
        elif snapshot._graph is not self:
            raise ValueError("pinned(snapshot): that snapshot is of another ProductGraph")
        pins.snapshot = snapshot
        try:
            yield self
        finally:
            if outer is None:
                pins.snapshot = None
            elif snapshot is not outer:
                # back to the enclosing block's snapshot; after a commit of this thread
                # meanwhile, to the views of its own writes
                pins.snapshot = outer if getattr(pins, "commits", 0) == commits \
                    else KGSnapshot(self, self._served)
            # (an inner block on the outer one's snapshot leaves it, moved by a commit or not)

    def snapshot(self) -> KGSnapshot:
        """The derived views this thread reads now, to pass to :meth:`pinned`: inside a pinned
        block its snapshot, else those of the current version (after :meth:`refresh`)."""
        self._check()
        snap = getattr(self._pins, "snapshot", None)
        if snap is not None:
            return snap
        self.refresh()
        return KGSnapshot(self, self._served)

    @staticmethod
    def copy(source: str | os.PathLike[str], dest: str | os.PathLike[str], *,
             tries: int = 3) -> int:
        """Copy the embedded KG at ``source`` into the new folder ``dest`` (made by this call)
        as it is now, and return the copy's version; the KG may be open meanwhile, by readers or
        a writer. The store is copied as a RocksDB checkpoint (consistent; hard links where the
        file system allows, so a fraction of a second for the default KG) with the write-ahead
        logs of the commits a writer has not flushed yet, then the version log
        (after the store: never behind it), and the copy is opened once as a writer, which drops
        the log of a commit that landed between the two. A copy that a commit's files moved
        under is made again, ``tries`` times in all.

        Raises:
            KGError: ``source`` is no embedded KG, ``dest`` exists, or no try succeeded.

        Example:
            >>> import tempfile
            >>> from pathlib import Path
            >>> from kg import Node, NodeKind, ProductGraph
            >>> tmp = Path(tempfile.mkdtemp())
            >>> with ProductGraph.open(tmp / "kg") as g, g.transaction("one") as tx:
            ...     tx.add_node(Node(NodeKind.BRAND, "acme", "Acme"))
            >>> ProductGraph.copy(tmp / "kg", tmp / "copy")
            1
        """
        src, out = Path(source), Path(dest)
        if not (src / "store").is_dir():
            raise KGError(f"{src} is no embedded KG (it has no store folder) to copy")
        try:
            out.mkdir(parents=True)  # (only a folder this call made is ever removed)
        except FileExistsError:
            raise KGError(f"{out} exists: copy a KG into a new folder") from None
        except OSError as e:
            raise KGError(f"cannot make the folder {out} to copy the KG into: {e}") from None
        problem: Exception | None = None
        for _ in range(max(1, tries)):
            try:
                store = ox.Store.read_only(str(src / "store"))
                try:
                    store.backup(str(out / "store"))
                finally:
                    del store
                # a read-only store's checkpoint leaves out its write-ahead logs, which hold
                # the commits a writer has not flushed yet: copied after it, replayed on open
                # (a record torn by a commit meanwhile ends the replay: a consistent prefix)
                for p in (src / "store").glob("*.log"):
                    if not (out / "store" / p.name).exists():
                        shutil.copy2(p, out / "store" / p.name)
                for p in src.iterdir():
                    if p.name in ("store", WRITER_LOCK):
                        continue
                    if p.is_dir():
                        shutil.copytree(p, out / p.name)
                    else:
                        shutil.copy2(p, out / p.name)
                with ProductGraph.open(out) as copy:
                    version = copy.version
                (out / WRITER_LOCK).unlink(missing_ok=True)
                return version
            except (OSError, RuntimeError, KGError) as e:  # a commit or compaction meanwhile
                problem = e
                for p in list(out.iterdir()):  # (what this try wrote; the folder stays)
                    remove_path(p)
        shutil.rmtree(out, ignore_errors=True)
        raise KGError(f"could not copy the KG {src} ({problem}): is it being changed right "
                      "now? Try again")

    def _reading(self) -> KGSnapshot | None:
        """The snapshot this thread's reads of views go to: its pinned block's, unless it is
        building a view (views are built from the current version, as are the views they
        read: :meth:`_new_view`, :meth:`_rebuild_views`)."""
        pins = self._pins
        snap = getattr(pins, "snapshot", None)
        if snap is None or getattr(pins, "building", False) \
                or self._rebuild_owner == threading.get_ident():
            return None
        return snap

    def _repin(self) -> None:
        """After this thread swapped views in (its commit): a pinned block of this thread reads
        the views now served, its own writes."""
        pins = self._pins
        if getattr(pins, "snapshot", None) is not None:
            pins.snapshot = KGSnapshot(self, self._served)
            pins.commits = getattr(pins, "commits", 0) + 1

    def transaction(self, message: str = "") -> _TransactionContext:
        """Open a write transaction: ``with graph.transaction("msg") as tx: tx.add_node(...)``.

        On normal exit the changes commit as one new version; on an exception nothing is
        committed and the exception propagates. Transactions are serialised per graph; nesting is
        an error.
        """
        self._check()
        if self.read_only or self._forked_from is not None:
            raise self._read_only_error("change it")
        self._backend.refresh(self, force=True)  # a server: start from its current version
        return _TransactionContext(self, message)

    @property
    def degraded(self) -> str | None:
        """Why the KG's store is unreachable (its views are the last good ones), or ``None``."""
        return getattr(self._backend, "degraded", None)

    @property
    def last_commit_warnings(self) -> CommitWarnings | None:
        """What the last commit made through this handle (a transaction, a load, an RDF
        import, a rollback) added that is probably a mistake, or ``None`` when it had nothing
        to warn about (see :class:`CommitWarnings`; the commit logged them as a warning).

        Example:
            >>> from kg.schema import Edge, Node, NodeKind, Relation
            >>> g = ProductGraph()
            >>> lg = Node(NodeKind.BRAND, "lg", "LG")
            >>> _ = g.add_records([lg, Edge(lg.iri, Relation.SELLS_IN,
            ...                   "https://kgqp.dev/id/category/tvz")], progress=False)
            >>> g.last_commit_warnings.lines()
            ['edges to nodes the KG does not have: 1 (e.g. https://kgqp.dev/id/category/tvz)']
        """
        return self._last_warnings

    @property
    def _views(self) -> Mapping[str, _View]:
        """The derived views served now (the newest swapped in; never changed in place)."""
        return self._served.views

    def _current_view(self, name: str) -> Any:
        """The value of view ``name`` if it is built for the current version, else ``None``."""
        v = self._views.get(name)
        return v.value if v is not None and v.version == self._version else None

    @staticmethod
    def _checked(check: Callable[[], CommitWarnings], version: int) -> CommitWarnings:
        """``check()``: the warnings of a commit; one that fails (a server that does not
        answer) leaves the commit unchecked, never refused."""
        try:
            return check()
        except Exception as e:
            log.warning("Could not check what KG version %d adds (%s: %s); committing it "
                        "unchecked", version, type(e).__name__, e, exc_info=True)
            return CommitWarnings(version)

    def _warn(self, warnings: CommitWarnings) -> None:
        """Keep ``warnings`` as :attr:`last_commit_warnings` and log them."""
        self._last_warnings = warnings if warnings else None
        if warnings.dangling_edges:
            log.warning(
                "KG version %d added %d edge(s) to IRIs that are no node of the KG (no type, "
                "no name), e.g. %s: a misspelt IRI? Add the nodes, or remove the edges "
                "(Transaction.remove_edge, or roll back to version %d)", warnings.version,
                warnings.dangling_edges, ", ".join(warnings.dangling_examples),
                warnings.version - 1)
        if warnings.duplicates:
            name, iri, other = warnings.duplicate_names[0]
            log.warning(
                "KG version %d gave %d name(s) to a node that another node of the same kind "
                "already has, e.g. %r: %s and %s. Both now compete for that name when a query "
                "is linked: merge them (one node per name; a brand's key is the slug of its "
                "name, kg.schema.brand_key) or remove the alias", warnings.version,
                warnings.duplicates, name, iri, other)
        if warnings.unreadable:
            log.warning(
                "KG version %d added %d triple(s) that the KG cannot read, e.g. %s: a literal "
                "where a node's IRI belongs (write the object as the node's IRI, <...>), or a "
                "popularity that is not a finite number >= 0. They are stored, but no parse, "
                "neighbors or graph view sees them and they count as no edge: fix the data "
                "and load it again, or roll back to version %d", warnings.version,
                warnings.unreadable, "; ".join(warnings.unreadable_examples),
                warnings.version - 1)

    def durable_version(self) -> int:
        """The version the KG's store holds, read again from the store (not this handle's
        bookkeeping, :attr:`version`): what a process opening the KG now would find. After a
        commit that an interrupt (SIGINT, SIGTERM) or an error cut short, it says whether the
        commit was made.

        >>> g = ProductGraph()
        >>> g.durable_version() == g.version == 0
        True
        """
        self._check()
        return self._read_store_version()

    def _settle_commit(self, version: int, digest: str) -> None:
        """After a commit of ``version`` raised: if the store holds that version durably (the
        interrupt or error came after the store commit, e.g. during a large commit's flush),
        set this handle's version and digest to it, as a commit that returned would, and drop
        its derived views (built again from the store at their next use; an interrupted
        commit does not bring them forward). Only this commit's version: the version's record
        must carry this commit's digest (a version another writer made, a KG server's
        conflict, is not this handle's). Best effort, and quick: a store or record that
        cannot be read at once (a KG server that is down: one try, its ``check_timeout``)
        leaves the handle as it was."""
        try:
            if self._backend.store_version(quick=True) != version \
                    or self._log.info(version).digest != digest:
                return
        except Exception:
            return
        self._version, self._digest = version, digest
        if self._served.version != version:
            self._served = _Served({}, version, self._served.generation + 1)
            log.info("KG version %d committed (the commit was cut short after the store made "
                     "it)", version)

    def _commit(self, tx: Transaction) -> int:
        added = list(tx._add)
        removed = list(tx._remove)
        if not added and not removed:
            return self._version
        tx._check_kinds()  # (a refusal: nothing is committed)
        new_version = self._version + 1
        warnings = self._checked(lambda: tx._warnings(new_version,
                                                      self._current_view("kg.alias_index")),
                                 new_version)
        digest = digest_add(self._digest, added, removed)
        info = VersionInfo(
            version=new_version,
            timestamp=datetime.now(UTC).isoformat(),
            message=tx.message,
            added=len(added),
            removed=len(removed),
            digest=digest,
        )
        changes = (ChangeSet.of(self._version, new_version, [(added, removed)])
                   if len(added) + len(removed) <= INCREMENTAL_MAX_QUADS else None)
        try:
            self._backend.commit(info, added, removed)
            with self._change_sets_lock:  # before the version moves: a swap that sees the
                self._change_sets[new_version] = changes  # version finds its change set
            self._version = new_version
            self._digest = digest
        except BaseException:
            # an interrupt (SIGINT, SIGTERM) or an error after the store made the commit
            # durable (a large commit's flush): this handle follows the store
            self._settle_commit(new_version, digest)
            raise
        log.info(
            "KG version %d committed (+%d -%d) %s",
            new_version,
            len(added),
            len(removed),
            tx.message,
        )
        tx.warnings = warnings
        tx._changes = changes
        self._warn(warnings)
        return new_version

    def rollback(self, version: int, *, message: str | None = None) -> int:
        """Return the KG to ``version`` with a new commit that applies inverse change sets.

        Returns the new version number (the current one if nothing changed).
        """
        self._check()
        version = _version_number(version, "rollback()")
        if version < 0 or version > self._version:
            raise KGNotFoundError(
                f"Cannot roll back to version {version!r}: versions are 0..{self._version}"
            )
        floor = self._log.floor()
        if version < floor:
            raise KGError(
                f"Cannot roll back to version {version}: the version history of {self.where} "
                f"was pruned, and the oldest version it can return to is {floor} (`kgqp kg "
                f"versions` marks the pruned ones). Nothing was changed. Pruned change sets "
                f"are gone from the KG: to get version {version} back, restore a backup of the "
                "KG taken before the pruning"
            )
        target = self._log.info(version)
        # (a message of the caller's is added to the automatic one: `kgqp kg versions` says
        # what each rollback returned to)
        auto = f"rollback to version {version}"
        with self.transaction(f"{auto}: {message}" if message else auto) as tx:
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

    def change_set_bytes(self, versions: Iterable[int]) -> int:
        """The disk space the change sets of ``versions`` take (what pruning them frees; 0 on
        a SPARQL server or in memory)."""
        sizes = getattr(self._log, "change_set_bytes", None)
        return int(sizes(versions)) if sizes is not None else 0

    @property
    def rollback_floor(self) -> int:
        """The oldest version :meth:`rollback` can return to: 0, unless the history was pruned
        (:meth:`prune_versions`)."""
        self._check()
        return self._log.floor()

    def prune_versions(self, keep: int, *, dry_run: bool = False) -> list[int]:
        """Delete the change sets of every version older than the newest ``keep`` (>= 1), so
        the version log stops growing with each commit; returns the versions whose change sets
        were deleted (``dry_run``: would be; nothing changes, and a read-only handle can ask).

        The KG can then be rolled back to version ``version - keep`` at the oldest (its
        :attr:`rollback_floor`); the older versions stay listed by :meth:`versions`, marked
        ``pruned``. The floor is recorded (``versions/pruned.json``, with a gzipped snapshot
        of the current data from which :meth:`restore` replays the log) before any change set
        is deleted: an interruption leaves a KG that opens, and the next pruning finishes the
        deletion. Takes the write lock like a commit (a read-only handle cannot prune). On a
        SPARQL server the change-set graphs are dropped and the floor is kept in the meta
        graph (no snapshot: the server keeps its own backups).

        Example:
            >>> from kg.schema import Node, NodeKind
            >>> g = ProductGraph()
            >>> for name in ("a", "b", "c"):
            ...     _ = g.add_records([Node(NodeKind.BRAND, name, name)], progress=False)
            >>> g.prune_versions(keep=1), g.rollback_floor
            ([1, 2], 2)
            >>> [v.pruned for v in g.versions()]
            [True, True, False, False]
        """
        self._check()
        if isinstance(keep, bool) or not isinstance(keep, int):
            raise TypeError(f"keep takes a number of versions (int), got {type(keep).__name__}")
        if keep < 1:
            raise ValueError(f"keep must be >= 1 (the newest versions whose change sets are "
                             f"kept), got {keep}")
        if dry_run:
            self.refresh()
            return self._backend.prunable(max(self._version - keep, 0))
        if self.read_only or self._forked_from is not None:
            raise self._read_only_error("prune it")
        if self._tx_owner == threading.get_ident():
            raise KGError("prune_versions() cannot run inside a transaction of the same graph")
        self._backend.refresh(self, force=True)
        with self._lock:
            self._tx_owner = threading.get_ident()
            try:
                return self._backend.prune(max(self._version - keep, 0))
            finally:
                self._tx_owner = None

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
            for i, rec in enumerate(self._prefetched(records)):
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

    def _prefetched(self, records: Iterable[Node | Edge]) -> Iterator[Node | Edge]:
        """``records``, in chunks whose nodes' stored quads a remote store fetched in one
        request beforehand (``prefetch_subjects``); unchanged for the embedded store."""
        prefetch = getattr(self._store, "prefetch_subjects", None)
        if prefetch is None or self._data_is_empty():
            yield from records
            return
        chunk: list[Node | Edge] = []
        for rec in records:
            chunk.append(rec)
            if len(chunk) == 1000:
                prefetch([_iri(r.iri) for r in chunk if isinstance(r, Node)])
                yield from chunk
                chunk = []
        prefetch([_iri(r.iri) for r in chunk if isinstance(r, Node)])
        yield from chunk

    def import_rdf(
        self, path: str | os.PathLike[str], *, format: str | None = None, message: str = ""
    ) -> LoadReport:
        """Import an RDF file (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML; format from
        the suffix unless given) into the data graph as one new version, all or nothing.

        Named graphs are merged into the data graph; triples with blank nodes are skipped (and
        reported). RDF/XML with entity tricks and JSON-LD with remote contexts are refused.

        A bulk load (see :mod:`kg.bulk`): Oxigraph's bulk loader parses the file into a staging
        store, whose N-Quads dump is the version's change log. On disk the new store is a
        checkpoint of the current one (hard links) plus the bulk-loaded change set, swapped in
        for ``store/`` at once: a crash (even SIGKILL) at any point leaves the previous version
        exactly, and readers see the old store or the new one. An N-Triples file loaded into a
        KG directory without data skips the staging store: it is bulk-loaded (in parallel
        parts) straight into the new store, and the change log is written from the file
        (:func:`kg.bulk.load_new_store`).
        """
        self._check()
        if self.read_only or self._forked_from is not None:
            raise self._read_only_error("change it")
        path = Path(path)
        if path.is_dir():
            raise KGLoadError(f"{path} is a directory; give an RDF file")
        if path.suffix.lower() == ".gz":  # the format from the suffix under .gz
            fmt = rdf_format(path.with_suffix(""), format)
        else:
            fmt = rdf_format(path, format)
        if not path.is_file():
            raise KGLoadError(f"Cannot read {path}: no such file")
        if self._tx_owner == threading.get_ident():
            raise KGError("import_rdf() cannot run inside a transaction of the same graph")
        self._backend.refresh(self, force=True)
        with self._lock:
            self._tx_owner = threading.get_ident()
            try:
                with _decompressed(path, self.path) as plain:
                    report, committed = self._bulk_import(plain, fmt,
                                                          message or f"import {path.name}")
                report.source = str(path)
            finally:
                self._tx_owner = None
        if committed:
            self._rebuild_views()
        return report

    def _bulk_import(self, path: Path, fmt: ox.RdfFormat, message: str) -> tuple[LoadReport, bool]:
        import tempfile

        work = Path(
            tempfile.mkdtemp(prefix=".import-", suffix=".tmp", dir=self.path)
            if self.path is not None
            else tempfile.mkdtemp(prefix="kgqp-import-")
        )
        staged = None
        try:
            existing = self._backend.existing_for_import(work)
            if existing is None and self._backend.kind == "embedded" and self.path is not None \
                    and fmt == ox.RdfFormat.N_TRIPLES:
                # no data yet: load the file straight into the KG's next store
                # the version marks go in with the data: nothing to write at the commit
                marks = [*self._store.quads_for_pattern(None, None, None, _META),
                         _meta_quad(self._version + 1)]
                staged = load_new_store(path, store_dir=work / "next", log_file=work / "added.nq",
                                        extra=marks)
            if staged is None:
                size = path.stat().st_size + (existing.stat().st_size if existing else 0)
                in_memory_kg = self.path is None and self.location is None
                on_disk = not in_memory_kg and size > MEMORY_STAGING_MAX_BYTES
                staging_dir = work / "staging" if on_disk else None
                staged = stage_rdf(
                    path, fmt, log_file=work / "added.nq", staging_dir=staging_dir,
                    existing=existing,
                )
            if staged.count == 0:
                log.info("Import of %s added nothing; KG stays at version %d", path, self._version)
                return staged.report, False
            new_version = self._version + 1
            warnings = self._checked(
                lambda: self._import_warnings(staged, new_version, existing is not None),
                new_version)
            info = VersionInfo(
                version=new_version,
                timestamp=datetime.now(UTC).isoformat(),
                message=message,
                added=staged.count,
                removed=0,
                digest=digest_combine(self._digest, staged.digest),
            )
            try:
                info = self._backend.commit_bulk(
                    self, staged, info, work, reuse_staging=staged.store_dir is not None
                )
                if info.added == 0:
                    return staged.report, False
                self._version = new_version
                self._digest = info.digest
            except BaseException:
                self._settle_commit(new_version, info.digest)  # as in _commit
                raise
            log.info(
                "KG version %d committed (+%d, bulk import) %s", new_version, info.added, message
            )
            self._warn(warnings)
            return staged.report, True
        finally:
            if staged is not None:
                staged.close()
            shutil.rmtree(work, ignore_errors=True)

    def _import_unreadable(self, staged: StagedImport,
                           existing: bool) -> tuple[int, tuple[str, ...]]:
        """(the triples an RDF import adds that the KG's views cannot read, up to three of
        them as N-Triples): see :class:`CommitWarnings`. The file's edges of them (new or
        not) are taken off the load report's edge counts: stored, they are no edge. Called
        only for an import of at most :data:`IMPORT_CHECK_MAX_TRIPLES` triples (it scans every
        relation and popularity triple of the staging store, as costly as the dangling-edge
        check): above that size nothing is warned of, and the report counts every relation
        triple of the file as an edge."""
        from kg.bulk import _EXISTING

        store = staged.store
        preds = " ".join(f"<{r.predicate}>" for r in Relation)
        # triples the views cannot read: not counted as edges in the report (all of the
        # file's); warned about (those the KG did not have already). A popularity is a
        # candidate unless it is a finite number >= 0 (a comparison with NaN is an error, which
        # COALESCE makes false); a plain string ("3", "high") always is: _unreadable decides
        found = [q for q in (ox.Quad(row[0], row[1], row[2], _DG) for row in store.query(
                     f"SELECT ?s ?p ?o WHERE {{ {{ VALUES ?p {{ {preds} }} ?s ?p ?o "
                     f"FILTER(!isIRI(?o)) }} UNION {{ ?s <{S.POPULARITY}> ?o "
                     f"BIND(<{S.POPULARITY}> AS ?p) FILTER(!COALESCE(isNumeric(?o) && ?o >= 0 && "
                     f"?o < \"INF\"^^<{_XSD_DOUBLE}>, false)) }} }}"))
                 if _unreadable(q)]
        for q in found:
            rel = Relation.from_predicate(q.predicate.value)
            n = staged.report.edges.get(rel.value, 0) if rel is not None else 0
            if rel is not None and n:
                if n > 1:
                    staged.report.edges[rel.value] = n - 1
                else:
                    del staged.report.edges[rel.value]
        server_data = bool(found) and not existing and not self._data_is_empty()
        bad = [q for q in found
               if not (existing and ox.Quad(q.subject, q.predicate, q.object, _EXISTING) in store)
               and not (server_data and q in self._store)]
        return len(bad), tuple(_ntriple(q) for q in bad[:3])

    def _import_warnings(self, staged: StagedImport, version: int,
                         existing: bool) -> CommitWarnings:
        """The edges an RDF import adds whose source or target is no node (no type, no name)
        of the KG it makes, for an import of at most :data:`IMPORT_CHECK_MAX_TRIPLES` triples
        (the check of a 1M-triple load took longer than the load; the check for triples the
        KG cannot read, :meth:`_import_unreadable`, is skipped above that size too): one query
        on the staging store, which holds the file's triples in
        its default graph and, when the KG had data (``existing``), the KG's in a named graph
        (edges the KG had already are not counted). A KG server's data is not staged: the
        endpoints (and edges) the query finds are then looked up on the server."""
        store = staged.store
        if store is None:
            return CommitWarnings(version)
        from kg.bulk import _EXISTING

        if staged.count > IMPORT_CHECK_MAX_TRIPLES:  # (the queries would double a bulk load)
            log.info("import of %d triples: its edges' ends and unreadable triples are not "
                     "checked (more than %d)", staged.count, IMPORT_CHECK_MAX_TRIPLES)
            return CommitWarnings(version)
        unreadable = (0, (), *self._import_unreadable(staged, existing))

        graphs = [""] + ([f"GRAPH <{_EXISTING.value}> "] if existing else [])

        def missing(var: str) -> str:
            found = [f"EXISTS {{ {g}{{ {var} {p} ?x{i}{var[1:]} }} }}"
                     for i, (g, p) in enumerate((g, p) for g in graphs
                                                for p in ("a", f"<{S.NAME}>"))]
            return "!(" + " || ".join(found) + ")"

        old = f"FILTER NOT EXISTS {{ {graphs[-1]}{{ ?s ?p ?o }} }}" if existing else ""
        preds = " ".join(f"<{r.predicate}>" for r in Relation)
        rows = [(row[0], row[1], row[2], row[3].value == "true", row[4].value == "true")
                for row in store.query(
                    f"SELECT ?s ?p ?o ?sm ?om WHERE {{ VALUES ?p {{ {preds} }} ?s ?p ?o . "
                    f"FILTER(isIRI(?s) && isIRI(?o)) {old} BIND({missing('?s')} AS ?sm) "
                    f"BIND({missing('?o')} AS ?om) FILTER(?sm || ?om) }}")]
        if rows and not existing and not self._data_is_empty():  # a KG server's data
            ends = {x for s, _p, o, sm, om in rows for x, m in ((s, sm), (o, om)) if m}
            prefetch = getattr(self._store, "prefetch_subjects", None)
            if prefetch is not None:  # (the ends and the edges' subjects: one request per 500)
                prefetch(list(ends | {r[0] for r in rows}))
            known = {x for x in ends if _holds(self._store, x, (_TYPE, _NAME))}
            rows = [(s, p, o, sm and s not in known, om and o not in known)
                    for s, p, o, sm, om in rows
                    if ox.Quad(s, p, o, _DG) not in self._store]
            rows = [r for r in rows if r[3] or r[4]]
        ends = {x.value for s, _p, o, sm, om in rows for x, m in ((s, sm), (o, om)) if m}
        return CommitWarnings(version, len(rows), tuple(sorted(ends)[:3]), *unreadable)

    # -- reads ---------------------------------------------------------------------------------
    def _data_is_empty(self) -> bool:
        return not bool(self._store.query("ASK { ?s ?p ?o }"))

    @property
    def triple_count(self) -> int:
        """Number of triples in the data graph."""
        self._check()
        for row in self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"):
            return int(row[0].value)
        return 0

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
                value = _property(attr, q.object.value)
                if value is not None:
                    props[attr] = value
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
        prefetch = getattr(self._store, "prefetch_subjects", None)  # a server: batch the reads
        for k in kinds:
            typed = list(self._store.quads_for_pattern(None, _TYPE, _KIND_TYPE[k], _DG))
            for i in range(0, len(typed), 1000):
                chunk = typed[i:i + 1000]
                if prefetch is not None:
                    prefetch([q.subject for q in chunk])
                for q in chunk:
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
        self.refresh()
        return run_query(self._get_store, sparql, bindings)

    def stats(self) -> KGStats:
        """Counts of nodes per kind, edges per relation, data triples and the version."""
        self._check()
        self.refresh()
        by_type = {
            row[0].value: int(row[1].value)
            for row in self._store.query(
                "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t"
            )
        }
        # an edge is a relation's triple whose object is a node's IRI: one whose object is a
        # literal (<p> schema:brand "Samsung") is stored, but no view reads it as an edge
        by_pred = {
            row[0].value: int(row[1].value)
            for row in self._store.query(
                "SELECT ?p (SUM(IF(isIRI(?o), 1, 0)) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
            )
        }
        nodes = {k.value: by_type[k.rdf_type] for k in NodeKind if by_type.get(k.rdf_type)}
        edges = {r.value: by_pred[r.predicate] for r in Relation if by_pred.get(r.predicate)}
        return KGStats(nodes=nodes, edges=edges, triples=self.triple_count, version=self._version)

    def export(self, target: str | os.PathLike[str] | IO[bytes], *, format: str = "turtle") -> None:
        """Write the data graph to a file (atomically) or binary stream.

        ``format``: ``"turtle"``, ``"ntriples"`` or ``"nquads"``.
        """
        self._check()
        self.refresh()
        fmt = _EXPORT_FORMATS.get(format.lower())
        if fmt is None:
            raise ValueError(f"Unknown export format {format!r}; choose turtle, ntriples or nquads")
        prefixes = _PREFIXES if fmt == ox.RdfFormat.TURTLE else None
        if isinstance(target, str | os.PathLike):
            with atomic_path(target) as tmp, open(tmp, "wb") as fh:
                self._store.dump(fh, fmt, from_graph=_DG, prefixes=prefixes)
        else:
            self._store.dump(target, fmt, from_graph=_DG, prefixes=prefixes)

    def to_rdflib(self) -> Any:
        """The KG's data as a read-only rdflib ``Graph``, for rdflib's API and the tools built
        on it (serialisers, SPARQL through ``Graph.query``, pySHACL ...). It reads this KG's
        Oxigraph store in place through oxrdflib (no copy; queries run on Oxigraph) and sees
        the store as it is when read, so take a new one after :meth:`refresh`. Adding or
        removing triples raises :class:`kg.errors.KGError`: change the KG with
        :meth:`transaction`, :meth:`add_records` or :meth:`import_rdf`, which version it.
        Embedded KGs only (a SPARQL server has its own endpoint for rdflib's SPARQLStore).

        Example:
            >>> from kg.schema import Node, NodeKind
            >>> g = ProductGraph.in_memory()
            >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
            >>> rg = g.to_rdflib()
            >>> q = "SELECT ?n WHERE { ?b <https://schema.org/name> ?n }"
            >>> [str(row.n) for row in rg.query(q)]
            ['LG']
        """
        from kg.rdfio import rdflib_view

        self._check()
        self.refresh()
        if self._backend.kind != "embedded":
            raise KGError(f"to_rdflib() reads an embedded store; {self.where} is a SPARQL server:"
                          " use rdflib's SPARQLStore on its endpoint")
        return rdflib_view(self._store, self.where)

    def canonical_hash(self) -> str:
        """SHA-256 (hex) of the sorted N-Triples lines of the data graph (meta graph excluded).

        Stable across stores for graphs without blank nodes (kgqp creates none).
        """
        self._check()
        self.refresh()
        buf = io.BytesIO()
        self._store.dump(buf, ox.RdfFormat.N_TRIPLES, from_graph=_DG)
        lines = sorted(line for line in buf.getvalue().split(b"\n") if line.strip())
        h = hashlib.sha256()
        for line in lines:
            h.update(line)
            h.update(b"\n")
        return h.hexdigest()

    # -- derived views -------------------------------------------------------------------------
    def view(self, name: str, builder: Callable[[ProductGraph], T], *,
             update: ViewUpdate | None = None) -> T:
        """The derived view ``name`` of the current version, built by ``builder(graph)``.

        The first use builds it (under the view-build lock) and registers it. From then on a
        commit (or rollback, or :meth:`refresh` of a read-only handle) brings every registered
        view forward in the committing thread, after the store commit, and swaps them all in at
        once: a reader in another thread keeps the old views until the swap and never builds
        one itself. Readers take no lock. ``name`` identifies the view (use a module prefix,
        e.g. ``"link.index"``); ``builder`` and ``update`` are taken the first time only and
        may call ``view`` for the views they need (while views are brought forward they are
        the new ones).

        ``update(graph, old_value, changes)`` (optional) brings the view forward from the
        :class:`kg.views.ChangeSet` of the commit instead of rebuilding it: it must return a
        new value (the old one stays in use by other threads until the swap, so it must not be
        changed) or ``None`` to have it rebuilt in full. Large change sets
        (``kg.views.INCREMENTAL_MAX_QUADS``) and refreshes without change sets always rebuild.
        A builder or update that fails drops its view (logged; the next use builds it again).
        Inside a :meth:`pinned` block the view is the one of the block's snapshot.

        Example:
            >>> from kg.schema import Node, NodeKind
            >>> g = ProductGraph()
            >>> def brand_labels(graph):
            ...     return sorted(n.label for n in graph.nodes(NodeKind.BRAND))
            >>> g.view("doc.brands", brand_labels)
            []
            >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
            >>> g.view("doc.brands", brand_labels), g.view_version("doc.brands")
            (['LG'], 1)
        """
        self._check()
        if self._rebuild_owner == threading.get_ident():
            return self._view_in_rebuild(name, builder, update)
        snap = self._reading()
        if snap is not None:
            v = snap._view(name)
            if v is None:  # first used in this block: it joins the snapshot
                v = self._served.views.get(name)
                if v is None:
                    with self._view_lock:
                        v = self._new_view(name, builder, update)
                if v.version != snap.version:
                    log.debug("View %s of KG version %d joins a pinned block of version %d "
                              "(first built after a commit)", name, v.version, snap.version)
                snap._joined[name] = v
            return v.value
        self.refresh()
        v = self._served.views.get(name)
        if v is not None:
            return v.value
        with self._view_lock:
            if self._rebuild_owner == threading.get_ident():  # a builder asked for another view
                return self._view_in_rebuild(name, builder, update)
            return self._new_view(name, builder, update).value

    def _new_view(self, name: str, builder: Callable[[ProductGraph], Any],
                  update: ViewUpdate | None) -> _View:
        """View ``name`` of the current version, built and registered unless another thread
        did (under the view-build lock). Registered only while every view served is of the
        version built (not between a commit and the swap of its views: the served ones
        would mix two versions; the next use builds it again)."""
        v = self._served.views.get(name)
        if v is not None:
            return v
        version = self._version
        pins = self._pins
        building = getattr(pins, "building", False)
        pins.building = True  # (in a pinned block too: the views it reads are the current ones)
        try:
            v = _View(version, builder(self), builder, update)
        finally:
            pins.building = building
        served = self._served
        if all(o.version == version for o in served.views.values()):
            self._served = _Served({**served.views, name: v}, version, served.generation)
            log.debug("Built view %s for KG version %d", name, version)
        else:
            log.debug("Built view %s for KG version %d while views of version %d are served: "
                      "not registered", name, version, served.version)
        return v

    @property
    def views_generation(self) -> int:
        """A counter of the derived views this handle serves: it moves whenever a commit,
        rollback or :meth:`refresh` swaps new ones in (a view built for the first time, of
        the version already served, does not move it). Work that must read one KG version
        throughout (a whole batch of parses) compares it before and after, or reads inside
        one :meth:`pinned` block (where it is the snapshot's).

        Example:
            >>> from kg.schema import Node, NodeKind
            >>> g = ProductGraph()
            >>> _ = g.view("doc.count", len)
            >>> before = g.views_generation
            >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
            >>> g.views_generation > before
            True
        """
        snap = self._reading()
        return (snap._served if snap is not None else self._served).generation

    def view_version(self, name: str) -> int | None:
        """The KG version the view ``name`` was built from (``None`` if it was never built;
        inside a :meth:`pinned` block, the snapshot's view)."""
        snap = self._reading()
        v = snap._view(name) if snap is not None else self._served.views.get(name)
        return None if v is None else v.version

    def _view_in_rebuild(self, name: str, builder: Callable[[ProductGraph], Any],
                         update: ViewUpdate | None = None) -> Any:
        pending = self._rebuilding
        assert pending is not None
        v = pending.get(name)
        if v is None:
            old = self._views.get(name)
            build = old.builder if old is not None else builder
            upd = old.update if old is not None else update
            changes = self._rebuild_changes
            value = None
            if (old is not None and upd is not None and changes is not None
                    and old.version == changes.base):
                try:
                    value = upd(self, old.value, changes)
                except Exception as e:
                    if self._rebuild_strict and _is_damage(e):
                        raise  # the store read fails: the caller reopens it and tries again
                    log.exception("Bringing view %s forward to KG version %d failed: rebuilding "
                                  "it", name, self._version)
                if value is None:
                    log.debug("View %s: rebuilt in full for KG version %d", name, self._version)
            # labelled with the version the swap brings the views to, not the handle's: a
            # commit that lands meanwhile is in the next swap's change set (a view that already
            # reads it follows it again: updates re-read the changed subjects)
            v = _View(self._rebuild_version, build(self) if value is None else value, build,
                      upd)
            pending[name] = v
        return v.value

    def _served_view(self, name: str) -> Any:
        """The value of view ``name`` that readers use now (while views are brought forward:
        the one of the version before), or ``None``."""
        v = self._views.get(name)
        return None if v is None else v.value

    def _rebuild_views(self, changes: ChangeSet | None = None, *, strict: bool = False) -> None:
        """Bring every registered view to the current version (from ``changes``, the change set
        since the views' version, where a view can follow it; else rebuilt), then swap them in
        at once; a pinned block of this thread moves to them (:meth:`_repin`). ``strict``: a
        store read that fails as damage would (files a writer's compaction deleted) raises,
        and nothing is swapped in, instead of dropping the view."""
        try:
            self._swap_views(changes, strict)
        finally:
            self._repin()

    def _swap_views(self, changes: ChangeSet | None, strict: bool) -> None:
        with self._view_lock:
            served = self._served
            current = served.views
            version = self._version
            if all(v.version == version for v in current.values()):
                if served.version != version:  # no views yet, or all built for it meanwhile
                    self._served = _Served(current, version, served.generation)
                self._drop_change_sets(version)
                return
            base = min(v.version for v in current.values() if v.version != version)
            if changes is not None and (changes.base, changes.version) != (base, version):
                # other commits of this handle landed before this swap (or their swaps came
                # first): bring the views forward through every version's change set
                chained = self._chained_changes(base, version)
                changes = chained if chained is not None else (
                    changes if changes.version == version else None)
            if changes is not None and len(changes) > INCREMENTAL_MAX_QUADS:
                changes = None
            self._rebuilding = {}
            self._rebuild_changes = changes
            self._rebuild_version = version
            self._rebuild_strict = strict
            self._rebuild_owner = threading.get_ident()
            started = time.perf_counter()
            try:
                for name, old in current.items():
                    if name in self._rebuilding:
                        continue
                    if old.version == version:
                        self._rebuilding[name] = old
                        continue
                    try:
                        self._view_in_rebuild(name, old.builder)
                    except Exception as e:
                        if strict and _is_damage(e):
                            raise
                        log.exception("Rebuilding view %s for KG version %d failed", name, version)
                new = {n: self._rebuilding[n] for n in current if n in self._rebuilding}
                new.update(self._rebuilding)
                self._served = _Served(new, version, served.generation + 1)
                self._drop_change_sets(version)
                for name, old in current.items():
                    if name not in new or new[name].value is not old.value:
                        release(old.value)
            finally:
                self._rebuilding = None
                self._rebuild_changes = None
                self._rebuild_strict = False
                self._rebuild_owner = None
            log.info(
                "%s %d view(s) for KG version %d in %.3f s",
                "Rebuilt" if changes is None else f"Brought forward (+{len(changes.added)} "
                f"-{len(changes.removed)} triples"
                + (f", versions {changes.base + 1}..{changes.version}"
                   if changes.version - changes.base > 1 else "") + ")",
                len(new),
                version,
                time.perf_counter() - started,
            )

    def _chained_changes(self, base: int, version: int) -> ChangeSet | None:
        """The change set from ``base`` to ``version`` chained from this handle's commits'
        (``None`` when one is missing: another process's or a bulk import's version, or too
        large)."""
        with self._change_sets_lock:
            sets = [self._change_sets.get(v) for v in range(base + 1, version + 1)]
        if not sets or any(cs is None for cs in sets) \
                or sum(len(cs) for cs in sets if cs is not None) > INCREMENTAL_MAX_QUADS:
            return None
        return ChangeSet.of(base, version, [(cs.added, cs.removed) for cs in sets
                                            if cs is not None])

    def _drop_change_sets(self, version: int) -> None:
        """Forget the change sets of ``version`` and before (the views are brought past them)."""
        with self._change_sets_lock:
            if self._change_sets:
                self._change_sets = {v: cs for v, cs in self._change_sets.items() if v > version}

    def to_networkx(self) -> nx.MultiDiGraph:
        """The KG as a networkx ``MultiDiGraph`` (node id = IRI; attrs ``kind``, ``label``,
        ``aliases``, ``attribute``, ``popularity``, ``path``; edge attr ``relation``).

        A registered view (:meth:`view`, name ``"kg.networkx"``) tagged with its version
        (``G.graph["kg_version"]``); treat it as read-only (``.copy()`` it to modify).
        """
        return self.view("kg.networkx", _build_networkx, update=_update_networkx)

    def _build_networkx(self) -> nx.MultiDiGraph:
        import networkx as nx

        version = self._version
        g = nx.MultiDiGraph(kg_version=version)
        for info in self.node_table().values():
            g.add_node(info.iri, **networkx_attrs(info))
        for r in Relation:
            for q in self._store.quads_for_pattern(None, _REL_PRED[r], None, _DG):
                if isinstance(q.object, ox.NamedNode):
                    g.add_edge(q.subject.value, q.object.value, key=r.value, relation=r.value)
        return g

    def node_table(self) -> dict[str, NodeInfo]:
        """Every typed node of the current version with its properties, by IRI (a registered
        view, name ``"kg.node_table"``; treat it as read-only)."""
        return self.view("kg.node_table", _build_node_table, update=_update_node_table)

    def _node_info(self, iri: str) -> NodeInfo | None:
        """One subject read as :meth:`_node_table` reads every one (``None``: no typed node)."""
        s = ox.NamedNode(iri)
        kind = next((k for k in NodeKind if any(
            self._store.quads_for_pattern(s, _TYPE, _KIND_TYPE[k], _DG))), None)
        if kind is None:
            return None
        props: dict[str, Any] = {}
        for attr, pred in (("label", _NAME), *_SINGLE.items()):
            for q in self._store.quads_for_pattern(s, pred, None, _DG):
                value = _property(attr, q.object.value)
                if value is not None:
                    props[attr] = value
                    break
        aliases = sorted(q.object.value for q in
                         self._store.quads_for_pattern(s, _ALIAS, None, _DG))
        return NodeInfo(iri=iri, kind=kind, aliases=tuple(aliases),
                        **{"label": None, **props})

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
                    value = _property(attr, q.object.value)
                    if value is not None:
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
        """The alias index of the current version (a registered view, name ``"kg.alias_index"``:
        built on first use, rebuilt by each commit outside any reader's path)."""
        return self.view("kg.alias_index", _build_alias_index, update=_update_alias_index)

    @property
    def vocabulary(self) -> Vocabulary:
        """The content words of the KG's names and aliases (:class:`kg.link.Vocabulary`) of
        the current version: a registered view (name ``"kg.vocabulary"``) brought forward from
        the alias index's changed keys by each commit.

        >>> from kg.schema import Node, NodeKind
        >>> g = ProductGraph.in_memory()
        >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
        >>> g.vocabulary.knows("lg oled"), g.vocabulary.knows("qzxv")
        (True, False)
        """
        return self.view("kg.vocabulary", _build_vocabulary, update=_update_vocabulary)

    def _build_alias_index(self) -> AliasIndex:
        version = self._version
        entries = [c for info in self.node_table().values() for c in _candidates_of(info)]
        return AliasIndex(entries, version=version)

    def match(self, text: str) -> list[Match]:
        """Every KG name/alias inside ``text`` (see :class:`kg.index.AliasIndex`)."""
        return self.alias_index.match(text)

    def link(self, mention: str, label: str | None = None,
             context: str | QueryContext | None = None) -> LinkResult:
        """Rank KG nodes for ``mention`` (a span tagged ``label``) in the query ``context``
        (its text, or a :class:`kg.link.QueryContext` shared by the query's mentions).

        Returns a :class:`kg.link.LinkResult` (candidates with scores, and the NIL decision);
        see :class:`kg.link.EntityLinker` for the candidates and the scoring.

        This is the KG's bare linker: a plain :class:`kg.link.EntityLinker` with the default
        :class:`kg.link.LinkerConfig`, which no parse links with. A parse links with its
        bundle's linker settings, told its tagger's WordPiece vocabulary (a word of it is no
        typo of a KG name: "airpods" is no Airpots, "sneakers" no Speakers) and its intent
        model's label space (of the categories of one name, the one it knows: Best Buy's
        Puzzles, not Google's), so the two can differ (30 of the 9,444 distinct QueryNER train
        spans of a linkable label, with the default bundle). For the parse's link, use
        ``QueryParser.from_pretrained(bundle, kg=graph).entity_linker.link(mention, label=...,
        context=...)`` (candidates and scores), ``QueryParser.link_entity`` (the span as a
        parse links it, with its fallbacks) or ``kgqp kg link`` (which links as the default
        bundle's parse does unless ``--no-bundle``).
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
        committed = False
        changes: ChangeSet | None = None
        try:
            if exc_type is None:
                before = g._version
                tx.version = g._commit(tx)
                committed = tx.version != before
                if committed:
                    changes = tx._changes
            elif exc is not None:
                log.debug("Transaction rolled back: %s", exc)
        finally:
            tx._done = True
            tx._store = None  # a finished transaction must not keep the store (and its lock) alive
            tx._add_by_subject.clear()
            tx._add.clear()
            tx._remove.clear()
            tx._edges.clear()
            g._tx_owner = None
            g._lock.release()
        if committed:
            # derived views follow the commit here, in the committing thread, and are swapped in
            # whole: readers in other threads keep the old ones meanwhile and never build them
            g._rebuild_views(changes)


@dataclass(frozen=True, slots=True)
class _View:
    version: int
    value: Any
    builder: Callable[[ProductGraph], Any]
    update: ViewUpdate | None = None


@dataclass(frozen=True, slots=True)
class _Served:
    """What a handle serves readers, swapped in as one object: the views (never changed in
    place), the version they are of, and the count of swaps
    (:attr:`ProductGraph.views_generation`)."""

    views: Mapping[str, _View]
    version: int
    generation: int


class KGSnapshot:
    """The derived views of one KG version, as a :meth:`ProductGraph.pinned` block reads them
    (not a copy of the data: views are never changed in place, so holding them is enough).
    Opaque: take one with :meth:`ProductGraph.snapshot` and pass it to
    :meth:`ProductGraph.pinned` to read the same version in a later block.

    >>> g = ProductGraph()
    >>> g.snapshot()
    KGSnapshot(version=0, views=0)
    """

    __slots__ = ("_graph", "_joined", "_served")

    def __init__(self, graph: ProductGraph, served: _Served) -> None:
        self._graph = graph
        self._served = served
        #: views first used inside a block of this snapshot (see ProductGraph.pinned)
        self._joined: dict[str, _View] = {}

    @property
    def version(self) -> int:
        """The KG version of the snapshot's views."""
        return self._served.version

    def view_versions(self) -> dict[str, int]:
        """The KG version each derived view the snapshot holds was built at, by view name:
        all :attr:`version`, except a view first used inside a pinned block after a commit,
        which joins the snapshot at the version the KG had then.

        >>> ProductGraph().snapshot().view_versions()
        {}
        """
        views = {**self._joined, **self._served.views}
        return {name: v.version for name, v in views.items()}

    def _view(self, name: str) -> _View | None:
        v = self._served.views.get(name)
        return v if v is not None else self._joined.get(name)

    def __repr__(self) -> str:
        return f"KGSnapshot(version={self.version}, views={len(self._served.views)})"


def _build_networkx(graph: ProductGraph) -> nx.MultiDiGraph:
    return graph._build_networkx()


def _build_node_table(graph: ProductGraph) -> dict[str, NodeInfo]:
    # one scan of the store per commit, shared by the networkx view and the alias index
    return graph._node_table()


def _build_alias_index(graph: ProductGraph) -> AliasIndex:
    return graph._build_alias_index()


def _build_vocabulary(graph: ProductGraph) -> Vocabulary:
    return Vocabulary.of_index(graph.alias_index)


def _update_vocabulary(graph: ProductGraph, old: Vocabulary, changes: ChangeSet,
                       ) -> Vocabulary | None:
    before: AliasIndex | None = graph._served_view("kg.alias_index")
    if before is None:
        return None
    return old.updated(before, graph.alias_index)


def _update_node_table(graph: ProductGraph, old: dict[str, NodeInfo], changes: ChangeSet,
                       ) -> dict[str, NodeInfo]:
    return update_node_table(old, changes, graph._node_info)


_RELATION_NAMES = {r.predicate: r.value for r in Relation}


def _update_networkx(graph: ProductGraph, old: nx.MultiDiGraph, changes: ChangeSet,
                     ) -> nx.MultiDiGraph:
    return update_networkx(old, changes, graph.node_table(), _RELATION_NAMES, graph._version)


def _update_alias_index(graph: ProductGraph, old: AliasIndex, changes: ChangeSet,
                        ) -> AliasIndex | None:
    before: dict[str, NodeInfo] | None = graph._served_view("kg.node_table")
    if before is None:
        return None
    after = graph.node_table()
    entries: dict[str, list[Candidate]] = {}
    for iri in changes.subjects:
        info = after.get(iri)
        if info is not None:
            entries[iri] = _candidates_of(info)
    removed = {iri: _candidates_of(before[iri]) for iri in changes.subjects if iri in before}
    return old.updated(removed, entries, version=graph._version)


def _property(attr: str, value: str) -> Any:
    """A node property as read from the store: popularity as a float (``None``: not a finite
    number >= 0, :func:`kg.schema.check_popularity`, skipped: the commit warned of it), any
    other property as it is."""
    if attr != "popularity":
        return value
    try:
        return S.check_popularity(float(value))
    except (TypeError, ValueError):
        return None


def _candidates_of(info: NodeInfo) -> list[Candidate]:
    """The alias index entries of a node: its name, then its aliases."""
    names = ([info.label] if info.label else []) + list(info.aliases)
    return [Candidate(info.iri, info.kind, info.label or name, info.attribute, info.popularity,
                      name) for name in names]


@contextlib.contextmanager
def _decompressed(path: Path, kg_dir: Path | None) -> Iterator[Path]:
    """``path`` itself, or for ``x.nt.gz`` a decompressed copy ``x.nt`` in a temporary file
    beside the KG (removed afterwards); errors name ``path``, not the copy."""
    if path.suffix.lower() != ".gz":
        yield path
        return
    import gzip
    import tempfile

    # named like an import's work directory: a writer removes it after a crash
    fd, name = tempfile.mkstemp(prefix=".import-gz-", suffix=".tmp", dir=kg_dir)
    plain = Path(name)
    try:
        try:
            with os.fdopen(fd, "wb") as out, gzip.open(path, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
        except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
            raise KGLoadError(f"{path}: cannot decompress it ({e})") from None
        try:
            yield plain
        except KGLoadError as e:
            raise KGLoadError(str(e).replace(str(plain), str(path))) from None
    finally:
        plain.unlink(missing_ok=True)


def _is_damage(e: BaseException) -> bool:
    """RocksDB 'Corruption' errors, and files of the store's own that are missing."""
    msg = str(e).lower()
    return "corrupt" in msg or ("no such file" in msg and "/store/" in msg)


def _store_version(store: ox.Store) -> int:
    best = 0
    for q in store.quads_for_pattern(None, _VERSION_PRED, None, _META):
        try:
            best = max(best, int(q.object.value))
        except ValueError:
            continue
    return best


def _update_string(added: list[ox.Quad], removed: list[ox.Quad], meta: ox.Quad) -> str:
    parts = []
    if removed:
        parts.append("DELETE DATA {\n" + "\n".join(f"{q.triple} ." for q in removed) + "\n}")
    ins = "\n".join(f"{q.triple} ." for q in added)
    parts.append(f"INSERT DATA {{\n{ins}\nGRAPH <{META_GRAPH_IRI}> {{ {meta.triple} . }}\n}}")
    return " ;\n".join(parts)


#: a commit of at least this many triples flushes the store's write-ahead log to its tables
#: (about 0.1 s for 60k triples), so read-only opens do not replay it
FLUSH_AFTER_QUADS = 10_000


def _flush_store(store: ox.Store, path: Path) -> None:
    """Flush the store's memtables and write-ahead log to its tables, best effort: the data
    is committed already; a failed flush costs the next read-only opens time, not data."""
    started = time.perf_counter()
    try:
        store.flush()
    except (OSError, RuntimeError) as e:
        log.warning("Could not flush the KG store at %s/store (%s): read-only opens replay its "
                    "write-ahead log until a writer opens it", path, e)
        return
    log.debug("Flushed the KG store at %s/store in %.3f s", path, time.perf_counter() - started)


class _EmbeddedBackend:
    """Versions of an embedded KG: a version log in ``KGDIR/versions`` (or in memory) written
    before each store commit; bulk imports swapped in as a whole new store directory."""

    kind = "embedded"

    def __init__(self, graph: ProductGraph) -> None:
        # a weak proxy: no graph <-> backend cycle, so a graph whose open failed is freed (and
        # its store's lock released) at once, as before backends existed
        self._g = weakref.proxy(graph)
        #: why the last commit failed (the disk full), until one succeeds; else None
        self.degraded: str | None = None
        self._failed = False  # a store write failed: the next commit reopens the store

    @property
    def store(self) -> ox.Store:
        return self._g._store

    @property
    def log(self) -> VersionLog:
        return self._g._log

    def store_version(self, *, quick: bool = False) -> int:
        return _store_version(self._g._store)

    def close(self) -> None:
        """Nothing beyond the store, which the graph releases."""

    def commit(self, info: VersionInfo, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
        g = self._g
        self._reopen_failed()
        try:
            g._log.write(info, added, removed)
        except OSError as e:  # (the log is written first: a full disk fails here, mostly)
            g._log.discard(info.version)
            self.degraded = f"the commit of version {info.version} failed: {e}"
            raise _write_error(e, f"The version log of {g.path} could not be written for "
                               f"version {info.version} ({e}); nothing of it was committed. "
                               "Free disk space (or fix the I/O error) and retry") from e
        meta = _meta_quad(info.version)
        try:
            if removed:
                g._store.update(_update_string(added, removed, meta))
            else:
                g._store.extend([*added, meta])
        except BaseException as e:
            # the store rejected the commit (or we were interrupted): drop its log
            if g._read_store_version() < info.version:
                g._log.discard(info.version)
            if isinstance(e, (OSError, RuntimeError)) and g.path is not None:
                raise self._write_failed(info.version, e) from e
            raise
        self.degraded = None
        if len(added) + len(removed) >= FLUSH_AFTER_QUADS and g.path is not None:
            # a large commit (a rollback of a bulk load: its removals go through the log) is
            # flushed at once: else each read-only open replays the whole log (158 MB, 22 s
            # for a 1M-triple rollback) until a writer reopens the store
            _flush_store(g._store, g.path)

    def _write_failed(self, version: int, e: BaseException) -> KGWriteError:
        """A commit the store could not write (the disk full): RocksDB keeps that handle in an
        error state that refuses every later write, so the next commit reopens the store first
        (:meth:`_reopen_failed`; not here: the failed call still holds the handle); until a
        commit succeeds, :attr:`ProductGraph.degraded` says why."""
        self._failed = True
        self.degraded = f"the commit of version {version} failed: {e}"
        # give up the failed handle now (reads go on through a read-only one): RocksDB
        # releases it once the failed call has unwound; dropped later, after space comes back,
        # its error recovery kept the store locked
        with contextlib.suppress(Exception):
            self._g._store = self._g._open_read_only()
        return _write_error(
            e, f"The KG store at {self._g.path}/store could not write version {version} ({e}); "
            "nothing of it was committed. Free disk space (or fix the I/O error) and retry: "
            "the next commit reopens the store.")

    def _reopen_failed(self) -> None:
        """Reopen the store after a failed write (the directory's writer lock stays held)."""
        if not self._failed:
            return
        import gc

        g = self._g
        del g._store
        gc.collect()  # (the failed handle may sit in a reference cycle)
        deadline = time.monotonic() + 5.0
        while True:  # RocksDB releases its lock when its background work on the handle ends
            try:
                g._store = g._open_store()
                break
            except (OSError, RuntimeError, KGError) as e:
                if time.monotonic() < deadline and isinstance(e, KGLockedError):
                    time.sleep(0.05)
                    continue
                g._store = g._open_read_only()  # reads go on
                raise KGWriteError(
                    f"The KG store at {g.path}/store cannot be reopened for writing after a "
                    f"failed commit ({e}): restart the process once the cause is fixed"
                ) from None
        self._failed = False
        log.info("Reopened the KG store of %s after a failed commit", g.path)

    def prunable(self, floor: int) -> list[int]:
        return self._g._log.prunable(floor)

    def prune(self, floor: int) -> list[int]:
        """Snapshot the data (on disk), record the floor, then delete the change sets."""
        g = self._g
        record = g._log.pruned()
        current = 0 if record is None else int(record["floor"])
        if floor > current:
            base = None
            if g.path is not None:
                base = g._version
                snapshot = g._log.base_path(base)
                if record is None or record.get("base") != base or not snapshot.is_file():
                    _write_snapshot(g._store, snapshot)
            g._log.record_pruned(floor, base=base,
                                 base_digest=g._digest if base is not None else None)
        return g._log.delete_change_sets(max(floor, current))

    def existing_for_import(self, work: Path) -> Path | None:
        g = self._g
        if g._data_is_empty():
            return None
        existing = work / "existing.nt"
        g._store.dump(existing, ox.RdfFormat.N_TRIPLES, from_graph=_DG)
        return existing

    def commit_bulk(self, graph: ProductGraph, staged: StagedImport, info: VersionInfo,
                    work: Path, *, reuse_staging: bool) -> VersionInfo:
        g = self._g
        self._reopen_failed()
        meta = _meta_quad(info.version)
        if g.path is None:
            g._log.write_file(info, staged.log_file)
            g._store.load(path=staged.log_file, format=ox.RdfFormat.N_QUADS)
            g._store.add(meta)
        else:
            self._swap_in_bulk(staged, info, meta, work, reuse_staging=reuse_staging)
        return info

    def _swap_in_bulk(
        self, staged: StagedImport, info: VersionInfo, meta: ox.Quad, work: Path, *,
        reuse_staging: bool
    ) -> None:
        """Build the next store beside the current one, log the version, swap the store in."""
        g = self._g
        assert g.path is not None and staged.store is not None
        old_meta = list(g._store.quads_for_pattern(None, None, None, _META))
        if reuse_staging:  # the KG had no data: the staging store is the next store
            assert staged.store_dir is not None
            nxt = staged.store_dir
            if set(staged.extra) != {*old_meta, meta}:  # else bulk-loaded with the data
                staged.store.extend([*old_meta, meta])
                staged.store.flush()
            staged.close()
        else:
            staged.close()
            release_memory()  # the in-memory staging store, before the bulk loader's buffers
            nxt = work / "next"
            g._store.flush()
            g._store.backup(str(nxt))
            new = ox.Store(str(nxt))
            # our own canonical N-Quads, validated when staged: no second validation pass
            new.bulk_load(path=staged.log_file, format=ox.RdfFormat.N_QUADS, lenient=True)
            new.add(meta)
            new.flush()
            del new
        g._log.write_file(info, staged.log_file)  # the log goes first, as for every commit
        store_dir = g.path / "store"
        try:
            del g._store  # releases RocksDB's lock; reopened right after the swap
            replace_dir(nxt, store_dir)
        except BaseException:
            g._store = g._open_store()
            if g._read_store_version() < info.version:
                g._log.discard(info.version)
            raise
        g._store = g._open_store()

    def refresh(self, graph: ProductGraph, *, force: bool = False) -> bool:
        g = graph
        if not g.read_only or g.path is None:
            return False
        nxt = g._version + 1
        if not g._log.has(nxt):
            return False
        waiting = g._refresh_waiting
        if waiting is not None and waiting[0] == nxt and time.monotonic() < waiting[1]:
            return False  # the log of nxt is written but its store commit was not visible yet
        if not g._refresh_lock.acquire(blocking=False):
            return False  # another thread is refreshing; keep reading the current version
        try:
            if g._version + 1 != nxt:
                return False
            return self._refresh_locked(g, nxt)
        finally:
            g._refresh_lock.release()

    def _refresh_locked(self, g: ProductGraph, nxt: int) -> bool:
        """Reopen the store, read its version and bring the views forward, all tried again
        (for about :data:`REFRESH_RETRY_S`) when a read fails as damage would: a writer that
        opens compacts the store and deletes files the new handle's manifest still named.
        Failing still, the handle goes back to its store, version and views (logged) and tries
        again :data:`REFRESH_RETRY_AFTER_S` later: a parse never fails for it."""
        old = (g._store, g._version, g._digest)
        delay, deadline = 0.01, time.monotonic() + REFRESH_RETRY_S
        while True:
            try:
                store = g._open_read_only()
                version = _store_version(store)
                if version <= old[1]:
                    g._refresh_waiting = (nxt, time.monotonic() + 0.2)
                    return False
                g._store, g._version = store, version
                g._digest = g._load_digest()
                g._rebuild_views(logged_changes(g._log, old[1], version), strict=True)
            except (OSError, RuntimeError, KGError) as e:
                g._store, g._version, g._digest = old
                if _is_damage(e) and time.monotonic() < deadline:
                    log.debug("Refreshing %s failed (%s); trying again", g.path, e)
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
                    continue
                g._refresh_waiting = (nxt, time.monotonic() + REFRESH_RETRY_AFTER_S)
                log.warning("Could not refresh the KG at %s to its newer version (%s: %s); "
                            "serving version %d, trying again in %.0f s", g.path,
                            type(e).__name__, e, old[1], REFRESH_RETRY_AFTER_S)
                return False
            g._refresh_waiting = None
            log.info("KG at %s refreshed to version %d", g.path, version)
            return True


def _write_error(e: BaseException, message: str) -> KGWriteError:
    """A :class:`KGWriteError` with ``message``, carrying ``e``'s errno (ENOSPC) if any."""
    code = getattr(e, "errno", None)
    return KGWriteError(code, message) if code else KGWriteError(message)


#: a writer's lock on its KG directory, held while it is open (beside RocksDB's own lock on
#: the store, which a bulk load releases while it swaps the new store in)
WRITER_LOCK = ".writer.lock"


#: the lock descriptors of this process's open writers: a forked child closes its copies, so
#: that the writer's close in the parent releases the lock (flock belongs to the open file
#: description, which fork shares: a child sleeping on kept the KG locked)
_LOCK_FDS: set[int] = set()


#: this process's open writers (path-based): a forked child demotes its copies to readers
_WRITERS: weakref.WeakSet[ProductGraph] = weakref.WeakSet()


def _close_lock_fds_in_child() -> None:
    for fd in list(_LOCK_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _LOCK_FDS.clear()
    # a forked child's copy of a writer has no lock (closed above): were it to commit, the
    # parent's next commit would take the same version number and one of the two changes
    # would be lost. It refuses to write, saying why, and reads the version it was forked at
    # (its store is the parent's writer, which a child must not close or replace: RocksDB's
    # threads are not in the child; open the KG read-only in the child to follow commits)
    parent = os.getppid()
    for g in list(_WRITERS):
        g._forked_from = parent
        g._writer_fd = None
    _WRITERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_lock_fds_in_child)


def _writer_lock(path: Path, locked: Callable[[], KGLockedError]) -> int | None:
    """Take the writer lock of the KG directory ``path`` (an exclusive ``flock`` on
    ``path/.writer.lock``); its file descriptor, or ``locked()`` raised when another writer
    holds it. None where ``flock`` does not exist (RocksDB's lock is then the only one)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fd = os.open(path / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:  # a read-only folder, another user's: no writer can open it
        raise KGError(f"Cannot open the KG at {path} for writing: {e} (open it with "
                      "read_only=True to read it)") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise locked() from None
    _LOCK_FDS.add(fd)
    return fd


def _write_snapshot(store: ox.Store, target: Path) -> None:
    """The data graph of ``store`` as gzipped N-Triples at ``target`` (atomically)."""
    import gzip

    with atomic_path(target) as tmp, open(tmp, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as fh:
        store.dump(fh, ox.RdfFormat.N_TRIPLES, from_graph=_DG)


def _load_snapshot(store: ox.Store, path: Path) -> str:
    """Add the triples of a snapshot (:func:`_write_snapshot`) to ``store``; their digest."""
    import gzip

    digest, batch = EMPTY_DIGEST, []
    try:
        with gzip.open(path, "rb") as fh:
            for q in ox.parse(fh, format=ox.RdfFormat.N_TRIPLES):
                batch.append(q)
                if len(batch) >= 100_000:
                    digest = digest_add(digest, batch, ())
                    store.extend(batch)
                    batch = []
    except (SyntaxError, OSError, EOFError) as e:
        raise KGCorruptError(f"The snapshot {path} is damaged ({e}); nothing was changed") \
            from None
    digest = digest_add(digest, batch, ())
    store.extend(batch)
    return digest


def _meta_quad(version: int) -> ox.Quad:
    return ox.Quad(
        ox.NamedNode(f"{META_GRAPH_IRI}/version/{version}"),
        _VERSION_PRED,
        ox.Literal(version),
        _META,
    )
