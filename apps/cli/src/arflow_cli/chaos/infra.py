"""A private Kafka broker and PostgreSQL server for one chaos run (deploy/ scripts, own ports and var).

Restarting them disturbs nothing else on the machine: they have their own ARFLOW_VAR, ports and data.
"""

import asyncio
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from arflow_cli.local import free_port


class InfrastructureError(RuntimeError):
    """A deploy script failed."""


def repository_root() -> Path:
    """The checkout holding deploy/ (this file is apps/cli/src/arflow_cli/chaos/infra.py)."""
    return Path(__file__).resolve().parents[5]


@dataclass
class Infrastructure:
    """Kafka (KRaft, one node) and PostgreSQL started by deploy/*.sh under a private ARFLOW_VAR."""

    var: Path
    repo: Path = field(default_factory=repository_root)
    kafka_port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    pg_port: int = field(default_factory=free_port)
    started: bool = False

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def postgres(self) -> str:
        return f"postgresql+asyncpg://arflow@127.0.0.1:{self.pg_port}"

    @property
    def log_path(self) -> Path:
        return self.var / "infrastructure.log"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "ARFLOW_VAR": str(self.var),
            "ARFLOW_KAFKA_PORT": str(self.kafka_port),
            "ARFLOW_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "ARFLOW_PG_PORT": str(self.pg_port),
            "ARFLOW_KAFKA_START_TIMEOUT": "120",
            "ARFLOW_PG_START_TIMEOUT": "120",
        }

    async def script(self, name: str, action: str) -> None:
        """Run deploy/<name>.sh <action> on this run's var and ports; raise with its output on failure."""
        process = await asyncio.create_subprocess_exec(
            str(self.repo / "deploy" / f"{name}.sh"),
            action,
            env=self._env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        with self.log_path.open("ab") as log:
            log.write(f"$ deploy/{name}.sh {action} -> {process.returncode}\n".encode() + output)
        if process.returncode != 0:
            raise InfrastructureError(f"deploy/{name}.sh {action} failed: {output.decode()[-2000:]}")

    def _prepare(self) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        # PostgreSQL runs as the `postgres` OS user when we are root: it must reach the var.
        self.var.chmod(self.var.stat().st_mode | stat.S_IXOTH | stat.S_IROTH)
        # Reuse the jars this checkout already fetched (no Maven, no network); same pinned version.
        shared = Path(os.environ.get("ARFLOW_VAR") or self.repo / "var") / "kafka" / "libs"
        own = self.var / "kafka" / "libs"
        if (shared / "VERSION").is_file() and not own.exists():
            shutil.copytree(shared, own)

    async def start(self) -> None:
        """Start both servers (fetching Kafka only when no local copy of the jars exists)."""
        self._prepare()
        self.started = True
        await asyncio.gather(self.script("kafka", "start"), self.script("postgres", "start"))

    async def restart_kafka(self) -> None:
        """Stop the broker (SIGTERM, clean shutdown) and start it again on the same data."""
        await self.script("kafka", "stop")
        await self.script("kafka", "start")

    async def stop_kafka(self) -> None:
        await self.script("kafka", "stop")

    async def start_kafka(self) -> None:
        await self.script("kafka", "start")

    async def stop_postgres(self) -> None:
        """pg_ctl stop -m fast: every connection is cut."""
        await self.script("postgres", "stop")

    async def start_postgres(self) -> None:
        await self.script("postgres", "start")

    async def destroy(self) -> None:
        """Stop both servers and delete their data (only this run's var)."""
        if not self.started:
            return
        for name in ("kafka", "postgres"):
            try:
                await self.script(name, "reset")
            except InfrastructureError:
                pass  # already gone; the logs say why
