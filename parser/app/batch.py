"""Batch parsing of query files: ``kgqp parse --input queries.txt --output parsed.jsonl``.

The local engine streams the input through :meth:`QueryParser.pipe` and appends one JSON line
per query; it is resumable: when the output exists, the queries it already holds are skipped
(a torn last line from an interruption is dropped and redone). The Ray engine
(``--engine ray``, the ``[ray]`` extra) runs the same ``pipe`` inside Ray Data ``map_batches``
on a local Ray or the cluster in ``RAY_ADDRESS``, and writes the same lines in the same order.

Example:
    >>> _count_complete_lines  # doctest: +ELLIPSIS
    <function _count_complete_lines at ...>
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parser.errors import ConfigError, ParserError

logger = logging.getLogger(__name__)

__all__ = ["parse_file"]


def _count_complete_lines(path: Path) -> int:
    """Number of complete JSON lines in ``path``; a torn last line is cut off the file."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep != len(data):
        with open(path, "rb+") as fh:
            fh.truncate(keep)
    return data[:keep].count(b"\n")


def _read_queries(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for line in fh:
            yield line.rstrip("\r\n")


def _dump(result: Any) -> str:
    d = result.to_dict()
    d.pop("timings", None)  # timings differ run to run; the output is deterministic without them
    return json.dumps(d, ensure_ascii=False)


def parse_file(bundle: Path, input_path: Path, output_path: Path, *, batch_size: int = 64,
               engine: str = "local", backend: str | None = None,
               progress: bool = True) -> int:
    """Parse every line of ``input_path`` into ``output_path`` (JSONL); returns lines written."""
    if engine not in ("local", "ray"):
        raise ConfigError(f"engine must be 'local' or 'ray', got {engine!r}")
    if not input_path.is_file():
        raise ParserError(f"input file {input_path} does not exist")
    if engine == "ray":
        return _parse_file_ray(bundle, input_path, output_path, batch_size=batch_size,
                               backend=backend)
    from itertools import islice

    from tqdm.auto import tqdm

    from parser.pipeline import QueryParser

    done = _count_complete_lines(output_path)
    if done:
        logger.info("resuming: %d queries already in %s", done, output_path)
    parser = QueryParser.from_pretrained(bundle, backend=backend)
    queries = islice(_read_queries(input_path), done, None)
    written = 0
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(parser.kg), open(output_path, "a", encoding="utf-8") as out:
        # closing the KG releases its directory lock (a second parse_file in this process, or
        # `kgqp serve` on the same bundle afterwards, found it still locked)
        bar = tqdm(desc="parsing", unit="q", initial=done, disable=not progress)
        for result in parser.pipe(queries, batch_size=batch_size):
            out.write(_dump(result) + "\n")
            written += 1
            bar.update(1)
            if written % batch_size == 0:
                out.flush()
        out.flush()
        os.fsync(out.fileno())
        bar.close()
    return done + written


class _RayParser:
    """A Ray Data actor holding one loaded parser."""

    def __init__(self, bundle: str, backend: str | None) -> None:
        from parser.pipeline import QueryParser

        self.parser = QueryParser.from_pretrained(bundle, backend=backend)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        return {"json": [_dump(r) for r in self.parser.pipe(texts, batch_size=len(texts) or 1)]}


def _parse_file_ray(bundle: Path, input_path: Path, output_path: Path, *, batch_size: int,
                    backend: str | None) -> int:
    try:
        import ray
    except ImportError as exc:
        raise ParserError("--engine ray needs the 'ray' extra: pip install 'kgqp[ray]'") from exc
    from kg.io import atomic_path

    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False,
                 log_to_driver=False)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    queries = list(_read_queries(input_path))
    ds = ray.data.from_items([{"text": q} for q in queries])
    ds = ds.map_batches(_RayParser, fn_constructor_args=(str(bundle), backend),
                        batch_size=batch_size, concurrency=1)
    with atomic_path(output_path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        n = 0
        for row in ds.iter_rows():
            out.write(row["json"] + "\n")
            n += 1
    return n
