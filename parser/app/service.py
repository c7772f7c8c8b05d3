"""HTTP service: ``kgqp serve --bundle DIR`` (FastAPI + uvicorn; the ``[serve]`` extra).

Endpoints: ``POST /parse``, ``POST /parse/batch``, ``GET /kg/nodes/{iri}``, ``GET /kg/link``,
``POST /kg/update`` (one KG transaction that adds and removes nodes, aliases and edges; the
next parse sees it; the answer lists the commit's warnings), ``GET /kg/versions``,
``POST /kg/rollback``, ``GET /health``, ``GET /ready``, ``GET /metrics`` (Prometheus) and the
OpenAPI docs at ``/docs`` (parse answers typed with the published ParsedQuery schema).

Limits (:class:`ServiceLimits`): the time a request's headers may take to arrive (the
connection is closed; :func:`serve`), open connections (503 beyond them; :func:`serve`),
request body size (413) and the time a body may take to arrive (408), both enforced before a
parse slot is taken; query length and batch size (422);
concurrent parse requests (503 with ``Retry-After`` beyond the limit: excess load is rejected at
once instead of queueing). Every bad input gets a 4xx with a JSON ``detail``; never a 500.

Model calls run in worker threads, one at a time (``parse_lock``); a batch takes the lock per
chunk of ``batch_chunk`` queries, so single parses interleave with a long batch, and the event
loop (``/health``, ``/ready``) never runs parsing or JSON encoding of parse results. KG writes
(``/kg/update``, ``/kg/rollback``) do not take ``parse_lock``: the commit rebuilds the derived
views (alias index, linker tables, graph context) in the writing thread and swaps them in at
once, and parses keep answering from the previous views meanwhile. A batch answer reads one KG
version: when a commit swaps the views in while a batch runs, the batch is parsed again (up to
:data:`BATCH_TRIES` times in all).

The KG write and history endpoints (``/kg/update``, ``/kg/rollback``, ``/kg/versions``) take a
bearer token when one is configured (``token=``; ``kgqp serve --token-file`` or ``KGQP_TOKEN``);
:func:`serve` refuses to bind a non-loopback address without one.
"""

# No ``from __future__ import annotations`` here: FastAPI must resolve the request models,
# which are local classes of create_app, from the endpoint annotations at definition time
# (with PEP 563 strings it cannot, and every body became a missing query parameter: 422).

import asyncio
import contextlib
import dataclasses
import hmac
import ipaddress
import json
import logging
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from parser.errors import ParserError

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

    from parser.pipeline import QueryParser

logger = logging.getLogger(__name__)

__all__ = ["ServiceLimits", "create_app", "header_deadline_protocol", "is_loopback", "serve",
           "uvicorn_config"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: at most this many characters of a client's input are echoed back in a 422 answer
ECHO_CHARS = 200
#: at most this many validation errors are listed in a 422 answer
MAX_ERRORS = 20
#: times a batch is parsed when KG commits keep landing while it runs (each try reads one KG
#: version; the last try's answer is given as it is)
BATCH_TRIES = 3


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    """Request limits of the HTTP service.

    Args:
        max_body_bytes: larger bodies get 413 (checked while reading, before a parse slot).
        body_timeout_s: a body that has not fully arrived after this many seconds gets 408
            (slow senders must not hold parse slots).
        max_query_chars: longer queries get 422.
        max_batch_size: larger ``/parse/batch`` requests get 422.
        max_concurrency: parse requests admitted at once; more get 503 with ``Retry-After``.
        batch_chunk: queries per model call (and per hold of the model lock) in a batch.
        header_timeout_s: a connection whose request headers have not fully arrived this many
            seconds after it opened (or after the first byte of its next request) is closed,
            with a 408 when some of them came (slow senders, "slowloris", must not hold
            connections forever). Enforced by :func:`serve` (the server's HTTP protocol), not
            by the app of :func:`create_app`.
        max_connections: the bound on open connections and requests in flight (uvicorn's
            ``limit_concurrency``): the server still accepts connections beyond it, but answers
            every request 503 at once while this many connections are open (the request's own
            counted) or this many requests are in flight; it bounds the work, not the sockets
            held (idle ones are closed at ``header_timeout_s``). Enforced by :func:`serve`.

    Example:
        >>> ServiceLimits(max_concurrency=4).max_concurrency
        4
    """

    max_body_bytes: int = 256 * 1024
    max_query_chars: int = 512
    max_batch_size: int = 256
    max_concurrency: int = 8
    body_timeout_s: float = 10.0
    batch_chunk: int = 64
    header_timeout_s: float = 10.0
    max_connections: int = 256

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_query_chars", "max_batch_size", "max_concurrency",
                     "batch_chunk", "max_connections"):
            if getattr(self, name) < 1:
                raise ValueError(f"ServiceLimits.{name} must be >= 1, got {getattr(self, name)}")
        for name in ("body_timeout_s", "header_timeout_s"):
            if not getattr(self, name) > 0:  # (NaN too)
                raise ValueError(f"ServiceLimits.{name} must be > 0, got {getattr(self, name)}")


#: the Host names a server without a token answers to (plus the address it is bound to, any
#: loopback IP literal and a request without a Host header: browsers always send one)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "ip6-localhost", "ip6-loopback")


def _host_name(header: bytes) -> str:
    """The name of a ``Host`` header, without its port or IPv6 brackets, lower-cased.

    >>> _host_name(b"LocalHost:8000"), _host_name(b"[::1]:80"), _host_name(b"127.0.0.1")
    ('localhost', '::1', '127.0.0.1')
    """
    text = header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def _host_allowed(name: str, hosts: Collection[str]) -> bool:
    """Whether a server answering ``hosts`` answers a request for ``name``: one of them (a
    trailing dot ignored), a loopback IP literal in any spelling, or no Host at all.

    >>> _host_allowed("localhost.", {"localhost"}), _host_allowed("0:0:0:0:0:0:0:1", set())
    (True, True)
    >>> _host_allowed("attacker.example", {"localhost"})
    False
    """
    if not name or name.rstrip(".") in hosts:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _require_serve_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ParserError(
            "The HTTP service needs the 'serve' extra: pip install 'kgqp[serve]'"
        ) from exc


