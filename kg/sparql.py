"""The KG in a SPARQL 1.1 server: the store, its version log and commits over HTTP.

``ProductGraph.open("sparql+http://host:port/")`` keeps the whole KG in a server speaking the
SPARQL 1.1 Protocol (Query and Update) and the Graph Store Protocol (GSP): Oxigraph server by
default (``/query``, ``/update``, ``/store``), any endpoint layout through URL parameters, e.g.
Jena Fuseki's dataset ``ds``: ``sparql+http://host:3030/ds/?store=data``.

What lives in the server (nothing on the client's disk):

- the data graph: the default graph, as in the embedded store;
- ``<https://kgqp.dev/meta>``: one node per version ``<https://kgqp.dev/meta/version/N>`` with
  ``kgqp:committedVersion N`` (as embedded) and the version's timestamp, message, counts,
  digest and a random commit id;
- ``<https://kgqp.dev/log/N/added>`` and ``.../removed``: the change set of version N;
- once the history was pruned (:meth:`kg.ProductGraph.prune_versions`), in the meta graph:
  ``<https://kgqp.dev/meta/pruned> kgqp:floor F`` (the change sets of versions ``<= F`` are
  dropped: the oldest version a rollback can return to) and ``kgqp:droppedTo D`` (how far the
  drops got: the floor is recorded first, then the graphs are dropped in batches, each batch
  one update request that moves ``D``; an interrupted pruning leaves graphs at or below the
  floor that the next one drops).

A commit is ONE SPARQL Update request (the server applies it in one transaction: all or
nothing): the data change, the change-set graphs and the version node, guarded by ``WHERE {
FILTER NOT EXISTS { version >= N } }`` so that two writers cannot both commit version N (the
loser gets :class:`~kg.errors.KGConflictError` and nothing of its change is applied). A request
whose answer is lost (server killed, connection reset) is retried; the guard makes the retry a
no-op when the first try was applied, and the commit id says which happened.

Bulk imports upload the staged N-Triples (:mod:`kg.bulk`) to a private staging graph with a GSP
``POST``, remove from it what the data graph already has, then one guarded update copies it into
the data graph and records the version with the staging graph as its added change set.

Every request has a timeout; connection errors and 5xx answers are retried with exponential
backoff (:class:`SparqlConfig`), then raise :class:`~kg.errors.KGRemoteError`. The version check
a read makes (:meth:`SparqlBackend.refresh`), and the read of the new versions' change sets
after it, have a short timeout of their own (``check_timeout`` per request) and are not
retried; after one fails, reads stop checking and a background thread checks instead, less
often (``check_interval x 2^n``, up to :data:`CHECK_BACKOFF_MAX` apart, or ``check_interval``
where that is longer: with the default 1 s, once a second), until the server answers: a server
that hangs costs one parse at most ``check_timeout``, and a replica is back within about the
longer of :data:`CHECK_BACKOFF_MAX` and ``check_interval`` of the server answering again.

Credentials (HTTP Basic) come from the URL (``sparql+http://user:pass@host/``), else from the
environment variables ``KGQP_KG_USER`` and ``KGQP_KG_PASSWORD``, else from a ``~/.netrc``
(``$NETRC``) entry for the host; no message, log line or bundle shows or keeps them.

Example (needs a running server, e.g. ``oxigraph serve --location /tmp/kgdb``)::

    >>> from kg import ProductGraph  # doctest: +SKIP
    >>> g = ProductGraph.open("sparql+http://127.0.0.1:7878/")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import netrc
import os
import re
import threading
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import pyoxigraph as ox

from kg import schema as S
from kg.errors import KGConflictError, KGError, KGNotFoundError, KGRemoteError
from kg.store import redact_url, split_credentials, without_credentials
from kg.versions import EMPTY_DIGEST, VersionInfo, digest_add, digest_combine
from kg.views import logged_changes

__all__ = ["SCHEMES", "GraphVersionLog", "SparqlConfig", "SparqlStore", "is_sparql_url"]

log = logging.getLogger(__name__)

SCHEMES = ("sparql+http://", "sparql+https://")
META_GRAPH_IRI = "https://kgqp.dev/meta"
LOG_GRAPH_PREFIX = "https://kgqp.dev/log/"
STAGING_PREFIX = "https://kgqp.dev/staging/"
#: a staging graph younger than this may belong to a bulk import still running: left alone by
#: :meth:`GraphVersionLog.stale_staging` (a 1M-triple import takes under a minute)
STALE_STAGING_SECONDS = 3600.0
VERSION_PRED_IRI = S.KGQP + "committedVersion"
_K = S.KGQP
_DG = ox.DefaultGraph()
_META = ox.NamedNode(META_GRAPH_IRI)
_PRUNED = ox.NamedNode(META_GRAPH_IRI + "/pruned")
#: versions whose change-set graphs one update request of a pruning drops
PRUNE_BATCH = 500
_NT = "application/n-triples"
_JSON = "application/sparql-results+json"
_EMPTY = ox.Store()
#: the longest wait between two version checks while the server does not answer them (the
#: n-th check after a failed one waits ``check_interval * 2**n`` seconds, at most this). Those
#: checks run in a background thread (:meth:`SparqlBackend.refresh`): no read waits for them,
#: and a replica recovers within about this long (plus one check) of the server answering again
CHECK_BACKOFF_MAX = 1.0
#: the shortest wait between two of those background checks (``check_interval=0``)
CHECK_BACKOFF_MIN = 0.05
#: environment variables with the KG server's HTTP Basic credentials (when the URL has none)
USER_ENV, PASSWORD_ENV = "KGQP_KG_USER", "KGQP_KG_PASSWORD"
#: characters of a server's answer that a message quotes
EXCERPT = 100


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A short one-line excerpt of a server's answer for a message: the text of an HTML page
    without its tags, whitespace collapsed, cut at ``limit`` characters.

    >>> excerpt("<html><head><title>Error response</title></head><body><h1>Error response</h1>"
    ...         "<p>Error code: 501</p></body></html>")
    'Error response Error code: 501'
    >>> excerpt("x" * 200, 10)
    'xxxxxxxxxx…'
    """
    if "<" in text and ">" in text:
        text = re.sub(r"(?is)<(head|script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _credentials(userinfo: str, host: str) -> tuple[str, str] | None:
    """HTTP Basic credentials: the URL's ``user:pass``, else ``$KGQP_KG_USER`` and
    ``$KGQP_KG_PASSWORD``, else the ``~/.netrc`` (``$NETRC``) entry of ``host``."""
    if userinfo:
        user, _, password = userinfo.partition(":")
        return unquote(user), unquote(password)
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user or password:
        return user or "", password or ""
    path = Path(os.environ.get("NETRC") or os.path.expanduser("~/.netrc"))
    if not path.is_file():
        return None
    try:
        found = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError) as e:
        log.warning("Cannot read %s for the KG server's credentials: %s", path,
                    getattr(e, "msg", e))
        return None
    return (found[0] or "", found[2] or "") if found else None


