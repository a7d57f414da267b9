"""`arflow run` and `arflow serve` start serving with the garbage collector tuned for a service."""

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from arflow_cli import main as cli
from arflow_runtime.collector import MIDDLE_THRESHOLD, OLD_THRESHOLD, YOUNG_THRESHOLD

TUNED = (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_embedded_platform_serves_with_the_tuned_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, ...]] = []

    def serve(coroutine: Any) -> None:
        seen.append(gc.get_threshold())
        coroutine.close()  # not started: only the process set-up is under test

    monkeypatch.setattr(cli.uvloop, "run", serve)
    cli.main(["run"])
    assert seen == [TUNED]


def test_one_service_serves_with_the_tuned_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *_, **__: seen.append(gc.get_threshold()))
    cli.main(["serve", "credit-service"])
    assert seen == [TUNED]
    assert YOUNG_THRESHOLD > 700
