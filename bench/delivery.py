"""B2 + B4: webhook POST → agent WebSocket frame latency, and transcript page cost.

Runs the scaled product (PostgreSQL, Redis, uvicorn, Celery worker and beat: the
``tests/stack.py`` stack; set DATABASE_URL and REDIS_URL, defaults below) with 50 agents
connected, each owning 4 conversations. Then, in the same run:

1. the floor: a bare channel-layer round trip (group_send from this process → the
   server's consumer → the agent's WebSocket frame), at the same rate;
2. end to end: signed webhooks posted open-loop at 50/s and 200/s, latency from each
   webhook's *scheduled* send time to the agent's frame; every message must arrive
   (counted over the sockets and confirmed in the database);
3. transcript: latest page and a deep "older messages" page (cursor in the oldest 1 %)
   for contacts with 100 / 10 000 / 100 000 messages, median of repeated requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/delivery.py
Targets (issue "The agent console"): p50 ≤ 25 ms and p99 ≤ 100 ms at 200 webhooks/s, nothing
lost; deep(100 000) ≤ 1.2 × latest(100).

With ``--supervisors N`` (S1, issue 12) each rate's end-to-end run is followed at once by
the same run with N supervisors watching the live board (each socket sends the ``board``
command and receives the pushes): their latency must stay within 10 % of the run without
them. ``--board-filters '{"queue_sort": "-name"}'`` makes them watch a narrowed board
(read in the web process, not by the worker). ``--skip-transcript`` leaves out part 3.
Agents' sockets the server closed under overload (1012) are reconnected between runs, and
counted. Webhooks not answered 2xx are resent as Meta resends them (pauses 0.25 s … 4 s;
the wait counts in their latency) and every failed send is printed by its reason.

``--search --web-workers 2`` (issue 14, target 2) instead searches the highest rate at
which the end-to-end p99 stays ≤ 100 ms (``--target-p99``) with nothing lost, and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import websockets
from redis.exceptions import RedisError

from bench.common import STACK_APP_SECRET, CpuMeter, cpu_per_message_line, signed_webhook_post
from bench.loadgen import open_loop
from tests.stack import running_stack

AGENTS = 50
PER_AGENT = 4

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from datetime import timedelta
from conversations.models import AgentProfile, Channel, Contact, Interaction
User = get_user_model()
channel = Channel.objects.get()
agents = []
for n in range({agents}):
    user = User.objects.create_user(username=f"bench{{n}}", password="x")
    AgentProfile.objects.create(user=user, capacity=10)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    owned = []
    for k in range({per_agent}):
        contact = Contact.objects.create(wa_id=f"4917{{n:04d}}{{k:03d}}", profile_name=f"C{{n}}-{{k}}")
        interaction = Interaction.objects.create(
            contact=contact, channel=channel, owner=user, state="active", queued_at=timezone.now(),
            accepted_at=timezone.now(), window_expires_at=timezone.now() + timedelta(hours=20))
        owned.append([interaction.pk, contact.wa_id])
    agents.append({{"id": user.pk, "session": session.session_key, "owned": owned}})
print(json.dumps({{"agents": agents, "phone_number_id": channel.phone_number_id,
                  "display": channel.display_phone_number}}))
"""

SUPERVISORS = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
User = get_user_model()
sessions = []
for n in range({count}):
    user = User.objects.create_superuser(username=f"boss{{n}}", password="x")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