def is_sparql_url(location: object) -> bool:
    """Whether ``location`` names a SPARQL server (``sparql+http://...``) rather than a folder.

    >>> is_sparql_url("sparql+http://127.0.0.1:7878/"), is_sparql_url("/data/kg")
    (True, False)
    """
    return isinstance(location, str) and location.startswith(SCHEMES)


@dataclass(frozen=True, slots=True)
class SparqlConfig:
    """Endpoints and network behaviour of a :class:`SparqlStore`.

    Built from a ``sparql+http(s)://host:port/path/?query=q&update=u&store=s&timeout=30`` URL:
    endpoint names are relative to ``path`` (defaults: Oxigraph server's ``query``, ``update``,
    ``store``). ``retries`` attempts after the first on connection errors and 5xx answers, the
    n-th after ``backoff * 2**n`` seconds. ``staging_upload=bulk`` (default) asks Oxigraph
    server to load a bulk import's staging graph without a transaction (``no_transaction``:
    ~5x faster for 1M triples; the staging graph is not part of any version until the commit,
    which is transactional); ``transaction`` sends a plain GSP ``POST`` (other servers).

    ``check_timeout`` bounds the version check a read makes (at most once per
    ``check_interval``; :meth:`SparqlBackend.refresh`): a parse waits no longer for a server
    that hangs. ``auth``: HTTP Basic credentials (see the module docs); the endpoint URLs never
    hold them.

    >>> c = SparqlConfig.from_url("sparql+http://h:3030/ds/?store=data&timeout=5")
    >>> c.query_url, c.store_url, c.timeout, c.check_timeout
    ('http://h:3030/ds/query', 'http://h:3030/ds/data', 5.0, 1.0)
    >>> c = SparqlConfig.from_url("sparql+http://bob:s3cret@h:7878/")
    >>> c.query_url, c.auth == ("bob", "s3cret"), "s3cret" in repr(c)
    ('http://h:7878/query', True, False)
    """

    query_url: str
    update_url: str
    store_url: str
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.25
    check_interval: float = 1.0
    staging_upload: str = "bulk"
    check_timeout: float = 1.0
    auth: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.check_timeout <= 0 or self.retries < 0 \
                or self.backoff < 0 or self.check_interval < 0:
            raise ValueError("timeout and check_timeout must be > 0; retries, backoff, "
                             "check_interval >= 0")
        if self.staging_upload not in ("bulk", "transaction"):
            raise ValueError(
                f"staging_upload must be 'bulk' or 'transaction', not {self.staging_upload!r}"
            )

    @classmethod
    def from_url(cls, url: str) -> SparqlConfig:
        shown = redact_url(url)  # messages never show the credentials
        if not is_sparql_url(url):
            raise ValueError(
                f"Not a SPARQL server URL: {shown!r}; use sparql+http://host:port/ (Oxigraph "
                "server) or sparql+http://host:port/dataset/?store=data (Fuseki)"
            )
        parts = urlsplit(without_credentials(url)[len("sparql+"):])
        if not parts.hostname:
            raise ValueError(f"No host in the SPARQL server URL {shown!r}")
        try:
            parts.port  # noqa: B018  (urllib checks the port when it is read)
        except ValueError:
            raise ValueError(
                f"Invalid port in the SPARQL server URL {shown!r} (0-65535)") from None
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        known = {"query", "update", "store", "timeout", "retries", "backoff", "check_interval",
                 "check_timeout", "staging_upload"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {', '.join(unknown)} in {shown!r}; valid: "
                + ", ".join(sorted(known))
            )
        base = parts.path if parts.path.endswith("/") else parts.path + "/"

        def endpoint(name: str) -> str:
            return urlunsplit((parts.scheme, parts.netloc, base + params.get(name, name), "", ""))

        try:
            numbers = {
                k: (int if k == "retries" else float)(params[k])
                for k in ("timeout", "retries", "backoff", "check_interval", "check_timeout")
                if k in params
            }
        except ValueError as e:
            raise ValueError(f"Bad number in the SPARQL server URL {shown!r}: {e}") from None
        extra = {"staging_upload": params["staging_upload"]} if "staging_upload" in params else {}
        return cls(endpoint("query"), endpoint("update"), endpoint("store"), **numbers, **extra,
                   auth=_credentials(split_credentials(url)[0], parts.hostname))


def _term(t: Any) -> str:
    """An RDF term in SPARQL syntax (N-Triples form: escaped, never parsed as SPARQL)."""
    return str(t)


def _graph_clause(pattern: str, g: Any) -> str:
    if g is None or isinstance(g, ox.DefaultGraph):
        return pattern
    return f"GRAPH {_term(g)} {{ {pattern} }}"


def _triples(quads: list[ox.Quad]) -> str:
    return "\n".join(f"{q.triple} ." for q in quads)


