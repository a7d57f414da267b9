"""How every ledger write runs: lock, Idempotency-Key, the operation, commit — or a problem+json."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from arflow_invoice.domain import Conflict
from arflow_invoice.settings import InvoiceSettings
from arflow_invoice.store.locks import lock_for_write
from arflow_runtime.auth import Principal
from arflow_runtime.db import UnitOfWork
from arflow_runtime.http import runtime_of
from arflow_runtime.idempotency import IdempotentRequest

Operation = Callable[[], Awaitable[tuple[int, Any]]]


def ledger_settings(request: Request) -> InvoiceSettings:
    """The running ledger's settings."""
    return runtime_of(request).settings  # type: ignore[no-any-return]


SettingsDep = Annotated[InvoiceSettings, Depends(ledger_settings)]


def _concurrent() -> Conflict:
    return Conflict(
        "a concurrent request wrote the same document at the same moment; retry the request "
        "and it returns the stored document"
    )


async def write(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    key: str | None,
    body: BaseModel | None,
    lock: str | Sequence[str],
    operation: Operation,
) -> JSONResponse:
    """Run one write in its transaction; a replayed Idempotency-Key returns the first answer."""
    for name in sorted({lock} if isinstance(lock, str) else set(lock)):  # one order: no deadlocks
        await lock_for_write(uow, name)
    # Only a request under a key is fingerprinted; its URL and body dump cost CPU on every POST.
    path, payload = "", {}
    if key is not None:
        path = request.url.path
        payload = body.model_dump(mode="json") if body is not None else {}
    idempotent = await IdempotentRequest.begin(uow, principal, key, request.method, path, payload)
    if idempotent.replay is not None:
        return idempotent.replay
    try:
        status, answer = await operation()
        await idempotent.complete(status, answer)
        await uow.commit()
    except IntegrityError:
        await uow.rollback()
        raise _concurrent() from None
    return JSONResponse(answer, status_code=status)
