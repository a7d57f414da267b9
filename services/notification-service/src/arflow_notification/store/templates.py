"""Custom templates: the ones edited over the API."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from arflow_notification.store.tables import CustomTemplate


async def custom_template(session: AsyncSession, key: str, locale: str) -> CustomTemplate | None:
    """The custom template for a key and locale, if one was saved."""
    return await session.get(CustomTemplate, (key, locale))


async def lock_custom_template(session: AsyncSession, key: str, locale: str) -> CustomTemplate | None:
    """The custom template, locked to the end of the transaction (PostgreSQL): an update checks
    If-Match against, and replaces, one and the same version."""
    return await session.get(CustomTemplate, (key, locale), with_for_update=True)


async def custom_templates(session: AsyncSession, key: str | None = None) -> list[CustomTemplate]:
    """Every custom template, or those of one key."""
    query = select(CustomTemplate).order_by(col(CustomTemplate.key), col(CustomTemplate.locale))
    if key is not None:
        query = query.where(col(CustomTemplate.key) == key)
    return list((await session.execute(query)).scalars())
