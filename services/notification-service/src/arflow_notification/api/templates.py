"""Templates: GET/PUT /v1/templates/{key}/{locale}, a preview, and the catalogue."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from arflow_notification.api.dependencies import ClockDep, SettingsDep, locale_param
from arflow_notification.catalogue import (
    CatalogueEntry,
    catalogue,
    find_template,
    remove_template,
    save_template,
)
from arflow_notification.domain import (
    MessageFacts,
    NoticeInvoice,
    Recipient,
    TemplateProblem,
    TemplateText,
    check_syntax,
    render,
    sample_facts,
    template_context,
)
from arflow_notification.domain.locales import babel_locale_name, normalize_locale
from arflow_notification.errors import InvalidTemplate, NotFound
from arflow_notification.sending.pdf import Letter, render_letter
from arflow_notification.store.templates import lock_custom_template
from arflow_runtime.auth import Principal
from arflow_runtime.etags import PRECONDITION_RESPONSES, IfMatch, PreconditionFailed, check_if_match
from arflow_runtime.http import UnitOfWorkDep, require

router = APIRouter(prefix="/v1", tags=["templates"])
READ, WRITE = "notifications:read", "templates:write"
Key = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,127}$", description="e.g. dunning.reminder_1")]
Locale = Annotated[str, Depends(locale_param)]


class TemplateIn(BaseModel):
    """A template's parts: Jinja2 text (see docs/notifications.md for the variables and filters)."""

    subject: str = Field(min_length=1, max_length=1000)
    body: str = Field(min_length=1, max_length=100_000)
    short: str | None = Field(default=None, max_length=2000, description="SMS text; default: the subject")

    def text(self) -> TemplateText:
        return TemplateText(self.subject, self.body, self.short)


class TemplateOut(TemplateIn):
    """A template and where it comes from: shipped default or custom (edited over the API)."""

    key: str
    locale: str
    source: str
    version: int
    updated_at: datetime | None
    updated_by: str | None


def _out(entry: CatalogueEntry, response: Response) -> TemplateOut:
    response.headers["ETag"] = entry.etag
    return TemplateOut(key=entry.key, locale=entry.locale, subject=entry.text.subject, body=entry.text.body,
                       short=entry.text.short, source=entry.source, version=entry.version,
                       updated_at=entry.updated_at, updated_by=entry.updated_by)


@router.get("/templates", response_model=list[TemplateOut], summary="Every template")
async def list_templates(uow: UnitOfWorkDep, _: Annotated[Principal, require(READ)]) -> list[TemplateOut]:
    """Custom templates and the shipped defaults they do not override."""
    return [_out(entry, Response()) for entry in await catalogue(uow.session)]


@router.get("/templates/{key}/{locale}", response_model=TemplateOut,
            responses={404: {"description": "No template for this key and locale"}})
async def get_template(key: Key, locale: Locale, uow: UnitOfWorkDep, response: Response,
                       _: Annotated[Principal, require(READ)]) -> TemplateOut:
    """The template of exactly this key and locale (no fallback), with its ETag."""
    entry = await find_template(uow.session, key, locale)
    if entry is None:
        raise NotFound(f"no template {key} in {locale}")
    return _out(entry, response)


@router.put("/templates/{key}/{locale}", response_model=TemplateOut,
            responses={**PRECONDITION_RESPONSES, 422: {"description": "Invalid"}})
async def put_template(
    key: Key, locale: Locale, template: TemplateIn, uow: UnitOfWorkDep, response: Response,
    clock: ClockDep, settings: SettingsDep, principal: Annotated[Principal, require(WRITE)],
    if_match: IfMatch = None,
) -> TemplateOut:
    """Create or replace a template; it must render with the sample data before it is saved."""
    await lock_custom_template(uow.session, key, normalize_locale(locale))
    current = await find_template(uow.session, key, locale)
    # A custom template is replaced only with If-Match (428 without, 412 when stale). A shipped
    # default is not stored: the first override needs none, but one that is sent must match it.
    what = f"Template {key} in {locale}"
    if current is not None and current.source != "custom":
        if if_match is not None:
            check_if_match(if_match, current.etag, what=what)
    else:
        check_if_match(if_match, current.etag if current else None, what=what)
    _check(template.text(), key, locale, settings.sender_name)
    try:
        entry = await save_template(uow.session, key, locale, template.text(), principal.name, clock.now())
        await uow.commit()
    except IntegrityError:  # a concurrent request created the same custom template first
        await uow.rollback()
        raise PreconditionFailed(f"{what} was just created by another request; "
                                 "read it and retry with its ETag.", current_etag=None) from None
    return _out(entry, response)