class SparqlStore:
    """A SPARQL 1.1 server seen through the part of ``pyoxigraph.Store``'s API that
    :class:`kg.ProductGraph` uses (``quads_for_pattern``, ``in``, ``query``, ``update``,
    ``dump``), plus Graph Store Protocol uploads and downloads.

    Example (needs a running server)::

        >>> cfg = SparqlConfig.from_url("sparql+http://127.0.0.1:7878/")
        >>> s = SparqlStore(cfg)  # doctest: +SKIP
        >>> s.query("ASK { ?s ?p ?o }")  # doctest: +SKIP
        <QueryBoolean false>
    """

    remote = True

    def __init__(self, config: SparqlConfig) -> None:
        import httpx

        self.config = config
        self._httpx = httpx
        self._client = httpx.Client(
            timeout=httpx.Timeout(config.timeout, connect=min(config.timeout, 5.0)),
            headers={"User-Agent": "kgqp"}, auth=config.auth,
        )
        self._subject_cache: dict[tuple[Any, Any], list[ox.Quad]] = {}
        self._limits = threading.local()  # this thread's bounded() request arguments

    @contextlib.contextmanager
    def bounded(self, timeout: float, retries: int = 0) -> Iterator[None]:
        """Within the block, this thread's requests that name no ``timeout`` or ``retries`` of
        their own use these (a refresh's reads: :meth:`SparqlBackend.refresh`); other threads
        keep the configured ones."""
        outer = getattr(self._limits, "args", None)
        self._limits.args = (timeout, retries)
        try:
            yield
        finally:
            self._limits.args = outer

    @property
    def where(self) -> str:
        """The server's base URL, without credentials (for messages and logs): ``***@host``
        when some are sent."""
        base = self.config.query_url.rsplit("/", 1)[0] + "/"
        return base.replace("://", "://***@", 1) if self.config.auth else base

    # -- HTTP ----------------------------------------------------------------------------------
    def _request(self, method: str, url: str, *, what: str, retries: int | None = None,
                 timeout: float | None = None, **kw: Any) -> Any:
        """One HTTP request, retried with exponential backoff on connection errors and 5xx;
        ``timeout`` (seconds) instead of the configured one for each try."""
        httpx = self._httpx
        limits = getattr(self._limits, "args", None)
        if limits is not None:
            timeout = limits[0] if timeout is None else timeout
            retries = limits[1] if retries is None else retries
        retries = self.config.retries if retries is None else retries
        if timeout is not None:
            kw["timeout"] = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        attempt = 0
        while True:
            body = kw.get("content")
            if hasattr(body, "seek"):
                body.seek(0)
            try:
                resp = self._client.request(method, url, **kw)
            except httpx.TransportError as e:
                problem = f"{type(e).__name__}: {e}"
            else:
                if resp.status_code < 500:
                    return resp
                problem = f"HTTP {resp.status_code}: {excerpt(resp.text)}"
                if resp.status_code in (501, 505):  # permanent: no use retrying
                    raise KGRemoteError(
                        f"The KG server at {self.where} cannot do {what} ({method} "
                        f"{redact_url(url)}: "
                        f"{problem}): is it a SPARQL 1.1 endpoint? The KG URL is "
                        "sparql+http://host:port/ with the query and update services at "
                        "/query and /update (?query=...&update=... name others)")
            if attempt >= retries:
                raise KGRemoteError(
                    f"The KG server at {self.where} failed {what} after {attempt + 1} "
                    f"tries ({problem}); check that it is running and reachable"
                )
            delay = self.config.backoff * (2**attempt)
            log.warning("KG server %s: %s failed (%s); retry in %.2f s", self.where, what,
                        problem, delay)
            time.sleep(delay)
            attempt += 1

    def _raise_for(self, resp: Any, what: str, error: type[Exception] = KGError) -> None:
        if resp.status_code >= 400:
            hint = ""
            if resp.status_code in (401, 403):
                hint = (" (the server or a proxy before it wants credentials: "
                        + ("these were refused" if self.config.auth else "none were given")
                        + f"; give them in ${USER_ENV} and ${PASSWORD_ENV}, or a ~/.netrc "
                        "entry for the host)")
            raise error(f"The KG server at {self.where} refused {what} (HTTP "
                        f"{resp.status_code}{hint}): {excerpt(resp.text, 300)}")

    # -- the pyoxigraph.Store part -------------------------------------------------------------
    def query(self, sparql: str, substitutions: Mapping[Any, Any] | None = None, *,
              retries: int | None = None, timeout: float | None = None) -> Any:
        """Run a query; ``substitutions`` ({Variable: term}) go in as a trailing ``VALUES``
        block (terms in N-Triples syntax, never spliced as SPARQL). Returns pyoxigraph
        ``QuerySolutions``/``QueryBoolean``, or a list of triples for CONSTRUCT/DESCRIBE.
        Raises ``SyntaxError`` for a query the server refuses (as pyoxigraph does).
        ``retries`` and ``timeout`` replace the configured ones for this query."""
        # validated by pyoxigraph first, on an empty store: the same syntax errors and the same
        # bound-variable rule (a bound variable must be projected) as the embedded store
        _EMPTY.query(sparql, substitutions=substitutions or None)
        if substitutions:
            names = " ".join(f"?{v.value}" for v in substitutions)
            values = " ".join(_term(t) for t in substitutions.values())
            sparql = f"{sparql}\nVALUES ({names}) {{ ({values}) }}"
        resp = self._request(
            "POST", self.config.query_url, what="a query", retries=retries, timeout=timeout,
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query",
                     "Accept": f"{_JSON}, {_NT};q=0.9"},
        )
        if resp.status_code == 400:
            raise SyntaxError(excerpt(resp.text, 500))
        self._raise_for(resp, "a query")
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        if ctype == _JSON:
            return ox.parse_query_results(resp.content, ox.QueryResultsFormat.JSON)
        if ctype not in (_NT, "text/plain", ""):
            raise KGRemoteError(
                f"The KG server at {self.where} answered a query with {ctype}, not SPARQL "
                f"results ({redact_url(self.config.query_url)}): is it a SPARQL 1.1 endpoint?")
        return [q.triple for q in ox.parse(resp.content, ox.RdfFormat.N_TRIPLES)]

    def update(self, sparql: str, *, what: str = "an update") -> None:
        resp = self._request(
            "POST", self.config.update_url, what=what, content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )
        self._raise_for(resp, what)
        self.clear_cache()

    def _construct(self, template: str, where: str) -> list[ox.Triple]:
        return self.query(f"CONSTRUCT {{ {template} }} WHERE {{ {where} }}")

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None,
                          g: Any = None) -> list[ox.Quad]:
        """Quads of graph ``g`` (default graph when ``None``/``DefaultGraph``) matching the
        pattern. Lookups by subject are cached until the next version check or commit."""
        graph = g if g is not None else _DG
        if s is not None and p is None and o is None:
            key = (s, graph)
            hit = self._subject_cache.get(key)
            if hit is None:
                hit = self._fetch(s, None, None, graph)
                if len(self._subject_cache) > 50_000:
                    self._subject_cache.clear()
                self._subject_cache[key] = hit
            return list(hit)
        if s is not None and (s, graph) in self._subject_cache:
            return [
                q for q in self._subject_cache[(s, graph)]
                if (p is None or q.predicate == p) and (o is None or q.object == o)
            ]
        return self._fetch(s, p, o, graph)

    def prefetch_subjects(self, subjects: list[ox.NamedNode], graph: Any = None) -> None:
        """Fill the subject cache for many subjects with one query per 500 (a transaction
        adding thousands of nodes would otherwise ask about each one)."""
        graph = graph if graph is not None else _DG
        todo = list(dict.fromkeys(s for s in subjects if (s, graph) not in self._subject_cache))
        for i in range(0, len(todo), 500):
            chunk = todo[i:i + 500]
            found: dict[Any, list[ox.Quad]] = {s: [] for s in chunk}
            values = " ".join(_term(s) for s in chunk)
            for t in self._construct(
                "?s ?p ?o", f"VALUES ?s {{ {values} }} " + _graph_clause("?s ?p ?o", graph)
            ):
                found[t.subject].append(ox.Quad(t.subject, t.predicate, t.object, graph))
            if len(self._subject_cache) + len(found) > 50_000:
                self._subject_cache.clear()
            for s, quads in found.items():
                self._subject_cache[(s, graph)] = quads

    def _fetch(self, s: Any, p: Any, o: Any, graph: Any) -> list[ox.Quad]:
        ts, tp, to = (_term(x) if x is not None else v for x, v in ((s, "?s"), (p, "?p"),
                                                                    (o, "?o")))
        triples = self._construct(f"{ts} {tp} {to}", _graph_clause(f"{ts} {tp} {to}", graph))
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]

    def __contains__(self, q: ox.Quad) -> bool:
        return bool(self.quads_for_pattern(q.subject, q.predicate, q.object, q.graph_name))

    def __len__(self) -> int:
        return self.count()

    def count(self, graph: Any = None) -> int:
        res = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { " + _graph_clause("?s ?p ?o", graph) + " }"
        )
        for row in res:
            return int(row[0].value)
        return 0

    def is_empty(self) -> bool:
        return not bool(self.query("ASK { ?s ?p ?o }"))

    def dump(self, output: Any = None, format: ox.RdfFormat | None = None, *,
             from_graph: Any = None, prefixes: Mapping[str, str] | None = None) -> bytes | None:
        """Write a graph (GSP ``GET``) in ``format``: N-Triples/N-Quads as the server sends
        them, other formats re-serialised by pyoxigraph."""
        data = self.download(from_graph)
        fmt = format or ox.RdfFormat.N_TRIPLES
        if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS) and (
            from_graph is None or isinstance(from_graph, ox.DefaultGraph)
        ):
            out = data
        else:
            quads = ox.parse(data, ox.RdfFormat.N_TRIPLES)
            if fmt == ox.RdfFormat.N_QUADS:
                quads = (ox.Quad(q.subject, q.predicate, q.object, from_graph) for q in quads)
            out = ox.serialize(quads, format=fmt, prefixes=prefixes) or b""
        if output is None:
            return out
        if isinstance(output, str | os.PathLike):
            Path(output).write_bytes(out)
        else:
            output.write(out)
        return None

    def flush(self) -> None:
        """Nothing to flush on the client (the server commits each request)."""

    def clear_cache(self) -> None:
        self._subject_cache.clear()

    # -- Graph Store Protocol ------------------------------------------------------------------
    def _gsp_params(self, graph: Any) -> dict[str, str]:
        if graph is None or isinstance(graph, ox.DefaultGraph):
            return {"default": ""}
        return {"graph": graph.value}

    def download(self, graph: Any = None) -> bytes:
        """The N-Triples of ``graph`` (GSP ``GET``; an absent graph is empty)."""
        resp = self._request("GET", self.config.store_url, what="a graph download",
                             params=self._gsp_params(graph), headers={"Accept": _NT})
        if resp.status_code == 404:
            return b""
        self._raise_for(resp, "a graph download")
        return resp.content

    def upload(self, path: Path, graph: ox.NamedNode) -> None:
        """Add the N-Triples file ``path`` to ``graph`` (GSP ``POST``, streamed from disk)."""
        params = self._gsp_params(graph)
        if self.config.staging_upload == "bulk":
            params["no_transaction"] = ""  # Oxigraph server's bulk loader
        with open(path, "rb") as fh:
            resp = self._request("POST", self.config.store_url, what="a bulk upload",
                                 params=params, content=_Reader(fh),
                                 headers={"Content-Type": _NT})
        self._raise_for(resp, "a bulk upload")

    def close(self) -> None:
        self._client.close()


