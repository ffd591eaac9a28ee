"""S3 reports and O6 interaction search over REST: thin views (parse, one selector, render)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import payloads, selectors
from conversations.api.inputs import (
    ID_SCHEMA,
    NO_NUL,
    QUERY_TEXT_SCHEMA,
    query_choice,
    query_id,
    query_text,
)
from conversations.api.pagination import CURSOR_PARAMETER, IdCursorPagination
from conversations.api.schema import body, page_of
from conversations.exceptions import DomainError
from conversations.models import Interaction, Queue
from reports.csvexport import report_csv
from reports.periods import (
    DATE_SCHEMA,
    REPORT_MAX_DAYS,
    ZONE_PATTERN,
    Period,
    PeriodError,
    date_parse,
    period_parse,
    zone_parse,
)
from reports.selectors import ensure_report_reader, report_for_user
from waproject.requests import SignedInRequest

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "date_from",
        {"type": "string", "format": "date"},
        description="first local date (default: 6 days before date_to)",
    ),
    OpenApiParameter(
        "date_to",
        DATE_SCHEMA,
        description=f"last local date, included (default: today); at most {REPORT_MAX_DAYS} days in all",
    ),
    OpenApiParameter(
        "tz",
        {"type": "string", "maxLength": 64, "pattern": ZONE_PATTERN},
        description="IANA time zone of the dates, days and hours (default: the server's, UTC)",
    ),
]


#: What DRF itself reads from a query string besides a view's filters: the format override
#: (``?format=json``; ``URL_FORMAT_OVERRIDE``). No view here sets ``page_size``/``limit``.
DRF_PARAMETERS = ("format",)
#: The report's filters (``period_parse``).
PERIOD_FILTERS = ("date_from", "date_to", "tz")
#: The search's filters (``_search_of``) and its page's cursor.
SEARCH_FILTERS = (
    "contact",
    "text",
    "date_from",
    "date_to",
    "tz",
    "agent_id",
    "queue_id",
    "disposition",
    "state",
    "cursor",
)


def names_check(request: Request, accepted: Sequence[str], unknown: str) -> None:
    """400 naming a query parameter that is not ``accepted`` (a typo, a filter of another
    endpoint), or one given twice: either would silently answer another question."""
    selectors.filter_names_check(request.query_params, accepted, unknown=unknown, tolerated=DRF_PARAMETERS)


def refused(exc: PeriodError) -> Exception:
    """A value of the wrong shape: 400 with ``fields``; a rule between values (the order
    of the dates, the longest period, a zone name we do not know): 400 with its code,
    the message naming the field."""
    if exc.rule:
        return DomainError(f"{exc.field}: {exc.message}", code=exc.rule)
    return serializers.ValidationError({exc.field: [exc.message]})


def period_of(request: SignedInRequest) -> Period:
    """The request's period; 400 naming the field that is not valid. The caller must be
    a supervisor (403 ``not_a_supervisor``), checked before any input is read."""
    ensure_report_reader(request.user)
    names_check(request, PERIOD_FILTERS, gettext("unknown filter; the report takes %(names)s"))
    try:
        return period_parse(request.query_params)
    except PeriodError as exc:
        raise refused(exc) from exc


class ReportApi(APIView):
    """S3: a period's figures (supervisors): volumes, first-response and handle times
    (median, 90th percentile), reply-timeout breaches, notification fallbacks, offers
    rejected or expired, dispositions; by queue, agent, number, local day and hour."""

    @extend_schema(
        operation_id="v1_reports_retrieve", parameters=PERIOD_PARAMETERS, responses=body(payloads.Report)
    )
    def get(self, request: SignedInRequest) -> Response:
        return Response(report_for_user(user=request.user, period=period_of(request)))


class CsvAcceptance(BaseRenderer):
    """What lets ``Accept: text/csv`` (and ``?format=csv``) through content negotiation:
    the CSV itself is the view's own HttpResponse, so this renders nothing."""

    media_type = "text/csv"
    format = "csv"

    def render(
        self,
        data: object,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, object] | None = None,
    ) -> bytes:
        raise NotImplementedError("the CSV view answers with its own HttpResponse")


