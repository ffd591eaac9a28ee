"""The webhook journal (``WEBHOOK_JOURNAL=1``): a 200 after a group commit, processing behind.

Without it each webhook is processed inside the transaction that stores it, and its 200
waits for that work: ~1.5 ms of CPU and a commit per webhook. With it the server's 200
waits only for the raw body to be durable:

- one *appender* thread takes every verified POST that arrived while it was committing the
  previous batch, stores them all with one multi-row ``INSERT`` and one commit (a group
  commit: the batch grows with the load, the commits per second do not), then answers each;
- *processor* threads (``WEBHOOK_JOURNAL_PROCESSORS``) process the stored events behind it,
  a batch per transaction (``webhook_journal_process``), and send their live events on the
  server's event loop. A customer's events always go to the same processor (by their
  business-scoped id, else their number), first in first out.

With ``WEBHOOK_JOURNAL_PROCESSING=drainer`` the server starts no processors: the group
commit tells the drainer (``conversations.webhooks.drainer``, its own process), which
processes every server's events with the same :class:`Processors`.

Persist-then-acknowledge holds: every acknowledged event is a committed row. So does
idempotency by wamid (processing is the same). A customer's order holds within a process,
as far as an event names one customer (a body naming several goes with its first). The
events a process holds are leased: it renews their ``retry_due_at`` while they wait, so the
retry sweep takes an event only once its process stopped renewing (it died) for
``JOURNAL_RECOVER_AFTER``. Bodies that are no webhook are refused (400) as without the
journal: the appender reads each body before storing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connections

from conversations.directory import directory
from conversations.services.webhooks import (
    Arrival,
    Journaled,
    webhook_journal_append,
    webhook_journal_fail,
    webhook_journal_process,
    webhook_journal_renew,
    webhook_read,
)
from waproject import broadcasts
from waproject.availability import database_unreachable
from whatsapp.records import ParsedWebhook
from whatsapp.signature import matching_secret

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: At most this many webhooks share one commit, and one processing transaction.
APPEND_BATCH = 500
PROCESS_BATCH = 100
#: On SQLite a processing transaction holds the one write lock: short ones let the
#: appender's commits through between them.
SQLITE_PROCESS_BATCH = 16
#: Seconds between tries of a batch while the database cannot be reached.
RETRY_PAUSE = 1.0
#: How long the processor waits for the event loop to take a batch's live events.
PUSH_TIMEOUT = 5.0
#: A POST whose commit has not come after this many seconds is answered 503 (Meta resends;
#: should the commit still come, the resent copy is a duplicate, which processing ignores).
ANSWER_TIMEOUT = 20.0
#: Seconds between renewals of the held events' lease (well inside JOURNAL_RECOVER_AFTER).
LEASE_EVERY = 10.0
#: The longest pause a processor makes for the acknowledgements (seconds).
MOST_YIELD = 1.0
#: A pause checks this often whether arrivals still wait.
PAUSE_SLICE = 0.05


@dataclass(frozen=True)
class Outcome:
    """What the appender answers a POST: the status and, for a refusal, why."""

    status: int
    error: str = ""
    event_id: int | None = None


@dataclass
class _Post:
    body: bytes
    signature: str
    received_at: datetime
    settle: Callable[[Outcome], None]


class Processors:
    """Threads that process journaled events behind their commit, a batch per transaction,
    and send the batch's live events on :attr:`loop`. A customer's events always go to the
    same thread (:func:`_customer`), first in first out. The events given and not yet
    processed are *held*; with ``lease``, a lease thread renews their recovery time, so the
    retry sweep leaves them to this process (the drainer needs none: the sweep leaves the
    journal alone while a drainer holds its lock)."""

    def __init__(
        self,
        *,
        count: int,
        name: str,
        arrivals_waiting: Callable[[], bool] = lambda: False,
        lease: bool = True,
    ) -> None:
        self._queues: list[queue.SimpleQueue[list[Journaled] | None]] = [
            queue.SimpleQueue() for _ in range(max(count, 1))
        ]
        self._name = name
        self._arrivals_waiting = arrivals_waiting
        self._lease = lease
        #: Where the live events are sent (the server's event loop, the drainer's own).
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping = threading.Event()
        self._held: set[int] = set()
        self._held_lock = threading.Lock()
        # While arrivals wait, the threads' pause is the process's (see _yield_to_arrivals).
        self._resume_at = 0.0
        self._pause_lock = threading.Lock()

    def threads(self) -> list[threading.Thread]:
        """The processor and lease threads, not started."""
        workers: list[tuple[Callable[..., None], tuple[object, ...], str]] = [
            (self._process_forever, (queued,), f"{self._name}-process-{number}")
            for number, queued in enumerate(self._queues)
        ]
        if self._lease:
            workers.append((self._lease_forever, (), f"{self._name}-lease"))
        # A fresh context each: the first request's log fields must not follow the threads.
        return [
            threading.Thread(target=contextvars.Context().run, args=(target, *args), name=name, daemon=True)
            for target, args, name in workers
        ]

    def submit(self, entries: list[Journaled]) -> None:
        """Hold the events and queue each to its customer's processor (an event is both or,
        should this fail, neither; then the retry sweep takes it after its 30 s)."""
        split: list[list[Journaled]] = [[] for _ in self._queues]
        for entry in entries:
            split[zlib.crc32(_customer(entry.parsed).encode()) % len(split)].append(entry)
        with self._held_lock:
            self._held.update(entry.event_id for entry in entries)
        for queued, part in zip(self._queues, split, strict=True):
            if part:
                queued.put(part)

    def held(self) -> set[int]:
        """The ids of the events given and not processed yet."""
        with self._held_lock:
            return set(self._held)

    def finish(self) -> None:
        """Ask each processor to stop once it has processed what it was given."""
        for queued in self._queues:
            queued.put(None)

    def discard(self) -> int:
        """Let go of the events queued and not begun (the drainer lost its lock: they are
        the next drainer's now); the batches being processed finish. Returns how many."""
        dropped: list[int] = []
        for queued in self._queues:
            stop = False
            while True:
                try:
                    batch = queued.get_nowait()
                except queue.Empty:
                    break
                if batch is None:
                    stop = True
                else:
                    dropped.extend(entry.event_id for entry in batch)
            if stop:
                queued.put(None)
        with self._held_lock:
            self._held.difference_update(dropped)
        return len(dropped)

    # --- the lease ------------------------------------------------------------------------

    def _lease_forever(self) -> None:
        """Every :data:`LEASE_EVERY` seconds, push the held events' recovery time forward:
        the retry sweep must not take an event a live processor will get to (out of its
        customer's order, and twice the work)."""
        while not self.stopping.wait(LEASE_EVERY):
            held = sorted(self.held())
            try:
                with _writing():
                    webhook_journal_renew(held)
            except Exception:  # the next renewal tries again; a lapse only lets the sweep in
                logger.exception("webhook journal: the lease of %d events was not renewed", len(held))
            finally:
                close_broken_connections()
        connections.close_all()

    # --- the processing -------------------------------------------------------------------

    def _process_forever(self, stored: queue.SimpleQueue[list[Journaled] | None]) -> None:
        stopping = False
        while not stopping:
            batches, stopping = _take(stored, PROCESS_BATCH)
            entries = [entry for batch in batches for entry in batch]
            size = SQLITE_PROCESS_BATCH if _one_writer() else PROCESS_BATCH
            for start in range(0, len(entries), size):
                batch = entries[start : start + size]
                try:
                    self._process(batch)
                except Exception:  # never stop the thread; the events' lease runs out
                    logger.exception("webhook journal: a batch failed; left to the retry sweep")
                finally:
                    with self._held_lock:
                        self._held.difference_update(entry.event_id for entry in batch)
        connections.close_all()

    def _fail(self, entries: list[Journaled], exc: Exception) -> None:
        """Store the batch's events failed, for the sweep's retries with backoff."""
        try:
            with _writing():
                webhook_journal_fail([entry.event_id for entry in entries], error=exc)
        except Exception:  # they stay received: the lease runs out, or the rescan finds them
            logger.exception("webhook journal: a failed batch could not be stored failed")
        finally:
            close_broken_connections()

    def _yield_to_arrivals(self, busy: float) -> None:
        """While POSTs wait for their commit (in a drainer: while crowded group commits keep
        coming, ``drainer.CROWDED_COMMIT`` POSTs or more each), pause as long as the last
        batch's processing took (times ``WEBHOOK_JOURNAL_YIELD``, at most
        :data:`MOST_YIELD`): under a flood the acknowledgements get at least their
        share of the machine, the processing catches up after it; at a steady rate the
        appender is mostly idle and the processing goes on at once. The pause is the
        process's, not the thread's: every thread waits until the latest pause ends before
        its next batch (threads pausing each on its own turns let the others work, and
        four of them took as much CPU as with no pause at all)."""
        if not self._arrivals_waiting():
            return
        with self._pause_lock:
            self._resume_at = max(
                self._resume_at, time.monotonic() + min(busy * settings.WEBHOOK_JOURNAL_YIELD, MOST_YIELD)
            )
        self._wait_for_the_pause()

    def _wait_for_the_pause(self) -> None:
        """Before a batch: wait out the process's pause, if arrivals still wait."""
        while (delay := self._resume_at - time.monotonic()) > 0 and self._arrivals_waiting():
            if self.stopping.wait(min(delay, PAUSE_SLICE)):  # in slices: a lull ends it
                return

    def _process(self, entries: list[Journaled]) -> None:
        self._wait_for_the_pause()
        collected, busy = self._processed(entries)
        if collected and self.loop is not None:
            try:
                pushed: Future[None] = asyncio.run_coroutine_threadsafe(
                    broadcasts.flush(collected), self.loop
                )
                pushed.result(timeout=PUSH_TIMEOUT)
            except Exception:  # a closed loop, a stuck layer: flush logs its own; browsers resync
                logger.exception("webhook journal: live events not sent")
        self._yield_to_arrivals(busy)

    def _processed(self, entries: list[Journaled]) -> tuple[list[tuple[str, dict[str, object]]], float]:
        """Process a batch; while the database cannot be reached, try it again every
        :data:`RETRY_PAUSE` seconds before any later batch (a customer's order holds). On
        another error, or when the server stops meanwhile, the events stay received and
        the retry sweep takes them once their lease runs out."""
        while True:
            try:
                began = time.monotonic()
                with broadcasts.collect_broadcasts() as collected, _writing():
                    webhook_journal_process(entries)
                return collected, time.monotonic() - began
            except Exception as exc:
                unreachable = database_unreachable(exc)
                retry = unreachable and not self.stopping.is_set()
                logger.warning(
                    "webhook journal: a batch of %d events was not processed (%s)%s",
                    len(entries),
                    exc,
                    "; trying again" if retry else "; left to the retry sweep",
                    exc_info=not retry,
                )
                if not retry:
                    if not unreachable:
                        self._fail(entries, exc)
                    return [], 0.0
            finally:
                close_broken_connections()
            self.stopping.wait(RETRY_PAUSE)


class Journal:
    """One server's appender thread, and its processors unless a drainer processes
    (``WEBHOOK_JOURNAL_PROCESSING``), started on the first POST."""

    def __init__(self) -> None:
        # ``None`` asks the appender to stop once it has handled what came before.
        self._posts: queue.SimpleQueue[_Post | None] = queue.SimpleQueue()
        self._processors: Processors | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._appending = False
        self._closed = False

    async def receive(self, *, body: bytes, signature: str, received_at: datetime) -> Outcome:
        """Store one POST in the next group commit; returns once it is durable (or refused)."""
        if not self._start():
            return Outcome(503, "the server is stopping, retry later")
        loop = asyncio.get_running_loop()
        if self._processors is not None:
            self._processors.loop = loop  # where the live events go (a test's own loop too)
        answered: asyncio.Future[Outcome] = loop.create_future()

        def settle(outcome: Outcome) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
                loop.call_soon_threadsafe(_set_result, answered, outcome)

        self._posts.put(_Post(body, signature, received_at, settle))
        try:
            return await asyncio.wait_for(answered, ANSWER_TIMEOUT)
        except TimeoutError:
            logger.error("webhook journal: no commit after %s s; answered 503", ANSWER_TIMEOUT)
            return Outcome(503, "storage did not answer in time, retry later")

    def _start(self) -> bool:
        """Start the threads unless they run; False once the journal is stopped."""
        if self._threads:
            return True
        with self._lock:
            if self._closed:
                return False
            if self._threads:
                return True
            threads = [
                threading.Thread(
                    target=contextvars.Context().run,
                    args=(self._append_forever,),
                    name="journal-append",
                    daemon=True,
                )
            ]
            if settings.WEBHOOK_JOURNAL_PROCESSING != "drainer":
                self._processors = Processors(
                    count=settings.WEBHOOK_JOURNAL_PROCESSORS,
                    name="journal",
                    arrivals_waiting=self._arrivals_waiting,
                )
                threads += self._processors.threads()
            for thread in threads:
                thread.start()
            self._threads = threads
            return True

    def _arrivals_waiting(self) -> bool:
        return self._appending or bool(self._posts.qsize())

    def stop(self, timeout: float = 25.0) -> None:
        """Store and process what has arrived (within ``timeout`` seconds in all), then stop
        the threads; later POSTs are answered 503. A server's shutdown, not on the event
        loop, which must stay free to take the last live events. What is not processed by
        then stays received, its lease runs out, and the retry sweep takes it."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        if not threads:
            return
        if self._processors is not None:
            self._processors.stopping.set()
        self._posts.put(None)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))

    # --- the appender ---------------------------------------------------------------------

    def _append_forever(self) -> None:
        stopping = False
        while not stopping:
            posts, stopping = _take(self._posts, APPEND_BATCH)
            try:
                self._append(posts)
            except Exception:  # never leave a POST unanswered, never stop the thread
                logger.exception("webhook journal append failed")
                for post in posts:  # a POST answered already ignores a second answer
                    post.settle(Outcome(500, "internal error; the event was not stored, retry later"))
            finally:
                close_broken_connections()
        if self._processors is not None:
            self._processors.finish()
        connections.close_all()

    def _append(self, posts: list[_Post]) -> None:
        self._appending = True
        try:
            self._store(posts)
        finally:
            self._appending = False

    def _store(self, posts: list[_Post]) -> None:
        if not posts:
            return
        try:
            secrets = directory.app_secrets()  # the channels, read again every few seconds
        except DatabaseError:
            logger.exception("webhook journal: the channels could not be read")
            for post in posts:
                post.settle(Outcome(503, "storage unavailable, retry later"))
            return
        arrivals: list[Arrival] = []
        waiting: list[_Post] = []
        for post in posts:
            secret = matching_secret(post.body, post.signature, secrets)
            if secret is None:
                post.settle(
                    Outcome(403, "X-Hub-Signature-256 does not match the body for any channel's app secret")
                )
                continue
            read = webhook_read(body=post.body, received_at=post.received_at)
            arrivals.append(
                Arrival(read=read, signature=post.signature, app_secret=secret, received_at=post.received_at)
            )
            waiting.append(post)
        if not arrivals:
            return
        try:
            with _writing():
                events = webhook_journal_append(arrivals, notify=self._processors is None)
        except DatabaseError:
            # Nothing of the batch was stored: make Meta retry later rather than lose it.
            logger.exception("webhook journal: batch not stored")
            for post in waiting:
                post.settle(Outcome(503, "storage unavailable, retry later"))
            return
        entries: list[Journaled] = []
        answers: list[Outcome] = []
        for arrival, event in zip(arrivals, events, strict=True):
            read = arrival.read
            if read.parsed is None:
                answers.append(Outcome(400, read.problem or "", event.pk) if read.refused else Outcome(200))
                continue
            answers.append(Outcome(200))
            entries.append(Journaled(event.pk, read.parsed, arrival.app_secret, arrival.received_at))
        if self._processors is not None:
            self._processors.submit(entries)  # else the drainer reads them (told by NOTIFY)
        for post, answer in zip(waiting, answers, strict=True):
            post.settle(answer)


def _customer(parsed: ParsedWebhook) -> str:
    """The customer an event is about, which decides its processor: its first message's
    sender, preference's or echo's customer, status's recipient; by the business-scoped id
    when there is one (a customer whose number is hidden has only that), else the number.
    Events about no customer (templates, number health) share the first processor."""
    for change in parsed.changes:
        people = [m.sender for m in change.messages] + [p.customer for p in change.preferences]
        people += [e.sender for e in change.echoes]
        for person in people:
            return person.user_id or person.wa_id or ""
        for status in change.statuses:
            return status.recipient_user_id or status.recipient_id
    return ""


def _set_result(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():  # the client may have gone (the request was cancelled)
        future.set_result(outcome)


def _take(source: queue.SimpleQueue[T | None], most: int) -> tuple[list[T], bool]:
    """Wait for one item, then take what else is waiting, up to ``most`` items; and
    whether the stop mark came (the items before it are returned)."""
    items: list[T] = []
    item = source.get()
    while item is not None:
        items.append(item)
        if len(items) >= most:
            return items, False
        try:
            item = source.get_nowait()
        except queue.Empty:
            return items, False
    return items, True


#: SQLite has one writer, and its busy handler makes a waiting one sleep in growing steps
#: (up to 100 ms a try): the appender and the processor take turns by this lock instead,
#: handed over at once.
_sqlite_writer = threading.Lock()


def _one_writer() -> bool:
    return connections["default"].vendor == "sqlite"


def _writing() -> contextlib.AbstractContextManager[object]:
    return _sqlite_writer if _one_writer() else contextlib.nullcontext()


def close_broken_connections() -> None:
    """A thread keeps its connection while it is healthy; one that failed is closed (the
    next batch connects again)."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and connection.errors_occurred and not connection.is_usable():
            connection.close()


#: This server's journal.
webhook_journal = Journal()
