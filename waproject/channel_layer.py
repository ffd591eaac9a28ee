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
"""

from __future__ import annotations

from typing import cast

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from redis.asyncio import BlockingConnectionPool, ConnectionPool

#: Connections a process holds to Redis, per host (redis-py's own default).
POOL_SIZE = 100
#: Seconds a command waits for a free connection before it fails.
POOL_WAIT = 20.0


class RedisChannelLayer(_RedisChannelLayer):
    """channels_redis's layer; its pools block when full (see the module docstring)."""

    def create_pool(self, index: int) -> ConnectionPool:
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if address is None:  # a sentinel or a keyword host: channels_redis's own pool
            return cast(ConnectionPool, super().create_pool(index))
        host.setdefault("max_connections", POOL_SIZE)
        host.setdefault("timeout", POOL_WAIT)
        return BlockingConnectionPool.from_url(address, **host)
