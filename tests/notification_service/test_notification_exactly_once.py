"""A request is sent once, whatever redeliveries, repeated requests or restarts happen."""

import asyncio

from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_contracts import topics
from arflow_notification.domain import Channel, Outcome
from arflow_notification.sending.channels import Channels
from arflow_notification.sending.email import SmtpEmail
from arflow_notification.sending.letter import PdfLetters
from arflow_notification.sending.message import OutgoingMessage
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually


async def test_a_redelivered_or_repeated_request_and_a_restart_do_not_send_twice(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    settings = settings_for(smtp, provider)
    async with harness(platform, memory_bus, settings, clock) as service:
        await service.send(profile("CUST-1"))
        first = await service.send(request("CUST-1", "REQ-1", channels=("email", "sms")))
        topic = platform.topic(topics.DUNNING)
        # The same record delivered again (a consumer that died before committing its offset).
        await memory_bus.publish(topic, b"CUST-1", first.to_bytes(), first.headers())
        # And the same request in a new event (dunning retrying its own publish).
        await service.send(request("CUST-1", "REQ-1", channels=("email", "sms")))
        await service.until(2, customer_id="CUST-1", status="sent")
        await service.idle()

    async with harness(platform, memory_bus, settings, clock) as restarted:
        await restarted.send(request("CUST-1", "REQ-1", channels=("email", "sms")))
        await memory_bus.publish(topic, b"CUST-1", first.to_bytes(), first.headers())
        await eventually(lambda: _consumed(restarted), lambda done: done, what="the redeliveries consumed")
        await restarted.idle()
        log = await restarted.log(customer_id="CUST-1")
        sent_events = await restarted.events("NotificationSent")

    assert len(smtp.messages) == 1 and len(provider.at("/sms")) == 1
    assert sorted((n["channel"], n["status"], len(n["attempts"])) for n in log) == [("email", "sent", 1),
                                                                                   ("sms", "sent", 1)]
    assert len(sent_events) == 2


async def _consumed(service: object) -> bool:
    from arflow_testing.inprocess import consumed_everything

    return await consumed_everything(service.app)  # type: ignore[attr-defined]


class DiesAfterSending(SmtpEmail):
    """The real SMTP channel, but the process 'dies' after the server accepted the message."""

    async def send(self, message: OutgoingMessage) -> Outcome:
        await super().send(message)
        await asyncio.Event().wait()  # never returns: the app stops here, before the outcome is recorded
        raise AssertionError("unreachable")


async def test_a_send_interrupted_before_its_outcome_was_recorded_is_resent_recognisably(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    settings = settings_for(smtp, provider, lease_seconds=0.5)
    dying = Channels({Channel.EMAIL: DiesAfterSending(settings, clock), Channel.LETTER: PdfLetters("Acme")})
    async with harness(platform, memory_bus, settings, clock, channels=dying) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1"))
        await eventually(lambda: _messages(smtp), lambda n: n == 1, what="the first send")
        [item] = await service.log(customer_id="CUST-1")
        assert [a["outcome"] for a in item["attempts"]] == ["sending"]

    async with harness(platform, memory_bus, settings, clock) as restarted:  # after the lease ran out
        [sent] = await eventually(lambda: restarted.log(customer_id="CUST-1", status="sent"),
                                  lambda found: len(found) == 1, what="the resend")
        await restarted.idle()

    assert [a["outcome"] for a in sent["attempts"]] == ["interrupted", "sent"]
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"] == f"<{sent['notification_id']}@arflow.localhost>"
    assert second["X-Arflow-Resend"] == "interrupted-attempt" and first["X-Arflow-Resend"] is None
    assert first.get_body().get_content() == second.get_body().get_content()  # type: ignore[union-attr]


async def _messages(smtp: SmtpServer) -> int:
    return len(smtp.messages)
