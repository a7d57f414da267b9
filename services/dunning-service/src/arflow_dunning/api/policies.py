"""Dunning policies (stages and actions per risk class or segment) and the unit costs of actions."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from arflow_contracts.money import NonNegativeAmount
from arflow_dunning.api.common import DecimalText, RulesDep
from arflow_dunning.policies import PolicyEntry, load_policy_book, policy_entry, save_policy
from arflow_dunning.policy_documents import PolicyDocument
from arflow_dunning.reports import unit_costs
from arflow_dunning.store import UnitCost
from arflow_runtime.auth import Principal
from arflow_runtime.etags import PRECONDITION_RESPONSES, IfMatch, PreconditionFailed
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["dunning policies"])

PolicyId = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="e.g. default-b")
]
ActionKey = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class PolicyOut(PolicyDocument):
    """A policy in force."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy_id: str
    version: int = Field(description="0: the shipped default, never changed; its ETag is the version.")
    built_in: bool = Field(description="The id is one of the shipped defaults (default-a … default-d).")
    updated_by: str | None
    updated_at: datetime | None


class UnitCostsIn(BaseModel):
    """Cost of one action per key (email, sms, letter, call, visit, lawyer_letter, …)."""

    model_config = ConfigDict(extra="forbid")

    costs: Annotated[
        dict[ActionKey, Annotated[NonNegativeAmount, Field(max_digits=15, decimal_places=4)]],
        Field(max_length=100),
    ]


class UnitCostsOut(BaseModel):
    costs: dict[str, DecimalText]


def _out(entry: PolicyEntry) -> PolicyOut:
    return PolicyOut(
        **entry.document.model_dump(),
        policy_id=entry.policy.id,
        version=entry.version,
        built_in=entry.built_in,
        updated_by=entry.updated_by,
        updated_at=entry.updated_at,
    )


@router.get("/dunning-policies", response_model=list[PolicyOut])
async def list_policies(
    uow: UnitOfWorkDep,
    rules: RulesDep,
    _: Annotated[Principal, require("dunning:read")],
) -> list[PolicyOut]:
    """Every policy in force: the shipped defaults (unless replaced) and the ones added."""
    book = await load_policy_book(uow.session, rules.default_risk_class)
    return [_out(book.entries[policy_id]) for policy_id in sorted(book.entries)]


@router.get("/dunning-policies/{policy_id}", response_model=PolicyOut)
async def get_policy(
    policy_id: PolicyId,
    uow: UnitOfWorkDep,
    response: Response,
    _: Annotated[Principal, require("dunning:read")],
) -> PolicyOut:
    """One policy; its ETag goes in If-Match when you replace it."""
    entry = await policy_entry(uow.session, policy_id)
    response.headers["ETag"] = entry.etag
    return _out(entry)


@router.put(
    "/dunning-policies/{policy_id}",
    response_model=PolicyOut,
    responses={201: {"model": PolicyOut, "description": "A new policy"}, **PRECONDITION_RESPONSES},
)
async def put_policy(
    policy_id: PolicyId,
    body: PolicyDocument,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    response: Response,
    principal: Annotated[Principal, require("dunning:admin")],
    if_match: IfMatch = None,
) -> PolicyOut:
    """Create or replace a policy (replacing a stored one needs If-Match); every risk class stays covered."""
    try:
        entry, created = await save_policy(
            uow.session, policy_id, body, principal.name, if_match, rules.default_risk_class
        )
        await uow.commit()
    except IntegrityError:  # a concurrent request created the same policy first
        await uow.rollback()
        raise PreconditionFailed(
            f"Dunning policy {policy_id} was just created by another request; "
            "read it and retry with its ETag."
        ) from None
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["ETag"] = entry.etag
    return _out(entry)


@router.get("/dunning-unit-costs", response_model=UnitCostsOut)
async def get_unit_costs(
    uow: UnitOfWorkDep,
    rules: RulesDep,
    _: Annotated[Principal, require("dunning:read")],
) -> UnitCostsOut:
    """What one action costs in the effectiveness report."""
    return UnitCostsOut(costs=await unit_costs(uow.session, rules.unit_costs))


@router.put("/dunning-unit-costs", response_model=UnitCostsOut)
async def put_unit_costs(
    body: UnitCostsIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    principal: Annotated[Principal, require("dunning:admin")],
) -> UnitCostsOut:
    """Set the cost of the actions named (others keep theirs)."""
    now = datetime.now(UTC)
    for key, cost in body.costs.items():
        row = await uow.session.get(UnitCost, key)
        if row is None:
            uow.session.add(
                UnitCost(action_key=key, cost=Decimal(cost), updated_at=now, updated_by=principal.name)
            )
        else:
            row.cost, row.updated_at, row.updated_by = Decimal(cost), now, principal.name
    await uow.commit()
    return UnitCostsOut(costs=await unit_costs(uow.session, rules.unit_costs))
