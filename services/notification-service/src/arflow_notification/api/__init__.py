"""notification-service REST API: the delivery log and the templates."""

from arflow_notification.api.notifications import router as notifications_router
from arflow_notification.api.templates import router as templates_router

routers = [notifications_router, templates_router]

__all__ = ["routers"]
