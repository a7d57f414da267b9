"""Issuing invoices: validation by the domain, the rows, InvoiceIssued — one transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_contracts.terms import ContractTerms, DayCount, EarlyPaymentDiscount
from arflow_contracts.terms import Instalment as ContractInstalment
from arflow_invoice import domain
from arflow_invoice.domain import InvalidAmount, InvoiceState, LedgerError, quantize
from arflow_invoice.ledger.common import (
    content_of,
    in_batch,
    invoice_by_number,
    invoices_by_number,
    require_same_content,
)
from arflow_invoice.ledger.events import publish
from arflow_invoice.ledger.invoice_views import (
    EnteredInvoice,
    details,
    document,
    entered_details,
    lines_of,
    stored_figures,
)
from arflow_invoice.schemas import MAX_AMOUNT, InvoiceIn
from arflow_invoice.store import Invoice, InvoiceInstalment, InvoiceLine
from arflow_invoice.store.invoice_rows import insert_new_invoice
from arflow_invoice.store.states import figures, load_state
from arflow_runtime.db import UnitOfWork


def _amount(body: InvoiceIn, currency: str) -> Decimal:
    """The invoice amount: given, or the sum of its lines (both given: they must agree)."""
    for number, line in enumerate(body.lines or (), 1):
        if line.tax_amount:
            domain.validate_amount(line.tax_amount, currency, what=f"tax_amount of line {number}")
    lines = [
        domain.validate_amount(line.amount, currency, what=f"amount of line {number}")
        for number, line in enumerate(body.lines or (), 1)
    ]
    if body.amount is None:
        if not lines:
            raise InvalidAmount("give the invoice amount, or lines whose amounts sum to it")
        if sum(lines, Decimal(0)) >= MAX_AMOUNT:
            raise InvalidAmount(
                f"the lines sum to {sum(lines, Decimal(0))}; an invoice must stay below {MAX_AMOUNT}"
            )
        return sum(lines, Decimal(0))
    amount = domain.validate_amount(body.amount, currency)
    if lines and sum(lines, Decimal(0)) != amount:
        raise InvalidAmount(
            f"the lines sum to {domain.format_money(sum(lines, Decimal(0)), currency)} but the invoice "
            f"amount is {domain.format_money(amount, currency)}; send matching figures",
            lines_total=sum(lines, Decimal(0)),
            amount=amount,
        )
    return amount


def _issue(body: InvoiceIn) -> tuple[InvoiceState, domain.PaymentTerms | None]:
    currency = domain.validate_currency(body.currency)
    amount = _amount(body, currency)
    terms = domain.parse_terms(body.payment_terms) if body.payment_terms is not None else None
    state = domain.issue_invoice(
        body.invoice_number,
        body.customer_id,
        currency,
        amount,
        body.issue_date,
        due_date=body.due_date,
        payment_terms=terms,
        instalments=[domain.Instalment(i.due_date, i.amount) for i in body.instalments or ()],
        salesperson_id=body.salesperson_id,
        jurisdiction=body.terms.jurisdiction if body.terms else None,
    )
    if body.terms and body.terms.dunning_fee is not None:
        domain.validate_amount(body.terms.dunning_fee, currency, what="terms.dunning_fee")
    return state, terms


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def invoice_values(
    body: InvoiceIn, state: InvoiceState, terms: domain.PaymentTerms | None, content: str
) -> dict[str, Any]:
    """The invoice row's columns (what the single POST and a bulk import both store)."""
    contract = body.terms
    discount = terms.percent / 100 if isinstance(terms, domain.DiscountTerms) else None
    taxes = [line.tax_amount for line in body.lines or () if line.tax_amount is not None]
    return dict(
        invoice_number=state.invoice_number,
        customer_id=state.customer_id,
        currency=state.currency,
        amount=state.amount,
        issue_date=state.issue_date,
        due_date=state.due_date,
        salesperson_id=state.salesperson_id,
        order_id=body.order_id,
        payment_terms=terms.code if terms else None,
        jurisdiction=state.jurisdiction,
        late_interest_rate=_text(contract.late_interest_rate) if contract else None,
        day_count=contract.day_count if contract else None,
        dunning_fee=contract.dunning_fee if contract else None,
        tax_amount=sum(taxes, Decimal(0)) if taxes else None,
        discount_date=state.discount_date,
        discount_amount=state.discount_amount,
        discount_rate=_text(discount),
        has_instalments=bool(state.instalments),
        content=content,
        **figures(state),
    )


def issued_event(row: Mapping[str, Any], state: InvoiceState) -> InvoiceIssuedV1:
    """InvoiceIssued for a new invoice (from its `invoice_values`)."""
    currency = row["currency"]
    terms = None
    contract = (row["late_interest_rate"], row["day_count"], row["dunning_fee"], row["jurisdiction"])
    if any(v is not None for v in contract):
        terms = ContractTerms(
            late_interest_rate=Decimal(row["late_interest_rate"]) if row["late_interest_rate"] else None,
            day_count=cast(DayCount | None, row["day_count"]),
            dunning_fee=row["dunning_fee"],
            jurisdiction=row["jurisdiction"],
        )
    discount = None
    if row["discount_date"] is not None and row["discount_rate"] is not None:
        discount = EarlyPaymentDiscount(rate=Decimal(row["discount_rate"]), until=row["discount_date"])
    return InvoiceIssuedV1(
        invoice_number=row["invoice_number"],
        customer_id=row["customer_id"],
        currency=currency,
        amount=quantize(row["amount"], currency),
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        salesperson_id=row["salesperson_id"],
        order_id=row["order_id"],
        tax_amount=quantize(row["tax_amount"], currency) if row["tax_amount"] is not None else None,
        payment_terms=row["payment_terms"],
        instalments=tuple(
            ContractInstalment(due_date=i.due_date, amount=quantize(i.amount, currency))
            for i in state.instalments
        ),
        terms=terms,
        discount=discount,
    )


