"""Topic names: one per producing service, dead-letter topics beside them."""

LEDGER = "ledger.events"
CREDIT = "credit.events"
DUNNING = "dunning.events"
NOTIFICATION = "notification.events"

ALL = (LEDGER, CREDIT, DUNNING, NOTIFICATION)

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic beside a source topic."""
    return topic + DEAD_LETTER_SUFFIX
