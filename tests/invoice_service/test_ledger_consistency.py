"""Random ledgers through the REST API: the SQL reports equal the domain functions on the same documents.

Each example posts invoices (due dates, terms codes, instalments) for two customers in EUR and
JPY, then — in date order — payments (named or oldest due first), use of unapplied credit,
charges with their own due dates, credit notes, write-offs and disputes. Then, for dates before,
inside and after the history:
- the set-based SQL aging equals `aging_buckets()` over the documents as the domain sees them,
  ledger-wide and grouped by customer, salesperson and currency;
- each invoice's outstanding as of the date equals amount + charges − allocations − credit notes
  − write-offs summed by the test from what it posted and what the API reported;
- DSO, CEI and the allowance equal the domain's functions.
"""

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import Ledger
from sqlalchemy import select

from arflow_invoice.domain import (
    DEFAULT_BUCKETS,
    InvoiceState,
    aging_buckets,
    bad_debt_allowance,
    collection_effectiveness,
    days_sales_outstanding,
    quantize,
)
from arflow_invoice.store import Invoice
from arflow_invoice.store.states import load_states
from arflow_testing.inprocess import runtime_of

BASE = date(2023, 12, 1)
UNIT = {"EUR": Decimal("0.01"), "JPY": Decimal(1)}
examples = itertools.count(1)


@dataclass
class Tracked:
    """What the test itself knows about an invoice: its amount and every dated change."""

    number: str
    customer: str
    currency: str
    amount: Decimal
    issued: date
    charges: list[tuple[date, Decimal]] = field(default_factory=list)
    reductions: list[tuple[date, Decimal]] = field(default_factory=list)

    def outstanding(self, day: date) -> Decimal:
        if day < self.issued:
            return Decimal(0)
        charged = sum((a for d, a in self.charges if d <= day), Decimal(0))
        reduced = sum((a for d, a in self.reductions if d <= day), Decimal(0))
        return self.amount + charged - reduced


def money(rng: random.Random, currency: str, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) * UNIT[currency] * (100 if currency == "JPY" else 1)


def invoice_body(rng: random.Random, number: str, customer: str, currency: str) -> dict[str, Any]:
    issued = BASE + timedelta(days=rng.randint(0, 90))
    amount = money(rng, currency, 100, 50_000)
    body: dict[str, Any] = {
        "invoice_number": number,
        "customer_id": customer,
        "currency": currency,
        "amount": str(amount),
        "issue_date": issued.isoformat(),
        "salesperson_id": rng.choice(["S1", "S2", None]),
    }
    shape = rng.choice(["due", "terms", "instalments"])
    if shape == "due":
        body["due_date"] = (issued + timedelta(days=rng.randint(0, 60))).isoformat()
    elif shape == "terms":
        body["payment_terms"] = rng.choice(["NET30", "EOM+15", "2/10 NET 30", "NET0"])
    else:
        first = amount // 3 if currency == "JPY" else (amount / 3).quantize(UNIT[currency])
        body["instalments"] = [
            {"due_date": (issued + timedelta(days=15)).isoformat(), "amount": str(first)},
            {"due_date": (issued + timedelta(days=45)).isoformat(), "amount": str(amount - first)},
        ]
    return body


