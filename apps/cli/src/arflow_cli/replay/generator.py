"""A seeded, realistic ERP history in the generic format, written as it is made (any size).

Customers sit in seven markets (six currencies), pay in one of five ways (prompt … defaulting),
sometimes in parts, sometimes dispute an invoice (in whole or in part, found valid or not) or get
a credit note for returned goods. Future events wait in a heap keyed by date, so rows come out
in date order without holding the history in memory.
"""

import csv
import heapq
import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from arflow_cli.replay.generic import COLUMNS

EMPTY_PROFILE = ("",) * (len(COLUMNS) - COLUMNS.index("name"))
REASONS = ("pricing", "quantity", "quality", "not_received")


@dataclass(frozen=True)
class Market:
    country: str
    locale: str
    time_zone: str
    currency: str
    decimals: int
    per_usd: float
    weight: int


MARKETS = (
    Market("US", "en-US", "America/New_York", "USD", 2, 1.0, 30),
    Market("DE", "de-DE", "Europe/Berlin", "EUR", 2, 0.92, 20),
    Market("FR", "fr-FR", "Europe/Paris", "EUR", 2, 0.92, 10),
    Market("GB", "en-GB", "Europe/London", "GBP", 2, 0.79, 12),
    Market("CN", "zh-CN", "Asia/Shanghai", "CNY", 2, 7.1, 15),
    Market("JP", "ja-JP", "Asia/Tokyo", "JPY", 0, 150.0, 8),
    Market("CH", "de-CH", "Europe/Zurich", "CHF", 2, 0.88, 5),
)


@dataclass(frozen=True)
class Behaviour:
    """How a kind of customer pays: days after the due date, and how often it does other things."""

    name: str
    weight: int
    late_low: int
    late_high: int
    dispute: float
    partial: float
    never: float

    @property
    def late_span(self) -> int:
        return self.late_high - self.late_low + 1


BEHAVIOURS = (
    Behaviour("prompt", 30, -10, 0, 0.01, 0.0, 0.0),
    Behaviour("regular", 35, -3, 10, 0.03, 0.05, 0.0),
    Behaviour("slow", 20, 5, 45, 0.06, 0.2, 0.01),
    Behaviour("chronic", 10, 30, 160, 0.10, 0.4, 0.05),
    Behaviour("defaulting", 5, 60, 300, 0.08, 0.3, 0.4),
)
TERMS = ((30, 60), (14, 10), (45, 15), (60, 15))  # (net days, weight)
RETURNS = 0.03  # share of invoices that get a credit note for returned goods
UNNAMED = 0.15  # share of payments that name no invoice (the ledger applies them oldest due first)


@dataclass
class Customer:
    id: str
    market: Market
    behaviour: Behaviour
    size_usd: float
    net_days: int
    onboarded: int
    salesperson: str

    @property
    def terms(self) -> str:
        return f"NET{self.net_days}"


@dataclass
class Stats:
    """What the generator wrote."""

    customers: int = 0
    invoices: int = 0
    rows: int = 0
    open_at_end: int = 0


def _pick(rng: random.Random, items: tuple, weights: list[int]):  # type: ignore[no-untyped-def,type-arg]
    return rng.choices(items, weights=weights)[0]


def _money(minor: int, decimals: int) -> str:
    if decimals == 2:
        return "%d.%02d" % divmod(minor, 100)  # noqa: UP031 - the fastest way, in the hot loop
    if decimals == 0:
        return str(minor)
    scale = 10**decimals
    return f"{minor // scale}.{minor % scale:0{decimals}d}"


