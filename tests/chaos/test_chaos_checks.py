"""The chaos judge can fail: each check catches the loss, duplicate or leak it is there for."""

import json
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from arflow_cli.chaos import checks
from arflow_cli.chaos.evidence import Evidence, read_events
from arflow_cli.chaos.poison import POISON_HEADER, PoisonMessage
from arflow_cli.chaos.provider import ProviderCall
from arflow_cli.chaos.smtp import Delivered
from arflow_cli.chaos.workload import Expected, InvoicePlan
from arflow_contracts import topics
from arflow_runtime.bus.base import Record


def record(envelope: dict[str, Any], offset: int, topic: str = "x.ledger.events", **headers: str) -> Record:
    return Record(
        topic,
        0,
        offset,
        b"k",
        json.dumps(envelope).encode(),
        tuple((k, v.encode()) for k, v in headers.items()),
    )


def event(event_type: str, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "producer": "p",
        "data": data,
    }


def evidence(ledger: list[dict[str, Any]], dunning: list[dict[str, Any]] = ()) -> Evidence:  # type: ignore[assignment]
    return Evidence(
        {
            topics.LEDGER: read_events([record(e, n) for n, e in enumerate(ledger)]),
            topics.DUNNING: read_events([record(e, n) for n, e in enumerate(dunning)]),
            topics.CREDIT: read_events([]),
            topics.NOTIFICATION: read_events([]),
        },
        [],
        0,
    )


def expected_with(*numbers: str) -> Expected:
    expected = Expected()
    for n in numbers:
        expected.invoices[n] = InvoicePlan(
            n, "C-1", Decimal("10"), date(2025, 3, 3), date(2025, 3, 17), None, Decimal("10")
        )
    return expected


def by_check(findings: list[checks.Finding]) -> dict[str, checks.Finding]:
    return {f.check: f for f in findings}


INVOICE_ONCE = "ledger: InvoiceIssued once per invoice posted"


def test_copies_of_one_event_on_the_wire_are_not_duplicates() -> None:
    same = event("InvoiceIssued", invoice_number="INV-1")
    wire = evidence([same, same, same])
    assert wire.events[topics.LEDGER].copies == 2
    assert by_check(checks.ledger_events(expected_with("INV-1"), wire))[INVOICE_ONCE].ok


def test_the_same_invoice_issued_twice_under_two_event_ids_is_a_duplicate() -> None:
    found = by_check(
        checks.ledger_events(
            expected_with("INV-1"),
            evidence(
                [
                    event("InvoiceIssued", invoice_number="INV-1"),
                    event("InvoiceIssued", invoice_number="INV-1"),
                ]
            ),
        )
    )[INVOICE_ONCE]
    assert not found.ok and found.duplicated == 1 and found.lost == 0


def test_an_invoice_the_driver_posted_but_no_event_announced_is_lost() -> None:
    found = by_check(
        checks.ledger_events(
            expected_with("INV-1", "INV-2"), evidence([event("InvoiceIssued", invoice_number="INV-1")])
        )
    )[INVOICE_ONCE]
    assert not found.ok and found.lost == 1


def test_injected_poison_on_the_topic_is_left_to_the_dead_letter_check() -> None:
    poison = {**event("InvoiceIssued", invoice_number="canary@x.example"), "producer": "chaos"}
    wire = evidence([poison, event("InvoiceIssued", invoice_number="INV-1")])
    assert wire.events[topics.LEDGER].poison == 1
    assert by_check(checks.ledger_events(expected_with("INV-1"), wire))[INVOICE_ONCE].ok


def test_a_charge_requested_twice_or_never_posted_fails() -> None:
    request = event("ChargeRequested", request_id="R-1", invoice_number="INV-1", kind="fee")
    again = event("ChargeRequested", request_id="R-1", invoice_number="INV-1", kind="fee")
    found = by_check(checks.dunning_events(evidence([], [request, again])))
    assert not found["dunning: one ChargeRequested per invoice, stage and kind"].ok
    assert found["ledger: each ChargeRequested posted exactly once"].lost == 1


def test_an_invoice_reaching_a_stage_twice_fails() -> None:
    stage = {"policy_id": "default-b", "stage_key": "reminder_1", "invoice_numbers": ["INV-1"]}
    found = by_check(
        checks.dunning_events(
            evidence([], [event("DunningStageReached", **stage), event("DunningStageReached", **stage)])
        )
    )
    assert not found["dunning: each invoice reaches each stage once"].ok


