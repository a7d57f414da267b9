"""Every bad input is a 4xx problem+json that says what is wrong — never a 500, never silently accepted."""

from typing import Any

import pytest
from ledger_support import Ledger, assert_problem

INVOICE = {
    "invoice_number": "INV-1",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "100.00",
    "issue_date": "2024-01-10",
    "due_date": "2024-02-09",
}
PAYMENT = {
    "payment_reference": "PAY-1",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "50.00",
    "received_date": "2024-02-01",
}


def invoice(**changes: Any) -> dict[str, Any]:
    return {key: value for key, value in {**INVOICE, **changes}.items() if value is not None}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (invoice(amount="1000000000000"), 422, ["amount", "less than"]),
        (
            invoice(issue_date="9999-12-31", due_date=None, payment_terms="NET30"),
            422,
            ["issue_date", "2999-12-31"],
        ),
        (invoice(lines=[{"amount": "100.00", "tax_amount": "19.001"}]), 422, ["tax_amount of line 1"]),
        (invoice(amount="-5.00"), 422, ["amount", "greater than 0"]),
        (invoice(amount="0"), 422, ["amount", "greater than 0"]),
        (invoice(amount="10.001"), 422, ["3 decimal places", "EUR allows at most 2"]),
        (invoice(currency="JPY", amount="100.5"), 422, ["JPY allows none"]),
        (invoice(currency="XYZ"), 422, ["unknown currency", "ISO 4217"]),
        (invoice(currency="eur"), 422, ["currency"]),
        (invoice(amount=10.5), 422, ["never a float"]),
        (invoice(amount="1e3"), 422, ["decimal string"]),
        (invoice(due_date="2024-01-01"), 422, ["due date 2024-01-01 is before issue date 2024-01-10"]),
        (invoice(due_date="2024-02-30"), 422, ["due_date"]),
        (invoice(due_date=None), 422, ["due_date, payment_terms or instalments"]),
        (invoice(due_date=None, payment_terms="NET 3O"), 422, ["unknown payment terms code", "NET30"]),
        (
            invoice(payment_terms="NET30", due_date="2024-02-20"),
            422,
            ["does not match payment terms", "2024-02-09"],
        ),
        (
            invoice(
                due_date=None,
                instalments=[
                    {"due_date": "2024-02-01", "amount": "60.00"},
                    {"due_date": "2024-03-01", "amount": "30.00"},
                ],
            ),
            422,
            ["instalments sum to 90.00 EUR", "100.00 EUR"],
        ),
        (
            invoice(lines=[{"amount": "60.00"}, {"amount": "30.00"}]),
            422,
            ["lines sum to 90.00 EUR", "100.00 EUR"],
        ),
        (invoice(amount=None), 422, ["amount", "lines"]),
        (invoice(invoice_number="A B"), 422, ["invoice_number"]),
        (invoice(amout="100.00"), 422, ["amout", "extra"]),
        (invoice(terms={"jurisdiction": "Germany"}), 422, ["terms.jurisdiction"]),
        (invoice(terms={"dunning_fee": "5.001"}), 422, ["terms.dunning_fee", "EUR allows at most 2"]),
    ],
)
async def test_a_bad_invoice_is_refused_with_what_is_wrong(
    ledger: Ledger, body: dict[str, Any], status: int, words: list[str]
) -> None:
    assert_problem(await ledger.client.post("/v1/invoices", json=body), status, *words)
    assert (await ledger.client.get("/v1/invoices/INV-1")).status_code == 404


async def test_a_conflicting_retry_of_an_invoice_is_a_409_naming_the_fields(ledger: Ledger) -> None:
    await ledger.post("/v1/invoices", INVOICE, 201)
    response = await ledger.client.post(
        "/v1/invoices", json={**INVOICE, "amount": "99.00", "due_date": "2024-02-10"}
    )
    problem = assert_problem(response, 409, "INV-1", "amount", "due_date")
    assert problem["fields"] == problem["differing_fields"] == ["amount", "due_date"]


async def test_a_reused_idempotency_key_with_another_body_is_a_422(ledger: Ledger) -> None:
    key = {"Idempotency-Key": "k-1"}
    assert (await ledger.client.post("/v1/invoices", json=INVOICE, headers=key)).status_code == 201
    response = await ledger.client.post(
        "/v1/invoices", json={**INVOICE, "invoice_number": "INV-2"}, headers=key
    )
    assert_problem(response, 422, "Idempotency-Key", "different request")


