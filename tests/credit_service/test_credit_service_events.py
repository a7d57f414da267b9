"""What credit-service tells the others: limit breaches once per crossing, rating changes, holds."""

from datetime import date, timedelta
from decimal import Decimal

from credit_harness import CreditService, day_closed, invoice

from arflow_contracts import EventEnvelope
from arflow_contracts.dunning import CreditHoldRequestedV1
from arflow_contracts.ledger import InvoicePaidV1, PaymentAllocatedV1
from arflow_testing import eventually

TODAY = date(2024, 5, 2)
DUE = date(2024, 6, 1)


def pay(number: str, amount: str, customer: str = "C-1", on: date = TODAY) -> PaymentAllocatedV1:
    value = Decimal(amount)
    return PaymentAllocatedV1(
        payment_reference=f"P-{number}-{amount}",
        customer_id=customer,
        invoice_number=number,
        amount=value,
        currency="EUR",
        charges=Decimal(0),
        interest=Decimal(0),
        principal=value,
        allocated_on=on,
    )


def paid(number: str, amount: str, issued: date, due: date, on: date, customer: str = "C-1") -> InvoicePaidV1:
    return InvoicePaidV1(
        invoice_number=number,
        customer_id=customer,
        amount=Decimal(amount),
        currency="EUR",
        issue_date=issued,
        due_date=due,
        paid_date=on,
        days_late=max(0, (on - due).days),
        days_to_settle=(on - issued).days,
    )


async def with_customer_limit(credit: CreditService, limit: str, customer: str = "C-1") -> None:
    requested = await credit.maker.post(
        f"/v1/customers/{customer}/limit-changes",
        json={"new_limit": limit, "currency": "EUR", "reason": "tests"},
    )
    approved = await credit.checker.post(
        f"/v1/customers/{customer}/limit-changes/{requested.json()['request_id']}/approve"
    )
    assert approved.status_code == 200, approved.text


