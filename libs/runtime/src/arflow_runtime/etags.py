"""ETag / If-Match for updates (RFC 9110 §13.1.1, RFC 6585 §3): no lost updates.

The rule every service applies to a PUT that replaces a resource:
- the resource does not exist yet: creating it needs no If-Match (an If-Match is 412: it names
  a version that is not there);
- it exists: If-Match is required (428 without it); `*` means "whatever is there now" (an explicit,
  deliberate overwrite); otherwise one of the listed tags must be the current ETag, else 412.
"""

import hashlib
import json
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder

from arflow_runtime.errors import ProblemError

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=500,
        description="ETag from a GET: the update applies only to that version (412 if it changed). "
        "Required when the resource exists (428 without it); `*` overwrites whatever is there.",
    ),
]

PRECONDITION_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match does not name the current ETag (or the resource does not exist)"},
    428: {"description": "The resource exists: send If-Match with its ETag"},
}


class PreconditionFailed(ProblemError):
    """If-Match names another version than the current one."""

    status = 412
    problem_type = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(ProblemError):
    """An update of an existing resource without If-Match."""

    status = 428
    problem_type = "precondition-required"
    title = "Precondition required"


def etag(version: int | str) -> str:
    """The strong ETag of a version number or digest: `"3"`."""
    return f'"{version}"'


def content_etag(representation: Any) -> str:
    """A strong ETag from a representation's canonical JSON (for resources without a version)."""
    canonical = json.dumps(jsonable_encoder(representation), sort_keys=True, separators=(",", ":"))
    return etag(hashlib.sha256(canonical.encode()).hexdigest()[:32])


def _tags(if_match: str) -> set[str]:
    # Weak tags (W/"3") are compared by their opaque part: our tags are all strong, and a client
    # or proxy that weakened one still means that version.
    return {tag.strip().removeprefix("W/") for tag in if_match.split(",") if tag.strip()}


def check_if_match(if_match: str | None, current: str | None, *, what: str) -> None:
    """Allow a replace only against the current version; `current` is None when it does not exist."""
    if current is None:
        if if_match is None:
            return
        raise PreconditionFailed(
            f"{what} does not exist, so If-Match {if_match} cannot match; send no If-Match to create it.",
            current_etag=None,
        )
    if if_match is None:
        error: ProblemError = PreconditionRequired(
            f"{what} exists: send If-Match with the ETag of the version you read (GET), "
            "or If-Match: * to overwrite whatever is there.",
            current_etag=current,
        )
        error.headers = {"ETag": current}
        raise error
    tags = _tags(if_match)
    if "*" in tags or current in tags:
        return
    error = PreconditionFailed(
        f"{what} changed since you read it: it is at {current}, not {if_match}. "
        "Read it again (GET) and retry with its ETag.",
        current_etag=current,
    )
    error.headers = {"ETag": current}
    raise error
