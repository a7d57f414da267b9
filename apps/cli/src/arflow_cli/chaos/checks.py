"""The verdict of a chaos run: nothing lost, nothing doubled, nothing leaked.

Each check compares two independent accounts of the same facts (the driver's, the ledger's, the
events on the wire, another service's projection, the mail server's) and counts what is missing
(lost) and what is there more than once (duplicated).
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from arflow_cli.chaos.evidence import Evidence, count_by, ledger_view
from arflow_cli.chaos.poison import POISON_HEADER, PoisonMessage
from arflow_cli.chaos.provider import ProviderCall
from arflow_cli.chaos.quiet import Quiet
from arflow_cli.chaos.smtp import Delivered
from arflow_cli.chaos.workload import CURRENCY, Expected
from arflow_cli.local import ServiceProcess
from arflow_contracts import topics
from arflow_runtime.bus.base import Record


@dataclass
class Finding:
    """One check: passed or not, what it saw, and what was lost or doubled."""

    check: str
    ok: bool
    detail: str
    lost: int = 0
    duplicated: int = 0


def _exactly_once(check: str, expected: Iterable[Any], counts: Counter[Any], what: str) -> Finding:
    wanted = set(expected)
    lost = sorted(str(k) for k in wanted if counts.get(k, 0) == 0)
    doubled = sorted(str(k) for k in wanted if counts.get(k, 0) > 1)
    extra = sorted(str(k) for k in counts if k not in wanted)
    ok = not lost and not doubled and not extra
    detail = f"{len(wanted)} {what}, each once"
    if not ok:
        detail = f"{len(wanted)} {what}: lost {lost[:5]}, doubled {doubled[:5]}, unexpected {extra[:5]}"
    duplicated = sum(counts[k] - 1 for k in counts if k in wanted and counts[k] > 1) + len(extra)
    return Finding(check, ok, detail, lost=len(lost), duplicated=duplicated)


def _at_most_once(check: str, counts: Counter[Any], what: str) -> Finding:
    doubled = {k: n for k, n in counts.items() if n > 1}
    detail = f"{sum(counts.values())} {what}, none twice"
    if doubled:
        detail = f"{len(doubled)} {what} more than once: {sorted(map(str, doubled))[:5]}"
    return Finding(check, not doubled, detail, duplicated=sum(n - 1 for n in doubled.values()))


# ---------------------------------------------------------------------------- ledger


def ledger_events(expected: Expected, evidence: Evidence) -> list[Finding]:
    ledger = evidence.events[topics.LEDGER]
    issued = count_by(ledger.of_type("InvoiceIssued"), "invoice_number")
    received = count_by(ledger.of_type("PaymentReceived"), "payment_reference")
    closed = count_by(ledger.of_type("BusinessDayClosed"), "business_date")
    overdue = count_by(ledger.of_type("InvoiceOverdue"), "invoice_number")
    return [
        _exactly_once("ledger: InvoiceIssued once per invoice posted", expected.invoices, issued, "invoices"),
        _exactly_once(
            "ledger: PaymentReceived once per payment posted", expected.payments, received, "payments"
        ),
        _exactly_once(
            "ledger: BusinessDayClosed once per day closed",
            (d.isoformat() for d in expected.closed),
            closed,
            "business days",
        ),
        _at_most_once("ledger: InvoiceOverdue at most once per invoice", overdue, "overdue invoices"),
    ]


async def ledger_totals(
    expected: Expected, evidence: Evidence, ledger: ServiceProcess
) -> tuple[list[Finding], dict[str, Any]]:
    """Per customer: the ledger's documents and balances against what the driver posted."""
    charges: Counter[str] = Counter()
    for event in evidence.events[topics.LEDGER].of_type("ChargePosted"):
        charges[event["data"]["customer_id"]] += Decimal(str(event["data"]["amount"]))  # type: ignore[assignment]
    views: dict[str, Any] = {}
    missing: list[str] = []
    extra: list[str] = []
    wrong_amount: list[str] = []
    off: list[str] = []
    for customer_id in expected.customers:
        view = await ledger_view(ledger.client, customer_id, CURRENCY)
        views[customer_id] = view
        mine = {n: i for n, i in expected.invoices.items() if i.customer_id == customer_id}
        missing += [n for n in mine if n not in view.invoices]
        extra += [n for n in view.invoices if n not in mine]
        wrong_amount += [
            n
            for n, i in mine.items()
            if n in view.invoices and Decimal(view.invoices[n]["amount"]) != i.amount
        ]
        outstanding = sum((Decimal(i["outstanding"]) for i in view.invoices.values()), Decimal(0))
        computed = expected.invoiced(customer_id) + Decimal(charges[customer_id]) - expected.paid(customer_id)
        if outstanding - view.unapplied != computed:
            off.append(f"{customer_id}: ledger {outstanding} - {view.unapplied} unapplied, driver {computed}")
    invoiced = sum((i.amount for i in expected.invoices.values()), Decimal(0))
    paid = sum((a for _, a in expected.payments.values()), Decimal(0))
    findings = [
        Finding(
            "ledger: every invoice posted is there once, with its amount",
            not (missing or extra or wrong_amount),
            f"{len(expected.invoices)} invoices, {invoiced} {CURRENCY}"
            if not (missing or extra or wrong_amount)
            else f"missing {missing[:5]}, unexpected {extra[:5]}, wrong amount {wrong_amount[:5]}",
            lost=len(missing),
            duplicated=len(extra),
        ),
        Finding(
            "ledger: outstanding - unapplied = invoiced + charges - paid (per customer)",
            not off,
            f"{len(expected.customers)} customers; paid {paid} {CURRENCY}, charges "
            f"{sum(charges.values(), Decimal(0))} {CURRENCY}"
            if not off
            else "; ".join(off[:5]),
            lost=len(off),
        ),
    ]
    return findings, views


