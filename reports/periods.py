"""The period of a report: two local dates in a time zone, checked field by field.

``date_from`` and ``date_to`` are ISO dates (both included), ``tz`` an IANA time zone
name (the supervisor's; the page sends the browser's). Without dates the period is the
last 7 days up to today in that zone. A period longer than ``REPORT_MAX_DAYS`` is refused
with the maximum: tallies are hourly, and a year is what a screen and a CSV can show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from waproject.zones import is_time_zone

#: The longest period a report covers, in days.
REPORT_MAX_DAYS = 366
#: The period without dates: the last week, today included.
DEFAULT_DAYS = 7
_DATE = re.compile(r"2[0-9]{3}-[0-9]{2}-[0-9]{2}")
#: The schema of a date parameter (``date_parse``): the years 2000 to 2999.
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": "^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"}
ZONE_PATTERN = "^[A-Za-z0-9_+\\-/]{1,64}$"
_ZONE = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")


class PeriodError(ValueError):
    """A filter that is not valid: which one, and why."""

    def __init__(self, field: str, message: str, *, rule: str = "") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        #: Empty for a value of the wrong shape (the API's 400 names the field); else the
        #: code of a rule between values that the schema cannot state (a 400 without fields).
        self.rule = rule


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date
    zone: ZoneInfo

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date_from, time(0), self.zone).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The end, excluded: midnight after ``date_to`` (local)."""
        return datetime.combine(self.date_to + timedelta(days=1), time(0), self.zone).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def dates(self) -> list[date]:
        return [self.date_from + timedelta(days=i) for i in range(self.days)]


def zone_parse(text: str | None, *, blank_is_default: bool = False) -> ZoneInfo:
    """The IANA time zone ``text`` names (absent: the server's, UTC)."""
    if text is None or (blank_is_default and not text.strip()):
        text = settings.TIME_ZONE
    if not _ZONE.fullmatch(text):
        raise PeriodError(
            "tz",
            _("%(value)s is not a time zone name (IANA, e.g. Europe/Berlin)") % {"value": repr(text[:64])},
        )
    if not is_time_zone(text):  # not the host's extras either: localtime, Factory…
        raise PeriodError(
            "tz",
            _("%(value)s is no time zone we know (IANA, e.g. Europe/Berlin)") % {"value": repr(text)},
            rule="bad_time_zone",
        )
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PeriodError(
            "tz", _("%(value)s is no time zone we know") % {"value": repr(text)}, rule="bad_time_zone"
        ) from exc


def date_parse(params: Mapping[str, str], name: str, *, blank_is_default: bool = False) -> date | None:
    """The ISO date of ``params[name]`` (None when absent; when empty too for a form);
    PeriodError else."""
    text = params.get(name)
    if text is None or (blank_is_default and text == ""):
        return None
    if not _DATE.fullmatch(text):
        raise PeriodError(
            name, _("%(value)s is not a date from 2000 to 2999 (YYYY-MM-DD)") % {"value": repr(text[:40])}
        )
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(name, _("%(value)s is not a date of the calendar") % {"value": repr(text)}) from exc


def period_parse(
    params: Mapping[str, str], *, now: datetime | None = None, blank_is_default: bool = False
) -> Period:
    """The period ``params`` ask for (``date_from``, ``date_to``, ``tz``); PeriodError
    naming the field when one is not valid or the period is too long. ``blank_is_default``:
    an empty field (a form's) means its default."""
    zone = zone_parse(params.get("tz"), blank_is_default=blank_is_default)
    today = (now or timezone.now()).astimezone(zone).date()
    date_from = date_parse(params, "date_from", blank_is_default=blank_is_default)
    date_to = date_parse(params, "date_to", blank_is_default=blank_is_default)
    if date_to is None:
        date_to = today if date_from is None else min(today, date_from + timedelta(days=DEFAULT_DAYS - 1))
        date_to = max(date_to, date_from or date_to)
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise PeriodError(
            "date_from",
            _("must not be after date_to (%(date)s)") % {"date": date_to.isoformat()},
            rule="bad_period",
        )
    days = (date_to - date_from).days + 1
    if days > REPORT_MAX_DAYS:
        raise PeriodError(
            "date_to",
            _("the period is %(days)d days; the maximum is %(max)d days")
            % {"days": days, "max": REPORT_MAX_DAYS},
            rule="period_too_long",
        )
    return Period(date_from=date_from, date_to=date_to, zone=zone)
