"""Rendering a template (Jinja2, sandboxed) with amounts and dates formatted for the locale (Babel)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import StrictUndefined, Template, TemplateError, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from arflow_notification.domain.locales import babel_locale_name

LOCALE_VARIABLE = "locale"


@dataclass(frozen=True)
class TemplateText:
    """One template in one locale: a subject, a body (email and letter) and a short text (SMS)."""

    subject: str
    body: str
    short: str | None = None


@dataclass(frozen=True)
class RenderedMessage:
    """A template rendered for one customer."""

    subject: str
    body: str
    short: str
    locale: str


class TemplateProblem(ValueError):
    """A template does not compile or does not render with the variables it is given."""


def _babel(context: Context) -> str:
    return babel_locale_name(str(context.get(LOCALE_VARIABLE) or "en"))


@pass_context
def _money(context: Context, amount: Any, currency: str) -> str:
    return str(format_currency(Decimal(str(amount)), currency, locale=_babel(context)))


@pass_context
def _number(context: Context, value: Any) -> str:
    return str(format_decimal(Decimal(str(value)), locale=_babel(context)))


@pass_context
def _date(context: Context, value: date | datetime | str, style: str = "long") -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        return str(format_datetime(value, style, locale=_babel(context)))
    return str(format_date(value, style, locale=_babel(context)))


def _environment() -> ImmutableSandboxedEnvironment:
    # Sandboxed: templates are edited over the API, so they must not reach Python internals.
    # Strict: a misspelt variable fails the preview instead of leaving a gap in a real letter.
    environment = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters.update(money=_money, number=_number, date=_date)
    return environment


_ENVIRONMENT = _environment()


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _ENVIRONMENT.from_string(source)


def check_syntax(text: TemplateText) -> None:
    """Raise TemplateProblem naming the part that does not compile."""
    for part, source in _parts(text):
        try:
            _ENVIRONMENT.parse(source)
        except TemplateError as error:
            raise TemplateProblem(f"{part}: {_describe(error)}") from error


def render(text: TemplateText, context: Mapping[str, Any], locale: str) -> RenderedMessage:
    """Render every part of a template; the short text defaults to the subject."""
    variables = {**context, LOCALE_VARIABLE: locale}
    rendered: dict[str, str] = {}
    for part, source in _parts(text):
        try:
            rendered[part] = _compiled(source).render(variables).strip()
        except TemplateError as error:
            raise TemplateProblem(f"{part}: {_describe(error)}") from error
        except (ArithmeticError, TypeError, ValueError, LookupError) as error:
            raise TemplateProblem(f"{part}: {type(error).__name__}: {error}") from error
    subject = " ".join(rendered["subject"].split())  # one line: it becomes an email header
    return RenderedMessage(subject, rendered["body"] + "\n", rendered.get("short") or subject, locale)


def _parts(text: TemplateText) -> list[tuple[str, str]]:
    parts = [("subject", text.subject), ("body", text.body)]
    if text.short:
        parts.append(("short", text.short))
    return parts


def _describe(error: TemplateError) -> str:
    line = getattr(error, "lineno", None)
    where = f" (line {line})" if line else ""
    return f"{error.message or type(error).__name__}{where}"
