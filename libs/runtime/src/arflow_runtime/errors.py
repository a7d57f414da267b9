"""Every error leaves the API as application/problem+json (RFC 9457)."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from arflow_runtime.log import get_logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://arflow.dev/problems/"

log = get_logger(__name__)


class ProblemError(Exception):
    """An error with an HTTP status and a problem type; domain errors subclass or map to it."""

    status: int = 400
    problem_type: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        problem_type: str | None = None,
        title: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if problem_type is not None:
            self.problem_type = problem_type
        if title is not None:
            self.title = title
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(
    status: int,
    title: str,
    detail: str,
    problem_type: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Render a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem_type,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _validation_errors(error: RequestValidationError) -> list[dict[str, str]]:
    return [
        {"field": _location(tuple(item.get("loc", ()))), "message": str(item.get("msg", ""))}
        for item in error.errors()
    ]


def install_problem_handlers(app: FastAPI, domain_errors: "tuple[type[Exception], ...]" = ()) -> None:
    """Render every error, including validation errors and unknown routes, as problem+json.

    `domain_errors` are a service's own error bases, free of web imports: each instance carries
    `status`, `problem_type`, `title`, `detail` and optionally an `extra` dict of fields.
    """

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        extra = getattr(exc, "extra", None) or {}
        return problem_response(
            int(getattr(exc, "status", 400)),
            str(getattr(exc, "title", "Bad request")),
            str(getattr(exc, "detail", exc)),
            str(getattr(exc, "problem_type", "bad-request")),
            request.url.path,
            **extra,
        )

    for error_type in domain_errors:
        app.add_exception_handler(error_type, on_domain_error)

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            exc.problem_type,
            request.url.path,
            headers=exc.headers or None,
            **exc.extra,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        detail = "; ".join(f"{item['field']}: {item['message']}" for item in errors)
        return problem_response(
            422, "Invalid request", detail, "validation-error", request.url.path, errors=errors
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route {request.method} {request.url.path}; see /docs for the API."
        return problem_response(
            exc.status_code,
            titles.get(exc.status_code, "HTTP error"),
            detail,
            f"http-{exc.status_code}",
            request.url.path,
            headers=getattr(exc, "headers", None),
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        from arflow_runtime.consumer import is_transient  # the one definition of "waiting cures it"

        if is_transient(exc):
            # The database or the bus went away (a restart, a dropped connection): the transaction
            # was rolled back, so the same request (same Idempotency-Key) can simply be sent again.
            log.warning("http.unavailable", path=request.url.path, error=type(exc).__name__)
            return problem_response(
                503,
                "Service temporarily unavailable",
                "The database or the event bus did not answer; nothing was changed. "
                "Send the same request again in a moment.",
                "unavailable",
                request.url.path,
                headers={"Retry-After": "1"},
            )
        log.error("http.unhandled_error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
        return problem_response(
            500,
            "Internal error",
            "The server failed; the error is logged.",
            "internal-error",
            request.url.path,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
