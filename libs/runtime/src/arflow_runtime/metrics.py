"""Prometheus metrics, one registry per service (services may share a process).

A service served by several processes (`<SERVICE>_PROCESSES`) runs them with
PROMETHEUS_MULTIPROC_DIR set: each process writes its values to that directory and a scrape,
whichever process it reaches, reads them all (prometheus-client's multiprocess mode).
"""

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


class ServiceMetrics:
    """The metrics every service exposes at /metrics."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"service": service}
        self.http_requests = Counter(
            "arflow_http_requests",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "arflow_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.events_consumed = Counter(
            "arflow_events_consumed",
            "Events handled by consumers",
            ["topic", "event_type", "outcome"],
            registry=self.registry,
        )
        self.event_handling = Histogram(
            "arflow_event_handling_seconds",
            "Time to apply a consumed event in its transaction, commit included (a batch is one observation)",
            ["event_type"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.events_published = Counter(
            "arflow_events_published",
            "Events published by the outbox relay",
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "arflow_events_dead_lettered",
            "Events sent to a dead-letter topic",
            ["topic"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "arflow_outbox_pending",
            "Events committed to the outbox and not yet published (read from the database at each scrape)",
            registry=self.registry,
            multiprocess_mode="mostrecent",  # the scraped process's reading is the service's
        )
        self.info = Gauge(
            "arflow_service_info",
            "Service identity",
            ["service"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.info.labels(**labels).set(1)

    def exposition(self) -> bytes:
        """The text a scrape of /metrics gets: this process's metrics, or every process's of the service."""
        directory = os.environ.get(MULTIPROCESS_DIR)
        if not directory:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
