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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

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


async def flush(broadcasts: list[tuple[str, dict[str, Any]]]) -> None:
    """Send collected broadcasts; a failure is retried once, then logged, never raised
    (browsers resync)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in broadcasts:
        for attempt in (1, 2):
            try:
                await layer.group_send(group, message)
                break
            except Exception:
                if attempt == 2:
                    metrics.PUSH_FAILURES.inc()  # X2: events that could not be pushed
                    logger.exception("could not push %s to %s", message.get("type"), group)
                else:
                    await asyncio.sleep(PUSH_RETRY_DELAY)
