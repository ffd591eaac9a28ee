"""Reads of the flows app: which number runs which flow, and who the flows' user is (a
snapshot cached a few seconds: both are read on the webhook's hot path, where a query per
message would show)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.contrib.auth.models import User

from flows.models import Flow

#: How long a process trusts its snapshot; a save in this process invalidates it at once
#: (``flows.signals``), another process sees it within this time.
SNAPSHOT_TTL = 5.0
#: The user that owns interactions while their flow runs (and authors its messages).
FLOW_USERNAME = "entry-flow"


@dataclass(frozen=True)
class _Snapshot:
    flow_by_channel: dict[int, int]
    user_id: int | None
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
    flows = dict(Flow.objects.filter(is_active=True).order_by("pk").values_list("channel_id", "pk"))
    # Always read (not only while a flow is active): a flow deactivated while customers are
    # in it still takes their answers.
    user_id = User.objects.filter(username=FLOW_USERNAME).values_list("pk", flat=True).first()
    fresh = _Snapshot(flow_by_channel=flows, user_id=user_id, loaded_at=time.monotonic())
    with _lock:
        _snapshot = fresh
    return fresh


def flow_for_channel(channel_id: int) -> int | None:
    """The id of the number's active flow (no query while the snapshot is fresh)."""
    return _load().flow_by_channel.get(channel_id)


def is_flow_user(user_id: int | None) -> bool:
    """The interaction's owner is the flows' user: a flow runs on it."""
    return user_id is not None and user_id == _load().user_id
