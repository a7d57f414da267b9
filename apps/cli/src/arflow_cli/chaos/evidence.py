"""What the checks look at: every event on the topics, the ledger's and credit's figures, the mail."""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from arflow_contracts import topics
from arflow_contracts.topics import dead_letter_topic
from arflow_runtime.bus.base import Bus, Record


@dataclass
class TopicEvents:
    """A topic's events, one per event id (the wire may carry copies: at least once)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    copies: int = 0
    unreadable: int = 0
    poison: int = 0

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event_type") == event_type]


def read_events(records: list[Record]) -> TopicEvents:
    """Decode envelopes and keep the first copy of each event id."""
    seen: set[str] = set()
    result = TopicEvents()
    for record in records:
        try:
            envelope = json.loads(record.value)
            event_id = str(envelope["event_id"])
        except (ValueError, KeyError, TypeError):
            result.unreadable += 1  # only the injected poison is not an envelope
            continue
        if envelope.get("producer") == "chaos":
            result.poison += 1  # injected on purpose; judged by the dead-letter check
            continue
        if event_id in seen:
            result.copies += 1
            continue
        seen.add(event_id)
        result.events.append(envelope)
    return result


@dataclass
class Evidence:
    events: dict[str, TopicEvents]
    dead_letters: list[Record]
    wire_records: int


async def collect_events(bus: Bus, prefix: str) -> Evidence:
    """Read the four topics and their dead-letter topics from the beginning to the end."""
    events: dict[str, TopicEvents] = {}
    wire = 0
    dead: list[Record] = []
    existing = set(await bus.list_topics())
    for topic in topics.ALL:
        records = await bus.read_topic(prefix + topic) if prefix + topic in existing else []
        wire += len(records)
        events[topic] = read_events(records)
        dlq = prefix + dead_letter_topic(topic)
        if dlq in existing:
            dead += await bus.read_topic(dlq)
    return Evidence(events, dead, wire)


@dataclass
class LedgerView:
    """One customer as the ledger shows it through its API."""

    invoices: dict[str, dict[str, Any]]
    unapplied: Decimal


async def ledger_view(client: httpx.AsyncClient, customer_id: str, currency: str) -> LedgerView:
    invoices: dict[str, dict[str, Any]] = {}
    cursor = None
    for _ in range(1000):
        params: dict[str, Any] = {"customer_id": customer_id, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/invoices", params=params)).raise_for_status().json()
        for item in page["items"] if isinstance(page, dict) else page:
            invoices[item["invoice_number"]] = item
        cursor = page.get("next_cursor") if isinstance(page, dict) else None
        if not cursor:
            break
    credit = (await client.get(f"/v1/customers/{customer_id}/unapplied-credit")).raise_for_status().json()
    return LedgerView(invoices, unapplied_in(credit, currency))


def unapplied_in(view: Any, currency: str) -> Decimal:
    """The unapplied balance in one currency from the ledger's unapplied-credit view."""
    balances = view.get("balances", view.get("currencies", view)) if isinstance(view, dict) else view
    if isinstance(balances, list):
        return sum(
            (
                Decimal(str(b.get("balance", b.get("amount", "0"))))
                for b in balances
                if b.get("currency") == currency
            ),
            Decimal(0),
        )
    if isinstance(balances, dict) and currency in balances:
        entry = balances[currency]
        return Decimal(str(entry.get("balance", "0") if isinstance(entry, dict) else entry))
    return Decimal(0)


def count_by(events: list[dict[str, Any]], *path: str) -> Counter[Any]:
    """How many distinct events carry each value of data.<path>."""
    counts: Counter[Any] = Counter()
    for event in events:
        value: Any = event.get("data", {})
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        counts[value] += 1
    return counts


def group_by_customer(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        grouped[str(event.get("customer_id"))].append(event)
    return grouped
