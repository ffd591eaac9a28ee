"""The console's WebSocket: authenticated, thin, carries every live event after commit."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from console.consumers import AgentConsumer
from conversations import events
from conversations.models import Interaction, Message
from conversations.services import reactions, routing, transfer
from tests.cloud_api import LENA, payload
from tests.factories import AgentProfileFactory, InteractionFactory, QueueFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


async def connect(user, *, session=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = user
    if session is not None:
        communicator.scope["session"] = session
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


async def test_the_heartbeat_is_answered_however_the_ping_is_written():
    """The console's compact ping takes the short way (no JSON work); any other spelling of
    the same command still gets its pong the long way."""
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await connect(profile.user)
    for text in (
        '{"command":"ping"}',
        '{"command": "ping"}',
        '{ "command" : "ping" }',
        '{"command":"ping","x":1}',
    ):
        await communicator.send_to(text_data=text)
        assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.send_to(text_data='{"command":"ping"')  # cut short: an error, not a pong
    assert (await communicator.receive_json_from())["code"] == "bad_command"
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


@pytest.mark.parametrize(
    "frame",
    [{"text": "not json"}, {"text": ""}, {"text": "[" * 100_000}, {"bytes": b"\x00\x01"}],
    ids=["not-json", "empty", "too-deep", "binary"],
)
async def test_a_frame_that_is_not_json_text_gets_an_error_and_the_socket_stays_open(frame):
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await connect(profile.user)

    await communicator.send_input({"type": "websocket.receive", **frame})
    error = await communicator.receive_json_from()

    assert (error["type"], error["code"]) == ("error", "bad_command")
    assert "JSON" in error["message"]
    await communicator.send_json_to({"command": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.parametrize("ids", [[10**30], [2**63], [0], [-1]])
async def test_subscribing_to_an_id_beyond_the_database_range_is_refused_and_the_socket_stays_open(ids):
    profile = await database_sync_to_async(AgentProfileFactory)()
    mine = await database_sync_to_async(InteractionFactory)(owner=profile.user)
    communicator = await connect(profile.user)

    await communicator.send_json_to({"command": "subscribe", "interaction_ids": [mine.pk, *ids]})
    error = await communicator.receive_json_from()

    assert (error["type"], error["code"]) == ("error", "bad_command")
    assert error["message"] == "interaction_ids must be a list of ids (1 to 9223372036854775807)"
    await communicator.send_json_to({"command": "subscribe", "interaction_ids": [mine.pk, 2**63 - 1]})
    answer = await communicator.receive_json_from()
    assert answer == {"type": "subscribed", "interaction_ids": [mine.pk], "refused": [2**63 - 1]}
    await communicator.disconnect()


async def test_an_unknown_command_is_named_briefly_and_escaped():
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await connect(profile.user)

    await communicator.send_to(text_data='{"command": "\\ud800' + "x" * 10_000 + '"}')
    error = await communicator.receive_json_from()

    assert error["code"] == "unknown_command"
    assert error["message"].startswith("unknown command '\\ud800xxx")
    assert len(error["message"]) < 150
    await communicator.disconnect()


async def test_customer_message_reaches_the_subscribed_agent_after_commit(channel, post_webhook):
    profile = await database_sync_to_async(AgentProfileFactory)()
    interaction = await database_sync_to_async(InteractionFactory)(
        channel=channel, owner=profile.user, contact__wa_id=LENA.wa_id
    )
    communicator = await connect(profile.user)
    await communicator.send_json_to({"command": "subscribe", "interaction_ids": [interaction.pk]})
    await communicator.receive_json_from()
    response = await database_sync_to_async(post_webhook)(payload("inbound_text"))
    assert response.status_code == 200
    frames = {}
    while not {"message.created", "interaction.changed"} <= set(frames):
        frame = await communicator.receive_json_from(timeout=2)
        assert frame["type"] not in frames  # each event once, not once per group
        frames[frame["type"]] = frame
    # G2: the message brought her BSUID, which the contact lacked: the panel gets it live
    if "contact.changed" not in frames:
        frames["contact.changed"] = await communicator.receive_json_from(timeout=2)
    assert frames["contact.changed"]["contact"]["user_id"] == LENA.user_id
    message = frames["message.created"]["message"]
    assert message["body"] == "Hello, my parcel 4471 has not arrived yet"
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


async def test_an_expired_offer_tells_the_agent_why_they_are_not_ready(channel):
    def setup():
        queue = QueueFactory()
        profile = AgentProfileFactory()
        profile.queues.add(queue)
        routing.agent_set_ready(user=profile.user, ready=True)
        InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
        routing.dispatch_waiting()
        return profile

    profile = await database_sync_to_async(setup)()
    communicator = await connect(profile.user)
    offer = await database_sync_to_async(lambda: profile.user.offers.get())()
    later = offer.due_at + timedelta(seconds=1)
    assert await database_sync_to_async(routing.offers_expire_due)(now=later) == 1
    frames = []
    while not any(f.get("reason") == "offer_expired" for f in frames) and len(frames) < 6:
        frames.append(await communicator.receive_json_from(timeout=2))
    state = next(f for f in frames if f["type"] == "agent.state" and f["reason"] == "offer_expired")
    assert state["agent"]["is_ready"] is False
    await communicator.disconnect()


# --- access ends: the socket leaves the interaction's group -----------------------------------


async def subscribed(user, interaction_id: int, *, session=None) -> WebsocketCommunicator:
    communicator = await connect(user, session=session)
    await communicator.send_json_to({"command": "subscribe", "interaction_ids": [interaction_id]})
    answer = await communicator.receive_json_from()
    assert answer["interaction_ids"] == [interaction_id]
    return communicator


async def frames_until(communicator: WebsocketCommunicator, frame_type: str) -> list[dict]:
    frames: list[dict] = []
    while not frames or frames[-1]["type"] != frame_type:
        frames.append(await communicator.receive_json_from(timeout=2))
    return frames


async def message_frame_reaches(communicator: WebsocketCommunicator, interaction_id: int) -> bool:
    """Push a message event to the interaction's group the way events.py does."""
    await get_channel_layer().group_send(
        events.interaction_group(interaction_id),
        {"type": "message.created", "message": {"id": 1, "interaction_id": interaction_id, "body": "hi"}},
    )
    return not await communicator.receive_nothing(timeout=0.3)


