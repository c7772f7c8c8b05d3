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
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "atomic_dir", "atomic_path", "atomic_write_bytes", "atomic_write_json", "atomic_write_text",
    "current_umask", "fsync_dir", "remove_path", "replace_dir", "sha256_file",
]


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """fsync a directory so that a rename inside it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _proc_umask() -> int | None:
    """The process umask from ``/proc/self/status`` (Linux >= 4.7), or None."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _import_umask() -> int:
    mask = _proc_umask()
    if mask is None:
        # os.umask can only be read by setting it: done once, at import (not in a thread that
        # races other threads creating files)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


_UMASK_AT_IMPORT = _import_umask()


def current_umask() -> int:
    """The process umask, read without changing it (``/proc`` on Linux; elsewhere the umask
    when :mod:`kg.io` was imported)."""
    mask = _proc_umask()
    return _UMASK_AT_IMPORT if mask is None else mask


def _mode_for(target: Path, default: int) -> int:
    """Permission bits for a new ``target``: those of the file or directory it replaces, else
    what ``open()``/``mkdir()`` would give (``default & ~umask``)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode) & 0o777
    except (OSError, ValueError):
        return default & ~current_umask() & 0o777


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success fsync it and move it over ``target``.

    For writers that need a file name (``safetensors.torch.save_file``, ``onnx.save``). On any
    exception the temporary file is removed and ``target`` is left untouched.

    The file gets the permission bits of the file it replaces, or for a new file those a plain
    ``open()`` would give (``0o666 & ~umask``); pass ``mode`` (e.g. ``0o600`` for a private
    file) to set them explicitly. The temporary file is private (``0o600``) while written.
    """
    if mode is not None and (isinstance(mode, bool) or not isinstance(mode, int)
                             or not 0 <= mode <= 0o777):
        raise ValueError(f"mode must be permission bits 0..0o777, got {mode!r}")
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a directory; give a file path to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # after the write (a writer may have recreated the file; a read-only mode must not
        # stop it) and before the fsync, which makes the mode durable with the data
        os.chmod(tmp_path, _mode_for(target, 0o666) if mode is None else mode)
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_path, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _atomic_write(target: str | os.PathLike[str], mode: str, write: Callable[[IO[Any]], None],
                  encoding: str | None = None, file_mode: int | None = None) -> None:
    with atomic_path(target, mode=file_mode) as tmp, open(tmp, mode, encoding=encoding) as fh:
        write(fh)
        fh.flush()


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes, *,
                       mode: int | None = None) -> None:
    """Atomically replace ``target`` with ``data`` (``mode``: see :func:`atomic_path`)."""
    _atomic_write(target, "wb", lambda fh: fh.write(data), file_mode=mode)


def atomic_write_text(target: str | os.PathLike[str], text: str, *,
                      mode: int | None = None) -> None:
    """Atomically replace ``target`` with UTF-8 ``text`` (``mode``: see :func:`atomic_path`)."""
    _atomic_write(target, "w", lambda fh: fh.write(text), encoding="utf-8", file_mode=mode)


def atomic_write_json(target: str | os.PathLike[str], obj: Any, *, indent: int | None = 2,
                      mode: int | None = None) -> None:
    """Atomically replace ``target`` with ``obj`` as UTF-8 JSON (``mode``: see
    :func:`atomic_path`)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False) + "\n"
    if mode is None:
        atomic_write_text(target, text)
    else:
        atomic_write_text(target, text, mode=mode)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux ``renameat2(RENAME_EXCHANGE)``); False when the
    platform or file system cannot."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def replace_dir(new: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Put the directory ``new`` in place of ``target`` (which may not exist yet).

    With ``RENAME_EXCHANGE`` a reader (or a crash) sees the old directory or the new one, never
    none and never a mix; elsewhere it falls back to two renames.
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        os.replace(new, target)
    elif _exchange(new, target):
        remove_path(new)  # ``new`` now holds the old directory (or the old file)
    else:
        old = target.with_name(f".{target.name}.old")
        remove_path(old)
        os.replace(target, old)
        os.replace(new, target)
        remove_path(old)
    fsync_dir(target.parent)


def remove_path(path: str | os.PathLike[str]) -> None:
    """Remove a directory tree or a file, if there (a symlink itself, not its target)."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], *,
               keep: Callable[[str], bool] | None = None) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success it replaces ``target`` whole.

    Entries of an existing ``target`` for which ``keep(name)`` is true are carried over first
    (hard links where possible, so large files cost nothing). On any exception the temporary
    directory is removed and ``target`` is untouched. A symlink is followed (its target is
    replaced, the link kept: ``models/current -> models/v3`` keeps pointing at v3), and ``.``
    or ``..`` name the directory they stand for.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        if keep is not None and target.is_dir():
            for entry in target.iterdir():
                if not keep(entry.name):
                    continue
                if entry.is_dir():
                    shutil.copytree(entry, tmp / entry.name, copy_function=_link_or_copy)
                else:
                    _link_or_copy(entry, tmp / entry.name)
        yield tmp
        # mkdtemp's 0o700 would make a saved model unreadable to other users: the mode of the
        # directory it replaces, else what mkdir() gives
        os.chmod(tmp, _mode_for(target, 0o777))
        fsync_dir(tmp)
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (checksums of saved artefacts)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
