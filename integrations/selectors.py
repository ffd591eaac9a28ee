"""Reads of the integrations app: the active subscriptions and bots (a snapshot cached a
few seconds: they are read on the webhook's hot path, where a query per event would show),
and the outbox's next deliverable row."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from integrations.models import Bot, Delivery, Subscription

#: How long a process trusts its snapshot; a save in this process invalidates it at once
#: (``integrations.signals``), another process sees it within this time.
SNAPSHOT_TTL = 5.0


@dataclass(frozen=True)
class SubscriptionTarget:
    id: int
    event_types: frozenset[str]
    #: Only events of interactions this user (a bot's) owns; None: every interaction.
    owner_id: int | None


@dataclass(frozen=True)
class BotRef:
    id: int
    user_id: int
    channel_id: int | None
    queue_id: int | None
    timeout_seconds: int


@dataclass(frozen=True)
class _Snapshot:
    subscriptions: tuple[SubscriptionTarget, ...]
    bots: tuple[BotRef, ...]
    loaded_at: float


_lock = threading.Lock()
_snapshot: _Snapshot | None = None


def invalidate() -> None:
    global _snapshot
    with _lock:
        _snapshot = None


def _load() -> _Snapshot:
    global _snapshot
    current = _snapshot
    if current is not None and time.monotonic() - current.loaded_at < SNAPSHOT_TTL:
        return current
    subscriptions = tuple(
        SubscriptionTarget(id=pk, event_types=frozenset(types or ()), owner_id=owner_id)
        for pk, types, owner_id in Subscription.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "event_types", "bot__user_id")
    )
    bots = tuple(
        BotRef(id=pk, user_id=user_id, channel_id=channel_id, queue_id=queue_id, timeout_seconds=timeout)
        for pk, user_id, channel_id, queue_id, timeout in Bot.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "user_id", "channel_id", "queue_id", "timeout_seconds")
    )
    fresh = _Snapshot(subscriptions=subscriptions, bots=bots, loaded_at=time.monotonic())
    with _lock:
        _snapshot = fresh
    return fresh


def subscriptions_for(event_type: str, *, owner_id: int | None) -> list[SubscriptionTarget]:
    """The active subscriptions that receive ``event_type`` of an interaction owned by
    ``owner_id`` (no query while the snapshot is fresh)."""
    return [
        s
        for s in _load().subscriptions
        if event_type in s.event_types and (s.owner_id is None or s.owner_id == owner_id)
    ]


def bot_for_new_interaction(*, channel_id: int, queue_id: int | None) -> BotRef | None:
    """The bot that owns new interactions of this number or queue (a number's bot first)."""
    bots = _load().bots
    for bot in bots:
        if bot.channel_id == channel_id:
            return bot
    for bot in bots:
        if queue_id is not None and bot.channel_id is None and bot.queue_id == queue_id:
            return bot
    return None


def bot_of_user(user_id: int | None) -> BotRef | None:
    if user_id is None:
        return None
    return next((b for b in _load().bots if b.user_id == user_id), None)


def delivery_next(*, subscription_id: int, now: datetime) -> Delivery | None:
    """The subscription's oldest due event whose interaction has no earlier event still
    undelivered: a later event waits while an earlier one of the same interaction is
    pending (strict order per interaction); other interactions go on."""
    earlier = Delivery.objects.filter(
        subscription_id=subscription_id,
        state=Delivery.State.PENDING,
        interaction_id=OuterRef("interaction_id"),
        id__lt=OuterRef("id"),
    )
    return (
        Delivery.objects.filter(
            subscription_id=subscription_id, state=Delivery.State.PENDING, next_attempt_due_at__lte=now
        )
        .exclude(Exists(earlier))
        .select_related("subscription")
        .order_by("id")
        .first()
    )


def subscriptions_with_due(*, now: datetime, limit: int) -> list[int]:
    """Subscriptions with an event due now (the beat's sweep enqueues one task each)."""
    return list(
        Delivery.objects.filter(next_attempt_due_at__lte=now, subscription__is_active=True)
        .filter(Q(subscription__paused_until__isnull=True) | Q(subscription__paused_until__lte=now))
        .order_by()
        .values_list("subscription_id", flat=True)
        .distinct()[:limit]
    )
