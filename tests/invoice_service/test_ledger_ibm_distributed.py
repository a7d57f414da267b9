"""The IBM sample replayed into invoice-service running as its own process on PostgreSQL and Kafka.

Same replay as the embedded test (batches per day, every day closed in order), over real HTTP,
for a deterministic subset (`CUSTOMERS`); the ledger's events are then read back from the Kafka
topic with a consumer group of the test's own.
"""

import time
from collections import Counter
from typing import Any

import pytest
from ibm_sample import ABSENT, AGING_DATES, SAMPLE, aging_of, expected_aging, replay, rows

from arflow_contracts import EventEnvelope, topics
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing.processes import ServiceProcess
from arflow_testing.processes import distributed_platform as distributed_platform  # the fixture

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.skipif(not SAMPLE.exists(), reason=ABSENT)]

CUSTOMERS: int | None = 20
"""The first 20 customers in file order (508 invoices over 734 business days): through real
processes the whole file takes minutes on a busy machine; the embedded test replays all of it.
None replays the whole file here too."""


async def ledger_events(
    platform: PlatformSettings, group: str, expected: int, timeout: float = 120
) -> Counter[str]:
    """Read the ledger topic from the start until `expected` events arrived (or the deadline)."""
    bus = KafkaBus(platform, client_id=group)
    await bus.start()
    counts: Counter[str] = Counter()
    try:
        subscription = await bus.subscribe(group, [platform.topic(topics.LEDGER)])
        try:
            deadline = time.monotonic() + timeout
            while sum(counts.values()) < expected and time.monotonic() < deadline:
                for record in await subscription.poll(timeout=1.0, max_records=2000):
                    counts[EventEnvelope.from_bytes(record.value).event_type] += 1
        finally:
            await subscription.close()
    finally:
        await bus.stop()
    return counts


@pytest.mark.timeout(600)
async def test_the_ibm_sample_replays_on_postgresql_with_its_events_on_kafka(
    distributed_platform: dict[str, ServiceProcess],
    kafka_platform: PlatformSettings,
    unique: str,
) -> None:
    service = distributed_platform["invoice-service"]
    service.env["INVOICE_DAY_CLOSE_SCHEDULE"] = "false"  # the replay drives the business clock
    await service.start()
    sample = rows(CUSTOMERS)
    started = time.perf_counter()

    async def post(path: str, body: dict[str, Any]) -> Any:
        response = await service.client.post(path, json=body, timeout=60)
        assert response.status_code in (200, 201), response.text
        return response.json()

    closed = await replay(sample, post)
    elapsed = time.perf_counter() - started
    print(f"replayed {len(sample)} invoices into a process on PostgreSQL in {elapsed:.1f}s")

    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = (
            await service.client.get(
                "/v1/invoices", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    by_number = {item["invoice_number"]: item for item in items}
    assert len(by_number) == len(sample)
    assert [
        r.number
        for r in sample
        if (
            by_number[r.number]["days_late"],
            by_number[r.number]["days_to_settle"],
            by_number[r.number]["paid_date"],
        )
        != (r.days_late, r.days_to_settle, r.settled.isoformat())
    ] == []
    for as_of in AGING_DATES:
        report = (await service.client.get("/v1/reports/aging", params={"as_of": as_of.isoformat()})).json()
        assert aging_of(report) == expected_aging(sample, as_of), as_of

    overdue = sum(1 for row in sample if row.days_late >= 2)
    expected = {
        "InvoiceIssued": len(sample),
        "PaymentReceived": len(sample),
        "PaymentAllocated": len(sample),
        "InvoicePaid": len(sample),
        "InvoiceOverdue": overdue,
        "BusinessDayClosed": closed,
    }
    counts = await ledger_events(kafka_platform, f"{unique}-reader", sum(expected.values()))
    assert dict(counts) == expected
    pending = await service.sql("SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
    assert pending[0]["n"] == 0
