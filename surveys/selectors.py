"""Reads of B2 and B3: the queues whose care is on, a waiting customer's position and the
expected wait."""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

from django.db.models import Q

from conversations.models import Interaction
from surveys.models import QueueCare

#: The states in which a customer still waits for an agent.
WAITING_STATES = (Interaction.State.QUEUED, Interaction.State.OFFERED)
#: The expected wait is the median time-to-accept of the queue over this past period.
EXPECTED_WAIT_OVER = timedelta(hours=1)
#: At most this many recent accepts are read for it (the newest).
EXPECTED_WAIT_SAMPLE = 500


def cares_on() -> dict[int, QueueCare]:
    """The queues (by id) that send waiting notices or close abandoned interactions."""
    rows = QueueCare.objects.filter(Q(waiting_notices=True) | Q(abandon_after_minutes__isnull=False))
    return {care.queue_id: care for care in rows}


def survey_care(queue_id: int | None) -> QueueCare | None:
    if queue_id is None:
        return None
    return QueueCare.objects.filter(queue_id=queue_id, survey_enabled=True).first()


def queue_position(interaction: Interaction) -> int:
    """1 for the next to be served: waiting interactions of its queue that joined before it
    (FIFO by ``queued_at``, then id, as routing serves them), plus one."""
    queued_at = interaction.queued_at or interaction.created_at
    ahead = (
        Interaction.objects.filter(queue=interaction.queue, state__in=WAITING_STATES)
        .filter(Q(queued_at__lt=queued_at) | Q(queued_at=queued_at, pk__lt=interaction.pk))
        .count()
    )
    return ahead + 1


def expected_wait_seconds(*, queue_id: int, now: datetime) -> float | None:
    """The median time-to-accept (``accepted_at - queued_at``) of the interactions an agent
    of this queue accepted in the past hour; None when nobody was accepted then (the notice
    then says it cannot estimate the wait)."""
    waits = [
        (accepted - queued).total_seconds()
        for queued, accepted in Interaction.objects.filter(
            queue_id=queue_id, accepted_at__gte=now - EXPECTED_WAIT_OVER, queued_at__isnull=False
        )
        .order_by("-accepted_at")
        .values_list("queued_at", "accepted_at")[:EXPECTED_WAIT_SAMPLE]
        if queued is not None and accepted is not None and accepted >= queued
    ]
    return statistics.median(waits) if waits else None


def wait_words(seconds: float | None) -> str:
    """The expected wait as a customer reads it: whole minutes, rounded up."""
    if seconds is None:
        return "we cannot estimate it yet"
    if seconds < 60:
        return "less than a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minutes"
    return f"about {round(minutes / 60)} hours"
