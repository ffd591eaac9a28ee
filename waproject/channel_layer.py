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
one reader a process (:class:`LocalInbox`) takes the process's messages from Redis with
channels_redis's own ``receive_single`` and hands each to the future its channel's receive
waits on, or keeps it until that receive comes back (at most the layer's capacity a
channel, the oldest dropped first, as channels_redis does; what nobody receives is
forgotten after about its ``expiry``, as Redis forgets it: swept while the reader reads,
at most one and a half expiries late). A Redis error does not reach the receives: the reader
retries, and ``console.live``'s probe decides whether memberships were lost
(channels_redis raised it in one receive, which closed that socket with 1011 and left the
others to wait).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import logging
import time
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
        self.inbox = LocalInbox(self)

    def create_pool(self, index: int) -> ConnectionPool:
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if address is None:  # a sentinel or a keyword host: channels_redis's own pool
            return cast(ConnectionPool, super().create_pool(index))
        host.setdefault("max_connections", POOL_SIZE)
        host.setdefault("timeout", POOL_WAIT)
        return BlockingConnectionPool.from_url(address, **host)

    async def receive(self, channel: str) -> Message:
        """The next message of ``channel``; a process-local one through the layer's
        :class:`LocalInbox`, others as channels_redis receives them."""
        if "!" not in channel:
            return cast(Message, await super().receive(channel))
        assert self.require_valid_channel_name(channel)
        real_channel = self.non_local_name(channel)
        assert real_channel.endswith(self.client_prefix + "!"), "Wrong client prefix"
        return await self.inbox.receive(channel, real_channel)

    async def close_pools(self) -> None:
        await self.inbox.stop()
        await super().close_pools()


class LocalInbox:
    """The process-local channels of a layer (see the module docstring): a reader per
    Redis key of the process while a receive waits, a future per waiting receive, the
    messages nobody waits for yet. Like channels_redis, it serves one event loop at a time
    (a test or ``async_to_sync`` may come with a new loop once the last one stopped
    waiting), and keeps a message nobody received for about the layer's ``expiry`` (Redis
    drops unread ones after it too). Closing the pools (``stop``) stops the readers; a
    receive still waiting then is read for again by the next receive's reader."""

    def __init__(self, layer: RedisChannelLayer) -> None:
        self.layer = layer
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiters: dict[str, list[asyncio.Future[Message]]] = {}
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.arrived: dict[str, collections.deque[Message]] = {}
        #: When each channel with messages kept last received one or was given one.
        self.touched: dict[str, float] = {}
        self.swept_at = time.monotonic()

    async def receive(self, channel: str, real_channel: str) -> Message:
        self._bind()
        arrived = self.arrived.get(channel)
        if arrived:
            message = arrived.popleft()
            if arrived:
                self.touched[channel] = time.monotonic()
            else:
                del self.arrived[channel], self.touched[channel]
            return message
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Message] = loop.create_future()
        waiting = self.waiters.setdefault(channel, [])
        waiting.append(waiter)
        reader = self.readers.get(real_channel)
        if reader is None or reader.done():
            # A context of its own: the first socket's context must not live as long.
            self.readers[real_channel] = loop.create_task(
                self._read(real_channel), name="layer-inbox", context=contextvars.Context()
            )
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._deliver(channel, waiter.result(), first=True)  # given, then cancelled: kept
            raise
        finally:
            waiting.remove(waiter)
            if not waiting and self.waiters.get(channel) is waiting:
                del self.waiters[channel]

    def _bind(self) -> None:
        """Serve the running loop; another one only once nobody waits in the last one."""
        loop = asyncio.get_running_loop()
        if loop is self.loop:
            return
        if self.loop is not None and not self.loop.is_closed() and self.waiters:
            raise RuntimeError("Two event loops are trying to receive() on one channel layer at once!")
        for reader in self.readers.values():
            if self.loop is not None and not self.loop.is_closed() and not reader.done():
                self.loop.call_soon_threadsafe(reader.cancel)  # unread ones stay in Redis
        self.loop, self.readers, self.waiters = loop, {}, {}

    async def _read(self, real_channel: str) -> None:
        """Read while anyone waits, in a task of its own that a cancellation surely ends.

        redis-py sends each command through ``asyncio.wait_for`` (a socket timeout is set),
        and Python 3.11's ``wait_for`` swallows a cancellation that comes as the awaited write
        completes (python/cpython#86296, fixed in 3.12). A reader cancelled that way went on
        with its next blocking read for ever, and the loop's teardown (``asyncio.run``,
        pytest-asyncio: one cancellation each) waited for it: the reading runs in an inner
        task this one waits on through ``asyncio.shield``, so the cancellation always lands
        here, and the inner task is cancelled again until it has ended."""
        reader = asyncio.current_task()
        assert reader is not None
        reading = asyncio.ensure_future(self._read_while_waited(real_channel, reader))
        try:
            await asyncio.shield(reading)
        except asyncio.CancelledError:
            if self.readers.get(real_channel) is reader:  # a receive from now on starts another
                del self.readers[real_channel]
            while not reading.done():
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):  # cancelled again: still ending
                    await asyncio.wait([reading], timeout=READ_RETRY)
            raise
        finally:
            if self.readers.get(real_channel) is reader:
                del self.readers[real_channel]
            if reading.done() and not reading.cancelled():
                reading.exception()  # retrieved: _read_while_waited logs its own failures

    async def _read_while_waited(self, real_channel: str, reader: asyncio.Task[None]) -> None:
        """Read while anyone waits (a message read for nobody waiting is kept). The reader
        leaves ``readers`` here, in the same step as its last look at the waiters (and the
        outer task as soon as it is cancelled): a receive that comes while the outer task is
        still ending starts a new reader (one that saw the outer task not done yet would
        have waited with no reader; channels_redis's per-channel lock in ``receive_single``
        keeps two from reading at once)."""
        failing = False
        try:
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
                if failing:
                    logger.warning("channel layer read again")
                failing = False
                for channel in to if isinstance(to, list) else [to]:
                    self._deliver(channel, message)
                self._sweep()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug: the waiting receives fail rather than hang
            logger.exception("the channel layer's reader failed")
            for waiting in list(self.waiters.values()):
                for waiter in waiting:
                    if not waiter.done():
                        waiter.set_exception(error)
        finally:
            if self.readers.get(real_channel) is reader:
                del self.readers[real_channel]

    def _deliver(self, channel: str, message: Message, *, first: bool = False) -> None:
        for waiter in self.waiters.get(channel, ()):
            if not waiter.done():
                waiter.set_result(message)
                return
        arrived = self.arrived.setdefault(channel, collections.deque(maxlen=self.layer.capacity))
        if first:
            arrived.appendleft(message)
        else:
            arrived.append(message)
        self.touched[channel] = time.monotonic()

    def _sweep(self) -> None:
        """Forget what nobody received within the layer's expiry (a socket that is gone)."""
        now = time.monotonic()
        if now - self.swept_at < self.layer.expiry / 2:
            return
        self.swept_at = now
        for channel, at in list(self.touched.items()):
            if now - at > self.layer.expiry:
                del self.arrived[channel], self.touched[channel]

    async def stop(self) -> None:
        """Stop this loop's readers (closing the layer's pools)."""
        if self.loop is not asyncio.get_running_loop():
            return
        readers = list(self.readers.values())
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
