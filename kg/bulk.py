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

An N-Triples file loaded into a KG directory whose data graph is empty takes a shorter path,
:func:`load_new_store`: no staging store, no dump, no second load. The file is read once, in
chunks cut at line ends; a pool of threads bulk-loads each chunk straight into the store that
becomes the KG's (the bulk loader releases the GIL, so chunks load on all cores) while the calling
thread writes the change log from the same chunk. A chunk whose lines are already in the normal
form of Oxigraph's N-Triples serializer (one regular expression, :data:`_NORMAL_PART`) is logged
as it is, any other chunk is parsed and re-serialized by Oxigraph; then typed literals
(``"..."^^<...>``, the only terms the store rewrites, e.g. ``"1.0"^^xsd:double`` -> ``"1"``) get
the store's canonical form from a small in-memory store, one entry per distinct literal. The log
is thus exactly what a dump of the new store would give, in another order (the digest is
order-independent); duplicate triples show up as duplicate line hashes, and only then is the log
re-dumped from the new store. Blank nodes, quoted triples, over-long lines and syntax errors fall
back to :func:`stage_rdf`, which reports them.

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

import contextlib
import hashlib
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from kg.errors import KGLoadError
from kg.rdfio import MAX_LITERAL, check_rdfxml, skip_bom
from kg.schema import LoadReport, NodeKind, Relation
from kg.versions import EMPTY_DIGEST, digest_add, digest_combine  # noqa: F401  (doctest)

if TYPE_CHECKING:
    import numpy as np

__all__ = ["StagedImport", "load_new_store", "nquads_digest", "release_memory", "stage_rdf"]

log = logging.getLogger(__name__)

_DG = ox.DefaultGraph()
_EXISTING = ox.NamedNode("urn:kgqp:staging:existing")
_CHUNK = 16 << 20  # bytes read per step of the digest pass
_MOD = 1 << 256
_TYPED = b'"^^<'  # in normal N-Triples: a typed literal (or that text escaped inside a literal)
_CANON_SUBJECT = "urn:kgqp:canonical:"
#: bytes of N-Triples in flight in the bulk-load threads of :func:`load_new_store`, all threads
#: together (about 10 MiB of peak RSS per MiB: ~500 MiB for 48 MiB)
BULK_INFLIGHT_BYTES = 48 << 20
#: at most this many bulk-load threads
BULK_MAX_THREADS = 4
_FADV_DONTNEED: int | None = getattr(os, "POSIX_FADV_DONTNEED", None)


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
    #: the staging store's directory, when it is on disk and holds exactly the KG's next data
    #: graph (the KG had no data): it becomes the KG's store as it is
    store_dir: Path | None = None
    #: quads outside the data graph that ``store`` holds too (:func:`load_new_store`'s ``extra``)
    extra: tuple[ox.Quad, ...] = ()

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
    import numpy as np  # here, not at the top: `kgqp kg load` starts ~0.08 s sooner

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
            try:
                fh = open(source, "rb")  # noqa: SIM115  (closed below)
            except OSError as e:
                raise KGLoadError(f"Cannot read {src}: {e}") from None
            with fh:
                if skip_bom(fh):  # the file read from after its BOM, streamed as from a path
                    store.bulk_load(fh, fmt)
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
    return StagedImport(store, log_file, count, digest, report, holds_exactly_added=exact,
                        store_dir=staging_dir if exact else None)


