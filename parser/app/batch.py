"""Batch parsing of query files: ``kgqp parse --input queries.txt --output parsed.jsonl``.

Two engines write the same JSON lines (one per query, in input order, timings dropped):

* ``local``: streams the input through :meth:`QueryParser.pipe` and appends to one JSONL file;
  resumable: when the output exists, the queries it already holds are skipped (a torn last line
  from an interruption is dropped and redone; an output of other queries is refused). What
  produced the output (:func:`_producer`: the bundle manifest's checksum and the KG's version)
  is recorded beside it, in ``OUT.kgqp.json``, with ``"complete"``: false while a run writes,
  true and ``"records"`` (its line count) once it finished (:func:`_record`). The whole run
  reads one KG version, the one recorded (:func:`_pin`): the parser's KG is pinned
  (:meth:`kg.ProductGraph.pinned`) from its load to the last line, so a commit that lands
  meanwhile (another process loading into an embedded KG or a SPARQL server) is not read
  until the next run. A rerun with another bundle or KG version is refused; ``force``
  parses all again into a temporary file beside the output, which replaces it only when
  complete. An existing output is only read until it is known to be this run's to resume (a
  file without a record is no kgqp output: refused as it is), and never before the bundle
  loaded; an output that is the input file is refused. ``-`` reads stdin / writes stdout
  (not resumable).

Both engines read an input alike (:func:`_lines`): lines end at ``\n``; the text is UTF-8,
or UTF-16 / UTF-32 when the file starts with their byte-order mark (a Windows "Unicode" export;
a UTF-8 BOM is dropped too), or UTF-16 without a mark when NUL bytes between its characters
give it away (with a warning); bytes not valid in that encoding are replaced (U+FFFD) and a
warning counts the lines that had them (and names the first); gzip data is decompressed (gzip
data that is truncated or damaged is a :class:`DataFormatError` naming the input; the local
engine raises it once the lines before the damage are parsed and written, :class:`_Reader`),
and a line is read with a length cap (:func:`_line_cap`:
64 Ki characters, more when the bundle parses longer queries): a longer line is parsed from its
first characters (``"truncated": true``; its ``"text"`` holds them) and the rest of it is read
and dropped piece by piece, so a small gzip file holding a 1 GiB line costs no more memory.
* ``ray`` (the ``[ray]`` extra): Ray Data reads the input files in the workers
  (``read_binary_files``, split into numbered lines there; nothing is read into the driver), an
  actor pool of ``concurrency`` actors, each loading the bundle once, parses ``batch_size``
  queries per call (``map_batches`` with a callable class), and a datasink writes JSONL shards
  from the workers: ``OUT/f00000-s000000-<first>-<last>.jsonl``, the lines of input file 0 in
  shard 0 (``shard_size`` lines per shard). A rerun skips every complete shard (resumable per
  shard; a shard with a missing or torn part is redone whole); the folder's ``_kgqp_batch.json``
  records the input files with their sizes and modification times (a file replaced under the
  same name is refused), the producer and ``"complete"``. The run parses one KG version: an
  embedded KG (a folder) is copied at its current version into the output folder when the
  run starts (:func:`_kg_copy`: a RocksDB checkpoint and the version log, a fraction of a
  second for the default KG; removed when the run ends) and every actor opens that copy, so a
  commit landing mid-run, before an actor starts or restarts, does not reach the run. A KG
  in a SPARQL server holds its current version only: an actor that loads another one fails
  the run with a :class:`ConfigError` naming both versions, instead of mixing them;
  ``force`` writes a new folder that replaces the old one when complete. ``merge_shards``
  concatenates the shards into the local engine's single file, byte for byte. Runs on a
  local Ray, or on the cluster of ``ray_address`` / ``$RAY_ADDRESS`` (docs/howto/scale-out.md).

Example:
    >>> _shard_name(0, 1, 10_000, 10_099)
    'f00000-s000001-0000010000-0000010099.jsonl'
    >>> _parse_shard_name("f00000-s000001-0000010000-0000010099.jsonl")
    (0, 1, 10000, 10099)
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import itertools
import json
import logging
import os
import re
import shutil
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from parser.errors import ConfigError, DataFormatError, InputError, ParserError

logger = logging.getLogger(__name__)

__all__ = ["merge_shards", "parse_file"]


def _scan_lines(path: Path) -> tuple[int, int, int]:
    """``(complete lines, bytes they take, file size)`` of ``path``, read only: a torn last
    line from an interruption is cut (:func:`_resumable`) only once the file is known to be a
    kgqp output that this run resumes. (Read in 1 MiB chunks: the output may be larger than
    memory.)"""
    count = keep = size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n = chunk.count(b"\n")
            if n:
                count += n
                keep = size + chunk.rfind(b"\n") + 1
            size += len(chunk)
    return count, keep, size


_GZIP = b"\x1f\x8b"

#: Characters of a line read at most (:func:`_line_cap`): a longer line's first ones stand for it.
_MAX_LINE_CHARS = 1 << 16


def _line_cap(bundle: str | Path) -> int:
    """The characters of an input line that are read: :data:`_MAX_LINE_CHARS`, or one more
    than the bundle's ``max_query_chars`` when that is larger, so that a capped line is still
    longer than the parser's limit: the parser truncates it (``truncated``) or refuses it
    (``on_too_long="error"``) as it would the whole line. Read from the bundle's manifest; an
    unreadable one gives the default (loading the bundle then reports it)."""
    from parser.bundle import BundleManifest
    from parser.config import ParserConfig

    try:
        limit = ParserConfig.from_dict(BundleManifest.read(Path(bundle)).parser).max_query_chars
    except (ParserError, OSError, ValueError, TypeError):
        return _MAX_LINE_CHARS
    return max(_MAX_LINE_CHARS, limit + 1)


#: what :func:`_text` decodes an invalid byte sequence to (a lone surrogate: no decoded text
#: holds one), so that :func:`_lines` can tell the lines that had one; it yields U+FFFD for it
_BAD = "\ud800"
_BAD_BYTES = "kgqp-batch-replace"


def _mark_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: as ``errors="replace"`` (one character per invalid sequence),
    but :data:`_BAD` instead of U+FFFD."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return _BAD, exc.end


codecs.register_error(_BAD_BYTES, _mark_bad_bytes)

#: byte-order marks and the encodings they name (UTF-32 LE's starts as UTF-16 LE's: first);
#: the "utf-16" / "utf-32" codecs read the mark for the byte order and drop it
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}


def _lines(fh: TextIO, cap: int = _MAX_LINE_CHARS, source: str | None = None) -> Iterator[str]:
    """One query per line: lines end at ``\n`` only (a ``\r`` before it is dropped; a lone
    ``\r`` stays inside its query), the same from a file, a gzip file, stdin or Ray.

    A line is read ``cap`` characters at most (``readline(cap)``): a longer line yields its
    first ``cap`` characters, and its rest is read ``cap`` characters at a time and dropped
    (never held whole); the next line is the next query, as for any line.

    Bytes that were not valid in the input's encoding (:func:`_text`) come as U+FFFD; once the
    input is read, a warning names ``source`` (default: the stream's name), the number of lines
    that had such bytes and the first of them.

    >>> text = "samsung tv\\r\\n" + "a" * 30 + "\\nlg tv"
    >>> list(_lines(io.StringIO(text, newline="\\n"), cap=12))
    ['samsung tv', 'aaaaaaaaaaaa', 'lg tv']
    """
    n = bad = first_bad = 0
    while line := fh.readline(cap):
        n += 1
        marked, longer = _BAD in line, False
        if len(line) == cap and not line.endswith("\n"):  # a line of cap characters or more
            whole, rest = True, line
            while len(rest) == cap and not rest.endswith("\n"):
                rest = fh.readline(cap)  # dropped
                whole = whole and not rest.rstrip("\r\n")
                marked = marked or _BAD in rest
            longer = not whole  # longer than cap: its first cap characters
        if marked:
            bad += 1
            first_bad = first_bad or n
            line = line.replace(_BAD, "\ufffd")
        yield line if longer else line.rstrip("\r\n")
    if bad:
        encoding = getattr(fh, "encoding", None) or "utf-8-sig"
        name = _ENCODING_NAMES.get(encoding, encoding)
        logger.warning(
            "%s: %d line(s) had bytes that are not valid %s, parsed with U+FFFD in their place "
            "(the first: line %d)%s", source or getattr(fh, "name", None) or "the input", bad,
            name, first_bad, "; re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
            if name == "UTF-8" else "")


def _text(raw: io.BufferedIOBase) -> TextIO:
    """Bytes -> text split at ``\n``: UTF-8, or UTF-16 / UTF-32 when the data starts with
    their byte-order mark; invalid bytes become :data:`_BAD` (:func:`_lines` replaces and
    counts them). Gzip data (by its magic bytes, whatever the file's name) is decompressed
    first."""
    peek = getattr(raw, "peek", None)
    head = peek(2)[:2] if callable(peek) else b""
    if head == _GZIP:
        raw = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        peek = raw.peek
    # utf-8-sig: a BOM some editors write is no part of the first query
    encoding = "utf-8-sig"
    head = peek(4)[:4] if callable(peek) else b""
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding = name
            break
    else:
        guessed = _utf16_without_bom(peek(256)[:256] if callable(peek) else b"")
        if guessed is not None:
            logger.warning("the input has no byte-order mark but reads as %s (NUL bytes "
                           "between its characters): read as %s; save it as UTF-8 to be sure",
                           guessed.upper(), guessed.upper())
            encoding = guessed
    return io.TextIOWrapper(raw, encoding=encoding, errors=_BAD_BYTES, newline="\n")


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head``, the start of a text without a
    byte-order mark, looks like UTF-16 of mostly Latin text (written by ``iconv -t utf-16le``,
    Java's UTF_16LE, ``bcp -w``): a NUL byte in most of the odd (LE) or even (BE) positions and
    hardly any in the others; else None. UTF-8 text has no NUL bytes."""
    n = len(head) // 2 * 2
    if n < 4:
        return None
    even = head[0:n:2].count(0) / (n // 2)
    odd = head[1:n:2].count(0) / (n // 2)
    if odd >= 0.5 and even <= 0.1:
        return "utf-16-le"
    if even >= 0.5 and odd <= 0.1:
        return "utf-16-be"
    return None


@contextlib.contextmanager
def _open_input(input_path: str | Path) -> Iterator[TextIO]:
    """The queries' text stream: a file (closed afterwards) or ``-``, stdin (left open). Gzip
    data damaged at its start is a :class:`DataFormatError` that names the input."""
    if str(input_path) == "-":
        try:
            fh = _text(sys.stdin.buffer)
        except _DAMAGED as exc:
            raise _damage_error("stdin", exc, 0) from exc
        try:
            yield fh
        finally:
            with contextlib.suppress(ValueError):
                fh.detach()  # stdin stays open for the caller
        return
    with open(input_path, "rb") as raw:
        try:
            fh = _text(raw)
        except _DAMAGED as exc:
            raise _damage_error(str(input_path), exc, 0) from exc
        with fh:
            yield fh


#: what reading damaged or truncated gzip data raises (gzip.BadGzipFile is an OSError, which
#: would read as an I/O failure; EOFError as a bug)
_DAMAGED = (EOFError, gzip.BadGzipFile, zlib.error)


def _damage_error(source: str, exc: BaseException, lines: int) -> DataFormatError:
    """The error of an input whose gzip data is truncated or damaged after ``lines`` complete
    lines: bad input data (exit 2), named, with what to do."""
    what = "ends before its end-of-stream marker (truncated: an incomplete download or copy?)" \
        if isinstance(exc, EOFError) else f"is damaged ({exc})"
    return DataFormatError(
        f"{source}: the gzip data {what}, after {lines} complete line(s); `gzip -t` checks a "
        "file. Fetch or write it again and rerun")


class _Reader:
    """The lines of an input, up to gzip damage: the error ends the iteration and is kept
    (``error``) instead of escaping into :meth:`QueryParser.pipe`, whose read-ahead would drop
    the lines read before it; the caller raises it (:meth:`damage`) once they are parsed and
    written. ``read``: the lines yielded."""

    def __init__(self, lines: Iterator[str], source: str) -> None:
        self._lines = lines
        self.source = source
        self.read = 0
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[str]:
        try:
            for line in self._lines:
                self.read += 1
                yield line
        except _DAMAGED as exc:
            self.error = exc

    def damage(self) -> DataFormatError:
        return _damage_error(self.source, self.error or EOFError(), self.read)


def _read_queries(path: Path, cap: int = _MAX_LINE_CHARS) -> Iterator[str]:
    with _open_input(path) as fh:
        yield from _lines(fh, cap)


def _split_lines(data: bytes, cap: int = _MAX_LINE_CHARS,
                 source: str | None = None) -> list[str]:
    """``data`` split into queries exactly as :func:`_read_queries` splits a file (through
    the same :func:`_text` and :func:`_lines`: gzip streamed, a BOM read, lines capped);
    ``source`` names it in the warning of invalid bytes."""
    try:
        with _text(io.BufferedReader(io.BytesIO(data))) as fh:
            reader = _Reader(_lines(fh, cap, source), source or "the input")
            lines = list(reader)
    except _DAMAGED as exc:  # (at its start)
        raise _damage_error(source or "the input", exc, 0) from exc
    if reader.error is not None:
        raise reader.damage() from reader.error
    return lines


def _check_resume(output: Path, done: int, lines: Iterator[str]) -> None:
    """Consume the first ``done`` input lines, checking that the first ``done`` lines of
    ``output`` (its complete ones) parse them (a rerun of the same command resumes; another
    input is refused). Reads only: a file of another kind is left as it was."""
    with open(output, encoding="utf-8", errors="replace", newline="\n") as fh:
        for n, row in enumerate(itertools.islice(fh, done), 1):
            query = next(lines, None)
            try:
                text = json.loads(row).get("text")
            except (ValueError, AttributeError):
                text = None
            if query is None or text != query:
                what = "has fewer lines" if query is None else f"line {n} is {query!r}"
                raise ConfigError(
                    f"{output} holds parses of other queries (its line {n} parses {text!r}; "
                    f"the input {what}): it resumes only the same input. Choose another "
                    "--output, or delete it to start again")


RUN_SUFFIX = ".kgqp.json"  # beside a local-engine output: what produced it, and if it is done


def _producer(bundle: Path) -> dict[str, Any]:
    """What a parse output depends on, read cheaply before parsing: the checksum of the bundle's
    manifest (it holds the checksums of the tagger and fusion files, the parser settings and
    the KG's location) and the version of the bundle's KG."""
    from kg.io import sha256_file
    from parser.bundle import MANIFEST, BundleManifest

    bundle = Path(bundle).expanduser()
    manifest = BundleManifest.read(bundle)  # a missing bundle: ModelNotFoundError
    producer: dict[str, Any] = {"bundle_manifest_sha256": sha256_file(bundle / MANIFEST),
                                "kg_version": None}
    from kg import ProductGraph

    kg_dir = manifest.kg_at(bundle)
    if isinstance(kg_dir, str) or kg_dir.is_dir():  # (else the load reports it)
        kg = ProductGraph.open(kg_dir, read_only=True)
        with contextlib.closing(kg):
            producer["kg_version"] = kg.version
    return producer


def _stale_message(output: Path, record: Path, old: dict[str, Any] | None,
                   new: dict[str, Any]) -> str:
    if old is None:
        why = f"there is no record of the bundle and KG that produced it (in {record})"
    else:
        diffs = []
        if old.get("bundle_manifest_sha256") != new["bundle_manifest_sha256"]:
            diffs.append("another bundle (or a rebuilt one)")
        if old.get("kg_version") != new["kg_version"]:
            diffs.append(f"KG version {old.get('kg_version')}, now {new['kg_version']}")
        why = "it was parsed with " + " and ".join(diffs or ["other settings"])
    return (f"{output} holds parses that a rerun would mix with new ones: {why}. It resumes "
            "only the same bundle and KG version: pass --force to parse it all again, delete "
            "it, or choose another --output")


def _check_producer(meta: Path, output: Path, producer: dict[str, Any]) -> None:
    """Refuse to resume ``output`` when ``meta`` records another producer (or none)."""
    if not meta.exists():
        raise ConfigError(f"{output} is no kgqp output that this run can resume: there is no "
                          f"record of the bundle and KG that produced it ({meta} is missing). "
                          "It was left as it is: choose another --output, delete it, or pass "
                          "--force to replace it")
    old = None
    with contextlib.suppress(OSError, ValueError):
        old = json.loads(meta.read_text(encoding="utf-8"))
    if not isinstance(old, dict) or old.get("bundle_manifest_sha256") != \
            producer["bundle_manifest_sha256"] or old.get("kg_version") != producer["kg_version"]:
        raise ConfigError(_stale_message(output, meta, old if isinstance(old, dict) else None,
                                         producer))


def _record(meta: Path, producer: dict[str, Any], records: int | None = None) -> None:
    """Write ``OUT.kgqp.json``: the producer, and ``"complete": false`` while the run writes
    (an interrupted or failed run leaves it so, although its output ends at a line end as a
    finished one does), ``"complete": true`` with ``records``, the lines of the output, at the
    end. A downstream job reads the output only when it says complete."""
    from kg.io import atomic_write_json

    atomic_write_json(meta, {**producer, "complete": records is not None}
                      | ({"records": records} if records is not None else {}))


def _pin(kg: Any, producer: dict[str, Any], *, resumed: int, output: Path | None,
         record: Path | None) -> Any:
    """The KG snapshot that the whole run parses at (entered with ``kg.pinned(snapshot)``),
    taken once the parser is loaded (and warm: its views built); ``producer["kg_version"]``
    becomes its version, so that the record names the version every line is parsed at. A
    commit may land between the read of the version (:func:`_producer`, before the load) and
    the load: a new output just records the newer one; a resumed output (``resumed`` lines
    parsed at the recorded version) is refused (:class:`ConfigError`), as a rerun after the
    commit would be, instead of appending parses of another version."""
    snapshot = kg.snapshot()
    if resumed and snapshot.version != producer["kg_version"]:
        assert output is not None and record is not None
        raise ConfigError(_stale_message(output, record, producer,
                                         {**producer, "kg_version": snapshot.version}))
    producer["kg_version"] = snapshot.version
    return snapshot


def _check_pinned(snapshot: Any, what: str) -> None:
    """Refuse to call a run's parses one version when they are not: a derived view first used
    after the snapshot was taken joins it at the version the KG had then (the parser's warmup
    builds the views a parse reads, so this is a guard, not an expected path)."""
    moved = sorted(f"{name} (version {v})" for name, v in snapshot.view_versions().items()
                   if v != snapshot.version)
    if moved:
        raise ParserError(f"{what} read KG version {snapshot.version}, but the KG view(s) "
                          f"{', '.join(moved[:3])} were first built after a commit: its parses "
                          "mix KG versions. Rerun with --force once the KG is not being "
                          "changed")


def _check_apart(input_path: Path, *paths: Path) -> None:
    """Refuse an output (or its record) that is the input file itself, by any name (a symlink,
    a hard link): writing it would destroy the queries before they are read."""
    for path in paths:
        with contextlib.suppress(OSError):
            if path.exists() and os.path.samefile(path, input_path):
                raise ConfigError(f"--output {path} is the input file {input_path}: writing it "
                                  "would destroy the queries. Choose another --output")


def _resumable(output: Path, meta: Path, producer: dict[str, Any], lines: Iterator[str],
               reader: _Reader) -> tuple[int, int]:
    """``(done, keep)``: the parses an existing ``output`` holds, whose input lines are consumed
    from ``lines``, and the bytes they take (a torn last line after them is cut by the caller,
    after the bundle loaded). Reads only: an output of other queries, of another producer, or
    with no record of one (no kgqp output) is refused as it is. An empty file is overwritten."""
    if not output.exists():
        return 0, 0
    if output.is_dir():
        raise ConfigError(f"--output {output} is a directory: the local engine writes one "
                          "file (a folder of shards needs --engine ray)")
    done, keep, size = _scan_lines(output)
    if not size:
        return 0, 0
    if not meta.exists():  # no kgqp output: say so, not that it parses other queries
        _check_producer(meta, output, producer)
    try:
        _check_resume(output, done, lines)
    except ConfigError:
        if reader.error is not None:  # the input ends at damage, not where the output does
            raise reader.damage() from reader.error
        raise
    _check_producer(meta, output, producer)
    if done:
        logger.info("resuming: %d queries already in %s", done, output)
    return done, keep


def _dump(result: Any) -> str:
    d = result.to_dict()
    d.pop("timings", None)  # timings differ run to run; the output is deterministic without them
    return json.dumps(d, ensure_ascii=False)


def parse_file(bundle: Path, input_path: str | Path, output_path: str | Path, *,
               batch_size: int = 64, engine: str = "local", backend: str | None = None,
               progress: bool = True, concurrency: int = 1, shard_size: int = 10_000,
               ray_address: str | None = None, force: bool = False) -> int:
    """Parse every line of the input into JSONL; returns the number of parsed queries in the
    output (those of an earlier, interrupted run included).

    Args:
        bundle: the bundle directory.
        input_path: a text file, one query per line; ``"-"`` for stdin (local engine). The ray
            engine also takes a folder (its files, sorted) or a glob.
        output_path: the local engine's JSONL file (``"-"`` for stdout); the ray engine's folder
            of shards, or a ``.jsonl`` file that the shards are merged into at the end.
        batch_size: queries per model call.
        engine: ``"local"`` or ``"ray"``.
        backend: tagger backend (``"onnx"``/``"torch"``; None: ONNX when the bundle has it).
        progress: show a progress bar (local engine).
        concurrency: ray engine: parser actors (each loads the bundle once, uses one CPU).
        shard_size: ray engine: input lines per output shard (the unit of resumption).
        ray_address: ray engine: the cluster to join (default ``$RAY_ADDRESS``, else a local
            Ray); ignored when Ray is already initialised.
        force: parse everything again instead of resuming, into a new output that replaces
            the old one (its parses are dropped) only once complete: a bundle that does not load
            or an interrupted run leaves the old output. Without it, an output written with
            another bundle or KG version, or a file that is no kgqp output, is refused
            (:class:`ConfigError`) and left as it is.

    Raises:
        InputError: a query the bundle refuses (``on_too_long="error"``), naming its line.
        DataFormatError: truncated or damaged gzip input, after the lines before the damage
            were written (the output's record then says ``"complete": false``).
    """
    if engine not in ("local", "ray"):
        raise ConfigError(f"engine must be 'local' or 'ray', got {engine!r}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {batch_size}")
    if engine == "ray":
        if str(input_path) == "-" or str(output_path) == "-":
            raise ConfigError("--engine ray reads files and writes shards: stdin/stdout (-) "
                              "work with --engine local only")
        return _parse_file_ray(bundle, str(input_path), Path(output_path),
                               batch_size=batch_size, backend=backend, concurrency=concurrency,
                               shard_size=shard_size, address=ray_address, force=force)
    if str(input_path) != "-" and Path(input_path).is_dir():
        raise ConfigError(f"{input_path} is a directory: the local engine reads one file "
                          "(a folder of files needs --engine ray)")
    if str(input_path) != "-" and not Path(input_path).is_file():
        raise FileNotFoundError(f"input file {input_path} does not exist")
    cap = _line_cap(bundle)
    source = "stdin" if str(input_path) == "-" else str(input_path)
    if str(output_path) == "-":
        with _open_input(input_path) as fh, _loaded(bundle, backend) as parser:
            reader = _Reader(_lines(fh, cap), source)
            snapshot = parser.kg.snapshot()
            with parser.kg.pinned(snapshot):  # one KG version for the whole run
                written = _parse_stream(parser, iter(reader), sys.stdout, done=0,
                                        batch_size=batch_size, progress=progress,
                                        source=source, bundle=bundle)
            _check_pinned(snapshot, "the run")
        if reader.error is not None:
            raise reader.damage() from reader.error
        return written
    from kg.io import atomic_path

    output_path = Path(output_path)
    meta = output_path.with_name(output_path.name + RUN_SUFFIX)
    if str(input_path) != "-":
        _check_apart(Path(input_path), output_path, meta)
    producer = _producer(bundle)
    with contextlib.ExitStack() as stack:
        reader = _Reader(_lines(stack.enter_context(_open_input(input_path)), cap), source)
        lines = iter(reader)
        done, keep = (0, 0) if force else _resumable(output_path, meta, producer, lines, reader)
        # the bundle loads before the output is touched: a bundle that does not load leaves it
        parser = stack.enter_context(_loaded(bundle, backend))
        # the whole run reads the KG version it records, whatever is committed meanwhile
        snapshot = _pin(parser.kg, producer, resumed=done, output=output_path, record=meta)
        stack.enter_context(parser.kg.pinned(snapshot))
        kw: dict[str, Any] = {"batch_size": batch_size, "progress": progress, "source": source,
                              "bundle": bundle, "resumes": not force}
        if force:
            # the new output is written beside the old one, which it replaces only when
            # complete: a failed or interrupted run leaves the old output and its record
            with atomic_path(output_path.resolve()) as tmp:
                with open(tmp, "w", encoding="utf-8") as out:
                    written = _parse_stream(parser, lines, out, done=0, **kw)
                if reader.error is not None:
                    raise reader.damage() from reader.error
                _check_pinned(snapshot, str(output_path))
                # (a crash before the rename: the old output without a record is refused,
                # never resumed under the new producer)
                meta.unlink(missing_ok=True)
            _record(meta, producer, records=written)
            return written
        output_path.parent.mkdir(parents=True, exist_ok=True)
        # recorded before the first line is written: every line has a producer
        _record(meta, producer)
        if output_path.exists() and output_path.stat().st_size != keep:
            os.truncate(output_path, keep)  # a torn last line (or an empty file's nothing)
        with open(output_path, "a", encoding="utf-8") as out:
            written = _parse_stream(parser, lines, out, done=done, **kw)
            os.fsync(out.fileno())
        _check_pinned(snapshot, str(output_path))  # (else the record stays "complete": false)
    if reader.error is not None:  # the lines before the damage are written; not complete
        raise reader.damage() from reader.error
    _record(meta, producer, records=done + written)
    return done + written


@contextlib.contextmanager
def _loaded(bundle: Path, backend: str | None) -> Iterator[Any]:
    """The bundle's parser, with one torch thread and one BLAS thread while it parses, restored
    afterwards (the tagger runs in ONNX Runtime; spare torch/BLAS threads only spin beside it),
    the objects alive after its load out of the garbage collector's full passes for the run
    (:func:`parser.app.threads.frozen_heap`: each would walk about a million objects); its KG
    closed afterwards (which releases its directory handle for a second parse_file in
    this process, or `kgqp serve` on the same bundle)."""
    from parser.app.threads import frozen_heap, scoped_threads
    from parser.pipeline import QueryParser

    with scoped_threads(torch_threads=1, blas_threads=1):
        parser = QueryParser.from_pretrained(bundle, backend=backend, blas_threads=None)
        with contextlib.closing(parser.kg), frozen_heap():
            yield parser


def _parse_stream(parser: Any, queries: Iterable[str], out: TextIO, *, done: int,
                  batch_size: int, progress: bool, source: str, bundle: Path,
                  resumes: bool = False) -> int:
    """Parse ``queries`` (the input's lines after the first ``done``) into ``out``; returns the
    lines written. A query the parser refuses stops the run with an :class:`InputError` that
    names its input line (``pipe`` yields every result before it first) and what a CLI user
    can change."""
    from tqdm.auto import tqdm

    written = 0
    with tqdm(desc="parsing", unit="q", initial=done, disable=not progress) as bar:
        try:
            for result in parser.pipe(queries, batch_size=batch_size):
                out.write(_dump(result) + "\n")
                written += 1
                bar.update(1)
                if written % batch_size == 0:
                    out.flush()
        except InputError as exc:
            out.flush()
            raise InputError(_bad_line_message(exc, parser, source, done + written + 1,
                                               bundle, resumes)) from exc
        out.flush()
    return written


def _bad_line_message(exc: InputError, parser: Any, source: str, line: int, bundle: Path,
                      resumes: bool) -> str:
    """``exc``'s message with the input line it comes from and, for a query over the bundle's
    length limit, the setting to change: the parser's message names the Python
    ``ParserConfig`` field, which a `kgqp parse` user sets in the bundle's manifest."""
    from parser.bundle import MANIFEST

    message = f"{source}, line {line}: {exc}"
    if getattr(parser.config, "on_too_long", None) == "error":
        message += (f". For `kgqp parse` that is the bundle's setting \"on_too_long\": \"error\" "
                    f"(the \"parser\" section of {Path(bundle) / MANIFEST}): set it to "
                    "\"truncate\" and rerun with --force (an edited manifest is another "
                    f"bundle), or shorten or delete line {line} of the input")
        if resumes:  # (the lines before it are in an output that a rerun resumes)
            message += f" and rerun (it resumes after the {line - 1} lines written)"
    return message


# -- the Ray engine -------------------------------------------------------------------------------
_SHARD = re.compile(r"^f(\d{5})-s(\d{6})-(\d{10})-(\d{10})\.jsonl$")


def _shard_name(file_idx: int, shard: int, first: int, last: int) -> str:
    return f"f{file_idx:05d}-s{shard:06d}-{first:010d}-{last:010d}.jsonl"


def _parse_shard_name(name: str) -> tuple[int, int, int, int] | None:
    m = _SHARD.match(name)
    return tuple(int(g) for g in m.groups()) if m else None  # type: ignore[return-value]


def _input_files(spec: str) -> list[str]:
    """The input files of ``spec`` (a file, a folder: its files, or a glob), sorted."""
    import glob

    path = Path(spec)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        files = sorted(Path(p) for p in glob.glob(spec) if Path(p).is_file())
    if not files:
        raise FileNotFoundError(f"input {spec} names no file (a file, a folder or a glob)")
    return [str(p.resolve()) for p in files]


BATCH_MANIFEST = "_kgqp_batch.json"  # in a ray-engine output folder: what it holds


def _input_stats(files: list[str]) -> list[list[int]]:
    """``[size, mtime_ns]`` of each input file: a file replaced under the same name (a rotated
    log, regenerated ``part-*`` files) changes them. Read from the file system only, so that
    the driver reads no input data (a content hash would read every input there); a file
    rewritten with the same size and its old modification time (``cp -p``, ``rsync -t``)
    passes for the same."""
    stats = []
    for f in files:
        st = os.stat(f)
        stats.append([st.st_size, st.st_mtime_ns])
    return stats


def _manifest(out_dir: Path, files: list[str], shard_size: int,
              producer: dict[str, Any] | None = None) -> None:
    """Record the input files (their sizes and modification times: :func:`_input_stats`), the
    shard size and what parses them (:func:`_producer`); a rerun with others would mix shards,
    and a rerun over a changed input file would take the shards (and line counts) of its old
    contents for done."""
    from kg.io import atomic_write_json

    meta = {"inputs": files, "shard_size": shard_size}
    stats = _input_stats(files)
    path = out_dir / BATCH_MANIFEST
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if {k: old.get(k) for k in meta} != meta:
            raise ConfigError(f"{out_dir} holds shards of another run ({old['inputs'][:3]}, "
                              f"shard size {old['shard_size']}): use a new --output folder or "
                              "delete it (or pass --force)")
        if old.get("input_stats") != stats:
            changed = [f for i, f in enumerate(files)
                       if not isinstance(old.get("input_stats"), list)
                       or i >= len(old["input_stats"]) or old["input_stats"][i] != stats[i]]
            why = (f"input file(s) {changed[:3]} changed (size or modification time) since "
                   "it was written" if "input_stats" in old else
                   "it does not record its input files' sizes and modification times (an "
                   "older kgqp wrote it), so a changed input cannot be told")
            raise ConfigError(f"{out_dir} holds shards that a rerun would mix with new ones: "
                              f"{why}. Pass --force to parse the inputs again, delete it, or "
                              "use a new --output folder")
        if producer is None or old.get("producer") == producer:
            return
        if any(p.name != path.name and not p.name.startswith(KG_COPY_PREFIX)
               for p in out_dir.iterdir()):  # shards of another producer
            raise ConfigError(_stale_message(out_dir, path, old.get("producer"), producer))
    meta |= {"input_stats": stats, "complete": False}
    atomic_write_json(path, {**meta, "producer": producer} if producer is not None else meta)


def _mark(out_dir: Path, records: int | None = None) -> None:
    """Set the folder's ``"complete"`` (with ``records``, the lines of its shards) or unset it
    (``records=None``: a run is writing shards)."""
    from kg.io import atomic_write_json

    path = out_dir / BATCH_MANIFEST
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.pop("records", None)
    atomic_write_json(path, meta | {"complete": records is not None}
                      | ({"records": records} if records is not None else {}))


def _complete_shards(out_dir: Path, line_counts: dict[int, int],
                     shard_size: int) -> set[tuple[int, int]]:
    """(file, shard) pairs whose parts cover all their lines; parts of incomplete shards, and
    torn parts, are deleted (the shard is redone whole)."""
    parts: dict[tuple[int, int], list[tuple[int, int, Path]]] = {}
    for p in out_dir.iterdir():
        key = _parse_shard_name(p.name)
        if key is None:
            continue
        f, s, first, last = key
        data = p.read_bytes()
        if data.count(b"\n") != last - first + 1 or not data.endswith(b"\n"):
            parts.setdefault((f, s), []).append((-1, -1, p))  # torn: the shard is redone
        else:
            parts.setdefault((f, s), []).append((first, last, p))
    complete = set()
    for (f, s), items in parts.items():
        items.sort()
        start, end = s * shard_size, min((s + 1) * shard_size, line_counts.get(f, -1)) - 1
        nxt, ok = start, True
        for first, last, _ in items:
            if first != nxt:
                ok = False
                break
            nxt = last + 1
        if ok and nxt == end + 1:
            complete.add((f, s))
        else:
            for *_, p in items:
                p.unlink()
    return complete


def _line_counts(out_dir: Path) -> dict[int, int]:
    """Lines of each input file with shards, from the ``fNNNNN.count`` files the sink writes."""
    counts = {}
    for p in out_dir.glob("f[0-9][0-9][0-9][0-9][0-9].count"):
        with contextlib.suppress(ValueError, OSError):
            counts[int(p.stem[1:])] = int(p.read_text(encoding="ascii"))
    return counts


def _file_complete(f: int, counts: dict[int, int], done: set[tuple[int, int]],
                   shard_size: int) -> bool:
    if f not in counts:
        return False
    return all((f, s) in done for s in range(-(-counts[f] // shard_size)))


def merge_shards(out_dir: str | Path, dest: str | Path) -> int:
    """Concatenate the shards of a ray-engine output folder, in input order, into one JSONL
    file (atomically); returns its line count. The result equals the local engine's output."""
    from kg.io import atomic_path

    out_dir = Path(out_dir)
    shards = sorted((k, p) for p in out_dir.iterdir() if (k := _parse_shard_name(p.name)))
    n = 0
    with atomic_path(Path(dest)) as tmp, open(tmp, "wb") as out:
        for key, p in shards:
            with open(p, "rb") as fh:
                shutil.copyfileobj(fh, out)
            n += key[3] - key[2] + 1
    return n


#: the prefix of the private copy of the run's KG in a Ray output folder (:func:`_kg_copy`)
KG_COPY_PREFIX = ".kgqp-kg-"


def _kg_copy(bundle: Path, where: Path, tries: int = 3) -> tuple[Path, int] | None:
    """A private copy of the bundle's KG, when it is an embedded KG (a folder), in a new
    folder under ``where``, and its version (:meth:`kg.ProductGraph.copy`): the Ray actors
    open it (read-only) instead of the KG, so that the whole run parses that version whatever
    is committed meanwhile (an actor started or restarted after a commit included). ``None``
    for a KG in a SPARQL server (the server holds its current version only)."""
    import tempfile

    from kg import KGError, ProductGraph
    from parser.bundle import BundleManifest

    kg_dir = BundleManifest.read(bundle).kg_at(bundle)
    if isinstance(kg_dir, str):  # a KG server
        return None
    if not (kg_dir / "store").is_dir():
        return None  # (the actors' load reports it)
    folder = Path(tempfile.mkdtemp(prefix=KG_COPY_PREFIX, dir=where))
    os.chmod(folder, 0o755)  # (mkdtemp's 0o700: the actors may run as another user)
    try:
        version = ProductGraph.copy(kg_dir, folder / "kg", tries=tries)
    except KGError as e:
        shutil.rmtree(folder, ignore_errors=True)
        raise ConfigError(f"{e} (copying it for the run)") from None
    return folder / "kg", version


class _RayParser:
    """A Ray Data actor holding one parser, loaded once per actor, pinned at the KG version the
    run records (``kg_version``, None: not checked) for the actor's life. ``kg_copy``: the
    run's private copy of its KG (:func:`_kg_copy`), opened instead of the bundle's, so that
    no commit reaches the run; without one (a KG in a SPARQL server), an actor that loads
    another version (a commit landed since the run began) raises :class:`ConfigError` when
    called rather than write shards of two versions under one record."""

    def __init__(self, bundle: str, backend: str | None, kg_version: int | None = None,
                 kg_copy: str | None = None) -> None:
        import torch

        from parser.pipeline import QueryParser

        torch.set_num_threads(1)  # the actor owns its process: one CPU each
        kg = None
        if kg_copy is not None:
            from kg import ProductGraph

            kg = ProductGraph.open(kg_copy, read_only=True)
        self.parser = QueryParser.from_pretrained(bundle, backend=backend, kg=kg)
        self.snapshot = self.parser.kg.snapshot()
        from parser.app.threads import freeze_heap

        freeze_heap()  # (the actor owns its process: the loaded parser out of full collections)
        self.refusal: str | None = None
        if kg_version is not None and self.snapshot.version != kg_version:
            # raised by the first call, not here: Ray takes an actor that dies in its creation
            # for its own failure (a full stack trace on stderr, restarts), a call's error for
            # the user's (one line; the run stops)
            self.refusal = (
                f"the KG of {bundle} moved to version {self.snapshot.version} while this run "
                f"parses version {kg_version} (a commit landed since the run began, and its KG "
                "server keeps no older version): its shards would mix KG versions. Rerun with "
                "--force once the KG is not being changed")

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        if self.refusal is not None:
            raise ConfigError(self.refusal)
        texts = [str(t) for t in batch["text"]]
        # (every call, whichever thread runs it, reads the version the actor loaded)
        with self.parser.kg.pinned(self.snapshot):
            out = [_dump(r) for r in self.parser.pipe(texts, batch_size=len(texts) or 1)]
        _check_pinned(self.snapshot, "a Ray actor")
        return {"file": batch["file"], "line": batch["line"], "n": batch["n"], "json": out}


def _numbered_lines(row: dict[str, Any], index: dict[str, int], skip: set[tuple[int, int]],
                    shard_size: int, cap: int = _MAX_LINE_CHARS) -> list[dict[str, Any]]:
    """One input file (a row of ``read_binary_files``) -> its queries, numbered; the lines of
    complete shards are left out."""
    f = index[row["path"]]
    lines = _split_lines(row["bytes"], cap, row["path"])
    return [{"file": f, "line": i, "n": len(lines), "text": t} for i, t in enumerate(lines)
            if (f, i // shard_size) not in skip]


def _make_sink(out_dir: str, shard_size: int) -> Any:
    from ray.data import Datasink

    class _JsonlShards(Datasink):
        """Writes the parsed lines, exactly as the local engine does (``write_json`` would
        re-encode them through Arrow: key order, floats and nulls change), one part file per
        (input file, shard) of each block, in the worker."""

        def write(self, blocks: Iterable[Any], ctx: Any) -> int:
            from kg.io import atomic_path

            n = 0
            for block in blocks:
                cols = block.to_pydict() if hasattr(block, "to_pydict") else {
                    k: list(v) for k, v in block.items()}
                groups: dict[tuple[int, int], list[tuple[int, str]]] = {}
                for f, line, js in zip(cols["file"], cols["line"], cols["json"], strict=True):
                    groups.setdefault((int(f), int(line) // shard_size), []).append(
                        (int(line), js))
                sizes = dict(zip(cols["file"], cols["n"], strict=True))
                for (f, s), rows in groups.items():
                    count = Path(out_dir) / f"f{f:05d}.count"
                    if not count.is_file():  # written before any part of the file
                        with atomic_path(count) as tmp:
                            tmp.write_text(str(int(sizes[f])), encoding="ascii")
                    path = Path(out_dir) / _shard_name(f, s, rows[0][0], rows[-1][0])
                    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
                        fh.writelines(js + "\n" for _, js in rows)
                    n += len(rows)
            return n

    return _JsonlShards()


def _parse_file_ray(bundle: Path, input_spec: str, output: Path, *, batch_size: int,
                    backend: str | None, concurrency: int, shard_size: int,
                    address: str | None, force: bool = False) -> int:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == "ray":
            raise ParserError("--engine ray needs the 'ray' extra: pip install 'kgqp[ray]'"
                              ) from exc
        # ray is there but does not import (a version too old for this Python or pyarrow)
        raise ParserError(f"--engine ray: ray is installed but ray.data does not import ({exc}): "
                          "install a version the 'ray' extra allows: pip install 'kgqp[ray]'"
                          ) from exc
    if concurrency < 1:
        raise ConfigError(f"--concurrency must be >= 1, got {concurrency}")
    if shard_size < 1:
        raise ConfigError(f"--shard-size must be >= 1, got {shard_size}")
    files = _input_files(input_spec)
    merge_to = output if output.suffix == ".jsonl" else None
    out_dir = output.with_name(output.name + ".shards") if merge_to else output
    for f in files:
        _check_apart(Path(f), *([merge_to] if merge_to else []))
        if Path(f).is_relative_to(out_dir.resolve()):
            raise ConfigError(f"the input file {f} is inside the --output folder {out_dir}: "
                              "choose an output folder apart from the inputs")
    producer = _producer(bundle)
    replace = force and (out_dir / BATCH_MANIFEST).is_file()  # only a folder of our shards
    kw: dict[str, Any] = {"batch_size": batch_size, "backend": backend,
                          "concurrency": concurrency, "shard_size": shard_size,
                          "address": address}
    if replace:
        from kg.io import atomic_dir

        # the new shards go to a new folder beside the old one, which it replaces only when
        # complete: a bundle that does not load or an interrupted run leaves the old shards
        with atomic_dir(out_dir) as work:
            os.chmod(work, out_dir.stat().st_mode & 0o777)  # (mkdtemp's 0o700: other workers)
            total = _run_ray(ray, bundle, files, work, producer, **kw)
    else:
        out_dir.mkdir(parents=True, exist_ok=True)
        total = _run_ray(ray, bundle, files, out_dir, producer, **kw)
    if merge_to is not None:
        return merge_shards(out_dir, merge_to)
    return total


def _raise_if_kg_moved(bundle: Path, producer: dict[str, Any], out_dir: Path,
                       exc: BaseException) -> None:
    """After a failed Ray run: when the KG moved off the run's version meanwhile (an actor
    that loaded the new one refused to parse, :class:`_RayParser`; Ray reports that as the
    actor's death), say so plainly (:class:`ConfigError`) instead of Ray's trace."""
    try:
        now = _producer(bundle).get("kg_version")
    except Exception:  # (the KG unreachable now: Ray's own error says more)
        return
    if now != producer.get("kg_version"):
        raise ConfigError(
            f"the KG of {bundle} moved from version {producer.get('kg_version')} to {now} while "
            f"this run parsed it into {out_dir}: the run stopped rather than mix KG versions in "
            f"its shards ({BATCH_MANIFEST} there says \"complete\": false). Rerun with --force "
            f"to parse all at version {now}, once the KG is not being changed") from exc


def _run_ray(ray: Any, bundle: Path, files: list[str], out_dir: Path,
             producer: dict[str, Any], *, batch_size: int, backend: str | None,
             concurrency: int, shard_size: int, address: str | None) -> int:
    """Parse the lines of ``files`` not in complete shards of ``out_dir`` into shards there, at
    one KG version (an embedded KG: a private copy of it, :func:`_kg_copy`); returns the lines
    of all its shards."""
    for old in out_dir.glob(KG_COPY_PREFIX + "*"):  # (left by a run that was killed)
        shutil.rmtree(old, ignore_errors=True)
    copied = _kg_copy(bundle, out_dir)
    if copied is not None:  # the version the run parses: the copy's (a commit may have landed)
        producer["kg_version"] = copied[1]
    try:
        return _run_ray_at(ray, bundle, files, out_dir, producer, batch_size=batch_size,
                           backend=backend, concurrency=concurrency, shard_size=shard_size,
                           address=address, kg_copy=copied[0] if copied else None)
    finally:
        if copied is not None:
            shutil.rmtree(copied[0].parent, ignore_errors=True)  # (the copy's folder)


def _run_ray_at(ray: Any, bundle: Path, files: list[str], out_dir: Path,
                producer: dict[str, Any], *, batch_size: int, backend: str | None,
                concurrency: int, shard_size: int, address: str | None,
                kg_copy: Path | None) -> int:
    _manifest(out_dir, files, shard_size, producer)

    counts = _line_counts(out_dir)
    done = _complete_shards(out_dir, counts, shard_size)
    pending = [p for i, p in enumerate(files) if not _file_complete(i, counts, done, shard_size)]
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS")
        # a local Ray: one CPU per actor plus one for the read and write tasks (with only the
        # actors' CPUs, reading and writing waited for CPUs the actors never gave back)
        cpus = None if address else max(os.cpu_count() or 1, concurrency + 1)
        ray.init(address=address, num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    if pending:
        _mark(out_dir)
        if done:
            logger.info("resuming: %d complete shards in %s", len(done), out_dir)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        index = {p: i for i, p in enumerate(files)}
        ds = ray.data.read_binary_files(pending, include_paths=True)
        ds = ds.flat_map(_numbered_lines, fn_kwargs={"index": index, "skip": done,
                                                     "shard_size": shard_size,
                                                     "cap": _line_cap(bundle)})
        # blocks of a few batches: every actor gets work even when the input is one file
        ds = ds.repartition(target_num_rows_per_block=batch_size * 4)
        ds = ds.map_batches(_RayParser, fn_constructor_args=(
                                str(bundle), backend, producer.get("kg_version"),
                                str(kg_copy) if kg_copy is not None else None),
                            batch_size=batch_size, num_cpus=1,
                            compute=ray.data.ActorPoolStrategy(size=concurrency),
                            batch_format="numpy")
        try:
            ds.write_datasink(_make_sink(str(out_dir), shard_size))
        except Exception as exc:
            if kg_copy is None:  # (a copy does not move)
                _raise_if_kg_moved(bundle, producer, out_dir, exc)
            raise
    total = sum(k[3] - k[2] + 1 for p in out_dir.iterdir() if (k := _parse_shard_name(p.name)))
    _mark(out_dir, total)
    return total
