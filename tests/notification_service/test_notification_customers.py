"""Customer copies from CustomerProfileChanged, and the invoice delivery that waits for one."""

from datetime import date

from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_contracts.ledger import InvoiceIssuedV1
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings

INVOICE = InvoiceIssuedV1(invoice_number="INV-77", customer_id="CUST-1", currency="CNY", amount="8800.00",
                          issue_date=date(2024, 3, 1), due_date=date(2024, 3, 31), payment_terms="NET30")


async def test_an_issued_invoice_is_emailed_once_its_customer_profile_is_known(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(INVOICE)
        await service.send(INVOICE)  # the ledger's relay published it twice
        [waiting] = await service.until(1, customer_id="CUST-1")
        await service.idle()
        assert (waiting["status"], waiting["template"]) == ("scheduled", "invoice.issued")
        assert waiting["subject_ref"] == "INV-77"
        assert smtp.messages == []

        await service.send(profile("CUST-1"))
        [sent] = await service.until(1, customer_id="CUST-1", status="sent")
        await service.idle()
    [mail] = smtp.messages
    assert mail["Subject"] == "Acme Trading发票 INV-77：¥8,800.00"
    assert "到期日：2024年3月31日" in mail.get_body().get_content()  # type: ignore[union-attr]
    assert sent["request_id"] == "invoice-issued:INV-77" and sent["locale"] == "zh-CN"


async def test_a_message_whose_customer_never_becomes_known_fails_with_the_reason(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    settings = settings_for(smtp, provider, profile_wait_seconds=0.3)
    async with harness(platform, memory_bus, settings, clock) as service:
        await service.send(INVOICE)
        [failed] = await service.until(1, customer_id="CUST-1", status="failed")
        [event] = await service.published("NotificationFailed", 1)
    assert failed["failure_reason"].startswith("no customer profile arrived")
    assert event.data["reason"] == failed["failure_reason"]


async def test_invoice_delivery_can_be_switched_off(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    settings = settings_for(smtp, provider, invoice_delivery=False)
    async with harness(platform, memory_bus, settings, clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(INVOICE)
        await service.send(request("CUST-1", "REQ-1"))
        await service.until(1, customer_id="CUST-1", status="sent")
        assert [n["template"] for n in await service.log(customer_id="CUST-1")] == ["dunning.reminder_1"]


async def test_the_newest_profile_decides_locale_and_address_and_a_late_older_revision_is_ignored(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1", locale="zh-CN", revision=1))
        await service.send(profile("CUST-1", locale="en", email_address="ap@example.cn", revision=3))
        await service.send(profile("CUST-1", locale="zh-CN", email_address="old@example.cn", revision=2))
        await service.send(request("CUST-1", "REQ-1", locale="zh-CN"))  # the hint loses to the profile
        [sent] = await service.until(1, customer_id="CUST-1", status="sent")
    assert sent["locale"] == "en"
    assert smtp.recipients == [["ap@example.cn"]]
    assert smtp.messages[0]["Subject"] == "Payment reminder: 2 overdue invoices"


async def test_locale_falls_back_by_language_then_to_the_default(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-TW", locale="zh-TW"))
        await service.send(profile("CUST-DE", locale="de-DE"))
        for customer in ("CUST-TW", "CUST-DE"):
            await service.send(request(customer, f"REQ-{customer}"))
        sent = await service.until(2, status="sent")
    assert {n["customer_id"]: n["locale"] for n in sent} == {"CUST-TW": "zh-CN", "CUST-DE": "en"}


async def test_an_unknown_channel_or_a_missing_phone_fails_the_notification_not_the_request(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1", phone=None))
        await service.send(request("CUST-1", "REQ-1", channels=("email", "pigeon", "sms")))
        found = await service.settled(3, customer_id="CUST-1")
    outcome = {n["requested_channel"]: (n["status"], n["failure_reason"]) for n in found}
    assert outcome == {
        "email": ("sent", None),
        "pigeon": ("failed", "unknown channel 'pigeon'; use email, sms, webhook or letter"),
        "sms": ("failed", "customer has no phone number"),
    }
    assert provider.requests == []
