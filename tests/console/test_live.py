"""Console sockets through channel-layer trouble (console/live.py).

The Redis restart itself is exercised end to end in tests/e2e/test_redis_restart.py;
here the layer loses its memberships by ``flush()`` (what a restarted Redis does), the
layer is unreachable (a port nobody listens on), or memberships lapse by age.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from redis.exceptions import ConnectionError as RedisConnectionError

from console import live
from console.consumers import AgentConsumer
from conversations import events
from tests.factories import AgentProfileFactory
from waproject import broadcasts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_probes(monkeypatch):
    monkeypatch.setattr(live, "PROBE_EVERY", 0.05)
    monkeypatch.setattr(live, "PROBE_TIMEOUT", 0.3)
    monkeypatch.setattr(live, "PROBE_GRACE", 0.1)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def open_socket(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def probing() -> None:
    """Wait until this process's watch has its probe channel: a loss can only be noticed
    against a membership that existed (the hello may come before the first probe)."""
    watch = live._watches[asyncio.get_running_loop()]
    for _ in range(100):
        if watch.channel is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the watch never probed")


async def agent_state_pushed(user_id: int) -> None:
    await broadcasts.flush([(events.agent_group(user_id), {"type": "agent.state", "probe": True})])


async def test_a_socket_whose_memberships_were_lost_is_told_to_reconnect(quick_probes):
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await open_socket(profile.user)
    await probing()  # the process watches the layer (its probe's membership exists)
    await get_channel_layer().flush()  # what a restarted Redis does: no groups, no queues

    output = await communicator.receive_output(timeout=5)

    assert output == {"type": "websocket.close", "code": live.SERVICE_RESTART}
    await communicator.disconnect()


async def test_a_healthy_layer_leaves_sockets_alone(quick_probes):
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await open_socket(profile.user)
    await asyncio.sleep(0.5)  # several probes
    await agent_state_pushed(profile.user.pk)
    assert (await communicator.receive_json_from(timeout=2))["type"] == "agent.state"
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_socket_that_cannot_join_is_closed_with_try_again_later_not_an_error(settings, monkeypatch):
    monkeypatch.setattr(live, "JOIN_BACKOFF", 0.01)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/console/")
    communicator.scope["user"] = profile.user

    connected, _ = await communicator.connect(timeout=10)

    assert connected  # accepted, so that the browser sees a close code
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": live.TRY_AGAIN_LATER,
    }
    with contextlib.suppress(RedisConnectionError):
        await communicator.disconnect()  # the channel's own receive failed too, after the close


async def test_memberships_are_renewed_before_the_layer_forgets_them(settings, quick_probes):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"group_expiry": 1}}
    }
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await open_socket(profile.user)
    await asyncio.sleep(2.5)  # older than the layer's group expiry

    await agent_state_pushed(profile.user.pk)

    assert (await communicator.receive_json_from(timeout=2))["type"] == "agent.state"
    await communicator.disconnect()


async def test_the_last_socket_gone_stops_the_probes(quick_probes):
    profile = await database_sync_to_async(AgentProfileFactory)()
    communicator = await open_socket(profile.user)
    watch = live._watches[asyncio.get_running_loop()]
    assert watch.task is not None and not watch.task.done()
    await communicator.disconnect()
    assert watch.task is None
