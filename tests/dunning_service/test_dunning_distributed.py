"""dunning-service as a real process on real Kafka and PostgreSQL.

Two versions of the same story: an invoice goes overdue, escalates stage by stage to the credit
hold at final notice, then is paid and its case closes.
- the ledger side played by the test, publishing the ledger's events on Kafka itself; what dunning
  publishes is read back from its Kafka topic, and redeliveries and replays act on nothing;
- the whole chain: invoice-service (REST: invoice, day closes, payment) → dunning-service →
  credit-service (the hold), through events alone.
"""

from collections import Counter
from datetime import date, timedelta

import httpx
import pytest
from dunning_support import allocated, closed, issued, overdue, paid

from arflow_contracts import EventEnvelope, topics
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually
from arflow_testing.inprocess import publish
from arflow_testing.processes import ServiceProcess

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

DUE = date(2024, 5, 1)
CLASS_B_TO_FINAL_NOTICE = 5  # friendly reminder, reminder 1, reminder 2, formal demand, final notice


async def outbox_types(dunning: ServiceProcess) -> Counter[str]:
    rows = await dunning.sql("SELECT payload FROM outbox")
    return Counter(EventEnvelope.from_bytes(bytes(row["payload"])).event_type for row in rows)


async def drained(dunning: ServiceProcess) -> bool:
    rows = await dunning.sql("SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
    return int(rows[0]["n"]) == 0


async def dunning_topic(bus: KafkaBus, platform: PlatformSettings) -> list[EventEnvelope]:
    return [EventEnvelope.from_bytes(r.value) for r in await bus.read_topic(platform.topic(topics.DUNNING))]


async def case_of(service: ServiceProcess, customer: str) -> httpx.Response:
    return await service.client.get("/v1/cases", params={"customer_id": customer})


def closed_case(response: httpx.Response) -> bool:
    return response.status_code == 200 and [c["status"] for c in response.json()] == ["closed"]


async def test_dunning_escalates_on_published_ledger_events_and_never_acts_twice(
    distributed_platform: dict[str, ServiceProcess], kafka_platform: PlatformSettings
) -> None:
    dunning = distributed_platform["dunning-service"]
    await dunning.start()
    bus = KafkaBus(kafka_platform, client_id="ledger-played-by-the-test")
    await bus.start()
    try:
        invoice = issued("K-1", "CUST-K", DUE, "1200.00")
        await publish(bus, kafka_platform, invoice, producer="invoice-service")
        closes = []
        for offset in range(-4, 32):
            day = DUE + timedelta(days=offset)
            if offset == 1:
                await publish(bus, kafka_platform, overdue(invoice, day), producer="invoice-service")
            closes.append(await publish(bus, kafka_platform, closed(day), producer="invoice-service"))

        await eventually(
            lambda: dunning.client.get("/v1/watched-invoices", params={"customer_id": "CUST-K"}),
            lambda r: r.status_code == 200 and r.json()[0]["stage"] == "final_notice",
            timeout=120,
            what="the invoice to reach the final notice",
        )
        await eventually(lambda: drained(dunning), bool, what="dunning's outbox to drain")
        published = await dunning_topic(bus, kafka_platform)
        notices = [e for e in published if e.event_type == "NotificationRequested"]
        assert sorted(n.data["stage"] for n in notices) == list(range(1, CLASS_B_TO_FINAL_NOTICE + 1))
        assert all([line["invoice_number"] for line in n.data["invoices"]] == ["K-1"] for n in notices)
        (hold,) = [e for e in published if e.event_type == "CreditHoldRequested"]
        assert (hold.customer_id, hold.data["stage"], hold.data["as_of"]) == ("CUST-K", 5, "2024-05-31")
        before = await outbox_types(dunning)

        for envelope in closes:  # the broker delivers every close again, then the ledger replays them
            await bus.publish(
                kafka_platform.topic(topics.LEDGER),
                envelope.customer_id.encode(),
                envelope.to_bytes(),
                envelope.headers(),
            )
        for offset in range(-4, 32):
            await publish(
                bus,
                kafka_platform,
                closed(DUE + timedelta(days=offset), replay=True),
                producer="invoice-service",
            )
        group = kafka_platform.topic_prefix + "dunning-service"
        await eventually(
            lambda: bus.lag(group, [kafka_platform.topic(topics.LEDGER)]),
            lambda lag: lag == 0,
            timeout=120,
            what="dunning to consume the redeliveries and replays",
        )
        assert await outbox_types(dunning) == before

        await publish(
            bus, kafka_platform, allocated(invoice, DUE + timedelta(days=33)), producer="invoice-service"
        )
        await publish(
            bus, kafka_platform, paid(invoice, DUE + timedelta(days=33)), producer="invoice-service"
        )
        case = await eventually(lambda: case_of(dunning, "CUST-K"), closed_case, what="the case to close")
        assert case.json()[0]["close_reason"] == "paid"
        await eventually(lambda: drained(dunning), bool, what="dunning's outbox to drain")
        assert Counter(e.event_type for e in await dunning_topic(bus, kafka_platform)) == before
    finally:
        await bus.stop()


async def test_an_overdue_invoice_escalates_through_the_services_to_a_credit_hold_and_payment_closes_its_case(
    distributed_platform: dict[str, ServiceProcess], kafka_platform: PlatformSettings
) -> None:
    invoices = distributed_platform["invoice-service"]
    credit = distributed_platform["credit-service"]
    dunning = distributed_platform["dunning-service"]
    for service in (invoices, credit, dunning):
        await service.start()
    created = await invoices.client.post(
        "/v1/invoices",
        json={
            "invoice_number": "E2E-1",
            "customer_id": "CUST-E",
            "currency": "EUR",
            "amount": "1200.00",
            "issue_date": str(DUE - timedelta(days=30)),
            "due_date": str(DUE),
        },
    )
    assert created.status_code == 201, created.text
    for as_of in (DUE - timedelta(days=4), DUE + timedelta(days=31)):  # the first close, then every day
        closing = await invoices.client.post("/v1/day-close", json={"as_of": str(as_of)})
        assert closing.status_code == 201, closing.text

    holds = await eventually(
        lambda: credit.client.get("/v1/customers/CUST-E/holds"),
        lambda r: r.status_code == 200 and any(h["source"] == "dunning" for h in r.json()),
        timeout=120,
        what="credit to place the hold",
    )
    # credit-service may hold the customer on its own rules too; dunning's request makes exactly one.
    (dunning_hold,) = [h for h in holds.json() if h["source"] == "dunning"]
    assert dunning_hold["active"]
    bus = KafkaBus(kafka_platform, client_id="reader")
    await bus.start()
    try:
        await eventually(lambda: drained(dunning), bool, what="dunning's outbox to drain")
        published = await dunning_topic(bus, kafka_platform)
        notices = [e for e in published if e.event_type == "NotificationRequested"]
        assert sorted(n.data["stage"] for n in notices) == list(range(1, CLASS_B_TO_FINAL_NOTICE + 1))
        assert [e.data["stage"] for e in published if e.event_type == "CreditHoldRequested"] == [5]
        assert dunning_hold["request_id"] == next(
            e.data["request_id"] for e in published if e.event_type == "CreditHoldRequested"
        )

        owed = (await invoices.client.get("/v1/invoices/E2E-1")).json()["outstanding"]  # fees included
        payment = await invoices.client.post(
            "/v1/payments",
            json={
                "payment_reference": "PAY-E2E-1",
                "customer_id": "CUST-E",
                "currency": "EUR",
                "amount": owed,
                "received_date": str(DUE + timedelta(days=32)),
            },
        )
        assert payment.status_code == 201, payment.text
        case = await eventually(
            lambda: case_of(dunning, "CUST-E"), closed_case, timeout=120, what="the case to close"
        )
        assert case.json()[0]["close_reason"] == "paid"
        await eventually(lambda: drained(dunning), bool, what="dunning's outbox to drain")
        after = [
            e for e in await dunning_topic(bus, kafka_platform) if e.event_type == "NotificationRequested"
        ]
        assert len(after) == CLASS_B_TO_FINAL_NOTICE
    finally:
        await bus.stop()
