"""Reading ERP exports: the IBM sample (M/D/YYYY, CRLF) and the generic format."""

import io
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from arflow_cli.replay import generic, ibm
from arflow_cli.replay.operations import ReplayInputError
from arflow_cli.replay.sources import guess_format, open_source

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ibm_accounts_receivable.csv"
HEADER = ",".join(ibm.COLUMNS)


def ibm_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "ibm.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode())
    return path


def test_an_ibm_row_becomes_a_customer_an_invoice_a_dispute_its_resolution_and_a_payment(
    tmp_path: Path,
) -> None:
    path = ibm_file(
        tmp_path, "406,8976-AMJEO,3/3/2012,0007900770,1/26/2013,2/25/2013,61.74,Yes,3/3/2013,Electronic,36,6"
    )
    ops = {op.kind: op for op in ibm.operations(ibm.read_rows(path))}
    assert ops["customer"].body["country"] == "DE" and ops["customer"].body["email"]
    assert ops["invoice"].body == {
        "invoice_number": "0007900770",
        "customer_id": "8976-AMJEO",
        "currency": "EUR",
        "amount": "61.74",
        "issue_date": "2013-01-26",
        "due_date": "2013-02-25",
        "salesperson_id": ops["invoice"].body["salesperson_id"],
        "terms": {"jurisdiction": "DE"},
    }
    assert ops["dispute"].day == date(2013, 2, 5) and ops["dispute_resolution"].day == date(2013, 3, 3)
    assert ops["dispute_resolution"].body["outcome"] == "invalid"
    assert ops["payment"].body["allocations"] == [{"invoice_number": "0007900770", "amount": "61.74"}]
    assert ops["payment"].day == date(2013, 3, 3)


def test_a_customer_on_paper_gets_its_email_address_on_the_day_it_goes_paperless(tmp_path: Path) -> None:
    path = ibm_file(
        tmp_path, "391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0"
    )
    profiles = [op for op in ibm.operations(ibm.read_rows(path)) if op.kind == "customer"]
    assert [(op.day, "email" in op.body) for op in profiles] == [
        (date(2013, 1, 2), False),
        (date(2013, 4, 6), True),
    ]
    assert profiles[0].body["locale"] == "en-US" and profiles[0].body["time_zone"] == "America/New_York"


def test_a_bad_ibm_row_is_named_by_its_number(tmp_path: Path) -> None:
    path = ibm_file(
        tmp_path,
        "391,A,4/6/2013,1,1/2/2013,2/1/2013,5.00,No,1/15/2013,Paper,13,0",
        "999,B,4/6/2013,2,1/2/2013,2/1/2013,5.00,No,1/15/2013,Paper,13,0",
    )
    with pytest.raises(ReplayInputError, match="data row 2: unknown countryCode '999'"):
        ibm.read_rows(path)
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ReplayInputError, match="missing columns"):
        ibm.read_rows(tmp_path / "other.csv")


@pytest.mark.skipif(not SAMPLE.exists(), reason=f"IBM sample data absent: {SAMPLE}")
def test_the_ibm_sample_is_read_in_place_as_738_days_of_2466_invoices_of_100_customers() -> None:
    source = open_source(SAMPLE, guess_format(SAMPLE))
    days = list(source.days)
    kinds = Counter(op.kind for day in days for ops in day.operations.values() for op in ops)
    assert source.format == "ibm"
    assert kinds["invoice"] == kinds["payment"] == 2466
    assert kinds["dispute"] == kinds["dispute_resolution"] == 561
    assert len({op.customer_id for day in days for op in day.of("customer")}) == 100
    assert days[0].day == date(2012, 1, 3) and days[-1].day == date(2014, 1, 9)
    assert source.total == sum(len(day) for day in days)
    currencies = {op.body["currency"] for day in days for op in day.of("invoice")}
    assert currencies == {"USD", "EUR", "CNY", "EGP", "GBP"}
    subset = open_source(SAMPLE, "ibm", customers=15)
    assert len({op.customer_id for day in subset.days for op in day.of("invoice")}) == 15


