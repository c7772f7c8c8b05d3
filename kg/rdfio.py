"""Reading and writing RDF files safely: format names, RDF/XML entity checks, JSON-LD contexts.

- RDF/XML: pyoxigraph expands internal ``<!ENTITY>`` declarations, nested ones included (a
  "billion laughs" document blows up memory). We refuse documents that declare external
  (``SYSTEM``/``PUBLIC``) or parameter entities, external DTDs, or entities whose value references
  another entity; flat internal entities (``&rdf;`` namespace shortcuts) are allowed, but the
  total size of their expansions is bounded (:data:`MAX_ENTITY_EXPANSION`, counted before
  parsing: references x value length) and so is one entity's value (:data:`MAX_LITERAL`): one
  flat 50 KB entity used 4,000 times (a 70 KB file) would otherwise become a 200 MB literal.
  defusedxml does not fit here: it either forbids every entity (flat namespace shortcuts are
  common in OWL/RDF files) or bounds nothing, and pyoxigraph does its own XML parsing anyway.
- Every format: a literal longer than :data:`MAX_LITERAL` characters is refused; a leading UTF-8
  byte-order mark is skipped (:func:`skip_bom`).
- JSON-LD: pyoxigraph has no document loader configured, so a remote ``@context`` is never fetched:
  the file is refused with a :class:`~kg.errors.KGLoadError`.

Example:
    >>> rdf_format("catalog.ttl").name
    'Turtle'
    >>> rdf_format(None, "nquads").name
    'N-Quads'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, BinaryIO

import pyoxigraph as ox

from kg.errors import KGError, KGLoadError

__all__ = [
    "FORMAT_NAMES",
    "MAX_ENTITY_EXPANSION",
    "MAX_LITERAL",
    "check_rdfxml",
    "parse_rdf",
    "rdf_format",
    "rdflib_view",
    "skip_bom",
    "too_long_literal",
]

MAX_ENTITY_EXPANSION = 8 << 20  # bytes that entity references may expand to, in one document
MAX_LITERAL = 1 << 20  # characters in one literal (and bytes in one entity value)

FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "n-quads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
}
_ENTITY = re.compile(
    rb"<!ENTITY\s+(%\s*)?([^\s>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.IGNORECASE
)
_ENTITY_ANY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_EXTERNAL_DTD = re.compile(rb"<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\b", re.IGNORECASE)
_ENTITY_REF = re.compile(rb"&(?!#)[^;\s]+;|%[^;\s]+;")
_BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark


def rdf_format(path: str | os.PathLike[str] | None, name: str | None = None) -> ox.RdfFormat:
    """The RDF format named ``name``, or else guessed from ``path``'s suffix."""
    if name:
        fmt = FORMAT_NAMES.get(name.strip().lower())
        if fmt is None:
            raise ValueError(
                f"Unknown RDF format {name!r}; choose one of: "
                "turtle, ntriples, nquads, jsonld, rdfxml, trig"
            )
        return fmt
    suffix = os.path.splitext(os.fspath(path or ""))[1].lstrip(".").lower()
    fmt = FORMAT_NAMES.get(suffix) or (ox.RdfFormat.from_extension(suffix) if suffix else None)
    if fmt is None:
        raise ValueError(
            f"Cannot tell the RDF format of {os.fspath(path or '')!r} from its suffix; "
            "pass format= (turtle, ntriples, nquads, jsonld, rdfxml; on the command line "
            "--option format=turtle)"
        )
    return fmt


