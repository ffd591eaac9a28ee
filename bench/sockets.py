"""Issue 14, target 5: what idle agent sockets cost the web processes (memory) and B2's latency.

"10 000 idle agent sockets over two web processes cost ≤ 200 MB more memory in all, and do
not move target 2 by more than 10 %." The scaled product (``tests/stack.py``: PostgreSQL,
Redis, two uvicorn processes sharing the port, a Celery worker and beat; DATABASE_URL and
REDIS_URL, defaults below) with B2's 50 agents connected; then, in one run:

1. B2's end-to-end measure (``bench/delivery.py``: signed webhooks open loop at ``--rate``,
   latency from each one's scheduled send time to the owning agent's frame) without idle
   sockets;
2. the web processes' memory (VmRSS and Pss of each uvicorn worker: Pss shares the pages
   the forked workers have in common fairly) before and after ``--sockets`` authenticated
   agent sockets are opened and have settled, and how many each process took;
3. the same latency run with them open, first *bare* (connected and greeted, nothing sent:
   the least a socket costs), then as the console keeps them (``subscribe`` to no
   interaction and ``queues`` on open, as ``console.js`` does, then a ``ping`` whenever the
   socket was quiet for 30 s, as ``socket.js`` does);
4. after closing them, the run without them again (a second control: the spread between
   the two runs without says what the machine's noise is) and the memory left.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/sockets.py                     # --sockets 10000 --rate 200 --seconds 10

The idle sockets live in a child process of their own (this file with ``--hold``: one
asyncio loop, the ``websockets`` library), so their frames and pings do not share the event
loop that timestamps B2's frames. They offer permessage-deflate as a browser does
(``client_max_window_bits``; ``--compression none`` offers nothing, to see what compression
costs the server). The soft limit of open files is raised to the hard one (``ulimit -Hn``)
before the stack starts, so the uvicorn processes inherit it too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.common import CpuMeter, browser_deflate_offer, group_cpu_seconds, status_kb
from bench.delivery import AGENTS, PER_AGENT, SETUP, Agents, end_to_end
from tests.stack import ROOT, Stack, running_stack

#: The idle agents: one user, agent profile (in the first queue, as agents are) and signed-in
#: session per agent, in bulk (``create_user`` hashes a password per user: minutes for 10 000).
IDLE_SETUP = """
import json
from datetime import timedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import get_random_string
from conversations.models import AgentProfile, Queue
User = get_user_model()
password = make_password("x")
users = User.objects.bulk_create(
    [User(username=f"idle{{n}}", password=password) for n in range({agents})], batch_size=2000)
profiles = AgentProfile.objects.bulk_create(
    [AgentProfile(user=user, capacity=10) for user in users], batch_size=2000)
queue = Queue.objects.order_by("pk").first()
if queue is not None:
    AgentProfile.queues.through.objects.bulk_create(
        [AgentProfile.queues.through(agentprofile_id=p.pk, queue_id=queue.pk) for p in profiles],
        batch_size=2000)
auth_hash = users[0].get_session_auth_hash()  # the same password hash: the same for all
store = SessionStore()
expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
sessions = [Session(session_key=get_random_string(32, VALID_KEY_CHARS), expire_date=expires,
                    session_data=store.encode({{
                        "_auth_user_id": str(user.pk),
                        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        "_auth_user_hash": auth_hash}}))
            for user in users]
