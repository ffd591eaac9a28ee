"""Status storms (issue 14, target 3): template notifications' status webhooks in a burst.

Sending 10 000 template notifications brings back 30 000 status webhooks within seconds
(sent, delivered, read for each). Target: a burst of 3 000 statuses/s for 30 s is
acknowledged without a 5xx (acknowledgement p99 ≤ 1 s) and fully applied within 60 s.

On the scaled product (``tests/stack.py``: ``--web-workers`` uvicorn processes, a Celery
worker and beat on PostgreSQL and Redis; DATABASE_URL and REDIS_URL, defaults below) it:

1. seeds ``--messages`` outbound template messages as sending leaves them (a wamid each,
   status ``accepted``: WhatsApp's answer came back, no status yet), one per contact, in
   finished outbound conversations (the status path never reads the interaction; open
   ones would add the beat's timers to the storm), plus a few for an uncounted warm-up;
2. posts their statuses open loop at ``--rate`` statuses per second: per message ``sent``,
   then ``delivered`` about ``--lag`` seconds later, then ``read`` as much later again, the
   three streams interleaved (``--order shuffled``: every status at a random place, as
   Meta may deliver them; fixed seed). One status per webhook, Meta's common case
   (``--per-webhook K``: K consecutive statuses of different messages in one body, as Meta
   batches them). Bodies are what the sandbox posts (``sandbox.wire``): the pricing and
   conversation on ``sent`` and ``delivered``, our ``biz_opaque_callback_data`` echoed.
   A webhook not answered 2xx is resent as Meta resends it (``bench/loadgen.py``);
3. prints the answers by HTTP status (every 5xx counted), the acknowledgement latency
   from each webhook's *scheduled* send time (p50 / p90 / p99 / max), the rate achieved,
   the CPU milliseconds per status of the web processes, the worker and the database's
   backends; and, polling the database (every ``--poll`` s) until every message is
   ``read`` with all three timestamps or ``--settle`` seconds passed after the last
   scheduled send, the time until everything was applied and how many messages were not.

Before the storm, the floor (``--floor-seconds``, default 2): the storm's first webhooks
signed with a wrong secret at the same rate, answered 403 after the signature check with
nothing stored: the web CPU per request that HTTP, the route and the HMAC cost anyway.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/statuses.py                       # 10 000 messages at 3 000/s: 10 s
    python bench/statuses.py --seconds 30              # the 30-s burst: 30 000 messages
    python bench/statuses.py --messages 300 --rate 300 # a small try

Where the time goes per status webhook (statements, Redis round trips, a profile):
``python bench/webhook_profile.py --cases status``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.common import (
    STACK_APP_SECRET,
    CpuMeter,
    database_backends_cpu_seconds,
    signed_webhook_post,
)
from bench.loadgen import LoadResult, cpu_seconds, open_loop
from sandbox import wire
from tests.stack import Stack, running_stack

if TYPE_CHECKING:
    from conversations.models import Channel

#: What becomes of a delivered notification, in the order WhatsApp reports it.
STATES = ("sent", "delivered", "read")
WARM_MESSAGES = 300
SEED_BATCH = 5_000
SHUFFLE_SEED = 14

#: Run in the stack's Django (``manage.py shell``): the storm's messages, then the warm-up's.
SETUP = """
import json
from django.db import connection
from conversations.models import Channel
from bench.statuses import seed_template_messages
channel = Channel.objects.get()
ids = seed_template_messages(channel, {total})
print(json.dumps(dict(ids=ids, phone_number_id=channel.phone_number_id, display=channel.display_phone_number,
                      waba_id=channel.waba_id, database=connection.settings_dict["NAME"])))
