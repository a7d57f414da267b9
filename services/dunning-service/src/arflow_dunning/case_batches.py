"""Cases over a batch of customers: open or join them for invoices gone overdue, close handed-over ones.

The same rules as `cases` (one open case per customer, its timeline), written for a whole batch
with one statement per kind instead of one per customer.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy import inspect as orm_state

from arflow_dunning.action_scope import TIMELINE, ActionScope, timeline_row
from arflow_dunning.cases import CLOSED
from arflow_dunning.invoice_rows import WATCHED, InvoiceRow
from arflow_dunning.store import OPEN, CollectionCase
from arflow_runtime.bulk_rows import insert_rows, one_of
from arflow_runtime.log import get_logger

log = get_logger(__name__)

CASES: Table = CollectionCase.__table__  # type: ignore[attr-defined]


async def open_cases_for_overdue(scope: ActionScope, rows: Sequence[InvoiceRow]) -> None:
    """Put each invoice gone overdue without a case on its customer's open case, opening one if needed."""
    overdue: dict[str, list[InvoiceRow]] = defaultdict(list)
    for row in rows:
        if row.case_id is None and row.due_date < scope.as_of and row.outstanding > 0:
            overdue[row.customer_id].append(row)
    if not overdue:
        return
    opened: list[dict[str, Any]] = []
    joined: dict[str, tuple[str, set[str]]] = {}
    for customer_id, items in overdue.items():
        numbers = [row.invoice_number for row in items]
        case = scope.cases.get(customer_id)
        if case is None:
            case = CollectionCase(
                case_id=str(uuid4()),
                customer_id=customer_id,
                status=OPEN,
                opened_on=scope.as_of,
                open_customer_id=customer_id,
            )
            scope.cases[customer_id] = case
            opened.append(case.model_dump())
            scope.timeline.append(
                timeline_row(customer_id, case.case_id, scope.as_of, "case_opened", numbers, {})
            )
            log.info("dunning.case.opened", case_id=case.case_id, customer_id=customer_id)
        else:
            scope.timeline.append(
                timeline_row(customer_id, case.case_id, scope.as_of, "invoices_overdue", numbers, {})
            )
        for row in items:
            row.case_id = case.case_id
        joined[case.case_id] = (customer_id, set(numbers))
    session = scope.uow.session
    await insert_rows(session, CASES, opened)
    await _attach_earlier_entries(scope, joined)


async def _attach_earlier_entries(scope: ActionScope, joined: dict[str, tuple[str, set[str]]]) -> None:
    """What happened to the invoices before their case (pre-due reminders) goes on its timeline."""
    session = scope.uow.session
    customers = sorted({customer_id for customer_id, _ in joined.values()})
    earlier = await session.execute(
        select(TIMELINE.c.id, TIMELINE.c.invoice_numbers).where(
            one_of(session, TIMELINE.c.customer_id, customers), TIMELINE.c.case_id.is_(None)
        )
    )
    moves = []
    for entry_id, numbers in earlier.all():
        for case_id, (_, joined_numbers) in joined.items():
            if joined_numbers.intersection(numbers):
                moves.append({"entry": entry_id, "case": case_id})
                break
    if moves:
        await session.execute(
            update(TIMELINE).where(TIMELINE.c.id == bindparam("entry")).values(case_id=bindparam("case")),
            moves,
        )


async def close_handed_over_cases(scope: ActionScope, rows: Sequence[InvoiceRow], reason: str) -> None:
    """Close the cases of handed-over invoices that have no invoice left open (rows already written)."""
    case_ids = sorted({row.case_id for row in rows if row.case_id is not None})
    if not case_ids:
        return
    session = scope.uow.session
    still_open: dict[str, int] = dict(
        (
            await session.execute(
                select(WATCHED.c.case_id, func.count())
                .where(one_of(session, WATCHED.c.case_id, case_ids), WATCHED.c.status == OPEN)
                .group_by(WATCHED.c.case_id)
            )
        ).all()
    )
    by_id = {case.case_id: case for case in scope.cases.values()}
    closing = [by_id[c] for c in case_ids if c in by_id and by_id[c].status == OPEN and not still_open.get(c)]
    transient = []
    for case in closing:
        if not orm_state(case).persistent:
            transient.append(case.case_id)
        case.status, case.closed_on, case.close_reason, case.open_customer_id = (
            CLOSED,
            scope.as_of,
            reason,
            None,
        )
        scope.timeline.append(
            timeline_row(case.customer_id, case.case_id, scope.as_of, "case_closed", [], {"reason": reason})
        )
        log.info("dunning.case.closed", case_id=case.case_id, reason=reason)
    if transient:  # opened in this batch by a plain insert: the session does not track them
        await session.execute(
            update(CASES)
            .where(CASES.c.case_id.in_(transient))
            .values(status=CLOSED, closed_on=scope.as_of, close_reason=reason, open_customer_id=None)
        )
