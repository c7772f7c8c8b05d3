"""Read-only SPARQL over the KG with bound parameters, and typed results.

User values reach a query only through ``bindings`` (pyoxigraph ``substitutions``, SEP-0007):
they are RDF terms, never parsed as SPARQL, so ``"> } ; CLEAR ALL ; <"`` is just a string that
matches nothing. pyoxigraph 0.5 requires a bound variable to appear in the ``SELECT`` projection
(``SELECT *`` or ``SELECT ?x ?name``); otherwise :class:`~kg.errors.KGQueryError` says so.

Refused: SPARQL Update (``INSERT``, ``CLEAR``, ``LOAD`` ...: use
:meth:`kg.ProductGraph.transaction`) and ``SERVICE`` (pyoxigraph would make HTTP requests).
The ``SERVICE`` check is conservative: the word anywhere in the query (after ``\\u`` escape
processing) refuses it, even inside a string; pass such values as bindings.

Example:
    >>> from kg.graph import ProductGraph
    >>> from kg.schema import Node, NodeKind
    >>> g = ProductGraph()
    >>> _ = g.add_records([Node(NodeKind.BRAND, "lg", "LG")], progress=False)
    >>> g.query("SELECT ?s ?name WHERE { ?s <https://schema.org/name> ?name }",
    ...         bindings={"name": "LG"}).rows
    ({'s': 'https://kgqp.dev/id/brand/lg', 'name': 'LG'},)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

import pyoxigraph as ox

from kg.errors import KGQueryError
from kg.schema import NodeKind, Relation

__all__ = ["IRI", "QueryResult", "to_python", "to_term"]

XSD = "http://www.w3.org/2001/XMLSchema#"
_INT_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOAT_TYPES = {XSD + "double", XSD + "float", XSD + "decimal"}
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_UPDATE_WORDS = re.compile(
    r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE
)


class IRI(str):
    """Marks a binding value as an IRI (a plain ``str`` binds as a string literal).

    >>> IRI("https://kgqp.dev/id/brand/lg")
    IRI('https://kgqp.dev/id/brand/lg')
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


def to_term(value: Any) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """Convert a Python binding value to an RDF term.

    ``IRI``/``NamedNode`` -> IRI; ``NodeKind`` -> its ``rdf:type``; ``Relation`` -> its predicate;
    ``str``/``int``/``float``/``bool`` -> typed literal; pyoxigraph terms pass through.
    """
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value
    if isinstance(value, IRI):
        try:
            return ox.NamedNode(str(value))
        except ValueError as e:
            raise KGQueryError(f"Invalid IRI binding {str(value)!r}: {e}") from None
    if isinstance(value, NodeKind):
        return ox.NamedNode(value.rdf_type)
    if isinstance(value, Relation):
        return ox.NamedNode(value.predicate)
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool | int | float | str):
        return ox.Literal(value)
    raise KGQueryError(
        f"Cannot bind a {type(value).__name__}; "
        "use str, int, float, bool, kg.IRI or a pyoxigraph term"
    )


def to_python(term: Any) -> Any:
    """Convert an RDF term to a Python value (IRIs -> ``str``, numeric literals -> numbers)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        try:
            if dt in _INT_TYPES:
                return int(term.value)
            if dt in _FLOAT_TYPES:
                return float(term.value)
            if dt == XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
        return term.value
    if isinstance(term, ox.Triple):
        return (to_python(term.subject), to_python(term.predicate), to_python(term.object))
    return str(term)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The result of :meth:`kg.ProductGraph.query`.

    ``kind`` is ``"select"`` (``variables`` and ``rows``: dicts of Python values, ``None`` for
    unbound), ``"ask"`` (``boolean``) or ``"construct"`` (``triples`` of Python values; also for
    ``DESCRIBE``). Iterating yields the rows (or the triples).
    """

    kind: Literal["select", "ask", "construct"]
    variables: tuple[str, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Any, Any, Any], ...] = field(default=())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.triples if self.kind == "construct" else self.rows)

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "construct" else len(self.rows)

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "ask":
            return {"kind": "ask", "boolean": self.boolean}
        if self.kind == "construct":
            return {"kind": "construct", "triples": [list(t) for t in self.triples]}
        return {"kind": "select", "variables": list(self.variables), "rows": list(self.rows)}


def check_query(sparql: str) -> None:
    """Refuse SERVICE (network access) before pyoxigraph sees the query."""
    if not isinstance(sparql, str) or not sparql.strip():
        raise KGQueryError("The SPARQL query is empty")
    unescaped = _UESCAPE.sub(lambda m: _chr(m.group(1) or m.group(2)), sparql)
    if _SERVICE.search(unescaped):
        raise KGQueryError(
            "SERVICE is not allowed in kg queries (it would make network requests); "
            "if 'service' is a value you search for, pass it through bindings"
        )


def _chr(hexcode: str) -> str:
    try:
        return chr(int(hexcode, 16))
    except (ValueError, OverflowError):
        return "\ufffd"


def run_query(
    get_store: Callable[[], ox.Store], sparql: str, bindings: Mapping[str, Any] | None
) -> QueryResult:
    """Run ``sparql`` on ``get_store()``.

    Errors are raised outside the ``except`` blocks, with no reference to the store left in any
    traceback frame: a caught error must not keep the store (and its directory lock) alive.
    """
    check_query(sparql)
    subs: dict[ox.Variable, Any] = {}
    for name, value in (bindings or {}).items():
        name = name.lstrip("?$")
        if not _VAR_NAME.match(name):
            raise KGQueryError(
                f"Invalid binding name {name!r}: use a SPARQL variable name like 'brand'"
            )
        subs[ox.Variable(name)] = to_term(value)
    error: KGQueryError | None = None
    try:
        return _evaluate(get_store, sparql, subs)
    except SyntaxError as e:
        if _UPDATE_WORDS.search(sparql):
            error = KGQueryError(
                f"query() runs read-only SPARQL queries (SELECT/ASK/CONSTRUCT/DESCRIBE); "
                f"change the KG with ProductGraph.transaction() ({e})"
            )
        else:
            error = KGQueryError(f"SPARQL syntax error: {e}")
    except RuntimeError as e:
        msg = str(e)
        if "projection" in msg:
            m = re.search(r"variable \?(\w+)", msg)
            var = m.group(1) if m else "name"
            error = KGQueryError(
                f"{msg}. A bound variable must be projected: use SELECT * or list it "
                f"(SELECT ... ?{var} WHERE ...)"
            )
        else:
            error = KGQueryError(f"SPARQL evaluation failed: {msg}")
    except OSError as e:
        error = KGQueryError(f"SPARQL evaluation failed: {e}")
    raise error


def _evaluate(get_store: Callable[[], ox.Store], sparql: str, subs: dict[ox.Variable, Any]
              ) -> QueryResult:
    res = get_store().query(sparql, substitutions=subs or None)
    if isinstance(res, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(res))
    if isinstance(res, ox.QuerySolutions):
        variables = tuple(v.value for v in res.variables)
        rows = tuple({v: to_python(sol[v]) for v in variables} for sol in res)
        return QueryResult(kind="select", variables=variables, rows=rows)
    triples = tuple(
        (to_python(t.subject), to_python(t.predicate), to_python(t.object)) for t in res
    )
    return QueryResult(kind="construct", triples=triples)
