"""What the endpoints need from the running service: its settings and its clock."""

from typing import Annotated

from fastapi import Depends, Request

from arflow_notification.domain import Clock, normalize_locale
from arflow_notification.errors import InvalidLocale
from arflow_notification.settings import NotificationSettings
from arflow_runtime.http import runtime_of


def _settings(request: Request) -> NotificationSettings:
    return runtime_of(request).settings  # type: ignore[no-any-return]


def _clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


SettingsDep = Annotated[NotificationSettings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]


def locale_param(locale: str) -> str:
    """A locale from the path in canonical form (zh-cn → zh-CN), or 422."""
    try:
        return normalize_locale(locale)
    except ValueError:
        raise InvalidLocale(f"{locale!r} is not a locale tag such as zh-CN or en") from None
