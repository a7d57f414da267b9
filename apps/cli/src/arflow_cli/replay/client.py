"""The REST APIs as an ERP reaches them: API key, Idempotency-Key, retries on transient failures."""

import asyncio
import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

Service = Literal["credit", "ledger", "dunning", "notification"]
SERVICE_NAMES: dict[Service, str] = {
    "credit": "credit-service",
    "ledger": "invoice-service",
    "dunning": "dunning-service",
    "notification": "notification-service",
}
DEFAULT_PORTS: dict[Service, int] = {"credit": 8001, "ledger": 8002, "dunning": 8003, "notification": 8004}
DEV_KEY = "arflow-dev-key"
RETRIED_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Endpoints:
    """Base URL of each service."""

    credit: str
    ledger: str
    dunning: str
    notification: str

    def of(self, service: Service) -> str:
        return str(getattr(self, service)).rstrip("/")

    def items(self) -> list[tuple[Service, str]]:
        return [(s, self.of(s)) for s in DEFAULT_PORTS]

    @classmethod
    def on_ports(cls, host: str = "127.0.0.1", ports: dict[Service, int] | None = None) -> "Endpoints":
        chosen = {**DEFAULT_PORTS, **(ports or {})}
        return cls(**{s: f"http://{host}:{p}" for s, p in chosen.items()})

    @classmethod
    def parse(cls, text: str) -> "Endpoints":
        """`credit=URL,ledger=URL,dunning=URL,notification=URL`, or four URLs in that order."""
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if all("=" in p and not p.startswith("http") for p in parts):
            named = dict(p.split("=", 1) for p in parts)
            aliases = {
                "invoice": "ledger",
                "invoice-service": "ledger",
                "credit-service": "credit",
                "dunning-service": "dunning",
                "notification-service": "notification",
            }
            named = {aliases.get(k, k): v for k, v in named.items()}
            unknown = set(named) - set(DEFAULT_PORTS)
            if unknown or set(named) != set(DEFAULT_PORTS):
                raise ValueError(
                    f"name the four services credit, ledger, dunning, notification; got {sorted(named)}"
                )
            return cls(**named)
        if len(parts) != 4:
            raise ValueError("give four URLs (credit, ledger, dunning, notification) or name=URL pairs")
        return cls(*parts)

    @classmethod
    def with_base(cls, base: str) -> "Endpoints":
        """One host for all four on the default ports, e.g. http://10.0.0.5."""
        host = base.rstrip("/").removeprefix("http://").removeprefix("https://").split(":")[0]
        scheme = "https" if base.startswith("https://") else "http"
        return cls(**{s: f"{scheme}://{host}:{p}" for s, p in DEFAULT_PORTS.items()})


class ApiProblem(Exception):
    """A non-2xx answer that retrying does not cure (or retries ran out)."""

    def __init__(self, status: int, problem: dict[str, Any], method: str, url: str) -> None:
        self.status = status
        self.problem = problem
        self.method = method
        self.url = url
        super().__init__(f"{method} {url} → {status}: {self.detail}")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or self.problem)[:500]

    @property
    def title(self) -> str:
        return str(self.problem.get("title") or f"HTTP {self.status}")


class Unreachable(Exception):
    """Timeouts or connection failures outlasted every retry."""


def idempotency_key(kind: str, key: str, body: Any) -> str:
    """Derived from the natural key and the content: the same row replayed gets the same key.

    Different content under the same natural key gets a different key, so the service's natural-key
    check answers (409 naming the fields that differ) instead of a stale stored answer.
    """
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"replay-{kind}-{key}"[:150] + "-" + digest[:16]


@dataclass
class Traffic:
    """What went over the wire."""

    requests: int = 0
    retries: int = 0
    retry_reasons: Counter[str] = field(default_factory=Counter)


class PlatformClient:
    """httpx clients for the four services, with bounded retries and backoff."""

    def __init__(
        self,
        endpoints: Endpoints,
        api_key: str = DEV_KEY,
        *,
        timeout: float = 60.0,
        attempts: int = 8,
        backoff: float = 0.25,
        backoff_cap: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.attempts = attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.traffic = Traffic()
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        self._clients = {
            service: httpx.AsyncClient(
                base_url=url,
                timeout=timeout,
                limits=limits,
                transport=transport,
                headers={"Authorization": f"Bearer {api_key}", "User-Agent": "arflow-replay"},
            )
            for service, url in endpoints.items()
        }

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def __aenter__(self) -> "PlatformClient":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def request(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send; retry timeouts, connection errors, 429 and 5xx; raise ApiProblem on any other non-2xx."""
        client = self._clients[service]
        headers = {**({"Idempotency-Key": key} if key else {}), **(headers or {})}
        url = f"{self.endpoints.of(service)}{path}"
        for attempt in range(1, self.attempts + 1):
            reason: str
            wait: float | None = None
            try:
                self.traffic.requests += 1
                response = await client.request(method, path, json=json_body, params=params, headers=headers)
            except httpx.TimeoutException:
                reason = "timeout"
            except httpx.TransportError as error:
                reason = type(error).__name__
            else:
                if response.is_success:
                    return response
                problem = _problem(response)
                if not _retryable(response.status_code, problem):
                    raise ApiProblem(response.status_code, problem, method, url)
                reason = f"HTTP {response.status_code}"
                wait = _retry_after(response)
                if attempt == self.attempts:
                    raise ApiProblem(response.status_code, problem, method, url)
            if attempt == self.attempts:
                raise Unreachable(f"{method} {url}: {reason} after {attempt} attempts")
            self.traffic.retries += 1
            self.traffic.retry_reasons[reason] += 1
            ceiling = min(self.backoff_cap, self.backoff * 2 ** (attempt - 1))
            await asyncio.sleep(wait if wait is not None else random.uniform(ceiling / 2, ceiling))  # backoff
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_json(self, service: Service, path: str, **params: Any) -> Any:
        """GET and decode; None values are left out of the query."""
        query = {k: v for k, v in params.items() if v is not None}
        return (await self.request(service, "GET", path, params=query)).json()


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"title": f"HTTP {response.status_code}", "detail": response.text[:300]}
    return body if isinstance(body, dict) else {"detail": body}


def _retryable(status: int, problem: dict[str, Any]) -> bool:
    # 409 "in progress": the first request with this Idempotency-Key has not finished yet.
    return status in RETRIED_STATUSES or (status == 409 and "in-flight" in str(problem.get("type", "")))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value and value.isdigit():
        return min(float(value), 30.0)
    return None
