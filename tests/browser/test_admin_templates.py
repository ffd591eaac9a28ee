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


# --- U3: buttons, list sections and rows with forms and a live preview ---------------------------


def admin_page(browser, stack: Stack, path: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{stack.url}/admin/login/?next={path}")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    return page


def test_buttons_and_list_rows_are_edited_with_forms_and_previewed_live(browser, stack):
    page = admin_page(browser, stack, "/admin/templates_app/messagetemplate/add/")
    preview = page.locator("#template-preview")
    expect(page.locator("#id_buttons")).to_be_hidden()  # the JSON is written by the form
    expect(page.locator("#id_sections")).to_be_hidden()

    # reply buttons: one form per button, each checked as typed; the preview follows
    page.select_option("#id_kind", "reply_buttons")
    page.fill("#id_name", "did_we_help")
    page.fill("#id_body", "Hi {{1}}, did we solve order {{2}}?")
    buttons = page.locator('[data-editor="buttons"]')
    buttons.get_by_role("button", name="Add a button").click()
    first = buttons.locator('[data-item="button"]').nth(0)
    expect(first.get_by_label("Text")).to_be_focused()
    first.get_by_label("Text").fill("Yes, all solved, thank you")
    expect(first.locator(".te-field--text .te-error")).to_have_text("At most 20 characters (now 26)")
    expect(first.get_by_label("Text")).to_have_attribute("aria-invalid", "true")
    first.get_by_label("Text").fill("Yes")
    expect(first.locator(".te-field--text .te-error")).to_be_hidden()
    buttons.get_by_role("button", name="Add a button").click()
    buttons.locator('[data-item="button"]').nth(1).get_by_label("Text").fill("Not yet")
    expect(preview.locator(".tp-button")).to_have_text(["↩ Yes", "↩ Not yet"])
    buttons.get_by_role("button", name="Move up").click()
    expect(preview.locator(".tp-button")).to_have_text(["↩ Not yet", "↩ Yes"])

    # the parameters' labels: the preview shows each parameter by what it is
    expect(preview.locator('[data-part="body"]')).to_have_text(
        "Hi [Body, 1st value], did we solve order [Body, 2nd value]?"
    )
    page.locator('[data-editor="parameter_labels"]').get_by_label("Body {{2}}").fill("Order number")
    expect(preview.locator('[data-part="body"]')).to_have_text(
        "Hi [Body, 1st value], did we solve order [Order number]?"
    )

    # a list message: sections and their options, the list as the customer opens it
    page.select_option("#id_kind", "list")
    page.fill("#id_list_button", "Choose")
    sections = page.locator('[data-editor="sections"]')
    sections.get_by_role("button", name="Add a section").click()
    section = sections.locator("[data-section='1']")
    section.get_by_label("Section title").fill("Delivery")
    row = section.locator('[data-item="row"]').nth(0)
    row.get_by_label("Option title").fill("At the door")
    expect(row.get_by_label("Option id")).to_have_value("at_the_door")  # from the title
    row.get_by_label("Description").fill("Leave it at the door")
    section.get_by_role("button", name="Add an option to section 1").click()
    second = section.locator('[data-item="row"]').nth(1)
    expect(second.get_by_label("Option title")).to_be_focused()
    second.get_by_label("Option title").fill("To a neighbour")
    second.get_by_label("Option id").fill("at_the_door")
    expect(second.locator(".te-field--id .te-error")).to_have_text("Another option has this id")
    second.get_by_label("Option id").fill("neighbour")
    expect(preview.locator(".tp-button")).to_have_text("☰ Choose")
    expect(preview.locator(".tp-section-title")).to_have_text("Delivery")
    expect(preview.locator(".tp-row-title")).to_have_text(["At the door", "To a neighbour"])
    expect(preview.locator(".tp-row-description")).to_have_text("Leave it at the door")

    # the buttons written for the reply-buttons kind are the server's to refuse: it says so
    page.locator("input[name=_continue]").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-buttons .errorlist")).to_contain_text(
        "list messages have rows in sections, not buttons"
    )
    buttons = page.locator('[data-editor="buttons"]')
    expect(buttons).to_contain_text("A list message has no buttons")
    buttons.get_by_role("button", name="Remove the 2 buttons").click()
    expect(page.locator("#id_buttons")).to_have_value("[]")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # saved as the stored JSON; the form shows it again, status read-only
    expect(page.locator('[data-editor="sections"] [data-item="row"]')).to_have_count(2)
    expect(
        page.locator('[data-editor="sections"] [data-item="row"]').nth(1).get_by_label("Option id")
    ).to_have_value("neighbour")
    expect(page.locator('[data-editor="parameter_labels"]').get_by_label("Body {{2}}")).to_have_value(
        "Order number"
    )
    expect(page.locator("#id_status")).to_have_count(0)

    # "Edit as JSON" shows the stored shape; JSON that does not parse keeps it open, saying so
    toggle = page.locator('[data-editor="sections"] ~ .te-toggle')
    toggle.click()
    expect(page.locator("#id_sections")).to_be_visible()
    expect(page.locator('[data-editor="sections"]')).to_be_hidden()
    page.fill("#id_sections", '[{"title": "Delivery", "rows": [')
    page.get_by_role("button", name="Back to the form").click()
    expect(page.locator("#id_sections")).to_be_visible()
    expect(page.locator('.te-wrap:has([data-editor="sections"]) .te-note')).to_contain_text(
        "This is not valid JSON for list sections"
    )
    page.fill(
        "#id_sections",
        '[{"title": "Delivery", "rows": [{"id": "at_the_door", "title": "At the door", '
        '"description": "Leave it at the door"}, {"id": "neighbour", "title": "To a neighbour"}]}]',
    )
    page.get_by_role("button", name="Back to the form").click()
    expect(page.locator("#id_sections")).to_be_hidden()
    expect(page.locator('[data-editor="sections"] [data-item="row"]')).to_have_count(2)
    expect(preview.locator(".tp-row-title")).to_have_text(["At the door", "To a neighbour"])
    saved = stack.shell(
        "import json\nfrom templates_app.models import MessageTemplate as T\n"
        "t = T.objects.get(name='did_we_help')\n"
        "print(json.dumps({'sections': t.sections, 'labels': t.parameter_labels, 'buttons': t.buttons}))"
    )
    assert saved == {
        "sections": [
            {
                "title": "Delivery",
                "rows": [
                    {"id": "at_the_door", "title": "At the door", "description": "Leave it at the door"},
                    {"id": "neighbour", "title": "To a neighbour"},
                ],
            }
        ],
        "labels": {"body.2": "Order number"},
        "buttons": [],
    }