def load_new_store(
    source: str | os.PathLike[str],
    *,
    store_dir: Path,
    log_file: Path,
    threads: int | None = None,
    extra: Sequence[ox.Quad] = (),
) -> StagedImport | None:
    """Bulk load the N-Triples file ``source`` into a new store at ``store_dir`` and write its
    change log ``log_file``, in one pass over the file (see the module docs).

    The file is read in chunks cut at line ends (N-Triples statements never span lines); each
    chunk goes to a bulk-load thread and, in the calling thread, into the log. At most
    ``threads + 1`` chunks are in flight, so memory stays bounded whatever the file's size.

    Returns the import (its ``store`` is the new store, ``store_dir`` set), or ``None`` when the
    file needs :func:`stage_rdf` (blank nodes, quoted triples, a line longer than
    :data:`~kg.rdfio.MAX_LITERAL`, a syntax error): nothing is left in ``store_dir`` then.

    Args:
        source: the N-Triples file.
        store_dir: a directory that does not exist yet: the new store.
        log_file: the change log to write (N-Quads of the data graph; the caller moves it).
        threads: bulk-load threads (default: the usable CPUs, at most :data:`BULK_MAX_THREADS`).
        extra: quads outside the data graph for the new store (the KG's version marks),
            neither logged nor counted; bulk-loaded by a loader thread with the chunks, so
            that the commit has nothing left to write and flush (0.1 s at the end of a 1M-triple
            load); the result's ``extra`` says they are in.

    Raises:
        KGLoadError: the file cannot be read, or the store cannot be written (disk full).
    """
    src = str(source)
    if threads is None:
        threads = _usable_cpus()
    threads = max(1, min(threads, BULK_MAX_THREADS))
    store = ox.Store(str(store_dir))
    writer = _LogWriter(log_file)
    scan: _LogScan | None = None
    loads: list[Future[None]] = []
    slots = threading.BoundedSemaphore(threads + 1)
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="kgqp-bulk") as pool:
            if extra:
                doc = ox.serialize(extra, format=ox.RdfFormat.N_QUADS) or b""
                loads.append(pool.submit(store.bulk_load, doc, ox.RdfFormat.N_QUADS))
            try:
                with open(source, "rb") as fh:
                    skip_bom(fh)
                    size = _chunk_size(os.fstat(fh.fileno()).st_size, threads)
                    # each chunk is logged after the next one is handed to a loader, so that
                    # all loader threads start at once
                    pending: bytes | None = None
                    for chunk in _line_chunks(fh, size):
                        slots.acquire()
                        load = pool.submit(store.bulk_load, chunk, ox.RdfFormat.N_TRIPLES)
                        load.add_done_callback(lambda _: slots.release())
                        loads.append(load)
                        if pending is not None and (not writer.add(pending) or _failed(loads)):
                            break
                        pending = chunk
                    else:
                        if pending is None or writer.add(pending):
                            scan = writer.finish()
            except SyntaxError:
                pass  # stage_rdf reports it, with its position in the whole file
            except OSError as e:
                raise KGLoadError(f"Cannot read {src}: {e}") from None
            finally:
                writer.close()
                if scan is None:  # falling back, or failing: skip the chunks not started
                    for f in loads:
                        f.cancel()
            errors = [f.exception() for f in loads if not f.cancelled()]
        failed = next((e for e in errors if e is not None), None)
        if isinstance(failed, SyntaxError):
            scan = None  # idem
        elif scan is not None and failed is not None:
            raise _load_error(src, ox.RdfFormat.N_TRIPLES, failed)
    except BaseException:
        del store
        shutil.rmtree(store_dir, ignore_errors=True)
        raise
    if scan is None:
        log.debug("%s needs the general import path (staging store)", src)
        del store
        shutil.rmtree(store_dir, ignore_errors=True)
        return None
    count, digest = scan.count, scan.digest
    if scan.duplicates:  # the same triple more than once: the store's dump is the log
        store.dump(log_file, ox.RdfFormat.N_QUADS, from_graph=_DG)
        count, digest = nquads_digest(log_file)
    report = LoadReport(source=src)
    _count_records(store, report)
    log.debug("Loaded %s into a new store: %d triples in %d chunk(s), %d thread(s)", src, count,
              len(loads), threads)
    return StagedImport(store, log_file, count, digest, report, store_dir=store_dir,
                        extra=tuple(extra))


