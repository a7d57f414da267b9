"""Each service's migrations build exactly the schema its models declare, on SQLite and PostgreSQL."""

import asyncio
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text

from arflow_credit.store import CreditTable
from arflow_dunning.store import DunningTable
from arflow_invoice.store import LedgerTable
from arflow_notification.store import NotificationTable
from arflow_runtime.db import create_engine
from arflow_runtime.migrations import MIGRATION_LOCK, alembic_config, apply_migrations
from arflow_runtime.tables import runtime_metadata
from arflow_testing import eventually

SERVICES = {
    "arflow_invoice.migrations": LedgerTable.metadata,
    "arflow_credit.migrations": CreditTable.metadata,
    "arflow_dunning.migrations": DunningTable.metadata,
    "arflow_notification.migrations": NotificationTable.metadata,
}


def _drift(connection: object, metadata: MetaData) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
    combined = MetaData()
    for source in (metadata, runtime_metadata):
        for table in source.tables.values():
            table.to_metadata(combined)
    return [
        diff
        for diff in compare_metadata(context, combined)
        if diff[0] != "remove_table" or diff[1].name != "alembic_version"
    ]


@pytest.mark.parametrize("package", sorted(SERVICES))
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_migrations_match_the_models(
    package: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        request.getfixturevalue("postgres_database")
        if backend == "postgres"
        else f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    engine = create_engine(url)
    try:
        await apply_migrations(engine, package)
        await apply_migrations(engine, package)  # a restart: already at head, nothing to do
        async with engine.connect() as connection:
            drift = await connection.run_sync(_drift, SERVICES[package])
    finally:
        await engine.dispose()
    assert drift == []


MIGRATE_IN_ANOTHER_PROCESS = """
import asyncio, sys
from arflow_runtime.db import create_engine
from arflow_runtime.migrations import MIGRATION_LOCK, alembic_config, apply_migrations

async def main():
    engine = create_engine(sys.argv[1])
    try:
        await apply_migrations(engine, "arflow_invoice.migrations")
    finally:
        await engine.dispose()

asyncio.run(main())
"""


@pytest.mark.postgres
async def test_a_process_starting_while_another_migrates_waits_and_finds_the_database_at_head(
    postgres_database: str,
) -> None:
    """Processes of one service start together (<SERVICE>_PROCESSES, replicas): one migrates."""
    engine = create_engine(postgres_database)

    def upgrade(connection: object) -> None:
        command.upgrade(alembic_config("arflow_invoice.migrations", connection), "head")  # type: ignore[arg-type]

    async def waiting_for_the_lock() -> int:
        async with engine.connect() as probe:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return int(await probe.scalar(text(query)) or 0)

    try:
        async with engine.connect() as first, first.begin():  # the first process, mid-migration
            await first.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
            await first.run_sync(upgrade)
            command_line = [sys.executable, "-c", MIGRATE_IN_ANOTHER_PROCESS, postgres_database]
            second = await asyncio.create_subprocess_exec(*command_line, stderr=asyncio.subprocess.PIPE)
            await eventually(waiting_for_the_lock, lambda waiting: waiting == 1, what="the second to wait")
        _, errors = await asyncio.wait_for(second.communicate(), timeout=120)
        assert second.returncode == 0, errors.decode()[-2000:]
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        await engine.dispose()