Session.objects.bulk_create(sessions, batch_size=2000)
print(json.dumps([s.session_key for s in sessions]))
"""

#: The console pings a socket that was quiet this long (``socket.js``: PING_EVERY), checking
#: every HEARTBEAT_CHECK seconds.
PING_AFTER = 30.0
HEARTBEAT_CHECK = 5.0
#: The holder checks its sockets in this many slices per HEARTBEAT_CHECK (spread phases).
HEARTBEAT_SLICES = 50
#: Handshakes in flight at once from the holder (the server's backlog is 2 048).
CONNECTING_AT_ONCE = 32
MB = 1_000_000


class HolderStatus(TypedDict):
    """What the holder process answers to every command."""

    open: int
    failed: dict[str, int]
    closed_by_server: dict[str, int]
    frames: int
    pings: int
    seconds: float
    holder_rss_kb: int


# --- the idle sockets: a child process ----------------------------------------------------------


class IdleSockets:
    """Many console sockets in one event loop, idle as the console keeps them."""

    def __init__(self, url: str, sessions: list[str], compression: str) -> None:
        self.url, self.sessions, self.compression = url, sessions, compression
        self.sockets: list[ClientConnection] = []
        self.heard: list[float] = []
        self.readers: list[asyncio.Task[None]] = []
        self.heartbeat: asyncio.Task[None] | None = None
        self.failed: dict[str, int] = {}
        self.closed_by_server: dict[str, int] = {}
        self.frames = 0
        self.pings = 0
        self.closing = False

    def status(self, seconds: float = 0.0) -> HolderStatus:
        return {
            "open": sum(1 for s in self.sockets if s.close_code is None),
            "failed": self.failed,
            "closed_by_server": self.closed_by_server,
            "frames": self.frames,
            "pings": self.pings,
            "seconds": seconds,
            "holder_rss_kb": status_kb(os.getpid(), "VmRSS"),
        }

    async def open(self) -> HolderStatus:
        """Connect every session's socket (a few handshakes at a time) and read its hello."""
        started = time.perf_counter()
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
        ws_url = self.url.replace("http", "ws", 1) + "/ws/console/"
        extensions = (
            browser_deflate_offer()
            if self.compression == "browser"
            else None  # no header at all: an empty one is refused (400)
        )

        async def one(session: str) -> None:
            async with gate:
                try:
                    socket = await connect(
                        ws_url,
                        additional_headers={"Cookie": f"sessionid={session}", "Origin": self.url},
                        compression=None,
                        extensions=extensions,
                        ping_interval=None,  # browsers send no protocol pings; the server does
                        open_timeout=60,
                        close_timeout=5,
                    )
                    hello = json.loads(await asyncio.wait_for(socket.recv(), 60))
                except Exception as error:
                    why = f"{type(error).__name__}: {error}"[:120]
                    self.failed[why] = self.failed.get(why, 0) + 1
                    return
                if hello.get("type") != "hello":
                    self.failed["no hello"] = self.failed.get("no hello", 0) + 1
                self.sockets.append(socket)
                self.heard.append(time.monotonic())
                self.readers.append(asyncio.create_task(self._read(len(self.sockets) - 1, socket)))

        await asyncio.gather(*(one(session) for session in self.sessions))
        return self.status(time.perf_counter() - started)

    async def _read(self, index: int, socket: ClientConnection) -> None:
        try:
            async for _frame in socket:
                self.heard[index] = time.monotonic()
                self.frames += 1
        except ConnectionClosed:
            pass
        if not self.closing:
            code = str(socket.close_code)
            self.closed_by_server[code] = self.closed_by_server.get(code, 0) + 1

    async def console(self) -> HolderStatus:
        """What the console sends on open (``console.js``): ``subscribe`` (no tab open) and
        ``queues``; then the heartbeat (``socket.js``). Sent in batches, each answered (two
        frames a socket) before the next, so the burst does not time out handshakes."""
        started = time.perf_counter()
        batch = 200
        for first in range(0, len(self.sockets), batch):
            expected = self.frames
            for socket in self.sockets[first : first + batch]:
                with contextlib.suppress(ConnectionClosed):
                    await socket.send(json.dumps({"command": "subscribe", "interaction_ids": []}))
                    await socket.send(json.dumps({"command": "queues"}))
                    expected += 2
            deadline = time.monotonic() + 60
            while self.frames < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self.heartbeat = asyncio.create_task(self._heartbeat())
        return self.status(time.perf_counter() - started)

    async def _heartbeat(self) -> None:
        """Each socket's check every HEARTBEAT_CHECK seconds at its own phase, as browser
        tabs' timers each start with their own page: the sockets are checked a slice at a
        time (checking them all at once sent the pings in waves of ~1 400 every 5 s, which
        no crowd of browsers does)."""
        slices = HEARTBEAT_SLICES
        turn = 0
        while True:
            await asyncio.sleep(HEARTBEAT_CHECK / slices)
            now = time.monotonic()
            for index in range(turn % slices, len(self.sockets), slices):
                socket = self.sockets[index]
                if socket.close_code is None and now - self.heard[index] > PING_AFTER:
                    with contextlib.suppress(ConnectionClosed):
                        await socket.send('{"command": "ping"}')
                        self.pings += 1
            turn += 1

    async def close(self) -> HolderStatus:
        started = time.perf_counter()
        self.closing = True
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        gate = asyncio.Semaphore(256)

        async def one(socket: ClientConnection) -> None:
            async with gate:
                with contextlib.suppress(Exception):
                    await socket.close()

        await asyncio.gather(*(one(socket) for socket in self.sockets))
        for reader in self.readers:
            reader.cancel()
        return self.status(time.perf_counter() - started)


