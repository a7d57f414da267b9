"""The ledger's REST API: translates HTTP to ledger operations."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_invoice.store import Invoice, find_invoice
from arflow_runtime.auth import Principal
from arflow_runtime.errors import ProblemError
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["invoices"])

InvoiceNumber = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w./-]+$")]


class InvoiceIn(BaseModel):
    """An invoice as the ERP posts it."""

    model_config = ConfigDict(extra="forbid")

    invoice_number: InvoiceNumber
    customer_id: Annotated[str, Field(min_length=1, max_length=100)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    amount: Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=4)]
    issue_date: date
    due_date: date
    salesperson_id: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _due_after_issue(self) -> "InvoiceIn":
        if self.due_date < self.issue_date:
            raise ValueError("due_date must not be before issue_date")
        return self


class InvoiceOut(BaseModel):
    """An invoice as the ledger holds it."""

    invoice_number: str
    customer_id: str
    currency: str
    amount: Decimal
    issue_date: date
    due_date: date
    salesperson_id: str | None

    @field_serializer("amount")
    def _money(self, value: Decimal) -> str:
        return str(value)


def _out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut.model_validate(invoice, from_attributes=True)


def _differences(existing: Invoice, posted: InvoiceIn) -> list[str]:
    return [name for name in InvoiceIn.model_fields if getattr(existing, name) != getattr(posted, name)]


@router.post("/invoices", status_code=status.HTTP_201_CREATED, response_model=InvoiceOut,
             responses={200: {"model": InvoiceOut, "description": "The same invoice already exists"}})
async def post_invoice(
    body: InvoiceIn, uow: UnitOfWorkDep, response: Response,
    _: Annotated[Principal, require("invoices:write")],
) -> InvoiceOut:
    """Enter an invoice; the invoice number is the idempotency key."""
    existing = await find_invoice(uow.session, body.invoice_number)
    if existing is not None:
        differing = _differences(existing, body)
        if differing:
            raise ProblemError(
                f"Invoice {body.invoice_number} exists with different {', '.join(differing)}.",
                status=409, problem_type="invoice-conflict", title="Conflicting invoice",
                differing_fields=differing,
            )
        response.status_code = status.HTTP_200_OK
        return _out(existing)
    invoice = Invoice(**body.model_dump())
    uow.session.add(invoice)
    await uow.publish(
        InvoiceIssuedV1(
            invoice_number=invoice.invoice_number, customer_id=invoice.customer_id,
            currency=invoice.currency, amount=invoice.amount, issue_date=invoice.issue_date,
            due_date=invoice.due_date, salesperson_id=invoice.salesperson_id,
        ),
        customer_id=invoice.customer_id,
    )
    await uow.commit()
    return _out(invoice)


@router.get("/invoices/{invoice_number}", response_model=InvoiceOut)
async def get_invoice(
    invoice_number: Annotated[str, Path(max_length=100)], uow: UnitOfWorkDep,
    _: Annotated[Principal, require("invoices:read")],
) -> InvoiceOut:
    """One invoice by its ERP number."""
    invoice = await find_invoice(uow.session, invoice_number)
    if invoice is None:
        raise ProblemError(f"No invoice {invoice_number}.", status=404, problem_type="invoice-not-found",
                           title="Invoice not found")
    return _out(invoice)
