"""Where a webhook's time goes: statements, Redis round trips and a profile per webhook.

Wall-clock figures from a shared 2-core machine move with the neighbours; what one
webhook *does* does not. For each case of a signed webhook posted through
Django's test client (the same ``handle()`` the ASGI route calls, processed inline on the
caller's thread and connection, committed for real, its pushes sent after the commit):

- ``accepted``: a returning customer whose interaction an agent has accepted (the common
  case);
- ``new``: a customer with no open conversation (contact, interaction, routing, an offer);
- ``status`` (``--cases status``, issue 14 target 3): one status of a template notification
  per webhook, sent, delivered and read in turn for each message, the bodies of
  ``bench/statuses.py`` (the status storm);

it prints the SQL statements per webhook by kind (transaction control apart), the Redis
round trips (commands and pipelines sent, channel layer and Celery broker and cache alike)
and channel-layer sends per webhook, and the top functions by cumulative time of a
cProfile over ``--profile N`` webhooks of each case.

    python bench/webhook_profile.py                               # embedded (SQLite, in-memory layer)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_path REDIS_URL=redis://127.0.0.1:6379/13 \
        python bench/webhook_profile.py                           # scaled (a test database of its own)

The scaled mode creates and drops ``profile_<name>`` of ``DATABASE_URL`` and flushes the
Redis database of ``REDIS_URL`` (the Celery tasks it enqueues have no worker): give it
databases of its own.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")
os.environ["WEBHOOK_INGEST_THREADS"] = "0"  # inline: the statements are this thread's
os.environ.setdefault("EMBEDDED_BEAT", "0")  # no sweeps in the middle of the count
os.environ.setdefault("LOG_LEVEL", "WARNING")

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
APP_SECRET = "profile-app-secret"
PHONE_NUMBER_ID = "100000000000888"


class RoundTrips:
    """Counts Redis round trips (a command or a pipeline sent) and channel-layer sends."""

    def __init__(self) -> None:
        self.redis = 0
        self.commands: Counter[str] = Counter()
        self.layer: Counter[str] = Counter()

    def install(self) -> None:
        import redis.asyncio.connection as async_connection
        import redis.connection as sync_connection
        from channels.layers import get_channel_layer

        for module in (sync_connection, async_connection):
            original = module.AbstractConnection.send_packed_command
            module.AbstractConnection.send_packed_command = self._counted(original)
        layer = get_channel_layer()
        for name in ("group_send", "send"):
            original = getattr(layer, name)

            async def counted(*args: object, _original: Callable = original, _name: str = name) -> object:
                self.layer[_name] += 1
                return await _original(*args)

            setattr(layer, name, counted)

    def _counted(self, original: Callable) -> Callable:
        def send_packed_command(
            connection: object, command: object, *args: object, **kwargs: object
        ) -> object:
            self._count(command)
            return original(connection, command, *args, **kwargs)

        if _is_coroutine(original):

            async def async_send(
                connection: object, command: object, *args: object, **kwargs: object
            ) -> object:
                self._count(command)
                return await original(connection, command, *args, **kwargs)

            return async_send
        return send_packed_command

    def _count(self, command: object) -> None:
        """One round trip; the names of the commands it carries (a pipeline carries several)."""
        self.redis += 1
        packed = b"".join(command) if isinstance(command, (list, tuple)) else command
        names = _COMMAND_NAME.findall(packed) if isinstance(packed, (bytes, bytearray, memoryview)) else []
        self.commands.update(bytes(n).decode().upper() for n in names)

    def snapshot(self) -> tuple[int, Counter[str], Counter[str]]:
        return self.redis, Counter(self.commands), Counter(self.layer)


_COMMAND_NAME = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n")


def _is_coroutine(function: Callable) -> bool:
    import inspect

    return inspect.iscoroutinefunction(function)


def statement_kind(sql: str) -> str:
    """``SELECT conversations_flow``, ``UPDATE conversations_interaction``, …: the verb and
    the first table named."""
    verb = sql.split(None, 1)[0].upper()
    if verb == "SELECT":
        match = re.search(r'\bFROM\s+"?(\w+)"?', sql, re.I)
    elif verb == "INSERT":
        match = re.search(r'\bINTO\s+"?(\w+)"?', sql, re.I)
    elif verb == "UPDATE":
        match = re.search(r'^UPDATE\s+"?(\w+)"?', sql, re.I)
    elif verb == "DELETE":
        match = re.search(r'\bFROM\s+"?(\w+)"?', sql, re.I)
    else:
        match = None
    return f"{verb} {match.group(1) if match else '?'}"


def body_for(wa_id: str, wamid: str, timestamp: int) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "200000000000888",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550008888",
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                "contacts": [{"profile": {"name": f"Customer {wa_id}"}, "wa_id": wa_id}],
                                "messages": [
                                    {
                                        "from": wa_id,
                                        "id": wamid,
                                        "timestamp": str(timestamp),
                                        "type": "text",
                                        "text": {"body": "Hello, where is my order?"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


@contextmanager
def test_database() -> Iterator[None]:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    with tempfile.TemporaryDirectory() as tmp:
        if connection.vendor == "sqlite":
            # A file with the embedded settings (WAL), not a shared-cache memory database.
            connection.settings_dict["TEST"]["NAME"] = str(Path(tmp) / "profile.sqlite3")
        else:
            # Not test_<name>: a test run on the same DATABASE_URL would drop it under us.
            connection.settings_dict["TEST"]["NAME"] = f"profile_{connection.settings_dict['NAME']}"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()


def seed(agents: int, owned: int) -> dict:
    """A number with a default queue, ``agents`` ready agents each owning ``owned`` accepted
    conversations (returning customers)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from conversations.models import AgentProfile, Channel, Contact, Interaction, Queue
    from conversations.services import routing

    queue = Queue.objects.create(name="Profile queue")
    channel = Channel.objects.create(
        name="Profile number",
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number="15550008888",
        access_token="profile-token",
        app_secret=APP_SECRET,
        verify_token="profile-verify",
        default_queue=queue,
    )
    customers = []
    for a in range(agents):
        user = User.objects.create_user(username=f"profile-agent-{a}", password=None)
        profile = AgentProfile.objects.create(user=user, capacity=30_000)
        profile.queues.add(queue)
        routing.agent_set_ready(user=user, ready=True)
        for c in range(owned):
            wa_id = f"4917{a:03d}{c:05d}"
            contact = Contact.objects.create(wa_id=wa_id, profile_name=f"Customer {wa_id}")
            Interaction.objects.create(
                contact=contact,
                channel=channel,
                queue=queue,
                owner=user,
                state=Interaction.State.ACTIVE,
                queued_at=timezone.now(),
                accepted_at=timezone.now(),
                customer_wa_id=wa_id,
            )
            customers.append(wa_id)
    AgentProfile.objects.update(load=owned)
    return {"customers": customers}


