"""The embedded beat (make run): a slow sweep neither piles up runs of itself nor holds up
the jobs requests hand over (a customer's photo waited 15 s behind sweeps on a busy CI)."""

from __future__ import annotations

import threading
from datetime import timedelta

from celery.schedules import schedule

from waproject.celery import app
from waproject.embedded import EmbeddedBeat, EmbeddedRunner, runner

release = threading.Event()
runs: list[str] = []


@app.task(name="tests.ops.slow_sweep")
def slow_sweep() -> None:
    runs.append("slow")
    release.wait(10)


def a_beat() -> EmbeddedBeat:
    return EmbeddedBeat(
        {"slow": {"task": "tests.ops.slow_sweep", "schedule": schedule(timedelta(seconds=1))}}
    )


def test_an_entry_whose_run_is_unfinished_is_skipped_not_queued_again() -> None:
    release.clear()
    runs.clear()
    beat = a_beat()
    try:
        assert beat.tick("slow", slow_sweep) is True
        assert beat.tick("slow", slow_sweep) is False
        assert beat.tick("slow", slow_sweep) is False
    finally:
        release.set()
    assert beat.wait_idle(10)
    assert runs == ["slow"]
    assert beat.tick("slow", slow_sweep) is True  # finished: the next tick runs it again
    assert beat.wait_idle(10)
    assert runs == ["slow", "slow"]


def test_sweeps_run_on_threads_of_their_own_so_handed_over_jobs_start_at_once() -> None:
    release.clear()
    beat = EmbeddedBeat(
        {
            f"slow-{n}": {"task": "tests.ops.slow_sweep", "schedule": schedule(timedelta(seconds=1))}
            for n in range(6)
        }
    )
    started = threading.Event()
    try:
        for n in range(6):  # more slow sweeps than the request jobs' pool has threads
            beat.tick(f"slow-{n}", slow_sweep)
        runner.submit(started.set)  # a download handed over by a webhook
        assert started.wait(5), "a request's job waited behind the sweeps"
    finally:
        release.set()
    assert beat.wait_idle(10)
    assert runner.wait_idle(10)


def test_the_runner_counts_a_job_as_pending_until_it_finished() -> None:
    pool = EmbeddedRunner(workers=1)
    gate = threading.Event()
    pool.submit(lambda: gate.wait(5))
    assert pool.wait_idle(0.2) is False
    gate.set()
    assert pool.wait_idle(5) is True
