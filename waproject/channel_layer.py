"""The Redis channel layer with a pool that waits for a connection instead of failing.

channels_redis builds a redis-py ``ConnectionPool`` per host, which since redis-py 8
holds at most 100 connections and raises ``MaxConnectionsError`` for the 101st command in
flight. Thousands of console sockets closing at once (a network blip, a deploy, a load
balancer's restart) each leave their groups: their ``group_discard`` calls took every
connection, and everything else of the process failed with them, the live watch's probe
included, which then told every remaining socket to reconnect (issue 14, target 5,
``docs/benchmarks.md``). A ``BlockingConnectionPool`` of the same size queues the extra
commands for a free connection (at most :data:`POOL_WAIT` seconds), so a burst becomes
a short wait, never an error, and Redis still sees a bounded number of clients.

Its receive on a process's own channels (every console socket has one) is lighter too.
channels_redis has each waiting receive run two tasks of its own (one for the process's
read lock, one for a per-channel queue) and keeps an ``asyncio.Queue`` per channel: about
6.5 KB of an idle socket's memory (``bench/socket_floor.py``; issue 14, target 5). Here
one reader a process (:class:`LocalInbox`, per event loop) takes the process's messages
from Redis with channels_redis's own ``receive_single`` and hands each to the future its
channel's receive waits on, or keeps it (at most the layer's capacity a channel, the oldest
dropped first, as channels_redis does) until that receive comes back. A Redis error does
not reach the receives: the reader retries, and ``console.live``'s probe decides whether
memberships were lost (channels_redis raised it in one receive, which closed that socket
with 1011 and left the others to wait).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import weakref
from typing import cast

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from redis.asyncio import BlockingConnectionPool, ConnectionPool

#: Connections a process holds to Redis, per host (redis-py's own default).
POOL_SIZE = 100
#: Seconds a command waits for a free connection before it fails.
POOL_WAIT = 20.0
#: Seconds the local reader waits before it reads again after a Redis error.
READ_RETRY = 0.2

logger = logging.getLogger(__name__)

Message = dict[str, object]


class RedisChannelLayer(_RedisChannelLayer):
    """channels_redis's layer; its pools block when full (see the module docstring)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalInbox] = (
            weakref.WeakKeyDictionary()
        )

    def create_pool(self, index: int) -> ConnectionPool:
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if address is None:  # a sentinel or a keyword host: channels_redis's own pool
            return cast(ConnectionPool, super().create_pool(index))
        host.setdefault("max_connections", POOL_SIZE)
        host.setdefault("timeout", POOL_WAIT)
        return BlockingConnectionPool.from_url(address, **host)

    async def new_channel(self, prefix: str = "specific") -> str:
        """A process-local channel, known to this loop's inbox from now on (a message that
        arrives before its first receive is kept for it)."""
        channel = cast(str, await super().new_channel(prefix))
        self._inbox().channels.add(channel)
        return channel

    async def receive(self, channel: str) -> Message:
        """The next message of ``channel``; a process-local one through this loop's
        :class:`LocalInbox`, others as channels_redis receives them."""
        if "!" not in channel:
            return cast(Message, await super().receive(channel))
        assert self.require_valid_channel_name(channel)
        return await self._inbox().receive(channel, self.non_local_name(channel))

    def _inbox(self) -> LocalInbox:
        """This event loop's (a layer outlives the loops of tests and ``async_to_sync``)."""
        loop = asyncio.get_running_loop()
        inbox = self.inboxes.get(loop)
        if inbox is None:
            inbox = self.inboxes[loop] = LocalInbox(self)
        return inbox


class LocalInbox:
    """The process-local channels of one event loop: one reader for all of them, a future
    per waiting receive, the messages nobody waits for yet (see the module docstring)."""

    def __init__(self, layer: RedisChannelLayer) -> None:
        self.layer = layer
        self.channels: set[str] = set()
        self.waiters: dict[str, list[asyncio.Future[Message]]] = {}
        self.arrived: dict[str, collections.deque[Message]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def receive(self, channel: str, real_channel: str) -> Message:
        arrived = self.arrived.get(channel)
        if arrived:
            message = arrived.popleft()
            if not arrived:
                del self.arrived[channel]
            return message
        self.channels.add(channel)
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        waiting = self.waiters.setdefault(channel, [])
        waiting.append(waiter)
        if self.reader is None or self.reader.done():
            self.reader = asyncio.get_running_loop().create_task(self._read(real_channel), name="layer-inbox")
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiting == [waiter]:  # its last receive gave up: the channel's owner is gone
                self.channels.discard(channel)
                self.arrived.pop(channel, None)
            raise
        finally:
            waiting.remove(waiter)
            if not waiting and self.waiters.get(channel) is waiting:
                del self.waiters[channel]

    async def _read(self, real_channel: str) -> None:
        """Read while anyone waits (a message for a channel nobody waits on is kept)."""
        failing = False
        while self.waiters:
            try:
                to, message = await self.layer.receive_single(real_channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not failing:
                    logger.warning("channel layer read failed (%r): retrying", error)
                failing = True
                await asyncio.sleep(READ_RETRY)
                continue
            failing = False
            for channel in to if isinstance(to, list) else [to]:
                self._deliver(channel, message)

    def _deliver(self, channel: str, message: Message) -> None:
        for waiter in self.waiters.get(channel, ()):
            if not waiter.done():
                waiter.set_result(message)
                return
        if channel in self.channels:
            self.arrived.setdefault(channel, collections.deque(maxlen=self.layer.capacity)).append(message)
