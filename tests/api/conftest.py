"""The whole embedded platform as a real process (`arflow run`) for API-level tests."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from arflow_testing.platform_keys import KEYS, SERVICES
from arflow_testing.processes import free_port


@pytest.fixture(scope="session")
def platform_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Base URL per service of one `arflow run` process with an all-scopes key and a no-scope key."""
    data = tmp_path_factory.mktemp("platform")
    ports = {name: free_port() for name in SERVICES}
    env = {
        **os.environ,
        "ARFLOW_DATA_DIR": str(data),
        "ARFLOW_LOG_LEVEL": "WARNING",
        "ARFLOW_API_KEYS": f"tester {KEYS['all']} *;outsider {KEYS['nothing']} no:such-scope",
        **{f"{prefix}_PORT": str(ports[name]) for name, prefix in SERVICES.items()},
    }
    log = (data / "platform.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "arflow_cli.main", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    deadline = time.monotonic() + 60
    try:
        for url in urls.values():
            while True:
                assert process.poll() is None, Path(data / "platform.log").read_text()[-3000:]
                try:
                    if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the platform did not become ready in 60 s"
                time.sleep(0.1)  # polling interval of a bounded wait
        yield urls
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
