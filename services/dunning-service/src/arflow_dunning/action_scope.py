"""What an evaluation's actions share: the transaction, the business date, customers and cases."""

from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, uuid5

from arflow_dunning.cases import timeline_entry
from arflow_dunning.store import CollectionCase, DunningCustomer
from arflow_runtime.db import UnitOfWork

_ID_SPACE = uuid5(NAMESPACE_URL, "https://arflow.dev/dunning")


def natural_id(*parts: object) -> str:
    """A deterministic id from a natural key, so a repeated request carries the same id."""
    return str(uuid5(_ID_SPACE, "|".join(str(part) for part in parts)))


@dataclass
class ActionScope:
    """One evaluation of a batch of customers on one business date."""

    uow: UnitOfWork
    as_of: date
    customers: dict[str, DunningCustomer]
    cases: dict[str, CollectionCase]
    default_class: str

    def case_id(self, customer_id: str) -> str | None:
        """The customer's open case, if it has one (pre-due reminders come before any case)."""
        case = self.cases.get(customer_id)
        return case.case_id if case else None

    def note(self, customer_id: str, entry: str, numbers: list[str], **detail: object) -> None:
        """Put what was done on the customer's case timeline."""
        self.uow.session.add(
            timeline_entry(
                customer_id=customer_id,
                case_id=self.case_id(customer_id),
                on=self.as_of,
                kind=entry,
                invoice_numbers=numbers,
                detail={k: v for k, v in detail.items() if v is not None},
            )
        )
