"""The outbox relay's cost per batch, when events come one by one (the usual case between bursts).

    uv run python bench/outbox_relay.py              # 2,000 batches of one event
    uv run python bench/outbox_relay.py --quick      # 200
    uv run python bench/outbox_relay.py --batch 50   # batches of 50 events

Every event on its way to Kafka passes a relay: after each commit that staged an event the
service's relay wakes, claims the pending rows, sends them and marks them. At a few hundred
events per second most batches hold one or two rows, so what a batch costs by itself (round
trips, commit, Python) is added to every event's latency and taken from the cores the services
share. This times `OutboxRelay.publish_pending` against PostgreSQL (a throw-away database) with
the in-process bus, so the figure is the database part and the relay's own Python, not Kafka's:
p50/p99 wall time and CPU time per batch, and how many WAL flushes (pg_stat_wal.wal_sync) the
server made per event, counting the commit that staged it.

Baseline, in the same run and database: the same claim done with raw asyncpg on a connection of
its own (BEGIN, one UPDATE ... RETURNING of the pending rows, COMMIT without waiting for the WAL
flush, as the relay commits), the rows put back as pending between batches.
"""

import asyncio
import time
from datetime import date
from typing import Any

import asyncpg
from harness import Result, arguments, dsn, finish, percentile, throwaway_database
from sqlalchemy import text

from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.db import Database, create_engine
from arflow_runtime.outbox import Outbox, OutboxRelay
from arflow_runtime.tables import runtime_metadata

RAW_CLAIM = """
UPDATE outbox SET published_at = now()
WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 500)
RETURNING id, topic, message_key, payload, headers
"""


def invoice(number: str) -> InvoiceIssuedV1:
    return InvoiceIssuedV1(
        invoice_number=number,
        customer_id="C-1",
        currency="EUR",
        amount="5.00",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
    )


async def wal_syncs(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text("SELECT wal_sync FROM pg_stat_wal"))).scalar_one())


async def relay_batches(url: str, batches: int, batch: int) -> dict[str, Any]:
    engine = create_engine(url)
    bus = InProcessBus(partitions=3)
    await bus.start()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(runtime_metadata.create_all)
        outbox = Outbox("invoice-service", "bench.")
        database = Database(engine, outbox)
        relay = OutboxRelay(engine, outbox, bus)
        counter = 0

        async def stage() -> None:
            nonlocal counter
            async with database.unit_of_work() as uow:
                for _ in range(batch):
                    counter += 1
                    await uow.publish(invoice(f"R-{counter:08d}"), customer_id="C-1")
                await uow.commit()

        for _ in range(50):  # warm-up: the pool's connection, prepared statements
            await stage()
            await relay.publish_pending()
        syncs_before = await wal_syncs(database)
        walls, cpus = [], []
        for _ in range(batches):
            await stage()
            started, cpu = time.perf_counter(), time.process_time()
            sent = await relay.publish_pending()
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert sent == batch, f"the relay sent {sent} of {batch} staged events"
        syncs = await wal_syncs(database) - syncs_before
    finally:
        await bus.stop()
        await engine.dispose()
    return {
        "p50_ms": round(percentile(walls, 0.5), 3),
        "p99_ms": round(percentile(walls, 0.99), 3),
        "cpu_ms_per_batch": round(sum(cpus) / len(cpus), 3),
        "wal_syncs_per_event": round(syncs / (batches * batch), 2),
    }


async def raw_batches(url: str, batches: int, batch: int) -> dict[str, Any]:
    """BEGIN, UPDATE ... RETURNING, COMMIT with asyncpg; the rows are made pending again in between."""
    connection = await asyncpg.connect(dsn(url), server_settings={"synchronous_commit": "off"})
    try:
        walls = []
        for index in range(batches + 50):
            await connection.execute(
                "UPDATE outbox SET published_at = NULL WHERE id IN "
                "(SELECT id FROM outbox ORDER BY id DESC LIMIT $1)",
                batch,
            )
            started = time.perf_counter()
            async with connection.transaction():
                rows = await connection.fetch(RAW_CLAIM)
            if index >= 50:
                walls.append((time.perf_counter() - started) * 1000)
            assert len(rows) == batch
    finally:
        await connection.close()
    return {"p50_ms": round(percentile(walls, 0.5), 3), "p99_ms": round(percentile(walls, 0.99), 3)}


async def measure(batches: int, batch: int) -> list[Result]:
    async with throwaway_database("relay") as url:
        relay = await relay_batches(url, batches, batch)
        raw = await raw_batches(url, batches, batch)
    print(f"  relay: {relay}\n  raw asyncpg claim: {raw}")
    return [
        Result(
            "outbox_relay_batch_p50",
            relay["p50_ms"],
            "ms",
            raw["p50_ms"],
            "ms (raw asyncpg BEGIN, UPDATE … RETURNING, COMMIT, same durability)",
            {"batches": batches, "events_per_batch": batch, "relay": relay, "raw": raw},
        )
    ]


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, help="batches timed (default 2000, quick 200)")
    parser.add_argument("--batch", type=int, default=1, help="events per batch (default 1)")
    args = parser.parse_args()
    batches = args.batches or (200 if args.quick else 2000)
    finish(args, asyncio.run(measure(batches, args.batch)))


if __name__ == "__main__":
    main()
