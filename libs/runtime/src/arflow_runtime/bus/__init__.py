"""Event buses: Apache Kafka, and the in-process log for the embedded default."""

from arflow_runtime.bus.base import Bus, Record, Subscription

__all__ = ["Bus", "Record", "Subscription"]
