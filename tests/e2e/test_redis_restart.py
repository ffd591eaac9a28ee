"""Scaled mode through a Redis restart: console sockets connect and live events flow again.

The channel layer keeps pooled connections to Redis; after a restart each stale one failed
its first command, so new sockets got HTTP 500 from ``group_add``. And a restarted Redis
(without persistence) has forgotten every group membership: open sockets stayed open but
deaf. This test runs the product on a Redis of its own (never the shared one), restarts
it under open sockets, and checks both.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator

import pytest
import websockets
import websockets.exceptions

from tests.e2e.test_whole_product import pending_offer, run_async, wait_for
from tests.servers import OwnRedis
from tests.stack import Stack, running_stack

pytestmark = pytest.mark.e2e

OLD_SOCKETS = 40
NEW_SOCKETS = 150
#: How soon after Redis is back a customer's message must reach a console again.
LIVE_AGAIN_WITHIN = 6.0
#: The close codes after which the console reconnects and resynchronises (not 4401).
RECONNECT_CODES = {1011, 1012, 1013}


@pytest.fixture(scope="module")
def redis() -> Iterator[OwnRedis]:
    with OwnRedis.running() as server:
        yield server


@pytest.fixture(scope="module")
def stack(redis) -> Iterator[Stack]:
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("scaled mode needs PostgreSQL: set DATABASE_URL")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REDIS_URL", redis.url)
        with running_stack() as running:
            assert running.scaled
            yield running


def socket_url(stack: Stack) -> str:
    return stack.url.replace("http", "ws") + "/ws/console/"


async def open_console(stack: Stack, cookie: str, interaction_id: int | None = None):
    socket = await websockets.connect(
        socket_url(stack), additional_headers={"Cookie": cookie, "Origin": stack.url}, open_timeout=20
    )
    assert json.loads(await asyncio.wait_for(socket.recv(), 20))["type"] == "hello"
    if interaction_id is not None:
        await socket.send(json.dumps({"command": "subscribe", "interaction_ids": [interaction_id]}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 20))["type"] == "subscribed"
    return socket


async def try_connect(stack: Stack, cookie: str) -> str:
    """How a new console socket fares: 'hello', 'http <status>' or 'closed <code>'."""
    try:
        socket = await open_console(stack, cookie)
    except websockets.exceptions.InvalidStatus as refused:
        return f"http {refused.response.status_code}"
    except websockets.exceptions.ConnectionClosed as closed:
        return f"closed {closed.rcvd.code if closed.rcvd else 1006}"
    await socket.close()
    return "hello"


async def message_or_close(socket, body: str, seconds: float) -> str:
    """'event' when ``body`` arrives as a live message, 'closed <code>' when the server
    closes the socket, 'deaf' when nothing comes."""
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            frame = json.loads(await asyncio.wait_for(socket.recv(), left))
            if frame.get("type") == "message.created" and frame["message"]["body"] == body:
                return "event"
    except TimeoutError:
        return "deaf"
    except websockets.exceptions.ConnectionClosed as closed:
        return f"closed {closed.rcvd.code if closed.rcvd else 1006}"
    return "deaf"


def test_sockets_connect_and_events_flow_again_after_a_redis_restart(stack, redis):
    alice = stack.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    stack.customer_says("Before the restart", wa_id="4915300000001")
    offer = wait_for(lambda: pending_offer(alice), what="the offer")
    interaction_id = alice.post(f"/api/v1/offers/{offer['id']}/accept/").json()["id"]
    cookie = f"sessionid={alice.cookies['sessionid']}"

    async def scenario() -> dict:
        loop = asyncio.get_running_loop()
        # consoles are open (connected at once: the server's pool holds several connections)
        old = await asyncio.gather(*(open_console(stack, cookie, interaction_id) for _ in range(OLD_SOCKETS)))
        await loop.run_in_executor(None, redis.restart)
        # new consoles connect right after the restart
        fresh = await asyncio.gather(*(try_connect(stack, cookie) for _ in range(NEW_SOCKETS)))
        # the customer writes: every old console gets it live, or is told to reconnect
        await loop.run_in_executor(
            None, lambda: stack.customer_says("After the restart", wa_id="4915300000001")
        )
        old_fate = await asyncio.gather(*(message_or_close(s, "After the restart", 8) for s in old))
        # a console that reconnects (as the browser does) gets the next message live
        console = await open_console(stack, cookie, interaction_id)
        await loop.run_in_executor(None, lambda: stack.customer_says("Live again", wa_id="4915300000001"))
        live_again = await message_or_close(console, "Live again", LIVE_AGAIN_WITHIN)
        for socket in [*old, console]:
            await socket.close()
        return {"fresh": fresh, "old": old_fate, "live_again": live_again}

    result = run_async(scenario())

    fresh = {outcome: result["fresh"].count(outcome) for outcome in set(result["fresh"])}
    assert fresh == {"hello": NEW_SOCKETS}, f"new sockets after the restart: {fresh}\n{stack.log()[-3000:]}"
    deaf = [fate for fate in result["old"] if fate == "deaf"]
    assert not deaf, f"{len(deaf)} open consoles neither got the message nor were told to reconnect"
    assert all(fate == "event" or int(fate.split()[1]) in RECONNECT_CODES for fate in result["old"])
    assert result["live_again"] == "event"


@pytest.mark.skipif(
    "pubsub" in os.environ.get("CHANNEL_LAYER_BACKEND", ""),
    reason="the pub/sub layer's new_channel() subscribes in Redis before the consumer runs",
)
def test_a_socket_connect_while_redis_is_down_is_told_to_retry_not_500(stack, redis):
    alice = stack.client("alice")
    cookie = f"sessionid={alice.cookies['sessionid']}"
    redis.stop()
    try:
        outcome = run_async(try_connect(stack, cookie))
    finally:
        redis.start()
    assert outcome == "closed 1013"  # "try again later": the console reconnects with backoff
    assert run_async(try_connect(stack, cookie)) == "hello"
