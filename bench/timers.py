"""Issue 14, target 4: O1/O2 timers in bulk, on PostgreSQL and Redis (the scaled mode).

The beat's ``interaction-timers`` tick (``conversations.services.interactions``) is called
in this process, against a database of its own, with real channel-layer pushes (Redis):

1. 1 000 interactions, all of their 24-hour windows due: timers fired per second;
2. 100 000 interactions of which 1 000 are due: the cost per fired timer must be the same
   as in 1 (ratio ≤ 1.2: a tick reads what is due, not what is open);
3. 50 000 windows expiring in the same minute: ticks until all are announced (target: within
   60 s, ≥ 1 000 timers/s);
4. the outbound sweep's read (``sending.outbound_heads_due``, one batch of 100) with 1 000 due
   sends among 1 000 queued, then among 100 000 queued (99 000 retries waiting for later):
   its cost must follow the batch (ratio ≤ 1.2); the grouping it replaced is timed beside it.

    python bench/timers.py                  # DATABASE_URL / REDIS_URL: defaults below
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import run_manage

PG_URL = "postgres://postgres@127.0.0.1:5432/wa_bench_timers"
REDIS_URL = "redis://127.0.0.1:6379/13"
SEED_BATCH = 5_000


def prepare(env: dict[str, str]) -> None:
    for sql in ("DROP DATABASE IF EXISTS wa_bench_timers", "CREATE DATABASE wa_bench_timers"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    run_manage(env, "migrate", "--noinput")


def seed(total: int, due: int) -> None:
    """``total`` active interactions (a contact each) of which ``due`` have a closed window."""
    from django.db import connection
    from django.utils import timezone

    from conversations.models import Channel, Contact, Interaction

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE conversations_interaction, conversations_contact CASCADE")
    channel, _ = Channel.objects.get_or_create(
        phone_number_id="100000000000888",
        defaults={"name": "bench", "display_phone_number": "15550008888", "access_token": "x"},
    )
    now = timezone.now()
    past, future = now - timedelta(seconds=1), now + timedelta(hours=12)
    for start in range(0, total, SEED_BATCH):
        size = min(SEED_BATCH, total - start)
        contacts = Contact.objects.bulk_create(
            [Contact(wa_id=f"4917{start + i:08d}", profile_name=f"C{start + i}") for i in range(size)]
        )
        Interaction.objects.bulk_create(
            [
                Interaction(
                    contact=contact,
                    channel=channel,
                    state=Interaction.State.ACTIVE,
                    customer_wa_id=contact.wa_id or "",
                    last_inbound_at=now,
                    window_expires_at=past if start + i < due else future,
                    window_due_at=past if start + i < due else future,
                )
                for i, contact in enumerate(contacts)
            ]
        )


def seed_outbound(total: int, due: int) -> None:
    """One queued outbound message in each of the ``total`` interactions ``seed`` made: the
    first ``due`` are due (a retry a second ago), the others retry in an hour."""
    from django.utils import timezone

    from conversations.models import Interaction, Message

    now = timezone.now()
    rows = list(Interaction.objects.order_by("id").values_list("id", "contact_id", "channel_id"))
    for start in range(0, len(rows), SEED_BATCH):
        Message.objects.bulk_create(
            [
                Message(
                    interaction_id=interaction_id,
                    contact_id=contact_id,
                    channel_id=channel_id,
                    direction=Message.Direction.OUTBOUND,
                    status=Message.Status.QUEUED,
                    body="bench",
                    origination_at=now,
                    arrived_at=now - timedelta(minutes=5),
                    next_attempt_at=now - timedelta(seconds=1)
                    if start + i < due
                    else now + timedelta(hours=1),
                )
                for i, (interaction_id, contact_id, channel_id) in enumerate(rows[start : start + SEED_BATCH])
            ]
        )


def grouped_heads_due(now: datetime, limit: int) -> list[int]:
    """The outbound sweep's read as it was before (``GROUP BY`` interaction, ``MIN`` of when
    each fell due): kept here to be timed beside the current one."""
    from django.db.models import Exists, Min, OuterRef, Q
    from django.db.models.functions import Coalesce

    from conversations.models import Message
    from conversations.services.sending import _head_filter

    S = Message.Status
    earlier_unsent = Message.objects.filter(_head_filter(OuterRef("interaction_id")), id__lt=OuterRef("id"))
    return list(
        Message.objects.filter(status=S.QUEUED, direction=Message.Direction.OUTBOUND)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(channel__send_paused_until__gt=now)
        .filter(~Exists(earlier_unsent))
        .values("interaction_id")
        .annotate(due_at=Min(Coalesce("next_attempt_at", "arrived_at")))
        .order_by("due_at", "interaction_id")
        .values_list("interaction_id", flat=True)[:limit]
    )


def time_sweep_reads(rounds: int = 20) -> dict[str, float]:
    """PostgreSQL's execution time of one batch's read, in ms (EXPLAIN ANALYZE, median of
    ``rounds``, current and grouped interleaved so that both see the same machine): the
    server's cost, without this process's Python around it."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from conversations.services.sending import SWEEP_BATCH, outbound_heads_due

    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        current = outbound_heads_due(now=now, limit=SWEEP_BATCH)
        grouped = grouped_heads_due(now, SWEEP_BATCH)
    assert len(current) == SWEEP_BATCH and sorted(current) == sorted(grouped)
    sql = {"current": queries.captured_queries[-2]["sql"], "grouped": queries.captured_queries[-1]["sql"]}
    timings: dict[str, list[float]] = {"current": [], "grouped": []}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE conversations_message")
        for _ in range(rounds):
            for name in timings:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql[name])
                timings[name].append(float(cursor.fetchone()[0][0]["Execution Time"]))
    return {name: statistics.median(values) for name, values in timings.items()}


