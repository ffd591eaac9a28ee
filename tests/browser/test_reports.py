"""S3 and O6 in a real browser: the supervisor sees the report's charts beside their
tables (in their own time zone, under the Content-Security-Policy); an agent searches
their interactions, opens one read-only."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser


def signed_in(browser, stack, username: str, next_url: str, **options):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{stack.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.errors = errors
    return page


def test_the_supervisor_sees_charts_beside_tables_in_their_time_zone(browser, stack, contexts):
    page = signed_in(browser, stack, "supervisor", "/reports/", timezone_id="Asia/Tokyo")
    expect(page).to_have_url(re.compile(r"tz=Asia%2FTokyo"))  # the browser's zone, asked once
    section = page.locator("#section-by_day")
    chart = section.locator("img.chart")
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", chart.element_handle())  # the SVG drew
    table = section.locator("table")
    expect(table.locator("tbody tr")).to_have_count(7)  # the last seven days
    expect(page.locator("#section-by_agent table")).to_contain_text("Alice")
    expect(page.locator(".report-totals")).to_contain_text("Messages in")
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    page.goto(f"{stack.url}/reports/?date_from=2020-01-01&date_to=2026-01-01&tz=UTC")
    expect(page.get_by_role("alert")).to_contain_text("the maximum is 366 days")
    assert page.errors == []


def test_an_agent_searches_their_interactions_and_opens_one(browser, stack, contexts):
    page = signed_in(browser, stack, "alice", "/search/")
    page.fill("input[name=text]", "order")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#search-results tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 1
    expect(page.locator("#search-results")).not_to_contain_text("Bob")  # only what Alice may see
    rows.first.get_by_role("button", name="Open").click()
    expect(page.locator("#detail-transcript .msg").first).to_be_visible()
    expect(page.locator("#detail-transcript")).to_contain_text("order")
    expect(page.locator("#start-template option").first).to_be_attached()
    page.fill("input[name=date_from]", "2026-03-05")
    page.fill("input[name=date_to]", "2026-03-01")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-error")).to_contain_text("date_from: must not be after")
    assert page.errors == []
