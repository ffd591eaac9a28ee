"""Issue 14, target 5: what an idle WebSocket costs at each layer under the console's socket.

``bench/sockets.py`` measures the product's console sockets (about 45 KB each, against the
target's 20 KB: 200 MB for 10 000). This bench says how much of that each layer underneath
takes, so the note can say what reaching 20 KB would need. One server process at a time,
each holding ``--sockets`` idle sockets (opened with permessage-deflate offered as a
browser does, then silent), its memory (VmRSS) read before and after once it stopped
moving; the layers, from the bottom:

- ``uvicorn``: ``python -m uvicorn`` with its own sans-I/O protocol and an ASGI app that
  accepts and waits (uvicorn's floor, compression with context takeover);
- ``server``: the same app under the product's server (``python -m waproject.serve``:
  compression without context takeover, the handshake let go once accepted);
- ``consumer``: a channels ``AsyncWebsocketConsumer`` that accepts (no channel layer);
- ``layer``: the same consumer in a group of the configured channel layer (Redis when
  REDIS_URL is set, else the in-memory one): its own channel and the receive that waits on it.

    python bench/socket_floor.py               # --sockets 3000; REDIS_URL=... for Redis's layer

The console's socket adds to ``layer`` what ``bench/sockets.py`` shows: the authenticated
scope (session, user), its live-watch membership and state.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import browser_deflate_offer, status_kb  # noqa: E402 (after the path)

LAYERS = ("uvicorn", "server", "consumer", "layer")
#: Sockets opened (and left open) before the first reading: one-off imports, pools, caches.
WARM_UP = 50
GROUP = "socket-floor"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def idle_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that accepts a WebSocket and waits for it to end: the least a socket is."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def channels_app() -> Any:
    """A consumer that accepts (``FLOOR_LAYER=1``: after joining a group of the layer)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")
    import django

    django.setup()
    from channels.generic.websocket import AsyncWebsocketConsumer

    with_layer = os.environ.get("FLOOR_LAYER") == "1"

    class Idle(AsyncWebsocketConsumer):
        if not with_layer:
            channel_layer_alias = None  # channels reads None as "no layer"

        async def connect(self) -> None:
            if with_layer:
                await self.channel_layer.group_add(GROUP, self.channel_name)
            await self.accept()

        async def disconnect(self, code: int) -> None:
            if with_layer:  # as the console does: the group does not keep a closed socket
                await self.channel_layer.group_discard(GROUP, self.channel_name)

    return Idle.as_asgi()


def __getattr__(name: str) -> Any:
    """``bench.socket_floor:consumer_app``, built only in the server that asks for it."""
    if name == "consumer_app":
        return channels_app()
    raise AttributeError(name)


def rss_kb(pid: int) -> int:
    """The server's VmRSS; a server that is gone ends the run."""
    if kb := status_kb(pid):
        return kb
    raise RuntimeError(f"no VmRSS for {pid}: the server is gone")


async def settled_kb(pid: int, *, longest: float = 30.0) -> int:
    """VmRSS once three readings half a second apart are within 256 KB of each other."""
    started = time.monotonic()
    readings = [rss_kb(pid)]
    while time.monotonic() - started < longest:
        await asyncio.sleep(0.5)
        readings.append(rss_kb(pid))
        if len(readings) >= 3 and max(readings[-3:]) - min(readings[-3:]) < 256:
            break
    return readings[-1]


def server_command(layer: str, port: int) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    options = ["--port", str(port), "--log-level", "warning", "--lifespan", "off"]
    if layer == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "bench.socket_floor:idle_app", *options], env
    if layer == "server":
        return [sys.executable, "-m", "waproject.serve", "bench.socket_floor:idle_app", *options], env
    env["FLOOR_LAYER"] = "1" if layer == "layer" else "0"
    return [sys.executable, "-m", "waproject.serve", "bench.socket_floor:consumer_app", *options], env


async def wait_listening(port: int, process: subprocess.Popen[bytes], longest: float = 30.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < longest:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}) before it listened")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return
    raise SystemExit(f"nothing listened on {port} within {longest:.0f} s")


async def measure(layer: str, sockets: int, port: int) -> float:
    """KB (10³ bytes) of the server's memory a socket, for ``sockets`` idle ones."""
    from websockets.asyncio.client import ClientConnection, connect

    command, env = server_command(layer, port)
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    opened: list[ClientConnection] = []
    try:
        await wait_listening(port, server)

        async def one() -> ClientConnection:
            return await connect(
                f"ws://127.0.0.1:{port}/",
                compression=None,
                extensions=browser_deflate_offer(),
                ping_interval=None,  # browsers send no protocol pings
                open_timeout=60,
            )

        opened += [await one() for _ in range(WARM_UP)]
        before = await settled_kb(server.pid)
        for start in range(0, sockets, 100):
            opened += await asyncio.gather(*(one() for _ in range(min(100, sockets - start))))
        after = await settled_kb(server.pid)
        return (after - before) * 1024 / sockets / 1000
    finally:
        await asyncio.gather(*(socket.close() for socket in opened), return_exceptions=True)
        server.terminate()
        server.wait(timeout=30)


async def run(args: argparse.Namespace) -> dict[str, float]:
    results: dict[str, float] = {}
    for layer in args.layers:
        results[layer] = await measure(layer, args.sockets, args.port)
        print(f"  {layer:<9} {results[layer]:5.1f} KB a socket", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=3_000)
    parser.add_argument("--layers", nargs="+", choices=LAYERS, default=list(LAYERS))
    parser.add_argument("--port", type=int, default=8771)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2 * (args.sockets + WARM_UP) + 100:
        raise SystemExit(f"{args.sockets} sockets need more open files than the hard limit ({hard})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    layer = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"{args.sockets} idle sockets a server, one process; channel layer: {layer}"
    )
    results = asyncio.run(run(args))
    if "server" in results and "uvicorn" in results:
        print(f"  the product's server / uvicorn's own: {results['server'] / results['uvicorn']:.2f}")
    print("  target 5: 20 KB a socket (200 MB for 10 000) for the console's whole socket")


if __name__ == "__main__":
    main()
