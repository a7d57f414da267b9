"""Customer profiles and credit policies over HTTP: events, revisions, and errors a person can act on."""

from datetime import date

import structlog
from credit_harness import CreditService, day_closed, invoice

TODAY = date(2024, 5, 2)
PROFILE = {
    "name": "Shanghai Widgets Ltd",
    "country": "CN",
    "locale": "zh-CN",
    "time_zone": "Asia/Shanghai",
    "email": "ap@widgets.example",
    "phone": "+8613800138000",
    "address": {
        "lines": ["Widgets Ltd", "1 Bund Road"],
        "postal_code": "200000",
        "city": "Shanghai",
        "country": "CN",
    },
    "segment": "smb",
    "salesperson_id": "S-7",
    "collector_id": "COL-2",
    "jurisdiction": "CN",
    "external_rating": "BBB",
}


async def test_a_new_profile_is_created_and_shared_as_customer_profile_changed(credit: CreditService) -> None:
    created = await credit.maker.put("/v1/customers/C-1", json=PROFILE)
    read = await credit.reader.get("/v1/customers/C-1")

    assert (created.status_code, created.headers["ETag"]) == (201, '"1"')
    assert read.json()["address"]["city"] == "Shanghai" and read.headers["ETag"] == '"1"'
    [event] = await credit.published("CustomerProfileChanged", "C-1")
    assert {
        key: event.data[key] for key in ("name", "email", "phone", "locale", "collector_id", "revision")
    } == {
        "name": "Shanghai Widgets Ltd",
        "email": "ap@widgets.example",
        "phone": "+8613800138000",
        "locale": "zh-CN",
        "collector_id": "COL-2",
        "revision": 1,
    }


async def test_an_unchanged_put_is_quiet_and_a_change_bumps_the_revision(credit: CreditService) -> None:
    await credit.maker.put("/v1/customers/C-1", json=PROFILE)
    same = await credit.maker.put("/v1/customers/C-1", json=PROFILE)
    changed = await credit.maker.put(
        "/v1/customers/C-1", json={**PROFILE, "collector_id": "COL-3"}, headers={"If-Match": '"1"'}
    )
    stale = await credit.maker.put(
        "/v1/customers/C-1", json={**PROFILE, "segment": "enterprise"}, headers={"If-Match": '"1"'}
    )

    assert (same.status_code, same.headers["ETag"]) == (200, '"1"')
    assert (changed.status_code, changed.json()["revision"]) == (200, 2)
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert "revision 2" in stale.json()["detail"] and stale.json()["current_revision"] == 2
    revisions = [e.data["revision"] for e in await credit.published("CustomerProfileChanged", "C-1")]
    assert revisions == [1, 2]


