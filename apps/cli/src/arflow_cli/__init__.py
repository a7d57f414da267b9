"""arflow_cli."""
