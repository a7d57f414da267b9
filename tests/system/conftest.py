from arflow_testing.processes import distributed_platform  # noqa: F401  (fixture)
