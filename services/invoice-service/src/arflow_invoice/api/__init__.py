"""The ledger's REST API: routers that translate HTTP to ledger operations."""

from arflow_invoice.api import clock, documents, invoices, payments, reports

routers = [invoices.router, payments.router, documents.router, clock.router, reports.router]

__all__ = ["routers"]
