"""The one envelope every event travels in, and the base class of event payloads."""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

PLATFORM_CUSTOMER_ID = "_platform"
"""Reserved envelope `customer_id` (partition key) of platform-wide events (BusinessDayClosed)."""


class EventData(BaseModel):
    """Base of every event payload: frozen, versioned, bound to the topic of its producer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    topic: ClassVar[str]
    platform_wide: ClassVar[bool] = False
    """True for events about the whole platform; they travel under PLATFORM_CUSTOMER_ID."""

    def partition_key(self) -> str | None:
        """The envelope `customer_id` this payload belongs under, if the payload says."""
        if self.platform_wide:
            return PLATFORM_CUSTOMER_ID
        customer_id = getattr(self, "customer_id", None)
        return customer_id if isinstance(customer_id, str) else None


class EventEnvelope(BaseModel):
    """The envelope every event travels in; `customer_id` is the partition key."""

    # Serialised envelopes always carry every key, so the wire schema marks them all required.
    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_serialization_defaults_required=True)

    event_id: UUID = Field(
        default_factory=uuid4, description="Unique per event; consumers deduplicate on it."
    )
    event_type: str = Field(description="Name of the payload contract, e.g. InvoiceIssued.")
    event_version: int = Field(ge=1, description="Version of the payload contract.")
    occurred_at: AwareDatetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When it happened, UTC."
    )
    producer: str = Field(description="Service that emitted it, e.g. invoice-service.")
    customer_id: str = Field(
        min_length=1,
        description=f"Partition key; {PLATFORM_CUSTOMER_ID!r} for platform-wide events.",
    )
    correlation_id: str = Field(
        min_length=1, description="Shared by everything one request or business day set off."
    )
    causation_id: str | None = Field(
        default=None, description="event_id (or request id) of what directly caused this event."
    )
    data: dict[str, Any] = Field(description="The payload, valid against its contract.")

    def to_bytes(self) -> bytes:
        """Serialise for the wire (JSON, UTF-8)."""
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "EventEnvelope":
        """Parse from the wire; raises pydantic.ValidationError on anything malformed."""
        return cls.model_validate_json(raw)

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers: type, version, ids (CloudEvents-style names)."""
        return [
            ("ce_type", self.event_type.encode()),
            ("ce_specversion", b"1.0"),
            ("event_version", str(self.event_version).encode()),
            ("ce_id", str(self.event_id).encode()),
            ("correlation_id", self.correlation_id.encode()),
        ]


def wrap(
    data: EventData,
    *,
    customer_id: str | None = None,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope:
    """Put an event payload into an envelope; `customer_id` defaults to the payload's own."""
    expected = data.partition_key()
    if expected is not None and customer_id not in (None, expected):
        raise ValueError(f"{data.event_type} belongs under {expected!r}, not {customer_id!r}")
    customer_id = customer_id or expected
    if customer_id is None:
        raise ValueError(f"{data.event_type} carries no customer_id; pass one")
    event_id = uuid4()
    return EventEnvelope(
        event_id=event_id,
        event_type=data.event_type,
        event_version=data.event_version,
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        customer_id=customer_id,
        correlation_id=correlation_id or str(event_id),
        causation_id=causation_id,
        data=data.model_dump(mode="json"),
    )
