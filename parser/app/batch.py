"""Batch parsing of query files: ``kgqp parse --input queries.txt --output parsed.jsonl``.

Two engines write the same JSON lines (one per query, in input order, timings dropped):

* ``local``: streams the input through :meth:`QueryParser.pipe` and appends to one JSONL file;
  resumable: when the output exists, the queries it already holds are skipped (a torn last line
  from an interruption is dropped and redone; an output of other queries is refused). What
  produced the output (:func:`_producer`: the bundle manifest's checksum and the KG's version)
  is recorded beside it, in ``OUT.kgqp.json``: a rerun with another bundle or KG version is
  refused (``force`` starts over). ``-`` reads stdin / writes stdout (not resumable).

Both engines read an input alike (:func:`_lines`): lines end at ``\n``; the text is UTF-8,
or UTF-16 / UTF-32 when the file starts with their byte-order mark (a Windows "Unicode" export;
a UTF-8 BOM is dropped too), or UTF-16 without a mark when NUL bytes between its characters
give it away (with a warning); bytes not valid in that encoding are replaced (U+FFFD) and a
warning counts the lines that had them (and names the first); gzip data is decompressed, and a
line is read with a length cap (:func:`_line_cap`:
64 Ki characters, more when the bundle parses longer queries): a longer line is parsed from its
first characters (``"truncated": true``; its ``"text"`` holds them) and the rest of it is read
and dropped piece by piece, so a small gzip file holding a 1 GiB line costs no more memory.
* ``ray`` (the ``[ray]`` extra): Ray Data reads the input files in the workers
  (``read_binary_files``, split into numbered lines there; nothing is read into the driver), an
  actor pool of ``concurrency`` actors, each loading the bundle once, parses ``batch_size``
  queries per call (``map_batches`` with a callable class), and a datasink writes JSONL shards
  from the workers: ``OUT/f00000-s000000-<first>-<last>.jsonl``, the lines of input file 0 in
  shard 0 (``shard_size`` lines per shard). A rerun skips every complete shard (resumable per
  shard; a shard with a missing or torn part is redone whole). ``merge_shards`` concatenates the
  shards into the local engine's single file, byte for byte. Runs on a local Ray, or on the
  cluster of ``ray_address`` / ``$RAY_ADDRESS`` (docs/howto/scale-out.md).

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
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from parser.errors import ConfigError, ParserError

logger = logging.getLogger(__name__)

__all__ = ["merge_shards", "parse_file"]


def _count_complete_lines(path: Path) -> int:
    """Number of complete JSON lines in ``path``; a torn last line is cut off the file.
    (Read in 1 MiB chunks: the output may be larger than memory.)"""
    if not path.exists():
        return 0
    count = keep = size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n = chunk.count(b"\n")
            if n:
                count += n
                keep = size + chunk.rfind(b"\n") + 1
            size += len(chunk)
    if keep != size:
        with open(path, "rb+") as fh:
            fh.truncate(keep)
    return count


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
    """The queries' text stream: a file (closed afterwards) or ``-``, stdin (left open)."""
    if str(input_path) == "-":
        fh = _text(sys.stdin.buffer)
        try:
            yield fh
        finally:
            with contextlib.suppress(ValueError):
                fh.detach()  # stdin stays open for the caller
        return
    with open(input_path, "rb") as raw, _text(raw) as fh:
        yield fh


def _read_queries(path: Path, cap: int = _MAX_LINE_CHARS) -> Iterator[str]:
    with _open_input(path) as fh:
        yield from _lines(fh, cap)


def _split_lines(data: bytes, cap: int = _MAX_LINE_CHARS,
                 source: str | None = None) -> list[str]:
    """``data`` split into queries exactly as :func:`_read_queries` splits a file (through
    the same :func:`_text` and :func:`_lines`: gzip streamed, a BOM read, lines capped);
    ``source`` names it in the warning of invalid bytes."""
    with _text(io.BufferedReader(io.BytesIO(data))) as fh:
        return list(_lines(fh, cap, source))


def _check_resume(output: Path, done: int, lines: Iterator[str]) -> None:
    """Consume the first ``done`` input lines, checking that the ``done`` parses already in
    ``output`` are theirs (a rerun of the same command resumes; another input is refused)."""
    with open(output, encoding="utf-8") as fh:
        for n, row in enumerate(fh, 1):
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


