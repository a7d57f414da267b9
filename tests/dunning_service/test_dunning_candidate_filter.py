"""The evaluation reads only invoices the SQL filter selects: an invoice it leaves out never moves.

The filter (`needs_evaluation`) runs in the database; the decision is the domain engine's. For
arbitrary invoices, as the service stores them, the engine never advances an invoice the filter
leaves out, on any later business date.
"""

import asyncio
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dunning_support import fresh_feed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from arflow_dunning.domain import DEFAULT_POLICIES, evaluate_invoice
from arflow_dunning.evaluation import _state, needs_evaluation, next_stage_due, stage_position
from arflow_dunning.invoice_rows import WATCHED, read_rows
from arflow_dunning.policies import BUILT_IN, PolicyBook, PolicyEntry, to_document

DAY = date(2024, 6, 3)
BOOK = PolicyBook({pid: PolicyEntry(p, to_document(p), 0) for pid, p in BUILT_IN.items()}, "B")


@st.composite
def invoices(draw: st.DrawFn, number: int) -> dict[str, object]:
    policy = DEFAULT_POLICIES[draw(st.sampled_from("ABCD"))]
    due = DAY + timedelta(days=draw(st.integers(-150, 60)))
    position = draw(st.none() | st.integers(0, len(policy.stages) - 1))
    reached_on = None if position is None else DAY - timedelta(days=draw(st.integers(0, 30)))
    stored_next = next_stage_due(policy, position, due, reached_on)
    amount = draw(
        st.sampled_from([Decimal("0"), Decimal("40"), Decimal("249.99"), Decimal("250"), Decimal("5000")])
    )
    return {
        "invoice_number": f"I-{number}",
        "customer_id": f"C-{number}",
        "currency": draw(st.sampled_from(["EUR", "USD", "JPY"])),
        "amount": Decimal("5000"),
        "outstanding": amount,
        "principal_outstanding": amount,
        "charges_outstanding": Decimal(0),
        "due_date": due,
        "status": "open",
        "policy_id": policy.id,
        "stage": None if position is None else policy.stages[position].key,
        "stage_days": None if position is None else policy.stages[position].days,
        "stage_reached_on": reached_on,
        "next_stage_due_on": draw(st.sampled_from([stored_next, stored_next, None])),  # None: a policy change
        "open_disputes": draw(st.sampled_from([0, 0, 0, 1])),
        "excluded": draw(st.sampled_from([False, False, False, True])),
        "case_id": draw(st.sampled_from([None, "case-1"])),
    }


async def left_out_but_moving(rows: list[dict[str, object]], as_of: date) -> list[str]:
    with tempfile.TemporaryDirectory() as directory:
        async with fresh_feed(Path(directory)) as feed:
            async with feed.database.unit_of_work() as uow:
                await uow.session.execute(insert(WATCHED), rows)
                selected = set(
                    (
                        await uow.session.execute(
                            select(WATCHED.c.invoice_number).where(needs_evaluation(as_of))
                        )
                    ).scalars()
                )
                stored = await read_rows(uow.session)
    moving = []
    for row in stored:
        if row.invoice_number in selected:
            continue
        policy = BOOK.get(row.policy_id)
        assert policy is not None
        decision = evaluate_invoice(_state(row, stage_position(row, policy, BOOK), None), policy, as_of)
        if decision.advanced or decision.promise_broken:
            moving.append(row.invoice_number)
    return moving


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), later=st.integers(0, 120))
def test_an_invoice_the_filter_leaves_out_does_not_move(data: st.DataObject, later: int) -> None:
    rows = [data.draw(invoices(n)) for n in range(25)]
    assert asyncio.run(left_out_but_moving(rows, DAY + timedelta(days=later))) == []
