"""Celery tasks of the flows app: thin, call one service (STYLE § D)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from flows import notices, services


@shared_task
def flow_timeouts_sweep_task() -> int:
    """B1: entry flow steps left unanswered past their timeout go to the timeout queue."""
    return services.flow_timeouts_due(now=timezone.now())


@shared_task
def flow_error_record_task(session_id: int) -> bool:
    """B1: tell the supervisors (audit log) that a flow broke and where the customer went."""
    return notices.flow_error_record(session_id=session_id)
