"""Keep console sockets live through channel-layer trouble (a Redis restart, a lapse).

redis-py retries a command on a fresh connection (``CHANNEL_LAYERS`` in settings); what a
retry cannot bring back is state. A restarted Redis has forgotten every group membership,
so open sockets stayed open but deaf; and a membership older than the layer's
``group_expiry`` lapses. One :class:`Watch` per server event loop keeps them honest:

- every :data:`PROBE_EVERY` it sends a probe to a group only its own channel belongs to.
  A probe that does not come back (an error, or silence for :data:`PROBE_TIMEOUT`) means
  memberships may be gone. When probes come back again, every socket of the process is
  closed with :data:`SERVICE_RESTART`: the console reconnects, joins its groups again and
  resynchronises what it missed over REST (delivery is at-most-once anyway).
- every third of ``group_expiry`` each socket joins its groups again.

The watch's channel also carries what every socket of the process may want and nobody
needs per socket (:data:`PROCESS_GROUPS`, the agents' waiting counts): the channel layer
delivers one message per process, which the watch hands to each watched socket's
``process_<type>`` method (a plain call: no channel-layer message, no task per socket).

A socket's own joins are retried a few times (:func:`join`); when the layer stays
unreachable the socket is closed with :data:`TRY_AGAIN_LATER`, never answered with a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from typing import Any, Protocol

from conversations.events import QUEUE_COUNTS_GROUP

logger = logging.getLogger(__name__)

#: Close code: the live-event service lost this socket's subscriptions; reconnect now.
SERVICE_RESTART = 1012
#: Close code: the live-event service cannot be reached right now; reconnect later.
TRY_AGAIN_LATER = 1013

PROBE_EVERY = 1.0
PROBE_TIMEOUT = 5.0
PROBE_GRACE = 1.0
#: A join is tried this many times, waiting 0.25 s, 0.5 s … in between.
JOIN_ATTEMPTS = 3
JOIN_BACKOFF = 0.25
#: Groups joined once per process by the watch's channel.
PROCESS_GROUPS = (QUEUE_COUNTS_GROUP,)


class WatchedSocket(Protocol):
    channel_layer: Any

    async def rejoin(self) -> None: ...

    async def close(self, code: int | None = None, reason: str | None = None) -> None: ...


async def join(layer: Any, group: str, channel: str) -> bool:
    """``group_add`` with a few retries; False (logged) when the layer stays unreachable."""
    for attempt in range(JOIN_ATTEMPTS):
        try:
            await layer.group_add(group, channel)
            return True
        except Exception as error:
            if attempt + 1 == JOIN_ATTEMPTS:
                logger.warning("could not join %s after %s attempts: %r", group, JOIN_ATTEMPTS, error)
                return False
            await asyncio.sleep(JOIN_BACKOFF * 2**attempt)
    return False


async def leave(layer: Any, group: str, channel: str) -> None:
    """``group_discard``; a failure is logged only (an unreachable layer forgets it anyway)."""
    try:
        await layer.group_discard(group, channel)
    except Exception as error:
        logger.info("could not leave %s: %r", group, error)


class Watch:
    """Probes the channel layer for the sockets of one event loop (see the module docstring)."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.sockets: weakref.WeakSet[WatchedSocket] = weakref.WeakSet()
        self.group = f"live.probe.{uuid.uuid4().hex}"
        self.channel: str | None = None
        self.lost = False
        self.task: asyncio.Task | None = None
        self._listener: asyncio.Task | None = None
        self._sent = 0
        self._heard = asyncio.Event()
        #: Set while the watch's channel is in its groups (PROCESS_GROUPS included).
        self.subscribed = asyncio.Event()
        self._rejoined_at = time.monotonic()

    def add(self, socket: WatchedSocket) -> None:
        self.sockets.add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name="live-watch")

    async def discard(self, socket: WatchedSocket) -> None:
        self.sockets.discard(socket)
        if self.sockets or self.task is None or self.task is asyncio.current_task():
            return  # (the watch closing its own sockets idles once they are gone)
        task, self.task = self.task, None
        task.cancel()  # nothing to watch: no probes from an idle process
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        try:
            while True:
                if not self.sockets:
                    await self._stop_listening()
                    await asyncio.sleep(PROBE_EVERY)
                    continue
                healthy = await self._probe()
                if healthy and self.lost:
                    await self._close_all()
                self.lost = not healthy
                if healthy:
                    await self._refresh_memberships()
                await asyncio.sleep(PROBE_EVERY)
        finally:
            await self._stop_listening()

    async def _probe(self) -> bool:
        """Send a probe to our own group; True when it comes back in time. After a lost
        probe the next one starts over on a new channel: the old one may be gone for good
        (its receive waits on a queue the layer forgot)."""
        try:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                for group in (self.group, *PROCESS_GROUPS):
                    await self.layer.group_add(group, self.channel)
                self.subscribed.set()
                self._listener = asyncio.get_running_loop().create_task(
                    self._listen(self.channel), name="live-watch-listen"
                )
            self._sent += 1
            self._heard.clear()
            await self.layer.group_send(self.group, {"type": "live.probe", "n": self._sent})
            try:
                await asyncio.wait_for(self._heard.wait(), PROBE_TIMEOUT)
            except TimeoutError:
                # Measured after the wait: a loop that was stalled (not a lost probe) gets
                # to read the answer already on its way before anyone is told to reconnect.
                await asyncio.wait_for(self._heard.wait(), PROBE_GRACE)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as error:  # TimeoutError: the probe was lost with the membership
            if not self.lost:
                logger.warning("channel layer probe failed (%r): live events may be lost", error)
            await self._stop_listening()
            return False

    async def _listen(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(0.2)  # the layer is down: the probe notices
                continue
            kind = message.get("type")
            if kind == "live.probe":
                if message.get("n") == self._sent:
                    self._heard.set()
            elif isinstance(kind, str):
                self._hand_out(kind, message)

    def _hand_out(self, kind: str, message: dict[str, object]) -> None:
        """A process group's message, to each socket that handles it (synchronously: a
        socket that wants to send schedules its own send)."""
        method = "process_" + kind.replace(".", "_")
        for socket in list(self.sockets):
            handler = getattr(socket, method, None)
            if handler is None:
                continue
            try:
                handler(message)
            except Exception:
                logger.exception("a socket failed to handle %s", kind)

    async def _stop_listening(self) -> None:
        listener, channel = self._listener, self.channel
        self._listener = self.channel = None
        self.subscribed.clear()
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
        if channel is not None:
            for group in (self.group, *PROCESS_GROUPS):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.layer.group_discard(group, channel), PROBE_TIMEOUT)

    async def _close_all(self) -> None:
        """The layer answers again after a loss: every socket starts over."""
        sockets = list(self.sockets)
        logger.warning("channel layer back after a loss: %s console sockets reconnect", len(sockets))
        for socket in sockets:
            with contextlib.suppress(Exception):
                await socket.close(code=SERVICE_RESTART)

    async def _refresh_memberships(self) -> None:
        expiry = getattr(self.layer, "group_expiry", None)
        if not expiry or time.monotonic() - self._rejoined_at < expiry / 3:
            return
        self._rejoined_at = time.monotonic()
        if self.channel is not None:
            for group in (self.group, *PROCESS_GROUPS):
                with contextlib.suppress(Exception):
                    await self.layer.group_add(group, self.channel)
        for socket in list(self.sockets):
            await socket.rejoin()


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watch] = weakref.WeakKeyDictionary()


def watch(socket: WatchedSocket) -> None:
    """Watch the layer for ``socket`` (call once it is accepted)."""
    loop = asyncio.get_running_loop()
    current = _watches.get(loop)
    if current is None or current.layer is not socket.channel_layer:
        current = _watches[loop] = Watch(socket.channel_layer)
    current.add(socket)


async def process_groups_joined(socket: WatchedSocket) -> bool:
    """Wait until the watch of ``socket``'s process listens to :data:`PROCESS_GROUPS`
    (False when it cannot within :data:`PROBE_TIMEOUT`: the layer is away). A socket that
    reads a count after this misses no change of it."""
    current = _watches.get(asyncio.get_running_loop())
    if current is None or socket not in current.sockets:
        return False
    try:
        await asyncio.wait_for(current.subscribed.wait(), PROBE_TIMEOUT)
    except TimeoutError:
        return False
    return True


async def unwatch(socket: WatchedSocket) -> None:
    current = _watches.get(asyncio.get_running_loop())
    if current is not None:
        await current.discard(socket)
