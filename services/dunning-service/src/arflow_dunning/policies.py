"""The policies in force: the shipped defaults, overridden or extended by policies PUT via the API."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from arflow_dunning.domain import (
    DEFAULT_POLICIES,
    DunningPolicy,
    InvalidPolicy,
    NoApplicablePolicy,
    select_policy,
)
from arflow_dunning.errors import PolicyNotFound
from arflow_dunning.policy_documents import PolicyDocument, to_document, to_domain
from arflow_dunning.store import OPEN, StoredPolicy, WatchedInvoice
from arflow_runtime.etags import check_if_match
from arflow_runtime.log import get_logger

log = get_logger(__name__)

BUILT_IN: dict[str, DunningPolicy] = {policy.id: policy for policy in DEFAULT_POLICIES.values()}
RISK_CLASSES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class PolicyEntry:
    """A policy in force with its document and version (0: the shipped default, never edited)."""

    policy: DunningPolicy
    document: PolicyDocument
    version: int
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def built_in(self) -> bool:
        return self.policy.id in BUILT_IN

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class PolicyBook:
    """Every policy in force, and the choice of one per customer."""

    def __init__(self, entries: dict[str, PolicyEntry], default_class: str) -> None:
        self.entries = entries
        self.default_class = default_class
        self._policies = [entry.policy for entry in entries.values()]

    def get(self, policy_id: str | None) -> DunningPolicy | None:
        entry = self.entries.get(policy_id or "")
        return entry.policy if entry else None

    def for_customer(self, risk_class: str | None, segment: str | None) -> DunningPolicy:
        """The most specific policy for the class (the default class when unrated) and segment."""
        risk_class = risk_class or self.default_class
        try:
            return select_policy(self._policies, risk_class, segment)
        except NoApplicablePolicy:
            # Never leave an invoice without a policy: the shipped default for the class steps in.
            log.warning("dunning.policy.fallback", risk_class=risk_class)
            return DEFAULT_POLICIES.get(risk_class, DEFAULT_POLICIES[self.default_class])


def _entry(row: StoredPolicy) -> PolicyEntry:
    document = PolicyDocument.model_validate(row.document)
    return PolicyEntry(
        to_domain(row.policy_id, document), document, row.version, row.updated_by, row.updated_at
    )


async def load_policy_book(session: AsyncSession, default_class: str) -> PolicyBook:
    """The built-in defaults overlaid by the stored policies."""
    entries = {pid: PolicyEntry(policy, to_document(policy), 0) for pid, policy in BUILT_IN.items()}
    for row in (await session.execute(select(StoredPolicy))).scalars():
        entries[row.policy_id] = _entry(row)
    return PolicyBook(entries, default_class)


async def policy_entry(session: AsyncSession, policy_id: str) -> PolicyEntry:
    """One policy in force; PolicyNotFound when there is none with the id."""
    row = await session.get(StoredPolicy, policy_id)
    if row is not None:
        return _entry(row)
    if policy_id in BUILT_IN:
        return PolicyEntry(BUILT_IN[policy_id], to_document(BUILT_IN[policy_id]), 0)
    raise PolicyNotFound(f"No dunning policy {policy_id!r}.")


def _check_if_match(if_match: str | None, current: PolicyEntry | None, policy_id: str) -> None:
    """A stored policy is replaced only with If-Match (412 stale, 428 missing; docs/security.md).

    A shipped default (version 0) is not stored: the first override needs no If-Match, but one
    that is sent must name it ("0")."""
    if current is not None and current.version == 0:
        if if_match is not None:
            check_if_match(if_match, current.etag, what=f"Dunning policy {policy_id}")
        return
    check_if_match(if_match, current.etag if current else None, what=f"Dunning policy {policy_id}")


async def save_policy(
    session: AsyncSession,
    policy_id: str,
    document: PolicyDocument,
    actor: str,
    if_match: str | None,
    default_class: str,
) -> tuple[PolicyEntry, bool]:
    """Create or replace a policy; returns the entry and whether it is new. The caller commits."""
    policy = to_domain(policy_id, document)
    # Lock the stored row first (PostgreSQL), so the If-Match check and the write see one version:
    # otherwise two writers holding the same ETag both pass the check and one update is lost.
    await session.get(StoredPolicy, policy_id, with_for_update=True)
    book = await load_policy_book(session, default_class)
    current = book.entries.get(policy_id)
    _check_if_match(if_match, current, policy_id)
    others = [entry.policy for pid, entry in book.entries.items() if pid != policy_id]
    uncovered = [c for c in RISK_CLASSES if not any(p.applies_to(c) for p in [*others, policy])]
    if uncovered:
        raise InvalidPolicy(f"no policy would cover risk class {', '.join(uncovered)} any more")
    row = await session.get(StoredPolicy, policy_id)
    now = datetime.now(UTC)
    version = (current.version if current else 0) + 1
    stored = document.model_dump(mode="json")
    if row is None:
        session.add(
            StoredPolicy(
                policy_id=policy_id, document=stored, version=version, updated_at=now, updated_by=actor
            )
        )
    else:
        row.document, row.version, row.updated_at, row.updated_by = stored, version, now, actor
    # Stages may have moved: every open invoice works out its next stage day again.
    await session.execute(
        update(WatchedInvoice).where(WatchedInvoice.status == OPEN).values(next_stage_due_on=None)
    )
    return PolicyEntry(policy, document, version, actor, now), current is None
