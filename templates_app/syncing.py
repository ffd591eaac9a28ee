"""G1: our templates mirror Meta's. Pull every template of each WABA, submit a new or
edited one for review, delete one; the webhooks (``templates_app.services``) keep the
status, quality and category current between pulls.

A pull is idempotent: a template that did not change is not written. A template Meta no
longer lists is marked ``DELETED``, never dropped: messages and standard responses may
refer to it. Which templates a WABA's pull may touch: those of its numbers, and those
"for every number" when the WABA is the only one (with several WABAs, such a row is only
matched by its WhatsApp id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from conversations.exceptions import DomainError
from conversations.models import Channel
from templates_app.composition import MEDIA_HEADERS, NOTIFICATION_KINDS
from templates_app.models import MessageTemplate, TemplatePull
from whatsapp.client import CloudApiClient
from whatsapp.errors import CloudApiError, ErrorKind
from whatsapp.templates import (
    TemplateRecord,
    template_components,
    template_create_body,
    template_error_field,
)

logger = logging.getLogger(__name__)

ClientFactory = Callable[[Channel], CloudApiClient]

T = MessageTemplate


@dataclass
class PullReport:
    """What a pull did, per count; ``problems`` names what it could not read. Its ``str`` is
    the English record kept on ``TemplatePull.report``; ``summary()`` says it to a person."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.created} new, {self.updated} changed, {self.unchanged} unchanged, {self.deleted} marked deleted"
        return text + (
            f"; {len(self.problems)} problem(s): {'; '.join(self.problems[:5])}" if self.problems else ""
        )

    def summary(self) -> str:
        """The report in the active language (the problems as Meta and the pull named them)."""
        text = gettext(
            "%(created)s new, %(updated)s changed, %(unchanged)s unchanged, %(deleted)s marked deleted"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
        }
        if not self.problems:
            return text
        return text + gettext("; %(count)s problem(s): %(problems)s") % {
            "count": len(self.problems),
            "problems": "; ".join(self.problems[:5]),
        }


def _client_for(channel: Channel) -> CloudApiClient:
    return CloudApiClient.for_channel(channel)


def wabas() -> dict[str, list[Channel]]:
    """The active numbers of each WABA (numbers without a WABA id cannot be pulled)."""
    found: dict[str, list[Channel]] = {}
    for channel in Channel.objects.filter(is_active=True).exclude(waba_id="").order_by("pk"):
        found.setdefault(channel.waba_id, []).append(channel)
    return found


def _scope(channels: list[Channel], *, only_waba: bool) -> Q:
    own = Q(channel__in=channels)
    return own | Q(channel__isnull=True) if only_waba else own


def templates_pull(
    *, waba_id: str | None = None, client_for: ClientFactory | None = None
) -> dict[str, PullReport]:
    """Pull every template of each WABA (or of ``waba_id``) and mirror them; per WABA, a report.

    A WABA whose pull fails is reported and the others still pulled (the beat retries).
    """
    all_wabas = wabas()
    reports: dict[str, PullReport] = {}
    for waba, channels in all_wabas.items():
        if waba_id and waba != waba_id:
            continue
        client = (client_for or _client_for)(channels[0])
        try:
            records, problems = client.message_templates_all(waba)
        except CloudApiError as exc:
            reports[waba] = PullReport(problems=[f"the pull failed: {exc}"])
            logger.warning("template pull of WABA %s failed: %s", waba, exc)
            continue
        finally:
            client.close()
        report = templates_mirror(channels=channels, records=records, only_waba=len(all_wabas) == 1)
        report.problems[:0] = problems
        reports[waba] = report
        _pulled(waba, report)
    if waba_id and waba_id not in reports:
        raise DomainError(
            gettext("no active number has the WABA id %(waba)s") % {"waba": repr(waba_id)}, code="not_found"
        )
    return reports


def _pulled(waba_id: str, report: PullReport) -> None:
    now = timezone.now()
    TemplatePull.objects.update_or_create(
        waba_id=waba_id,
        defaults={"pulled_at": now, "pull_due_at": now + pull_interval(), "report": str(report)[:2000]},
    )


def pull_interval() -> timedelta:
    """``WHATSAPP_TEMPLATE_PULL_SECONDS`` between two pulls of a WABA."""
    return timedelta(seconds=float(getattr(settings, "WHATSAPP_TEMPLATE_PULL_SECONDS", 3600) or 3600))


def templates_pull_due(*, now: datetime) -> int:
    """The beat's sweep: pull each WABA whose pull is due (or never happened); how many."""
    if not getattr(settings, "WHATSAPP_TEMPLATE_PULL_SECONDS", 0):
        return 0
    pulled = 0
    due = set(TemplatePull.objects.filter(pull_due_at__lte=now).values_list("waba_id", flat=True))
    known = set(TemplatePull.objects.values_list("waba_id", flat=True))
    for waba in wabas():
        if waba in due or waba not in known:
            # claimed first: a second beat tick meanwhile does not pull it again
            TemplatePull.objects.update_or_create(
                waba_id=waba, defaults={"pull_due_at": now + pull_interval()}
            )
            templates_pull(waba_id=waba)
            pulled += 1
    return pulled


