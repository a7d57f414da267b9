"""The customer copies kept from CustomerProfileChanged."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_contracts.credit import CustomerProfileChangedV1
from arflow_notification.store.tables import CustomerCopy


async def customer(session: AsyncSession, customer_id: str) -> CustomerCopy | None:
    """What we know of a customer, if anything."""
    return await session.get(CustomerCopy, customer_id)


async def keep_profile(session: AsyncSession, profile: CustomerProfileChangedV1, now: datetime) -> bool:
    """Store the profile (a whole snapshot); False when an older revision arrives late."""
    known = await session.get(CustomerCopy, profile.customer_id)
    if known is None:
        known = CustomerCopy(customer_id=profile.customer_id, name=profile.name, updated_at=now)
        session.add(known)
    elif profile.revision is not None and known.revision is not None and profile.revision < known.revision:
        return False
    known.name = profile.name
    known.locale = profile.locale
    known.time_zone = profile.time_zone
    known.country = profile.country
    known.email = profile.email
    known.phone = profile.phone
    known.contact_name = profile.contact_name
    known.address = profile.address.model_dump(mode="json") if profile.address else None
    known.revision = profile.revision
    known.updated_at = now
    return True
