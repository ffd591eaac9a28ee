"""Issue 14, target 5: the server's WebSocket protocol lets the handshake go once answered.

uvicorn keeps each connection's parsed handshake request and its response for the
connection's whole life (about 2 KB a socket, measured by ``bench/socket_floor.py``);
``waproject.wsprotocol.LeanWebSocketProtocol`` drops them once the app accepted or
refused. Here a real uvicorn server in the test's loop, with that protocol: a socket still
talks after the handshake is let go, and a refused one is still refused with a 403.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.e2e.test_whole_product import run_async
from tests.stack import free_port
from waproject.wsprotocol import LeanWebSocketProtocol

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def echo_unless_refused(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    """Echoes text frames; a socket whose path is ``/refused`` is refused at the handshake."""
    assert scope["type"] == "websocket"
    await receive()
    if scope["path"] == "/refused":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": "echo:" + message["text"]})


@asynccontextmanager
async def lean_server() -> AsyncIterator[uvicorn.Server]:
    config = uvicorn.Config(
        echo_unless_refused, port=free_port(), ws=LeanWebSocketProtocol, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the server stopped before it listened"
        await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        await serving


def test_an_accepted_socket_lets_its_handshake_go_and_still_talks() -> None:
    async def scenario() -> tuple[list[str], list[LeanWebSocketProtocol]]:
        async with lean_server() as server:
            url = f"ws://127.0.0.1:{server.config.port}/"
            async with connect(url) as first, connect(url) as second:
                await first.send("one")
                await second.send("two")
                answers = [str(await first.recv()), str(await second.recv())]
                protocols = [
                    c for c in server.server_state.connections if isinstance(c, LeanWebSocketProtocol)
                ]
                released = [p for p in protocols if p.handshake_released and not hasattr(p, "request")]
                await first.send("three")  # after the release too
                answers.append(str(await first.recv()))
                return answers, released

    answers, released = run_async(scenario())

    assert answers == ["echo:one", "echo:two", "echo:three"]
    assert len(released) == 2, "each accepted socket let its handshake request and response go"
    assert not any(hasattr(p, "response") for p in released)


def test_a_refused_socket_is_still_refused_with_a_403() -> None:
    async def scenario() -> int:
        async with lean_server() as server:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"ws://127.0.0.1:{server.config.port}/refused"):
                    pass
            async with connect(f"ws://127.0.0.1:{server.config.port}/") as after:  # the server is fine
                await after.send("still")
                assert await after.recv() == "echo:still"
            return refused.value.response.status_code

    assert run_async(scenario()) == 403
