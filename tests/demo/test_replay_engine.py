"""The replay engine against a fake platform on an httpx transport: order, closes, retries, batches."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from arflow_cli.replay.cli import replay_file
from arflow_cli.replay.client import Endpoints, PlatformClient
from arflow_cli.replay.generic import COLUMNS
from arflow_cli.replay.settle import Settler

ENDPOINTS = Endpoints.on_ports()


class FakePlatform:
    """Answers as the ledger and credit-service do: 201 new, 200 again (natural key or Idempotency-Key)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.keys: dict[str, int] = {}
        self.documents: set[str] = set()
        self.fail_next: dict[str, list[str]] = {}  # path → failures to inject ("503", "timeout")
        self.refuse: set[str] = set()  # natural keys answered 422
        self.closed: list[str] = []
        self.first_closed: str | None = None
        self.last_closed: str | None = None

    def _natural(self, path: str, body: dict[str, Any]) -> str:
        for field in ("dispute_id", "credit_note_number", "payment_reference", "invoice_number"):
            if field in body and not path.endswith("/resolve"):
                return f"{field}:{body[field]}"
        return path

    def _write(self, path: str, body: dict[str, Any], if_match: str | None = None) -> int:
        if self._natural(path, body).split(":")[-1] in self.refuse:
            raise ValueError("refused")
        key = self._natural(path, body)
        if path.startswith("/v1/customers/") and key in self.documents and if_match is None:
            raise PermissionError("428")  # credit-service: replacing a stored profile needs If-Match
        status = 200 if key in self.documents else 201
        self.documents.add(key)
        return status

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.content else None
        failures = self.fail_next.get(path, [])
        if failures:
            failure = failures.pop(0)
            if failure == "timeout":
                raise httpx.ReadTimeout("slow", request=request)
            return httpx.Response(int(failure), json={"title": "Unavailable", "status": int(failure)})
        if request.method == "GET" and path == "/v1/day-close":  # the clock, read before the first day
            return httpx.Response(
                200, json={"first_closed": self.first_closed, "last_closed": self.last_closed}
            )
        self.calls.append((request.method, path, body))
        key = request.headers.get("Idempotency-Key")
        if key and key in self.keys:
            return httpx.Response(self.keys[key], json={}, headers={"Idempotent-Replayed": "true"})
        if path == "/healthz":
            return httpx.Response(200, json={"status": "ok"})
        try:
            status, answer = self._answer(path, body, request.headers.get("If-Match"))
        except PermissionError:
            return httpx.Response(428, json={"title": "Precondition required", "status": 428})
        except ValueError:
            return httpx.Response(
                422, json={"title": "Unprocessable", "detail": "refused by the fake", "status": 422}
            )
        if key:
            self.keys[key] = status
        return httpx.Response(status, json=answer)

    def _answer(self, path: str, body: Any, if_match: str | None = None) -> tuple[int, Any]:
        if path == "/v1/day-close":
            self.closed.append(body["as_of"])
            return 201, {"closed": [{"business_date": body["as_of"]}]}
        if path.endswith("/batch"):
            field = "invoices" if "invoices" in path else "payments"
            for item in body[field]:
                if self._natural(path, item).split(":")[-1] in self.refuse:
                    raise ValueError("refused")
            return 200, {
                "results": [
                    {"index": i, "status": self._write(path, item)} for i, item in enumerate(body[field])
                ]
            }
        return self._write(path, body, if_match), {}


class RecordingSettler(Settler):
    """A settler that only notes when it was asked to wait, and how many calls the platform had seen."""

    def __init__(self, platform: FakePlatform) -> None:
        super().__init__(None)
        self.platform = platform
        self.waits: list[int] = []

    async def settle(self) -> None:
        self.waits.append(len(self.platform.calls))


