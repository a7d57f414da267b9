"""Letters: the message rendered as a PDF and kept for download (and posting) by the service."""

import asyncio

from babel.dates import format_date

from arflow_notification.domain import Delivered, Outcome
from arflow_notification.domain.locales import babel_locale_name
from arflow_notification.sending.message import OutgoingMessage
from arflow_notification.sending.pdf import Letter, render_letter


def letter_of(message: OutgoingMessage, sender: str) -> Letter:
    """The page layout's content for a message."""
    recipient = (message.recipient_name, *(
        line for line in message.address_lines if line != message.recipient_name))
    if message.contact_name:
        recipient = (recipient[0], message.contact_name, *recipient[1:])
    date_line = str(format_date(message.letter_date, "long", locale=babel_locale_name(message.locale)))
    return Letter(sender, recipient, date_line, message.subject, message.body, message.locale)


class PdfLetters:
    """'Sending' a letter stores its PDF with the attempt, in the same transaction."""

    def __init__(self, sender: str) -> None:
        self._sender = sender

    async def send(self, message: OutgoingMessage) -> Outcome:
        """Render the PDF (in a thread: reportlab is CPU-bound)."""
        document = await asyncio.to_thread(render_letter, letter_of(message, self._sender))
        return Delivered(receipt=f"letter:{message.notification_id}", detail=f"PDF, {len(document)} bytes",
                         document=document)

    async def close(self) -> None:
        """Nothing to release."""
