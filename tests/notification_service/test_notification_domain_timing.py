"""Business hours in the customer's zone: the next instant a message may be sent."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arflow_notification.domain import SendWindow, parse_hours, parse_weekdays, zone_of

OFFICE = SendWindow.parse("08:00-20:00", "mon-fri")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_inside_the_window_the_message_may_go_now() -> None:
    now = local(SHANGHAI, 2024, 3, 4, 10, 15).astimezone(UTC)
    assert OFFICE.next_send_instant(now, SHANGHAI) == now


def test_late_evening_waits_for_the_next_morning_in_the_customers_zone() -> None:
    now = local(SHANGHAI, 2024, 3, 4, 23, 30)  # 15:30 UTC: mid-afternoon for the server
    assert OFFICE.next_send_instant(now, SHANGHAI) == local(SHANGHAI, 2024, 3, 5, 8, 0)


def test_the_weekend_waits_for_monday() -> None:
    friday_night = local(SHANGHAI, 2024, 3, 8, 20, 0)  # the window closes at 20:00 sharp
    assert OFFICE.next_send_instant(friday_night, SHANGHAI) == local(SHANGHAI, 2024, 3, 11, 8, 0)


def test_a_window_may_run_over_midnight() -> None:
    night_shift = SendWindow.parse("22:00-06:00", "mon-sun")
    assert night_shift.next_send_instant(local(SHANGHAI, 2024, 3, 5, 3, 0), SHANGHAI) == local(
        SHANGHAI, 2024, 3, 5, 3, 0)
    assert night_shift.next_send_instant(local(SHANGHAI, 2024, 3, 5, 12, 0), SHANGHAI) == local(
        SHANGHAI, 2024, 3, 5, 22, 0)


def test_the_window_follows_daylight_saving_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = OFFICE.next_send_instant(local(berlin, 2024, 3, 29, 21, 0), berlin)  # Friday, CET
    assert before == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 CEST


def test_settings_text_is_parsed_and_checked() -> None:
    assert parse_weekdays("mon-wed,sat") == frozenset({1, 2, 3, 6})
    assert parse_hours("07:30-19:00") == (time(7, 30), time(19, 0))
    for bad_days in ("", "mon-xyz", "fri-mon"):
        with pytest.raises(ValueError):
            parse_weekdays(bad_days)
    for bad_hours in ("8-20", "08:00-08:00", "08:00"):
        with pytest.raises(ValueError):
            parse_hours(bad_hours)


def test_an_unknown_time_zone_falls_back_to_the_default() -> None:
    assert zone_of("Mars/Olympus_Mons", "Asia/Shanghai") == SHANGHAI
    assert zone_of(None) == ZoneInfo("UTC")


zones = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                         "Asia/Kathmandu", "UTC"])
windows = st.builds(
    lambda start, length, days: SendWindow(time(start // 60, start % 60),
                                           time(((start + length) % 1440) // 60, (start + length) % 60),
                                           frozenset(days)),
    st.integers(0, 1439), st.integers(30, 1200), st.sets(st.integers(1, 7), min_size=1),
)
instants = st.datetimes(datetime(2023, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))


@given(window=windows, zone_name=zones, now=instants)
def test_the_next_send_instant_is_never_early_and_always_inside_the_window(
    window: SendWindow, zone_name: str, now: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    chosen = window.next_send_instant(now, zone)
    assert chosen >= now
    assert window.contains(chosen, zone)
    if chosen > now:  # it is the opening of a window: a moment earlier was quiet
        assert not window.contains(chosen - timedelta(seconds=1), zone)
        assert chosen - now <= timedelta(days=8)
