"""ETag / If-Match: creation needs none, an update of an existing resource needs the current one."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response

from arflow_runtime.errors import PROBLEM_JSON, ProblemError, install_problem_handlers
from arflow_runtime.etags import (
    PRECONDITION_RESPONSES,
    IfMatch,
    PreconditionFailed,
    PreconditionRequired,
    check_if_match,
    content_etag,
    etag,
)
from arflow_runtime.openapi import problem_openapi


def test_an_etag_is_a_quoted_strong_tag() -> None:
    assert etag(3) == '"3"'
    assert etag("abc") == '"abc"'


def test_a_content_etag_ignores_key_order_and_changes_with_the_content() -> None:
    assert content_etag({"a": 1, "b": "x"}) == content_etag({"b": "x", "a": 1})
    assert content_etag({"a": 1}) != content_etag({"a": 2})
    assert content_etag({"a": 1}).startswith('"') and len(content_etag({"a": 1})) == 34


def test_creating_a_resource_needs_no_if_match() -> None:
    check_if_match(None, None, what="policy A")


@pytest.mark.parametrize("if_match", ['"1"', "*"])
def test_an_if_match_on_a_resource_that_does_not_exist_fails(if_match: str) -> None:
    with pytest.raises(PreconditionFailed) as failed:
        check_if_match(if_match, None, what="policy A")
    assert failed.value.status == 412


def test_updating_an_existing_resource_without_if_match_is_428_naming_the_current_etag() -> None:
    with pytest.raises(PreconditionRequired) as required:
        check_if_match(None, '"4"', what="policy A")
    assert required.value.status == 428
    assert required.value.extra["current_etag"] == '"4"'
    assert required.value.headers["ETag"] == '"4"'


@pytest.mark.parametrize("if_match", ['"4"', 'W/"4"', '"2", "4"', "*", ' "4" '])
def test_the_current_etag_or_a_star_lets_the_update_through(if_match: str) -> None:
    check_if_match(if_match, '"4"', what="policy A")


@pytest.mark.parametrize("if_match", ['"3"', '"40"', "4", '"2", "3"'])
def test_a_stale_or_foreign_etag_is_412(if_match: str) -> None:
    with pytest.raises(PreconditionFailed) as failed:
        check_if_match(if_match, '"4"', what="policy A")
    assert failed.value.status == 412
    assert "GET" in failed.value.detail


def versioned_app() -> FastAPI:
    """A resource store as a service would write it with the helper."""
    app = FastAPI()
    install_problem_handlers(app)
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    store: dict[str, tuple[int, dict[str, Any]]] = {}

    @app.put("/things/{name}", responses=PRECONDITION_RESPONSES)
    async def put_thing(name: str, body: dict[str, Any], response: Response, if_match: IfMatch = None) -> Any:
        version, _ = store.get(name, (0, {}))
        check_if_match(if_match, etag(version) if name in store else None, what=f"thing {name}")
        store[name] = (version + 1, body)
        response.headers["ETag"] = etag(version + 1)
        return body

    return app


async def test_over_http_the_errors_are_problem_json_and_documented() -> None:
    app = versioned_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        created = await client.put("/things/a", json={"v": 1})
        assert created.status_code == 200 and created.headers["ETag"] == '"1"'
        missing = await client.put("/things/a", json={"v": 2})
        assert missing.status_code == 428
        assert missing.headers["content-type"] == PROBLEM_JSON
        assert missing.json()["type"].endswith("/precondition-required")
        updated = await client.put("/things/a", json={"v": 2}, headers={"If-Match": created.headers["ETag"]})
        assert updated.status_code == 200 and updated.headers["ETag"] == '"2"'
        stale = await client.put("/things/a", json={"v": 3}, headers={"If-Match": created.headers["ETag"]})
        assert stale.status_code == 412
        assert stale.json()["current_etag"] == '"2"'
        assert stale.headers["ETag"] == '"2"'
    responses = app.openapi()["paths"]["/things/{name}"]["put"]["responses"]
    assert {"412", "428"} <= set(responses)
    assert PROBLEM_JSON in responses["428"]["content"]


def test_both_errors_are_problem_errors_every_service_renders() -> None:
    assert issubclass(PreconditionFailed, ProblemError) and issubclass(PreconditionRequired, ProblemError)
