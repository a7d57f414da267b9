"""The effectiveness report: what each stage reached and recovered, what it cost, KPIs per owner.

Everything is per currency (no conversion). Stages count the invoices that reached them within
the period; payments count when made within the window after the stage, even after the period.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.domain import (
    ArBalances,
    CollectorKpis,
    InvoicePayment,
    SettledInvoice,
    StageChannelResult,
    StageCostResult,
    collector_kpis,
    recovered_after,
    stage_costs,
    stage_effectiveness,
)
from arflow_dunning.domain import StageReached as Reached
from arflow_dunning.store import DunningCustomer, Settlement, StageReached, UnitCost, WatchedInvoice

STANDARD_WINDOW = 30
UNASSIGNED = "unassigned"
_IN_BATCH = 500


@dataclass
class StageRow:
    """One stage of one policy in one currency."""

    policy_id: str
    stage: str
    position: int
    currency: str
    invoices_reached: int
    amount_reached: Decimal
    recovered_within_30_days: Decimal
    recovered_within_window: Decimal
    channels: list[StageChannelResult]
    cost: StageCostResult | None


@dataclass
class EffectivenessReport:
    start: date
    end: date
    window_days: int
    stages: list[StageRow]
    collectors: list[tuple[str, str, CollectorKpis]]
    salespeople: list[tuple[str, str, CollectorKpis]]
    unit_costs: dict[str, Decimal]


async def unit_costs(session: AsyncSession, defaults: dict[str, Decimal]) -> dict[str, Decimal]:
    """The defaults overridden by what an admin set."""
    costs = dict(defaults)
    for row in (await session.execute(select(UnitCost))).scalars():
        costs[row.action_key] = row.cost
    return costs


async def _payments(session: AsyncSession, numbers: list[str]) -> list[InvoicePayment]:
    payments = []
    for start in range(0, len(numbers), _IN_BATCH):
        rows = await session.execute(
            select(Settlement).where(
                Settlement.kind == "payment",
                Settlement.invoice_number.in_(numbers[start : start + _IN_BATCH]),
            )
        )
        payments += [
            InvoicePayment(s.invoice_number, s.on_date, s.amount, s.currency) for s in rows.scalars()
        ]
    return payments


def _stage_rows(
    reached: list[StageReached], payments: list[InvoicePayment], window: int, costs: dict[str, Decimal]
) -> list[StageRow]:
    rows = []
    for currency in sorted({r.currency for r in reached}):
        events = [
            Reached(
                r.invoice_number,
                r.policy_id,
                r.stage,
                r.reached_on,
                r.amount,
                r.currency,
                tuple(r.channels),
                tuple(r.cost_keys),
            )
            for r in reached
            if r.currency == currency
        ]
        paid = [p for p in payments if p.currency == currency]
        by_invoice: dict[str, list[InvoicePayment]] = defaultdict(list)
        for payment in paid:
            by_invoice[payment.invoice_id].append(payment)
        channels = stage_effectiveness(events, paid, currency=currency, window_days=window)
        cost_rows = {
            (c.policy_id, c.stage_key): c
            for c in stage_costs(events, paid, costs, currency=currency, window_days=STANDARD_WINDOW)
        }
        positions = {(r.policy_id, r.stage): r.stage_position for r in reached}
        grouped: dict[tuple[str, str], list[Reached]] = defaultdict(list)
        for event in events:
            grouped[(event.policy_id, event.stage_key)].append(event)
        for (policy_id, stage), group in grouped.items():
            rows.append(
                StageRow(
                    policy_id=policy_id,
                    stage=stage,
                    position=positions[(policy_id, stage)],
                    currency=currency,
                    invoices_reached=len({e.invoice_id for e in group}),
                    amount_reached=sum((e.amount for e in group), Decimal(0)),
                    recovered_within_30_days=sum(
                        (recovered_after(e, by_invoice[e.invoice_id], STANDARD_WINDOW) for e in group),
                        Decimal(0),
                    ),
                    recovered_within_window=sum(
                        (recovered_after(e, by_invoice[e.invoice_id], window) for e in group), Decimal(0)
                    ),
                    channels=[c for c in channels if (c.policy_id, c.stage_key) == (policy_id, stage)],
                    cost=cost_rows.get((policy_id, stage)),
                )
            )
    return sorted(rows, key=lambda r: (r.policy_id, r.position, r.currency))


def _owner_kpis(
    invoices: list[WatchedInvoice],
    settled_principal: dict[str, tuple[Decimal, Decimal]],
    owner_of: dict[str, str],
    start: date,
    end: date,
) -> list[tuple[str, str, CollectorKpis]]:
    """(owner, currency, KPIs): amount collected, days late, CEI over the period."""
    settled: dict[str, list[SettledInvoice]] = defaultdict(list)
    balances: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    currency_of: dict[str, str] = {}
    for invoice in invoices:
        key = f"{owner_of[invoice.invoice_number]}|{invoice.currency}"
        currency_of[key] = invoice.currency
        issued = invoice.issue_date or invoice.due_date
        before_start, until_end = settled_principal.get(invoice.invoice_number, (Decimal(0), Decimal(0)))
        sums = balances[key]
        if issued < start:
            sums["opening"] += invoice.amount - before_start
        elif issued <= end:
            sums["sales"] += invoice.amount
        if issued <= end:
            sums["closing"] += invoice.amount - until_end
            if invoice.due_date >= end:
                sums["current"] += invoice.amount - until_end
        if invoice.paid_date is not None and start <= invoice.paid_date <= end:
            settled[key].append(SettledInvoice(key, invoice.amount, invoice.due_date, invoice.paid_date))
    ar = {
        key: ArBalances(s["opening"], s["sales"], s["closing"], s["current"]) for key, s in balances.items()
    }
    return [
        (k.owner_id.rsplit("|", 1)[0], currency_of[k.owner_id], k)
        for k in collector_kpis((i for group in settled.values() for i in group), ar)
    ]


async def _settled_principal(
    session: AsyncSession, start: date, end: date
) -> dict[str, tuple[Decimal, Decimal]]:
    """Per invoice: principal settled before the period, and up to its end."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows = await session.execute(
        select(Settlement.invoice_number, Settlement.on_date, Settlement.principal).where(
            Settlement.on_date <= end
        )
    )
    for number, on, principal in rows:
        if on < start:
            totals[number][0] += principal
        totals[number][1] += principal
    return {number: (before, until) for number, (before, until) in totals.items()}


