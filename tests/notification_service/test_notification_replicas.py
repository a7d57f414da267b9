"""Two replicas on one PostgreSQL database send every message once between them."""

import pytest
from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually

pytestmark = pytest.mark.postgres


async def test_two_senders_never_take_the_same_message(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock, postgres_database: str,
) -> None:
    settings = settings_for(smtp, provider, database_url=postgres_database, rate_limit_messages=0)
    async with harness(platform, memory_bus, settings, clock) as first, \
            harness(platform, memory_bus, settings, clock) as second:
        for number in range(8):
            await first.send(profile(f"CUST-{number}"))
            await first.send(request(f"CUST-{number}", f"REQ-{number}", channels=("email", "sms")))
        await first.until(16, status="sent")
        await first.idle()
        await second.idle()
    assert sorted(len(r) for r in smtp.recipients) == [1] * 8
    assert len({m["Message-ID"] for m in smtp.messages}) == 8
    keys = [r.headers["idempotency-key"] for r in provider.at("/sms")]
    assert len(keys) == len(set(keys)) == 8
    await eventually(lambda: first.events("NotificationSent"), lambda found: len(found) == 16)