def status_bodies(count: int, stamp: int) -> Callable[[int], bytes]:
    """Webhook ``i`` of the ``status`` case: status ``i % 3`` (sent, delivered, read) of
    template notification ``i // 3``, seeded here as ``bench/statuses.py`` seeds the storm's."""
    from bench.statuses import STATES, Seeded, Status, seed_template_messages, status_body
    from conversations.models import Channel

    channel = Channel.objects.get(phone_number_id=PHONE_NUMBER_ID)
    seeded = Seeded(
        ids=seed_template_messages(channel, count // len(STATES) + 1),
        phone_number_id=PHONE_NUMBER_ID,
        display=channel.display_phone_number,
        waba_id=channel.waba_id,
        database="",
    )

    def body(i: int) -> bytes:
        return status_body([Status(message=i // len(STATES), state=i % len(STATES), at=stamp + i)], seeded)

    return body


class ClientPoster:
    """Through Django's test client (the middleware, then the view that calls ``handle()``):
    the processing runs on this thread, so CaptureQueriesContext and cProfile see it all.
    Each request gets a fresh event loop (the client's ``async_to_sync``), hence a fresh
    Redis connection for the channel layer: its handshake is counted too."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()
        self.profiler = cProfile.Profile()

    def reset(self) -> None:
        self.profiler = cProfile.Profile()

    def close(self) -> None:
        """Nothing to close: the client's connection is this thread's."""

    def __call__(self, body: bytes) -> int:
        from whatsapp.signature import sign

        response = self.client.post(
            "/webhooks/whatsapp/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
        )
        return response.status_code

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        captured: list[str] = []
        with CaptureQueriesContext(connection) as queries:
            yield captured
        captured.extend(q["sql"] for q in queries.captured_queries)

    @contextmanager
    def profiling(self) -> Iterator[None]:
        self.profiler.enable()
        try:
            yield
        finally:
            self.profiler.disable()

    def stats(self, stream: io.StringIO) -> pstats.Stats:
        return pstats.Stats(self.profiler, stream=stream)


class AsgiPoster:
    """``conversations.webhooks.handle()`` on one long-lived event loop, as the ASGI route
    calls it under uvicorn (no middleware; the channel layer's Redis connection is kept).
    The storing runs on asgiref's sync thread: its statements are collected by an execute
    wrapper and its profile by a second profiler there, merged with the loop's."""

    def __init__(self) -> None:
        import asyncio

        from conversations import webhooks

        self.loop = asyncio.new_event_loop()
        self.loop_profiler = cProfile.Profile()
        self.sync_profiler = cProfile.Profile()
        self.collecting: list[str] | None = None
        self.profiling_on = False
        original = webhooks._guarded

        def guarded(function: Callable, *args: object) -> object:
            from django.db import connection

            def collect(execute: Callable, sql: str, params: object, many: bool, context: object) -> object:
                if self.collecting is not None:
                    self.collecting.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(collect):
                if not self.profiling_on:
                    return original(function, *args)
                self.sync_profiler.enable()
                try:
                    return original(function, *args)
                finally:
                    self.sync_profiler.disable()

        webhooks._guarded = guarded  # type: ignore[assignment]  # the bench's probe

    def reset(self) -> None:
        self.loop_profiler = cProfile.Profile()
        self.sync_profiler = cProfile.Profile()

    def close(self) -> None:
        """Close the sync thread's database connection (the test database is dropped next)."""
        from asgiref.sync import sync_to_async
        from django.db import connections

        self.loop.run_until_complete(sync_to_async(connections.close_all)())

    def __call__(self, body: bytes) -> int:
        from conversations.webhooks import handle
        from whatsapp.signature import sign

        async def read_body(limit: int) -> bytes | None:
            return body if len(body) <= limit else None

        headers = {"content-length": str(len(body)), "x-hub-signature-256": sign(body, APP_SECRET)}
        answer = self.loop.run_until_complete(
            handle(method="POST", query={}, headers=headers, read_body=read_body)
        )
        return answer.status

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        captured: list[str] = []
        self.collecting = captured
        try:
            yield captured
        finally:
            self.collecting = None

    @contextmanager
    def profiling(self) -> Iterator[None]:
        self.profiling_on = True
        self.loop_profiler.enable()
        try:
            yield
        finally:
            self.loop_profiler.disable()
            self.profiling_on = False

    def stats(self, stream: io.StringIO) -> pstats.Stats:
        stats = pstats.Stats(self.loop_profiler, stream=stream)
        stats.add(self.sync_profiler)
        return stats


def measure(
    name: str,
    bodies: Callable[[int], bytes],
    *,
    poster: ClientPoster | AsgiPoster,
    count: int,
    profile: int,
    top: int,
    trips: RoundTrips,
    show_sql: bool = False,
    dump: str = "",
) -> dict:
    for i in range(5):  # warm-up: caches, prepared statements, imports
        assert poster(bodies(i)) == 200
    kinds: Counter[str] = Counter()
    total = 0
    redis_before, commands_before, layer_before = trips.snapshot()
    for i in range(5, 5 + count):
        with poster.statements() as captured:
            assert poster(bodies(i)) == 200
        sql = [s for s in captured if not s.upper().startswith(TRANSACTION_CONTROL)]
        total += len(sql)
        if show_sql and i == 5:
            print(f"--- {name}: the statements of one webhook")
            for statement in sql:
                print("   ", statement[:400])
        kinds.update(statement_kind(s) for s in sql)
    redis_after, commands_after, layer_after = trips.snapshot()
    result = {
        "case": name,
        "statements_per_webhook": total / count,
        "by_kind": {k: v / count for k, v in kinds.most_common()},
        "redis_round_trips_per_webhook": (redis_after - redis_before) / count,
        "redis_commands_per_webhook": {
            k: v / count for k, v in (commands_after - commands_before).most_common()
        },
        "layer_sends_per_webhook": {k: v / count for k, v in (layer_after - layer_before).items()},
    }
    start = 5 + count
    started = time.perf_counter()
    with poster.profiling():
        for i in range(start, start + profile):
            poster(bodies(i))
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = poster.stats(out)
    if dump:
        stats.dump_stats(f"{dump}-{name}.prof")
    result["profiled_webhooks"] = profile
    result["ms_per_webhook_under_profiler"] = elapsed * 1000 / max(profile, 1)
    result["calls_per_webhook"] = stats.total_calls / max(profile, 1)  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    result["profile"] = out.getvalue()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=50, help="webhooks counted per case")
    parser.add_argument("--profile", type=int, default=500, help="webhooks profiled per case")
    parser.add_argument("--top", type=int, default=40, help="functions listed per profile")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--owned", type=int, default=20, help="accepted conversations per agent")
    parser.add_argument(
        "--via",
        choices=["asgi", "client"],
        default="asgi",
        help="asgi: handle() on one event loop, as uvicorn runs it (default); client: Django's test client",
    )
    parser.add_argument("--dump", default="", help="save each case's profile as DUMP-<case>.prof")
    parser.add_argument("--sql", action="store_true", help="print the statements of one webhook per case")
    parser.add_argument(
        "--cases", nargs="+", default=["accepted", "new"], choices=["accepted", "new", "status"]
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    mode = "embedded" if settings.EMBEDDED else "scaled"
    with test_database():
        trips = RoundTrips()
        trips.install()
        setup = seed(args.agents, args.owned)
        customers = setup["customers"]
        stamp = int(time.time())
        run = f"{stamp}"

        def accepted(i: int) -> bytes:
            return body_for(customers[i % len(customers)], f"wamid.profile-{run}-a{i}", stamp + i)

        def new(i: int) -> bytes:
            return body_for(f"3361{i:08d}", f"wamid.profile-{run}-n{i}", stamp + i)

        cases: dict[str, Callable[[int], bytes]] = {"accepted": accepted, "new": new}
        if "status" in args.cases:
            cases["status"] = status_bodies(5 + args.count + args.profile, stamp)

        print(
            f"mode: {mode}, database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"Python {sys.version.split()[0]}"
        )
        poster = AsgiPoster() if args.via == "asgi" else ClientPoster()
        for name in args.cases:
            poster.reset()
            result = measure(
                name,
                cases[name],
                poster=poster,
                count=args.count,
                profile=args.profile,
                top=args.top,
                trips=trips,
                show_sql=args.sql,
                dump=args.dump,
            )
            print(
                f"\n=== {name}: {result['statements_per_webhook']:.2f} statements per webhook "
                f"(transaction control apart), {result['redis_round_trips_per_webhook']:.2f} Redis round trips, "
                f"channel layer {dict(result['layer_sends_per_webhook'])}"
            )
            for kind, n in result["by_kind"].items():
                print(f"  {n:5.2f}  {kind}")
            if result["redis_commands_per_webhook"]:
                print(
                    "  Redis commands per webhook: "
                    + ", ".join(f"{name} {n:.2f}" for name, n in result["redis_commands_per_webhook"].items())
                )
            print(
                f"\n  profile of {result['profiled_webhooks']} webhooks: "
                f"{result['ms_per_webhook_under_profiler']:.2f} ms per webhook under the profiler, "
                f"{result['calls_per_webhook']:.0f} function calls per webhook"
            )
            print(result["profile"])
        poster.close()
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
