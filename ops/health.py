"""Readiness (X2): is this deployment able to do its work? Each check is cheap and bounded.

Liveness stays ``/healthz/`` (the process answers; no I/O). Readiness, ``/readyz/``, checks
what the work depends on: the database, Redis and the Celery broker (when configured),
the beat's heartbeat (the beat schedules a task every 15 s that a worker runs, so a
stale heartbeat means the beat, the broker or every worker is gone), and the webhook
backlog (events whose processing failed and wait for a retry or gave up). Thresholds
are settings (``READINESS_*``); each check is one indexed query or one round trip with a
timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from kombu import Connection

from conversations.models import WebhookEvent
from conversations.selectors.journal import journal_drainer_alive
from ops.models import Heartbeat

HEARTBEAT = "beat"


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str
    ms: float

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail, "ms": round(self.ms, 1)}


def heartbeat_record(*, name: str, now: datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now or timezone.now()})


def heartbeat_age(*, name: str = HEARTBEAT, now: datetime | None = None) -> float | None:
    """Seconds since the named heartbeat, None if none was ever recorded."""
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    if at is None:
        return None
    return max(((now or timezone.now()) - at).total_seconds(), 0.0)


def webhook_backlog(*, limit: int, now: datetime | None = None) -> tuple[int, float | None]:
    """(failed events, counted up to ``limit``; age in seconds of the oldest one or None).

    Journaled events not processed when their recovery fell due (their server stopped, or
    the processing lags that far behind) count as failed, unless a drainer is alive. Two index-bound queries
    (``webhook_state_idx``, ``webhook_retry_due_idx``): the count stops at ``limit``.
    """
    now = now or timezone.now()
    stranded = Q(state=WebhookEvent.State.RECEIVED, retry_due_at__lte=now)
    if journal_drainer_alive():  # the drainer processes the journal, however far behind
        stranded = Q(pk__in=[])
    failed = WebhookEvent.objects.filter(Q(state=WebhookEvent.State.FAILED) | stranded)
    count = failed.order_by()[:limit].count() if limit else failed.count()
    oldest = failed.order_by("received_at").values_list("received_at", flat=True).first()
    age = max((now - oldest).total_seconds(), 0.0) if oldest else None
    return count, age


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "reachable"


def _redis() -> str:
    timeout = settings.READINESS_TIMEOUT
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None
    )
    try:
        client.ping()
    finally:
        client.close()
    return "PONG"


def _broker() -> str:
    timeout = settings.READINESS_TIMEOUT
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0},
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        client = getattr(conn.default_channel, "client", None)
        if client is not None and hasattr(client, "ping"):
            client.ping()  # the Redis transport connects lazily: make it talk
    return "connected"


def _beat() -> str:
    limit = settings.READINESS_BEAT_MAX_AGE
    age = heartbeat_age()
    if age is None:
        raise _NotReady("no heartbeat recorded yet: is the beat (and a worker) running?")
    if limit and age > limit:
        raise _NotReady(
            f"last heartbeat {age:.0f} s ago (limit {limit:.0f} s): the beat, the broker or every worker is down"
        )
    return f"last heartbeat {age:.0f} s ago"


def _webhook_backlog() -> str:
    most = settings.READINESS_WEBHOOK_BACKLOG_MAX
    oldest_max = settings.READINESS_WEBHOOK_BACKLOG_AGE_MAX
    count, age = webhook_backlog(limit=most + 1 if most else 0)
    problems = []
    if most and count > most:
        problems.append(f"more than {most} webhook events failed processing")
    if oldest_max and age is not None and age > oldest_max:
        problems.append(f"the oldest failed webhook event is {age:.0f} s old (limit {oldest_max:.0f} s)")
    described = f"{count}{'+' if most and count > most else ''} failed events" + (
        f", oldest {age:.0f} s" if age is not None else ""
    )
    if problems:
        raise _NotReady("; ".join(problems) + f" ({described}; see the admin's webhook events)")
    return described


class _NotReady(Exception):
    pass


def checks() -> dict[str, Callable[[], str]]:
    """The checks that apply to this deployment, by name."""
    found: dict[str, Callable[[], str]] = {"database": _database}
    if settings.REDIS_URL:
        found["redis"] = _redis
    if not settings.CELERY_BROKER_URL.startswith("memory://"):
        found["broker"] = _broker
    if settings.READINESS_BEAT_MAX_AGE:
        found["beat"] = _beat
    found["webhook_backlog"] = _webhook_backlog
    return found


def readiness(only: Iterable[str] | None = None) -> list[CheckResult]:
    """Run the checks (``only`` these, when given): a failing one never stops the others."""
    available = checks()
    names = [n for n in available if only is None or n in set(only)]
    results = []
    database_down = False
    for name in names:
        started = time.perf_counter()
        if database_down and name in ("beat", "webhook_backlog"):
            results.append(CheckResult(name, False, "not checked: the database is unreachable", 0.0))
            continue
        try:
            detail, ok = available[name](), True
        except _NotReady as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # a dependency's own error: name it, briefly
            detail, ok = f"{type(exc).__name__}: {str(exc)[:160]}", False
            database_down = database_down or name == "database"
        results.append(CheckResult(name, ok, detail, (time.perf_counter() - started) * 1000))
    return results
