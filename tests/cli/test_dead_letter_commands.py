"""An operator lists, inspects and replays dead letters after a fix; healthy events flow meanwhile."""

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from arflow_cli import dlq
from arflow_runtime.bus.base import Bus, Record
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.consumer import ConsumerLoop
from arflow_runtime.settings import PlatformSettings
from arflow_testing import eventually


@pytest.fixture(params=["in-process", pytest.param("kafka", marks=pytest.mark.kafka)])
async def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, unique: str
) -> AsyncIterator[tuple[Bus, PlatformSettings]]:
    if request.param == "kafka":
        platform: PlatformSettings = request.getfixturevalue("kafka_platform")
        bus: Bus = KafkaBus(platform, client_id="dlq-test")
    else:
        platform = PlatformSettings(data_dir=tmp_path, topic_prefix=f"{unique}.")
        bus = InProcessBus(tmp_path / "bus.sqlite", partitions=3)
    await bus.start()
    yield bus, platform
    await bus.stop()


def command(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    dlq.add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(["dlq", *argv])


async def test_a_dead_letter_is_listed_shown_and_applied_after_replaying_it(
    deployment: tuple[Bus, PlatformSettings], capsys: pytest.CaptureFixture[str]
) -> None:
    bus, platform = deployment
    topic = platform.topic("ledger.events")
    await bus.ensure_topics([topic, topic + ".dlq"])
    applied: list[bytes] = []
    bug_fixed = False

    async def handle(record: Record) -> None:
        if record.value == b'{"needs":"the fix"}' and not bug_fixed:
            raise KeyError("customer_segment")  # a bug in the handler, not in the event
        applied.append(record.value)

    loop = ConsumerLoop(
        bus, platform.topic_prefix + "credit-service", [topic], handle, max_attempts=2, backoff_base=0.001
    )
    task = asyncio.create_task(loop.run())
    try:
        await bus.publish_many(
            [
                (topic, b"C-1", b'{"needs":"the fix"}', [("ce_type", b"InvoiceIssued")]),
                (topic, b"C-2", b'{"healthy":1}', []),
            ]
        )
        await eventually(
            lambda: asyncio.sleep(0, applied),
            lambda a: a == [b'{"healthy":1}'],
            what="the healthy event to flow past the broken one",
        )
        await eventually(lambda: bus.read_topic(topic + ".dlq"), lambda r: len(r) == 1, what="dead letter")

        assert await dlq.run(command("list"), platform, bus) == 0
        listed = capsys.readouterr().out
        assert "InvoiceIssued" in listed and "KeyError: 'customer_segment'" in listed
        assert "1 dead letter(s)" in listed
        [dead] = await bus.read_topic(topic + ".dlq")
        assert (
            await dlq.run(command("show", dead.topic, str(dead.partition), str(dead.offset)), platform, bus)
            == 0
        )
        shown = json.loads(capsys.readouterr().out)
        assert shown["value"] == {"needs": "the fix"}
        assert shown["headers"]["dlq_original_topic"] == topic

        bug_fixed = True  # the fix is deployed
        assert await dlq.run(command("replay", "--all"), platform, bus) == 0
        assert "replayed 1" in capsys.readouterr().out
        await eventually(lambda: asyncio.sleep(0, applied), lambda a: len(a) == 2, what="the replayed event")
        assert applied == [b'{"healthy":1}', b'{"needs":"the fix"}']
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_replay_without_a_selection_is_refused(
    deployment: tuple[Bus, PlatformSettings], capsys: pytest.CaptureFixture[str]
) -> None:
    bus, platform = deployment
    assert await dlq.run(command("replay"), platform, bus) == 2
    assert "--all" in capsys.readouterr().out
