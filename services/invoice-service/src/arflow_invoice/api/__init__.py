"""The ledger's REST API: routers that translate HTTP to ledger operations."""

from arflow_invoice.api import clock, documents, imports, invoices, payments, reports

routers = [invoices.router, imports.router, payments.router, documents.router, clock.router, reports.router]

__all__ = ["routers"]
