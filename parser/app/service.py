"""HTTP service: ``kgqp serve --bundle DIR`` (FastAPI + uvicorn; the ``[serve]`` extra).

Endpoints: ``POST /parse``, ``POST /parse/batch``, ``GET /kg/nodes/{iri}``, ``GET /kg/link``,
``POST /kg/update`` (one KG transaction; the next parse sees it), ``GET /health``, ``GET /ready``,
``GET /metrics`` (Prometheus) and the OpenAPI docs at ``/docs``.

Limits (:class:`ServiceLimits`): request body size (413), query length and batch size (422),
concurrent parse requests (503 with ``Retry-After`` beyond the limit: excess load is rejected at
once instead of queueing). Every bad input gets a 4xx with a JSON ``detail``; never a 500.
"""

# No ``from __future__ import annotations`` here: FastAPI must resolve the request models,
# which are local classes of create_app, from the endpoint annotations at definition time
# (with PEP 563 strings it cannot, and every body became a missing query parameter: 422).

import asyncio
import dataclasses
import json
import logging
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parser.errors import ParserError

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

    from parser.pipeline import QueryParser

logger = logging.getLogger(__name__)

__all__ = ["ServiceLimits", "create_app", "serve"]


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    """Request limits of the HTTP service.

    Example:
        >>> ServiceLimits(max_concurrency=4).max_concurrency
        4
    """

    max_body_bytes: int = 256 * 1024
    max_query_chars: int = 512
    max_batch_size: int = 256
    max_concurrency: int = 8

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_query_chars", "max_batch_size", "max_concurrency"):
            if getattr(self, name) < 1:
                raise ValueError(f"ServiceLimits.{name} must be >= 1, got {getattr(self, name)}")


def _require_serve_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ParserError(
            "The HTTP service needs the 'serve' extra: pip install 'kgqp[serve]'"
        ) from exc


def _check_text(value: str, what: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{what} contains a lone surrogate or text that is not valid UTF-8"
        ) from None
    return value


def _ascii_json_response() -> type:
    from fastapi.responses import JSONResponse

    class AsciiJSONResponse(JSONResponse):
        def render(self, content: Any) -> bytes:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")

    return AsciiJSONResponse


