"""Celery tasks of the integrations app: thin, take ids, call one service (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from integrations import bots, jobs, services
from waproject.embedded import enqueue


@shared_task
def subscription_deliver_task(subscription_id: int) -> int:
    """Deliver one subscription's due events, in order (one worker per subscription)."""
    return services.subscription_deliver(subscription_id=subscription_id)


@shared_task
def deliveries_sweep_task() -> int:
    """Retries that came due, and rows whose delivery was never enqueued (a crash between
    the commit and the enqueue): one delivery task per subscription."""
    now = timezone.now()
    due = services.deliveries_due_sweep(now=now)
    for subscription_id in due:
        enqueue(jobs.SUBSCRIPTION_DELIVER, subscription_id)
    services.deliveries_log_purge(now=now)  # the log's retention, in bounded batches
    return len(due)


@shared_task
def bot_timeouts_sweep_task() -> int:
    """B4: interactions whose bot left the customer unanswered past its timeout go to routing."""
    return bots.bot_timeouts_due(now=timezone.now())
