from arflow_notification.store.tables import NotificationTable
from arflow_runtime.migrations import run_env

run_env(NotificationTable.metadata)
