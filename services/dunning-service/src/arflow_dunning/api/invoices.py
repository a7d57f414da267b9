"""Invoices under dunning's watch: their stage, and a collector's exclusion from escalation."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from arflow_dunning.api.common import DecimalText, InvoiceNumber, TodayDep
from arflow_dunning.cases import timeline_entry
from arflow_dunning.errors import InvoiceNotOpen, InvoiceNotWatched
from arflow_dunning.store import OPEN, StageReached, WatchedInvoice
from arflow_runtime.auth import Principal
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["watched invoices"])


class StageReachedOut(BaseModel):
    policy_id: str
    stage: str
    reached_on: date
    amount: DecimalText = Field(description="Outstanding when the stage was reached.")


class WatchedInvoiceOut(BaseModel):
    """An invoice as dunning sees it."""

    invoice_number: str
    customer_id: str
    currency: str
    amount: DecimalText
    outstanding: DecimalText
    charges_outstanding: DecimalText
    due_date: date
    status: str = Field(description="open, paid, credited, written_off or handed_over")
    policy_id: str | None
    stage: str | None
    stage_reached_on: date | None
    disputed: bool
    excluded: bool
    promise_id: str | None
    case_id: str | None


class WatchedInvoiceDetailOut(WatchedInvoiceOut):
    stages_reached: list[StageReachedOut]


class ExclusionIn(BaseModel):
    """Why a collector takes the invoice out of (or back into) escalation."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


def watched_out(invoice: WatchedInvoice) -> WatchedInvoiceOut:
    return WatchedInvoiceOut(
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        amount=invoice.amount,
        outstanding=invoice.outstanding,
        charges_outstanding=invoice.charges_outstanding,
        due_date=invoice.due_date,
        status=invoice.status,
        policy_id=invoice.policy_id,
        stage=invoice.stage,
        stage_reached_on=invoice.stage_reached_on,
        disputed=invoice.open_disputes > 0,
        excluded=invoice.excluded,
        promise_id=invoice.promise_id,
        case_id=invoice.case_id,
    )


@router.get("/watched-invoices", response_model=list[WatchedInvoiceOut])
async def list_watched_invoices(
    customer_id: Annotated[str, Query(min_length=1, max_length=100)],
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("dunning:read")],
) -> list[WatchedInvoiceOut]:
    """The customer's invoices dunning watches, with the stage each has reached."""
    rows = await uow.session.execute(
        select(WatchedInvoice)
        .where(WatchedInvoice.customer_id == customer_id)
        .order_by(WatchedInvoice.due_date, WatchedInvoice.invoice_number)
    )
    return [watched_out(invoice) for invoice in rows.scalars()]


async def _invoice(uow: UnitOfWorkDep, invoice_number: str) -> WatchedInvoice:
    invoice = await uow.session.get(WatchedInvoice, invoice_number)
    if invoice is None:
        raise InvoiceNotWatched(f"Dunning does not know invoice {invoice_number}.")
    return invoice


@router.get("/watched-invoices/{invoice_number}", response_model=WatchedInvoiceDetailOut)
async def get_watched_invoice(
    invoice_number: InvoiceNumber,
    uow: UnitOfWorkDep,
    _: Annotated[Principal, require("dunning:read")],
) -> WatchedInvoiceDetailOut:
    """One invoice with every stage it has reached."""
    invoice = await _invoice(uow, invoice_number)
    reached = await uow.session.execute(
        select(StageReached)
        .where(StageReached.invoice_number == invoice_number)
        .order_by(StageReached.reached_on, StageReached.stage_position)
    )
    return WatchedInvoiceDetailOut(
        **watched_out(invoice).model_dump(),
        stages_reached=[
            StageReachedOut(policy_id=r.policy_id, stage=r.stage, reached_on=r.reached_on, amount=r.amount)
            for r in reached.scalars()
        ],
    )


async def _set_exclusion(
    uow: UnitOfWorkDep, invoice_number: str, excluded: bool, reason: str, actor: str, today: date
) -> WatchedInvoiceOut:
    invoice = await _invoice(uow, invoice_number)
    if invoice.status != OPEN:
        raise InvoiceNotOpen(f"Invoice {invoice_number} is {invoice.status}; dunning no longer chases it.")
    if invoice.excluded != excluded:
        invoice.excluded = excluded
        invoice.next_stage_due_on = None  # evaluated again at the next close
        uow.session.add(
            timeline_entry(
                customer_id=invoice.customer_id,
                case_id=invoice.case_id,
                on=today,
                kind="invoice_excluded" if excluded else "invoice_included",
                invoice_numbers=[invoice_number],
                note=reason,
                actor=actor,
            )
        )
    await uow.commit()
    return watched_out(invoice)


@router.post("/watched-invoices/{invoice_number}/exclude", response_model=WatchedInvoiceOut)
async def exclude_invoice(
    invoice_number: InvoiceNumber,
    body: ExclusionIn,
    uow: UnitOfWorkDep,
    today: TodayDep,
    principal: Annotated[Principal, require("dunning:work")],
) -> WatchedInvoiceOut:
    """Take an invoice out of escalation (a collector's decision); it stays at its stage."""
    return await _set_exclusion(uow, invoice_number, True, body.reason, principal.name, today)


@router.post("/watched-invoices/{invoice_number}/include", response_model=WatchedInvoiceOut)
async def include_invoice(
    invoice_number: InvoiceNumber,
    body: ExclusionIn,
    uow: UnitOfWorkDep,
    today: TodayDep,
    principal: Annotated[Principal, require("dunning:work")],
) -> WatchedInvoiceOut:
    """Put an excluded invoice back into escalation; it moves on one stage per business day."""
    return await _set_exclusion(uow, invoice_number, False, body.reason, principal.name, today)
