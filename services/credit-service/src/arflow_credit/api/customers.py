"""Customer profiles: PUT (create or replace) and GET; changes reach other services as events."""

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from arflow_contracts.credit import E164_PATTERN, EMAIL_PATTERN, PostalAddress
from arflow_contracts.identifiers import CountryCode, Identifier, Jurisdiction
from arflow_credit.api.common import CustomerId, IfMatchDep, Instant, RulesDep
from arflow_credit.concurrency import etag
from arflow_credit.domain import CreditNotFound
from arflow_credit.profiles import put_profile
from arflow_credit.store.customers import CustomerProfile, customer_profile
from arflow_runtime.auth import Principal
from arflow_runtime.etags import PRECONDITION_RESPONSES
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["customers"])


class CustomerProfileIn(BaseModel):
    """The customer master as the ERP keeps it; only the name is required."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=300)]
    country: CountryCode | None = None
    locale: Annotated[
        str | None, Field(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", examples=["zh-CN"])
    ] = None
    time_zone: Annotated[str | None, Field(max_length=64, examples=["Asia/Shanghai"])] = None
    email: Annotated[str | None, Field(max_length=254, pattern=EMAIL_PATTERN)] = None
    phone: Annotated[str | None, Field(pattern=E164_PATTERN, description="E.164, e.g. +8613800138000")] = None
    contact_name: Annotated[str | None, Field(max_length=200)] = None
    address: PostalAddress | None = None
    segment: Annotated[str | None, Field(max_length=64)] = None
    salesperson_id: Identifier | None = None
    collector_id: Identifier | None = None
    jurisdiction: Jurisdiction | None = None
    external_rating: Annotated[
        int | str | None, Field(description="0-100, or a letter grade AAA..D", examples=[72, "BBB"])
    ] = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is None:
            return None
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone such as Europe/Berlin or Asia/Shanghai") from None
        return zone

    @field_validator("external_rating")
    @classmethod
    def _rating_range(cls, rating: int | str | None) -> int | str | None:
        if isinstance(rating, int) and not 0 <= rating <= 100:
            raise ValueError("a numeric external rating lies in 0..100")
        return rating


class CustomerProfileOut(BaseModel):
    """A customer's profile with its revision (also the ETag)."""

    customer_id: str
    name: str
    country: str | None
    locale: str | None
    time_zone: str | None
    email: str | None
    phone: str | None
    contact_name: str | None
    address: PostalAddress | None
    segment: str | None
    salesperson_id: str | None
    collector_id: str | None
    jurisdiction: str | None
    external_rating: str | None
    revision: int
    updated_at: Instant


def profile_out(profile: CustomerProfile) -> CustomerProfileOut:
    fields: dict[str, Any] = profile.model_dump()
    fields["address"] = PostalAddress.model_validate_json(profile.address) if profile.address else None
    return CustomerProfileOut.model_validate(fields)


@router.put(
    "/customers/{customer_id}",
    response_model=CustomerProfileOut,
    responses={
        201: {"model": CustomerProfileOut, "description": "Profile created"},
        **PRECONDITION_RESPONSES,
    },
)
async def put_customer(
    customer_id: CustomerId,
    body: CustomerProfileIn,
    uow: UnitOfWorkDep,
    rules: RulesDep,
    response: Response,
    principal: Annotated[Principal, require("credit:write")],
    expected: IfMatchDep,
) -> CustomerProfileOut:
    """Create or replace a customer's profile; a change emits CustomerProfileChanged."""
    change = await put_profile(
        uow,
        rules,
        customer_id,
        body.model_dump(mode="json"),
        actor=principal.name,
        precondition=expected,
    )
    await uow.commit()
    response.status_code = status.HTTP_201_CREATED if change.created else status.HTTP_200_OK
    response.headers["ETag"] = etag(change.profile.revision)
    return profile_out(change.profile)


@router.get("/customers/{customer_id}", response_model=CustomerProfileOut)
async def get_customer(
    customer_id: CustomerId,
    uow: UnitOfWorkDep,
    response: Response,
    _: Annotated[Principal, require("credit:read")],
) -> CustomerProfileOut:
    """A customer's profile."""
    profile = await customer_profile(uow.session, customer_id)
    if profile is None:
        raise CreditNotFound(
            f"no profile for customer {customer_id}; PUT /v1/customers/{customer_id} creates it"
        )
    response.headers["ETag"] = etag(profile.revision)
    return profile_out(profile)
