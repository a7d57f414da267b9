"""dunning's own outbox rows are byte for byte what the shared outbox (`wrap`, `to_bytes`) writes."""

import json
from collections.abc import AsyncIterator
from contextvars import copy_context
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import Text, cast, select

from arflow_contracts import EventData, EventEnvelope, wrap
from arflow_contracts.dunning import (
    ChargeRequestedV1,
    CollectionTaskCreatedV1,
    CreditHoldRequestedV1,
    DunningStageReachedV1,
    NoticeLine,
    NotificationRequestedV1,
    PromiseToPayBrokenV1,
)
from arflow_dunning.action_scope import TIMELINE, timeline_row
from arflow_dunning.main import NAME
from arflow_dunning.outbox_rows import envelope_bytes, instant, outbox_rows, stage_events
from arflow_runtime import context
from arflow_runtime.bulk_rows import insert_rows, one_of
from arflow_runtime.db import Database, create_engine
from arflow_runtime.migrations import apply_migrations
from arflow_runtime.outbox import Outbox
from arflow_runtime.tables import outbox

AS_OF = date(2024, 6, 3)


def every_dunning_event() -> list[tuple[EventData, str]]:
    line = NoticeLine(
        invoice_number="INV-1",
        currency="EUR",
        amount=Decimal("120.50"),
        outstanding=Decimal("1E+2"),
        due_date=date(2024, 5, 1),
        days_overdue=33,
        charges=Decimal("15.00"),
    )
    return [
        (
            DunningStageReachedV1(
                customer_id="C-Ü1",
                policy_id="default-b",
                stage=5,
                stage_name='Final "notice"\n',
                invoice_numbers=("INV-1", "INV-2"),
                as_of=AS_OF,
                stage_key="final_notice",
                actions=("notification", "credit_hold"),
            ),
            "C-Ü1",
        ),
        (
            NotificationRequestedV1(
                request_id="r1",
                customer_id="C-Ü1",
                channels=("email", "letter"),
                template="dunning.final_notice",
                locale="de-CH",
                invoices=(line, line.model_copy(update={"charges": None, "invoice_number": "INV-2"})),
                as_of=AS_OF,
                stage=5,
                policy_id="default-b",
                formal_demand=True,
                stage_key="final_notice",
            ),
            "C-Ü1",
        ),
        (
            CreditHoldRequestedV1(
                request_id="h1", customer_id="C2", reason="dunning stage final_notice reached", as_of=AS_OF
            ),
            "C2",
        ),
        (
            ChargeRequestedV1(
                request_id="c1",
                customer_id="C2",
                invoice_number="INV-3",
                kind="interest",
                amount=Decimal("1.23"),
                currency="EUR",
                reason="late interest",
                as_of=AS_OF,
                rate=Decimal("0.0825"),
                day_count="ACT/360",
                period_start=date(2024, 5, 2),
                period_end=AS_OF,
            ),
            "C2",
        ),
        (
            CollectionTaskCreatedV1(
                task_id="t1",
                customer_id="C2",
                kind="call",
                due_on=AS_OF,
                invoice_numbers=("INV-3",),
                expected_loss=Decimal("0.0300"),
                currency="EUR",
                note="dunning stage reminder_2",
            ),
            "C2",
        ),
        (
            PromiseToPayBrokenV1(
                promise_id="p1",
                customer_id="C2",
                promised_amount=Decimal("50"),
                currency="EUR",
                promised_date=date(2024, 6, 1),
                received_amount=Decimal("0"),
                as_of=AS_OF,
            ),
            "C2",
        ),
    ]


def shared_row(
    row: dict[str, object], data: EventData, customer_id: str, correlation: str
) -> tuple[bytes, str]:
    """What the shared outbox writes for the same event, with the ids and instant of `row`."""
    mine = EventEnvelope.from_bytes(row["payload"])  # type: ignore[arg-type]
    envelope = wrap(
        data,
        customer_id=customer_id,
        producer=NAME,
        correlation_id=correlation,
        causation_id=context.causation_id(),
        occurred_at=mine.occurred_at,
    ).model_copy(update={"event_id": UUID(str(row["event_id"]))})
    return envelope.to_bytes(), json.dumps([[k, v.decode()] for k, v in envelope.headers()])


def test_every_dunning_event_is_staged_byte_for_byte_as_the_shared_outbox_writes_it() -> None:
    copy_context().run(_compare_with_the_shared_outbox)


def _compare_with_the_shared_outbox() -> None:
    items = every_dunning_event()
    now = datetime.now(UTC)
    context.bind(correlation="corr-ë-1", causation="cause-1")
    rows = outbox_rows(items, producer=NAME, topic_prefix="p.", now=now)
    assert len({row["event_id"] for row in rows}) == len(items)
    for row, (data, customer_id) in zip(rows, items, strict=True):
        payload, headers = shared_row(row, data, customer_id, "corr-ë-1")
        assert row["payload"] == payload
        assert row["headers"] == headers
        assert row["topic"] == "p.dunning.events"
        assert row["message_key"] == customer_id
        assert row["created_at"] == now


