"""Celery tasks of the privacy app: thin (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from privacy.services import retention_purge


@shared_task
def retention_purge_task() -> int:
    """Purge webhook bodies and media files past their retention (bounded batch)."""
    return retention_purge(now=timezone.now())
