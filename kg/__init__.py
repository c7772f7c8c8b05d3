"""kgqp's product knowledge graph: an RDF store with versioned transactions, SPARQL with bound
parameters, and derived views (alias index for matching, networkx graph).

Example:
    >>> import kg
    >>> with kg.ProductGraph() as g:
    ...     _ = g.add_records([kg.Node(kg.NodeKind.BRAND, "lg", "LG")], progress=False)
    ...     [m.text for m in g.match("lg oled")]
    ['lg']
"""

from kg import errors
from kg.errors import KGError, KGLoadError, KGLockedError, KGNotFoundError, KGQueryError
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
    "KGError",
    "KGLoadError",
    "KGLockedError",
    "KGNotFoundError",
    "KGQueryError",
    "KGStats",
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


def _check_not_shadowed(*siblings: str) -> None:
    """kgqp's top-level packages (kg, parser, fusion) must come from one place: a distribution
    with the same top-level name (PyPI ``fusion`` has one) would be imported instead of ours and
    fail with confusing errors later. Cheap: a path comparison, no import."""
    import importlib.util
    import os
    import sys

    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in siblings:
        mod = sys.modules.get(name)
        origin = getattr(mod, "__file__", None) if mod is not None else None
        if mod is None:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            origin = spec.origin if spec is not None else None
        if origin and os.path.dirname(os.path.dirname(os.path.abspath(origin))) != home:
            raise ImportError(
                f"the top-level package {name!r} resolves to {origin}, not to kgqp's "
                f"{os.path.join(home, name)}: another distribution shadows it (for 'fusion', "
                f"the PyPI package 'fusion'). Uninstall it (`pip uninstall {name}`) or use a "
                "separate virtual environment for kgqp"
            )


_check_not_shadowed("parser", "fusion")
