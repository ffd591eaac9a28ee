"""B3 (and its admin) in a real browser: an administrator turns on the General queue's
survey in the admin (a choice too long for a button is refused with the reason), an agent
handles a sandbox phone's customer and marks it Done, the customer taps an answer on the
phone, and the contact's history in the console shows it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser


@pytest.fixture
def admin_page(browser, stack, contexts):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{stack.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    return page


def test_the_survey_set_in_the_admin_is_answered_on_the_phone_and_shown_in_the_history(
    stack, admin_page, alice, customer, phone
):
    page = admin_page
    page.goto(f"{stack.url}/admin/surveys/queuecare/add/")
    page.locator("#id_queue").select_option(label="General")
    page.get_by_label("send a satisfaction survey after Done").check()
    page.fill("#id_survey_question", "How did we do?")
    page.fill("#id_survey_choices", "3 Absolutely wonderful service\n2 OK\n1 Bad")
    page.fill("#id_survey_satisfied_from", "3")
    page.fill("#id_survey_min_days", "0")
    page.locator("input[name=_save]").click()
    expect(page.locator(".errorlist")).to_contain_text("reply buttons allow at most 20")
    page.fill("#id_survey_choices", "3 Great\n2 OK\n1 Bad")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # the customer writes, Alice accepts, answers and marks it Done
    alice.go_ready()
    phone.fill("#sbx-text", "Where is my parcel?")
    phone.press("#sbx-text", "Enter")
    expect(alice.offer(customer)).to_be_visible()
    panel = alice.accept(customer)
    alice.send("It arrives today.")
    panel.get_by_role("button", name="Done").click()
    dialog = alice.page.get_by_role("dialog")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()

    # the survey reaches the phone as buttons; the customer taps one
    survey = phone.locator(".sbx-row--in", has_text="How did we do?")
    expect(survey).to_be_visible()
    survey.get_by_role("button", name="Great").click()
    expect(phone.locator(".sbx-row--out", has_text="Great")).to_be_visible()

    # the contact's history shows the answer on the conversation it rates
    phone.fill("#sbx-text", "One more question")
    phone.press("#sbx-text", "Enter")
    expect(alice.offer(customer)).to_be_visible()
    panel = alice.accept(customer)
    side = panel.locator("aside.side")
    expect(side.locator(".history-survey")).to_have_text("Survey: Great (3) · satisfied")
