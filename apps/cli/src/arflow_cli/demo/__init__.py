"""`arflow demo`: the platform end to end on real history, with a report."""