def dead_letter(poison_id: str | None, group: str, offset: int) -> Record:
    headers = {"dlq_consumer_group": group, **({POISON_HEADER: poison_id} if poison_id else {})}
    return record(event("InvoiceIssued"), offset, "x.ledger.events.dlq", **headers)


def test_dead_letters_must_be_the_poison_for_every_group_and_nothing_else() -> None:
    poison = [PoisonMessage("poison-0", "not-json", "x.ledger.events")]
    readers = {"x.ledger.events": ["g.credit", "g.dunning"]}
    complete = [dead_letter("poison-0", "g.credit", 0), dead_letter("poison-0", "g.dunning", 1)]
    assert checks.dead_letters(complete, poison, readers).ok
    assert checks.dead_letters([*complete, dead_letter("poison-0", "g.credit", 2)], poison, readers).ok
    assert not checks.dead_letters(complete[:1], poison, readers).ok
    real = checks.dead_letters([*complete, dead_letter(None, "g.credit", 3)], poison, readers)
    assert not real.ok and real.lost == 1


def test_a_canary_anywhere_in_a_log_or_a_dead_letter_header_is_a_leak(tmp_path: Path) -> None:
    log = tmp_path / "credit-service.log"
    log.write_text('{"event": "x", "to": "<email>"}\n')
    canaries = {"canary.1@pii-canary.example", "+4915123450001"}
    assert checks.canaries_absent(canaries, [log], []).ok
    log.write_text('{"event": "x", "phone": "4915123450001"}\n')  # the digits without the plus
    assert not checks.canaries_absent(canaries, [log], []).ok
    log.write_text("")
    leaked = record(event("X"), 0, "x.ledger.events.dlq", dlq_error="bad input Canary.1@PII-canary.example")
    assert not checks.canaries_absent(canaries, [log], [leaked]).ok


async def test_an_email_delivered_twice_fails_unless_the_copy_is_a_marked_resend(tmp_path: Path) -> None:
    class Notifications:
        async def sql(self, _: str) -> list[dict[str, Any]]:
            return [
                {
                    "notification_id": "n1",
                    "request_id": "r",
                    "requested_channel": "email",
                    "channel": "email",
                    "status": "sent",
                    "template": "t",
                    "subject_ref": "INV-1",
                    "failure_reason": None,
                }
            ]

    def mail(*resends: str | None) -> list[Delivered]:
        return [Delivered("<n1@arflow.localhost>", ("a@b.example",), "s", r) for r in resends]

    async def verdict(delivered: list[Delivered]) -> checks.Finding:
        found, _ = await checks.notifications(Expected(), evidence([]), Notifications(), lambda: delivered)  # type: ignore[arg-type]
        return by_check(found)["mail: every email sent arrives once (by Message-ID)"]

    assert (await verdict(mail(None))).ok
    assert (await verdict(mail(None, "interrupted-attempt"))).ok
    assert (await verdict(mail("interrupted-attempt"))).ok
    assert not (await verdict(mail(None, None))).ok
    assert (await verdict([])).lost == 1


def test_counting_helpers() -> None:
    assert checks._at_most_once("c", Counter({"a": 1, "b": 3}), "x").duplicated == 2
    assert checks._exactly_once("c", ["a", "b"], Counter({"a": 1, "z": 1}), "x").lost == 1


async def test_an_sms_must_reach_the_provider_signed_and_copies_under_one_key_are_one_message() -> None:
    class Notifications:
        async def sql(self, _: str) -> list[dict[str, Any]]:
            return [
                {
                    "notification_id": "s1",
                    "request_id": "r",
                    "requested_channel": "sms",
                    "channel": "sms",
                    "status": "sent",
                    "template": "t",
                    "subject_ref": "INV-1",
                    "failure_reason": None,
                }
            ]

    async def verdict(calls: list[ProviderCall]) -> checks.Finding:
        found, _ = await checks.notifications(
            Expected(),
            evidence([]),
            Notifications(),
            lambda: [],
            lambda: calls,  # type: ignore[arg-type]
        )
        return by_check(found)[
            "provider: every SMS and webhook sent reached it once (by Idempotency-Key), signed"
        ]

    assert (await verdict([ProviderCall("/sms", "s1", True)])).ok
    assert (await verdict([ProviderCall("/sms", "s1", True), ProviderCall("/sms", "s1", True)])).ok
    assert not (await verdict([ProviderCall("/sms", "s1", False)])).ok
    assert (await verdict([])).lost == 1
