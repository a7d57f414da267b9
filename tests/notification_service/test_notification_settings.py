"""Configuration: the SMTP URL under both names, its parts, and refusals of unsafe setups."""

import pytest
from pydantic import ValidationError

from arflow_notification.main import create_app
from arflow_notification.settings import NotificationSettings, smtp_endpoint
from arflow_runtime.auth import ConfigurationError
from arflow_runtime.settings import PlatformSettings


def test_the_smtp_url_is_read_from_arflow_smtp_url_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFICATION_SMTP_URL", raising=False)
    monkeypatch.setenv("ARFLOW_SMTP_URL", "smtp://mail.example:2525")
    assert NotificationSettings().smtp_url == "smtp://mail.example:2525"
    monkeypatch.setenv("NOTIFICATION_SMTP_URL", "smtp://relay.example:25")
    assert NotificationSettings().smtp_url == "smtp://relay.example:25"  # the service's own name wins


def test_the_smtp_url_carries_host_port_login_and_tls() -> None:
    plain = smtp_endpoint(NotificationSettings(smtp_url="smtp://127.0.0.1:2525"))
    assert (plain.host, plain.port, plain.starttls, plain.implicit_tls, plain.username) == (
        "127.0.0.1", 2525, False, False, None)
    url = "smtp://ar%40acme:s3cret@mail.acme:587?starttls=true"
    login = smtp_endpoint(NotificationSettings(smtp_url=url))
    assert (login.port, login.starttls, login.username, login.password) == (587, True, "ar@acme", "s3cret")
    tls = smtp_endpoint(NotificationSettings(smtp_url="smtps://mail.acme", smtp_username="u",
                                             smtp_password="p", smtp_starttls=True))
    assert (tls.port, tls.implicit_tls, tls.starttls) == (465, True, False)  # STARTTLS inside TLS: no
    assert (tls.username, tls.password) == ("u", "p")


@pytest.mark.parametrize("field", [
    {"smtp_url": "http://mail"}, {"send_hours": "8-20"}, {"send_days": "someday"},
    {"fallback_locale": "??"}, {"retry_jitter": 2},
])
def test_nonsense_settings_are_refused_at_start(field: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        NotificationSettings(**field)  # type: ignore[arg-type]


def test_distributed_mode_refuses_unsigned_provider_requests() -> None:
    platform = PlatformSettings(mode="distributed", api_keys="ops key *")
    with pytest.raises(ConfigurationError, match="NOTIFICATION_PROVIDER_SECRET"):
        create_app(NotificationSettings(sms_url="http://127.0.0.1:9/sms"), platform)
    create_app(NotificationSettings(sms_url="http://127.0.0.1:9/sms", provider_secret="k"), platform)
