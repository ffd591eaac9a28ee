"""Reading the reports (S3): a period's figures from the hourly tallies, never from the
messages. Four aggregate queries whatever the volume: by local day, by local hour of day
(both of the overall tallies, converted to the viewer's time zone by the database), and
per queue, agent and number, and the messages by type and dispositions. Medians and 90th percentiles come from the
duration histograms (``reports.models``), estimated within their bucket."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Literal, TypedDict, get_args

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversations import payloads
from conversations.exceptions import PermissionDenied
from conversations.models import Channel, Message, Queue
from conversations.payloads.common import user_name
from conversations.permissions import user_is_supervisor
from reports.models import BUCKET_COUNT, BUCKETS, COUNTERS, DURATIONS, Tally, TallyDetail, bucket_column
from reports.periods import Period

_FIGURE_COLUMNS = (
    *COUNTERS,
    "survey_score_sum",
    *(bucket_column(d, i) for d in DURATIONS for i in range(BUCKET_COUNT)),
)
_SUMS = {column: Sum(column) for column in _FIGURE_COLUMNS}
#: A figure of a report row (a key of ``payloads.ReportFigures`` other than its key and label).
Figure = Literal[
    "messages_in",
    "messages_out",
    "first_responses",
    "first_response_median",
    "first_response_p90",
    "handled",
    "handle_time_median",
    "handle_time_p90",
    "reply_breaches",
    "notification_fallbacks",
    "offers_rejected",
    "offers_expired",
    "abandoned",
    "surveys_answered",
    "csat_average",
    "csat_satisfied_percent",
]
#: The CSV's columns and the tables' (in this order).
FIGURES: tuple[Figure, ...] = get_args(Figure)
#: A breakdown of a report: its rows (``payloads.Report``'s lists of figures).
Section = Literal["by_day", "by_hour", "by_queue", "by_agent", "by_channel"]
#: A row of summed tallies, as the database answers it: column → sum (None: no rows), and
#: the key it is grouped by (a day, an hour, a dimension).
Sums = Mapping[str, object]


class Choice(TypedDict):
    """An agent or a queue a search may be narrowed to (O6)."""

    id: int
    name: str


def _sum(sums: Sums, column: str) -> int:
    """A summed column of ``sums``: 0 when nothing was summed (SQL's ``SUM`` of no rows is
    NULL)."""
    value = sums.get(column)
    return int(value) if isinstance(value, int | float) else 0


def percentile(buckets: Sequence[int], p: float) -> float | None:
    """The ``p`` quantile (0 < p ≤ 1) of a duration histogram (counts per bucket of
    ``BUCKETS``), estimated as Prometheus' ``histogram_quantile`` does: the bucket holding
    the rank ``p × count``, interpolated linearly inside it (the open last bucket answers
    its lower bound). To a tenth of a second; None when nothing was measured."""
    total = sum(buckets)
    if not total:
        return None
    rank = p * total
    before = 0
    for index, count in enumerate(buckets):
        if count and before + count >= rank:
            low = BUCKETS[index - 1] if index else 0
            if index >= len(BUCKETS):
                return float(low)
            return round(low + (BUCKETS[index] - low) * (rank - before) / count, 1)
        before += count
    return float(BUCKETS[-1])  # unreachable: the counts reach the total


def _figures(key: str, label: str, sums: Sums) -> payloads.ReportFigures:
    def histogram(duration: str) -> list[int]:
        return [_sum(sums, bucket_column(duration, i)) for i in range(BUCKET_COUNT)]

    first, handle = histogram("first_response"), histogram("handle_time")
    count = {column: _sum(sums, column) for column in COUNTERS}
    answered = count["surveys_answered"]
    return {
        "key": key,
        "label": label,
        "messages_in": count["messages_in"],
        "messages_out": count["messages_out"],
        "first_responses": count["first_responses"],
        "first_response_median": percentile(first, 0.5),
        "first_response_p90": percentile(first, 0.9),
        "handled": count["handled"],
        "handle_time_median": percentile(handle, 0.5),
        "handle_time_p90": percentile(handle, 0.9),
        "reply_breaches": count["reply_breaches"],
        "notification_fallbacks": count["notification_fallbacks"],
        "offers_rejected": count["offers_rejected"],
        "offers_expired": count["offers_expired"],
        "abandoned": count["abandoned"],
        "surveys_answered": answered,
        "csat_average": round(_sum(sums, "survey_score_sum") / answered, 2) if answered else None,
        "csat_satisfied_percent": round(100 * count["surveys_satisfied"] / answered, 1) if answered else None,
    }


def _dims_in_period(period: Period) -> QuerySet:
    """The tallies per queue, agent and number of ``period``: the rows of the whole UTC days
    inside it, and the hourly rows of its two ends."""
    start, end = period.starts_at, period.ends_at
    first_day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first_day < start:
        first_day += timedelta(days=1)
    last_day = end.replace(hour=0, minute=0, second=0, microsecond=0)
    dims = Tally.objects.filter(dim__in=("queue", "agent", "channel"))
    if first_day >= last_day:
        return dims.filter(whole_day=False, hour__gte=start, hour__lt=end)
    return dims.filter(
        Q(whole_day=True, hour__gte=first_day, hour__lt=last_day)
        | Q(whole_day=False, hour__gte=start, hour__lt=first_day)
        | Q(whole_day=False, hour__gte=last_day, hour__lt=end)
    )


def _in_period(model: type[Tally] | type[TallyDetail], period: Period) -> QuerySet:
    return model.objects.filter(hour__gte=period.starts_at, hour__lt=period.ends_at)


def _labels(dim: str, ids: Iterable[int]) -> dict[int, str]:
    ids = [i for i in ids if i]
    if dim == "queue":
        return dict(Queue.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dim == "channel":
        return {c.pk: c.name for c in Channel.objects.filter(pk__in=ids).only("pk", "name")}
    users = get_user_model().objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
    return {u.pk: user_name(u) for u in users}


#: U4: translated when a report is built, in the request's language.
_NONE_LABEL = {
    "queue": gettext_lazy("(no queue)"),
    "agent": gettext_lazy("(no agent)"),
    "channel": gettext_lazy("(no number)"),
}


def ensure_report_reader(user: User) -> None:
    """S3 for supervisors only: a report names every agent and queue. The API asks this
    before it reads the period, so that an agent learns nothing from the input's checks."""
    if not user_is_supervisor(user):
        raise PermissionDenied(_("reports are for supervisors"), code="not_a_supervisor")


