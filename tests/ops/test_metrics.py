"""X2: /metrics/ (protected) and the counters moving with the work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from conversations.models import Interaction, Message, Offer, WebhookEvent
from conversations.services import routing
from conversations.services.outbound import OutboundSpec, message_send
from ops.metrics import LIVE_SOCKETS
from tests import cloud_api as wa
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory
from tests.graph_standin import start_graph_standin

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-for-tests"


def scrape(client, token: str = TOKEN) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return samples(response.content.decode())


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.mark.django_db
class TestAccess:
    def test_no_credentials_is_401_with_a_bearer_challenge(self, client, token):
        response = client.get("/metrics/")
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")

    def test_a_wrong_token_is_401_and_no_token_configured_refuses_every_bearer(self, client, token, settings):
        assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer guess").status_code == 401
        settings.METRICS_TOKEN = ""
        assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer ").status_code == 401

    def test_a_signed_in_agent_is_403_and_staff_may_look(self, client, token):
        client.force_login(AgentProfileFactory().user)
        assert client.get("/metrics/").status_code == 403
        client.force_login(UserFactory(username="ops", is_staff=True))
        response = client.get("/metrics/")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")

    def test_the_token_opens_it_and_the_path_without_slash_too(self, client, token):
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.django_db
class TestCounters:
    def test_a_webhook_and_a_send_move_the_counters(
        self, client, token, channel, post_webhook, settings, django_capture_on_commit_callbacks
    ):
        graph = start_graph_standin()
        settings.WHATSAPP_GRAPH_BASE_URL = graph.base_url
        try:
            before = scrape(client)
            assert post_webhook(wa.payload("inbound_text")).status_code == 200
            assert post_webhook(wa.payload("inbound_text"), secret="wrong").status_code == 403
            agent = AgentProfileFactory().user
            now = timezone.now()
            interaction = InteractionFactory(
                channel=channel,
                owner=agent,
                last_inbound_at=now,
                window_expires_at=now + timedelta(hours=23),
                awaiting_reply_since=now,
            )
            graph.accept()
            with django_capture_on_commit_callbacks(execute=True):
                message_send(
                    user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Hello!")
                )
            graph.reply_error(400, 131026, "Message undeliverable")
            with django_capture_on_commit_callbacks(execute=True):
                message_send(
                    user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Again")
                )
            after = scrape(client)
        finally:
            graph.close()
        assert Message.objects.filter(status=Message.Status.FAILED).count() == 1

        def moved(name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert moved("wa_webhooks_total", outcome="acknowledged") == 1
        assert moved("wa_webhooks_total", outcome="refused") == 1
        assert moved("wa_webhook_ack_seconds_count") == 2
        assert moved("wa_sends_total", outcome="accepted", error_code="") == 1
        assert moved("wa_sends_total", outcome="failed", error_code="131026") == 1

    def test_offers_made_accepted_and_expired(self, client, token, django_capture_on_commit_callbacks):
        before = scrape(client)
        queue = QueueFactory()
        first, second = AgentProfileFactory(is_ready=True), AgentProfileFactory(is_ready=True)
        for agent in (first, second):
            agent.queues.add(queue)
        with django_capture_on_commit_callbacks(execute=True):
            a = InteractionFactory(state=Interaction.State.QUEUED, queue=queue, owner=None)
            offer = routing.interaction_route(interaction_id=a.pk)
        assert offer is not None
        with django_capture_on_commit_callbacks(execute=True):
            routing.offer_accept(user=offer.agent, offer_id=offer.pk)
        with django_capture_on_commit_callbacks(execute=True):
            b = InteractionFactory(state=Interaction.State.QUEUED, queue=queue, owner=None)
            late = routing.interaction_route(interaction_id=b.pk)
        assert late is not None
        Offer.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            routing.offers_expire_due(now=timezone.now())
        after = scrape(client)
        for event in ("made", "accepted", "expired"):
            made = value(after, "wa_offers_total", event=event) - value(
                before, "wa_offers_total", event=event
            )
            assert made >= 1, event

    def test_queue_waiting_and_longest_wait_are_read_when_scraped(self, client, token):
        queue = QueueFactory(name="Billing")
        InteractionFactory(
            state=Interaction.State.QUEUED,
            queue=queue,
            owner=None,
            queued_at=timezone.now() - timedelta(minutes=3),
        )
        InteractionFactory(state=Interaction.State.QUEUED, queue=queue, owner=None, queued_at=timezone.now())
        found = scrape(client)
        assert value(found, "wa_queue_waiting", queue="Billing") == 2
        assert 170 < value(found, "wa_queue_longest_wait_seconds", queue="Billing") < 300

    def test_backlog_and_heartbeat_gauges(self, client, token):
        from ops.health import heartbeat_record

        heartbeat_record(name="beat", now=timezone.now() - timedelta(seconds=42))
        WebhookEvent.objects.create(
            received_at=timezone.now() - timedelta(minutes=10), body="{}", state=WebhookEvent.State.FAILED
        )
        found = scrape(client)
        assert value(found, "wa_webhook_backlog_events") == 1
        assert 590 < value(found, "wa_webhook_backlog_oldest_seconds") < 700
        assert 41 < value(found, "wa_beat_heartbeat_age_seconds") < 60

    def test_a_sweep_is_timed_and_what_it_fired_counted(self, client, token):
        from conversations.tasks import webhook_retry_sweep_task

        WebhookEvent.objects.create(
            received_at=timezone.now(),
            body=json.dumps(wa.payload("inbound_text")),
            state=WebhookEvent.State.FAILED,
            retry_due_at=timezone.now() - timedelta(seconds=1),
        )
        before = scrape(client)
        webhook_retry_sweep_task.apply()
        after = scrape(client)
        sweep = "webhook-retry-sweep"
        assert (
            value(after, "wa_beat_sweep_seconds_count", task=sweep)
            - value(before, "wa_beat_sweep_seconds_count", task=sweep)
            == 1
        )
        assert (
            value(after, "wa_beat_sweep_items_total", task=sweep)
            - value(before, "wa_beat_sweep_items_total", task=sweep)
            == 1
        )


@pytest.mark.django_db(transaction=True)
async def test_live_sockets_count_open_console_sockets(settings):
    from channels.db import database_sync_to_async

    from console.consumers import AgentConsumer

    agent = await database_sync_to_async(lambda: AgentProfileFactory().user)()
    before = LIVE_SOCKETS._value.get()
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = agent
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from()  # hello
    assert LIVE_SOCKETS._value.get() == before + 1
    await communicator.disconnect()
    assert LIVE_SOCKETS._value.get() == before


def test_multiprocess_mode_adds_up_processes_and_forgets_dead_ones_sockets(tmp_path):
    """Two worker processes count in PROMETHEUS_MULTIPROC_DIR; one dies with a socket
    open (kill -9: no goodbye). A scrape in a third process sees both processes' webhooks
    and only the live process's socket."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "METRICS_TOKEN": TOKEN,
        "SQLITE_PATH": str(tmp_path / "none.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    worker = textwrap.dedent(
        """
        import os, signal, sys
        from ops import metrics
        for _ in range(int(sys.argv[1])):
            metrics.webhook_answered(200, 0.004)
        metrics.LIVE_SOCKETS.inc()
        print(os.getpid(), flush=True)
        if sys.argv[2] == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    run = [sys.executable, "-c", worker]
    subprocess.run([*run, "3", "die"], env=env, cwd=ROOT, check=False, capture_output=True)
    alive = subprocess.Popen([*run, "4", "stay"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        alive.stdout.readline()  # it has counted (and exits normally afterwards)
        scraper = textwrap.dedent(
            f"""
            import django; django.setup()
            from django.test import RequestFactory
            from ops.views import metrics_view
            request = RequestFactory().get("/metrics/", HTTP_AUTHORIZATION="Bearer {TOKEN}")
            print(metrics_view(request).content.decode())
            """
        )
        out = subprocess.run(
            [sys.executable, "-c", scraper], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
    finally:
        alive.wait(timeout=10)
    found = samples(out)
    assert value(found, "wa_webhooks_total", outcome="acknowledged") == 7
    assert value(found, "wa_webhook_ack_seconds_count") == 7
