"""Crash-safe file writes shared by every kgqp package (``kg <- fusion <- parser``).

A write goes to a temporary file in the target's directory, is fsynced, then ``os.replace``-d
over the target and the directory is fsynced: a reader sees the old file or the new one, never a
partial one, and a failed write (disk full, SIGKILL) leaves the old file and no temp file behind.

Example:
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_json(d / "config.json", {"a": 1})
    >>> json.loads((d / "config.json").read_text())
    {'a': 1}
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "atomic_path", "atomic_write_bytes", "atomic_write_json", "atomic_write_text", "fsync_dir",
]


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """fsync a directory so that a rename inside it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success fsync it and move it over ``target``.

    For writers that need a file name (``safetensors.torch.save_file``, ``onnx.save``). On any
    exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _atomic_write(target: str | os.PathLike[str], mode: str, write: Callable[[IO[Any]], None],
                  encoding: str | None = None) -> None:
    with atomic_path(target) as tmp, open(tmp, mode, encoding=encoding) as fh:
        write(fh)
        fh.flush()


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace ``target`` with ``data``."""
    _atomic_write(target, "wb", lambda fh: fh.write(data))


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Atomically replace ``target`` with UTF-8 ``text``."""
    _atomic_write(target, "w", lambda fh: fh.write(text), encoding="utf-8")


def atomic_write_json(target: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Atomically replace ``target`` with ``obj`` as UTF-8 JSON."""
    atomic_write_text(target, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n")
