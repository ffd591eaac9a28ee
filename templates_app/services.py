"""State changes of standard responses and message templates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db.models import Q

from conversations.exceptions import DomainError, NotFound, PermissionDenied
from conversations.models import Attachment, Channel
from conversations.services.media import attachment_upload
from conversations.services.specs import OutboundSpec
from templates_app.composition import compose
from templates_app.models import MessageTemplate, StandardResponseAttachment
from templates_app.selectors import templates_sendable


def template_status_apply(*, value: dict[str, Any], channel_ids: list[int]) -> int:
    """Mirror a ``message_template_status_update`` webhook onto our templates.

    Matched by WhatsApp's template id, else by name and language, among the templates of
    ``channel_ids`` (the WABA's numbers) and those usable on every number; returns how many
    templates changed.
    """
    status = str(value.get("event", "")).upper()
    if status not in MessageTemplate.Status.values:
        return 0
    match = Q()
    if value.get("message_template_id"):
        match |= Q(whatsapp_template_id=str(value["message_template_id"]))
    if value.get("message_template_name") and value.get("message_template_language"):
        language = str(value["message_template_language"])
        match |= Q(
            name=str(value["message_template_name"]),
            # Meta writes en-US in this webhook and en_US everywhere else.
            language__in={language, language.replace("-", "_")},
        )
    if not match:
        return 0
    reason = str(value.get("reason") or "")
    if reason.upper() == "NONE":
        reason = ""
    owned = Q(channel_id__in=channel_ids) | Q(channel__isnull=True)
    return MessageTemplate.objects.filter(match, owned).update(status=status, status_reason=reason[:255])


def template_message_spec(
    *, user: User, channel: Channel, template_id: int, parameters: dict | None, attachment_id: int | None
) -> OutboundSpec:
    """T2-T4: what to send for a template the agent filled in (an ``OutboundSpec``).

    A media header uses the file the agent attached, else the template's own file; a
    reply-button message's attachment may only be changed with the permission
    "WhatsApp Can Change Attachments in Reply Button".
    """
    template = templates_sendable(channel=channel).filter(pk=template_id).first()
    if template is None:
        raise NotFound(f"template {template_id} does not exist, is not approved, or is not for this number")
    composed = compose(template, parameters=parameters)
    if composed.content.get("media_header"):
        changes_attachment = (
            attachment_id and template.kind == MessageTemplate.Kind.REPLY_BUTTONS and template.header_media
        )
        if changes_attachment and not user.has_perm("templates_app.change_reply_button_attachment"):
            raise PermissionDenied("changing the attachment of reply buttons needs the permission to do so")
        if not attachment_id:
            attachment_id = _attachment_from_file(user=user, stored=template.header_media).pk
    elif attachment_id:
        raise DomainError("this template has no media header to attach a file to", code="invalid")
    return OutboundSpec(
        type=composed.type, body=composed.body, content=composed.content, attachment_id=attachment_id
    )


def _attachment_from_file(*, user: User, stored: Any) -> Attachment:
    """A sendable copy of a file kept by content managers (template header, response file)."""
    if not stored:
        raise DomainError("this template's media header has no file: attach one", code="no_attachment")
    with stored.open("rb") as handle:
        return attachment_upload(user=user, file=File(handle), file_name=stored.name.rsplit("/", 1)[-1])


def standard_response_attachment_use(*, user: User, attachment_id: int) -> Attachment:
    """T1: a standard response's file, ready to send as its own message."""
    stored = StandardResponseAttachment.objects.filter(pk=attachment_id, response__is_active=True).first()
    if stored is None:
        raise NotFound(f"standard response attachment {attachment_id} does not exist")
    attachment = _attachment_from_file(user=user, stored=stored.file)
    if stored.file_name and attachment.file_name != stored.file_name:
        attachment.file_name = stored.file_name
        attachment.save(update_fields=["file_name"])
    return attachment
