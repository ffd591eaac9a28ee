"""Outbound messages: create, send in order, retry, never send twice.

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
import random
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations import events, jobs
from conversations.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from conversations.models import Attachment, Interaction, Message
from conversations.options import get_option
from conversations.permissions import user_can_write, user_is_supervisor
from conversations.selectors.interactions import interaction_get_for_user
from conversations.services.access import interaction_locked
from conversations.services.specs import OutboundSpec, TemplateSpec
from conversations.services.statuses import (
    ERROR_TITLE_MAX,
    accepted_wamid_pending,
    callback_data,
    message_adopt_wamid,
    pending_statuses_apply,
)
from conversations.windows import reply_window_is_open, window_is_open
from templates_app.composition import template_render
from templates_app.selectors import default_notification_template
from templates_app.services import template_message_spec
from waproject.embedded import enqueue, enqueue_on_commit
from whatsapp import payloads
from whatsapp.client import CloudApiClient
from whatsapp.errors import CloudApiError, ErrorKind

logger = logging.getLogger(__name__)

S = Message.Status
#: A message is tried at most this many times; retryable failures wait an exponential,
#: jittered backoff between tries (1 s, 2 s, 4 s … 256 s: about 8½ minutes in all, never
#: more than the 5-minute cap per wait), then it is marked failed.
MAX_SEND_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
#: A claim older than this, whose call never started, belonged to a crashed worker.
STALE_CLAIM = timedelta(seconds=60)
#: How long an ambiguous send waits for a status webhook to reconcile it.
RECONCILE_GRACE = timedelta(minutes=5)
SWEEP_BATCH = 100

#: The message types an agent may send, and what each needs.
SENDABLE_TYPES = (
    Message.Type.TEXT,
    *Message.MEDIA_TYPES,
    Message.Type.LOCATION,
    Message.Type.TEMPLATE,
    Message.Type.INTERACTIVE,
)


def backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1-based): exponential, jittered ±25 %, capped.

    The jitter spreads the retries of many messages hit by the same outage; the cap is
    applied last, so no wait ever exceeds ``BACKOFF_CAP_SECONDS``.
    """
    jittered = BACKOFF_BASE_SECONDS * 2 ** (attempt - 1) * random.uniform(0.75, 1.25)
    return min(jittered, BACKOFF_CAP_SECONDS)


# --- creating -------------------------------------------------------------------


