"""X6: clients that send half a request and go silent are closed; others are still served.

uvicorn closed an idle kept-alive connection, but not one that sent part of its request
line or headers, nor one whose body stopped arriving: 200 such connections stayed open
for good. The server (``python -m waproject.serve``) now closes them after
``HTTP_HEADER_TIMEOUT`` / ``HTTP_BODY_TIMEOUT`` seconds.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.e2e.test_whole_product import run_async
from tests.stack import running_stack

pytestmark = pytest.mark.e2e

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
#: How late after its deadline a connection may be closed (the machine is shared).
SLACK = 4.0
HALF_HEADERS = 100
HALF_BODIES = 100


@pytest.fixture(scope="module")
def stack():
    with running_stack(
        extra_env={"HTTP_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "HTTP_BODY_TIMEOUT": str(BODY_TIMEOUT)}
    ) as running:
        yield running


async def silent_after(host: str, port: int, data: bytes, wait: float) -> tuple[float | None, bytes]:
    """Send ``data``, then nothing: (seconds until the server closed, what it answered),
    or (None, …) when it was still open after ``wait`` seconds."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(data)
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(), wait)
        return time.monotonic() - started, answer
    except TimeoutError:
        return None, b""
    finally:
        writer.close()


def test_half_open_connections_are_closed_and_others_still_served(stack):
    host, port = stack.url.removeprefix("http://").split(":")
    half_headers = f"GET /healthz/ HTTP/1.1\r\nHost: {host}\r\nUser-Agent: slow".encode()
    half_body = (
        f"POST /api/v1/agent/me/state/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        'Content-Length: 1000\r\n\r\n{"ready": '
    ).encode()
    wait = max(HEADER_TIMEOUT, BODY_TIMEOUT) + SLACK

    async def scenario():
        slow = [
            *(silent_after(host, int(port), half_headers, wait) for _ in range(HALF_HEADERS)),
            *(silent_after(host, int(port), half_body, wait) for _ in range(HALF_BODIES)),
        ]
        tasks = [asyncio.create_task(s) for s in slow]
        await asyncio.sleep(0.5)  # all 200 are connected and silent
        async with httpx.AsyncClient(base_url=stack.url, timeout=5) as client:
            started = time.monotonic()
            normal = await client.get("/healthz/")
            normal_took = time.monotonic() - started
        return await asyncio.gather(*tasks), normal.status_code, normal_took

    results, normal_status, normal_took = run_async(scenario())

    assert normal_status == 200 and normal_took < 2, "a normal request waited behind the slow ones"
    headers_fate, bodies_fate = results[:HALF_HEADERS], results[HALF_HEADERS:]
    still_open = [r for r in results if r[0] is None]
    assert not still_open, f"{len(still_open)} of 200 silent connections were still open after {wait} s"
    assert all(took >= HEADER_TIMEOUT - 0.5 for took, _ in headers_fate), "closed before the deadline"
    assert all(answer.startswith(b"HTTP/1.1 408 ") for _, answer in headers_fate)
    assert all(took >= BODY_TIMEOUT - 0.5 for took, _ in bodies_fate)
    assert all(answer.startswith(b"HTTP/1.1 408 ") for _, answer in bodies_fate)


def test_a_slow_but_steady_body_and_a_websocket_are_not_cut(stack):
    """The body deadline is a silence, not a total: a body that trickles in for longer than
    the deadline, in pieces closer together than it, is read whole."""
    host, port = stack.url.removeprefix("http://").split(":")

    async def trickle() -> bytes:
        reader, writer = await asyncio.open_connection(host, int(port))
        body = b'{"ready": true}'
        writer.write(
            f"POST /api/v1/agent/me/state/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        )
        for byte in body:  # 15 bytes, one every 0.3 s: 4.5 s in all, more than the deadline
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.3)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return answer

    answer = run_async(trickle())
    # the request arrived whole: the API answers it (anonymous: 401/403), not our 408
    status = int(answer.split(b" ", 2)[1])
    assert status in (401, 403), answer[:200]
