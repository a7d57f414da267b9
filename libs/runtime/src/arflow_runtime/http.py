"""HTTP plumbing every service shares: request context, metrics, health, readiness, dependencies."""

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Depends, FastAPI, Request, Response, Security
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arflow_runtime import context
from arflow_runtime.auth import Principal, current_principal
from arflow_runtime.db import UnitOfWork, database_reachable
from arflow_runtime.errors import problem_response
from arflow_runtime.log import get_logger
from arflow_runtime.outbox import pending_count

if TYPE_CHECKING:
    from arflow_runtime.service import ServiceRuntime

log = get_logger(__name__)
CORRELATION_HEADER = "X-Correlation-ID"


def runtime_of(request: Request) -> "ServiceRuntime":
    """The running service behind a request."""
    return request.app.state.runtime  # type: ignore[no-any-return]


async def unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """A transaction for one request; the endpoint commits it."""
    async with runtime_of(request).database.unit_of_work() as uow:
        yield uow


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def require(scope: str) -> Any:
    """A dependency that authenticates the caller and demands one scope (listed in OpenAPI)."""
    return Security(current_principal, scopes=[scope])


PrincipalDep = Principal


def install_request_context(app: FastAPI, service: str) -> None:
    """Correlation id in, out and in every log line; request counts and latency as metrics."""
    app.add_middleware(RequestContext, service=service)


class RequestContext:
    """Plain ASGI middleware (no extra task per request, unlike Starlette's BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(CORRELATION_HEADER)
        correlation = (sent or str(uuid4()))[:100]
        status = 500  # what the client gets if the app fails before answering
        started = time.perf_counter()

        async def send_with_correlation(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(CORRELATION_HEADER, correlation)
            await send(message)

        context.bind(correlation=correlation, service=self.service)
        try:
            await self.app(scope, receive, send_with_correlation)
        finally:
            context.clear()
            route = scope.get("route")  # set by the router on the same scope
            template = getattr(route, "path", "unmatched")
            runtime = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
            if runtime is not None:
                method = scope["method"]
                runtime.metrics.http_requests.labels(method, template, str(status)).inc()
                runtime.metrics.http_latency.labels(method, template).observe(time.perf_counter() - started)


def health_router() -> APIRouter:
    """/healthz (alive), /readyz (database and bus reachable), /metrics (Prometheus); all open."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Process is alive")
    async def healthz(request: Request) -> dict[str, str]:
        return {"status": "ok", "service": runtime_of(request).name}

    @router.get(
        "/readyz", summary="Database and bus are reachable", responses={503: {"description": "Not ready"}}
    )
    async def readyz(request: Request) -> Any:
        runtime = runtime_of(request)
        checks = {
            "database": await database_reachable(runtime.database.engine),
            "bus": await runtime.bus.ping(),
        }
        if all(checks.values()):
            return {"status": "ready", "service": runtime.name, "checks": checks}
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        return problem_response(
            503, "Not ready", f"Unreachable: {failing}.", "not-ready", "/readyz", checks=checks
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        runtime = runtime_of(request)
        try:
            runtime.metrics.outbox_pending.set(await pending_count(runtime.database.engine))
        except (OSError, SQLAlchemyError):
            pass  # the database is away: the gauge keeps its last reading, /readyz says why
        return Response(runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