def message_send(*, user: Any, interaction_id: int, spec: OutboundSpec | TemplateSpec) -> Message:
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
                "only the agent who owns this interaction (or a supervisor) may write to it"
            )
        if not interaction.is_open:
            raise Conflict(
                "this interaction is done; start a new outbound session to write again", code="closed"
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


def message_queue(*, user: Any, interaction: Interaction, spec: OutboundSpec) -> Message:
    """Queue ``spec`` into an interaction the caller already locked and authorised."""
    if spec.client_ref:
        existing = Message.objects.filter(interaction=interaction, client_ref=spec.client_ref).first()
        if existing is not None:
            return _replayed(existing, spec)
    message = _build_message(user=user, interaction=interaction, spec=spec)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # the same client_ref raced in from another request
        return _replayed(Message.objects.get(interaction=interaction, client_ref=spec.client_ref), spec)
    if spec.attachment_id:
        Attachment.objects.filter(pk=spec.attachment_id).update(message=message)
    now = timezone.now()
    interaction.last_outbound_at = now
    interaction.awaiting_reply_since = None  # the pending response indicator stops (W5)
    interaction.save(update_fields=["last_outbound_at", "awaiting_reply_since", "updated_at"])
    events.message_created(message=message, owner_id=interaction.owner_id)
    events.interaction_changed(interaction=interaction)
    enqueue_on_commit(jobs.OUTBOX_FLUSH, interaction.pk)
    return message


def _replayed(existing: Message, spec: OutboundSpec) -> Message:
    """The message already queued for this ``client_ref`` (a double submit sends once).

    The same reference with another content is a client bug, not a double click: refused.
    """
    if not _same_request(existing, spec):
        raise Conflict(
            f"client_ref {spec.client_ref!r} was already used for another message", code="client_ref_reused"
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
            "the response window has ended: only a notification (template) can be sent, and no default "
            "notification template is configured",
            code="window_closed",
        )
    # Template parameters may not hold new lines, tabs or runs of spaces (WhatsApp 132018).
    text = " ".join((spec.body or "").split())
    if not text:
        raise DomainError("the message is empty", code="empty")
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


def _build_message(*, user: Any, interaction: Interaction, spec: OutboundSpec) -> Message:
    if spec.type not in SENDABLE_TYPES:
        raise DomainError(f"cannot send messages of type {spec.type!r}", code="bad_type")
    if spec.type == Message.Type.TEXT and not reply_window_is_open(interaction):
        spec = _as_notification(interaction=interaction, spec=spec)
    content = dict(spec.content or {})
    if spec.type != Message.Type.TEMPLATE and not window_is_open(interaction):
        raise Conflict(
            "the 24-hour customer-service window is closed: only a notification (template) can be sent",
            code="window_closed",
        )
    body = spec.body or ""
    if spec.type == Message.Type.TEXT:
        if not body.strip():
            raise DomainError("the message is empty", code="empty")
        limit = get_option("whatsappsession.max-text-message-size", agent_id=user.pk)
        size = len(body.encode("utf-8"))
        if size > limit:
            raise DomainError(
                f"the message is {size} bytes in UTF-8; the limit is {limit} bytes", code="too_long"
            )
    if spec.type in Message.MEDIA_TYPES or (spec.content or {}).get("media_header"):
        attachment = Attachment.objects.filter(pk=spec.attachment_id, message__isnull=True).first()
        if attachment is None:
            raise DomainError("attach an uploaded file that was not sent yet", code="no_attachment")
        if attachment.uploaded_by_id not in (None, user.pk) and not user_is_supervisor(user):
            raise PermissionDenied("this file was uploaded by someone else")
        wanted = (spec.content or {}).get("media_header") or spec.type
        if attachment.kind != wanted:
            raise DomainError(f"the file is a {attachment.kind}, not a {wanted}", code="bad_type")
    context_wamid = ""
    if spec.reply_to_message_id:
        quoted = Message.objects.filter(pk=spec.reply_to_message_id, contact=interaction.contact).first()
        if quoted is None or not quoted.wamid:
            raise DomainError("the message replied to is unknown or was never delivered", code="bad_reply")
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
        status=S.QUEUED,
        client_ref=spec.client_ref,
    )
    # Build the Cloud API payload now: a message WhatsApp would refuse is never queued.
    try:
        build_payload(message, media_id="validation-only" if _needs_upload(message) else None)
    except ValueError as exc:
        raise DomainError(str(exc), code="invalid") from exc
    return message


# --- the Cloud API payload ----------------------------------------------------------


def recipient_of(message: Message) -> str:
    """R8: the address the customer uses in this conversation (the number they write from),
    not the contact's first number: a contact may have several."""
    return message.interaction.customer_address


