"""Celery tasks of the templates: thin, one service call (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from templates_app import syncing


@shared_task
def templates_pull_task() -> int:
    """G1 beat: pull the templates of each WABA whose pull is due (idempotent; heals missed
    template webhooks)."""
    return syncing.templates_pull_due(now=timezone.now())
