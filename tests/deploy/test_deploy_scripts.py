"""Static checks of deploy/kafka.sh and deploy/postgres.sh, plus a live status check.

The static tests start nothing; the live ones (markers kafka/postgres) only ask `status` of the
broker and cluster that `make test` started.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVERS = [DEPLOY / "kafka.sh", DEPLOY / "postgres.sh"]
SCRIPTS = [*SERVERS, DEPLOY / "chromium.sh"]


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_executable_bash_with_strict_mode(script: Path) -> None:
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    result = run("bash", "-n", script)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_scripts_are_shellcheck_clean() -> None:
    result = run("shellcheck", "-x", *SCRIPTS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_unknown_command_prints_usage(script: Path) -> None:
    result = run(script, "frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize("script", SERVERS, ids=lambda p: p.name)
def test_status_of_nothing_is_3_and_leaves_no_trace(script: Path, tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {
        "ARFLOW_VAR": str(var),
        "ARFLOW_KAFKA_PORT": "1",
        "ARFLOW_KAFKA_CONTROLLER_PORT": "2",
        "ARFLOW_PG_PORT": "3",
    }
    result = run(script, "status", env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert not var.exists()


def test_kafka_template_placeholders_and_pins() -> None:
    template = (DEPLOY / "kafka" / "server.properties.tmpl").read_text()
    assert set(re.findall(r"@([A-Z_]+)@", template)) == {"KAFKA_PORT", "CONTROLLER_PORT", "DATA_DIR"}
    settings = dict(
        line.split("=", 1)
        for line in template.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    assert settings["process.roles"] == "broker,controller"
    assert settings["auto.create.topics.enable"] == "true"
    assert settings["offsets.topic.replication.factor"] == "1"
    assert settings["transaction.state.log.min.isr"] == "1"
    script_version = re.search(r"^readonly KAFKA_VERSION=(\S+)$", SCRIPTS[0].read_text(), re.M)
    pom = (DEPLOY / "kafka" / "pom.xml").read_text()
    pom_version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert script_version and pom_version
    assert script_version.group(1) == pom_version.group(1)


def test_postgres_url() -> None:
    result = run(DEPLOY / "postgres.sh", "url", "arflow_credit", env={"ARFLOW_PG_PORT": "6543"})
    assert result.returncode == 0
    assert result.stdout.strip() == "postgresql+asyncpg://arflow@127.0.0.1:6543/arflow_credit"


@pytest.mark.kafka
def test_kafka_is_running() -> None:
    result = run(DEPLOY / "kafka.sh", "status")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.postgres
def test_postgres_is_running() -> None:
    result = run(DEPLOY / "postgres.sh", "status")
    assert result.returncode == 0, result.stdout + result.stderr


def test_postgresql_takes_every_service_pool_at_two_processes_each() -> None:
    """deploy/postgres.sh and docker-compose.yml allow the connections the services may keep open."""
    from arflow_cli.services import SERVICES
    from arflow_runtime.settings import ServiceSettings

    pool = ServiceSettings.model_fields["database_pool_size"].default
    needed = len(SERVICES) * 2 * pool
    script = re.search(r"^max_connections = (\d+)$", (DEPLOY / "postgres.sh").read_text(), re.MULTILINE)
    compose = re.search(r'"max_connections=(\d+)"', (ROOT / "docker-compose.yml").read_text())
    assert script and compose
    assert int(script.group(1)) > needed
    assert int(compose.group(1)) > needed
