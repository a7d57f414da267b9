"""What dunning keeps from credit-service: who collects a customer, its locale and segment, its rating."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts import EventEnvelope
from arflow_contracts.credit import CreditRatingChangedV1, CustomerProfileChangedV1
from arflow_dunning.store import OPEN, CollectionTask, CustomerRating, DunningCustomer, WatchedInvoice
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)


async def _customer(session: AsyncSession, customer_id: str) -> DunningCustomer:
    customer = await session.get(DunningCustomer, customer_id)
    if customer is None:
        customer = DunningCustomer(customer_id=customer_id)
        session.add(customer)
    return customer


async def _reconsider_policy(session: AsyncSession, customer_id: str) -> None:
    # Class or segment may pick another policy: each open invoice works out its next stage again.
    await session.execute(
        update(WatchedInvoice)
        .where(WatchedInvoice.customer_id == customer_id, WatchedInvoice.status == OPEN)
        .values(next_stage_due_on=None)
    )


async def customer_profile_changed(
    event: CustomerProfileChangedV1, _: EventEnvelope, uow: UnitOfWork
) -> None:
    """Keep collector, salesperson, segment, locale and name; an older revision changes nothing."""
    customer = await _customer(uow.session, event.customer_id)
    if (
        event.revision is not None
        and customer.profile_revision is not None
        and event.revision < customer.profile_revision
    ):
        log.info("dunning.customer.stale_profile", customer_id=event.customer_id)
        return
    segment_changed = customer.segment != event.segment
    collector_changed = customer.collector_id != event.collector_id
    customer.name, customer.locale, customer.segment = event.name, event.locale, event.segment
    customer.collector_id, customer.salesperson_id = event.collector_id, event.salesperson_id
    customer.profile_revision = event.revision or customer.profile_revision
    if segment_changed:
        await _reconsider_policy(uow.session, event.customer_id)
    if collector_changed:
        # Open collector tasks follow the customer to its new collector.
        await uow.session.execute(
            update(CollectionTask)
            .where(
                CollectionTask.customer_id == event.customer_id,
                CollectionTask.status == OPEN,
                CollectionTask.assignee_role == "collector",
            )
            .values(assignee_id=event.collector_id)
        )


async def credit_rating_changed(event: CreditRatingChangedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """A new class may select another policy from the next business day; an older rating changes nothing."""
    customer = await _customer(uow.session, event.customer_id)
    if customer.rated_on is not None and event.as_of < customer.rated_on:
        log.info("dunning.customer.stale_rating", customer_id=event.customer_id)
        return
    customer.risk_class, customer.score, customer.rated_on = event.new_class, event.score, event.as_of
    await uow.session.merge(  # the day's last rating replaces an earlier one of the same day
        CustomerRating(
            customer_id=event.customer_id, as_of=event.as_of, risk_class=event.new_class, score=event.score
        )
    )
    await _reconsider_policy(uow.session, event.customer_id)
