"""One chaos run from start to verdict: servers, services, load and faults, quiet, checks, table."""

import asyncio
import logging
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from arflow_cli.chaos import checks
from arflow_cli.chaos.evidence import collect_events
from arflow_cli.chaos.faults import FaultInjector
from arflow_cli.chaos.infra import Infrastructure
from arflow_cli.chaos.plan import ChaosPlan
from arflow_cli.chaos.provider import ProviderSink
from arflow_cli.chaos.quiet import Quiet, wait_for_quiet
from arflow_cli.chaos.report import Figures, render
from arflow_cli.chaos.smtp import MailSink
from arflow_cli.chaos.workload import Driver
from arflow_cli.local import LocalPlatform, ServiceProcess
from arflow_runtime.bus.kafka import KafkaBus
from arflow_runtime.settings import PlatformSettings


@dataclass
class ChaosResult:
    ok: bool
    report: str
    findings: list[checks.Finding]
    workdir: Path


def consumed_topics() -> dict[str, list[str]]:
    """The contract topics each service's consumer group reads (from the services' definitions)."""
    from arflow_credit.main import definition as credit
    from arflow_dunning.main import definition as dunning
    from arflow_invoice.main import definition as invoice
    from arflow_notification.main import definition as notification

    return {d.name: d.handlers.topics() for d in (credit(), invoice(), dunning(), notification())}


def service_environment(sink: MailSink, provider: ProviderSink) -> dict[str, str]:
    """Settings that make a wall-clock run of a few minutes meaningful (see docs/reliability.md)."""
    return {
        "NOTIFICATION_SMS_URL": provider.url + "/sms",
        "NOTIFICATION_WEBHOOK_URL": provider.url + "/webhook",
        "NOTIFICATION_PROVIDER_SECRET": provider.secret.decode(),
        "ARFLOW_LOG_LEVEL": "INFO",
        "INVOICE_DAY_CLOSE_SCHEDULE": "false",  # the driver is the business clock
        "NOTIFICATION_SMTP_URL": sink.url,
        "NOTIFICATION_SEND_HOURS": "00:00-23:59:59.999999",  # no quiet hours on the wall clock
        "NOTIFICATION_SEND_DAYS": "mon-sun",
        "NOTIFICATION_RATE_LIMIT_MESSAGES": "0",
        "NOTIFICATION_RETRY_BASE_SECONDS": "1",
        "NOTIFICATION_RETRY_CAP_SECONDS": "4",
        "NOTIFICATION_MAX_ATTEMPTS": "100",
        "NOTIFICATION_LEASE_SECONDS": "10",
        "NOTIFICATION_POLL_INTERVAL_SECONDS": "0.5",
        "NOTIFICATION_SEND_CONCURRENCY": "8",
    }


async def _ensure_running(services: dict[str, ServiceProcess]) -> None:
    for service in services.values():
        service.resume()
        if not service.running:
            await service.start(ready_within=180)


async def _processed(services: dict[str, ServiceProcess]) -> dict[str, int]:
    return {
        name.removesuffix("-service"): int((await s.sql("SELECT count(*) FROM inbox"))[0][0])
        for name, s in services.items()
    }


@dataclass
class Judged:
    """What the judge looks at once the platform is quiet."""

    plan: ChaosPlan
    services: dict[str, ServiceProcess]
    bus: KafkaBus
    driver: Driver
    injector: FaultInjector
    sink: MailSink
    provider: ProviderSink
    prefix: str
    consumed: dict[str, list[str]]
    api_key: str


async def _judge(
    run: Judged, quiet: Quiet, waited: float, calm: bool, load_took: float
) -> tuple[list[checks.Finding], Figures]:
    """Every check of docs/reliability.md, and the figures of the table."""
    services, expected, topic_prefix = run.services, run.driver.expected, run.prefix + "."
    last_closed = expected.closed[-1] if expected.closed else None
    evidence = await collect_events(run.bus, topic_prefix)
    findings = checks.operations(
        run.driver.stats.failures,
        [f"{f.kind} {f.target}: {f.error}" for f in run.injector.log.faults if f.error],
    )
    findings.append(checks.quieted(quiet, waited, calm))
    findings += checks.drained(quiet.unpublished, quiet.lag)
    findings += checks.ledger_events(expected, evidence)
    totals, views = await checks.ledger_totals(expected, evidence, services["invoice-service"])
    findings += totals
    findings += await checks.credit_exposure(
        expected, views, services["credit-service"], last_closed.isoformat() if last_closed else ""
    )
    findings += checks.dunning_events(evidence)
    findings += await checks.dunning_watches(expected, services["dunning-service"])
    notified, statuses = await checks.notifications(
        expected, evidence, services["notification-service"], run.sink.snapshot, run.provider.snapshot
    )
    findings += notified
    readers: dict[str, list[str]] = {}
    for name, consumed in run.consumed.items():
        for topic in consumed:
            readers.setdefault(topic_prefix + topic, []).append(f"{run.prefix}.{name}")
    findings.append(checks.dead_letters(evidence.dead_letters, run.injector.log.poison, readers))
    findings.append(
        checks.canaries_absent(
            expected.canaries | {run.api_key, run.provider.secret.decode()},
            [s.log_path for s in services.values()],
            evidence.dead_letters,
        )
    )
    mail = run.sink.snapshot()
    figures = Figures(
        first_day=run.plan.first_business_day.isoformat(),
        last_day=last_closed.isoformat() if last_closed else "-",
        days_closed=len(expected.closed),
        distinct_events=sum(len(t.events) for t in evidence.events.values()),
        wire_copies=sum(t.copies for t in evidence.events.values()),
        processed=await _processed(services),
        dead_letters=len(evidence.dead_letters),
        emails=len(mail),
        resends=sum(1 for m in mail if m.resend),
        notifications=statuses,
        quiet_seconds=waited,
        load_seconds=load_took,
    )
    return findings, figures


