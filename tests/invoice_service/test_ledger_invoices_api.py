"""POST/GET/list /v1/invoices: terms, lines, instalments, retries, filters, cursor paging, point in time."""

from typing import Any

from ledger_support import Ledger

INVOICE = {
    "invoice_number": "INV-1",
    "customer_id": "C-1",
    "currency": "EUR",
    "amount": "1250.40",
    "issue_date": "2024-05-02",
    "due_date": "2024-06-01",
}


async def test_an_invoice_is_created_once_and_a_retry_returns_it(ledger: Ledger) -> None:
    created = await ledger.client.post("/v1/invoices", json=INVOICE)
    again = await ledger.client.post("/v1/invoices", json={**INVOICE, "amount": "1250.4"})
    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json() == again.json()
    shown = await ledger.get("/v1/invoices/INV-1")
    assert {
        k: shown[k] for k in ("amount", "outstanding", "status", "paid_date", "days_late", "days_to_settle")
    } == {
        "amount": "1250.40",
        "outstanding": "1250.40",
        "status": "open",
        "paid_date": None,
        "days_late": None,
        "days_to_settle": None,
    }
    assert len(await ledger.events("InvoiceIssued")) == 1


async def test_an_idempotency_key_replays_the_first_answer(ledger: Ledger) -> None:
    key = {"Idempotency-Key": "erp-42"}
    first = await ledger.client.post("/v1/invoices", json=INVOICE, headers=key)
    second = await ledger.client.post("/v1/invoices", json=INVOICE, headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true" and second.json() == first.json()


async def test_payment_terms_set_the_due_date_and_the_discount(ledger: Ledger) -> None:
    net = await ledger.post("/v1/invoices", {**INVOICE, "due_date": None, "payment_terms": "net 30"}, 201)
    assert (net["due_date"], net["payment_terms"]) == ("2024-06-01", "NET30")
    eom = await ledger.post(
        "/v1/invoices",
        {**INVOICE, "invoice_number": "INV-2", "due_date": None, "payment_terms": "EOM+15"},
        201,
    )
    assert eom["due_date"] == "2024-06-15"
    early = await ledger.post(
        "/v1/invoices",
        {**INVOICE, "invoice_number": "INV-3", "due_date": None, "payment_terms": "2/10 NET 30"},
        201,
    )
    assert early["due_date"] == "2024-06-01"
    assert early["discount"] == {"until": "2024-05-12", "rate": "0.02", "amount": "25.01"}
    [issued] = [e for e in await ledger.events("InvoiceIssued") if e.data["invoice_number"] == "INV-3"]
    assert issued.data["discount"] == {"rate": "0.02", "until": "2024-05-12"}
    assert issued.data["payment_terms"] == "2/10 NET 30"


async def test_lines_sum_to_the_amount_and_contract_terms_travel_with_the_invoice(ledger: Ledger) -> None:
    body: dict[str, Any] = {
        **INVOICE,
        "amount": None,
        "salesperson_id": "S-9",
        "order_id": "SO-1",
        "lines": [
            {
                "description": "widgets",
                "quantity": "3",
                "unit_price": "100.00",
                "amount": "300.00",
                "tax_amount": "57.00",
            },
            {"description": "freight", "amount": "50.40"},
        ],
        "terms": {
            "late_interest_rate": "0.09",
            "day_count": "ACT/360",
            "dunning_fee": "5.00",
            "jurisdiction": "DE",
        },
    }
    shown = await ledger.post("/v1/invoices", {k: v for k, v in body.items() if v is not None}, 201)
    assert (shown["amount"], shown["tax_amount"], len(shown["lines"])) == ("350.40", "57.00", 2)
    assert shown["terms"] == {
        "late_interest_rate": "0.09",
        "day_count": "ACT/360",
        "dunning_fee": "5.00",
        "jurisdiction": "DE",
    }
    [issued] = await ledger.events("InvoiceIssued")
    assert issued.customer_id == "C-1"
    assert issued.data["terms"] == {
        "late_interest_rate": "0.09",
        "day_count": "ACT/360",
        "dunning_fee": "5.00",
        "jurisdiction": "DE",
    }
    assert (issued.data["salesperson_id"], issued.data["order_id"], issued.data["tax_amount"]) == (
        "S-9",
        "SO-1",
        "57.00",
    )


async def test_instalments_age_by_their_own_due_dates(ledger: Ledger) -> None:
    await ledger.post(
        "/v1/invoices",
        {
            **INVOICE,
            "due_date": None,
            "amount": "1000.00",
            "instalments": [
                {"due_date": "2024-06-01", "amount": "400.00"},
                {"due_date": "2024-07-01", "amount": "600.00"},
            ],
        },
        201,
    )
    shown = await ledger.get("/v1/invoices/INV-1", as_of="2024-06-15")
    assert (shown["due_date"], shown["days_overdue"], len(shown["instalments"])) == ("2024-07-01", 14, 2)
    aging = await ledger.get("/v1/reports/aging", as_of="2024-06-15")
    assert [(r["bucket"], r["amount"]) for r in aging["rows"] if r["count"]] == [
        ("current", "600.00"),
        ("1-30", "400.00"),
    ]
    [issued] = await ledger.events("InvoiceIssued")
    assert issued.data["instalments"] == [
        {"due_date": "2024-06-01", "amount": "400.00"},
        {"due_date": "2024-07-01", "amount": "600.00"},
    ]


async def test_an_invoice_as_of_a_date_counts_only_what_was_dated_by_then(ledger: Ledger) -> None:
    await ledger.post("/v1/invoices", INVOICE, 201)
    await ledger.post(
        "/v1/payments",
        {
            "payment_reference": "P-1",
            "customer_id": "C-1",
            "currency": "EUR",
            "amount": "1250.40",
            "received_date": "2024-06-11",
        },
        201,
    )
    before = await ledger.get("/v1/invoices/INV-1", as_of="2024-06-10")
    after = await ledger.get("/v1/invoices/INV-1", as_of="2024-06-11")
    assert (before["outstanding"], before["status"], before["days_overdue"]) == ("1250.40", "open", 9)
    assert (
        after["outstanding"],
        after["status"],
        after["paid_date"],
        after["days_late"],
        after["days_to_settle"],
    ) == ("0.00", "paid", "2024-06-11", 10, 40)


async def test_invoice_numbers_with_slashes_can_be_read_back(ledger: Ledger) -> None:
    await ledger.post("/v1/invoices", {**INVOICE, "invoice_number": "2024/0001"}, 201)
    assert (await ledger.get("/v1/invoices/2024/0001"))["invoice_number"] == "2024/0001"
    assert (await ledger.get("/v1/invoices/2024%2F0001"))["invoice_number"] == "2024/0001"


async def _numbers(ledger: Ledger, **params: Any) -> list[str]:
    found: list[str] = []
    cursor = None
    while True:
        page = await ledger.get("/v1/invoices", **params, **({"cursor": cursor} if cursor else {}))
        found += [item["invoice_number"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            return found


async def test_the_list_filters_and_pages_with_a_cursor(ledger: Ledger) -> None:
    for n in range(7):
        await ledger.post(
            "/v1/invoices",
            {
                **INVOICE,
                "invoice_number": f"N-{n}",
                "customer_id": f"C-{n % 2}",
                "salesperson_id": "S-1" if n < 3 else "S-2",
                "due_date": f"2024-06-{n + 1:02d}",
            },
            201,
        )
    await ledger.post(
        "/v1/payments",
        {
            "payment_reference": "P-1",
            "customer_id": "C-0",
            "currency": "EUR",
            "amount": "1250.40",
            "received_date": "2024-06-03",
            "allocations": [{"invoice_number": "N-0", "amount": "1250.40"}],
        },
        201,
    )
    assert await _numbers(ledger, limit=3) == [f"N-{n}" for n in range(7)]
    assert await _numbers(ledger, customer_id="C-1", limit=2) == ["N-1", "N-3", "N-5"]
    assert await _numbers(ledger, salesperson_id="S-1") == ["N-0", "N-1", "N-2"]
    assert await _numbers(ledger, status="paid") == ["N-0"]
    assert await _numbers(ledger, status="open", limit=2) == [f"N-{n}" for n in range(1, 7)]
    assert await _numbers(ledger, overdue="true", as_of="2024-06-04", limit=2) == ["N-1", "N-2"]
    assert await _numbers(ledger, overdue="false", as_of="2024-06-04") == ["N-0", "N-3", "N-4", "N-5", "N-6"]
    assert await _numbers(ledger, status="paid", as_of="2024-06-02") == []
    assert await _numbers(ledger, as_of="2024-05-01") == []