async def hold(sessions_file: Path, url: str, compression: str) -> None:
    """The child process: one JSON command a line on stdin (open, console, status, close),
    one :class:`HolderStatus` a line on stdout; ends at EOF."""
    idle = IdleSockets(url, json.loads(sessions_file.read_text()), compression)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)["do"]
        if command == "open":
            answer = await idle.open()
        elif command == "console":
            answer = await idle.console()
        elif command == "close":
            answer = await idle.close()
        else:
            answer = idle.status()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Holder:
    """The parent's handle on the holder process."""

    def __init__(self, process: asyncio.subprocess.Process, sessions_file: Path) -> None:
        self.process, self.sessions_file = process, sessions_file

    @classmethod
    async def start(cls, url: str, sessions: list[str], compression: str) -> Holder:
        handle, name = tempfile.mkstemp(prefix="wa-idle-sessions-", suffix=".json")
        os.close(handle)
        path = Path(name)
        path.write_text(json.dumps(sessions))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).resolve()),
            "--hold",
            str(path),
            "--url",
            url,
            "--compression",
            compression,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process, path)

    async def ask(self, command: str) -> HolderStatus:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"do": command}).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the holder process ended (exit code {await self.process.wait()})")
        return cast(HolderStatus, json.loads(line))

    async def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.sessions_file.unlink(missing_ok=True)


# --- the web processes' memory and connections --------------------------------------------------


def _pss_kb(pid: int) -> int:
    """The process's proportional set size: a page shared by N processes counts 1/N in each
    (the uvicorn workers are spawned from one supervisor and load the same files)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def web_processes(server_pid: int) -> list[int]:
    """The uvicorn worker processes (``--workers N``: children spawned by the supervisor;
    with one worker the server process itself). The supervisor holds no connection."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == server_pid and b"spawn_main" in cmdline:
            workers.append(int(entry.name))
    return sorted(workers) or [server_pid]


@dataclass
class Memory:
    """VmRSS and Pss of each web process, in kB (as /proc gives them)."""

    rss_kb: dict[int, int]
    pss_kb: dict[int, int]

    @classmethod
    def read(cls, pids: list[int]) -> Memory:
        return cls({pid: status_kb(pid, "VmRSS") for pid in pids}, {pid: _pss_kb(pid) for pid in pids})

    @property
    def rss_mb(self) -> float:
        return sum(self.rss_kb.values()) * 1024 / MB

    @property
    def pss_mb(self) -> float:
        return sum(self.pss_kb.values()) * 1024 / MB

    def as_dict(self) -> dict[str, object]:
        return {"rss_mb": self.rss_mb, "pss_mb": self.pss_mb, "rss_kb": self.rss_kb, "pss_kb": self.pss_kb}


