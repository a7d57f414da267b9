"""The ledger's tables and queries; importing this registers every table."""

from arflow_invoice.store.adjustments import Charge, CreditNote, Dispute, WriteOff
from arflow_invoice.store.base import LedgerTable
from arflow_invoice.store.clock import DayClose, LedgerLock, LimitationRestart
from arflow_invoice.store.invoices import Invoice, InvoiceInstalment, InvoiceLine
from arflow_invoice.store.payments import Allocation, Payment

__all__ = [
    "Allocation",
    "Charge",
    "CreditNote",
    "DayClose",
    "Dispute",
    "Invoice",
    "InvoiceInstalment",
    "InvoiceLine",
    "LedgerLock",
    "LedgerTable",
    "LimitationRestart",
    "Payment",
    "WriteOff",
]
