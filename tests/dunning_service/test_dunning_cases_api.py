"""Collection cases through the API: opened by overdue invoices, a timeline, promises, notes, closing."""

from datetime import date, timedelta
from decimal import Decimal

import httpx
from dunning_support import (
    PROBLEM_JSON,
    DunningFeed,
    allocated,
    close_days,
    issued,
    paid,
    profile,
)

DUE = date(2024, 5, 1)
Api = tuple[httpx.AsyncClient, DunningFeed]


async def overdue_customer(feed: DunningFeed, until: date) -> None:
    await feed.feed(profile("C-1", collector="col-1", locale="de-DE"))
    await feed.feed(issued("A-1", "C-1", DUE, "500.00"))
    await feed.feed(issued("A-2", "C-1", DUE, "300.00"))
    await feed.feed(issued("Z-1", "C-1", DUE + timedelta(days=60), "99.00"))  # not due: not in the case
    await close_days(feed, DUE - timedelta(days=5), until)


async def the_case(client: httpx.AsyncClient) -> dict:  # type: ignore[type-arg]
    response = await client.get("/v1/cases", params={"customer_id": "C-1"})
    assert response.status_code == 200, response.text
    (case,) = response.json()
    return case  # type: ignore[no-any-return]


async def test_an_overdue_invoice_opens_one_case_with_its_invoices_and_a_timeline(dunning_api: Api) -> None:
    client, feed = dunning_api
    await overdue_customer(feed, DUE + timedelta(days=2))
    case = await the_case(client)
    assert {k: case[k] for k in ("customer_id", "status", "opened_on")} == {
        "customer_id": "C-1",
        "status": "open",
        "opened_on": str(DUE + timedelta(days=1)),
    }
    assert [(i["invoice_number"], i["stage"], i["outstanding"]) for i in case["invoices"]] == [
        ("A-1", "reminder_1", "500.00"),
        ("A-2", "reminder_1", "300.00"),
    ]
    kinds = [entry["kind"] for entry in case["timeline"]]
    # The pre-due reminder came before the case and is on its timeline too.
    assert kinds[:2] == ["stage_reached", "notification_requested"]
    assert "case_opened" in kinds and kinds.count("notification_requested") == 2
    sent = [e for e in case["timeline"] if e["kind"] == "notification_requested"]
    assert sent[-1]["detail"]["template"] == "dunning.reminder_1"
    assert sent[-1]["invoice_numbers"] == ["A-1", "A-2"]
    again = await client.get(f"/v1/cases/{case['case_id']}")
    assert again.json() == case


async def test_a_promise_pauses_escalation_until_its_date_and_breaking_it_escalates(dunning_api: Api) -> None:
    client, feed = dunning_api
    await overdue_customer(feed, DUE + timedelta(days=2))
    case = await the_case(client)
    promise = {"amount": "800.00", "currency": "EUR", "promised_date": str(DUE + timedelta(days=10))}
    made = await client.post(f"/v1/cases/{case['case_id']}/promises", json=promise)
    assert made.status_code == 201, made.text
    assert made.json()["invoice_numbers"] == ["A-1", "A-2"] and made.json()["status"] == "open"
    retried = await client.post(f"/v1/cases/{case['case_id']}/promises", json=promise)
    assert retried.status_code == 200 and retried.json()["promise_id"] == made.json()["promise_id"]
    other = await client.post(f"/v1/cases/{case['case_id']}/promises", json={**promise, "amount": "10.00"})
    assert other.status_code == 409 and other.headers["content-type"] == PROBLEM_JSON

    reached_before = len(await feed.published("DunningStageReached"))
    await close_days(feed, DUE + timedelta(days=3), DUE + timedelta(days=10))  # reminder_2 (+7) waits
    assert len(await feed.published("DunningStageReached")) == reached_before
    await feed.feed(
        allocated(
            issued("A-1", "C-1", DUE, "500.00"), DUE + timedelta(days=9), "100.00", outstanding_after="400.00"
        )
    )
    await close_days(feed, DUE + timedelta(days=11), DUE + timedelta(days=11))  # 100 of 800: broken
    (broken,) = await feed.published("PromiseToPayBroken")
    assert broken.data["promised_amount"] == "800.00" and broken.data["received_amount"] == "100.00"
    assert broken.data["case_id"] == case["case_id"]
    stages = await feed.published("DunningStageReached")
    assert stages[-1].data["stage_name"] == "Reminder 2" and stages[-1].data["as_of"] == "2024-05-12"
    follow_up = [
        t for t in await feed.published("CollectionTaskCreated") if t.data["note"] == "promise to pay broken"
    ]
    assert len(follow_up) == 1 and follow_up[0].data["collector_id"] == "col-1"
    case = await the_case(client)
    assert [p["status"] for p in case["promises"]] == ["broken"]
    assert {"promise_made", "promise_broken", "payment_allocated"} <= {e["kind"] for e in case["timeline"]}
    await close_days(feed, DUE + timedelta(days=12), DUE + timedelta(days=14))
    assert len(await feed.published("PromiseToPayBroken")) == 1


