"""U4: customer text in a right-to-left script reads right to left, in the console and on
the sandbox phone, while left-to-right text beside it stays as it was (``dir="auto"``:
each block takes the direction of its first strong character)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Customer, customer_says, expect, skip_without_chromium

skip_without_chromium()
pytestmark = pytest.mark.browser

ARABIC = "مرحبا، أين طلبي رقم 4711؟"
HEBREW = "תודה רבה"


def direction(locator) -> str:
    return locator.evaluate("node => getComputedStyle(node).direction")


def test_arabic_and_hebrew_read_right_to_left_in_the_console_and_on_the_phone(stack, alice, phone_of):
    layla = Customer(wa_id="971501234567", name="Layla")
    alice.go_ready()
    phone = phone_of(layla)
    customer_says(stack, layla, ARABIC)
    panel = alice.accept(layla)

    arabic = alice.message(ARABIC).locator(".text")
    expect(arabic).to_have_attribute("dir", "auto")
    assert direction(arabic) == "rtl"
    # the list's preview of the last message too
    preview = alice.page.locator(".chat-item .chat-preview")  # her conversation is the only one
    expect(preview).to_contain_text("مرحبا")
    assert direction(preview) == "rtl"

    alice.send("Hello Layla, let me check order 4711.")
    english = alice.message("let me check order 4711").locator(".text")
    assert direction(english) == "ltr"

    # the agent types Hebrew: the composer follows what is typed
    composer = panel.locator("textarea[data-ref=text]")
    composer.fill(HEBREW)
    assert direction(composer) == "rtl"
    composer.press("Enter")
    expect(alice.message(HEBREW)).to_be_visible()

    # the phone shows both directions as the customer reads them
    bubble = phone.locator(".sbx-text", has_text=HEBREW)
    expect(bubble).to_be_visible()
    assert direction(bubble) == "rtl"
    assert direction(phone.locator(".sbx-text", has_text="let me check order 4711")) == "ltr"
    assert direction(phone.locator(".sbx-text", has_text="مرحبا")) == "rtl"
