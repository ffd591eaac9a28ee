"""What one customer message's webhook costs in SQL statements: a ceiling per case, so a
feature added to the webhook's path cannot add a query per message unnoticed.

Counted: every statement of the POST and of its after-commit work (pushes built after the
commit), transaction control apart. ``bench/webhook_profile.py`` prints the same figures
by kind, with Redis round trips and a profile; docs/benchmarks.md records them.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import directory, events, options
from conversations.models import Interaction, Message, Offer, Skill
from conversations.services import routing
from flows import selectors as flow_selectors
from integrations import selectors as integration_selectors
from tests import cloud_api as wa
from tests.factories import AgentProfileFactory, ContactFactory, InteractionFactory, QueueFactory
from waproject import broadcasts

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

#: A customer's text to an interaction an agent has accepted (the common case): the
#: interaction's UPDATE … RETURNING, the message's INSERT, the raw event's INSERT.
ACCEPTED_CEILING = 3
#: A new conversation offered to a ready agent: the hot path's UPDATE that finds nothing,
#: the redelivery check, the pending survey comment check, the contact's SELECT and
#: INSERT, the interaction's INSERT and UPDATE, the message, routing (the interaction, the
#: candidates with their skills and refusals, the agent's load, the claim, the offer), the
#: offer's preview (one read), the event; after the commit the agent's new load.
NEW_CONVERSATION_CEILING = 16


@pytest.fixture(autouse=True)
def _snapshots_stay_fresh(monkeypatch):
    """The per-process snapshots (options, directory, flows, bots) reload after a few
    seconds: on a slow machine the counted webhook could land after that and count a
    reload the ceilings are not about. Here they stay fresh for the test's length."""
    monkeypatch.setattr(options, "SNAPSHOT_SECONDS", 3600.0)
    monkeypatch.setattr(directory, "SNAPSHOT_SECONDS", 3600.0)
    monkeypatch.setattr(flow_selectors, "SNAPSHOT_TTL", 3600.0)
    monkeypatch.setattr(integration_selectors, "SNAPSHOT_TTL", 3600.0)


