"""The credit policies per risk class, kept in memory and read again only when a stored one changed."""

from collections.abc import Hashable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from arflow_credit.domain import CreditPolicy
from arflow_credit.policies import credit_policies
from arflow_credit.rules import CreditRules


class PolicyBook:
    """Every class's policy, keyed by the stored policies' version (store.decision reads it).

    Policies change a few times a year and checks come by the hundred per second: a check reads
    the version with its other sums and rereads the policies only when it moved, so a change made
    through any process is seen by the next check of every process.
    """

    def __init__(self, rules: CreditRules) -> None:
        self._rules = rules
        self._version: Hashable = None
        self._policies: Mapping[str, CreditPolicy] | None = None

    async def policies(self, session: AsyncSession, version: Hashable) -> Mapping[str, CreditPolicy]:
        """The policies as of `version` (or newer: a concurrent change may already show)."""
        if self._policies is None or version != self._version:
            self._policies = await credit_policies(session, self._rules)
            self._version = version
        return self._policies
