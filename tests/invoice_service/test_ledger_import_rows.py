"""The import's quick check of plain rows never accepts what the single POST's validation refuses."""

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from arflow_invoice.ledger.import_rows import RowError, plain_row, prepared_row
from arflow_invoice.ledger.invoicing import PreparedInvoice

NUMBERS = ["INV-1", "A/B.c_d-9", " INV-1", "INV 1", "ÄBC-1", "", "x" * 100, "x" * 101, "INV\n1"]
CUSTOMERS = ["C-1", " C-1", "C-1 ", "", 'q"\\', "客户", "x" * 100, "x" * 101, "\t", "C\x7f", "a b"]
CURRENCIES = ["EUR", "JPY", "KWD", "CLF", "eur", "XXX", "EURO", "", "XAU"]
AMOUNTS = [
    "10",
    "10.5",
    "10.50",
    "10.001",
    "0",
    "0.00",
    "-1",
    "1e3",
    "999999999999.99",
    "1000000000000",
    "٣",
    " 1",
    "1.",
    ".5",
    "0010.10",
    "12.3456",
    "12.34567",
    "1,5",
]
DATES = [
    "2024-01-01",
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "1899-12-31",
    "1900-01-01",
    "2999-12-31",
    "3000-01-01",
    "2024-1-1",
    "20240101",
    "2024-01-01T00:00",
    "2024-13-01",
    "٢٠٢٤-01-01",
]
OPTIONAL = [None, "", "S-1", " x ", "é", "x" * 100, "x" * 101, '"q"']


def texts(samples: list[Any], valid: int) -> st.SearchStrategy[Any]:
    """Mostly one of the first `valid` samples (so whole rows are often valid), else anything."""
    good = st.sampled_from(samples[:valid])
    anything = st.one_of(st.sampled_from(samples), st.text(max_size=6), st.integers(), st.none())
    return st.integers(0, 9).flatmap(lambda n: good if n < 8 else anything)


records = st.fixed_dictionaries(
    {
        "invoice_number": texts(NUMBERS, 2),
        "customer_id": texts(CUSTOMERS, 1),
        "currency": texts(CURRENCIES, 4),
        "amount": st.one_of(texts(AMOUNTS, 3), st.decimals(allow_nan=False, places=3).map(str)),
        "issue_date": texts(DATES, 2),
        "due_date": texts(DATES, 2),
    },
    optional={
        "salesperson_id": st.sampled_from(OPTIONAL),
        "order_id": st.sampled_from(OPTIONAL),
    },
)


@settings(max_examples=600, deadline=None)
@given(records)
def test_a_plain_row_is_one_the_single_post_accepts_with_the_same_figures(record: dict[str, Any]) -> None:
    plain = plain_row(7, record)
    full = prepared_row(7, record)
    event("plain" if plain else "full path")
    if plain is None:
        return
    assert isinstance(full, PreparedInvoice), full
    row, number, customer, currency, amount, issued, due, salesperson, order = plain
    values = full.values
    assert (row, number, customer, currency, amount, issued, due, salesperson, order) == (
        7,
        values["invoice_number"],
        values["customer_id"],
        values["currency"],
        values["amount"],
        values["issue_date"],
        values["due_date"],
        values["salesperson_id"],
        values["order_id"],
    )
    # What the set-based INSERT stores for every plain row besides those columns:
    assert {k: v for k, v in values.items() if k not in PLAIN_STORED} == {
        "payment_terms": None,
        "jurisdiction": None,
        "late_interest_rate": None,
        "day_count": None,
        "dunning_fee": None,
        "tax_amount": None,
        "discount_date": None,
        "discount_amount": None,
        "discount_rate": None,
        "has_instalments": False,
        "has_disputes": False,
        "has_charges": False,
        "outstanding": amount,
        "principal_reduced": Decimal(0),
        "fees_reduced": Decimal(0),
        "interest_reduced": Decimal(0),
        "status": "open",
        "paid_date": None,
        "days_late": None,
        "days_to_settle": None,
        "last_document_date": issued,
        "earliest_due_date": due,
        "closed_on": None,
    }
    assert not full.lines and not full.instalments


PLAIN_STORED = {
    "invoice_number",
    "customer_id",
    "currency",
    "amount",
    "issue_date",
    "due_date",
    "salesperson_id",
    "order_id",
    "content",
}


def test_rows_the_quick_check_cannot_vouch_for_get_the_single_posts_errors() -> None:
    base = {
        "invoice_number": "INV-1",
        "customer_id": "C-1",
        "currency": "EUR",
        "amount": "10.00",
        "issue_date": "2024-01-01",
        "due_date": "2024-01-31",
    }
    assert plain_row(1, base) == (
        1,
        "INV-1",
        "C-1",
        "EUR",
        Decimal("10.00"),
        date(2024, 1, 1),
        date(2024, 1, 31),
        None,
        None,
    )
    for change, field in [
        ({"amount": "10.001"}, "amount"),
        ({"currency": "EUR "}, "currency"),
        ({"due_date": "2023-12-31"}, "due_date"),
        ({"issue_date": "2024-02-30"}, "issue_date"),
        ({"customer_id": " "}, "customer_id"),
        ({"amount": 1.5}, "amount"),
    ]:
        record = {**base, **change}
        assert plain_row(3, record) is None
        error = prepared_row(3, record)
        assert isinstance(error, RowError) and (error.row, error.field) == (3, field), (change, error)
    for extra in ({"payment_terms": None}, {"colour": "red"}, {"terms": {"jurisdiction": "DE"}}):
        assert plain_row(5, {**base, **extra}) is None  # anything else takes the full path
    accepted = prepared_row(4, {**base, "customer_id": " C-1 ", "payment_terms": "NET30"})
    assert isinstance(accepted, PreparedInvoice) and accepted.values["customer_id"] == "C-1"