@pytest.fixture
async def booked(ledger: Ledger) -> Ledger:
    await ledger.post("/v1/invoices", INVOICE, 201)
    await ledger.post("/v1/invoices", invoice(invoice_number="USD-1", currency="USD"), 201)
    await ledger.post("/v1/invoices", invoice(invoice_number="OTHER-1", customer_id="C-2"), 201)
    await ledger.post(
        "/v1/invoices", invoice(invoice_number="LATER-1", issue_date="2024-03-01", due_date="2024-03-31"), 201
    )
    return ledger


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"amount": "-1"}, 422, ["amount"]),
        ({"amount": "1.234"}, 422, ["EUR allows at most 2"]),
        ({"currency": "ABC"}, 422, ["unknown currency"]),
        (
            {"allocations": [{"invoice_number": "NOPE-9", "amount": "10.00"}]},
            422,
            ["NOPE-9", "does not have"],
        ),
        (
            {"allocations": [{"invoice_number": "USD-1", "amount": "10.00"}]},
            422,
            ["USD", "EUR", "not converted"],
        ),
        (
            {"currency": "USD", "allocations": [{"invoice_number": "INV-1", "amount": "10.00"}]},
            422,
            ["INV-1 is in EUR", "USD"],
        ),
        (
            {"allocations": [{"invoice_number": "OTHER-1", "amount": "10.00"}]},
            422,
            ["OTHER-1", "customer C-2"],
        ),
        (
            {"allocations": [{"invoice_number": "INV-1", "amount": "60.00"}]},
            422,
            ["allocations total 60.00 EUR", "payment of 50.00 EUR"],
        ),
        (
            {"amount": "150.00", "allocations": [{"invoice_number": "INV-1", "amount": "120.00"}]},
            422,
            ["120.00 EUR", "exceeds its outstanding 100.00 EUR"],
        ),
        (
            {
                "allocations": [
                    {"invoice_number": "INV-1", "amount": "10.00"},
                    {"invoice_number": "INV-1", "amount": "5.00"},
                ]
            },
            422,
            ["named twice"],
        ),
        (
            {"allocations": [{"invoice_number": "LATER-1", "amount": "10.00"}]},
            422,
            ["LATER-1", "issued later"],
        ),
        ({"allocations": []}, 422, ["allocations"]),
    ],
)
async def test_a_bad_payment_is_refused_with_what_is_wrong(
    booked: Ledger, changes: dict[str, Any], status: int, words: list[str]
) -> None:
    assert_problem(await booked.client.post("/v1/payments", json={**PAYMENT, **changes}), status, *words)
    assert (await booked.client.get("/v1/payments/PAY-1")).status_code == 404


async def test_a_conflicting_retry_of_a_payment_is_a_409_naming_the_fields(booked: Ledger) -> None:
    await booked.post("/v1/payments", PAYMENT, 201)
    response = await booked.client.post(
        "/v1/payments",
        json={
            **PAYMENT,
            "received_date": "2024-02-02",
            "allocations": [{"invoice_number": "INV-1", "amount": "50.00"}],
        },
    )
    problem = assert_problem(response, 409, "PAY-1", "allocations", "received_date")
    assert problem["fields"] == ["allocations", "received_date"]


async def test_documents_larger_than_what_is_owed_are_refused(booked: Ledger) -> None:
    note = {
        "credit_note_number": "CN-1",
        "customer_id": "C-1",
        "currency": "EUR",
        "amount": "100.01",
        "issue_date": "2024-01-20",
        "invoice_number": "INV-1",
    }
    assert_problem(await booked.client.post("/v1/credit-notes", json=note), 422, "exceeds", "100.00 EUR")
    assert_problem(
        await booked.client.post("/v1/credit-notes", json={**note, "amount": "5", "currency": "USD"}),
        422,
        "INV-1 is in EUR",
    )
    assert_problem(
        await booked.client.post("/v1/credit-notes", json={**note, "amount": "5", "customer_id": "C-2"}),
        422,
        "belongs to customer C-1",
    )
    dispute = {
        "dispute_id": "D-1",
        "invoice_number": "INV-1",
        "opened_date": "2024-01-20",
        "reason_code": "price",
        "amount": "100.01",
    }
    assert_problem(await booked.client.post("/v1/disputes", json=dispute), 422, "exceeds", "undisputed")
    assert_problem(
        await booked.client.post(
            "/v1/disputes", json={**dispute, "amount": "5", "opened_date": "2024-01-01"}
        ),
        422,
        "before",
    )
    write_off = {
        "write_off_id": "W-1",
        "invoice_number": "INV-1",
        "written_off_date": "2024-06-30",
        "reason": "insolvent",
        "amount": "90.00",
    }
    assert_problem(
        await booked.client.post("/v1/write-offs", json=write_off), 422, "does not match", "whole balance"
    )
    charge = {
        "charge_id": "F-1",
        "invoice_number": "INV-1",
        "kind": "fee",
        "amount": "5.00",
        "posted_date": "2024-02-20",
        "currency": "USD",
    }
    assert_problem(await booked.client.post("/v1/charges", json=charge), 422, "not converted")
    assert_problem(
        await booked.client.post("/v1/charges", json={**charge, "currency": "EUR", "kind": "penalty"}),
        422,
        "kind",
    )


