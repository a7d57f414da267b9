"""Test doubles outside us, run for real on loopback: an SMTP server, an HTTP provider, a clock."""

import contextlib
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from arflow_contracts import EventData, EventEnvelope
from arflow_contracts.credit import CustomerProfileChangedV1, PostalAddress
from arflow_contracts.dunning import NoticeLine, NotificationRequestedV1
from arflow_contracts.notification import NotificationSentV1
from arflow_notification.main import create_app
from arflow_notification.settings import NotificationSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually
from arflow_testing.inprocess import DEV_HEADERS, publish

PROVIDER_SECRET = "provider-test-secret"
MONDAY_10_SHANGHAI = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, a Monday


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestClock:
    """A clock set to any instant; it runs on in real time unless frozen."""

    __test__ = False

    def __init__(self, start: datetime, *, frozen: bool = False) -> None:
        self.set(start, frozen=frozen)

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        self._base, self._since, self._frozen = instant, time.monotonic(), frozen

    def now(self) -> datetime:
        if self._frozen:
            return self._base
        return self._base + timedelta(seconds=time.monotonic() - self._since)


class SmtpServer:
    """aiosmtpd on 127.0.0.1: records each message; can be stopped and started on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._controller: Controller | None = None
        self.refuse: set[str] = set()  # recipients answered with 550 (mailbox unavailable)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class ProviderRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    def signature_valid(self, secret: str = PROVIDER_SECRET) -> bool:
        timestamp = self.headers["x-arflow-timestamp"]
        signed = timestamp.encode() + b"." + self.body
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers["x-arflow-signature"], f"sha256={expected}")


@dataclass
class HttpProvider:
    """A local HTTP server playing the SMS/webhook provider; answers from a queue of statuses."""

    requests: list[ProviderRequest] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def at(self, path: str) -> list[ProviderRequest]:
        return [request for request in self.requests if request.path == path]

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server hook)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = provider.statuses.popleft() if provider.statuses else 200
                provider.requests.append(
                    ProviderRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                answer = json.dumps({"id": f"prov-{len(provider.requests)}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def settings_for(smtp: SmtpServer, provider: HttpProvider, **overrides: Any) -> NotificationSettings:
    """Fast polls and retries, every channel pointed at the local servers."""
    values: dict[str, Any] = {
        "smtp_url": smtp.url, "sms_url": f"{provider.url}/sms", "webhook_url": f"{provider.url}/webhook",
        "provider_secret": PROVIDER_SECRET, "sender_name": "Acme Trading", "poll_interval_seconds": 0.02,
        "retry_base_seconds": 0.05, "retry_cap_seconds": 0.2, "smtp_timeout_seconds": 5,
        "http_timeout_seconds": 5, **overrides,
    }
    return NotificationSettings(**values)


@contextlib.asynccontextmanager
async def running(app: FastAPI, key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app; a client with the given API key (the dev key by default)."""
    headers = {"Authorization": f"Bearer {key}"} if key else DEV_HEADERS
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notification",
                                     headers=headers) as client:
            yield client


def service(settings: NotificationSettings, platform: PlatformSettings, bus: Bus | None,
            clock: TestClock) -> FastAPI:
    return create_app(settings=settings, platform=platform, bus=bus, clock=clock)


def profile(customer_id: str, *, locale: str = "zh-CN", time_zone: str = "Asia/Shanghai",
            email_address: str | None = "li.wei@example.cn", phone: str | None = "+8613800138000",
            revision: int = 1, latin: bool = False) -> CustomerProfileChangedV1:
    if latin:
        name, contact, lines, code, city, country = ("Harbour Supplies Ltd", "Jane Doe", ("1 Quay Street",),
                                                     "BS1 4DJ", "Bristol", "GB")
    else:
        name, contact, lines, code, city, country = ("上海示例贸易有限公司", "李伟", ("世纪大道 88 号",),
                                                     "200120", "上海", "CN")
    return CustomerProfileChangedV1(
        customer_id=customer_id, name=name, country=country, locale=locale, time_zone=time_zone,
        email=email_address, phone=phone, contact_name=contact,
        address=PostalAddress(lines=(name, *lines), postal_code=code, city=city, country=country),
        revision=revision,
    )


