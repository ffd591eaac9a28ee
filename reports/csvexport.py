"""S3: a report as CSV, one row per figure row of every breakdown."""

from __future__ import annotations

import csv
import io
from typing import Literal, get_args

from conversations import payloads
from reports.selectors import FIGURES, Section

SECTIONS: tuple[Section, ...] = get_args(Section)
COUNTS: tuple[Literal["messages_by_type", "dispositions"], ...] = ("messages_by_type", "dispositions")


def report_csv(report: payloads.Report) -> str:
    """The report's rows: ``section, key, label, count, <figures>``; ``count`` is filled
    for the messages by type and the dispositions, the figures for the rest."""
    out = io.StringIO()
    writer = csv.writer(out)
    period = report["period"]
    writer.writerow(["section", "key", "label", "count", *FIGURES])
    writer.writerow(
        ["period", period["time_zone"], f"{period['date_from']} to {period['date_to']}", period["days"]]
    )
    writer.writerow(["totals", "total", "All", "", *(_cell(report["totals"][f]) for f in FIGURES)])
    for section in SECTIONS:
        for row in report[section]:
            writer.writerow([section, row["key"], _text(row["label"]), "", *(_cell(row[f]) for f in FIGURES)])
    for counted in COUNTS:
        for count in report[counted]:
            writer.writerow([counted, _text(count["key"]), _text(count["label"]), count["count"]])
    return out.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: str) -> str:
    """A name as text a spreadsheet will not run: one starting like a formula is quoted (a line
    break first too: some spreadsheets drop it and read what follows as the cell)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else value
