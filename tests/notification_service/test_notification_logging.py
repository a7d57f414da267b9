"""No email address or phone number in any log line the service writes while sending."""

import json

import pytest
from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings


async def test_sending_logs_ids_and_outcomes_but_never_a_recipient(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock, capfd: pytest.CaptureFixture[str],
) -> None:
    provider.statuses.append(500)
    smtp.refuse.add("refused@example.cn")
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(profile("CUST-2", email_address="refused@example.cn", phone="+8613900139000"))
        await service.send(request("CUST-1", "REQ-1", channels=("email", "sms", "webhook", "letter")))
        await service.send(request("CUST-2", "REQ-2", channels=("email",)))
        await service.settled(5)
    text = capfd.readouterr().out
    logged = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert {"notification.sent", "notification.retry", "notification.failed"} <= {e["event"] for e in logged}
    for personal in ("li.wei@example.cn", "refused@example.cn", "+8613800138000", "8613800138000",
                     "+8613900139000", "李伟", "世纪大道"):
        assert personal not in text, personal
    # Nothing even had to be masked: the service never hands a recipient to the logger.
    for placeholder in ("<email>", "<phone>", "<redacted>"):
        assert placeholder not in text, placeholder
