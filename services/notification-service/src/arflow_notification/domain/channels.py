"""Channels and how a message reaches a customer: the address each needs, and the fallbacks."""

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    """How a message travels."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"
    LETTER = "letter"


QUIET_HOURS_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})
"""Channels a person reads as they arrive; letters and webhooks are not held for business hours."""

RATE_LIMITED_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.WEBHOOK})
"""Channels the per-customer rate limit applies to; a letter is a document, not an interruption."""


@dataclass(frozen=True)
class Contacts:
    """What the customer copy says about reaching the customer."""

    email: bool
    phone: bool


@dataclass(frozen=True)
class Route:
    """Where a requested message actually goes, or why it cannot go anywhere."""

    channel: Channel | None
    reason: str | None = None

    @property
    def reachable(self) -> bool:
        """Whether the message can be sent."""
        return self.channel is not None


def route(requested: Channel, contacts: Contacts, siblings: frozenset[Channel]) -> Route:
    """The channel to use for a requested one; `siblings` are the other channels of the request.

    Email falls back to a letter when the customer has no email address, unless the same
    request already sends a letter (the customer would get the same letter twice). A letter is
    always possible: it is a PDF kept for download and posting, with whatever address is known.
    """
    if requested is Channel.EMAIL and not contacts.email:
        if Channel.LETTER in siblings:
            return Route(None, "customer has no email address; the request's letter carries the message")
        return Route(Channel.LETTER)
    if requested is Channel.SMS and not contacts.phone:
        return Route(None, "customer has no phone number")
    return Route(requested)
