"""The chaos driver: an ERP posting customers, invoices, payments, credit checks and day closes.

It keeps its own account of what the platform acknowledged (`Expected`), which the checks hold
the platform to at the end. Every write is retried until answered (see client.call) under an
Idempotency-Key derived from its natural key.
"""

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from arflow_cli.chaos.client import CallStats, OperationFailed, call
from arflow_cli.chaos.plan import ChaosPlan

CURRENCY = "EUR"
CENT = Decimal("0.01")
LOCALES = (("en", "Europe/Berlin"), ("zh-CN", "Asia/Shanghai"), ("en", "America/New_York"))


@dataclass
class CustomerPlan:
    customer_id: str
    name: str
    email: str
    phone: str
    locale: str
    time_zone: str
    names_invoices: bool
    """Pays with remittance advice (allocations); otherwise the ledger applies oldest due first."""


@dataclass
class InvoicePlan:
    number: str
    customer_id: str
    amount: Decimal
    issue_date: date
    due_date: date
    order_id: str | None
    unpaid: Decimal
    """Principal the driver has not paid yet (the ledger's outstanding is this plus charges)."""
    payments: list[tuple[date, str]] = field(default_factory=list)
    """Planned (date, 'half' | 'rest')."""


@dataclass
class Expected:
    """What the platform acknowledged to the driver."""

    customers: dict[str, CustomerPlan] = field(default_factory=dict)
    invoices: dict[str, InvoicePlan] = field(default_factory=dict)
    payments: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    closed: list[date] = field(default_factory=list)
    profile_updates: int = 0
    canaries: set[str] = field(default_factory=set)

    def invoiced(self, customer_id: str) -> Decimal:
        return sum((i.amount for i in self.invoices.values() if i.customer_id == customer_id), Decimal(0))

    def paid(self, customer_id: str) -> Decimal:
        return sum((amount for c, amount in self.payments.values() if c == customer_id), Decimal(0))