class Generator:
    """Writes `invoices` invoices of `customers` customers over `days` days from `start`."""

    def __init__(self, out: TextIO, customers: int, invoices: int, seed: int, start: date, days: int) -> None:
        if customers < 1 or invoices < 0 or days < 1:
            raise ValueError("need at least one customer and one day, and no negative invoice count")
        self.rng = random.Random(seed)
        self.writer = csv.writer(out, lineterminator="\n")
        self.n_customers, self.n_invoices, self.start, self.days = customers, invoices, start, days
        self.stats = Stats()
        self.pending: list[tuple[int, int, int, tuple[str, ...]]] = []  # (day, phase, seq, row)
        self.seq = 0
        self.dates = [(start + timedelta(days=d)).isoformat() for d in range(days + 1)]

    def _customers(self) -> list[Customer]:
        rng = self.rng
        market_weights = [m.weight for m in MARKETS]
        behaviour_weights = [b.weight for b in BEHAVIOURS]
        terms_weights = [w for _, w in TERMS]
        horizon = max(1, int(self.days * 0.6))
        found = []
        for index in range(self.n_customers):
            market = _pick(rng, MARKETS, market_weights)
            found.append(
                Customer(
                    id=f"C{index + 1:06d}",
                    market=market,
                    behaviour=_pick(rng, BEHAVIOURS, behaviour_weights),
                    size_usd=math.exp(rng.gauss(7.0, 1.0)),
                    net_days=_pick(rng, TERMS, terms_weights)[0],
                    onboarded=0 if index < max(1, self.n_customers // 3) else rng.randrange(horizon),
                    salesperson=f"sp-{market.country.lower()}-{rng.randrange(1, 4)}",
                )
            )
        found.sort(key=lambda c: c.onboarded)
        return found

    def _later(self, day: int, phase: int, row: tuple[str, ...]) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (day, phase, self.seq, row))

    def _profile(self, customer: Customer) -> tuple[str, ...]:
        m = customer.market
        phone = f"+{self.rng.randrange(10**9, 10**10)}" if self.rng.random() < 0.7 else ""
        segment = customer.behaviour.name if customer.behaviour.name == "defaulting" else ""
        return (
            "customer",
            self.dates[customer.onboarded],
            customer.id,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            customer.salesperson,
            f"{m.country} Trading {customer.id}",
            m.country,
            m.locale,
            m.time_zone,
            f"ap@{customer.id.lower()}.customers.example",
            phone,
            segment,
            f"col-{m.country.lower()}",
        )

    def _invoice(self, customer: Customer, day: int, number: int) -> None:
        # The hot loop of a million-row file: plain tuples, local names, random() arithmetic.
        rng, m, b, dates, days, later = (
            self.rng,
            customer.market,
            customer.behaviour,
            self.dates,
            self.days,
            self._later,
        )
        random_ = rng.random
        decimals, currency, cid = m.decimals, m.currency, customer.id
        scale = 10**decimals
        amount = max(scale, int(customer.size_usd * m.per_usd * math.exp(rng.gauss(0, 0.5)) * scale))
        invoice = f"INV-{number:08d}"
        self.writer.writerow(
            (
                "invoice",
                dates[day],
                cid,
                invoice,
                "",
                currency,
                _money(amount, decimals),
                "",
                customer.terms,
                "",
                "",
                "",
                customer.salesperson,
                *EMPTY_PROFILE,
            )
        )
        to_pay, earliest = amount, day
        if random_() < RETURNS:
            credit = max(1, amount * (10 + int(random_() * 21)) // 100)
            earliest = day + 1 + int(random_() * 15)
            if earliest < days:
                later(
                    earliest,
                    1,
                    (
                        "credit_note",
                        dates[earliest],
                        cid,
                        f"CN-{number:08d}",
                        invoice,
                        currency,
                        _money(credit, decimals),
                        "",
                        "",
                        "",
                        "goods returned",
                        "",
                        "",
                        *EMPTY_PROFILE,
                    ),
                )
            to_pay -= credit
        elif random_() < b.dispute:
            part = amount * (20 + int(random_() * 31)) // 100 if random_() < 0.3 else amount
            opened = day + 3 + int(random_() * 18)
            resolved = opened + 5 + int(random_() * 36)
            dispute = f"DSP-{number:08d}"
            if opened < days:
                later(
                    opened,
                    2,
                    (
                        "dispute",
                        dates[opened],
                        cid,
                        dispute,
                        invoice,
                        "",
                        _money(part, decimals) if part != amount else "",
                        "",
                        "",
                        "",
                        REASONS[int(random_() * 4)],
                        "",
                        "",
                        *EMPTY_PROFILE,
                    ),
                )
            valid = random_() < 0.4
            if resolved < days:
                later(
                    resolved,
                    3,
                    (
                        "dispute_resolution",
                        dates[resolved],
                        cid,
                        dispute,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "valid" if valid else "invalid",
                        "",
                        *EMPTY_PROFILE,
                    ),
                )
            earliest = resolved
            if valid:
                to_pay -= part  # the ledger credits the disputed amount itself
        if to_pay <= 0 or random_() < b.never:
            self.stats.open_at_end += to_pay > 0
            return
        pay_day = max(earliest, day + customer.net_days + b.late_low + int(random_() * b.late_span))
        parts = 2 + int(random_() * 2) if to_pay >= 3 * scale and random_() < b.partial else 1
        for index in range(parts):
            if pay_day >= days:
                self.stats.open_at_end += 1
                return
            share = to_pay if index == parts - 1 else to_pay * (20 + int(random_() * 41)) // 100
            to_pay -= share
            money = _money(share, decimals)
            later(
                pay_day,
                4,
                (
                    "payment",
                    dates[pay_day],
                    cid,
                    f"PAY-{number:08d}-{index + 1}",
                    "",
                    currency,
                    money,
                    "",
                    "",
                    f"{invoice}:{money}" if random_() >= UNNAMED else "",
                    "",
                    "",
                    "",
                    *EMPTY_PROFILE,
                ),
            )
            pay_day += 7 + int(random_() * 24)

    def _flush(self, through: int) -> None:
        pending, writerow, pop = self.pending, self.writer.writerow, heapq.heappop
        while pending and pending[0][0] <= through:
            writerow(pop(pending)[3])

    def run(self) -> Stats:
        """Write the header and every row, day by day."""
        self.writer.writerow(COLUMNS)
        customers = self._customers()
        cumulative: list[float] = []
        running = 0.0
        for customer in customers:
            running += customer.size_usd**0.3 * (2.0 if customer.behaviour.name == "prompt" else 1.0)
            cumulative.append(running)
        onboarded, number, random_ = 0, 0, self.rng.random
        for day in range(self.days):
            self._flush(day - 1)
            while onboarded < len(customers) and customers[onboarded].onboarded <= day:
                self.writer.writerow(self._profile(customers[onboarded]))
                onboarded += 1
            count = (day + 1) * self.n_invoices // self.days - day * self.n_invoices // self.days
            top = cumulative[onboarded - 1]
            for _ in range(count):
                number += 1
                self._invoice(
                    customers[bisect_right(cumulative, random_() * top, 0, onboarded - 1)], day, number
                )
        self._flush(self.days)
        self.stats.customers, self.stats.invoices = onboarded, number
        self.stats.rows = 1 + onboarded + number + self.seq - len(self.pending)
        return self.stats


def generate(
    out: TextIO, customers: int, invoices: int, seed: int = 1, start: date = date(2023, 1, 2), days: int = 730
) -> Stats:
    """Write a generated history in the generic format to `out`; returns what was written."""
    return Generator(out, customers, invoices, seed, start, days).run()