async def test_a_kept_promise_resumes_escalation_for_what_is_left(dunning_api: Api) -> None:
    client, feed = dunning_api
    await overdue_customer(feed, DUE + timedelta(days=2))
    case = await the_case(client)
    promise = {"amount": "300.00", "currency": "EUR", "promised_date": str(DUE + timedelta(days=10))}
    assert (await client.post(f"/v1/cases/{case['case_id']}/promises", json=promise)).status_code == 201
    await feed.feed(allocated(issued("A-2", "C-1", DUE, "300.00"), DUE + timedelta(days=4)))
    case = await the_case(client)
    assert [p["status"] for p in case["promises"]] == ["kept"]
    await close_days(feed, DUE + timedelta(days=3), DUE + timedelta(days=7))
    stages = await feed.published("DunningStageReached")
    assert (stages[-1].data["stage_name"], stages[-1].data["invoice_numbers"]) == ("Reminder 2", ["A-1"])
    assert await feed.published("PromiseToPayBroken") == []


async def test_paying_everything_closes_the_case(dunning_api: Api) -> None:
    client, feed = dunning_api
    await overdue_customer(feed, DUE + timedelta(days=8))
    for number, amount in (("A-1", "500.00"), ("A-2", "300.00")):
        invoice = issued(number, "C-1", DUE, amount)
        await feed.feed(allocated(invoice, DUE + timedelta(days=9), reference=f"PAY-{number}"))
        await feed.feed(paid(invoice, DUE + timedelta(days=9)))
    case = await the_case(client)
    assert (case["status"], case["closed_on"], case["close_reason"]) == ("closed", "2024-05-10", "paid")
    assert [e["kind"] for e in case["timeline"]][-3:] == ["payment_allocated", "case_closed", "invoice_paid"]
    await close_days(feed, DUE + timedelta(days=9), DUE + timedelta(days=40))
    assert {
        s.data["invoice_numbers"][0]
        for s in await feed.published("DunningStageReached")
        if s.data["as_of"] > "2024-05-09"
    } <= {"Z-1"}
    assert len((await client.get("/v1/cases", params={"customer_id": "C-1"})).json()) == 1


async def test_notes_and_call_logs_land_on_the_timeline_once_per_idempotency_key(dunning_api: Api) -> None:
    client, feed = dunning_api
    await overdue_customer(feed, DUE + timedelta(days=2))
    case = await the_case(client)
    note = {"kind": "call", "text": "Spoke to accounts payable; invoice approved.", "outcome": "reached"}
    headers = {"Idempotency-Key": "call-1"}
    first = await client.post(f"/v1/cases/{case['case_id']}/notes", json=note, headers=headers)
    again = await client.post(f"/v1/cases/{case['case_id']}/notes", json=note, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["detail"] == {"outcome": "reached"} and first.json()["actor"] == "dev"
    calls = [e for e in (await the_case(client))["timeline"] if e["kind"] == "call"]
    assert len(calls) == 1 and calls[0]["note"] == note["text"]
    reused = await client.post(
        f"/v1/cases/{case['case_id']}/notes", json={**note, "text": "x"}, headers=headers
    )
    assert reused.status_code == 422 and reused.headers["content-type"] == PROBLEM_JSON


async def test_bad_requests_are_problems(dunning_api: Api) -> None:
    client, feed = dunning_api
    await overdue_customer(feed, DUE + timedelta(days=2))
    case_id = (await the_case(client))["case_id"]
    promises = f"/v1/cases/{case_id}/promises"
    cases = [
        (promises, {"amount": 800.5, "currency": "EUR", "promised_date": "2024-05-20"}, 422),  # a float
        (promises, {"amount": "800", "currency": "EUR", "promised_date": "2024-04-01"}, 422),  # past
        (promises, {"amount": "0", "currency": "EUR", "promised_date": "2024-05-20"}, 422),
        (promises, {"amount": "1.001", "currency": "EUR", "promised_date": "2024-05-20"}, 422),
        (promises, {"amount": "800", "currency": "USD", "promised_date": "2024-05-20"}, 422),  # no USD
        (promises, {"amount": "800", "currency": "EUR"}, 422),
        ("/v1/cases/nope/promises", {"amount": "8", "currency": "EUR", "promised_date": "2024-05-20"}, 404),
        (f"/v1/cases/{case_id}/notes", {"text": ""}, 422),
        (f"/v1/cases/{case_id}/notes", {"text": "x", "secret": 1}, 422),
    ]
    for path, body, status in cases:
        response = await client.post(path, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["status"] == status
    assert (await client.get("/v1/cases/nope")).status_code == 404
    assert (await client.get("/v1/cases", params={"status": "pending"})).status_code == 422
    anonymous = await client.get("/v1/cases", headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == PROBLEM_JSON
    assert Decimal((await the_case(client))["invoices"][0]["outstanding"]) == Decimal("500")


async def test_a_case_timeline_holds_its_own_invoices_history_not_earlier_paid_ones(dunning_api: Api) -> None:
    client, feed = dunning_api
    early = issued("P-1", "C-1", DUE - timedelta(days=20), "50.00")
    await feed.feed(early)
    await feed.feed(issued("A-1", "C-1", DUE, "500.00"))
    await close_days(feed, DUE - timedelta(days=25), DUE - timedelta(days=21))  # P-1's friendly reminder
    await feed.feed(allocated(early, DUE - timedelta(days=21)))
    await close_days(feed, DUE - timedelta(days=20), DUE + timedelta(days=1))
    case = await the_case(client)
    assert {n for entry in case["timeline"] for n in entry["invoice_numbers"]} == {"A-1"}
    assert [i["invoice_number"] for i in case["invoices"]] == ["A-1"]
