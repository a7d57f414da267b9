"""What a delivery attempt came to: delivered, worth retrying, or hopeless."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Delivered:
    """The provider accepted the message."""

    receipt: str
    detail: str | None = None
    document: bytes | None = None
    """The PDF of a letter, kept for download."""


@dataclass(frozen=True)
class Transient:
    """A failure that waiting may cure (server down, timeout, 4xx SMTP, HTTP 429/5xx)."""

    reason: str
    retry_after_seconds: float | None = None


@dataclass(frozen=True)
class Permanent:
    """A failure no retry cures (address rejected, HTTP 4xx, template broken)."""

    reason: str


Outcome = Delivered | Transient | Permanent