def build_payload(message: Message, *, media_id: str | None = None) -> dict[str, Any]:
    """The ``/messages`` body for ``message`` (ValueError when WhatsApp would refuse it)."""
    to = recipient_of(message)
    reply_to = message.context_wamid or None
    content = message.content
    kind = message.type
    if kind == Message.Type.TEXT:
        payload = payloads.text(
            to, message.body, preview_url=bool(content.get("preview_url")), reply_to=reply_to
        )
    elif kind in Message.MEDIA_TYPES:
        attachment = getattr(message, "attachment", None)
        payload = payloads.media(
            to,
            kind,
            media_id=media_id or (attachment.media_id if attachment else None),
            caption=message.body or None,
            filename=(attachment.file_name if attachment and kind == Message.Type.DOCUMENT else None),
            reply_to=reply_to,
        )
    elif kind == Message.Type.LOCATION:
        payload = payloads.location(
            to,
            latitude=content.get("latitude"),
            longitude=content.get("longitude"),
            name=content.get("name") or None,
            address=content.get("address") or None,
            reply_to=reply_to,
        )
    elif kind == Message.Type.TEMPLATE:
        template = content.get("template") or {}
        if not template.get("name") or not template.get("language"):
            raise ValueError("a template message needs the template's name and language")
        components = list(template.get("components") or ())
        if content.get("media_header"):
            components.insert(0, {"type": "header", "parameters": [_media_object(message, media_id)]})
        payload = payloads.template(
            to, name=template["name"], language=template["language"], components=components, reply_to=reply_to
        )
    elif kind == Message.Type.INTERACTIVE:
        interactive = dict(content.get("interactive") or {})
        if content.get("media_header"):
            interactive["header"] = _media_object(message, media_id)
        if interactive.get("type") == "button":
            payload = payloads.reply_buttons(
                to,
                body=message.body,
                buttons=[(b["id"], b["title"]) for b in interactive.get("buttons", [])],
                header=interactive.get("header"),
                footer=interactive.get("footer"),
                reply_to=reply_to,
            )
        elif interactive.get("type") == "list":
            payload = payloads.list_message(
                to,
                body=message.body,
                button=interactive.get("button", ""),
                sections=interactive.get("sections", []),
                header=interactive.get("header"),
                footer=interactive.get("footer"),
                reply_to=reply_to,
            )
        else:
            raise ValueError("an interactive message is reply buttons ('button') or a list ('list')")
    else:
        raise ValueError(f"cannot send messages of type {kind!r}")
    if message.pk:
        payload["biz_opaque_callback_data"] = callback_data(message.pk)
    return payload


def _media_object(message: Message, media_id: str | None) -> dict[str, Any]:
    """A template's or an interactive message's media header, from the message's attachment."""
    kind = message.content["media_header"]
    attachment = getattr(message, "attachment", None)
    media_id = media_id or (attachment.media_id if attachment else None)
    if not media_id:
        raise ValueError(f"this message needs its {kind} header: attach the file")
    media: dict[str, Any] = {"id": media_id}
    if kind == "document" and attachment is not None and attachment.file_name:
        media["filename"] = attachment.file_name
    return {"type": kind, kind: media}


def _needs_upload(message: Message) -> bool:
    return message.type in Message.MEDIA_TYPES or bool(message.content.get("media_header"))


# --- sending ----------------------------------------------------------------------


def _head_filter(interaction_id: int) -> Q:
    """Still waiting to leave (queued, or being sent) in this interaction."""
    return Q(
        interaction_id=interaction_id, direction=Message.Direction.OUTBOUND, status__in=(S.QUEUED, S.SENDING)
    )


