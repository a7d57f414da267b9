"""Topic names: one per producing service, dead-letter topics beside them."""

LEDGER = "ledger.events"
CREDIT = "credit.events"
DUNNING = "dunning.events"
NOTIFICATION = "notification.events"

ALL = (LEDGER, CREDIT, DUNNING, NOTIFICATION)

PRODUCER = {
    LEDGER: "invoice-service",
    CREDIT: "credit-service",
    DUNNING: "dunning-service",
    NOTIFICATION: "notification-service",
}
"""The one service that publishes to each topic (the envelope's `producer`)."""

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic beside a source topic."""
    return topic + DEAD_LETTER_SUFFIX
