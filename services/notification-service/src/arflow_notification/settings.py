"""notification-service settings (NOTIFICATION_*; the SMTP URL also as ARFLOW_SMTP_URL)."""

from datetime import timedelta
from typing import Self
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from arflow_notification.domain import Backoff, RateLimit, SendWindow, normalize_locale
from arflow_runtime.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Settings of notifications: channels, timing, retries."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore", populate_by_name=True)

    port: int = Field(8004, description="HTTP port")
    # Channels.
    smtp_url: str = Field(
        "smtp://127.0.0.1:2525",
        validation_alias=AliasChoices("NOTIFICATION_SMTP_URL", "ARFLOW_SMTP_URL"),
        description="SMTP server: smtp://[user:pass@]host:port[?starttls=true] or smtps:// "
        "(implicit TLS); also read from ARFLOW_SMTP_URL",
    )
    smtp_starttls: bool | None = Field(None, description="force STARTTLS on or off (default: from the URL)")
    smtp_username: str | None = Field(None, description="SMTP login (default: from the URL)")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (never logged)")
    smtp_from: str = Field("arflow receivables <receivables@arflow.localhost>", description="From header")
    smtp_timeout_seconds: float = Field(30.0, gt=0, description="SMTP connect and command timeout")
    sms_url: str | None = Field(None, description="HTTP provider endpoint for SMS (POST JSON)")
    webhook_url: str | None = Field(None, description="HTTP provider endpoint for webhooks (POST JSON)")
    provider_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key signing SMS/webhook requests; required in distributed mode"
    )
    http_timeout_seconds: float = Field(10.0, gt=0, description="HTTP provider timeout")
    sender_name: str = Field("arflow", description="the company named as sender in messages and letters")
    invoice_delivery: bool = Field(True, description="email each issued invoice (template invoice.issued)")
    # Locale and timing.
    fallback_locale: str = Field("en", description="locale used when the customer's locale has no template")
    default_time_zone: str = Field("UTC", description="time zone of customers whose profile has none")
    send_hours: str = Field("08:00-20:00", description="local hours email and SMS may be sent")
    send_days: str = Field("mon-fri", description="local weekdays email and SMS may be sent")
    rate_limit_messages: int = Field(10, ge=0, description="messages per customer and channel per "
                                     "window; 0 = unlimited")
    rate_limit_window_seconds: float = Field(86400, gt=0, description="rate limit window")
    # Retries and the sender job.
    retry_base_seconds: float = Field(30.0, gt=0, description="first retry delay (doubles each time)")
    retry_cap_seconds: float = Field(3600.0, gt=0, description="longest retry delay")
    retry_jitter: float = Field(0.5, ge=0, le=1, description="fraction of a delay taken off at random")
    max_attempts: int = Field(10, ge=1, description="attempts before a message fails for good")
    profile_wait_seconds: float = Field(
        259200, ge=0, description="how long a message waits for its customer's profile before failing"
    )
    poll_interval_seconds: float = Field(1.0, gt=0, description="how often the sender looks for due messages")
    send_batch_size: int = Field(50, ge=1, description="due messages taken per pass")
    send_concurrency: int = Field(4, ge=1, description="customers served in parallel")
    lease_seconds: float = Field(
        120.0, gt=0, description="a message being sent is not taken by another sender for this long"
    )

    @model_validator(mode="after")
    def _valid_rules(self) -> Self:
        self.send_window()
        self.backoff()
        normalize_locale(self.fallback_locale)
        smtp_endpoint(self)
        return self

    def send_window(self) -> SendWindow:
        """Business hours for email and SMS."""
        return SendWindow.parse(self.send_hours, self.send_days)

    def backoff(self) -> Backoff:
        """The retry schedule."""
        return Backoff(timedelta(seconds=self.retry_base_seconds),
                       timedelta(seconds=max(self.retry_cap_seconds, self.retry_base_seconds)),
                       self.retry_jitter)

    def rate_limit(self) -> RateLimit:
        """The per-customer, per-channel rate limit."""
        return RateLimit(self.rate_limit_messages, timedelta(seconds=self.rate_limit_window_seconds))


class SmtpEndpoint:
    """The SMTP connection parameters, from the URL and the explicit settings."""

    def __init__(self, host: str, port: int, implicit_tls: bool, starttls: bool,
                 username: str | None, password: str | None) -> None:
        self.host, self.port = host, port
        self.implicit_tls, self.starttls = implicit_tls, starttls
        self.username, self.password = username, password


def smtp_endpoint(settings: NotificationSettings) -> SmtpEndpoint:
    """Parse NOTIFICATION_SMTP_URL; explicit settings win over what the URL says."""
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError("smtp_url must look like smtp://host:port or smtps://host:port")
    query = parse_qs(url.query)
    implicit_tls = url.scheme == "smtps"
    starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
    if settings.smtp_starttls is not None:
        starttls = settings.smtp_starttls
    password = (settings.smtp_password.get_secret_value() if settings.smtp_password
                else unquote(url.password) if url.password else None)
    return SmtpEndpoint(
        host=url.hostname, port=url.port or (465 if implicit_tls else 25),
        implicit_tls=implicit_tls, starttls=starttls and not implicit_tls,
        username=settings.smtp_username or (unquote(url.username) if url.username else None),
        password=password,
    )