def statements(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


def text(customer: wa.Customer, wamid: str, at: int) -> dict:
    return wa.inbound("text", {"body": "Where is my order?"}, id=wamid, timestamp=at, customer=customer)


@pytest.fixture
def queue(channel):
    queue = QueueFactory(name="Webhook costs")
    queue.skills.add(Skill.objects.create(name="German"))
    channel.default_queue = queue
    channel.save()
    return queue


@pytest.fixture
def agent(queue):
    profile = AgentProfileFactory.create(capacity=5)
    profile.queues.add(queue)
    profile.skills.add(*queue.skills.all())
    routing.agent_set_ready(user=profile.user, ready=True)
    return profile


def post_counted(post_webhook, payload: dict, capture_on_commit) -> list[str]:
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        assert post_webhook(payload).status_code == 200
    return statements(queries.captured_queries)


def test_a_message_to_an_accepted_interaction_costs_three_statements(
    post_webhook, channel, queue, agent, django_capture_on_commit_callbacks
):
    contact = ContactFactory(wa_id=wa.LENA.wa_id)
    interaction = InteractionFactory(
        contact=contact,
        channel=channel,
        queue=queue,
        owner=agent.user,
        state=Interaction.State.ACTIVE,
        accepted_at=timezone.now(),
    )
    post_counted(post_webhook, text(wa.LENA, "wamid.costs-warm", wa.T0), django_capture_on_commit_callbacks)
    sql = post_counted(
        post_webhook, text(wa.LENA, "wamid.costs-counted", wa.T0 + 5), django_capture_on_commit_callbacks
    )
    assert len(sql) <= ACCEPTED_CEILING, json.dumps(sql, indent=1)
    assert Message.objects.filter(interaction=interaction).count() == 2


def test_a_new_conversation_costs_at_most_its_ceiling(
    post_webhook, channel, queue, agent, django_capture_on_commit_callbacks
):
    # A first conversation warms the process's snapshots (directory, options, flows, bots).
    post_counted(post_webhook, text(wa.LENA, "wamid.costs-first", wa.T0), django_capture_on_commit_callbacks)
    newcomer = wa.Customer(wa_id="4915112345678", name="Mira")
    sql = post_counted(
        post_webhook, text(newcomer, "wamid.costs-new", wa.T0 + 5), django_capture_on_commit_callbacks
    )
    assert len(sql) <= NEW_CONVERSATION_CEILING, json.dumps(sql, indent=1)
    offer = Offer.objects.get(interaction__contact__wa_id=newcomer.wa_id)
    assert offer.agent_id == agent.user_id
    assert offer.interaction.state == Interaction.State.OFFERED


def test_routing_skips_agents_lacking_a_skill_or_who_declined(channel, queue, agent):
    """The candidates' query folds in the queue's skills and recent refusals: both still
    keep an agent out."""
    unskilled = AgentProfileFactory.create(capacity=5)
    unskilled.queues.add(queue)
    routing.agent_set_ready(user=unskilled.user, ready=True)
    interaction = InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
    offer = routing.interaction_route(interaction_id=interaction.pk)
    assert offer is not None and offer.agent_id == agent.user_id
    routing.offer_reject(user=agent.user, offer_id=offer.pk)
    assert not Offer.objects.filter(interaction=interaction, state=Offer.State.PENDING).exists()
    skilled = AgentProfileFactory.create(capacity=5)
    skilled.queues.add(queue)
    skilled.skills.add(*queue.skills.all())
    routing.agent_set_ready(user=skilled.user, ready=True)
    again = routing.interaction_route(interaction_id=interaction.pk)
    assert again is not None and again.agent_id == skilled.user_id


def test_consecutive_events_to_a_group_travel_as_one_batch_and_only_neighbours_join():
    a1, a2, b, a3 = ({"type": "x.y", "n": n} for n in range(4))
    assert broadcasts.batched([("A", a1), ("A", a2), ("B", b), ("A", a3)]) == [
        ("A", {"type": broadcasts.BATCH_TYPE, "events": [a1, a2]}),
        ("B", b),
        ("A", a3),
    ]
    assert a1 == {"type": "x.y", "n": 0}  # the callers' events are not changed


def test_a_batch_reaches_each_handler_in_order_and_skips_an_event_the_consumer_lacks(caplog):
    """A newer process may send an event an older consumer has no handler for: it is
    skipped (and logged), the rest of the batch still arrives, the socket stays open."""
    seen: list[str] = []

    class Consumer:
        async def message_created(self, event: dict) -> None:
            seen.append(f"created {event['n']}")

        async def message_status(self, event: dict) -> None:
            seen.append(f"status {event['n']}")

    batch = {
        "type": broadcasts.BATCH_TYPE,
        "events": [
            {"type": "message.created", "n": 1},
            {"type": "message.invented_later", "n": 2},
            {"type": "message.status", "n": 3},
        ],
    }
    async_to_sync(broadcasts.dispatch_batch)(Consumer(), batch)
    assert seen == ["created 1", "status 3"]
    assert "no handler for message.invented_later" in caplog.text


def test_batching_can_be_turned_off_for_a_rolling_upgrade(settings, monkeypatch):
    """BROADCAST_BATCHING=0: each event travels alone, as a process without batches expects."""
    layer = get_channel_layer()
    sent: list[dict] = []

    async def recording(group: str, message: dict) -> None:
        sent.append(message)

    monkeypatch.setattr(layer, "group_send", recording)
    a1, a2 = {"type": "x.y", "n": 1}, {"type": "x.y", "n": 2}
    settings.BROADCAST_BATCHING = False
    async_to_sync(broadcasts.flush)([("A", a1), ("A", a2)])
    assert sent == [a1, a2]
    settings.BROADCAST_BATCHING = True
    sent.clear()
    async_to_sync(broadcasts.flush)([("A", a1), ("A", a2)])
    assert sent == [{"type": broadcasts.BATCH_TYPE, "events": [a1, a2]}]


@pytest.mark.django_db(transaction=True)
def test_a_message_to_an_accepted_interaction_is_one_channel_layer_send(
    post_webhook, channel, queue, agent, monkeypatch
):
    """Its two events (``interaction.changed``, ``message.created``) go to the interaction's
    group in one send, after the commit (real commits here: the webhook collects what its
    commit pushes and sends it at once)."""
    interaction = InteractionFactory(
        contact=ContactFactory(wa_id=wa.LENA.wa_id),
        channel=channel,
        queue=queue,
        owner=agent.user,
        state=Interaction.State.ACTIVE,
        accepted_at=timezone.now(),
    )
    layer = get_channel_layer()
    sent: list[tuple[str, dict]] = []
    original = layer.group_send

    async def counting(group: str, message: dict) -> None:
        sent.append((group, message))
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", counting)
    assert post_webhook(text(wa.LENA, "wamid.batch-warm", wa.T0)).status_code == 200
    sent.clear()
    assert post_webhook(text(wa.LENA, "wamid.batch-counted", wa.T0 + 5)).status_code == 200
    assert [group for group, _message in sent] == [events.interaction_group(interaction.pk)]
    batch = sent[0][1]
    assert batch["type"] == broadcasts.BATCH_TYPE
    assert [e["type"] for e in batch["events"]] == ["interaction.changed", "message.created"]
