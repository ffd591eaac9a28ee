"""X2: /healthz/ stays liveness; /readyz/ checks the database, Redis, the broker, the
beat's heartbeat and the webhook backlog, and says what is wrong (503)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import WebhookEvent
from ops.health import heartbeat_record
from ops.tasks import beat_heartbeat_task


def dead_url(scheme: str = "redis") -> str:
    """A Redis URL on a local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}/0"


@pytest.fixture
def embedded(settings):
    """The embedded default's dependencies (no Redis, in-memory broker), a fresh heartbeat."""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    heartbeat_record(name="beat")


def failed_event(age: timedelta) -> WebhookEvent:
    now = timezone.now()
    return WebhookEvent.objects.create(
        received_at=now - age, body="{}", state=WebhookEvent.State.FAILED, retry_due_at=now
    )


def test_healthz_is_liveness_without_the_database(client):
    response = client.get("/healthz/")  # no django_db mark: a query would raise
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.django_db
class TestReadiness:
    def test_ready_when_everything_answers(self, client, embedded):
        response = client.get("/readyz/")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ready" and body["failing"] == []
        assert set(body["checks"]) == {"database", "beat", "webhook_backlog"}
        assert all(check["ok"] for check in body["checks"].values())

    def test_a_dead_redis_and_broker_answer_503_naming_them(self, client, embedded, settings):
        settings.REDIS_URL = dead_url()
        settings.CELERY_BROKER_URL = settings.REDIS_URL
        settings.READINESS_TIMEOUT = 1
        response = client.get("/readyz/")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["failing"] == ["redis", "broker"]
        assert "Connection" in body["checks"]["redis"]["detail"]
        assert body["checks"]["database"]["ok"]

    def test_a_stale_or_missing_heartbeat_names_the_beat(self, client, embedded, settings):
        settings.READINESS_BEAT_MAX_AGE = 60
        heartbeat_record(name="beat", now=timezone.now() - timedelta(seconds=300))
        body = client.get("/readyz/").json()
        assert body["failing"] == ["beat"]
        assert "300 s ago (limit 60 s)" in body["checks"]["beat"]["detail"]

        from ops.models import Heartbeat

        Heartbeat.objects.all().delete()
        response = client.get("/readyz/")
        assert response.status_code == 503
        assert "no heartbeat recorded yet" in response.json()["checks"]["beat"]["detail"]

    def test_the_beat_task_writes_the_heartbeat(self, client, embedded):
        from ops.models import Heartbeat

        Heartbeat.objects.update(at=timezone.now() - timedelta(hours=1))
        beat_heartbeat_task.apply()
        assert client.get("/readyz/").status_code == 200

    def test_a_webhook_backlog_over_its_thresholds_is_not_ready(self, client, embedded, settings):
        settings.READINESS_WEBHOOK_BACKLOG_MAX = 2
        settings.READINESS_WEBHOOK_BACKLOG_AGE_MAX = 600
        failed_event(timedelta(seconds=10))
        failed_event(timedelta(seconds=20))
        assert client.get("/readyz/").status_code == 200  # at the limit
        failed_event(timedelta(seconds=30))
        body = client.get("/readyz/").json()
        assert body["failing"] == ["webhook_backlog"]
        assert "more than 2 webhook events failed" in body["checks"]["webhook_backlog"]["detail"]

        settings.READINESS_WEBHOOK_BACKLOG_MAX = 100
        failed_event(timedelta(hours=2))
        detail = client.get("/readyz/").json()["checks"]["webhook_backlog"]["detail"]
        assert "the oldest failed webhook event is 7200 s old (limit 600 s)" in detail

    def test_processed_events_are_no_backlog(self, client, embedded, settings):
        settings.READINESS_WEBHOOK_BACKLOG_MAX = 1
        for _ in range(3):
            WebhookEvent.objects.create(
                received_at=timezone.now(), body="{}", state=WebhookEvent.State.PROCESSED
            )
        assert client.get("/readyz/").status_code == 200

    def test_journaled_events_count_once_their_recovery_is_overdue(self, client, embedded, settings):
        settings.READINESS_WEBHOOK_BACKLOG_MAX = 1
        now = timezone.now()
        for due in (now - timedelta(seconds=5), now - timedelta(seconds=1), now + timedelta(seconds=25)):
            WebhookEvent.objects.create(
                received_at=due - timedelta(seconds=30),
                body="{}",
                state=WebhookEvent.State.RECEIVED,
                retry_due_at=due,
            )
        body = client.get("/readyz/").json()
        assert body["failing"] == ["webhook_backlog"]  # two overdue; the third is just being processed
        assert body["checks"]["webhook_backlog"]["detail"].startswith("more than 1 webhook events failed")

    def test_checks_can_be_narrowed_for_a_load_balancer(self, client, embedded):
        from ops.models import Heartbeat

        Heartbeat.objects.all().delete()
        response = client.get("/readyz/?checks=database")
        assert response.status_code == 200 and list(response.json()["checks"]) == ["database"]

    def test_it_is_cheap_bounded_queries_whatever_the_backlog(self, embedded, settings, client):
        settings.READINESS_WEBHOOK_BACKLOG_MAX = 5
        for i in range(20):
            failed_event(timedelta(seconds=i))
        with CaptureQueriesContext(connection) as queries:
            client.get("/readyz/")
        statements = [q["sql"] for q in queries.captured_queries]
        assert len(statements) <= 5  # SELECT 1, heartbeat, backlog count (capped), oldest
        [count] = [s for s in statements if "COUNT" in s.upper()]
        assert "LIMIT 6" in count.upper()
