"""arflow_invoice."""