class Driver:
    """Posts a steady stream of business through the APIs, one business day at a time."""

    def __init__(self, plan: ChaosPlan, clients: dict[str, httpx.AsyncClient], run_id: str) -> None:
        self.plan = plan
        self.run_id = run_id
        self.rng = random.Random(plan.seed)
        self.credit = clients["credit-service"]
        self.ledger = clients["invoice-service"]
        self.stats = CallStats()
        self.expected = Expected()
        self.business_day = plan.first_business_day
        self._numbers: defaultdict[str, int] = defaultdict(int)
        self._slots = asyncio.Semaphore(plan.concurrency)
        self._canary_block = f"{self.rng.randrange(10**5):05d}"

    # ---------------------------------------------------------------- customers

    def _canary_phone(self, serial: int) -> str:
        return f"+4915{self._canary_block}{serial:04d}"

    async def create_customers(self) -> None:
        """PUT every customer's profile (with canary contact data) before business starts."""
        for n in range(1, self.plan.customers + 1):
            locale, zone = LOCALES[n % len(LOCALES)]
            customer = CustomerPlan(
                customer_id=f"C-{self.run_id}-{n:03d}",
                name=f"Chaos Customer {n}",
                email=f"canary.{self.run_id}.{n}@pii-canary.example",
                phone=self._canary_phone(n),
                locale=locale,
                time_zone=zone,
                names_invoices=n % 4 != 0,
            )
            self.expected.canaries |= {customer.email, customer.phone}
            self.expected.customers[customer.customer_id] = customer
        await asyncio.gather(*(self._put_profile(c, create=True) for c in self.expected.customers.values()))

    def _profile_body(self, customer: CustomerPlan) -> dict[str, Any]:
        return {
            "name": customer.name,
            "country": "DE",
            "locale": customer.locale,
            "time_zone": customer.time_zone,
            "email": customer.email,
            "phone": customer.phone,
            "contact_name": f"Accounts payable {customer.customer_id}",
            "segment": "chaos",
            "collector_id": "collector-chaos",
            "salesperson_id": "sales-chaos",
        }

    async def _put_profile(self, customer: CustomerPlan, *, create: bool) -> None:
        """Create a profile, or replace it guarded by If-Match (re-read on 412: maybe our own retry won)."""
        path = f"/v1/customers/{customer.customer_id}"
        body = self._profile_body(customer)
        for _ in range(20):
            headers = {}
            if not create:
                current = await call(self.credit, self.stats, "customer.read", "GET", path)
                if current.body.get("phone") == customer.phone:
                    return  # an earlier attempt of this update committed
                headers["If-Match"] = current.headers["ETag"]
            answer = await call(
                self.credit,
                self.stats,
                "customer.update" if not create else "customer.create",
                "PUT",
                path,
                json=body,
                headers=headers,
                accept=(200, 201, 412),
            )
            if answer.status != 412:
                return
            create = False  # someone (our own lost attempt) got there first: read and retry
        raise OperationFailed(f"profile {customer.customer_id} kept changing under If-Match")

    async def _update_a_profile(self) -> None:
        customer = self.rng.choice(list(self.expected.customers.values()))
        self.expected.profile_updates += 1
        customer.phone = self._canary_phone(1000 + self.expected.profile_updates)
        self.expected.canaries.add(customer.phone)
        await self._put_profile(customer, create=False)

    # ---------------------------------------------------------------- documents

    def _next(self, kind: str) -> str:
        self._numbers[kind] += 1
        return f"{kind}-{self.run_id}-{self._numbers[kind]:06d}"

    def _payment_plan(self, invoice: InvoicePlan) -> None:
        roll, days = self.rng.random(), self.rng.randint
        if roll < 0.5:
            invoice.payments = [(invoice.issue_date + timedelta(days(2, 14)), "rest")]
        elif roll < 0.7:
            invoice.payments = [(invoice.due_date + timedelta(days(2, 40)), "rest")]
        elif roll < 0.8:
            invoice.payments = [
                (invoice.due_date + timedelta(days(0, 10)), "half"),
                (invoice.due_date + timedelta(days(20, 60)), "rest"),
            ]
        elif roll < 0.9:
            invoice.payments = [(invoice.due_date + timedelta(days(45, 100)), "rest")]
        # else: never paid; dunning escalates it all the way

    async def _new_invoice(self, day: date) -> None:
        customer = self.rng.choice(list(self.expected.customers.values()))
        amount = Decimal(self.rng.randint(5_000, 400_000)) * CENT
        order_id = None
        if self.rng.random() < 0.3:
            order_id = self._next("ORD")
            check = await call(
                self.credit,
                self.stats,
                "credit.check",
                "POST",
                "/v1/credit-checks",
                json={
                    "order_id": order_id,
                    "customer_id": customer.customer_id,
                    "amount": str(amount),
                    "currency": CURRENCY,
                },
                idempotency_key=f"check:{order_id}",
            )
            self.expected.decisions[order_id] = str(check.body.get("decision"))
            if check.body.get("decision") == "rejected":
                return  # the ERP does not take the order
        number = self._next("INV")
        body: dict[str, Any] = {
            "invoice_number": number,
            "customer_id": customer.customer_id,
            "currency": CURRENCY,
            "amount": str(amount),
            "issue_date": day.isoformat(),
            "due_date": (day + timedelta(days=14)).isoformat(),
            "salesperson_id": "sales-chaos",
        }
        if order_id:
            body["order_id"] = order_id
        if self.rng.random() < 0.5:
            body["terms"] = {"late_interest_rate": "0.09", "day_count": "ACT/360"}
        await call(
            self.ledger,
            self.stats,
            "invoice",
            "POST",
            "/v1/invoices",
            json=body,
            idempotency_key=f"invoice:{number}",
        )
        invoice = InvoicePlan(
            number, customer.customer_id, amount, day, day + timedelta(days=14), order_id, amount
        )
        self._payment_plan(invoice)
        self.expected.invoices[number] = invoice

    async def _pay(self, invoice: InvoicePlan, day: date, part: str) -> None:
        amount = invoice.unpaid if part == "rest" else (invoice.amount / 2).quantize(CENT)
        amount = min(amount, invoice.unpaid)
        if amount <= 0:
            return
        customer = self.expected.customers[invoice.customer_id]
        reference = self._next("PAY")
        body: dict[str, Any] = {
            "payment_reference": reference,
            "customer_id": invoice.customer_id,
            "currency": CURRENCY,
            "amount": str(amount),
            "received_date": day.isoformat(),
        }
        if customer.names_invoices:
            body["allocations"] = [{"invoice_number": invoice.number, "amount": str(amount)}]
        invoice.unpaid -= amount  # reserved now so no second payment plans on it
        await call(
            self.ledger,
            self.stats,
            "payment",
            "POST",
            "/v1/payments",
            json=body,
            idempotency_key=f"payment:{reference}",
        )
        self.expected.payments[reference] = (invoice.customer_id, amount)

    async def _close(self, day: date) -> None:
        await call(
            self.ledger,
            self.stats,
            "day-close",
            "POST",
            "/v1/day-close",
            json={"as_of": day.isoformat()},
            idempotency_key=f"close:{self.run_id}:{day}",
        )
        self.expected.closed.append(day)

    # ---------------------------------------------------------------- the business day loop

    def _operations(self, day: date) -> list[Any]:
        per_day = max(2, round(self.plan.operations_per_second * self.plan.seconds_per_business_day))
        operations: list[Any] = []
        for invoice in list(self.expected.invoices.values()):
            for planned in [p for p in invoice.payments if p[0] <= day]:
                invoice.payments.remove(planned)
                operations.append(lambda i=invoice, part=planned[1]: self._pay(i, day, part))
        new = max(1, round(per_day * 0.5))
        operations += [lambda: self._new_invoice(day) for _ in range(new)]
        if self.rng.random() < 1 / 15:
            operations.append(self._update_a_profile)
        self.rng.shuffle(operations)
        return operations

    async def _guarded(self, operation: Any, at: float) -> None:
        loop = asyncio.get_running_loop()
        # Pacing: a steady rate, one operation every few hundred milliseconds.
        await asyncio.sleep(max(0.0, at - loop.time()))
        async with self._slots:
            try:
                await operation()
            except OperationFailed as error:
                self.stats.failures.append(str(error))

    async def run(self, done: Callable[[], bool]) -> None:
        """Business days until `done()`: each day's operations at a steady pace, then its close."""
        loop = asyncio.get_running_loop()
        while not done():
            day = self.business_day
            started = loop.time()
            operations = self._operations(day)
            spacing = self.plan.seconds_per_business_day / max(1, len(operations))
            await asyncio.gather(
                *(self._guarded(op, started + n * spacing) for n, op in enumerate(operations))
            )
            try:
                await self._close(day)
            except OperationFailed as error:
                self.stats.failures.append(str(error))
            self.business_day = day + timedelta(days=1)
