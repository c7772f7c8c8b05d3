"""Bulk RDF imports at the store's speed: stage, check, log and hash without per-triple Python.

:meth:`kg.ProductGraph.import_rdf` goes through here. The file is parsed by Oxigraph's bulk
loader into a *staging* store (on disk beside the KG, or in memory), which also canonicalises
literals and drops duplicates exactly as the KG store will. The checks of :mod:`kg.rdfio` run as
Oxigraph queries on the staging store, and only when a cheap byte scan of its N-Quads dump says
they may fail (``_:`` for blank nodes, ``<<`` for quoted triples, a line longer than
:data:`~kg.rdfio.MAX_LITERAL`). The staging store's data graph, dumped as N-Quads by Oxigraph, *is*
the change log of the new version (``versions/N.added.nq``), and one pass over that file computes
the version digest (:func:`nquads_digest`, the same multiset hash as
:func:`kg.versions.digest_add`).

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "x.nt").write_text('<http://e/a> <http://e/p> "1.0"^^<http://www.w3.org/2001/XMLSchema#double> .\\n')
    >>> staged = stage_rdf(d / "x.nt", ox.RdfFormat.N_TRIPLES, log_file=d / "x.nq")
    >>> staged.count, (d / "x.nq").read_text().split()[2]
    (1, '"1"^^<http://www.w3.org/2001/XMLSchema#double>')
    >>> staged.digest == digest_add(EMPTY_DIGEST, ox.parse(path=d / "x.nq", format=ox.RdfFormat.N_QUADS), ())
    True
    >>> staged.close()
"""  # noqa: E501

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyoxigraph as ox

from kg.errors import KGLoadError
from kg.rdfio import MAX_LITERAL, check_rdfxml
from kg.schema import LoadReport, NodeKind, Relation
from kg.versions import EMPTY_DIGEST, digest_add, digest_combine  # noqa: F401  (doctest)

__all__ = ["StagedImport", "nquads_digest", "release_memory", "stage_rdf"]

log = logging.getLogger(__name__)

_DG = ox.DefaultGraph()
_EXISTING = ox.NamedNode("urn:kgqp:staging:existing")
_CHUNK = 16 << 20  # bytes read per step of the digest pass
_MOD = 1 << 256


@dataclass
class StagedImport:
    """An RDF file parsed into a staging store, checked, with its change log written.

    ``log_file`` holds the quads the import adds (N-Quads, data graph, canonical, only those not
    already in the KG); ``count`` and ``digest`` are their number and multiset hash.
    ``store`` is the staging store; when the KG was empty it holds exactly the new data graph and
    can become the KG's store (see :meth:`kg.ProductGraph.import_rdf`).
    """

    store: ox.Store | None
    log_file: Path
    count: int
    digest: str
    report: LoadReport
    holds_exactly_added: bool = True

    def close(self) -> None:
        """Drop the staging store (its directory is removed by the caller)."""
        self.store = None


def nquads_digest(path: str | os.PathLike[str], start: str = EMPTY_DIGEST) -> tuple[int, str]:
    """(lines, digest) of an N-Quads file of data-graph quads, in one streaming pass.

    The digest is :func:`kg.versions.digest_add` of ``start`` and the file's quads: the sum of
    SHA-256 of each triple's N-Triples form (the line without its trailing ``" ."``) mod 2**256.
    The 256-bit sum is taken with numpy over 32-bit limbs, so Python only hashes each line.
    """
    scan = _scan_and_hash(Path(path))
    return scan.count, digest_combine(start, scan.digest)


@dataclass(frozen=True, slots=True)
class _Scan:
    count: int
    digest: str
    maybe_blank: bool  # "_:" somewhere (a blank node, or only inside a literal)
    maybe_quoted: bool  # "<<" somewhere (a quoted triple, or only inside a literal)
    longest: int  # bytes of the longest line


def _scan_and_hash(path: Path) -> _Scan:
    """One streaming pass over an N-Quads file: the digest, and cheap byte checks."""
    total = count = longest = 0
    blank = quoted = False
    sha = hashlib.sha256
    rest = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            data = rest + chunk
            blank = blank or b"_:" in data
            quoted = quoted or b"<<" in data
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            lines = data[:cut].split(b"\n")
            longest = max(longest, max(map(len, lines)))
            digests = b"".join([sha(line[:-2]).digest() for line in lines if line])
            total += _limb_sum(digests)
            count += len(digests) // 32
    if rest.strip():
        longest = max(longest, len(rest))
        total += _limb_sum(sha(rest.rstrip()[:-2]).digest())
        count += 1
    return _Scan(count, format(total % _MOD, "064x"), blank, quoted, longest)


def _limb_sum(digests: bytes) -> int:
    """Sum of the concatenated 32-byte big-endian integers in ``digests``."""
    if not digests:
        return 0
    limbs = np.frombuffer(digests, dtype=">u4").reshape(-1, 8).astype(np.uint64).sum(axis=0)
    value = 0
    for limb in limbs.tolist():
        value = (value << 32) + int(limb)
    return value


