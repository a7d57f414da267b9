"""Credit scoring: a 0-100 score and risk class from payment behaviour, explained per factor.

The scorecard (factors, weights, curves, thresholds) lives in ``scorecard``. Paying later
never raises the score: every factor's raw value is non-decreasing in a paid date (an
invoice paid after ``as_of`` counts as still open and late by its days overdue so far) and
every curve is non-increasing in lateness.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from arflow_credit.domain.errors import CreditValidationError
from arflow_credit.domain.ledger import PaymentHistory
from arflow_credit.domain.money import ZERO
from arflow_credit.domain.scorecard import DEFAULT_SCORECARD, HUNDRED, FactorRule, Scorecard

RAW_PLACES = Decimal("0.0001")
POINT_PLACES = Decimal("0.01")

ExternalRating = int | Decimal | str


@dataclass(frozen=True)
class BehaviourMeasures:
    """The raw factor values; None where there is no data (no invoice fell due in the window)."""

    days_late: Decimal | None
    late_share: Decimal | None
    dispute_share: Decimal | None
    overdue_ratio: Decimal
    tenure_days: Decimal


@dataclass(frozen=True)
class FactorContribution:
    """One factor's raw value, the most points it could give, and the points it gave."""

    name: str
    raw: Decimal | None
    max_points: Decimal
    points: Decimal


@dataclass(frozen=True)
class CreditScore:
    """Score 0..100 (rounded sum of the factors' points), risk class and the factors."""

    score: int
    risk_class: str
    factors: tuple[FactorContribution, ...]
    as_of: date


def measure_behaviour(
    history: PaymentHistory, as_of: date, scorecard: Scorecard = DEFAULT_SCORECARD
) -> BehaviourMeasures:
    """Compute the raw factor values on ``as_of`` over the scorecard's trailing window."""
    view = history.as_of(as_of)
    start = as_of - timedelta(days=scorecard.window_days)
    # (weight, days late, disputed) of each invoice that fell due inside the window
    fell_due = [
        (inv.amount, inv.days_late(), inv.disputed) for inv in view.settled if start < inv.due_date <= as_of
    ] + [
        (inv.outstanding, inv.days_overdue(as_of), inv.disputed)
        for inv in view.open
        if start < inv.due_date <= as_of
    ]
    days_late = late_share = dispute_share = None
    if fell_due:
        count = Decimal(len(fell_due))
        weight = sum((amount for amount, _, _ in fell_due), ZERO)
        days_late = sum((amount * days for amount, days, _ in fell_due), ZERO) / weight
        late = sum(1 for _, days, _ in fell_due if days > scorecard.late_grace_days)
        late_share = late / count
        dispute_share = sum(1 for _, _, disputed in fell_due if disputed) / count
    # Overdue money against all money that has fallen due (unpaid, or settled in the window).
    # Invoices not yet due stay out: with them in the base, paying one later than on its due
    # date would dilute the ratio and raise the score.
    overdue = sum((inv.outstanding for inv in view.open if inv.is_overdue(as_of)), ZERO)
    fallen_due = sum((inv.outstanding for inv in view.open if inv.due_date <= as_of), ZERO) + sum(
        (inv.amount for inv in view.settled if start < inv.due_date <= as_of), ZERO
    )
    first = view.first_invoice_date
    tenure = max(0, (as_of - first).days) if first is not None else 0
    return BehaviourMeasures(
        days_late=days_late,
        late_share=late_share,
        dispute_share=dispute_share,
        overdue_ratio=overdue / fallen_due if fallen_due else ZERO,
        tenure_days=Decimal(tenure),
    )


def external_rating_value(rating: ExternalRating, scorecard: Scorecard = DEFAULT_SCORECARD) -> Decimal:
    """An external rating as 0..100: numbers as given, letters through the scorecard's scale."""
    if isinstance(rating, str):
        try:
            return scorecard.letter_ratings[rating.strip().upper()]
        except KeyError:
            raise CreditValidationError(f"unknown external rating {rating!r}") from None
    if isinstance(rating, bool) or not isinstance(rating, int | Decimal):
        raise CreditValidationError(f"external rating must be 0-100 or a letter, got {rating!r}")
    value = Decimal(rating)
    if not value.is_finite() or not 0 <= value <= HUNDRED:
        raise CreditValidationError(f"external rating must lie in 0..100, got {rating}")
    return value


def score_customer(
    history: PaymentHistory,
    as_of: date,
    scorecard: Scorecard = DEFAULT_SCORECARD,
    external_rating: ExternalRating | None = None,
) -> CreditScore:
    """Score a customer's payment behaviour on ``as_of`` and classify it."""
    m = measure_behaviour(history, as_of, scorecard)
    inputs: list[tuple[str, FactorRule, Decimal | None]] = [
        ("days_late", scorecard.days_late, m.days_late),
        ("late_share", scorecard.late_share, m.late_share),
        ("dispute_share", scorecard.dispute_share, m.dispute_share),
        ("overdue_ratio", scorecard.overdue_ratio, m.overdue_ratio),
        ("tenure", scorecard.tenure, m.tenure_days),
    ]
    if external_rating is not None:
        rating = external_rating_value(external_rating, scorecard)
        inputs.append(("external_rating", scorecard.external_rating, rating))
    total_weight = sum((rule.weight for _, rule, _ in inputs), ZERO)
    if total_weight <= 0:
        raise CreditValidationError("the scorecard's weights sum to zero")
    total = ZERO
    factors = []
    for name, rule, raw in inputs:
        max_points = rule.weight * HUNDRED / total_weight
        fraction = scorecard.no_data_fraction if raw is None else rule.curve.fraction(raw)
        points = max_points * fraction
        total += points
        shown_raw = None if raw is None else raw.quantize(RAW_PLACES, ROUND_HALF_UP)
        factors.append(
            FactorContribution(
                name,
                shown_raw,
                max_points.quantize(POINT_PLACES, ROUND_HALF_UP),
                points.quantize(POINT_PLACES, ROUND_HALF_UP),
            )
        )
    score = int(total.quantize(Decimal(1), ROUND_HALF_UP))
    return CreditScore(score, scorecard.thresholds.classify(score), tuple(factors), as_of)
