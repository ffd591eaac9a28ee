"""Prometheus metrics (X2): what the processes count, and the helpers the domain calls.

Counters and histograms live in each process. With ``PROMETHEUS_MULTIPROC_DIR`` set
(several uvicorn workers, a Celery worker: the scaled mode) prometheus_client keeps them
in memory-mapped files in that directory, one per process, and a scrape of any web
process adds them all up (:mod:`ops.views`). Without it (the embedded default: one
process) they live in the process's registry.

What is a state rather than an event (queues' waiting work, the webhook backlog, the
beat's heartbeat) is read from the database when scraped (:mod:`ops.collectors`), with
bounded, indexed queries.

The hot path pays one dictionary lookup and an increment (in multi-process mode a write
to a memory-mapped file): the labelled children used per webhook are made once, here.
"""

from __future__ import annotations

import os
from typing import Any

from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if MULTIPROCESS:  # prometheus_client opens its files there on the first metric below
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)

WEBHOOKS = Counter(
    "wa_webhooks",
    "Webhook POSTs by answer: acknowledged (200, stored), refused (4xx: signature, body), "
    "failed (5xx: not stored, Meta retries)",
    ["outcome"],
)
WEBHOOK_ACKNOWLEDGED = WEBHOOKS.labels("acknowledged")
WEBHOOK_REFUSED = WEBHOOKS.labels("refused")
WEBHOOK_FAILED = WEBHOOKS.labels("failed")
WEBHOOK_ACK_SECONDS = Histogram(
    "wa_webhook_ack_seconds",
    "Time from a webhook POST's arrival to its answer (stored and processed first)",
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_PROCESSING_FAILURES = Counter(
    "wa_webhook_processing_failures",
    "Webhook events stored but not processed (kept as failed, retried with backoff)",
)
WEBHOOK_PROCESSING_LAG = Histogram(
    "wa_webhook_processing_lag_seconds",
    "For events processed on a retry or replay: time from arrival to processing",
    buckets=LAG_BUCKETS,
)
SENDS = Counter(
    "wa_sends",
    "Outbound send attempts by outcome (accepted, retry, no_answer, failed, invalid) and "
    "WhatsApp error code ('' when none)",
    ["outcome", "error_code"],
)
SENDS_ACCEPTED = SENDS.labels("accepted", "")
OFFERS = Counter("wa_offers", "Offers by event: made, accepted, rejected, expired (R2)", ["event"])
SWEEP_SECONDS = Histogram(
    "wa_beat_sweep_seconds",
    "Duration of each periodic sweep, by task",
    ["task"],
    buckets=LATENCY_BUCKETS,
)
SWEEP_ITEMS = Counter(
    "wa_beat_sweep_items",
    "What the periodic sweeps handled, by task (timers fired, retries made, rows purged)",
    ["task"],
)
LIVE_SOCKETS = Gauge(
    "wa_live_sockets",
    "Open console WebSockets (summed over live server processes)",
    multiprocess_mode="livesum",
)
PUSH_FAILURES = Counter(
    "wa_push_failures",
    "Live events that could not be pushed to browsers (after a retry); the consoles resync",
)


def webhook_answered(status: int, seconds: float) -> None:
    """Count a webhook POST's answer and its latency."""
    if status < 300:
        WEBHOOK_ACKNOWLEDGED.inc()
    elif status < 500:
        WEBHOOK_REFUSED.inc()
    else:
        WEBHOOK_FAILED.inc()
    WEBHOOK_ACK_SECONDS.observe(seconds)


def send_outcome(outcome: str, error_code: int | None = None) -> None:
    """Count one outbound send attempt's outcome."""
    if outcome == "accepted" and error_code is None:
        SENDS_ACCEPTED.inc()
        return
    SENDS.labels(outcome, "" if error_code is None else str(error_code)).inc()


def count_on_commit(counter: Any, *labels: str) -> None:
    """Increment once the current transaction commits (a rolled-back offer never counts)."""
    child = counter.labels(*labels) if labels else counter
    transaction.on_commit(child.inc)


def socket_opened(socket: Any) -> None:
    if not getattr(socket, "_ops_counted", False):
        socket._ops_counted = True
        LIVE_SOCKETS.inc()


def socket_closed(socket: Any) -> None:
    if getattr(socket, "_ops_counted", False):
        socket._ops_counted = False
        LIVE_SOCKETS.dec()
