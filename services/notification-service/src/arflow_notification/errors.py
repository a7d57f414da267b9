"""notification-service's errors: each carries its HTTP status and problem type (problem+json)."""

from typing import Any


class NotificationError(Exception):
    """Base of the service's errors."""

    status = 400
    problem_type = "notification-error"
    title = "Notification error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(NotificationError):
    """A notification, template or letter that does not exist."""

    status = 404
    problem_type = "not-found"
    title = "Not found"


class InvalidTemplate(NotificationError):
    """A template that does not compile or does not render with the documented variables."""

    status = 422
    problem_type = "invalid-template"
    title = "Invalid template"


class InvalidLocale(NotificationError):
    """A locale that is not a BCP 47 tag."""

    status = 422
    problem_type = "invalid-locale"
    title = "Invalid locale"


class VersionMismatch(NotificationError):
    """If-Match names another version than the current one."""

    status = 412
    problem_type = "precondition-failed"
    title = "Precondition failed"