class Story:
    """Random documents posted through the API, tracked by the test."""

    def __init__(self, ledger: Ledger, rng: random.Random, prefix: str) -> None:
        self.ledger, self.rng, self.prefix = ledger, rng, prefix
        self.invoices: dict[str, Tracked] = {}
        self.counter = itertools.count(1)

    def ref(self, kind: str) -> str:
        return f"{self.prefix}-{kind}{next(self.counter)}"

    async def issue(self) -> None:
        for number in range(self.rng.randint(3, 7)):
            customer = f"{self.prefix}-C{self.rng.randint(1, 2)}"
            body = invoice_body(
                self.rng, f"{self.prefix}-I{number}", customer, self.rng.choice(["EUR", "JPY"])
            )
            await self.ledger.post("/v1/invoices", body, 201)
            self.invoices[body["invoice_number"]] = Tracked(
                body["invoice_number"],
                customer,
                body["currency"],
                Decimal(body["amount"]),
                date.fromisoformat(body["issue_date"]),
            )

    def open_on(self, day: date) -> list[Tracked]:
        return [t for t in self.invoices.values() if t.issued <= day and t.outstanding(day) > 0]

    def record(self, allocations: list[dict[str, Any]]) -> None:
        for a in allocations:
            self.invoices[a["invoice_number"]].reductions.append(
                (date.fromisoformat(a["applied_date"]), Decimal(a["amount"]))
            )

    async def payment(self, day: date) -> None:
        customer = f"{self.prefix}-C{self.rng.randint(1, 2)}"
        currency = self.rng.choice(["EUR", "JPY"])
        mine = [t for t in self.open_on(day) if t.customer == customer and t.currency == currency]
        body: dict[str, Any] = {
            "payment_reference": self.ref("P"),
            "customer_id": customer,
            "currency": currency,
            "received_date": day.isoformat(),
        }
        if mine and self.rng.random() < 0.5:
            target = self.rng.choice(mine)
            part = max(
                UNIT[currency],
                (target.outstanding(day) * Decimal(self.rng.random())).quantize(UNIT[currency]),
            )
            body["allocations"] = [{"invoice_number": target.number, "amount": str(part)}]
            body["amount"] = str(part + money(self.rng, currency, 0, 20) * self.rng.randint(0, 1))
        else:
            owed = sum((t.outstanding(day) for t in mine), Decimal(0))
            body["amount"] = str(
                max(UNIT[currency], (owed * Decimal(self.rng.uniform(0.2, 1.2))).quantize(UNIT[currency]))
            )
        self.record((await self.ledger.post("/v1/payments", body, 201))["allocations"])

    async def apply_credit(self, day: date) -> None:
        customer = f"{self.prefix}-C{self.rng.randint(1, 2)}"
        currency = self.rng.choice(["EUR", "JPY"])
        response = await self.ledger.client.post(
            f"/v1/customers/{customer}/unapplied-credit/apply",
            json={"currency": currency, "applied_date": day.isoformat()},
        )
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            self.record(response.json()["allocations"])

    async def on_invoice(self, day: date, kind: str) -> None:
        candidates = self.open_on(day)
        if not candidates:
            return
        target = self.rng.choice(candidates)
        current = await self.ledger.get(f"/v1/invoices/{target.number}")
        principal = Decimal(current["outstanding_by_part"]["principal"])
        if kind == "charge":
            amount = money(self.rng, target.currency, 1, 2000)
            await self.ledger.post(
                "/v1/charges",
                {
                    "charge_id": self.ref("F"),
                    "invoice_number": target.number,
                    "kind": self.rng.choice(["fee", "interest"]),
                    "amount": str(amount),
                    "posted_date": day.isoformat(),
                    "due_date": (day + timedelta(days=self.rng.randint(0, 20))).isoformat(),
                },
                201,
            )
            target.charges.append((day, amount))
        elif kind == "credit_note" and principal > 0:
            amount = max(
                UNIT[target.currency],
                (principal * Decimal(self.rng.random())).quantize(UNIT[target.currency]),
            )
            await self.ledger.post(
                "/v1/credit-notes",
                {
                    "credit_note_number": self.ref("CN"),
                    "customer_id": target.customer,
                    "currency": target.currency,
                    "amount": str(amount),
                    "issue_date": day.isoformat(),
                    "invoice_number": target.number,
                },
                201,
            )
            target.reductions.append((day, amount))
        elif kind == "write_off":
            written = await self.ledger.post(
                "/v1/write-offs",
                {
                    "write_off_id": self.ref("W"),
                    "invoice_number": target.number,
                    "written_off_date": day.isoformat(),
                    "reason": "uncollectable",
                },
                (201, 202),
            )
            if written["status"] == "approved":
                target.reductions.append((day, Decimal(written["amount"])))
        elif kind == "dispute":
            undisputed = Decimal(current["outstanding"]) - Decimal(current["disputed_amount"])
            if undisputed <= 0:
                return
            dispute_id = self.ref("D")
            amount = max(UNIT[target.currency], (undisputed / 2).quantize(UNIT[target.currency]))
            await self.ledger.post(
                "/v1/disputes",
                {
                    "dispute_id": dispute_id,
                    "invoice_number": target.number,
                    "opened_date": day.isoformat(),
                    "reason_code": "price",
                    "amount": str(amount),
                },
                201,
            )
            if self.rng.random() < 0.7:
                view = await self.ledger.post(
                    f"/v1/disputes/{dispute_id}/resolve",
                    {"outcome": self.rng.choice(["valid", "invalid"]), "resolved_date": day.isoformat()},
                    200,
                )
                if view["credit_note_number"]:
                    note = await self.ledger.get(f"/v1/credit-notes/{view['credit_note_number']}")
                    target.reductions.append((day, Decimal(note["amount"])))

    async def play(self) -> None:
        await self.issue()
        day = BASE
        for _ in range(self.rng.randint(5, 14)):
            day += timedelta(days=self.rng.randint(0, 15))
            kind = self.rng.choice(
                ["payment", "payment", "payment", "credit", "charge", "credit_note", "write_off", "dispute"]
            )
            if kind == "payment":
                await self.payment(day)
            elif kind == "credit":
                await self.apply_credit(day)
            else:
                await self.on_invoice(day, kind)