def _load_error(source: str, fmt: ox.RdfFormat, e: BaseException) -> KGLoadError:
    if isinstance(e, SyntaxError):
        if "LoadDocumentCallback" in str(e):
            return KGLoadError(
                f"{source}: JSON-LD with a remote @context is refused (contexts are never "
                "fetched); inline the context in the file"
            )
        return KGLoadError(f"{source}: invalid {fmt.name}: {e}")
    return KGLoadError(f"{source}: cannot parse {fmt.name}: {e}")


def _count(store: ox.Store, sparql: str) -> int:
    for row in store.query(sparql):
        return int(row[0].value)
    return 0


def stage_rdf(
    source: str | os.PathLike[str],
    fmt: ox.RdfFormat,
    *,
    log_file: Path,
    staging_dir: Path | None = None,
    existing: Path | None = None,
) -> StagedImport:
    """Parse ``source`` into a staging store and write the change log ``log_file``.

    Args:
        source: the RDF file.
        fmt: its format (:func:`kg.rdfio.rdf_format`).
        log_file: where to write the quads to add (N-Quads); written in place, the caller
            moves it into the version log.
        staging_dir: directory of an on-disk staging store (``None``: in memory, faster: Oxigraph
            loads and dumps about 3x faster in memory than on disk; memory grows with the
            file, about 0.5 GB per million triples).
        existing: an N-Triples dump of the KG's current data graph, when it is not empty:
            triples already in the KG are left out of the change log.

    Raises:
        KGLoadError: syntax errors, unsafe RDF/XML or JSON-LD, an over-long literal.
    """
    src = str(source)
    store = ox.Store(str(staging_dir)) if staging_dir is not None else ox.Store()
    try:
        if fmt == ox.RdfFormat.RDF_XML:
            try:
                data = Path(source).read_bytes()
            except OSError as e:
                raise KGLoadError(f"Cannot read {src}: {e}") from None
            check_rdfxml(data, src)
            store.bulk_load(data, fmt)
        else:
            store.bulk_load(path=source, format=fmt)
    except (SyntaxError, ValueError, OSError) as e:
        del store
        raise _load_error(src, fmt, e) from None
    report = LoadReport(source=src)
    merged = False
    if any(True for _ in store.named_graphs()):  # N-Quads/TriG/JSON-LD graphs: merge them
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")
        merged = True
    store.dump(log_file, ox.RdfFormat.N_QUADS, from_graph=_DG)
    scan = _scan_and_hash(log_file)
    if scan.longest > MAX_LITERAL:
        for row in store.query(
            "SELECT ?s (STRLEN(STR(?o)) AS ?n) WHERE { ?s ?p ?o FILTER(isLiteral(?o) && "
            f"STRLEN(STR(?o)) > {MAX_LITERAL}) }} LIMIT 1"
        ):
            raise KGLoadError(
                f"{src}: a literal of {row[0]} is {int(row[1].value):,} characters (more "
                f"than {MAX_LITERAL:,}); refused, nothing loaded"
            )
    dirty = False
    if scan.maybe_quoted:
        dirty = True
        store.update(
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isTRIPLE(?s) || isTRIPLE(?o)) }"
        )
    if scan.maybe_blank:
        rows = list(
            store.query(
                "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"
            )
        )
        for row in rows:
            report.skip("blank node", f"{row[0]} {row[1]} {row[2]}")
        if rows:
            dirty = True
            store.update(
                "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"
            )
    _count_records(store, report)
    exact = True
    if existing is not None:
        store.bulk_load(path=existing, format=ox.RdfFormat.N_TRIPLES, to_graph=_EXISTING)
        added = store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
            f"FILTER NOT EXISTS {{ GRAPH <{_EXISTING.value}> {{ ?s ?p ?o }} }} }}"
        )
        added.serialize(log_file, ox.RdfFormat.N_TRIPLES)
        exact = False
    elif dirty:
        store.dump(log_file, ox.RdfFormat.N_QUADS, from_graph=_DG)
    if exact and not dirty:
        count, digest = scan.count, scan.digest
    else:
        count, digest = nquads_digest(log_file)
    log.debug("Staged %s: %d new triples (merged graphs: %s)", src, count, merged)
    return StagedImport(store, log_file, count, digest, report, holds_exactly_added=exact)


def _count_records(store: ox.Store, report: LoadReport) -> None:
    """Nodes per kgqp kind and edges per relation of the staged data (index lookups)."""
    for row in store.query("SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t"):
        kind = NodeKind.from_rdf_type(row[0].value) if isinstance(row[0], ox.NamedNode) else None
        if kind is not None:
            report.nodes[kind.value] = report.nodes.get(kind.value, 0) + int(row[1].value)
    for rel in Relation:
        n = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{rel.predicate}> ?o }}")
        if n:
            report.edges[rel.value] = report.edges.get(rel.value, 0) + n


def release_memory() -> None:
    """Give freed heap memory back to the OS (glibc ``malloc_trim``; a no-op elsewhere), so
    that a dropped staging store does not add to the peak RSS of the load that follows."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass
