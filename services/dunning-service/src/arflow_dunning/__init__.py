"""arflow_dunning."""
