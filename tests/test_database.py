"""The test database lets other threads work beside a test, as the product's database does.

Tests with a live server run more than the test's thread: the embedded task runner's
threads (the sandbox's delayed status webhooks), each with its own connection, and the
live server's. What one of them reads while another writes must see the last committed
state (or wait its turn), never fail at once: SQLite's shared-cache in-memory database,
Django's default for tests, answered "database table is locked" there, and the sandbox
tests failed now and then depending on how the threads happened to interleave.
"""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from conversations.models import Channel
from tests.factories import ChannelFactory
from waproject.embedded import runner

pytestmark = pytest.mark.django_db(transaction=True)


def on_a_runner_thread(job) -> list:
    """Start ``job`` on one of the embedded runner's threads; the list gets its result, or the
    exception it raised (the runner itself would only log it)."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(job())
        except Exception as exc:
            outcome.append(exc)

    runner.submit(run)
    return outcome


def test_a_task_reads_the_last_commit_while_the_test_writes():
    channel = ChannelFactory(name="Support line")
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(name="Renamed, not committed yet")
        seen = on_a_runner_thread(lambda: Channel.objects.get(pk=channel.pk).name)
        assert runner.wait_idle(30)
    assert seen == ["Support line"]


def test_the_test_reads_the_last_commit_while_a_task_writes():
    channel = ChannelFactory(name="Support line")
    writing, release = threading.Event(), threading.Event()

    def rename() -> int:
        with transaction.atomic():
            renamed = Channel.objects.filter(pk=channel.pk).update(name="Sales line")
            writing.set()
            release.wait(30)  # hold the write open while the test reads
        return renamed

    outcome = on_a_runner_thread(rename)
    assert writing.wait(30)
    try:
        seen = Channel.objects.get(pk=channel.pk).name
    finally:
        release.set()
        assert runner.wait_idle(30)
    assert seen == "Support line"
    assert outcome == [1]
    assert Channel.objects.get(pk=channel.pk).name == "Sales line"