# ---------------------------------------------------------------------------- credit


async def credit_exposure(
    expected: Expected, ledger_views: dict[str, Any], credit: ServiceProcess, as_of: str
) -> list[Finding]:
    """credit-service's exposure counts each open invoice and each payment exactly once."""
    off: list[str] = []
    lost = doubled = 0
    for customer_id in expected.customers:
        view = ledger_views[customer_id]
        open_items = [i for i in view.invoices.values() if Decimal(i["outstanding"]) > 0]
        outstanding = sum((Decimal(i["outstanding"]) for i in open_items), Decimal(0))
        response = await credit.client.get(f"/v1/customers/{customer_id}/exposure", params={"as_of": as_of})
        lines = [
            line for line in response.raise_for_status().json()["exposure"] if line["currency"] == CURRENCY
        ]
        total = sum((Decimal(line["total"]) for line in lines), Decimal(0))
        items = sum(int(line.get("open_items", 0)) for line in lines)
        credit_view = (
            (await credit.client.get(f"/v1/customers/{customer_id}/credit")).raise_for_status().json()
        )
        unapplied = Decimal(credit_view["exposure"]["unapplied_credit"])
        # Every order the driver had checked and was not refused was invoiced: an approval's
        # reservation must have given way to the invoice, not be counted beside it.
        reserved = Decimal(credit_view["exposure"]["reserved"])
        if total != outstanding or items != len(open_items) or unapplied != view.unapplied or reserved:
            off.append(
                f"{customer_id}: credit {total} in {items} items, unapplied {unapplied}, "
                f"reserved {reserved}; "
                f"ledger {outstanding} in {len(open_items)} items, unapplied {view.unapplied}"
            )
            lost += total < outstanding or unapplied > view.unapplied
            doubled += total > outstanding or unapplied < view.unapplied or reserved > 0
    return [
        Finding(
            "credit: exposure = ledger outstanding and unapplied credit, no reservation left (per customer)",
            not off,
            f"{len(expected.customers)} customers agree" if not off else "; ".join(off[:4]),
            lost=lost,
            duplicated=doubled,
        )
    ]


# ---------------------------------------------------------------------------- dunning


def dunning_events(evidence: Evidence) -> list[Finding]:
    dunning = evidence.events[topics.DUNNING]
    ledger = evidence.events[topics.LEDGER]
    stages: Counter[Any] = Counter()
    for event in dunning.of_type("DunningStageReached"):
        data = event["data"]
        for number in data.get("invoice_numbers", ()):
            stages[(number, data.get("policy_id"), data.get("stage_key") or data.get("stage"))] += 1
    notices: Counter[Any] = Counter()
    for event in dunning.of_type("NotificationRequested"):
        data = event["data"]
        notices[
            (data["customer_id"], data.get("stage_key") or data.get("stage"), data["as_of"], data["template"])
        ] += 1
    requested = count_by(dunning.of_type("ChargeRequested"), "request_id")
    posted = count_by(ledger.of_type("ChargePosted"), "requested_by")
    posted.pop(None, None)
    return [
        _at_most_once("dunning: each invoice reaches each stage once", stages, "invoice stages"),
        _at_most_once(
            "dunning: one NotificationRequested per customer, stage, day and template", notices, "messages"
        ),
        _at_most_once(
            "dunning: one NotificationRequested per request id",
            count_by(dunning.of_type("NotificationRequested"), "request_id"),
            "requests",
        ),
        # request_id is derived from (invoice, stage, kind): one charge per invoice, stage and kind.
        _at_most_once("dunning: one ChargeRequested per invoice, stage and kind", requested, "charges"),
        _at_most_once(
            "dunning: one CreditHoldRequested per request id",
            count_by(dunning.of_type("CreditHoldRequested"), "request_id"),
            "hold requests",
        ),
        _at_most_once(
            "dunning: one CollectionTaskCreated per task",
            count_by(dunning.of_type("CollectionTaskCreated"), "task_id"),
            "tasks",
        ),
        _exactly_once(
            "ledger: each ChargeRequested posted exactly once", requested, posted, "charge requests"
        ),
    ]


