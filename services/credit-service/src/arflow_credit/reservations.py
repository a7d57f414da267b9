"""Reservations: credit an approved order holds until its invoice arrives or the reservation expires."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_credit.store.checks import (
    ACTIVE,
    CANCELLED,
    CONSUMED,
    EXPIRED,
    Reservation,
    lapsed_reservations,
    reservation,
)
from arflow_credit.store.ledger import items_for_order
from arflow_runtime.log import get_logger

log = get_logger(__name__)


def reservation_for(
    *, order_id: str, customer_id: str, amount: Decimal, currency: str, on: date, days: int
) -> Reservation:
    """The reservation of `amount` for an order not yet invoiced, from `on` for `days` days (not stored)."""
    return Reservation(
        order_id=order_id,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        reserved_on=on,
        expires_on=on + timedelta(days=days),
        status=ACTIVE,
    )


def new_reservation(
    session: AsyncSession,
    *,
    order_id: str,
    customer_id: str,
    amount: Decimal,
    currency: str,
    on: date,
    days: int,
) -> Reservation:
    """Hold `amount` for an order not yet invoiced, from `on` for `days` days."""
    held = reservation_for(
        order_id=order_id, customer_id=customer_id, amount=amount, currency=currency, on=on, days=days
    )
    session.add(held)
    return held


async def reserve_order(
    session: AsyncSession,
    *,
    order_id: str,
    customer_id: str,
    amount: Decimal,
    currency: str,
    on: date,
    days: int,
) -> Reservation | None:
    """Reserve an order's amount unless its invoice already reached the ledger or it is reserved."""
    if await items_for_order(session, order_id):
        return None  # already invoiced: the invoice counts, a reservation would count it twice
    existing = await reservation(session, order_id)
    if existing is not None:
        return existing
    return new_reservation(
        session,
        order_id=order_id,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        on=on,
        days=days,
    )


async def consume_reservation(
    session: AsyncSession, order_id: str, customer_id: str, invoice_number: str, on: date
) -> None:
    """The order's invoice arrived: its reservation stops counting (the invoice counts now)."""
    held = await reservation(session, order_id)
    if held is None or held.status != ACTIVE:
        return
    if held.customer_id != customer_id:
        log.warning("credit.reservation.customer_mismatch", order_id=order_id, invoice_number=invoice_number)
        return
    held.status, held.ended_on, held.invoice_number = CONSUMED, on, invoice_number


async def cancel_reservation(held: Reservation, on: date) -> None:
    """The ERP cancelled the order: release its credit."""
    if held.status == ACTIVE:
        held.status, held.ended_on = CANCELLED, on


async def expire_reservations(session: AsyncSession, as_of: date) -> int:
    """Mark reservations past their expiry on `as_of` as expired; how many."""
    lapsed = await lapsed_reservations(session, as_of)
    for held in lapsed:
        held.status, held.ended_on = EXPIRED, as_of
    return len(lapsed)
