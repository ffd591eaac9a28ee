"""The time zone names a user may give: IANA's zones and links, not the host's extras.

``zoneinfo.available_timezones()`` lists every TZif file of the host's zone directory,
and ``ZoneInfo`` opens any of them. Some are no place of IANA's: ``localtime`` (a link to
the host's own zone: a report in it would change meaning from one server to the next),
``Factory`` (tzdata's placeholder for a machine not configured yet, abbreviated "-00"),
``posixrules`` (the rules ``zic`` applies to POSIX TZ strings) and the ``posix/`` and
``right/`` trees (copies of every zone, the latter counting leap seconds). They are
refused like any name of no zone.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

#: Names a zone directory may hold that name no IANA place.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
#: Trees of copies of the zones under other names.
NOT_ZONE_PREFIXES = ("posix/", "right/")


@cache
def time_zone_names() -> frozenset[str]:
    """The names a user may give (read once: the zone directory does not change while
    the server runs; UTC even on a host without one)."""
    return frozenset(
        name
        for name in available_timezones() | {"UTC"}
        if name not in NOT_ZONES and not name.startswith(NOT_ZONE_PREFIXES)
    )


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone name the host knows."""
    return name in time_zone_names()
