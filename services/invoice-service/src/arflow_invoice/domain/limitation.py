"""Statute of limitations: when each open invoice's claim expires, and warnings before it does.

A claim's period starts at its due date (or, where the law says so, at the end of that year).
Restart events (a partial payment, a confirmed balance statement, a delivered formal demand)
start a fresh full period from their date, if the jurisdiction's rule counts them and the claim
has not expired yet. Partial payments are read from the invoice's own allocations.

The table below is an example of how rules are configured, simplified and NOT legal advice:
- default: 3 years from the due date; every restart kind counts (the platform's baseline).
- DE: 3 years from the end of the year the claim fell due (BGB §§195, 199); an acknowledgment
  (part payment, confirmed statement) restarts it (§212), a mere demand does not.
- CN: 3 years (Civil Code art. 188); a demand, an acknowledgment or a part payment restarts it
  (art. 195).
- US-NY: 6 years for contracts (CPLR 213); a part payment or a written acknowledgment restarts it.
- GB: 6 years (Limitation Act 1980 s.5); an acknowledgment or part payment restarts it (s.29).
Unknown jurisdictions fall back to the default rule; each warning names the rule it used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from arflow_invoice.domain.errors import InvalidParameter
from arflow_invoice.domain.invoice import InvoiceState

RestartKind = Literal["partial_payment", "confirmed_statement", "delivered_demand"]
EVERY_RESTART: frozenset[RestartKind] = frozenset(
    {"partial_payment", "confirmed_statement", "delivered_demand"}
)
ACKNOWLEDGMENTS: frozenset[RestartKind] = frozenset({"partial_payment", "confirmed_statement"})


@dataclass(frozen=True)
class LimitationRule:
    """How long a claim lasts in one jurisdiction and what restarts it."""

    jurisdiction: str
    years: int
    from_year_end: bool = False
    restarted_by: frozenset[RestartKind] = EVERY_RESTART


LIMITATION_RULES: Mapping[str, LimitationRule] = MappingProxyType(
    {
        "default": LimitationRule("default", 3),
        "DE": LimitationRule("DE", 3, from_year_end=True, restarted_by=ACKNOWLEDGMENTS),
        "CN": LimitationRule("CN", 3),
        "US-NY": LimitationRule("US-NY", 6, restarted_by=ACKNOWLEDGMENTS),
        "GB": LimitationRule("GB", 6, restarted_by=ACKNOWLEDGMENTS),
    }
)
"""Example rules by jurisdiction code; pass your own mapping to configure others."""


@dataclass(frozen=True)
class LimitationRestart:
    """An event that may restart an invoice's limitation period (a statement, a demand)."""

    invoice_number: str
    kind: RestartKind
    restart_date: date


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def limitation_rule(
    jurisdiction: str | None, rules: Mapping[str, LimitationRule] = LIMITATION_RULES
) -> LimitationRule:
    """The rule for a jurisdiction, or the 'default' rule when it has none of its own."""
    rule = rules.get(jurisdiction or "default") or rules.get("default")
    if rule is None:
        raise InvalidParameter("limitation rules need a 'default' entry")
    return rule


def claim_expiry(
    invoice: InvoiceState,
    as_of: date,
    rule: LimitationRule,
    restarts: Iterable[LimitationRestart] = (),
) -> date:
    """Last day the claim can be enforced, given restarts known by `as_of`."""
    if rule.from_year_end:
        expiry = date(invoice.due_date.year + rule.years, 12, 31)
    else:
        expiry = add_years(invoice.due_date, rule.years)
    events = [(a.applied_date, "partial_payment") for a in invoice.allocations]
    events += [(r.restart_date, r.kind) for r in restarts if r.invoice_number == invoice.invoice_number]
    for day, kind in sorted(events):
        if day <= as_of and day <= expiry and kind in rule.restarted_by:
            expiry = max(expiry, add_years(day, rule.years))
    return expiry


@dataclass(frozen=True)
class LimitationWarning:
    """An open invoice whose claim expires soon (or already has: days_left < 0)."""

    invoice_number: str
    customer_id: str
    currency: str
    outstanding: Decimal
    jurisdiction: str
    expires_on: date
    days_left: int

    @property
    def expired(self) -> bool:
        """True once the last enforceable day has passed."""
        return self.days_left < 0


def limitation_warnings(
    invoices: Iterable[InvoiceState],
    as_of: date,
    within_days: int,
    restarts: Iterable[LimitationRestart] = (),
    rules: Mapping[str, LimitationRule] = LIMITATION_RULES,
) -> tuple[LimitationWarning, ...]:
    """Open invoices whose claim expires within `within_days` of `as_of` (or has expired), soonest first."""
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise InvalidParameter(f"within_days must be a whole number ≥ 0, got {within_days!r}")
    known = list(restarts)
    warnings = []
    for invoice in invoices:
        outstanding = invoice.outstanding(as_of)
        if outstanding <= 0:
            continue
        rule = limitation_rule(invoice.jurisdiction, rules)
        expires = claim_expiry(invoice, as_of, rule, known)
        days_left = (expires - as_of).days
        if days_left <= within_days:
            warnings.append(
                LimitationWarning(
                    invoice.invoice_number,
                    invoice.customer_id,
                    invoice.currency,
                    outstanding,
                    rule.jurisdiction,
                    expires,
                    days_left,
                )
            )
    return tuple(sorted(warnings, key=lambda w: (w.expires_on, w.invoice_number)))
