"""Fixtures of B2 and B3: a number whose default queue is General, an agent of General,
the Graph API stand-in (the automated messages really leave), and a customer's message
through the real webhook endpoint."""

from __future__ import annotations

import time

import pytest

from conversations.models import Interaction, Queue
from conversations.services import routing
from surveys.models import QueueCare
from tests.cloud_api import LENA, inbound
from tests.factories import AgentProfileFactory, QueueFactory
from tests.graph_standin import start_graph_standin


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.fixture
def general(channel):
    queue = QueueFactory(name="General")
    channel.default_queue = queue
    channel.save()
    return queue


@pytest.fixture
def agent(general):
    profile = AgentProfileFactory(user__username="alice", user__first_name="Alice")
    profile.queues.add(general)
    return profile.user


def ready(user) -> None:
    """The agent goes Ready and routing's sweep offers them what waits."""
    routing.agent_set_ready(user=user, ready=True)
    routing.dispatch_waiting()


def care(queue: Queue, **fields) -> QueueCare:
    row = QueueCare(queue=queue, **fields)
    row.full_clean()
    row.save()
    return row


def text(body: str, *, n: int, customer=LENA, at: int | None = None) -> dict:
    """A customer's text, written ``at`` (epoch seconds; default: just now)."""
    return inbound(
        "text",
        {"body": body},
        id=f"wamid.care-{customer.name[:4]}-{n}",
        timestamp=at if at is not None else int(time.time()),
        customer=customer,
    )


def waiting_of(customer=LENA) -> Interaction:
    return Interaction.objects.get(contact__wa_id=customer.wa_id, state__in=Interaction.OPEN_STATES)
