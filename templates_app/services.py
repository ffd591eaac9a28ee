"""State changes of standard responses and message templates."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO, cast

from django.contrib.auth.models import User
from django.core.files import File
from django.db.models import F, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext

from conversations.exceptions import DomainError, NotFound, PermissionDenied
from conversations.models import Attachment, Channel
from conversations.services.media import attachment_upload
from conversations.services.specs import OutboundSpec
from templates_app.composition import NOTIFICATION_KINDS, compose
from templates_app.models import MessageTemplate, StandardResponseAttachment, TemplatePull
from templates_app.selectors import template_sendable_get
from whatsapp.templates import template_update_parse


def template_update_apply(*, field: str, value: object, channel_ids: list[int]) -> int:
    """Mirror a template webhook (``message_template_status_update``,
    ``message_template_quality_update``, ``template_category_update``) onto our templates.

    Matched by WhatsApp's template id, else by name and language, among the templates of
    ``channel_ids`` (the WABA's numbers) and those usable on every number; returns how many
    templates changed. A value of the wrong shape raises ``ValueError`` (the caller flags
    the event). ``UNARCHIVED`` is no status: Meta's template "returns to its previous
    status", which we kept when it was archived (see ``template_unarchive``).
    """
    update = template_update_parse(field, value)
    match = Q()
    if update.template_id:
        match |= Q(whatsapp_template_id=update.template_id)
    if update.name and update.language:
        match |= Q(name=update.name, language__in={update.language, update.language.replace("_", "-")})
    owned = Q(channel_id__in=channel_ids) | Q(channel__isnull=True)
    templates = MessageTemplate.objects.filter(match, owned, kind__in=NOTIFICATION_KINDS)
    now = timezone.now()
    if update.status == "UNARCHIVED":
        return template_unarchive(templates=templates, channel_ids=channel_ids, now=now)
    changes: dict[str, object] = {}
    if update.status:
        if update.status not in MessageTemplate.Status.values:
            return 0
        changes = {"status": update.status, "status_reason": update.reason[:255]}
        said = value.get("message_template_category") if isinstance(value, dict) else None
        category = str(said or "").upper()
        if category in MessageTemplate.Category.values:
            changes["category"] = category
    if update.quality_score:
        changes["quality_score"] = update.quality_score
    if update.category:
        changes["category"] = update.category
        changes["upcoming_category"] = update.upcoming_category
    if update.status == MessageTemplate.Status.ARCHIVED:  # what it returns to when unarchived
        templates.exclude(status=MessageTemplate.Status.ARCHIVED).update(status_before_archive=F("status"))
    return templates.update(**changes, updated_at=now)


def template_unarchive(*, templates: QuerySet[MessageTemplate], channel_ids: list[int], now: datetime) -> int:
    """Meta unarchived these templates: each returns to the status it had when archived.

    One whose earlier status we never saw (archived before we mirrored it) keeps ARCHIVED,
    says so, and its WABA's pull is made due now: the beat's next pull reads its status.
    """
    archived = templates.filter(status=MessageTemplate.Status.ARCHIVED)
    restored = archived.exclude(status_before_archive="").update(
        status=F("status_before_archive"),
        status_before_archive="",
        status_reason="unarchived at Meta",
        updated_at=now,
    )
    unknown = archived.filter(status_before_archive="").update(
        status_reason="unarchived at Meta: its status comes with the next pull", updated_at=now
    )
    if unknown or not templates.exists():
        for waba_id in set(
            Channel.objects.filter(pk__in=channel_ids).exclude(waba_id="").values_list("waba_id", flat=True)
        ):
            TemplatePull.objects.update_or_create(waba_id=waba_id, defaults={"pull_due_at": now})
    return restored + unknown


def template_message_spec(
    *, user: User, channel: Channel, template_id: int, parameters: dict | None, attachment_id: int | None
) -> OutboundSpec:
    """T2-T4: what to send for a template the agent filled in (an ``OutboundSpec``).

    A media header uses the file the agent attached, else the template's own file; a
    reply-button message's attachment may only be changed with the permission
    "WhatsApp Can Change Attachments in Reply Button".
    """
    template = template_sendable_get(channel=channel, template_id=template_id)
    composed = compose(template, parameters=parameters)
    if composed.content.get("media_header"):
        changes_attachment = (
            attachment_id and template.kind == MessageTemplate.Kind.REPLY_BUTTONS and template.header_media
        )
        if changes_attachment and not user.has_perm("templates_app.change_reply_button_attachment"):
            raise PermissionDenied(
                gettext("changing the attachment of reply buttons needs the permission to do so")
            )
        if not attachment_id:
            attachment_id = _attachment_from_file(user=user, stored=template.header_media).pk
    elif attachment_id:
        raise DomainError(gettext("this template has no media header to attach a file to"), code="invalid")
    return OutboundSpec(
        type=composed.type, body=composed.body, content=composed.content, attachment_id=attachment_id
    )


def _attachment_from_file(*, user: User, stored: FieldFile) -> Attachment:
    """A sendable copy of a file kept by content managers (template header, response file)."""
    if not stored:
        raise DomainError(
            gettext("this template's media header has no file: attach one"), code="no_attachment"
        )
    with stored.open("rb") as handle:
        return attachment_upload(
            user=user, file=cast(BinaryIO, File(handle)), file_name=(stored.name or "").rsplit("/", 1)[-1]
        )


def standard_response_attachment_use(*, user: User, attachment_id: int) -> Attachment:
    """T1: a standard response's file, ready to send as its own message."""
    stored = StandardResponseAttachment.objects.filter(pk=attachment_id, response__is_active=True).first()
    if stored is None:
        raise NotFound(gettext("standard response attachment %(id)s does not exist") % {"id": attachment_id})
    attachment = _attachment_from_file(user=user, stored=stored.file)
    if stored.file_name and attachment.file_name != stored.file_name:
        attachment.file_name = stored.file_name
        attachment.save(update_fields=["file_name"])
    return attachment