def _check_message(message: str | None) -> None:
    """A 422 for a version ``message`` holding a control or format character (a newline
    forged log lines, ESC sequences reached `kgqp kg versions`), as for a label."""
    if message is None:
        return
    from kg.schema import check_text

    try:
        check_text(message, "message", name=True)
    except (ValueError, TypeError) as exc:
        from fastapi import HTTPException

        raise HTTPException(422, _trim(str(exc), 500)) from None


def _check_text(value: str, what: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{what} contains a lone surrogate or text that is not valid UTF-8"
        ) from None
    return value


def _trim(value: Any, limit: int = ECHO_CHARS) -> Any:
    """``value`` when it is short; else its JSON text cut to ``limit`` characters."""
    if isinstance(value, str):
        return value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"
    if value is None or isinstance(value, bool | int | float):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return value if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _freeze_heap() -> None:
    """Move every object alive now (the loaded model, KG indexes, libraries) out of the
    garbage collector's reach (:func:`parser.app.threads.freeze_heap`). With them in, each
    full collection walked ~540k objects and stopped every thread, the event loop too, for
    0.4-0.55 s here, several times during a 2,000-query batch; after the freeze only objects
    made since are walked."""
    from parser.app.threads import freeze_heap

    freeze_heap()


def _kgqp_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kgqp")
    except PackageNotFoundError:  # pragma: no cover - a source checkout without install
        return "0"


