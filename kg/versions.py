"""Version log of a KG: one change set per commit, written before the store commit.

Layout of ``KGDIR/versions/``: for version ``N`` (zero-padded to 6 digits)

- ``N.added.nq`` / ``N.removed.nq``: the quads the commit added / removed (N-Quads, data graph
  only: only quads that really changed, so change sets invert exactly),
- ``N.json``: ``{"version", "timestamp", "message", "added", "removed", "digest"}``, written last.

Each file is written atomically (:mod:`kg.io`) *before* the store transaction commits; the store
itself records its version in a meta graph inside the same transaction as the data. On open for
writing, the one log newer than the store's version that a crash between the two steps can leave
is discarded; any larger disagreement (a store replaced, damaged or deleted, a log removed) is
refused with :class:`~kg.errors.KGCorruptError` and nothing is deleted (see
:meth:`kg.ProductGraph.restore`). A version ``<=`` the store's version therefore always has a
complete log. Temporary files of interrupted log writes (``.*.tmp``) are removed on open for
writing.

``digest`` is an order-independent multiset hash of the data triples (sum of SHA-256 of each
N-Triples line mod 2**256), updated incrementally from each change set; rollback checks it.

Example:
    >>> log = VersionLog(None)
    >>> log.versions(upto=0)[0].message
    'empty'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError, KGNotFoundError
from kg.io import atomic_write_bytes, atomic_write_json

__all__ = ["EMPTY_DIGEST", "VersionInfo", "VersionLog", "digest_add", "digest_combine"]

log = logging.getLogger(__name__)

_MOD = 1 << 256
EMPTY_DIGEST = "0" * 64
_FILE = re.compile(r"^(\d{6,})\.(json|added\.nq|removed\.nq)$")
_TMP = re.compile(r"^\.\d{6,}\.(json|added\.nq|removed\.nq)\..*\.tmp$")


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One committed version of the KG (version 0 is the empty KG)."""

    version: int
    timestamp: str | None
    message: str
    added: int
    removed: int
    digest: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _triple_hash(line: str) -> int:
    return int.from_bytes(hashlib.sha256(line.encode("utf-8")).digest(), "big")


