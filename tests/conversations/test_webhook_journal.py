"""The webhook journal (``WEBHOOK_JOURNAL``): 200 once the raw body is committed in a group
commit, processing behind it; persist-then-acknowledge, idempotency by wamid and each
customer's order hold, and nothing acknowledged is lost when processing stops or fails."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.utils import timezone

from conversations import webhooks
from conversations.models import Message, WebhookEvent
from conversations.services import webhooks as webhook_services
from conversations.services.webhooks import (
    JOURNAL_RECOVER_AFTER,
    Journaled,
    webhook_journal_process,
    webhook_journal_renew,
    webhook_read,
    webhook_retry_due,
)
from conversations.webhooks import journal as journal_module
from conversations.webhooks.journal import Journal
from tests.cloud_api import LENA, RAFAEL, T0, inbound, wamid
from tests.cloud_api import payload as payload_named
from tests.conftest import APP_SECRET
from whatsapp.signature import sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journal(settings, monkeypatch):
    """The ASGI route with the journal on, served by a journal of this test's own."""
    settings.WEBHOOK_JOURNAL = True
    own = Journal()
    monkeypatch.setattr(webhooks, "webhook_journal", own)
    yield own
    own.stop()


def text(customer=LENA, n: int = 0) -> bytes:
    item = inbound(
        "text",
        {"body": f"message {n}"},
        id=wamid(customer, f"JRNL{n:04d}"),
        timestamp=T0 + n,
        customer=customer,
    )
    return json.dumps(item).encode()


async def post(body: bytes, *, signature: str | None = None) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/webhooks/whatsapp/",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"x-hub-signature-256", (signature or sign(body, APP_SECRET)).encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await webhooks.WebhookApp()(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


async def until(check, seconds: float = 10.0):
    """Wait for the processing behind the 200 (a real thread and its own connection)."""
    deadline = time.monotonic() + seconds
    while True:
        value = await database_sync_to_async(check)()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.02)


def states() -> list[str]:
    return list(WebhookEvent.objects.order_by("pk").values_list("state", flat=True))


async def test_a_message_is_acknowledged_once_stored_and_processed_behind(channel, journal):
    status, content = await post(text())
    assert (status, content) == (200, b"")
    assert await database_sync_to_async(WebhookEvent.objects.count)() == 1  # durable before the 200
    assert await until(lambda: states() == ["processed"])
    event = await database_sync_to_async(WebhookEvent.objects.get)()
    assert event.summary["messages"] == 1 and event.retry_due_at is None and event.processed_at
    assert await database_sync_to_async(Message.objects.filter(wamid=wamid(LENA, "JRNL0000")).exists)()


async def test_the_200_waits_for_the_commit_not_for_the_processing(channel, journal, monkeypatch):
    processed = []
    monkeypatch.setattr(journal_module, "webhook_journal_process", lambda entries: processed.extend(entries))
    body = text()
    status, _ = await post(body)
    assert status == 200
    event = await database_sync_to_async(WebhookEvent.objects.get)()
    assert (event.state, event.body) == ("received", body.decode())
    assert event.retry_due_at == event.received_at + JOURNAL_RECOVER_AFTER
    assert not await database_sync_to_async(Message.objects.exists)()


async def test_an_event_its_server_never_processed_is_processed_by_the_retry_sweep(
    channel, journal, monkeypatch
):
    monkeypatch.setattr(journal_module, "webhook_journal_process", lambda entries: 0)  # the server "stopped"
    assert (await post(text()))[0] == 200
    event = await database_sync_to_async(WebhookEvent.objects.get)()
    assert await database_sync_to_async(webhook_retry_due)(now=event.received_at + timedelta(seconds=29)) == 0
    assert await database_sync_to_async(webhook_retry_due)(now=event.received_at + timedelta(seconds=31)) == 1
    assert await database_sync_to_async(states)() == ["processed"]
    assert await database_sync_to_async(Message.objects.count)() == 1


async def test_a_resent_webhook_is_stored_twice_and_its_message_once(channel, journal):
    body = text()
    assert [(await post(body))[0], (await post(body))[0]] == [200, 200]
    assert await until(lambda: states() == ["processed", "processed"])
    assert await database_sync_to_async(Message.objects.count)() == 1
    summaries = await database_sync_to_async(
        lambda: [e.summary for e in WebhookEvent.objects.order_by("pk")]
    )()
    assert [[s.get("messages"), s.get("duplicates")] for s in summaries] == [[1, None], [None, 1]]


async def test_each_customer_s_messages_are_stored_in_the_order_they_arrived(channel, journal):
    bodies = [text(customer, n) for n in range(15) for customer in (LENA, RAFAEL)]
    answers = await asyncio.gather(*(post(body) for body in bodies))  # in flight together
    assert {status for status, _ in answers} == {200}
    assert await until(lambda: states() == ["processed"] * 30)

    def orders():
        events = [
            json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
            for body in WebhookEvent.objects.order_by("pk").values_list("body", flat=True)
        ]
        stored = list(Message.objects.order_by("pk").values_list("wamid", flat=True))
        return events, stored

    events, stored = await database_sync_to_async(orders)()
    for customer in (LENA, RAFAEL):
        mine = [w for w in events if w.startswith(wamid(customer, ""))]
        assert [w for w in stored if w in mine] == mine


