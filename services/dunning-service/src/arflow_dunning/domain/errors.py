"""Errors the dunning domain raises; the API renders each as application/problem+json."""


class DunningError(Exception):
    """Base of every dunning error: an HTTP status, a problem type slug, a title and a detail."""

    status: int = 400
    problem_type: str = "dunning-error"
    title: str = "Dunning error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidPolicy(DunningError):
    """A dunning policy or stage breaks a structural rule (order, unique keys, amounts)."""

    status = 422
    problem_type = "invalid-dunning-policy"
    title = "Invalid dunning policy"


class NoApplicablePolicy(DunningError):
    """No policy covers the customer's risk class and segment."""

    status = 404
    problem_type = "no-applicable-dunning-policy"
    title = "No applicable dunning policy"


class InvalidInvoiceState(DunningError):
    """The invoice's dunning state is inconsistent (negative amount, unknown stage)."""

    status = 422
    problem_type = "invalid-dunning-state"
    title = "Invalid dunning state"


class InvalidPromise(DunningError):
    """A promise-to-pay is malformed (amount not positive, bad currency)."""

    status = 422
    problem_type = "invalid-promise-to-pay"
    title = "Invalid promise to pay"


class CurrencyMismatch(DunningError):
    """Amounts in different currencies met; money is never converted silently."""

    status = 422
    problem_type = "currency-mismatch"
    title = "Currency mismatch"


class InvalidChargeInput(DunningError):
    """Fee or interest inputs are unusable (negative principal or rate, unknown day count)."""

    status = 422
    problem_type = "invalid-charge-input"
    title = "Invalid charge input"


class InvalidRiskInput(DunningError):
    """A risk class or score outside the known range."""

    status = 422
    problem_type = "invalid-risk-input"
    title = "Invalid risk input"
