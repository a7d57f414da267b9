"""/v1/invoice-imports: bulk load of invoices from a CSV or NDJSON stream (migrations)."""

import asyncio
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from arflow_invoice.ledger.import_rows import CSV_COLUMNS
from arflow_invoice.ledger.imports import import_invoices
from arflow_invoice.store.locks import IMPORT_LOCK, lock_for_write
from arflow_runtime.auth import Principal
from arflow_runtime.errors import ProblemError
from arflow_runtime.http import UnitOfWorkDep, require, runtime_of

router = APIRouter(prefix="/v1", tags=["invoices"])
MEDIA_TYPES = {
    "text/csv": "text/csv",
    "application/x-ndjson": "application/x-ndjson",
    "application/ndjson": "application/x-ndjson",
    "application/jsonl": "application/x-ndjson",
}
SPOOL_IN_MEMORY = 16 << 20
"""Bodies up to 16 MiB are held in memory while received; larger ones spill to a temporary file."""
READ_SIZE = 1 << 16
_ROW = {"type": "object", "description": "an invoice as POST /v1/invoices takes it"}


async def _read_back(spool: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := spool.read(READ_SIZE):
        yield chunk
        await asyncio.sleep(0)  # let the batch being stored make progress between reads


def _media_type(request: Request) -> str:
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given not in MEDIA_TYPES:
        raise ProblemError(
            f"send the invoices as text/csv (header: {', '.join(CSV_COLUMNS)}) or as "
            f"application/x-ndjson (one invoice object per line), not {given or 'no Content-Type'}",
            status=415,
            problem_type="unsupported-media-type",
            title="Unsupported import format",
        )
    return MEDIA_TYPES[given]


@router.post(
    "/invoice-imports",
    status_code=201,
    summary="Import many invoices from CSV or NDJSON (all or none, idempotent by invoice_number)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string", "description": f"header row: {', '.join(CSV_COLUMNS)}"}
                },
                "application/x-ndjson": {"schema": _ROW},
            },
        }
    },
    responses={
        200: {"description": "Every invoice was already in the ledger"},
        409: {"description": "An invoice number is recorded (or repeated) with different content"},
        415: {"description": "Neither text/csv nor application/x-ndjson"},
        422: {"description": "Invalid rows (each named with its row and field); nothing was imported"},
    },
)
async def import_invoices_endpoint(
    request: Request, uow: UnitOfWorkDep, _: Annotated[Principal, require("invoices:write")]
) -> JSONResponse:
    """Each row is checked like POST /v1/invoices; new invoices get their InvoiceIssued."""
    media_type = _media_type(request)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        # Receive the whole body before taking the write gate: a slow upload must not hold up
        # every other ledger write, only the import's own work does.
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        await lock_for_write(uow, IMPORT_LOCK)
        outbox = runtime_of(request).database.outbox
        status, answer = await import_invoices(uow, outbox, media_type, _read_back(spool))
        await uow.commit()
    outbox.notify()  # the import wrote its events without Outbox.append: wake the relay
    return JSONResponse(answer, status_code=status)