async def settled(
    pids: list[int], group: int, at_least: float, longest: float = 60.0
) -> tuple[Memory, float]:
    """The memory once it stopped moving (five readings a second apart within 2 MB of each
    other, after ``at_least`` seconds; at most ``longest``), and the web processes' CPU use
    over that wait (in cores: what the idle sockets cost when nothing happens)."""
    started = time.monotonic()
    cpu_before = group_cpu_seconds(group)
    await asyncio.sleep(at_least)
    readings: list[Memory] = []
    while True:
        readings.append(Memory.read(pids))
        recent = [m.pss_mb for m in readings[-5:]]
        if (len(recent) == 5 and max(recent) - min(recent) < 2.0) or time.monotonic() - started > longest:
            break
        await asyncio.sleep(1.0)
    cpu = group_cpu_seconds(group) - cpu_before
    return readings[-1], cpu / (time.monotonic() - started)


def established(pids: list[int], port: int) -> dict[int, int]:
    """Established connections to the server's ``port`` held by each web process: the
    sockets' inodes in /proc/net/tcp matched against each process's descriptors."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(f"socket:[{fields[9]}]")
    counts = {}
    for pid in pids:
        held = 0
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    held += os.readlink(fd) in inodes
        counts[pid] = held
    return counts


#: ``--tracemalloc``: put first on the stack's PYTHONPATH as ``sitecustomize``, so that each
#: of its processes (traced from start-up: PYTHONTRACEMALLOC) dumps a tracemalloc snapshot
#: when sent SIGUSR2 (uvicorn leaves that signal alone). Nothing of it is in the product.
TRACEMALLOC_HOOK = """
import itertools, os, signal, tracemalloc
_dumps = itertools.count()
def _dump(signum, frame):
    path = os.path.join(os.environ["WA_TRACEMALLOC_DIR"], f"{os.getpid()}.{next(_dumps)}")
    tracemalloc.take_snapshot().dump(path + ".tmp")
    os.replace(path + ".tmp", path)
if tracemalloc.is_tracing() and os.environ.get("WA_TRACEMALLOC_DIR"):
    signal.signal(signal.SIGUSR2, _dump)
"""


async def snapshots(pids: list[int], folder: Path, number: int) -> list[tracemalloc.Snapshot]:
    """The ``number``-th snapshot of each web process (see :data:`TRACEMALLOC_HOOK`)."""
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)
    paths = [folder / f"{pid}.{number}" for pid in pids]
    deadline = time.monotonic() + 120
    while not all(path.exists() for path in paths) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    return [tracemalloc.Snapshot.load(str(path)) for path in paths]


def allocation_sites(
    before: list[tracemalloc.Snapshot], after: list[tracemalloc.Snapshot], sockets: int
) -> list[str]:
    """Where the web processes' traced memory grew, by allocating line, summed over them."""
    grown: dict[str, int] = {}
    for old, new in zip(before, after, strict=True):
        for stat in new.compare_to(old, "lineno"):
            frame = stat.traceback[0]
            site = f"{_short(frame.filename)}:{frame.lineno}"
            grown[site] = grown.get(site, 0) + stat.size_diff
    total = sum(grown.values())
    lines = [
        f"  traced growth {total / MB:.1f} MB, {total / sockets / 1000:.1f} KB a socket; the largest sites:"
    ]
    for site, size in sorted(grown.items(), key=lambda item: -item[1])[:25]:
        lines.append(f"    {size / sockets:8.0f} B a socket  {site}")
    return lines


def _short(filename: str) -> str:
    """A file's name from its package on (site-packages/… or the project's path)."""
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.relpath(filename, Path(__file__).resolve().parent.parent)


# --- the run -----------------------------------------------------------------------------------


