"""Re-assessing a customer after something changed: rating, limit breach, holds by rule."""

import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import cast

from arflow_contracts.credit import CreditLimitBreachedV1, CreditRatingChangedV1, RiskClass
from arflow_credit.domain import CreditScore, limit_crossed, score_customer
from arflow_credit.holds import apply_hold_rules
from arflow_credit.position import CreditPosition, credit_position
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import append_audit
from arflow_credit.store.customers import CreditAccount, open_credit_account
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)
SYSTEM = "system"


def rating_of(external_rating: str | None) -> int | str | None:
    """A stored external rating as scoring takes it: a number 0-100 or a letter grade."""
    if external_rating is None:
        return None
    return int(external_rating) if external_rating.isdigit() else external_rating


async def reassess_customer(
    uow: UnitOfWork, rules: CreditRules, customer_id: str, as_of: date, cause: str
) -> CreditPosition:
    """Rescore, watch the limit and apply the hold rules for one customer on `as_of`."""
    account, _ = await open_credit_account(uow.session, customer_id)

    async def position() -> CreditPosition:
        return await credit_position(uow.session, rules, account, as_of)

    return await assess_position(uow, rules, account, position, cause)


async def assess_position(
    uow: UnitOfWork,
    rules: CreditRules,
    account: CreditAccount,
    position: Callable[[], Awaitable[CreditPosition]],
    cause: str,
    unsettled: set[str] | None = None,
) -> CreditPosition:
    """Rate the customer, watch the limit and apply the hold rules; `position` builds the current position.

    `unsettled`: unsettled invoices among those dunning holds wait for, when already read.
    """
    current = await position()
    if await rate_customer(uow, rules, account, current, cause):
        current = await position()  # the new class's policy
    await watch_limit(uow, account, current, cause)
    await apply_hold_rules(uow, current, cause, unsettled)
    return current


def score_of(rules: CreditRules, account: CreditAccount, position: CreditPosition) -> CreditScore:
    """The customer's score on the position's date from its ledger history and external rating."""
    rating = rating_of(account.external_rating)
    history = position.history(account.first_invoice_date)
    return score_customer(history, position.as_of, rules.scorecard, rating)


async def rate_customer(
    uow: UnitOfWork, rules: CreditRules, account: CreditAccount, position: CreditPosition, cause: str
) -> bool:
    """Store the new score; a new risk class emits CreditRatingChanged, is audited, and returns True."""
    scored = score_of(rules, account, position)
    as_of = position.as_of
    old_class, old_score = account.risk_class, account.score
    account.score, account.scored_as_of = scored.score, as_of
    account.factors = json.dumps(
        [
            {
                "name": f.name,
                "raw": None if f.raw is None else str(f.raw),
                "max_points": str(f.max_points),
                "points": str(f.points),
            }
            for f in scored.factors
        ]
    )
    if scored.risk_class == old_class:
        return False
    account.risk_class = scored.risk_class
    reasons = tuple(
        f.name
        for f in sorted(scored.factors, key=lambda f: f.points - f.max_points)[:3]
        if f.points < f.max_points
    )
    await uow.publish(
        CreditRatingChangedV1(
            customer_id=account.customer_id,
            old_class=cast(RiskClass | None, old_class),
            new_class=cast(RiskClass, scored.risk_class),
            score=scored.score,
            old_score=old_score,
            as_of=as_of,
            reasons=reasons,
        ),
        customer_id=account.customer_id,
    )
    await append_audit(
        uow.session,
        customer_id=account.customer_id,
        subject="risk_class",
        subject_id=account.customer_id,
        action="rated",
        actor=SYSTEM,
        business_date=as_of,
        before={"risk_class": old_class, "score": old_score},
        after={"risk_class": scored.risk_class, "score": scored.score},
        reason=cause,
    )
    log.info(
        "credit.rating.changed",
        customer_id=account.customer_id,
        old_class=old_class,
        new_class=scored.risk_class,
        score=scored.score,
    )
    return True


async def watch_limit(uow: UnitOfWork, account: CreditAccount, position: CreditPosition, cause: str) -> None:
    """Emit CreditLimitBreached when exposure crosses the limit since the last look; once per crossing."""
    exposure, limit = position.exposure.total, position.limit
    previous_limit = account.last_limit if account.last_limit is not None else limit
    if limit_crossed(account.last_exposure, exposure, limit, previous_limit):
        await uow.publish(
            CreditLimitBreachedV1(
                customer_id=account.customer_id,
                limit=limit,
                exposure=exposure,
                currency=position.exposure.currency,
                as_of=position.as_of,
                risk_class=cast(RiskClass, position.risk_class),
                cause=cause,
            ),
            customer_id=account.customer_id,
        )
        log.info("credit.limit.breached", customer_id=account.customer_id, cause=cause)
    account.last_exposure, account.last_limit, account.over_limit = exposure, limit, exposure > limit
