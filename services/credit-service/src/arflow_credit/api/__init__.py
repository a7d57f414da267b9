"""credit-service REST API: routers that only translate HTTP to the credit use cases."""

from arflow_credit.api import audit, checks, credit, customers, holds, limit_changes, policies, scorecard

routers = [
    customers.router,
    credit.router,
    policies.router,
    checks.router,
    holds.router,
    limit_changes.router,
    audit.router,
    scorecard.router,
]

__all__ = ["routers"]
