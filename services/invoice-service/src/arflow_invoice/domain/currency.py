"""ISO 4217 currencies with their minor units, and validation of money amounts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType

from arflow_invoice.domain.errors import InvalidAmount, UnknownCurrency

_BY_MINOR_UNITS: dict[int, str] = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: (
        "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
        "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
        "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR "
        "KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV "
        "MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR "
        "SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH "
        "USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
    ),
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}

MINOR_UNITS: MappingProxyType[str, int] = MappingProxyType(
    {code: units for units, codes in _BY_MINOR_UNITS.items() for code in codes.split()}
)
"""Active ISO 4217 currency codes (no precious metals or testing codes) → decimal places."""


def validate_currency(currency: object) -> str:
    """Return the currency code if it is an active ISO 4217 code, else raise UnknownCurrency."""
    if not isinstance(currency, str) or not currency:
        raise UnknownCurrency(
            f"currency must be a three-letter ISO 4217 code such as 'EUR', got {currency!r}",
            currency=repr(currency),
        )
    if currency in MINOR_UNITS:
        return currency
    hint = ""
    if currency.strip().upper() in MINOR_UNITS:
        hint = f"; did you mean '{currency.strip().upper()}'? Codes are upper-case"
    raise UnknownCurrency(
        f"unknown currency {currency!r}: not an active ISO 4217 code{hint}", currency=currency
    )


def minor_units(currency: str) -> int:
    """Number of decimal places the currency allows (JPY 0, EUR 2, KWD 3)."""
    return MINOR_UNITS[validate_currency(currency)]


def smallest_unit(currency: str) -> Decimal:
    """The currency's smallest amount, e.g. 0.01 for EUR and 1 for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round an amount to the currency's minor units (commercial rounding unless told otherwise)."""
    return amount.quantize(smallest_unit(currency), rounding=rounding)


def format_money(amount: Decimal, currency: str) -> str:
    """Render a (validated) amount for messages at its currency's precision, e.g. '120.50 EUR'."""
    return f"{quantize(amount, currency)} {currency}"


def _as_decimal(amount: object, what: str) -> Decimal:
    if isinstance(amount, bool) or isinstance(amount, float):
        raise InvalidAmount(
            f"{what} must be a decimal number given as a string or Decimal, not "
            f"{type(amount).__name__} {amount!r} (floats lose cents)",
            amount=repr(amount),
        )
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int | str):
        try:
            value = Decimal(amount.strip() if isinstance(amount, str) else amount)
        except InvalidOperation:
            raise InvalidAmount(f"{what} {amount!r} is not a number", amount=repr(amount)) from None
    else:
        raise InvalidAmount(f"{what} must be a decimal number, got {amount!r}", amount=repr(amount))
    if not value.is_finite():
        raise InvalidAmount(f"{what} must be a finite number, got {value}", amount=str(value))
    return value


def _decimals(count: int) -> str:
    return f"{count} decimal place" + ("" if count == 1 else "s")


def _places(places: int) -> str:
    return "none" if places == 0 else f"at most {places}"


def validate_amount(amount: object, currency: str, *, what: str = "amount") -> Decimal:
    """Return a positive amount rounded to its currency's minor units, or raise saying why not."""
    code = validate_currency(currency)
    value = _as_decimal(amount, what)
    if value <= 0:
        raise InvalidAmount(
            f"{what} must be greater than zero, got {value} {code}", amount=str(value), currency=code
        )
    places = MINOR_UNITS[code]
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers have an integer exponent
    if -exponent > places:
        raise InvalidAmount(
            f"{what} ({value}) has {_decimals(-exponent)} but {code} allows {_places(places)}",
            amount=str(value),
            currency=code,
        )
    try:
        return value.quantize(smallest_unit(code))
    except InvalidOperation:
        raise InvalidAmount(f"{what} {value} {code} is too large", amount=str(value), currency=code) from None
