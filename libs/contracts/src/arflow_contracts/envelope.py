"""The one envelope every event travels in, and the base class of event payloads."""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventData(BaseModel):
    """Base of every event payload: frozen, versioned, bound to the topic of its producer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    topic: ClassVar[str]


class EventEnvelope(BaseModel):
    """Envelope of PRODUCT.md; `customer_id` is the partition key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(default_factory=uuid4)
    event_type: str
    event_version: int = Field(ge=1)
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    customer_id: str = Field(min_length=1)
    correlation_id: str = Field(min_length=1)
    causation_id: str | None = None
    data: dict[str, Any]

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
    customer_id: str,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope:
    """Put an event payload into an envelope."""
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