@transaction.atomic
def templates_mirror(
    *, channels: list[Channel], records: list[TemplateRecord], only_waba: bool
) -> PullReport:
    """Mirror one WABA's complete list of templates onto ours (see the module)."""
    now = timezone.now()
    report = PullReport()
    scope = (
        T.objects.select_for_update()
        .filter(kind__in=NOTIFICATION_KINDS)
        .filter(_scope(channels, only_waba=only_waba))
    )
    by_id = {t.whatsapp_template_id: t for t in scope if t.whatsapp_template_id}
    # ids are Meta's, unique across WABAs: a row "for every number" is found by its id too
    every_number = T.objects.filter(channel__isnull=True, whatsapp_template_id__in=[r.id for r in records])
    by_id.update({t.whatsapp_template_id: t for t in every_number})
    by_name = {(t.name, t.language): t for t in scope}
    seen: set[int] = set()
    for record in records:
        template = by_id.get(record.id) or by_name.get((record.name, record.language))
        if record.problems:
            report.problems.extend(f"{record.name} [{record.language}]: {p}" for p in record.problems)
        if template is None:
            template = T(
                name=record.name,
                language=record.language,
                kind=T.Kind.NOTIFICATION,
                channel=None if only_waba else channels[0],
            )
            _apply(template, record, now)
            template.save()
            report.created += 1
        elif _apply(template, record, now):
            template.save()
            report.updated += 1
        else:
            T.objects.filter(pk=template.pk).update(synced_at=now)  # seen; nothing else changed
            report.unchanged += 1
        seen.add(template.pk)
    gone = scope.exclude(pk__in=seen).exclude(status__in=[T.Status.DRAFT, T.Status.DELETED])
    report.deleted = gone.update(
        status=T.Status.DELETED, status_reason="not at Meta any more (template pull)", updated_at=now
    )
    return report


