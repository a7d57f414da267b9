"""What every credit endpoint shares: money in and out of JSON, the service's rules, the caller."""

import contextlib
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from pydantic import AfterValidator, Field

from arflow_contracts.money import Amount, NonNegativeAmount
from arflow_credit.amounts import money_text, utc
from arflow_credit.concurrency import Precondition, expected_revision
from arflow_credit.policy_book import PolicyBook
from arflow_credit.rules import CreditRules
from arflow_runtime.http import runtime_of

MoneyIn = Annotated[Amount, Field(max_digits=19, decimal_places=4)]
"""A positive amount as a decimal string (floats are refused), at most 4 decimals."""
LimitIn = Annotated[NonNegativeAmount, Field(max_digits=19, decimal_places=4)]
"""A limit: zero or more, as a decimal string."""
Instant = Annotated[datetime, AfterValidator(utc)]
"""An instant in a response, always with its UTC zone."""
CustomerId = Annotated[str, Path(min_length=1, max_length=128, description="the ERP's customer id")]


def money(value: Decimal) -> str:
    """An amount for JSON: two decimals, more only when the amount has them."""
    return money_text(value)


def optional_money(value: Decimal | None) -> str | None:
    """An optional amount for JSON."""
    return None if value is None else money(value)


async def decision_turn(request: Request) -> AbstractAsyncContextManager[Any]:
    """Whose turn it is to decide: one decision at a time on SQLite, the row lock on PostgreSQL.

    SQLite has one writer and no row locks; queueing decisions in the process keeps two checks of
    one customer from both spending the same available credit, and spares SQLite's busy-wait.
    """
    if runtime_of(request).database.engine.dialect.name == "sqlite":
        return request.app.state.sqlite_decisions  # type: ignore[no-any-return]
    return contextlib.nullcontext()


DecisionTurnDep = Annotated[AbstractAsyncContextManager[Any], Depends(decision_turn)]


async def credit_rules(request: Request) -> CreditRules:
    """The rules the running service was built with."""
    return request.app.state.credit_rules  # type: ignore[no-any-return]


RulesDep = Annotated[CreditRules, Depends(credit_rules)]


async def policy_book(request: Request) -> PolicyBook:
    """The running service's policies, cached between checks."""
    return request.app.state.policy_book  # type: ignore[no-any-return]


PolicyBookDep = Annotated[PolicyBook, Depends(policy_book)]


async def if_match_precondition(
    if_match: Annotated[
        str | None,
        Header(
            description="ETag from a GET; the update fails (412) if it changed. Required to change "
            "a stored resource (428 without it); `*` overwrites whatever is there"
        ),
    ] = None,
) -> Precondition:
    """Whether an update named a revision, and which, from If-Match."""
    return Precondition(if_match is not None, expected_revision(if_match))


IfMatchDep = Annotated[Precondition, Depends(if_match_precondition)]
