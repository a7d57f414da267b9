"""What dunning recovers per stage and channel, what it costs, and CEI per collector.

Recovered within N days after a stage: payments on the invoice dated after the day the stage was
reached and at most N days later (a payment on the day itself came before the evaluation that
day closed), capped at the amount outstanding when the stage was reached. A stage with two
channels appears in both channel rows (the same invoices reached both ways); a stage with no
notification has the channel "none".

Costs use last-touch attribution so nothing is counted twice: each payment counts for the latest
stage reached before it, if within N days. Amounts must all be in the report's currency.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from arflow_dunning.domain.money import require_same_currency

NO_CHANNEL = "none"


@dataclass(frozen=True)
class StageReached:
    """An invoice reached a stage on a date with this much outstanding."""

    invoice_id: str
    policy_id: str
    stage_key: str
    reached_on: date
    amount: Decimal
    currency: str
    channels: tuple[str, ...] = ()
    cost_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class InvoicePayment:
    """Money applied to an invoice on a date."""

    invoice_id: str
    paid_on: date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class StageChannelResult:
    """One row of the effectiveness report: a stage on a channel."""

    policy_id: str
    stage_key: str
    channel: str
    invoices_reached: int
    amount_reached: Decimal
    recovered_within_window: Decimal


@dataclass(frozen=True)
class StageCostResult:
    """Cost of a stage's actions against what it recovered (last touch)."""

    policy_id: str
    stage_key: str
    actions: int
    cost: Decimal
    recovered: Decimal

    @property
    def cost_per_recovered(self) -> Decimal | None:
        """Cost per unit of money recovered; None when nothing was recovered."""
        return self.cost / self.recovered if self.recovered else None


def _payments_by_invoice(
    payments: Iterable[InvoicePayment], currency: str
) -> dict[str, list[InvoicePayment]]:
    grouped: dict[str, list[InvoicePayment]] = defaultdict(list)
    for payment in payments:
        require_same_currency(currency, payment.currency, f"payment on {payment.invoice_id}")
        grouped[payment.invoice_id].append(payment)
    return grouped


def _checked(reached: Iterable[StageReached], currency: str) -> list[StageReached]:
    events = list(reached)
    for event in events:
        what = f"stage {event.stage_key} of {event.invoice_id}"
        require_same_currency(currency, event.currency, what)
    return events


def _in_window(reached_on: date, paid_on: date, window_days: int) -> bool:
    return reached_on < paid_on <= reached_on + timedelta(days=window_days)


def recovered_after(reach: StageReached, payments: Iterable[InvoicePayment], window_days: int) -> Decimal:
    """Paid on the invoice within the window after the stage, capped at the amount reached."""
    paid = sum(
        (
            p.amount
            for p in payments
            if p.invoice_id == reach.invoice_id and _in_window(reach.reached_on, p.paid_on, window_days)
        ),
        Decimal(0),
    )
    return min(paid, reach.amount)


def stage_effectiveness(
    reached: Iterable[StageReached],
    payments: Iterable[InvoicePayment],
    *,
    currency: str,
    window_days: int = 30,
) -> tuple[StageChannelResult, ...]:
    """Per policy, stage and channel: invoices and amount reached, recovered within the window."""
    by_invoice = _payments_by_invoice(payments, currency)
    rows: dict[tuple[str, str, str], list[StageReached]] = defaultdict(list)
    for event in _checked(reached, currency):
        for channel in event.channels or (NO_CHANNEL,):
            rows[(event.policy_id, event.stage_key, channel)].append(event)
    return tuple(
        StageChannelResult(
            policy_id=policy_id,
            stage_key=stage_key,
            channel=channel,
            invoices_reached=len({e.invoice_id for e in events}),
            amount_reached=sum((e.amount for e in events), Decimal(0)),
            recovered_within_window=sum(
                (recovered_after(e, by_invoice[e.invoice_id], window_days) for e in events),
                Decimal(0),
            ),
        )
        for (policy_id, stage_key, channel), events in sorted(rows.items())
    )


