"""S3: the report's charts, drawn as SVG on the server by pygal (a pinned Python
dependency: no JavaScript, nothing from Node). Each is shown as an image (a ``data:``
URL, which the Content-Security-Policy allows) with the table of the same figures beside it."""

from __future__ import annotations

import base64

import pygal
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pygal.style import Style

from conversations import payloads

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    colors=("#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"),
    font_family="system-ui, sans-serif",
)
_SIZE = {"width": 720, "height": 320, "style": _STYLE, "js": [], "legend_at_bottom": True}


def _data_url(chart: pygal.graph.graph.Graph) -> str:
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def volumes_chart(rows: list[payloads.ReportFigures], *, title: str) -> str:
    chart = pygal.Bar(title=title, x_label_rotation=-45 if len(rows) > 12 else 0, **_SIZE)
    chart.x_labels = [row["label"] for row in rows]
    chart.add(_("Messages in"), [row["messages_in"] for row in rows])
    chart.add(_("Messages out"), [row["messages_out"] for row in rows])
    chart.add(pgettext("report", "Handled"), [row["handled"] for row in rows])
    return _data_url(chart)


def times_chart(rows: list[payloads.ReportFigures], *, title: str) -> str:
    chart = pygal.Line(title=title, x_label_rotation=-45 if len(rows) > 12 else 0, **_SIZE)
    chart.x_labels = [row["label"] for row in rows]
    chart.add(_("First response, median (s)"), [row["first_response_median"] for row in rows])
    chart.add(_("First response, 90th pct (s)"), [row["first_response_p90"] for row in rows])
    chart.add(_("Handle time, median (s)"), [row["handle_time_median"] for row in rows])
    return _data_url(chart)


def csat_chart(rows: list[payloads.ReportFigures], *, title: str) -> str:
    """B3: the share of satisfied survey answers (and how many answered), by day."""
    chart = pygal.Bar(title=title, x_label_rotation=-45 if len(rows) > 12 else 0, **_SIZE)
    chart.x_labels = [row["label"] for row in rows]
    chart.add(_("Satisfied (%)"), [row["csat_satisfied_percent"] for row in rows])
    chart.add(_("Surveys answered"), [row["surveys_answered"] for row in rows])
    chart.add(_("Abandoned while waiting"), [row["abandoned"] for row in rows])
    return _data_url(chart)


def counts_chart(rows: list[payloads.ReportCount], *, title: str) -> str:
    chart = pygal.Pie(title=title, inner_radius=0.4, **_SIZE)
    for row in rows:
        chart.add(row["label"], row["count"])
    return _data_url(chart)


def report_charts(report: payloads.Report) -> dict[str, str]:
    """Every chart of the report page, by section."""
    return {
        "by_day": volumes_chart(report["by_day"], title=_("Volumes by day")),
        "times": times_chart(report["by_day"], title=_("Response and handle times by day")),
        "by_hour": volumes_chart(report["by_hour"], title=_("Volumes by hour of day")),
        "by_queue": volumes_chart(report["by_queue"], title=_("By queue")),
        "by_agent": volumes_chart(report["by_agent"], title=_("By agent")),
        "by_channel": volumes_chart(report["by_channel"], title=_("By number")),
        "csat": csat_chart(report["by_day"], title=_("Satisfaction and abandonment by day")),
        "types": counts_chart(report["messages_by_type"], title=_("Messages by type")),
        "dispositions": counts_chart(report["dispositions"], title=_("Dispositions")),
    }
