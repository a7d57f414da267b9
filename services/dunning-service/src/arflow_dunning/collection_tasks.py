"""Collector tasks dunning creates: calls and visits, legal steps, follow-ups of broken promises."""

from arflow_contracts.dunning import CollectionTaskCreatedV1
from arflow_dunning.action_scope import ActionScope, natural_id
from arflow_dunning.invoice_rows import InvoiceRow
from arflow_dunning.risk import expected_loss_of
from arflow_dunning.store import OPEN, DunningCustomer

COLLECTOR, SALESPERSON = "collector", "salesperson"


def assignee_of(customer: DunningCustomer | None, invoices: list[InvoiceRow], role: str) -> str | None:
    """The customer's collector, or for a salesperson's task its salesperson (else the collector)."""
    collector = customer.collector_id if customer else None
    if role == SALESPERSON:
        named = next((i.salesperson_id for i in invoices if i.salesperson_id), None)
        return (customer.salesperson_id if customer else None) or named or collector
    return collector


async def create_task(
    scope: ActionScope,
    customer_id: str,
    kind: str,
    invoices: list[InvoiceRow],
    *,
    assignee_role: str = COLLECTOR,
    policy_id: str | None = None,
    stage: str | None = None,
    reason: str | None = None,
) -> str:
    """A task on the customer's case, announced as CollectionTaskCreated; returns its natural id."""
    customer = scope.customers.get(customer_id)
    numbers = sorted(invoice.invoice_number for invoice in invoices)
    assignee = assignee_of(customer, invoices, assignee_role)
    currencies = {invoice.currency for invoice in invoices}
    # Expected loss only when the invoices share a currency: amounts are never added across them.
    currency = currencies.pop() if len(currencies) == 1 else None
    loss = expected_loss_of(invoices, customer, scope.as_of, scope.default_class) if currency else None
    task_id = natural_id("task", customer_id, kind, stage or reason, scope.as_of, *numbers)
    case_id = scope.case_id(customer_id)
    scope.tasks.append(
        {
            "task_id": task_id,
            "case_id": case_id,
            "customer_id": customer_id,
            "kind": kind,
            "assignee_role": assignee_role,
            "assignee_id": assignee,
            "due_on": scope.as_of,
            "invoice_numbers": numbers,
            "policy_id": policy_id,
            "stage": stage,
            "expected_loss": loss,
            "currency": currency,
            "reason": reason,
            "status": OPEN,
            "outcome": None,
            "completed_at": None,
            "completed_by": None,
        }
    )
    scope.publish(
        CollectionTaskCreatedV1(
            task_id=task_id,
            customer_id=customer_id,
            kind=kind,
            due_on=scope.as_of,
            case_id=case_id,
            collector_id=assignee,
            invoice_numbers=tuple(numbers),
            expected_loss=loss,
            currency=currency if loss is not None else None,
            note=reason or (f"dunning stage {stage}" if stage else None),
        ),
        customer_id,
    )
    scope.note(
        customer_id,
        "task_created",
        numbers,
        task_id=task_id,
        task=kind,
        assignee_id=assignee,
        stage=stage,
        reason=reason,
    )
    return task_id
