"""invoice-service settings (INVOICE_*)."""

from datetime import date, time
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from arflow_invoice.domain import (
    DEFAULT_ALLOWANCE_RATES,
    PARTS,
    AgingBucket,
    LedgerError,
    aging_bucket_set,
    bad_debt_allowance,
)
from arflow_runtime.settings import ServiceSettings

PartName = Literal["fees", "interest", "principal"]


class InvoiceSettings(ServiceSettings):
    """Settings of the receivables ledger."""

    model_config = SettingsConfigDict(env_prefix="INVOICE_", extra="ignore")

    port: int = Field(8002, description="HTTP port")
    day_close_schedule: bool = Field(
        True,
        description="close each day automatically at INVOICE_DAY_CLOSE_TIME (false: on request only)",
    )
    day_close_time: time = Field(
        time(0, 30), description="local time (HH:MM) at which yesterday and any missed days are closed"
    )
    time_zone: str = Field("UTC", description="IANA time zone of the business day, e.g. Europe/Berlin")
    aging_boundaries: list[int] = Field(
        [30, 60, 90, 180, 365], description="upper day of each past-due aging bucket (JSON list)"
    )
    allowance_rates: dict[str, Decimal] = Field(
        dict(DEFAULT_ALLOWANCE_RATES), description="bad-debt allowance rate per aging bucket (JSON object)"
    )
    allocation_order: Literal["oldest_due_first", "oldest_issue_first"] = Field(
        "oldest_due_first", description="which open invoices a payment without allocations settles first"
    )
    part_order: list[PartName] = Field(
        list(PARTS), description="order in which a payment settles an invoice's parts (JSON list)"
    )
    write_off_approval_limit: Decimal = Field(
        Decimal("1000"), ge=0, description="write-offs above this amount need a second principal's approval"
    )
    write_off_approval_limits: dict[str, Decimal] = Field(
        {}, description='per-currency overrides of the approval limit (JSON object, e.g. {"JPY": "150000"})'
    )
    page_size_limit: int = Field(500, ge=1, description="largest page the list endpoints return")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "InvoiceSettings":
        try:
            bad_debt_allowance((), date.min, self.allowance_rates, self.buckets)  # checks the rates
        except LedgerError as error:
            raise ValueError(error.detail) from None
        if sorted(self.part_order) != sorted(PARTS):
            raise ValueError(f"part_order must name each of {', '.join(PARTS)} once")
        return self

    @property
    def buckets(self) -> tuple[AgingBucket, ...]:
        """The configured aging buckets."""
        try:
            return aging_bucket_set(self.aging_boundaries)
        except LedgerError as error:
            raise ValueError(error.detail) from None

    @property
    def zone(self) -> ZoneInfo:
        """The business day's time zone."""
        return ZoneInfo(self.time_zone)

    def approval_limit(self, currency: str) -> Decimal:
        """The write-off amount above which a second principal must approve, in `currency`."""
        return self.write_off_approval_limits.get(currency, self.write_off_approval_limit)
