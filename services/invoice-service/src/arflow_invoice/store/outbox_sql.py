"""Outbox rows written set-based on PostgreSQL: the same envelope bytes `Outbox.append` would write.

`Outbox.append` wraps one event in Python (pydantic) and takes one advisory lock per customer.
For the day close and bulk imports, which emit an event per invoice for many customers at once,
the envelope is assembled in SQL instead, byte for byte as pydantic serialises it: compact
JSON, keys in model order, strings escaped by `to_json` (the same escapes as pydantic for every
character), money as fixed-point text at the currency's precision. Per-customer order comes from
the write gate (`store.locks`): no other transaction writes events meanwhile.
`tests/invoice_service/test_ledger_set_based_events.py` compares the bytes with pydantic's.
"""

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter

from arflow_contracts import EventData
from arflow_invoice.domain.currency import MINOR_UNITS
from arflow_runtime import context
from arflow_runtime.outbox import Outbox

_INSTANT = TypeAdapter(datetime)
_TEXT = TypeAdapter(str | None)

_MILLISECONDS = "lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')"
EVENT_ID = (
    f"overlay(overlay(overlay(gen_random_uuid()::text PLACING substr({_MILLISECONDS}, 1, 8) FROM 1 FOR 8) "
    f"PLACING substr({_MILLISECONDS}, 9, 4) FROM 10 FOR 4) PLACING '7' FROM 15 FOR 1)"
)
"""SQL of a new event id per row: a UUIDv7 (milliseconds since 1970, version 7, the random rest
of a v4), so a million new ids land at the end of the outbox's unique index instead of on
random pages of it."""
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def event_ids(count: int) -> list[str]:
    """`count` new event ids laid out as `EVENT_ID` lays them out (UUIDv7: now, 74 random bits)."""
    stamp = f"{time.time_ns() // 1_000_000:012x}"
    start = f"{stamp[:8]}-{stamp[8:]}-7"
    random = os.urandom(10 * count).hex()
    return [
        f"{start}{r[:3]}-{_VARIANT[r[3]]}{r[4:7]}-{r[7:19]}"
        for r in (random[at : at + 20] for at in range(0, 20 * count, 20))
    ]


CURRENCY_UNITS = "SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:units AS int[])) AS units(code, units)"
"""Currency code → minor units, as a relation to join (rounding money to its currency in SQL)."""


def json_text(column: str) -> str:
    """SQL for a text column as a JSON string (or null), escaped as pydantic escapes it."""
    return f"coalesce(to_json({column})::text, 'null')"


def iso_date(column: str) -> str:
    """SQL for a date column as a quoted ISO date."""
    return f"'\"' || to_char({column}, 'YYYY-MM-DD') || '\"'"


def money_text(column: str, units: str = "units.units") -> str:
    """SQL for an amount rounded to its currency (half up, positive amounts) as a quoted decimal."""
    return f"'\"' || round({column}, {units})::text || '\"'"


def data_object(fields: list[tuple[str, str]]) -> str:
    """SQL building a compact JSON object from (key, SQL of the JSON value) pairs, in order."""
    parts = [f"'{'{' if n == 0 else ','}\"{key}\":' || {value}" for n, (key, value) in enumerate(fields)]
    return " || ".join(parts) + " || '}'"


@dataclass(frozen=True)
class EnvelopeText:
    """The parts of one event type's outbox `payload` and `headers` that every event of a batch shares.

    payload = '{"event_id":"<id>",' + head + <customer_id as JSON> + tail + <data object> + '}'
    headers = headers_head + ', ["ce_id", "<id>"], ' + headers_tail
    """

    head: str
    tail: str
    headers_head: str
    headers_tail: str


def envelope_text(outbox: Outbox, kind: type[EventData]) -> EnvelopeText:
    """The shared envelope text of events of `kind` written now, in this request's context."""
    correlation = context.correlation_id()
    head = (
        f'"event_type":"{kind.event_type}","event_version":{kind.event_version},'
        f'"occurred_at":{_INSTANT.dump_json(datetime.now(UTC)).decode()},'
        f'"producer":{_TEXT.dump_json(outbox.producer).decode()},"customer_id":'
    )
    tail = (
        f',"correlation_id":{_TEXT.dump_json(correlation).decode()},'
        f'"causation_id":{_TEXT.dump_json(context.causation_id()).decode()},"data":'
    )
    before_id = json.dumps(
        [["ce_type", kind.event_type], ["ce_specversion", "1.0"], ["event_version", str(kind.event_version)]]
    )[:-1]
    return EnvelopeText(head, tail, before_id, json.dumps([["correlation_id", correlation]])[1:])


@dataclass(frozen=True)
class EnvelopeSql:
    """The SQL expressions of one event type's outbox columns, and the parameters they take."""

    payload: str
    headers: str
    params: dict[str, Any]


def envelope_sql(
    outbox: Outbox, kind: type[EventData], event_id: str, customer_id: str, data: str
) -> EnvelopeSql:
    """Outbox `payload` and `headers` SQL for events of `kind`; `event_id` is a text column of UUIDs."""
    shared = envelope_text(outbox, kind)
    payload = (
        f"convert_to('{{\"event_id\":\"' || {event_id} || '\",' || :envelope_head || "
        f"{json_text(customer_id)} || :envelope_tail || {data} || '}}', 'UTF8')"
    )
    headers = f":headers_head || ', [\"ce_id\", \"' || {event_id} || '\"], ' || :headers_tail"
    return EnvelopeSql(
        payload=payload,
        headers=headers,
        params={
            "envelope_head": shared.head,
            "envelope_tail": shared.tail,
            "headers_head": shared.headers_head,
            "headers_tail": shared.headers_tail,
            "topic": outbox.topic_prefix + kind.topic,
            "codes": list(MINOR_UNITS),
            "units": list(MINOR_UNITS.values()),
        },
    )
