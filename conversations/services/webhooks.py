"""Receive and process Cloud API webhooks: persist, then acknowledge; replay safely.

A verified POST is processed inside the transaction that stores its raw body, so the
common case costs one commit. When processing fails, the transaction rolls back and the
raw body is stored alone, marked failed; the beat sweep (and ``replay_webhooks``)
processes it again with backoff. Processing is idempotent, so a replay of an event that
did go through changes nothing.
"""

from __future__ import annotations

import json
import logging
import random
import re
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.db import execute_later, fast_create, insert_ignore_later, pipeline
from conversations.directory import directory
from conversations.models import Channel, WebhookEvent
from conversations.models.bounds import webhook_limits
from conversations.selectors.journal import journal_drainer_alive
from conversations.services.contacts import contact_username_seen
from conversations.services.echoes import echoes_store
from conversations.services.health import account_update_apply, phone_number_quality_apply
from conversations.services.inbound import inbound_messages_store
from conversations.services.preferences import MARKETING, marketing_preference_apply
from conversations.services.statuses import status_apply
from ops import logs, metrics
from templates_app.services import template_update_apply
from waproject.availability import database_unreachable
from whatsapp.inbound import parse_webhook
from whatsapp.records import ParsedWebhook, WebhookPayloadError
from whatsapp.signature import matching_secret
from whatsapp.templates import TEMPLATE_FIELDS

logger = logging.getLogger(__name__)

#: The summary's count of each template webhook field (G1).
TEMPLATE_SUMMARY_KEYS = {
    "message_template_status_update": "template_statuses",
    "message_template_quality_update": "template_qualities",
    "template_category_update": "template_categories",
}

#: A failed event is retried this many times (about a day of backoff), then left for
#: an administrator to replay.
MAX_ATTEMPTS = 12
RETRY_BATCH = 50


@dataclass
class WebhookOutcome:
    event: WebhookEvent
    #: Set when the body is not a WhatsApp webhook: answered with a 400 that says why.
    error: str | None = None


@dataclass
class _Report:
    flags: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.summary[key] = self.summary.get(key, 0) + n


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: ~10 s, 20 s, 40 s … capped at 2 hours."""
    base = min(10 * 2 ** max(attempts - 1, 0), 7200)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


@dataclass
class ReadBody:
    """A verified POST's body, read: the webhook it holds, or why it cannot be processed."""

    text: str
    parsed: ParsedWebhook | None = None
    #: Why the body cannot be processed (it is stored flagged).
    problem: str | None = None
    #: Whether that problem is answered with a 400 (not a WhatsApp webhook) or acknowledged
    #: (our parser's defect: stored, replayable once fixed, so Meta need not resend).
    refused: bool = False


def webhook_read(*, body: bytes, received_at: datetime) -> ReadBody:
    """Decode and parse one verified POST's body."""
    try:
        text = body.decode("utf-8")
        parsed = parse_webhook(_loads(text), received_at=received_at, limits=webhook_limits())
    except UnicodeDecodeError:
        readable = body.decode("utf-8", "replace").replace("\x00", "\ufffd")
        return ReadBody(readable, problem="the body is not UTF-8", refused=True)
    except json.JSONDecodeError as exc:  # kept as text: PostgreSQL's text holds no NUL
        return ReadBody(
            text.replace("\x00", "\ufffd"), problem=f"the body is not valid JSON ({exc})", refused=True
        )
    except WebhookPayloadError as exc:
        return ReadBody(text, problem=str(exc), refused=True)
    except Exception as exc:  # a parser defect: the event is still kept, flagged for replay
        logger.exception("webhook body could not be parsed; stored flagged")
        return ReadBody(text, problem=f"parse failed: {_describe(exc)}")
    return ReadBody(text, parsed)


def webhook_receive(*, body: bytes, signature: str, app_secret: str, received_at: datetime) -> WebhookOutcome:
    """Store and process one verified webhook POST (``app_secret`` is the one that signed it)."""
    signature = _normalized(signature)
    read = webhook_read(body=body, received_at=received_at)
    if read.parsed is None:
        outcome = _store_unprocessable(read.text, signature, received_at, read.problem or "")
        outcome.error = read.problem if read.refused else None
        return outcome
    try:
        with transaction.atomic():
            report = _apply(read.parsed, app_secret=app_secret, received_at=received_at)
            event = fast_create(
                WebhookEvent(
                    received_at=received_at,
                    body=read.text,
                    signature=signature,
                    state=WebhookEvent.State.PROCESSED,
                    processed_at=timezone.now(),
                    flags=report.flags,
                    summary=report.summary,
                )
            )
    except Exception as exc:  # processing failed: keep the event, retry later
        if database_unreachable(exc):
            raise  # storing the body alone would wait and fail the same way: 503, Meta retries
        event = WebhookEvent.objects.create(
            received_at=received_at,
            body=read.text,
            signature=signature,
            state=WebhookEvent.State.FAILED,
            retry_due_at=received_at + retry_delay(1),
            last_error=_describe(exc),
        )
        metrics.WEBHOOK_PROCESSING_FAILURES.inc()
        with logs.bound(webhook_event_id=event.pk):
            logger.exception("webhook processing failed; stored for retry")
    return WebhookOutcome(event=event)