def _failed(loads: list[Future[None]]) -> bool:
    """Whether a finished bulk load failed (then reading the rest of the file is no use)."""
    return any(f.done() and not f.cancelled() and f.exception() is not None for f in loads)


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _chunk_size(file_bytes: int, threads: int) -> int:
    """Bytes per chunk of a file of ``file_bytes`` for ``threads`` loader threads: about
    :data:`BULK_INFLIGHT_BYTES` / ``threads`` (at most a quarter more), in a multiple of
    ``threads`` equal chunks, so that the threads finish together (4 x 26 MB for 104 MB and
    two threads, not 4 x 24 MiB + 8 MB: the last chunk loading alone left a core idle)."""
    target = max(1, BULK_INFLIGHT_BYTES // threads)
    rounds = max(1, -(-file_bytes // (threads * (target + target // 4))))
    return max(1, -(-file_bytes // (rounds * threads)))


def _line_chunks(fh: BinaryIO, size: int) -> Iterator[bytes]:
    """Chunks of about ``size`` bytes of an open file, each ending at a line end (or the
    file's end)."""
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        if not chunk.endswith(b"\n"):
            chunk += fh.readline()
        yield chunk


@dataclass(frozen=True, slots=True)
class _LogScan:
    count: int
    digest: str
    duplicates: bool


class _LogWriter:
    """Writes the change log of a one-pass load, chunk by chunk: each chunk in the store's
    canonical N-Triples form (valid N-Quads of the default graph), with the running count and
    digest. A chunk already in normal form (:data:`_NORMAL_PART`, checked by one regular
    expression in C) is used as it is; any other chunk is parsed and re-serialized by
    Oxigraph."""

    def __init__(self, log_file: Path) -> None:
        self._out = open(log_file, "wb")  # noqa: SIM115  (closed by close())
        self._total = 0
        self._count = 0
        self._keys: list[np.ndarray] = []

    def add(self, chunk: bytes) -> bool:
        """Log a chunk; ``False`` if it holds blank nodes, quoted triples or over-long lines
        (then :func:`stage_rdf` reports or refuses them).

        Raises:
            SyntaxError: the chunk is not valid N-Triples.
        """
        normal = chunk
        if _NORMAL_PART.fullmatch(chunk) is None:
            normal = ox.serialize(
                ox.parse(chunk, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES
            ) or b""
            if b"_:" in normal or b"<<" in normal:
                return False  # blank nodes or quoted triples (or that text in a literal)
        if _TYPED in normal:
            normal = _canonical_typed(normal)
        # normal N-Triples: every line ends with " .\n", and newlines inside literals are
        # escaped: the pieces are exactly the triples' N-Triples forms
        triples = normal.split(b" .\n")
        triples.pop()
        if not triples:
            return True
        if max(map(len, triples)) > MAX_LITERAL:
            return False
        sha = hashlib.sha256
        digests = b"".join([sha(t).digest() for t in triples])
        self._total += _limb_sum(digests)  # imports numpy: the first chunk is loading by now
        self._count += len(triples)
        import numpy as np

        self._keys.append(np.frombuffer(digests, dtype="<u8")[::4].copy())
        self._out.write(normal)
        self._start_writeback()
        return True

    def _start_writeback(self) -> None:
        """Have the kernel start writing what is logged so far to disk (Linux starts the
        writeback of dirty pages on ``POSIX_FADV_DONTNEED``), while the bulk loaders run: the
        fsync when the version is committed then finds little left to write (0.06 s less for
        100 MB here). Only a hint: durability still comes from that fsync."""
        if _FADV_DONTNEED is None:
            return
        self._out.flush()
        with contextlib.suppress(OSError):
            os.posix_fadvise(self._out.fileno(), 0, 0, _FADV_DONTNEED)

    def finish(self) -> _LogScan:
        """Count, digest, and whether a triple was logged twice (equal 64-bit hash prefixes:
        a false alarm only costs a re-log)."""
        self._out.flush()
        duplicates = False
        if self._keys:
            import numpy as np

            keys = np.sort(np.concatenate(self._keys))
            duplicates = bool((keys[1:] == keys[:-1]).any())
        return _LogScan(self._count, format(self._total % _MOD, "064x"), duplicates)

    def close(self) -> None:
        self._out.close()


# Oxigraph's N-Triples serializer, as regular expressions: IRIs verbatim; literals with U+0000-
# U+001F, U+007F, '"', '\', U+FFFE and U+FFFF escaped (\b \t \n \f \r, else \uXXXX upper-case),
# every other character raw; language tags lower-case; ^^xsd:string left out; one space between
# terms, " .\n" after each triple; no comments, no blank lines. Checked against the serializer
# for every code point in tests/kg/test_bulk.py.
_IRI = rb'<[^\x00-\x20<>"{}|^`\\\x7f]++>'
_LITERAL = (
    rb'"(?:[^"\\\x00-\x1f\x7f\xef]++|\xef(?!\xbf[\xbe\xbf])'
    rb'|\\(?:[btnfr"\\]|u000[0-7BEF]|u001[0-9A-F]|u007F|uFFF[EF]))*+"'
)
_LANG = rb"@[a-z]++(?:-[a-z0-9]++)*+"
_DATATYPE = rb"\^\^<(?!http://www\.w3\.org/2001/XMLSchema#string>)" + _IRI[1:]
_NORMAL_LINE = (
    _IRI + rb" " + _IRI + rb" (?:" + _IRI + rb"|" + _LITERAL + rb"(?:" + _LANG + rb"|"
    + _DATATYPE + rb")?+) \.\n"
)
_NORMAL_PART = re.compile(rb"(?:" + _NORMAL_LINE + rb")*+")
# the object of a line with a typed literal in normal N-Triples (the first ' "' of a line opens
# its literal object: IRIs hold no '"' and quotes inside literals are escaped)
_TYPED_OBJECT = re.compile(rb' ("[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"\^\^<[^>\n]++>) \.\n')
_MAX_ALTERNATION = 1000


def _canonical_typed(normal: bytes) -> bytes:
    """``normal`` (normal N-Triples) with each typed literal object in the form the store gives
    it back (``"1.0"^^xsd:double`` -> ``"1"^^xsd:double``, ``"01"^^xsd:int`` ->
    ``"1"^^xsd:integer`` ...): the distinct literals go through an in-memory Oxigraph store."""
    distinct = list(set(_TYPED_OBJECT.findall(normal)))
    if not distinct:
        return normal
    doc = b"".join(
        b"<%s%d> <%s> %s .\n" % (_CANON_SUBJECT.encode(), i, _CANON_SUBJECT.encode(), o)
        for i, o in enumerate(distinct)
    )
    mem = ox.Store()
    mem.bulk_load(doc, ox.RdfFormat.N_TRIPLES)
    canonical: dict[bytes, bytes] = {}
    skip = len(_CANON_SUBJECT)
    for q in mem.quads_for_pattern(None, None, None, _DG):
        lit = str(q.object).encode()
        o = distinct[int(q.subject.value[skip:])]
        if lit != o:
            canonical[o] = lit
    del mem
    if not canonical:
        return normal
    if len(canonical) <= _MAX_ALTERNATION:  # only the lines that change reach Python
        pattern = re.compile(
            rb" (" + rb"|".join(re.escape(o) for o in canonical) + rb") \.\n"
        )
    else:
        pattern = _TYPED_OBJECT
    return pattern.sub(lambda m: b" " + canonical.get(m[1], m[1]) + b" .\n", normal)


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
