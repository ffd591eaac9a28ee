"""A broker (Redis) that cannot be reached never fails a request whose work is committed.

Services hand work to the worker after their commit (``enqueue_on_commit``). While Redis
restarts (the faults drill does it under traffic) that hand-over fails after kombu's own
retries; left alone the error escaped the commit hook and the API answered 500 for a send
that was stored. Every such job has a row behind it that a beat sweep picks up, so the
hand-over is a shortcut: the request answers as usual and the sweep does the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from conversations import jobs
from conversations.models import Message
from conversations.services import sending
from tests.factories import AgentProfileFactory, InteractionFactory
from tests.graph_standin import GraphStandIn, start_graph_standin
from waproject.celery import app
from waproject.embedded import enqueue, enqueue_best_effort

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _reset_producers() -> None:
    """Celery builds its connection and producer pools on first use, from the broker URL of
    that moment: drop them so that the next publish connects to the URL set now."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings) -> Iterator[None]:
    settings.TASK_EXECUTION = "broker"
    saved = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = UNREACHABLE_BROKER
    _reset_producers()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved
        _reset_producers()


@pytest.fixture
def graph(settings) -> Iterator[GraphStandIn]:
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.mark.django_db(transaction=True)
def test_a_send_while_the_broker_is_away_is_accepted_and_the_sweep_sends_it(
    broker_down, graph, channel, caplog, settings
):
    agent = AgentProfileFactory().user
    now = timezone.now()
    interaction = InteractionFactory(
        channel=channel,
        owner=agent,
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
    )
    client = Client()
    client.force_login(agent)

    response = client.post(
        f"/api/v1/interactions/{interaction.pk}/messages/",
        {"type": "text", "body": "Still here", "client_ref": "outage-1"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert message.status == Message.Status.QUEUED  # stored, not yet handed to the worker
    assert "broker unavailable" in caplog.text

    # the broker is back: the outbound sweep (beat, every 2 s) finds the send never started
    app.conf.broker_url = app.conf.broker_write_url = "memory://"
    _reset_producers()
    graph.accept()
    settings.TASK_EXECUTION = "inline"
    assert sending.outbound_due_sweep(now=timezone.now()) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.ACCEPTED
    assert [send.json()["text"]["body"] for send in graph.sends()] == ["Still here"]


def test_sweeps_see_the_broker_fail_and_requests_do_not(broker_down, caplog):
    """A sweep (a task) stops at its first failed hand-over: the next tick retries all of it.
    A request's courtesy (``typing…``) is logged and skipped."""
    with pytest.raises(OperationalError):
        enqueue(jobs.OUTBOX_FLUSH, 1)
    assert enqueue_best_effort(jobs.MESSAGE_MARK_READ, 1, typing=True) is False
    assert "broker unavailable: conversations.tasks.message_mark_read_task not enqueued" in caplog.text