def request(customer_id: str, request_id: str, *, channels: tuple[str, ...] = ("email",),
            template: str = "dunning.reminder_1", formal_demand: bool = False,
            locale: str | None = None) -> NotificationRequestedV1:
    return NotificationRequestedV1(
        request_id=request_id, customer_id=customer_id, channels=channels, template=template, locale=locale,
        invoices=(
            NoticeLine(invoice_number="INV-2024-0001", currency="CNY", amount="12800.00",
                       outstanding="12800.00", due_date=date(2024, 2, 12), days_overdue=21),
            NoticeLine(invoice_number="INV-2024-0002", currency="CNY", amount="5600.50",
                       outstanding="2600.50", due_date=date(2024, 2, 22), days_overdue=11),
        ),
        as_of=date(2024, 3, 4), stage=2, policy_id="default-b", formal_demand=formal_demand,
    )


async def send_event(bus: Bus, platform: PlatformSettings, data: EventData, **envelope: Any) -> EventEnvelope:
    return await publish(bus, platform, data, **envelope)


async def notifications(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def events(bus: Bus, platform: PlatformSettings, event_type: str) -> list[EventEnvelope]:
    """Every event of a type the service published (read from the bus, not the outbox)."""
    topic = platform.topic(NotificationSentV1.topic)
    read_topic = getattr(bus, "read_topic", None)
    if read_topic is not None:
        records = await read_topic(topic)
    else:
        records = [record for partition in range(bus.partitions_of(topic))  # type: ignore[attr-defined]
                   for record in bus.read(topic, partition, 0, 100_000)]  # type: ignore[attr-defined]
    found = [EventEnvelope.from_bytes(record.value) for record in records]
    return [envelope for envelope in found if envelope.event_type == event_type]


@dataclass
class Harness:
    """A running notification-service on the in-process bus, with its client."""

    app: FastAPI
    client: httpx.AsyncClient
    bus: Bus
    platform: PlatformSettings

    @property
    def passes(self) -> int:
        return self.app.state.sender.passes  # type: ignore[no-any-return]

    async def send(self, data: EventData) -> EventEnvelope:
        return await publish(self.bus, self.platform, data)

    async def log(self, **params: str) -> list[dict[str, Any]]:
        return await notifications(self.client, **params)

    async def idle(self, passes: int = 3) -> None:
        """Wait until the sender has gone round `passes` more times (instead of sleeping)."""
        start = self.passes

        async def count() -> int:
            return self.passes

        await eventually(count, lambda n: n >= start + passes, what=f"{passes} sender passes")

    async def events(self, event_type: str) -> list[EventEnvelope]:
        return await events(self.bus, self.platform, event_type)

    async def until(self, count: int, **params: str) -> list[dict[str, Any]]:
        """Wait until the delivery log holds `count` notifications matching the filters."""
        return await eventually(lambda: self.log(**params), lambda found: len(found) == count,
                                what=f"{count} notifications {params}")

    async def settled(self, count: int, **params: str) -> list[dict[str, Any]]:
        """Wait until `count` notifications match and none of them is still scheduled."""
        return await eventually(
            lambda: self.log(**params),
            lambda found: len(found) == count and all(n["status"] != "scheduled" for n in found),
            what=f"{count} settled notifications {params}",
        )

    async def published(self, event_type: str, count: int) -> list[EventEnvelope]:
        """Wait until the service has published `count` events of a type."""
        return await eventually(lambda: self.events(event_type), lambda found: len(found) == count,
                                what=f"{count} {event_type}")


@contextlib.asynccontextmanager
async def harness(platform: PlatformSettings, bus: Bus, settings: NotificationSettings, clock: TestClock,
                  **app_options: Any) -> AsyncIterator[Harness]:
    app = create_app(settings=settings, platform=platform, bus=bus, clock=clock, **app_options)
    async with running(app) as client:
        yield Harness(app, client, bus, platform)
