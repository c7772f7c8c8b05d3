"""Version log of a KG: one change set per commit, written before the store commit.

Layout of ``KGDIR/versions/``: for version ``N`` (zero-padded to 6 digits)

- ``N.added.nq`` / ``N.removed.nq``: the quads the commit added / removed (N-Quads, data graph
  only: only quads that really changed, so change sets invert exactly),
- ``N.json``: ``{"version", "timestamp", "message", "added", "removed", "digest"}``, written last;
- ``pruned.json`` (only once the history was pruned, :meth:`kg.ProductGraph.prune_versions`):
  ``{"floor", "base", "base_file", "base_digest", "timestamp"}``: the change sets of versions
  ``<= floor`` were deleted (their ``N.json`` is kept: they are still listed, marked
  ``pruned``), so ``floor`` is the oldest version a rollback can return to; ``base_file``
  (``base-B.nt.gz``) is a gzipped N-Triples snapshot of the data at version ``base`` (>=
  ``floor``, digest ``base_digest``) from which :meth:`kg.ProductGraph.restore` replays
  the change sets ``base + 1 ..``.

Each file is written atomically (:mod:`kg.io`) *before* the store transaction commits; the store
itself records its version in a meta graph inside the same transaction as the data. On open for
writing, the one log newer than the store's version that a crash between the two steps can leave
is discarded; any larger disagreement (a store replaced, damaged or deleted, a log removed) is
refused with :class:`~kg.errors.KGCorruptError` and nothing is deleted (see
:meth:`kg.ProductGraph.restore`). A version ``<=`` the store's version therefore always has a
complete log (:meth:`VersionLog.missing` lists what is not; a writer checks on open), except the
change sets at or below the recorded floor: pruning writes ``pruned.json`` (atomically, after
the snapshot) *before* it deletes any change set, so a pruning interrupted at any point leaves
a log whose missing files are all at or below the floor. Temporary files of interrupted log
writes (``.*.tmp``) and snapshots that ``pruned.json`` does not name are removed on open for
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
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import KGCorruptError, KGError, KGNotFoundError
from kg.io import atomic_write_bytes, atomic_write_json, fsync_dir

__all__ = ["EMPTY_DIGEST", "PRUNED_FILE", "VersionInfo", "VersionLog", "digest_add",
           "digest_combine"]

log = logging.getLogger(__name__)

_MOD = 1 << 256
EMPTY_DIGEST = "0" * 64
_FILE = re.compile(r"^(\d{6,})\.(json|added\.nq|removed\.nq)$")
_TMP = re.compile(
    r"^\.(\d{6,}\.(json|added\.nq|removed\.nq)|base-\d{6,}\.nt\.gz|pruned\.json)\..*\.tmp$"
)
_BASE = re.compile(r"^base-(\d{6,})\.nt\.gz$")
#: the record of a pruned log (see the module docs)
PRUNED_FILE = "pruned.json"


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One committed version of the KG (version 0 is the empty KG)."""

    version: int
    timestamp: str | None
    message: str
    added: int
    removed: int
    digest: str
    #: its change set and those before it were pruned: the KG cannot be rolled back to it
    pruned: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def _record(self) -> dict[str, object]:
        """What ``N.json`` holds (``pruned`` is not stored there: ``pruned.json`` says it)."""
        d = asdict(self)
        del d["pruned"]
        return d


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
        self._mem_floor = 0
        self._mem_pruned: set[int] = set()  # versions whose change set was dropped (in memory)
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
        return removed + self.remove_stale_bases()

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
        atomic_write_json(self._path(v, "json"), info._record())

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
        atomic_write_json(self._path(info.version, "json"), info._record())

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
        """Infos of versions ``0..upto`` (missing logs are skipped with a warning); those below
        the floor of a pruned log are marked ``pruned`` (no rollback to them)."""
        floor = self.floor()
        out = []
        for v in range(upto + 1):
            try:
                info = self.info(v)
            except KGNotFoundError as e:
                log.warning("%s", e)
                continue
            out.append(replace(info, pruned=True) if v < floor else info)
        return out

    def changes(self, version: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """The quads ``version`` added and removed."""
        if self.directory is None:
            if version <= self._mem_floor:
                raise self._pruned_error(version, self._mem_floor)
            if version not in self._mem:
                raise KGNotFoundError(f"No change set for KG version {version}")
            _, added, removed = self._mem[version]
            return added, removed
        out = []
        for what in ("added.nq", "removed.nq"):
            path = self._path(version, what)
            if not path.exists():
                floor = self.floor()
                if version <= floor:
                    raise self._pruned_error(version, floor)
                raise KGNotFoundError(f"Change set of KG version {version} is missing: {path}")
            try:
                out.append(list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS)))
            except (SyntaxError, OSError) as e:
                raise KGError(f"Corrupt change set {path}: {e}") from None
        return out[0], out[1]


    # -- pruning -------------------------------------------------------------------------------
    @staticmethod
    def _pruned_error(version: int, floor: int) -> KGNotFoundError:
        return KGNotFoundError(
            f"The change set of KG version {version} was pruned (the version log keeps the "
            f"change sets of the versions after {floor})"
        )

    def pruned(self) -> dict[str, Any] | None:
        """The record of the last pruning (``pruned.json``, see the module docs), or ``None``
        if the log was never pruned. An unreadable record is a
        :class:`~kg.errors.KGCorruptError`."""
        if self.directory is None:
            return {"floor": self._mem_floor} if self._mem_floor else None
        path = self.directory / PRUNED_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise KGCorruptError(
                f"The pruning record {path} is unreadable ({e}): put back a backup of "
                f"{self.directory}; nothing was changed"
            ) from None
        floor = data.get("floor") if isinstance(data, dict) else None
        if not isinstance(floor, int) or isinstance(floor, bool) or floor < 0:
            raise KGCorruptError(
                f"The pruning record {path} is damaged (no version floor): put back a backup "
                f"of {self.directory}; nothing was changed"
            )
        return data

    def floor(self) -> int:
        """The oldest version the KG can be rolled back to: the change sets of the versions up
        to it were pruned (0: never pruned)."""
        record = self.pruned()
        return 0 if record is None else int(record["floor"])

    def base_path(self, version: int) -> Path:
        """Where a pruning keeps the snapshot of the data at ``version`` (on disk only)."""
        assert self.directory is not None
        return self.directory / f"base-{version:06d}.nt.gz"

    def record_pruned(self, floor: int, *, base: int | None = None,
                      base_digest: str | None = None) -> None:
        """Durably record the floor (and the snapshot :meth:`base_path` of version ``base``
        with digest ``base_digest``, already written): the first step of a pruning, before any
        change set is deleted. The floor never moves down."""
        if floor < self.floor():
            raise KGError(f"The version log is already pruned up to version {self.floor()}")
        if self.directory is None:
            self._mem_floor = floor
            return
        record: dict[str, Any] = {"floor": floor, "base": base,
                                  "base_file": None if base is None else self.base_path(base).name,
                                  "base_digest": base_digest,
                                  "timestamp": datetime.now(UTC).isoformat()}
        atomic_write_json(self.directory / PRUNED_FILE, record)

    def prunable(self, floor: int) -> list[int]:
        """The versions ``<= floor`` that still have (some of) their change set."""
        if self.directory is None:
            return sorted(v for v in self._mem if v <= floor and v not in self._mem_pruned)
        found = set()
        for name in self._names():
            m = _FILE.match(name)
            if m and m.group(2) != "json" and int(m.group(1)) <= floor:
                found.add(int(m.group(1)))
        return sorted(found)

    def change_set_bytes(self, versions: Iterable[int]) -> int:
        """The disk space the change sets of ``versions`` take (0 in memory)."""
        if self.directory is None:
            return 0
        total = 0
        for v in versions:
            for what in ("added.nq", "removed.nq"):
                with contextlib.suppress(OSError):
                    total += os.stat(self._path(v, what)).st_size
        return total

    def delete_change_sets(self, floor: int) -> list[int]:
        """Delete the change sets of the versions ``<= floor`` (their metadata stays), oldest
        first, then the snapshots ``pruned.json`` no longer names; returns those versions.
        The floor must have been recorded first (:meth:`record_pruned`): an interruption at
        any point leaves only files at or below it missing."""
        if floor > self.floor():
            raise KGError(f"Record the floor (version {floor}) before deleting change sets")
        versions = self.prunable(floor)
        if self.directory is None:
            for v in versions:
                self._mem[v] = (self._mem[v][0], [], [])
                self._mem_pruned.add(v)
            return versions
        for v in versions:
            for what in ("added.nq", "removed.nq"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._path(v, what))
        fsync_dir(self.directory)
        self.remove_stale_bases()
        if versions:
            log.info("Pruned the change sets of %d version(s) up to version %d from %s",
                     len(versions), floor, self.directory)
        return versions

    def remove_stale_bases(self) -> list[str]:
        """Remove snapshots that ``pruned.json`` does not name (left by a pruning interrupted
        before it recorded its floor, or replaced by a newer one). Only call as the writer."""
        if self.directory is None or not self.directory.is_dir():
            return []
        try:
            record = self.pruned()
        except KGCorruptError:
            return []  # no way to tell which one is in use: keep them all
        keep = None if record is None else record.get("base_file")
        removed = []
        for name in self._names():
            if _BASE.match(name) and name != keep:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.directory / name)
                    removed.append(name)
        return removed

    def missing(self, upto: int) -> list[str]:
        """The log files of versions ``1..upto`` that are missing (one directory listing): none
        of a complete log. Change sets at or below the floor of a pruned log are not missing,
        and neither is the snapshot it names."""
        if self.directory is None:
            return []
        names = set(self._names())
        record = self.pruned()
        floor = 0 if record is None else int(record["floor"])
        out = []
        if record is not None and record.get("base_file") and record["base_file"] not in names:
            out.append(str(record["base_file"]))
        for v in range(1, upto + 1):
            for what in ("json",) if v <= floor else ("json", "added.nq", "removed.nq"):
                name = f"{v:06d}.{what}"
                if name not in names:
                    out.append(name)
        return out

    def _names(self) -> list[str]:
        assert self.directory is not None
        try:
            return os.listdir(self.directory)
        except FileNotFoundError:
            return []


def _nquads(quads: list[ox.Quad]) -> bytes:
    if not quads:
        return b""
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
