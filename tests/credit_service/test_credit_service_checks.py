"""POST /v1/credit-checks: decisions with reasons, reservations that end with the invoice or expire."""

from datetime import date
from typing import Any

import httpx
from credit_harness import CreditService, day_closed, invoice

TODAY = date(2024, 5, 2)


def order(order_id: str, amount: str, customer: str = "C-1", currency: str = "EUR") -> dict[str, str]:
    return {"order_id": order_id, "customer_id": customer, "amount": amount, "currency": currency}


async def exposure(credit: CreditService, customer: str = "C-1") -> dict[str, Any]:
    response = await credit.reader.get(f"/v1/customers/{customer}/credit")
    assert response.status_code == 200, response.text
    return response.json()["exposure"]  # type: ignore[no-any-return]


def assert_problem(response: httpx.Response, status: int, problem: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(problem) and body["detail"], body
    return body


async def a_customer_with_an_open_invoice(credit: CreditService, amount: str = "500.00") -> None:
    await credit.feed(day_closed(TODAY))
    await credit.feed(invoice("INV-1", "C-1", amount, date(2024, 4, 20), date(2024, 6, 19)))


async def test_an_approved_order_reserves_its_amount_until_its_invoice_which_then_counts_once(
    credit: CreditService,
) -> None:
    await a_customer_with_an_open_invoice(credit)

    checked = await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "1000.00"))
    assert checked.status_code == 201, checked.text
    body = checked.json()
    assert (body["decision"], body["reasons"], body["reservation"]["status"]) == ("approved", [], "active")
    parts = await exposure(credit)
    assert (parts["not_yet_due"], parts["reserved"], parts["total"]) == ("500.00", "1000.00", "1500.00")

    await credit.feed(invoice("INV-2", "C-1", "1000.00", TODAY, date(2024, 6, 1), order_id="ORD-1"))

    parts = await exposure(credit)
    assert (parts["not_yet_due"], parts["reserved"], parts["total"]) == ("1500.00", "0.00", "1500.00")
    reservation = (await credit.reader.get("/v1/credit-checks/ORD-1")).json()["reservation"]
    assert (reservation["status"], reservation["invoice_number"]) == ("consumed", "INV-2")


async def test_an_order_already_invoiced_is_not_reserved_on_top_of_its_invoice(credit: CreditService) -> None:
    await a_customer_with_an_open_invoice(credit)
    await credit.feed(invoice("INV-2", "C-1", "700.00", TODAY, date(2024, 6, 1), order_id="ORD-LATE"))

    checked = (await credit.erp.post("/v1/credit-checks", json=order("ORD-LATE", "700.00"))).json()

    assert (checked["decision"], checked["reservation"]) == ("approved", None)
    assert (await exposure(credit))["total"] == "1200.00"


async def test_a_reservation_holds_through_its_last_day_and_expires_after_it(credit: CreditService) -> None:
    await a_customer_with_an_open_invoice(credit)
    reservation = (await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "250.00"))).json()[
        "reservation"
    ]
    assert reservation["expires_on"] == "2024-06-01"  # CREDIT_RESERVATION_DAYS = 30

    await credit.feed(day_closed(date(2024, 6, 1)))
    assert (await exposure(credit))["reserved"] == "250.00"
    await credit.feed(day_closed(date(2024, 6, 2)))

    assert (await exposure(credit))["reserved"] == "0.00"
    ended = (await credit.reader.get("/v1/credit-checks/ORD-1")).json()["reservation"]
    assert (ended["status"], ended["ended_on"]) == ("expired", "2024-06-02")


async def test_a_repeated_check_gets_the_same_answer_and_a_changed_one_is_refused(
    credit: CreditService,
) -> None:
    await a_customer_with_an_open_invoice(credit)
    first = await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "300.00"))
    again = await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "300.00"))
    changed = await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "301.00"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert "new order_id" in assert_problem(changed, 409, "credit-conflict")["detail"]
    assert (await exposure(credit))["reserved"] == "300.00"


async def test_beyond_the_limit_is_rejected_and_within_the_tolerance_goes_to_review(
    credit: CreditService,
) -> None:
    await credit.feed(day_closed(TODAY))
    await credit.maker.put("/v1/customers/C-1", json={"name": "Acme"})  # a new customer: class C
    limit = (await credit.reader.get("/v1/customers/C-1/credit")).json()
    assert (limit["risk_class"], limit["limit"]) == ("C", "10000.00")
    policy = {"limit": "10000.00", "currency": "EUR", "terms_days": 30, "review_tolerance_percent": "10"}
    assert (await credit.maker.put("/v1/credit-policies/C", json=policy)).status_code == 200

    exact = (await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "10000.00"))).json()
    review = (await credit.erp.post("/v1/credit-checks", json=order("ORD-2", "500.00"))).json()
    rejected = (await credit.erp.post("/v1/credit-checks", json=order("ORD-3", "1000.01"))).json()

    assert (exact["decision"], exact["available_after"]) == ("approved", "0.00")
    assert (review["decision"], review["reasons"], review["reservation"]) == (
        "review",
        ["within_tolerance"],
        None,
    )
    assert (rejected["decision"], rejected["reasons"]) == ("rejected", ["over_limit"])
    assert rejected["explanations"] == ["the order would take exposure beyond the limit and its tolerance"]


