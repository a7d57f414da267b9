"""The sender: a background job that sends due notifications, each exactly once in effect.

Per notification: (1) a transaction takes a lease and writes the attempt as 'sending';
(2) the channel sends, outside any transaction; (3) a transaction records the outcome and
publishes NotificationSent / DemandDelivered / NotificationFailed through the outbox. If the
process dies between (2) and (3), the lease runs out and the next attempt finds the 'sending'
row: it marks it 'interrupted' and sends again with the same identity (SMTP Message-ID and the
HTTP provider's Idempotency-Key are the notification id), so the provider or the recipient's
mail system recognises the copy. Step (3) itself retries until the database answers.
"""

import asyncio
from collections import defaultdict
from random import Random
from typing import TYPE_CHECKING

from arflow_notification.domain import Clock, Outcome, Transient
from arflow_notification.sending.channels import Channels, build_channels
from arflow_notification.sending.outcomes import record
from arflow_notification.sending.preparation import Prepared, prepare
from arflow_notification.settings import NotificationSettings
from arflow_notification.store.notifications import due_notifications
from arflow_runtime.consumer import is_transient
from arflow_runtime.db import Database
from arflow_runtime.log import get_logger

if TYPE_CHECKING:
    from arflow_runtime.service import ServiceRuntime

log = get_logger(__name__)


class NotificationSender:
    """The background job (ServiceDefinition.background) that drives every channel."""

    __name__ = "notification-sender"

    def __init__(self, settings: NotificationSettings, clock: Clock, channels: Channels | None = None,
                 rng: Random | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self._channels = channels
        self._rng = rng or Random()
        self.passes = 0
        """Completed passes over the due notifications (tests wait on it instead of sleeping)."""

    async def __call__(self, runtime: "ServiceRuntime") -> None:
        """Send due notifications until cancelled."""
        channels = self._channels or build_channels(self.settings, self.clock)
        try:
            while True:
                await self.run_once(runtime.database, channels)
                self.passes += 1
                await asyncio.sleep(self.settings.poll_interval_seconds)  # poll interval between passes
        finally:
            if self._channels is None:
                await channels.close()

    async def run_once(self, database: Database, channels: Channels) -> int:
        """One pass: every due notification, one customer's in order, customers in parallel."""
        now = self.clock.now()
        async with database.unit_of_work() as uow:
            due = await due_notifications(uow.session, now, self.settings.send_batch_size)
        by_customer: dict[str, list[str]] = defaultdict(list)
        for notification_id, customer_id in due:
            by_customer[customer_id].append(notification_id)
        gate = asyncio.Semaphore(self.settings.send_concurrency)

        async def serve(notification_ids: list[str]) -> None:
            async with gate:
                for notification_id in notification_ids:
                    await self.deliver(database, channels, notification_id)

        results = await asyncio.gather(*(serve(ids) for ids in by_customer.values()), return_exceptions=True)
        errors = [result for result in results if isinstance(result, BaseException)]
        for error in errors:
            # The notification keeps its lease and is tried again when it runs out.
            log.error("notification.sender.error", error=type(error).__name__, exc_info=error)
        if errors:
            raise errors[0]
        return len(due)

    async def deliver(self, database: Database, channels: Channels, notification_id: str) -> None:
        """Prepare, send and record one notification."""
        async with database.unit_of_work() as uow:
            prepared = await prepare(uow, notification_id, self.clock.now(), self.settings)
            await uow.commit()
        if prepared is None:
            return
        outcome = await self._send(channels, prepared)
        await self._record(database, prepared, outcome)

    async def _send(self, channels: Channels, prepared: Prepared) -> Outcome:
        # Capped well inside the lease, so no other sender takes the message while this one sends.
        try:
            async with asyncio.timeout(self.settings.lease_seconds / 2):
                return await channels.send(prepared.message)
        except TimeoutError:
            return Transient("send took longer than half the lease; abandoned")
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug in a channel: retried like any transient trouble
            log.error("notification.channel.error", notification_id=prepared.message.notification_id,
                      channel=str(prepared.message.channel), error=type(error).__name__, exc_info=error)
            return Transient(f"channel error: {type(error).__name__}")

    async def _record(self, database: Database, prepared: Prepared, outcome: Outcome) -> None:
        # The message is out: its outcome must be written, however long the database is away.
        delay = 0.1
        while True:
            try:
                async with database.unit_of_work() as uow:
                    await record(uow, prepared.message.notification_id, prepared.attempt, outcome,
                                 self.clock.now(), prepared.local_date, self.settings, self._rng)
                    await uow.commit()
                return
            except Exception as error:
                if not is_transient(error):
                    raise
                log.warning("notification.record.retry", notification_id=prepared.message.notification_id,
                            error=type(error).__name__)
                await asyncio.sleep(delay)  # back off while the database is unreachable
                delay = min(delay * 2, 5.0)
