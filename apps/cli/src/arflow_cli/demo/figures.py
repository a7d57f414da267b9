"""The demo's figures, read back through the public REST APIs after the replay.

Everything under `figures` depends only on the replayed history and the platform's rules, so the
same scenario gives the same figures in embedded and in distributed mode (a test compares them).
"""

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from arflow_cli.demo.periods import months, quarters
from arflow_cli.replay.client import ApiProblem, PlatformClient, Unreachable

T = TypeVar("T")
BUCKETS = ("current", "1-30", "31-60", "61-90", "91-180", "181-365", "over-365")
SCORE_BINS = tuple(range(0, 100, 10))
STAGE_ORDER = (
    "friendly_reminder",
    "reminder_1",
    "reminder_2",
    "formal_demand",
    "final_notice",
    "lawyer_letter",
    "agency_handover",
    "litigation_review",
)
"""The default policies' stages in escalation order (a policy of one's own may add others: they follow)."""


def stage_rank(stage: str, position: int = 0) -> tuple[int, int, str]:
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), position, stage)


async def bounded(jobs: Iterable[Awaitable[T]], limit: int = 8) -> list[T]:
    """Await the jobs (coroutines start when awaited), at most `limit` at a time; results in order."""
    slots = asyncio.Semaphore(limit)

    async def one(job: Awaitable[T]) -> T:
        async with slots:
            return await job

    # Every job runs to its end even when one fails (none is left unawaited); the first error is raised.
    results = await asyncio.gather(*(one(job) for job in jobs), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


def _aging_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {"currency": r["currency"], "bucket": r["bucket"], "amount": r["amount"], "count": r["count"]}
        for r in report.get("rows", [])
        if r.get("count") or Decimal(str(r.get("amount", "0"))) != 0
    ]
    return sorted(
        rows, key=lambda r: (r["currency"], BUCKETS.index(r["bucket"]) if r["bucket"] in BUCKETS else 99)
    )


async def aging(client: PlatformClient, days: Sequence[date]) -> list[dict[str, Any]]:
    reports = await bounded(client.get_json("ledger", "/v1/reports/aging", as_of=d.isoformat()) for d in days)
    return [{"as_of": d.isoformat(), "rows": _aging_rows(r)} for d, r in zip(days, reports, strict=True)]


async def period_report(
    client: PlatformClient, path: str, periods: Sequence[tuple[str, date, date]], keep: Sequence[str]
) -> list[dict[str, Any]]:
    """/v1/reports/dso or /cei for each period: the named fields per currency."""
    reports = await bounded(
        client.get_json("ledger", path, **{"from": s.isoformat(), "to": e.isoformat()}) for _, s, e in periods
    )
    return [
        {
            "period": label,
            "from": s.isoformat(),
            "to": e.isoformat(),
            "figures": [
                {k: f.get(k) for k in ("currency", *keep)}
                for f in sorted(r.get("figures", []), key=lambda f: f["currency"])
            ],
        }
        for (label, s, e), r in zip(periods, reports, strict=True)
    ]


STAGE_FIELDS = (
    "policy",
    "stage",
    "position",
    "currency",
    "invoices_reached",
    "amount_reached",
    "recovered_within_30_days",
    "actions",
    "cost",
)
CHANNEL_FIELDS = ("channel", "invoices_reached", "amount_reached", "recovered_within_window")
OWNER_FIELDS = ("owner_id", "currency", "amount_collected", "invoices_settled", "average_days_late", "cei")


