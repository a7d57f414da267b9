"""Optimistic concurrency for updates: a revision per resource, compared with If-Match."""

from dataclasses import dataclass

from arflow_credit.domain import StaleRevision
from arflow_runtime.etags import PreconditionRequired


@dataclass(frozen=True)
class Precondition:
    """What an update's If-Match says: whether one was sent, and the revision it names (None: `*`)."""

    sent: bool
    revision: int | None


def etag(revision: int) -> str:
    """The ETag of a resource at a revision."""
    return f'"{revision}"'


def expected_revision(if_match: str | None) -> int | None:
    """The revision an If-Match header names; None when absent or '*' (any existing)."""
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise StaleRevision(f"If-Match must be an ETag this API gave out, such as '\"3\"'; got {if_match!r}")
    return int(text)


def require_revision(what: str, current: int, expected: int | None) -> None:
    """Refuse an update made against another revision than the current one."""
    if expected is not None and expected != current:
        shown = "does not exist yet" if current == 0 else f"is at revision {current}"
        raise StaleRevision(
            f"{what} {shown}, not {expected}: read it again (GET) and retry with its ETag",
            current_revision=current,
        )


def require_if_match(what: str, current: int, precondition: Precondition) -> None:
    """Changing a stored revision needs If-Match (428 without it); creating one does not.

    Revision 0 is "not stored yet" (a new customer, a class still on its shipped default policy)."""
    if current > 0 and not precondition.sent:
        error = PreconditionRequired(
            f"{what} exists (revision {current}): send If-Match with the ETag you read (GET), "
            "or If-Match: * to overwrite it",
            current_etag=etag(current),
        )
        error.headers = {"ETag": etag(current)}
        raise error