def _claim_head(interaction_id: int, *, now: datetime) -> Message | None:
    """Atomically mark the interaction's oldest unsent message as being sent, if it is due.

    The head is the oldest queued-or-sending message: while one is being sent (or waits
    for its retry), the ones after it wait too.
    """
    earlier_unsent = Message.objects.filter(_head_filter(interaction_id), id__lt=OuterRef("id"))
    claimed = (
        Message.objects.filter(_head_filter(interaction_id), status=S.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(~Exists(earlier_unsent))
        .order_by("id")
        .values_list("id", flat=True)[:1]
    )
    head_id = next(iter(claimed), None)
    if head_id is None:
        return None
    updated = Message.objects.filter(pk=head_id, status=S.QUEUED).update(
        status=S.SENDING, send_claimed_at=now, send_started_at=None, send_attempts=F("send_attempts") + 1
    )
    if not updated:
        return None  # another worker claimed it first
    return Message.objects.select_related("channel", "contact", "interaction", "attachment").get(pk=head_id)


def interaction_outbox_flush(*, interaction_id: int, client: CloudApiClient | None = None) -> int:
    """Send the interaction's queued messages in order; returns how many were accepted.

    Stops at a message that must wait for its retry: the ones after it keep their turn.
    """
    accepted = 0
    while True:
        message = _claim_head(interaction_id, now=timezone.now())
        if message is None:
            return accepted
        if _send_one(message, client=client):
            accepted += 1
        elif message.status == S.QUEUED:
            return accepted  # waiting for a retry


def _send_one(message: Message, *, client: CloudApiClient | None) -> bool:
    owns_client = client is None
    client = client or CloudApiClient.for_channel(message.channel)
    try:
        try:
            media_id = _ensure_uploaded(message, client) if _needs_upload(message) else None
            payload = build_payload(message, media_id=media_id)
        except CloudApiError as error:
            error.may_have_arrived = False  # an upload may be repeated harmlessly
            _record_failure(message, error)
            return False
        except ValueError as exc:  # became invalid since it was queued (e.g. an edited template)
            _mark_failed(message, code=None, title="WhatsApp would refuse this message", details=str(exc))
            return False
        still_ours = Message.objects.filter(
            pk=message.pk, status=S.SENDING, send_claimed_at=message.send_claimed_at
        ).update(send_started_at=timezone.now())
        if not still_ours:
            return False  # the claim went stale and was taken over: do not send
        try:
            result = client.send(payload)
        except CloudApiError as error:
            _record_failure(message, error)
            return False
    finally:
        if owns_client:
            client.close()
    message_accepted(message_id=message.pk, wamid=result.wamid)
    return True


def _ensure_uploaded(message: Message, client: CloudApiClient) -> str:
    attachment = message.attachment
    if attachment.media_id:
        return attachment.media_id
    with attachment.file.open("rb") as handle:
        data = handle.read()
    media_id = client.upload_media(data=data, mime_type=attachment.mime_type, filename=attachment.file_name)
    Attachment.objects.filter(pk=attachment.pk).update(media_id=media_id)
    attachment.media_id = media_id
    return media_id


def message_accepted(*, message_id: int, wamid: str) -> None:
    """WhatsApp accepted the message as ``wamid``: record it and apply early statuses."""
    with transaction.atomic():
        updated = Message.objects.filter(pk=message_id, wamid__isnull=True).update(
            wamid=wamid, status=S.ACCEPTED, next_attempt_at=None
        )
        message = Message.objects.select_related("channel").get(pk=message_id)
        if updated:
            pending_statuses_apply(channel=message.channel, wamid=wamid)
            message.refresh_from_db()
        events.message_updated(message=message)
    _typing_ended(message.interaction_id)


def _record_failure(message: Message, error: CloudApiError) -> None:
    attempts = message.send_attempts
    if error.may_have_arrived:
        # No answer, but WhatsApp may have the message: sending again could deliver it
        # twice. It stays "sending" until a status webhook names it, or the sweep gives up.
        logger.warning("message %s: no answer from WhatsApp (%s); waiting to reconcile", message.pk, error)
        Message.objects.filter(pk=message.pk, status=S.SENDING).update(
            error_code=error.code, error_title=error.title[:ERROR_TITLE_MAX], error_details=error.details
        )
        return
    if error.kind == ErrorKind.RETRYABLE and attempts < MAX_SEND_ATTEMPTS:
        delay = backoff(attempts)
        Message.objects.filter(pk=message.pk, status=S.SENDING).update(
            status=S.QUEUED,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            send_started_at=None,
            error_code=error.code,
            error_title=error.title[:ERROR_TITLE_MAX],
            error_details=error.details,
        )
        message.status = S.QUEUED
        enqueue(jobs.OUTBOX_FLUSH, message.interaction_id, countdown=delay)
        logger.info("message %s: retry %s in %.1f s after %s", message.pk, attempts, delay, error)
        return
    _mark_failed(message, code=error.code, title=error.title, details=error.details)


def _mark_failed(message: Message, *, code: int | None, title: str, details: str) -> None:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status__in=(S.SENDING, S.QUEUED)).update(
            status=S.FAILED,
            failed_at=timezone.now(),
            next_attempt_at=None,
            error_code=code,
            error_title=title[:ERROR_TITLE_MAX],
            error_details=details,
        )
        message.refresh_from_db()
        events.message_updated(message=message)


