"""The demo's scenario replayed once into an embedded platform of its own; shared by the demo tests."""

import asyncio
from collections.abc import Iterator
from datetime import date

import pytest
from demo_support import DEMO_KEY, SAMPLE, DemoRun, Scenario, Sinks, run_demo

from arflow_cli.demo.platform import StartedPlatform
from arflow_cli.demo.sinks import ProviderSink, SmtpSink, free_port
from arflow_cli.replay.generator import generate
from arflow_runtime.settings import PlatformSettings


@pytest.fixture(scope="session")
def demo_scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The IBM subset; without the sample, a small generated history (both deterministic)."""
    if SAMPLE is not None:
        return Scenario(SAMPLE, "ibm", 15, date(2012, 3, 31))
    generated = tmp_path_factory.mktemp("history") / "history.csv"
    with generated.open("w", newline="") as out:
        generate(out, 15, 300, seed=11, days=120)
    return Scenario(generated, "generic", None, None)


@pytest.fixture(scope="session")
def demo_sinks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sinks]:
    """A mail sink and an SMS/webhook provider on loopback, for every platform of the demo tests."""
    home = tmp_path_factory.mktemp("sinks")
    sinks = Sinks(SmtpSink(home / "mail", free_port()), ProviderSink(home / "sms"))
    sinks.mail.start()
    sinks.provider.start()
    yield sinks
    sinks.mail.stop()
    sinks.provider.stop()


@pytest.fixture(scope="session")
def embedded_demo(
    demo_scenario: Scenario, demo_sinks: Sinks, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoRun]:
    """The scenario through `arflow run` (embedded defaults, the demo's notification settings)."""
    home = tmp_path_factory.mktemp("embedded-demo")
    platform = StartedPlatform(
        home / "data",
        {"credit": free_port(), "ledger": free_port(), "dunning": free_port(), "notification": free_port()},
        home / "platform.log",
        {**demo_sinks.environment(), "ARFLOW_API_KEYS": f"demo {DEMO_KEY} *"},
    )
    try:
        asyncio.run(platform.start())
        summary = run_demo(
            demo_scenario,
            home / "var",
            endpoints=platform.endpoints,
            platform=PlatformSettings(mode="embedded", data_dir=home / "data"),
        )
        yield DemoRun(summary, home / "var")
    finally:
        platform.stop()