class CsvNegotiation(DefaultContentNegotiation):
    """The CSV view answers text/csv, and its refusals (400, 403…) JSON in the API's error
    shape whatever the client accepts: with DRF's negotiation alone, ``Accept: text/csv``
    was a 406, as no renderer of the view spoke CSV."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        offered = list(renderers)
        renderer, media_type = super().select_renderer(request, [*offered, CsvAcceptance()], format_suffix)
        if isinstance(renderer, CsvAcceptance):
            return offered[0], offered[0].media_type  # the JSON renderer, for a refusal
        return renderer, media_type


class ReportCsvApi(APIView):
    """S3: the same report as CSV (``section, key, label, count, <figures>``)."""

    content_negotiation_class = CsvNegotiation

    @extend_schema(
        operation_id="v1_reports_csv",
        parameters=PERIOD_PARAMETERS,
        responses={(200, "text/csv"): {"type": "string"}},
    )
    def get(self, request: SignedInRequest) -> HttpResponse:
        period = period_of(request)
        text = report_csv(report_for_user(user=request.user, period=period))
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        name = f"report-{period.date_from.isoformat()}-{period.date_to.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class InteractionSearchApi(APIView):
    """O6: the interactions the caller may see (all for supervisors; for an agent, theirs,
    offered, joined or in their workbins) matching every filter given, newest first.

    ``contact``: a name, username or number (part of one); ``text``: words of a message
    (PostgreSQL: full-text, every word; SQLite: the text as a substring);
    ``date_from``/``date_to``: local dates (``tz``) the interaction began, both included."""

    @extend_schema(
        operation_id="v1_interactions_search",
        parameters=[
            OpenApiParameter("contact", QUERY_TEXT_SCHEMA, description="name, username or number"),
            OpenApiParameter("text", QUERY_TEXT_SCHEMA, description="words of a message"),
            OpenApiParameter("date_from", DATE_SCHEMA),
            OpenApiParameter("date_to", DATE_SCHEMA),
            PERIOD_PARAMETERS[2],
            OpenApiParameter("agent_id", ID_SCHEMA),
            OpenApiParameter("queue_id", ID_SCHEMA),
            OpenApiParameter("disposition", {"type": "string", "maxLength": 100, "pattern": NO_NUL}),
            OpenApiParameter("state", str, enum=Interaction.State.values),
            CURSOR_PARAMETER,
        ],
        responses=page_of(payloads.InteractionSearchHit),
    )
    def get(self, request: SignedInRequest) -> Response:
        search = _search_of(request)
        found = selectors.interaction_search(user=request.user, search=search).select_related(
            "contact", "channel", "owner", "queue"
        )
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(found, request, view=self) or []  # always paginated
        visible = selectors.contact_history_visible_ids(
            user=request.user, contact_ids=[i.contact_id for i in page]
        )
        return paginator.get_paginated_response(
            [payloads.interaction_search_hit(i, history_visible=i.contact_id in visible) for i in page]
        )


def _search_of(request: Request) -> selectors.InteractionSearch:
    """The search's filters, each checked (400 naming the field; an id of no row too)."""
    names_check(request, SEARCH_FILTERS, gettext("unknown filter; the search takes %(names)s"))
    params = request.query_params
    try:
        zone = zone_parse(params.get("tz"))
        date_from, date_to = date_parse(params, "date_from"), date_parse(params, "date_to")
    except PeriodError as exc:
        raise refused(exc) from exc
    if date_from and date_to and date_from > date_to:
        refusal = gettext("must not be after date_to (%(date)s)") % {"date": date_to.isoformat()}
        raise DomainError(f"date_from: {refusal}", code="bad_period")  # as ``refused`` names the field
    disposition = params.get("disposition")
    if disposition is not None:
        disposition = query_text(request, "disposition", max_length=100)
    agent_id, queue_id = query_id(request, "agent_id"), query_id(request, "queue_id")
    search = selectors.InteractionSearch(
        contact=query_text(request, "contact"),
        text=query_text(request, "text"),
        created_from=datetime.combine(date_from, time(0), zone) if date_from else None,
        created_before=datetime.combine(date_to + timedelta(days=1), time(0), zone) if date_to else None,
        agent_id=agent_id,
        queue_id=queue_id,
        disposition=disposition,
        state=query_choice(request, "state", choices=Interaction.State.values),
    )
    selectors.rows_exist_check([("agent_id", User, agent_id), ("queue_id", Queue, queue_id)])
    return search


urlpatterns = [
    path("interactions/search/", InteractionSearchApi.as_view(), name="interaction-search"),
    path("reports/", ReportApi.as_view(), name="reports"),
    path("reports/csv/", ReportCsvApi.as_view(), name="reports-csv"),
]
