"""O6: interaction search over one million messages, on PostgreSQL.

Loads (with COPY) 100,000 contacts, 100,000 interactions over 90 days (20 agents, 4
queues) and 1,000,000 messages of ten words each from a 5,000-word vocabulary (a few
words common, most rare, as in people's messages), builds the full-text index of the
migration, then runs a set of searches through the same selector the API calls
(``interaction_search``, first page of 50 with the payload's joins), as a supervisor and
as an agent, and prints the median and the 90th percentile.

    python bench/search.py [--database-url postgres://postgres@127.0.0.1:5432/wa_bench_search]
                           [--messages 1000000] [--keep]
Target (issue 12): median ≤ 100 ms over 1 million messages.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wa_bench_search"
AGENTS = 20
QUEUES = 4


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(model, rows, explicit: list[str]) -> None:
    """COPY ``rows`` (tuples of the ``explicit`` columns) into ``model``'s table, every other
    column at its field's default (the database has no defaults of Django's)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.column not in explicit]
    defaults = []
    for field in fields:
        value = field.get_default()
        if field.get_internal_type() == "JSONField":
            value = json.dumps(value)
        elif field.get_internal_type() == "DateTimeField" and value in (None, ""):
            value = None if field.null else datetime.now(UTC)
        defaults.append(value)
    columns = [*explicit, *(f.column for f in fields)]
    with connection.cursor() as cursor:
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *defaults))


