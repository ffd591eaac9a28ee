"""S3's report page and O6's search page (server-rendered; the search runs over REST)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conversations.exceptions import PermissionDenied
from conversations.models import Interaction
from conversations.permissions import user_is_supervisor
from reports.charts import report_charts
from reports.periods import REPORT_MAX_DAYS, PeriodError, period_parse
from reports.selectors import FIGURES, Section, report_for_user, search_agents, search_queues
from waproject.requests import SignedInHttpRequest

#: The tables of the page: section, title, the first column's name (U4: translated when
#: the page is drawn, in the request's language).
TABLES: tuple[tuple[Section, Promise, Promise], ...] = (
    ("by_day", _("By day"), _("Day")),
    ("by_hour", _("By hour of day"), _("Hour")),
    ("by_queue", _("By queue"), _("Queue")),
    ("by_agent", _("By agent"), _("Agent")),
    ("by_channel", _("By number"), _("Number")),
)


@login_required
def report_page(request: SignedInHttpRequest) -> HttpResponse:
    """The supervisor's report: a form for the period, then each breakdown as a chart with
    its table, and a CSV link of the same figures."""
    form = {name: request.GET.get(name, "") for name in ("date_from", "date_to", "tz")}
    context = {"form": form, "max_days": REPORT_MAX_DAYS, "figures": FIGURES}
    try:
        period = period_parse(request.GET, blank_is_default=True)
        report = report_for_user(user=request.user, period=period)
    except PeriodError as exc:
        context["error"] = {"field": exc.field, "message": exc.message}
        return render(request, "reports/report.html", context, status=400)
    except PermissionDenied as exc:
        context["forbidden"] = exc.message
        return render(request, "reports/report.html", context, status=403)
    charts = report_charts(report)
    period_of = report["period"]
    form.update(date_from=period_of["date_from"], date_to=period_of["date_to"], tz=period_of["time_zone"])
    context.update(
        report=report,
        query=urlencode(form),  # the period shown, not the page's query: the API refuses unknowns
        sections=[
            {"key": key, "title": title, "column": column, "rows": report[key], "chart": charts[key]}
            for key, title, column in TABLES
        ],
        charts=charts,
    )
    return render(request, "reports/report.html", context)


@login_required
def search_page(request: SignedInHttpRequest) -> HttpResponse:
    """O6: the search form; results, the read-only transcript and "start a conversation"
    come from the API (reports/static/reports/search.js)."""
    supervisor = user_is_supervisor(request.user)
    context = {
        "states": Interaction.State.choices,
        "supervisor": supervisor,
        # An agent filters by agent only among what they see: the choice is a supervisor's.
        "agents": search_agents() if supervisor else [],
        "queues": search_queues(),
    }
    return render(request, "reports/search.html", context)
