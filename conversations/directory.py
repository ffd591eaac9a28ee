"""A per-process snapshot of the active channels, for the webhook's hot path.

Channels change rarely (an administrator edits a number's credentials), webhooks arrive
all the time: the webhook resolves ``phone_number_id`` and app secrets from this
snapshot, refreshed every ``SNAPSHOT_SECONDS`` and at once in the process that saved a
channel, instead of querying per request.
"""

from __future__ import annotations

import threading
import time

from conversations.models import Channel

SNAPSHOT_SECONDS = 5.0


class ChannelDirectory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        self._by_phone_number_id: dict[str, object] = {}
        self._secrets: tuple[str, ...] = ()
        self._verify_tokens: tuple[str, ...] = ()

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at <= SNAPSHOT_SECONDS:
            return
        channels = list(Channel.objects.filter(is_active=True))
        with self._lock:
            self._by_phone_number_id = {c.phone_number_id: c for c in channels}
            self._secrets = tuple(dict.fromkeys(c.app_secret for c in channels if c.app_secret))
            self._verify_tokens = tuple(dict.fromkeys(c.verify_token for c in channels if c.verify_token))
            self._loaded_at = time.monotonic()

    def by_phone_number_id(self, phone_number_id: str):
        """The active channel of that number, or None. Read-only: do not save it."""
        self._fresh()
        return self._by_phone_number_id.get(phone_number_id)

    def all(self) -> list:
        """Every active channel. Read-only: do not save them."""
        self._fresh()
        return list(self._by_phone_number_id.values())

    def app_secrets(self) -> tuple[str, ...]:
        self._fresh()
        return self._secrets

    def verify_tokens(self) -> tuple[str, ...]:
        self._fresh()
        return self._verify_tokens


directory = ChannelDirectory()
