"""The same scenario gives the same figures on embedded defaults and distributed on Kafka + PostgreSQL.

Both platforms get the same settings (send at any hour, no rate limit, no scheduled close) and the
same mail and SMS sinks; `arflow demo`'s engine replays the same history into each and reads the
figures back through the REST APIs; the two `figures` sections must be equal, figure for figure.
The history is a deterministic subset of the IBM sample — its first 15 customers, January to March
2012 (tests/demo/conftest.py) — so that the distributed replay stays within the test budget.
"""

import asyncio
import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from demo_support import DEMO_KEY, DemoRun, Scenario, Sinks, demo_on

from arflow_cli.local import LocalPlatform
from arflow_cli.replay.client import Endpoints
from arflow_runtime.settings import PlatformSettings

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def differences(embedded: dict[str, Any], distributed: dict[str, Any]) -> str:
    left = json.dumps(embedded, indent=1, sort_keys=True).splitlines()
    right = json.dumps(distributed, indent=1, sort_keys=True).splitlines()
    return "\n".join(
        list(difflib.unified_diff(left, right, "embedded", "distributed", lineterm="", n=2))[:120]
    )


def distributed_demo(
    scenario: Scenario, sinks: Sinks, kafka: str, postgres: str, prefix: str, home: Path
) -> dict[str, Any]:
    """Four service processes, each with its own PostgreSQL database, on the real broker; the demo on them."""
    platform = LocalPlatform(kafka, postgres, prefix, home, api_key=DEMO_KEY, extra_env=sinks.environment())

    async def run() -> dict[str, Any]:  # one event loop: the services' clients live in it
        try:
            services = await platform.create()
            for (
                service
            ) in services.values():  # one at a time: five processes starting at once crowd two cores
                await service.start(ready_within=300)
            endpoints = Endpoints(
                credit=services["credit-service"].url,
                ledger=services["invoice-service"].url,
                dunning=services["dunning-service"].url,
                notification=services["notification-service"].url,
            )
            bus = PlatformSettings(
                mode="distributed", kafka_bootstrap_servers=kafka, topic_prefix=f"{prefix}."
            )
            return await demo_on(scenario, home / "var", against=endpoints, platform=bus)
        finally:
            await platform.destroy()

    return asyncio.run(run())


@pytest.mark.timeout(900)
def test_embedded_and_distributed_give_the_same_figures(
    embedded_demo: DemoRun,
    demo_scenario: Scenario,
    demo_sinks: Sinks,
    kafka_bootstrap: str,
    postgres_server: str,
    unique: str,
    tmp_path: Path,
) -> None:
    second = distributed_demo(demo_scenario, demo_sinks, kafka_bootstrap, postgres_server, unique, tmp_path)
    first = embedded_demo.summary
    for summary, mode in ((first, "embedded"), (second, "distributed")):
        replay = summary["run"]["replay"]
        print(
            f"{mode}: {replay['days']} days, {replay['seconds']}s, {replay['settles']} waits "
            f"({replay['settle_seconds']}s)"
        )
        assert summary["run"]["mode"] == mode
        assert all(t["rejected"] == 0 for t in replay["tallies"].values()) and replay["settle_timeouts"] == 0
        assert summary["figures"]["errors"] == {}
    figures = first["figures"]
    assert figures["aging"] and figures["dunning"]["stages"] and figures["notifications"]["total"] > 0
    assert figures["credit"]["customers"] == first["scenario"]["customers"]
    assert first["figures"] == second["figures"], differences(first["figures"], second["figures"])
