"""Each service's migrations build exactly the schema its models declare, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from arflow_credit.store import CreditTable
from arflow_dunning.store import DunningTable
from arflow_invoice.store import LedgerTable
from arflow_notification.store import NotificationTable
from arflow_runtime.db import create_engine
from arflow_runtime.migrations import apply_migrations
from arflow_runtime.tables import runtime_metadata

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
