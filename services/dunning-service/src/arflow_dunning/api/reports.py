"""Collection effectiveness: per stage and channel, per collector and salesperson."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from arflow_dunning.api.common import BusinessDate, DecimalText, RulesDep
from arflow_dunning.domain import CollectorKpis, round_money
from arflow_dunning.errors import InvalidRequest
from arflow_dunning.reports import StageRow, effectiveness_report, unit_costs
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["reports"])

MAX_PERIOD = timedelta(days=3660)


class ChannelOut(BaseModel):
    channel: str = Field(description="email, sms, webhook, letter, or none (a stage without a message)")
    invoices_reached: int
    amount_reached: DecimalText
    recovered_within_window: DecimalText


class StageOut(BaseModel):
    """One stage of one policy, in one currency."""

    policy: str
    stage: str
    position: int = Field(description="1 = the policy's first stage")
    currency: str
    invoices_reached: int
    amount_reached: DecimalText = Field(description="Outstanding when the stage was reached.")
    recovered_within_30_days: DecimalText
    recovered_within_window: DecimalText
    channels: list[ChannelOut]
    actions: int = Field(description="Actions taken (one per channel, task, charge, hold…).")
    cost: DecimalText = Field(description="Actions × unit costs.")
    recovered_last_touch: DecimalText = Field(
        description="Payments within 30 days credited to the latest stage before them."
    )
    cost_per_recovered: DecimalText | None


class OwnerKpisOut(BaseModel):
    owner_id: str
    currency: str
    amount_collected: DecimalText
    invoices_settled: int
    average_days_late: DecimalText | None
    cei: DecimalText | None = Field(description="Collection effectiveness index, percent.")


class EffectivenessOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    window_days: int
    stages: list[StageOut]
    collectors: list[OwnerKpisOut]
    salespeople: list[OwnerKpisOut]
    unit_costs: dict[str, DecimalText]


def _kpis(rows: list[tuple[str, str, CollectorKpis]]) -> list[OwnerKpisOut]:
    return [
        OwnerKpisOut(
            owner_id=owner,
            currency=currency,
            amount_collected=round_money(k.amount_collected, currency),
            invoices_settled=k.invoices_settled,
            average_days_late=k.average_days_late,
            cei=k.cei,
        )
        for owner, currency, k in rows
    ]


def _stage_out(row: StageRow) -> StageOut:
    def money(value: Decimal) -> Decimal:
        return round_money(value, row.currency)

    cost = row.cost
    return StageOut(
        policy=row.policy_id,
        stage=row.stage,
        position=row.position + 1,
        currency=row.currency,
        invoices_reached=row.invoices_reached,
        amount_reached=money(row.amount_reached),
        recovered_within_30_days=money(row.recovered_within_30_days),
        recovered_within_window=money(row.recovered_within_window),
        channels=[
            ChannelOut(
                channel=c.channel,
                invoices_reached=c.invoices_reached,
                amount_reached=money(c.amount_reached),
                recovered_within_window=money(c.recovered_within_window),
            )
            for c in row.channels
        ],
        actions=cost.actions if cost else 0,
        cost=money(cost.cost if cost else Decimal(0)),
        recovered_last_touch=money(cost.recovered if cost else Decimal(0)),
        cost_per_recovered=round(cost.cost_per_recovered, 4) if cost and cost.cost_per_recovered else None,
    )


@router.get("/reports/effectiveness", response_model=EffectivenessOut, response_model_by_alias=True)
async def get_effectiveness(
    uow: UnitOfWorkDep,
    rules: RulesDep,
    _: Annotated[Principal, require("dunning:read")],
    start: Annotated[BusinessDate, Query(alias="from")],
    end: Annotated[BusinessDate, Query(alias="to")],
    window_days: Annotated[int, Query(ge=1, le=365, description="N of 'recovered within N days'")] = 30,
) -> EffectivenessOut:
    """Stages reached from `from` to `to`: invoices, amounts, what came back, what it cost; KPIs."""
    if end < start:
        raise InvalidRequest(f"to ({end}) is before from ({start}).")
    if end - start > MAX_PERIOD:
        raise InvalidRequest("the period may span at most ten years.")
    report = await effectiveness_report(
        uow.session, start, end, window_days, await unit_costs(uow.session, rules.unit_costs)
    )
    stages = [_stage_out(row) for row in report.stages]
    return EffectivenessOut.model_validate(
        {
            "from": start,
            "to": end,
            "window_days": window_days,
            "stages": stages,
            "collectors": _kpis(report.collectors),
            "salespeople": _kpis(report.salespeople),
            "unit_costs": report.unit_costs,
        }
    )
