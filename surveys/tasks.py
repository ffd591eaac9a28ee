"""Celery tasks of the surveys app: thin, call the services (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from surveys import services


@shared_task
def surveys_sweep_task() -> int:
    """B2: waiting notices and abandonment of waiting interactions; B3: past comment timers."""
    now = timezone.now()
    return services.waiting_care_due(now=now) + services.survey_comment_timers_due(now=now)
