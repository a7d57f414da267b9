"""Templates: shipped defaults for every dunning key in zh-CN and en; managed, checked and previewed."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from notification_support import (
    HttpProvider,
    SmtpServer,
    TestClock,
    harness,
    profile,
    request,
    running,
    service,
    settings_for,
)

from arflow_notification.domain import render, sample_facts, template_context
from arflow_notification.shipped import DUNNING_TEMPLATE_KEYS, INVOICE_ISSUED, SHIPPED_KEYS, shipped_templates
from arflow_runtime.bus.memory import InProcessBus
from arflow_runtime.settings import PlatformSettings

ROOT = Path(__file__).resolve().parents[2]
DUNNING_KEYS_FILE = ROOT / "services/dunning-service/src/arflow_dunning/domain/templates.py"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_the_shipped_defaults_cover_every_template_key_dunning_uses() -> None:
    # Read as text: a service never imports another, and the copy must not drift from the source.
    dunning_keys = set(re.findall(r'^[A-Z_0-9]+ = "([a-z0-9_.]+)"$', DUNNING_KEYS_FILE.read_text(), re.M))
    assert dunning_keys == set(DUNNING_TEMPLATE_KEYS)
    shipped = shipped_templates()
    for key in (*DUNNING_TEMPLATE_KEYS, INVOICE_ISSUED):
        assert {(key, "en"), (key, "zh-CN")} <= set(shipped), key


@pytest.mark.parametrize("key", SHIPPED_KEYS)
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_shipped_template_renders_the_invoice_list_in_its_language(key: str, locale: str) -> None:
    facts = sample_facts(key)
    message = render(shipped_templates()[(key, locale)],
                     template_context(facts, sender_name="Acme", locale=locale), locale)
    assert "INV-1001" in message.body and "Acme" in message.body
    assert ("¥12,800.00" if locale == "zh-CN" else "CN¥12,800.00") in message.body
    assert bool(CHINESE.search(message.subject + message.body + message.short)) == (locale == "zh-CN")
    assert "\n" not in message.subject and len(message.short) < 300


async def test_a_template_is_read_edited_with_if_match_and_used_for_the_next_message(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as svc:
        shipped = await svc.client.get("/v1/templates/dunning.reminder_1/EN")
        assert shipped.status_code == 200
        body = shipped.json()
        assert (body["locale"], body["source"], body["version"]) == ("en", "default", 0)

        draft = {"subject": "Overdue: {{ invoices|map(attribute='invoice_number')|join(', ') }}",
                 "body": "Hello {{ customer.name }}, please pay "
                         "{{ totals[0].total|money(totals[0].currency) }}."}
        stale = await svc.client.put("/v1/templates/dunning.reminder_1/en", json=draft,
                                     headers={"If-Match": '"not-the-current-version"'})
        assert stale.status_code == 412
        saved = await svc.client.put("/v1/templates/dunning.reminder_1/en", json=draft,
                                     headers={"If-Match": shipped.headers["ETag"]})
        assert saved.status_code == 200, saved.text
        body = saved.json()
        assert (body["source"], body["version"], body["updated_by"]) == ("custom", 1, "dev")
        again = await svc.client.put("/v1/templates/dunning.reminder_1/en", json=draft,
                                     headers={"If-Match": saved.headers["ETag"]})
        assert again.json()["version"] == 2

        clock.set(datetime(2024, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/London")))  # in London's hours
        await svc.send(profile("CUST-EN", locale="en", time_zone="Europe/London", latin=True))
        await svc.send(request("CUST-EN", "REQ-1"))
        await svc.until(1, customer_id="CUST-EN", status="sent")
        [mail] = smtp.messages
        assert mail["Subject"] == "Overdue: INV-2024-0001, INV-2024-0002"
        assert mail.get_body().get_content().strip() == (  # type: ignore[union-attr]
            "Hello Harbour Supplies Ltd, please pay CN¥15,400.50.")

        removed = await svc.client.delete("/v1/templates/dunning.reminder_1/en")
        assert removed.status_code == 204
        assert (await svc.client.get("/v1/templates/dunning.reminder_1/en")).json()["source"] == "default"


@pytest.mark.parametrize(("draft", "complaint"), [
    ({"subject": "Hi {{ customer.name", "body": "x"}, "subject: unexpected end of template"),
    ({"subject": "Hi", "body": "{{ customer.nickname }}"}, "body: 'dict object' has no attribute 'nickname'"),
    ({"subject": "Hi", "body": "{{ ''.__class__.__mro__ }}"}, "body: access to attribute '__class__'"),
])
async def test_a_template_that_does_not_render_is_refused_with_the_reason(
    draft: dict[str, str], complaint: str, platform: PlatformSettings, memory_bus: InProcessBus,
    smtp: SmtpServer, provider: HttpProvider, clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as svc:
        refused = await svc.client.put("/v1/templates/dunning.reminder_1/en", json=draft)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/invalid-template")
    assert complaint in refused.json()["detail"]


async def test_a_preview_renders_a_draft_or_the_saved_template_with_given_or_sample_facts(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    async with harness(platform, memory_bus, settings_for(smtp, provider), clock) as svc:
        sample = await svc.client.post("/v1/templates/dunning.formal_demand/zh-CN/preview")
        given = await svc.client.post("/v1/templates/dunning.formal_demand/zh-CN/preview", json={
            "customer": {"name": "北京测试有限公司"},
            "invoices": [{"invoice_number": "X-1", "currency": "CNY", "amount": "100", "outstanding": "80",
                          "due_date": "2024-01-31", "days_overdue": 40}],
            "as_of": "2024-03-11"})
        draft = await svc.client.post("/v1/templates/anything.new/en/preview", json={
            "template": {"subject": "{{ invoices|length }} invoices", "body": "{{ as_of|date('short') }}"}})
        pdf = await svc.client.post("/v1/templates/dunning.lawyer_letter/zh-CN/preview?format=pdf")
        missing = await svc.client.post("/v1/templates/anything.new/en/preview")
        bad_locale = await svc.client.get("/v1/templates/dunning.reminder_1/not_a_locale!")
    assert sample.status_code == 200 and "INV-1001" in sample.json()["body"]
    assert given.json()["subject"] == "正式催款函：发票 X-1"
    assert "尊敬的北京测试有限公司" in given.json()["body"] and "¥80.00" in given.json()["body"]
    assert "2024年3月11日" in given.json()["body"]
    assert draft.json() == {"key": "anything.new", "locale": "en", "subject": "2 invoices",
                            "body": "3/21/24\n", "short": "2 invoices"}
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert missing.status_code == 404
    assert bad_locale.status_code == 422


async def test_reading_needs_notifications_read_and_editing_needs_templates_write(
    platform: PlatformSettings, memory_bus: InProcessBus, smtp: SmtpServer, provider: HttpProvider,
    clock: TestClock,
) -> None:
    keys = "reader r-key notifications:read;editor e-key templates:write"
    keyed = PlatformSettings(**{**platform.model_dump(), "api_keys": keys})
    app = service(settings_for(smtp, provider), keyed, memory_bus, clock)
    async with running(app, key="r-key") as reader:
        assert (await reader.get("/v1/templates/dunning.reminder_1/en")).status_code == 200
        assert (await reader.get("/v1/notifications")).status_code == 200
        put = await reader.put("/v1/templates/dunning.reminder_1/en", json={"subject": "s", "body": "b"})
        assert put.status_code == 403
        editor = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notification",
                                   headers={"Authorization": "Bearer e-key"})
        async with editor:
            assert (await editor.put("/v1/templates/dunning.reminder_1/en",
                                     json={"subject": "s", "body": "b"})).status_code == 200
            assert (await editor.get("/v1/notifications")).status_code == 403
        assert (await reader.get("/v1/templates")).status_code == 200
