"""Every notification template key dunning uses; notification-service ships one per key."""

FRIENDLY_REMINDER = "dunning.friendly_reminder"
"""Before the due date: a courtesy note that the invoice falls due soon."""
REMINDER_1 = "dunning.reminder_1"
"""Just overdue: a polite first reminder."""
REMINDER_2 = "dunning.reminder_2"
"""Still overdue: a firmer second reminder."""
FORMAL_DEMAND = "dunning.formal_demand"
"""A formal demand for payment (restarts the limitation period once delivered)."""
FINAL_NOTICE = "dunning.final_notice"
"""Last notice: supply is on hold, fees and interest are charged, legal steps announced."""
LAWYER_LETTER = "dunning.lawyer_letter"
"""Tells the customer the claim is with a lawyer (the lawyer's own letter is separate)."""
AGENCY_HANDOVER = "dunning.agency_handover"
"""Tells the customer the claim has been handed to a collection agency."""

TEMPLATE_KEYS: tuple[str, ...] = (
    FRIENDLY_REMINDER,
    REMINDER_1,
    REMINDER_2,
    FORMAL_DEMAND,
    FINAL_NOTICE,
    LAWYER_LETTER,
    AGENCY_HANDOVER,
)
"""All template keys, in the order a customer would meet them."""
