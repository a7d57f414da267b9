"""A served process freezes what its start-up built; a process that only builds apps (the tests) does not."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, gc, json, sys, time
from arflow_credit.main import create_app
from arflow_runtime.collector import collect_less_often
from arflow_runtime.settings import PlatformSettings

served = sys.argv[1] == "served"
app = create_app(platform=PlatformSettings(mode="embedded", data_dir=sys.argv[2]))
if served:
    collect_less_often()

async def start_and_stop():
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        started = time.perf_counter()
        gc.collect()
        return frozen, time.perf_counter() - started

frozen, full_collection = asyncio.run(start_and_stop())
print(json.dumps({"frozen": frozen, "full_collection_seconds": full_collection}))
"""


def started_service(role: str, data_dir: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, role, str(data_dir)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_served_process_freezes_its_start_up_objects_and_a_test_process_does_not(tmp_path: Path) -> None:
    served = started_service("served", tmp_path / "served")
    built = started_service("built", tmp_path / "built")
    assert served["frozen"] > 100_000  # modules, the app, the engine: all out of the collector's reach
    assert built["frozen"] == 0
    # what a full collection walks is what came after start-up: much less than everything
    assert served["full_collection_seconds"] < built["full_collection_seconds"]
