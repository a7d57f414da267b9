"""A credit check's statements skip the ORM's work per execution, but not what its autoflush did."""

from datetime import UTC, date, datetime
from pathlib import Path

from credit_harness import credit_core, sqlite_url

from arflow_credit.store.decision import exposure_facts
from arflow_credit.store.holds import HoldRecord


async def test_the_sums_see_a_hold_this_transaction_placed_and_has_not_written_yet(tmp_path: Path) -> None:
    async with credit_core(sqlite_url(tmp_path)) as core, core.database.unit_of_work() as uow:
        before = await exposure_facts(uow.session, "C-1", "EUR", date(2024, 5, 2), "ORDER-1")
        assert not before.on_hold
        uow.session.add(  # as rating a new customer in the same check may place one
            HoldRecord(
                hold_id="H-1",
                customer_id="C-1",
                source="manual",
                reason="test",
                since=date(2024, 5, 2),
                placed_at=datetime.now(UTC),
            )
        )
        after = await exposure_facts(uow.session, "C-1", "EUR", date(2024, 5, 2), "ORDER-1")
        assert after.on_hold
