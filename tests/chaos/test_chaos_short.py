"""The short chaos run (what `make chaos` does for ten minutes, in about three): nothing lost or doubled.

It starts its own Kafka broker and PostgreSQL server on free ports under a temporary ARFLOW_VAR,
so restarting them disturbs no other test. The report is printed (pytest -s shows it).
"""

from pathlib import Path

import pytest

from arflow_cli.chaos.plan import SHORT
from arflow_cli.chaos.run import run_chaos

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.timeout(900)]


async def test_under_kills_pauses_and_restarts_nothing_is_lost_doubled_or_leaked(tmp_path: Path) -> None:
    result = await run_chaos(SHORT, workdir=tmp_path / "chaos")
    print(result.report)
    failed = [f"{f.check}: {f.detail}" for f in result.findings if not f.ok]
    assert result.ok, "\n".join(failed) + f"\n(service logs in {result.workdir})"
    assert sum(f.lost for f in result.findings) == 0
    assert sum(f.duplicated for f in result.findings) == 0
