"""What :class:`kg.ProductGraph` needs from a store: two small Protocols, two implementations.

- :class:`QuadStore`: reads and low-level writes, shaped like ``pyoxigraph.Store`` (which is the
  embedded implementation as is) and implemented over HTTP by :class:`kg.sparql.SparqlStore`.
- :class:`Backend`: where versions live and how a change set becomes a committed version:
  ``EmbeddedBackend`` (:mod:`kg.graph`: a version log in ``KGDIR/versions`` written before the
  store commit, bulk imports swapped in as a new store directory) and
  :class:`kg.sparql.SparqlBackend` (versions and change sets in named graphs of the server,
  each commit one guarded SPARQL Update request).

A backend is chosen from the location given to :meth:`kg.ProductGraph.open`: a folder (or
``None``, in memory) -> embedded; ``sparql+http(s)://...`` -> SPARQL server
(:data:`BACKENDS` lists the URL schemes).

Example:
    >>> import pyoxigraph as ox
    >>> isinstance(ox.Store(), QuadStore)
    True
    >>> backend_kind("sparql+http://127.0.0.1:7878/"), backend_kind("/data/kg"), backend_kind(None)
    ('sparql', 'embedded', 'embedded')
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import SplitResult, urlsplit, urlunsplit

import pyoxigraph as ox

if TYPE_CHECKING:
    from kg.bulk import StagedImport
    from kg.versions import VersionInfo

#: a :class:`kg.ProductGraph` (not imported: kg.graph imports this module)
ProductGraph = Any

__all__ = ["BACKENDS", "Backend", "QuadStore", "VersionLogView", "backend_kind", "location",
           "redact_url", "split_credentials", "without_credentials"]

#: URL prefixes of the store backends other than the embedded one.
BACKENDS = {"sparql": ("sparql+http://", "sparql+https://")}
_COLLAPSED = re.compile(r"^(sparql\+https?):/(?!/)")
#: ``scheme:/`` or ``scheme://`` with a scheme of two letters or more (not a drive letter)
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")
_ONE_SLASH = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/(?!/)")


def redact_url(url: str) -> str:
    """``url`` without the user name and password of its ``user:pass@`` part: httpx sends
    them as HTTP Basic credentials, and no message, log line or answer of kgqp shows them.
    A password with a character a URL reserves (``/``, ``?``, ``#``) left unescaped still
    does not show: everything up to the last ``@`` is hidden then (for display only: an
    ``@`` in a path, "/ds@2/", hides the host too; requests take the credentials
    :func:`split_credentials` finds).

    >>> redact_url("sparql+http://u:secret@kg.internal:7878/?timeout=5")
    'sparql+http://***@kg.internal:7878/?timeout=5'
    >>> redact_url("http://kg.internal:7878/")
    'http://kg.internal:7878/'
    >>> redact_url("http:/u:se/cret@h:1")  # (a URL that went through pathlib.Path)
    'http:/***@h:1'
    """
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
    scheme = _URL_LIKE.match(url)
    if scheme and "@" in url:  # no netloc as urllib reads it (one slash, or a bare / ? #)
        start = scheme.end() + (url[scheme.end():].startswith("/"))
        return url[:start] + "***" + url[url.rindex("@"):]
    return url


def split_credentials(url: str) -> tuple[str, str]:
    """``(user:pass, url without it)``: the credentials of ``url``'s authority ('' if none).
    An ``@`` in a path or query is no credential ("/ds@2/" keeps its host); an authority that
    is no ``host[:port]`` before an ``@`` further on is a password with an unescaped ``/``,
    ``?`` or ``#`` (or a URL that went through ``pathlib.Path``, one slash of ``//`` lost):
    everything up to the last ``@`` is then the credentials, as :func:`redact_url` hides it.

    >>> split_credentials("sparql+http://u:secret@kg.internal:7878/?timeout=5")
    ('u:secret', 'sparql+http://kg.internal:7878/?timeout=5')
    >>> split_credentials("sparql+http://kg.internal:7878/ds@2/")
    ('', 'sparql+http://kg.internal:7878/ds@2/')
    >>> split_credentials("sparql+http://u:se/cret@h:1/")
    ('u:se/cret', 'sparql+http://h:1/')
    """
    parts = urlsplit(url)
    if "@" in parts.netloc:
        user, host = parts.netloc.rsplit("@", 1)
        return user, urlunsplit(parts._replace(netloc=host))
    scheme = _URL_LIKE.match(url)
    if not scheme or "@" not in url or _is_host(parts):
        return "", url
    start = scheme.end() + (url[scheme.end():].startswith("/"))
    cut = url.rindex("@")
    return url[start:cut], url[:start] + url[cut + 1:]


def _is_host(parts: SplitResult) -> bool:
    """Whether a split URL's authority is a ``host[:port]`` (a port that is a number)."""
    if not parts.hostname:
        return False
    try:
        parts.port  # noqa: B018  (raises ValueError for a port that is no number)
    except ValueError:
        return False
    return True


def without_credentials(url: str) -> str:
    """``url`` without its ``user:pass@`` part (what a bundle records: credentials come from
    the environment where it is loaded, :meth:`kg.sparql.SparqlConfig.from_url`):
    :func:`split_credentials`.

    >>> without_credentials("sparql+http://u:secret@kg.internal:7878/?timeout=5")
    'sparql+http://kg.internal:7878/?timeout=5'
    """
    return split_credentials(url)[1]


def location(where: str | os.PathLike[str] | None) -> str | Path | None:
    """A KG location as given by a user: a server URL (``str``), a folder (``Path``) or None.

    A URL that went through ``pathlib.Path`` (CLI options typed as paths) lost one slash of
    ``//``; it is put back.

    >>> location(Path("sparql+http://h:7878/")), location("kg")
    ('sparql+http://h:7878', PosixPath('kg'))
    >>> location("http://h:7878/")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'http://h:7878/' looks like a URL, ...
    >>> location(Path("http://u:secret@h:7878/"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'http://***@h:7878' looks like a URL, ...
    """
    if where is None:
        return None
    text = os.fspath(where)
    text = _COLLAPSED.sub(r"\1://", text)
    if any(text.startswith(p) for prefixes in BACKENDS.values() for p in prefixes):
        return text
    scheme = _URL_LIKE.match(text)
    if scheme:  # e.g. http://host:port/ (a folder of that name would be created instead)
        typed = _ONE_SLASH.sub(r"\1://", text)  # as typed, before pathlib took a slash
        raise ValueError(
            f"{redact_url(typed)!r} looks like a URL, which is not a KG location kgqp knows: a "
            f"KG on a SPARQL server is sparql+http://host:port/ (or sparql+https://); a KG "
            "folder is a path")
    return Path(where)


def backend_kind(where: str | os.PathLike[str] | None) -> str:
    loc = location(where)
    if isinstance(loc, str):
        return next(k for k, ps in BACKENDS.items() if loc.startswith(ps))
    return "embedded"


@runtime_checkable
class QuadStore(Protocol):
    """Reads and writes of quads; ``pyoxigraph.Store`` has exactly this shape."""

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
                          graph_name: Any = None) -> Iterable[ox.Quad]: ...

    def __contains__(self, quad: object) -> bool: ...

    def query(self, query: str, *args: Any, **kwargs: Any) -> Any: ...

    def update(self, update: str, *args: Any, **kwargs: Any) -> None: ...

    def dump(self, output: IO[bytes] | str | None = None, format: Any = None, *,
             from_graph: Any = None, prefixes: Mapping[str, str] | None = None,
             **kwargs: Any) -> Any: ...

    def flush(self) -> None: ...


