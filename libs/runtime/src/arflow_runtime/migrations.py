"""Alembic migrations applied at start: each service keeps its scripts in its own package."""

import asyncio
from importlib.resources import files
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from arflow_runtime.tables import runtime_metadata


def alembic_config(package: str, connection: Connection | None = None) -> Config:
    """An Alembic config whose scripts live in `package` (e.g. 'arflow_invoice.migrations')."""
    config = Config()
    config.set_main_option("script_location", str(files(package)))
    config.attributes["connection"] = connection
    return config


# Alembic's `context` and `op` are module-level proxies: two services migrating at once in one
# process (the embedded default) would overwrite each other's, so migrations take turns.
_one_at_a_time = asyncio.Lock()
MIGRATION_LOCK = 0x0A2F11  # advisory lock id: one process of a database migrates at a time


async def apply_migrations(engine: AsyncEngine, package: str) -> None:
    """Upgrade the database to the newest revision."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(package, connection), "head")

    async with _one_at_a_time, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Processes of one service start together (<SERVICE>_PROCESSES, replicas): the first
            # migrates, the others wait for its commit and find the database at head.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        await connection.run_sync(upgrade)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode, on the given connection)."""
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("arflow migrations run at service start through apply_migrations()")
    context.configure(connection=connection, target_metadata=[target_metadata, runtime_metadata])
    with context.begin_transaction():
        context.run_migrations()


def create_runtime_tables(op: Any) -> None:
    """Create outbox, inbox and idempotency tables (call from a service's first migration)."""
    runtime_metadata.create_all(op.get_bind())
