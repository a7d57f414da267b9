"""The four services the command line can start, by name.

Each service's package is imported when it is used: `arflow serve dunning-service` loads dunning
alone, and the supervisor of several processes (arflow_cli.processes) only its settings, so its
processes are not kept waiting while it imports the other three services.
"""

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from arflow_runtime.settings import ServiceSettings


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    settings_class: str

    def settings(self) -> ServiceSettings:
        settings_class = getattr(import_module(f"{self.package}.settings"), self.settings_class)
        return settings_class()  # type: ignore[no-any-return]

    def create_app(self, **arguments: Any) -> Any:
        return import_module(f"{self.package}.main").create_app(**arguments)


SERVICES = {
    s.name: s
    for s in (
        Service("credit-service", "arflow_credit", "CreditSettings"),
        Service("invoice-service", "arflow_invoice", "InvoiceSettings"),
        Service("dunning-service", "arflow_dunning", "DunningSettings"),
        Service("notification-service", "arflow_notification", "NotificationSettings"),
    )
}
