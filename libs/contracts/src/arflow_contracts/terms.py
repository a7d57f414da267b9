"""Contract terms an invoice carries: instalments, late interest, fees, early-payment discount."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from arflow_contracts.identifiers import Jurisdiction
from arflow_contracts.money import Amount, Rate

DayCount = Literal["ACT/360", "ACT/365", "30/360"]
"""Day-count convention for late interest."""


class Instalment(BaseModel):
    """One instalment of an invoice payable in parts."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    due_date: date
    amount: Amount = Field(description="In the invoice's currency.")


class ContractTerms(BaseModel):
    """What the contract says about lateness; absent parts fall back to the policy's defaults."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    late_interest_rate: Rate | None = Field(
        default=None, description="Annual late-interest rate as a fraction (0.08 = 8 % p.a.)."
    )
    day_count: DayCount | None = None
    dunning_fee: Amount | None = Field(
        default=None, description="Fee per dunning stage that charges one, invoice currency."
    )
    jurisdiction: Jurisdiction | None = None


class EarlyPaymentDiscount(BaseModel):
    """Cash discount for paying early (for example 2 % within 10 days)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    rate: Rate = Field(description="Fraction of the invoice amount (0.02 = 2 %).")
    until: date = Field(description="Last day a payment still earns the discount.")