async def test_the_external_rating_moves_the_score(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.maker.put("/v1/customers/C-1", json={"name": "Acme", "external_rating": 95})
    high = (await credit.reader.get("/v1/customers/C-1/credit")).json()
    await credit.maker.put(  # a change of a stored profile names the version it replaces (here: any)
        "/v1/customers/C-1", json={"name": "Acme", "external_rating": "CCC"}, headers={"If-Match": "*"}
    )
    low = (await credit.reader.get("/v1/customers/C-1/credit")).json()

    assert high["score"] > low["score"]
    factor = next(f for f in low["factors"] if f["name"] == "external_rating")
    assert factor["raw"] == "25.0000"


async def test_the_credit_view_lists_every_part_the_issue_promises(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.feed(invoice("INV-1", "C-1", "100.00", date(2024, 3, 1), date(2024, 3, 31)))
    await credit.feed(invoice("INV-2", "C-1", "250.50", TODAY, date(2024, 6, 1)))
    view = (await credit.reader.get("/v1/customers/C-1/credit")).json()

    assert set(view) >= {
        "score",
        "risk_class",
        "limit",
        "currency",
        "terms_days",
        "exposure",
        "available",
        "on_hold",
        "holds",
        "factors",
    }
    assert view["exposure"] == {
        "not_yet_due": "250.50",
        "overdue": "100.00",
        "reserved": "0.00",
        "unapplied_credit": "0.00",
        "total": "350.50",
        "counted_parts": ["not_yet_due", "overdue", "reserved", "unapplied_credit"],
    }
    assert {f["name"] for f in view["factors"]} == {
        "days_late",
        "late_share",
        "dispute_share",
        "overdue_ratio",
        "tenure",
    }
    by_currency = (await credit.reader.get("/v1/customers/C-1/exposure")).json()
    assert by_currency["exposure"] == [
        {"currency": "EUR", "not_yet_due": "250.50", "overdue": "100.00", "total": "350.50", "open_items": 2}
    ]
    earlier = (await credit.reader.get("/v1/customers/C-1/credit", params={"as_of": "2024-03-15"})).json()
    assert (earlier["as_of"], earlier["exposure"]["overdue"]) == ("2024-03-15", "0.00")


async def test_profiles_never_put_contact_details_into_the_logs(credit: CreditService) -> None:
    with structlog.testing.capture_logs() as logs:
        await credit.maker.put("/v1/customers/C-1", json=PROFILE)
        anyway = {"If-Match": "*"}
        changed = await credit.maker.put(
            "/v1/customers/C-1", json={**PROFILE, "email": "billing@widgets.example"}, headers=anyway
        )
        await credit.maker.put("/v1/customers/C-1", json={**PROFILE, "email": "not an email"}, headers=anyway)
    assert changed.status_code == 200
    assert any(entry["event"] == "credit.profile.changed" for entry in logs)
    text = repr(logs)
    for secret in ("ap@widgets.example", "billing@widgets.example", "13800138000", "Bund Road"):
        assert secret not in text


async def test_bad_profiles_are_refused_with_the_field_and_what_to_do(credit: CreditService) -> None:
    cases = {
        "email": {"name": "X", "email": "not an email"},
        "phone": {"name": "X", "phone": "0138 0013 8000"},
        "time_zone": {"name": "X", "time_zone": "Mars/Olympus"},
        "external_rating": {"name": "X", "external_rating": 140},
        "name": {"country": "CN"},
        "favourite_colour": {"name": "X", "favourite_colour": "red"},
    }
    for field, body in cases.items():
        response = await credit.maker.put("/v1/customers/C-1", json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
        assert "not an email" not in response.text  # the rejected value is not echoed back
    unknown_grade = await credit.maker.put("/v1/customers/C-1", json={"name": "X", "external_rating": "ZZZ"})
    assert unknown_grade.status_code == 422 and "external rating" in unknown_grade.json()["detail"]
    missing = await credit.reader.get("/v1/customers/NOBODY")
    assert missing.status_code == 404 and "PUT /v1/customers/NOBODY" in missing.json()["detail"]
    no_credit = await credit.reader.get("/v1/customers/NOBODY/credit")
    assert no_credit.status_code == 404 and no_credit.headers["content-type"] == "application/problem+json"
    reader = await credit.reader.put("/v1/customers/C-1", json={"name": "X"})
    assert reader.status_code == 403 and reader.json()["required_scopes"] == ["credit:write"]


async def test_policies_are_read_and_set_per_class_with_revisions(credit: CreditService) -> None:
    default = await credit.reader.get("/v1/credit-policies/B")
    derived = {
        "limit_derived": {"multiple": "2", "trailing_months": 6, "minimum": "1000.00"},
        "currency": "EUR",
        "terms_days": 45,
        "review_tolerance_percent": "5",
        "hold_overdue_amount": "5000.00",
        "hold_overdue_days": 30,
    }
    stored = await credit.maker.put("/v1/credit-policies/B", json=derived, headers={"If-Match": '"0"'})
    stale = await credit.maker.put("/v1/credit-policies/B", json=derived, headers={"If-Match": '"0"'})
    listed = (await credit.reader.get("/v1/credit-policies")).json()

    assert (default.json()["limit"], default.json()["revision"], default.headers["ETag"]) == (
        "50000.00",
        0,
        '"0"',
    )
    assert stored.status_code == 200, stored.text
    assert (stored.json()["limit"], stored.json()["limit_derived"], stored.json()["revision"]) == (
        None,
        {"multiple": "2", "trailing_months": 6, "minimum": "1000.00"},
        1,
    )
    assert stale.status_code == 412
    assert [p["risk_class"] for p in listed] == ["A", "B", "C", "D"]


async def test_a_derived_limit_follows_average_monthly_sales(credit: CreditService) -> None:
    await credit.feed(day_closed(TODAY))
    policy = {"limit_derived": {"multiple": "2", "trailing_months": 3}, "currency": "EUR", "terms_days": 30}
    for risk_class in "ABCD":
        await credit.maker.put(f"/v1/credit-policies/{risk_class}", json=policy)
    for number, day in (
        ("INV-1", date(2024, 3, 1)),
        ("INV-2", date(2024, 4, 1)),
        ("INV-3", date(2024, 5, 1)),
    ):
        await credit.feed(invoice(number, "C-1", "3000.00", day, date(2024, 8, 1)))

    view = (await credit.reader.get("/v1/customers/C-1/credit")).json()
    assert (view["limit"], view["limit_source"]) == ("6000.00", "policy")  # 9000 / 3 months x 2


async def test_bad_policies_are_refused_with_reasons(credit: CreditService) -> None:
    both = {
        "limit": "1.00",
        "limit_derived": {"multiple": "2", "trailing_months": 3},
        "currency": "EUR",
        "terms_days": 30,
    }
    half_threshold = {"limit": "1.00", "currency": "EUR", "terms_days": 30, "hold_overdue_amount": "10.00"}
    other_currency = {"limit": "1.00", "currency": "USD", "terms_days": 30}
    unknown_part = {"limit": "1.00", "currency": "EUR", "terms_days": 30, "counted_parts": ["orders"]}

    responses = {
        "both": await credit.maker.put("/v1/credit-policies/A", json=both),
        "half": await credit.maker.put("/v1/credit-policies/A", json=half_threshold),
        "currency": await credit.maker.put("/v1/credit-policies/A", json=other_currency),
        "part": await credit.maker.put("/v1/credit-policies/A", json=unknown_part),
        "class": await credit.maker.put("/v1/credit-policies/E", json={**other_currency, "currency": "EUR"}),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "both": 422,
        "half": 422,
        "currency": 422,
        "part": 422,
        "class": 404,
    }
    assert "exactly one of limit" in responses["both"].json()["detail"]
    assert "together" in responses["half"].json()["detail"]
    assert "CREDIT_CURRENCY" in responses["currency"].json()["detail"]
    assert "the classes are A, B, C, D" in responses["class"].json()["detail"]
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses.values())


async def test_the_scorecard_in_force_is_published(credit: CreditService) -> None:
    card = (await credit.reader.get("/v1/scorecard")).json()
    assert card["class_minimums"] == {"A": 80, "B": 60, "C": 40} and card["floor_class"] == "D"
    assert [(f["name"], f["weight"]) for f in card["factors"]] == [
        ("days_late", "40"),
        ("late_share", "20"),
        ("dispute_share", "10"),
        ("overdue_ratio", "20"),
        ("tenure", "10"),
        ("external_rating", "20"),
    ]
