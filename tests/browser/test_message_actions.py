"""U1: message actions (Reply with a quote, Copy) and the keyboard shortcuts for what an
agent does all day (accept, next / previous / next unread conversation, write, quote the
customer's last message, Done), with the overlay that lists them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Customer, customer_says, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser


def test_reply_quotes_the_message_on_the_phone_and_copy_puts_its_text_on_the_clipboard(
    stack, api, alice, phone_of
):
    nina = Customer(wa_id="4915700000101", name="Nina")
    alice.go_ready()
    phone = phone_of(nina)
    customer_says(stack, nina, "Where is my order 4711?")
    panel = alice.accept(nina)

    question = alice.tab.locator(".row--in", has_text="Where is my order 4711?")
    question.hover()
    question.get_by_role("button", name="Reply to this message").click()
    bar = panel.locator(".replying")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Where is my order 4711?")
    expect(alice.composer).to_be_focused()
    alice.composer.fill("It leaves the depot today.")
    alice.composer.press("Enter")

    answer = alice.message("It leaves the depot today.")
    expect(answer.locator(".quote-body")).to_contain_text("Where is my order 4711?")
    expect(bar).to_be_hidden()  # the next message quotes nothing
    # the customer sees the quote on the phone, as WhatsApp shows it
    expect(phone.locator(".sbx-quote", has_text="Where is my order 4711?")).to_be_visible()
    interaction_id = alice.interaction_id(panel)
    sent = [
        m
        for m in api["alice"].get(f"/api/v1/interactions/{interaction_id}/messages/").json()["messages"]
        if m["body"] == "It leaves the depot today."
    ]
    assert sent and sent[0]["context_wamid"]

    # Esc takes a reply back before it is sent
    question.hover()
    question.get_by_role("button", name="Reply to this message").click()
    expect(bar).to_be_visible()
    alice.composer.press("Escape")
    expect(bar).to_be_hidden()

    alice.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.url)
    question.hover()
    question.get_by_role("button", name="Copy the text").click()
    expect(question.get_by_role("button", name="Copied")).to_be_visible()
    assert alice.page.evaluate("navigator.clipboard.readText()") == "Where is my order 4711?"


def test_an_agent_works_the_console_from_the_keyboard(stack, alice):
    first, second = Customer(wa_id="4915700000201", name="Ola"), Customer(wa_id="4915700000202", name="Per")
    alice.go_ready()
    page = alice.page

    customer_says(stack, first, "Hello from Ola")
    expect(alice.offer(first)).to_be_visible()
    page.keyboard.press("Alt+KeyA")  # accept the newest offer
    expect(alice.offer(first)).to_have_count(0)
    expect(alice.message("Hello from Ola")).to_be_visible()
    expect(alice.composer).to_be_focused()

    customer_says(stack, second, "Hello from Per")
    expect(alice.offer(second)).to_be_visible()
    page.keyboard.press("Alt+KeyA")
    expect(alice.message("Hello from Per")).to_be_visible()

    # previous / next conversation
    page.keyboard.press("Alt+ArrowUp")
    expect(alice.message("Hello from Ola")).to_be_visible()
    page.keyboard.press("Alt+ArrowDown")
    expect(alice.message("Hello from Per")).to_be_visible()

    # next unread: Ola writes while Per's conversation is shown
    customer_says(stack, first, "Are you there?")
    expect(page.locator(".chat-item .unread:not([hidden])")).to_have_count(1)
    page.keyboard.press("Alt+KeyU")
    expect(alice.message("Are you there?")).to_be_visible()
    expect(alice.composer).to_be_focused()

    # quote the customer's last message, answer, all without the mouse
    page.keyboard.press("Alt+KeyR")
    expect(alice.tab.locator(".replying")).to_contain_text("Are you there?")
    page.keyboard.type("Yes, one moment please.")
    page.keyboard.press("Enter")
    expect(alice.message("Yes, one moment please.").locator(".quote-body")).to_contain_text("Are you there?")

    # the list of shortcuts: Alt+/ (or ? outside a text box), Esc closes it
    page.keyboard.press("Alt+Slash")
    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Accept the newest offer")
    expect(dialog).to_contain_text("Alt+D")
    page.keyboard.press("Alt+KeyD")  # nothing acts behind the list
    expect(page.locator("#done-dialog")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.locator(".chat-item").first.focus()  # out of the composer
    page.keyboard.press("Shift+Slash")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")

    # Done, then back to writing with Alt+C in the other conversation
    page.keyboard.press("Alt+KeyD")
    expect(page.locator("#done-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#done-dialog")).to_be_hidden()
    page.locator(".chat-item").first.focus()  # out of the composer
    page.keyboard.press("Alt+KeyC")
    expect(alice.composer).to_be_focused()