def message_retry(*, user: Any, message_id: int) -> Message:
    """Send a failed message again (the agent's "retry"): it really goes out again.

    Unless WhatsApp accepted it after all: a parked status naming it (its send answer
    was lost, the sweep gave up) is reconciled instead, and nothing is sent twice.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update().select_related("interaction").filter(pk=message_id).first()
        )
        if message is None or message.direction != Message.Direction.OUTBOUND:
            raise NotFound(f"outbound message {message_id} does not exist")
        if not user_can_write(user=user, interaction=message.interaction):
            raise PermissionDenied("only the interaction's agent (or a supervisor) may retry its messages")
        if message.status != S.FAILED:
            raise Conflict(
                f"only failed messages can be retried; this one is {message.status}", code="not_failed"
            )
        if _reconciled_before_retry(message):
            message.refresh_from_db()
            return message
        if not message.interaction.is_open:
            raise Conflict("this interaction is done", code="closed")
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
            "WhatsApp already accepted this message (a status webhook names it); it is not sent again",
            code="already_accepted",
        )
    pending_statuses_apply(channel=message.channel, wamid=wamid)
    logger.info("message %s: retry reconciled with %s instead of sending again", message.pk, wamid)
    return True


# --- the beat's sweeps --------------------------------------------------------------


def outbound_due_sweep(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Flush each interaction whose head message is due (a retry, or a send never
    started), once, oldest due first. Returns how many interactions were flushed.

    Only heads count, exactly as :func:`_claim_head` picks them: the messages queued
    behind a head that waits for its retry are not due. One row per interaction
    (``GROUP BY``, ordered by when it fell due), so one conversation's backlog never
    fills the batch and starves another's retry. (A ``.distinct()`` here was defeated
    by the model's default ordering: its columns joined the ``SELECT DISTINCT``.) The
    cost grows with what is due: the partial index on ``next_attempt_at`` of queued rows.
    """
    earlier_unsent = Message.objects.filter(_head_filter(OuterRef("interaction_id")), id__lt=OuterRef("id"))
    interaction_ids = list(
        Message.objects.filter(status=S.QUEUED, direction=Message.Direction.OUTBOUND)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(~Exists(earlier_unsent))
        .values("interaction_id")
        .annotate(due_at=Min(Coalesce("next_attempt_at", "arrived_at")))
        .order_by("due_at", "interaction_id")
        .values_list("interaction_id", flat=True)[:limit]
    )
    for interaction_id in interaction_ids:
        enqueue(jobs.OUTBOX_FLUSH, interaction_id)
    return len(interaction_ids)


