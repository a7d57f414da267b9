"""Credit domain errors: each carries an HTTP status and a problem type for problem+json.

The attributes mirror ``arflow_runtime.errors.ProblemError`` (status, problem_type, title,
detail) so the API layer can render them without the domain importing FastAPI.
"""

from typing import Any


class CreditError(Exception):
    """Base of every credit domain error."""

    status: int = 400
    problem_type: str = "credit-error"
    title: str = "Credit error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class CreditValidationError(CreditError):
    """Input breaks a domain rule (a float amount, a negative limit, an unknown currency)."""

    status = 422
    problem_type = "credit-validation-error"
    title = "Invalid credit data"


class CreditConflict(CreditError):
    """The request clashes with the current state (deciding a request already decided)."""

    status = 409
    problem_type = "credit-conflict"
    title = "Credit state conflict"


class CreditNotFound(CreditError):
    """A referenced credit object (policy, hold, risk class) does not exist."""

    status = 404
    problem_type = "credit-not-found"
    title = "Credit object not found"


class CreditForbidden(CreditError):
    """The principal may not do this."""

    status = 403
    problem_type = "credit-forbidden"
    title = "Forbidden"


class SelfApprovalRefused(CreditForbidden):
    """Maker-checker: the requester of a change may not decide it."""

    problem_type = "credit-self-approval"
    title = "Self-approval refused"


class StaleRevision(CreditError):
    """An update named a revision (If-Match) that is no longer the current one."""

    status = 412
    problem_type = "credit-stale-revision"
    title = "Changed meanwhile"