def check_rdfxml(data: bytes, source: str = "<input>") -> None:
    """Refuse RDF/XML with external/parameter/nested entities or an external DTD."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:200]:
        raise KGLoadError(f"{source}: RDF/XML must be UTF-8 encoded (UTF-16 is not accepted)")
    if _EXTERNAL_DTD.search(data):
        raise KGLoadError(
            f"{source}: RDF/XML with an external DTD is refused (no external entities)"
        )
    declared = _ENTITY_ANY.findall(data)
    parsed = _ENTITY.findall(data)
    if len(declared) != len(parsed):
        raise KGLoadError(f"{source}: malformed <!ENTITY> declaration in RDF/XML")
    for percent, name, value in parsed:
        label = name.decode("utf-8", "replace")
        if percent:
            raise KGLoadError(f"{source}: parameter entity {label!r} refused in RDF/XML")
        if value.upper() in (b"SYSTEM", b"PUBLIC"):
            raise KGLoadError(
                f"{source}: external entity {label!r} refused in RDF/XML "
                "(it would read a file or URL)"
            )
        if _ENTITY_REF.search(value):
            raise KGLoadError(
                f"{source}: entity {label!r} references other entities (entity expansion attack, "
                "'billion laughs'); refused"
            )
    expanded = 0
    for _, name, value in parsed:
        size = len(value) - 2  # without the quotes
        label = name.decode("utf-8", "replace")
        if size > MAX_LITERAL:
            raise KGLoadError(
                f"{source}: entity {label!r} is {size:,} bytes (more than {MAX_LITERAL:,}); refused"
            )
        expanded += data.count(b"&" + name + b";") * size
        if expanded > MAX_ENTITY_EXPANSION:
            raise KGLoadError(
                f"{source}: entity references would expand to more than "
                f"{MAX_ENTITY_EXPANSION:,} bytes (entity expansion attack); refused. Write the "
                "values out, or split the file"
            )


def skip_bom(fh: BinaryIO) -> bool:
    """Move the binary file ``fh``, at its start, past a UTF-8 byte-order mark (U+FEFF, which
    some editors write; Oxigraph's Turtle, N-Triples, N-Quads and TriG parsers read it as a
    stray character of the first statement); returns whether there was one. Without one, ``fh``
    stays at its start."""
    if fh.read(len(_BOM)) == _BOM:
        return True
    fh.seek(0)
    return False


def parse_rdf(data: bytes, fmt: ox.RdfFormat, source: str = "<input>") -> list[ox.Quad]:
    """Parse RDF bytes into quads, safely (see module docs); errors become KGLoadError. A
    leading UTF-8 byte-order mark is skipped."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if fmt == ox.RdfFormat.RDF_XML:
        check_rdfxml(data, source)
    try:
        quads = list(ox.parse(data, format=fmt))
    except SyntaxError as e:
        if "LoadDocumentCallback" in str(e):
            raise KGLoadError(
                f"{source}: JSON-LD with a remote @context is refused "
                "(contexts are never fetched); "
                "inline the context in the file"
            ) from None
        raise KGLoadError(f"{source}: invalid {fmt.name}: {e}") from None
    except (ValueError, OSError) as e:
        raise KGLoadError(f"{source}: cannot parse {fmt.name}: {e}") from None
    long = too_long_literal(quads)
    if long is not None:
        raise KGLoadError(f"{source}: {long}, nothing loaded")
    return quads


def too_long_literal(quads: Iterable[ox.Quad]) -> str | None:
    """What is wrong with the first quad whose literal is longer than :data:`MAX_LITERAL`
    characters ("a literal of <s> is N characters (more than M); refused"), or ``None``."""
    for q in quads:
        obj = q.object
        if isinstance(obj, ox.Literal) and len(obj.value) > MAX_LITERAL:
            return (f"a literal of {q.subject} is {len(obj.value):,} characters (more than "
                    f"{MAX_LITERAL:,}); refused")
    return None


def rdflib_view(store: ox.Store, where: str) -> Any:
    """A read-only rdflib ``Graph`` over the default (data) graph of an Oxigraph ``store``,
    through oxrdflib's store plugin: no copy, and rdflib's ``query`` runs on Oxigraph. Adding or
    removing triples raises :class:`kg.errors.KGError` (``where`` names the KG in the message):
    every change to a KG goes through a versioned transaction."""
    import rdflib
    from oxrdflib import OxigraphStore
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    class ReadOnlyGraph(rdflib.Graph):
        def _refuse(self, *args: Any, **kwargs: Any) -> Any:
            raise KGError(f"This rdflib view of the KG at {where} is read-only: change the KG "
                          "with graph.transaction() (or add_records/import_rdf), so the change "
                          "is versioned")

        add = addN = remove = set = update = _refuse  # type: ignore[assignment]

        def __iadd__(self, other: Any) -> Any:
            return self._refuse(other)

        def __isub__(self, other: Any) -> Any:
            return self._refuse(other)

    return ReadOnlyGraph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