def line_values(body: InvoiceIn) -> list[dict[str, Any]]:
    """The invoice's lines as rows (without the invoice id)."""
    return [
        dict(
            line_number=number,
            description=line.description,
            quantity=_text(line.quantity),
            unit_price=_text(line.unit_price),
            amount=line.amount,
            tax_amount=line.tax_amount,
        )
        for number, line in enumerate(body.lines or (), 1)
    ]


def instalment_values(state: InvoiceState) -> list[dict[str, Any]]:
    """The invoice's instalments as rows (without the invoice id), with their running totals."""
    rows, running = [], Decimal(0)
    for instalment in state.instalments:
        running += instalment.amount
        rows.append(dict(due_date=instalment.due_date, amount=instalment.amount, cum_through=running))
    return rows


@dataclass(frozen=True)
class PreparedInvoice:
    """A validated invoice: its row, lines, instalments and InvoiceIssued, not yet stored."""

    values: dict[str, Any]
    lines: list[dict[str, Any]]
    instalments: list[dict[str, Any]]
    event: InvoiceIssuedV1


def prepare_invoice(body: InvoiceIn, content: str) -> PreparedInvoice:
    """Validate an invoice with the domain and compute everything entering it stores."""
    state, terms = _issue(body)
    values = invoice_values(body, state, terms, content)
    return PreparedInvoice(values, line_values(body), instalment_values(state), issued_event(values, state))


async def _enter(
    uow: UnitOfWork, body: InvoiceIn, content: str
) -> tuple[Invoice, InvoiceState, list[InvoiceLine]]:
    session = uow.session
    state, terms = _issue(body)
    values = invoice_values(body, state, terms, content)
    row = Invoice(**values)
    session.add(row)
    if body.lines or state.instalments:
        await session.flush()  # their rows need the invoice's id
    return row, state, await _file_parts(uow, body, state, values, row.id)


async def _file_parts(
    uow: UnitOfWork, body: InvoiceIn, state: InvoiceState, values: dict[str, Any], key: int | None
) -> list[InvoiceLine]:
    """A new invoice's lines and instalments (rows of invoice `key`) and its InvoiceIssued."""
    lines = [InvoiceLine(invoice_id=key, **line) for line in line_values(body)]
    uow.session.add_all(lines)
    uow.session.add_all(InvoiceInstalment(invoice_id=key, **i) for i in instalment_values(state))
    await publish(uow, issued_event(values, state))
    return lines


async def _posted_before(
    session: AsyncSession, number: str, content: str
) -> tuple[int, dict[str, Any]] | None:
    """The invoice entered before under this number (200) if the content is the same, else 409."""
    existing = await invoice_by_number(session, number)
    if existing is None:
        return None
    require_same_content("invoice", number, existing.content, content)
    return 200, details(
        existing, await load_state(session, existing), None, await lines_of(session, existing)
    )


async def post_invoice(uow: UnitOfWork, body: InvoiceIn) -> tuple[int, dict[str, Any]]:
    """Enter an invoice (201), or return the same one posted before (200); different content is 409."""
    session = uow.session
    content = content_of(body, "invoice_number")
    try:
        state, terms = _issue(body)
    except LedgerError:
        # A number entered before answers 200 or 409 whatever is wrong with this copy.
        if (answer := await _posted_before(session, body.invoice_number, content)) is not None:
            return answer
        raise
    values = invoice_values(body, state, terms, content)
    # A taken number inserts nothing (after a concurrent insert of it commits, on PostgreSQL);
    # then the stored invoice answers, as the look-up before the insert used to.
    key = await insert_new_invoice(session, values)
    if key is None:
        answer = await _posted_before(session, body.invoice_number, content)
        assert answer is not None, f"invoice {body.invoice_number} is neither new nor stored"
        return answer
    lines = await _file_parts(uow, body, state, values, key)
    return 201, entered_details(EnteredInvoice.of(values), state, lines)


async def post_invoices(uow: UnitOfWork, bodies: Sequence[InvoiceIn]) -> tuple[int, dict[str, Any]]:
    """Enter many invoices in one transaction, all or none; each is new (201) or the same again (200)."""
    known = await invoices_by_number(uow.session, [body.invoice_number for body in bodies])
    results = []
    for index, body in enumerate(bodies):
        content = content_of(body, "invoice_number")
        row = known.get(body.invoice_number)
        try:
            if row is not None:
                require_same_content("invoice", body.invoice_number, row.content, content)
                status = 200
            else:
                row, _, _ = await _enter(uow, body, content)
                known[row.invoice_number], status = row, 201
        except LedgerError as error:
            raise in_batch(error, "invoices", index) from None
        results.append({"index": index, "status": status, **document(row), **stored_figures(row)})
    return 200, {"results": results}
