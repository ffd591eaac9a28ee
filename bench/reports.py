"""S3: a 90-day report over the facts of one million messages, on PostgreSQL.

Records, through the same ``facts_record`` the services call, the facts of 1,000,000
messages over 90 days (4 queues, 20 agents, 2 numbers; about 10 messages a conversation:
100,000 first responses, handle times and dispositions, with offers rejected and expired,
reply-timeout breaches and notification fallbacks), then asks for the 90-day report
(the JSON the API answers, in Europe/Berlin) several times and prints the median, the
range, the tally rows read and the report's headline figures.

    python bench/reports.py [--database-url postgres://postgres@127.0.0.1:5432/wa_bench_reports]
                            [--messages 1000000] [--runs 7] [--keep]
Target (issue 12): ≤ 300 ms for the 90-day report over 1 million messages.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wa_bench_reports"


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the facts already recorded")
    args = parser.parse_args()
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from reports.models import Tally, TallyDetail
    from reports.periods import period_parse
    from reports.selectors import report_build
    from reports.services import Fact, Kind, Where, facts_record

    call_command("migrate", verbosity=0)
    end = datetime(2026, 11, 30, tzinfo=UTC)
    start = end - timedelta(days=90)
    if not (args.keep and Tally.objects.exists()):
        Tally.objects.all().delete()
        TallyDetail.objects.all().delete()
        rng = random.Random(12)
        queues, agents, channels = [1, 2, 3, 4], list(range(1, 21)), [1, 2]
        in_types = ["text"] * 17 + ["image"] * 2 + ["document"]
        out_types = ["text"] * 9 + ["template"]
        codes = ["resolved", "resolved", "resolved", "follow_up", "no_answer", "spam", ""]
        conversations = args.messages // 10
        hours = 90 * 24
        began = time.perf_counter()
        messages = 0
        batch: list[Fact] = []
        # In time order, as the services record them (a batch spans a few hours).
        starts = sorted(rng.uniform(0, hours * 3600 - 7200) for _ in range(conversations))
        for c, offset in enumerate(starts):
            opened = start + timedelta(seconds=offset)
            where: Where = {
                "queue_id": rng.choice(queues),
                "agent_id": rng.choice(agents),
                "channel_id": rng.choice(channels),
            }
            t = opened
            for m in range(10):
                t += timedelta(seconds=rng.expovariate(1 / 60))
                kind = Kind.MESSAGE_IN if m % 2 == 0 else Kind.MESSAGE_OUT
                detail = rng.choice(in_types if kind == Kind.MESSAGE_IN else out_types)
                batch.append(Fact(kind, t, detail=detail, **where))
                messages += 1
                if m == 1:
                    batch.append(Fact(Kind.FIRST_RESPONSE, t, seconds=(t - opened).total_seconds(), **where))
            batch.append(Fact(Kind.HANDLE_TIME, t, seconds=(t - opened).total_seconds() + 30, **where))
            batch.append(Fact(Kind.DISPOSITION, t, detail=rng.choice(codes), **where))
            if rng.random() < 0.05:
                batch.append(Fact(Kind.OFFER_REJECTED, opened, **where))
            if rng.random() < 0.02:
                batch.append(Fact(Kind.OFFER_EXPIRED, opened, **where))
            if rng.random() < 0.04:
                batch.append(Fact(Kind.REPLY_BREACH, t, **where))
            if rng.random() < 0.03:
                batch.append(Fact(Kind.FALLBACK, t, **where))
            if len(batch) >= 20_000 or c == conversations - 1:
                with transaction.atomic():
                    facts_record(batch)
                batch = []
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reports_tally")
            cursor.execute("VACUUM ANALYZE reports_tallydetail")
        print(f"recorded the facts of {messages:,} messages in {time.perf_counter() - began:.0f} s")
    rows = Tally.objects.count() + TallyDetail.objects.count()
    period = period_parse(
        {
            "date_from": (end - timedelta(days=90)).date().isoformat(),
            "date_to": (end - timedelta(days=1)).date().isoformat(),
            "tz": "Europe/Berlin",
        }
    )
    timings = []
    report = None
    for _ in range(args.runs):
        began = time.perf_counter()
        report = report_build(period)
        timings.append((time.perf_counter() - began) * 1000)
    assert report is not None
    totals = report["totals"]
    print(
        f"tally rows: {rows:,} (for {totals['messages_in'] + totals['messages_out']:,} messages in the period)"
    )
    print(
        f"90-day report ({period.days} days, Europe/Berlin): median {statistics.median(timings):.0f} ms "
        f"(min {min(timings):.0f}, max {max(timings):.0f}) over {args.runs} runs; target ≤ 300 ms"
    )
    print(
        f"figures: in {totals['messages_in']:,}, out {totals['messages_out']:,}, first responses {totals['first_responses']:,} "
        f"(median {totals['first_response_median']} s, p90 {totals['first_response_p90']} s), handled {totals['handled']:,} "
        f"(median {totals['handle_time_median']} s, p90 {totals['handle_time_p90']} s), breaches {totals['reply_breaches']:,}, "
        f"fallbacks {totals['notification_fallbacks']:,}, offers rejected {totals['offers_rejected']:,} / expired "
        f"{totals['offers_expired']:,}; {len(report['by_day'])} days, {len(report['by_agent'])} agents"
    )


if __name__ == "__main__":
    main()