def create_app(parser: "QueryParser", *, limits: ServiceLimits | None = None) -> "FastAPI":
    """Build the FastAPI app around a loaded :class:`~parser.pipeline.QueryParser`."""
    _require_serve_extra()
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.encoders import jsonable_encoder
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
    from pydantic import BaseModel, ConfigDict, Field, field_validator
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from kg.errors import KGLockedError, KGNotFoundError

    limits = limits or ServiceLimits()
    _AsciiJSONResponse = _ascii_json_response()
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

    class ParseRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        query: str = Field(description="The search query.")

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

    class NodeUpdate(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: str
        key: str
        label: str
        aliases: list[str] = []
        attribute: str | None = None
        popularity: float | None = None

    class AliasUpdate(BaseModel):
        model_config = ConfigDict(extra="forbid")
        iri: str
        alias: str

    class EdgeUpdate(BaseModel):
        model_config = ConfigDict(extra="forbid")
        source: str
        relation: str
        target: str

    class KGUpdateRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        add_nodes: list[NodeUpdate] = []
        add_aliases: list[AliasUpdate] = []
        add_edges: list[EdgeUpdate] = []
        remove_nodes: list[str] = []
        message: str | None = None

    state: dict[str, Any] = {"ready": True, "inflight": 0}
    semaphore = asyncio.Semaphore(limits.max_concurrency)
    parse_lock = threading.Lock()  # one model call at a time: torch/ORT already use both cores

    app = FastAPI(
        title="kgqp",
        description="Knowledge-graph-augmented parsing of e-commerce search queries.",
        version=parser.version if hasattr(parser, "version") else "0",
    )
    app.state.kgqp_state = state

    known_paths = {"/parse", "/parse/batch", "/kg/link", "/kg/update", "/health", "/ready",
                   "/metrics", "/docs", "/openapi.json"}

    def _metric_path(path: str) -> str:
        # a bounded label set: one label per route, not per IRI or per unknown URL
        if path.startswith("/kg/nodes/"):
            return "/kg/nodes/{iri}"
        return path if path in known_paths else "other"

    @app.middleware("http")
    async def _limits(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        path = _metric_path(request.url.path)
        start = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limits.max_body_bytes):
            rejected.labels("body_too_large").inc()
            requests_total.labels(path, "413").inc()
            return JSONResponse(
                {"detail": f"request body larger than {limits.max_body_bytes} bytes"}, 413
            )
        if request.method == "POST" and length is None:
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > limits.max_body_bytes:
                    rejected.labels("body_too_large").inc()
                    requests_total.labels(path, "413").inc()
                    return JSONResponse(
                        {"detail": f"request body larger than {limits.max_body_bytes} bytes"}, 413
                    )
            request._body = body  # Starlette caches the body here; the endpoint reads it
        limited = path.startswith("/parse")
        if limited:
            if semaphore.locked():
                rejected.labels("overload").inc()
                requests_total.labels(path, "503").inc()
                return JSONResponse({"detail": "server busy, retry later"}, 503,
                                    headers={"Retry-After": "1"})
            await semaphore.acquire()
        state["inflight"] += 1
        try:
            response = await call_next(request)
        except Exception:  # pragma: no cover - a bug: log it, answer 500 with a clear body
            logger.exception("unhandled error on %s", path)
            response = JSONResponse({"detail": "internal error"}, 500)
        finally:
            state["inflight"] -= 1
            if limited:
                semaphore.release()
        requests_total.labels(path, str(response.status_code)).inc()
        latency.labels(path).observe(time.perf_counter() - start)
        return response

    def _run(fn: Callable[[], Any]) -> Any:
        with parse_lock:
            return fn()

    @app.post("/parse")
    async def parse(req: ParseRequest) -> dict[str, Any]:
        result = await asyncio.to_thread(_run, lambda: parser(req.query))
        return result.to_dict()

    @app.post("/parse/batch")
    async def parse_batch(req: BatchRequest) -> dict[str, Any]:
        results = await asyncio.to_thread(_run, lambda: parser.pipe(req.queries))
        return {"results": [r.to_dict() for r in results]}

    @app.get("/kg/nodes/{iri:path}")
    def kg_node(iri: str) -> dict[str, Any]:
        node = parser.kg.node(iri)
        if node is None:
            raise HTTPException(404, f"no KG node {iri!r}")
        d = dataclasses.asdict(node)  # kg.graph.NodeInfo is a plain dataclass (no to_dict)
        d["kind"] = node.kind.value if node.kind is not None else None
        d["aliases"] = list(node.aliases)
        return d

    @app.get("/kg/link")
    def kg_link(mention: str, label: str | None = None, limit: int = 5) -> dict[str, Any]:
        try:
            _check_text(mention, "mention")
            result = parser.kg.link(mention, label=label)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return result.to_dict(limit=limit) if hasattr(result, "to_dict") else {"result": result}

    @app.post("/kg/update")
    def kg_update(req: KGUpdateRequest) -> dict[str, Any]:
        from kg.schema import Edge, Node, NodeKind, Relation

        try:
            nodes = [
                Node(kind=NodeKind.parse(n.kind), key=n.key, label=n.label,
                     aliases=tuple(n.aliases), attribute=n.attribute, popularity=n.popularity)
                for n in req.add_nodes
            ]
            edges = [Edge(e.source, Relation(e.relation), e.target) for e in req.add_edges]
        except (ValueError, TypeError) as exc:
            raise HTTPException(422, str(exc)) from None
        try:
            with parse_lock, \
                    parser.kg.transaction(message=req.message or "HTTP /kg/update") as tx:
                for node in nodes:
                    tx.add_node(node)
                for a in req.add_aliases:
                    tx.add_alias(a.iri, a.alias)
                for edge in edges:
                    tx.add_edge(edge)
                for iri in req.remove_nodes:
                    tx.remove_node(iri)
        except (ValueError, TypeError) as exc:  # bad IRIs, empty aliases, invalid text
            raise HTTPException(422, f"KG update rejected, nothing changed: {exc}") from None
        return {"version": parser.kg.version, "nodes": [n.iri for n in nodes]}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> Any:
        if not state["ready"]:
            return JSONResponse({"status": "shutting down"}, 503)
        return {"status": "ready", "kg_version": parser.kg.version}

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry).decode(),
                                 media_type="text/plain; version=0.0.4")

    @app.exception_handler(ParserError)
    async def _parser_error(request: Request, exc: ParserError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 422)

    @app.exception_handler(KGNotFoundError)
    async def _kg_not_found(request: Request, exc: KGNotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 404)

    @app.exception_handler(KGLockedError)
    async def _kg_locked(request: Request, exc: KGLockedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The default handler echoes the input, and a lone surrogate in it made the JSON
        # encoding of the 422 itself fail (a 500): render with ASCII escapes instead.
        return _AsciiJSONResponse({"detail": jsonable_encoder(exc.errors())}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI answers 400 for bodies that are not UTF-8 or nest too deeply for json
            return JSONResponse({"detail": "the request body is not valid JSON (it must be "
                                 "UTF-8 and nest fewer than 1000 levels)"}, 422)
        return await http_exception_handler(request, exc)

    return app


def serve(parser: "QueryParser", *, host: str = "127.0.0.1", port: int = 8000,
          limits: ServiceLimits | None = None) -> None:
    """Run the service with uvicorn until SIGTERM/SIGINT.

    On shutdown, readiness turns 503 first, in-flight requests complete, then the process exits 0.
    """
    _require_serve_extra()
    import uvicorn

    app = create_app(parser, limits=limits)
    config = uvicorn.Config(app, host=host, port=port, log_level="info",
                            timeout_graceful_shutdown=30, access_log=False)
    server = uvicorn.Server(config)
    original = server.handle_exit

    def _handle_exit(sig: int, frame: Any) -> None:
        app.state.kgqp_state["ready"] = False
        original(sig, frame)
        if sig == signal.SIGTERM:
            # uvicorn re-raises captured signals after its graceful shutdown, which made the
            # process die of SIGTERM (exit -15); a completed graceful shutdown exits 0
            server._captured_signals[:] = [s for s in server._captured_signals
                                           if s != signal.SIGTERM]

    server.handle_exit = _handle_exit  # type: ignore[method-assign]
    server.run()