RUN_SUFFIX = ".kgqp.json"  # beside a local-engine output: what produced it


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
    from kg.store import location

    server = location(manifest.kg_path) if manifest.kg_mode == "location" else None
    kg_dir = bundle / manifest.kg_path if manifest.kg_mode == "snapshot" \
        else Path(manifest.kg_path)
    if isinstance(server, str) or kg_dir.is_dir():  # (else the load reports it)
        kg = ProductGraph.open(server if isinstance(server, str) else kg_dir, read_only=True)
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
    old = None
    with contextlib.suppress(OSError, ValueError):
        old = json.loads(meta.read_text(encoding="utf-8"))
    if not isinstance(old, dict) or old.get("bundle_manifest_sha256") != \
            producer["bundle_manifest_sha256"] or old.get("kg_version") != producer["kg_version"]:
        raise ConfigError(_stale_message(output, meta, old if isinstance(old, dict) else None,
                                         producer))


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
        force: parse everything again, replacing an output (its parses are dropped) instead of
            resuming it. Without it, an output written with another bundle or KG version is
            refused (:class:`ConfigError`).
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
    if str(output_path) == "-":
        with _open_input(input_path) as fh:
            return _parse_stream(bundle, _lines(fh, cap), sys.stdout, done=0,
                                 batch_size=batch_size, backend=backend, progress=progress)
    from kg.io import atomic_write_json

    output_path = Path(output_path)
    meta = output_path.with_name(output_path.name + RUN_SUFFIX)
    producer = _producer(bundle)
    done = 0 if force else _count_complete_lines(output_path)
    if done:
        logger.info("resuming: %d queries already in %s", done, output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        lines: Iterator[str] = _lines(stack.enter_context(_open_input(input_path)), cap)
        if done:
            _check_resume(output_path, done, lines)
            _check_producer(meta, output_path, producer)
        else:  # recorded before the first line is written: every line has a producer
            atomic_write_json(meta, producer)
        out = stack.enter_context(open(output_path, "a" if done else "w", encoding="utf-8"))
        written = _parse_stream(bundle, lines, out, done=done,
                                batch_size=batch_size, backend=backend, progress=progress)
        out.flush()
        os.fsync(out.fileno())
    return done + written


def _parse_stream(bundle: Path, queries: Iterable[str], out: TextIO, *, done: int,
                  batch_size: int, backend: str | None, progress: bool) -> int:
    from tqdm.auto import tqdm

    from parser.app.threads import scoped_threads
    from parser.pipeline import QueryParser

    written = 0
    # one torch thread and one BLAS thread while parsing, restored afterwards (the tagger runs
    # in ONNX Runtime; spare torch/BLAS threads only spin beside it)
    with scoped_threads(torch_threads=1, blas_threads=1):
        parser = QueryParser.from_pretrained(bundle, backend=backend, blas_threads=None)
        # closing the KG releases its directory handle (a second parse_file in this process,
        # or `kgqp serve` on the same bundle afterwards)
        with contextlib.closing(parser.kg), \
                tqdm(desc="parsing", unit="q", initial=done, disable=not progress) as bar:
            for result in parser.pipe(queries, batch_size=batch_size):
                out.write(_dump(result) + "\n")
                written += 1
                bar.update(1)
                if written % batch_size == 0:
                    out.flush()
            out.flush()
    return written


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


def _manifest(out_dir: Path, files: list[str], shard_size: int,
              producer: dict[str, Any] | None = None) -> None:
    """Record the input files, the shard size and what parses them (:func:`_producer`); a
    rerun with others would mix shards."""
    from kg.io import atomic_write_json

    meta = {"inputs": files, "shard_size": shard_size}
    path = out_dir / "_kgqp_batch.json"
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if {k: old.get(k) for k in meta} != meta:
            raise ConfigError(f"{out_dir} holds shards of another run ({old['inputs'][:3]}, "
                              f"shard size {old['shard_size']}): use a new --output folder or "
                              "delete it (or pass --force)")
        if producer is None or old.get("producer") == producer:
            return
        if any(p.name != path.name for p in out_dir.iterdir()):  # shards of another producer
            raise ConfigError(_stale_message(out_dir, path, old.get("producer"), producer))
    atomic_write_json(path, {**meta, "producer": producer} if producer is not None else meta)


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


class _RayParser:
    """A Ray Data actor holding one parser, loaded once per actor."""

    def __init__(self, bundle: str, backend: str | None) -> None:
        import torch

        from parser.pipeline import QueryParser

        torch.set_num_threads(1)  # the actor owns its process: one CPU each
        self.parser = QueryParser.from_pretrained(bundle, backend=backend)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        out = [_dump(r) for r in self.parser.pipe(texts, batch_size=len(texts) or 1)]
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
    producer = _producer(bundle)
    if force and (out_dir / "_kgqp_batch.json").is_file():  # only a folder of our shards
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
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
        ds = ds.map_batches(_RayParser, fn_constructor_args=(str(bundle), backend),
                            batch_size=batch_size, num_cpus=1,
                            compute=ray.data.ActorPoolStrategy(size=concurrency),
                            batch_format="numpy")
        ds.write_datasink(_make_sink(str(out_dir), shard_size))
    total = sum(k[3] - k[2] + 1 for p in out_dir.iterdir() if (k := _parse_shard_name(p.name)))
    if merge_to is not None:
        return merge_shards(out_dir, merge_to)
    return total
