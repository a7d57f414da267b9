"""arflow_runtime."""
