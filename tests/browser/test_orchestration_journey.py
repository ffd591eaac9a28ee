"""B1 + B3, the whole journey in a real browser, as a new team would first try it: the
supervisor turns on the demo's entry flow and the Billing queue's survey in the admin; a
customer writes on the sandbox phone, gets the greeting and the triage menu, taps
"Billing"; Alice (Billing's agent, Ready) is offered the conversation, accepts it, sees the
flow's automated messages and the case data the choice set, answers and marks it Done; the
customer taps an answer to the survey on the phone and writes the comment it asks for; the
contact's history in Alice's console shows both."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser

#: The seeded demo flow (``seed_demo``: saved inactive) and its triage menu.
GREETING = "Welcome to the demo shop!"
MENU = "How can we help you today?"
HANDOFF = "Thank you! An agent will be with you shortly."
QUESTION = "How did we do?"
COMMENT_PROMPT = "Anything we could do better?"


@pytest.fixture
def admin_page(browser, stack, contexts):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{stack.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    return page


def test_triage_queue_agent_done_survey_on_the_phone_and_in_the_console(
    stack, admin_page, alice, customer, phone
):
    # The supervisor: the demo's triage flow goes live, Billing asks for satisfaction after Done.
    page = admin_page
    page.goto(f"{stack.url}/admin/flows/flow/")
    page.locator("#result_list").get_by_role("link", name="Demo triage").click()
    page.locator("#id_is_active").check()
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{stack.url}/admin/surveys/queuecare/add/")
    page.locator("#id_queue").select_option(label="Billing")
    page.get_by_label("send a satisfaction survey after Done").check()
    page.fill("#id_survey_question", QUESTION)
    page.fill("#id_survey_choices", "5 Great\n3 OK\n1 Bad")
    page.fill("#id_survey_satisfied_from", "4")
    page.fill("#id_survey_comment_prompt", COMMENT_PROMPT)
    page.fill("#id_survey_min_days", "0")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The customer writes; the flow greets and asks, nobody is offered it yet.
    alice.go_ready()
    phone.fill("#sbx-text", "Hello, I was charged twice")
    phone.press("#sbx-text", "Enter")
    expect(phone.locator(".sbx-row--in", has_text=GREETING)).to_be_visible()
    menu = phone.locator(".sbx-row--in", has_text=MENU)
    expect(menu).to_be_visible()
    expect(menu.get_by_role("button", name="My order")).to_be_visible()
    expect(menu.get_by_role("button", name="Talk to a person")).to_be_visible()
    expect(alice.offer(customer)).to_have_count(0)

    # The tap on "Billing" routes it to the Billing queue: Alice is offered it, with the case data.
    menu.get_by_role("button", name="Billing").click()
    expect(phone.locator(".sbx-row--in", has_text=HANDOFF)).to_be_visible()
    expect(alice.offer(customer)).to_contain_text("billing")
    panel = alice.accept(customer)
    automated = panel.locator(".bubble--automated")
    expect(automated).to_have_count(3)
    expect(automated.nth(0)).to_contain_text(GREETING)
    expect(automated.nth(1)).to_contain_text(MENU)
    expect(automated.nth(2)).to_contain_text(HANDOFF)
    expect(panel.locator(".row--in", has_text="charged twice")).to_be_visible()
    expect(panel.get_by_label("Value of topic")).to_have_value("billing")

    # Alice answers and marks it Done.
    alice.send("The second charge is refunded: you will see it in 3 days.")
    expect(phone.locator(".sbx-row--in", has_text="The second charge is refunded")).to_be_visible()
    panel.get_by_role("button", name="Done").click()
    dialog = alice.page.get_by_role("dialog")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    expect(panel).to_have_count(0)

    # The survey reaches the phone as reply buttons; the customer taps one, then comments.
    survey = phone.locator(".sbx-row--in", has_text=QUESTION)
    expect(survey).to_be_visible()
    survey.get_by_role("button", name="Great").click()
    expect(phone.locator(".sbx-row--in", has_text=COMMENT_PROMPT)).to_be_visible()
    phone.fill("#sbx-text", "Quick and friendly")
    phone.press("#sbx-text", "Enter")
    # Delivered ticks: our webhook took the comment (stored before it answered).
    comment = phone.locator(".sbx-row--out", has_text="Quick and friendly")
    expect(comment.locator(".sbx-ticks:not(.sbx-ticks--failed)")).to_be_visible()

    # Alice finds the contact in her history: the answer and the comment, on that conversation.
    alice.page.locator("#directory-open").click()
    directory = alice.page.locator("#directory-dialog")
    entry = directory.locator(".directory-item", has_text=f"+{customer.wa_id}")
    expect(entry).to_be_visible()
    entry.get_by_role("button", name="History of").click()
    expect(entry.locator(".history-survey")).to_have_text(
        "Survey: Great (5) · satisfied · “Quick and friendly”"
    )
