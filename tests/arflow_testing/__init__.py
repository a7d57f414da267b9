"""Test support shared by every test directory: in-process service clients, real service processes, waits."""

from arflow_testing.waiting import eventually

__all__ = ["eventually"]
