"""arflow_notification."""
