"""`arflow dlq list|show|replay`: inspect dead letters and replay them after a fix."""

import argparse
import json

from arflow_runtime.bus.base import Bus
from arflow_runtime.dead_letters import DeadLetter, list_dead_letters, replay
from arflow_runtime.settings import PlatformSettings


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the dlq subcommands."""
    dlq = commands.add_parser("dlq", help="inspect and replay dead-lettered events")
    actions = dlq.add_subparsers(dest="dlq_command", required=True)
    listing = actions.add_parser("list", help="every dead letter, one line each")
    listing.add_argument("--topic", help="one dead-letter topic (default: all of this deployment)")
    show = actions.add_parser("show", help="one dead letter in full")
    replaying = actions.add_parser("replay", help="publish dead letters back to their original topic")
    for parser in (show, replaying):
        parser.add_argument("topic", nargs="?", help="dead-letter topic, e.g. arflow.ledger.events.dlq")
        parser.add_argument("partition", nargs="?", type=int)
        parser.add_argument("offset", nargs="?", type=int)
    replaying.add_argument("--all", action="store_true", help="replay every dead letter (of TOPIC if given)")


def _line(letter: DeadLetter) -> str:
    r = letter.record
    return (
        f"{r.topic}\t{r.partition}\t{r.offset}\t{letter.event_type}\t"
        f"from {letter.original_topic}[{letter.original_partition}]@{letter.original_offset}\t"
        f"group {letter.consumer_group}\t{letter.error[:120]}"
    )


def _select(letters: list[DeadLetter], args: argparse.Namespace) -> list[DeadLetter]:
    chosen = [
        letter
        for letter in letters
        if (args.topic is None or letter.record.topic == args.topic)
        and (args.partition is None or letter.record.partition == args.partition)
        and (args.offset is None or letter.record.offset == args.offset)
    ]
    return chosen


async def run(args: argparse.Namespace, platform: PlatformSettings, bus: Bus | None = None) -> int:
    """Carry out one dlq command; returns the exit code."""
    own = bus is None
    if bus is None:
        from arflow_runtime.service import build_bus  # the service runtime: only when a command runs

        bus = build_bus(platform, "arflow-dlq")
    if own:
        await bus.start()
    try:
        letters = await list_dead_letters(
            bus, platform.topic_prefix, args.topic if args.dlq_command == "list" else None
        )
        if args.dlq_command == "list":
            for letter in letters:
                print(_line(letter))
            print(f"{len(letters)} dead letter(s)")
            return 0
        if args.dlq_command == "show":
            chosen = _select(letters, args)
            if args.offset is None or len(chosen) != 1:
                print("name one dead letter: TOPIC PARTITION OFFSET (see `arflow dlq list`)")
                return 2
            record = chosen[0].record
            print(
                json.dumps(
                    {
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                        "key": (record.key or b"").decode(errors="replace"),
                        "headers": {k: v.decode(errors="replace") for k, v in record.headers},
                        "value": json.loads(record.value)
                        if record.value.startswith(b"{")
                        else record.value.decode(errors="replace"),
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return 0
        if not args.all and args.offset is None:
            print("say which: TOPIC PARTITION OFFSET, or --all [TOPIC]")
            return 2
        chosen = _select(letters, args)
        count = await replay(bus, chosen)
        print(f"replayed {count} dead letter(s) to their original topics")
        return 0
    finally:
        if own:
            await bus.stop()
