"""P5 in a real browser: an administrator's option change reaches open consoles at once.

The options are changed the way an administrator does it, through the admin's forms (the
supervisor's session), not behind the server's back.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.browser.conftest import (
    Console,
    Customer,
    customer_says,
    customer_webhook,
    expect,
    skip_without_chromium,
)

skip_without_chromium()
pytestmark = pytest.mark.browser

REPLY_TIMEOUT = "whatsappsession.reply-timeout"
TEXT_SIZE = "whatsappsession.text-size"
#: "Within two seconds" (README), with a margin for a slow machine.
PROMPTLY_MS = 3_000


def admin_sets_option(stack, supervisor: httpx.Client, key: str, value) -> int:
    """Add a global option value in the admin; returns its id."""
    response = supervisor.post(
        "/admin/conversations/optionvalue/add/",
        data={"key": key, "value": str(value), "agent_group": "", "agent": ""},
    )
    assert response.status_code == 302, response.text[:2000]
    return stack.shell(
        "from conversations.models import OptionValue\n"
        f"print(OptionValue.objects.get(key={key!r}, agent=None, agent_group=None).pk)"
    )


def admin_deletes_option(supervisor: httpx.Client, option_id: int) -> None:
    response = supervisor.post(f"/admin/conversations/optionvalue/{option_id}/delete/", data={"post": "yes"})
    assert response.status_code == 302, response.text[:2000]


def customer_wrote_minutes_ago(stack, customer: Customer, text: str, minutes: int) -> None:
    """A message that originated ``minutes`` ago (the phone was offline) and arrives now."""
    customer_webhook(
        stack,
        customer,
        {"type": "text", "text": {"body": text}, "timestamp": str(int(time.time()) - minutes * 60)},
    )


def test_a_lowered_reply_timeout_shows_in_an_open_chat_before_the_agent_types(stack, api, alice, customer):
    """O2: the banner changes with the option, not after the agent's text went out as a
    notification; and a reply deadline passing while the chat is open shows by itself."""
    alice.go_ready()
    customer_wrote_minutes_ago(stack, customer, "Where is my parcel?", minutes=10)
    expect(alice.offer(customer)).to_be_visible()
    panel = alice.accept(customer)
    chip, notice = panel.locator(".window-chip"), panel.locator(".window-notice")
    expect(chip).to_have_text(re.compile(r"Window open · 23 h [45]\d min left"))
    expect(notice).to_be_hidden()
    # Only the server's push may change the banner now: no periodic resync during the test.
    alice.page.evaluate("() => { window.waConsole.resync = async () => {}; }")

    option_id = admin_sets_option(stack, api["supervisor"], REPLY_TIMEOUT, 60)
    try:
        # O1/O2: files, reply buttons and lists still go inside the 24-hour window: the chip says until when
        ended = re.compile(
            r"^Response window ended: text goes out as a notification; files, buttons and lists until \S.*$"
        )
        expect(chip).to_have_text(ended, timeout=PROMPTLY_MS)
        expect(chip).to_have_attribute("data-state", "reply-ended")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(
            "The response window has ended: what you type goes out appended to the default notification template."
            " Files, reply buttons and lists can still be sent until "
        )
        expect(alice.composer).to_have_attribute("placeholder", "Type the text of the notification")
        expect(alice.composer).to_have_value("")  # nothing typed, nothing sent

        # the customer writes again: a minute to reply, counted down from the server's deadline
        customer_says(stack, customer, "Hello?")
        expect(alice.message("Hello?")).to_be_visible()
        expect(chip).to_have_text(re.compile(r"Window open · [1-6]?\d s left"))
        expect(notice).to_be_hidden()
        # the minute passes while the chat is open: the console says so by itself
        alice.page.evaluate("() => { window.waConsole.clockOffset += 61000; }")
        expect(chip).to_have_text(ended, timeout=PROMPTLY_MS)
        expect(notice).to_be_visible()
    finally:
        admin_deletes_option(api["supervisor"], option_id)


def test_a_text_size_the_admin_accepts_applies_in_open_consoles(stack, api, alice: Console, customer):
    """W7: any size the admin accepts (8-72 px), also above 40, applies without a reload."""
    alice.go_ready()
    customer_says(stack, customer, "Big letters, please")
    expect(alice.offer(customer)).to_be_visible()
    messages = alice.accept(customer).locator(".messages")
    expect(messages).to_have_css("font-size", "14px")  # the default

    option_id = admin_sets_option(stack, api["supervisor"], TEXT_SIZE, 60)
    try:
        expect(messages).to_have_css("font-size", "60px", timeout=PROMPTLY_MS)
    finally:
        admin_deletes_option(api["supervisor"], option_id)
    expect(messages).to_have_css("font-size", "14px", timeout=PROMPTLY_MS)