async def test_an_interaction_transferred_away_stops_reaching_the_previous_owners_socket(
    channel, post_webhook
):
    def setup():
        owner, target = AgentProfileFactory(), AgentProfileFactory()
        routing.agent_set_ready(user=target.user, ready=True)
        interaction = InteractionFactory(channel=channel, owner=owner.user, contact__wa_id=LENA.wa_id)
        return owner.user, target.user, interaction

    owner, target, interaction = await database_sync_to_async(setup)()
    communicator = await subscribed(owner, interaction.pk)
    await database_sync_to_async(transfer.interaction_transfer)(
        user=owner, interaction_id=interaction.pk, agent_id=target.pk
    )
    frames = await frames_until(communicator, "access.revoked")
    assert "interaction.closed" in [f["type"] for f in frames]
    assert frames[-1] == {"type": "access.revoked", "interaction_id": interaction.pk}
    # the customer writes again: the message goes to the new agent's interaction, not here
    response = await database_sync_to_async(post_webhook)(payload("inbound_text"))
    assert response.status_code == 200
    assert await database_sync_to_async(Message.objects.filter(interaction=interaction).count)() == 1
    while not await communicator.receive_nothing(timeout=0.3):
        frame = await communicator.receive_json_from()
        assert frame["type"] not in {"message.created", "interaction.changed", "message.updated"}
    await communicator.disconnect()


