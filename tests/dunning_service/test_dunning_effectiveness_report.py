"""GET /v1/reports/effectiveness: per stage and channel, costs, KPIs per collector and salesperson."""

from datetime import date, timedelta

import httpx
from dunning_support import PROBLEM_JSON, DunningFeed, allocated, close_days, issued, paid, profile

DUE = date(2024, 5, 1)
Api = tuple[httpx.AsyncClient, DunningFeed]
PERIOD = {"from": str(DUE - timedelta(days=10)), "to": str(DUE + timedelta(days=10))}


async def history(feed: DunningFeed) -> None:
    await feed.feed(profile("C-1", collector="col-1"))
    a1 = issued("A-1", "C-1", DUE, "500.00", salesperson_id="sp-1")
    a2 = issued("A-2", "C-1", DUE, "300.00", salesperson_id="sp-1")
    await feed.feed(a1)
    await feed.feed(a2)
    await close_days(feed, DUE - timedelta(days=3), DUE + timedelta(days=2))
    await feed.feed(allocated(a1, DUE + timedelta(days=3), reference="PAY-1"))
    await feed.feed(paid(a1, DUE + timedelta(days=3)))
    await close_days(feed, DUE + timedelta(days=3), DUE + timedelta(days=49))
    await feed.feed(allocated(a2, DUE + timedelta(days=50), reference="PAY-2"))
    await feed.feed(paid(a2, DUE + timedelta(days=50)))


async def test_stages_report_what_they_reached_and_what_came_back_within_30_days(dunning_api: Api) -> None:
    client, feed = dunning_api
    await history(feed)
    response = await client.get("/v1/reports/effectiveness", params=PERIOD)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["from"], report["to"], report["window_days"]) == ("2024-04-21", "2024-05-11", 30)
    rows = [
        {
            k: s[k]
            for k in ("policy", "stage", "invoices_reached", "amount_reached", "recovered_within_30_days")
        }
        for s in report["stages"]
    ]
    assert rows == [
        {
            "policy": "default-b",
            "stage": "friendly_reminder",
            "invoices_reached": 2,
            "amount_reached": "800.00",
            "recovered_within_30_days": "500.00",
        },
        {
            "policy": "default-b",
            "stage": "reminder_1",
            "invoices_reached": 2,
            "amount_reached": "800.00",
            "recovered_within_30_days": "500.00",
        },
        {
            "policy": "default-b",
            "stage": "reminder_2",
            "invoices_reached": 1,
            "amount_reached": "300.00",
            "recovered_within_30_days": "0.00",
        },
    ]
    friendly, reminder_1, reminder_2 = report["stages"]
    assert [(c["channel"], c["invoices_reached"]) for c in reminder_2["channels"]] == [
        ("email", 1),
        ("sms", 1),
    ]
    # Costs: one email per invoice; the payment counts for the last stage before it only.
    assert (friendly["actions"], friendly["cost"], friendly["recovered_last_touch"]) == (2, "0.10", "0.00")
    assert (reminder_1["recovered_last_touch"], reminder_1["cost_per_recovered"]) == ("500.00", "0.0002")
    (collector,) = report["collectors"]
    assert collector == {
        "owner_id": "col-1",
        "currency": "EUR",
        "amount_collected": "500.00",
        "invoices_settled": 1,
        "average_days_late": "3.00",
        "cei": "62.50",  # (800 + 0 − 300) / (800 + 0 − 0)
    }
    assert report["salespeople"] == [{**collector, "owner_id": "sp-1"}]

    longer = (await client.get("/v1/reports/effectiveness", params={**PERIOD, "window_days": 60})).json()
    assert [s["recovered_within_window"] for s in longer["stages"]] == ["800.00", "800.00", "300.00"]
    assert [s["recovered_within_30_days"] for s in longer["stages"]] == ["500.00", "500.00", "0.00"]


async def test_a_bad_period_is_a_problem(dunning_api: Api) -> None:
    client, _ = dunning_api
    for params in (
        {"from": "2024-05-10", "to": "2024-05-01"},
        {"from": "2024-05-10"},
        {"from": "2000-01-01", "to": "2024-01-01"},
        {**PERIOD, "window_days": 0},
    ):
        response = await client.get("/v1/reports/effectiveness", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM_JSON