async def dunning_watches(expected: Expected, dunning: ServiceProcess) -> list[Finding]:
    counts: Counter[str] = Counter()
    for customer_id in expected.customers:
        response = await dunning.client.get("/v1/watched-invoices", params={"customer_id": customer_id})
        for item in response.raise_for_status().json():
            counts[item["invoice_number"]] += 1
    return [_exactly_once("dunning: watches every invoice once", expected.invoices, counts, "invoices")]


# ---------------------------------------------------------------------------- notifications and mail


async def notifications(
    expected: Expected,
    evidence: Evidence,
    notification: ServiceProcess,
    inbox: Callable[[], list[Delivered]],
    provider: Callable[[], list[ProviderCall]] = list,
) -> tuple[list[Finding], Counter[str]]:
    rows = await notification.sql(
        "SELECT notification_id, request_id, requested_channel, channel, status, template, subject_ref, "
        "failure_reason FROM notifications"
    )
    mail = inbox()  # after the log: a message sent since is in flight (its row still 'scheduled')
    calls = provider()
    by_request: Counter[Any] = Counter((r["request_id"], r["requested_channel"]) for r in rows)
    wanted: list[tuple[str, str]] = []
    for event in evidence.events[topics.DUNNING].of_type("NotificationRequested"):
        wanted += [(event["data"]["request_id"], channel) for channel in event["data"]["channels"]]
    dunning_rows = Counter({k: n for k, n in by_request.items() if k in set(wanted)})
    issued = Counter(r["subject_ref"] for r in rows if r["template"] == "invoice.issued")
    statuses = Counter(f"{r['channel']} {r['status']}" for r in rows)
    sent_ids = {r["notification_id"] for r in rows if r["channel"] == "email" and r["status"] == "sent"}

    # A message resent after a crash between the server's 250 and the sender's commit carries the
    # same Message-ID and X-Arflow-Resend (docs/notifications.md, "Exactly once"): mail clients
    # show it once. Such copies are reported, not counted as duplicates; any other copy is one.
    def notification_id(message_id: str) -> str:
        return re.sub(r"^<([^@>]+)@.*$", r"\1", message_id)

    unmarked = Counter(notification_id(m.message_id) for m in mail if not m.resend)
    marked = Counter(notification_id(m.message_id) for m in mail if m.resend)
    # Marked resends of a message count as that message; two unmarked copies are a duplicate.
    ids = Counter({n: max(unmarked[n], 1) for n in unmarked | marked})
    in_flight = {r["notification_id"] for r in rows if r["status"] == "scheduled"}
    for n in in_flight & set(ids):
        del ids[n]  # the server said 250; the sender has not committed yet
    mail_finding = _exactly_once(
        "mail: every email sent arrives once (by Message-ID)", sent_ids, ids, "emails"
    )
    if marked:
        mail_finding.detail += (
            f"; {sum(marked.values())} recognisable resend(s) after a crash between SMTP 250 and commit "
            "(same Message-ID, X-Arflow-Resend)"
        )
    # SMS and webhooks: a resend after a crash carries the same Idempotency-Key (the notification
    # id), so a provider that honours the key delivers once: copies under one key are one message.
    pushed = {
        r["notification_id"] for r in rows if r["channel"] in ("sms", "webhook") and r["status"] == "sent"
    }
    keys = Counter({c.idempotency_key: 1 for c in calls})
    for n in in_flight & set(keys):
        del keys[n]
    provider_finding = _exactly_once(
        "provider: every SMS and webhook sent reached it once (by Idempotency-Key), signed",
        pushed,
        keys,
        "messages",
    )
    unsigned = sum(1 for c in calls if not c.signed)
    if unsigned:
        provider_finding.ok = False
        provider_finding.detail += f"; {unsigned} requests without a valid signature"
    if len(calls) > len(keys):
        provider_finding.detail += f"; {len(calls) - len(keys)} resent under the same key after a crash"
    sent_events = count_by(
        evidence.events[topics.NOTIFICATION].of_type("NotificationSent"), "notification_id"
    )
    findings = [
        _exactly_once(
            "notification: one notification per NotificationRequested and channel",
            wanted,
            dunning_rows,
            "requested messages",
        ),
        _exactly_once(
            "notification: each invoice emailed once (invoice.issued)",
            expected.invoices,
            issued,
            "invoice deliveries",
        ),
        mail_finding,
        provider_finding,
        _at_most_once("notification: NotificationSent once per notification", sent_events, "sent events"),
    ]
    return findings, statuses


