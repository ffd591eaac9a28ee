"""The journal's drainer (``WEBHOOK_JOURNAL_PROCESSING=drainer``): the web process only stores
and acknowledges; one active drainer per deployment (an advisory lock) processes every
journaled event, each customer's in order; another stands by; while one lives the retry
sweep leaves the journal to it. PostgreSQL only (``LISTEN``/``NOTIFY``, advisory locks)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import psycopg
import pytest
from channels.db import database_sync_to_async
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from conversations import webhooks
from conversations.models import Message, WebhookEvent
from conversations.selectors.journal import DRAINER_LOCK, journal_drainer_alive
from conversations.services.webhooks import (
    JOURNAL_CHANNEL,
    Arrival,
    Journaled,
    webhook_journal_append,
    webhook_journal_pending,
    webhook_journal_process,
    webhook_read,
    webhook_retry_due,
)
from conversations.webhooks import drainer as drainer_module
from conversations.webhooks import journal as journal_module
from conversations.webhooks.drainer import CROWDED_COMMIT, Drainer, crowded
from conversations.webhooks.journal import Journal, Processors
from ops.health import webhook_backlog
from tests.cloud_api import LENA, RAFAEL, wamid
from tests.conftest import APP_SECRET
from tests.conversations.test_webhook_journal import post, states, text, until
from whatsapp.signature import sign

pytestmark = pytest.mark.django_db(transaction=True)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the drainer needs PostgreSQL (LISTEN/NOTIFY, advisory locks)"
)


@pytest.fixture
def journal(settings, monkeypatch):
    """The ASGI route with the journal on and the processing left to a drainer."""
    settings.WEBHOOK_JOURNAL = True
    settings.WEBHOOK_JOURNAL_PROCESSING = "drainer"
    own = Journal()
    monkeypatch.setattr(webhooks, "webhook_journal", own)
    yield own
    own.stop()


class Running:
    """A drainer running on a thread of its own, as ``manage.py drain_webhooks`` runs one."""

    def __init__(self) -> None:
        self.drainer = Drainer(processors=2)
        self.thread = threading.Thread(target=self.drainer.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.drainer.stop()
        self.thread.join(20)
        assert not self.thread.is_alive()


@pytest.fixture
def running():
    started: list[Running] = []

    def start() -> Running:
        started.append(Running())
        return started[-1]

    yield start
    for one in started:
        one.stop()


@postgresql_only
async def test_the_server_only_stores_and_the_drainer_processes_in_each_customer_s_order(
    channel, journal, running
):
    for n in range(6):
        assert (await post(text(LENA if n % 2 else RAFAEL, n)))[0] == 200
    assert await database_sync_to_async(states)() == ["received"] * 6  # nobody processes in the server
    drainer = running()
    assert await until(lambda: states() == ["processed"] * 6)
    for n in range(6, 12):  # arriving while it runs: told by the group commit's NOTIFY
        assert (await post(text(LENA if n % 2 else RAFAEL, n)))[0] == 200
    assert await until(lambda: states() == ["processed"] * 12, seconds=5)
    assert drainer.drainer.active.is_set()

    def wamids(customer) -> list[str | None]:
        return list(
            Message.objects.filter(interaction__contact__wa_id=customer.wa_id)
            .order_by("pk")
            .values_list("wamid", flat=True)
        )

    lena = [wamid(LENA, f"JRNL{n:04d}") for n in range(12) if n % 2]
    rafael = [wamid(RAFAEL, f"JRNL{n:04d}") for n in range(12) if not n % 2]
    assert await database_sync_to_async(wamids)(LENA) == lena
    assert await database_sync_to_async(wamids)(RAFAEL) == rafael


@postgresql_only
async def test_a_second_drainer_stands_by_and_takes_over_when_the_first_stops(channel, journal, running):
    first = running()
    assert await until(lambda: first.drainer.active.is_set())
    second = running()
    assert (await post(text(LENA, 0)))[0] == 200
    assert await until(lambda: states() == ["processed"])
    assert not second.drainer.active.is_set()  # the lock is the first one's
    await database_sync_to_async(first.stop)()
    assert await until(lambda: second.drainer.active.is_set())
    assert (await post(text(LENA, 1)))[0] == 200
    assert await until(lambda: states() == ["processed", "processed"])


def drainer_sessions() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'wa-drainer' "
            "AND datname = current_database() ORDER BY pid"
        )
        return [pid for (pid,) in cursor.fetchall()]


@postgresql_only
async def test_a_standing_by_drainer_keeps_one_connection_and_listens_only_once_active(channel, running):
    first = running()
    assert await until(lambda: first.drainer.active.is_set())
    second = running()
    assert await until(lambda: len(drainer_sessions()) == 2)
    sessions = await database_sync_to_async(drainer_sessions)()
    await asyncio.sleep(2.5)  # two more tries of the lock, on the same connection
    assert await database_sync_to_async(drainer_sessions)() == sessions
    assert not second.drainer.active.is_set()
    listening = second.drainer._listener.execute("SELECT pg_listening_channels()").fetchall()
    assert listening == []  # standing by: no notification to take
    await database_sync_to_async(first.stop)()
    assert await until(lambda: second.drainer.active.is_set())
    channels = second.drainer._listener.execute("SELECT pg_listening_channels()").fetchall()
    assert channels == [("wa_webhook_journal",)]


@postgresql_only
async def test_a_stopped_drainer_processes_what_it_read_and_leaves_the_rest_received(
    channel, journal, running
):
    one = running()
    assert await until(lambda: one.drainer.active.is_set())
    await database_sync_to_async(one.stop)()
    assert (await post(text(LENA, 0)))[0] == 200
    assert await database_sync_to_async(states)() == ["received"]  # kept for the next drainer
    running()
    assert await until(lambda: states() == ["processed"])


@postgresql_only
def test_an_event_committed_below_the_reader_s_place_is_read_by_the_rescan(channel):
    early, late = (
        WebhookEvent.objects.create(
            received_at=timezone.now(), body=text(LENA, n).decode(), state="received", retry_due_at=None
        )
        for n in (0, 1)
    )
    drainer = Drainer(processors=1)
    submitted = []
    drainer._processors.submit = submitted.extend  # what the reader hands on
    drainer._place = late.pk  # as if the later one was read before the earlier one committed
    drainer._read(set(), rescan=False)
    assert submitted == []
    drainer._read(set(), rescan=True)
    assert [entry.event_id for entry in submitted] == [early.pk, late.pk]


@postgresql_only
def test_a_group_commit_tells_its_size_and_only_a_crowded_one_makes_the_drainer_pause(channel, monkeypatch):
    monkeypatch.setattr(drainer_module, "CROWDED_WITHIN", 60.0)  # however slow the machine
    now = timezone.now()
    arrivals = [
        Arrival(
            read=webhook_read(body=text(LENA, n), received_at=now),
            signature=sign(text(LENA, n), APP_SECRET),
            app_secret=APP_SECRET,
            received_at=now,
        )
        for n in range(1 + CROWDED_COMMIT)
    ]
    told: list[str] = []

    def reading(payload: str) -> bool:
        told.append(payload)
        return crowded(payload)

    monkeypatch.setattr(drainer_module, "crowded", reading)
    drainer = Drainer(processors=1)
    drainer._connect().execute(f"LISTEN {JOURNAL_CHANNEL}")
    pausing = drainer._processors._arrivals_waiting  # what the processing threads ask
    try:
        webhook_journal_append(arrivals[:1], notify=True)  # a POST committed alone: no crowd
        drainer._take_news(5.0)
        assert told == ["1"] and not pausing()
        webhook_journal_append(arrivals[1:], notify=True)  # POSTs queued for their commit
        drainer._take_news(5.0)
        assert told == ["1", str(CROWDED_COMMIT)] and pausing()
    finally:
        drainer._close_listener()
    assert states() == ["received"] * (1 + CROWDED_COMMIT)


def test_a_notification_is_crowded_from_its_count_or_when_an_earlier_version_sent_none():
    assert not crowded("1") and not crowded(str(CROWDED_COMMIT - 1))
    assert crowded(str(CROWDED_COMMIT)) and crowded("500")
    assert crowded("")  # a web process of the version before: every commit counted
    assert crowded("²") and crowded("many")  # whatever else it may say


def test_the_drainer_reads_received_events_in_order_and_flags_a_body_that_no_longer_parses(channel):
    now = timezone.now()
    body = text(LENA, 0)
    good = WebhookEvent.objects.create(
        received_at=now, body=body.decode(), signature=sign(body, APP_SECRET), state="received"
    )
    bad = WebhookEvent.objects.create(received_at=now, body='{"object": "page"}', state="received")
    done = WebhookEvent.objects.create(received_at=now, body=text(LENA, 1).decode(), state="processed")
    pending = webhook_journal_pending(after=0, limit=10)
    assert [entry.event_id for entry in pending] == [good.pk]
    assert pending[0].app_secret  # the channel's secret that signed it, found again
    bad.refresh_from_db()
    assert bad.state == "flagged" and bad.flags
    assert webhook_journal_pending(after=good.pk, limit=10) == []
    assert done.pk not in [entry.event_id for entry in webhook_journal_pending(after=0, limit=10)]


@postgresql_only
def test_while_a_drainer_holds_its_lock_the_sweep_and_readiness_leave_the_journal_to_it(channel):
    long_ago = timezone.now() - timedelta(minutes=5)
    for n, state in enumerate(("received", "failed")):
        WebhookEvent.objects.create(
            received_at=long_ago, body=text(LENA, n).decode(), state=state, retry_due_at=long_ago
        )
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as drainer:
        drainer.execute("SELECT pg_advisory_lock(%s)", [DRAINER_LOCK])
        assert journal_drainer_alive()
        assert webhook_backlog(limit=10)[0] == 1  # the failed one: the drainer will get to the other
        assert webhook_retry_due(now=timezone.now()) == 1
        assert states() == ["received", "processed"]
    assert not journal_drainer_alive()  # no drainer: the sweep recovers the journal
    assert webhook_backlog(limit=10)[0] == 1
    assert webhook_retry_due(now=timezone.now()) == 1
    assert states() == ["processed", "processed"]


def test_an_event_signed_with_a_secret_rotated_out_since_is_still_processed(channel):
    body = text(LENA, 0)
    event = WebhookEvent.objects.create(
        received_at=timezone.now(),
        body=body.decode(),
        signature=sign(body, "the-old-secret"),
        state="received",
    )
    [entry] = webhook_journal_pending(after=0, limit=10)
    assert entry.app_secret is None  # no channel's secret matches any more: verified on arrival
    assert webhook_journal_process([entry]) == 1
    assert Message.objects.filter(wamid=wamid(LENA, "JRNL0000")).exists()
    event.refresh_from_db()
    assert event.state == "processed" and event.flags == []


def test_a_batch_that_fails_is_stored_failed_for_the_sweep_s_backoff(channel, monkeypatch):
    body = text(LENA, 0)
    event = WebhookEvent.objects.create(received_at=timezone.now(), body=body.decode(), state="received")
    [entry] = webhook_journal_pending(after=0, limit=10)

    def broken(entries):
        raise RuntimeError("a defect")

    monkeypatch.setattr(journal_module, "webhook_journal_process", broken)
    processors = Processors(count=1, name="test", lease=False)
    assert processors._processed([entry]) == ([], 0.0)
    event.refresh_from_db()
    assert (event.state, event.last_error) == ("failed", "RuntimeError: a defect")
    assert event.retry_due_at > timezone.now()  # with backoff, not handed on again at once


def test_a_drainer_that_lost_its_lock_lets_go_of_what_it_had_not_begun():
    processors = Processors(count=2, name="test", lease=False)
    read = webhook_read(body=text(LENA, 0), received_at=timezone.now())
    assert read.parsed is not None
    processors.submit([Journaled(pk, read.parsed, APP_SECRET, timezone.now()) for pk in (1, 2, 3)])
    processors.finish()
    assert processors.discard() == 3
    assert processors.held() == set()
    assert processors._queues[0].get_nowait() is None  # a stop asked for stays asked


def test_processing_names_server_or_drainer_and_the_drainer_needs_postgresql(settings):
    settings.WEBHOOK_JOURNAL, settings.WEBHOOK_JOURNAL_PROCESSING = True, "elsewhere"
    assert [e.id for e in run_checks() if e.id.startswith("conversations.E")] == ["conversations.E001"]
    settings.WEBHOOK_JOURNAL_PROCESSING = "drainer"
    expected = [] if connection.vendor == "postgresql" else ["conversations.E002"]
    assert [e.id for e in run_checks() if e.id.startswith("conversations.E")] == expected


@pytest.mark.skipif(connection.vendor == "postgresql", reason="refused on SQLite only")
def test_the_command_refuses_sqlite():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("drain_webhooks")


@postgresql_only
def test_the_command_refuses_a_wrong_number_of_processors():
    with pytest.raises(CommandError, match="between 1 and 64"):
        call_command("drain_webhooks", "--processors", "0")
