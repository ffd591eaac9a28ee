"""``conversations.db.insert_ignore_returning``: the hot path's one-statement insert (the
journal's group commit, a webhook's messages) stores the rows as given, skips the ones that
hit a unique constraint and refuses what the column refuses."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.utils import timezone

from conversations import db
from conversations.db import execute_later, insert_ignore_later, insert_ignore_returning, pipeline
from conversations.models import Message, WebhookEvent

pytestmark = pytest.mark.django_db


def event(**fields) -> WebhookEvent:
    return WebhookEvent(received_at=timezone.now(), **{"body": "{}", "state": "received", **fields})


def test_several_rows_are_stored_as_given_in_order_of_their_ids():
    rows = [
        event(body='{"quote": "it\'s \\"here\\""}', signature="sha256=" + "a" * 64, flags=["one", "ü"]),
        event(body="ünïcödé, 'quotes', {braces}, \\backslash, NULL", summary={"messages": 1}),
        event(body="", retry_due_at=None, last_error=""),
    ]
    ids = sorted(pk for (pk,) in insert_ignore_returning(WebhookEvent, rows, ("id",)))
    stored = list(WebhookEvent.objects.filter(pk__in=ids).order_by("pk"))
    assert [e.body for e in stored] == [r.body for r in rows]
    assert [e.flags for e in stored] == [["one", "ü"], [], []]
    assert [e.summary for e in stored] == [{}, {"messages": 1}, {}]
    assert stored[0].signature == "sha256=" + "a" * 64 and stored[2].retry_due_at is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce varchar lengths")
def test_a_value_longer_than_its_column_is_refused_not_cut():
    rows = [event(), event(signature="x" * 81)]  # signature is varchar(80)
    with pytest.raises(DataError), transaction.atomic():
        insert_ignore_returning(WebhookEvent, rows, ("id",))
    assert not WebhookEvent.objects.exists()  # nothing of the statement was stored


def test_rows_that_hit_a_unique_constraint_are_skipped_and_the_others_returned(channel, interaction):
    def message(wamid: str) -> Message:
        return Message(
            channel=channel,
            interaction=interaction,
            contact=interaction.contact,
            direction="in",
            type="text",
            wamid=wamid,
            body=wamid,
            arrived_at=timezone.now(),
            origination_at=timezone.now(),
        )

    insert_ignore_returning(Message, [message("wamid.A")], ("id", "wamid"))
    returned = insert_ignore_returning(Message, [message("wamid.A"), message("wamid.B")], ("id", "wamid"))
    assert [wamid for _, wamid in returned] == ["wamid.B"]
    assert Message.objects.filter(wamid="wamid.A").count() == 1


def test_in_a_pipeline_the_statements_run_together_and_the_rows_are_read_after_it():
    """The journal's group commit: the statements are queued, sent at the block's end, and
    the inserted rows read after the commit."""
    with transaction.atomic(), pipeline():
        inserted = insert_ignore_later(WebhookEvent, [event(body="one"), event(body="two")], ("id",))
    ids = sorted(pk for (pk,) in inserted())
    assert list(WebhookEvent.objects.filter(pk__in=ids).order_by("pk").values_list("body", flat=True)) == [
        "one",
        "two",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock and NOTIFY are PostgreSQL's")
def test_a_statement_without_a_result_runs_in_the_pipeline_before_the_insert():
    with transaction.atomic(), pipeline():
        execute_later("SELECT pg_advisory_xact_lock($1), pg_notify($2, '')", [12345, "a_test_channel"])
        inserted = insert_ignore_later(WebhookEvent, [event()], ("id",))
        [(held,)] = _query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 12345")
    assert held == 1 and len(inserted()) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce varchar lengths")
def test_an_error_in_a_pipeline_is_djangos_nothing_of_it_is_kept_and_the_connection_still_works():
    with pytest.raises(DataError), transaction.atomic(), pipeline():
        insert_ignore_later(WebhookEvent, [event(body="kept?"), event(signature="x" * 81)], ("id",))
    assert not WebhookEvent.objects.exists()
    assert len(insert_ignore_returning(WebhookEvent, [event()], ("id",))) == 1


def _query(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_more_values_than_a_statement_takes_go_as_several_statements(monkeypatch):
    monkeypatch.setitem(db.MOST_VALUES, connection.vendor, 20)  # two rows a statement here
    rows = [event(body=f"row {n}") for n in range(5)]
    ids = sorted(pk for (pk,) in insert_ignore_returning(WebhookEvent, rows, ("id",)))
    assert len(ids) == 5
    with transaction.atomic(), pipeline():
        inserted = insert_ignore_later(WebhookEvent, [event(body=f"later {n}") for n in range(3)], ("id",))
    assert len(inserted()) == 3
    bodies = WebhookEvent.objects.order_by("pk").values_list("body", flat=True)
    assert list(bodies) == [f"row {n}" for n in range(5)] + [f"later {n}" for n in range(3)]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server-side prepared statements are PostgreSQL's"
)
def test_the_insert_is_never_prepared_on_the_server_so_a_pooler_in_transaction_mode_works():
    for _ in range(8):  # psycopg would prepare from the fifth time with its default threshold
        insert_ignore_returning(WebhookEvent, [event(), event()], ("id",))
    assert _query("SELECT count(*) FROM pg_prepared_statements") == [(0,)]
