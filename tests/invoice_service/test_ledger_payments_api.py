"""POST /v1/payments: named or oldest-due-first allocation, fees before interest before principal,
unapplied credit that stays visible and can be applied later, and the events of each step."""

from typing import Any

from ledger_support import Ledger

PAYMENT = {"payment_reference": "P-1", "customer_id": "C-1", "currency": "EUR", "received_date": "2024-03-01"}


async def invoice(
    ledger: Ledger,
    number: str,
    amount: str,
    due: str,
    issued: str = "2024-01-01",
    customer: str = "C-1",
    currency: str = "EUR",
) -> None:
    await ledger.post(
        "/v1/invoices",
        {
            "invoice_number": number,
            "customer_id": customer,
            "currency": currency,
            "amount": amount,
            "issue_date": issued,
            "due_date": due,
        },
        201,
    )


def applied(payment: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [
        (a["invoice_number"], a["amount"], a["fees"], a["interest"], a["principal"])
        for a in payment["allocations"]
    ]


async def test_without_allocations_the_oldest_due_invoice_is_settled_first(ledger: Ledger) -> None:
    await invoice(ledger, "LATE", "100.00", "2024-02-15")
    await invoice(ledger, "EARLY", "100.00", "2024-01-31", issued="2024-01-05")
    await invoice(ledger, "OTHER-CUR", "100.00", "2024-01-01", currency="USD")
    await invoice(ledger, "NOT-YET", "100.00", "2024-03-02", issued="2024-03-02")
    payment = await ledger.post("/v1/payments", {**PAYMENT, "amount": "150.00"}, 201)
    assert applied(payment) == [
        ("EARLY", "100.00", "0.00", "0.00", "100.00"),
        ("LATE", "50.00", "0.00", "0.00", "50.00"),
    ]
    assert payment["unapplied"] == "0.00"
    assert (await ledger.get("/v1/invoices/LATE"))["status"] == "partially_paid"
    assert (await ledger.get("/v1/invoices/EARLY"))["status"] == "paid"
    rest = await ledger.post("/v1/payments", {**PAYMENT, "payment_reference": "P-2", "amount": "100.00"}, 201)
    assert applied(rest) == [("LATE", "50.00", "0.00", "0.00", "50.00")]
    assert rest["unapplied"] == "50.00"  # NOT-YET was issued after the payment; OTHER-CUR is in USD


async def test_named_allocations_are_honoured_and_the_rest_is_unapplied_credit(ledger: Ledger) -> None:
    await invoice(ledger, "A", "100.00", "2024-01-31")
    await invoice(ledger, "B", "100.00", "2024-02-28")
    payment = await ledger.post(
        "/v1/payments",
        {**PAYMENT, "amount": "130.00", "allocations": [{"invoice_number": "B", "amount": "80.00"}]},
        201,
    )
    assert applied(payment) == [("B", "80.00", "0.00", "0.00", "80.00")]
    assert payment["unapplied"] == "50.00"
    credit = await ledger.get("/v1/customers/C-1/unapplied-credit")
    assert credit["balances"] == [
        {
            "currency": "EUR",
            "amount": "50.00",
            "sources": [
                {
                    "kind": "payment",
                    "reference": "P-1",
                    "received_date": "2024-03-01",
                    "amount": "130.00",
                    "remaining": "50.00",
                }
            ],
        }
    ]
    assert (await ledger.get("/v1/customers/C-1/unapplied-credit", as_of="2024-02-29"))["balances"] == []
    [changed] = await ledger.events("UnappliedCreditChanged")
    assert (changed.data["balance"], changed.data["change"], changed.data["cause"]) == (
        "50.00",
        "50.00",
        "payment_received",
    )

    used = await ledger.post(
        "/v1/customers/C-1/unapplied-credit/apply", {"currency": "EUR", "applied_date": "2024-03-05"}, 200
    )
    assert [(a["invoice_number"], a["source_reference"], a["amount"]) for a in used["allocations"]] == [
        ("A", "P-1", "50.00")
    ]
    assert used["unapplied"] == "0.00"
    assert (await ledger.get("/v1/payments/P-1"))["unapplied"] == "0.00"
    assert (await ledger.get("/v1/invoices/A", as_of="2024-03-04"))["outstanding"] == "100.00"
    assert (await ledger.get("/v1/invoices/A", as_of="2024-03-05"))["outstanding"] == "50.00"


async def test_an_on_account_credit_note_is_credit_that_can_be_applied(ledger: Ledger) -> None:
    await invoice(ledger, "A", "100.00", "2024-01-31")
    note = await ledger.post(
        "/v1/credit-notes",
        {
            "credit_note_number": "CN-9",
            "customer_id": "C-1",
            "currency": "EUR",
            "amount": "30.00",
            "issue_date": "2024-02-01",
        },
        201,
    )
    assert (note["invoice_number"], note["unapplied"]) == (None, "30.00")
    used = await ledger.post(
        "/v1/customers/C-1/unapplied-credit/apply",
        {
            "currency": "EUR",
            "applied_date": "2024-02-02",
            "allocations": [{"invoice_number": "A", "amount": "20.00"}],
        },
        200,
    )
    assert [(a["source_reference"], a["amount"]) for a in used["allocations"]] == [("CN-9", "20.00")]
    assert (await ledger.get("/v1/credit-notes/CN-9"))["unapplied"] == "10.00"
    statement = await ledger.get("/v1/customers/C-1/statement", **{"from": "2024-01-01", "to": "2024-02-29"})
    [eur] = statement["statements"]
    assert (eur["closing_balance"], eur["unapplied_credit"]) == ("70.00", "10.00")
    assert [(line["kind"], line["reference"], line["balance"]) for line in eur["lines"]] == [
        ("invoice", "A", "100.00"),
        ("credit_note", "CN-9", "70.00"),
    ]


async def test_fees_then_interest_then_principal_unless_configured_otherwise(ledger: Ledger) -> None:
    await invoice(ledger, "A", "100.00", "2024-01-31")
    for charge_id, kind, amount in (("F-1", "fee", "5.00"), ("I-1", "interest", "2.50")):
        await ledger.post(
            "/v1/charges",
            {
                "charge_id": charge_id,
                "invoice_number": "A",
                "kind": kind,
                "amount": amount,
                "posted_date": "2024-02-15",
            },
            201,
        )
    shown = await ledger.get("/v1/invoices/A")
    assert (shown["outstanding"], shown["outstanding_by_part"]) == (
        "107.50",
        {"fees": "5.00", "interest": "2.50", "principal": "100.00"},
    )
    payment = await ledger.post("/v1/payments", {**PAYMENT, "amount": "10.00"}, 201)
    assert applied(payment) == [("A", "10.00", "5.00", "2.50", "2.50")]
    [allocated] = await ledger.events("PaymentAllocated")
    assert (
        allocated.data["charges"],
        allocated.data["interest"],
        allocated.data["principal"],
        allocated.data["outstanding_after"],
    ) == ("5.00", "2.50", "2.50", "97.50")


async def test_a_payment_that_settles_an_invoice_emits_invoice_paid_with_its_days(ledger: Ledger) -> None:
    await invoice(ledger, "A", "100.00", "2024-01-31")
    await ledger.post(
        "/v1/payments",
        {**PAYMENT, "amount": "100.00", "allocations": [{"invoice_number": "A", "amount": "100.00"}]},
        201,
    )
    [received] = await ledger.events("PaymentReceived")
    assert (received.customer_id, received.data["invoice_numbers"]) == ("C-1", ["A"])
    [paid] = await ledger.events("InvoicePaid")
    assert (paid.data["paid_date"], paid.data["days_late"], paid.data["days_to_settle"]) == (
        "2024-03-01",
        30,
        60,
    )
    again = await ledger.client.post(
        "/v1/payments",
        json={**PAYMENT, "amount": "100.00", "allocations": [{"invoice_number": "A", "amount": "100"}]},
    )
    assert again.status_code == 200 and applied(again.json()) == [("A", "100.00", "0.00", "0.00", "100.00")]
    assert len(await ledger.events("InvoicePaid")) == 1


async def test_a_batch_of_payments_is_all_or_nothing(ledger: Ledger) -> None:
    await invoice(ledger, "A", "100.00", "2024-01-31")
    good = {**PAYMENT, "amount": "40.00"}
    bad = {
        **PAYMENT,
        "payment_reference": "P-2",
        "amount": "10.00",
        "allocations": [{"invoice_number": "NOPE", "amount": "10.00"}],
    }
    refused = await ledger.client.post("/v1/payments/batch", json={"payments": [good, bad]})
    assert refused.status_code == 422 and refused.json()["index"] == 1
    assert refused.json()["detail"].startswith("payments[1]: ")
    assert (await ledger.client.get("/v1/payments/P-1")).status_code == 404
    done = await ledger.post(
        "/v1/payments/batch", {"payments": [good, {**good, "payment_reference": "P-2"}]}, 200
    )
    assert [(r["index"], r["status"], r["unapplied"]) for r in done["results"]] == [
        (0, 201, "0.00"),
        (1, 201, "0.00"),
    ]
    assert (await ledger.get("/v1/invoices/A"))["outstanding"] == "20.00"
