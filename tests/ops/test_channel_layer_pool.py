"""Issue 14, target 5: a burst of channel-layer commands waits for a Redis connection
instead of failing (thousands of console sockets leaving their groups at once used to
take the pool's 100 connections, and every other command of the process failed with
``MaxConnectionsError``, the live watch's probe included)."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import pytest
from django.conf import settings
from redis.asyncio import BlockingConnectionPool

from tests.e2e.test_whole_product import run_async
from waproject import channel_layer
from waproject.channel_layer import RedisChannelLayer

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the Redis channel layer runs with REDIS_URL (the scaled pass)"
)

#: More commands in flight than the pool has connections, four times over.
BURST = 4 * channel_layer.POOL_SIZE


def the_configured_layer() -> RedisChannelLayer:
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    assert config["BACKEND"] == "waproject.channel_layer.RedisChannelLayer"
    return RedisChannelLayer(**config["CONFIG"])


def test_the_configured_layer_waits_for_a_connection_in_a_bounded_pool():
    layer = the_configured_layer()
    pool = layer.create_pool(0)
    assert isinstance(pool, BlockingConnectionPool)
    assert pool.max_connections == channel_layer.POOL_SIZE
    assert pool.timeout == channel_layer.POOL_WAIT
    # The settings' connection options still reach every connection.
    assert pool.connection_kwargs["socket_timeout"] == 30
    assert pool.connection_kwargs["retry"] is not None


def test_a_burst_of_joins_and_leaves_beyond_the_pool_all_succeed_and_a_probe_gets_through():
    group = f"test.burst.{uuid.uuid4().hex}"

    async def burst() -> tuple[list[object], dict | None]:
        layer = the_configured_layer()
        probe = await layer.new_channel()
        channels = [await layer.new_channel() for _ in range(BURST)]
        try:
            joined = await asyncio.gather(
                *(layer.group_add(group, name) for name in channels), return_exceptions=True
            )
            # While a burst of leaves is in flight, a probe to a group of its own comes back.
            await layer.group_add(f"{group}.probe", probe)
            leaving = asyncio.gather(
                *(layer.group_discard(group, name) for name in channels), return_exceptions=True
            )
            await layer.group_send(f"{group}.probe", {"type": "live.probe", "n": 1})
            heard = await asyncio.wait_for(layer.receive(probe), 10)
            left = await leaving
            return [*joined, *left], heard
        finally:
            await layer.group_discard(f"{group}.probe", probe)
            await layer.close_pools()

    outcomes, heard = run_async(burst())
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert failures == [], f"{len(failures)} of {len(outcomes)} commands failed, e.g. {failures[0]!r}"
    assert heard == {"type": "live.probe", "n": 1}