async def test_a_customer_on_hold_is_rejected_until_the_hold_is_released(credit: CreditService) -> None:
    await a_customer_with_an_open_invoice(credit)
    hold = (await credit.maker.post("/v1/customers/C-1/holds", json={"reason": "insolvency rumours"})).json()

    held = (await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "10.00"))).json()
    released = await credit.maker.post(
        f"/v1/customers/C-1/holds/{hold['hold_id']}/release", json={"reason": "rumours were false"}
    )
    after = (await credit.erp.post("/v1/credit-checks", json=order("ORD-2", "10.00"))).json()

    assert (held["decision"], held["reasons"]) == ("rejected", ["on_hold"])
    assert released.status_code == 200 and released.json()["active"] is False
    assert after["decision"] == "approved"


async def test_an_order_in_another_currency_is_rejected_for_the_mismatch(credit: CreditService) -> None:
    await a_customer_with_an_open_invoice(credit)
    checked = (
        await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "10.00", currency="USD"))
    ).json()
    assert (checked["decision"], checked["reasons"], checked["reservation"]) == (
        "rejected",
        ["currency_mismatch"],
        None,
    )


async def test_a_credit_manager_overrides_a_rejected_check_with_a_reason_and_the_amount_is_reserved(
    credit: CreditService,
) -> None:
    await a_customer_with_an_open_invoice(credit)
    await credit.maker.post("/v1/customers/C-1/holds", json={"reason": "awaiting a guarantee"})
    await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "400.00"))

    without_scope = await credit.maker.post("/v1/credit-checks/ORD-1/override", json={"reason": "guaranteed"})
    without_reason = await credit.checker.post("/v1/credit-checks/ORD-1/override", json={})
    overridden = await credit.checker.post(
        "/v1/credit-checks/ORD-1/override", json={"reason": "bank guarantee received"}
    )
    twice = await credit.checker.post("/v1/credit-checks/ORD-1/override", json={"reason": "again"})

    assert_problem(without_scope, 403, "forbidden")
    assert_problem(without_reason, 422, "validation-error")
    body = overridden.json()
    assert (body["decision"], body["reasons"], body["reservation"]["status"]) == (
        "approved",
        ["on_hold"],
        "active",
    )
    assert body["override"]["by"] == "checker" and body["override"]["overridden_decision"] == "rejected"
    assert_problem(twice, 409, "credit-conflict")
    assert (await exposure(credit))["reserved"] == "400.00"
    audit = (await credit.reader.get("/v1/audit", params={"customer_id": "C-1"})).json()
    entry = next(e for e in audit if e["subject"] == "credit_check")
    assert (entry["action"], entry["actor"], entry["reason"]) == (
        "overridden",
        "checker",
        "bank guarantee received",
    )
    assert entry["before"]["decision"] == "rejected" and entry["after"]["decision"] == "approved"


async def test_cancelling_an_order_releases_its_reservation(credit: CreditService) -> None:
    await a_customer_with_an_open_invoice(credit)
    await credit.erp.post("/v1/credit-checks", json=order("ORD-1", "100.00"))
    cancelled = await credit.erp.post("/v1/credit-checks/ORD-1/cancel")
    assert cancelled.json()["reservation"]["status"] == "cancelled"
    assert (await exposure(credit))["reserved"] == "0.00"


async def test_bad_check_requests_are_problems_a_person_can_act_on(credit: CreditService) -> None:
    floats = await credit.erp.post("/v1/credit-checks", json={**order("O", "1"), "amount": 10.5})
    negative = await credit.erp.post("/v1/credit-checks", json=order("O", "-5.00"))
    fractions = await credit.erp.post("/v1/credit-checks", json=order("O", "1.00001"))
    missing = await credit.erp.post("/v1/credit-checks", json={"order_id": "O"})
    unknown = await credit.reader.get("/v1/credit-checks/NOPE")
    no_key = await credit.erp.post(
        "/v1/credit-checks", json=order("O", "1.00"), headers={"Authorization": ""}
    )
    reader = await credit.reader.post("/v1/credit-checks", json=order("O", "1.00"))

    assert "never a float" in assert_problem(floats, 422, "validation-error")["detail"]
    assert assert_problem(negative, 422, "validation-error")["errors"][0]["field"] == "amount"
    assert "decimal places" in assert_problem(fractions, 422, "validation-error")["detail"]
    assert {e["field"] for e in assert_problem(missing, 422, "validation-error")["errors"]} >= {
        "customer_id",
        "amount",
        "currency",
    }
    assert "POST /v1/credit-checks" in assert_problem(unknown, 404, "credit-not-found")["detail"]
    assert_problem(no_key, 401, "unauthorized")
    assert assert_problem(reader, 403, "forbidden")["required_scopes"] == ["credit:check"]