def history(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "history.csv"
    lines = [",".join(COLUMNS)] + [",".join(r.get(c, "") for c in COLUMNS) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def customer(day: str, cid: str) -> dict[str, str]:
    return {"type": "customer", "date": day, "customer_id": cid, "name": f"Customer {cid}"}


def invoice(day: str, cid: str, number: str, amount: str = "100.00") -> dict[str, str]:
    return {
        "type": "invoice",
        "date": day,
        "customer_id": cid,
        "reference": number,
        "currency": "EUR",
        "amount": amount,
        "due_date": "2024-02-01",
    }


def payment(day: str, cid: str, reference: str, number: str, amount: str = "100.00") -> dict[str, str]:
    return {
        "type": "payment",
        "date": day,
        "customer_id": cid,
        "reference": reference,
        "currency": "EUR",
        "amount": amount,
        "allocations": f"{number}:{amount}",
    }


ROWS = [
    customer("2024-01-02", "C1"),
    customer("2024-01-02", "C2"),
    invoice("2024-01-02", "C1", "INV-1"),
    invoice("2024-01-02", "C2", "INV-2"),
    invoice("2024-01-02", "C1", "INV-3"),
    {
        "type": "dispute",
        "date": "2024-01-03",
        "customer_id": "C2",
        "reference": "D-1",
        "invoice_number": "INV-2",
        "reason": "pricing",
    },
    {
        "type": "dispute_resolution",
        "date": "2024-01-05",
        "customer_id": "C2",
        "reference": "D-1",
        "outcome": "invalid",
    },
    payment("2024-01-05", "C2", "P-2", "INV-2"),
    payment("2024-01-05", "C1", "P-1", "INV-1"),
    payment("2024-01-05", "C1", "P-3", "INV-3"),
]


async def replay(platform: FakePlatform, path: Path, settler: Settler | None = None, **options: Any) -> Any:
    transport = httpx.MockTransport(platform.handle)
    async with PlatformClient(ENDPOINTS, "key", transport=transport, backoff=0.001) as client:
        return await replay_file(path, "generic", client, settler or Settler(None), progress=False, **options)


async def test_each_day_posts_master_data_then_documents_then_money_and_closes_after_the_platform_caught_up(
    tmp_path: Path,
) -> None:
    platform = FakePlatform()
    settler = RecordingSettler(platform)
    summary = await replay(platform, history(tmp_path, ROWS), settler)
    paths = [path for _, path, _ in platform.calls]
    assert paths[0] == "/v1/day-close"  # the fresh ledger's clock starts the day before the history
    assert set(paths[1:3]) == {"/v1/customers/C1", "/v1/customers/C2"}  # side by side
    assert paths[3:] == [
        "/v1/invoices/batch",
        "/v1/day-close",
        "/v1/disputes",
        "/v1/day-close",
        "/v1/day-close",  # 2024-01-04, a quiet day, closed on its own before the next day's documents
        "/v1/disputes/D-1/resolve",
        "/v1/payments/batch",
        "/v1/day-close",
    ]
    assert platform.closed == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    batch = next(body for _, path, body in platform.calls if path == "/v1/payments/batch")
    c1 = [p["payment_reference"] for p in batch["payments"] if p["customer_id"] == "C1"]
    assert c1 == ["P-1", "P-3"], "one customer's payments keep the file's order"
    closes = [i for i, (_, path, _) in enumerate(platform.calls) if path == "/v1/day-close"]
    assert closes[0] == 0 and 1 in settler.waits, "the opening close (nothing posted before it), then a wait"
    for index in closes[1:]:
        assert index in settler.waits, "waited before the close"
        assert index + 1 in settler.waits, "and after it"
    assert summary.tallies["invoice"].created == 3 and summary.tallies["payment"].created == 3
    assert summary.closes == 5 and summary.rejected == 0
    assert summary.customer_ids == {"C1", "C2"}


async def test_a_ledger_that_has_closed_days_keeps_its_clock(tmp_path: Path) -> None:
    platform = FakePlatform()
    platform.first_closed = platform.last_closed = "2023-12-29"
    summary = await replay(platform, history(tmp_path, ROWS))
    assert platform.closed == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    assert platform.calls[0][1] != "/v1/day-close"  # the history's own days only, as they come
    assert summary.closes == 4


async def test_timeouts_and_server_errors_are_retried_with_the_same_idempotency_key(tmp_path: Path) -> None:
    platform = FakePlatform()
    platform.fail_next = {
        "/v1/invoices/batch": ["timeout", "503"],
        "/v1/day-close": ["502"],
        "/v1/customers/C1": ["timeout"],
    }
    summary = await replay(platform, history(tmp_path, ROWS[:5]))
    assert summary.retries == 4 and summary.retry_reasons == {"timeout": 2, "HTTP 503": 1, "HTTP 502": 1}
    assert summary.tallies["invoice"].created == 3 and summary.rejected == 0


async def test_the_same_history_replayed_again_creates_nothing(tmp_path: Path) -> None:
    platform = FakePlatform()
    path = history(tmp_path, ROWS)
    await replay(platform, path)
    documents = set(platform.documents)
    again = await replay(platform, path)
    assert platform.documents == documents
    assert all(t.created == 0 for kind, t in again.tallies.items() if kind != "customer")
    assert again.tallies["invoice"].existing == 3 and again.tallies["payment"].existing == 3
    assert again.tallies["customer"].existing == 2 and again.rejected == 0, (
        "profiles replaced with If-Match: *"
    )


async def test_a_refused_batch_is_posted_one_by_one_and_only_the_bad_row_is_reported(tmp_path: Path) -> None:
    platform = FakePlatform()
    platform.refuse = {"INV-2"}
    summary = await replay(platform, history(tmp_path, ROWS[:5]))
    assert summary.tallies["invoice"].created == 2 and summary.tallies["invoice"].rejected == 1
    assert summary.rejections == [
        "2024-01-02 invoice INV-2 (row 4): HTTP 422 Unprocessable: refused by the fake"
    ]
    assert "refused: 2024-01-02 invoice INV-2" in summary.render()


async def test_until_and_customers_cut_the_history(tmp_path: Path) -> None:
    platform = FakePlatform()
    summary = await replay(platform, history(tmp_path, ROWS), until=date(2024, 1, 3), customers=1)
    assert platform.closed == ["2024-01-01", "2024-01-02", "2024-01-03"], (
        "opened, closed through --until"
    )
    assert summary.customer_ids == {"C1"} and summary.tallies["invoice"].created == 2


@pytest.mark.parametrize("batch_size", [1, 2])
async def test_small_batches_and_single_posts_give_the_same_documents(
    tmp_path: Path, batch_size: int
) -> None:
    platform = FakePlatform()
    await replay(platform, history(tmp_path, ROWS), batch_size=batch_size)
    assert {d for d in platform.documents if ":" in d} == {
        "invoice_number:INV-1",
        "invoice_number:INV-2",
        "invoice_number:INV-3",
        "dispute_id:D-1",
        "payment_reference:P-1",
        "payment_reference:P-2",
        "payment_reference:P-3",
    }


async def test_a_ledger_whose_clock_started_after_the_history_is_reported(tmp_path: Path) -> None:
    platform = FakePlatform()
    platform.first_closed = platform.last_closed = "2026-11-21"
    summary = await replay(platform, history(tmp_path, ROWS[:3]))
    assert "business clock started on 2026-11-21" in summary.notes[0]


async def test_a_changed_profile_replaces_the_stored_one_deliberately(tmp_path: Path) -> None:
    platform = FakePlatform()
    moved = {**customer("2024-01-03", "C1"), "name": "Customer C1 (moved)"}
    summary = await replay(platform, history(tmp_path, [customer("2024-01-02", "C1"), moved]))
    puts = [(path, body["name"]) for method, path, body in platform.calls if method == "PUT"]
    # the change is refused with 428 (a stored profile), then sent again with If-Match: *
    assert puts == [("/v1/customers/C1", "Customer C1")] + [("/v1/customers/C1", "Customer C1 (moved)")] * 2
    assert summary.tallies["customer"].created == 1 and summary.tallies["customer"].existing == 1
    assert summary.rejected == 0
