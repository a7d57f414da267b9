"""Guards for money and rates: Decimal only, never float; ISO 4217 currency codes."""

import re
from decimal import Decimal

from arflow_credit.domain.errors import CreditValidationError

ZERO = Decimal(0)
CENT = Decimal("0.01")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def require_decimal(value: object, field: str) -> Decimal:
    """Return ``value`` if it is a finite Decimal; floats and ints-as-money are refused."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise CreditValidationError(f"{field} must be a finite Decimal, got {value!r}")
    return value


def require_non_negative(value: object, field: str) -> Decimal:
    """Return ``value`` if it is a Decimal >= 0."""
    amount = require_decimal(value, field)
    if amount < ZERO:
        raise CreditValidationError(f"{field} must not be negative, got {amount}")
    return amount


def require_positive(value: object, field: str) -> Decimal:
    """Return ``value`` if it is a Decimal > 0."""
    amount = require_decimal(value, field)
    if amount <= ZERO:
        raise CreditValidationError(f"{field} must be positive, got {amount}")
    return amount


def require_currency(code: object) -> str:
    """Return ``code`` if it looks like an ISO 4217 code (three capital letters)."""
    if not isinstance(code, str) or not _CURRENCY.match(code):
        raise CreditValidationError(f"currency must be an ISO 4217 code, got {code!r}")
    return code
