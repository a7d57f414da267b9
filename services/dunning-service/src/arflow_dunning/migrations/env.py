from arflow_dunning.store import DunningTable
from arflow_runtime.migrations import run_env

run_env(DunningTable.metadata)
