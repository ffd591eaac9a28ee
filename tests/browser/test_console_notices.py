"""Issue 13 in a real browser: R2b's desktop notices of new work, the question before
signing out with open conversations, and a window banner that says what can be sent.

The browser's notifications are granted with Playwright's permissions and observed by
wrapping ``window.Notification`` before the console loads (the console calls the real
constructor's interface: ``new Notification(title, {body, tag})``).
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import (
    Console,
    Customer,
    customer_says,
    expect,
    new_customer,
    skip_without_chromium,
)
from tests.stack import DEMO_PASSWORD

skip_without_chromium()
pytestmark = pytest.mark.browser

#: Records every notification the page shows (window.shownNotices), keeping the real
#: permission and requestPermission.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.shownNotices = [];
  class Recorded {
    constructor(title, options) {
      window.shownNotices.push({ title, body: (options && options.body) || "", tag: (options && options.tag) || "" });
    }
    close() {}
    static get permission() { return Real.permission; }
    static requestPermission() { return Real.requestPermission(); }
  }
  window.Notification = Recorded;
})();
"""


def login_recording(browser, stack, username: str, *, granted: bool) -> Console:
    """conftest's login, with the notifications recorded (and granted or not) from the start."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    if granted:
        context.grant_permissions(["notifications"], origin=stack.url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.goto(f"{stack.url}/accounts/login/?next=/console/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body.console-ready")).to_be_attached()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    return Console(page, username)


def looks_away(console: Console) -> None:
    """The agent works in another window: the console loses the focus."""
    console.page.evaluate("() => window.dispatchEvent(new Event('blur'))")


def looks_back(console: Console) -> None:
    console.page.evaluate("() => window.dispatchEvent(new Event('focus'))")


def shown(console: Console) -> list[dict[str, str]]:
    return console.page.evaluate("() => window.shownNotices")


def test_a_new_offer_is_a_desktop_notice_only_while_the_agent_looks_elsewhere(browser, stack, contexts):
    alice = login_recording(browser, stack, "alice", granted=True)
    toggle = alice.page.locator("#desktop-toggle")
    expect(toggle).to_have_text("Desktop notices on")
    expect(toggle).to_be_disabled()
    alice.go_ready()
    base_title = alice.page.title()

    # the console is in front: the card says it, no notification, no flashing title
    looks_back(alice)
    seen = new_customer("Max Front")
    customer_says(stack, seen, "I am looking at you")
    expect(alice.offer(seen)).to_be_visible()
    alice.page.wait_for_timeout(600)
    assert shown(alice) == []
    assert alice.page.title() == base_title

    # elsewhere: a notification names the interaction type and the customer, the title flashes
    looks_away(alice)
    customer = new_customer("Lena Away")
    customer_says(stack, customer, "Is anyone there?")
    expect(alice.offer(customer)).to_be_visible()
    alice.page.wait_for_function("() => window.shownNotices.length === 1")
    notice = shown(alice)[0]
    assert notice["title"] == "New offer: New WhatsApp conversation"
    assert f"(+{customer.wa_id})" in notice["body"]
    assert notice["body"].endswith("Is anyone there?")
    expect(alice.page).to_have_title(re.compile(r"^\(1\) New offer — "), timeout=3000)

    # back at the console: the title stops flashing
    looks_back(alice)
    expect(alice.page).to_have_title(base_title)
    alice.page.wait_for_timeout(1200)
    assert alice.page.title() == base_title
    assert len(shown(alice)) == 1


def test_without_the_permission_only_the_title_flashes_until_the_agent_enables_notices(
    browser, stack, contexts
):
    alice = login_recording(browser, stack, "alice", granted=False)
    toggle = alice.page.locator("#desktop-toggle")
    expect(toggle).to_have_text("Enable desktop notices")
    expect(toggle).to_be_enabled()
    alice.go_ready()
    looks_away(alice)
    customer = new_customer("Nina Nopermission")
    customer_says(stack, customer, "Hello?")
    expect(alice.offer(customer)).to_be_visible()
    expect(alice.page).to_have_title(re.compile(r"^\(1\) New offer — "), timeout=3000)
    assert shown(alice) == []  # the browser did not allow it: no notification

    # the agent enables them (the browser grants it: Playwright answers the prompt)
    alice.context.grant_permissions(["notifications"], origin=stack.url)
    toggle.click()
    expect(toggle).to_have_text("Desktop notices on")


def test_signing_out_with_an_open_conversation_says_where_it_goes_and_asks(browser, stack, api, contexts):
    alice = login_recording(browser, stack, "alice", granted=False)
    alice.go_ready()
    customer = new_customer("Olga Open")
    customer_says(stack, customer, "Still there?")
    panel = alice.accept(customer)
    interaction_id = alice.interaction_id(panel)

    alice.page.get_by_role("button", name="Sign out").click()
    dialog = alice.page.locator("#signout-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#signout-title")).to_have_text("Sign out with 1 open conversation?")
    summary = dialog.locator("#signout-summary")
    expect(summary).to_contain_text("Your 1 open conversation (")
    expect(summary).to_contain_text("moves to your workbin \u201cMy workbin\u201d and leaves your console")

    # Stay signed in: nothing moved
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    expect(panel).to_be_visible()
    assert api["supervisor"].get(f"/api/v1/interactions/{interaction_id}/").json()["state"] == "active"

    # Sign out: the conversation is parked, as the dialog said
    alice.page.get_by_role("button", name="Sign out").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Sign out").click()
    expect(alice.page).to_have_url(re.compile(r"/accounts/login/"))
    assert api["supervisor"].get(f"/api/v1/interactions/{interaction_id}/").json()["state"] == "parked"


def test_the_window_banner_says_what_can_be_sent_and_until_when(stack, alice, customer: Customer):
    alice.go_ready()
    customer_says(stack, customer, "My order is late")
    panel = alice.accept(customer)
    interaction_id = alice.interaction_id(panel)
    chip = panel.locator(".window-chip")
    expect(chip).to_have_text(re.compile(r"^Window open · 23 h 5\d min left: anything can be sent until \S"))

    # The reply timeout passed but the 24-hour window is open for two more hours: text goes
    # out as a notification, files (and reply buttons and lists) still go: the chip says so
    stack.shell(
        "from datetime import timedelta\nfrom django.utils import timezone\n"
        "from conversations.models import Interaction\n"
        f"Interaction.objects.filter(pk={interaction_id}).update("
        "last_inbound_at=timezone.now() - timedelta(hours=25),"
        " window_expires_at=timezone.now() + timedelta(hours=2))\nprint('null')"
    )
    alice.page.reload()
    panel = alice.page.locator(f"#panel-{interaction_id}")
    chip = panel.locator(".window-chip")
    expect(chip).to_have_attribute("data-state", "reply-ended")
    expect(chip).to_have_text(
        re.compile(
            r"^Response window ended: text goes out as a notification; files, buttons and lists until \S"
        )
    )
    expect(chip).not_to_contain_text("only a notification")
    expect(panel.locator("input[type=file]")).to_be_enabled()
    expect(panel.locator(".window-notice")).to_contain_text(
        "Files, reply buttons and lists can still be sent until"
    )


def alice_owns_a_conversation(stack, api, customer: Customer) -> int:
    """Alice (over the API) accepts the customer's offer: an interaction in progress of hers."""
    alice = api["alice"]
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    customer_says(stack, customer, "I need two people on this")
    for _ in range(100):
        offers = [
            o
            for o in alice.get("/api/v1/agent/me/").json()["offers"]
            if o["customer_wa_id"] == customer.wa_id
        ]
        if offers:
            break
        time.sleep(0.1)
    assert offers, "alice was offered the conversation"
    accepted = alice.post(f"/api/v1/offers/{offers[0]['id']}/accept/", json={})
    accepted.raise_for_status()
    return accepted.json()["id"]


