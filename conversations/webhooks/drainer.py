"""The journal's drainer (``WEBHOOK_JOURNAL_PROCESSING=drainer``, ``manage.py drain_webhooks``):
the web processes only store and acknowledge, this process processes.

With the processing in the web process, the acknowledgements and the processing share one
interpreter lock: ~0.5 ms of CPU a webhook for the one, 1.5–2 ms for the other
(docs/benchmarks.md). The drainer takes the processing to a process of its own:

- it holds a PostgreSQL advisory lock (:data:`~conversations.selectors.journal.DRAINER_LOCK`)
  while it runs, so one drainer of a deployment is active and any other started stands by
  until the lock is free (its process died or stopped);
- a reader (the main thread) ``LISTEN``\\ s on :data:`JOURNAL_CHANNEL`, where each group
  commit ``NOTIFY``\\ s, reads the stored ``received`` events in id order (ids commit in
  their order: each group commit holds ``JOURNAL_APPEND_LOCK``; every second it also looks
  below its place for an event committed out of order), parses them and hands them to the
  :class:`~conversations.webhooks.journal.Processors`: the same threads, batches and
  retries as in a web process, a customer's events always on the same thread;
- at most :data:`MOST_HELD` events are in its hands at once; the rest wait in the table;
- while it holds the lock the retry sweep and ``/readyz/`` leave the journal to it; a
  drainer that loses its connection (and so the lock) lets go of what it had not begun;
- live events are sent on an event loop of its own (the channel layer, as a worker does).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import psycopg
from django.conf import settings
from django.db import connection
from psycopg.rows import TupleRow

from conversations.selectors.journal import DRAINER_LOCK
from conversations.services.webhooks import JOURNAL_CHANNEL, webhook_journal_pending
from conversations.webhooks.journal import Processors, close_broken_connections

logger = logging.getLogger(__name__)

#: Events read from the table at once.
READ_BATCH = 500
#: At most this many events read and not yet processed.
MOST_HELD = 2000
#: Seconds between looks below the reader's place (late commits), and the longest wait
#: for a notification.
RESCAN_EVERY = 1.0
#: The listening connection's own settings (the database's OPTIONS win).
LISTENER_OPTIONS = {
    "application_name": "wa-drainer",  # as pg_stat_activity shows it (unless OPTIONS name one)
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    # And while a query waits unanswered on a link that died silently (keepalives do not
    # apply to unacknowledged data): the query fails after 30 s instead of ~15 minutes.
    "tcp_user_timeout": 30000,
}
#: The acknowledgements count as crowded this long after a crowded group commit's notification.
CROWDED_WITHIN = 0.05
#: A group commit of at least this many POSTs is crowded: POSTs queued while the one before
#: committed, so the web process is short of time. At a steady, moderate rate each POST
#: commits nearly alone, and the processing must not hold back for those. A size, not a
#: wait: a web process that never has this many POSTs in flight (a few deliveries at once
#: spread over many web processes) never asks for a pause; ``--nice`` still favours it.
CROWDED_COMMIT = 4
#: Seconds between tries of the lock while another drainer is active (or of the
#: database while it cannot be reached).
STANDBY_PAUSE = 1.0


class Drainer:
    """One drainer process: the reader on the calling thread, processors behind it."""

    def __init__(self, *, processors: int | None = None) -> None:
        self.stopping = threading.Event()
        self.active = threading.Event()
        self._processors = Processors(
            count=processors or settings.WEBHOOK_JOURNAL_PROCESSORS,
            name="drainer",
            arrivals_waiting=self._acknowledgements_crowded,
            lease=False,
        )
        self._crowded_at = float("-inf")  # monotonic time may start near 0 (a fresh boot)
        self._listener: psycopg.Connection[TupleRow] | None = None
        self._place = 0  # the highest id read

    def run(self) -> None:
        """Wait to be the active drainer, then read and process until :meth:`stop`; then
        process what was read and return."""
        loop = asyncio.new_event_loop()
        pushes = threading.Thread(target=loop.run_forever, name="drainer-pushes", daemon=True)
        pushes.start()
        self._processors.loop = loop
        threads = self._processors.threads()
        try:
            if not self._wait_for_the_lock():
                return
            for thread in threads:
                thread.start()
            self._read_forever()
        finally:
            self._processors.stopping.set()
            self._processors.finish()
            for thread in threads:
                if thread.is_alive():
                    thread.join()
            loop.call_soon_threadsafe(loop.stop)
            pushes.join(5)
            if not pushes.is_alive():
                loop.close()
            self._close_listener()
            connection.close()

    def stop(self) -> None:
        """Stop reading (from a signal handler or another thread); :meth:`run` returns once
        the events read are processed."""
        self.stopping.set()

    # --- the lock and the notifications --------------------------------------------------

    def _wait_for_the_lock(self) -> bool:
        """Become the active drainer (holding the lock, then listening); False when stopped
        first. Standing by, it keeps its connection and tries the lock on it each
        :data:`STANDBY_PAUSE`, without listening (a new connection only after a failure)."""
        announced = False
        while not self.stopping.is_set():
            try:
                listener = self._connect()
                if listener.execute("SELECT pg_try_advisory_lock(%s)", [DRAINER_LOCK]).fetchone() == (True,):
                    # Listening from now on; what was committed before is read from the bottom.
                    listener.execute(f"LISTEN {JOURNAL_CHANNEL}")
                    self.active.set()
                    logger.info("webhook drainer: active")
                    return True
                if not announced:
                    logger.info("webhook drainer: another drainer is active; standing by")
                    announced = True
            except psycopg.Error as exc:
                logger.warning("webhook drainer: the database cannot be reached (%s); trying again", exc)
                self._close_listener()
            self.stopping.wait(STANDBY_PAUSE)
        return False

    def _connect(self) -> psycopg.Connection[TupleRow]:
        """Its own connection (never a pooled one: the lock and the ``LISTEN`` are the
        session's), in autocommit so notifications arrive as they are sent."""
        if self._listener is None:
            # TCP keepalives: a drainer whose database host vanished (no reset, no FIN)
            # notices within ~30 s, and so does the server, which then frees the lock.
            params = {**LISTENER_OPTIONS, **connection.get_connection_params()}
            self._listener = psycopg.connect(autocommit=True, **params)
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None

    def _take_news(self, seconds: float) -> None:
        """Take the group commits' notifications, waiting at most ``seconds`` for the first;
        note when a crowded one came (:meth:`_acknowledgements_crowded`). Should the
        listening connection fail, the lock went with it: stand by again until it is held."""
        try:
            assert self._listener is not None
            news = list(self._listener.notifies(timeout=0))
            if not news and seconds > 0:
                news = list(self._listener.notifies(timeout=seconds, stop_after=1))
                if not news:  # a quiet second: is the connection (and so the lock) still there?
                    self._listener.execute("SELECT 1")
            if any(crowded(note.payload) for note in news):
                self._crowded_at = time.monotonic()
        except psycopg.Error as exc:
            # The lock went with the connection: what is queued here is the next drainer's.
            self.active.clear()
            dropped = self._processors.discard()
            logger.warning(
                "webhook drainer: lost its connection (%s); %d queued events let go; taking the lock again",
                exc,
                dropped,
            )
            self._close_listener()
            if self._wait_for_the_lock():
                self._place = 0  # from the bottom again: the events let go come first

    # --- the reader -----------------------------------------------------------------------

    def _acknowledgements_crowded(self) -> bool:
        """Whether the web processes are short of time now (a crowded group commit in the
        last :data:`CROWDED_WITHIN` seconds): the processors then pause as long as they
        worked (``WEBHOOK_JOURNAL_YIELD``), so on a machine shared with the web processes a
        burst is acknowledged first and processed behind it. At a steady rate that the web
        processes take in their stride they do not pause: pausing there only delayed each
        message on its way to the agent (at 169/s end to end the p50 was 48 ms)."""
        return time.monotonic() - self._crowded_at < CROWDED_WITHIN

    def _read_forever(self) -> None:
        rescanned = time.monotonic()
        read = READ_BATCH  # read at once: the events stored while no drainer ran
        while not self.stopping.is_set():
            if not self.active.is_set():  # lost the lock and stopped while standing by
                return
            held = self._processors.held()
            if len(held) >= MOST_HELD:
                self._take_news(0.01)  # the processors are behind: the rest waits in the table
                continue
            self._take_news(
                0.0 if read >= READ_BATCH else max(RESCAN_EVERY - (time.monotonic() - rescanned), 0.0)
            )
            rescan = time.monotonic() - rescanned >= RESCAN_EVERY
            try:
                read = self._read(held, rescan=rescan)
            except Exception as exc:  # the database away: the events wait in the table
                logger.warning("webhook drainer: could not read the journal (%s); trying again", exc)
                close_broken_connections()
                self.stopping.wait(STANDBY_PAUSE)
                continue
            if rescan:
                rescanned = time.monotonic()

    def _read(self, held: set[int], *, rescan: bool) -> int:
        """Hand the next events to the processors; returns how many were read."""
        read = 0
        if rescan:  # an event committed after a later one was read (another web process's)
            room = min(READ_BATCH, MOST_HELD - len(held))
            late = (
                webhook_journal_pending(after=0, through=self._place, limit=room, skip=held)
                if room > 0
                else []
            )
            if late:
                logger.info("webhook drainer: %d events committed late", len(late))
                self._processors.submit(late)
        # Above its place only events read before a lost lock can be held (still processing).
        above = [pk for pk in held if pk > self._place]
        pending = webhook_journal_pending(after=self._place, limit=READ_BATCH, skip=above)
        if pending:
            self._place = pending[-1].event_id
            self._processors.submit(pending)
            read = len(pending)
        return read


def crowded(payload: str) -> bool:
    """Whether a group commit's notification says it was crowded (:data:`CROWDED_COMMIT`
    POSTs or more). A web process of an earlier version sends no count: crowded, as every
    commit counted before."""
    try:
        return int(payload) >= CROWDED_COMMIT
    except ValueError:
        return True
