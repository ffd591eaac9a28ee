"""What the stack benchmarks share: signed webhook requests and CPU meters of the stack.

``bench/delivery.py``, ``bench/ingest.py`` and ``bench/statuses.py`` all post webhooks
signed like Meta signs them, and the stack benches read what a phase cost the server in
CPU seconds (which a shared machine's load inflates less than latency); kept here once so
the benches cannot drift apart.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.loadgen import http_request
from whatsapp.signature import sign

if TYPE_CHECKING:
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

    from tests.stack import Stack

#: The app secret of the channel ``seed_demo`` creates in a ``tests.stack`` stack
#: (``WHATSAPP_APP_SECRET``'s default in ``waproject/settings.py``).
STACK_APP_SECRET = "sandbox-app-secret"
WEBHOOK_PATH = "/webhooks/whatsapp/"


def signed_webhook_post(body: bytes, *, app_secret: str, host: str) -> bytes:
    """The raw HTTP request of a webhook POST with ``X-Hub-Signature-256`` over ``body``,
    as Meta sends it (built in advance: the load generator only writes bytes)."""
    return http_request(
        "POST",
        WEBHOOK_PATH,
        host=host,
        body=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, app_secret)},
    )


def cpu_seconds_of(selected: Callable[[Path, list[str]], bool]) -> float:
    """CPU time (user + system) of the processes ``selected(proc_dir, stat_fields)`` picks;
    ``stat_fields`` are /proc/<pid>/stat's fields after the command name (state first)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if selected(stat.parent, fields):
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:  # the process ended meanwhile
            continue
    return total / ticks


def group_cpu_seconds(pgid: int) -> float:
    """CPU time of every process in the process group ``pgid`` (the stack starts each of its
    processes in a session of its own): what a phase cost the server, which a shared
    machine's load does not inflate the way it does latency."""
    return cpu_seconds_of(lambda _, fields: int(fields[2]) == pgid)  # pgrp


def database_backends_cpu_seconds(database: str) -> float:
    """CPU time of the PostgreSQL backends connected to ``database`` (their command line
    names it): the database's share of a phase, apart from other databases' clients on a
    shared server. Backends that ended during the phase are not counted (the stack's pools
    keep theirs)."""
    marker = f" {database} ".encode()

    def connected(proc: Path, _: list[str]) -> bool:
        return marker in (proc / "cmdline").read_bytes()

    return cpu_seconds_of(connected)


def redis_server_cpu_seconds() -> float:
    """CPU time of the Redis servers on this machine (every database of them: read it on a
    quiet machine)."""
    return cpu_seconds_of(lambda proc, _: (proc / "comm").read_bytes().startswith(b"redis-server"))


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores, /proc/stat: everything but idle and
    iowait): what the processes measured one by one leave out shows here."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds over a phase: the web server and the Celery worker (and the journal's
    drainer, when the stack runs one), the stack's PostgreSQL backends, Redis, this bench
    process (the load generator and the sockets' reader) and the whole machine. Divided by
    the messages of the phase, that is where a message's CPU goes, and what a machine of N
    cores can sustain at most (issue 14, target 2)."""

    def __init__(self, stack: Stack) -> None:
        self.web, self.worker = stack.processes[0].pid, stack.processes[1].pid
        drainers = [p.pid for p in stack.processes if "drain_webhooks" in str(p.args)]
        self.drainer = drainers[0] if drainers else None
        self.database = stack.env.get("DATABASE_URL", "").rsplit("/", 1)[-1] if stack.scaled else ""
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        now = {
            "wall_s": time.monotonic(),
            "web_cpu_s": group_cpu_seconds(self.web),
            "worker_cpu_s": group_cpu_seconds(self.worker),
            "bench_cpu_s": time.process_time(),
            "machine_busy_s": machine_busy_seconds(),
        }
        if self.drainer:
            now["drainer_cpu_s"] = group_cpu_seconds(self.drainer)
        if self.database:
            now["database_cpu_s"] = database_backends_cpu_seconds(self.database)
            now["redis_cpu_s"] = redis_server_cpu_seconds()
        return now

    def spent(self) -> dict[str, float]:
        return {key: value - self.start[key] for key, value in self._now().items()}


def cpu_per_message_line(spent: dict[str, float], messages: int, idle: dict[str, float] | None = None) -> str:
    """``spent`` (a :class:`CpuMeter`'s) in milliseconds a message, and the rate the
    machine's cores could sustain at that cost if nothing else ran. With ``idle`` (a
    meter's reading over a phase where nothing was sent), what the idle stack spends anyway
    in as long (its timers, probes, pings, the beat) is taken off first: the cost of a
    message at the margin."""
    parts = {
        "web": "web_cpu_s",
        "worker": "worker_cpu_s",
        "drainer": "drainer_cpu_s",
        "PostgreSQL": "database_cpu_s",
        "Redis": "redis_cpu_s",
        "bench": "bench_cpu_s",
        "machine": "machine_busy_s",
    }

    def cost(key: str) -> float:
        anyway = idle[key] * spent["wall_s"] / idle["wall_s"] if idle and key in idle else 0.0
        return max(spent[key] - anyway, 0.0) / messages

    shown = ", ".join(f"{label} {cost(key) * 1000:.2f}" for label, key in parts.items() if key in spent)
    cores = os.cpu_count() or 1
    machine = cost("machine_busy_s")
    ceiling = f"{cores / machine:.0f}/s" if machine else "unbounded"
    what = "over the idle stack's own" if idle else "the idle stack's own included"
    return f"CPU ms a message ({what}): {shown}; {cores} cores at that cost: at most {ceiling}"


def status_kb(pid: int, field: str = "VmRSS") -> int:
    """A ``kB`` line of /proc/<pid>/status (VmRSS…); 0 when the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def browser_deflate_offer() -> list[ClientPerMessageDeflateFactory]:
    """What a browser's WebSocket offers (permessage-deflate, the server picks its window),
    for the socket benches (``bench/sockets.py``, ``bench/socket_floor.py``): the server's
    memory a socket depends on what was agreed. A small memLevel keeps the bench's own
    compressors cheap and does not change the server's."""
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

    return [ClientPerMessageDeflateFactory(client_max_window_bits=True, compress_settings={"memLevel": 5})]
