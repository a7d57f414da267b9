"""Finance reports in set-based SQL, with the domain's formulas: aging, DSO, CEI, bad-debt allowance.

Every report is point in time: only documents dated on or before the date count.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from arflow_invoice.domain import AgingBucket, InvalidParameter, quantize
from arflow_invoice.domain.reports import RATIO
from arflow_invoice.ledger.common import money_text
from arflow_invoice.store import Invoice
from arflow_invoice.store.report_sql import GroupBy, aging_params, aging_statement, receivables_statement

ZERO = Decimal(0)
DSO_METHOD = (
    "simple period method: DSO = ending AR / credit sales in the period x days in the period; "
    "ending AR = outstanding (principal and posted charges) at the end of the last day, credit sales = "
    "amounts of invoices issued in the period (both ends included), days = to - from + 1; "
    "null without credit sales; per currency, never converted"
)


async def aging_rows(
    session: AsyncSession, as_of: date, buckets: Sequence[AgingBucket], group_by: GroupBy = None
) -> list[dict[str, Any]]:
    """Every bucket for each currency (and group) with something outstanding, in bucket order."""
    found: dict[tuple[str, str], dict[str, tuple[Decimal, int]]] = {}
    for currency, group, bucket, amount, count in (
        await session.execute(aging_statement(tuple(buckets), group_by), aging_params(as_of, buckets))
    ).all():
        found.setdefault((currency, group), {})[bucket] = (amount, count)
    rows = []
    for (currency, group), by_bucket in sorted(found.items()):
        for bucket in buckets:
            amount, count = by_bucket.get(bucket.label, (ZERO, 0))
            row: dict[str, Any] = {
                "currency": currency,
                "bucket": bucket.label,
                "amount": money_text(amount, currency),
                "count": count,
            }
            if group_by is not None:
                row["group"] = group
            rows.append(row)
    return rows


async def aging_report(
    session: AsyncSession, as_of: date, buckets: Sequence[AgingBucket], group_by: GroupBy = None
) -> dict[str, Any]:
    """GET /v1/reports/aging."""
    return {
        "as_of": as_of.isoformat(),
        "group_by": group_by,
        "rows": await aging_rows(session, as_of, buckets, group_by),
    }


def _period(start: date, end: date) -> int:
    if end < start:
        raise InvalidParameter(f"the period ends on {end}, before it starts on {start}")
    return (end - start).days + 1


async def _receivables(session: AsyncSession, as_of: date) -> dict[str, tuple[Decimal, Decimal]]:
    rows = (await session.execute(receivables_statement(), {"as_of": as_of})).all()
    return {currency: (total or ZERO, current or ZERO) for currency, total, current in rows}


async def _sales(session: AsyncSession, start: date, end: date) -> tuple[dict[str, Decimal], list[str]]:
    sales = (
        await session.execute(
            select(col(Invoice.currency), func.sum(col(Invoice.amount)))
            .where(col(Invoice.issue_date) >= start, col(Invoice.issue_date) <= end)
            .group_by(col(Invoice.currency))
        )
    ).all()
    currencies = (
        await session.execute(select(col(Invoice.currency)).where(col(Invoice.issue_date) <= end).distinct())
    ).scalars()
    return {currency: total for currency, total in sales}, sorted(currencies)


async def dso_report(session: AsyncSession, start: date, end: date) -> dict[str, Any]:
    """GET /v1/reports/dso: per currency, by the simple period method (see DSO_METHOD)."""
    days = _period(start, end)
    sales, currencies = await _sales(session, start, end)
    ending = await _receivables(session, end)
    figures = []
    for currency in currencies:
        ar = quantize(ending.get(currency, (ZERO, ZERO))[0], currency)
        sold = quantize(sales.get(currency, ZERO), currency)
        dso = (ar / sold * days).quantize(RATIO) if sold else None
        figures.append(
            {
                "currency": currency,
                "ending_ar": money_text(ar, currency),
                "credit_sales": money_text(sold, currency),
                "days": days,
                "dso": str(dso) if dso is not None else None,
            }
        )
    return {"from": start.isoformat(), "to": end.isoformat(), "method": DSO_METHOD, "figures": figures}


async def cei_report(session: AsyncSession, start: date, end: date) -> dict[str, Any]:
    """GET /v1/reports/cei: (opening + sales − closing) / (opening + sales − closing current) × 100."""
    _period(start, end)
    sales, currencies = await _sales(session, start, end)
    opening = await _receivables(session, start - timedelta(days=1))
    closing = await _receivables(session, end)
    figures = []
    for currency in currencies:
        opened = quantize(opening.get(currency, (ZERO, ZERO))[0], currency)
        closed, current = (quantize(v, currency) for v in closing.get(currency, (ZERO, ZERO)))
        sold = quantize(sales.get(currency, ZERO), currency)
        collectable = opened + sold - current
        cei = ((opened + sold - closed) / collectable * 100).quantize(RATIO) if collectable else None
        figures.append(
            {
                "currency": currency,
                "opening_ar": money_text(opened, currency),
                "credit_sales": money_text(sold, currency),
                "closing_ar": money_text(closed, currency),
                "closing_current_ar": money_text(current, currency),
                "cei": str(cei) if cei is not None else None,
            }
        )
    return {"from": start.isoformat(), "to": end.isoformat(), "figures": figures}


async def allowance_report(
    session: AsyncSession, as_of: date, buckets: Sequence[AgingBucket], rates: Mapping[str, Decimal]
) -> dict[str, Any]:
    """GET /v1/reports/allowance: aging amount × the bucket's rate, rounded to the currency."""
    rows = []
    totals: dict[str, Decimal] = {}
    for row in await aging_rows(session, as_of, buckets):
        currency, rate = row["currency"], rates[row["bucket"]]
        allowance = quantize(Decimal(row["amount"]) * rate, currency)
        totals[currency] = totals.get(currency, ZERO) + allowance
        rows.append({**row, "rate": str(rate), "allowance": money_text(allowance, currency)})
    return {
        "as_of": as_of.isoformat(),
        "rows": rows,
        "totals": [{"currency": c, "allowance": money_text(t, c)} for c, t in sorted(totals.items())],
    }