def load(messages: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from conversations.models import AgentProfile, Channel, Contact, Interaction, Message, Queue

    rng = random.Random(6)
    User = get_user_model()
    channel = Channel.objects.create(
        name="Bench", phone_number_id="100000000000666", display_phone_number="15550006666",
        access_token="x", app_secret="x", verify_token="x",
    )  # fmt: skip
    queues = [Queue.objects.create(name=f"Queue {q}") for q in range(QUEUES)]
    agents = []
    for a in range(AGENTS):
        user = User.objects.create_user(username=f"agent{a}", first_name=f"Agent {a}", password="x")
        AgentProfile.objects.create(user=user)
        agents.append(user)
    User.objects.create_user(username="sam", is_superuser=True, is_staff=True, password="x")
    first = ["Lena", "Rafael", "Maya", "Noah", "Ines", "Tom", "Aisha", "Kenji", "Olga", "Pedro"]
    last = ["Schmidt", "Costa", "Okafor", "Ivanova", "Tanaka", "Müller", "Rossi", "Nguyen", "Smith", "Dubois"]
    conversations = messages // 10
    began = time.perf_counter()
    copy_rows(
        Contact,
        (
            (
                f"49151{c:08d}",
                f"{rng.choice(first)} {rng.choice(last)} {c}",
                f"user{c}",
                datetime.now(UTC),
                datetime.now(UTC),
            )
            for c in range(conversations)
        ),
        ["wa_id", "name", "username", "created_at", "updated_at"],
    )
    contact_ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    end = datetime(2026, 11, 30, tzinfo=UTC)
    starts = sorted(end - timedelta(seconds=rng.uniform(0, 90 * 86400)) for _ in range(conversations))
    codes = ["resolved", "follow_up", "no_answer", "spam"]
    copy_rows(
        Interaction,
        (
            (
                contact_ids[i],
                channel.pk,
                "closed",
                "inbound",
                queues[i % QUEUES].pk,
                agents[i % AGENTS].pk,
                codes[i % 4],
                started,
                started,
                started + timedelta(minutes=5),
                started,
                f"49151{i:08d}",
            )
            for i, started in enumerate(starts)
        ),
        ["contact_id", "channel_id", "state", "origin", "queue_id", "owner_id", "disposition", "created_at",
         "queued_at", "closed_at", "updated_at", "customer_wa_id"],
    )  # fmt: skip
    interactions = list(Interaction.objects.order_by("pk").values_list("pk", "contact_id", "created_at"))
    vocabulary = [f"w{n}" for n in range(5000)]
    common = ["order", "refund", "delivery", "invoice", "please", "thanks", "hello", "when", "where", "help"]
    cumulative = list(itertools.accumulate(1 / (n + 1) for n in range(len(vocabulary))))  # Zipf-like

    def sentence() -> str:
        words = rng.choices(vocabulary, cum_weights=cumulative, k=7) + rng.sample(common, 3)
        rng.shuffle(words)
        return " ".join(words)

    def message_rows():
        for pk, contact_id, started in interactions:
            for m in range(10):
                at = started + timedelta(seconds=30 * m)
                yield (channel.pk, pk, contact_id, "in" if m % 2 == 0 else "out", "text", f"wamid.b{pk}.{m}",
                       sentence(), at, at, "received" if m % 2 == 0 else "read")  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS message_body_fts_idx")
    copy_rows(
        Message,
        message_rows(),
        ["channel_id", "interaction_id", "contact_id", "direction", "type", "wamid", "body", "origination_at",
         "arrived_at", "status"],
    )  # fmt: skip
    print(
        f"loaded {conversations:,} contacts and interactions, {messages:,} messages in {time.perf_counter() - began:.0f} s"
    )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX message_body_fts_idx ON conversations_message "
            "USING gin (to_tsvector('simple'::regconfig, body))"
        )
        for table in ("conversations_message", "conversations_interaction", "conversations_contact"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"full-text index and statistics in {time.perf_counter() - began:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="search the data already loaded")
    parser.add_argument("--runs", type=int, default=3, help="times each search is run")
    args = parser.parse_args()
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from conversations.models import Message
    from conversations.payloads import interaction_search_hit
    from conversations.selectors import InteractionSearch, interaction_search

    call_command("migrate", verbosity=0)
    if not (args.keep and Message.objects.exists()):
        if Message.objects.exists():
            raise SystemExit("the database holds data: use --keep, or drop it first")
        load(args.messages)
    User = get_user_model()
    supervisor = User.objects.get(username="sam")
    agent = User.objects.get(username="agent3")
    day = datetime(2026, 10, 1, tzinfo=UTC)
    searches = [
        ("text: a rare word", supervisor, InteractionSearch(text="w4321")),
        ("text: two words", supervisor, InteractionSearch(text="refund w1234")),
        ("text: a common word", supervisor, InteractionSearch(text="delivery")),
        ("contact name", supervisor, InteractionSearch(contact="Lena Schmidt 4")),
        ("number (its start)", supervisor, InteractionSearch(contact="+49 151 0007 72")),
        ("username", supervisor, InteractionSearch(contact="@user77231")),
        ("number, broad (1 000 contacts)", supervisor, InteractionSearch(contact="4915100012")),
        ("username, broad (1 111 contacts)", supervisor, InteractionSearch(contact="user77")),
        ("queue + disposition + week", supervisor,
         InteractionSearch(queue_id=2, disposition="follow_up", created_from=day, created_before=day + timedelta(days=7))),
        ("agent + text", supervisor, InteractionSearch(agent_id=agent.pk, text="invoice")),
        ("state closed", supervisor, InteractionSearch(state="closed")),
        ("agent's own: text", agent, InteractionSearch(text="w2718")),
        ("agent's own: contact", agent, InteractionSearch(contact="Costa")),
        ("agent's own: week", agent, InteractionSearch(created_from=day, created_before=day + timedelta(days=7))),
    ]  # fmt: skip
    timings: list[float] = []
    print(f"{'search':32} {'found':>6} {'ms (median of runs)':>20}")
    for name, user, search in searches:
        runs = []
        for _ in range(args.runs):
            began = time.perf_counter()
            page = list(
                interaction_search(user=user, search=search).select_related(
                    "contact", "channel", "owner", "queue"
                )[:50]
            )
            [interaction_search_hit(i, history_visible=True) for i in page]
            runs.append((time.perf_counter() - began) * 1000)
        timings.append(statistics.median(runs))
        print(f"{name:32} {len(page):>6} {statistics.median(runs):>20.1f}")
    timings.sort()
    p90 = timings[max(0, round(0.9 * len(timings)) - 1)]
    print(
        f"search over {Message.objects.count():,} messages: median {statistics.median(timings):.1f} ms, "
        f"90th percentile {p90:.1f} ms, max {max(timings):.1f} ms over {len(searches)} searches; target median ≤ 100 ms"
    )


if __name__ == "__main__":
    main()
