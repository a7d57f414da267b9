"""CREDIT_* settings: the scorecard is configurable, and a wrong configuration is refused at start."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from arflow_credit.rules import CreditRules
from arflow_credit.settings import CreditSettings


def test_the_scorecard_is_configured_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CREDIT_SCORECARD",
        '{"window_days": 180, "weights": {"tenure": "0"}, "class_minimums": {"A": 85, "B": 65, "C": 45}}',
    )
    monkeypatch.setenv("CREDIT_RESERVATION_DAYS", "14")
    rules = CreditRules.from_settings(CreditSettings())

    assert (rules.scorecard.window_days, rules.reservation_days, rules.currency) == (180, 14, "EUR")
    assert rules.scorecard.tenure.weight == Decimal(0) and rules.scorecard.days_late.weight == Decimal(40)
    assert rules.scorecard.thresholds.classify(84) == "B" and rules.scorecard.thresholds.classify(44) == "D"


@pytest.mark.parametrize(
    "scorecard, message",
    [
        ('{"weights": {"shoe_size": "3"}}', "unknown scorecard factors"),
        ('{"class_minimums": {"A": 80, "B": 60}}', "must give A, B and C"),
        ('{"window_days": 0}', "greater than or equal to 1"),
    ('{"class_minimums": {"A": 50, "B": 60, "C": 40}}', "must fall from A to C"),
    ],
)
def test_a_wrong_scorecard_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, scorecard: str, message: str
) -> None:
    monkeypatch.setenv("CREDIT_SCORECARD", scorecard)
    with pytest.raises(ValidationError, match=message):
        CreditSettings()


def test_the_credit_currency_must_be_an_iso_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_CURRENCY", "euro")
    with pytest.raises(ValidationError, match="currency"):
        CreditSettings()
