"""The scorecard in force: factors, weights, curves and class thresholds."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from arflow_credit.api.common import RulesDep
from arflow_credit.settings import FACTORS
from arflow_runtime.auth import Principal
from arflow_runtime.http import require

router = APIRouter(prefix="/v1", tags=["credit"])


class FactorRuleOut(BaseModel):
    name: str
    weight: str
    best: str
    worst: str


class ScorecardOut(BaseModel):
    window_days: int
    late_grace_days: int
    no_data_fraction: str
    factors: list[FactorRuleOut]
    class_minimums: dict[str, int]
    floor_class: str


@router.get("/scorecard", response_model=ScorecardOut)
async def get_scorecard(rules: RulesDep, _: Annotated[Principal, require("credit:read")]) -> ScorecardOut:
    """How scores are computed (see docs/credit.md); the external rating counts only when known."""
    card = rules.scorecard
    return ScorecardOut(
        window_days=card.window_days,
        late_grace_days=card.late_grace_days,
        no_data_fraction=str(card.no_data_fraction),
        factors=[
            FactorRuleOut(
                name=name,
                weight=str(getattr(card, name).weight),
                best=str(getattr(card, name).curve.best),
                worst=str(getattr(card, name).curve.worst),
            )
            for name in FACTORS
        ],
        class_minimums=dict(card.thresholds.bands),
        floor_class=card.thresholds.floor,
    )
