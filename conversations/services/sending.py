"""Sending queued messages: in order, retried, never twice (DESIGN invariant 5).

A send claims the *head* of its interaction's queue with one conditional UPDATE, so
messages leave in the order the agent wrote them and two workers never send the same row.
The HTTP call runs outside any transaction (SQLite would otherwise hold its write lock).
``send_started_at`` is committed before the call: a claim abandoned before it is simply
queued again; one abandoned after it is ambiguous and reconciled by the status webhooks
(``biz_opaque_callback_data``), or marked failed for the agent to decide, never re-sent
blindly (see ``conversations.services.outbound``). :mod:`whatsapp.errors` explains which
failures are retried.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations import events, jobs
from conversations.models import Attachment, Channel, Message
from conversations.preferences import marketing_refusal
from conversations.services.receipts import typing_ended
from conversations.services.statuses import ERROR_TITLE_MAX, pending_statuses_apply
from conversations.services.wire_messages import build_payload, needs_upload
from ops import metrics
from waproject.embedded import enqueue
from whatsapp.client import CloudApiClient
from whatsapp.errors import PACING_CODES, PAIR_RATE_SECONDS, CloudApiError, ErrorKind

logger = logging.getLogger(__name__)

S = Message.Status
#: A message is tried at most this many times; retryable failures wait an exponential,
#: jittered backoff between tries (1 s, 2 s, 4 s … 256 s: about 8½ minutes in all, never
#: more than the 5-minute cap per wait), then it is marked failed.
MAX_SEND_ATTEMPTS = 10

#: G5: pacing (130429, 131056) is WhatsApp asking to wait, not a failure: a message waits
#: through more of it (with the capped backoff, about an hour) before it is failed.
MAX_PACING_ATTEMPTS = 20

BACKOFF_BASE_SECONDS = 1.0

BACKOFF_CAP_SECONDS = 300.0

#: A claim older than this, whose call never started, belonged to a crashed worker.
STALE_CLAIM = timedelta(seconds=60)

#: How long an ambiguous send waits for a status webhook to reconcile it.
RECONCILE_GRACE = timedelta(minutes=5)

SWEEP_BATCH = 100


def backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1-based): exponential, jittered ±25 %, capped.

    The jitter spreads the retries of many messages hit by the same outage; the cap is
    applied last, so no wait ever exceeds ``BACKOFF_CAP_SECONDS``.
    """
    jittered = BACKOFF_BASE_SECONDS * 2 ** (attempt - 1) * random.uniform(0.75, 1.25)
    return float(min(jittered, BACKOFF_CAP_SECONDS))


def _head_filter(interaction_id: int | OuterRef) -> Q:
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
        .exclude(channel__send_paused_until__gt=now)  # G5: the number is paced (130429)
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
    refusal = marketing_refusal(contact=message.contact, message_type=message.type, content=message.content)
    if refusal:  # G3: the customer stopped marketing messages after it was queued
        metrics.send_outcome("invalid")
        _mark_failed(message, code=None, title="The customer stopped marketing messages", details=refusal)
        return False
    owns_client = client is None
    client = client or CloudApiClient.for_channel(message.channel)
    try:
        try:
            media_id = _ensure_uploaded(message, client) if needs_upload(message) else None
            payload = build_payload(message, media_id=media_id)
        except CloudApiError as error:
            error.may_have_arrived = False  # an upload may be repeated harmlessly
            _record_failure(message, error)
            return False
        except ValueError as exc:  # became invalid since it was queued (e.g. an edited template)
            metrics.send_outcome("invalid")
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
    metrics.send_outcome("accepted")
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
    typing_ended(message.interaction_id)


