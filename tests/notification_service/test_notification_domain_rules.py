"""Locale fallback, the rate limit, the retry schedule and the channel routing rules."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arflow_notification.domain import (
    Backoff,
    Channel,
    Contacts,
    RateLimit,
    normalize_locale,
    resolve_locale,
    route,
)

NOW = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("tag", "canonical"), [
    ("zh_cn", "zh-CN"), ("EN", "en"), ("zh-hans-cn", "zh-Hans-CN"), ("es-419", "es-419"),
])
def test_locale_tags_are_normalised(tag: str, canonical: str) -> None:
    assert normalize_locale(tag) == canonical


def test_the_profile_locale_wins_then_the_language_then_the_hint_then_the_fallback() -> None:
    available = {"en", "zh-CN"}
    assert resolve_locale(available, "zh-CN", "en") == "zh-CN"
    assert resolve_locale(available, "zh-TW", "en") == "zh-CN"  # same language
    assert resolve_locale(available, "de-DE", "zh-CN") == "zh-CN"  # the hint, as German has none
    assert resolve_locale(available, None, None) == "en"
    assert resolve_locale(available, "not a tag!", None, fallback="zh-CN") == "zh-CN"


def test_the_rate_limit_admits_until_full_then_names_when_room_returns() -> None:
    limit = RateLimit(2, timedelta(hours=1))
    assert limit.next_free_slot([], NOW) == NOW
    assert limit.next_free_slot([NOW - timedelta(minutes=50)], NOW) == NOW
    sent = [NOW - timedelta(minutes=50), NOW - timedelta(minutes=10)]
    assert limit.next_free_slot(sent, NOW) == NOW + timedelta(minutes=10)
    assert RateLimit(0, timedelta(hours=1)).next_free_slot(sent * 10, NOW) == NOW


@given(
    messages=st.integers(1, 5),
    offsets=st.lists(st.integers(0, 7200), max_size=12),
)
def test_at_the_free_slot_the_window_holds_fewer_than_the_limit(messages: int, offsets: list[int]) -> None:
    limit = RateLimit(messages, timedelta(hours=1))
    sent = [NOW - timedelta(seconds=s) for s in offsets]
    slot = limit.next_free_slot(sent, NOW)
    assert slot >= NOW
    assert sum(1 for at in sent if slot - limit.per < at <= slot) < messages
    if slot > NOW:
        earlier = slot - timedelta(seconds=1)
        assert sum(1 for at in sent if earlier - limit.per < at <= earlier) >= messages


def test_backoff_doubles_up_to_the_cap() -> None:
    backoff = Backoff(timedelta(seconds=30), timedelta(minutes=10), jitter=0)
    assert [backoff.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


@given(failures=st.integers(1, 60), jitter=st.floats(0, 1), seed=st.integers())
def test_jitter_only_ever_shortens_a_delay_by_its_fraction(failures: int, jitter: float, seed: int) -> None:
    backoff = Backoff(timedelta(seconds=1), timedelta(hours=1), jitter)
    delay = backoff.delay(failures, random.Random(seed))
    ceiling = backoff.ceiling(failures)
    assert ceiling * (1 - jitter) - timedelta(microseconds=1) <= delay <= ceiling
    assert ceiling <= timedelta(hours=1)


def test_backoff_refuses_nonsense() -> None:
    for base, cap, jitter in ((0, 1, 0.5), (2, 1, 0.5), (1, 2, 1.5)):
        with pytest.raises(ValueError):
            Backoff(timedelta(seconds=base), timedelta(seconds=cap), jitter)


def test_email_without_an_address_becomes_a_letter_unless_the_request_has_one() -> None:
    no_email = Contacts(email=False, phone=True)
    assert route(Channel.EMAIL, no_email, frozenset()).channel is Channel.LETTER
    covered = route(Channel.EMAIL, no_email, frozenset({Channel.LETTER}))
    assert covered.channel is None and "letter" in (covered.reason or "")
    no_phone = route(Channel.SMS, Contacts(email=True, phone=False), frozenset())
    assert no_phone.reason == "customer has no phone number"
    assert route(Channel.WEBHOOK, Contacts(False, False), frozenset()).channel is Channel.WEBHOOK