def test_envelope_bytes_write_whole_seconds_and_causation_as_pydantic_does() -> None:
    data, customer_id = every_dunning_event()[1]
    for moment in (datetime(2024, 6, 3, 18, 0, tzinfo=UTC), datetime(2024, 6, 3, 18, 0, 0, 5, tzinfo=UTC)):
        raw = envelope_bytes(
            data,
            event_id="6f1c7d1e-2f57-4a53-9d52-9bb1b43f4e42",
            occurred_at=moment,
            producer=NAME,
            customer_id=customer_id,
            correlation_id="c",
            causation_id="e\u2028",
        )
        expected = wrap(
            data,
            customer_id=customer_id,
            producer=NAME,
            correlation_id="c",
            causation_id="e\u2028",
            occurred_at=moment,
        ).model_copy(update={"event_id": UUID("6f1c7d1e-2f57-4a53-9d52-9bb1b43f4e42")})
        assert raw == expected.to_bytes()
        assert EventEnvelope.from_bytes(raw) == expected
    assert instant(datetime(2024, 6, 3, 18, 0, tzinfo=UTC)) == "2024-06-03T18:00:00Z"


def test_an_event_under_another_customer_is_refused_as_wrap_refuses_it() -> None:
    data, _ = every_dunning_event()[2]
    with pytest.raises(ValueError, match="belongs under"):
        outbox_rows([(data, "someone-else")], producer=NAME, topic_prefix="", now=datetime.now(UTC))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'dunning.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    try:
        await apply_migrations(engine, "arflow_dunning.migrations")
        yield Database(engine, Outbox(NAME, "t."))
    finally:
        await engine.dispose()


async def test_staged_events_are_the_shared_outbox_rows_in_order_and_wake_the_relay(
    database: Database,
) -> None:
    items = every_dunning_event()
    async with database.unit_of_work() as uow:
        await stage_events(uow, items)
        await uow.publish_many(items)  # the shared path, for comparison
        await uow.commit()
    assert database.outbox._wake.is_set()
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(outbox).order_by(outbox.c.id))).mappings().all()
    mine, shared = rows[: len(items)], rows[len(items) :]
    for row, theirs, (data, customer_id) in zip(mine, shared, items, strict=True):
        assert row["topic"] == theirs["topic"] and row["message_key"] == theirs["message_key"] == customer_id
        correlation = EventEnvelope.from_bytes(bytes(row["payload"])).correlation_id
        payload, headers = shared_row(
            dict(row, payload=bytes(row["payload"])), data, customer_id, correlation
        )
        assert bytes(row["payload"]) == payload
        assert row["headers"] == headers
        assert row["published_at"] is None


async def test_bulk_rows_store_what_the_executemany_stores(database: Database) -> None:
    entries = [
        timeline_row("C1", None, AS_OF, "stage_reached", ["INV-2", "INV-1"], {"stage": "ü", "n": 1}),
        timeline_row("C2", "case-1", AS_OF, "charge_requested", [], {"amount": "15.00"}),
    ]
    async with database.unit_of_work() as uow:
        await insert_rows(uow.session, TIMELINE, entries)
        await uow.session.execute(TIMELINE.insert(), entries)
        await uow.commit()
        stored = (
            await uow.session.execute(
                select(TIMELINE, cast(TIMELINE.c.invoice_numbers, Text), cast(TIMELINE.c.detail, Text))
                .where(one_of(uow.session, TIMELINE.c.customer_id, ["C1", "C2", "C3"]))
                .order_by(TIMELINE.c.id)
            )
        ).all()
    mine, executemany = stored[:2], stored[2:]
    assert [row[1:] for row in mine] == [row[1:] for row in executemany]
    assert mine[0].invoice_numbers == ["INV-1", "INV-2"] and mine[0].detail == {"stage": "ü", "n": 1}


def test_natural_ids_are_the_uuid5_of_their_key() -> None:
    from uuid import NAMESPACE_URL, uuid5

    from arflow_dunning.action_scope import natural_id

    space = uuid5(NAMESPACE_URL, "https://arflow.dev/dunning")
    for parts in [
        ("notice", "C-Ü1", "default-b", "final_notice", AS_OF, "t", "INV-1"),
        ("charge", None, 3),
        ("",),
    ]:
        assert natural_id(*parts) == str(uuid5(space, "|".join(str(part) for part in parts)))


def test_event_ids_are_distinct_version_4_uuids_written_as_str_writes_them() -> None:
    from arflow_dunning.outbox_rows import random_ids

    ids = random_ids(2000)
    assert len(set(ids)) == 2000 and random_ids(0) == []
    assert all(
        UUID(i).version == 4 and UUID(i).variant == "specified in RFC 4122" and str(UUID(i)) == i for i in ids
    )


def test_events_staged_without_a_bound_correlation_get_one_each_as_the_shared_outbox_gives() -> None:
    items = every_dunning_event()
    rows = copy_context().run(outbox_rows, items, producer=NAME, topic_prefix="", now=datetime.now(UTC))
    correlations = [EventEnvelope.from_bytes(row["payload"]).correlation_id for row in rows]  # type: ignore[arg-type]
    assert len(set(correlations)) == len(items)
    assert all(UUID(c).version == 4 for c in correlations)