@router.delete("/templates/{key}/{locale}", status_code=204, response_class=Response,
               responses={404: {"description": "No custom template"}})
async def delete_template(key: Key, locale: Locale, uow: UnitOfWorkDep,
                          _: Annotated[Principal, require(WRITE)]) -> Response:
    """Remove a custom template; the shipped default of that key and locale applies again."""
    if not await remove_template(uow.session, key, locale):
        raise NotFound(f"no custom template {key} in {locale}")
    await uow.commit()
    return Response(status_code=204)


class PreviewInvoice(BaseModel):
    invoice_number: str = Field(min_length=1, max_length=128)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    amount: Decimal = Field(gt=0)
    outstanding: Decimal = Field(ge=0)
    due_date: date
    days_overdue: int = 0
    charges: Decimal | None = None
    issue_date: date | None = None


class PreviewCustomer(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    contact_name: str | None = None
    address_lines: list[str] = []


class PreviewIn(BaseModel):
    """A draft to preview (default: the saved template) with example facts (default: samples)."""

    template: TemplateIn | None = None
    customer: PreviewCustomer | None = None
    invoices: list[PreviewInvoice] | None = Field(default=None, min_length=1)
    as_of: date | None = None
    stage: int | None = None
    formal_demand: bool | None = None


class PreviewOut(BaseModel):
    key: str
    locale: str
    subject: str
    body: str
    short: str


@router.post("/templates/{key}/{locale}/preview", response_model=PreviewOut,
             responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "No template"}})
async def preview_template(
    key: Key, locale: Locale, uow: UnitOfWorkDep, settings: SettingsDep, clock: ClockDep,
    _: Annotated[Principal, require(WRITE)], preview: PreviewIn | None = None,
    output: Annotated[str, Query(alias="format", pattern="^(json|pdf)$")] = "json",
) -> PreviewOut | Response:
    """Render a template as the customer would get it; `?format=pdf` returns the letter."""
    preview = preview or PreviewIn()
    if preview.template is not None:
        text = preview.template.text()
    else:
        entry = await find_template(uow.session, key, locale)
        if entry is None:
            raise NotFound(f"no template {key} in {locale}; send one in the body to preview a draft")
        text = entry.text
    facts = _facts(key, preview)
    try:
        context = template_context(facts, sender_name=settings.sender_name, locale=locale)
        rendered = render(text, context, locale)
    except TemplateProblem as error:
        raise InvalidTemplate(str(error)) from error
    if output == "pdf":
        dated = str(format_date(clock.now().date(), "long", locale=babel_locale_name(locale)))
        letter = Letter(settings.sender_name, (facts.recipient.name, *facts.recipient.address_lines),
                        dated, rendered.subject, rendered.body, locale)
        return Response(render_letter(letter), media_type="application/pdf")
    return PreviewOut(key=key, locale=locale, subject=rendered.subject, body=rendered.body,
                      short=rendered.short)


def _facts(key: str, preview: PreviewIn) -> MessageFacts:
    sample = sample_facts(key)
    recipient = sample.recipient
    if preview.customer:
        recipient = Recipient("CUST-PREVIEW", preview.customer.name, preview.customer.contact_name,
                              tuple(preview.customer.address_lines))
    invoices = sample.invoices
    if preview.invoices:
        invoices = tuple(NoticeInvoice(**line.model_dump()) for line in preview.invoices)
    return MessageFacts(
        recipient=recipient, invoices=invoices, as_of=preview.as_of or sample.as_of, template=key,
        stage=preview.stage if preview.stage is not None else sample.stage,
        formal_demand=preview.formal_demand if preview.formal_demand is not None else sample.formal_demand,
    )


def _check(text: TemplateText, key: str, locale: str, sender: str) -> None:
    try:
        check_syntax(text)
        render(text, template_context(sample_facts(key), sender_name=sender, locale=locale), locale)
    except TemplateProblem as error:
        raise InvalidTemplate(f"{error} (checked against the sample data of the preview)") from error
