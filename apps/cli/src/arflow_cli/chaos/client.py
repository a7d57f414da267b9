"""How the chaos driver calls the APIs: as an ERP would, retrying until the platform answers.

Every write carries an Idempotency-Key derived from what it is (and a natural key in its body),
so a retry after a timeout, a refused connection, a 5xx or a 409 "in flight" can never act twice.
"""

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

# Problem types that mean "try again": the platform, not the request, is the trouble.
RETRYABLE_PROBLEMS = ("idempotency-key-in-flight", "not-ready", "internal-error")


class OperationFailed(RuntimeError):
    """The platform refused an operation for good, or never answered within the deadline."""


@dataclass
class Outcome:
    """The final answer to one operation and how it was reached."""

    status: int
    body: Any
    headers: httpx.Headers
    attempts: int

    @property
    def replayed(self) -> bool:
        return self.headers.get("Idempotent-Replayed") == "true"


@dataclass
class CallStats:
    """What the driver sent and how often it had to insist."""

    operations: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    retries: int = 0
    replayed: int = 0
    existing: int = 0
    """Retried creations answered 200: the document was there already (found by its natural key)."""
    failures: list[str] = field(default_factory=list)


def _retryable(response: httpx.Response) -> bool:
    if response.status_code >= 500 or response.status_code == 429:
        return True
    if response.status_code == 409:
        try:
            problem = str(response.json().get("type", ""))
        except ValueError:
            return False
        # A concurrent writer of the same document (ledger) or of the same key: retry, get the answer.
        return problem.endswith(RETRYABLE_PROBLEMS) or "concurrent" in response.text
    return False


async def call(
    client: httpx.AsyncClient,
    stats: CallStats,
    kind: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    headers: dict[str, str] | None = None,
    accept: tuple[int, ...] = (200, 201),
    deadline: float = 240.0,
) -> Outcome:
    """Send until an answer in `accept` (or a final refusal) arrives; raise OperationFailed otherwise."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    sent = dict(headers or {})
    if idempotency_key:
        sent["Idempotency-Key"] = idempotency_key
    attempts = 0
    last = "no attempt"
    stats.operations[kind] += 1
    while True:
        attempts += 1
        stats.attempts += 1
        try:
            response = await client.request(method, path, json=json, params=params, headers=sent)
        except httpx.HTTPError as error:  # refused, reset, timed out: the process is down or frozen
            last = type(error).__name__
        else:
            if response.status_code in accept:
                outcome = Outcome(response.status_code, _body(response), response.headers, attempts)
                stats.replayed += outcome.replayed
                stats.existing += method == "POST" and attempts > 1 and response.status_code == 200
                return outcome
            if not _retryable(response):
                raise OperationFailed(
                    f"{kind} {method} {path}: HTTP {response.status_code} {response.text[:500]}"
                )
            last = f"HTTP {response.status_code}"
        if loop.time() > give_up:
            stats.failures.append(f"{kind} {method} {path}: gave up after {attempts} attempts ({last})")
            raise OperationFailed(f"{kind} {method} {path}: no answer within {deadline:.0f}s ({last})")
        stats.retries += 1
        # Back off with jitter before insisting (the ERP's retry policy, not a wait on a condition).
        await asyncio.sleep(min(2.0, 0.1 * 2 ** min(attempts, 5)) * random.uniform(0.5, 1.0))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