async def test_a_wrong_signature_is_refused_and_nothing_stored(channel, journal):
    status, content = await post(text(), signature="sha256=" + "0" * 64)
    assert status == 403
    assert "does not match" in json.loads(content)["error"]
    assert not await database_sync_to_async(WebhookEvent.objects.exists)()


async def test_a_body_that_is_no_webhook_is_refused_and_kept_flagged(channel, journal):
    status, content = await post(b'{"object": "page"}')
    answer = json.loads(content)
    assert status == 400 and answer["event_id"]
    event = await database_sync_to_async(WebhookEvent.objects.get)(pk=answer["event_id"])
    assert event.state == "flagged" and event.flags == [answer["error"]]
    status, content = await post(b"not json")
    assert status == 400 and "not valid JSON" in json.loads(content)["error"]


async def test_a_database_that_cannot_store_the_batch_answers_503(channel, journal, monkeypatch):
    def down(arrivals, notify):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(journal_module, "webhook_journal_append", down)
    status, content = await post(text())
    assert status == 503 and json.loads(content)["error"] == "storage unavailable, retry later"


async def test_a_batch_is_tried_again_while_the_database_is_away_before_any_later_one(
    channel, journal, monkeypatch
):
    monkeypatch.setattr(journal_module, "RETRY_PAUSE", 0.05)
    real, tries = journal_module.webhook_journal_process, []

    def database_away_twice(entries):
        tries.append([entry.event_id for entry in entries])
        if len(tries) <= 2:
            raise OperationalError("the database is restarting")
        return real(entries)

    monkeypatch.setattr(journal_module, "webhook_journal_process", database_away_twice)
    assert (await post(text(LENA, 0)))[0] == 200
    assert (await post(text(LENA, 1)))[0] == 200
    assert await until(lambda: states() == ["processed", "processed"])
    first = tries[0]
    assert tries[1] == first and tries[2] == first  # the same batch again, nothing overtook it
    stored = await database_sync_to_async(
        lambda: list(Message.objects.order_by("pk").values_list("wamid", flat=True))
    )()
    assert stored == [wamid(LENA, "JRNL0000"), wamid(LENA, "JRNL0001")]


async def test_a_live_process_renews_the_lease_of_what_it_holds(channel, journal, monkeypatch):
    monkeypatch.setattr(journal_module, "LEASE_EVERY", 0.05)
    release = threading.Event()
    monkeypatch.setattr(journal_module.Processors, "_process", lambda self, entries: release.wait(10))  # busy
    assert (await post(text()))[0] == 200
    event = await database_sync_to_async(WebhookEvent.objects.get)()
    first_due = event.retry_due_at
    renewed = await until(lambda: WebhookEvent.objects.get().retry_due_at > first_due)
    release.set()
    assert renewed  # pushed forward while the process holds it: the sweep leaves it alone


def test_a_renewal_moves_only_received_events_recovery_forward(channel):
    long_ago = timezone.now() - timedelta(minutes=5)
    waiting, done = (
        WebhookEvent.objects.create(received_at=long_ago, body="{}", state=state, retry_due_at=long_ago)
        for state in ("received", "processed")
    )
    assert webhook_journal_renew([waiting.pk, done.pk]) == 1
    waiting.refresh_from_db(), done.refresh_from_db()
    assert waiting.retry_due_at > timezone.now() + JOURNAL_RECOVER_AFTER - timedelta(seconds=5)
    assert done.retry_due_at == long_ago
    assert webhook_retry_due(now=timezone.now()) == 0  # not due any more


async def test_the_channels_unreadable_answers_503_not_500(channel, journal, monkeypatch):
    def down():
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(journal_module.directory, "app_secrets", down)
    status, content = await post(text())
    assert status == 503 and json.loads(content)["error"] == "storage unavailable, retry later"


async def test_each_post_of_a_group_commit_gets_its_own_answer(channel, journal):
    answers = await asyncio.gather(
        post(text(LENA, 0)),
        post(text(LENA, 1), signature="sha256=" + "0" * 64),
        post(b'{"object": "page"}'),
        post(text(RAFAEL, 2)),
    )
    assert [status for status, _ in answers] == [200, 403, 400, 200]
    flagged = await database_sync_to_async(WebhookEvent.objects.get)(pk=json.loads(answers[2][1])["event_id"])
    assert flagged.body == '{"object": "page"}' and flagged.state == "flagged"
    assert await until(lambda: WebhookEvent.objects.filter(state="processed").count() == 2)
    assert await database_sync_to_async(
        lambda: sorted(Message.objects.values_list("wamid", flat=True))
    )() == sorted([wamid(LENA, "JRNL0000"), wamid(RAFAEL, "JRNL0002")])


