"""Credit exposure: outstanding (not yet due + overdue) + reserved orders - unapplied credit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arflow_credit.domain.ledger import OpenInvoice
from arflow_credit.domain.money import ZERO, require_currency, require_non_negative
from arflow_credit.domain.policy import ALL_EXPOSURE_PARTS, CreditPolicy, ExposurePart


@dataclass(frozen=True)
class Exposure:
    """Exposure by part (all non-negative) and which parts count toward the total."""

    currency: str
    not_yet_due: Decimal = ZERO
    overdue: Decimal = ZERO
    reserved: Decimal = ZERO
    unapplied_credit: Decimal = ZERO
    counted_parts: frozenset[ExposurePart] = ALL_EXPOSURE_PARTS

    def __post_init__(self) -> None:
        require_currency(self.currency)
        for part in ExposurePart:
            require_non_negative(getattr(self, part.value), part.value)

    @property
    def total(self) -> Decimal:
        """Counted parts summed; unapplied credit (when counted) reduces exposure."""
        counted = self.counted_parts
        total = ZERO
        for part in (ExposurePart.NOT_YET_DUE, ExposurePart.OVERDUE, ExposurePart.RESERVED):
            if part in counted:
                total += getattr(self, part.value)
        if ExposurePart.UNAPPLIED_CREDIT in counted:
            total -= self.unapplied_credit
        return total

    def with_reserved(self, amount: Decimal) -> "Exposure":
        """This exposure with ``amount`` more reserved for an approved order."""
        require_non_negative(amount, "reserved amount")
        return Exposure(
            self.currency,
            self.not_yet_due,
            self.overdue,
            self.reserved + amount,
            self.unapplied_credit,
            self.counted_parts,
        )


def credit_exposure(
    policy: CreditPolicy,
    open_invoices: Iterable[OpenInvoice],
    as_of: date,
    reserved: Decimal = ZERO,
    unapplied_credit: Decimal = ZERO,
) -> Exposure:
    """Split open invoices into not yet due / overdue on ``as_of`` and count parts per policy."""
    not_yet_due = overdue = ZERO
    for invoice in open_invoices:
        if invoice.is_overdue(as_of):
            overdue += invoice.outstanding
        else:
            not_yet_due += invoice.outstanding
    return Exposure(policy.currency, not_yet_due, overdue, reserved, unapplied_credit, policy.counted_parts)


def available_credit(limit: Decimal, exposure: Exposure) -> Decimal:
    """Limit minus exposure; negative when the customer is over the limit."""
    return limit - exposure.total
