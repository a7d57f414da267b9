"""Credit holds: placed by hand, by the overdue rule or at dunning's request; released with a reason."""

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.credit import CreditHoldPlacedV1, CreditHoldReleasedV1
from arflow_credit.domain import (
    AUTOMATIC_HOLD_REASON,
    AUTOMATIC_RELEASE_REASON,
    CreditConflict,
    CreditNotFound,
    CreditValidationError,
    HoldSource,
    apply_automatic_hold_rule,
)
from arflow_credit.position import CreditPosition
from arflow_credit.store.audit import append_audit
from arflow_credit.store.holds import HoldRecord, active_holds, hold_record
from arflow_credit.store.ledger import unsettled_among
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)
DUNNING_RELEASE_REASON = "requested_invoices_settled"
SYSTEM = "system"


def hold_document(record: HoldRecord) -> dict[str, object]:
    """A hold as the audit log records it."""
    return {
        "hold_id": record.hold_id,
        "source": record.source,
        "reason": record.reason,
        "since": record.since.isoformat(),
        "released_on": record.released_on and record.released_on.isoformat(),
    }


async def place_hold(
    uow: UnitOfWork,
    *,
    customer_id: str,
    source: HoldSource,
    reason: str,
    since: date,
    actor: str,
    reference: str | None = "",
    placed_by: str | None = None,
    request_id: str | None = None,
    invoice_numbers: tuple[str, ...] = (),
) -> HoldRecord:
    """Record a hold, publish CreditHoldPlaced and audit it; reference None: the hold's own id."""
    if not reason.strip():
        raise CreditValidationError("a hold needs a reason the customer's account manager can read")
    hold_id = str(uuid.uuid4())
    record = HoldRecord(
        hold_id=hold_id,
        customer_id=customer_id,
        source=source.value,
        reference=hold_id if reference is None else reference,
        reason=reason,
        since=since,
        placed_by=placed_by,
        request_id=request_id,
        invoice_numbers=json.dumps(list(invoice_numbers)) if invoice_numbers else None,
        placed_at=datetime.now(UTC),
    )
    uow.session.add(record)
    await uow.publish(
        CreditHoldPlacedV1(
            customer_id=customer_id,
            hold_id=record.hold_id,
            reason=reason,
            source=source.value,
            placed_on=since,
            request_id=request_id,
            placed_by=placed_by,
        ),
        customer_id=customer_id,
    )
    await append_audit(
        uow.session,
        customer_id=customer_id,
        subject="credit_hold",
        subject_id=record.hold_id,
        action="placed",
        actor=actor,
        business_date=since,
        after=hold_document(record),
        reason=reason,
    )
    log.info("credit.hold.placed", customer_id=customer_id, hold_id=record.hold_id, source=source.value)
    return record


async def release_hold(
    uow: UnitOfWork, record: HoldRecord, *, reason: str, on: date, actor: str, released_by: str | None = None
) -> HoldRecord:
    """End a hold, publish CreditHoldReleased and audit it."""
    if not reason.strip():
        raise CreditValidationError("releasing a hold needs a reason")
    if record.released_on is not None:
        raise CreditConflict(f"hold {record.hold_id} was already released on {record.released_on}")
    before = hold_document(record)
    record.released_on, record.released_by, record.release_reason = on, released_by, reason
    await uow.publish(
        CreditHoldReleasedV1(
            customer_id=record.customer_id,
            hold_id=record.hold_id,
            released_on=on,
            reason=reason,
            released_by=released_by,
        ),
        customer_id=record.customer_id,
    )
    await append_audit(
        uow.session,
        customer_id=record.customer_id,
        subject="credit_hold",
        subject_id=record.hold_id,
        action="released",
        actor=actor,
        business_date=on,
        before=before,
        after=hold_document(record),
        reason=reason,
    )
    log.info(
        "credit.hold.released", customer_id=record.customer_id, hold_id=record.hold_id, source=record.source
    )
    return record


async def customer_hold(session: AsyncSession, customer_id: str, hold_id: str) -> HoldRecord:
    """A customer's hold by id; CreditNotFound otherwise."""
    record = await hold_record(session, hold_id)
    if record is None or record.customer_id != customer_id:
        raise CreditNotFound(f"customer {customer_id} has no hold {hold_id}; GET its holds to see their ids")
    return record


async def find_hold(
    session: AsyncSession, customer_id: str, source: HoldSource, reference: str
) -> HoldRecord | None:
    """The active hold of a source and reference, if any."""
    return next(
        (
            h
            for h in await active_holds(session, customer_id)
            if h.source == source.value and h.reference == reference
        ),
        None,
    )


async def apply_hold_rules(
    uow: UnitOfWork, position: CreditPosition, cause: str, unsettled: set[str] | None = None
) -> None:
    """The automatic overdue hold (placed and lifted by rule) and releasing settled dunning holds.

    `unsettled`: of the invoices the customer's dunning holds name, those not settled yet, when the
    caller read them already (a day close reads them for many customers at once).
    """
    change = apply_automatic_hold_rule(position.holds, position.policy, position.overdue, position.as_of)
    customer_id = position.customer_id
    if change.placed is not None:
        detail = (
            f"{position.overdue.overdue_amount} {position.exposure.currency} overdue, oldest "
            f"{position.overdue.max_days_overdue} days ({cause})"
        )
        await place_hold(
            uow,
            customer_id=customer_id,
            source=HoldSource.AUTOMATIC,
            reason=AUTOMATIC_HOLD_REASON,
            since=position.as_of,
            actor=SYSTEM,
            placed_by=None,
        )
        log.info("credit.hold.rule", customer_id=customer_id, detail=detail)
    if change.released is not None:
        record = next(h for h in position.hold_records if h.source == HoldSource.AUTOMATIC.value)
        await release_hold(uow, record, reason=AUTOMATIC_RELEASE_REASON, on=position.as_of, actor=SYSTEM)
    requested = dunning_hold_invoices(position.hold_records)
    if not requested:
        return
    if unsettled is None:
        unsettled = await unsettled_hold_invoices(uow.session, position.hold_records)
    for record in position.hold_records:
        numbers = requested.get(record.hold_id)
        if numbers is not None and unsettled.isdisjoint(numbers):
            await release_hold(uow, record, reason=DUNNING_RELEASE_REASON, on=position.as_of, actor=SYSTEM)


def dunning_hold_invoices(records: Iterable[HoldRecord]) -> dict[str, list[str]]:
    """Hold id → the invoices a dunning hold waits for (released once every one is settled)."""
    return {
        record.hold_id: json.loads(record.invoice_numbers)
        for record in records
        if record.source == HoldSource.DUNNING.value and record.invoice_numbers
    }


async def unsettled_hold_invoices(session: AsyncSession, records: Iterable[HoldRecord]) -> set[str]:
    """Of the invoices the dunning holds among `records` wait for, those not settled yet (one read)."""
    requested = dunning_hold_invoices(records)
    return await unsettled_among(session, {n for numbers in requested.values() for n in numbers})
