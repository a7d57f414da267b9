"""The replay: each business day's operations through the REST APIs, then the day's close."""

import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import httpx

from arflow_cli.replay.client import ApiProblem, PlatformClient, Service, Unreachable, idempotency_key
from arflow_cli.replay.operations import BusinessDay, Kind, Operation
from arflow_cli.replay.progress import Progress
from arflow_cli.replay.settle import Settler
from arflow_cli.replay.summary import ReplaySummary

# Where each kind goes: (service, method, path for one, path for a batch or None, batch field).
ROUTES: dict[Kind, tuple[Service, str, Callable[[Operation], str], str | None, str | None]] = {
    "customer": ("credit", "PUT", lambda op: f"/v1/customers/{op.customer_id}", None, None),
    "invoice": ("ledger", "POST", lambda op: "/v1/invoices", "/v1/invoices/batch", "invoices"),
    "credit_note": ("ledger", "POST", lambda op: "/v1/credit-notes", None, None),
    "dispute": ("ledger", "POST", lambda op: "/v1/disputes", None, None),
    "dispute_resolution": ("ledger", "POST", lambda op: f"/v1/disputes/{op.key}/resolve", None, None),
    "payment": ("ledger", "POST", lambda op: "/v1/payments", "/v1/payments/batch", "payments"),
}
LEDGER_PHASES: tuple[Kind, ...] = ("invoice", "credit_note", "dispute", "dispute_resolution", "payment")


