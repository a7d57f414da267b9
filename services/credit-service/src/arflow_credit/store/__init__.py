"""credit-service tables and queries, one module per aggregate; importing this registers every table."""

from arflow_credit.store.audit import AuditEntry
from arflow_credit.store.base import CreditTable
from arflow_credit.store.checks import CreditCheckRecord, Reservation
from arflow_credit.store.clock import BusinessClock
from arflow_credit.store.customers import CreditAccount, CustomerProfile
from arflow_credit.store.holds import HoldRecord
from arflow_credit.store.ledger import Dispute, LedgerItem, UnappliedCredit
from arflow_credit.store.limits import LimitChangeRecord
from arflow_credit.store.policies import CreditPolicyRecord

__all__ = [
    "AuditEntry",
    "BusinessClock",
    "CreditAccount",
    "CreditCheckRecord",
    "CreditPolicyRecord",
    "CreditTable",
    "CustomerProfile",
    "Dispute",
    "HoldRecord",
    "LedgerItem",
    "LimitChangeRecord",
    "Reservation",
    "UnappliedCredit",
]
