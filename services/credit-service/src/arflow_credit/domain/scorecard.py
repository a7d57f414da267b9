"""The scorecard's configuration: factor weights and curves, window, and risk-class thresholds.

Each factor's raw value maps linearly onto a fraction 0..1 between a ``best`` value (full
points) and a ``worst`` value (no points), clamped outside. Points = fraction x the factor's
share of 100, where the shares are the weights of the factors present, normalised to 100 (so
the optional external rating, when given, takes its weight from the others proportionally).
A factor with no data (no invoice fell due in the window) earns ``no_data_fraction``.

Default weights (sum 100 without an external rating):

| factor          | raw value                                        | best | worst | weight |
| days_late       | amount-weighted mean days late, invoices due in  | 0    | 30    | 40     |
|                 | the window (open ones: days overdue so far)      |      |       |        |
| late_share      | share of those invoices paid / still open late   | 0    | 0.6   | 20     |
| dispute_share   | share of those invoices disputed                 | 0    | 0.5   | 10     |
| overdue_ratio   | overdue outstanding / money fallen due (open and | 0    | 1     | 20     |
|                 | due by today, or settled in the window)          |      |       |        |
| tenure          | days since the first invoice                     | 730  | 0     | 10     |
| external_rating | 0-100, or a letter mapped by ``letter_ratings``  | 100  | 0     | 20     |

Risk classes by score: A >= 80, B >= 60, C >= 40, else D.

Why these numbers: a month beyond terms on average is the classic problem account, so 30
days late earns nothing; when most invoices (60 %) are late, lateness is a habit, not an
accident. With the IBM sample (30-day terms, mean DaysLate 0-20 per customer) the scores
rank customers by lateness with Spearman rho about -0.91 (tests/credit_service).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from arflow_credit.domain.errors import CreditValidationError
from arflow_credit.domain.money import require_decimal

ONE = Decimal(1)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Curve:
    """Linear map of a raw value onto 0..1: ``best`` earns 1, ``worst`` earns 0, clamped."""

    best: Decimal
    worst: Decimal

    def __post_init__(self) -> None:
        require_decimal(self.best, "best")
        require_decimal(self.worst, "worst")
        if self.best == self.worst:
            raise CreditValidationError("a curve needs best != worst")

    def fraction(self, raw: Decimal) -> Decimal:
        """Where ``raw`` sits between worst (0) and best (1)."""
        value = (self.worst - raw) / (self.worst - self.best)
        return min(ONE, max(Decimal(0), value))


@dataclass(frozen=True)
class FactorRule:
    """A factor's weight (relative) and curve."""

    weight: Decimal
    curve: Curve

    def __post_init__(self) -> None:
        if require_decimal(self.weight, "weight") < 0:
            raise CreditValidationError("a factor weight must not be negative")


@dataclass(frozen=True)
class RiskClassThresholds:
    """Score bands, best first: the first class whose minimum the score reaches, else ``floor``."""

    bands: tuple[tuple[str, int], ...] = (("A", 80), ("B", 60), ("C", 40))
    floor: str = "D"

    def __post_init__(self) -> None:
        minimums = [minimum for _, minimum in self.bands]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            raise CreditValidationError("risk class minimums must be strictly descending")
        if len({*(name for name, _ in self.bands), self.floor}) != len(self.bands) + 1:
            raise CreditValidationError("risk class names must be unique")

    @property
    def classes(self) -> tuple[str, ...]:
        """All classes, best first."""
        return (*(name for name, _ in self.bands), self.floor)

    def classify(self, score: int | Decimal) -> str:
        """The risk class for ``score``."""
        return next((name for name, minimum in self.bands if score >= minimum), self.floor)


# An S&P-style letter scale for external ratings given as letters.
DEFAULT_LETTER_RATINGS: Mapping[str, Decimal] = MappingProxyType(
    {
        "AAA": Decimal(100),
        "AA": Decimal(90),
        "A": Decimal(80),
        "BBB": Decimal(70),
        "BB": Decimal(55),
        "B": Decimal(40),
        "CCC": Decimal(25),
        "CC": Decimal(15),
        "C": Decimal(10),
        "D": Decimal(0),
    }
)


def _rule(weight: int, best: str, worst: str) -> FactorRule:
    return FactorRule(Decimal(weight), Curve(Decimal(best), Decimal(worst)))


@dataclass(frozen=True)
class Scorecard:
    """All scoring knobs; the defaults are documented in this module's docstring."""

    window_days: int = 365
    late_grace_days: int = 0
    days_late: FactorRule = _rule(40, "0", "30")
    late_share: FactorRule = _rule(20, "0", "0.6")
    dispute_share: FactorRule = _rule(10, "0", "0.5")
    overdue_ratio: FactorRule = _rule(20, "0", "1")
    tenure: FactorRule = _rule(10, "730", "0")
    external_rating: FactorRule = _rule(20, "100", "0")
    no_data_fraction: Decimal = Decimal("0.5")
    thresholds: RiskClassThresholds = field(default_factory=RiskClassThresholds)
    letter_ratings: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_LETTER_RATINGS)

    def __post_init__(self) -> None:
        if self.window_days < 1 or self.late_grace_days < 0:
            raise CreditValidationError("window_days must be >= 1 and late_grace_days >= 0")
        if not ONE >= require_decimal(self.no_data_fraction, "no_data_fraction") >= 0:
            raise CreditValidationError("no_data_fraction must lie in 0..1")


DEFAULT_SCORECARD = Scorecard()
