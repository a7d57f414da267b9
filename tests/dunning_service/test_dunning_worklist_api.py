"""The collector's worklist and tasks through the API."""

from datetime import date, timedelta

import httpx
from dunning_support import PROBLEM_JSON, DunningFeed, close_days, issued, profile, rated

DUE = date(2024, 5, 1)
Api = tuple[httpx.AsyncClient, DunningFeed]


async def three_customers(feed: DunningFeed, until: date) -> None:
    for customer, amount, rating in (
        ("C-1", "1000.00", ("B", 80)),
        ("C-2", "500.00", ("D", 20)),
        ("C-3", "5000.00", None),
        ("C-4", "9000.00", None),
    ):
        await feed.feed(profile(customer, collector="col-2" if customer == "C-4" else "col-1"))
        if rating:
            await feed.feed(rated(customer, rating[0], DUE, score=rating[1]))
        await feed.feed(issued(f"{customer}-INV", customer, DUE, amount))
    await close_days(feed, DUE - timedelta(days=7), until)


async def worklist(client: httpx.AsyncClient, **params: str) -> dict:  # type: ignore[type-arg]
    response = await client.get("/v1/worklist", params={"collector_id": "col-1", **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_worklist_is_ordered_by_expected_loss_with_promises_due_today_first(
    dunning_api: Api,
) -> None:
    client, feed = dunning_api
    await three_customers(feed, DUE + timedelta(days=20))
    listed = await worklist(client)
    assert listed["as_of"] == "2024-05-21"
    # Expected loss = overdue × probability of default (score wins over class) × age factor (1.0).
    assert [(e["customer_id"], e["expected_loss"], e["priority"]) for e in listed["entries"]] == [
        ("C-3", "150.00", "expected_loss"),  # unrated: class B, 3 %
        ("C-2", "120.00", "expected_loss"),  # score 20: 24 %
        ("C-1", "23.33", "expected_loss"),  # score 80: 2.33 %
    ]
    assert [e["rank"] for e in listed["entries"]] == [1, 2, 3]
    first = listed["entries"][0]
    assert (first["overdue_amount"], first["days_overdue"], first["risk_class"]) == ("5000.00", 20, "B")
    assert [t["kind"] for t in first["open_tasks"]] == ["call"]  # formal_demand at +15

    c1 = next(e for e in listed["entries"] if e["customer_id"] == "C-1")
    promise = {"amount": "1000.00", "currency": "EUR", "promised_date": "2024-05-21"}
    assert (await client.post(f"/v1/cases/{c1['case_id']}/promises", json=promise)).status_code == 201
    listed = await worklist(client)
    assert [(e["customer_id"], e["priority"]) for e in listed["entries"]][0] == ("C-1", "promise_due_today")
    assert listed["entries"][0]["promise"]["promised_date"] == "2024-05-21"
    everyone = (await client.get("/v1/worklist")).json()["entries"]
    assert {e["customer_id"] for e in everyone} == {"C-1", "C-2", "C-3", "C-4"}


async def test_a_broken_promise_tops_the_worklist_until_its_follow_up_is_done(dunning_api: Api) -> None:
    client, feed = dunning_api
    await three_customers(feed, DUE + timedelta(days=3))
    c1 = next(e for e in (await worklist(client))["entries"] if e["customer_id"] == "C-1")
    promise = {"amount": "1000.00", "currency": "EUR", "promised_date": "2024-05-06"}
    await client.post(f"/v1/cases/{c1['case_id']}/promises", json=promise)
    await close_days(feed, DUE + timedelta(days=4), DUE + timedelta(days=4))
    assert [e["priority"] for e in (await worklist(client))["entries"]] == ["expected_loss"] * 3
    await close_days(feed, DUE + timedelta(days=5), DUE + timedelta(days=5))
    assert (await worklist(client))["entries"][0]["priority"] == "promise_due_today"
    await close_days(feed, DUE + timedelta(days=6), DUE + timedelta(days=6))
    top = (await worklist(client))["entries"][0]
    assert (top["customer_id"], top["priority"], top["promise"]["status"]) == (
        "C-1",
        "broken_promise",
        "broken",
    )
    (follow_up,) = [t for t in top["open_tasks"] if t["reason"] == "promise to pay broken"]
    done = await client.post(f"/v1/tasks/{follow_up['task_id']}/complete", json={"outcome": "no_answer"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert (await worklist(client))["entries"][0]["customer_id"] != "C-1"


async def test_tasks_are_completed_once_with_an_outcome(dunning_api: Api) -> None:
    client, feed = dunning_api
    await three_customers(feed, DUE + timedelta(days=15))
    tasks = (await client.get("/v1/tasks", params={"assignee_id": "col-1"})).json()
    # Class D calls at +1 and visits at +14; B calls at the formal demand (+15).
    assert sorted((t["customer_id"], t["kind"]) for t in tasks) == [
        ("C-1", "call"),
        ("C-2", "call"),
        ("C-2", "visit"),
        ("C-3", "call"),
    ]
    c3 = next(t for t in tasks if t["customer_id"] == "C-3")
    assert (c3["kind"], c3["stage"], c3["invoice_numbers"], c3["expected_loss"]) == (
        "call",
        "formal_demand",
        ["C-3-INV"],
        "150.00",
    )
    body = {"outcome": "promise_to_pay", "note": "Will pay Friday."}
    done = await client.post(f"/v1/tasks/{c3['task_id']}/complete", json=body)
    assert done.status_code == 200, done.text
    assert (done.json()["outcome"], done.json()["completed_by"]) == ("promise_to_pay", "dev")
    assert (await client.post(f"/v1/tasks/{c3['task_id']}/complete", json=body)).status_code == 200
    conflict = await client.post(f"/v1/tasks/{c3['task_id']}/complete", json={"outcome": "refused"})
    assert conflict.status_code == 409 and conflict.headers["content-type"] == PROBLEM_JSON
    assert (await client.post("/v1/tasks/nope/complete", json=body)).status_code == 404
    bad = await client.post(f"/v1/tasks/{c3['task_id']}/complete", json={"outcome": "vanished"})
    assert bad.status_code == 422
    left = (await client.get("/v1/tasks", params={"assignee_id": "col-1"})).json()
    assert len(left) == 3
    case = (await client.get("/v1/cases", params={"customer_id": "C-3"})).json()[0]
    completed = [e for e in case["timeline"] if e["kind"] == "task_completed"]
    assert (
        completed[0]["note"] == "Will pay Friday." and completed[0]["detail"]["outcome"] == "promise_to_pay"
    )


async def test_a_new_collector_takes_over_the_open_tasks(dunning_api: Api) -> None:
    client, feed = dunning_api
    await three_customers(feed, DUE + timedelta(days=15))
    await feed.feed(profile("C-1", collector="col-7"))
    tasks = (await client.get("/v1/tasks", params={"assignee_id": "col-7"})).json()
    assert [t["customer_id"] for t in tasks] == ["C-1"]
    assert [e["customer_id"] for e in (await worklist(client, collector_id="col-7"))["entries"]] == ["C-1"]
