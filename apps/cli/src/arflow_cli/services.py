"""The four services the command line can start, by name."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arflow_credit import main as credit
from arflow_credit.settings import CreditSettings
from arflow_dunning import main as dunning
from arflow_dunning.settings import DunningSettings
from arflow_invoice import main as invoice
from arflow_invoice.settings import InvoiceSettings
from arflow_notification import main as notification
from arflow_notification.settings import NotificationSettings
from arflow_runtime.settings import ServiceSettings


@dataclass(frozen=True)
class Service:
    name: str
    settings: Callable[[], ServiceSettings]
    create_app: Callable[..., Any]


SERVICES = {
    s.name: s
    for s in (
        Service(credit.NAME, CreditSettings, credit.create_app),
        Service(invoice.NAME, InvoiceSettings, invoice.create_app),
        Service(dunning.NAME, DunningSettings, dunning.create_app),
        Service(notification.NAME, NotificationSettings, notification.create_app),
    )
}
