"""A database restart is waited out, never dead-lettered (found by the chaos run: a DemandDelivered was
dead-lettered with "the database system is shutting down" while PostgreSQL restarted)."""

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError, IntegrityError

from arflow_runtime.consumer import is_transient


def wrapped(error: asyncpg.PostgresError) -> DBAPIError:
    """The error as SQLAlchemy raises it from an asyncpg session."""
    return DBAPIError("SELECT 1", None, AsyncAdapt_asyncpg_dbapi.Error(str(error), error))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.CrashShutdownError("terminating connection because of crash of another process"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.ConnectionFailureError("connection failure"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    ],
)
def test_a_server_going_away_or_coming_back_is_transient(error: asyncpg.PostgresError) -> None:
    assert is_transient(wrapped(error))
    assert is_transient(error)


def test_a_constraint_violation_is_not_transient() -> None:
    violation = asyncpg.exceptions.UniqueViolationError("duplicate key value")
    assert not is_transient(IntegrityError("INSERT", None, AsyncAdapt_asyncpg_dbapi.Error("dup", violation)))
    assert not is_transient(wrapped(asyncpg.exceptions.DataError("invalid input syntax")))


def test_an_ordinary_bug_is_not_transient() -> None:
    assert not is_transient(ValueError("no such invoice"))
