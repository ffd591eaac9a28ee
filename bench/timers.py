"""Issue 14, target 4: O1/O2 timers in bulk, on PostgreSQL and Redis (the scaled mode).

The beat's ``interaction-timers`` tick (``conversations.services.interactions``) is called
in this process, against a database of its own, with real channel-layer pushes (Redis):

1. 1 000 interactions, all of their 24-hour windows due: timers fired per second;
2. 100 000 interactions of which 1 000 are due: the cost per fired timer must be the same
   as in 1 (ratio ≤ 1.2: a tick reads what is due, not what is open);
3. 50 000 windows expiring in the same minute: ticks until all are announced (target: within
   60 s, ≥ 1 000 timers/s).

    python bench/timers.py                  # DATABASE_URL / REDIS_URL: defaults below
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--large", type=int, default=100_000, help="interactions in case 2")
    parser.add_argument("--burst", type=int, default=50_000, help="windows expiring at once in case 3")
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
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS wa_bench_timers"],
        check=False,
    )


if __name__ == "__main__":
    main()
