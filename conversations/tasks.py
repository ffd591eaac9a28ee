"""Celery tasks: thin entry points that take ids and call one service (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from conversations.services import webhooks


@shared_task
def webhook_retry_sweep_task() -> int:
    """Process stored webhook events whose processing failed and whose retry is due."""
    return webhooks.webhook_retry_due(now=timezone.now())


@shared_task
def webhook_event_process_task(event_id: int) -> None:
    webhooks.webhook_event_process(event_id=event_id)
