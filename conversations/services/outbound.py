"""Outbound messages: check and queue what an agent sends, and their retries.

A message exists (status ``queued``, its own id) before the Cloud API is called. A send
claims the *head* of its interaction's queue with one conditional UPDATE, so messages
leave in the order the agent wrote them and two workers never send the same row. The
HTTP call runs outside any transaction (SQLite would otherwise hold its write lock).

Crash safety (DESIGN invariant 5): ``send_started_at`` is committed before the call. A
claim abandoned *before* it is simply queued again; one abandoned *after* it is
ambiguous — WhatsApp may have accepted the message — so it is never re-sent blindly:
every send carries ``biz_opaque_callback_data`` naming our message, the status webhooks
echo it and reconcile the wamid; if none arrives, the message is marked failed with an
explanation and the agent decides whether to retry. A status naming it that arrives
even later still reconciles it (the failure is cleared), and a retry first looks for
such evidence, so what WhatsApp accepted is never sent a second time. A failure before
the request left (connection refused, connect timeout) is retried automatically like any
retryable error; :mod:`whatsapp.errors` explains the classification.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events, jobs
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import Attachment, Interaction, Message
from conversations.options import get_option
from conversations.permissions import user_can_write, user_is_supervisor
from conversations.preferences import (
    MARKETING_STOPPED,
    NEEDS_PHONE_NUMBER,
    bsuid_refusal,
    marketing_refusal,
)
from conversations.services.access import interaction_locked
from conversations.services.specs import OutboundSpec, TemplateSpec
from conversations.services.statuses import (
    accepted_wamid_pending,
    message_adopt_wamid,
    pending_statuses_apply,
)
from conversations.services.wire_messages import build_payload, needs_upload
from conversations.windows import reply_window_is_open, window_is_open
from integrations import outbox
from integrations.selectors import bot_of_user
from reports.services import Fact, Kind, Where, facts_record
from templates_app.composition import template_render
from templates_app.selectors import default_notification_template
from templates_app.services import template_message_spec
from waproject.embedded import enqueue_on_commit

__all__ = ["SENDABLE_TYPES", "OutboundSpec", "TemplateSpec", "message_queue", "message_retry", "message_send"]

logger = logging.getLogger(__name__)

S = Message.Status
#: The message types an agent may send, and what each needs.
SENDABLE_TYPES = (
    Message.Type.TEXT,
    *Message.MEDIA_TYPES,
    Message.Type.LOCATION,
    Message.Type.TEMPLATE,
    Message.Type.INTERACTIVE,
)


# --- creating -------------------------------------------------------------------


def message_send(*, user: User, interaction_id: int, spec: OutboundSpec | TemplateSpec) -> Message:
    """Queue a message of ``user`` into an interaction; it leaves after the commit.

    ``spec`` is a message as the agent wrote it, or a stored template to fill in (composed
    here, on the interaction's number: T2-T4). Refuses (DomainError with a precise message)
    what WhatsApp would refuse or what the user may not do, so nothing half-valid is ever
    queued. A repeated ``client_ref`` returns the message already queued for it (a
    double-clicked Send sends once).
    """
    with transaction.atomic():
        interaction = interaction_locked(interaction_id, related=("channel", "contact"))
        if not user_can_write(user=user, interaction=interaction):
            raise PermissionDenied(
                _("only the agent who owns this interaction (or a supervisor) may write to it")
            )
        if not interaction.is_open:
            raise Conflict(
                _("this interaction is done; start a new outbound session to write again"), code="closed"
            )
        if isinstance(spec, TemplateSpec):
            filled = template_message_spec(
                user=user,
                channel=interaction.channel,
                template_id=spec.template_id,
                parameters=spec.parameters,
                attachment_id=spec.attachment_id,
            )
            spec = dataclasses.replace(filled, client_ref=spec.client_ref)
        return message_queue(user=user, interaction=interaction, spec=spec)


def message_queue(
    *, user: User, interaction: Interaction, spec: OutboundSpec, automated: bool = False
) -> Message:
    """Queue ``spec`` into an interaction the caller already locked and authorised;
    ``automated``: written by an automation (an entry flow, B1), shown so in the transcript."""
    if spec.client_ref:
        existing = Message.objects.filter(interaction=interaction, client_ref=spec.client_ref).first()
        if existing is not None:
            return _replayed(existing, spec)
    message = _build_message(user=user, interaction=interaction, spec=spec, automated=automated)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # the same client_ref raced in from another request
        return _replayed(Message.objects.get(interaction=interaction, client_ref=spec.client_ref), spec)
    if spec.attachment_id:
        Attachment.objects.filter(pk=spec.attachment_id).update(message=message)
    now = timezone.now()
    facts_record(_facts_of(message, interaction=interaction, now=now))
    interaction.last_outbound_at = now
    interaction.awaiting_reply_since = None  # the pending response indicator stops (W5)
    interaction.save(update_fields=["last_outbound_at", "awaiting_reply_since", "updated_at"])
    events.message_created(message=message, owner_id=interaction.owner_id)
    outbox.message_created(message=message, owner_id=interaction.owner_id)  # B5, same transaction
    events.interaction_changed(interaction=interaction)
    enqueue_on_commit(jobs.OUTBOX_FLUSH, interaction.pk)
    return message


def _facts_of(message: Message, *, interaction: Interaction, now: datetime) -> list[Fact]:
    """S3: a message sent (by type); a notification fallback (O2); and the first response
    of an inbound conversation: its first message by an agent (not an automated one: an
    entry flow's or a bot's), timed from the
    conversation's start (the customer's first message). The interaction is locked, so
    two first messages cannot both be first."""
    where: Where = {
        "queue_id": interaction.queue_id,
        "agent_id": message.author_id,
        "channel_id": interaction.channel_id,
    }
    facts = [Fact(Kind.MESSAGE_OUT, now, detail=message.type, **where)]
    if message.content.get("notification_fallback"):
        facts.append(Fact(Kind.FALLBACK, now, **where))
    if (
        message.author_id
        and not message.automated  # an entry flow's or a bot's message is no one's response (B1)
        and interaction.origin == Interaction.Origin.INBOUND
        and not Message.objects.filter(
            interaction=interaction,
            direction=Message.Direction.OUTBOUND,
            author__isnull=False,
            automated=False,
        )
        .exclude(pk=message.pk)
        .exists()
    ):
        facts.append(
            Fact(Kind.FIRST_RESPONSE, now, seconds=(now - interaction.created_at).total_seconds(), **where)
        )
    return facts


def _replayed(existing: Message, spec: OutboundSpec) -> Message:
    """The message already queued for this ``client_ref`` (a double submit sends once).

    The same reference with another content is a client bug, not a double click: refused.
    """
    if not _same_request(existing, spec):
        raise Conflict(
            _("client_ref %(client_ref)s was already used for another message")
            % {"client_ref": repr(spec.client_ref)},
            code="client_ref_reused",
        )
    existing.replayed = True
    return existing


def _same_request(existing: Message, spec: OutboundSpec) -> bool:
    content = spec.content or {}
    if spec.type == Message.Type.TEXT:
        if existing.content.get("notification_fallback"):  # sent as the default notification (O2)
            return " ".join(spec.body.split()) in existing.body
        return existing.type == Message.Type.TEXT and existing.body == spec.body
    if spec.type in Message.MEDIA_TYPES:
        attachment = getattr(existing, "attachment", None)
        return attachment is not None and attachment.pk == spec.attachment_id
    if content.get("template_id"):
        return existing.content.get("template_id") == content["template_id"] and existing.body == spec.body
    return existing.type == spec.type and existing.content == content


def _as_notification(*, interaction: Interaction, spec: OutboundSpec) -> OutboundSpec:
    """O2: after the reply timeout, the agent's text goes out appended to the default
    notification template (e.g. "Thank you for your patience! {{1}}")."""
    template = default_notification_template(channel=interaction.channel)
    if template is None:
        raise Conflict(
            _(
                "the response window has ended: only a notification (template) can be sent, and no default "
                "notification template is configured"
            ),
            code="window_closed",
        )
    # Template parameters may not hold new lines, tabs or runs of spaces (WhatsApp 132018).
    text = " ".join((spec.body or "").split())
    if not text:
        raise DomainError(_("the message is empty"), code="empty")
    return OutboundSpec(
        type=Message.Type.TEMPLATE,
        body=template_render(template.body, {1: text}),
        content={
            "template": {
                "name": template.name,
                "language": template.language,
                "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
            },
            "notification_fallback": True,
        },
        reply_to_message_id=None,
        client_ref=spec.client_ref,
    )


def _build_message(
    *, user: User, interaction: Interaction, spec: OutboundSpec, automated: bool = False
) -> Message:
    if spec.type not in SENDABLE_TYPES:
        raise DomainError(
            _("cannot send messages of type %(type)s") % {"type": repr(spec.type)}, code="bad_type"
        )
    refusal = marketing_refusal(
        contact=interaction.contact, message_type=spec.type, content=spec.content or {}, translated=True
    )
    if refusal:  # G3: refused here, before it reaches Meta (which would fail it: 131050)
        raise Conflict(refusal, code=MARKETING_STOPPED)
    address = interaction.customer_address
    refusal = bsuid_refusal(
        address=address,
        wa_id_known=bool(
            interaction.customer_wa_id or (not interaction.customer_user_id and interaction.contact.wa_id)
        ),
        message_type=spec.type,
        content=spec.content or {},
    )
    if refusal:  # G2: Meta would answer 131062
        raise Conflict(refusal, code=NEEDS_PHONE_NUMBER)
    if spec.type == Message.Type.TEXT and not reply_window_is_open(interaction):
        spec = _as_notification(interaction=interaction, spec=spec)
    content = dict(spec.content or {})
    if spec.type != Message.Type.TEMPLATE and not window_is_open(interaction):
        raise Conflict(
            _("the 24-hour customer-service window is closed: only a notification (template) can be sent"),
            code="window_closed",
        )
    body = spec.body or ""
    if spec.type == Message.Type.TEXT:
        if not body.strip():
            raise DomainError(_("the message is empty"), code="empty")
        limit = get_option("whatsappsession.max-text-message-size", agent_id=user.pk)
        size = len(body.encode("utf-8"))
        if size > limit:
            raise DomainError(
                _("the message is %(size)s bytes in UTF-8; the limit is %(limit)s bytes")
                % {"size": size, "limit": limit},
                code="too_long",
            )
    if spec.type in Message.MEDIA_TYPES or (spec.content or {}).get("media_header"):
        attachment = (
            Attachment.objects.filter(pk=spec.attachment_id, message__isnull=True).first()
            if spec.attachment_id is not None
            else None
        )
        if attachment is None:
            raise DomainError(_("attach an uploaded file that was not sent yet"), code="no_attachment")
        if attachment.uploaded_by_id not in (None, user.pk) and not user_is_supervisor(user):
            raise PermissionDenied(_("this file was uploaded by someone else"))
        wanted = (spec.content or {}).get("media_header") or spec.type
        if attachment.kind != wanted:
            raise DomainError(
                _("the file is of type %(kind)s, not %(wanted)s")
                % {"kind": _type_label(attachment.kind), "wanted": _type_label(wanted)},
                code="bad_type",
            )
    context_wamid = ""
    if spec.reply_to_message_id:
        # WhatsApp resolves the quoted wamid on the number that sends: a message the customer
        # exchanged with another of our numbers cannot be quoted from this one.
        quoted = Message.objects.filter(
            pk=spec.reply_to_message_id, contact=interaction.contact, channel=interaction.channel_id
        ).first()
        if quoted is None or not quoted.wamid:
            raise DomainError(
                _("the message replied to is unknown, was never delivered or belongs to another number"),
                code="bad_reply",
            )
        context_wamid = quoted.wamid
    now = timezone.now()
    message = Message(
        channel=interaction.channel,
        interaction=interaction,
        contact=interaction.contact,
        direction=Message.Direction.OUTBOUND,
        type=spec.type,
        body=body,
        content=content,
        context_wamid=context_wamid,
        origination_at=now,
        arrived_at=now,
        author=user if getattr(user, "pk", None) else None,
        automated=automated or bot_of_user(getattr(user, "pk", None)) is not None,  # B1 flows, B4 bots
        status=S.QUEUED,
        client_ref=spec.client_ref,
    )
    # Build the Cloud API payload now: a message WhatsApp would refuse is never queued.
    try:
        build_payload(message, media_id="validation-only" if needs_upload(message) else None)
    except ValueError as exc:
        raise DomainError(str(exc), code="invalid") from exc
    return message


def _type_label(value: str) -> str:
    """A message type's label in the request's language (the value itself for another)."""
    try:
        return str(Message.Type(value).label)
    except ValueError:
        return value


# --- a failed message, again -------------------------------------------------------


def message_retry(*, user: User, message_id: int) -> Message:
    """Send a failed message again (the agent's "retry"): it really goes out again.

    Unless WhatsApp accepted it after all: a parked status naming it (its send answer
    was lost, the sweep gave up) is reconciled instead, and nothing is sent twice.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update().select_related("interaction").filter(pk=message_id).first()
        )
        if message is None or message.direction != Message.Direction.OUTBOUND:
            raise NotFound(_("outbound message %(message_id)s does not exist") % {"message_id": message_id})
        if not user_can_write(user=user, interaction=message.interaction):
            raise PermissionDenied(_("only the interaction's agent (or a supervisor) may retry its messages"))
        if message.status != S.FAILED:
            raise Conflict(
                _("only failed messages can be retried (this one: %(status)s)")
                % {"status": message.get_status_display()},
                code="not_failed",
            )
        if _reconciled_before_retry(message):
            message.refresh_from_db()
            return message
        if not message.interaction.is_open:
            raise Conflict(_("this interaction is done"), code="closed")
        message.status = S.QUEUED
        message.wamid = None
        message.send_attempts = 0
        message.next_attempt_at = None
        message.send_started_at = None
        message.send_claimed_at = None
        message.failed_at = None
        message.error_code, message.error_title, message.error_details = None, "", ""
        message.save(
            update_fields=[
                "status",
                "wamid",
                "send_attempts",
                "next_attempt_at",
                "send_started_at",
                "send_claimed_at",
                "failed_at",
                "error_code",
                "error_title",
                "error_details",
            ]
        )
        events.message_updated(message=message)
        enqueue_on_commit(jobs.OUTBOX_FLUSH, message.interaction_id)
    return message


def _reconciled_before_retry(message: Message) -> bool:
    """True when a parked status webhook shows WhatsApp accepted ``message`` after all.

    Such a status names the message by its callback data (the send's answer was lost);
    the wamid is adopted and the parked statuses applied instead of sending it twice.
    Evidence that cannot be adopted is refused rather than risking a second delivery.
    """
    wamid = accepted_wamid_pending(channel=message.channel, message_id=message.pk)
    if wamid is None:
        return False
    if not message_adopt_wamid(channel=message.channel, message_id=message.pk, wamid=wamid):
        raise Conflict(
            _("WhatsApp already accepted this message (a status webhook names it); it is not sent again"),
            code="already_accepted",
        )
    pending_statuses_apply(channel=message.channel, wamid=wamid)
    logger.info("message %s: retry reconciled with %s instead of sending again", message.pk, wamid)
    return True