async def test_a_paid_invoice_cannot_be_written_off_or_disputed(booked: Ledger) -> None:
    await booked.post(
        "/v1/payments",
        {**PAYMENT, "amount": "100.00", "allocations": [{"invoice_number": "INV-1", "amount": "100.00"}]},
        201,
    )
    write_off = {
        "write_off_id": "W-1",
        "invoice_number": "INV-1",
        "written_off_date": "2024-06-30",
        "reason": "insolvent",
    }
    assert_problem(await booked.client.post("/v1/write-offs", json=write_off), 409, "nothing outstanding")
    dispute = {
        "dispute_id": "D-1",
        "invoice_number": "INV-1",
        "opened_date": "2024-03-01",
        "reason_code": "price",
    }
    assert_problem(await booked.client.post("/v1/disputes", json=dispute), 422, "nothing undisputed")


async def test_unknown_documents_are_404_and_unknown_invoices_in_bodies_are_422(booked: Ledger) -> None:
    assert_problem(await booked.client.get("/v1/invoices/NOPE"), 404, "NOPE")
    assert_problem(await booked.client.get("/v1/payments/NOPE"), 404, "NOPE")
    assert_problem(await booked.client.get("/v1/disputes/NOPE"), 404, "NOPE")
    assert_problem(
        await booked.client.post(
            "/v1/disputes/NOPE/resolve", json={"outcome": "valid", "resolved_date": "2024-03-01"}
        ),
        404,
        "NOPE",
    )
    assert_problem(await booked.client.post("/v1/write-offs/NOPE/approve"), 404, "NOPE")
    note = {
        "credit_note_number": "CN-1",
        "customer_id": "C-1",
        "currency": "EUR",
        "amount": "1.00",
        "issue_date": "2024-01-20",
        "invoice_number": "NOPE",
    }
    assert_problem(await booked.client.post("/v1/credit-notes", json=note), 422, "NOPE", "does not have")


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/v1/reports/aging", {"as_of": "9999-12-31"}, 422, ["as_of", "2999-12-31"]),
        ("/v1/reports/limitation", {"as_of": "0001-01-01"}, 422, ["as_of", "1900-01-01"]),
        ("/v1/invoices", {"cursor": "eyJhZnRlciI6IDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMH0"}, 422, ["next_cursor"]),
        ("/v1/reports/aging", {"as_of": "2024-13-01"}, 422, ["as_of"]),
        ("/v1/reports/aging", {}, 422, ["as_of", "required"]),
        ("/v1/reports/aging", {"as_of": "2024-03-01", "group_by": "region"}, 422, ["group_by"]),
        ("/v1/reports/aging", {"as_of": "2024-03-01", "buckets": "30,x"}, 422, ["whole days"]),
        ("/v1/reports/aging", {"as_of": "2024-03-01", "buckets": "60,30"}, 422, ["increasing"]),
        ("/v1/reports/dso", {"from": "2024-03-01", "to": "2024-01-01"}, 422, ["before it starts"]),
        ("/v1/reports/cei", {"from": "2024-03-01", "to": "2024-01-01"}, 422, ["before it starts"]),
        ("/v1/reports/limitation", {"as_of": "2024-03-01", "within_days": "-1"}, 422, ["within_days"]),
        (
            "/v1/customers/C-1/statement",
            {"from": "2024-03-01", "to": "2024-01-01"},
            422,
            ["before it starts"],
        ),
        ("/v1/invoices", {"overdue": "true"}, 422, ["overdue needs as_of"]),
        ("/v1/invoices", {"cursor": "not-a-cursor"}, 422, ["next_cursor"]),
        ("/v1/invoices", {"limit": "0"}, 422, ["limit"]),
        ("/v1/invoices", {"status": "lost"}, 422, ["status"]),
        ("/v1/invoices/INV-1", {"as_of": "2023-12-31"}, 422, ["issued on 2024-01-10", "after 2023-12-31"]),
    ],
)
async def test_bad_query_parameters_are_refused_with_what_is_wrong(
    booked: Ledger, path: str, params: dict[str, str], status: int, words: list[str]
) -> None:
    assert_problem(await booked.client.get(path, params=params), status, *words)


async def test_applying_credit_that_does_not_exist_is_a_409(booked: Ledger) -> None:
    response = await booked.client.post(
        "/v1/customers/C-1/unapplied-credit/apply", json={"currency": "EUR", "applied_date": "2024-03-01"}
    )
    assert_problem(response, 409, "no unapplied EUR credit")