async def latency(
    agents: Agents, stack: Stack, args: argparse.Namespace, tag: str, label: str
) -> dict[str, object]:
    """B2's end-to-end run (``bench/delivery.py``'s ``end_to_end``; ``tag`` marks this run's
    messages) and the CPU seconds the web processes and the worker spent on it."""
    await agents.reconnect_closed()
    meter = CpuMeter(stack)
    e2e, lost, errors = await end_to_end(agents, stack.url, args.rate, args.seconds, tag)
    spent = meter.spent()
    print(
        f"  {label:<26} p50 {e2e['p50']:7.1f} ms, p90 {e2e['p90']:7.1f} ms, p99 {e2e['p99']:7.1f} ms; "
        f"lost {lost}, HTTP errors {errors}; CPU s web / worker {spent['web_cpu_s']:.2f} / {spent['worker_cpu_s']:.2f}",
        flush=True,
    )
    await asyncio.sleep(2.0)  # the queues drain before the next run
    return {**e2e, "lost": lost, "http_errors": errors, **spent}


def _memory_line(label: str, memory: Memory, base: Memory | None, sockets: int, cpu: float) -> str:
    line = f"  {label:<34} VmRSS {memory.rss_mb:7.1f} MB, Pss {memory.pss_mb:7.1f} MB"
    if base is not None:
        rss, pss = memory.rss_mb - base.rss_mb, memory.pss_mb - base.pss_mb
        line += f"  (+{rss:.1f} / +{pss:.1f} MB"
        if sockets:
            line += f"; {rss * MB / sockets / 1000:.1f} / {pss * MB / sockets / 1000:.1f} KB a socket"
        line += ")"
    return line + f"; web CPU while idle {cpu * 100:.1f} % of a core"