def _apply(template: MessageTemplate, record: TemplateRecord, now: datetime) -> bool:
    """Copy Meta's record onto ``template``; True when anything it mirrors changed."""
    header = record.header_format
    status = record.status if record.status in T.Status.values else template.status
    archived = T.Status.ARCHIVED
    before = template.status if template.status != archived else template.status_before_archive
    before = "" if before == T.Status.DRAFT else before  # new here: its earlier status is unknown
    values = {
        "whatsapp_template_id": record.id,
        "name": record.name,
        "language": record.language,
        "status": status,
        # what an ARCHIVED template returns to when Meta unarchives it
        "status_before_archive": before if status == archived else "",
        "status_reason": record.rejected_reason[:255],
        "category": record.category,
        "parameter_format": record.parameter_format,
        "quality_score": record.quality_score,
        "header_type": header,
        "header_text": record.header_text,
        "body": record.body,
        "footer": record.footer,
        "buttons": record.buttons,
        "meta_components": record.components,
        "sync_problems": record.problems,
    }
    if header in MEDIA_HEADERS:
        values["kind"] = T.Kind.RICH_MEDIA
    values["buttons"] = _with_our_payloads(record.buttons, template.buttons or [])
    changed = any(getattr(template, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(template, name, value)
    template.synced_at = now
    return changed


def _with_our_payloads(buttons: list[dict[str, object]], ours: list[object]) -> list[dict[str, object]]:
    """Meta's buttons, keeping the quick-reply ``payload`` we set on the same button (Meta
    does not store it: it is sent with each message)."""
    kept = []
    for index, button in enumerate(buttons):
        own = ours[index] if index < len(ours) else None
        mine: dict[str, object] = own if isinstance(own, dict) else {}
        same = mine.get("type") == button.get("type") and mine.get("text") == button.get("text")
        kept.append({**button, "payload": mine["payload"]} if same and "payload" in mine else button)
    return kept


# --- submitting and deleting ------------------------------------------------------------------


class TemplateSubmitError(DomainError):
    """Meta (or our own check before it) refused a submission; ``fields`` maps each form
    field (None: the whole template) to what is wrong with it."""

    code = "template_refused"

    def __init__(self, fields: dict[str | None, list[str]]) -> None:
        super().__init__("; ".join(m for messages in fields.values() for m in messages), code=self.code)
        self.fields = fields


def _waba_of(template: MessageTemplate) -> tuple[str, Channel]:
    if template.channel is not None:
        if not template.channel.waba_id:
            raise TemplateSubmitError(
                {"channel": [gettext("this number has no WABA id: set it on the channel first")]}
            )
        return template.channel.waba_id, template.channel
    known = wabas()
    if len(known) != 1:
        raise TemplateSubmitError(
            {"channel": [gettext("choose a number: its WhatsApp Business Account receives the template")]}
        )
    waba, channels = next(iter(known.items()))
    return waba, channels[0]


def _refusal(exc: CloudApiError) -> TemplateSubmitError:
    if exc.kind is ErrorKind.RETRYABLE and exc.http_status is None:
        return TemplateSubmitError(
            {
                None: [
                    gettext("Meta could not be reached, nothing was submitted: %(error)s")
                    % {"error": exc.title}
                ]
            }
        )
    said = " — ".join(part for part in (exc.title, exc.details) if part)
    code = f"{exc.code}/{exc.subcode}" if exc.subcode else str(exc.code)
    field_name = template_error_field(exc.subcode, f"{exc.title} {exc.details}")
    return TemplateSubmitError(
        {field_name: [gettext("Meta refused it (%(code)s): %(said)s") % {"code": code, "said": said}]}
    )


def template_submit(*, template: MessageTemplate, client_for: ClientFactory | None = None) -> None:
    """Submit ``template`` (well formed: ``clean`` ran) to Meta for review: created when
    Meta does not hold it yet, else edited. Sets its WhatsApp id, status and category as
    Meta answered; the caller saves it. Raises ``TemplateSubmitError`` field by field.
    """
    if template.kind not in NOTIFICATION_KINDS:
        raise TemplateSubmitError(
            {"kind": [gettext("only notifications are Meta templates; interactive messages need no review")]}
        )
    waba, channel = _waba_of(template)
    client = (client_for or _client_for)(channel)
    try:
        _submit(template, waba=waba, channel=channel, client=client)
    except CloudApiError as exc:
        raise _refusal(exc) from None
    finally:
        client.close()


#: What Meta's Resumable Upload API takes for each media header (by the file's name).
SAMPLE_TYPES = {
    T.HeaderType.IMAGE: {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"},
    T.HeaderType.VIDEO: {".mp4": "video/mp4"},
    T.HeaderType.DOCUMENT: {".pdf": "application/pdf"},
}


def _sample_handle(template: MessageTemplate, *, channel: Channel, client: CloudApiClient) -> str:
    """Upload the media header's file as the template's sample (Meta requires one); its handle."""
    if not channel.app_id:
        raise TemplateSubmitError(
            {
                "channel": [
                    gettext(
                        "set the number's Meta app id first: a media header's sample is uploaded to the app"
                    )
                ]
            }
        )
    stored = template.header_media
    name = (stored.name or "").rsplit("/", 1)[-1] if stored else ""
    types = SAMPLE_TYPES[T.HeaderType(template.header_type)]
    file_type = types.get(PurePath(name.lower()).suffix) if name else None
    if file_type is None:
        raise TemplateSubmitError(
            {
                "header_media": [
                    gettext("attach the header's sample: a %(types)s file")
                    % {"types": (" " + gettext("or") + " ").join(sorted(types))}
                ]
            }
        )
    with stored.open("rb") as handle:
        data = handle.read()
    return client.template_sample_upload(channel.app_id, data=data, file_type=file_type, file_name=name)


def _submit(template: MessageTemplate, *, waba: str, channel: Channel, client: CloudApiClient) -> None:
    header_handle = ""
    if template.header_type in MEDIA_HEADERS:
        header_handle = _sample_handle(template, channel=channel, client=client)
    components = template_components(
        parameter_format=template.parameter_format,
        header_format=template.header_type,
        header_text=template.header_text,
        body=template.body,
        footer=template.footer,
        buttons=list(template.buttons or []),
        header_handle=header_handle,
    )
    if template.whatsapp_template_id:
        changes: dict[str, object] = {"components": components}
        if template.status != T.Status.APPROVED:  # an approved template's category cannot change
            changes["category"] = template.category
        client.template_edit(template.whatsapp_template_id, changes)
        template.status, template.status_reason = T.Status.PENDING, ""
    else:
        answer = client.template_create(
            waba,
            template_create_body(
                name=template.name,
                language=template.language,
                category=template.category,
                parameter_format=template.parameter_format,
                components=components,
            ),
        )
        template.whatsapp_template_id = answer["id"]
        template.status = answer["status"] if answer["status"] in T.Status.values else T.Status.PENDING
        template.status_reason = ""
        if answer["category"] in T.Category.values:
            template.category = answer["category"]
    template.meta_components = components


def template_delete_at_meta(*, template: MessageTemplate, client_for: ClientFactory | None = None) -> None:
    """Delete this language of the template at Meta; ours is marked DELETED (kept for history)."""
    if not template.whatsapp_template_id:
        raise DomainError(
            gettext("%(template)s was never submitted to Meta") % {"template": template}, code="invalid"
        )
    waba, channel = _waba_of(template)
    client = (client_for or _client_for)(channel)
    try:
        client.template_delete(waba, name=template.name, template_id=template.whatsapp_template_id)
    except CloudApiError as exc:
        raise _refusal(exc) from None
    finally:
        client.close()
    T.objects.filter(pk=template.pk).update(
        status=T.Status.DELETED, status_reason="deleted from the admin", updated_at=timezone.now()
    )