"""
WA_ID = "4930{:09d}"
WAMID = "wamid.storm-{:07d}"


def seed_template_messages(channel: Channel, count: int) -> list[int]:
    """``count`` template notifications as sending leaves them (a wamid each, status
    ``accepted``: WhatsApp answered, no status came yet), one per contact, each in a
    finished outbound conversation (the status path never reads the interaction; open ones
    would add the beat's timers to the storm); their ids, by index. Bulk inserts, so that
    seeding 30 000 takes seconds."""
    # Lazy: called in a Django that is set up (the stack's shell, webhook_profile.py); this
    # module is imported before that by the bench itself.
    from django.db import connection
    from django.utils import timezone

    from conversations.models import Contact, Interaction, Message

    sent_at = timezone.now() - timedelta(minutes=1)
    content = {
        "template": {
            "name": "order_shipped",
            "language": "en",
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "4711"}]}],
        }
    }
    ids: list[int] = []
    for start in range(0, count, SEED_BATCH):
        size = min(SEED_BATCH, count - start)
        contacts = Contact.objects.bulk_create(
            [Contact(wa_id=WA_ID.format(start + i), profile_name=f"Storm {start + i}") for i in range(size)]
        )
        interactions = Interaction.objects.bulk_create(
            [
                Interaction(
                    contact=contact,
                    channel=channel,
                    state=Interaction.State.CLOSED,
                    origin=Interaction.Origin.OUTBOUND,
                    customer_wa_id=contact.wa_id or "",
                    queued_at=sent_at,
                    closed_at=sent_at,
                    last_outbound_at=sent_at,
                )
                for contact in contacts
            ]
        )
        messages = Message.objects.bulk_create(
            [
                Message(
                    channel=channel,
                    interaction=interaction,
                    contact=interaction.contact,
                    direction=Message.Direction.OUTBOUND,
                    type=Message.Type.TEMPLATE,
                    wamid=WAMID.format(start + i),
                    body="Your order 4711 is on its way.",
                    content=content,
                    origination_at=sent_at,
                    arrived_at=sent_at,
                    automated=True,
                    status=Message.Status.ACCEPTED,
                    send_attempts=1,
                    send_started_at=sent_at,
                )
                for i, interaction in enumerate(interactions)
            ]
        )
        ids += [message.pk for message in messages]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE conversations_message")
    return ids


@dataclass(frozen=True)
class Status:
    """One status of the storm: of which message, which state, its WhatsApp timestamp."""

    message: int
    state: int  # index into STATES
    at: int  # Unix seconds


@dataclass
class Seeded:
    """What SETUP made: message ids by index, and the channel the webhooks must name."""

    ids: list[int]
    phone_number_id: str
    display: str
    waba_id: str
    database: str


def schedule(messages: range, *, rate: float, lag: float, shuffled: bool, start_unix: int) -> list[Status]:
    """The order the statuses are posted in. In order: status ``s`` of message ``i`` is due
    at ``i · 3/rate + s · lag`` seconds (the sent stream at a third of the rate, delivered
    and read following it ``lag`` and ``2 · lag`` later), posted in the order of that time
    at the fixed rate; each status's timestamp is its due second. Shuffled: the same
    statuses (and timestamps) in a random order of a fixed seed."""
    due = sorted(
        ((i - messages.start) * len(STATES) / rate + s * lag, i, s)
        for i in messages
        for s in range(len(STATES))
    )
    order = [Status(message=i, state=s, at=start_unix + int(t)) for t, i, s in due]
    if shuffled:
        random.Random(SHUFFLE_SEED).shuffle(order)
    return order


def status_body(statuses: list[Status], seeded: Seeded) -> bytes:
    """A ``messages`` webhook carrying ``statuses`` as the sandbox (and Meta) writes them:
    pricing and conversation on sent and delivered, the callback data our sends carry
    (``conversations.services.statuses.callback_data``) echoed."""
    items = [
        wire.status_object(
            wamid=WAMID.format(status.message),
            status=STATES[status.state],
            at=datetime.fromtimestamp(status.at, UTC),
            recipient_id=WA_ID.format(status.message),
            category="utility",
            conversation_id=f"{status.message:032x}",
            with_pricing=status.state < 2,
            conversation_expires_at=(
                datetime.fromtimestamp(status.at + 86_400, UTC) if status.state == 0 else None
            ),
            biz_opaque_callback_data=f"wa-msg:{seeded.ids[status.message]}",
        )
        for status in statuses
    ]
    return wire.dumps(
        wire.envelope(
            waba_id=seeded.waba_id,
            display_phone_number=seeded.display,
            phone_number_id=seeded.phone_number_id,
            statuses=items,
        )
    )


def requests(
    order: list[Status], seeded: Seeded, *, per_webhook: int, host: str, app_secret: str = STACK_APP_SECRET
) -> list[bytes]:
    """Every signed request of a run, built before it starts: the load generator then only
    writes bytes (it shares the 2 cores with the server)."""
    return [
        signed_webhook_post(status_body(order[n : n + per_webhook], seeded), app_secret=app_secret, host=host)
        for n in range(0, len(order), per_webhook)
    ]


def floor(stack: Stack, raw: list[bytes], *, port: int, rate: float, seconds: float) -> dict[str, Any]:
    """The transport's floor, from the same run: the storm's first webhooks signed with a
    wrong secret, at the same rate, answered 403 after the signature check (HTTP, the ASGI
    route, the hop to the webhook pool, the HMAC) with no database work. Its web CPU per
    request is what a webhook costs before anything is stored (the processes' background
    work over the phase is in it too: read it at storm rates, not at a few hundred a second)."""
    meter = CpuMeter(stack)
    result = asyncio.run(open_loop("127.0.0.1", port, raw.__getitem__, rate=rate, seconds=seconds))
    sent = int(rate * seconds)
    return {
        "requests": sent,
        "http_statuses": dict(sorted(result.statuses.items())),
        "web_cpu_ms_per_request": meter.spent()["web_cpu_s"] * 1000 / sent,
    }


@dataclass
class Progress:
    """The database's view of the storm, polled on a thread of its own: statuses applied
    (timestamps set) and messages fully applied (``read``, all three timestamps) over time."""

    url: str
    first_id: int
    last_id: int
    messages: int
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (perf_counter, statuses, messages)
    done_at: float | None = None

    QUERY = (
        "SELECT count(sent_at) + count(delivered_at) + count(read_at), "
        "count(*) FILTER (WHERE status = 'read' AND sent_at IS NOT NULL "
        "AND delivered_at IS NOT NULL AND read_at IS NOT NULL) "
        "FROM conversations_message WHERE id BETWEEN %s AND %s AND wamid LIKE 'wamid.storm-%%'"
    )

    def poll(self, every: float, until: threading.Event) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while True:
                row = connection.execute(self.QUERY, (self.first_id, self.last_id)).fetchone()
                statuses, applied = (int(row[0]), int(row[1])) if row else (0, 0)
                now = time.perf_counter()
                self.samples.append((now, statuses, applied))
                if applied >= self.messages:
                    self.done_at = now
                    return
                if until.wait(every):
                    return

    @property
    def applied(self) -> int:
        return self.samples[-1][2] if self.samples else 0

    @property
    def statuses(self) -> int:
        return self.samples[-1][1] if self.samples else 0


def seed(stack: Stack, total: int) -> Seeded:
    return Seeded(**stack.shell(SETUP.format(total=total)))


def outcome(stack: Stack, since: datetime) -> dict[str, Any]:
    """The stored webhook events of the storm by state (a failed one waits for the beat's
    retry) and the statuses parked for a wamid not known (there should be none)."""
    with psycopg.connect(stack.env["DATABASE_URL"], autocommit=True) as connection:
        states: dict[str, int] = dict(
            connection.execute(
                "SELECT state, count(*) FROM conversations_webhookevent WHERE received_at >= %s GROUP BY state",
                (since,),
            ).fetchall()
        )
        pending = connection.execute(
            "SELECT count(*) FROM conversations_pendingstatus WHERE wamid LIKE %s", ("wamid.storm-%",)
        ).fetchone()
    return {"events": states, "pending_statuses": int(pending[0]) if pending else 0}


def storm(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    host = stack.url.split("//", 1)[1]
    port = int(host.rsplit(":", 1)[1])
    seeded = seed(stack, args.messages + WARM_MESSAGES)
    start_unix = int(time.time())
    shuffled = args.order == "shuffled"

    # An uncounted warm-up on messages of its own: the processes' first requests fill
    # caches and pools (and the storm's messages stay untouched).
    warm_statuses = min(300.0, args.rate)
    warm_order = schedule(
        range(args.messages, args.messages + WARM_MESSAGES),
        rate=warm_statuses,
        lag=0.5,
        shuffled=False,
        start_unix=start_unix,
    )
    warm = requests(warm_order, seeded, per_webhook=args.per_webhook, host=host)
    warm_rate = warm_statuses / args.per_webhook
    asyncio.run(open_loop("127.0.0.1", port, warm.__getitem__, rate=warm_rate, seconds=len(warm) / warm_rate))
    time.sleep(2.0)  # the warm-up's work drains

    order = schedule(
        range(args.messages), rate=args.rate, lag=args.lag, shuffled=shuffled, start_unix=start_unix
    )
    raw = requests(order, seeded, per_webhook=args.per_webhook, host=host)
    webhook_rate = args.rate / args.per_webhook
    transport = {}
    if args.floor_seconds:
        forged = requests(
            order[: int(args.rate * args.floor_seconds)],
            seeded,
            per_webhook=args.per_webhook,
            host=host,
            app_secret="not-the-app-secret",
        )
        transport = floor(stack, forged, port=port, rate=webhook_rate, seconds=args.floor_seconds)
        time.sleep(2.0)
    progress = Progress(
        url=stack.env["DATABASE_URL"],
        first_id=min(seeded.ids[: args.messages]),
        last_id=max(seeded.ids[: args.messages]),
        messages=args.messages,
    )
    stop = threading.Event()
    poller = threading.Thread(target=progress.poll, args=(args.poll, stop), daemon=True)
    since = datetime.now(UTC)
    meter = CpuMeter(stack)
    database_before = database_backends_cpu_seconds(seeded.database)
    generator_before = cpu_seconds()
    started = time.perf_counter()
    poller.start()
    result: LoadResult = asyncio.run(
        open_loop(
            "127.0.0.1",
            port,
            raw.__getitem__,
            rate=webhook_rate,
            seconds=len(raw) / webhook_rate,
            resend=True,
        )
    )
    acknowledged = time.perf_counter()
    first_send = min(result.scheduled.values())
    last_send = max(result.scheduled.values())
    poller.join(timeout=max(0.0, last_send + args.settle - time.perf_counter()))
    stop.set()
    poller.join()
    cpu = {
        **meter.spent(),
        "database_cpu_s": database_backends_cpu_seconds(seeded.database) - database_before,
    }
    statuses = len(order)
    return {
        "messages": args.messages,
        "statuses": statuses,
        "webhooks": len(raw),
        "per_webhook": args.per_webhook,
        "order": f"shuffled (seed {SHUFFLE_SEED})" if shuffled else f"in order, lag {args.lag:g} s",
        "rate": args.rate,
        "webhook_rate": webhook_rate,
        "send_seconds": last_send - first_send,
        "http_statuses": dict(sorted(result.statuses.items())),
        "http_5xx": sum(n for status, n in result.statuses.items() if status >= 500),
        "failures": result.failures,
        "resent": result.resent,
        "never_taken": result.lost,
        "acknowledged": result.completed,
        "ack_p50_ms": result.percentile(50) * 1000,
        "ack_p90_ms": result.percentile(90) * 1000,
        "ack_p99_ms": result.percentile(99) * 1000,
        "ack_max_ms": max(result.latencies, default=float("nan")) * 1000,
        "acknowledged_per_s": result.completed / (acknowledged - first_send),
        "statuses_acknowledged_per_s": result.completed * args.per_webhook / (acknowledged - first_send),
        "last_ack_after_last_send_s": acknowledged - last_send,
        "applied_messages": progress.applied,
        "applied_statuses": progress.statuses,
        "not_applied_messages": args.messages - progress.applied,
        "applied_after_first_send_s": progress.done_at - first_send if progress.done_at else None,
        "applied_after_last_send_s": progress.done_at - last_send if progress.done_at else None,
        "settle_s": args.settle,
        "progress": [(round(t - first_send, 2), s, m) for t, s, m in progress.samples],
        **cpu,
        "cpu_ms_per_status": {k.removesuffix("_cpu_s"): v * 1000 / statuses for k, v in cpu.items()},
        "generator_cpu": (cpu_seconds() - generator_before) / (time.perf_counter() - started),
        **outcome(stack, since),
        "floor": transport,
    }


def report(out: dict[str, Any]) -> None:
    bad = f"{out['http_5xx']} answered 5xx" if out["http_5xx"] else "no 5xx"
    print(
        f"\n== {out['statuses']} statuses of {out['messages']} messages, {out['per_webhook']} per webhook, "
        f"{out['order']}; {out['webhooks']} webhooks at {out['webhook_rate']:.0f}/s "
        f"({out['rate']:.0f} statuses/s) over {out['send_seconds']:.1f} s"
    )
    print(f"  answers by HTTP status (every attempt): {out['http_statuses']}; {bad}")
    if out["failures"]:
        print(
            f"  failed attempts by reason: {out['failures']}; resent {out['resent']}, "
            f"never taken {out['never_taken']}"
        )
    print(
        f"  acknowledged {out['acknowledged']} of {out['webhooks']}: p50 {out['ack_p50_ms']:.1f} ms, "
        f"p90 {out['ack_p90_ms']:.1f} ms, p99 {out['ack_p99_ms']:.1f} ms, max {out['ack_max_ms']:.1f} ms "
        "from the scheduled send time   (target: no 5xx, p99 <= 1000 ms)"
    )
    print(
        f"  achieved: {out['acknowledged_per_s']:.0f} webhooks/s = {out['statuses_acknowledged_per_s']:.0f} "
        f"statuses/s acknowledged (first scheduled send to last answer); the last answer came "
        f"{out['last_ack_after_last_send_s']:.1f} s after the last scheduled send"
    )
    if out["applied_after_first_send_s"] is not None:
        applied = (
            f"all {out['messages']} messages read with every timestamp "
            f"{out['applied_after_first_send_s']:.1f} s after the first send "
            f"({out['applied_after_last_send_s']:+.1f} s after the last)"
        )
    else:
        applied = (
            f"NOT fully applied {out['settle_s']:g} s after the last send: {out['not_applied_messages']} "
            f"messages not read with every timestamp ({out['applied_statuses']} of {out['statuses']} statuses)"
        )
    print(f"  applied: {applied}   (target: within 60 s)")
    print(
        f"  stored events of the storm by state: {out['events']}; parked statuses: {out['pending_statuses']}"
    )
    per = out["cpu_ms_per_status"]
    print(
        f"  CPU per status: web {per['web']:.2f} ms, worker {per['worker']:.2f} ms, PostgreSQL backends "
        f"{per['database']:.2f} ms (total web {out['web_cpu_s']:.1f} s, worker {out['worker_cpu_s']:.1f} s, "
        f"database {out['database_cpu_s']:.1f} s)"
    )
    if "drainer" in per:
        print(
            f"  CPU per status of the journal's drainer: {per['drainer']:.2f} ms (total {out['drainer_cpu_s']:.1f} s)"
        )
    print(f"  load generator CPU: {out['generator_cpu'] * 100:.0f}% of one core")
    if out["floor"]:
        floor = out["floor"]
        print(
            f"  floor (the same webhooks with a bad signature, {floor['requests']} at the same rate, answered "
            f"{floor['http_statuses']}): web {floor['web_cpu_ms_per_request']:.2f} ms CPU per request"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--messages", type=int, help="template messages whose 3 statuses are posted (10 000)")
    size.add_argument("--seconds", type=float, help="instead: as many messages as --rate fills in this time")
    parser.add_argument("--rate", type=float, default=3000.0, help="statuses per second")
    parser.add_argument("--per-webhook", type=int, default=1, help="statuses per webhook body")
    parser.add_argument("--order", choices=["in-order", "shuffled"], default="in-order")
    parser.add_argument(
        "--lag", type=float, default=1.0, help="seconds from sent to delivered, delivered to read"
    )
    parser.add_argument("--web-workers", type=int, default=2, help="uvicorn processes sharing the port")
    parser.add_argument("--settle", type=float, default=60.0, help="seconds to wait after the last send")
    parser.add_argument(
        "--floor-seconds",
        type=float,
        default=2.0,
        help="first, the same webhooks badly signed (403, nothing stored) for this long; 0: none",
    )
    parser.add_argument("--poll", type=float, default=0.25, help="seconds between database polls")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.messages is None:
        args.messages = round(args.rate * args.seconds / len(STATES)) if args.seconds else 10_000
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; PostgreSQL + Redis; {args.web_workers} uvicorn "
        "processes, a Celery worker and beat"
    )
    with running_stack(extra_env={"LOG_LEVEL": "WARNING"}, web_workers=args.web_workers) as stack:
        out = storm(stack, args)
        # What the server, worker and beat complained about (not Celery's start-up banner).
        problems = [
            line
            for line in stack.log().splitlines()
            if re.search(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Error:", line)
        ]
    report(out)
    if problems:
        print(f"\n== the stack's log ({len(problems)} lines, the last 40)")
        print("\n".join(problems[-40:]))
    print(f"  load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps({**out, "stack_log_problems": len(problems)}, indent=2, default=str))


if __name__ == "__main__":
    main()
