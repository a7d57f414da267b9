"""Event ids made in Python for set-based outbox rows: UUIDv7 as the SQL makes them, never repeated."""

import time
from uuid import UUID

from arflow_invoice.store.outbox_sql import event_ids


def test_event_ids_are_version_7_uuids_of_this_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = event_ids(1_000)
    after = time.time_ns() // 1_000_000
    for text in ids:
        parsed = UUID(text)
        assert str(parsed) == text
        assert parsed.version == 7 and parsed.variant == "specified in RFC 4122"
        assert before <= parsed.int >> 80 <= after


def test_event_ids_never_repeat() -> None:
    ids = event_ids(100_000) + event_ids(100_000)
    assert len(set(ids)) == len(ids)
