"""arflow_credit."""
