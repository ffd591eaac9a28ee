"""Celery tasks of the operations app: thin, as everywhere (STYLE § D)."""

from __future__ import annotations

from celery import shared_task

from ops.health import heartbeat_record


@shared_task
def beat_heartbeat_task() -> None:
    """Record that the beat scheduled this and a worker ran it (the readiness check's
    "beat" reads the row)."""
    heartbeat_record(name="beat")
