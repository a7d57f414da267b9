"""Wires credit-service together."""

import asyncio

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_credit.api import routers
from arflow_credit.domain import CreditError
from arflow_credit.handlers import credit_handlers
from arflow_credit.policy_book import PolicyBook
from arflow_credit.rules import CreditRules
from arflow_credit.settings import CreditSettings
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "credit-service"


def definition(settings: CreditSettings | None = None, rules: CreditRules | None = None) -> ServiceDefinition:
    """credit-service's parts."""
    settings = settings or CreditSettings()
    rules = rules or CreditRules.from_settings(settings)
    return ServiceDefinition(
        name=NAME,
        title="arflow credit-service",
        description="Customer credit profiles, scores, risk classes, limits, exposure, checks, holds, "
        "maker-checker limit changes and the audit log. See docs/credit.md.",
        settings=settings,
        migrations="arflow_credit.migrations",
        routers=routers,
        handlers=credit_handlers(rules),
        produces=[topics.CREDIT],
        domain_errors=(CreditError,),
    )


def create_app(
    settings: CreditSettings | None = None, platform: PlatformSettings | None = None, bus: Bus | None = None
) -> FastAPI:
    """The credit-service ASGI app."""
    settings = settings or CreditSettings()
    rules = CreditRules.from_settings(settings)
    app = create_service_app(definition(settings, rules), platform, bus)
    app.state.credit_rules = rules
    app.state.policy_book = PolicyBook(rules)
    app.state.sqlite_decisions = asyncio.Lock()
    return app