def test_an_invitation_and_a_consultation_are_desktop_notices_too(browser, stack, api, contexts):
    bob = login_recording(browser, stack, "bob", granted=True)
    bob_id = api["bob"].get("/api/v1/agent/me/").json()["agent"]["id"]
    customer = new_customer("Paula Pair")
    interaction_id = alice_owns_a_conversation(stack, api, customer)
    second = alice_owns_a_conversation(stack, api, new_customer("Quentin Question"))
    # a conference invites an agent who is Ready
    api["bob"].post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    looks_away(bob)

    api["alice"].post(
        f"/api/v1/interactions/{interaction_id}/conference/", json={"agent_id": bob_id}
    ).raise_for_status()
    bob.page.wait_for_function("() => window.shownNotices.length === 1")
    invitation = shown(bob)[0]
    assert invitation["title"] == "Conference invitation: WhatsApp conversation"
    assert invitation["body"].startswith("Alice")
    assert "invites you to the conversation with" in invitation["body"]
    expect(bob.page).to_have_title(re.compile(r"^\(1\) Conference invitation — "), timeout=3000)

    api["alice"].post(
        f"/api/v1/interactions/{second}/consultation/", json={"agent_id": bob_id, "body": "Seen this one?"}
    ).raise_for_status()
    bob.page.wait_for_function("() => window.shownNotices.length === 2")
    consultation = shown(bob)[1]
    assert consultation["title"] == "Consultation: WhatsApp conversation"
    assert "consults you about the conversation with" in consultation["body"]
    expect(bob.page).to_have_title(re.compile(r"^\(2\) Consultation — "), timeout=3000)
    looks_back(bob)
    expect(bob.page).not_to_have_title(re.compile(r"^\(\d\)"))
