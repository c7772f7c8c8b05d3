"""kgqp's product knowledge graph: an RDF store with versioned transactions, SPARQL with bound
parameters, and derived views (alias index for matching, networkx graph). :mod:`kg.link` links
a mention to a node; :mod:`kg.taxonomy` reasons over the category tree (ancestors, departments,
siblings) for the parser's link stage.

Example:
    >>> import kg
    >>> with kg.ProductGraph() as g:
    ...     _ = g.add_records([kg.Node(kg.NodeKind.BRAND, "lg", "LG")], progress=False)
    ...     [m.text for m in g.match("lg oled")]
    ['lg']
"""

from kg import errors
from kg.errors import (
    KGConflictError,
    KGError,
    KGLoadError,
    KGLockedError,
    KGNotFoundError,
    KGQueryError,
    KGRemoteError,
    KGWriteError,
)
from kg.graph import KGStats, NodeInfo, ProductGraph, Transaction
from kg.index import AliasIndex, Candidate, Match
from kg.query import IRI, QueryResult
from kg.schema import Edge, LoadReport, Node, NodeKind, Relation
from kg.versions import VersionInfo

__all__ = [
    "IRI",
    "AliasIndex",
    "Candidate",
    "Edge",
    "KGConflictError",
    "KGError",
    "KGLoadError",
    "KGLockedError",
    "KGNotFoundError",
    "KGQueryError",
    "KGRemoteError",
    "KGStats",
    "KGWriteError",
    "LoadReport",
    "Match",
    "Node",
    "NodeInfo",
    "NodeKind",
    "ProductGraph",
    "QueryResult",
    "Relation",
    "Transaction",
    "VersionInfo",
    "errors",
]

from kg._packages import check_not_shadowed

check_not_shadowed("parser", "fusion")
