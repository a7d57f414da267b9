"""What each `<SERVICE>_PROCESS_ROLE` runs: the first of several processes everything, a replica
all but the background jobs (so it shares the consumer groups' partitions), an API process
neither consumers nor jobs."""

import asyncio
from pathlib import Path

import pytest

from arflow_notification.main import create_app
from arflow_notification.settings import NotificationSettings
from arflow_runtime.settings import PlatformSettings
from arflow_testing.inprocess import runtime_of

RUNS = {
    "all": {"outbox-relay", "consumer", "notification-sender"},
    "replica": {"outbox-relay", "consumer"},
    "api": {"outbox-relay"},
}


@pytest.mark.parametrize("role", sorted(RUNS))
async def test_a_process_runs_what_its_role_says(role: str, tmp_path: Path) -> None:
    settings = NotificationSettings(process_role=role)  # type: ignore[arg-type]
    app = create_app(settings=settings, platform=PlatformSettings(mode="embedded", data_dir=tmp_path))
    async with app.router.lifespan_context(app):
        names = {task.get_name() for task in asyncio.all_tasks()}
        jobs = {
            name.removeprefix("notification-service:") for name in names if name.startswith("notification")
        }
        assert jobs == RUNS[role]
        assert len(runtime_of(app).consumers) == (0 if role == "api" else 1)
