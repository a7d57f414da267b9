"""Business hours in the customer's time zone, and the per-customer, per-channel rate limit."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, second, tzinfo=SHANGHAI)


async def test_a_request_in_quiet_hours_goes_out_when_the_next_window_opens(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
) -> None:
    clock = TestClock(shanghai(4, 23, 30), frozen=True)  # Monday 23:30 in Shanghai (15:30 UTC)
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1", time_zone="Asia/Shanghai"))
        await service.send(request("CUST-1", "REQ-1", channels=("email", "letter")))
        found = await eventually(lambda: service.log(customer_id="CUST-1"),
                                 lambda found: len(found) == 2 and any(n["status"] == "sent" for n in found))
        email = next(n for n in found if n["channel"] == "email")
        assert email["status"] == "scheduled"
        assert datetime.fromisoformat(email["next_attempt_at"]) == shanghai(5, 8)  # Tuesday 08:00
        letter = next(n for n in found if n["channel"] == "letter")
        assert letter["status"] == "sent"  # a letter is a document: not held for business hours

        await service.idle()
        clock.set(shanghai(5, 7, 59, 59), frozen=True)  # one second before the window
        await service.idle()
        assert smtp.messages == []

        clock.set(shanghai(5, 8), frozen=True)
        both = await eventually(lambda: service.log(customer_id="CUST-1", status="sent"),
                                lambda found: len(found) == 2, what="the email at 08:00")
        [sent] = [n for n in both if n["channel"] == "email"]
        assert len(smtp.messages) == 1
        assert datetime.fromisoformat(sent["sent_at"]) == shanghai(5, 8)
        assert datetime.fromisoformat(sent["attempts"][0]["started_at"]) == shanghai(5, 8)


async def test_a_friday_evening_request_waits_for_monday_in_the_customers_zone(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
) -> None:
    new_york = ZoneInfo("America/New_York")
    clock = TestClock(datetime(2024, 3, 8, 19, 0, tzinfo=new_york), frozen=True)  # Friday 19:00
    settings = settings_for(smtp, provider, send_hours="09:00-18:00", send_days="mon-fri")
    async with harness(platform, memory_bus, settings, clock) as service:
        await service.send(profile("CUST-US", locale="en", time_zone="America/New_York"))
        await service.send(request("CUST-US", "REQ-1"))
        [item] = await service.until(1, customer_id="CUST-US")
    # Monday 09:00 in New York, on the first day of daylight saving time (UTC-4).
    assert datetime.fromisoformat(item["next_attempt_at"]) == datetime(2024, 3, 11, 13, 0, tzinfo=UTC)


async def test_the_rate_limit_defers_a_message_until_the_window_has_room(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
) -> None:
    clock = TestClock(shanghai(4, 10), frozen=True)
    settings = settings_for(smtp, provider, rate_limit_messages=1, rate_limit_window_seconds=3600)
    async with harness(platform, memory_bus, settings, clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1", channels=("email", "sms")))
        await service.until(2, customer_id="CUST-1", status="sent")
        await service.send(request("CUST-1", "REQ-2", channels=("email",)))
        waiting = await eventually(lambda: service.log(request_id="REQ-2"),
                                   lambda found: len(found) == 1 and found[0]["next_attempt_at"] is not None
                                   and datetime.fromisoformat(found[0]["next_attempt_at"]) > shanghai(4, 10))
        assert datetime.fromisoformat(waiting[0]["next_attempt_at"]) == shanghai(4, 11)
        await service.idle()
        assert len(smtp.messages) == 1

        clock.set(shanghai(4, 11), frozen=True)
        await service.until(1, request_id="REQ-2", status="sent")
        assert len(smtp.messages) == 2
        assert clock.now() - timedelta(hours=1) == shanghai(4, 10)
