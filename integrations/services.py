"""Delivering integrators' events (B5): signed POSTs, at least once, in order per
interaction, one at a time per subscription, retried with backoff for a day.

A subscription is delivered by one worker at a time (a lease on its row, claimed by a
conditional UPDATE), so a receiver that answers slowly or never holds at most one worker
for at most ``BUDGET_SECONDS`` per round and never the webhook or the console, which only
write outbox rows. The HTTP call runs outside any transaction. A failure stops the round
for that subscription (a dead receiver costs one timeout per round, not one per event);
the failed row waits for its backoff, and the subscription pauses as long (its consecutive
failures count like an event's attempts), so new events for a dead receiver do not each
cost a timeout: one attempt per interval, whatever the traffic.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import audit_record
from integrations import jobs, selectors
from integrations.addresses import url_refusal
from integrations.models import Delivery, DeliveryAttempt, Subscription
from integrations.signing import EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from waproject.embedded import enqueue_on_commit

logger = logging.getLogger(__name__)

#: The first retry after this long, doubling each time up to ``BACKOFF_CAP``.
BACKOFF_BASE = 10.0
BACKOFF_CAP = 3600.0
#: How long a worker holds a subscription; renewed by each delivery of the round.
LEASE = timedelta(seconds=60)
#: One round delivers at most this many events or runs at most this long.
ROUND_EVENTS = 100
BUDGET_SECONDS = 20.0
#: What the log keeps of a receiver's answer.
RESPONSE_KEPT = 1000
SWEEP_BATCH = 100


def retry_for() -> timedelta:
    """How long an event is retried before it is marked failed (a day by default)."""
    return timedelta(seconds=float(getattr(settings, "INTEGRATIONS_RETRY_FOR", 24 * 3600)))


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 10, 20, 40 … 3600."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def timeouts() -> httpx.Timeout:
    connect = float(getattr(settings, "INTEGRATIONS_CONNECT_TIMEOUT", 3.0))
    read = float(getattr(settings, "INTEGRATIONS_READ_TIMEOUT", 5.0))
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _claim(subscription_id: int, *, now: datetime) -> bool:
    return bool(
        Subscription.objects.filter(pk=subscription_id, is_active=True)
        .filter(Q(delivering_until__isnull=True) | Q(delivering_until__lt=now))
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
        .update(delivering_until=now + LEASE)
    )


def _release(subscription_id: int) -> None:
    Subscription.objects.filter(pk=subscription_id).update(delivering_until=None)


def subscription_deliver(*, subscription_id: int, client: httpx.Client | None = None) -> int:
    """Deliver the subscription's due events in order; returns how many were delivered.

    A no-op when another worker holds the subscription (it delivers what is due, and the
    beat's sweep catches what it left)."""
    delivered = 0
    while True:
        if not _claim(subscription_id, now=timezone.now()):
            return delivered
        try:
            done, more = _round(subscription_id, client=client)
            delivered += done
        finally:
            _release(subscription_id)
        # A row recorded while we held the lease found it taken: look once more.
        if not more or selectors.delivery_next(subscription_id=subscription_id, now=timezone.now()) is None:
            return delivered


def _round(subscription_id: int, *, client: httpx.Client | None) -> tuple[int, bool]:
    """(delivered, whether to look again): stops at the first failure, the budget or when
    nothing is due."""
    started = time.monotonic()
    delivered = 0
    own = client is None
    http = client or httpx.Client(timeout=timeouts(), follow_redirects=False)
    try:
        for _ in range(ROUND_EVENTS):
            if time.monotonic() - started > BUDGET_SECONDS:
                return delivered, False
            row = selectors.delivery_next(subscription_id=subscription_id, now=timezone.now())
            if row is None:
                return delivered, True
            Subscription.objects.filter(pk=subscription_id).update(delivering_until=timezone.now() + LEASE)
            if not delivery_attempt(row, client=http):
                return delivered, False
            delivered += 1
    finally:
        if own:
            http.close()
    return delivered, False


def delivery_attempt(delivery: Delivery, *, client: httpx.Client) -> bool:
    """POST one event; record the attempt and the outcome. True if the receiver took it
    (any 2xx answer)."""
    subscription = delivery.subscription
    body = delivery.body.encode()
    attempted_at = timezone.now()
    status_code: int | None = None
    answer = error = ""
    started = time.monotonic()
    refusal = url_refusal(subscription.url, resolve=True)
    if refusal:
        error = f"refused: {refusal}"
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "waproject-webhooks/1",
            SIGNATURE_HEADER: signature(body, subscription.secret),
            ID_HEADER: str(delivery.event_id),
            TIMESTAMP_HEADER: str(int(attempted_at.timestamp())),
            EVENT_HEADER: delivery.event_type,
        }
        try:
            response = client.post(subscription.url, content=body, headers=headers)
            status_code = response.status_code
            answer = response.text[:RESPONSE_KEPT]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not ok:
        error = f"the receiver answered {status_code}"
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=attempted_at,
            status_code=status_code,
            response_body=answer,
            error=error[:500],
            duration_ms=duration_ms,
            replay=delivery.replays > 0,
        )
        attempts = delivery.attempts + 1
        now = timezone.now()
        changes: dict = {"attempts": attempts, "last_status_code": status_code, "last_error": error[:500]}
        if ok:
            changes |= {"state": Delivery.State.DELIVERED, "delivered_at": now, "next_attempt_due_at": None}
            Subscription.objects.filter(pk=subscription.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0, paused_until=None
            )
        elif now - delivery.retry_from >= retry_for():
            changes |= {"state": Delivery.State.FAILED, "next_attempt_due_at": None}
            logger.warning("webhook delivery %s gave up after %s attempts: %s", delivery.pk, attempts, error)
        else:
            changes["next_attempt_due_at"] = now + timedelta(seconds=backoff(attempts))
        if not ok:
            failures = Subscription.objects.get(pk=subscription.pk).consecutive_failures + 1
            Subscription.objects.filter(pk=subscription.pk).update(
                consecutive_failures=failures, paused_until=now + timedelta(seconds=backoff(failures))
            )
        Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(**changes)
    return ok


