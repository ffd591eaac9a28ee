"""Exactly one beat: Celery beat's scheduler behind a leader lock in Redis.

Scaled mode runs one ``celery -A waproject beat``. Started twice by mistake (a second
host, a deploy that overlaps the old one), every timer would fire twice. Each beat
therefore holds a lock before it sends anything: a Redis key set with ``NX`` and a time
to live (``BEAT_LEADER_TTL``, default 10 s) holding this process's token. The beat that
has it renews it on every tick (ticks are at most a third of the TTL apart) and fires
the schedule; the others stay standby, trying to take it every second. When the leader
dies the key expires and a standby takes over within the TTL; a leader that stops
normally deletes the key, and the handover is immediate.

Why Redis: it is the broker. A beat that cannot reach Redis cannot send a task either, so
losing the lock with the connection costs nothing; a Redis restart (without persistence)
forgets the key and the beats race for it again, one wins. Why not RedBeat (a kept
library doing the same): it takes its lock once, in a ``beat_init`` signal handler whose
exceptions Celery logs and swallows, so a standby that met a Redis error while waiting
went on *without* the lock and fired; and it moves the schedule itself into Redis, which a
restart of a Redis without persistence empties. Why not a PostgreSQL advisory lock: held
by a session, it outlives a leader cut off by the network until TCP keepalive notices
(hours by default), where a TTL bounds the double-leader time.

A leader that stalls longer than the TTL between its renewal and a send can overlap a new
leader for one tick; every periodic task is an idempotent sweep (DESIGN invariant 5), so
that costs a wasted sweep, never a second effect.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery.beat import Scheduler
from django.conf import settings

logger = logging.getLogger(__name__)

#: Renew the lock if it is still ours, in one step: (key) (token, ttl in ms) -> 1 | 0.
RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
#: Delete the lock if it is still ours: (key) (token) -> 1 | 0.
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock:
    """A lock with a time to live, held by whoever set it; renewed by its holder."""

    def __init__(self, client: redis.Redis, *, key: str, ttl: float, token: str | None = None) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = max(int(ttl * 1000), 1)
        self.token = token or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)

    def hold(self) -> bool:
        """Renew the lock if ours, else try to take it; whether this process leads now.
        Any Redis error means not leading (nothing could be sent anyway)."""
        try:
            if self.held and self._renew(keys=[self.key], args=[self.token, self.ttl_ms]) == 1:
                return True
            self.held = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except redis.RedisError as exc:
            if self.held:
                logger.warning("beat: cannot reach Redis to renew the leader lock (%s): standing by", exc)
            self.held = False
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        with contextlib.suppress(redis.RedisError):  # else it expires by itself
            self._release(keys=[self.key], args=[self.token])
        self.held = False

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


class LeaderScheduler(Scheduler):
    """Celery beat's in-memory scheduler, firing only while it holds :class:`LeaderLock`.

    The schedule lives in settings (``CELERY_BEAT_SCHEDULE``), so nothing needs to persist
    between runs: a beat that starts, or takes over, runs every sweep once at once (they
    are overdue from its point of view) and then at their intervals.
    """

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        ttl = float(settings.BEAT_LEADER_TTL)
        client = redis.Redis.from_url(
            app.conf.broker_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=10
        )
        self.leader_lock = LeaderLock(client, key=settings.BEAT_LEADER_KEY, ttl=ttl)
        #: Ticks (and so renewals) at least this often while leading.
        self.renew_every = ttl / 3
        #: How often a standby beat tries to take the lock.
        self.standby_every = min(1.0, ttl / 3)
        self._leading: bool | None = None
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        leading = self.leader_lock.hold()
        if leading != self._leading:
            self._leading = leading
            if leading:
                logger.info("beat: leading (lock %s, token %s)", self.leader_lock.key, self.leader_lock.token)
            else:
                logger.info("beat: standby: another beat holds the lock %s", self.leader_lock.key)
        if not leading:
            return self.standby_every
        return min(super().tick(*args, **kwargs), self.renew_every)

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        """Send one due task. Celery beat stops on SIGTERM by raising SystemExit from the
        signal handler; arriving while a send waits on Redis, it surfaced as an I/O error
        that beat logs and ignores (the process went on firing until supervisord killed
        it, without releasing the lock). Such an error is turned back into the exit."""
        try:
            return super().apply_async(*args, **kwargs)
        except Exception as exc:
            cause: BaseException | None = exc
            for _ in range(10):  # the chain of exceptions raised while handling another
                if cause is None:
                    break
                if isinstance(cause, (SystemExit, KeyboardInterrupt)):
                    raise SystemExit() from exc
                cause = cause.__cause__ or cause.__context__
            raise

    def close(self) -> None:
        self.leader_lock.release()  # the standby takes over at its next try, not after the TTL
        super().close()
