"""Derived views of the KG that follow a small commit without being rebuilt.

A :class:`kg.ProductGraph` keeps derived views (the node table, the networkx graph, the alias
index, the linker's node table, the fusion model's graph context ...) for its current version
(:meth:`kg.ProductGraph.view`). A commit used to rebuild all of them: about 4 s of Python for
the 164k-triple default KG, during which a service's parses shared the interpreter with the
rebuild. A view registered with an ``update`` function is instead brought forward from the
triples the commit added and removed (a :class:`ChangeSet`), in milliseconds for a small commit.
The new value never shares a mutable part with the old one that it changes: readers in other
threads keep using the old value, untouched, until the new views are swapped in together.

An ``update`` returns ``None`` when the change is beyond what it can follow (too large, or it
moves something every entry depends on); the view is then rebuilt in full, as before.

Example:
    >>> import pyoxigraph as ox
    >>> q = ox.Quad(ox.NamedNode("https://x/a"), ox.NamedNode("https://x/p"),
    ...             ox.NamedNode("https://x/b"))
    >>> cs = ChangeSet(base=3, version=4, added=(q,), removed=())
    >>> sorted(cs.subjects), sorted(cs.nodes), len(cs)
    (['https://x/a'], ['https://x/a', 'https://x/b'], 1)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from kg.errors import KGError, KGRemoteError

if TYPE_CHECKING:
    import networkx as nx

    from kg.versions import VersionInfo

#: a ``kg.graph.NodeInfo`` (not imported: kg.graph imports this module)
NodeInfo = Any

__all__ = ["INCREMENTAL_MAX_QUADS", "ChangeLog", "ChangeSet", "ViewUpdate", "logged_changes",
           "networkx_attrs", "release", "update_networkx", "update_node_table"]

log = logging.getLogger(__name__)

#: a change set larger than this rebuilds every view in full (the incremental paths copy the
#: outer dicts of each view anyway; beyond this a rebuild is about as fast)
INCREMENTAL_MAX_QUADS = 20_000


@dataclass(frozen=True)
class ChangeSet:
    """The default-graph triples that commits ``base + 1 .. version`` added and removed."""

    base: int
    version: int
    added: tuple[ox.Quad, ...]
    removed: tuple[ox.Quad, ...]

    def __len__(self) -> int:
        return len(self.added) + len(self.removed)

    @cached_property
    def subjects(self) -> frozenset[str]:
        """IRIs of the subjects of the changed triples (the nodes whose properties moved)."""
        return frozenset(q.subject.value for q in (*self.added, *self.removed)
                         if isinstance(q.subject, ox.NamedNode))

    @cached_property
    def nodes(self) -> frozenset[str]:
        """The subjects and the IRI objects (edge ends whose degree moved)."""
        objects = {q.object.value for q in (*self.added, *self.removed)
                   if isinstance(q.object, ox.NamedNode)}
        return self.subjects | objects

    @cached_property
    def predicates(self) -> frozenset[str]:
        return frozenset(q.predicate.value for q in (*self.added, *self.removed))

    @classmethod
    def of(cls, base: int, version: int, sets: Iterable[tuple[Sequence[ox.Quad],
                                                           Sequence[ox.Quad]]]) -> ChangeSet:
        """The net change of consecutive change sets ``(added, removed)`` (default graph)."""
        net: dict[ox.Quad, bool] = {}  # quad -> True added / False removed
        for added, removed in sets:
            for q in removed:
                if net.get(q) is True:
                    del net[q]  # added, then removed again
                else:
                    net[q] = False
            for q in added:
                if net.get(q) is False:
                    del net[q]
                else:
                    net[q] = True
        dg = ox.DefaultGraph()
        return cls(base, version,
                   tuple(q for q, a in net.items() if a and q.graph_name == dg),
                   tuple(q for q, a in net.items() if not a and q.graph_name == dg))


class ChangeLog(Protocol):
    """What :func:`logged_changes` reads: a KG's version log (:class:`kg.versions.VersionLog`
    on disk, :class:`kg.sparql.GraphVersionLog` in a SPARQL server)."""

    def info(self, version: int) -> VersionInfo: ...

    def changes(self, version: int) -> tuple[list[ox.Quad], list[ox.Quad]]: ...


def logged_changes(log_: ChangeLog, base: int, version: int, *,
                   max_versions: int = 64) -> ChangeSet | None:
    """The change set from ``base`` to ``version`` read from a version log, for a reader whose
    views are at ``base`` (another process committed since). ``None``, and the views are
    rebuilt, when it spans more than ``max_versions`` versions or more than
    :data:`INCREMENTAL_MAX_QUADS` quads by the logged counts (a bulk import's change set is not
    read at all), when a change set cannot be read, or when the log was pruned past ``base``
    (its ``floor()``, see :meth:`kg.ProductGraph.prune_versions`). A KG server that cannot be
    reached raises :class:`~kg.errors.KGRemoteError`.

    Example:
        >>> from kg.versions import VersionInfo, VersionLog
        >>> vlog = VersionLog(None)  # in memory
        >>> q = ox.Quad(ox.NamedNode("https://x/a"), ox.NamedNode("https://x/p"), ox.Literal("b"))
        >>> vlog.write(VersionInfo(1, None, "add a", 1, 0, "digest"), [q], [])
        >>> vlog.write(VersionInfo(2, None, "remove a", 0, 1, "digest"), [], [q])
        >>> len(logged_changes(vlog, 0, 1)), len(logged_changes(vlog, 0, 2))  # netted out
        (1, 0)
        >>> logged_changes(vlog, 0, 2, max_versions=1) is None
        True
    """
    if not 0 <= base < version or version - base > max_versions:
        return None
    try:
        floor_of = getattr(log_, "floor", None)
        floor = floor_of() if floor_of is not None else 0
        if base < floor:
            log.info("Change sets %d..%d were pruned (the log keeps those after version %d): "
                     "rebuilding the views", base + 1, version, floor)
            return None
        versions = range(base + 1, version + 1)
        infos = [log_.info(v) for v in versions]
        if sum(i.added + i.removed for i in infos) > INCREMENTAL_MAX_QUADS:
            return None
        return ChangeSet.of(base, version, [log_.changes(v) for v in versions])
    except KGRemoteError:
        raise  # a server gone away: the caller keeps its views and tries again later
    except KGError as e:
        log.warning("Change sets %d..%d unreadable (%s): rebuilding the views", base + 1,
                    version, e)
        return None


#: ``update(graph, old_value, changes) -> new value | None``: the view brought forward, or
#: ``None`` to rebuild it in full
ViewUpdate = Callable[[Any, Any, ChangeSet], Any]


def update_node_table(old: Mapping[str, NodeInfo], changes: ChangeSet,
                      read: Callable[[str], NodeInfo | None]) -> dict[str, NodeInfo]:
    """The node table with the changed subjects read again (``read(iri)``; ``None``: the subject
    is no typed node any more)."""
    new = dict(old)
    for iri in changes.subjects:
        info = read(iri)
        if info is None:
            new.pop(iri, None)
        else:
            new[iri] = info
    return new


def networkx_attrs(info: NodeInfo) -> dict[str, Any]:
    """The networkx node attributes of a node table entry (see ``ProductGraph.to_networkx``)."""
    return {"kind": info.kind.value if info.kind else None, "label": info.label,
            "aliases": list(info.aliases), "attribute": info.attribute,
            "popularity": info.popularity, "path": info.path}


def update_networkx(old: nx.MultiDiGraph, changes: ChangeSet, table: Mapping[str, NodeInfo],
                    relations: Mapping[str, str], version: int) -> nx.MultiDiGraph:
    """A new ``MultiDiGraph`` equal to the full build at ``version`` (node id = IRI; one edge
    per relation triple, key = relation): the old graph's outer dicts are copied, and only the
    inner dicts of the nodes the change touches are copied before they change, so the old graph
    stays exactly as it was. ``relations`` maps a relation predicate IRI to its name. Graph
    attributes (``G.graph``, where consumers cache per-graph data) start empty."""
    import networkx as nx

    g = nx.MultiDiGraph(kg_version=version)
    g._node = dict(old._node)
    g._adj = dict(old._adj)
    g._pred = dict(old._pred)
    own_succ: set[str] = set()
    own_pred: set[str] = set()

    def ensure(n: str) -> None:
        if n not in g._node:
            g._node[n] = {}
            g._adj[n], g._pred[n] = {}, {}
            own_succ.add(n)
            own_pred.add(n)

    def succ(u: str) -> dict:
        if u not in own_succ:
            g._adj[u] = dict(g._adj[u])
            own_succ.add(u)
        return g._adj[u]

    def pred(v: str) -> dict:
        if v not in own_pred:
            g._pred[v] = dict(g._pred[v])
            own_pred.add(v)
        return g._pred[v]

    def edges(quads: Iterable[ox.Quad]) -> Iterable[tuple[str, str, str]]:
        for q in quads:
            rel = relations.get(q.predicate.value)
            if rel is not None and isinstance(q.object, ox.NamedNode):
                yield q.subject.value, q.object.value, rel

    for u, v, rel in edges(changes.removed):
        if rel in g._adj.get(u, {}).get(v, {}):
            keys = dict(g._adj[u][v])  # shared by _adj[u][v] and _pred[v][u]: one new copy
            del keys[rel]
            s, p = succ(u), pred(v)
            if keys:
                s[v] = p[u] = keys
            else:
                del s[v], p[u]
    for u, v, rel in edges(changes.added):
        ensure(u)
        ensure(v)
        keys = dict(g._adj[u].get(v, {}))
        keys[rel] = {"relation": rel}
        succ(u)[v] = pred(v)[u] = keys
    for n in changes.nodes:
        info = table.get(n)
        if info is not None:
            ensure(n)
            g._node[n] = networkx_attrs(info)
        elif n in g._node:
            if g._adj[n] or g._pred[n]:
                g._node[n] = {}  # an edge end that is no typed node (as add_edge leaves it)
            else:
                del g._node[n], g._adj[n], g._pred[n]
    return g


#: the views networkx caches on a graph object; each holds the graph back (a reference cycle)
_NX_CACHED_VIEWS = ("nodes", "succ", "edges", "out_edges", "pred", "in_edges", "degree", "adj",
                    "in_degree", "out_degree")


def release(value: Any) -> None:
    """Called on a view value a commit replaced: break the reference cycles that would keep it
    (and what it holds) alive until Python's cyclic garbage collector runs. A networkx graph
    caches report views that point back at it; without them the old graph is freed as soon as
    the last reader drops it (a full collection of the service's heap takes ~0.5 s, so it is
    not forced). Readers still holding the value are not affected (the views are rebuilt on
    use)."""
    import networkx as nx

    if isinstance(value, nx.Graph):
        for name in _NX_CACHED_VIEWS:
            value.__dict__.pop(name, None)
