"""The channel ports this deployment has, built from its settings."""

from collections.abc import Mapping

from arflow_notification.domain import Channel, Clock, Outcome, Permanent
from arflow_notification.sending.email import SmtpEmail
from arflow_notification.sending.letter import PdfLetters
from arflow_notification.sending.message import ChannelPort, OutgoingMessage
from arflow_notification.sending.provider import HttpProvider
from arflow_notification.settings import NotificationSettings

DEV_PROVIDER_SECRET = b"arflow-dev-provider-secret"
"""Signs SMS/webhook requests in embedded mode only; distributed mode refuses to start without one."""


class Channels:
    """One port per channel; a channel without a port fails its messages with the reason."""

    def __init__(self, ports: Mapping[Channel, ChannelPort]) -> None:
        self._ports = dict(ports)

    async def send(self, message: OutgoingMessage) -> Outcome:
        """Send through the message's channel."""
        port = self._ports.get(message.channel)
        if port is None:
            return Permanent(f"no {message.channel} provider is configured")
        return await port.send(message)

    async def close(self) -> None:
        """Release every port's connections."""
        for port in self._ports.values():
            await port.close()


def provider_secret(settings: NotificationSettings) -> bytes:
    """The HMAC key for the HTTP provider (the development key when none is set)."""
    if settings.provider_secret is not None:
        return settings.provider_secret.get_secret_value().encode()
    return DEV_PROVIDER_SECRET


def build_channels(settings: NotificationSettings, clock: Clock) -> Channels:
    """SMTP email and PDF letters always; SMS and webhooks when their provider URL is set."""
    ports: dict[Channel, ChannelPort] = {
        Channel.EMAIL: SmtpEmail(settings, clock),
        Channel.LETTER: PdfLetters(settings.sender_name),
    }
    secret = provider_secret(settings)
    if settings.sms_url:
        ports[Channel.SMS] = HttpProvider(settings.sms_url, secret, settings.http_timeout_seconds, clock)
    if settings.webhook_url:
        ports[Channel.WEBHOOK] = HttpProvider(settings.webhook_url, secret, settings.http_timeout_seconds,
                                              clock)
    return Channels(ports)
