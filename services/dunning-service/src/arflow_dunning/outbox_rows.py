"""Outbox rows for a batch's events, written with one statement, without a pydantic round per envelope.

A day close stages hundreds of thousands of events; `Outbox.append_many` builds each envelope
as a pydantic model, dumps the payload to a dict, validates it into the envelope and dumps the
envelope again. The payload is still a validated contract model here, but it is serialised
once and the envelope around it is assembled as text, byte for byte what `wrap` and
`EventEnvelope.to_bytes` produce (tests/dunning_service/test_dunning_outbox_rows.py compares
them with the shared library's rows). On PostgreSQL the rows go in with one COPY, in order,
after the customers' advisory locks (one statement, in key order, as `append_many` takes them).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from os import urandom
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts import EventData
from arflow_runtime import context
from arflow_runtime.bulk_rows import copy_records, is_postgresql
from arflow_runtime.db import UnitOfWork
from arflow_runtime.outbox import lock_customers
from arflow_runtime.tables import outbox as OUTBOX

_NO_OFFSET = timedelta(0)
_string = encode_basestring
"""A JSON string as pydantic writes it (UTF-8 kept, quotes, backslashes and controls escaped)."""
_ascii = encode_basestring_ascii
"""A JSON string as `json.dumps` writes it by default (non-ASCII escaped)."""

_COLUMNS = ("event_id", "topic", "message_key", "payload", "headers", "created_at")


def instant(moment: datetime) -> str:
    """A UTC datetime as the envelope's `occurred_at` (pydantic's form: Z, micros if any)."""
    if moment.tzinfo is not UTC and moment.utcoffset() != _NO_OFFSET:
        raise ValueError(f"occurred_at must be UTC, not {moment.isoformat()}")
    return moment.isoformat()[:-6] + "Z"  # "+00:00" becomes "Z"


def random_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as `str(uuid4())` writes them, from one read of urandom."""
    raw = bytearray(urandom(16 * count))
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])  # RFC 4122 variant
    hexa = raw.hex()
    return [
        f"{hexa[i : i + 8]}-{hexa[i + 8 : i + 12]}-{hexa[i + 12 : i + 16]}"
        f"-{hexa[i + 16 : i + 20]}-{hexa[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def _correlation_ids(count: int) -> list[str]:
    """The correlation id of each event, as `context.correlation_id()` gives it per event."""
    first, second = context.correlation_id(), context.correlation_id()
    if first == second:  # bound to the request or event being handled: all share it
        return [first] * count
    return random_ids(count)  # none bound: a fresh one per event, as the shared outbox does


def envelope_bytes(
    data: EventData,
    *,
    event_id: str,
    occurred_at: datetime,
    producer: str,
    customer_id: str,
    correlation_id: str,
    causation_id: str | None,
) -> bytes:
    """The envelope `EventEnvelope.to_bytes` writes for `wrap(data, ...)` with these ids."""
    return (
        f'{{"event_id":"{event_id}","event_type":{_string(data.event_type)},'
        f'"event_version":{int(data.event_version)},"occurred_at":"{instant(occurred_at)}",'
        f'"producer":{_string(producer)},"customer_id":{_string(customer_id)},'
        f'"correlation_id":{_string(correlation_id)},'
        f'"causation_id":{"null" if causation_id is None else _string(causation_id)},'
        f'"data":{data.model_dump_json()}}}'
    ).encode()


def headers_text(event_type: str, event_version: int, event_id: str, correlation_id: str) -> str:
    """The outbox's `headers` column for `EventEnvelope.headers()` (the JSON `append_many` stores)."""
    # json.dumps of [["ce_type", event_type], ["ce_specversion", "1.0"], ...], written out.
    return (
        f'[["ce_type", {_ascii(event_type)}], ["ce_specversion", "1.0"],'
        f' ["event_version", {_ascii(str(event_version))}], ["ce_id", {_ascii(event_id)}],'
        f' ["correlation_id", {_ascii(correlation_id)}]]'
    )


def outbox_rows(
    items: Sequence[tuple[EventData, str]], *, producer: str, topic_prefix: str, now: datetime
) -> list[dict[str, Any]]:
    """The outbox rows of these (event, customer id) pairs, in order, as `append_many` makes them."""
    causation = context.causation_id()
    rows = []
    ids = zip(random_ids(len(items)), _correlation_ids(len(items)), strict=True)
    for (data, customer_id), (event_id, correlation) in zip(items, ids, strict=True):
        expected = data.partition_key()
        if expected is not None and customer_id != expected:
            raise ValueError(f"{data.event_type} belongs under {expected!r}, not {customer_id!r}")
        rows.append(
            {
                "event_id": event_id,
                "topic": topic_prefix + data.topic,
                "message_key": customer_id,
                "payload": envelope_bytes(
                    data,
                    event_id=event_id,
                    occurred_at=datetime.now(UTC),
                    producer=producer,
                    customer_id=customer_id,
                    correlation_id=correlation,
                    causation_id=causation,
                ),
                "headers": headers_text(data.event_type, data.event_version, event_id, correlation),
                "created_at": now,
            }
        )
    return rows


async def stage_events(uow: UnitOfWork, items: Sequence[tuple[EventData, str]]) -> None:
    """Stage the events in the unit of work's outbox, in order (the relay is woken at commit)."""
    if not items:
        return
    outbox = uow.outbox
    now = datetime.now(UTC)
    rows = outbox_rows(items, producer=outbox.producer, topic_prefix=outbox.topic_prefix, now=now)
    await _insert(uow.session, rows, {customer_id for _, customer_id in items})
    uow.wrote_events(len(rows))  # commit() wakes the relay


async def _insert(session: AsyncSession, rows: list[dict[str, Any]], customers: set[str]) -> None:
    if not is_postgresql(session):
        await session.execute(OUTBOX.insert(), rows)
        return
    await lock_customers(session, customers)
    await copy_records(
        session, OUTBOX.name, _COLUMNS, [tuple(row[name] for name in _COLUMNS) for row in rows]
    )
