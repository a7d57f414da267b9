from arflow_credit.store import CreditTable
from arflow_runtime.migrations import run_env

run_env(CreditTable.metadata)
