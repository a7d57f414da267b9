"""Customer master data: stored here, shared with the other services as CustomerProfileChanged."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arflow_contracts.credit import CustomerProfileChangedV1, PostalAddress
from arflow_credit.assessment import reassess_customer
from arflow_credit.concurrency import Precondition, require_if_match, require_revision
from arflow_credit.domain import external_rating_value
from arflow_credit.rules import CreditRules
from arflow_credit.store.audit import append_audit
from arflow_credit.store.clock import business_today
from arflow_credit.store.customers import CustomerProfile, open_credit_account
from arflow_runtime.db import UnitOfWork
from arflow_runtime.log import get_logger

log = get_logger(__name__)
PERSONAL_FIELDS = frozenset({"email", "phone", "contact_name", "address"})
PROFILE_FIELDS = (
    "name",
    "country",
    "locale",
    "time_zone",
    "email",
    "phone",
    "contact_name",
    "address",
    "segment",
    "salesperson_id",
    "collector_id",
    "jurisdiction",
    "external_rating",
)


@dataclass(frozen=True)
class ProfileChange:
    """The outcome of a PUT: the profile and whether it was new or changed."""

    profile: CustomerProfile
    created: bool
    changed: bool


def profile_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Request fields as stored columns: the address as JSON, the rating as text."""
    values = {name: fields.get(name) for name in PROFILE_FIELDS}
    if values["address"] is not None:
        values["address"] = json.dumps(
            PostalAddress.model_validate(values["address"]).model_dump(mode="json"), sort_keys=True
        )
    if values["external_rating"] is not None:
        rating = values["external_rating"]
        if isinstance(rating, str) and rating.strip().isdigit():
            rating = int(rating)
        external_rating_value(rating if isinstance(rating, int) else str(rating))  # refuses unknown grades
        values["external_rating"] = str(rating).strip().upper()
    return values


def audit_view(values: dict[str, Any]) -> dict[str, Any]:
    """A profile for the audit log: personal data replaced by whether it is set."""
    return {
        name: ("<set>" if value is not None else None) if name in PERSONAL_FIELDS else value
        for name, value in values.items()
    }


def profile_event(profile: CustomerProfile) -> CustomerProfileChangedV1:
    """The whole current profile as the event other services keep their copy from."""
    return CustomerProfileChangedV1(
        customer_id=profile.customer_id,
        name=profile.name,
        country=profile.country,
        locale=profile.locale,
        time_zone=profile.time_zone,
        email=profile.email,
        phone=profile.phone,
        contact_name=profile.contact_name,
        address=PostalAddress.model_validate_json(profile.address) if profile.address else None,
        segment=profile.segment,
        salesperson_id=profile.salesperson_id,
        collector_id=profile.collector_id,
        jurisdiction=profile.jurisdiction,
        revision=profile.revision,
    )


async def put_profile(
    uow: UnitOfWork,
    rules: CreditRules,
    customer_id: str,
    fields: dict[str, Any],
    *,
    actor: str,
    precondition: Precondition,
) -> ProfileChange:
    """Create or replace a customer's profile; a change emits CustomerProfileChanged and is audited."""
    session = uow.session
    values = profile_values(fields)
    # The row stays locked to the commit (PostgreSQL): the If-Match check and the write see one
    # revision, so of two updates made against the same ETag one gets 412 instead of being lost.
    profile = await session.get(CustomerProfile, customer_id, with_for_update=True, populate_existing=True)
    current = profile.revision if profile else 0
    require_revision(f"customer {customer_id}", current, precondition.revision)
    before = {name: getattr(profile, name) for name in PROFILE_FIELDS} if profile else None
    if before == values:
        return ProfileChange(profile, created=False, changed=False)  # type: ignore[arg-type]
    require_if_match(f"customer {customer_id}", current, precondition)
    now = datetime.now(UTC)
    if profile is None:
        profile = CustomerProfile(customer_id=customer_id, revision=1, updated_at=now, **values)
        session.add(profile)
    else:
        for name, value in values.items():
            setattr(profile, name, value)
        profile.revision += 1
        profile.updated_at = now
    today = await business_today(session)
    await uow.publish(profile_event(profile), customer_id=customer_id)
    await append_audit(
        session,
        customer_id=customer_id,
        subject="customer_profile",
        subject_id=customer_id,
        action="created" if before is None else "changed",
        actor=actor,
        business_date=today,
        before=audit_view(before) if before else None,
        after=audit_view(values),
    )
    account, opened = await open_credit_account(session, customer_id)
    if opened or account.external_rating != values["external_rating"]:
        account.external_rating = values["external_rating"]
        await reassess_customer(uow, rules, customer_id, today, "CustomerProfileChanged")
    log.info("credit.profile.changed", customer_id=customer_id, revision=profile.revision)
    return ProfileChange(profile, created=before is None, changed=True)
