"""A NotificationRequested on the bus reaches the customer once, in its language, on every channel.

Runs against real servers on loopback: aiosmtpd as the mail server and a local HTTP server as the
SMS/webhook provider; once embedded (SQLite, in-process bus) and once on Kafka and PostgreSQL.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from notification_support import (
    HttpProvider,
    SmtpServer,
    TestClock,
    events,
    notifications,
    profile,
    request,
    running,
    send_event,
    service,
    settings_for,
)

from arflow_runtime.bus.base import Bus
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually


@pytest.fixture(params=["embedded", pytest.param("kafka-postgres", marks=[pytest.mark.kafka,
                                                                         pytest.mark.postgres])])
async def platform_and_bus(request: pytest.FixtureRequest, tmp_path: Path,
                           unique: str) -> AsyncIterator[tuple[PlatformSettings, Bus, str | None]]:
    if request.param == "embedded":
        platform = PlatformSettings(mode="embedded", data_dir=tmp_path, topic_prefix=f"{unique}.")
        bus: Bus = InProcessBus(tmp_path / "bus.sqlite", partitions=3)
        database = None
    else:  # sync fixtures only: an async fixture cannot be fetched from inside this one
        platform = request.getfixturevalue("kafka_platform")
        database = request.getfixturevalue("postgres_database")
        bus = KafkaBus(platform, client_id="test")
    await bus.start()
    try:
        yield platform, bus, database
    finally:
        await bus.stop()


async def test_a_request_arrives_once_by_email_sms_and_webhook_in_the_customers_language(
    platform_and_bus: tuple[PlatformSettings, Bus, str | None], smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    platform, bus, database = platform_and_bus
    settings = settings_for(smtp, provider, database_url=database)
    # Distributed: the service owns its Kafka clients, as in production; embedded: the shared bus.
    app = service(settings, platform, bus if database is None else None, clock)
    async with running(app, key="test-key" if database else None) as client:
        await send_event(bus, platform, profile("CUST-1"))
        await send_event(bus, platform, request("CUST-1", "REQ-1", channels=("email", "sms", "webhook")))
        sent = await eventually(lambda: notifications(client, customer_id="CUST-1", status="sent"),
                                lambda found: len(found) == 3, timeout=90, what="three channels sent")

        assert sorted(n["channel"] for n in sent) == ["email", "sms", "webhook"]
        assert {(n["template"], n["locale"], n["request_id"]) for n in sent} == {
            ("dunning.reminder_1", "zh-CN", "REQ-1")}
        assert all(len(n["attempts"]) == 1 and n["attempts"][0]["outcome"] == "sent" for n in sent)

        [mail] = smtp.messages
        assert smtp.recipients == [["li.wei@example.cn"]]
        assert mail["Subject"] == "付款提醒：您有 2 张发票已逾期"
        text = mail.get_body().get_content()  # type: ignore[union-attr]
        assert "尊敬的李伟" in text
        assert "发票 INV-2024-0001：未付金额 ¥12,800.00，到期日 2024年2月12日（已逾期 21 天）" in text
        assert "发票 INV-2024-0002：未付金额 ¥2,600.50" in text
        assert "合计（CNY）：¥15,400.50" in text
        email_log = next(n for n in sent if n["channel"] == "email")
        assert mail["Message-ID"] == f"<{email_log['notification_id']}@arflow.localhost>"
        assert email_log["provider_receipt"] == mail["Message-ID"]

        [sms] = provider.at("/sms")
        assert sms.signature_valid()
        by_channel = {n["channel"]: n for n in sent}
        assert sms.headers["idempotency-key"] == by_channel["sms"]["notification_id"]
        assert sms.json()["to"] == "+8613800138000"
        assert sms.json()["text"].startswith(
            "【Acme Trading】付款提醒：发票 INV-2024-0001、INV-2024-0002 已逾期")
        [webhook] = provider.at("/webhook")
        assert webhook.signature_valid()
        assert [line["invoice_number"] for line in webhook.json()["invoices"]] == ["INV-2024-0001",
                                                                                  "INV-2024-0002"]
        assert webhook.json()["locale"] == "zh-CN"

        published = await eventually(lambda: events(bus, platform, "NotificationSent"),
                                     lambda found: len(found) == 3, timeout=60, what="NotificationSent x3")
        assert {(e.data["channel"], e.data["request_id"]) for e in published} == {
            ("email", "REQ-1"), ("sms", "REQ-1"), ("webhook", "REQ-1")}
        receipts = {e.data["channel"]: e.data["provider_receipt"] for e in published}
        assert receipts["email"] == mail["Message-ID"]
        assert receipts["sms"] == "prov-1" and receipts["webhook"] == "prov-2" or \
            {receipts["sms"], receipts["webhook"]} == {"prov-1", "prov-2"}  # the two may race

        # Still once after the sender has gone round a few more times.
        passes = app.state.sender.passes
        await eventually(lambda: _passes(app), lambda n: n >= passes + 5, what="more sender passes")
        assert len(smtp.messages) == 1 and len(provider.requests) == 2


async def _passes(app: object) -> int:
    return app.state.sender.passes  # type: ignore[attr-defined, no-any-return]