def _owners(
    invoices: Iterable[WatchedInvoice], customers: dict[str, DunningCustomer], salesperson: bool
) -> dict[str, str]:
    owners = {}
    for invoice in invoices:
        customer = customers.get(invoice.customer_id)
        if salesperson:
            owner = invoice.salesperson_id or (customer.salesperson_id if customer else None)
        else:
            owner = customer.collector_id if customer else None
        owners[invoice.invoice_number] = owner or UNASSIGNED
    return owners


async def effectiveness_report(
    session: AsyncSession, start: date, end: date, window_days: int, costs: dict[str, Decimal]
) -> EffectivenessReport:
    """The report for stages reached from `start` to `end` (inclusive)."""
    reached = list(
        (
            await session.execute(
                select(StageReached).where(StageReached.reached_on >= start, StageReached.reached_on <= end)
            )
        ).scalars()
    )
    payments = await _payments(session, sorted({r.invoice_number for r in reached}))
    invoices = list((await session.execute(select(WatchedInvoice))).scalars())
    customers = {c.customer_id: c for c in (await session.execute(select(DunningCustomer))).scalars()}
    principal = await _settled_principal(session, start, end)
    return EffectivenessReport(
        start=start,
        end=end,
        window_days=window_days,
        stages=_stage_rows(reached, payments, window_days, costs),
        collectors=_owner_kpis(invoices, principal, _owners(invoices, customers, False), start, end),
        salespeople=_owner_kpis(invoices, principal, _owners(invoices, customers, True), start, end),
        unit_costs=costs,
    )
