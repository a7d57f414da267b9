"""Letters are PDFs kept for download; Chinese renders; email falls back to a letter; demands count."""

import io

import pypdf
from notification_support import HttpProvider, SmtpServer, TestClock, harness, profile, request, settings_for

from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


async def test_a_zh_cn_lawyer_letter_renders_its_chinese_text_and_counts_as_a_delivered_demand(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1", locale="zh-CN"))
        await service.send(request("CUST-1", "REQ-LAW", channels=("letter",),
                                   template="dunning.lawyer_letter", formal_demand=True))
        [letter] = await service.until(1, customer_id="CUST-1", status="sent")
        document = await service.client.get(letter["document_url"])
        [demand] = await service.published("DemandDelivered", 1)

    assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
    text = pdf_text(document.content)
    for expected in ("律师函", "上海示例贸易有限公司", "尊敬的李伟", "世纪大道 88 号", "2024年3月4日",
                     "发票 INV-2024-0001", "¥12,800.00", "已逾期 21 天", "欠款金额（CNY）：¥15,400.50",
                     "Acme Trading"):
        assert expected in text, expected
    assert letter["locale"] == "zh-CN" and letter["provider_receipt"] == f"letter:{letter['notification_id']}"
    assert demand.data == {**demand.data, "request_id": "REQ-LAW", "channel": "letter",
                           "invoice_numbers": ["INV-2024-0001", "INV-2024-0002"],
                           "delivered_on": "2024-03-04", "notification_id": letter["notification_id"]}


async def test_an_english_letter_uses_a_latin_font_unless_it_names_someone_in_chinese(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-EN", locale="en", time_zone="Europe/London", latin=True))
        await service.send(profile("CUST-CN", locale="en", time_zone="Asia/Shanghai"))
        for customer in ("CUST-EN", "CUST-CN"):
            await service.send(request(customer, f"REQ-{customer}", channels=("letter",),
                                       template="dunning.formal_demand", formal_demand=True))
        letters = await service.until(2, status="sent")
        documents = {n["customer_id"]: (await service.client.get(n["document_url"])).content for n in letters}

    latin = documents["CUST-EN"]
    assert "FORMAL DEMAND FOR PAYMENT" in pdf_text(latin) and "Dear Jane Doe" in pdf_text(latin)
    assert "CN¥12,800.00" in pdf_text(latin) and "March 4, 2024" in pdf_text(latin)
    assert b"/Helvetica" in latin and b"STSong" not in latin
    mixed = documents["CUST-CN"]
    assert "Dear 李伟" in pdf_text(mixed) and "FORMAL DEMAND FOR PAYMENT" in pdf_text(mixed)


async def test_email_falls_back_to_a_letter_when_the_customer_has_no_email_address(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1", email_address=None))
        await service.send(request("CUST-1", "REQ-1", channels=("email",)))
        await service.send(request("CUST-1", "REQ-2", channels=("email", "letter"),
                                   template="dunning.formal_demand", formal_demand=True))
        settled = await service.settled(3, customer_id="CUST-1")
        demands = await service.published("DemandDelivered", 1)  # its relay may not have sent it yet
        fallback_url = next(n for n in settled if n["request_id"] == "REQ-1")["document_url"]
        document = await service.client.get(fallback_url)

    by_request = {(n["request_id"], n["requested_channel"]): n for n in settled}
    fallback = by_request[("REQ-1", "email")]
    assert (fallback["channel"], fallback["status"]) == ("letter", "sent")
    assert "付款提醒" in pdf_text(document.content)
    covered = by_request[("REQ-2", "email")]
    assert covered["status"] == "failed"
    assert covered["failure_reason"] == (
        "customer has no email address; the request's letter carries the message")
    assert by_request[("REQ-2", "letter")]["status"] == "sent"
    assert [d.data["channel"] for d in demands] == ["letter"]
    assert smtp.messages == []


async def test_a_notification_without_a_letter_has_no_document(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as service:
        await service.send(profile("CUST-1"))
        await service.send(request("CUST-1", "REQ-1"))
        [sent] = await service.until(1, customer_id="CUST-1", status="sent")
        missing = await service.client.get(f"/v1/notifications/{sent['notification_id']}/document")
        unknown = await service.client.get("/v1/notifications/no-such-id")
    assert sent["document_url"] is None
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/not-found")
