"""invoice-service's reactions to other services' events: charges and limitation restarts."""

from arflow_contracts import EventEnvelope
from arflow_contracts.dunning import ChargeRequestedV1
from arflow_contracts.notification import DemandDeliveredV1
from arflow_invoice.domain import LedgerError
from arflow_invoice.ledger.charges import charge_requested
from arflow_invoice.ledger.statements import record_restarts
from arflow_invoice.store.locks import lock_for_write
from arflow_runtime.consumer import Poison
from arflow_runtime.db import UnitOfWork
from arflow_runtime.handlers import EventHandlers
from arflow_runtime.log import get_logger

handlers = EventHandlers()
log = get_logger(__name__)


@handlers.on(ChargeRequestedV1)
async def on_charge_requested(event: ChargeRequestedV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """Post dunning's fee or interest once per request_id; what the ledger must refuse is dead-lettered."""
    await lock_for_write(uow, event.customer_id)
    try:
        posted = await charge_requested(uow, event)
    except LedgerError as error:
        # Retrying cannot make an unknown invoice or a currency mismatch right: dead-letter it now.
        raise Poison(f"ChargeRequested {event.request_id} refused: {error.detail}") from error
    log.info(
        "ledger.charge.posted" if posted else "ledger.charge.duplicate",
        request_id=event.request_id,
        invoice_number=event.invoice_number,
    )


@handlers.on(DemandDeliveredV1)
async def on_demand_delivered(event: DemandDeliveredV1, _: EventEnvelope, uow: UnitOfWork) -> None:
    """A delivered formal demand may restart the limitation period of the invoices it named."""
    recorded = await record_restarts(
        uow.session,
        event.customer_id,
        event.invoice_numbers,
        "delivered_demand",
        event.delivered_on,
        event.request_id,
    )
    log.info("ledger.limitation.restarted", request_id=event.request_id, invoices=recorded)
