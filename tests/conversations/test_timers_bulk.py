"""O1 / O2 timers in bulk (issue 14): a tick claims due timers a batch at a time, goes on
until nothing is due (within its time budget), costs the same number of statements per
batch however many interactions are open, and concurrent ticks announce each once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Interaction
from conversations.services.interactions import interaction_timers_due
from reports.models import Tally
from tests.factories import AgentProfileFactory, InteractionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def due_windows(channel, count: int, **fields) -> list[Interaction]:
    past = timezone.now() - timedelta(seconds=1)
    return InteractionFactory.create_batch(count, channel=channel, window_due_at=past, **fields)


def test_a_tick_goes_on_batch_after_batch_until_nothing_is_due(channel):
    due_windows(channel, 35)
    assert interaction_timers_due(now=timezone.now(), limit=10) == 35
    assert not Interaction.objects.filter(window_due_at__isnull=False).exists()


def test_a_tick_stops_claiming_when_its_time_is_spent_and_the_next_one_goes_on(channel):
    due_windows(channel, 25)
    assert interaction_timers_due(now=timezone.now(), limit=10, budget=0) == 10
    assert interaction_timers_due(now=timezone.now(), limit=10, budget=0) == 10
    assert interaction_timers_due(now=timezone.now(), limit=10) == 5


def test_a_batch_costs_the_same_statements_for_ten_timers_and_for_two_hundred(channel):
    owner = AgentProfileFactory().user

    def statements_for(count: int) -> int:
        due_windows(channel, count, owner=owner)
        with CaptureQueriesContext(connection) as queries:
            assert interaction_timers_due(now=timezone.now()) == count
        return len(queries)

    assert statements_for(10) == statements_for(200)


def test_closed_interactions_are_claimed_but_not_announced(channel):
    due_windows(channel, 3)
    due_windows(channel, 2, state=Interaction.State.CLOSED)
    assert interaction_timers_due(now=timezone.now()) == 3
    assert not Interaction.objects.filter(window_due_at__isnull=False).exists()


def test_reply_breaches_of_a_whole_batch_are_counted_in_the_reports(channel):
    past = timezone.now() - timedelta(seconds=1)
    InteractionFactory.create_batch(4, channel=channel, reply_due_at=past, awaiting_reply_since=past)
    InteractionFactory(channel=channel, reply_due_at=past, awaiting_reply_since=None)  # answered
    assert interaction_timers_due(now=timezone.now()) == 5
    overall = Tally.objects.get(dim=Tally.Dim.ALL, whole_day=False)
    assert overall.reply_breaches == 4


def test_concurrent_ticks_announce_each_timer_once(channel):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set DATABASE_URL)")
    due_windows(channel, 300)
    barrier = threading.Barrier(4)
    fired: list[int] = []

    def tick() -> None:
        try:
            barrier.wait()
            fired.append(interaction_timers_due(now=timezone.now(), limit=20))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(fired) == 300