def outbound_plan() -> str:
    """Which index PostgreSQL reads the current sweep through (EXPLAIN of the query it ran)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from conversations.services.sending import SWEEP_BATCH, outbound_heads_due

    with CaptureQueriesContext(connection) as queries:
        outbound_heads_due(now=timezone.now(), limit=SWEEP_BATCH)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    index = "message_outbound_due_idx"
    return f"through {index}" if index in plan else f"NOT through {index}:\n{plan}"


def fire_all() -> tuple[int, float, int]:
    """Ticks until nothing is due: (timers fired, seconds, ticks)."""
    from django.utils import timezone

    from conversations.services.interactions import interaction_timers_due

    fired, ticks, started = 0, 0, time.perf_counter()
    while True:
        ticks += 1
        now_fired = interaction_timers_due(now=timezone.now())
        fired += now_fired
        if not now_fired:
            return fired, time.perf_counter() - started, ticks


def timers(args: argparse.Namespace) -> None:
    """Cases 1–3."""
    results = {}
    for name, total, due in (
        ("small", 1_000, 1_000),
        ("large", args.large, 1_000),
        ("burst", args.burst, args.burst),
    ):
        seed(total, due)
        fired, seconds, ticks = fire_all()
        assert fired == due, f"{name}: {fired} fired of {due} due"
        results[name] = (fired, seconds, ticks)
        print(
            f"  {name:>5}: {due:>6} due of {total:>6} open -> {fired / seconds:,.0f} timers/s, "
            f"{seconds / fired * 1000:.3f} ms per timer, {seconds:.2f} s in {ticks} tick calls",
            flush=True,
        )
    small, large, burst = (results[k][1] / results[k][0] for k in ("small", "large", "burst"))
    print(f"\n  cost per timer, {args.large:,} open / 1,000 open: {large / small:.2f}   (target <= 1.2)")
    print(
        f"  {args.burst:,} windows at once: all announced in {results['burst'][1]:.1f} s   (target <= 60 s)"
    )
    print(f"  timers fired per second in the burst: {1 / burst:,.0f}   (target >= 1,000)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--large", type=int, default=100_000, help="interactions in case 2")
    parser.add_argument("--burst", type=int, default=50_000, help="windows expiring at once in case 3")
    parser.add_argument("--outbound-only", action="store_true", help="case 4 only")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", PG_URL)}
    env.setdefault("REDIS_URL", REDIS_URL)
    env["LOG_LEVEL"] = "WARNING"
    prepare(env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")
    import django

    django.setup()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; PostgreSQL + Redis (pushes sent)")
    if not args.outbound_only:
        timers(args)
    print("\n  the outbound sweep's read of one batch (PostgreSQL's execution time, median of 20):")
    reads = {}
    for name, total in (("small", 1_000), ("large", args.large)):
        seed(total, 0)
        seed_outbound(total, due=1_000)
        reads[name] = time_sweep_reads()
        print(
            f"  {name:>5}: 1,000 due of {total:>7,} queued -> current {reads[name]['current']:.2f} ms, "
            f"grouped {reads[name]['grouped']:.2f} ms" + (f"; {outbound_plan()}" if name == "large" else ""),
            flush=True,
        )
    ratio = reads["large"]["current"] / reads["small"]["current"]
    print(f"  current read, {args.large:,} queued / 1,000 queued: {ratio:.2f}   (target <= 1.2)")
    print(
        f"  grouped / current at {args.large:,} queued: "
        f"{reads['large']['grouped'] / reads['large']['current']:.1f}x"
    )
    from django.db import connections

    connections.close_all()
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            "DROP DATABASE IF EXISTS wa_bench_timers WITH (FORCE)",
        ],
        check=False,
    )


if __name__ == "__main__":
    main()