async def run_chaos(
    plan: ChaosPlan, workdir: Path | None = None, keep: bool = False, echo: Callable[[str], None] = print
) -> ChaosResult:
    """Run the plan and judge it; the work directory (logs) is kept when something failed."""
    run_id = secrets.token_hex(3)
    work = workdir or Path(tempfile.mkdtemp(prefix="arflow-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    infrastructure = Infrastructure(work / "var")
    sink = MailSink()
    provider = ProviderSink(secrets.token_urlsafe(24))
    prefix = f"chaos{run_id}"
    topic_prefix = prefix + "."
    platform: LocalPlatform | None = None
    bus: KafkaBus | None = None
    ok = False
    clients: list[httpx.AsyncClient] = []
    loop = asyncio.get_running_loop()
    began = loop.time()

    def say(text: str) -> None:
        echo(f"[{loop.time() - began:5.0f}s] {text}")

    # The injector restarts the broker on purpose: its client's reconnect warnings are expected.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        say(f"chaos {run_id}: starting Kafka and PostgreSQL on private ports (work dir {work})")
        sink.start()
        provider.start()
        await infrastructure.start()
        platform = LocalPlatform(
            infrastructure.kafka,
            infrastructure.postgres,
            prefix,
            work,
            api_key=secrets.token_urlsafe(16),
            extra_env=service_environment(sink, provider),
        )
        services = await platform.create()
        await asyncio.gather(*(s.start(ready_within=180) for s in services.values()))
        consumed = consumed_topics()  # imports every service package: done before the clock runs
        bus = KafkaBus(
            PlatformSettings(
                mode="distributed",
                kafka_bootstrap_servers=infrastructure.kafka,
                topic_prefix=topic_prefix,
                topic_partitions=3,
            ),
            client_id="arflow-chaos",
        )
        await bus.start()
        # The ERP gives up on a request after 8 s and sends it again (a frozen service answers
        # neither): the retry meets the first attempt still running, which idempotency must absorb.
        erp = {
            name: httpx.AsyncClient(
                base_url=s.url, headers={"Authorization": f"Bearer {platform.api_key}"}, timeout=8
            )
            for name, s in services.items()
        }
        clients += erp.values()
        driver = Driver(plan, erp, run_id)
        say(f"chaos {run_id}: services ready; creating {plan.customers} customers")
        await driver.create_customers()
        canary = next(iter(driver.expected.customers.values()))
        injector = FaultInjector(
            plan, services, infrastructure, sink, bus, topic_prefix, (canary.email, canary.phone)
        )
        load_seconds = plan.minutes * 60
        say(
            f"chaos {run_id}: {plan.minutes:g} min of load with {plan.faults} faults "
            f"and {plan.poison_messages} poison messages"
        )
        started = loop.time()
        faults = asyncio.create_task(injector.run(load_seconds))
        # The load goes on for the planned minutes and at least until the last fault is over.
        await driver.run(lambda: faults.done() and loop.time() - started >= load_seconds)
        await faults
        load_took = loop.time() - started
        await _ensure_running(services)

        say(f"chaos {run_id}: load done after {load_took:.0f}s; waiting for quiet")
        groups = {prefix + "." + name: [topic_prefix + t for t in ts] for name, ts in consumed.items() if ts}
        last_closed = driver.expected.closed[-1] if driver.expected.closed else None
        quiet, waited, calm = await wait_for_quiet(services, bus, groups, last_closed, plan.quiet_timeout)

        say(f"chaos {run_id}: checking")
        findings, figures = await _judge(
            Judged(plan, services, bus, driver, injector, sink, provider, prefix, consumed, platform.api_key),
            quiet,
            waited,
            calm,
            load_took,
        )
        report = render(plan, driver.stats, injector.log, figures, findings)
        ok = all(f.ok for f in findings)
        return ChaosResult(ok, report, findings, work)
    finally:
        if platform is not None:
            try:
                await platform.destroy()
            except Exception as error:  # the servers may be gone already; the data is deleted below
                say(f"chaos {run_id}: cleanup: {type(error).__name__}: {error}")
        for client in clients:
            await client.aclose()
        if bus is not None:
            await bus.stop()
        sink.stop()
        provider.stop()
        await infrastructure.destroy()
        if ok and not keep and workdir is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"chaos {run_id}: logs kept in {work}")
