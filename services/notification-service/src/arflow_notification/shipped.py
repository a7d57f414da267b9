"""The default templates shipped in default_templates/<locale>/<key>.txt (custom ones override them)."""

from functools import cache
from importlib.resources import files

from arflow_notification.domain import TemplateText

DUNNING_TEMPLATE_KEYS: tuple[str, ...] = (
    "dunning.friendly_reminder",
    "dunning.reminder_1",
    "dunning.reminder_2",
    "dunning.formal_demand",
    "dunning.final_notice",
    "dunning.lawyer_letter",
    "dunning.agency_handover",
)
"""dunning-service's template keys (its domain/templates.py), copied: services share only contracts."""

INVOICE_ISSUED = "invoice.issued"
SHIPPED_KEYS = (*DUNNING_TEMPLATE_KEYS, INVOICE_ISSUED)
SECTION = "=== "


def parse_template_file(text: str) -> TemplateText:
    """Sections '=== subject', '=== short' and '=== body', each running to the next marker."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(SECTION):
            current = sections.setdefault(line[len(SECTION):].strip(), [])
        elif current is not None:
            current.append(line)
    parts = {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}
    unknown = set(parts) - {"subject", "short", "body"}
    if unknown or "subject" not in parts or "body" not in parts:
        raise ValueError(f"a template file needs subject and body sections; found {sorted(parts)}")
    return TemplateText(subject=parts["subject"], body=parts["body"], short=parts.get("short"))


@cache
def shipped_templates() -> dict[tuple[str, str], TemplateText]:
    """(key, locale) → the shipped template."""
    found = {}
    root = files("arflow_notification") / "default_templates"
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            if item.name.endswith(".txt"):
                key = item.name.removesuffix(".txt")
                found[(key, folder.name)] = parse_template_file(item.read_text(encoding="utf-8"))
    return found