async def domain_states(ledger: Ledger) -> list[InvoiceState]:
    """Every invoice in the ledger as the domain sees its stored documents."""
    async with runtime_of(ledger.app).database.unit_of_work() as uow:
        invoices = list((await uow.session.execute(select(Invoice).order_by(Invoice.id))).scalars())
        return list((await load_states(uow.session, invoices)).values())


def expected_rows(states: list[InvoiceState], as_of: date, group_by: Any) -> list[dict[str, Any]]:
    report = aging_buckets(states, as_of, DEFAULT_BUCKETS, group_by)
    rows = []
    for row in report.rows:
        shown = {
            "currency": row.currency,
            "bucket": row.bucket,
            "amount": str(quantize(row.amount, row.currency)),
            "count": row.count,
        }
        if group_by is not None:
            shown["group"] = row.group if group_by != "currency" else row.currency
        rows.append(shown)
    return rows


def report_dates(rng: random.Random) -> Iterator[date]:
    yield BASE - timedelta(days=1)
    yield from sorted(BASE + timedelta(days=rng.randint(0, 240)) for _ in range(4))
    yield BASE + timedelta(days=800)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
async def test_sql_reports_equal_the_domain_and_outstanding_follows_its_documents(
    ledger: Ledger, rng: random.Random
) -> None:
    story = Story(ledger, rng, f"E{next(examples)}")
    await story.play()
    states = await domain_states(ledger)
    currency_group = lambda state: state.currency  # noqa: E731
    for as_of in report_dates(rng):
        for group_by, domain_group in (
            (None, None),
            ("customer", "customer"),
            ("salesperson", "salesperson"),
            ("currency", currency_group),
        ):
            params = {"as_of": as_of.isoformat(), **({"group_by": group_by} if group_by else {})}
            aging = await ledger.get("/v1/reports/aging", **params)
            assert aging["rows"] == expected_rows(states, as_of, domain_group), (as_of, group_by)
        for tracked in story.invoices.values():
            if as_of >= tracked.issued:
                shown = await ledger.get(f"/v1/invoices/{tracked.number}", as_of=as_of.isoformat())
                assert Decimal(shown["outstanding"]) == tracked.outstanding(as_of) >= 0, (tracked, as_of)
        allowance = await ledger.get("/v1/reports/allowance", as_of=as_of.isoformat())
        expected = bad_debt_allowance(states, as_of)
        assert [(r["currency"], r["bucket"], Decimal(r["allowance"])) for r in allowance["rows"]] == [
            (r.currency, r.bucket, r.allowance) for r in expected.rows
        ]
    start, end = BASE + timedelta(days=rng.randint(0, 60)), BASE + timedelta(days=rng.randint(61, 200))
    dso = await ledger.get("/v1/reports/dso", **{"from": start.isoformat(), "to": end.isoformat()})
    assert [
        (f["currency"], Decimal(f["ending_ar"]), Decimal(f["credit_sales"]), f["dso"]) for f in dso["figures"]
    ] == [
        (f.currency, f.ending_ar, f.credit_sales, str(f.dso) if f.dso is not None else None)
        for f in days_sales_outstanding(states, start, end)
    ]
    cei = await ledger.get("/v1/reports/cei", **{"from": start.isoformat(), "to": end.isoformat()})
    assert [(f["currency"], Decimal(f["closing_current_ar"]), f["cei"]) for f in cei["figures"]] == [
        (f.currency, f.closing_current_ar, str(f.cei) if f.cei is not None else None)
        for f in collection_effectiveness(states, start, end)
    ]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
async def test_the_stored_figures_of_the_list_equal_the_domain_with_every_document(
    ledger: Ledger, rng: random.Random
) -> None:
    story = Story(ledger, rng, f"L{next(examples)}")
    await story.play()
    for customer in {t.customer for t in story.invoices.values()}:
        listed = (await ledger.get("/v1/invoices", customer_id=customer, limit=500))["items"]
        for item in listed:
            one = await ledger.get(f"/v1/invoices/{item['invoice_number']}")
            assert {
                k: item[k] for k in ("outstanding", "status", "paid_date", "days_late", "days_to_settle")
            } == {k: one[k] for k in ("outstanding", "status", "paid_date", "days_late", "days_to_settle")}
