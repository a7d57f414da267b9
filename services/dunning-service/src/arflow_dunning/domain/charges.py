"""Dunning fees and late interest, as amounts to request from the ledger.

Late interest = outstanding principal × annual rate × days / year basis, with days and basis
from the day-count convention (see `daycount`), rounded half-up to the currency's minor unit.
It accrues from the due date, or from the date interest was last charged up to, to `as_of`;
charging up to a date and later from that date never counts a day twice.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arflow_dunning.domain.actions import Fee, LateInterest
from arflow_dunning.domain.daycount import DayCount, accrual_days, year_basis
from arflow_dunning.domain.errors import InvalidChargeInput
from arflow_dunning.domain.money import round_money


@dataclass(frozen=True)
class InterestTerms:
    """Annual late-interest rate (0.08 = 8 % p.a.) and its day-count convention."""

    annual_rate: Decimal
    day_count: DayCount

    def __post_init__(self) -> None:
        if self.annual_rate < 0:
            raise InvalidChargeInput(f"interest rate must not be negative, got {self.annual_rate}")
        object.__setattr__(self, "day_count", parse_day_count(self.day_count))


def parse_day_count(value: str) -> DayCount:
    """The convention named by a contract string such as "ACT/360"."""
    try:
        return DayCount(value)
    except ValueError as error:
        raise InvalidChargeInput(f"unknown day count {value!r}") from error


def interest_terms(
    action: LateInterest, contract_rate: Decimal | None, contract_day_count: str | None
) -> InterestTerms | None:
    """The contract's rate and day count, each falling back to the action's; None: no interest."""
    rate = contract_rate if contract_rate is not None else action.fallback_rate
    if rate is None:
        return None
    return InterestTerms(rate, parse_day_count(contract_day_count or action.fallback_day_count))


def late_interest(
    principal: Decimal,
    currency: str,
    terms: InterestTerms,
    due_date: date,
    as_of: date,
    charged_through: date | None = None,
) -> Decimal:
    """Interest on the principal from the due date (or last charge date) to as_of, rounded."""
    if principal < 0:
        raise InvalidChargeInput(f"principal must not be negative, got {principal}")
    start = max(due_date, charged_through) if charged_through else due_date
    days = accrual_days(start, as_of, terms.day_count)
    if days <= 0:
        return round_money(Decimal(0), currency)
    raw = principal * terms.annual_rate * days / year_basis(terms.day_count)
    return round_money(raw, currency)


def fee_amount(fee: Fee, currency: str, contract_fee: Decimal | None = None) -> Decimal:
    """The fee to charge: the contract's if it names one, else the policy's for the currency.

    Zero means no fee is configured for the currency; request no charge then.
    """
    if contract_fee is not None:
        if contract_fee < 0:
            raise InvalidChargeInput(f"contract fee must not be negative, got {contract_fee}")
        return round_money(contract_fee, currency)
    return round_money(fee.amounts.get(currency, Decimal(0)), currency)
