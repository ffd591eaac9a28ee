"""The embedded default's stand-ins for a Celery worker and for Celery beat.

With no broker configured, tasks still go through Celery (``task.apply``: the task body,
its signature and bookkeeping run exactly as on a worker) but they execute on a small
thread pool inside the server process, after the caller's transaction committed. A
``countdown`` waits on a timer heap instead of a broker. The beat thread enqueues each
``CELERY_BEAT_SCHEDULE`` entry at its interval.

Tests use the "inline" mode: the task runs at once in the caller's thread, so a test
sees its effects without waiting.

Services enqueue tasks by their registered *name* (``conversations.jobs``), resolved here
through the Celery app: a service never imports the tasks module that calls services, so
the layers stay one-way (docs/architecture.md).
"""

from __future__ import annotations

import functools
import heapq
import importlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from celery import Task
from django.conf import settings
from django.db import close_old_connections, transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from waproject.celery import app

logger = logging.getLogger(__name__)

Job = Callable[[], Any]


class EmbeddedRunner:
    """A bounded pool of worker threads with delayed jobs (the worker stand-in)."""

    def __init__(self, *, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embedded-task")
        self._delayed: list[tuple[float, int, Job]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._pending = 0
        self._timer_thread: threading.Thread | None = None

    def submit(self, job: Job, *, countdown: float | None = None) -> None:
        with self._cond:
            self._pending += 1
            if countdown and countdown > 0:
                heapq.heappush(self._delayed, (time.monotonic() + countdown, next(self._counter), job))
                self._ensure_timer_thread()
                self._cond.notify_all()
                return
        self._start(job)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is queued, delayed or running (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def _start(self, job: Job) -> None:
        future: Future[Any] = self._pool.submit(self._run, job)
        future.add_done_callback(self._done)

    @staticmethod
    def _run(job: Job) -> None:
        try:
            job()
        except Exception:  # a worker logs and goes on; the job owns its retries
            logger.exception("embedded task failed")
        finally:
            close_old_connections()

    def _done(self, _future: Future[Any]) -> None:
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    def _ensure_timer_thread(self) -> None:
        if self._timer_thread is None or not self._timer_thread.is_alive():
            self._timer_thread = threading.Thread(target=self._timer_loop, name="embedded-timer", daemon=True)
            self._timer_thread.start()

    def _timer_loop(self) -> None:
        while True:
            with self._cond:
                while not self._delayed:
                    self._cond.wait()
                due_at, _, job = self._delayed[0]
                wait = due_at - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._delayed)
            self._start(job)


runner = EmbeddedRunner()


def run_task(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Execute a Celery task body in this thread, logging a failure like a worker would."""
    result = task.apply(args=args, kwargs=kwargs)
    if result.failed():
        logger.error("task %s%r failed: %s\n%s", task.name, args, result.result, result.traceback)


def task_named(name: str) -> Task:
    """The registered Celery task ``name`` (``"<module>.<function>"``), its module imported
    first if no worker start or beat did yet (as a worker imports its task modules)."""
    task = app.tasks.get(name)
    if task is None:
        importlib.import_module(name.rsplit(".", 1)[0])
        task = app.tasks[name]
    return task


def enqueue(task: str | Task, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Run ``task`` (a task, or its registered name) asynchronously: through the broker when
    scaled, in-process when embedded (``settings.TASK_EXECUTION``)."""
    if isinstance(task, str):
        task = task_named(task)
    if settings.TASK_EXECUTION == "broker":
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
        return
    if settings.TASK_EXECUTION == "inline" and not countdown:
        run_task(task, args, kwargs)
        return
    runner.submit(lambda: run_task(task, args, kwargs), countdown=countdown)


def enqueue_on_commit(task: str | Task, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Enqueue ``task`` once the current transaction commits (never for rolled-back work).

    The work is committed by then, so a broker that cannot be reached (Redis restarting:
    the faults drill) must not turn the caller, a request, into a 500: the failure is
    logged and the job left behind. What has a row (a queued send, a pending download, an
    integrator's delivery) is redone by its beat sweep; what has none (blue ticks, a
    sandbox status step, a flow error's audit entry) is lost. Sweeps and tasks call
    :func:`enqueue` itself and stop at the first failure."""
    transaction.on_commit(lambda: enqueue_best_effort(task, *args, countdown=countdown, **kwargs))


def enqueue_best_effort(
    task: str | Task, *args: object, countdown: float | None = None, **kwargs: object
) -> bool:
    """:func:`enqueue`, logging (not raising) a broker that cannot be reached; whether it
    was enqueued. For requests whose own work is done (see :func:`enqueue_on_commit`)."""
    try:
        enqueue(task, *args, countdown=countdown, **kwargs)
    except BrokerUnavailable:
        name = task if isinstance(task, str) else task.name
        logger.warning("broker unavailable: %s not enqueued (a row behind it is redone by its sweep)", name)
        return False
    return True


class EmbeddedBeat:
    """Celery beat inside the server process: each schedule entry enqueued at its interval.

    Two guards a broker's beat gets from its worker pool and queues, which this one must
    give itself: the sweeps run on threads of their own (``runner`` stays free for the jobs
    requests hand over, a download or a send, however slow a sweep is on a busy SQLite), and
    an entry whose previous run has not finished is skipped, not queued again, so a slow
    sweep never piles up runs of itself."""

    def __init__(self, schedule: dict[str, dict[str, Any]], *, workers: int = 2) -> None:
        self._entries = [
            (name, entry["task"], entry["schedule"].run_every.total_seconds())
            for name, entry in schedule.items()
        ]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._runner = EmbeddedRunner(workers=workers)
        self._lock = threading.Lock()
        self._unfinished: set[str] = set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="embedded-beat", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def tick(self, name: str, task: Task) -> bool:
        """Run entry ``name`` unless its previous run is unfinished; whether it was started."""
        with self._lock:
            if name in self._unfinished:
                return False
            self._unfinished.add(name)
        self._runner.submit(functools.partial(self._run_entry, name, task))
        return True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no sweep is queued or running (for tests)."""
        return self._runner.wait_idle(timeout)

    def _run_entry(self, name: str, task: Task) -> None:
        try:
            run_task(task, (), {})
        finally:
            with self._lock:
                self._unfinished.discard(name)

    def _loop(self) -> None:
        for _, task_name, _ in self._entries:  # register the tasks, as a worker does at start
            importlib.import_module(task_name.rsplit(".", 1)[0])
        next_run = {name: time.monotonic() + interval for name, _, interval in self._entries}
        while not self._stop.wait(0.25):
            now = time.monotonic()
            for name, task_name, interval in self._entries:
                if now >= next_run[name]:
                    next_run[name] = now + interval
                    task = app.tasks.get(task_name)
                    if task is None:
                        logger.error("beat entry %s names unknown task %s", name, task_name)
                        continue
                    if not self.tick(name, task):
                        logger.debug("beat entry %s skipped: its previous run is unfinished", name)
