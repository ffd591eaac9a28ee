"""Metrics read from the database when Prometheus scrapes (X2): states, not events.

Each is one bounded, indexed query: waiting work per queue (``interaction_waiting_idx``,
grouped by queue: as many rows as queues), the webhook backlog (``webhook_state_idx``,
counted up to a cap), the beat's heartbeat (one row). A failing query skips its metric
rather than failing the scrape: the counters still come through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from conversations.models import Interaction, Queue
from ops.health import heartbeat_age, webhook_backlog

logger = logging.getLogger(__name__)

#: The backlog count stops here (a scrape never counts millions of rows).
BACKLOG_CAP = 10_000


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        for build in (self._queues, self._backlog, self._heartbeat):
            try:
                yield from build(now)
            except Exception:
                logger.warning("metrics: %s skipped", build.__name__, exc_info=True)

    @staticmethod
    def _queues(now) -> Iterator[GaugeMetricFamily]:
        names = dict(Queue.objects.values_list("pk", "name"))
        rows = (
            Interaction.objects.filter(state=Interaction.State.QUEUED)
            .order_by()
            .values("queue_id")
            .annotate(waiting=Count("pk"), oldest=Min("queued_at"))
        )
        waiting = GaugeMetricFamily("wa_queue_waiting", "Interactions waiting for an agent", labels=["queue"])
        longest = GaugeMetricFamily(
            "wa_queue_longest_wait_seconds",
            "How long the interaction waiting longest has waited",
            labels=["queue"],
        )
        for row in rows:
            label = names.get(row["queue_id"], "") if row["queue_id"] else ""
            waiting.add_metric([label], row["waiting"])
            oldest = row["oldest"]
            longest.add_metric([label], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield waiting
        yield longest

    @staticmethod
    def _backlog(now) -> Iterator[GaugeMetricFamily]:
        count, age = webhook_backlog(limit=BACKLOG_CAP, now=now)
        yield GaugeMetricFamily(
            "wa_webhook_backlog_events",
            f"Webhook events whose processing failed (retrying or given up; counted up to {BACKLOG_CAP})",
            value=count,
        )
        yield GaugeMetricFamily(
            "wa_webhook_backlog_oldest_seconds",
            "Age of the oldest failed webhook event: how far processing lags (0 without backlog)",
            value=age or 0.0,
        )

    @staticmethod
    def _heartbeat(now) -> Iterator[GaugeMetricFamily]:
        age = heartbeat_age(now=now)
        if age is not None:
            yield GaugeMetricFamily(
                "wa_beat_heartbeat_age_seconds", "Seconds since the beat's last heartbeat", value=age
            )
