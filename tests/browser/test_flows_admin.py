"""B1 in a real browser: a supervisor builds an entry flow in the admin (a greeting and a
triage menu whose "Billing" choice leads to the Billing queue), overlapping business hours
are refused with the reason; a customer writes on the sandbox phone, gets the greeting and
the menu, answers "Billing", and the agent of that queue who accepts sees the flow's part
of the conversation marked as automated."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.browser.conftest import DEMO_PASSWORD, customer_says, expect, skip_without_chromium
from tests.stack import Stack, running_stack

skip_without_chromium()
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """Its own product: the flow set up here must not greet the other modules' customers."""
    with running_stack() as running:
        yield running


@pytest.fixture
def admin_page(browser, stack, contexts):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = context.new_page()
    page.goto(f"{stack.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    return page


def menu_sent(supervisor) -> bool:
    """The flow's menu is queued on an interaction (the customer's next answer is its answer)."""
    for interaction in supervisor.get("/api/v1/interactions/", params={"state": "active"}).json()["results"]:
        page = supervisor.get(f"/api/v1/interactions/{interaction['id']}/messages/").json()
        shown = (page.get("results") or page.get("messages") or []) if isinstance(page, dict) else page
        if any(m.get("body") == "How can we help?" for m in shown):
            return True
    return False


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_flow_built_in_the_admin_triages_a_customer_to_the_agent(stack, api, admin_page, alice, customer):
    page = admin_page
    page.goto(f"{stack.url}/admin/flows/flow/add/")
    page.fill("#id_name", "Support triage")
    page.select_option("#id_channel", index=1)
    page.fill("#id_greeting", "Welcome to the demo shop!")
    page.fill("#id_time_zone", "Europe/Berlin")
    page.locator("#steps-group .add-row a").click()
    page.fill("#id_steps-0-name", "Triage")
    page.select_option("#id_steps-0-kind", "menu")
    page.fill("#id_steps-0-text", "How can we help?")
    # Two ranges of one Monday that overlap: refused with the reason, nothing saved.
    for i, (opens, closes) in enumerate((("08:00", "12:00"), ("11:00", "18:00"))):
        page.locator("#hours-group .add-row a").click()
        page.select_option(f"#id_hours-{i}-weekday", "0")
        page.fill(f"#id_hours-{i}-opens", opens)
        page.fill(f"#id_hours-{i}-closes", closes)
    page.locator("input[name=_continue]").click()
    expect(page.locator("#content")).to_contain_text("Monday: 08:00-12:00 and 11:00-18:00 overlap")
    page.fill("#id_hours-1-opens", "13:00")
    page.fill("#id_hours-1-closes", "23:59")
    for day in range(1, 7):  # open all week, so the test does not depend on the hour
        page.locator("#hours-group .add-row a").click()
        page.select_option(f"#id_hours-{day + 1}-weekday", str(day))
        page.fill(f"#id_hours-{day + 1}-opens", "00:00")
        page.fill(f"#id_hours-{day + 1}-closes", "23:59")
    page.fill("#id_hours-0-opens", "00:00")
    page.fill("#id_hours-1-opens", "12:00")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The menu's choice, on the step's own page.
    page.locator("#steps-group").get_by_role("link", name="Change").first.click()
    page.locator("#choices-group .add-row a").click()
    page.fill("#id_choices-0-title", "Billing")
    page.select_option("#id_choices-0-queue", label="Billing")
    page.fill("#id_choices-0-case_field", "topic")
    page.fill("#id_choices-0-case_value", "billing")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{stack.url}/admin/flows/flow/")
    page.locator("#result_list").get_by_role("link", name="Support triage").click()
    page.select_option("#id_first_step", label="Support triage: Triage")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    alice.go_ready()
    customer_says(stack, customer, "Hello")
    wait_for(lambda: menu_sent(api["supervisor"]))
    expect(alice.offer(customer)).to_have_count(0)  # the flow has it: nobody is offered it
    customer_says(stack, customer, "Billing")
    expect(alice.offer(customer)).to_contain_text("billing")  # the case data the choice set
    panel = alice.accept(customer)
    automated = panel.locator(".bubble--automated")
    expect(automated.first).to_contain_text("Welcome to the demo shop!")
    expect(automated.nth(1)).to_contain_text("How can we help?")