def _json_body(status: int, payload: Any, headers: dict[str, str] | None = None) -> tuple:
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return ({"type": "http.response.start", "status": status, "headers": raw},
            {"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def create_app(parser: "QueryParser | Callable[[], QueryParser]", *,
               limits: ServiceLimits | None = None, token: str | None = None,
               allowed_hosts: Collection[str] | None = None) -> "FastAPI":
    """Build the FastAPI app around a :class:`~parser.pipeline.QueryParser`.

    Args:
        parser: a loaded parser, or a function that loads one: it is then called in a
            background thread when the server starts, so ``/health`` answers at once and
            ``/ready`` (and every endpoint that needs the model) answers 503 until it is loaded.
        limits: request limits (:class:`ServiceLimits`).
        token: bearer token required by ``/kg/update``, ``/kg/rollback`` and ``/kg/versions``
            (None: those endpoints are open; :func:`serve` allows that on loopback only).
        allowed_hosts: the names the ``Host`` header may give (case-insensitive, without the
            port); others get 400. None: any. :func:`serve` without a token allows only
            loopback names, so a web page whose DNS name is re-pointed at 127.0.0.1 (DNS
            rebinding) cannot reach the open write endpoints from a browser.
    """
    _require_serve_extra()
    from contextlib import asynccontextmanager

    from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, Security
    from fastapi.encoders import jsonable_encoder
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.utils import get_openapi
    from fastapi.responses import JSONResponse, PlainTextResponse
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
    from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from kg.errors import KGError, KGLockedError, KGNotFoundError, KGRemoteError, KGWriteError
    from parser.types import parsed_query_schema

    hosts = None if allowed_hosts is None else frozenset(h.lower().strip("[]")
                                                          for h in allowed_hosts)
    if token is not None and (not token or token != token.strip()):
        raise ValueError("the service token must be non-empty, without surrounding whitespace")
    limits = limits or ServiceLimits()
    registry = CollectorRegistry()
    requests_total = Counter(
        "kgqp_requests_total", "HTTP requests", ["path", "status"], registry=registry
    )
    latency = Histogram(
        "kgqp_request_seconds", "request latency", ["path"], registry=registry,
        buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    )
    rejected = Counter("kgqp_rejected_total", "requests rejected by limits", ["reason"],
                       registry=registry)
    # parse health: what the parses look like, not only how fast they are
    parsed_total = Counter("kgqp_parsed_queries_total", "queries parsed", registry=registry)
    links_total = Counter("kgqp_entity_links_total",
                          "tagged entities by link result (NIL rate = nil / all)", ["result"],
                          registry=registry)
    entities_per_query = Histogram("kgqp_entities_per_query", "entities tagged per query",
                                   registry=registry, buckets=(0, 1, 2, 3, 4, 5, 6, 8, 12))
    intent_confidence = Histogram(
        "kgqp_intent_confidence", "probability of the predicted intent category",
        registry=registry, buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0))
    expansions_per_query = Histogram("kgqp_expansions_per_query", "expansions per query",
                                     registry=registry, buckets=(0, 1, 2, 5, 10, 20, 50))
    expansions_total = Counter("kgqp_expansions_total", "expansions by kind", ["kind"],
                               registry=registry)
    expansion_kinds: set[str] = set()  # not fusion.expand.KINDS: importing fusion loads torch
    rules_applied = Counter("kgqp_rules_applied_total", "rewrite rule instructions applied",
                            registry=registry)

    state: dict[str, Any] = {"ready": True, "inflight": 0, "parser": None, "load_error": None,
                             "load_exc": None,
                             "load_seconds": None, "loaded": threading.Event()}
    loader: Callable[[], Any] | None = None
    if callable(parser) and not hasattr(parser, "pipe"):
        loader = parser
    else:
        state["parser"] = parser
        state["loaded"].set()
    semaphore = asyncio.Semaphore(limits.max_concurrency)
    parse_lock = threading.Lock()  # one model call at a time: torch/ORT already use both cores

    def _rules_status() -> dict[str, Any] | None:
        p = state["parser"]
        rules = getattr(getattr(p, "expander", None), "rules", None)
        if rules is None:
            return None
        if hasattr(rules, "status"):
            return rules.status().to_dict()
        return {"path": getattr(rules, "path", None), "ok": True, "rules": len(rules),
                "error": None, "loaded_at": None, "errors": 0}

    class _StatusCollector:
        """KG version, rules and model state, read when /metrics is scraped."""

        def collect(self) -> Any:
            p = state["parser"]
            loaded = GaugeMetricFamily("kgqp_model_loaded", "1 once the model is loaded")
            loaded.add_metric([], 1.0 if p is not None else 0.0)
            yield loaded
            if state["load_seconds"] is not None:
                g = GaugeMetricFamily("kgqp_model_load_seconds", "time to load the model")
                g.add_metric([], state["load_seconds"])
                yield g
            if p is None:
                return
            g = GaugeMetricFamily("kgqp_kg_version", "KG version the parser reads")
            g.add_metric([], float(p.kg.version))
            yield g
            rules = _rules_status()
            if rules is not None:
                ok = GaugeMetricFamily("kgqp_rules_ok",
                                       "1 if the rules file on disk is in use, 0 if it is broken "
                                       "and the last good rules are served")
                ok.add_metric([], 1.0 if rules["ok"] else 0.0)
                yield ok
                n = GaugeMetricFamily("kgqp_rules_loaded", "rewrite rules in use")
                n.add_metric([], float(rules["rules"]))
                yield n
                c = CounterMetricFamily("kgqp_rules_reload_errors",
                                        "failed reloads of the rules file")
                c.add_metric([], float(rules["errors"]))
                yield c

    registry.register(_StatusCollector())  # type: ignore[arg-type]

    def _observe(results: list[Any]) -> None:
        nil = linked = 0
        for r in results:
            ents = r.entities
            entities_per_query.observe(len(ents))
            for e in ents:
                if e.kg_id is None:
                    nil += 1
                else:
                    linked += 1
            if r.intent is not None:
                intent_confidence.observe(r.intent.score)
            expansions_per_query.observe(len(r.expansions))
            for x in r.expansions:
                if x.kind not in expansion_kinds and len(expansion_kinds) < 16:
                    expansion_kinds.add(x.kind)  # a bounded label set (fusion.expand.KINDS)
                expansions_total.labels(x.kind if x.kind in expansion_kinds else "other").inc()
            if r.applied_rules:
                rules_applied.inc(len(r.applied_rules))
        parsed_total.inc(len(results))
        if nil:
            links_total.labels("nil").inc(nil)
        if linked:
            links_total.labels("linked").inc(linked)

    # -- request models ----------------------------------------------------------------------
    class ParseRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        query: str = Field(description="The search query.")
        market: str | None = Field(None, description="Parse with the tagger of this market "
                                   "of the bundle (`kgqp bundle build --market`).")

        @field_validator("query")
        @classmethod
        def _valid(cls, v: str) -> str:
            v = _check_text(v, "query")
            if len(v) > limits.max_query_chars:
                raise ValueError(
                    f"query has {len(v)} characters; the limit is {limits.max_query_chars}"
                )
            return v

    class BatchRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        queries: list[str] = Field(description="Search queries.")
        market: str | None = Field(None, description="Parse with the tagger of this market "
                                   "of the bundle (`kgqp bundle build --market`).")

        @field_validator("queries")
        @classmethod
        def _valid(cls, v: list[str]) -> list[str]:
            if len(v) > limits.max_batch_size:
                raise ValueError(
                    f"batch has {len(v)} queries; the limit is {limits.max_batch_size}"
                )
            for i, q in enumerate(v):
                _check_text(q, f"queries[{i}]")
                if len(q) > limits.max_query_chars:
                    raise ValueError(
                        f"queries[{i}] has {len(q)} characters; "
                        f"the limit is {limits.max_query_chars}"
                    )
            return v

    strict = ConfigDict(extra="forbid", allow_inf_nan=False)

    class _TextFields(BaseModel):
        """Every string field is valid UTF-8 (a lone surrogate gets a 422 naming the field,
        not the store's error about an internal string)."""

        @field_validator("*")
        @classmethod
        def _utf8(cls, v: Any, info: ValidationInfo) -> Any:
            texts = v if isinstance(v, list) else [v]
            for i, t in enumerate(texts):
                if isinstance(t, str):
                    _check_text(t, info.field_name if t is v else f"{info.field_name}[{i}]")
            return v

    class NodeUpdate(_TextFields):
        model_config = strict
        kind: str
        key: str
        label: str
        aliases: list[str] = Field(default_factory=list)
        attribute: str | None = None
        popularity: float | None = Field(None, description="A finite number.")
        path: str | None = Field(None, description=(
            "A category's full path, \"A > B > C\": what category filters and suggestions "
            "name (a category without one gives none)."))
        source: str | None = Field(None, description="The data set the node came from.")
        external_id: str | None = Field(None, description="The node's id in its source.")

    class AliasUpdate(_TextFields):
        model_config = strict
        iri: str
        alias: str

    class EdgeUpdate(_TextFields):
        model_config = strict
        source: str = Field(description="IRI of an existing node (or one added in add_nodes).")
        relation: str
        target: str = Field(description="IRI of an existing node (or one added in add_nodes).")

    class KGUpdateRequest(_TextFields):
        """Applied in this order, as one transaction: ``add_nodes``, ``add_aliases``,
        ``add_edges``, then ``remove_aliases``, ``remove_edges``, ``remove_nodes``."""
        model_config = strict
        add_nodes: list[NodeUpdate] = Field(default_factory=list, description=(
            "A new brand's key must be a slug (kg.schema.brand_key gives it back unchanged: "
            "lower case, '-' between words, e.g. 'quokka-audio'), or the slug of its label or "
            "of an alias; another key ('Quokka Audio', 'SONY') is a 422 naming the key to use, "
            "the slug of the label, which loads key brands by (so that brands from every "
            "source merge). Only the form is checked: a slug of another name ('quokka' for "
            "'Quokka Audio') is taken as it is. A node the KG has gets the new names as "
            "aliases."))
        add_aliases: list[AliasUpdate] = Field(default_factory=list)
        add_edges: list[EdgeUpdate] = Field(default_factory=list)
        remove_aliases: list[AliasUpdate] = Field(default_factory=list, description=(
            "Aliases to take away, as the node has them (GET /kg/nodes/{iri} lists them; the "
            "label is no alias). One the node does not have is a 422."))
        remove_edges: list[EdgeUpdate] = Field(default_factory=list, description=(
            "Edges to take away. One the KG does not have is a 422."))
        remove_nodes: list[str] = Field(default_factory=list, description=(
            "IRIs of nodes to remove, with all their properties and edges."))
        message: str | None = None

    class KGUpdateAnswer(BaseModel):
        version: int = Field(description=(
            "The KG version this update committed (the current one if it changed nothing)."))
        nodes: list[str] = Field(description="The IRIs of add_nodes, in order.")
        warnings: list[str] = Field(description=(
            "What the commit added that is probably a mistake, committed all the same: edges "
            "to nodes the KG does not have, names another node of the same kind has, triples "
            "the KG cannot read (a literal where a node's IRI belongs, a popularity that is no "
            "number); one line per kind, as Python's tx.warnings.lines() gives them (the "
            "server logs the warning `kgqp kg load` prints)."))

    class RollbackRequest(_TextFields):
        model_config = ConfigDict(extra="forbid", strict=True)
        version: int = Field(ge=0, description="The KG version to return to.")
        message: str | None = None

    class ErrorAnswer(BaseModel):
        detail: str | list[dict[str, Any]] = Field(description="What is wrong, and the fix.")

    def _ref(name: str, description: str) -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": {"$ref":
                                                            f"#/components/schemas/{name}"}}}}

    errors_doc: dict[int | str, dict[str, Any]] = {
        413: {"model": ErrorAnswer, "description": "request body larger than the limit"},
        408: {"model": ErrorAnswer, "description": "request body too slow to arrive"},
        422: {"model": ErrorAnswer, "description": "invalid body (the error says what)"},
        503: {"model": ErrorAnswer,
              "description": "busy (too many parse requests; Retry-After) or model loading"},
    }
    auth_doc: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorAnswer, "description": "missing or wrong bearer token"},
        422: errors_doc[422], 503: errors_doc[503],
    }

    # -- app -----------------------------------------------------------------------------------
    def _load() -> None:
        assert loader is not None
        t0 = time.perf_counter()
        try:
            loaded = loader()
        except Exception as exc:  # reported by /ready; serve() exits 1
            state["load_error"] = f"{type(exc).__name__}: {exc}"
            state["load_exc"] = exc  # serve() exits with its code (a locked KG: 3)
            logger.error("the model did not load: %s", state["load_error"])
        else:
            state["load_seconds"] = time.perf_counter() - t0
            _freeze_heap()
            state["parser"] = loaded
            logger.info("model loaded in %.2f s; ready", state["load_seconds"])
        finally:
            state["loaded"].set()

    @asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        if loader is None:
            _freeze_heap()
        elif not state["loaded"].is_set():
            threading.Thread(target=_load, name="kgqp-load", daemon=True).start()
        yield

    app = FastAPI(
        title="kgqp",
        description="Knowledge-graph-augmented parsing of e-commerce search queries.",
        version=getattr(state["parser"], "version", None) or _kgqp_version(),
        lifespan=lifespan,
    )
    app.state.kgqp_state = state

    def _openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
        pq = {k: v for k, v in parsed_query_schema().items() if k not in ("$schema", "$id")}
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["ParsedQuery"] = pq
        schemas["ParsedQueryBatch"] = {
            "type": "object", "required": ["results"], "additionalProperties": False,
            "properties": {"results": {"type": "array", "items": {
                "$ref": "#/components/schemas/ParsedQuery"}}}}
        app.openapi_schema = spec
        return spec

    app.openapi = _openapi  # type: ignore[method-assign]

    parse_paths = ("/parse", "/parse/batch")
    known_paths = {*parse_paths, "/kg/link", "/kg/update", "/kg/versions", "/kg/rollback",
                   "/health", "/ready", "/metrics", "/docs", "/openapi.json"}

    def _metric_path(path: str) -> str:
        # a bounded label set: one label per route, not per IRI or per unknown URL
        if path.startswith("/kg/nodes/"):
            return "/kg/nodes/{iri}"
        return path if path in known_paths else "other"

    class Guard:
        """Pure ASGI middleware: reads the whole body (size cap, deadline) BEFORE taking a
        parse slot, so that slow or large uploads never hold one; rejects excess parse
        requests at once; counts requests by route and status."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await self.inner(scope, receive, send)
                return
            path = _metric_path(scope["path"])
            start = time.perf_counter()
            status = [0]

            async def send_(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            async def answer(code: int, detail: str, reason: str | None = None,
                             headers: dict[str, str] | None = None) -> None:
                if reason:
                    rejected.labels(reason).inc()
                for message in _json_body(code, {"detail": detail}, headers):
                    await send_(message)

            try:
                await self._handle(scope, receive, send_, answer, path)
            except Exception:
                logger.exception("unhandled error on %s", path)
                if status[0]:
                    raise  # the answer has started: uvicorn closes the connection
                await answer(500, "internal error (logged on the server)")
            finally:
                code = str(status[0] or 499)  # 499: the client went away before an answer
                requests_total.labels(path, code).inc()
                latency.labels(path).observe(time.perf_counter() - start)

        async def _handle(self, scope: Scope, receive: Receive, send: Send,
                          answer: Callable[..., Awaitable[None]], path: str) -> None:
            headers = dict(scope.get("headers") or [])
            if hosts is not None and not _host_allowed(_host_name(headers.get(b"host", b"")),
                                                       hosts):
                await answer(400, "this server answers only to the Host names "
                             f"{sorted(hosts)} (it has no token: give `kgqp serve` "
                             "--token-file to serve other names)", "bad_host")
                return
            length = headers.get(b"content-length")
            too_large = f"request body larger than {limits.max_body_bytes} bytes"
            if length is not None and (not length.isdigit()
                                       or int(length) > limits.max_body_bytes):
                await answer(413, too_large, "body_too_large", {"connection": "close"})
                return
            if scope["method"] in ("POST", "PUT", "PATCH"):
                try:
                    async with asyncio.timeout(limits.body_timeout_s):
                        body = await _read_body(receive, limits.max_body_bytes)
                except _BodyTooLarge:
                    await answer(413, too_large, "body_too_large", {"connection": "close"})
                    return
                except TimeoutError:
                    await answer(408, f"the request body did not arrive within "
                                 f"{limits.body_timeout_s:g} s", "body_timeout",
                                 {"connection": "close"})
                    return
                except _Disconnected:
                    return
                receive = _replay(body, receive)
            limited = path in parse_paths
            if limited:
                if semaphore.locked():
                    await answer(503, "server busy, retry later", "overload",
                                 {"retry-after": "1"})
                    return
                await semaphore.acquire()
            state["inflight"] += 1
            try:
                await self.inner(scope, receive, send)
            finally:
                state["inflight"] -= 1
                if limited:
                    semaphore.release()

    def _replay(body: bytes, receive: Receive) -> Receive:
        done = False

        async def replay() -> Message:
            nonlocal done
            if not done:
                done = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # waits for the client's disconnect

        return replay

    app.add_middleware(Guard)

    def _parser() -> "QueryParser":
        p = state["parser"]
        if p is None:
            detail = ("the model did not load: " + state["load_error"]) if state["load_error"] \
                else "the model is loading, retry shortly"
            raise HTTPException(503, detail, headers={"Retry-After": "1"})
        return p

    bearer = HTTPBearer(auto_error=False, description="`kgqp serve --token-file` / KGQP_TOKEN")

    def require_token(
            cred: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    ) -> None:
        if token is None:
            return
        if cred is None or not hmac.compare_digest(cred.credentials.encode("utf-8"),
                                                   token.encode("utf-8")):
            rejected.labels("unauthorized").inc()
            raise HTTPException(401, "this endpoint needs the service token: send "
                                "'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})

    # -- parsing (worker threads; results rendered to JSON there, not on the event loop) ------
    def _parse_one(query: str, market: str | None = None) -> Response:
        p = _parser().for_market(market)  # an unknown market: ConfigError, a 422
        with parse_lock:
            result = p(query)
        _observe([result])
        return JSONResponse(result.to_dict())

    def _render(content: Any) -> bytes:  # as JSONResponse renders
        return json.dumps(content, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")

    def _parse_many(queries: list[str], market: str | None = None) -> Response:
        p = _parser().for_market(market)
        step = limits.batch_chunk
        for attempt in range(1, BATCH_TRIES + 1):
            # one KG version for the whole answer: a commit that swaps the KG's views in
            # between two chunks has the batch parsed again (the model is taken per chunk, so
            # single parses and KG writes are not held up by a long batch)
            p.kg.refresh()
            generation = p.kg.views_generation
            parts: list[bytes] = []
            results: list[Any] = []
            for i in range(0, len(queries), step):
                with parse_lock:  # per chunk: single parses get the model between chunks
                    part = list(p.pipe(queries[i:i + step], batch_size=step))
                results += part
                # rendered per chunk: one json.dumps of a whole 2,000-query answer held the
                # GIL (and so the event loop) for tens of ms
                parts += [_render(r.to_dict()) for r in part]
            if p.kg.views_generation == generation:
                break
            logger.info("a KG commit landed during a batch of %d queries (try %d of %d)%s",
                        len(queries), attempt, BATCH_TRIES,
                        "; parsing it again" if attempt < BATCH_TRIES else
                        "; answering with the parses as they are")
        _observe(results)
        body = b'{"results":[' + b",".join(parts) + b"]}"
        return Response(body, media_type="application/json")

    @app.post("/parse", response_model=None, responses={
        200: _ref("ParsedQuery", "the parsed query"), **errors_doc})
    async def parse(req: ParseRequest) -> Response:
        return await asyncio.to_thread(_parse_one, req.query, req.market)

    @app.post("/parse/batch", response_model=None, responses={
        200: _ref("ParsedQueryBatch", "the parsed queries, in input order"), **errors_doc})
    async def parse_batch(req: BatchRequest) -> Response:
        return await asyncio.to_thread(_parse_many, req.queries, req.market)

    # -- KG ------------------------------------------------------------------------------------
    @app.get("/kg/nodes/{iri:path}")
    def kg_node(iri: str, request: Request) -> dict[str, Any]:
        kg = _parser().kg
        node = kg.node(iri)
        if node is None:
            # the IRI as /parse returns it (percent-escaped: .../nescaf%C3%A9): the path
            # parameter is decoded once, so try it as sent, then re-escaped
            from urllib.parse import quote

            from kg.schema import ID_BASE, IRI_SAFE

            raw = (request.scope.get("raw_path") or b"").decode("latin-1")
            sent = raw.partition("/kg/nodes/")[2]
            # (kg.schema.node_iri escapes a key so: "l'oréal" -> "l%27or%C3%A9al")
            escaped = (ID_BASE + quote(iri[len(ID_BASE):], safe=IRI_SAFE)
                       if iri.startswith(ID_BASE) else "")
            for alt in dict.fromkeys((sent, escaped)):
                if alt and alt != iri and (node := kg.node(alt)) is not None:
                    break
        if node is None:
            raise HTTPException(404, f"no KG node {_trim(iri)!r}")
        d = dataclasses.asdict(node)  # kg.graph.NodeInfo is a plain dataclass (no to_dict)
        d["kind"] = node.kind.value if node.kind is not None else None
        d["aliases"] = list(node.aliases)
        return d

    @app.get("/kg/link")
    def kg_link(mention: str, label: str | None = None,
                limit: int = Query(5, ge=0, le=100)) -> dict[str, Any]:
        p = _parser()
        try:
            _check_text(mention, "mention")
            # the linker a parse links with (its vocabulary, settings and label space), so
            # that this endpoint shows the links /parse makes; kg.link where it has none
            linker = p.entity_linker
            result = (linker or p.kg).link(mention, label=label)
        except ValueError as exc:
            # the linker's hint is for Python callers ("label=None"): over HTTP, leave it out
            msg = str(exc).replace("Pass label=None", "Leave out the label parameter")
            raise HTTPException(422, msg) from None
        return result.to_dict(limit=limit) if hasattr(result, "to_dict") else {"result": result}

    def _hide_paths(text: str) -> str:
        """``text`` without the served KG's folder (an answer must not show server paths):
        ``/srv/kg`` is "the KG", a file in it ``KGDIR/...``."""
        kg = getattr(state["parser"], "kg", None)
        path = getattr(kg, "path", None)
        if path is None:
            return text
        # (as opened, absolute, real; a bare relative name, "kg", is no path, and would
        # match words: "kgqp kg versions")
        places = {str(path)} if "/" in str(path) else set()
        with contextlib.suppress(OSError, RuntimeError):
            places |= {str(path.absolute()), str(path.resolve())}
        for place in sorted(places, key=len, reverse=True):
            if len(place) > 1:
                text = text.replace(place + "/", "KGDIR/").replace(place, "the KG")
        return text

    def _edge_text(edge: Any) -> str:
        return f"({_trim(edge.source)} {edge.relation.value} {_trim(edge.target)})"

    @app.post("/kg/update", dependencies=[Depends(require_token)], responses=auth_doc,
              response_model=KGUpdateAnswer)
    def kg_update(req: KGUpdateRequest) -> dict[str, Any]:
        """One KG transaction, in this order: ``add_nodes``, ``add_aliases``, ``add_edges``,
        ``remove_aliases``, ``remove_edges``, ``remove_nodes``. All or nothing: a 422 changes
        nothing. The next parse sees the new version."""
        from kg.schema import Edge, Node, NodeKind, Relation, brand_key

        _check_message(req.message)
        p = _parser()
        try:
            nodes = [
                Node(kind=NodeKind.parse(n.kind), key=n.key, label=n.label,
                     aliases=tuple(n.aliases), attribute=n.attribute, popularity=n.popularity,
                     path=n.path, source=n.source, external_id=n.external_id)
                for n in req.add_nodes
            ]
            edges = [Edge(e.source, Relation(e.relation), e.target) for e in req.add_edges]
            gone = [Edge(e.source, Relation(e.relation), e.target) for e in req.remove_edges]
        except (ValueError, TypeError) as exc:
            raise HTTPException(422, _trim(str(exc), 500)) from None
        try:
            # not under parse_lock: the commit rebuilds the KG's derived views in this thread
            # and swaps them in at once; parses meanwhile keep reading the old ones
            with p.kg.transaction(message=req.message or "HTTP /kg/update") as tx:
                for i, node in enumerate(nodes):
                    # a new brand keyed otherwise than by a slug would never merge with the
                    # same brand from another source (kg load keys it brand_key(name)). Only
                    # the key's form is checked: a slug (brand_key(key) == key), or the slug
                    # of the label or of an alias (for a name of no letter or digit, which
                    # brand_key percent-quotes: '!!!' -> '%21%21%21', no slug of itself). A
                    # slug of another name passes ('quokka' for "Quokka Audio")
                    if node.kind is NodeKind.BRAND and not tx.has_node(node.iri) and (
                            node.key not in {brand_key(n) for n in
                                             (node.key, node.label, *node.aliases)}):
                        key = brand_key(node.label)
                        has = (", a brand the KG has: the update then adds to it"
                               if tx.has_node(Node(NodeKind.BRAND, key, node.label).iri) else "")
                        raise ValueError(
                            f"add_nodes[{i}].key {_trim(node.key)!r} is not a brand key: a "
                            "brand's key is the slug of its name (kg.schema.brand_key), so "
                            f"that brands from every source merge: use {key!r}{has}")
                    tx.add_node(node)
                for i, a in enumerate(req.add_aliases):
                    if not tx.has_node(a.iri):
                        raise ValueError(f"add_aliases[{i}].iri {_trim(a.iri)!r} is not a KG "
                                         "node: add it in add_nodes, or fix the IRI")
                    tx.add_alias(a.iri, a.alias)
                for i, edge in enumerate(edges):
                    for end in ("source", "target"):
                        if not tx.has_node(getattr(edge, end)):
                            raise ValueError(
                                f"add_edges[{i}].{end} {_trim(getattr(edge, end))!r} is not a "
                                "KG node: add it in add_nodes, or fix the IRI")
                    tx.add_edge(edge)
                for i, a in enumerate(req.remove_aliases):
                    if not tx.has_node(a.iri):
                        raise ValueError(f"remove_aliases[{i}].iri {_trim(a.iri)!r} is not a "
                                         "KG node: fix the IRI")
                    if not tx.remove_alias(a.iri, a.alias):
                        raise ValueError(
                            f"remove_aliases[{i}].alias {_trim(a.alias)!r} is no alias of "
                            f"{_trim(a.iri)}: GET /kg/nodes/{{iri}} lists its aliases, as "
                            "written (its label is no alias)")
                for i, edge in enumerate(gone):
                    if not tx.remove_edge(edge):
                        raise ValueError(f"remove_edges[{i}] {_edge_text(edge)} is not an "
                                         "edge of the KG: fix its source, relation or target")
                for i, iri in enumerate(req.remove_nodes):
                    if not tx.has_node(iri):
                        raise ValueError(f"remove_nodes[{i}] {_trim(iri)!r} is not a KG node: "
                                         "fix the IRI")
                    tx.remove_node(iri)
        # bad IRIs, unknown nodes, empty aliases, invalid text: a 422, never the 404 of an
        # unknown endpoint (a node another writer removed meanwhile: KGNotFoundError)
        except (ValueError, TypeError, KGNotFoundError) as exc:
            raise HTTPException(422, "KG update rejected, nothing changed: "
                                f"{_trim(_hide_paths(str(exc)), 500)}") from None
        # the version this update committed (another update may have committed since), and
        # what the commit warned about (the texts of kg's Python API: tx.warnings.lines())
        return {"version": tx.version, "nodes": [n.iri for n in nodes],
                "warnings": tx.warnings.lines() if tx.warnings else []}

    @app.get("/kg/versions", dependencies=[Depends(require_token)], responses=auth_doc)
    def kg_versions() -> dict[str, Any]:
        p = _parser()
        return {"version": p.kg.version, "versions": [v.to_dict() for v in p.kg.versions()]}

    @app.post("/kg/rollback", dependencies=[Depends(require_token)], responses=auth_doc)
    def kg_rollback(req: RollbackRequest) -> dict[str, Any]:
        _check_message(req.message)
        p = _parser()
        if req.version > p.kg.version:
            raise HTTPException(422, f"no KG version {req.version}: versions are "
                                f"0..{p.kg.version} (GET /kg/versions lists them)")
        before = p.kg.version  # (writes are serialised by the KG; parses read the old views)
        new = p.kg.rollback(req.version, message=req.message)
        return {"version": new, "rolled_back_from": before, "to": req.version}

    # -- health --------------------------------------------------------------------------------
    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", responses={503: {"model": ErrorAnswer,
                                        "description": "loading, failed or shutting down"}})
    async def ready() -> Any:
        if not state["ready"]:
            return JSONResponse({"status": "shutting down"}, 503)
        p = state["parser"]
        if p is None:
            if state["load_error"]:
                return JSONResponse({"status": "failed", "error": state["load_error"]}, 503)
            return JSONResponse({"status": "loading"}, 503, headers={"Retry-After": "1"})
        # (off the event loop: a reload of a large rules file must not stall /health)
        rules = await asyncio.to_thread(_rules_status)
        problems = [] if rules is None or rules["ok"] else [
            f"rules: {rules['error']} (serving the last good {rules['rules']} rules)"]
        # check the KG's version (on a server: at most once per check_interval, no retries,
        # off the event loop): a replica without traffic must see an outage and a recovery
        with contextlib.suppress(Exception):
            await asyncio.to_thread(p.kg.refresh)
        kg_down = getattr(p.kg, "degraded", None)
        if kg_down:
            problems.append(f"kg: {_hide_paths(kg_down)} (serving the last good views of KG "
                            f"version {p.kg.version})")
        return {"status": "degraded" if problems else "ready", "kg_version": p.kg.version,
                "rules": rules, "problems": problems,
                "model_load_seconds": state["load_seconds"]}

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry).decode(),
                                 media_type="text/plain; version=0.0.4")

    # -- errors --------------------------------------------------------------------------------
    @app.exception_handler(ParserError)
    async def _parser_error(request: Request, exc: ParserError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 422)

    @app.exception_handler(KGNotFoundError)
    async def _kg_not_found(request: Request, exc: KGNotFoundError) -> JSONResponse:
        return JSONResponse({"detail": _hide_paths(str(exc))}, 404)

    @app.exception_handler(KGLockedError)
    async def _kg_locked(request: Request, exc: KGLockedError) -> JSONResponse:
        return JSONResponse({"detail": _hide_paths(str(exc))}, 503, headers={"Retry-After": "1"})

    @app.exception_handler(KGRemoteError)
    async def _kg_remote(request: Request, exc: KGRemoteError) -> JSONResponse:
        # the KG server is down or failing (after the client's retries): try again later
        return JSONResponse({"detail": _hide_paths(str(exc))}, 503, headers={"Retry-After": "1"})

    @app.exception_handler(KGWriteError)
    async def _kg_write(request: Request, exc: KGWriteError) -> JSONResponse:
        # the store could not write (the disk full): nothing committed; /ready says degraded
        return JSONResponse({"detail": _hide_paths(str(exc))}, 503,
                            headers={"Retry-After": "5"})

    @app.exception_handler(KGError)
    async def _kg_error(request: Request, exc: KGError) -> JSONResponse:
        # e.g. a KG opened read-only (kgqp serve opens it writable); other KG errors the same
        # (no server path: "the version history of /srv/kg was pruned" names "the KG")
        return JSONResponse({"detail": f"the KG refused the request: {_hide_paths(str(exc))}"},
                            409)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # The input is echoed trimmed (a 10,000-query batch was echoed whole, 179 KB), and
        # rendered with ASCII escapes (a lone surrogate in it made the 422 itself fail: a 500).
        errors = list(exc.errors())
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in content_type.lower() and any(
                err.get("loc") == ("body",) and err.get("type") == "model_attributes_type"
                for err in errors):  # a JSON body sent as text/plain, a form, or untyped
            return JSONResponse({"detail": "the request body must be JSON: send 'Content-Type: "
                                 f"application/json' (got {_trim(content_type or 'none')!r})"},
                                422)
        shown = []
        for err in errors[:MAX_ERRORS]:
            err = dict(err)
            if "input" in err:
                err["input"] = _trim(err["input"])
            shown.append(err)
        if len(errors) > MAX_ERRORS:
            shown.append({"type": "more_errors", "loc": [],
                          "msg": f"{len(errors) - MAX_ERRORS} more errors not shown"})
        body = json.dumps({"detail": jsonable_encoder(shown)}, ensure_ascii=True,
                          separators=(",", ":"))
        return Response(body, 422, media_type="application/json")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI answers 400 for bodies that are not UTF-8 or nest too deeply for json
            return JSONResponse({"detail": "the request body is not valid JSON (it must be "
                                 "UTF-8 and nest fewer than 1000 levels)"}, 422)
        return await http_exception_handler(request, exc)

    return app


def serve(parser: "QueryParser | Callable[[], QueryParser]", *, host: str = "127.0.0.1",
          port: int = 8000, limits: ServiceLimits | None = None,
          token: str | None = None) -> None:
    """Run the service with uvicorn until SIGTERM/SIGINT.

    ``parser`` may be a function that loads it: the port is then bound first (``/health``
    answers, ``/ready`` is 503 until the model is loaded) and a failed load stops the server
    with :class:`ParserError`. Binding a non-loopback ``host`` needs a ``token`` (the KG write
    endpoints would otherwise be open to the network). On shutdown, readiness turns 503 first,
    in-flight requests complete, then the process exits 0.
    """
    _require_serve_extra()
    import uvicorn

    if not 0 <= port <= 65535:  # (uvicorn died of an OverflowError, with a traceback)
        raise ValueError(f"--port {port} is out of range: give 0..65535 (0: any free port)")
    if token is None and not is_loopback(host):
        raise ParserError(
            f"refusing to serve on {host} without a token: /kg/update and /kg/rollback would be "
            "open to the network. Pass --token-file FILE or set KGQP_TOKEN (clients then send "
            "'Authorization: Bearer <token>'), or bind 127.0.0.1"
        )
    if token is None:
        logger.warning("no service token: the KG write endpoints are open to every process on "
                       "this machine (bound to %s only)", host)
    app = create_app(parser, limits=limits, token=token,
                     allowed_hosts=None if token is not None else (*LOOPBACK_NAMES, host))
    state = app.state.kgqp_state
    server = uvicorn.Server(uvicorn_config(app, host=host, port=port, limits=limits))
    original = server.handle_exit

    def _handle_exit(sig: int, frame: Any) -> None:
        state["ready"] = False
        original(sig, frame)
        if sig == signal.SIGTERM:
            # uvicorn re-raises captured signals after its graceful shutdown, which made the
            # process die of SIGTERM (exit -15); a completed graceful shutdown exits 0
            server._captured_signals[:] = [s for s in server._captured_signals
                                           if s != signal.SIGTERM]

    def _stop_if_load_fails() -> None:
        state["loaded"].wait()
        if state["load_error"]:
            server.should_exit = True

    server.handle_exit = _handle_exit  # type: ignore[method-assign]
    threading.Thread(target=_stop_if_load_fails, name="kgqp-load-watch", daemon=True).start()
    startup_errors = _StartupErrors()
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(startup_errors)
    try:
        server.run()
    except SystemExit as exc:
        # uvicorn exits 3 (its STARTUP_FAILURE) when it cannot bind (port in use, unknown
        # host): not kgqp's "KG locked" code. An I/O error under the exit-code policy: 1.
        if exc.code in (0, None):
            raise
        reason = startup_errors.last or f"uvicorn exited with code {exc.code}"
        raise OSError(f"cannot serve on {host}:{port}: {reason}") from None
    finally:
        uvicorn_log.removeHandler(startup_errors)
    if state["load_error"]:
        from kg.errors import KGLockedError

        message = f"the model did not load: {state['load_error']}"
        if isinstance(state["load_exc"], KGLockedError):  # exit 3: retry later
            raise KGLockedError(message) from state["load_exc"]
        raise ParserError(message) from state["load_exc"]


def uvicorn_config(app: Any, *, host: str = "127.0.0.1", port: int = 8000,
                   limits: ServiceLimits | None = None, **options: Any) -> Any:
    """The ``uvicorn.Config`` :func:`serve` runs ``app`` with: the header deadline of
    ``limits.header_timeout_s`` (:func:`header_deadline_protocol`) and the bound of
    ``limits.max_connections`` (``limit_concurrency``: connections beyond it are accepted, their
    requests answered 503). ``options`` are passed on to ``uvicorn.Config`` (e.g.
    ``log_level="warning"``).

    Example (a server of one's own, in a thread, with the limits of ``kgqp serve``)::

        server = uvicorn.Server(uvicorn_config(create_app(parser), port=8001))
        threading.Thread(target=server.run, daemon=True).start()
    """
    import uvicorn

    limits = limits or ServiceLimits()
    settings: dict[str, Any] = {"log_level": "info", "timeout_graceful_shutdown": 30,
                                "access_log": False}
    settings.update(options)
    return uvicorn.Config(app, host=host, port=port,
                          http=header_deadline_protocol(limits.header_timeout_s),
                          limit_concurrency=limits.max_connections, **settings)


def header_deadline_protocol(header_timeout_s: float) -> type:
    """uvicorn's h11 HTTP protocol with a deadline on request headers: a connection whose
    request line and headers have not all arrived ``header_timeout_s`` seconds after it
    opened, or after the first byte of its next request (keep-alive), is closed, with a
    ``408`` when some of them came. uvicorn alone has none: a client sending its headers a
    byte every few seconds ("slowloris"), or nothing at all, held the connection forever
    (``ServiceLimits.body_timeout_s`` starts once the headers are in). Given to
    ``uvicorn.Config(http=...)`` by :func:`uvicorn_config`."""
    if not header_timeout_s > 0:
        raise ValueError(f"header_timeout_s must be > 0, got {header_timeout_s}")
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderDeadlineProtocol(H11Protocol):
        header_timeout = header_timeout_s

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_header_deadline()

        def data_received(self, data: bytes) -> None:
            if self._header_timer is None and self.conn.their_state is h11.IDLE:
                self._arm_header_deadline()  # (the first byte of the next request)
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the headers are in (or it failed)
                self._cancel_header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_deadline()
            super().connection_lost(exc)

        def _arm_header_deadline(self) -> None:
            self._cancel_header_deadline()
            self._header_timer = self.loop.call_later(self.header_timeout,
                                                      self._header_deadline_passed)

        def _cancel_header_deadline(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_deadline_passed(self) -> None:
            self._header_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            partial = bool(self.conn.trailing_data[0])
            logger.info("%s: request headers not complete after %g s: connection closed",
                        f"{self.client[0]}:{self.client[1]}" if self.client else "a client",
                        self.header_timeout)
            if partial:  # (written as is: h11 answers no request it has not read)
                body = (f"the request headers did not arrive within {self.header_timeout:g} "
                        "s").encode()
                self.transport.write(
                    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8"
                    b"\r\nconnection: close\r\ncontent-length: " + str(len(body)).encode()
                    + b"\r\n\r\n" + body)
            with contextlib.suppress(h11.LocalProtocolError):
                self.conn.send(h11.ConnectionClosed())
            self.transport.close()

    return HeaderDeadlineProtocol


class _StartupErrors(logging.Handler):
    """Keeps the last ERROR message uvicorn logs (why it could not start), for the one
    ``error: ...`` line of ``kgqp serve``."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.last = " ".join(record.getMessage().split())
