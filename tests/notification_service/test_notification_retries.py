"""Transient failures retry with backoff and deliver once; permanent ones end as NotificationFailed."""

from datetime import datetime

import pytest
from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually


async def test_smtp_down_while_a_message_is_due_retries_and_delivers_once_when_it_is_back(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    smtp.stop()
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1"))
        retried = await eventually(
            lambda: service.log(customer_id="CUST-1"),
            lambda found: bool(found) and [a["outcome"] for a in found[0]["attempts"][:2]] == ["retry"] * 2,
            what="two failed attempts",
        )
        assert retried[0]["status"] == "scheduled"
        assert retried[0]["attempts"][0]["detail"].startswith("SMTP unavailable")

        smtp.start()  # the same port: the server is back
        [sent] = await eventually(lambda: service.log(customer_id="CUST-1", status="sent"),
                                  lambda found: len(found) == 1, what="delivery after the outage")
        await service.idle()
        assert len(smtp.messages) == 1
        assert [a["outcome"] for a in sent["attempts"]][-1] == "sent"
        assert set(a["outcome"] for a in sent["attempts"][:-1]) == {"retry"}
        [event] = await service.published("NotificationSent", 1)
        assert event.data["attempt"] == len(sent["attempts"])


async def test_retries_back_off_exponentially_with_jitter(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    smtp.stop()
    settings = settings_for(smtp, provider, retry_base_seconds=0.05, retry_cap_seconds=0.4, retry_jitter=0.5)
    async with harness(platform, memory_bus, settings, clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1"))
        [item] = await eventually(lambda: service.log(customer_id="CUST-1"),
                                  lambda found: len(found) == 1 and len(found[0]["attempts"]) >= 5)
    attempts = item["attempts"]
    instant = datetime.fromisoformat
    waited = [(instant(later["started_at"]) - instant(earlier["finished_at"])).total_seconds()
              for earlier, later in zip(attempts, attempts[1:], strict=False)]
    ceilings = [0.05, 0.1, 0.2, 0.4]
    for seconds, ceiling in zip(waited, ceilings, strict=False):
        assert seconds >= ceiling * 0.5 - 0.001  # jitter takes off at most half


async def test_a_provider_error_is_retried_with_the_same_idempotency_key(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    provider.statuses.extend([503, 429])
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1", channels=("sms",)))
        [sent] = await service.until(1, customer_id="CUST-1", status="sent")
    assert [a["outcome"] for a in sent["attempts"]] == ["retry", "retry", "sent"]
    assert [a["detail"] for a in sent["attempts"][:2]] == ["provider answered HTTP 503",
                                                          "provider answered HTTP 429"]
    assert {r.headers["idempotency-key"] for r in provider.requests} == {sent["notification_id"]}
    assert len(provider.requests) == 3


@pytest.mark.parametrize("channel", ["sms", "webhook"])
async def test_a_provider_rejection_fails_at_once_with_the_reason(
    channel: str, platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer,
    provider: HttpProvider, clock: TestClock,
) -> None:
    provider.statuses.append(422)
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1", channels=(channel,)))
        [failed] = await service.until(1, customer_id="CUST-1", status="failed")
        [event] = await service.published("NotificationFailed", 1)
    assert failed["failure_reason"] == "provider answered HTTP 422"
    assert len(failed["attempts"]) == 1 and len(provider.requests) == 1
    assert event.data == {**event.data, "request_id": "REQ-1", "channel": channel, "attempts": 1,
                          "reason": "provider answered HTTP 422",
                          "notification_id": failed["notification_id"]}


async def test_a_refused_mailbox_fails_without_retry_and_names_no_address(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    smtp.refuse.add("li.wei@example.cn")
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1"))
        [failed] = await service.until(1, customer_id="CUST-1", status="failed")
        [event] = await service.published("NotificationFailed", 1)
    assert failed["failure_reason"] == "SMTP refused the recipient (550)"
    assert "example.cn" not in event.to_bytes().decode()


async def test_after_the_last_attempt_a_transient_failure_becomes_final(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    smtp.stop()
    async with harness(platform, memory_bus, settings_for(smtp, provider, max_attempts=3), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1"))
        [failed] = await service.until(1, customer_id="CUST-1", status="failed")
        [event] = await service.published("NotificationFailed", 1)
    assert [a["outcome"] for a in failed["attempts"]] == ["retry", "retry", "failed"]
    assert failed["failure_reason"].startswith("gave up after 3 attempts: SMTP unavailable")
    assert event.data["attempts"] == 3