def stage_costs(
    reached: Iterable[StageReached],
    payments: Iterable[InvoicePayment],
    unit_costs: Mapping[str, Decimal],
    *,
    currency: str,
    window_days: int = 30,
) -> tuple[StageCostResult, ...]:
    """Per policy and stage: actions taken, their cost (unpriced keys cost 0), recovered."""
    events = _checked(reached, currency)
    recovered = _last_touch(events, _payments_by_invoice(payments, currency), window_days)
    totals: dict[tuple[str, str], tuple[int, Decimal, Decimal]] = {}
    for event in events:
        key = (event.policy_id, event.stage_key)
        count, cost, got = totals.get(key, (0, Decimal(0), Decimal(0)))
        event_cost = sum((unit_costs.get(k, Decimal(0)) for k in event.cost_keys), Decimal(0))
        totals[key] = (count + len(event.cost_keys), cost + event_cost, got + recovered[event])
    return tuple(
        StageCostResult(policy_id, stage_key, count, cost, got)
        for (policy_id, stage_key), (count, cost, got) in sorted(totals.items())
    )


def _last_touch(
    events: list[StageReached], by_invoice: Mapping[str, list[InvoicePayment]], window_days: int
) -> dict[StageReached, Decimal]:
    credited = {event: Decimal(0) for event in events}
    per_invoice: dict[str, list[StageReached]] = defaultdict(list)
    for event in events:
        per_invoice[event.invoice_id].append(event)
    for invoice_id, touches in per_invoice.items():
        touches.sort(key=lambda e: e.reached_on)
        for payment in sorted(by_invoice.get(invoice_id, []), key=lambda p: p.paid_on):
            before = [e for e in touches if e.reached_on < payment.paid_on]
            if before and _in_window(before[-1].reached_on, payment.paid_on, window_days):
                last = before[-1]
                credited[last] = min(last.amount, credited[last] + payment.amount)
    return credited


@dataclass(frozen=True)
class ArBalances:
    """A collector's (or salesperson's) receivables over a period, in one currency."""

    opening_ar: Decimal
    credit_sales: Decimal
    closing_ar: Decimal
    closing_current_ar: Decimal


def collection_effectiveness_index(balances: ArBalances) -> Decimal | None:
    """CEI in percent, two decimals; None when there was nothing collectible."""
    collectible = balances.opening_ar + balances.credit_sales
    denominator = collectible - balances.closing_current_ar
    if denominator <= 0:
        return None
    cei = (collectible - balances.closing_ar) / denominator * 100
    return cei.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SettledInvoice:
    """An invoice settled in the period, owned by a collector or salesperson."""

    owner_id: str
    amount: Decimal
    due_date: date
    paid_on: date


@dataclass(frozen=True)
class CollectorKpis:
    """Collection KPIs of one collector or salesperson."""

    owner_id: str
    amount_collected: Decimal
    invoices_settled: int
    average_days_late: Decimal | None
    cei: Decimal | None


def collector_kpis(
    settled: Iterable[SettledInvoice], balances: Mapping[str, ArBalances]
) -> tuple[CollectorKpis, ...]:
    """Amount collected, invoices settled, mean days late and CEI per owner, by owner id."""
    grouped: dict[str, list[SettledInvoice]] = defaultdict(list)
    for invoice in settled:
        grouped[invoice.owner_id].append(invoice)
    owners = sorted(set(grouped) | set(balances))
    return tuple(_kpis(owner, grouped.get(owner, []), balances.get(owner)) for owner in owners)


def _kpis(owner: str, invoices: list[SettledInvoice], balances: ArBalances | None) -> CollectorKpis:
    late = [max(0, (i.paid_on - i.due_date).days) for i in invoices]
    average = None
    if late:
        average = (Decimal(sum(late)) / len(late)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return CollectorKpis(
        owner_id=owner,
        amount_collected=sum((i.amount for i in invoices), Decimal(0)),
        invoices_settled=len(invoices),
        average_days_late=average,
        cei=collection_effectiveness_index(balances) if balances else None,
    )