async def run(stack: Stack, args: argparse.Namespace) -> dict[str, object]:
    setup = stack.shell(SETUP.format(agents=AGENTS, per_agent=PER_AGENT))
    agent_count = -(-args.sockets // args.per_agent)
    started = time.perf_counter()
    sessions = stack.shell(IDLE_SETUP.format(agents=agent_count))
    sessions = [s for s in sessions for _ in range(args.per_agent)][: args.sockets]
    print(f"  {agent_count} idle agents and their sessions created in {time.perf_counter() - started:.1f} s")
    server = stack.processes[0].pid
    web = web_processes(server)
    port = int(stack.url.rsplit(":", 1)[1])
    print(f"  web processes: {web}")
    agents = Agents(stack.url, setup)
    await agents.connect()
    holder: Holder | None = None
    runs: dict[str, dict[str, object]] = {}
    memory: dict[str, dict[str, object]] = {}
    out: dict[str, object] = {"runs": runs, "memory": memory, "sockets": args.sockets, "web": web}
    lines: list[str] = []
    traced: list[list[tracemalloc.Snapshot]] = []
    trace_dir = Path(stack.env.get("WA_TRACEMALLOC_DIR", ""))

    async def measure(tag: str, key: str, label: str) -> None:
        if not args.tracemalloc:  # traced processes are slower: their latency says nothing
            runs[key] = await latency(agents, stack, args, tag, label)
            now = Memory.read(web)
            runs[key].update(rss_mb_after=now.rss_mb, pss_mb_after=now.pss_mb)
            print(f"  {'':<26} web processes at its end: VmRSS {now.rss_mb:.1f} MB, Pss {now.pss_mb:.1f} MB")
        same_workers(label)

    def same_workers(label: str) -> None:
        """Stop when uvicorn's supervisor replaced a worker (it kills one that does not answer
        its health check within 5 s): the memory and latency after that are another process's."""
        if web_processes(server) != web:
            out["restarted"] = web_processes(server)
            raise RuntimeError(f"web processes replaced during '{label}': {web} -> {out['restarted']}")

    def note(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    async def snapshot() -> None:
        if args.tracemalloc:
            traced.append(await snapshots(web, trace_dir, len(traced)))

    try:
        print(f"\n== warm-up, then B2 at {args.rate:g}/s for {args.seconds:g} s", flush=True)
        await end_to_end(agents, stack.url, args.rate / 2, 2.0, "warm-")
        await asyncio.sleep(2.0)
        await measure("a-", "without", "without")
        base, cpu = await settled(web, server, args.settle)
        memory["before"] = {**base.as_dict(), "idle_cpu_cores": cpu}
        note(_memory_line("before (B2's 50 agents only)", base, None, 0, cpu))
        await snapshot()

        holder = await Holder.start(stack.url, sessions, args.compression)
        opened = await holder.ask("open")
        print(
            f"\n  opened {opened['open']} of {args.sockets} idle sockets in {opened['seconds']:.1f} s "
            f"({opened['open'] / max(opened['seconds'], 0.001):.0f}/s); failed: {opened['failed'] or 'none'}",
            flush=True,
        )
        out["opened"] = opened
        bare, cpu = await settled(web, server, args.settle)
        same_workers("opening the sockets")
        connections = established(web, port)
        memory["bare"] = {**bare.as_dict(), "idle_cpu_cores": cpu, "connections": connections}
        note(_memory_line(f"{opened['open']} bare sockets open", bare, base, opened["open"], cpu))
        print(
            "  established connections per web process (B2's 50 agents included): "
            + ", ".join(f"{pid}: {n}" for pid, n in connections.items()),
            flush=True,
        )
        await snapshot()
        await measure("bare-", "bare", f"with {opened['open']} bare")

        if args.idle == "console":
            answered = await holder.ask("console")
            print(f"  console commands answered in {answered['seconds']:.1f} s; heartbeat on", flush=True)
            kept, cpu = await settled(web, server, max(args.settle, PING_AFTER + HEARTBEAT_CHECK))
            same_workers("the console's commands")
            status = await holder.ask("status")
            memory["console"] = {**kept.as_dict(), "idle_cpu_cores": cpu}
            note(_memory_line(f"{status['open']} console sockets open", kept, base, status["open"], cpu))
            await snapshot()
            await measure("console-", "console", f"with {status['open']} console")
            status = await holder.ask("status")
            out["holder"] = status
            print(
                f"  holder: {status['pings']} pings sent, {status['frames']} frames read, closed by the "
                f"server {status['closed_by_server'] or 'none'}, its RSS {status['holder_rss_kb'] / 1000:.0f} MB",
                flush=True,
            )

        closed = await holder.ask("close")
        print(f"  closed them in {closed['seconds']:.1f} s", flush=True)
        after, cpu = await settled(web, server, args.settle)
        memory["closed"] = {**after.as_dict(), "idle_cpu_cores": cpu}
        note(_memory_line("after closing them", after, base, 0, cpu))
        await measure("b-", "again", "without, again")
    except RuntimeError as error:  # a web process replaced: what was measured until then
        print(f"  stopped: {error}", flush=True)
        out["error"] = str(error)
    finally:
        await agents.close()
        if holder is not None:
            await holder.stop()
    if len(traced) >= 2:
        lines.append("\n== tracemalloc: opening the bare sockets")
        lines.extend(allocation_sites(traced[0], traced[1], args.sockets))
    if len(traced) >= 3:
        lines.append("\n== tracemalloc: the console's commands and heartbeat on top")
        lines.extend(allocation_sites(traced[1], traced[2], args.sockets))
    out["memory_lines"] = lines
    return out


def report(out: dict[str, object], args: argparse.Namespace) -> None:
    print(
        f"\n== the web processes' memory (sum of {len(cast(list, out['web']))} uvicorn workers; MB = 10^6 bytes)"
    )
    for line in cast(list[str], out["memory_lines"]):
        print(line)
    if args.tracemalloc:
        print("  (traced: the figures include tracemalloc's own records of every allocation)")
    memory = cast(dict[str, dict[str, float]], out["memory"])
    idle = memory.get("console") or memory.get("bare")
    if idle and cast(dict[str, int], out.get("opened", {})).get("open"):
        added = idle["pss_mb"] - memory["before"]["pss_mb"]
        added_rss = idle["rss_mb"] - memory["before"]["rss_mb"]
        scaled = max(added, added_rss) * 10_000 / args.sockets
        print(
            f"  target: 10 000 idle sockets add <= 200 MB: {max(added, added_rss):.0f} MB for {args.sockets} "
            f"({scaled:.0f} MB per 10 000) -> {'met' if scaled <= 200 else 'NOT met'}"
        )
    runs = cast(dict[str, dict[str, float]], out["runs"])
    controls = [runs[key] for key in ("without", "again") if key in runs]
    if not controls:
        return
    print(
        f"\n== webhook -> agent frame at {args.rate:g}/s for {args.seconds:g} s (B2), against the runs without"
    )
    for key in ("p50", "p99"):
        control = sum(run[key] for run in controls) / len(controls)
        print(
            f"  {key}: without "
            + ", then ".join(f"{run[key]:.1f} ms" for run in controls)
            + f" (mean {control:.1f})"
        )
        for name in ("bare", "console"):
            if name in runs:
                print(
                    f"       with {name} sockets {runs[name][key]:.1f} ms ({runs[name][key] / control - 1:+.0%}); "
                    f"lost {runs[name]['lost']:.0f}"
                )
    print("  target: p50 and p99 move by at most 10 % with the idle sockets open; nothing lost")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=10_000, help="idle agent sockets to open")
    parser.add_argument("--per-agent", type=int, default=1, help="sockets per idle agent (browser tabs)")
    parser.add_argument("--rate", type=float, default=200.0, help="B2's webhooks per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="each latency run's length")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--idle",
        choices=["bare", "console"],
        default="console",
        help="bare: measure only connected sockets; console: then also as the console keeps them",
    )
    parser.add_argument(
        "--compression",
        choices=["browser", "none"],
        default="browser",
        help="what the idle sockets offer: permessage-deflate as a browser does, or nothing",
    )
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait before reading memory")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace the web processes' allocations and print where the sockets' memory goes "
        "(no latency runs: traced processes are slower)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--hold", type=Path, help=argparse.SUPPRESS)  # the holder process
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        asyncio.run(hold(args.hold, args.url, args.compression))
        return

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < args.sockets + 1_000:
        raise SystemExit(
            f"{args.sockets} sockets need more open files than the hard limit ({hard}): ulimit -Hn"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the stack's processes inherit it
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; PostgreSQL + "
        f"Redis; {args.web_workers} uvicorn processes, a Celery worker and beat; {AGENTS} B2 agents and "
        f"{args.sockets} idle sockets ({args.per_agent} per agent, compression: {args.compression}); "
        f"open files {soft} -> {hard}"
    )
    extra_env = {"LOG_LEVEL": "WARNING"}
    trace_dir = Path(tempfile.mkdtemp(prefix="wa-tracemalloc-"))
    if args.tracemalloc:
        (trace_dir / "sitecustomize.py").write_text(TRACEMALLOC_HOOK)
        extra_env.update(
            PYTHONPATH=f"{trace_dir}{os.pathsep}{ROOT}",
            PYTHONTRACEMALLOC="1",
            WA_TRACEMALLOC_DIR=str(trace_dir),
        )
    with running_stack(extra_env=extra_env, web_workers=args.web_workers) as stack:
        try:
            out = asyncio.run(run(stack, args))
        finally:  # what the server, worker and beat complained about; a worker uvicorn replaced
            problems = [
                line
                for line in stack.log().splitlines()
                if any(word in line for word in (" WARNING ", " ERROR ", "died", "Traceback", "Error"))
            ]
            if problems:
                print(f"\n== the stack's warnings and errors ({len(problems)} lines, the last 30)")
                print("\n".join(problems[-30:]))
    report(out, args)
    print(f"  load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    shutil.rmtree(trace_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