def _record_failure(message: Message, error: CloudApiError) -> None:
    attempts = message.send_attempts
    if error.may_have_arrived:
        # No answer, but WhatsApp may have the message: sending again could deliver it
        # twice. It stays "sending" until a status webhook names it, or the sweep gives up.
        logger.warning("message %s: no answer from WhatsApp (%s); waiting to reconcile", message.pk, error)
        metrics.send_outcome("no_answer", error.code)
        Message.objects.filter(pk=message.pk, status=S.SENDING).update(
            error_code=error.code, error_title=error.title[:ERROR_TITLE_MAX], error_details=error.details
        )
        return
    if error.code in PACING_CODES and attempts < MAX_PACING_ATTEMPTS:
        _pace(message, error, attempts)
        return
    if error.kind == ErrorKind.RETRYABLE and attempts < MAX_SEND_ATTEMPTS:
        metrics.send_outcome("retry", error.code)
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
    metrics.send_outcome("failed", error.code)
    _mark_failed(message, code=error.code, title=error.title, details=error.details)


def _pace(message: Message, error: CloudApiError, attempts: int) -> None:
    """G5: WhatsApp asked us to slow down. 130429 (the number's throughput): nothing
    leaves this number before the backoff ends. 131056 (too many messages to this
    customer): this conversation waits at least the pair rate, with backoff. The message
    waits "to send" (queued, with the code), it is not a failure; Meta refused it before
    sending, so sending it later never sends it twice."""
    delay = backoff(attempts)
    now = timezone.now()
    if error.code == 131056:
        delay = max(delay, PAIR_RATE_SECONDS)
    else:
        until = now + timedelta(seconds=delay)
        Channel.objects.filter(pk=message.channel_id).filter(
            Q(send_paused_until__isnull=True) | Q(send_paused_until__lt=until)
        ).update(send_paused_until=until)
    metrics.send_outcome("paced", error.code)
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=S.SENDING).update(
            status=S.QUEUED,
            next_attempt_at=now + timedelta(seconds=delay),
            send_started_at=None,
            error_code=error.code,
            error_title=error.title[:ERROR_TITLE_MAX],
            error_details=error.details,
        )
        message.refresh_from_db()
        events.message_updated(message=message)  # the agent sees "waiting to send"
    enqueue(jobs.OUTBOX_FLUSH, message.interaction_id, countdown=delay)
    logger.info("message %s: paced %.1f s after %s", message.pk, delay, error)


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


# --- the beat's sweeps --------------------------------------------------------------


def outbound_due_sweep(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Flush each interaction whose head message is due (a retry, or a send never
    started), once, oldest due first. Returns how many interactions were flushed."""
    interaction_ids = outbound_heads_due(now=now, limit=limit)
    for interaction_id in interaction_ids:
        enqueue(jobs.OUTBOX_FLUSH, interaction_id)
    return len(interaction_ids)


def outbound_heads_due(*, now: datetime, limit: int) -> list[int]:
    """The interactions whose head message is due (a retry, or a send never started),
    oldest due first, ``limit`` at most.

    Only heads count, exactly as :func:`_claim_head` picks them: the messages queued
    behind a head that waits for its retry are not due. An interaction has one head at
    most, so a row is an interaction: one conversation's backlog never fills the batch
    and starves another's retry. The rows are read in the order they fell due
    (``COALESCE(next_attempt_at, arrived_at)``, the partial expression index
    ``message_outbound_due_idx``) and the read stops at ``limit``: what is not due yet sorts
    after ``now``, so the cost follows the batch and the messages queued behind heads, not
    the retries waiting for later. (The grouping that was here read every due row before
    its LIMIT.)
    """
    earlier_unsent = Message.objects.filter(_head_filter(OuterRef("interaction_id")), id__lt=OuterRef("id"))
    return list(
        Message.objects.filter(status=S.QUEUED, direction=Message.Direction.OUTBOUND)
        .alias(due_at=Coalesce("next_attempt_at", "arrived_at"))
        .filter(due_at__lte=now)
        .exclude(channel__send_paused_until__gt=now)  # G5: flushed once the number may send again
        .filter(~Exists(earlier_unsent))
        .order_by("due_at", "id")
        .values_list("interaction_id", flat=True)[:limit]
    )


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
