"""Currency codes and rounding to a currency's minor unit (half-up)."""

import re
from decimal import ROUND_HALF_UP, Decimal

from arflow_dunning.domain.errors import CurrencyMismatch

# ISO 4217 minor units that differ from the usual two decimals.
_MINOR_UNITS = {
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}
_CODE = re.compile(r"^[A-Z]{3}$")


def is_currency_code(code: str) -> bool:
    """True for a three-letter upper-case ISO 4217 style code."""
    return bool(_CODE.match(code))


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def require_same_currency(expected: str, actual: str, what: str) -> None:
    """Raise CurrencyMismatch unless both codes are equal."""
    if expected != actual:
        raise CurrencyMismatch(f"{what} is in {actual}, expected {expected}")