print(json.dumps(sessions))
"""

SEED_HISTORY = """
import json
from datetime import timedelta
from django.utils import timezone
from conversations.models import Channel, Contact, Interaction, Message
channel = Channel.objects.get()
owner = Interaction.objects.filter(owner__username="bench0").first().owner
result = {{}}
for size in {sizes}:
    contact = Contact.objects.create(wa_id=f"4918{{size:09d}}", profile_name=f"history {{size}}")
    start = timezone.now() - timedelta(days=400)
    old = Interaction.objects.create(contact=contact, channel=channel, state="closed", queued_at=start)
    Interaction.objects.filter(pk=old.pk).update(created_at=start)
    batch = []
    for i in range(size):
        at = start + timedelta(seconds=i * 60)
        batch.append(Message(channel=channel, interaction=old, contact=contact, direction="in" if i % 3 else "out",
                             wamid=f"wamid.hist{{size}}-{{i}}", body=f"history message {{i}} of {{size}}",
                             origination_at=at, arrived_at=at, status="received" if i % 3 else "read"))
        if len(batch) == 5000:
            Message.objects.bulk_create(batch); batch = []
    Message.objects.bulk_create(batch)
    current = Interaction.objects.create(contact=contact, channel=channel, owner=owner, state="active",
                                         queued_at=timezone.now(), window_expires_at=timezone.now() + timedelta(hours=1))
    deep = Message.objects.filter(contact=contact).order_by("origination_at", "id")[max(size // 100, 1)]
    result[size] = {{"interaction": current.pk, "cursor": f"{{deep.origination_at.isoformat()}}|{{deep.pk}}"}}
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as c: c.execute("ANALYZE conversations_message")
print(json.dumps(result))
"""


def signed_webhook(key: str, customer: tuple[str, int], setup: dict, host: str, stamp_ns: int) -> bytes:
    """A signed single-text webhook whose body carries ``n=<key>`` (matched at the socket)."""
    wa_id, _ = customer
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "200000000000001",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": setup["display"],
                                    "phone_number_id": setup["phone_number_id"],
                                },
                                "contacts": [{"profile": {"name": "Bench"}, "wa_id": wa_id}],
                                "messages": [
                                    {
                                        "from": wa_id,
                                        "id": f"wamid.delivery-{stamp_ns}-{key}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": f"t={stamp_ns} n={key}"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        },
        separators=(",", ":"),
    ).encode()
    return signed_webhook_post(body, app_secret=STACK_APP_SECRET, host=host)


class Agents:
    """50 console sockets; records every message frame's arrival time by its index."""

    def __init__(self, url: str, setup: dict) -> None:
        self.url, self.setup = url, setup
        self.arrivals: dict[str, float] = {}
        self.sockets: list = []
        self.tasks: list[asyncio.Task] = []

    async def connect(self) -> None:
        for agent in self.setup["agents"]:
            await self._connect(agent)

    async def reconnect_closed(self) -> int:
        """Connect again the agents whose sockets the server closed (1012 when an overloaded
        server's live probes failed: the console reconnects the same way); how many."""
        closed = [i for i, socket in enumerate(self.sockets) if socket.close_code is not None]
        for index in closed:
            self.tasks[index].cancel()
            await self._connect(self.setup["agents"][index], index)
        return len(closed)

    async def _connect(self, agent: dict, index: int | None = None) -> None:
        ws_url = self.url.replace("http", "ws") + "/ws/console/"
        # No client keepalive: on a loaded machine a late pong closed sockets (1011)
        # and counted their messages as lost.
        socket = await websockets.connect(
            ws_url,
            additional_headers={"Cookie": f"sessionid={agent['session']}", "Origin": self.url},
            ping_interval=None,
        )
        assert json.loads(await socket.recv())["type"] == "hello"
        await socket.send(
            json.dumps({"command": "subscribe", "interaction_ids": [i for i, _ in agent["owned"]]})
        )
        assert json.loads(await socket.recv())["type"] == "subscribed"
        task = asyncio.create_task(self._read(socket))
        if index is None:
            self.sockets.append(socket)
            self.tasks.append(task)
        else:
            self.sockets[index], self.tasks[index] = socket, task

    async def _read(self, socket) -> None:
        async for raw in socket:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") == "message.created":
                body = frame["message"]["body"]
                key = body.split(" n=")[-1] if " n=" in body else body
                self.arrivals.setdefault(f"message.created:{key}", now)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for socket in self.sockets:
            await socket.close()


class Supervisors:
    """S1: supervisors' sockets watching the board; counts the board frames they receive."""

    def __init__(self, url: str, sessions: list[str], filters: dict | None = None) -> None:
        self.url, self.sessions, self.filters = url, sessions, filters or {}
        self.boards = 0
        self.sockets: list = []
        self.tasks: list[asyncio.Task] = []

    async def connect(self) -> None:
        ws_url = self.url.replace("http", "ws") + "/ws/console/"
        for session in self.sessions:
            socket = await websockets.connect(
                ws_url,
                additional_headers={"Cookie": f"sessionid={session}", "Origin": self.url},
                max_size=2**24,
                ping_interval=None,
            )
            assert json.loads(await socket.recv())["type"] == "hello"
            await socket.send(json.dumps({"command": "board", "filters": self.filters}))
            self.sockets.append(socket)
            self.tasks.append(asyncio.create_task(self._read(socket)))

    async def _read(self, socket) -> None:
        async for raw in socket:
            if json.loads(raw).get("type") == "board":
                self.boards += 1

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for socket in self.sockets:
            await socket.close()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:  # everything lost: the counts say so
        return {"p50": float("nan"), "p90": float("nan"), "p99": float("nan"), "max": float("nan"), "n": 0}

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {"p50": at(50), "p90": at(90), "p99": at(99), "max": ordered[-1] * 1000, "n": len(ordered)}


async def floor_round_trip(
    agents: Agents, env: dict, rate: float, seconds: float, tag: str
) -> tuple[dict, int]:
    """group_send from here → consumer in the server → agent socket, at a fixed rate.

    Each run's frames carry a tag of their own: an arrival is matched to this run's send,
    never to an earlier rate's frame of the same index (which printed negative latencies)."""
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[env["REDIS_URL"]], group_expiry=3600, capacity=1000)
    owners = [(a["id"], a) for a in agents.setup["agents"]]
    total = int(rate * seconds)
    start = time.perf_counter() + 0.1
    scheduled: dict[str, float] = {}

    async def one(i: int) -> None:
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        agent_id, _ = owners[i % len(owners)]
        scheduled[f"{tag}{i}"] = due
        # This client's pool may run dry on an overloaded machine: such a send counts as lost.
        with contextlib.suppress(RedisError):
            await layer.group_send(
                f"agent.{agent_id}", {"type": "message.created", "message": {"body": f"x n={tag}{i}"}}
            )

    await asyncio.gather(*(one(i) for i in range(total)))
    await asyncio.sleep(1.0)
    latencies = [
        agents.arrivals[f"message.created:{tag}{i}"] - scheduled[f"{tag}{i}"]
        for i in range(total)
        if f"message.created:{tag}{i}" in agents.arrivals
    ]
    return percentiles(latencies), total - len(latencies)


async def end_to_end(
    agents: Agents, url: str, rate: float, seconds: float, tag: str
) -> tuple[dict, int, int]:
    host = url.split("//", 1)[1]
    port = int(host.rsplit(":", 1)[1])
    customers = [(wa_id, agent["id"]) for agent in agents.setup["agents"] for _, wa_id in agent["owned"]]
    total = int(rate * seconds)
    stamp = time.time_ns()

    def factory(index: int) -> bytes:
        return signed_webhook(f"{tag}{index}", customers[index % len(customers)], agents.setup, host, stamp)

    # Resent as Meta resends what was not answered 2xx: nothing is lost silently, and a
    # resend's wait is in that message's latency.
    result = await open_loop("127.0.0.1", port, factory, rate=rate, seconds=seconds, resend=True)
    await asyncio.sleep(2.0)
    latencies, lost = [], 0
    for index in range(total):
        arrived = agents.arrivals.get(f"message.created:{tag}{index}")
        if arrived is None:
            lost += 1
        else:
            latencies.append(arrived - result.scheduled[index])
    if result.failures:
        print(
            f"  {tag}: failed sends by reason {result.failures}; resent {result.resent}, "
            f"never taken {result.lost}; HTTP statuses {result.statuses}"
        )
    return percentiles(latencies), lost, result.errors


def transcript_costs(stack, sizes: list[int], repeat: int) -> dict[int, dict[str, float]]:
    seeded = stack.shell(SEED_HISTORY.format(sizes=sizes))
    session = stack.shell(
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "u = get_user_model().objects.get(username='bench0')\n"
        "s = SessionStore(); s['_auth_user_id'] = str(u.pk)\n"
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create()\n"
        "import json; print(json.dumps(s.session_key))"
    )
    client = httpx.Client(base_url=stack.url, cookies={"sessionid": session}, timeout=30)
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        info = seeded[str(size)]
        latest_url = f"/api/v1/interactions/{info['interaction']}/transcript/"
        for _ in range(3):  # warm up
            client.get(latest_url).raise_for_status()
            client.get(latest_url, params={"before": info["cursor"]}).raise_for_status()
        latest, deep = [], []
        for _ in range(repeat):  # interleaved: the same noise for both
            t = time.perf_counter()
            client.get(latest_url).raise_for_status()
            latest.append(time.perf_counter() - t)
            t = time.perf_counter()
            page = client.get(latest_url, params={"before": info["cursor"]})
            deep.append(time.perf_counter() - t)
            assert len(page.json()["messages"]) > 0
        results[size] = {
            "latest_ms": statistics.median(latest) * 1000,
            "deep_ms": statistics.median(deep) * 1000,
        }
    return results


async def search_rate(stack, args) -> dict:
    """Issue 14, target 2: the highest rate at which webhook → agent frame stays within
    ``--target-p99`` with every message arriving. Rates grow by ``--search-step`` from
    ``--search-from`` until one fails, then two bisections between the last that held and
    the first that did not. Every run is open loop, resending what was not taken."""
    setup = stack.shell(SETUP.format(agents=AGENTS, per_agent=PER_AGENT))
    agents = Agents(stack.url, setup)
    await agents.connect()
    runs: list[dict] = []
    idle: dict[str, float] = {}

    async def holds(rate: float) -> bool:
        await agents.reconnect_closed()
        meter = CpuMeter(stack)
        e2e, lost, errors = await end_to_end(agents, stack.url, rate, args.seconds, f"s{rate:g}-")
        spent = meter.spent()
        ok = e2e["n"] > 0 and lost == 0 and e2e["p99"] <= args.target_p99
        runs.append({"rate": rate, **e2e, "lost": lost, "http_errors": errors, "holds": ok, **spent})
        print(
            f"  {rate:>7.0f}/s: p50 {e2e['p50']:.1f} ms, p99 {e2e['p99']:.1f} ms, lost {lost}, "
            f"failed sends {errors} -> {'holds' if ok else 'does not hold'}\n"
            f"           {cpu_per_message_line(spent, int(rate * args.seconds), idle)}",
            flush=True,
        )
        await asyncio.sleep(2.0)  # the queues drain before the next rate
        return ok

    try:  # a warm-up, not counted: the processes' first requests fill caches and pools
        await end_to_end(agents, stack.url, args.search_from / 2, 2.0, "warm-")
        await asyncio.sleep(2.0)
        # What the stack spends with nothing sent (the beat, the live watch's probes, the
        # sockets' pings), taken off each rate's CPU to print a message's own cost.
        meter = CpuMeter(stack)
        await asyncio.sleep(args.seconds)
        idle = meter.spent()
        print(
            f"  idle for {idle['wall_s']:.0f} s: the machine busy {idle['machine_busy_s'] / idle['wall_s']:.0%} of a core"
        )
        held, failed, rate = 0.0, 0.0, args.search_from
        while rate <= args.search_max:
            if not await holds(rate):
                failed = rate
                break
            held, rate = rate, rate * args.search_step
        if failed and held:
            for _ in range(2):
                middle = round((held + failed) / 2)
                if await holds(middle):
                    held = middle
                else:
                    failed = middle
    finally:
        await agents.close()
    return {"highest": held, "first_failing": failed, "runs": runs}


async def run_delivery(stack, args) -> dict:
    setup = stack.shell(SETUP.format(agents=AGENTS, per_agent=PER_AGENT))
    agents = Agents(stack.url, setup)
    await agents.connect()
    try:
        out: dict = {"floor": {}, "e2e": {}}
        sessions = stack.shell(SUPERVISORS.format(count=args.supervisors)) if args.supervisors else []
        if sessions:
            out["watched"] = {}
        for rate in args.rates:
            # Side by side, per rate: alone, then with the supervisors watching (the same
            # minute of a shared machine's load for both).
            out["reconnected"] = out.get("reconnected", 0) + await agents.reconnect_closed()
            floor, floor_lost = await floor_round_trip(
                agents, stack.env, rate, args.seconds, f"f{int(rate)}-"
            )
            meter = CpuMeter(stack)
            e2e, lost, errors = await end_to_end(agents, stack.url, rate, args.seconds, f"r{int(rate)}-")
            out["floor"][rate] = {**floor, "lost": floor_lost}
            out["e2e"][rate] = {**e2e, "lost": lost, "http_errors": errors, **meter.spent()}
            if not sessions:
                continue
            out["reconnected"] += await agents.reconnect_closed()
            watching = Supervisors(stack.url, sessions, json.loads(args.board_filters))
            await watching.connect()
            try:
                await asyncio.sleep(1.0)  # their first boards read and sent
                before = watching.boards
                meter = CpuMeter(stack)
                e2e, lost, errors = await end_to_end(agents, stack.url, rate, args.seconds, f"w{int(rate)}-")
                out["watched"][rate] = {
                    **meter.spent(),
                    **e2e,
                    "lost": lost,
                    "http_errors": errors,
                    "boards": watching.boards - before,
                }
            finally:
                await watching.close()
            if lost:
                closed = [s.close_code for s in agents.sockets if s.close_code is not None]
                print(f"messages were lost with supervisors watching; agents' sockets closed: {closed}")
    finally:
        await agents.close()
    stored = stack.shell(
        "from conversations.models import Message\n"
        "print(Message.objects.filter(wamid__startswith='wamid.delivery-').count())"
    )
    out["stored"] = stored
    out["sent"] = int(sum(r * args.seconds for r in args.rates)) * (2 if args.supervisors else 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[50.0, 200.0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--web-workers", type=int, default=1, help="uvicorn processes sharing the port")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--supervisors", type=int, default=0, help="S1: run again with N supervisors on the board"
    )
    parser.add_argument("--board-filters", default="{}", help="S1: the supervisors' board filters (JSON)")
    parser.add_argument("--skip-transcript", action="store_true")
    parser.add_argument(
        "--search",
        action="store_true",
        help="issue 14, target 2: search the highest rate with p99 <= --target-p99, nothing lost "
        "(instead of the fixed --rates; use with --web-workers 2)",
    )
    parser.add_argument("--search-from", type=float, default=100.0)
    parser.add_argument("--search-step", type=float, default=1.5)
    parser.add_argument("--search-max", type=float, default=4000.0)
    parser.add_argument("--target-p99", type=float, default=100.0, help="ms")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; PostgreSQL + Redis; {args.web_workers} uvicorn "
        f"processes, a Celery worker and beat; {AGENTS} agents connected"
    )
    if args.search:
        with running_stack(extra_env={"LOG_LEVEL": "WARNING"}, web_workers=args.web_workers) as stack:
            print(f"\n== searching the highest rate with p99 <= {args.target_p99:g} ms, nothing lost")
            found = asyncio.run(search_rate(stack, args))
        print(
            f"\n  highest rate that held: {found['highest']:.0f} webhooks/s "
            f"({args.web_workers} web processes; first that did not: {found['first_failing'] or 'none tried'}); "
            "target >= 1000/s with 2 web processes"
        )
        if args.json:
            args.json.write_text(json.dumps(found, indent=2, default=str))
        return
    with running_stack(extra_env={"LOG_LEVEL": "WARNING"}, web_workers=args.web_workers) as stack:
        delivery = asyncio.run(run_delivery(stack, args))
        transcript = {} if args.skip_transcript else transcript_costs(stack, args.sizes, args.repeat)
        problems = [
            line
            for line in stack.log().splitlines()
            if line.strip() and not re.search(r" (INFO|DEBUG) ", line)
        ]
        if problems:  # what the server, worker and beat complained about
            print(f"\n== the stack's log ({len(problems)} lines, the last 40)")
            print("\n".join(problems[-40:]))
    print("\n== webhook POST -> agent WebSocket frame (open loop, from the scheduled send time)")
    for rate in args.rates:
        floor, e2e = delivery["floor"][rate], delivery["e2e"][rate]
        print(
            f"  {rate:>5.0f}/s  end to end: p50 {e2e['p50']:.1f} ms, p90 {e2e['p90']:.1f} ms, p99 {e2e['p99']:.1f} ms, "
            f"max {e2e['max']:.1f} ms; lost {e2e['lost']} of {e2e['n'] + e2e['lost']}, HTTP errors {e2e['http_errors']}"
        )
        print(
            f"         floor (channel layer -> consumer -> socket): p50 {floor['p50']:.1f} ms, "
            f"p99 {floor['p99']:.1f} ms; lost {floor['lost']}"
        )
        print(f"         {cpu_per_message_line(e2e, int(rate * args.seconds))}")
    for rate, watched in delivery.get("watched", {}).items():
        alone = delivery["e2e"][rate]
        print(
            f"  {rate:>5.0f}/s  with {args.supervisors} supervisors on the board: p50 {watched['p50']:.1f} ms "
            f"({watched['p50'] / alone['p50'] - 1:+.0%}), p99 {watched['p99']:.1f} ms "
            f"({watched['p99'] / alone['p99'] - 1:+.0%}); lost {watched['lost']}; "
            f"{watched['boards']} board frames ({watched['boards'] / args.seconds / args.supervisors:.1f}/s per supervisor)"
        )
        print(
            f"         CPU seconds over the run, web / worker: alone {alone['web_cpu_s']:.2f} / "
            f"{alone['worker_cpu_s']:.2f}, watched {watched['web_cpu_s']:.2f} / {watched['worker_cpu_s']:.2f}"
        )
    print(f"  stored in the database: {delivery['stored']} of {delivery['sent']} webhooks sent")
    if delivery.get("reconnected"):
        print(
            f"  agents' sockets the server closed under load and the bench reconnected: {delivery['reconnected']}"
        )
    if transcript:
        print("\n== transcript pages (median of interleaved requests, through HTTP)")
        base = transcript[min(args.sizes)]["latest_ms"]
        for size in args.sizes:
            row = transcript[size]
            print(
                f"  {size:>7} messages: latest {row['latest_ms']:.1f} ms, deep {row['deep_ms']:.1f} ms "
                f"(deep / latest({min(args.sizes)}) = {row['deep_ms'] / base:.2f})"
            )
        print("  target: deep(100000) <= 1.2 x latest(100)")
    if args.json:
        args.json.write_text(
            json.dumps({"delivery": delivery, "transcript": transcript}, indent=2, default=str)
        )


if __name__ == "__main__":
    main()
