"""Credit limits: breach detection once per crossing, and maker-checker limit changes."""

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from arflow_credit.domain.errors import (
    CreditConflict,
    CreditValidationError,
    SelfApprovalRefused,
)
from arflow_credit.domain.money import require_currency, require_decimal, require_non_negative


def limit_crossed(
    previous_exposure: Decimal,
    new_exposure: Decimal,
    limit: Decimal,
    previous_limit: Decimal | None = None,
) -> bool:
    """True only when exposure goes from within the limit (<=) to over it (>).

    ``previous_limit`` covers a limit change: lowering the limit below the current exposure
    is a crossing too.
    """
    before = limit if previous_limit is None else previous_limit
    for value in (previous_exposure, new_exposure, limit, before):
        require_decimal(value, "exposure and limit")
    return previous_exposure <= before and new_exposure > limit


class LimitChangeStatus(StrEnum):
    """Where a limit change stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LimitChangeRequest:
    """A limit change requested by one principal, to be decided by another (maker-checker)."""

    customer_id: str
    requested_by: str
    new_limit: Decimal
    currency: str
    reason: str
    previous_limit: Decimal | None = None
    status: LimitChangeStatus = LimitChangeStatus.PENDING
    decided_by: str | None = None
    decision_reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("customer_id", "requested_by", "reason"):
            if not getattr(self, name):
                raise CreditValidationError(f"a limit change needs {name}")
        require_non_negative(self.new_limit, "new_limit")
        if self.previous_limit is not None:
            require_non_negative(self.previous_limit, "previous_limit")
        require_currency(self.currency)

    def approve(self, by: str, reason: str | None = None) -> "LimitChangeRequest":
        """Approve as ``by``; the requester is refused (403) and only pending requests qualify."""
        self._check_decider(by)
        return replace(self, status=LimitChangeStatus.APPROVED, decided_by=by, decision_reason=reason)

    def reject(self, by: str, reason: str) -> "LimitChangeRequest":
        """Reject as ``by`` with a reason; same rules as approve."""
        if not reason:
            raise CreditValidationError("rejecting a limit change needs a reason")
        self._check_decider(by)
        return replace(self, status=LimitChangeStatus.REJECTED, decided_by=by, decision_reason=reason)

    def _check_decider(self, by: str) -> None:
        if not by:
            raise CreditValidationError("a decision needs the deciding principal")
        if by == self.requested_by:
            raise SelfApprovalRefused(f"{by} requested this limit change and may not decide it", principal=by)
        if self.status is not LimitChangeStatus.PENDING:
            raise CreditConflict(f"limit change is already {self.status.value}")
