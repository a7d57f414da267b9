"""The template catalogue: shipped defaults overridden by custom templates, with locale fallback."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_notification.domain import TemplateText, normalize_locale, resolve_locale
from arflow_notification.shipped import shipped_templates
from arflow_notification.store.tables import CustomTemplate
from arflow_notification.store.templates import custom_template, custom_templates


@dataclass(frozen=True)
class CatalogueEntry:
    """A template as the service uses it, and where it came from."""

    key: str
    locale: str
    text: TemplateText
    source: str  # "default" or "custom"
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def etag(self) -> str:
        """A strong validator of exactly this content and version."""
        digest = hashlib.sha256(
            "\x00".join([self.key, self.locale, self.source, str(self.version), self.text.subject,
                         self.text.body, self.text.short or ""]).encode()
        ).hexdigest()[:32]
        return f'"{digest}"'


def _custom(entry: CustomTemplate) -> CatalogueEntry:
    return CatalogueEntry(entry.key, entry.locale, TemplateText(entry.subject, entry.body, entry.short),
                          "custom", entry.version, entry.updated_at, entry.updated_by)


def shipped_entry(key: str, locale: str) -> CatalogueEntry | None:
    """The shipped default of a key and locale."""
    text = shipped_templates().get((key, locale))
    return CatalogueEntry(key, locale, text, "default") if text else None


async def find_template(session: AsyncSession, key: str, locale: str) -> CatalogueEntry | None:
    """The template of exactly this key and locale: custom if saved, else shipped."""
    locale = normalize_locale(locale)
    custom = await custom_template(session, key, locale)
    return _custom(custom) if custom else shipped_entry(key, locale)


async def locales_of(session: AsyncSession, key: str) -> set[str]:
    """Every locale a key has a template in."""
    shipped = {locale for (k, locale) in shipped_templates() if k == key}
    return shipped | {entry.locale for entry in await custom_templates(session, key)}


async def template_for(
    session: AsyncSession, key: str, wishes: Iterable[str | None], fallback: str
) -> CatalogueEntry | None:
    """The best template for a customer: first wish (profile locale, then hint), then fallback."""
    available = await locales_of(session, key)
    if not available:
        return None
    chosen = resolve_locale(available, *wishes, fallback=fallback)
    if chosen not in available:
        chosen = resolve_locale(available, chosen, fallback=sorted(available)[0])
    return await find_template(session, key, chosen)


async def catalogue(session: AsyncSession) -> list[CatalogueEntry]:
    """Every template: custom ones, and shipped ones not overridden."""
    entries = {(e.key, e.locale): _custom(e) for e in await custom_templates(session)}
    for (key, locale), text in shipped_templates().items():
        entries.setdefault((key, locale), CatalogueEntry(key, locale, text, "default"))
    return [entries[k] for k in sorted(entries)]


async def save_template(
    session: AsyncSession, key: str, locale: str, text: TemplateText, by: str, now: datetime
) -> CatalogueEntry:
    """Create or replace the custom template of a key and locale; its version goes up by one."""
    existing = await custom_template(session, key, locale)
    if existing is None:
        existing = CustomTemplate(key=key, locale=locale, subject=text.subject, body=text.body,
                                  short=text.short, version=1, updated_by=by, updated_at=now)
        session.add(existing)
    else:
        existing.subject, existing.body, existing.short = text.subject, text.body, text.short
        existing.version += 1
        existing.updated_by, existing.updated_at = by, now
    return _custom(existing)


async def remove_template(session: AsyncSession, key: str, locale: str) -> bool:
    """Delete a custom template (the shipped default, if any, applies again)."""
    existing = await custom_template(session, key, locale)
    if existing is None:
        return False
    await session.delete(existing)
    return True
