"""Email over SMTP (aiosmtplib): STARTTLS, implicit TLS and login as configured."""

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib

from arflow_notification.domain import Clock, Delivered, Outcome, Permanent, Transient
from arflow_notification.sending.message import OutgoingMessage
from arflow_notification.settings import NotificationSettings, smtp_endpoint
from arflow_runtime.log import mask_personal_data

# Auth and "TLS required" answers are our configuration, not the recipient: worth a retry once fixed.
_OUR_CONFIGURATION = {530, 534, 535, 538}


def message_id(notification_id: str, domain: str) -> str:
    """The Message-ID of a notification: the same on every attempt, so a resend is recognisable."""
    return f"<{notification_id}@{domain}>"


def _domain_of(from_header: str) -> str:
    address = parseaddr(from_header)[1]
    return address.rpartition("@")[2] or "arflow.localhost"


class SmtpEmail:
    """Sends plain-text UTF-8 email; the Message-ID derives from the notification id."""

    def __init__(self, settings: NotificationSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._endpoint = smtp_endpoint(settings)
        self._domain = _domain_of(settings.smtp_from)

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message for a notification."""
        assert message.email is not None
        mail = EmailMessage()
        mail["From"] = self._settings.smtp_from
        mail["To"] = formataddr((message.contact_name or message.recipient_name, message.email))
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(self._clock.now())
        mail["Message-ID"] = message_id(message.notification_id, self._domain)
        mail["Content-Language"] = message.locale
        mail["X-Arflow-Notification-Id"] = message.notification_id
        mail["X-Arflow-Request-Id"] = message.request_id
        if message.resend:
            mail["X-Arflow-Resend"] = "interrupted-attempt"
        mail.set_content(message.body, charset="utf-8")
        return mail

    async def send(self, message: OutgoingMessage) -> Outcome:
        """Hand the message to the SMTP server."""
        if not message.email:
            return Permanent("customer has no email address")
        try:
            Address(addr_spec=message.email)
        except (ValueError, IndexError):
            return Permanent("the customer's email address is not valid")
        endpoint = self._endpoint
        try:
            _, response = await aiosmtplib.send(
                self.compose(message), hostname=endpoint.host, port=endpoint.port,
                username=endpoint.username, password=endpoint.password, use_tls=endpoint.implicit_tls,
                start_tls=endpoint.starttls, timeout=self._settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refusal.code for refusal in error.recipients]
            if codes and all(code >= 500 for code in codes):
                return Permanent(f"SMTP refused the recipient ({', '.join(map(str, codes))})")
            return Transient(f"SMTP deferred the recipient ({', '.join(map(str, codes))})")
        except aiosmtplib.SMTPResponseException as error:
            reason = f"SMTP {error.code}: {mask_personal_data(error.message)[:200]}"
            permanent = error.code >= 500 and error.code not in _OUR_CONFIGURATION
            return Permanent(reason) if permanent else Transient(reason)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return Transient(f"SMTP unavailable: {type(error).__name__}")
        return Delivered(receipt=message_id(message.notification_id, self._domain),
                         detail=mask_personal_data(response)[:300])

    async def close(self) -> None:
        """Nothing is held open between messages."""
