"""The business clock: one InvoiceOverdue per invoice when it first becomes overdue, one BusinessDayClosed
per date, idempotent per date, never backwards; and the daily schedule at a local time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from ledger_support import Ledger, assert_problem, ledger_settings

from arflow_contracts.envelope import PLATFORM_CUSTOMER_ID
from arflow_invoice.scheduler import business_yesterday, close_missing_days, next_run, run_schedule
from arflow_testing.inprocess import runtime_of

INVOICE = {
    "invoice_number": "A",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "100.00",
    "issue_date": "2024-01-01",
    "due_date": "2024-01-31",
}


async def test_an_invoice_is_reported_overdue_once_on_the_first_day_after_its_due_date(
    ledger: Ledger,
) -> None:
    await ledger.post("/v1/invoices", INVOICE, 201)
    await ledger.post("/v1/invoices", {**INVOICE, "invoice_number": "PAID-ON-TIME"}, 201)
    await ledger.post(
        "/v1/payments",
        {
            "payment_reference": "P-1",
            "customer_id": "C-1",
            "currency": "EUR",
            "amount": "100.00",
            "received_date": "2024-01-31",
            "allocations": [{"invoice_number": "PAID-ON-TIME", "amount": "100.00"}],
        },
        201,
    )
    first = await ledger.post("/v1/day-close", {"as_of": "2024-01-31"}, 201)
    assert [c["invoices_marked_overdue"] for c in first["closed"]] == [0]
    week = await ledger.post("/v1/day-close", {"as_of": "2024-02-05"}, 201)
    assert [(c["business_date"], c["invoices_marked_overdue"]) for c in week["closed"]] == [
        ("2024-02-01", 1),
        ("2024-02-02", 0),
        ("2024-02-03", 0),
        ("2024-02-04", 0),
        ("2024-02-05", 0),
    ]
    [overdue] = await ledger.events("InvoiceOverdue")
    assert overdue.customer_id == "C-1"
    assert {
        k: overdue.data[k] for k in ("invoice_number", "due_date", "as_of", "outstanding", "days_overdue")
    } == {
        "invoice_number": "A",
        "due_date": "2024-01-31",
        "as_of": "2024-02-01",
        "outstanding": "100.00",
        "days_overdue": 1,
    }
    closes = await ledger.events("BusinessDayClosed")
    assert [e.data["business_date"] for e in closes] == [
        "2024-01-31",
        "2024-02-01",
        "2024-02-02",
        "2024-02-03",
        "2024-02-04",
        "2024-02-05",
    ]
    assert {e.customer_id for e in closes} == {PLATFORM_CUSTOMER_ID}
    assert all(e.data["replay"] for e in closes)
    assert (await ledger.get("/v1/invoices/A"))["overdue_notified_on"] == "2024-02-01"


async def test_closing_a_closed_day_again_changes_nothing_and_going_back_is_refused(ledger: Ledger) -> None:
    await ledger.post("/v1/invoices", INVOICE, 201)
    await ledger.post("/v1/day-close", {"as_of": "2024-02-03"}, 201)
    await ledger.post("/v1/day-close", {"as_of": "2024-02-05"}, 201)
    again = await ledger.client.post("/v1/day-close", json={"as_of": "2024-02-04"})
    assert again.status_code == 200 and [c["business_date"] for c in again.json()["closed"]] == ["2024-02-04"]
    assert_problem(
        await ledger.client.post("/v1/day-close", json={"as_of": "2024-02-02"}),
        409,
        "cannot close 2024-02-02",
        "closed through 2024-02-05",
    )
    assert len(await ledger.events("BusinessDayClosed")) == 3
    assert len(await ledger.events("InvoiceOverdue")) == 1
    assert await ledger.get("/v1/day-close") == {"first_closed": "2024-02-03", "last_closed": "2024-02-05"}
    assert (await ledger.get("/v1/day-close/2024-02-04"))["invoices_marked_overdue"] == 0
    assert_problem(await ledger.client.get("/v1/day-close/2024-02-06"), 404, "not closed")
    assert_problem(
        await ledger.client.post("/v1/day-close", json={"as_of": "2999-12-31"}), 422, "at most 3660"
    )


async def test_an_instalment_makes_the_invoice_overdue_from_its_own_due_date(ledger: Ledger) -> None:
    await ledger.post(
        "/v1/invoices",
        {
            **INVOICE,
            "due_date": None,
            "instalments": [
                {"due_date": "2024-01-15", "amount": "50.00"},
                {"due_date": "2024-02-15", "amount": "50.00"},
            ],
        },
        201,
    )
    await ledger.post("/v1/day-close", {"as_of": "2024-01-16"}, 201)
    [overdue] = await ledger.events("InvoiceOverdue")
    assert (overdue.data["due_date"], overdue.data["days_overdue"], overdue.data["outstanding"]) == (
        "2024-01-15",
        1,
        "100.00",
    )


class Enough(Exception):
    """Ends the test's run of the schedule."""


def test_the_schedule_runs_at_the_local_time_and_closes_yesterday() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2024, 3, 30, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    assert next_run(before, time(0, 30), berlin) == datetime(2024, 3, 30, 23, 30, tzinfo=UTC)
    after_dst = datetime(2024, 3, 31, 0, 0, tzinfo=UTC)  # 01:00 CET, the night clocks go forward
    assert next_run(after_dst, time(0, 30), berlin) == datetime(2024, 3, 31, 22, 30, tzinfo=UTC)
    assert business_yesterday(datetime(2024, 3, 30, 23, 30, tzinfo=UTC), berlin) == date(2024, 3, 30)
    assert business_yesterday(datetime(2024, 3, 30, 22, 59, tzinfo=UTC), berlin) == date(2024, 3, 29)


async def test_the_schedule_closes_every_missed_day_then_waits_for_the_next_run(ledger: Ledger) -> None:
    await ledger.post("/v1/invoices", INVOICE, 201)
    database = runtime_of(ledger.app).database
    assert await close_missing_days(database, date(2024, 1, 30)) == [date(2024, 1, 30)]
    assert await close_missing_days(database, date(2024, 2, 2)) == [
        date(2024, 1, 31),
        date(2024, 2, 1),
        date(2024, 2, 2),
    ]
    assert await close_missing_days(database, date(2024, 2, 1)) == []
    clock = iter(
        [
            datetime(2024, 2, 5, 1, 0, tzinfo=UTC),
            datetime(2024, 2, 5, 1, 0, tzinfo=UTC),
            datetime(2024, 2, 6, 0, 30, tzinfo=UTC),
            datetime(2024, 2, 6, 0, 30, tzinfo=UTC),
        ]
    )
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise Enough  # stop the endless schedule after one scheduled run

    with pytest.raises(Enough):
        await run_schedule(database, ledger_settings(day_close_time=time(0, 30)), lambda: next(clock), wait)
    assert waits == [23.5 * 3600, 24 * 3600]
    closes = await ledger.events("BusinessDayClosed")
    assert [e.data["business_date"] for e in closes][-4:] == [
        "2024-02-02",
        "2024-02-03",
        "2024-02-04",
        "2024-02-05",
    ]
    assert not closes[-1].data["replay"]
    assert len(await ledger.events("InvoiceOverdue")) == 1