async def test_a_rejected_offer_stops_reaching_the_agents_socket(channel):
    queue = await database_sync_to_async(QueueFactory)(name="General")

    def setup():
        profile = AgentProfileFactory()
        profile.queues.add(queue)
        routing.agent_set_ready(user=profile.user, ready=True)
        interaction = InteractionFactory(channel=channel, queue=queue, state=Interaction.State.QUEUED)
        return profile.user, interaction, routing.interaction_route(interaction_id=interaction.pk)

    agent, interaction, offer = await database_sync_to_async(setup)()
    communicator = await subscribed(agent, interaction.pk)  # the offer lets them see it
    assert await message_frame_reaches(communicator, interaction.pk)
    await communicator.receive_json_from()
    await database_sync_to_async(routing.offer_reject)(user=agent, offer_id=offer.pk)
    await frames_until(communicator, "access.revoked")
    assert not await message_frame_reaches(communicator, interaction.pk)
    await communicator.disconnect()


async def test_done_stops_reaching_the_agent_but_a_supervisor_keeps_receiving(channel):
    from conversations.services.done import interaction_done

    def setup():
        owner = AgentProfileFactory()
        supervisor = UserFactory(is_staff=True, is_superuser=True)
        return owner.user, supervisor, InteractionFactory(channel=channel, owner=owner.user)

    owner, supervisor, interaction = await database_sync_to_async(setup)()
    agent_socket = await subscribed(owner, interaction.pk)
    supervisor_socket = await subscribed(supervisor, interaction.pk)
    await database_sync_to_async(interaction_done)(user=owner, interaction_id=interaction.pk)
    await frames_until(agent_socket, "access.revoked")
    assert await supervisor_socket.receive_json_from() == {
        "type": "interaction.closed",
        "interaction_id": interaction.pk,
    }
    assert not await message_frame_reaches(agent_socket, interaction.pk)
    assert await message_frame_reaches(supervisor_socket, interaction.pk)  # still theirs to watch
    assert (await supervisor_socket.receive_json_from())["type"] == "message.created"
    await agent_socket.disconnect()
    await supervisor_socket.disconnect()


async def test_leaving_a_conference_stops_reaching_the_guests_socket(channel):
    from conversations.models import BusinessAttribute
    from conversations.services.collaboration import conference_answer, conference_invite, conference_leave

    def setup():
        BusinessAttribute.objects.create(name="InternalConferenceInvite")
        owner, guest = AgentProfileFactory(), AgentProfileFactory()
        routing.agent_set_ready(user=guest.user, ready=True)
        interaction = InteractionFactory(channel=channel, owner=owner.user)
        invitation = conference_invite(user=owner.user, interaction_id=interaction.pk, agent_id=guest.user.pk)
        conference_answer(user=guest.user, participant_id=invitation.pk, accept=True)
        return owner.user, guest.user, interaction

    owner, guest, interaction = await database_sync_to_async(setup)()
    guest_socket = await subscribed(guest, interaction.pk)
    owner_socket = await subscribed(owner, interaction.pk)
    await database_sync_to_async(conference_leave)(user=guest, interaction_id=interaction.pk)
    await frames_until(guest_socket, "access.revoked")
    assert not await message_frame_reaches(guest_socket, interaction.pk)
    frames = []
    while not await owner_socket.receive_nothing(timeout=0.3):
        frames.append(await owner_socket.receive_json_from())
    assert "access.revoked" not in [f["type"] for f in frames]  # the owner still has it
    assert await message_frame_reaches(owner_socket, interaction.pk)
    await guest_socket.disconnect()
    await owner_socket.disconnect()


async def test_logging_out_closes_that_sessions_sockets_as_signed_out(client):
    def login():
        profile = AgentProfileFactory()
        client.force_login(profile.user)
        other = SessionStore()
        other.create()  # the same agent signed in on another computer
        return profile.user, SessionStore(session_key=client.session.session_key), other

    user, session, other_session = await database_sync_to_async(login)()
    signed_out = await connect(user, session=session)
    elsewhere = await connect(user, session=other_session)
    response = await database_sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code == 302  # to LOGOUT_REDIRECT_URL
    closing = await frames_or_close(signed_out)
    assert closing == {"type": "websocket.close", "code": 4401}
    while not await elsewhere.receive_nothing(timeout=0.3):  # Not Ready, say: but still open
        assert (await elsewhere.receive_output())["type"] != "websocket.close"
    await elsewhere.disconnect()


