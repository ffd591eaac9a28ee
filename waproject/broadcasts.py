"""The only path to the channel layer: broadcasts sent once the transaction commits.

Every live update leaves after the transaction that caused it commits (DESIGN invariant
3), so no browser sees data that was rolled back. The domain's emitters
(``conversations.events``) and the sandbox's (``sandbox.events``) both go through here;
this module knows nothing of either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.db import connections, transaction

from ops import metrics

logger = logging.getLogger(__name__)

_outbox = threading.local()


@contextlib.contextmanager
def collect_broadcasts() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Collect this thread's after-commit broadcasts instead of sending them.

    The webhook processes in a worker thread and hands the collected events back to its
    async view, which awaits them on the server's own event loop: no thread hop per event.
    """
    collected: list[tuple[str, dict[str, Any]]] = []
    _outbox.pending = collected
    try:
        yield collected
    finally:
        _outbox.pending = None


def broadcast_on_commit(groups: Iterable[str], event_type: str, payload: dict[str, Any]) -> None:
    """Send ``payload`` to each group once the current transaction commits."""
    broadcast_lazy_on_commit(groups, event_type, lambda: payload)


def broadcast_lazy_on_commit(
    groups: Iterable[str], event_type: str, build: Callable[[], dict[str, Any]]
) -> None:
    """Send what ``build()`` returns to each group once the transaction commits; building
    after the commit reads the state at send time (STYLE § E)."""
    groups = list(dict.fromkeys(groups))

    def send() -> None:
        message = {"type": event_type, **build()}
        deliver([(group, message) for group in groups])

    transaction.on_commit(send)


#: Coalesced actions of this process, by key (a group and what is sent to it): when each
#: last ran, and which have a trailing run scheduled.
_coalesce_lock = threading.Lock()
_last_sent: dict[tuple[str, str], float] = {}
_scheduled: set[tuple[str, str]] = set()


def coalesced_on_commit(key: tuple[str, str], action: Callable[[], None], *, every: float) -> None:
    """Run ``action`` after the commit, at most once every ``every`` seconds per process
    and ``key``, whatever the number of changes: a change inside the interval runs it at the
    interval's end (once for all of them, so the last change always arrives, within
    ``every`` seconds), on a timer thread whose database connection is closed after. For
    pushes that say "look again" (the supervisors' board), where a storm of changes must
    not become a storm of pushes."""

    def on_commit() -> None:
        with _coalesce_lock:
            if key in _scheduled:
                return  # the scheduled run will cover this change too
            wait = _last_sent.get(key, float("-inf")) + every - time.monotonic()
            if wait > 0:
                _scheduled.add(key)
                timer = threading.Timer(wait, _send_scheduled, args=(key, action))
                timer.daemon = True
                timer.start()
                return
            _last_sent[key] = time.monotonic()
        action()

    transaction.on_commit(on_commit)


def _send_scheduled(key: tuple[str, str], send: Callable[[], None]) -> None:
    """A trailing coalesced run, on its timer's thread (its database connection closed after)."""
    with _coalesce_lock:
        _scheduled.discard(key)
        _last_sent[key] = time.monotonic()
    try:
        send()
    except Exception:
        logger.exception("could not run %s for %s", key[1], key[0])
    finally:
        connections.close_all()


def deliver(broadcasts: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand built broadcasts to this thread's collector, else send them now."""
    pending = getattr(_outbox, "pending", None)
    if pending is not None:
        pending.extend(broadcasts)
        return
    async_to_sync(flush)(broadcasts)


#: A push that failed (a connection that went stale under a Redis restart) is tried once
#: more after this many seconds, on a fresh connection, before it is given up.
PUSH_RETRY_DELAY = 0.2


#: Consecutive events to one group travel as one channel-layer message of this type; the
#: consumers pass its events on in order (:func:`dispatch_batch`).
BATCH_TYPE = "broadcast.batch"


def batched(
    broadcasts: Sequence[tuple[str, Mapping[str, object]]],
) -> list[tuple[str, Mapping[str, object]]]:
    """Join consecutive events to the same group into one ``broadcast.batch``.

    Each group send costs the layer several sequential Redis round trips (channels_redis:
    expire the group's old members, read them, expire the channels' old messages, send),
    and a customer's message pushes two events (``interaction.changed``,
    ``message.created``) to its interaction's group, so joining them halves the webhook's
    pushes. Only neighbours are joined: every socket still gets every event in the order
    they were sent, whichever groups it listens to. The callers' events are not changed."""
    joined: list[tuple[str, Mapping[str, object]]] = []
    batches: dict[int, list[Mapping[str, object]]] = {}  # position in ``joined``: its events
    for group, message in broadcasts:
        last = len(joined) - 1
        if last >= 0 and joined[last][0] == group:
            if last not in batches:
                batches[last] = [joined[last][1]]
                joined[last] = (group, {"type": BATCH_TYPE, "events": batches[last]})
            batches[last].append(message)
        else:
            joined.append((group, message))
    return joined


async def dispatch_batch(consumer: object, event: Mapping[str, object]) -> None:
    """A consumer's ``broadcast_batch`` handler: each event to its own handler, in order.
    An event type the consumer lacks (a newer process sent it) is logged and skipped: the
    rest of the batch still arrives and the socket stays open."""
    messages = event.get("events")
    for message in messages if isinstance(messages, list) else []:
        handler = getattr(consumer, get_handler_name(message), None)
        if handler is None:
            logger.warning("%s has no handler for %s: skipped", type(consumer).__name__, message.get("type"))
            continue
        await handler(message)


#: From this many group sends on, one flush sends to different groups side by side (each
#: group's events still in order): a tick of timers or a re-arm pushes to hundreds of
#: groups, and one after the other each waits for its Redis round trips.
PARALLEL_FROM = 16
#: How many group sends one flush has in flight at most.
PUSH_CONCURRENCY = 16


async def flush(broadcasts: list[tuple[str, dict[str, Any]]]) -> None:
    """Send collected broadcasts (consecutive ones to a group as one batch); a failure is
    retried once, then logged, never raised (browsers resync)."""
    layer = get_channel_layer()
    if layer is None:
        return
    sends = batched(broadcasts) if settings.BROADCAST_BATCHING else list(broadcasts)
    if len(sends) < PARALLEL_FROM:
        for group, message in sends:
            await _send(layer, group, message)
        return
    by_group: dict[str, list[Mapping[str, object]]] = {}
    for group, message in sends:
        by_group.setdefault(group, []).append(message)
    slots = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def in_order(group: str, messages: list[Mapping[str, object]]) -> None:
        async with slots:
            for message in messages:
                await _send(layer, group, message)

    await asyncio.gather(*(in_order(group, messages) for group, messages in by_group.items()))


async def _send(layer: BaseChannelLayer, group: str, message: Mapping[str, object]) -> None:
    """One group send, tried once more on a fresh connection after ``PUSH_RETRY_DELAY``."""
    for attempt in (1, 2):
        try:
            await layer.group_send(group, dict(message))
            return
        except Exception:
            if attempt == 2:
                metrics.PUSH_FAILURES.inc()  # X2: events that could not be pushed
                logger.exception("could not push %s to %s", message.get("type"), group)
            else:
                await asyncio.sleep(PUSH_RETRY_DELAY)