# --- the journal (``WEBHOOK_JOURNAL``): stored in a group commit, processed behind ----------


#: A journaled event still unprocessed this long after it arrived (its process stopped
#: between the commit and the processing) is processed by the retry sweep.
JOURNAL_RECOVER_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Arrival:
    """One verified POST on its way into the journal."""

    read: ReadBody
    signature: str
    app_secret: str
    received_at: datetime


#: The PostgreSQL channel on which a group commit tells the drainer there is work.
JOURNAL_CHANNEL = "wa_webhook_journal"
#: Held by each group commit for the drainer from its first id to its commit (a
#: transaction-level advisory lock): ids then commit in their order across the web
#: processes, so the drainer, reading in id order, never reads past an event still to
#: commit. The commits are serialized anyway (``NOTIFY`` takes a lock at commit).
JOURNAL_APPEND_LOCK = zlib.crc32(b"wa-webhook-journal-append")


def webhook_journal_append(arrivals: Sequence[Arrival], *, notify: bool = False) -> list[WebhookEvent]:
    """Store verified POSTs with one multi-row ``INSERT`` and one commit: the journal's
    group commit, after which each is acknowledged. Processable bodies are stored
    ``received`` and due for the retry sweep after :data:`JOURNAL_RECOVER_AFTER` (should
    their process stop before processing them); the others flagged, as without the journal.
    ``notify``: tell the drainer with the commit (``NOTIFY`` on :data:`JOURNAL_CHANNEL`,
    the number of POSTs committed as its payload: many say the acknowledgements are crowded)."""
    rows = [
        WebhookEvent(
            received_at=arrival.received_at,
            body=arrival.read.text,
            signature=_normalized(arrival.signature),
            state=WebhookEvent.State.FLAGGED if arrival.read.parsed is None else WebhookEvent.State.RECEIVED,
            flags=[arrival.read.problem] if arrival.read.parsed is None else [],
            retry_due_at=None if arrival.read.parsed is None else arrival.received_at + JOURNAL_RECOVER_AFTER,
        )
        for arrival in arrivals
    ]
    # On PostgreSQL the statements go in one round trip (a pipeline), the COMMIT in another.
    with transaction.atomic(), pipeline():
        if notify:  # the lock orders the ids of concurrent group commits; NOTIFY is sent at the commit
            execute_later(
                "SELECT pg_advisory_xact_lock($1), pg_notify($2, $3)",
                [JOURNAL_APPEND_LOCK, JOURNAL_CHANNEL, str(len(rows))],
            )
        # One statement without the ORM's compilation (``bulk_create`` cost ~0.3 ms a row);
        # each row's id is the next of the sequence in the order of the rows.
        inserted = insert_ignore_later(WebhookEvent, rows, ("id",))
    ids = sorted(pk for (pk,) in inserted())
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
    return rows


#: Renewed in chunks of this many ids (one statement each).
RENEW_CHUNK = 1000