def digest_add(digest: str, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> str:
    """The digest after adding/removing quads (their triples are hashed as N-Triples)."""
    value = int(digest, 16)
    for q in added:
        value += _triple_hash(str(q.triple))
    for q in removed:
        value -= _triple_hash(str(q.triple))
    return format(value % _MOD, "064x")


def digest_combine(a: str, b: str) -> str:
    """The digest of the union of two disjoint multisets of triples with digests ``a``, ``b``."""
    return format((int(a, 16) + int(b, 16)) % _MOD, "064x")


class VersionLog:
    """Change sets per version, on disk (``directory``) or in memory (``None``)."""

    def __init__(self, directory: Path | None, *, create: bool = True) -> None:
        self.directory = directory
        self._dir_str = str(directory) if directory is not None else ""
        self._mem: dict[int, tuple[VersionInfo, list[ox.Quad], list[ox.Quad]]] = {}
        if directory is not None and create:
            directory.mkdir(parents=True, exist_ok=True)

    def latest(self) -> int:
        """The newest version with any log file (0 if none); may be one uncommitted version."""
        return max(self._on_disk() | set(self._mem), default=0)

    def has(self, version: int) -> bool:
        """Whether ``version``'s metadata (written last) is in the log: one ``stat`` on disk."""
        if self.directory is None:
            return version in self._mem
        try:  # os.stat on a str: a parse pays this once (pathlib's path building cost 5x it)
            return stat.S_ISREG(os.stat(f"{self._dir_str}/{version:06d}.json").st_mode)
        except OSError:
            return False

    def remove_stale_tmp(self) -> list[str]:
        """Remove temporary files left by interrupted log writes (only call as the writer)."""
        if self.directory is None or not self.directory.is_dir():
            return []
        removed = []
        for p in self.directory.iterdir():
            if _TMP.match(p.name):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed.append(p.name)
        if removed:
            log.info("Removed %d stale temporary file(s) from %s", len(removed), self.directory)
        return removed

    def _path(self, version: int, what: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{version:06d}.{what}"

    def write(self, info: VersionInfo, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
        """Durably record a change set (before the store commit)."""
        if self.directory is None:
            self._mem[info.version] = (info, list(added), list(removed))
            return
        v = info.version
        atomic_write_bytes(self._path(v, "added.nq"), _nquads(added))
        atomic_write_bytes(self._path(v, "removed.nq"), _nquads(removed))
        atomic_write_json(self._path(v, "json"), info.to_dict())

    def write_file(self, info: VersionInfo, added_nquads: Path) -> None:
        """Durably record a change set of additions only, given as an N-Quads file (a bulk
        import's staged log): the file is fsynced and moved into the log, no copy is made."""
        if self.directory is None:
            added = list(ox.parse(path=added_nquads, format=ox.RdfFormat.N_QUADS))
            self._mem[info.version] = (info, added, [])
            return
        target = self._path(info.version, "added.nq")
        with open(added_nquads, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(added_nquads, target)
        atomic_write_bytes(self._path(info.version, "removed.nq"), b"")
        atomic_write_json(self._path(info.version, "json"), info.to_dict())

    def staging_path(self, version: int) -> Path | None:
        """A temporary file name for the added quads of ``version``, inside the log directory
        (same file system, so :meth:`write_file` moves it; stale ones are removed on open)."""
        if self.directory is None:
            return None
        return self.directory / f".{version:06d}.added.nq.{os.getpid()}.tmp"

    def discard(self, version: int) -> None:
        """Remove the log of ``version`` (its store commit failed)."""
        if self.directory is None:
            self._mem.pop(version, None)
            return
        for what in ("json", "added.nq", "removed.nq"):
            with contextlib.suppress(FileNotFoundError):
                self._path(version, what).unlink()

    def discard_after(self, version: int) -> list[int]:
        """Remove logs newer than ``version`` (written, but never committed to the store)."""
        dropped = sorted(
            {v for v in self._on_disk() if v > version} | {v for v in self._mem if v > version}
        )
        for v in dropped:
            log.warning("Discarding the log of version %d: its store commit never happened", v)
            self.discard(v)
        return dropped

    def _on_disk(self) -> set[int]:
        if self.directory is None or not self.directory.is_dir():
            return set()
        found = set()
        for p in self.directory.iterdir():
            m = _FILE.match(p.name)
            if m:
                found.add(int(m.group(1)))
        return found

    def info(self, version: int) -> VersionInfo:
        if version == 0:
            return VersionInfo(0, None, "empty", 0, 0, EMPTY_DIGEST)
        if self.directory is None:
            if version not in self._mem:
                raise KGNotFoundError(f"No log for KG version {version}")
            return self._mem[version][0]
        path = self._path(version, "json")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return VersionInfo(**data)
        except FileNotFoundError:
            raise KGNotFoundError(f"No log for KG version {version} ({path} is missing)") from None
        except (ValueError, TypeError) as e:
            raise KGError(f"Corrupt version log {path}: {e}") from None

    def versions(self, upto: int) -> list[VersionInfo]:
        """Infos of versions ``0..upto`` (missing logs are skipped with a warning)."""
        out = []
        for v in range(upto + 1):
            try:
                out.append(self.info(v))
            except KGNotFoundError as e:
                log.warning("%s", e)
        return out

    def changes(self, version: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """The quads ``version`` added and removed."""
        if self.directory is None:
            if version not in self._mem:
                raise KGNotFoundError(f"No change set for KG version {version}")
            _, added, removed = self._mem[version]
            return added, removed
        out = []
        for what in ("added.nq", "removed.nq"):
            path = self._path(version, what)
            if not path.exists():
                raise KGNotFoundError(f"Change set of KG version {version} is missing: {path}")
            try:
                out.append(list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS)))
            except (SyntaxError, OSError) as e:
                raise KGError(f"Corrupt change set {path}: {e}") from None
        return out[0], out[1]


def _nquads(quads: list[ox.Quad]) -> bytes:
    if not quads:
        return b""
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
