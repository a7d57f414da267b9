"""The mail server of a chaos run: aiosmtpd on loopback, recording every message it accepts.

aiosmtpd is a development dependency of the workspace (`uv sync` installs it); it is imported
here, not at the CLI's import time, so `arflow` itself does not need it.
"""

import email
import email.policy
import threading
from dataclasses import dataclass
from typing import Any

from arflow_cli.local import free_port


@dataclass(frozen=True)
class Delivered:
    """One accepted message: what the duplicate and PII checks look at."""

    message_id: str
    recipients: tuple[str, ...]
    subject: str
    resend: str | None


class MailSink:
    """An SMTP server that accepts everything and keeps what it got; stoppable on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Delivered] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        delivered = Delivered(
            message_id=str(message.get("Message-ID", "")).strip(),
            recipients=tuple(envelope.rcpt_tos),
            subject=str(message.get("Subject", "")),
            resend=message.get("X-Arflow-Resend"),
        )
        with self._lock:
            self.messages.append(delivered)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Listen on 127.0.0.1:port (the same port after a stop)."""
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: senders get connection refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def snapshot(self) -> list[Delivered]:
        with self._lock:
            return list(self.messages)