class _Reader:
    """A re-readable streaming body (httpx takes an iterator of bytes; retries rewind it)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def seek(self, pos: int) -> None:
        self._fh.seek(pos)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self._fh.read(1 << 20):
            yield chunk


def version_node(version: int) -> ox.NamedNode:
    return ox.NamedNode(f"{META_GRAPH_IRI}/version/{version}")


def log_graph(version: int, what: str) -> ox.NamedNode:
    return ox.NamedNode(f"{LOG_GRAPH_PREFIX}{version}/{what}")


def _guard(version: int) -> str:
    """A group pattern that matches once iff no version >= ``version`` is committed yet. Put it
    first in a WHERE clause: as a group of its own Oxigraph evaluates it once, not once per
    solution of the patterns beside it (a bulk commit's 1M staged triples: the update took
    12.5-16.9 s against 14.9-19.5 s with the filter among them; docs/benchmarks.md)."""
    return (
        f"{{ FILTER NOT EXISTS {{ GRAPH <{META_GRAPH_IRI}> {{ ?_v <{VERSION_PRED_IRI}> ?_n "
        f"FILTER(?_n >= {version}) }} }} }}"
    )


def _meta_triples(info: VersionInfo, commit_id: str) -> str:
    v = version_node(info.version)
    props = [
        (VERSION_PRED_IRI, ox.Literal(info.version)),
        (_K + "commitId", ox.Literal(commit_id)),
        (_K + "timestamp", ox.Literal(info.timestamp or "")),
        (_K + "message", ox.Literal(info.message)),
        (_K + "added", ox.Literal(info.added)),
        (_K + "removed", ox.Literal(info.removed)),
        (_K + "digest", ox.Literal(info.digest)),
    ]
    return "\n".join(f"{v} <{p}> {o} ." for p, o in props)


class GraphVersionLog:
    """The version log of a KG kept inside its SPARQL server (see the module docs); the same
    reading interface as :class:`kg.versions.VersionLog`, and the commits."""

    def __init__(self, store: SparqlStore) -> None:
        self.store = store
        self.directory = None

    def store_version(self, *, retries: int | None = None,
                      timeout: float | None = None) -> int:
        res = self.store.query(
            f"SELECT (MAX(?n) AS ?v) WHERE {{ GRAPH <{META_GRAPH_IRI}> "
            f"{{ ?x <{VERSION_PRED_IRI}> ?n }} }}",
            retries=retries, timeout=timeout,
        )
        for row in res:
            return int(row[0].value) if row[0] is not None else 0
        return 0

    def latest(self) -> int:
        return self.store_version()

    def has(self, version: int) -> bool:
        return version == 0 or bool(self.store.query(
            f"ASK {{ GRAPH <{META_GRAPH_IRI}> {{ {version_node(version)} "
            f"<{VERSION_PRED_IRI}> ?n }} }}"
        ))

    def remove_stale_tmp(self) -> list[str]:
        return []

    def _infos(self, version: int | None = None, **request: Any) -> dict[int, VersionInfo]:
        where = "?v" if version is None else str(version_node(version))
        res = self.store.query(
            "SELECT ?n ?t ?m ?a ?r ?d WHERE { GRAPH <" + META_GRAPH_IRI + "> { "
            f"{where} <{VERSION_PRED_IRI}> ?n ; <{_K}timestamp> ?t ; <{_K}message> ?m ; "
            f"<{_K}added> ?a ; <{_K}removed> ?r ; <{_K}digest> ?d }} }}", **request
        )
        out = {}
        for row in res:
            n = int(row["n"].value)
            out[n] = VersionInfo(n, row["t"].value or None, row["m"].value,
                                 int(row["a"].value), int(row["r"].value), row["d"].value)
        return out

    def info(self, version: int, *, retries: int | None = None,
             timeout: float | None = None) -> VersionInfo:
        if version == 0:
            return VersionInfo(0, None, "empty", 0, 0, EMPTY_DIGEST)
        found = self._infos(version, retries=retries, timeout=timeout).get(version)
        if found is None:
            raise KGNotFoundError(f"No log for KG version {version} in {self.store.where}")
        return found

    def versions(self, upto: int) -> list[VersionInfo]:
        infos = self._infos()
        floor = self.floor()
        out = [self.info(0)] + [infos[v] for v in sorted(infos) if 0 < v <= upto]
        return [replace(i, pruned=True) if i.version < floor else i for i in out]

    def changes(self, version: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
        if not self.has(version):
            raise KGNotFoundError(f"No change set for KG version {version}")
        out = []
        graphs = {"added": log_graph(version, "added"), "removed": log_graph(version, "removed")}
        floor = 0
        for row in self.store.query(  # a bulk import's staging graph is its added change set
            f"SELECT ?g ?f WHERE {{ GRAPH <{META_GRAPH_IRI}> {{ {{ {version_node(version)} "
            f"<{_K}addedGraph> ?g }} UNION {{ {_PRUNED} <{_K}floor> ?f }} }} }}"
        ):
            if row["g"] is not None:
                graphs["added"] = row["g"]
            if row["f"] is not None:
                floor = max(floor, int(row["f"].value))
        if version <= floor:  # dropped graphs would read as empty ones
            raise KGNotFoundError(
                f"The change set of KG version {version} was pruned (the version log keeps the "
                f"change sets of the versions after {floor})"
            )
        for what in ("added", "removed"):
            data = self.store.download(graphs[what])
            out.append([ox.Quad(q.subject, q.predicate, q.object, _DG)
                        for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)])
        return out[0], out[1]

    # -- pruning -------------------------------------------------------------------------------
    def _pruned_state(self) -> tuple[int, int]:
        """(floor, droppedTo): see the module docs; (0, 0) if never pruned."""
        res = self.store.query(
            f"SELECT ?f ?d WHERE {{ OPTIONAL {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} "
            f"<{_K}floor> ?f }} }} OPTIONAL {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} "
            f"<{_K}droppedTo> ?d }} }} }}"
        )
        floor = dropped = 0
        for row in res:
            if row["f"] is not None:
                floor = max(floor, int(row["f"].value))
            if row["d"] is not None:
                dropped = max(dropped, int(row["d"].value))
        return floor, dropped

    def pruned(self) -> dict[str, Any] | None:
        floor, dropped = self._pruned_state()
        return {"floor": floor, "dropped_to": dropped} if floor else None

    def floor(self) -> int:
        """The oldest version the KG can be rolled back to (0: never pruned)."""
        return self._pruned_state()[0]

    def prunable(self, floor: int) -> list[int]:
        """The versions ``<= floor`` whose change-set graphs were not dropped yet."""
        return list(range(self._pruned_state()[1] + 1, floor + 1))

    def record_pruned(self, floor: int) -> None:
        """Record the floor (it never moves down): the first step of a pruning."""
        self.store.update(
            f"DELETE {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} <{_K}floor> ?f }} }}\n"
            f"INSERT {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} <{_K}floor> {ox.Literal(floor)} }} }}"
            f"\nWHERE {{ OPTIONAL {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} <{_K}floor> ?f }} }} "
            f"FILTER(!BOUND(?f) || ?f < {floor}) }}",
            what="recording the pruning floor",
        )

    def delete_change_sets(self, floor: int) -> list[int]:
        """Drop the change-set graphs of the versions ``<= floor`` (recorded first with
        :meth:`record_pruned`), :data:`PRUNE_BATCH` versions per update request."""
        recorded, dropped = self._pruned_state()
        if floor > recorded:
            raise KGError(f"Record the floor (version {floor}) before deleting change sets")
        versions = list(range(dropped + 1, floor + 1))
        for i in range(0, len(versions), PRUNE_BATCH):
            batch = versions[i:i + PRUNE_BATCH]
            low, high = batch[0], batch[-1]
            staging = [row[0] for row in self.store.query(
                f"SELECT ?g WHERE {{ GRAPH <{META_GRAPH_IRI}> {{ ?v <{_K}addedGraph> ?g ; "
                f"<{VERSION_PRED_IRI}> ?n }} FILTER(?n >= {low} && ?n <= {high}) }}")]
            ops = [f"DROP SILENT GRAPH {log_graph(v, what)}"
                   for v in batch for what in ("added", "removed")]
            ops += [f"DROP SILENT GRAPH {g}" for g in staging]
            ops.append(
                f"DELETE {{ GRAPH <{META_GRAPH_IRI}> {{ ?v <{_K}addedGraph> ?g }} }} WHERE {{ "
                f"GRAPH <{META_GRAPH_IRI}> {{ ?v <{_K}addedGraph> ?g ; <{VERSION_PRED_IRI}> ?n "
                f"}} FILTER(?n >= {low} && ?n <= {high}) }}")
            ops.append(
                f"DELETE {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} <{_K}droppedTo> ?d }} }} "
                f"INSERT {{ GRAPH <{META_GRAPH_IRI}> {{ {_PRUNED} <{_K}droppedTo> "
                f"{ox.Literal(high)} }} }} WHERE {{ OPTIONAL {{ GRAPH <{META_GRAPH_IRI}> {{ "
                f"{_PRUNED} <{_K}droppedTo> ?d }} }} }}")
            self.store.update(" ;\n".join(ops), what="dropping pruned change sets")
        if versions:
            log.info("Pruned the change sets of %d version(s) up to version %d from %s",
                     len(versions), floor, self.store.where)
        return versions

    # -- commits -------------------------------------------------------------------------------
    def _has_commit(self, info: VersionInfo, commit_id: str) -> bool:
        """Whether the store records version ``info.version`` as committed by ``commit_id``."""
        return bool(self.store.query(
            f"ASK {{ GRAPH <{META_GRAPH_IRI}> {{ {version_node(info.version)} "
            f"<{_K}commitId> {ox.Literal(commit_id)} }} }}"))

    def _confirm(self, info: VersionInfo, commit_id: str) -> None:
        if not self._has_commit(info, commit_id):
            raise KGConflictError(
                f"Another writer committed KG version {info.version} at {self.store.where} "
                "first; nothing of this change was applied. Retry it on the new version"
            )

    def _applied(self, info: VersionInfo, commit_id: str, error: KGRemoteError) -> bool:
        """After the commit request of ``info`` failed without an answer (``error``): whether
        the server applied it anyway (its commit id recorded). Raises
        :class:`~kg.errors.KGRemoteError` when that cannot be asked: the outcome is unknown."""
        try:
            applied = self._has_commit(info, commit_id)
        except KGRemoteError as e:
            raise KGRemoteError(
                f"The commit of KG version {info.version} at {self.store.where} got no answer "
                f"({error}), and the server cannot be asked whether it applied it ({e}): check "
                "`kgqp kg versions` once it is back. A bulk load's staging graph is kept (the "
                "version names it if it committed; else `kgqp kg drop-staging` removes it)"
            ) from None
        if applied:
            log.warning("The answer to the commit of KG version %d was lost (%s); the server "
                        "had applied it", info.version, error)
        return applied

    def commit(self, info: VersionInfo, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
        """Apply a change set as version ``info.version`` in one guarded update request."""
        commit_id = uuid.uuid4().hex
        v = info.version
        parts = [f"INSERT {{\n{_triples(added)}\n"]
        if added:
            parts.append(f"GRAPH {log_graph(v, 'added')} {{\n{_triples(added)}\n}}\n")
        if removed:
            parts.append(f"GRAPH {log_graph(v, 'removed')} {{\n{_triples(removed)}\n}}\n")
        parts.append(f"GRAPH <{META_GRAPH_IRI}> {{\n{_meta_triples(info, commit_id)}\n}}\n}}")
        body = "".join(parts)
        delete = f"DELETE {{\n{_triples(removed)}\n}}\n" if removed else ""
        request = f"{delete}{body}\nWHERE {{ {_guard(v)} }}"
        log.debug("Committing version %d: one update request of %d bytes", v, len(request))
        try:
            self.store.update(request, what=f"the commit of version {v}")
        except KGRemoteError as e:  # no answer: applied or not?
            if not self._applied(info, commit_id, e):
                raise
            return
        self._confirm(info, commit_id)

    def commit_bulk(self, staged_nt: Path, info: VersionInfo) -> VersionInfo:
        """Commit the triples of the N-Triples file ``staged_nt`` (canonical, no duplicates:
        see :mod:`kg.bulk`) that are not in the data graph yet, as version ``info.version``.

        Uploads them to a fresh staging graph (GSP ``POST``), removes from it the triples the
        data graph already has (correcting count and digest), then one guarded update copies
        it into the data graph and records the version, naming the staging graph as the
        version's added change set (``kgqp:addedGraph``: no second copy, no drop). Returns the
        committed info (``added`` == 0: nothing new, nothing committed); a staging graph that
        was not committed is dropped."""
        # named with its creation time, so that stale_staging can leave running imports alone
        staging = ox.NamedNode(f"{STAGING_PREFIX}{int(time.time())}-{uuid.uuid4().hex}")
        v = info.version
        committed = unknown = False
        try:
            self.store.upload(staged_nt, staging)
            dup = self.store.query(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {staging} {{ ?s ?p ?o }} ?s ?p ?o }}"
            )
            if dup:  # already in the data graph: not part of this version's change set
                neg = digest_add(EMPTY_DIGEST, (), [ox.Quad(t.subject, t.predicate, t.object)
                                                    for t in dup])
                info = VersionInfo(v, info.timestamp, info.message, info.added - len(dup),
                                   info.removed, digest_combine(info.digest, neg))
                self.store.update(
                    f"DELETE {{ GRAPH {staging} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {staging} "
                    "{ ?s ?p ?o } ?s ?p ?o }", what="a bulk upload")
            if info.added == 0:
                return info
            commit_id = uuid.uuid4().hex
            log.debug("Committing version %d: one update request (bulk, %d triples)", v,
                      info.added)
            try:
                self.store.update(
                    f"INSERT {{ ?s ?p ?o }} WHERE {{ {_guard(v)} GRAPH {staging} "
                    f"{{ ?s ?p ?o }} }} ;\nINSERT {{ GRAPH <{META_GRAPH_IRI}> {{\n"
                    f"{_meta_triples(info, commit_id)}\n{version_node(v)} <{_K}addedGraph> "
                    f"{staging} .\n}} }} WHERE {{ {_guard(v)} }}",
                    what=f"the commit of version {v}",
                )
            except KGRemoteError as e:  # no answer: the version may name the staging graph
                unknown = True
                applied = self._applied(info, commit_id, e)  # raises while still unknown
                unknown = False
                if not applied:
                    raise
            else:
                self._confirm(info, commit_id)
            committed = True
            return info
        finally:
            if not committed and not unknown:
                try:
                    self.store.update(f"DROP SILENT GRAPH {staging}",
                                      what="dropping a staging graph")
                except KGError as e:
                    log.warning("Could not drop the staging graph %s: %s", staging, e)

    def stale_staging(self, *, older_than: float = STALE_STAGING_SECONDS) -> list[str]:
        """The staging graphs no version names as its change set (``kgqp:addedGraph``): left by
        bulk imports that were interrupted, or that are still running, so only those created
        more than ``older_than`` seconds ago count (a graph whose name carries no creation
        time, from before names did, always counts). Sorted names."""
        res = self.store.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {ox.Literal(STAGING_PREFIX)})) FILTER NOT EXISTS {{ "
            f"GRAPH <{META_GRAPH_IRI}> {{ ?v <{_K}addedGraph> ?g }} }} }}"
        )
        now = time.time()
        out = []
        for row in res:
            name = row[0].value
            stamp, sep, _ = name[len(STAGING_PREFIX):].partition("-")
            if sep and stamp.isdigit() and now - int(stamp) < older_than:
                continue  # young: maybe an import in progress
            out.append(name)
        return sorted(out)

    def drop_stale_staging(self, *, older_than: float = STALE_STAGING_SECONDS) -> list[str]:
        """Drop :meth:`stale_staging`'s graphs (``kgqp kg drop-staging``); returns their
        names."""
        names = self.stale_staging(older_than=older_than)
        for name in names:
            self.store.update(f"DROP SILENT GRAPH {ox.NamedNode(name)}",
                              what="dropping a staging graph")
            log.info("Dropped the staging graph %s, left by an interrupted bulk import", name)
        return names



class SparqlBackend:
    """The :class:`kg.store.Backend` of a KG in a SPARQL server (see the module docs).

    Example (needs a running server)::

        >>> b = SparqlBackend("sparql+http://127.0.0.1:7878/")  # doctest: +SKIP
        >>> b.store_version()  # doctest: +SKIP
        0
    """

    kind = "sparql"

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.config = SparqlConfig.from_url(url)
        self.store = SparqlStore(self.config)
        self.log = GraphVersionLog(self.store)
        self.read_only = read_only
        self.degraded: str | None = None
        self._checked = time.monotonic()
        self._failed_checks = 0  # version checks failed in a row (they back off)
        self._refresh_lock = threading.Lock()
        self._watch_lock = threading.Lock()
        self._watcher: threading.Thread | None = None  # the checks while the server is down
        self._stop = threading.Event()
        self._closed = False

    def store_version(self, *, quick: bool = False) -> int:
        """The server's version; ``quick``: one try, within ``check_timeout`` (as a read's
        version check)."""
        return self.log.store_version(**self._quick() if quick else {})

    def _quick(self) -> dict[str, Any]:
        """The request arguments of a version check: one try, within ``check_timeout``."""
        return {"retries": 0, "timeout": self.config.check_timeout}

    def commit(self, info: VersionInfo, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
        self.log.commit(info, added, removed)
        self._checked = time.monotonic()

    def existing_for_import(self, work: Path) -> Path | None:
        return None  # the server leaves out what it has (see GraphVersionLog.commit_bulk)

    def prunable(self, floor: int) -> list[int]:
        return self.log.prunable(floor)

    def prune(self, floor: int) -> list[int]:
        """Record the floor in the meta graph, then drop the change-set graphs below it."""
        current = self.log.floor()
        if floor > current:
            self.log.record_pruned(floor)
        versions = self.log.delete_change_sets(max(floor, current))
        self._checked = time.monotonic()
        return versions

    def commit_bulk(self, graph: Any, staged: Any, info: VersionInfo, work: Path, *,
                    reuse_staging: bool) -> VersionInfo:
        staged.close()
        info = self.log.commit_bulk(staged.log_file, info)
        self._checked = time.monotonic()
        return info

    def check_wait(self) -> float:
        """Seconds between two version checks now: ``check_interval``; after ``n`` failed
        checks in a row ``check_interval * 2**n``, at most :data:`CHECK_BACKOFF_MAX`, or
        ``check_interval`` where that is longer (a server that is down is never checked more
        often than one that answers; those checks run in the background: :meth:`refresh`)."""
        interval = self.config.check_interval
        if not self._failed_checks:
            return interval
        return min(max(CHECK_BACKOFF_MAX, interval),
                   interval * 2.0 ** min(self._failed_checks, 16))

    def refresh(self, graph: Any, *, force: bool = False) -> bool:
        """One version query per ``check_interval`` (a parse must not wait for a server that is
        down or hangs: no retries, ``check_timeout`` instead of ``timeout``); when the version
        moved, bring the views forward from the server's change sets (read the same way:
        ``check_timeout`` per request, no retries; rebuild the views when those are too large
        or unreadable). A server that goes away or hangs meanwhile leaves the last good views
        in use (:attr:`degraded` says why, a warning is logged).

        Once a check (or the change-set read after it) failed, reads no longer check: a
        background thread does, every :meth:`check_wait` seconds (at most
        :data:`CHECK_BACKOFF_MAX`), and brings the views forward as soon as the server answers
        again, so no parse waits for a server that is down and a replica recovers within about
        :data:`CHECK_BACKOFF_MAX` plus one check of its coming back.

        One thread at a time checks and rebuilds; the others (and reads made by view builders
        during a rebuild) return at once and keep using the current views. ``force`` (opening,
        writing): check now, with the configured timeout and retries, and raise if that
        fails."""
        if graph._rebuild_owner == threading.get_ident():
            return False  # a view builder reading the graph: the rebuild is under way
        if not force:
            if self._failed_checks:  # down: the background checks watch for its return
                self._watch(graph)
                return False
            if time.monotonic() - self._checked < self.check_wait():
                return False
        if not self._refresh_lock.acquire(blocking=force):
            return False
        try:
            return self._refresh_locked(graph, force=force)
        finally:
            self._refresh_lock.release()

    def _watch(self, graph: Any) -> None:
        """Start the background checks of a server that is down (unless they run)."""
        with self._watch_lock:
            if self._closed or (self._watcher is not None and self._watcher.is_alive()):
                return
            try:
                ref: Any = weakref.ref(graph)
            except TypeError:  # (a stand-in graph in a test)
                ref = lambda: graph  # noqa: E731
            self._watcher = threading.Thread(target=self._watch_loop, args=(ref,), daemon=True,
                                             name="kgqp-kg-server-check")
            self._watcher.start()

    def _watch_loop(self, ref: Any) -> None:
        while self._failed_checks and not self._stop.wait(
                max(CHECK_BACKOFF_MIN, self._checked + self.check_wait() - time.monotonic())):
            graph = ref()
            if graph is None or getattr(graph, "_closed", False):
                return
            if not self._refresh_lock.acquire(blocking=False):
                graph = None
                continue  # (a forced refresh, a writer's, is checking)
            try:
                self._refresh_locked(graph, force=False)
            except Exception:  # (a failed view rebuild is logged where it fails)
                if self._stop.is_set():
                    return  # (closed meanwhile: its client is gone, nothing failed)
                log.exception("Background check of the KG server %s failed", self.store.where)
                return
            finally:
                self._refresh_lock.release()
            graph = None

    def _failed(self, e: Exception, graph: Any, served: int, *, force: bool) -> None:
        """A check (or the change-set read after it) failed: the views of version ``served``
        stay in use; the next checks run in the background (:meth:`refresh`), from now on
        unless ``force`` (the caller gets the error; the next read starts them)."""
        self._failed_checks += 1
        self._checked = time.monotonic()  # (the next check counts from the failure)
        if self.degraded is None:
            log.warning("KG server %s unreachable; serving the last good views (version %d) "
                        "until it answers: %s", self.store.where, served, e)
        self.degraded = str(e)
        if not force:
            self._watch(graph)

    def _refresh_locked(self, graph: Any, *, force: bool) -> bool:
        # every read of a check (not a forced one) is bounded: check_timeout, no retries
        def bounded() -> contextlib.AbstractContextManager[None]:
            return contextlib.nullcontext() if force \
                else self.store.bounded(self.config.check_timeout)

        try:
            with bounded():
                version = self.log.store_version()
                moved = version != graph._version
                # read before the handle moves: a server gone by now leaves it at the old version
                digest = (self.log.info(version).digest if version else EMPTY_DIGEST) \
                    if moved else graph._digest
        except Exception as e:  # (a refused login or an answer that is no SPARQL as well)
            self._failed(e, graph, graph._version, force=force)
            if force:
                raise
            return False
        if moved:
            self.store.clear_cache()
            base = graph._version
            graph._version = version
            graph._digest = digest
            log.info("KG at %s refreshed to version %d", self.store.where, version)
        else:  # views a server outage left behind (below), if any
            behind = [v.version for v in graph._views.values() if v.version != version]
            if not behind:
                self._answered()
                return False
            base = min(behind)
        # the views follow the server's change sets (another replica's commits), as after an
        # embedded commit; a bulk import, many versions at once or a server that went back to
        # an older version rebuild them. Read bounded as the check (a server that hangs now
        # costs a parse check_timeout), with the changed subjects (the views' updates read
        # them from the cache)
        try:
            with bounded():
                changes = logged_changes(self.log, base, version)
                if changes is not None and changes.subjects:
                    try:
                        self.store.prefetch_subjects(
                            [ox.NamedNode(s) for s in sorted(changes.subjects)])
                    except KGRemoteError:
                        raise
                    except KGError as e:  # (the views' updates read them themselves)
                        log.debug("Prefetching the changed subjects failed: %s", e)
        except KGRemoteError as e:  # gone again: keep serving the views of version base
            self._failed(e, graph, base, force=force)
            if force:
                raise
            return moved
        self._answered()
        graph._rebuild_views(changes)
        return moved

    def _answered(self) -> None:
        self._checked = time.monotonic()
        self._failed_checks = 0
        if self.degraded is not None:
            log.warning("KG server %s reachable again", self.store.where)
            self.degraded = None

    def close(self) -> None:
        with self._watch_lock:
            self._closed = True
            self._stop.set()
        self.store.close()
