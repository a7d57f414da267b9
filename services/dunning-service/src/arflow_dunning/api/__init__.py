"""dunning-service REST API: routers that translate HTTP to the service's operations."""

from arflow_dunning.api import cases, invoices, policies, reports, worklist

routers = [invoices.router, cases.router, worklist.router, policies.router, reports.router]