class VersionLogView(Protocol):
    """Reading the versions of a KG (:class:`kg.versions.VersionLog` and
    :class:`kg.sparql.GraphVersionLog`)."""

    def has(self, version: int) -> bool: ...

    def latest(self) -> int: ...

    def info(self, version: int) -> VersionInfo: ...

    def versions(self, upto: int) -> list[VersionInfo]: ...

    def changes(self, version: int) -> tuple[list[ox.Quad], list[ox.Quad]]: ...


class Backend(Protocol):
    """Where a KG's versions live and how a change becomes a committed version."""

    kind: str
    store: QuadStore
    log: VersionLogView

    def store_version(self, *, quick: bool = False) -> int:
        """The newest version committed in the store."""
        ...

    def commit(self, info: VersionInfo, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
        """Commit one change set as ``info.version``, all or nothing."""
        ...

    def existing_for_import(self, work: Path) -> Path | None:
        """An N-Triples dump of the data graph if a bulk import must leave out triples the KG
        already has locally, else ``None`` (the backend removes them itself)."""
        ...

    def commit_bulk(self, graph: ProductGraph, staged: StagedImport, info: VersionInfo,
                    work: Path, *, reuse_staging: bool) -> VersionInfo:
        """Commit a staged bulk import; returns the committed info (``added`` 0: nothing)."""
        ...

    def refresh(self, graph: ProductGraph) -> bool:
        """Catch up with commits made elsewhere; whether the graph moved to a new version."""
        ...

    def prunable(self, floor: int) -> list[int]:
        """The versions whose change sets pruning up to ``floor`` would delete."""
        ...

    def prune(self, floor: int) -> list[int]:
        """Record ``floor`` durably, then delete the change sets up to it; the versions
        whose change sets were deleted (:meth:`ProductGraph.prune_versions`)."""
        ...

    def close(self) -> None: ...