def report_for_user(*, user: User, period: Period) -> payloads.Report:
    """S3 for supervisors only (``ensure_report_reader``)."""
    ensure_report_reader(user)
    return report_build(period)


def report_build(period: Period) -> payloads.Report:
    """S3: the figures of ``period`` (local dates in its time zone)."""
    zone = period.zone
    overall = _in_period(Tally, period).filter(dim="", whole_day=False)
    days: dict[str, Sums] = {d.isoformat(): {} for d in period.dates()}
    for row in (
        overall.annotate(day=TruncDate("hour", tzinfo=zone)).values("day").annotate(**_SUMS).order_by()
    ):
        days[row["day"].isoformat()] = row
    totals: dict[str, int] = {
        column: sum(_sum(row, column) for row in days.values()) for column in _FIGURE_COLUMNS
    }
    hours: dict[int, Sums] = {h: {} for h in range(24)}
    for row in (
        overall.annotate(local_hour=ExtractHour("hour", tzinfo=zone))
        .values("local_hour")
        .annotate(**_SUMS)
        .order_by()
    ):
        hours[row["local_hour"]] = row
    by_dim: dict[str, dict[int, Sums]] = {"queue": {}, "agent": {}, "channel": {}}
    for row in _dims_in_period(period).values("dim", "dim_id").annotate(**_SUMS).order_by():
        by_dim[row["dim"]][row["dim_id"]] = row
    types: dict[tuple[str, str], int] = defaultdict(int)
    dispositions: dict[str, int] = defaultdict(int)
    for kind, detail, n in (
        _in_period(TallyDetail, period).values_list("kind", "detail").annotate(count=Sum("n")).order_by()
    ):
        if kind == TallyDetail.Kind.DISPOSITION:
            dispositions[detail] += n
        else:
            types[(kind, detail)] += n

    def rows(dim: str) -> list[payloads.ReportFigures]:
        labels = _labels(dim, by_dim[dim])
        found = [
            _figures(
                str(dim_id),
                (labels.get(dim_id) or str(_NONE_LABEL[dim])) if dim_id else str(_NONE_LABEL[dim]),
                sums,
            )
            for dim_id, sums in by_dim[dim].items()
        ]
        return sorted(found, key=lambda row: (row["key"] == "0", row["label"].lower()))

    return {
        "period": {
            "date_from": period.date_from.isoformat(),
            "date_to": period.date_to.isoformat(),
            "time_zone": str(zone.key),
            "days": period.days,
            "starts_at": period.starts_at.isoformat(),
            "ends_at": period.ends_at.isoformat(),
        },
        "totals": _figures("total", "All", totals),
        "messages_by_type": [
            {
                "key": f"{'in' if kind == TallyDetail.Kind.MESSAGE_IN else 'out'}:{detail}",
                "label": _type_label(kind, detail),
                "count": n,
            }
            for (kind, detail), n in sorted(types.items(), key=lambda item: (item[0][0], -item[1]))
        ],
        "dispositions": [
            {"key": code, "label": code or _("(none)"), "count": n}
            for code, n in sorted(dispositions.items(), key=lambda item: -item[1])
        ],
        "by_day": [_figures(key, key, sums) for key, sums in sorted(days.items())],
        "by_hour": [_figures(f"{h:02d}", f"{h:02d}:00", sums) for h, sums in hours.items()],
        "by_queue": rows("queue"),
        "by_agent": rows("agent"),
        "by_channel": rows("channel"),
    }


def _type_label(kind: str, detail: str) -> str:
    try:
        name = str(Message.Type(detail).label)
    except ValueError:
        name = detail or "?"
    if kind == TallyDetail.Kind.MESSAGE_IN:
        return _("In: %(type)s") % {"type": name}
    return _("Out: %(type)s") % {"type": name}


def search_agents() -> list[Choice]:
    """The agents a supervisor may filter a search by (O6), by name."""
    users = (
        get_user_model()
        .objects.filter(agent_profile__isnull=False)
        .only("pk", "username", "first_name", "last_name")
    )
    agents: list[Choice] = [{"id": u.pk, "name": user_name(u)} for u in users]
    return sorted(agents, key=lambda a: a["name"].lower())


def search_queues() -> list[Choice]:
    """The queues a search may be narrowed to (O6), by name."""
    return [{"id": pk, "name": name} for pk, name in Queue.objects.order_by("name").values_list("pk", "name")]
