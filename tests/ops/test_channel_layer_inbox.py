"""Issue 14, target 5: the Redis channel layer receives a process's own channels through
one reader and a future per waiting receive (``waproject.channel_layer.LocalInbox``), not
channels_redis's two tasks and a queue per channel (6.5 KB an idle console socket). What
channels_redis promised still holds: nothing sent to a live channel is lost (nor a message
given to a receive cancelled before it woke up), each channel keeps its order, a group
reaches every member in the process, at most the layer's capacity waits per channel, a
message read in one event loop is there for the next one; what nobody receives is
forgotten after the layer's expiry. A Redis outage no longer raises in the receives: they
wait, and hear again once Redis is back."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import cast

import pytest

from tests.e2e.test_whole_product import run_async
from tests.ops.test_channel_layer_pool import the_configured_layer
from tests.servers import OwnRedis
from waproject.channel_layer import RedisChannelLayer

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the Redis channel layer runs with REDIS_URL (the scaled pass)"
)

#: Idle receives of one process in the test of its tasks (as idle console sockets).
IDLE = 200


def a_layer(url: str | None = None, **config: object) -> RedisChannelLayer:
    layer = the_configured_layer()
    if url is None and not config:
        return layer
    hosts = [{**layer.hosts[0], "address": url}] if url else layer.hosts
    return RedisChannelLayer(hosts=hosts, group_expiry=layer.group_expiry, **config)


def test_a_message_sent_before_the_first_receive_is_kept_and_order_is_kept():
    async def scenario() -> list[object]:
        layer = a_layer()
        try:
            channel = await layer.new_channel()
            for n in range(5):
                await layer.send(channel, {"type": "t.m", "n": n})
            return [(await asyncio.wait_for(layer.receive(channel), 10))["n"] for _ in range(5)]
        finally:
            await layer.close_pools()

    assert run_async(scenario()) == [0, 1, 2, 3, 4]


def test_a_group_reaches_every_member_of_the_process_while_they_wait():
    group = f"test.inbox.{uuid.uuid4().hex}"

    async def scenario() -> list[list[object]]:
        layer = a_layer()
        channels = [await layer.new_channel() for _ in range(20)]
        try:
            for channel in channels:
                await layer.group_add(group, channel)

            async def three(channel: str) -> list[object]:
                return [(await layer.receive(channel))["n"] for _ in range(3)]

            listening = [asyncio.create_task(three(channel)) for channel in channels]
            await asyncio.sleep(0.1)  # they all wait
            for n in range(3):
                await layer.group_send(group, {"type": "t.m", "n": n})
            return await asyncio.wait_for(asyncio.gather(*listening), 10)
        finally:
            for channel in channels:
                await layer.group_discard(group, channel)
            await layer.close_pools()

    assert run_async(scenario()) == [[0, 1, 2]] * 20


def test_waiting_receives_cost_no_tasks_of_their_own():
    async def scenario() -> tuple[int, int]:
        layer = a_layer()
        try:
            before = len(asyncio.all_tasks())
            channels = [await layer.new_channel() for _ in range(IDLE)]
            waiting = [asyncio.create_task(layer.receive(channel)) for channel in channels]
            await asyncio.sleep(0.2)
            during = len(asyncio.all_tasks()) - before
            await layer.send(channels[7], {"type": "t.m"})
            await asyncio.wait_for(waiting[7], 10)
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
            return during, len(layer.inbox.waiters) + len(layer.inbox.arrived)
        finally:
            await layer.close_pools()

    during, still_known = run_async(scenario())
    # the waiting receives themselves and one reader, which reads in a task of its own
    # (channels_redis: three tasks a receive)
    assert during <= IDLE + 2
    assert still_known == 0, "nothing is left of receives that were answered or cancelled"


def test_a_slow_channel_keeps_at_most_its_capacity_and_what_nobody_receives_expires():
    async def scenario() -> tuple[list[object], bool]:
        layer = a_layer(capacity=3, expiry=2)
        try:
            gone, slow, awake = [await layer.new_channel() for _ in range(3)]
            # While a receive waits on another channel the reader reads for every channel:
            # five messages for one nobody waits on just now, three for one whose owner left.
            waiting = asyncio.create_task(layer.receive(awake))
            for channel, count in ((slow, 5), (gone, 3)):
                for n in range(count):
                    await layer.send(channel, {"type": "t.m", "n": n})
                    await asyncio.sleep(0.05)  # read at once (Redis holds 3 a process too)
            await layer.send(awake, {"type": "t.m", "n": -1})
            await asyncio.wait_for(waiting, 10)
            slow_messages = [(await asyncio.wait_for(layer.receive(slow), 10))["n"] for _ in range(3)]
            # past the expiry, the reader's next message sweeps what nobody received
            await asyncio.sleep(2.5)
            waiting = asyncio.create_task(layer.receive(awake))
            await layer.send(awake, {"type": "t.m", "n": -2})
            await asyncio.wait_for(waiting, 10)
            return slow_messages, gone in layer.inbox.arrived
        finally:
            await layer.close_pools()

    slow, gone_kept = run_async(scenario())
    assert slow == [2, 3, 4], "a slow channel keeps its capacity's newest messages, as channels_redis does"
    assert not gone_kept, "what nobody received within the expiry is forgotten"


def test_a_message_given_to_a_receive_cancelled_before_it_woke_up_is_kept():
    async def scenario() -> object:
        layer = a_layer()
        try:
            channel = await layer.new_channel()
            cancelled = asyncio.create_task(layer.receive(channel))
            await asyncio.sleep(0.1)
            # the reader hands it over, and the receive is cancelled in the same step
            layer.inbox._deliver(channel, {"type": "t.m", "n": 1})
            cancelled.cancel()
            await asyncio.gather(cancelled, return_exceptions=True)
            return (await asyncio.wait_for(layer.receive(channel), 10))["n"]
        finally:
            await layer.close_pools()

    assert run_async(scenario()) == 1


def test_a_message_read_in_one_event_loop_is_there_for_the_next():
    """What ``async_to_sync`` callers (tests, management commands) do: each call its loop."""
    layer = a_layer()

    async def open_two() -> tuple[str, str]:
        return await layer.new_channel(), await layer.new_channel()

    async def send_both(first: str, second: str) -> None:
        await layer.send(first, {"type": "t.m", "n": 1})
        await layer.send(second, {"type": "t.m", "n": 2})

    async def receive(channel: str) -> object:
        return (await asyncio.wait_for(layer.receive(channel), 10))["n"]

    first, second = run_async(open_two())
    run_async(send_both(first, second))
    # the first loop's reader may read both; the second message waits for the next loop
    assert run_async(receive(first)) == 1
    assert run_async(receive(second)) == 2


def test_a_receive_that_comes_as_the_reader_ends_gets_a_reader_of_its_own(monkeypatch):
    """The reader ends once nobody waits; a receive in the same moment (before the reader's
    task has ended) must not count on it, or it would wait with nobody reading."""

    async def scenario() -> object:
        layer = a_layer()
        try:
            a, b = await layer.new_channel(), await layer.new_channel()
            first = asyncio.create_task(layer.receive(a))
            await asyncio.sleep(0.1)
            late: list[asyncio.Task[dict[str, object]]] = []
            deliver = layer.inbox._deliver

            def deliver_then_receive(
                channel: str, message: dict[str, object], *, first: bool = False
            ) -> None:
                deliver(channel, message, first=first)
                if not late and not layer.inbox.waiters:  # read for nobody: the reader ends next
                    late.append(asyncio.create_task(layer.receive(b)))

            monkeypatch.setattr(layer.inbox, "_deliver", deliver_then_receive)
            await layer.send(a, {"type": "t.m", "n": 1})
            await asyncio.wait_for(first, 10)
            await layer.send(a, {"type": "t.m", "n": 2})
            await asyncio.wait_for(_until(lambda: late), 10)
            await layer.send(b, {"type": "t.m", "n": 3})
            return (await asyncio.wait_for(late[0], 10))["n"]
        finally:
            await layer.close_pools()

    assert run_async(scenario()) == 3


async def _until(condition: Callable[[], object]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


class SwallowsACancellation(RedisChannelLayer):
    """Python 3.11's ``asyncio.wait_for``, under every redis-py command, swallows a
    cancellation that comes as the awaited write completes (python/cpython#86296): here the
    reader's first cancellation is swallowed every time, as it was by chance in a test's
    teardown, which then waited for ever."""

    swallowed = 0

    async def receive_single(self, channel: str) -> tuple[object, object]:
        while True:
            try:
                return cast(tuple[object, object], await super().receive_single(channel))
            except asyncio.CancelledError:
                if self.swallowed:
                    raise
                type(self).swallowed += 1


def test_a_reader_whose_cancellation_was_swallowed_still_ends_with_its_event_loop():
    SwallowsACancellation.swallowed = 0
    configured = the_configured_layer()
    layer = SwallowsACancellation(hosts=configured.hosts, group_expiry=configured.group_expiry)

    async def a_socket_that_closes_at_once() -> None:
        channel = await layer.new_channel()
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0.2)  # the reader waits in Redis
        receiving.cancel()  # the socket closed; its event loop ends: asyncio.run cancels once

    ended = threading.Event()

    def run() -> None:
        asyncio.run(a_socket_that_closes_at_once())
        ended.set()

    threading.Thread(target=run, daemon=True).start()
    assert ended.wait(15), "the event loop's teardown waited for the reader"
    assert SwallowsACancellation.swallowed == 1, "the first cancellation was swallowed, as in the library"


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    with OwnRedis.running() as server:
        yield server


def test_a_redis_outage_does_not_raise_in_the_receives_which_hear_again_after_it(own_redis):
    async def scenario() -> tuple[bool, dict[str, object]]:
        layer = a_layer(own_redis.url)
        try:
            channel = await layer.new_channel()
            waiting = asyncio.create_task(layer.receive(channel))
            await asyncio.sleep(0.2)
            await asyncio.to_thread(own_redis.stop)
            await asyncio.sleep(1.5)  # the reader fails and retries
            still_waiting = not waiting.done()
            await asyncio.to_thread(own_redis.start)
            sent = False
            while not sent:
                try:
                    await layer.send(channel, {"type": "t.back"})
                    sent = True
                except Exception:
                    await asyncio.sleep(0.2)
            return still_waiting, await asyncio.wait_for(waiting, 15)
        finally:
            await layer.close_pools()

    still_waiting, heard = run_async(scenario())
    assert still_waiting, "the receive did not raise while Redis was away"
    assert heard == {"type": "t.back"}
