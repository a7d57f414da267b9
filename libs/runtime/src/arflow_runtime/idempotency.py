"""Idempotency-Key: a retried write returns the first response instead of acting twice."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from arflow_runtime.auth import Principal
from arflow_runtime.db import UnitOfWork
from arflow_runtime.errors import ProblemError
from arflow_runtime.tables import idempotency_keys

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retry-safe key: the same key and body return the first response",
    ),
]


def fingerprint(method: str, path: str, body: Any) -> str:
    """A stable digest of what was asked."""
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path} {canonical}".encode()).hexdigest()


@dataclass
class IdempotentRequest:
    """One write under an Idempotency-Key; `replay` is set when it was answered before."""

    uow: UnitOfWork
    principal: str
    key: str | None
    replay: JSONResponse | None = None

    @classmethod
    async def begin(
        cls, uow: UnitOfWork, principal: Principal, key: str | None, method: str, path: str, body: Any
    ) -> "IdempotentRequest":
        """Claim the key in this transaction, or find the answer stored under it."""
        request = cls(uow, principal.name, key)
        if key is None:
            return request
        digest = fingerprint(method, path, body)
        insert = pg_insert if uow.session.bind.dialect.name == "postgresql" else sqlite_insert
        # On PostgreSQL a concurrent first use of the key holds the row until it commits; this
        # insert waits for it, then does nothing, and the stored answer below is replayed.
        claimed = await uow.session.execute(
            insert(idempotency_keys)
            .values(
                principal=principal.name, key=key, request_fingerprint=digest, created_at=datetime.now(UTC)
            )
            .on_conflict_do_nothing(index_elements=["principal", "key"])
        )
        if claimed.rowcount:
            return request
        stored = (
            await uow.session.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.principal == principal.name, idempotency_keys.c.key == key
                )
            )
        ).one()
        if stored.request_fingerprint != digest:
            raise ProblemError(
                "This Idempotency-Key was used before with a different request; use a new key.",
                status=422,
                problem_type="idempotency-key-reused",
                title="Idempotency-Key reused",
            )
        if stored.status_code is None:
            raise ProblemError(
                "A request with this Idempotency-Key is still in progress; retry shortly.",
                status=409,
                problem_type="idempotency-key-in-flight",
                title="Request in progress",
            )
        request.replay = JSONResponse(
            json.loads(stored.response_body),
            status_code=stored.status_code,
            headers={"Idempotent-Replayed": "true"},
        )
        return request

    async def complete(self, status_code: int, body: Any) -> None:
        """Store the answer in the same transaction as the write it describes."""
        if self.key is None:
            return
        await self.uow.session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.principal == self.principal, idempotency_keys.c.key == self.key)
            .values(status_code=status_code, response_body=json.dumps(jsonable_encoder(body)).encode())
        )
