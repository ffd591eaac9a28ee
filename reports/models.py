"""The facts of the reports (S3), kept as hourly tallies written when things happen.

A report over 90 days and a million messages cannot read the messages (nor a row per
message, nor a row per duration) on each view and answer in a few hundred milliseconds.
Each fact is added instead to the tally of its UTC hour: one wide row per hour overall
(``dim`` empty) and one per hour and queue, agent or number (``dim_id``; 0: none), and
for these also to the row of its UTC day (``whole_day``). A
duration (first response, handle time) adds one to the bucket of its histogram (the
``BUCKETS`` bounds, in seconds) and its exact value to a sum, so medians and 90th
percentiles come from the tallies too, estimated within their bucket. Messages by type
and the disposition codes are counted in ``TallyDetail`` (overall, per hour).
"""

from __future__ import annotations

from django.db import models

#: Upper bounds (seconds, excluded) of the duration buckets; the last bucket is open.
BUCKETS = (
    5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 90, 105, 120, 150, 180, 210, 240, 300, 360, 420,
    480, 600, 720, 900, 1200, 1500, 1800, 2400, 3000, 3600, 4800, 6000, 7200, 10800, 14400,
    21600, 28800, 43200, 86400,
)  # fmt: skip
BUCKET_COUNT = len(BUCKETS) + 1
#: The two durations kept as histograms, by column prefix.
DURATIONS = ("first_response", "handle_time")
#: The counters of a tally, one column each.
COUNTERS = (
    "messages_in",
    "messages_out",
    "first_responses",
    "handled",
    "reply_breaches",
    "notification_fallbacks",
    "offers_rejected",
    "offers_expired",
    "abandoned",
    "surveys_answered",
    "surveys_satisfied",
)


def bucket_column(duration: str, index: int) -> str:
    return f"{duration}_b{index:02d}"


class Tally(models.Model):
    """What happened in one UTC hour, overall or for one queue, agent or number."""

    class Dim(models.TextChoices):
        ALL = "", "All"
        QUEUE = "queue"
        AGENT = "agent"
        CHANNEL = "channel"

    hour = models.DateTimeField(help_text="The UTC hour (its start) the facts happened in")
    #: A row of a whole UTC day (``hour`` at midnight) per queue, agent or number: a long
    #: period reads a row per day and key, and the hourly rows only at its two ends.
    whole_day = models.BooleanField(default=False)
    dim = models.CharField(max_length=8, choices=Dim, blank=True)
    dim_id = models.BigIntegerField(default=0)
    messages_in = models.PositiveBigIntegerField(default=0)
    messages_out = models.PositiveBigIntegerField(default=0)
    first_responses = models.PositiveBigIntegerField(default=0)
    first_response_seconds = models.FloatField(default=0)
    handled = models.PositiveBigIntegerField(default=0)
    handle_time_seconds = models.FloatField(default=0)
    reply_breaches = models.PositiveBigIntegerField(default=0)
    notification_fallbacks = models.PositiveBigIntegerField(default=0)
    offers_rejected = models.PositiveBigIntegerField(default=0)
    offers_expired = models.PositiveBigIntegerField(default=0)
    #: B2: waiting interactions closed before any agent accepted them (surveys.services).
    abandoned = models.PositiveBigIntegerField(default=0)
    #: B3: survey answers, those at or above the survey's "satisfied" score, and the sum
    #: of their scores (the average is the sum over the answers).
    surveys_answered = models.PositiveBigIntegerField(default=0)
    surveys_satisfied = models.PositiveBigIntegerField(default=0)
    survey_score_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dim", "whole_day", "hour", "dim_id"], name="tally_once")
        ]

    def __str__(self) -> str:
        span = "day" if self.whole_day else "hour"
        return f"{self.dim or 'all'}:{self.dim_id}, {span} of {self.hour:%Y-%m-%d %H}h"


for _duration in DURATIONS:
    for _index in range(BUCKET_COUNT):
        Tally.add_to_class(bucket_column(_duration, _index), models.PositiveIntegerField(default=0))


class TallyDetail(models.Model):
    """How many messages of a type (in or out), or Done with a disposition code, in one UTC hour."""

    class Kind(models.TextChoices):
        MESSAGE_IN = "message_in", "Messages received"
        MESSAGE_OUT = "message_out", "Messages sent"
        DISPOSITION = "disposition", "Dispositions"

    hour = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind)
    detail = models.CharField(max_length=100, blank=True)
    n = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "kind", "detail"], name="tally_detail_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.detail} at {self.hour:%Y-%m-%d %H}h: {self.n}"