def deliveries_due_sweep(*, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """The subscriptions with an event due (a retry, or a row whose enqueue was lost):
    the beat's task enqueues a delivery for each."""
    return selectors.subscriptions_with_due(now=now, limit=limit)


def log_days() -> int:
    return int(getattr(settings, "INTEGRATIONS_LOG_DAYS", 30))


def deliveries_log_purge(*, now: datetime, limit: int = 500) -> int:
    """Delivered and failed events (and their attempts) older than ``INTEGRATIONS_LOG_DAYS``
    go, in bounded batches: the log keeps a month by default, not the customers' messages
    forever."""
    old = list(
        Delivery.objects.filter(
            state__in=(Delivery.State.DELIVERED, Delivery.State.FAILED),
            created_at__lt=now - timedelta(days=log_days()),
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    if old:
        Delivery.objects.filter(pk__in=old).delete()
    return len(old)


def subscription_resume(*, subscription_id: int) -> None:
    """Try the receiver again now (an administrator fixed it): the pause ends."""
    Subscription.objects.filter(pk=subscription_id).update(paused_until=None)
    enqueue_on_commit(jobs.SUBSCRIPTION_DELIVER, subscription_id)


def deliveries_replay(*, delivery_ids: list[int], user: User | None = None) -> int:
    """An administrator's replay: the events go out again with the same key (a receiver
    that has them recognises the duplicate), retried for a day from now; a later event of
    the same interaction waits for a replayed earlier one, as always."""
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(pk__in=delivery_ids)
        subscription_ids = set(rows.values_list("subscription_id", flat=True))
        replayed = rows.update(
            state=Delivery.State.PENDING, retry_from=now, next_attempt_due_at=now, replays=F("replays") + 1
        )
        Subscription.objects.filter(pk__in=subscription_ids).update(paused_until=None)  # try now
        if replayed:
            audit_record(  # X5: who sent events to an integrator again
                actor=user,
                action="integrations.replay",
                target_model=Delivery,
                target_id=str(delivery_ids[0]) if len(delivery_ids) == 1 else "",
                details={"deliveries": sorted(delivery_ids)[:1000], "count": replayed},
            )
        for subscription_id in sorted(subscription_ids):
            enqueue_on_commit(jobs.SUBSCRIPTION_DELIVER, subscription_id)
    return replayed