async def frames_or_close(communicator: WebsocketCommunicator) -> dict:
    """The socket's next close, skipping the frames before it (Not Ready, offers...)."""
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output


async def test_each_socket_learns_what_its_agent_may_do_when_the_participants_change(channel):
    """The owner leaves the conference: the guest now owns the conversation and is told
    so by the same frame that tells the owner it is gone, each with their own actions."""
    from conversations.models import BusinessAttribute
    from conversations.services.collaboration import conference_answer, conference_invite, conference_leave

    def setup():
        BusinessAttribute.objects.create(name="InternalConferenceInvite")
        owner, guest = AgentProfileFactory(load=1), AgentProfileFactory()
        routing.agent_set_ready(user=guest.user, ready=True)
        interaction = InteractionFactory(channel=channel, owner=owner.user)
        invitation = conference_invite(user=owner.user, interaction_id=interaction.pk, agent_id=guest.user.pk)
        conference_answer(user=guest.user, participant_id=invitation.pk, accept=True)
        return owner.user, guest.user, interaction

    owner, guest, interaction = await database_sync_to_async(setup)()
    guest_socket = await subscribed(guest, interaction.pk)
    await database_sync_to_async(conference_leave)(user=owner, interaction_id=interaction.pk)
    frames = await frames_until(guest_socket, "participants.changed")
    changed = frames[-1]
    assert changed["part"] == "owner"
    assert {"done", "transfer", "park", "reply"} <= set(changed["actions"])
    assert "leave_conference" not in changed["actions"]  # nobody else is left in it
    await guest_socket.disconnect()


async def test_an_assigned_interaction_arrives_with_its_owners_actions(channel):
    from workbins.services import interaction_park, interaction_unpark

    def setup():
        profile = AgentProfileFactory(load=1)
        interaction = InteractionFactory(channel=channel, owner=profile.user)
        interaction_park(user=profile.user, interaction_id=interaction.pk)
        return profile.user, interaction

    agent, interaction = await database_sync_to_async(setup)()
    communicator = await connect(agent)
    await database_sync_to_async(interaction_unpark)(user=agent, interaction_id=interaction.pk)
    assigned = (await frames_until(communicator, "interaction.assigned"))[-1]["interaction"]
    assert assigned["id"] == interaction.pk
    assert assigned["part"] == "owner"
    assert {"reply", "done", "transfer", "park"} <= set(assigned["actions"])
    await communicator.disconnect()


async def test_an_agents_reaction_reaches_every_console_watching_the_interaction(channel, monkeypatch):
    """U1: the agent reacts; their own console and a supervisor watching hear it, queued."""
    monkeypatch.setattr(reactions, "enqueue_on_commit", lambda *args, **kwargs: None)  # no send here

    def setup():
        owner = AgentProfileFactory()
        supervisor = UserFactory(is_staff=True, is_superuser=True)
        now = timezone.now()
        interaction = InteractionFactory(
            channel=channel,
            owner=owner.user,
            last_inbound_at=now,
            window_expires_at=now + timedelta(hours=20),
        )
        message = Message.objects.create(
            channel=channel,
            interaction=interaction,
            contact=interaction.contact,
            direction="in",
            wamid="wamid.customer-react",
            body="Thanks!",
            origination_at=now,
            arrived_at=now,
        )
        return owner.user, supervisor, interaction, message

    owner, supervisor, interaction, message = await database_sync_to_async(setup)()
    sockets = [await subscribed(owner, interaction.pk), await subscribed(supervisor, interaction.pk)]
    await database_sync_to_async(reactions.react_to_message)(
        user=owner, interaction_id=interaction.pk, message_id=message.pk, emoji="🙏"
    )
    for socket in sockets:
        frame = (await frames_until(socket, "message.reaction"))[-1]
        assert (frame["message_id"], frame["direction"], frame["emoji"], frame["status"]) == (
            message.pk,
            "out",
            "🙏",
            "queued",
        )
        await socket.disconnect()
