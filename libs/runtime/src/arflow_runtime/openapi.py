"""OpenAPI that tells the truth about errors: every one is application/problem+json."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from arflow_runtime.errors import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    "400": "Bad request",
    "401": "Missing or unknown API key",
    "403": "The API key lacks the scope",
    "404": "Not found",
    "409": "Conflict with the current state",
    "412": "If-Match does not match the current ETag",
    "422": "Invalid input; `errors` names each field",
    "428": "If-Match required",
    "503": "Not ready",
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI with problem+json error responses on every operation."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for schemas in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(schemas, None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                if status.startswith(("4", "5")):
                    responses[status] = _problem(
                        response.get("description") or _DESCRIPTIONS.get(status, "Error")
                    )
            wanted = ["400", "404", "422"]
            if method in ("post", "put", "patch", "delete"):
                wanted.append("409")
            if operation.get("security"):
                wanted += ["401", "403"]
            for status in wanted:
                responses.setdefault(status, _problem(_DESCRIPTIONS[status]))
    app.openapi_schema = schema
    return schema