def test_call_to_action_buttons_have_their_own_fields(browser, stack):
    page = admin_page(browser, stack, "/admin/templates_app/messagetemplate/add/")
    preview = page.locator("#template-preview")
    page.select_option("#id_kind", "notification")
    page.fill("#id_body", "Your parcel {{1}} is on its way.")
    buttons = page.locator('[data-editor="buttons"]')
    buttons.get_by_role("button", name="Add a button").click()
    link = buttons.locator('[data-item="button"]').nth(0)
    link.get_by_label("Type").select_option("url")
    link.get_by_label("Text").fill("Track it")
    link.get_by_label("Web address").fill("example.com/t/{{1}}")
    expect(link.locator(".te-field--url .te-error")).to_have_text("A web address starting with https://")
    link.get_by_label("Web address").fill("https://example.com/t/{{1}}")
    expect(link.locator(".te-field--url .te-error")).to_be_hidden()
    buttons.get_by_role("button", name="Add a button").click()
    call = buttons.locator('[data-item="button"]').nth(1)
    call.get_by_label("Type").select_option("phone_number")
    call.get_by_label("Text").fill("Call us")
    call.get_by_label("Phone number").fill("+4930123456")
    expect(preview.locator(".tp-button")).to_have_text(["↗ Track it", "✆ Call us"])
    assert page.locator("#id_buttons").input_value().replace("\n", "").replace(" ", "") == (
        '[{"type":"url","text":"Trackit","url":"https://example.com/t/{{1}}"},'
        '{"type":"phone_number","text":"Callus","phone_number":"+4930123456"}]'
    )
