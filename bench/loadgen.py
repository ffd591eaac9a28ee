"""A small asyncio HTTP/1.1 load generator and the process helpers the benchmarks share.

Cheap enough to leave most of the 2-core machine to the server: raw keep-alive
connections, pre-built request bytes, no HTTP library. Two ways to load:

* closed loop (``closed_loop``): N connections send back-to-back for T seconds → req/s;
* open loop (``open_loop``): requests scheduled at a fixed rate, latency measured from the
  *scheduled* time (no coordinated omission), connections added when all are busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

RequestFactory = Callable[[int], bytes]


def http_request(
    method: str, path: str, *, host: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            body = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                body += await self.reader.readexactly(size + 2)
            return status, body
        return status, await self.reader.readexactly(length) if length else b""

    def close(self) -> None:
        self.writer.close()


@dataclass
class LoadResult:
    completed: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    #: open loop: when each request (by index) was scheduled to leave (perf_counter)
    scheduled: dict[int, float] = field(default_factory=dict)
    #: why requests failed: "HTTP 503", "ConnectionError: server closed the connection"…
    failures: dict[str, int] = field(default_factory=dict)
    #: open loop with ``resend``: the extra sends, and the requests no send delivered
    resent: int = 0
    lost: int = 0

    def failed(self, why: str) -> None:
        self.errors += 1
        self.failures[why] = self.failures.get(why, 0) + 1

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def closed_loop(
    host: str, port: int, factory: RequestFactory, *, connections: int, seconds: float
) -> LoadResult:
    result = LoadResult()
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        conn = await Connection.open(host, port)
        try:
            while time.perf_counter() < deadline:
                status, _ = await conn.send(factory(next(counter)))
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    result.completed += 1
                else:
                    result.errors += 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


#: An idle kept-alive connection is reused only this many seconds: uvicorn closes one idle
#: for 5 s (``--timeout-keep-alive``), and a request written as it closes was counted as a
#: failed webhook the server never saw (as HTTP clients do, a pool drops such connections).
KEEP_ALIVE_REUSE = 3.0


#: How a webhook sender retries (``open_loop(resend=…)``): Meta resends a webhook that was
#: not answered 2xx, with growing pauses; a benchmark waits less, the same way.
RESEND_PAUSES = (0.25, 0.5, 1.0, 2.0, 4.0)


async def open_loop(
    host: str,
    port: int,
    factory: RequestFactory,
    *,
    rate: float,
    seconds: float,
    max_connections: int = 256,
    resend: bool = False,
) -> LoadResult:
    """Send ``rate`` requests per second; latency counts from each request's scheduled time.

    With ``resend`` a request answered other than 2xx (or whose connection failed) is sent
    again after each of :data:`RESEND_PAUSES`, as Meta resends a webhook: its latency then
    runs to the answer that took it; ``resent`` counts the extra sends, ``lost`` the
    requests never taken. Every failed attempt is in ``failures`` by its reason."""
    result = LoadResult()
    idle: list[tuple[Connection, float]] = []  # with the time each went idle
    opened = 0
    # Requests waiting for a connection while all ``max_connections`` are busy, woken one
    # by one as connections come back: polling instead (a sleep of 1 ms each) cost a core
    # once thousands waited behind a server that fell behind, which slowed the generator
    # and inflated the very latencies it measures.
    waiting: deque[asyncio.Future[None]] = deque()

    def slot_freed() -> None:
        """A connection went idle or closed: the longest-waiting request may take it."""
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    total = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def attempt(index: int) -> int | None:
        """One send of request ``index``: its HTTP status, None when the connection failed."""
        nonlocal opened
        woken = False
        while not idle and opened >= max_connections:
            waiter = asyncio.get_running_loop().create_future()
            # Woken, but a new request took the connection first: first in line again.
            (waiting.appendleft if woken else waiting.append)(waiter)
            await waiter
            woken = True
        while idle and time.perf_counter() - idle[-1][1] > KEEP_ALIVE_REUSE:
            stale, _ = idle.pop()  # the server may be closing it right now: not reused
            stale.close()
            opened -= 1
            slot_freed()
        if idle:
            conn = idle.pop()[0]
        else:
            opened += 1
            try:
                conn = await Connection.open(host, port)
            except OSError as error:
                opened -= 1
                slot_freed()
                result.failed(f"{type(error).__name__}: {error}")
                return None
        try:
            status, _ = await conn.send(factory(index))
        except Exception as error:
            result.failed(f"{type(error).__name__}: {error}")
            conn.close()
            opened -= 1
            slot_freed()
            return None
        idle.append((conn, time.perf_counter()))
        slot_freed()
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if not 200 <= status < 300:
            result.failed(f"HTTP {status}")
        return status

    async def one(index: int) -> None:
        scheduled = start + index / rate
        result.scheduled[index] = scheduled
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pauses = iter(RESEND_PAUSES if resend else ())
        while True:
            status = await attempt(index)
            if status is not None and 200 <= status < 300:
                result.latencies.append(time.perf_counter() - scheduled)
                result.completed += 1
                return
            pause = next(pauses, None)
            if pause is None:
                result.lost += 1
                return
            result.resent += 1
            await asyncio.sleep(pause)

    await asyncio.gather(*(one(i) for i in range(total)))
    result.seconds = time.perf_counter() - start
    for conn, _ in idle:
        conn.close()
    return result


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def asgi_server(
    env: dict[str, str],
    port: int,
    *,
    workers: int = 1,
    application: str = "waproject.asgi:application",
    python: str = PYTHON,
):
    """Run ``uvicorn <application>`` (ours unless told; a peer's with its own ``python``)
    and wait until it answers /healthz/."""
    command = [
        python, "-m", "uvicorn", application, "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning", "--lifespan", "on", "--workers", str(workers),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    break
            if process.poll() is not None:
                raise SystemExit("the ASGI server exited during start-up")
            time.sleep(0.2)
        else:
            raise SystemExit("the ASGI server did not answer within 60 s")
        yield process
    finally:
        stop_process_group(process, timeout=10)


def stop_process_group(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM to the process group a benchmark started (``start_new_session``); SIGKILL
    when it has not exited after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def median_and_range(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"