async def test_a_limit_breach_is_announced_once_per_crossing_not_once_per_event(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    await with_customer_limit(credit, "1000.00")

    await credit.feed(invoice("INV-1", "C-1", "600.00", TODAY, DUE))
    await credit.feed(invoice("INV-2", "C-1", "600.00", TODAY, DUE))  # 1200 > 1000: crossing 1
    await credit.feed(invoice("INV-3", "C-1", "100.00", TODAY, DUE))  # still over: no news
    await credit.feed(pay("INV-1", "500.00"))  # 800: back within
    await credit.feed(invoice("INV-4", "C-1", "300.00", TODAY, DUE))  # 1100 > 1000: crossing 2

    breaches = await credit.published("CreditLimitBreached", "C-1")
    assert [(b.data["exposure"], b.data["limit"], b.data["cause"]) for b in breaches] == [
        ("1200.00", "1000.00", "InvoiceIssued"),
        ("1100.00", "1000.00", "InvoiceIssued"),
    ]


async def test_lowering_a_limit_below_the_exposure_is_a_crossing_too(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.feed(invoice("INV-1", "C-1", "3000.00", TODAY, DUE))
    await with_customer_limit(credit, "2000.00")

    [breach] = await credit.published("CreditLimitBreached", "C-1")
    assert (breach.data["exposure"], breach.data["limit"], breach.data["cause"]) == (
        "3000.00",
        "2000.00",
        "limit_change",
    )


async def test_a_rating_change_is_announced_when_the_class_changes_and_only_then(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.feed(invoice("INV-1", "C-1", "900.00", date(2024, 4, 1), date(2024, 5, 1)))
    await credit.feed(invoice("INV-2", "C-1", "100.00", TODAY, DUE))
    first = await credit.published("CreditRatingChanged", "C-1")

    for day in range(1, 4):  # nothing that moves the class
        await credit.feed(day_closed(TODAY + timedelta(days=day)))
    assert await credit.published("CreditRatingChanged", "C-1") == first

    await credit.feed(day_closed(date(2024, 7, 15)))  # INV-1 75 days late, INV-2 44: the class drops
    changes = [
        (e.data["old_class"], e.data["new_class"])
        for e in await credit.published("CreditRatingChanged", "C-1")
    ]
    assert changes[0][0] is None  # the first rating
    assert len(changes) >= 2 and changes[-1][1] == "D" and changes[-1][0] != "D"
    assert all(old != new for old, new in changes)
    credit_view = (await credit.reader.get("/v1/customers/C-1/credit")).json()
    assert (credit_view["risk_class"], credit_view["score"]) == (
        "D",
        (await last(credit, "C-1")).data["score"],
    )
    audit = (await credit.reader.get("/v1/audit", params={"customer_id": "C-1"})).json()
    assert [e["after"]["risk_class"] for e in audit if e["subject"] == "risk_class"] == [
        new for _, new in changes
    ]


async def last(credit: CreditService, customer: str) -> EventEnvelope:
    return (await credit.published("CreditRatingChanged", customer))[-1]


async def test_overdue_beyond_the_threshold_places_an_automatic_hold_which_payment_releases(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.feed(invoice("INV-1", "C-1", "20000.00", date(2024, 3, 1), date(2024, 3, 31)))
    policy = {
        "limit": "50000.00",
        "currency": "EUR",
        "terms_days": 30,
        "hold_overdue_amount": "1000.00",
        "hold_overdue_days": 15,
    }
    for risk_class in "ABCD":  # whatever class the customer falls into, the same threshold applies
        assert (await credit.maker.put(f"/v1/credit-policies/{risk_class}", json=policy)).status_code == 200

    await credit.feed(day_closed(TODAY + timedelta(days=1)))
    [placed] = await credit.published("CreditHoldPlaced", "C-1")
    assert (placed.data["source"], placed.data["reason"]) == ("automatic", "overdue_threshold_reached")
    view = (await credit.reader.get("/v1/customers/C-1/credit")).json()
    assert view["on_hold"] and view["holds"][0]["reason"] == "overdue_threshold_reached"

    await credit.feed(pay("INV-1", "20000.00", on=date(2024, 5, 3)))
    await credit.feed(paid("INV-1", "20000.00", date(2024, 3, 1), date(2024, 3, 31), date(2024, 5, 3)))

    [released] = await credit.published("CreditHoldReleased", "C-1")
    assert (released.data["hold_id"], released.data["reason"]) == (
        placed.data["hold_id"],
        "overdue_threshold_cleared",
    )
    assert (await credit.reader.get("/v1/customers/C-1/credit")).json()["on_hold"] is False


async def test_dunning_asks_for_a_hold_once_and_it_ends_when_the_named_invoices_are_settled(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.feed(invoice("INV-1", "C-1", "50.00", date(2024, 3, 1), date(2024, 3, 31)))
    request = CreditHoldRequestedV1(
        request_id="REQ-9",
        customer_id="C-1",
        reason="stage 3: stop supply",
        as_of=TODAY,
        invoice_numbers=("INV-1",),
    )
    envelope = await credit.feed(request)
    await credit.core.deliver(envelope)  # a redelivery
    await credit.feed(request)  # the same request sent twice

    [placed] = [e for e in await credit.published("CreditHoldPlaced", "C-1") if e.data["source"] == "dunning"]
    assert (placed.data["source"], placed.data["request_id"], placed.data["reason"]) == (
        "dunning",
        "REQ-9",
        "stage 3: stop supply",
    )
    rejected = (
        await credit.erp.post(
            "/v1/credit-checks",
            json={"order_id": "ORD-1", "customer_id": "C-1", "amount": "1.00", "currency": "EUR"},
        )
    ).json()
    assert "on_hold" in rejected["reasons"]

    await credit.feed(pay("INV-1", "50.00"))
    released = [
        e
        for e in await credit.published("CreditHoldReleased", "C-1")
        if e.data["hold_id"] == placed.data["hold_id"]
    ]
    assert [e.data["reason"] for e in released] == ["requested_invoices_settled"]


async def test_manual_holds_are_placed_and_released_with_reasons_and_reach_the_bus(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    placed = await credit.maker.post(
        "/v1/customers/C-1/holds", json={"reason": "legal review"}, headers={"Idempotency-Key": "hold-1"}
    )
    again = await credit.maker.post(
        "/v1/customers/C-1/holds", json={"reason": "legal review"}, headers={"Idempotency-Key": "hold-1"}
    )
    hold_id = placed.json()["hold_id"]
    released = await credit.checker.post(
        f"/v1/customers/C-1/holds/{hold_id}/release", json={"reason": "cleared"}
    )
    released_again = await credit.checker.post(
        f"/v1/customers/C-1/holds/{hold_id}/release", json={"reason": "once more"}
    )

    assert (placed.status_code, again.status_code, again.json()["hold_id"]) == (201, 200, hold_id)
    assert (released.status_code, released_again.status_code) == (200, 409)
    assert released.json()["released_by"] == "checker"
    history = (await credit.reader.get("/v1/customers/C-1/holds", params={"include_released": True})).json()
    assert [(h["hold_id"], h["active"], h["release_reason"]) for h in history] == [
        (hold_id, False, "cleared")
    ]

    topic = credit.runtime.topic("credit.events")

    async def on_the_bus() -> list[str]:
        subscription = await credit.runtime.bus.subscribe("test-reader", [topic])
        records = await subscription.poll(timeout=0.2, max_records=1000)
        await subscription.close()
        return [EventEnvelope.from_bytes(r.value).event_type for r in records]

    types = await eventually(
        on_the_bus,
        lambda seen: "CreditHoldReleased" in seen,
        timeout=10,
        what="the relay to publish the hold events",
    )
    assert types.count("CreditHoldPlaced") == 1 and types.count("CreditHoldReleased") == 1
