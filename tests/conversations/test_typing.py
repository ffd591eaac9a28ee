"""The agent's typing shows as "typing…" on the customer's phone (Cloud API: mark-as-read
with a typing indicator), throttled per interaction, only where WhatsApp allows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from conversations.exceptions import NotFound, PermissionDenied
from conversations.models import Interaction, Message
from conversations.services.outbound import OutboundSpec, message_send
from conversations.services.receipts import interaction_typing
from tests.factories import AgentProfileFactory, InteractionFactory, MessageFactory
from tests.graph_standin import start_graph_standin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_from_other_tests():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def graph(settings):
    standin = start_graph_standin()
    settings.WHATSAPP_GRAPH_BASE_URL = standin.base_url
    yield standin
    standin.close()


@pytest.fixture
def agent(db):
    return AgentProfileFactory().user


def conversation(channel, agent, customer: str = "customer") -> Interaction:
    """An agent's conversation in which the customer wrote twice, five minutes ago."""
    now = timezone.now()
    interaction = InteractionFactory.create(
        channel=channel,
        owner=agent,
        last_inbound_at=now - timedelta(minutes=5),
        window_expires_at=now + timedelta(hours=23),
        last_inbound_wamid=f"wamid.{customer}-2",
    )
    MessageFactory(interaction=interaction, wamid=f"wamid.{customer}-1")
    MessageFactory(interaction=interaction, wamid=f"wamid.{customer}-2")
    return interaction


def marks(graph) -> list[dict]:
    return [s.json() for s in graph.sends() if s.json().get("status") == "read"]


def test_typing_marks_the_latest_customer_message_read_with_a_typing_indicator(graph, channel, agent):
    interaction = conversation(channel, agent)

    assert interaction_typing(user=agent, interaction_id=interaction.pk) is True

    assert marks(graph) == [
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.customer-2",
            "typing_indicator": {"type": "text"},
        }
    ]


def test_typing_goes_at_most_once_per_interval_per_interaction(graph, channel, agent):
    interaction = conversation(channel, agent)
    other = conversation(channel, agent, "other")

    sent = [interaction_typing(user=agent, interaction_id=interaction.pk) for _ in range(5)]
    sent.append(interaction_typing(user=agent, interaction_id=other.pk))

    assert sent == [True, False, False, False, False, True]
    assert [m["message_id"] for m in marks(graph)] == ["wamid.customer-2", "wamid.other-2"]


def test_typing_again_after_the_agents_message_went_out_shows_it_again(
    graph, channel, agent, django_capture_on_commit_callbacks
):
    interaction = conversation(channel, agent)
    assert interaction_typing(user=agent, interaction_id=interaction.pk)
    assert not interaction_typing(user=agent, interaction_id=interaction.pk)
    graph.accept()
    with django_capture_on_commit_callbacks(execute=True):
        message_send(user=agent, interaction_id=interaction.pk, spec=OutboundSpec(type="text", body="Hi!"))
    assert Message.objects.get(body="Hi!").status == Message.Status.ACCEPTED  # the phone's "typing…" ended

    assert interaction_typing(user=agent, interaction_id=interaction.pk) is True
    assert len(marks(graph)) == 2


@pytest.mark.parametrize(
    "situation",
    ["window closed", "customer never wrote", "done", "the latest message is not stored"],
)
def test_no_typing_where_whatsapp_would_not_show_it(graph, channel, agent, situation):
    interaction = conversation(channel, agent)
    changes = {
        "window closed": {"window_expires_at": timezone.now() - timedelta(minutes=1)},
        "customer never wrote": {"last_inbound_wamid": "", "last_inbound_at": None},
        "done": {"state": Interaction.State.CLOSED, "closed_at": timezone.now()},
        "the latest message is not stored": {"last_inbound_wamid": "wamid.elsewhere"},
    }[situation]
    Interaction.objects.filter(pk=interaction.pk).update(**changes)

    assert interaction_typing(user=agent, interaction_id=interaction.pk) is False
    assert marks(graph) == []


def test_only_the_agents_writing_in_the_interaction_may_show_typing(graph, channel, agent):
    interaction = conversation(channel, agent)
    stranger = AgentProfileFactory().user
    with pytest.raises(PermissionDenied):
        interaction_typing(user=stranger, interaction_id=interaction.pk)
    with pytest.raises(NotFound):
        interaction_typing(user=agent, interaction_id=interaction.pk + 1000)
    assert marks(graph) == []


def test_the_typing_api_says_whether_it_went(graph, channel, agent, client):
    interaction = conversation(channel, agent)
    client.force_login(agent)

    first = client.post(f"/api/v1/interactions/{interaction.pk}/typing/")
    second = client.post(f"/api/v1/interactions/{interaction.pk}/typing/")

    assert (first.status_code, first.json()) == (200, {"sent": True})
    assert (second.status_code, second.json()) == (200, {"sent": False})
    client.force_login(AgentProfileFactory().user)
    assert client.post(f"/api/v1/interactions/{interaction.pk}/typing/").status_code == 403


def test_an_unreachable_cache_means_no_indicator_not_an_error(graph, channel, agent, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    interaction = conversation(channel, agent)
    assert interaction_typing(user=agent, interaction_id=interaction.pk) is False