def webhook_journal_renew(event_ids: Sequence[int]) -> int:
    """Renew the lease of journaled events a live process holds (not yet processed): their
    recovery falls due :data:`JOURNAL_RECOVER_AFTER` from now, so the retry sweep leaves
    them to it. The rows are locked in id order, as the processing's claim locks them (no
    deadlock), for one short transaction a chunk. Returns how many were still received."""
    due = timezone.now() + JOURNAL_RECOVER_AFTER
    renewed = 0
    for start in range(0, len(event_ids), RENEW_CHUNK):
        chunk = event_ids[start : start + RENEW_CHUNK]
        with transaction.atomic():
            locked = list(
                WebhookEvent.objects.select_for_update()
                .filter(pk__in=chunk, state=WebhookEvent.State.RECEIVED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            renewed += WebhookEvent.objects.filter(pk__in=locked).update(retry_due_at=due)
    return renewed


def webhook_journal_fail(event_ids: Sequence[int], *, error: BaseException) -> int:
    """Store journaled events whose batch failed (not for the database's absence) as
    failed, due for the retry sweep with its backoff: not left received, where a drainer
    would hand them on again at once and for ever. Returns how many were still received."""
    return WebhookEvent.objects.filter(pk__in=list(event_ids), state=WebhookEvent.State.RECEIVED).update(
        state=WebhookEvent.State.FAILED,
        last_error=_describe(error),
        retry_due_at=timezone.now() + retry_delay(1),
    )


def webhook_journal_pending(
    *, after: int, limit: int, through: int | None = None, skip: Collection[int] = ()
) -> list[Journaled]:
    """The journaled events still to process with an id above ``after`` (and at most
    ``through``; oldest first, at most ``limit``, none of ``skip``), parsed again from their
    stored bodies: what the drainer reads. A body that no longer parses (it did on arrival)
    is flagged here."""
    events = WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED, pk__gt=after)
    if through is not None:
        events = events.filter(pk__lte=through)
    if skip:
        events = events.exclude(pk__in=list(skip))
    rows = list(events.order_by("pk").values_list("pk", "body", "signature", "received_at")[:limit])
    if not rows:
        return []
    secrets = directory.app_secrets()
    pending: list[Journaled] = []
    for pk, body, signature, received_at in rows:
        raw = body.encode()
        read = webhook_read(body=raw, received_at=received_at)
        if read.parsed is None:
            webhook_event_process(event_id=pk, states=[WebhookEvent.State.RECEIVED])  # flags it
            continue
        # None when the secret that signed it has since been rotated out: as in a replay,
        # the event is then processed for every channel it names (it was verified on arrival).
        secret = matching_secret(raw, signature, secrets)
        pending.append(Journaled(pk, read.parsed, secret, received_at))
    return pending


@dataclass(frozen=True)
class Journaled:
    """A stored ``received`` event with the webhook parsed on its arrival."""

    event_id: int
    parsed: ParsedWebhook
    app_secret: str | None
    received_at: datetime


def webhook_journal_process(entries: Sequence[Journaled]) -> int:
    """Process journaled events in their order, in one transaction: one commit for the
    batch. Should one event's processing fail, the batch is rolled back and processed again
    with a savepoint for each event, so that one is stored failed for the retry sweep and
    the others are kept. Events no longer ``received`` (the sweep took them) or locked by
    another process are skipped. Returns how many were processed."""
    try:
        return _journal_process(entries, isolated=len(entries) == 1)
    except _BatchFailed:
        return _journal_process(entries, isolated=True)


class _BatchFailed(Exception):
    """One event of a batch processed without savepoints failed."""


def _journal_process(entries: Sequence[Journaled], *, isolated: bool) -> int:
    with transaction.atomic():
        # Waits for a row another transaction holds (a lease renewal, the sweep processing
        # it, a drainer handing over), then sees its state then: skipping it instead would
        # let the customer's later events overtake it. Locked in id order, as renewals lock.
        claimed = set(
            WebhookEvent.objects.select_for_update()
            .filter(pk__in=[entry.event_id for entry in entries], state=WebhookEvent.State.RECEIVED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        processed: dict[str, list[int]] = {}  # the report (as JSON): its events
        failed: list[WebhookEvent] = []
        for entry in entries:
            if entry.event_id not in claimed:
                continue
            try:
                with transaction.atomic(savepoint=isolated):
                    report = _apply(entry.parsed, app_secret=entry.app_secret, received_at=entry.received_at)
            except Exception as exc:
                if database_unreachable(exc):
                    raise  # the batch stays received: the sweep processes it later
                if not isolated:
                    raise _BatchFailed from exc
                failed.append(
                    WebhookEvent(
                        pk=entry.event_id,
                        last_error=_describe(exc),
                        retry_due_at=timezone.now() + retry_delay(1),
                    )
                )
                metrics.WEBHOOK_PROCESSING_FAILURES.inc()
                with logs.bound(webhook_event_id=entry.event_id):
                    logger.exception("webhook processing failed; stored for retry")
            else:
                key = json.dumps([report.flags, report.summary], sort_keys=True)
                processed.setdefault(key, []).append(entry.event_id)
        # One UPDATE for the events of the same report (most of a batch: {"messages": 1}),
        # not Django's bulk_update, whose CASE per row and field costs ~9 ms an event to build.
        processed_at = timezone.now()
        for key, ids in processed.items():
            flags, summary = json.loads(key)
            WebhookEvent.objects.filter(pk__in=ids).update(
                state=WebhookEvent.State.PROCESSED,
                processed_at=processed_at,
                retry_due_at=None,
                flags=flags,
                summary=summary,
            )
        for event in failed:
            WebhookEvent.objects.filter(pk=event.pk).update(
                state=WebhookEvent.State.FAILED, last_error=event.last_error, retry_due_at=event.retry_due_at
            )
    received = {entry.event_id: entry.received_at for entry in entries}
    done = [pk for ids in processed.values() for pk in ids]
    for pk in done:
        metrics.WEBHOOK_PROCESSING_LAG.observe((processed_at - received[pk]).total_seconds())
    return len(done)


def _normalized(signature: str) -> str:
    """The verified signature as Meta writes it (``sha256=`` and 64 hex digits): the check
    tolerates padding and capitals, the column holds only the digest's own length."""
    prefix, _, digest = signature.partition("=")
    return f"{prefix}={digest.strip().lower()}"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _loads(text: str) -> Any:
    """Parse JSON, keeping only what a database and a JSON response can hold: NUL
    characters are dropped (PostgreSQL refuses them in text) and a lone UTF-16 surrogate
    (an escape like ``\\ud800`` without its pair) becomes U+FFFD, which would otherwise
    make every later read of the message fail to encode."""
    payload = json.loads(text)
    if "\\u0000" in text or "\\ud" in text or "\\uD" in text:
        return _storable(payload)
    return payload


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def _store_unprocessable(text: str, signature: str, received_at: datetime, reason: str) -> WebhookOutcome:
    event = WebhookEvent.objects.create(
        received_at=received_at,
        body=text,
        signature=signature,
        state=WebhookEvent.State.FLAGGED,
        flags=[reason],
    )
    return WebhookOutcome(event=event, error=reason)


def _apply(parsed: ParsedWebhook, *, app_secret: str | None, received_at: datetime) -> _Report:
    report = _Report(flags=list(parsed.problems))
    for change in parsed.changes:
        if change.field in TEMPLATE_FIELDS:  # G1: status, quality and category of templates
            owners = _template_channels(waba_id=change.waba_id, app_secret=app_secret)
            if not owners:
                report.flags.append(
                    f"{change.field} for WABA {change.waba_id!r}: no channel of the signing app has it; ignored"
                )
                continue
            try:
                changed = template_update_apply(
                    field=change.field, value=change.value, channel_ids=[c.pk for c in owners]
                )
            except ValueError as exc:  # a wrong shape: kept in the event, flagged
                report.flags.append(str(exc))
                continue
            report.count(TEMPLATE_SUMMARY_KEYS[change.field], changed)
            continue
        if change.field in _HEALTH_FIELDS:  # G5: WABA-level news about the numbers
            owners = _template_channels(waba_id=change.waba_id, app_secret=app_secret)
            if not owners:
                report.flags.append(
                    f"{change.field} for WABA {change.waba_id!r}: no channel of the signing app has it; ignored"
                )
                continue
            apply = _HEALTH_FIELDS[change.field]
            report.count("number_health", apply(channels=owners, value=change.value, at=received_at))
            continue
        if change.field not in _NUMBER_FIELDS:
            report.flags.append(f"field {change.field!r} is not handled; kept in the event")
            continue
        channel = directory.by_phone_number_id(change.phone_number_id)
        if channel is None:
            report.flags.append(
                f"no active channel has phone_number_id {change.phone_number_id!r}; "
                "replay the event once it is configured"
            )
            continue
        if app_secret is not None and channel.app_secret != app_secret:
            report.flags.append(
                f"phone_number_id {change.phone_number_id!r} belongs to another app than the "
                "signature's; change ignored"
            )
            continue
        if change.field == "user_preferences":  # G3
            for update in change.preferences:
                if update.category != MARKETING:
                    report.flags.append(f"preference category {update.category!r} is not handled")
                    continue
                changed = marketing_preference_apply(
                    customer=update.customer, value=update.value, at=update.timestamp
                )
                report.count("preferences", int(changed))
            continue
        if change.field == "smb_message_echoes":  # G4
            echoed = echoes_store(channel=channel, echoes=change.echoes, arrived_at=received_at)
            report.count("echoes", echoed.stored)
            report.count("duplicates", echoed.duplicates)
            for wamid in echoed.unplaced:
                report.flags.append(
                    f"echo {wamid}: the customer has no conversation on this number; kept in the event"
                )
            continue
        inbound = inbound_messages_store(channel=channel, messages=change.messages, arrived_at=received_at)
        report.count("messages", inbound.stored)
        report.count("duplicates", inbound.duplicates)
        report.count("reactions", inbound.reactions)
        report.count("new_interactions", len(inbound.new_interactions))
        if change.statuses and not change.messages:  # G2: a status names the username
            report.count("usernames", sum(contact_username_seen(sender=p) for p in change.profiles))
        applied = sum(1 for update in change.statuses if status_apply(channel=channel, update=update))
        report.count("statuses", applied)
        report.count("statuses_pending", len(change.statuses) - applied)
        for error in change.errors:
            report.flags.append(
                f"WhatsApp error {error.get('code')}: {error.get('title') or error.get('message')}"
                f" ({(error.get('error_data') or {}).get('details', '')})"
            )
    return report


#: The fields whose changes name one business number (``metadata.phone_number_id``).
_NUMBER_FIELDS = ("messages", "user_preferences", "smb_message_echoes")


#: G5: the WABA-level fields about the numbers' health, and what applies each.
_HEALTH_FIELDS = {
    "phone_number_quality_update": phone_number_quality_apply,
    "account_update": account_update_apply,
}


def _template_channels(*, waba_id: str, app_secret: str | None) -> list[Channel]:
    """The channels a template status update may touch: those of the app that signed it
    and of the WABA it names (one tenant never changes another's templates). Channels with
    no WABA id recorded stand in when none has it."""
    signed = [c for c in directory.all() if app_secret is None or c.app_secret == app_secret]
    return [c for c in signed if c.waba_id and c.waba_id == waba_id] or [c for c in signed if not c.waba_id]


def webhook_event_process(*, event_id: int, states: Sequence[str] = ()) -> WebhookEvent | None:
    """Process a stored event again (a retry or a replay); idempotent. With ``states``,
    only while the event is in one of them (the sweep's due event may have been processed
    since it was listed)."""
    with logs.bound(webhook_event_id=event_id):
        return _event_process(event_id=event_id, states=states)


def _event_process(*, event_id: int, states: Sequence[str]) -> WebhookEvent | None:
    with transaction.atomic():
        events = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id)
        event = (events.filter(state__in=states) if states else events).first()
        if event is None:
            return None  # another worker holds it, or it is no longer due
        if event.body_purged_at is not None:
            return event  # X4: its body was deleted (retention, erasure): nothing to replay
        try:
            parsed = parse_webhook(_loads(event.body), received_at=event.received_at, limits=webhook_limits())
        except Exception as exc:  # not a webhook (or a parser defect): flagged, not retried
            reason = str(exc) if isinstance(exc, ValueError) else f"parse failed: {_describe(exc)}"
            event.state, event.flags, event.retry_due_at = WebhookEvent.State.FLAGGED, [reason], None
            event.save(update_fields=["state", "flags", "retry_due_at"])
            return event
        secret = matching_secret(event.body.encode(), event.signature, directory.app_secrets())
        try:
            with transaction.atomic():
                report = _apply(parsed, app_secret=secret, received_at=event.received_at)
        except Exception as exc:
            logger.exception("replay of webhook event %s failed", event.pk)
            event.attempts += 1
            event.state = WebhookEvent.State.FAILED
            event.last_error = _describe(exc)
            event.retry_due_at = (
                timezone.now() + retry_delay(event.attempts) if event.attempts < MAX_ATTEMPTS else None
            )
            event.save(update_fields=["attempts", "state", "last_error", "retry_due_at"])
            return event
        event.state = WebhookEvent.State.PROCESSED
        event.processed_at = timezone.now()
        event.retry_due_at = None
        metrics.WEBHOOK_PROCESSING_LAG.observe((event.processed_at - event.received_at).total_seconds())
        event.flags, event.summary = report.flags, report.summary
        event.save(update_fields=["state", "processed_at", "retry_due_at", "flags", "summary"])
        return event


def webhook_retry_due(*, now: datetime, limit: int = RETRY_BATCH) -> int:
    """Process failed events whose retry is due, and journaled events their process did
    not get to (:data:`JOURNAL_RECOVER_AFTER`), unless a drainer is alive to process
    them; returns how many were tried."""
    waiting: tuple[str, ...] = (WebhookEvent.State.FAILED, WebhookEvent.State.RECEIVED)
    if journal_drainer_alive():
        waiting = (WebhookEvent.State.FAILED,)
    due = list(
        WebhookEvent.objects.filter(state__in=waiting, retry_due_at__lte=now)
        .order_by("retry_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in due:
        webhook_event_process(event_id=event_id, states=waiting)
    return len(due)
