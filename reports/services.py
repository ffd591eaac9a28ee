"""Recording the facts of the reports (S3) at the moment they happen.

The services of the conversations call :func:`facts_record` inside their own
transaction, so a fact is counted exactly when its change commits (a rolled-back webhook
counts nothing; a redelivered one stores no message and so no fact). One statement per table
and call (per 200 rows): the tallies it touches are summed in Python, then added with one
``INSERT … ON CONFLICT DO UPDATE`` per table, in a fixed order of keys so that two
transactions never wait for each other's rows crosswise (no deadlock).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from django.db import connection, transaction

from conversations.models import Message
from reports.models import BUCKET_COUNT, BUCKETS, COUNTERS, DURATIONS, Tally, TallyDetail, bucket_column


class Kind:
    """What a fact is."""

    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    FIRST_RESPONSE = "first_response"
    HANDLE_TIME = "handle_time"
    REPLY_BREACH = "reply_breach"
    FALLBACK = "notification_fallback"
    OFFER_REJECTED = "offer_rejected"
    OFFER_EXPIRED = "offer_expired"
    DISPOSITION = "disposition"
    ABANDONED = "abandoned"
    SURVEY_ANSWERED = "survey_answered"


#: The counter column each kind adds one to.
_COUNTER_OF = {
    Kind.MESSAGE_IN: "messages_in",
    Kind.MESSAGE_OUT: "messages_out",
    Kind.FIRST_RESPONSE: "first_responses",
    Kind.HANDLE_TIME: "handled",
    Kind.REPLY_BREACH: "reply_breaches",
    Kind.FALLBACK: "notification_fallbacks",
    Kind.OFFER_REJECTED: "offers_rejected",
    Kind.OFFER_EXPIRED: "offers_expired",
    Kind.ABANDONED: "abandoned",
    Kind.SURVEY_ANSWERED: "surveys_answered",
}
_DETAILED = (Kind.MESSAGE_IN, Kind.MESSAGE_OUT, Kind.DISPOSITION)


class Where(TypedDict):
    """Where a fact happened (a :class:`Fact`'s place fields): callers build it once and
    spread it into each fact of a conversation, ``Fact(kind, at, **where)``."""

    queue_id: int | None
    agent_id: int | None
    channel_id: int | None


@dataclass(frozen=True)
class Fact:
    """Something a report counts: when, where (queue, agent, number) and what."""

    kind: str
    at: datetime
    queue_id: int | None = None
    agent_id: int | None = None
    channel_id: int | None = None
    #: A message's type, a disposition code.
    detail: str = ""
    #: A duration (first response, handle time).
    seconds: float | None = None
    #: A survey answer's score, and whether it counts as satisfied (B3).
    score: int | None = None
    satisfied: bool = False


def duration_bucket(seconds: float) -> int:
    """The histogram bucket of a duration: the first whose upper bound is above it."""
    return bisect.bisect_right(BUCKETS, max(0.0, seconds))


#: Rows per statement: a fact's row has 98 parameters, SQLite allows 32 766 a statement.
CHUNK_ROWS = 200
_SUMS = {"first_response": "first_response_seconds", "handle_time": "handle_time_seconds"}
_COLUMNS = (
    *COUNTERS,
    *_SUMS.values(),
    "survey_score_sum",
    *(bucket_column(d, i) for d in DURATIONS for i in range(BUCKET_COUNT)),
)


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def facts_record(facts: Iterable[Fact]) -> None:
    """Count ``facts`` in their hours' tallies: overall, and per queue, agent and number."""
    rows: dict[tuple[str, bool, datetime, int], dict[str, float]] = {}
    details: dict[tuple[datetime, str, str], int] = {}
    for fact in facts:
        hour = _hour(fact.at)
        added: dict[str, float] = {}
        if fact.kind in _COUNTER_OF:
            added[_COUNTER_OF[fact.kind]] = 1
        if fact.kind in _SUMS and fact.seconds is not None:
            added[_SUMS[fact.kind]] = max(0.0, fact.seconds)
            added[bucket_column(fact.kind, duration_bucket(fact.seconds))] = 1
        if fact.kind == Kind.SURVEY_ANSWERED and fact.score is not None:
            added["survey_score_sum"] = fact.score
            added["surveys_satisfied"] = 1 if fact.satisfied else 0
        if fact.kind in _DETAILED:
            detail_key = (hour, fact.kind, fact.detail[:100])
            details[detail_key] = details.get(detail_key, 0) + 1
        if not added:
            continue
        day = hour.replace(hour=0)
        for key in (
            ("", False, hour, 0),
            ("queue", False, hour, fact.queue_id or 0),
            ("agent", False, hour, fact.agent_id or 0),
            ("channel", False, hour, fact.channel_id or 0),
            ("queue", True, day, fact.queue_id or 0),
            ("agent", True, day, fact.agent_id or 0),
            ("channel", True, day, fact.channel_id or 0),
        ):
            row = rows.setdefault(key, {})
            for column, amount in added.items():
                row[column] = row.get(column, 0) + amount
    if rows:
        _upsert_tallies(rows)
    if details:
        _upsert_details(details)


def _upsert_tallies(rows: dict[tuple[str, bool, datetime, int], dict[str, float]]) -> None:
    table = connection.ops.quote_name(Tally._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _COLUMNS)
    one = f"({', '.join(['%s'] * (4 + len(_COLUMNS)))})"
    keys = sorted(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK_ROWS):
            chunk = keys[start : start + CHUNK_ROWS]
            params: list = []
            for dim, whole_day, hour, dim_id in chunk:
                row = rows[(dim, whole_day, hour, dim_id)]
                params.extend(
                    [dim, whole_day, adapt(hour), dim_id, *(row.get(column, 0) for column in _COLUMNS)]
                )
            cursor.execute(
                f"INSERT INTO {table} (dim, whole_day, hour, dim_id, {', '.join(_COLUMNS)}) "
                f"VALUES {', '.join([one] * len(chunk))} "
                f"ON CONFLICT (dim, whole_day, hour, dim_id) DO UPDATE SET {updates}",
                params,
            )


def _upsert_details(details: dict[tuple[datetime, str, str], int]) -> None:
    table = connection.ops.quote_name(TallyDetail._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    keys = sorted(details)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK_ROWS):
            chunk = keys[start : start + CHUNK_ROWS]
            params: list = []
            for hour, kind, detail in chunk:
                params.extend([adapt(hour), kind, detail, details[(hour, kind, detail)]])
            cursor.execute(
                f"INSERT INTO {table} (hour, kind, detail, n) VALUES {', '.join(['(%s, %s, %s, %s)'] * len(chunk))} "
                f"ON CONFLICT (hour, kind, detail) DO UPDATE SET n = {table}.n + excluded.n",
                params,
            )


#: Customer messages counted per sweep (one transaction each).
TALLY_BATCH = 2000


def inbound_messages_tally(*, limit: int = TALLY_BATCH) -> int:
    """Count the customer messages stored since the last sweep (by type, for their
    conversation's queue, owner and number) and mark them counted, in one transaction.

    The webhook's hot path stays three statements (docs/benchmarks.md B1): its messages
    are counted here, a beat tick later, instead of by two more statements in each
    webhook. Exact and idempotent: a message is counted with the flag that says so, rows
    another sweep holds are skipped, and the partial index holds only what is not counted.
    """
    with transaction.atomic():
        pending = list(
            Message.objects.filter(direction=Message.Direction.INBOUND, tallied=False)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list(
                "pk", "arrived_at", "type", "channel_id", "interaction__queue_id", "interaction__owner_id"
            )[:limit]
        )
        if not pending:
            return 0
        facts_record(
            Fact(
                Kind.MESSAGE_IN,
                arrived_at,
                queue_id=queue_id,
                agent_id=owner_id,
                channel_id=channel_id,
                detail=kind,
            )
            for _pk, arrived_at, kind, channel_id, queue_id, owner_id in pending
        )
        Message.objects.filter(pk__in=[row[0] for row in pending]).update(tallied=True)
    return len(pending)
