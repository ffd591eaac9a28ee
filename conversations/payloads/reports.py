"""S3 reports: the figures of a period, overall and per queue, agent, number, day and hour.

Durations are in seconds (whole seconds to two significant figures, as tallied:
``reports.models``); a median or 90th percentile is null when nothing was measured.
"""

from __future__ import annotations

from typing import TypedDict


class ReportFigures(TypedDict):
    """One row of a report: what happened for one key (a queue, an agent, a day…)."""

    key: str
    label: str
    messages_in: int
    messages_out: int
    first_responses: int
    first_response_median: float | None
    first_response_p90: float | None
    handled: int
    handle_time_median: float | None
    handle_time_p90: float | None
    reply_breaches: int
    notification_fallbacks: int
    offers_rejected: int
    offers_expired: int
    #: B2: waiting interactions closed before an agent accepted them (surveys.services)
    abandoned: int
    #: B3 CSAT: survey answers, their average score, and the share of satisfied answers
    #: (score at or above the survey's "satisfied" score) in percent; None without answers
    surveys_answered: int
    csat_average: float | None
    csat_satisfied_percent: float | None


class ReportCount(TypedDict):
    """How many of one kind: a message type in a direction, a disposition code."""

    key: str
    label: str
    count: int


class ReportPeriod(TypedDict):
    """The period asked for: local dates (both included) in ``time_zone``, and the UTC
    instants they span."""

    date_from: str
    date_to: str
    time_zone: str
    days: int
    starts_at: str
    ends_at: str


class Report(TypedDict):
    """S3: a period's figures overall, by queue, agent, number, day and hour of day, with
    the messages by direction and type and the dispositions."""

    period: ReportPeriod
    totals: ReportFigures
    messages_by_type: list[ReportCount]
    dispositions: list[ReportCount]
    by_day: list[ReportFigures]
    by_hour: list[ReportFigures]
    by_queue: list[ReportFigures]
    by_agent: list[ReportFigures]
    by_channel: list[ReportFigures]
