"""What pauses, speeds up or ends escalation in the service: disputes, exclusions, ratings, handover."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from dunning_support import PROBLEM_JSON, DunningFeed, close_days, fresh_feed, issued, lines_of, rated

from arflow_contracts.ledger import (
    CreditNoteIssuedV1,
    DisputeResolvedV1,
    InvoiceDisputedV1,
    InvoiceWrittenOffV1,
)

DUE = date(2024, 5, 1)
Api = tuple[httpx.AsyncClient, DunningFeed]


def day(offset: int) -> date:
    return DUE + timedelta(days=offset)


async def stages_of(feed: DunningFeed, customer: str = "C-1") -> list[tuple[str, str, list[str]]]:
    return [
        (e.data["as_of"], e.data["stage_name"], e.data["invoice_numbers"])
        for e in await feed.published("DunningStageReached")
        if e.customer_id == customer
    ]


async def test_a_dispute_pauses_its_invoice_and_escalation_resumes_one_stage_a_day(
    dunning: DunningFeed,
) -> None:
    await dunning.feed(issued("A-1", "C-1", DUE))
    await dunning.feed(issued("A-2", "C-1", DUE))
    await close_days(dunning, day(-3), day(2))
    await dunning.feed(
        InvoiceDisputedV1(
            dispute_id="D-1", invoice_number="A-1", customer_id="C-1", opened_on=day(2), reason_code="price"
        )
    )
    await close_days(dunning, day(3), day(20))
    reminder_2 = [n for n in await dunning.published("NotificationRequested") if n.data["stage"] == 3]
    assert [lines_of(n) for n in reminder_2] == [["A-2"]]  # a disputed invoice is not demanded
    await dunning.feed(
        DisputeResolvedV1(
            dispute_id="D-1", invoice_number="A-1", customer_id="C-1", outcome="invalid", resolved_on=day(20)
        )
    )
    await close_days(dunning, day(21), day(22))
    assert [s for s in await stages_of(dunning) if s[2] == ["A-1"]] == [
        ("2024-05-22", "Reminder 2", ["A-1"]),
        ("2024-05-23", "Formal demand", ["A-1"]),  # caught up one stage per business day
    ]


async def test_an_excluded_invoice_waits_until_a_collector_includes_it_again(dunning_api: Api) -> None:
    client, feed = dunning_api
    await feed.feed(issued("A-1", "C-1", DUE))
    await close_days(feed, day(-3), day(2))
    excluded = await client.post("/v1/watched-invoices/A-1/exclude", json={"reason": "Goods returned"})
    assert excluded.status_code == 200 and excluded.json()["excluded"] is True
    await close_days(feed, day(3), day(10))
    assert [s[1] for s in await stages_of(feed)] == ["Friendly reminder", "Reminder 1"]
    included = await client.post("/v1/watched-invoices/A-1/include", json={"reason": "Return refused"})
    assert included.status_code == 200 and included.json()["excluded"] is False
    await close_days(feed, day(11), day(11))
    assert (await stages_of(feed))[-1][:2] == ("2024-05-12", "Reminder 2")
    detail = (await client.get("/v1/watched-invoices/A-1")).json()
    assert [s["stage"] for s in detail["stages_reached"]] == ["friendly_reminder", "reminder_1", "reminder_2"]
    case = (await client.get("/v1/cases", params={"customer_id": "C-1"})).json()[0]
    assert [e["note"] for e in case["timeline"] if e["kind"].startswith("invoice_")] == [
        "Goods returned",
        "Return refused",
    ]
    assert (await client.post("/v1/watched-invoices/X-9/exclude", json={"reason": "x"})).status_code == 404
    missing_reason = await client.post("/v1/watched-invoices/A-1/exclude", json={})
    assert missing_reason.status_code == 422 and missing_reason.headers["content-type"] == PROBLEM_JSON


async def test_a_downgrade_to_d_lands_on_the_last_shared_stage_and_requests_the_hold_next(
    dunning: DunningFeed,
) -> None:
    await dunning.feed(issued("A-1", "C-1", DUE))
    await close_days(dunning, day(-3), day(8))
    await dunning.feed(rated("C-1", "D", day(8), score=15))
    await close_days(dunning, day(9), day(9))
    (hold,) = await dunning.published("CreditHoldRequested")
    assert (hold.data["as_of"], hold.data["policy_id"], hold.data["invoice_numbers"]) == (
        "2024-05-10",
        "default-d",
        ["A-1"],
    )
    assert (await stages_of(dunning))[-1] == ("2024-05-10", "Formal demand", ["A-1"])
    assert [s[1] for s in await stages_of(dunning)].count("Formal demand") == 1


async def test_a_class_rated_at_a_day_close_applies_from_the_next_day_whichever_arrives_first(
    tmp_path: Path,
) -> None:
    """Credit re-rates at the same BusinessDayClosed dunning evaluates; their order must not matter."""

    async def escalation(rating_first: bool) -> list[tuple[str, str, list[str]]]:
        async with fresh_feed(tmp_path / ("rating-first" if rating_first else "close-first")) as feed:
            await feed.feed(issued("A-1", "C-1", DUE))
            await close_days(feed, day(-3), day(7))
            if rating_first:
                await feed.feed(rated("C-1", "D", day(8), score=15))
                await close_days(feed, day(8), day(8))
            else:
                await close_days(feed, day(8), day(8))
                await feed.feed(rated("C-1", "D", day(8), score=15))
            await close_days(feed, day(9), day(12))
            holds = [
                (h.data["as_of"], "hold", h.data["invoice_numbers"])
                for h in await feed.published("CreditHoldRequested")
            ]
            return await stages_of(feed) + holds

    close_first, rating_first = await escalation(rating_first=False), await escalation(rating_first=True)
    assert rating_first == close_first
    assert ("2024-05-10", "hold", ["A-1"]) in close_first  # day 9: the day after the rating


async def test_an_agency_handover_closes_the_case_and_small_debts_hold_before_legal_steps(
    dunning_api: Api,
) -> None:
    client, feed = dunning_api
    await feed.feed(issued("BIG-1", "C-1", DUE, "1000.00"))
    await feed.feed(issued("SMALL-1", "C-2", DUE, "100.00"))
    await close_days(feed, day(-3), day(95))
    assert [s[1] for s in await stages_of(feed, "C-1")][-2:] == ["Lawyer letter", "Agency handover"]
    assert [s[1] for s in await stages_of(feed, "C-2")][-1] == "Final notice"
    tasks = [(t.customer_id, t.data["kind"]) for t in await feed.published("CollectionTaskCreated")]
    assert tasks == [
        ("C-1", "call"),
        ("C-2", "call"),
        ("C-1", "lawyer_letter"),
        ("C-1", "agency_handover"),
        ("C-1", "litigation"),
    ]
    big = (await client.get("/v1/cases", params={"customer_id": "C-1"})).json()[0]
    assert (big["status"], big["close_reason"], big["closed_on"]) == ("closed", "handed_over", "2024-07-30")
    assert (await client.get("/v1/watched-invoices/BIG-1")).json()["status"] == "handed_over"
    small = (await client.get("/v1/cases", params={"customer_id": "C-2"})).json()[0]
    assert small["status"] == "open"


async def test_write_offs_and_credit_notes_end_dunning_and_close_the_case(dunning_api: Api) -> None:
    client, feed = dunning_api
    await feed.feed(issued("A-1", "C-1", DUE, "500.00"))
    await feed.feed(issued("A-2", "C-1", DUE, "200.00"))
    await close_days(feed, day(-3), day(5))
    await feed.feed(
        InvoiceWrittenOffV1(
            invoice_number="A-1",
            customer_id="C-1",
            amount=Decimal("500.00"),
            currency="EUR",
            written_off_on=day(5),
        )
    )
    assert (await client.get("/v1/cases", params={"customer_id": "C-1"})).json()[0]["status"] == "open"
    await feed.feed(
        CreditNoteIssuedV1(
            credit_note_number="CN-1",
            customer_id="C-1",
            invoice_number="A-2",
            amount=Decimal("200.00"),
            currency="EUR",
            issue_date=day(6),
            outstanding_after=Decimal("0"),
        )
    )
    case = (await client.get("/v1/cases", params={"customer_id": "C-1"})).json()[0]
    assert (case["status"], case["close_reason"]) == ("closed", "credited")
    assert [(i["invoice_number"], i["status"]) for i in case["invoices"]] == [
        ("A-1", "written_off"),
        ("A-2", "credited"),
    ]
    before = await feed.published_counts()
    await close_days(feed, day(6), day(40))
    assert await feed.published_counts() == before
    paid_invoice = await client.post("/v1/watched-invoices/A-1/exclude", json={"reason": "late"})
    assert paid_invoice.status_code == 409