def _pick(item: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {field: item.get(field) for field in fields}


async def dunning(client: PlatformClient, first: date, last: date) -> dict[str, Any]:
    """The effectiveness report: each stage per policy and currency, and totals per stage and channel."""
    period = {"from": first.isoformat(), "to": last.isoformat()}
    report = await client.get_json("dunning", "/v1/reports/effectiveness", **period)
    stages = [
        _pick(s, STAGE_FIELDS)
        | {
            "channels": sorted(
                (_pick(c, CHANNEL_FIELDS) for c in s.get("channels", [])), key=lambda c: c["channel"]
            )
        }
        for s in sorted(
            report.get("stages", []),
            key=lambda s: (*stage_rank(s["stage"], s.get("position") or 0), s["policy"], s["currency"]),
        )
    ]
    by_stage: dict[str, Counter[str]] = defaultdict(Counter)
    actions: Counter[str] = Counter()
    for s in stages:
        actions[s["stage"]] += s.get("actions") or 0
        for c in s["channels"]:
            by_stage[s["stage"]][c["channel"]] += c.get("invoices_reached") or 0
    return {
        "stages": stages,
        "by_stage_and_channel": [
            {"stage": stage, "actions": actions[stage], "channels": dict(sorted(by_stage[stage].items()))}
            for stage in by_stage  # already in escalation order
        ],
        "collectors": sorted(
            (_pick(c, OWNER_FIELDS) for c in report.get("collectors", [])),
            key=lambda c: (c["owner_id"], c["currency"]),
        ),
    }


async def notifications(
    client: PlatformClient, customers: Sequence[str]
) -> tuple[dict[str, Any], list[dict]]:  # type: ignore[type-arg]
    """Counts by template, channel and status (the log has no paging: read per customer)."""
    logs = await bounded(
        client.get_json("notification", "/v1/notifications", customer_id=c, limit=1000) for c in customers
    )
    items = [item for log in logs for item in log]
    counts = Counter((i["template"], i["channel"], i["status"]) for i in items)
    reasons = Counter(i.get("failure_reason") or "" for i in items if i["status"] == "failed")
    return {
        "total": len(items),
        "by_status": dict(sorted(Counter(i["status"] for i in items).items())),
        "by_channel": dict(sorted(Counter(f"{i['channel']} {i['status']}" for i in items).items())),
        "by_template": [
            {"template": t, "channel": c, "status": s, "count": n} for (t, c, s), n in sorted(counts.items())
        ],
        "failure_reasons": dict(sorted(reasons.items())),
        "formal_demands": sum(1 for i in items if i.get("formal_demand") and i["status"] == "sent"),
    }, items


async def credit(client: PlatformClient, customers: Sequence[str]) -> dict[str, Any]:
    async def one(customer: str) -> dict[str, Any] | None:
        try:
            return await client.get_json("credit", f"/v1/customers/{customer}/credit")  # type: ignore[no-any-return]
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise

    views = [v for v in await bounded(one(c) for c in customers) if v is not None]
    histogram = Counter(min(int(v["score"]) // 10 * 10, 90) for v in views if v.get("score") is not None)
    holds = sorted(
        (
            {
                "customer_id": v["customer_id"],
                "risk_class": v["risk_class"],
                "score": v.get("score"),
                "reasons": sorted({h["reason"] for h in v.get("holds", [])}),
                "since": min((h["since"] for h in v.get("holds", [])), default=None),
                "sources": sorted({h.get("source", "") for h in v.get("holds", [])}),
            }
            for v in views
            if v.get("on_hold")
        ),
        key=lambda h: h["customer_id"],
    )
    return {
        "customers": len(views),
        "classes": dict(sorted(Counter(v["risk_class"] for v in views).items())),
        "score_histogram": {f"{b}-{b + 9 if b < 90 else 100}": histogram.get(b, 0) for b in SCORE_BINS},
        "scores": {v["customer_id"]: v.get("score") for v in sorted(views, key=lambda v: v["customer_id"])},
        "on_hold": holds,
    }


async def worklist(client: PlatformClient, top: int = 10) -> dict[str, Any]:
    report = await client.get_json("dunning", "/v1/worklist", limit=top)
    keep = (
        "rank",
        "priority",
        "customer_id",
        "currency",
        "overdue_amount",
        "days_overdue",
        "risk_class",
        "probability_of_default",
        "expected_loss",
    )
    return {
        "as_of": report.get("as_of"),
        "entries": [
            {k: e.get(k) for k in keep}
            | {"invoices": len(e.get("invoice_numbers", [])), "open_tasks": len(e.get("open_tasks", []))}
            for e in report.get("entries", [])
        ],
    }


async def _section(name: str, work: Awaitable[Any], errors: dict[str, str]) -> Any:
    """A figure, or None with the reason in `errors` (one failing report does not sink the rest)."""
    try:
        return await work
    except (ApiProblem, Unreachable) as error:
        errors[name] = str(error)[:500]
        return None


async def collect(
    client: PlatformClient, first: date, last: date, customers: Sequence[str]
) -> dict[str, Any]:
    """Every figure of the demo, as plain JSON (decimal strings as the APIs give them)."""
    quarter_list, month_list = quarters(first, last), months(first, last)
    errors: dict[str, str] = {}
    sections = {
        "aging": aging(client, [end for _, _, end in quarter_list]),
        "aging_monthly": aging(client, [end for _, _, end in month_list]),
        "dso": period_report(client, "/v1/reports/dso", quarter_list, ("dso", "ending_ar", "credit_sales")),
        "cei": period_report(client, "/v1/reports/cei", quarter_list, ("cei", "opening_ar", "closing_ar")),
        "dso_monthly": period_report(client, "/v1/reports/dso", month_list, ("dso",)),
        "dunning": dunning(client, first, last),
        "worklist": worklist(client),
        "credit": credit(client, customers),
        "notifications": notifications(client, customers),
    }
    values = await asyncio.gather(*(_section(name, work, errors) for name, work in sections.items()))
    found = dict(zip(sections, values, strict=True))
    if found["notifications"] is not None:
        found["notifications"] = found["notifications"][0]
    return found | {"errors": errors}


async def save_letters(
    client: PlatformClient, items: Sequence[dict[str, Any]], folder: Path, limit: int = 20
) -> int:
    """Download the PDFs of the first `limit` letters sent (the rest stay at their document_url)."""
    letters = [i for i in items if i.get("channel") == "letter" and i.get("status") == "sent"][:limit]
    documents = {}
    for item in letters:
        response = await client.request(
            "notification", "GET", f"/v1/notifications/{item['notification_id']}/document"
        )
        name = f"{item['customer_id']}-{item['template'].replace('.', '-')}-{item['notification_id'][:8]}.pdf"
        documents[name] = response.content
    write_files(folder, documents)
    return len(documents)


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file into folder (created when there is something to write)."""
    if files:
        folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
