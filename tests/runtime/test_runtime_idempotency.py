"""Idempotency-Key on SQLite and real PostgreSQL: retries and concurrent duplicates act once."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from arflow_runtime.auth import Principal
from arflow_runtime.db import Database, create_engine
from arflow_runtime.errors import ProblemError
from arflow_runtime.idempotency import IdempotentRequest
from arflow_runtime.outbox import Outbox
from arflow_runtime.tables import runtime_metadata

effects = MetaData()
payments = Table(
    "payments", effects, Column("id", Integer, primary_key=True), Column("reference", String(50))
)
ERP = Principal("erp", frozenset({"*"}))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = (
        request.getfixturevalue("postgres_database")
        if request.param == "postgres"
        else f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    engine: AsyncEngine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
        await connection.run_sync(effects.create_all)
    yield Database(engine, Outbox("test", "t."))
    await engine.dispose()


async def post_payment(database: Database, key: str | None, body: dict[str, str]) -> tuple[int, object]:
    """What an endpoint does: claim the key, act, store the answer, commit — all in one transaction."""
    for _ in range(50):
        try:
            async with database.unit_of_work() as uow:
                request = await IdempotentRequest.begin(uow, ERP, key, "POST", "/v1/payments", body)
                if request.replay is not None:
                    return request.replay.status_code, request.replay.body
                result = await uow.session.execute(insert(payments).values(reference=body["reference"]))
                answer = {"id": result.inserted_primary_key[0], **body}
                await request.complete(201, answer)
                await uow.commit()
                return 201, answer
        except OperationalError:  # SQLite: another writer held the lock past the timeout
            continue
    raise AssertionError("never committed")


async def count(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(payments)) or 0)


async def test_a_retry_with_the_same_key_returns_the_first_answer_and_acts_once(database: Database) -> None:
    first = await post_payment(database, "key-1", {"reference": "PAY-1"})
    again = await post_payment(database, "key-1", {"reference": "PAY-1"})
    assert first[0] == 201 and again[0] == 201
    assert b'"reference":"PAY-1"' in again[1]  # type: ignore[operator]
    assert await count(database) == 1


async def test_a_reused_key_with_a_different_body_is_refused_with_422(database: Database) -> None:
    await post_payment(database, "key-1", {"reference": "PAY-1"})
    with pytest.raises(ProblemError) as refused:
        await post_payment(database, "key-1", {"reference": "PAY-2"})
    assert refused.value.status == 422
    assert await count(database) == 1


async def test_without_a_key_nothing_is_remembered(database: Database) -> None:
    await post_payment(database, None, {"reference": "PAY-1"})
    await post_payment(database, None, {"reference": "PAY-1"})
    assert await count(database) == 2


async def test_concurrent_duplicates_with_one_key_create_one_resource(database: Database) -> None:
    answers = await asyncio.gather(
        *(post_payment(database, "same", {"reference": "PAY-9"}) for _ in range(12))
    )
    assert {status for status, _ in answers} == {201}
    assert await count(database) == 1


async def test_keys_are_per_principal(database: Database) -> None:
    await post_payment(database, "key-1", {"reference": "PAY-1"})
    async with database.unit_of_work() as uow:
        other = await IdempotentRequest.begin(
            uow, Principal("other", frozenset()), "key-1", "POST", "/v1/payments", {"reference": "PAY-1"}
        )
        assert other.replay is None