# ---------------------------------------------------------------------------- quiet, dead letters, PII


def quieted(quiet: Quiet, waited: float, reached: bool) -> Finding:
    """The platform settled after the load: nothing left to publish, consume, send or evaluate."""
    detail = f"after {waited:.0f} s"
    if not reached:
        detail = (
            f"not within {waited:.0f} s: {quiet.notifications_due} notifications still scheduled, "
            f"{quiet.dunning_days_running} dunning days running, dunning at {quiet.dunning_last_day}"
        )
    return Finding("quiet: everything published, consumed, sent and evaluated", reached, detail)


def drained(unpublished: dict[str, int], lag: dict[str, int]) -> list[Finding]:
    return [
        Finding(
            "outboxes drained",
            not any(unpublished.values()),
            ", ".join(f"{k} {v}" for k, v in unpublished.items()),
            lost=sum(unpublished.values()),  # committed, never delivered
        ),
        Finding(
            "no consumer lag",
            not any(lag.values()),
            ", ".join(f"{k} {v}" for k, v in lag.items()),
            lost=sum(lag.values()),  # delivered, never applied
        ),
    ]


def dead_letters(
    letters: list[Record], poison: list[PoisonMessage], consumers: dict[str, list[str]]
) -> Finding:
    """Only injected poison in the dead-letter topics, and each consuming group dead-lettered each."""
    foreign = [r for r in letters if r.header(POISON_HEADER) is None]
    got = Counter((r.header(POISON_HEADER), r.header("dlq_consumer_group")) for r in letters)
    missing = [
        (p.poison_id, group)
        for p in poison
        for group in consumers.get(p.topic, [])
        if got.get((p.poison_id, group), 0) == 0
    ]
    copies = sum(n - 1 for n in got.values() if n > 1)
    ok = not foreign and not missing
    detail = f"{len(letters)} dead letters = {len(poison)} poison messages x their consumer groups"
    if copies:
        detail += f" ({copies} dead-lettered again after a crash before the offset commit)"
    if not ok:
        detail = (
            f"{len(foreign)} real events dead-lettered "
            f"({[(r.topic, r.header('ce_type'), r.header('dlq_error')) for r in foreign[:3]]}); "
            f"poison not dead-lettered: {missing[:5]}"
        )
    return Finding("dead letters: only the injected poison", ok, detail, lost=len(foreign))


def _canary_forms(canaries: set[str]) -> set[str]:
    forms = set()
    for canary in canaries:
        forms.add(canary.lower())
        if canary.startswith("+"):
            forms.add(canary[1:])  # the digits without the plus
    return forms


def canaries_absent(canaries: set[str], logs: list[Path], letters: list[Record]) -> Finding:
    """No canary email or phone number in any service log line or dead-letter header."""
    forms = _canary_forms(canaries)
    hits: list[str] = []
    lines = 0
    for path in logs:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            lines += 1
            low = line.lower()
            hits += [f"{path.name}: {form}" for form in forms if form in low]
    headers = 0
    for record in letters:
        for key, value in record.headers:
            headers += 1
            text = value.decode(errors="replace").lower()
            hits += [f"dead letter header {key}: {form}" for form in forms if form in text]
    return Finding(
        "PII: no canary email or phone (nor the API key) in logs or dead-letter headers",
        not hits,
        f"{len(canaries)} canaries, {lines} log lines, {headers} dead-letter headers clean"
        if not hits
        else f"{len(hits)} leaks, e.g. {hits[:3]}",
    )


def operations(failures: list[str], fault_errors: list[str]) -> list[Finding]:
    return [
        Finding(
            "driver: every operation answered",
            not failures,
            "all acknowledged" if not failures else "; ".join(failures[:3]),
        ),
        Finding(
            "faults: every fault injected and recovered from",
            not fault_errors,
            "all recovered" if not fault_errors else "; ".join(fault_errors[:3]),
        ),
    ]
