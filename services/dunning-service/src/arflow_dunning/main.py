"""Wires dunning-service together."""

from fastapi import FastAPI

from arflow_contracts import topics
from arflow_dunning.api import routers
from arflow_dunning.business_days import resume_interrupted_days
from arflow_dunning.domain import DunningError
from arflow_dunning.handlers import dunning_handlers
from arflow_dunning.settings import DunningSettings, EvaluationRules
from arflow_runtime.bus.base import Bus
from arflow_runtime.service import ServiceDefinition, create_service_app
from arflow_runtime.settings import PlatformSettings

NAME = "dunning-service"


def definition(
    settings: DunningSettings | None = None, rules: EvaluationRules | None = None
) -> ServiceDefinition:
    """dunning-service's parts."""
    rules = rules or EvaluationRules()
    return ServiceDefinition(
        name=NAME,
        title="arflow dunning-service",
        description="Dunning policies and stages, collection cases, actions, tasks, promises-to-pay, "
        "fees and interest, collector worklist, effectiveness.",
        settings=settings or DunningSettings(),
        migrations="arflow_dunning.migrations",
        routers=routers,
        handlers=dunning_handlers(rules),
        produces=[topics.DUNNING],
        background=[resume_interrupted_days(rules)],
        domain_errors=(DunningError,),
    )


def create_app(
    settings: DunningSettings | None = None,
    platform: PlatformSettings | None = None,
    bus: Bus | None = None,
    rules: EvaluationRules | None = None,
) -> FastAPI:
    """The dunning-service ASGI app."""
    rules = rules or EvaluationRules()
    app = create_service_app(definition(settings, rules), platform, bus)
    app.state.dunning_rules = rules
    return app