class ReplayEngine:
    """Posts a history day by day, closes each day, and waits for the platform where order matters."""

    def __init__(
        self,
        client: PlatformClient,
        settler: Settler,
        progress: Progress,
        *,
        batch_size: int = 500,
        concurrency: int = 8,
        close_days: bool = True,
    ) -> None:
        self.client = client
        self.settler = settler
        self.progress = progress
        self.batch_size = batch_size
        self.close_days = close_days
        self._slots = asyncio.Semaphore(concurrency)
        self._batches = {kind: True for kind in ROUTES}
        self.summary = ReplaySummary()
        self._closed_through: date | None = None

    async def replay(self, days: Iterable[BusinessDay], close_through: date | None = None) -> ReplaySummary:
        """Every day in order; `close_through` closes further (empty) days at the end."""
        started = time.monotonic()
        try:
            for day in days:
                await self._business_day(day)
            if (
                self.close_days
                and close_through
                and (self._closed_through is None or close_through > self._closed_through)
            ):
                await self._close(close_through)
        finally:
            self.progress.finish()
            self.summary.seconds = time.monotonic() - started
            self.summary.requests = self.client.traffic.requests
            self.summary.retries = self.client.traffic.retries
            self.summary.retry_reasons = dict(self.client.traffic.retry_reasons)
            stats = self.settler.stats
            self.summary.settles, self.summary.settle_seconds = stats.count, round(stats.seconds, 3)
            self.summary.settle_timeouts = stats.timeouts
        return self.summary

    async def _open_clock(self, first: date) -> None:
        """Start a fresh ledger's business clock the day before the history; warn when it started after.

        Until a day is closed the platform's "today" is the system date: customers rated then
        would carry today's date into a history years old, and dunning applies a class only to
        days after the one it was rated on.
        """
        try:
            clock = (await self.client.request("ledger", "GET", "/v1/day-close")).json()
        except (ApiProblem, Unreachable):
            return
        if clock.get("last_closed") is None:
            await self._close(first - timedelta(days=1))
            return
        started = clock.get("first_closed")
        if started and date.fromisoformat(started) > first:
            warning = (
                f"the ledger's business clock started on {started}, after this history begins ({first}): "
                "its days cannot be closed, so nothing time-driven (overdue, dunning, scores) happens for "
                "them; replay into a platform with empty data"
            )
            self.summary.note(warning)
            print(f"warning: {warning}", file=sys.stderr)

    async def _business_day(self, day: BusinessDay) -> None:
        if self.summary.first_day is None and self.close_days:
            await self._open_clock(day.day)
        self.summary.see_day(day.day)
        for operations in day.operations.values():
            self.summary.customer_ids.update(op.customer_id for op in operations)
        if (
            self.close_days
            and self._closed_through is not None
            and day.day - timedelta(days=1) > self._closed_through
        ):
            await self._close(day.day - timedelta(days=1))  # the quiet days in between, in one request
        if day.of("customer"):
            await self._per_customer(day.of("customer"), self._one)
            await self.settler.settle()  # profiles reach dunning and notification before the documents
        for kind in LEDGER_PHASES:
            operations = day.of(kind)
            if operations and ROUTES[kind][3] and self._batches[kind]:
                await self._in_batches(kind, operations)
            elif operations:
                await self._per_customer(operations, self._one)
        if self.close_days:
            await self.settler.settle()  # everything posted today is known everywhere before the close
            await self._close(day.day)

    async def _close(self, as_of: date) -> None:
        body = {"as_of": as_of.isoformat()}
        try:
            response = await self.client.request(
                "ledger", "POST", "/v1/day-close", json_body=body, key=f"replay-day-close-{as_of.isoformat()}"
            )
            closed = response.json().get("closed", [])
            self.summary.closes += len(closed) if response.status_code == 201 else 0
        except ApiProblem as problem:
            if problem.status != 409:
                raise
            self.summary.note(f"day close {as_of}: {problem.detail}")  # the clock is past it already
        self._closed_through = as_of
        self.progress.advance(0, as_of)
        await self.settler.settle()  # the close's consequences (stages, holds, charges) before the next day

    async def _per_customer(
        self, operations: Sequence[Operation], send: Callable[[Operation], Awaitable[None]]
    ) -> None:
        """One customer's operations in order; different customers side by side."""
        by_customer: dict[str, list[Operation]] = defaultdict(list)
        for operation in operations:
            by_customer[operation.customer_id].append(operation)

        async def in_order(ops: list[Operation]) -> None:
            for op in ops:
                async with self._slots:
                    await send(op)

        await asyncio.gather(*(in_order(ops) for ops in by_customer.values()))

    async def _send(self, op: Operation, headers: dict[str, str] | None = None) -> httpx.Response:
        service, method, path, _, _ = ROUTES[op.kind]
        key = idempotency_key(op.kind, op.key, op.body)
        return await self.client.request(
            service, method, path(op), json_body=op.body, key=key, headers=headers
        )

    async def _one(self, op: Operation) -> None:
        try:
            try:
                response = await self._send(op)
            except ApiProblem as problem:
                if problem.status != 428:
                    raise
                # The ERP's master data is the record: replace what is stored, deliberately (If-Match: *).
                response = await self._send(op, {"If-Match": "*"})
        except ApiProblem as problem:
            self.summary.reject(op, problem.status, f"{problem.title}: {problem.detail}")
        except Unreachable as error:
            self.summary.reject(op, 0, str(error))
        else:
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            self.summary.accept(op.kind, created=response.status_code == 201 and not replayed)
        self.progress.advance(1, op.day)

    async def _in_batches(self, kind: Kind, operations: Sequence[Operation]) -> None:
        """Chunks of whole customers (order kept), posted side by side; a refused chunk goes one by one."""
        chunks: list[list[Operation]] = [[]]
        by_customer: dict[str, list[Operation]] = defaultdict(list)
        for op in operations:
            by_customer[op.customer_id].append(op)
        for ops in by_customer.values():
            if chunks[-1] and len(chunks[-1]) + len(ops) > self.batch_size:
                chunks.append([])
            chunks[-1].extend(ops)
        await asyncio.gather(*(self._batch(kind, chunk) for chunk in chunks if chunk))

    async def _batch(self, kind: Kind, chunk: list[Operation]) -> None:
        service, _, _, batch_path, field = ROUTES[kind]
        assert batch_path and field
        if len(chunk) == 1 or not self._batches[kind]:
            await self._per_customer(chunk, self._one)
            return
        body: dict[str, Any] = {field: [op.body for op in chunk]}
        try:
            async with self._slots:
                response = await self.client.request(
                    service,
                    "POST",
                    batch_path,
                    json_body=body,
                    key=idempotency_key(f"{kind}-batch", f"{chunk[0].key}-{len(chunk)}", body),
                )
        except ApiProblem as problem:
            if problem.status in (404, 405):
                self._batches[kind] = False  # this ledger has no batch endpoint: one by one from now on
            await self._per_customer(chunk, self._one)  # find the item(s) it refused, keep the rest
            return
        except Unreachable:
            await self._per_customer(chunk, self._one)
            return
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        results = _results(response)
        for index in range(len(chunk)):
            self.summary.accept(kind, created=results.get(index, 200) == 201 and not replayed)
        self.progress.advance(len(chunk), chunk[-1].day)


def _results(response: httpx.Response) -> dict[int, int]:
    try:
        items = response.json().get("results", [])
    except (ValueError, AttributeError):
        return {}
    # An item's status is the HTTP status (201 new, 200 existing); a result that carries the document's
    # own status there instead ("open") says nothing about which: counted as new.
    return {
        int(item.get("index", i)): item["status"] if isinstance(item.get("status"), int) else 201
        for i, item in enumerate(items)
    }
