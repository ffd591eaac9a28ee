"""The console's WebSocket: authenticated, thin, carries every live event after commit."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from conversations.consumers import AgentConsumer
from conversations.models import Interaction
from conversations.services import routing
from tests.conftest import load_fixture
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    return communicator


async def test_anonymous_socket_is_refused():
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


async def test_hello_carries_the_agents_state():
    profile = await database_sync_to_async(AgentProfileFactory)(capacity=4)
    communicator = await connect(profile.user)
    await communicator.send_json_to({"command": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_subscribe_refuses_interactions_the_agent_may_not_see(channel):
    profile = await database_sync_to_async(AgentProfileFactory)()
    mine = await database_sync_to_async(InteractionFactory)(channel=channel, owner=profile.user)
    theirs = await database_sync_to_async(InteractionFactory)(channel=channel)
    communicator = await connect(profile.user)
    await communicator.send_json_to({"command": "subscribe", "interaction_ids": [mine.pk, theirs.pk]})
    answer = await communicator.receive_json_from()
    assert answer == {"type": "subscribed", "interaction_ids": [mine.pk], "refused": [theirs.pk]}
    await communicator.disconnect()


async def test_malformed_commands_get_a_clear_error():
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await connect(profile.user)
    await communicator.send_json_to({"command": "subscribe", "interaction_ids": "all"})
    error = await communicator.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "bad_command")
    await communicator.send_json_to({"command": "drop_tables"})
    error = await communicator.receive_json_from()
    assert error["code"] == "unknown_command"
    await communicator.send_json_to([1, 2])
    assert (await communicator.receive_json_from())["code"] == "unknown_command"
    await communicator.disconnect()


async def test_customer_message_reaches_the_subscribed_agent_after_commit(channel, post_webhook):
    profile = await database_sync_to_async(AgentProfileFactory)()
    interaction = await database_sync_to_async(InteractionFactory)(
        channel=channel, owner=profile.user, contact__wa_id="972987654321"
    )
    communicator = await connect(profile.user)
    await communicator.send_json_to({"command": "subscribe", "interaction_ids": [interaction.pk]})
    await communicator.receive_json_from()
    response = await database_sync_to_async(post_webhook)(load_fixture("inbound_text.json"))
    assert response.status_code == 200
    frames = {}
    while len(frames) < 2:
        frame = await communicator.receive_json_from(timeout=2)
        assert frame["type"] not in frames  # each event once, not once per group
        frames[frame["type"]] = frame
    message = frames["message.created"]["message"]
    assert message["body"] == "Body Text"
    assert message["interaction_id"] == interaction.pk
    assert {"attachment", "reactions", "quoted", "author_name"} <= set(message)  # the full shape
    changed = frames["interaction.changed"]["interaction"]
    assert changed["id"] == interaction.pk
    assert changed["awaiting_reply_since"] is not None  # the pending indicator starts, live
    assert changed["window_expires_at"] is not None
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_an_offer_reaches_the_chosen_agent(channel):
    queue = await database_sync_to_async(QueueFactory)(name="General")

    def setup():
        profile = AgentProfileFactory()
        profile.queues.add(queue)
        interaction = InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
        return profile, interaction

    profile, interaction = await database_sync_to_async(setup)()
    communicator = await connect(profile.user)
    await database_sync_to_async(routing.agent_set_ready)(user=profile.user, ready=True)
    frames = []
    for _ in range(3):
        frames.append(await communicator.receive_json_from(timeout=2))
        if frames[-1]["type"] == "offer.created":
            break
    offer = next(f["offer"] for f in frames if f["type"] == "offer.created")
    assert offer["interaction_id"] == interaction.pk
    assert offer["contact"]["display_name"]
    assert any(f["type"] == "agent.state" and f["agent"]["is_ready"] for f in frames)
    await communicator.disconnect()
