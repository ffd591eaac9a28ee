"""G1 in a real browser: a content manager submits a template from the admin; the sandbox
(Meta) reviews it after its short delay and its webhook turns the template APPROVED, which
the admin then shows (status read-only: it mirrors Meta)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium
from tests.stack import Stack, running_stack

skip_without_chromium()
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(extra_env={"WHATSAPP_SANDBOX_TEMPLATE_REVIEW_SECONDS": "1"}) as running:
        yield running


def test_submit_a_template_and_see_it_approved(browser, stack):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{stack.url}/admin/login/?next=/admin/templates_app/messagetemplate/add/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    page.select_option("#id_kind", "notification")
    page.fill("#id_name", "table_ready_browser")
    page.fill("#id_body", "Hello {{1}}, your table is ready now.")
    page.check("#id_submit_to_meta")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted to Meta: PENDING")
    expect(page.locator(".field-status .readonly")).to_have_text("Pending")
    expect(page.locator("#id_status")).to_have_count(0)  # read-only: it mirrors Meta
    deadline = time.monotonic() + 20
    while (
        "APPROVED" not in page.locator(".field-status .readonly").inner_text() and time.monotonic() < deadline
    ):
        time.sleep(0.5)
        page.reload()
    expect(page.locator(".field-status .readonly")).to_have_text("Approved")
    expect(page.locator(".field-whatsapp_template_id .readonly")).not_to_be_empty()
