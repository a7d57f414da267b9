"""Structured JSON logging with service, correlation and event ids; personal data masked."""

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A phone number: an international one (+ and 7+ digits, separators allowed), or one written with
# separators ("(555) 123-4567", "030 1234567", "138-0013-8000"). Bare digit runs are ids (invoice
# numbers such as 0000611365), and ISO dates are dates, so neither is masked.
PHONE = re.compile(
    r"(?<![\w+])\+\d[\d ().\-]{5,}\d(?!\w)"
    # Not next to ':' or '.digit', so times such as 08:13:15.192708+00:00 stay readable.
    r"|(?<![\w+:.])\(?\d{2,5}\)?(?:[ .\-]\(?\d{2,8}\)?){1,4}(?![\w:-]|\.\d)"
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PERSONAL_KEYS = ("email", "phone", "mobile", "fax", "address", "contact")


def mask_personal_data(text: str) -> str:
    """Replace email addresses and phone numbers with placeholders."""
    text = EMAIL.sub("<email>", text)
    return PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < 7 or ISO_DATE.fullmatch(found):
        return found
    return "<phone>"


def _mask_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if any(word in key.lower() for word in PERSONAL_KEYS):
            return "<redacted>"
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {k: _mask_value(str(k), item) for k, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(key, item) for item in value]
    return value


def mask_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask personal data in every string field."""
    return {key: _mask_value(key, value) for key, value in event_dict.items()}


_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Configure structlog (once per process) to write one JSON object per line to stdout."""
    global _configured
    if _configured:
        return
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_processor,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    # Libraries log through the standard library: send them through the same masking.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(), foreign_pre_chain=shared
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    _configured = True


def get_logger(name: str | None = None) -> Any:
    """A structlog logger."""
    return structlog.get_logger(name)
