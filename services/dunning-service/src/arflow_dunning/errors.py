"""Errors of the dunning service beyond the domain's; all render as application/problem+json."""

from arflow_dunning.domain import DunningError


class NotFound(DunningError):
    """Something the request names does not exist."""

    status = 404
    problem_type = "not-found"
    title = "Not found"


class CaseNotFound(NotFound):
    problem_type = "case-not-found"
    title = "Collection case not found"


class TaskNotFound(NotFound):
    problem_type = "task-not-found"
    title = "Collection task not found"


class InvoiceNotWatched(NotFound):
    problem_type = "invoice-not-watched"
    title = "Invoice not known to dunning"


class PolicyNotFound(NotFound):
    problem_type = "dunning-policy-not-found"
    title = "Dunning policy not found"


class Conflict(DunningError):
    """The request contradicts the current state."""

    status = 409
    problem_type = "conflict"
    title = "Conflict"


class CaseClosed(Conflict):
    problem_type = "case-closed"
    title = "Collection case is closed"


class TaskAlreadyCompleted(Conflict):
    problem_type = "task-already-completed"
    title = "Task already completed"


class PromiseAlreadyOpen(Conflict):
    problem_type = "promise-already-open"
    title = "A promise to pay is already open"


class InvoiceNotOpen(Conflict):
    problem_type = "invoice-not-open"
    title = "Invoice is no longer chased"


class PreconditionFailed(DunningError):
    """If-Match named another version than the current one."""

    status = 412
    problem_type = "precondition-failed"
    title = "Precondition failed"


class InvalidRequest(DunningError):
    """Well-formed but unusable input (a promise date in the past, an unknown currency)."""

    status = 422
    problem_type = "invalid-dunning-request"
    title = "Invalid request"
