"""Ledger invariants over random histories built only through the posting rules.

Each history has invoices for two customers in EUR and JPY, then payments (auto or named
allocations), later use of unapplied credit, charges, credit notes, write-offs and disputes,
posted in date order with amounts clamped to what the rules allow.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from arflow_invoice.domain import (
    PARTS,
    CreditSource,
    InvoiceState,
    InvoiceStatus,
    RequestedAllocation,
    aging_buckets,
    allocate_payment,
    apply_unapplied_credit,
    customer_statement,
    issue_invoice,
    open_dispute,
    post_allocations,
    post_charge,
    post_credit_note,
    post_write_off,
    receive_credit,
    split_instalments,
    unapplied_credit,
)

BASE = date(2023, 11, 20)  # histories cross a leap day and a year end
UNIT = {"EUR": Decimal("0.01"), "JPY": Decimal(1)}
CUSTOMERS = ("C1", "C2")
EVENTS = ("payment", "payment", "credit", "charge", "credit_note", "write_off", "dispute")


@dataclass
class Ledger:
    invoices: list[InvoiceState] = field(default_factory=list)
    credits: list[CreditSource] = field(default_factory=list)

    def replace(self, new: InvoiceState) -> None:
        self.invoices = [new if i.invoice_number == new.invoice_number else i for i in self.invoices]

    def open_items(self, customer: str, currency: str, on: date) -> list:  # type: ignore[type-arg]
        return [
            i.open_item(on)
            for i in self.invoices
            if i.customer_id == customer
            and i.currency == currency
            and i.is_issued(on)
            and i.outstanding(on) > 0
        ]

    def apply(self, source: str, currency: str, on: date, result: object) -> None:
        for inv in list(self.invoices):
            mine = result.for_invoice(inv.invoice_number)  # type: ignore[attr-defined]
            if mine:
                self.replace(post_allocations(inv, source, currency, on, mine))

    def source_left(self, source: CreditSource) -> Decimal:
        used = sum(
            (
                a.amount
                for i in self.invoices
                for a in i.allocations
                if a.source_reference == source.reference
            ),
            Decimal(0),
        )
        return source.amount - used


def money(units: int, currency: str) -> Decimal:
    return Decimal(units) * UNIT[currency]


@st.composite
def histories(draw: st.DrawFn) -> Ledger:
    ledger = Ledger()
    for n in range(draw(st.integers(1, 6))):
        currency = draw(st.sampled_from(sorted(UNIT)))
        issued = BASE + timedelta(days=draw(st.integers(0, 200)))
        amount = money(draw(st.integers(1, 50_000)), currency)
        customer = draw(st.sampled_from(CUSTOMERS))
        terms = draw(st.integers(0, 60))
        if draw(st.booleans()) and amount >= 3 * UNIT[currency]:
            dates = [issued + timedelta(days=terms + 30 * k) for k in range(3)]
            plan = split_instalments(amount, currency, dates)
            inv = issue_invoice(f"INV-{n}", customer, currency, amount, issued, instalments=plan)
        else:
            inv = issue_invoice(f"INV-{n}", customer, currency, amount, issued, payment_terms=f"NET{terms}")
        ledger.invoices.append(inv)
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(EVENTS),
                st.integers(0, 400),
                st.integers(1, 60_000),
                st.integers(0, 5),
                st.booleans(),
            ),
            max_size=20,
        )
    )
    for seq, (kind, offset, units, target, flag) in enumerate(sorted(steps, key=lambda s: s[1])):
        on = BASE + timedelta(days=offset)
        inv = ledger.invoices[target % len(ledger.invoices)]
        currency, amount = inv.currency, money(units, inv.currency)
        if kind == "payment":
            source = receive_credit(f"P{seq}", inv.customer_id, currency, amount, on)
            ledger.credits.append(source)
            requested = None
            if flag and inv.is_issued(on) and inv.outstanding(on) > 0:
                requested = [RequestedAllocation(inv.invoice_number, min(amount, inv.outstanding(on)))]
            items = ledger.open_items(inv.customer_id, currency, on)
            ledger.apply(source.reference, currency, on, allocate_payment(amount, currency, items, requested))
            continue
        if kind == "credit":
            for source in ledger.credits:
                left = ledger.source_left(source)
                if source.received_date <= on and left > 0 and source.currency == currency:
                    items = ledger.open_items(source.customer_id, currency, on)
                    ledger.apply(
                        source.reference, currency, on, apply_unapplied_credit(left, currency, items)
                    )
                    break
            continue
        if not inv.is_issued(on):
            continue
        if kind == "charge":
            ledger.replace(post_charge(inv, f"F{seq}", "fees" if flag else "interest", amount, on))
        elif kind == "credit_note" and (room := min(amount, inv.available("principal", on))) > 0:
            ledger.replace(post_credit_note(inv, f"CN{seq}", room, on))
        elif kind == "write_off":
            part = PARTS[units % 3]
            if (room := min(amount, inv.available(part, on))) > 0:
                ledger.replace(post_write_off(inv, f"W{seq}", room, on, part))
        elif kind == "dispute":
            room = min(amount, inv.outstanding(on) - inv.disputed_amount(on))
            if room > 0:
                ledger.replace(open_dispute(inv, f"D{seq}", room, on, "price"))
    return ledger


as_of_dates = st.lists(st.integers(-5, 420).map(lambda d: BASE + timedelta(days=d)), min_size=1, max_size=5)


def independent_outstanding(inv: InvoiceState, on: date) -> Decimal:
    if inv.issue_date > on:
        return Decimal(0)
    total = inv.amount
    total += sum((c.amount for c in inv.charges if c.posted_date <= on), Decimal(0))
    total -= sum((a.amount for a in inv.allocations if a.applied_date <= on), Decimal(0))
    total -= sum((n.amount for n in inv.credit_notes if n.issue_date <= on), Decimal(0))
    total -= sum((w.amount for w in inv.write_offs if w.written_off_date <= on), Decimal(0))
    return total


@settings(max_examples=150, deadline=None)
@given(ledger=histories(), dates=as_of_dates)
def test_outstanding_is_amount_plus_charges_minus_settlements_and_never_negative(
    ledger: Ledger, dates: list[date]
) -> None:
    for inv in ledger.invoices:
        for on in dates:
            assert inv.outstanding(on) == independent_outstanding(inv, on)
            by_part = inv.outstanding_by_part(on)
            assert min(by_part.fees, by_part.interest, by_part.principal) >= 0
            assert sum((e.amount for e in inv.open_entries(on)), Decimal(0)) == inv.outstanding(on)


@settings(max_examples=150, deadline=None)
@given(ledger=histories(), dates=as_of_dates)
def test_allocations_never_exceed_a_payment_or_an_invoice(ledger: Ledger, dates: list[date]) -> None:
    for on in dates:
        for source in ledger.credits:
            applied = sum(
                (
                    a.amount
                    for i in ledger.invoices
                    for a in i.allocations
                    if a.source_reference == source.reference and a.applied_date <= on
                ),
                Decimal(0),
            )
            assert applied <= source.amount
            assert all(
                a.applied_date >= source.received_date
                for i in ledger.invoices
                for a in i.allocations
                if a.source_reference == source.reference
            )
        for inv in ledger.invoices:
            owed = inv.amount + inv.charged(on) - inv.credited(on) - inv.written_off(on)
            assert inv.allocated(on) <= owed


@settings(max_examples=150, deadline=None)
@given(ledger=histories(), dates=as_of_dates)
def test_the_aging_total_equals_the_total_outstanding_as_of_any_date(
    ledger: Ledger, dates: list[date]
) -> None:
    for on in dates:
        report = aging_buckets(ledger.invoices, on, group_by="customer")
        for currency in UNIT:
            outstanding = sum(
                (i.outstanding(on) for i in ledger.invoices if i.currency == currency), Decimal(0)
            )
            assert report.total(currency) == outstanding
            for customer in CUSTOMERS:
                mine = [i for i in ledger.invoices if i.currency == currency and i.customer_id == customer]
                assert report.total(currency, customer) == sum((i.outstanding(on) for i in mine), Decimal(0))
        assert all(row.amount >= 0 and (row.count > 0) == (row.amount > 0) for row in report.rows)


@settings(max_examples=150, deadline=None)
@given(ledger=histories(), dates=st.lists(st.integers(-5, 420), min_size=2, max_size=2))
def test_a_statements_closing_balance_is_open_items_minus_unapplied_credit(
    ledger: Ledger, dates: list[int]
) -> None:
    start, end = (BASE + timedelta(days=d) for d in sorted(dates))
    for customer in CUSTOMERS:
        for currency in UNIT:
            statement = customer_statement(ledger.invoices, ledger.credits, customer, currency, start, end)
            open_items = sum(
                (
                    i.outstanding(end)
                    for i in ledger.invoices
                    if i.customer_id == customer and i.currency == currency
                ),
                Decimal(0),
            )
            credit = unapplied_credit(ledger.invoices, ledger.credits, customer, currency, end)
            assert credit >= 0
            assert statement.closing_balance == open_items - credit
            assert statement.closing_balance == statement.opening_balance + sum(
                (line.debit - line.credit for line in statement.lines), Decimal(0)
            )
            assert sum((i.outstanding for i in statement.open_items), Decimal(0)) == open_items


@settings(max_examples=150, deadline=None)
@given(ledger=histories(), dates=as_of_dates)
def test_status_and_settlement_days_agree_with_the_outstanding(ledger: Ledger, dates: list[date]) -> None:
    for inv in ledger.invoices:
        for on in (d for d in dates if inv.is_issued(d)):
            status = inv.status(on)
            settled = inv.outstanding(on) == 0
            assert settled == (status in (InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF))
            if status is InvoiceStatus.PAID:
                paid = inv.paid_date(on)
                assert paid is not None and inv.issue_date <= paid <= on
                assert inv.days_late(on) == max(0, (paid - inv.due_date).days)
                assert inv.days_to_settle(on) == (paid - inv.issue_date).days
            else:
                assert inv.paid_date(on) is None
            if settled:
                assert inv.days_overdue(on) == 0
            elif not inv.charges and not inv.instalments:
                assert inv.days_overdue(on) == max(0, (on - inv.due_date).days)
