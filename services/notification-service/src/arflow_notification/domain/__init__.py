"""notification-service's rules, free of I/O: locales, timing, rate limits, backoff, rendering."""

from arflow_notification.domain.backoff import Backoff
from arflow_notification.domain.channels import (
    QUIET_HOURS_CHANNELS,
    RATE_LIMITED_CHANNELS,
    Channel,
    Contacts,
    Route,
    route,
)
from arflow_notification.domain.clock import Clock, SystemClock, UtcClock
from arflow_notification.domain.facts import (
    MessageFacts,
    NoticeInvoice,
    Recipient,
    sample_facts,
    template_context,
    totals_by_currency,
)
from arflow_notification.domain.locales import is_locale_tag, language_of, normalize_locale, resolve_locale
from arflow_notification.domain.outcomes import Delivered, Outcome, Permanent, Transient
from arflow_notification.domain.ratelimit import RateLimit
from arflow_notification.domain.rendering import (
    RenderedMessage,
    TemplateProblem,
    TemplateText,
    check_syntax,
    render,
)
from arflow_notification.domain.timing import SendWindow, parse_hours, parse_weekdays, zone_of

__all__ = [
    "QUIET_HOURS_CHANNELS",
    "RATE_LIMITED_CHANNELS",
    "Backoff",
    "Channel",
    "Clock",
    "Contacts",
    "Delivered",
    "MessageFacts",
    "NoticeInvoice",
    "Outcome",
    "Permanent",
    "RateLimit",
    "Recipient",
    "RenderedMessage",
    "Route",
    "SendWindow",
    "SystemClock",
    "TemplateProblem",
    "TemplateText",
    "Transient",
    "UtcClock",
    "check_syntax",
    "is_locale_tag",
    "language_of",
    "normalize_locale",
    "parse_hours",
    "parse_weekdays",
    "render",
    "resolve_locale",
    "route",
    "sample_facts",
    "template_context",
    "totals_by_currency",
    "zone_of",
]
