from arflow_invoice.store import LedgerTable
from arflow_runtime.migrations import run_env

run_env(LedgerTable.metadata)