async def test_after_stopping_a_post_is_answered_503(channel, journal):
    assert (await post(text()))[0] == 200
    await asyncio.to_thread(journal.stop)
    status, content = await post(text(LENA, 1))
    assert status == 503 and "stopping" in json.loads(content)["error"]


def test_a_customer_s_events_go_to_one_processor_whatever_names_them():
    at = timezone.now()

    def key(payload) -> str:
        read = webhook_read(body=json.dumps(payload).encode(), received_at=at)
        assert read.parsed is not None, read.problem
        return journal_module._customer(read.parsed)

    message = json.loads(text(LENA))
    assert key(message) == LENA.user_id  # the business-scoped id first: a hidden number has only that
    assert key(payload_named("user_preferences_stop")) == RAFAEL.user_id
    assert key(json.loads(text(RAFAEL))) == RAFAEL.user_id  # his messages go where his preferences go
    assert key(payload_named("smb_message_echo_text")) == key(payload_named("inbound_text")) == LENA.user_id
    assert key(payload_named("template_status_update_approved")) == ""


async def test_stopping_stores_and_processes_what_arrived(channel, journal):
    assert (await post(text()))[0] == 200
    await asyncio.to_thread(journal.stop)
    assert await database_sync_to_async(states)() == ["processed"]


def journaled(body: bytes) -> Journaled:
    """A journaled event as the appender leaves it: stored received, parsed on arrival."""
    now = timezone.now()
    event = WebhookEvent.objects.create(
        received_at=now, body=body.decode(), state="received", retry_due_at=now + JOURNAL_RECOVER_AFTER
    )
    read = webhook_read(body=body, received_at=now)
    assert read.parsed is not None
    return Journaled(event.pk, read.parsed, APP_SECRET, now)


def test_one_failing_event_does_not_undo_the_others_of_its_batch(channel, monkeypatch):
    entries = [journaled(text(LENA, n)) for n in range(3)]
    real = webhook_services.inbound_messages_store

    def defective(*, channel, messages, arrived_at):
        if messages[0].wamid == wamid(LENA, "JRNL0001"):
            raise RuntimeError("a defect")
        return real(channel=channel, messages=messages, arrived_at=arrived_at)

    monkeypatch.setattr(webhook_services, "inbound_messages_store", defective)
    assert webhook_journal_process(entries) == 2
    assert states() == ["processed", "failed", "processed"]
    failed = WebhookEvent.objects.get(state="failed")
    assert failed.retry_due_at is not None and "a defect" in failed.last_error
    assert sorted(Message.objects.values_list("wamid", flat=True)) == sorted(
        [wamid(LENA, "JRNL0000"), wamid(LENA, "JRNL0002")]
    )


def test_events_no_longer_received_are_left_to_whoever_took_them(channel):
    entries = [journaled(text(LENA, n)) for n in range(2)]
    WebhookEvent.objects.filter(pk=entries[0].event_id).update(state="processed")  # the sweep's
    assert webhook_journal_process(entries) == 1
    assert list(Message.objects.values_list("wamid", flat=True)) == [wamid(LENA, "JRNL0001")]


def pausing(settings, busy: float) -> tuple[journal_module.Processors, threading.Event, threading.Thread]:
    """Processors one of whose threads has just begun its pause after a batch of ``busy``
    seconds, while arrivals wait (the event, to clear)."""
    settings.WEBHOOK_JOURNAL_YIELD = 1.0
    arriving = threading.Event()
    arriving.set()
    processors = journal_module.Processors(count=2, name="test", arrivals_waiting=arriving.is_set)
    one = threading.Thread(target=processors._yield_to_arrivals, args=(busy,))
    one.start()
    time.sleep(0.05)
    return processors, arriving, one


def test_while_arrivals_wait_the_processors_pause_is_the_process_s_not_one_thread_s(settings):
    """One thread's batch took 0.3 s while arrivals wait: every thread waits out the pause
    before its next batch (threads pausing each on its own let the others work on)."""
    processors, _, one = pausing(settings, 0.3)
    began = time.monotonic()
    processors._wait_for_the_pause()  # the other thread, before its next batch
    assert 0.15 < time.monotonic() - began < 0.6
    one.join()


def test_the_pause_ends_as_soon_as_no_arrival_waits(settings):
    processors, arriving, one = pausing(settings, 0.8)
    threading.Timer(0.1, arriving.clear).start()
    began = time.monotonic()
    processors._wait_for_the_pause()
    assert time.monotonic() - began < 0.6  # not the 0.8 s
    one.join(2)
    assert not one.is_alive()
    arriving.clear()
    began = time.monotonic()
    processors._yield_to_arrivals(0.5)  # nothing arriving: no pause at all
    assert time.monotonic() - began < 0.2
