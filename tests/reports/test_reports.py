"""S3: the report's figures from the tallies: nearest-rank medians and 90th percentiles,
days and hours in the supervisor's time zone, breakdowns, the API, CSV, the page, and
precise refusals of bad filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from reports.models import BUCKET_COUNT
from reports.periods import REPORT_MAX_DAYS
from reports.selectors import percentile
from reports.services import Fact, Kind, duration_bucket, facts_record
from tests.factories import AgentProfileFactory, QueueFactory, UserFactory
from waproject.zones import is_time_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sam", is_superuser=True, is_staff=True)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def histogram(**counts: int) -> list[int]:
    """Counts per bucket, by a duration (in seconds) of each bucket: ``histogram(s42=1)``."""
    buckets = [0] * BUCKET_COUNT
    for name, n in counts.items():
        buckets[duration_bucket(float(name[1:]))] += n
    return buckets


@pytest.mark.parametrize(
    ("buckets", "median", "p90"),
    [
        (histogram(s42=1), 45.0, 49.0),  # alone in 40-50 s: interpolated inside the bucket
        (histogram(s1=10), 2.5, 4.5),
        (histogram(s6=9, s100000=1), 7.8, 10.0),  # a day-long outlier does not move the median
        (histogram(s100000=2), 86400.0, 86400.0),  # the open last bucket answers its lower bound
    ],
)
def test_median_and_90th_percentile_from_the_histogram(buckets, median, p90):
    assert percentile(buckets, 0.5) == median
    assert percentile(buckets, 0.9) == p90


def test_nothing_measured_has_no_median():
    assert percentile([0] * BUCKET_COUNT, 0.5) is None


def test_report_figures_by_local_day_hour_queue_agent(client, supervisor, channel):
    queue = QueueFactory(name="Billing")
    agent = AgentProfileFactory(user__username="alice", user__first_name="Alice").user
    where = {"queue_id": queue.pk, "agent_id": agent.pk, "channel_id": channel.pk}
    facts_record(
        [
            # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin (UTC+1 in winter)
            Fact(Kind.MESSAGE_IN, at("2026-03-01T23:30:00"), detail="text", **where),
            Fact(Kind.MESSAGE_IN, at("2026-03-02T08:10:00"), detail="image", **where),
            Fact(Kind.MESSAGE_OUT, at("2026-03-02T08:11:00"), detail="text", **where),
            Fact(Kind.FIRST_RESPONSE, at("2026-03-02T08:11:00"), seconds=30, **where),
            Fact(Kind.FIRST_RESPONSE, at("2026-03-02T09:00:00"), seconds=90, **where),
            Fact(Kind.FIRST_RESPONSE, at("2026-03-02T09:30:00"), seconds=60, **where),
            Fact(Kind.HANDLE_TIME, at("2026-03-02T10:00:00"), seconds=600, **where),
            Fact(Kind.DISPOSITION, at("2026-03-02T10:00:00"), detail="resolved", **where),
            Fact(Kind.REPLY_BREACH, at("2026-03-02T10:00:00"), **where),
            Fact(Kind.FALLBACK, at("2026-03-02T10:00:00"), **where),
            Fact(Kind.OFFER_REJECTED, at("2026-03-02T10:00:00"), **where),
            Fact(Kind.OFFER_EXPIRED, at("2026-03-02T10:00:00"), **where),
            Fact(Kind.MESSAGE_IN, at("2026-03-05T12:00:00"), detail="text", **where),  # outside
            # 22:30 UTC is 23:30 on 1 March in Berlin: outside, though its UTC day has a row
            Fact(Kind.MESSAGE_IN, at("2026-03-01T22:30:00"), detail="text", **where),
        ]
    )
    client.force_login(supervisor)
    answer = client.get(
        reverse("reports"), {"date_from": "2026-03-02", "date_to": "2026-03-03", "tz": "Europe/Berlin"}
    )
    assert answer.status_code == 200
    report = answer.json()
    assert report["period"]["starts_at"] == "2026-03-01T23:00:00+00:00"
    totals = report["totals"]
    assert (totals["messages_in"], totals["messages_out"]) == (2, 1)
    # 30, 60, 90 s: the median's rank (1.5) falls in 60-75 s, the 90th's (2.7) in 90-105 s
    assert (totals["first_responses"], totals["first_response_median"], totals["first_response_p90"]) == (
        3,
        67.5,
        100.5,
    )
    assert (totals["handled"], totals["handle_time_median"]) == (1, 660)  # alone in 600-720 s
    assert (totals["reply_breaches"], totals["notification_fallbacks"]) == (1, 1)
    assert (totals["offers_rejected"], totals["offers_expired"]) == (1, 1)
    days = {row["key"]: row["messages_in"] for row in report["by_day"]}
    assert days == {"2026-03-02": 2, "2026-03-03": 0}
    hours = {row["key"]: row["messages_in"] for row in report["by_hour"] if row["messages_in"]}
    assert hours == {"00": 1, "09": 1}  # local hours
    assert [(r["label"], r["messages_in"]) for r in report["by_queue"]] == [("Billing", 2)]
    assert [(r["label"], r["handled"]) for r in report["by_agent"]] == [("Alice", 1)]
    assert [r["key"] for r in report["by_channel"]] == [str(channel.pk)]
    assert {(r["key"], r["count"]) for r in report["messages_by_type"]} == {
        ("in:text", 1),
        ("in:image", 1),
        ("out:text", 1),
    }
    assert report["dispositions"] == [{"key": "resolved", "label": "resolved", "count": 1}]


def test_the_same_figures_as_csv(client, supervisor):
    facts_record([Fact(Kind.MESSAGE_IN, at("2026-03-02T08:10:00"), detail="text")])
    client.force_login(supervisor)
    answer = client.get(reverse("reports-csv"), {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0][:5] == ["section", "key", "label", "count", "messages_in"]
    assert rows[2][:5] == ["totals", "total", "All", "", "1"]
    assert ["messages_by_type", "in:text", "In: Text", "1"] in rows


@pytest.mark.parametrize(
    ("params", "field", "words", "rule"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "not a date of the calendar", ""),
        ({"date_to": "yesterday"}, "date_to", "not a date from 2000 to 2999", ""),
        ({"date_to": "9999-12-31"}, "date_to", "not a date from 2000 to 2999", ""),
        ({"date_from": ""}, "date_from", "not a date", ""),
        ({"tz": "Mars Olympus"}, "tz", "not a time zone name", ""),
        ({"tz": ""}, "tz", "not a time zone name", ""),
        # rules between values, which the schema cannot state: their own code, the field named
        ({"tz": "Mars/Olympus"}, "tz", "no time zone we know", "bad_time_zone"),
        # names the host's zone directory holds that are no IANA zone (waproject/zones.py)
        ({"tz": "localtime"}, "tz", "no time zone we know", "bad_time_zone"),
        ({"tz": "Factory"}, "tz", "no time zone we know", "bad_time_zone"),
        ({"tz": "posixrules"}, "tz", "no time zone we know", "bad_time_zone"),
        ({"tz": "posix/Europe/Berlin"}, "tz", "no time zone we know", "bad_time_zone"),
        ({"tz": "right/UTC"}, "tz", "no time zone we know", "bad_time_zone"),
        (
            {"date_from": "2026-03-05", "date_to": "2026-03-01"},
            "date_from",
            "must not be after",
            "bad_period",
        ),
        (
            {"date_from": "2024-01-01", "date_to": "2026-01-01"},
            "date_to",
            f"the period is 732 days; the maximum is {REPORT_MAX_DAYS} days",
            "period_too_long",
        ),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, supervisor, params, field, words, rule):
    client.force_login(supervisor)
    for name in ("reports", "reports-csv"):
        answer = client.get(reverse(name), params)
        assert answer.status_code == 400
        error = answer.json()["error"]
        if rule:
            assert error["code"] == rule
            assert error["message"].startswith(f"{field}: ") and words in error["message"]
        else:
            assert error["code"] == "invalid"
            assert words in error["fields"][field][0]
    page = client.get(reverse("reports:report"), params)
    if params.get(field) == "":  # a form's empty field means its default
        assert page.status_code == 200
    else:
        assert page.status_code == 400
        assert words in page.content.decode()


@pytest.mark.parametrize(
    "name", ["UTC", "Etc/UTC", "Europe/Berlin", "America/Sao_Paulo", "US/Eastern", "GMT"]
)
def test_iana_zones_and_their_links_are_time_zones(name):
    assert is_time_zone(name)


@pytest.mark.parametrize(
    "name", ["localtime", "Factory", "posixrules", "posix/UTC", "right/Europe/Berlin", "zone.tab"]
)
def test_the_hosts_extras_are_no_time_zones(name):
    assert not is_time_zone(name)


def test_reports_are_for_supervisors(client):
    agent = AgentProfileFactory().user
    client.force_login(agent)
    assert client.get(reverse("reports")).status_code == 403
    assert client.get(reverse("reports-csv")).status_code == 403
    assert client.get(reverse("reports:report")).status_code == 403


def test_an_agent_is_refused_before_the_input_is_read(client):
    client.force_login(AgentProfileFactory().user)
    for name in ("reports", "reports-csv"):
        for query in ("date_from=zz", "bogus=1", "tz=a&tz=b"):
            answer = client.get(f"{reverse(name)}?{query}")
            assert answer.status_code == 403
            assert answer.json()["error"] == {
                "code": "not_a_supervisor",
                "message": "reports are for supervisors",
            }


@pytest.mark.parametrize("query", ["from=2020-01-01", "bogus=1"])
def test_an_unknown_filter_is_refused_naming_it_and_the_accepted_ones(client, supervisor, query):
    client.force_login(supervisor)
    field = query.split("=")[0]
    for name in ("reports", "reports-csv"):
        answer = client.get(f"{reverse(name)}?{query}")
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["message"] == f"{field}: unknown filter; the report takes date_from, date_to, tz"
        assert list(error["fields"]) == [field]
    assert client.get(reverse("reports"), {"format": "json"}).status_code == 200


def test_a_filter_given_twice_is_refused(client, supervisor):
    client.force_login(supervisor)
    for name in ("reports", "reports-csv"):
        answer = client.get(f"{reverse(name)}?date_from=2026-01-01&date_from=2020-01-01")
        assert answer.status_code == 400
        assert answer.json()["error"]["message"] == "date_from: given 2 times; give each filter once"


@pytest.mark.parametrize("accept", ["text/csv", "*/*", "text/csv, application/json;q=0.5", None])
def test_the_csv_answers_whoever_accepts_csv(client, supervisor, accept):
    client.force_login(supervisor)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    period = {"date_from": "2026-03-01", "date_to": "2026-03-07"}
    answer = client.get(reverse("reports-csv"), period, **headers)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    refused = client.get(reverse("reports-csv"), {"date_from": "zz"}, **headers)
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/json"
    assert "date_from" in refused.json()["error"]["fields"]


def test_the_pages_csv_link_names_the_period_shown(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("reports:report"), {"date_from": "2026-03-01", "date_to": "", "utm": "x"})
    assert page.status_code == 200
    assert (
        'href="/api/v1/reports/csv/?date_from=2026-03-01&amp;date_to=2026-03-07&amp;tz=UTC"'
        in page.content.decode()
    )


def test_the_page_shows_each_chart_beside_its_table(client, supervisor):
    facts_record([Fact(Kind.MESSAGE_IN, at("2026-03-02T08:10:00"), detail="text")])
    client.force_login(supervisor)
    page = client.get(
        reverse("reports:report"), {"date_from": "2026-03-01", "date_to": "2026-03-07", "tz": "UTC"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    # Eight sections, and B2/B3's satisfaction and abandonment by day.
    assert html.count('src="data:image/svg+xml;base64,') == 9
    assert html.count("<table>") == 9
    assert "Download CSV" in html


def test_a_90_day_report_costs_a_fixed_number_of_queries(client, supervisor, django_assert_max_num_queries):
    facts_record(
        [Fact(Kind.MESSAGE_IN, at(f"2026-01-{d:02d}T08:10:00"), detail="text") for d in range(1, 29)]
    )
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("reports"), {"date_from": "2026-01-01", "date_to": "2026-03-31"}).status_code
            == 200
        )


def test_the_demo_seed_gives_the_reports_three_weeks_of_history(client):
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="supervisor"))
    report = client.get(reverse("reports"), {"tz": "Europe/Berlin"}).json()  # the last 7 days
    totals = report["totals"]
    assert totals["messages_in"] > 0 and totals["handled"] > 0
    assert totals["first_response_median"] is not None
    assert {row["label"] for row in report["by_agent"]} <= {"Alice", "Bob"}
    assert report["dispositions"]
