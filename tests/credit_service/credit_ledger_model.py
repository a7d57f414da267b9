"""A customer's ledger played step by step, with its books kept independently of credit-service."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from arflow_contracts import EventData
from arflow_contracts.ledger import (
    ChargePostedV1,
    CreditNoteIssuedV1,
    DisputeResolvedV1,
    InvoiceDisputedV1,
    InvoiceIssuedV1,
    InvoicePaidV1,
    InvoiceWrittenOffV1,
    PaymentAllocatedV1,
    UnappliedCreditChangedV1,
)

START = date(2024, 3, 1)
RESERVATION_DAYS = 30  # the service's default CREDIT_RESERVATION_DAYS
ZERO = Decimal(0)


@dataclass
class Invoice:
    number: str
    amount: Decimal
    issue_date: date
    due_date: date
    charges: Decimal = ZERO
    settled: Decimal = ZERO
    written_off: bool = False
    order_id: str | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.amount + self.charges - self.settled


@dataclass
class Reservation:
    amount: Decimal
    expires_on: date
    invoiced: bool = False


@dataclass
class LedgerModel:
    """One customer's ledger and credit checks, with the books kept independently of the service."""

    customer: str
    today: date = START
    invoices: list[Invoice] = field(default_factory=list)
    unapplied: Decimal = ZERO
    reservations: dict[str, Reservation] = field(default_factory=dict)
    sequence: int = 0

    def next_id(self, kind: str) -> str:
        self.sequence += 1
        return f"{self.customer}-{kind}{self.sequence}"

    def expected(self) -> dict[str, Decimal]:
        """Exposure by part on the model's today (the policy counts every part by default)."""
        open_ = [i for i in self.invoices if i.outstanding > 0]
        reserved = sum(
            (r.amount for r in self.reservations.values() if not r.invoiced and self.today <= r.expires_on),
            ZERO,
        )
        return {
            "not_yet_due": sum((i.outstanding for i in open_ if i.due_date >= self.today), ZERO),
            "overdue": sum((i.outstanding for i in open_ if i.due_date < self.today), ZERO),
            "reserved": reserved,
            "unapplied_credit": self.unapplied,
        }

    # Each step returns the events the ledger emits for it (in order).

    def issue(self, amount: Decimal, terms: int, for_order: bool) -> list[EventData]:
        waiting = [o for o, r in self.reservations.items() if not r.invoiced]
        order = waiting[0] if for_order and waiting else None
        if order:
            self.reservations[order].invoiced = True
        item = Invoice(
            self.next_id("INV"), amount, self.today, self.today + timedelta(days=terms), order_id=order
        )
        self.invoices.append(item)
        return [
            InvoiceIssuedV1(
                invoice_number=item.number,
                customer_id=self.customer,
                currency="EUR",
                amount=amount,
                issue_date=item.issue_date,
                due_date=item.due_date,
                order_id=order,
            )
        ]

    def settle(self, index: int, share: Decimal, kind: str) -> list[EventData]:
        item = self.pick(index)
        if item is None:
            return []
        amount = (item.outstanding * share).quantize(Decimal("0.01"))
        if amount <= 0:
            return []
        item.settled += amount
        if kind == "payment":
            events: list[EventData] = [
                PaymentAllocatedV1(
                    payment_reference=self.next_id("PAY"),
                    customer_id=self.customer,
                    invoice_number=item.number,
                    amount=amount,
                    currency="EUR",
                    charges=ZERO,
                    interest=ZERO,
                    principal=amount,
                    allocated_on=self.today,
                    outstanding_after=item.outstanding,
                )
            ]
        else:
            events = [
                CreditNoteIssuedV1(
                    credit_note_number=self.next_id("CN"),
                    customer_id=self.customer,
                    amount=amount,
                    currency="EUR",
                    issue_date=self.today,
                    invoice_number=item.number,
                    outstanding_after=item.outstanding,
                )
            ]
        if item.outstanding == 0:
            events.append(
                InvoicePaidV1(
                    invoice_number=item.number,
                    customer_id=self.customer,
                    amount=item.amount,
                    currency="EUR",
                    issue_date=item.issue_date,
                    due_date=item.due_date,
                    paid_date=self.today,
                    days_late=max(0, (self.today - item.due_date).days),
                    days_to_settle=(self.today - item.issue_date).days,
                )
            )
        return events

    def charge(self, index: int, amount: Decimal) -> list[EventData]:
        chargeable = [i for i in self.invoices if not i.written_off]  # a paid invoice reopens
        if not chargeable:
            return []
        item = chargeable[index % len(chargeable)]
        item.charges += amount
        return [
            ChargePostedV1(
                charge_id=self.next_id("CHG"),
                customer_id=self.customer,
                invoice_number=item.number,
                kind="fee",
                amount=amount,
                currency="EUR",
                posted_on=self.today,
                outstanding_after=item.outstanding,
            )
        ]

    def write_off(self, index: int) -> list[EventData]:
        item = self.pick(index)
        if item is None:
            return []
        amount = item.outstanding
        item.settled += amount
        item.written_off = True
        return [
            InvoiceWrittenOffV1(
                invoice_number=item.number,
                customer_id=self.customer,
                amount=amount,
                currency="EUR",
                written_off_on=self.today,
            )
        ]

    def dispute(self, index: int, outcome: str) -> list[EventData]:
        if not self.invoices:
            return []
        item = self.invoices[index % len(self.invoices)]
        dispute_id = self.next_id("DSP")
        return [
            InvoiceDisputedV1(
                dispute_id=dispute_id,
                invoice_number=item.number,
                customer_id=self.customer,
                opened_on=self.today,
            ),
            DisputeResolvedV1(
                dispute_id=dispute_id,
                invoice_number=item.number,
                customer_id=self.customer,
                outcome=outcome,
                resolved_on=self.today,
            ),  # type: ignore[arg-type]
        ]

    def unapplied_credit(self, balance: Decimal) -> list[EventData]:
        change, self.unapplied = balance - self.unapplied, balance
        return [
            UnappliedCreditChangedV1(
                customer_id=self.customer,
                currency="EUR",
                balance=balance,
                change=change,
                cause="payment_received",
                document_reference=self.next_id("PAY"),
                changed_on=self.today,
            )
        ]

    def pick(self, index: int) -> Invoice | None:
        open_ = [i for i in self.invoices if i.outstanding > 0 and not i.written_off]
        return open_[index % len(open_)] if open_ else None
