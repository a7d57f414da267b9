"""The invoice as the ledger sees it: its documents, and every figure derived from them as of a date.

Point in time: a figure "as of" a date counts only documents dated on or before that date, so
any past date can be replayed. Build and change an `InvoiceState` through `posting`, which
checks the rules that keep every part's outstanding amount from going negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arflow_invoice.domain.documents import (
    PARTS,
    ZERO,
    Charge,
    ChargeKind,
    CreditNote,
    Dispute,
    InvoiceStatus,
    OpenEntry,
    OpenItem,
    Part,
    PartAmounts,
    PostedAllocation,
    WriteOff,
)
from arflow_invoice.domain.errors import InvalidDate
from arflow_invoice.domain.terms import Instalment


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def _consume(schedule: list[tuple[date, Decimal]], paid: Decimal, part: Part) -> list[OpenEntry]:
    """Settle the earliest-due entries first and return what is left of each."""
    left: list[OpenEntry] = []
    for due, amount in sorted(schedule, key=lambda entry: entry[0]):
        taken = min(amount, paid)
        paid -= taken
        if amount > taken:
            left.append(OpenEntry(due, part, amount - taken))
    return left


@dataclass(frozen=True)
class InvoiceState:
    """An invoice and every ledger document posted against it."""

    invoice_number: str
    customer_id: str
    currency: str
    amount: Decimal
    issue_date: date
    due_date: date
    salesperson_id: str | None = None
    jurisdiction: str | None = None
    instalments: tuple[Instalment, ...] = ()
    discount_date: date | None = None
    discount_amount: Decimal | None = None
    charges: tuple[Charge, ...] = ()
    allocations: tuple[PostedAllocation, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()
    write_offs: tuple[WriteOff, ...] = ()
    disputes: tuple[Dispute, ...] = ()

    def is_issued(self, as_of: date) -> bool:
        """True once the issue date has come."""
        return self.issue_date <= as_of

    def charged(self, as_of: date, kind: ChargeKind | None = None) -> Decimal:
        """Fees and/or interest posted on or before `as_of`."""
        return _total(c.amount for c in self.charges if c.posted_date <= as_of and kind in (None, c.kind))

    def allocated(self, as_of: date, part: Part | None = None) -> Decimal:
        """Payments and credit applied on or before `as_of` (to one part or all)."""
        return _total(
            a.amount for a in self.allocations if a.applied_date <= as_of and part in (None, a.part)
        )

    def credited(self, as_of: date) -> Decimal:
        """Credit notes issued on or before `as_of`."""
        return _total(n.amount for n in self.credit_notes if n.issue_date <= as_of)

    def written_off(self, as_of: date, part: Part | None = None) -> Decimal:
        """Write-offs dated on or before `as_of` (of one part or all)."""
        return _total(
            w.amount for w in self.write_offs if w.written_off_date <= as_of and part in (None, w.part)
        )

    def outstanding_by_part(self, as_of: date) -> PartAmounts:
        """What is still owed per part as of `as_of` (zero before the issue date)."""
        if not self.is_issued(as_of):
            return PartAmounts()

        def charge_due(kind: ChargeKind) -> Decimal:
            return self.charged(as_of, kind) - self.allocated(as_of, kind) - self.written_off(as_of, kind)

        principal = (
            self.amount
            - self.credited(as_of)
            - self.allocated(as_of, "principal")
            - self.written_off(as_of, "principal")
        )
        return PartAmounts(fees=charge_due("fees"), interest=charge_due("interest"), principal=principal)

    def outstanding(self, as_of: date) -> Decimal:
        """amount + charges − allocations − credit notes − write-offs, counting documents ≤ as_of."""
        return self.outstanding_by_part(as_of).total

    def open_entries(self, as_of: date) -> tuple[OpenEntry, ...]:
        """What is owed as of `as_of`, split by due date (instalments, charges); sums to outstanding."""
        if not self.is_issued(as_of):
            return ()
        owed = self.outstanding_by_part(as_of)
        schedule = [(i.due_date, i.amount) for i in self.instalments] or [(self.due_date, self.amount)]
        entries = _consume(schedule, self.amount - owed.principal, "principal")
        for kind in ("fees", "interest"):
            posted = [(c.due, c.amount) for c in self.charges if c.kind == kind and c.posted_date <= as_of]
            entries += _consume(posted, self.charged(as_of, kind) - owed.get(kind), kind)
        return tuple(sorted(entries, key=lambda entry: (entry.due_date, PARTS.index(entry.part))))

    def open_item(self, as_of: date) -> OpenItem:
        """This invoice as an open item for allocation; its due date is the earliest still unpaid."""
        entries = self.open_entries(as_of)
        return OpenItem(
            invoice_number=self.invoice_number,
            customer_id=self.customer_id,
            currency=self.currency,
            issue_date=self.issue_date,
            due_date=min((e.due_date for e in entries), default=self.due_date),
            outstanding=self.outstanding_by_part(as_of),
        )

    def disputed_amount(self, as_of: date) -> Decimal:
        """Amount under open dispute as of `as_of`, never more than what is outstanding."""
        disputed = _total(d.amount for d in self.disputes if d.is_open(as_of))
        return min(disputed, self.outstanding(as_of))

    def document_dates(self) -> tuple[date, ...]:
        """Every date on which an amount document changed the outstanding, in order."""
        dates = {self.issue_date}
        dates |= {c.posted_date for c in self.charges}
        dates |= {a.applied_date for a in self.allocations}
        dates |= {n.issue_date for n in self.credit_notes}
        dates |= {w.written_off_date for w in self.write_offs}
        return tuple(sorted(dates))

    def available(self, part: Part, on: date) -> Decimal:
        """Most a new reduction of `part` dated `on` may take without any later figure going negative."""
        checkpoints = [on] + [day for day in self.document_dates() if day > on]
        return min(self.outstanding_by_part(day).get(part) for day in checkpoints)

    def status(self, as_of: date) -> InvoiceStatus:
        """open, partially_paid, paid, disputed or written_off as of `as_of`."""
        if not self.is_issued(as_of):
            raise InvalidDate(
                f"invoice {self.invoice_number} was issued on {self.issue_date}, after {as_of}",
                invoice_number=self.invoice_number,
            )
        if self.outstanding(as_of) == 0:
            return InvoiceStatus.WRITTEN_OFF if self.written_off(as_of) else InvoiceStatus.PAID
        if self.disputed_amount(as_of) > 0:
            return InvoiceStatus.DISPUTED
        if self.allocated(as_of) or self.credited(as_of) or self.written_off(as_of):
            return InvoiceStatus.PARTIALLY_PAID
        return InvoiceStatus.OPEN

    def settled_date(self, as_of: date) -> date | None:
        """Day the outstanding reached zero (and stayed so through `as_of`), else None."""
        if not self.is_issued(as_of) or self.outstanding(as_of) != 0:
            return None
        return max(day for day in self.document_dates() if day <= as_of)

    def paid_date(self, as_of: date) -> date | None:
        """Settlement day if the invoice is paid (not written off) as of `as_of`, else None."""
        if self.settled_date(as_of) is None or self.written_off(as_of):
            return None
        return self.settled_date(as_of)

    def days_late(self, as_of: date) -> int | None:
        """max(0, paid_date − due_date) once paid, else None."""
        paid = self.paid_date(as_of)
        return None if paid is None else max(0, (paid - self.due_date).days)

    def days_to_settle(self, as_of: date) -> int | None:
        """paid_date − issue_date once paid, else None."""
        paid = self.paid_date(as_of)
        return None if paid is None else (paid - self.issue_date).days

    def days_overdue(self, as_of: date) -> int:
        """Days since the earliest unpaid due date (0 if nothing is past due as of `as_of`)."""
        entries = self.open_entries(as_of)
        if not entries:
            return 0
        return max(0, (as_of - min(entry.due_date for entry in entries)).days)

    def is_overdue(self, as_of: date) -> bool:
        """True from the day after a due date while something due then is still outstanding."""
        return self.days_overdue(as_of) > 0

    def discount_available(self, paid_on: date) -> Decimal:
        """Early-payment discount a payment on `paid_on` may take (0 once the discount date passed)."""
        if self.discount_date is None or self.discount_amount is None or paid_on > self.discount_date:
            return ZERO
        return self.discount_amount
