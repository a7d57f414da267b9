"""A message ready for a channel, and the port every channel implements."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from arflow_notification.domain import Channel, Outcome


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a channel needs; addresses live here and in the database, never in logs."""

    notification_id: str
    request_id: str
    customer_id: str
    channel: Channel
    template: str
    locale: str
    subject: str
    body: str
    short: str
    recipient_name: str
    letter_date: date
    attempt: int = 1
    resend: bool = False
    """An earlier attempt was interrupted: the provider may already have it (same message id)."""
    formal_demand: bool = False
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    contact_name: str | None = field(default=None, repr=False)
    address_lines: tuple[str, ...] = field(default=(), repr=False)
    invoices: tuple[dict[str, Any], ...] = ()


class ChannelPort(Protocol):
    """Sends one message and says how it went; never raises for a delivery problem."""

    async def send(self, message: OutgoingMessage) -> Outcome: ...

    async def close(self) -> None: ...