def abandoned_sends_sweep(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Recover sends whose worker died.

    Died before calling WhatsApp: queued again (nothing left). Died after: the message
    may have left, so it waits ``RECONCILE_GRACE`` for a status webhook naming it; then it
    is marked failed with an explanation, for the agent to retry or not.
    """
    recovered = 0
    never_started = Message.objects.filter(
        status=S.SENDING, send_started_at__isnull=True, send_claimed_at__lte=now - STALE_CLAIM
    ).values_list("pk", "interaction_id", "send_claimed_at")[:limit]
    for pk, interaction_id, claimed_at in list(never_started):
        stale = Message.objects.filter(
            pk=pk, status=S.SENDING, send_started_at__isnull=True, send_claimed_at=claimed_at
        )
        if stale.update(status=S.QUEUED, send_claimed_at=None):
            enqueue(jobs.OUTBOX_FLUSH, interaction_id)
            recovered += 1
    ambiguous = Message.objects.filter(
        status=S.SENDING, send_started_at__lte=now - RECONCILE_GRACE, wamid__isnull=True
    ).select_related("channel")[:limit]
    for message in list(ambiguous):
        _mark_failed(
            message,
            code=None,
            title="Sending was interrupted",
            details=(
                "The connection to WhatsApp broke after the message was handed over and no "
                "confirmation arrived. It may or may not have reached the customer; retry to send it again."
            ),
        )
        enqueue(jobs.OUTBOX_FLUSH, message.interaction_id)  # the messages behind it may go now
        recovered += 1
    return recovered


def message_mark_read(
    *, message_id: int, typing_indicator: bool = False, client: CloudApiClient | None = None
) -> None:
    """Blue ticks for a customer's message (and the earlier ones of the thread); with
    ``typing_indicator``, "typing…" on their phone too.

    Best effort: a failure is logged; the customer only misses a tick.
    """
    message = (
        Message.objects.select_related("channel")
        .filter(pk=message_id, direction=Message.Direction.INBOUND)
        .first()
    )
    if message is None or not message.wamid:
        return
    owns_client = client is None
    client = client or CloudApiClient.for_channel(message.channel)
    try:
        client.mark_as_read(message.wamid, typing_indicator=typing_indicator)
    except CloudApiError as error:
        logger.warning("could not mark message %s as read: %s", message_id, error)
    finally:
        if owns_client:
            client.close()


def interaction_mark_read(*, user: Any, interaction_id: int, message_id: int) -> int | None:
    """The agent has seen the customer's messages up to ``message_id``: blue ticks on their
    phone for the latest inbound one (WhatsApp marks the earlier ones with it). Returns the
    message marked, None when there is none; for the agents writing in the interaction."""
    interaction = interaction_get_for_user(user=user, interaction_id=interaction_id)
    if not user_can_write(user=user, interaction=interaction):
        raise PermissionDenied("only the interaction's agents mark the customer's messages as read")
    latest = (
        Message.objects.filter(
            interaction=interaction, pk__lte=message_id, direction=Message.Direction.INBOUND
        )
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is not None:
        enqueue_on_commit(jobs.MESSAGE_MARK_READ, latest)
    return latest


# --- the agent is typing -----------------------------------------------------------------

#: WhatsApp shows "typing…" for 25 seconds or until the reply arrives; while the agent
#: types, one indicator per interaction goes at most this often (the agent's message
#: accepted by WhatsApp ends it, so typing again after a send shows it again at once).
TYPING_EVERY = timedelta(seconds=20)


def _typing_key(interaction_id: int) -> str:
    return f"whatsapp-typing:{interaction_id}"


def interaction_typing(*, user: Any, interaction_id: int) -> bool:
    """The agent is typing: show "typing…" on the customer's phone; True when it goes.

    The Cloud API shows it with a mark-as-read of the customer's latest message (its id is
    required), so it goes only while the conversation is open, inside the 24-hour window,
    and after the customer wrote; at most once per :data:`TYPING_EVERY` per interaction,
    counted in the cache all server processes share.
    """
    interaction = Interaction.objects.filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound(f"interaction {interaction_id} does not exist")
    if not user_can_write(user=user, interaction=interaction):
        raise PermissionDenied("only the agents writing in this interaction show that they are typing")
    if not (interaction.is_open and window_is_open(interaction) and interaction.last_inbound_wamid):
        return False
    latest = (
        Message.objects.filter(
            channel_id=interaction.channel_id,
            wamid=interaction.last_inbound_wamid,
            direction=Message.Direction.INBOUND,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None or not _cache_call(
        "add", _typing_key(interaction.pk), True, TYPING_EVERY.total_seconds()
    ):
        return False
    enqueue(jobs.MESSAGE_MARK_READ, latest, typing=True)
    return True


def _typing_ended(interaction_id: int) -> None:
    """The agent's message reached WhatsApp: the phone stopped showing "typing…"."""
    _cache_call("delete", _typing_key(interaction_id))


def _cache_call(method: str, *args: Any) -> Any:
    """A cache operation that never fails the caller (the indicator is best effort)."""
    try:
        return getattr(cache, method)(*args)
    except Exception as error:  # the cache's Redis is unreachable
        logger.warning("typing indicator: cache %s failed: %r", method, error)
        return None
