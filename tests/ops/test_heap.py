"""Issue 14: a server's start-up heap is frozen out of the full garbage collections, which
otherwise walk its ~130,000 objects (a 120-ms stall of the whole process each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

#: Starts a server process's ASGI lifespan as uvicorn does, then reports the collector's view.
PROBE = """
import asyncio, gc, json
import waproject.asgi

async def startup():
    sent = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    async def receive():
        return next(messages)
    async def send(message):
        sent.append(message["type"])
    await waproject.asgi.application({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    return sent

sent = asyncio.run(startup())
print(json.dumps({"sent": sent, "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def start_a_server_process(**env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(DJANGO_SETTINGS_MODULE="waproject.settings", EMBEDDED_BEAT="0", **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_server_process_freezes_its_start_up_heap_including_every_view():
    seen = start_a_server_process()
    assert seen["sent"] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert seen["frozen"] > 50_000  # Django, the apps, every view module and URL pattern
    # What a full collection still walks is a small part of what the process holds.
    assert seen["tracked"] < seen["frozen"] / 10, seen


def test_gc_freeze_0_leaves_the_heap_to_the_collector():
    seen = start_a_server_process(GC_FREEZE="0")
    assert seen["frozen"] == 0
    assert seen["tracked"] > 50_000