def generic_rows(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([",".join(generic.COLUMNS), *rows]) + "\n")


def row(**fields: str) -> str:
    return ",".join(fields.get(column, "") for column in generic.COLUMNS)


def test_each_generic_row_type_becomes_its_rest_body() -> None:
    ops = list(
        generic.read_operations(
            generic_rows(
                row(
                    type="customer",
                    date="2024-01-02",
                    customer_id="C1",
                    name="Acme",
                    country="DE",
                    locale="de-DE",
                    email="ap@acme.example",
                    collector_id="col-1",
                ),
                row(
                    type="invoice",
                    date="2024-01-02",
                    customer_id="C1",
                    reference="INV-1",
                    currency="EUR",
                    amount="100.00",
                    payment_terms="NET30",
                    salesperson_id="sp-1",
                ),
                row(
                    type="credit_note",
                    date="2024-01-05",
                    customer_id="C1",
                    reference="CN-1",
                    invoice_number="INV-1",
                    currency="EUR",
                    amount="10.00",
                    reason="returned",
                ),
                row(
                    type="dispute",
                    date="2024-01-06",
                    customer_id="C1",
                    reference="D-1",
                    invoice_number="INV-1",
                    amount="20.00",
                    reason="pricing",
                ),
                row(
                    type="dispute_resolution",
                    date="2024-01-09",
                    customer_id="C1",
                    reference="D-1",
                    outcome="valid",
                ),
                row(
                    type="payment",
                    date="2024-02-01",
                    customer_id="C1",
                    reference="P-1",
                    currency="EUR",
                    amount="70.00",
                    allocations="INV-1:70.00",
                ),
            )
        )
    )
    assert [op.kind for op in ops] == [
        "customer",
        "invoice",
        "credit_note",
        "dispute",
        "dispute_resolution",
        "payment",
    ]
    assert ops[0].body == {
        "name": "Acme",
        "country": "DE",
        "locale": "de-DE",
        "email": "ap@acme.example",
        "collector_id": "col-1",
    }
    assert ops[1].body["payment_terms"] == "NET30" and "due_date" not in ops[1].body
    assert ops[3].body == {
        "dispute_id": "D-1",
        "invoice_number": "INV-1",
        "opened_date": "2024-01-06",
        "reason_code": "pricing",
        "amount": "20.00",
    }
    assert ops[4].key == "D-1" and ops[4].body == {"outcome": "valid", "resolved_date": "2024-01-09"}
    assert ops[5].body["allocations"] == [{"invoice_number": "INV-1", "amount": "70.00"}]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            row(
                type="invoice", date="2024-01-02", customer_id="C1", reference="I", currency="EUR", amount="1"
            ),
            "needs due_date or payment_terms",
        ),
        (row(type="refund", date="2024-01-02", customer_id="C1"), "unknown type 'refund'"),
        (
            row(
                type="payment",
                date="2024-01-02",
                customer_id="C1",
                reference="P",
                currency="EUR",
                amount="1",
                allocations="INV-1",
            ),
            "is not INVOICE:AMOUNT",
        ),
        (row(type="customer", date="2024-13-02", customer_id="C1", name="x"), "month must be in 1..12"),
        (
            row(
                type="dispute_resolution", date="2024-01-02", customer_id="C1", reference="D", outcome="maybe"
            ),
            "outcome must be valid or invalid",
        ),
    ],
)
def test_a_bad_generic_row_is_refused_with_its_row_number_and_reason(bad: str, message: str) -> None:
    rows = generic_rows(row(type="customer", date="2024-01-01", customer_id="C1", name="Acme"), bad)
    with pytest.raises(ReplayInputError, match=f"data row 2: .*{message}"):
        list(generic.read_operations(rows))


def test_the_generic_format_must_be_in_date_order() -> None:
    rows = generic_rows(
        row(type="customer", date="2024-01-05", customer_id="C1", name="A"),
        row(type="customer", date="2024-01-04", customer_id="C2", name="B"),
    )
    with pytest.raises(ReplayInputError, match="data row 2: dated 2024-01-04, before the previous row"):
        list(generic.read_operations(rows))
